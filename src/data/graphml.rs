//! GraphML reading and writing of data sets and wave networks (see `docs/data-formats.md`).
//!
//! Two vocabularies share one reader:
//! - a data set ([`write_dataset_graphml`], [`read_dataset_graphml`]): node keys `kind`,
//!   `territory`, `capacity`, `active` and, only when some organisation has one, `covariate`;
//!   edge keys `trust` (omitted when the tie has none) and
//!   `status` (`active` for a baseline tie, `dormant` for a remembered one). Projects are not
//!   part of the GraphML form.
//! - a wave network ([`write_snapshot_graphml`], [`read_snapshot_graphml`]): graph key `step`;
//!   node keys `kind`, `territory`, `active`, `adopted`, `initiative`, `project_member`; edge
//!   keys `trust` and `origin`. Written with every organisation as a node and `active` per
//!   wave; read, a node without `active` counts as active.
//!
//! Data keys are matched by their `attr.name`, so files written by other tools (networkx,
//! igraph, Gephi) read as long as their attribute names match; missing attributes take the
//! key's `<default>` or else a documented default value. Errors name the file, the line and
//! the attribute.

use super::csv::{LineCounter, check_capacity, check_covariate, parse_bool};
use super::{DataError, Dataset, Kind, Level, Organisation, Tie, Warning};
use crate::network::{NodeAttrs, Origin, SnapTie, Snapshot};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use rustc_hash::FxHashMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// Territory of a node whose file gives none.
pub const DEFAULT_TERRITORY: &str = "all";

/// Trust of an edge whose wave-network file gives neither `trust` nor `weight`: an observed tie
/// with no strength information counts as a full-strength tie, so that trust-weighted
/// statistics reduce to unweighted ones.
pub const DEFAULT_SNAPSHOT_TRUST: f64 = 1.0;

// ---------------------------------------------------------------------------------------------
// Writing

/// A GraphML document written through quick-xml's [`Writer`]: one key, node or edge per line,
/// every text escaped by [`crate::xml::escape`] (refused when XML cannot hold it).
struct GraphmlWriter<W: Write> {
    xml: Writer<io::BufWriter<W>>,
    /// Scratch for number formatting.
    num: String,
}

impl<W: Write> GraphmlWriter<W> {
    /// The XML declaration, the `<graphml>` element, the keys (name, domain, type) and the
    /// opening of the undirected graph.
    fn start(w: W, keys: &[(&str, &str, &str)]) -> io::Result<Self> {
        let mut g = GraphmlWriter {
            xml: Writer::new(io::BufWriter::new(w)),
            num: String::new(),
        };
        g.xml
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        g.newline("")?;
        g.xml
            .write_event(Event::Start(BytesStart::new("graphml").with_attributes([
                ("xmlns", "http://graphml.graphdrawing.org/xmlns"),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                (
                    "xsi:schemaLocation",
                    "http://graphml.graphdrawing.org/xmlns \
                     http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
                ),
            ])))?;
        for &(name, domain, ty) in keys {
            g.newline("  ")?;
            let mut key = BytesStart::new("key");
            for (k, v) in [
                ("id", name),
                ("for", domain),
                ("attr.name", name),
                ("attr.type", ty),
            ] {
                g.attribute(&mut key, k, v)?;
            }
            g.xml.write_event(Event::Empty(key))?;
        }
        g.newline("  ")?;
        g.xml.write_event(Event::Start(
            BytesStart::new("graph").with_attributes([("id", "G"), ("edgedefault", "undirected")]),
        ))?;
        Ok(g)
    }

    /// A line break followed by `indent`.
    fn newline(&mut self, indent: &str) -> io::Result<()> {
        self.xml
            .write_event(Event::Text(BytesText::from_escaped(format!("\n{indent}"))))
    }

    /// Adds attribute `key = value` to `e`, escaped once by the crate's escaper.
    fn attribute(&self, e: &mut BytesStart<'_>, key: &str, value: &str) -> io::Result<()> {
        let v = checked(value)?;
        e.push_attribute(Attribute::from((key.as_bytes(), v.as_bytes())));
        Ok(())
    }

    /// `<data key="key">value</data>`.
    fn data(&mut self, key: &str, value: &str) -> io::Result<()> {
        let mut e = BytesStart::new("data");
        self.attribute(&mut e, "key", key)?;
        self.xml.write_event(Event::Start(e))?;
        self.xml
            .write_event(Event::Text(BytesText::from_escaped(checked(value)?)))?;
        self.xml.write_event(Event::End(BytesEnd::new("data")))
    }

    /// `<data key="key">x</data>` with `x` in Rust's shortest round-trip form.
    fn number(&mut self, key: &str, x: f64) -> io::Result<()> {
        use std::fmt::Write as _;
        let mut buf = std::mem::take(&mut self.num);
        buf.clear();
        let _ = write!(buf, "{x}");
        let r = self.data(key, &buf);
        self.num = buf;
        r
    }

    /// `<data key="key">true|false</data>`.
    fn boolean(&mut self, key: &str, b: bool) -> io::Result<()> {
        self.data(key, if b { "true" } else { "false" })
    }

    /// Opens an element (`node` or `edge`) on its own line with the given attributes.
    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.newline("    ")?;
        let mut e = BytesStart::new(name);
        for &(k, v) in attributes {
            self.attribute(&mut e, k, v)?;
        }
        self.xml.write_event(Event::Start(e))
    }

    /// Closes the element [`Self::open`] opened.
    fn close(&mut self, name: &str) -> io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new(name)))
    }

    /// Closes the graph and the document and flushes.
    fn finish(mut self) -> io::Result<()> {
        self.newline("  ")?;
        self.xml.write_event(Event::End(BytesEnd::new("graph")))?;
        self.newline("")?;
        self.xml.write_event(Event::End(BytesEnd::new("graphml")))?;
        self.newline("")?;
        self.xml.into_inner().flush()
    }
}

/// `s` escaped, or an [`io::ErrorKind::InvalidInput`] error when it holds a character XML 1.0
/// cannot represent.
fn checked(s: &str) -> io::Result<std::borrow::Cow<'_, str>> {
    match crate::xml::unrepresentable(s) {
        Some(c) => Err(invalid(format!(
            "`{}` holds the character U+{:04X}, which XML 1.0 cannot represent",
            s.escape_debug(),
            c as u32
        ))),
        None => Ok(crate::xml::escape(s)),
    }
}

/// Writes a data set as an undirected GraphML graph: every organisation as a node (id = the
/// organisation id), baseline ties as edges with `status` `active`, then history ties with
/// `status` `dormant`. Projects are not written. The output is deterministic.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when a tie refers to an organisation out of range
/// or a text holds a character XML cannot represent (control characters other than tab and
/// line breaks).
pub fn write_dataset_graphml(ds: &Dataset, w: impl Write) -> io::Result<()> {
    let orgs = &ds.organisations;
    let n = orgs.len();
    for t in ds.ties.iter().chain(&ds.history) {
        if t.a >= n || t.b >= n {
            return Err(invalid(format!(
                "tie ({}, {}) refers to an organisation index out of range (there are {n})",
                t.a, t.b
            )));
        }
    }
    // The `covariate` key is written only when some organisation has one, so data sets without
    // covariates keep their exact form.
    let with_covariate = orgs.iter().any(|o| o.covariate.is_some());
    let keys: Vec<(&str, &str, &str)> = [
        ("kind", "node", "string"),
        ("territory", "node", "string"),
        ("capacity", "node", "double"),
        ("active", "node", "boolean"),
        ("covariate", "node", "double"),
        ("trust", "edge", "double"),
        ("status", "edge", "string"),
    ]
    .into_iter()
    .filter(|k| k.0 != "covariate" || with_covariate)
    .collect();
    let mut g = GraphmlWriter::start(w, &keys)?;
    for o in orgs {
        g.open("node", &[("id", &o.id)])?;
        g.data("kind", o.kind.name())?;
        g.data("territory", &o.territory)?;
        g.number("capacity", o.capacity)?;
        g.boolean("active", o.active)?;
        if let Some(x) = o.covariate {
            g.number("covariate", x)?;
        }
        g.close("node")?;
    }
    for (ties, status) in [(&ds.ties, "active"), (&ds.history, "dormant")] {
        for t in ties {
            g.open(
                "edge",
                &[("source", &orgs[t.a].id), ("target", &orgs[t.b].id)],
            )?;
            if let Some(x) = t.trust {
                g.number("trust", x)?;
            }
            g.data("status", status)?;
            g.close("edge")?;
        }
    }
    g.finish()
}

/// Writes the network of a wave as an undirected GraphML graph: every organisation of the data
/// set as a node (id = the organisation id), in data-set order at every wave, with `active`
/// saying whether it takes part at that wave (as the node CSV tables do), and the ties among
/// active organisations as edges; ties touching an inactive organisation are not part of the
/// observed network and are not written. The output is deterministic.
///
/// Fails with [`io::ErrorKind::InvalidInput`] when a tie or territory index is out of range or
/// a text holds a character XML cannot represent.
pub fn write_snapshot_graphml(s: &Snapshot, w: impl Write) -> io::Result<()> {
    let nodes = &s.nodes;
    let n = nodes.len();
    if s.active.len() != n
        || s.adopted.len() != n
        || s.initiative.len() != n
        || s.project_member.len() != n
        || nodes.kind.len() != n
        || nodes.territory.len() != n
    {
        return Err(invalid(
            "snapshot vectors differ in length from the organisations".to_string(),
        ));
    }
    let keys = [
        ("step", "graph", "int"),
        ("kind", "node", "string"),
        ("territory", "node", "string"),
        ("active", "node", "boolean"),
        ("adopted", "node", "boolean"),
        ("initiative", "node", "boolean"),
        ("project_member", "node", "boolean"),
        ("trust", "edge", "double"),
        ("origin", "edge", "string"),
    ];
    let mut g = GraphmlWriter::start(w, &keys)?;
    g.newline("    ")?;
    g.data("step", &s.step.to_string())?;
    for i in 0..n {
        let territory = nodes
            .territory_names
            .get(nodes.territory[i] as usize)
            .ok_or_else(|| {
                invalid(format!(
                    "territory index {} of `{}` is out of range",
                    nodes.territory[i], nodes.ids[i]
                ))
            })?;
        g.open("node", &[("id", &nodes.ids[i])])?;
        g.data("kind", nodes.kind[i].name())?;
        g.data("territory", territory)?;
        g.boolean("active", s.active[i])?;
        g.boolean("adopted", s.adopted[i])?;
        g.boolean("initiative", s.initiative[i])?;
        g.boolean("project_member", s.project_member[i])?;
        g.close("node")?;
    }
    for t in &s.ties {
        let (a, b) = (t.a as usize, t.b as usize);
        if a >= n || b >= n {
            return Err(invalid(format!(
                "tie ({a}, {b}) refers to an organisation index out of range (there are {n})"
            )));
        }
        if !(s.active[a] && s.active[b]) {
            continue;
        }
        g.open(
            "edge",
            &[("source", &nodes.ids[a]), ("target", &nodes.ids[b])],
        )?;
        g.number("trust", t.trust)?;
        g.data("origin", t.origin.name())?;
        g.close("edge")?;
    }
    g.finish()
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

// ---------------------------------------------------------------------------------------------
// Reading: public entry points

/// Reads a data set from GraphML: nodes are organisations (in file order, id = the node id),
/// edges with `status` `active` (or none) are baseline ties and edges with `status` `dormant`
/// are history ties. Missing attributes take the key's default or else: kind `other`,
/// territory `all`, capacity 1, active true, no covariate, no trust. Without a `trust` key, a `weight` key
/// is normalised to trust by dividing by the largest weight. A directed graph is symmetrised:
/// a reversed edge merges with the first (larger trust kept). The data set has no projects.
pub fn read_dataset_graphml(path: &Path) -> Result<(Dataset, Vec<Warning>), DataError> {
    let g = RawGraph::read(path)?;
    let mut warnings = Vec::new();
    let node_keys = g.resolve(
        Domain::Node,
        &["kind", "territory", "capacity", "active", "covariate"],
        Some(&mut warnings),
    );
    let edge_keys = g.resolve(
        Domain::Edge,
        &["trust", "status", "weight"],
        Some(&mut warnings),
    );
    for (key, name, default) in [
        (
            node_keys[0],
            "kind",
            "every organisation is of kind `other`",
        ),
        (
            node_keys[1],
            "territory",
            "every organisation is in territory `all`",
        ),
    ] {
        if key.is_none() {
            warnings.push(Warning {
                level: Level::Warning,
                file: g.file.clone(),
                line: None,
                message: format!("no node attribute `{name}`: {default}"),
            });
        }
    }

    if g.nodes.is_empty() {
        return Err(DataError::file(
            &g.file,
            "no <node> elements: the graph has no organisations",
        ));
    }
    if let Some(m) = crate::limits::exceeds(g.nodes.len() as u64, crate::limits::ORGANISATIONS) {
        return Err(DataError::file(
            &g.file,
            format!("too many organisations: {m}"),
        ));
    }
    let organisations = dataset_organisations(&g, &node_keys)?;

    let edges = g.edges()?;
    let [k_trust, k_status, k_weight] = edge_keys[..] else {
        unreachable!()
    };
    if let (Some(_), Some(w)) = (k_trust, k_weight) {
        warnings.push(Warning {
            level: Level::Warning,
            file: g.file.clone(),
            line: Some(g.keys[w].line),
            message: "edge attribute `weight` is ignored: `trust` is given".to_string(),
        });
    }
    let trusts = g.trusts(&edges, k_trust, k_weight)?;
    let mut ties = Vec::new();
    let mut history = Vec::new();
    for (e, trust) in edges.iter().zip(trusts) {
        let dormant = dormant(&g, e, k_status)?;
        let tie = Tie {
            a: e.a,
            b: e.b,
            trust,
        };
        if dormant {
            history.push(tie);
        } else {
            ties.push(tie);
        }
    }
    Ok((
        Dataset {
            organisations,
            ties,
            history,
            projects: Vec::new(),
        },
        warnings,
    ))
}

/// Reads a wave network from GraphML, as [`write_snapshot_graphml`] writes it or as other tools
/// write plain GraphML. Node ids are the GraphML node ids, in file order; territories are
/// numbered in order of first appearance. Missing attributes take the key's default or else:
/// kind `other`, territory `all`, adopted / initiative / project_member false, active true,
/// trust [`DEFAULT_SNAPSHOT_TRUST`] (or a `weight` divided by the largest weight), origin
/// `baseline`, step 0. Edges with `status` `dormant` (data-set files) are left out. A directed
/// graph is symmetrised: a reversed edge merges with the first (larger trust kept).
pub fn read_snapshot_graphml(path: &Path) -> Result<Snapshot, DataError> {
    let g = RawGraph::read(path)?;
    let node_keys = g.resolve(
        Domain::Node,
        &[
            "kind",
            "territory",
            "adopted",
            "initiative",
            "project_member",
            "active",
        ],
        None,
    );
    let [
        k_kind,
        k_territory,
        k_adopted,
        k_initiative,
        k_member,
        k_active,
    ] = node_keys[..]
    else {
        unreachable!()
    };
    let edge_keys = g.resolve(Domain::Edge, &["trust", "origin", "weight", "status"], None);
    let [k_trust, k_origin, k_weight, k_status] = edge_keys[..] else {
        unreachable!()
    };
    let [k_step] = g.resolve(Domain::Graph, &["step"], None)[..] else {
        unreachable!()
    };

    let n = g.nodes.len();
    let mut attrs = NodeAttrs {
        ids: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        territory: Vec::with_capacity(n),
        territory_names: Vec::new(),
    };
    let mut territory_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut active = Vec::with_capacity(n);
    let mut adopted = Vec::with_capacity(n);
    let mut initiative = Vec::with_capacity(n);
    let mut project_member = Vec::with_capacity(n);
    for node in &g.nodes {
        let kind = g.kind(&node.data, k_kind)?;
        let territory = g.territory(&node.data, k_territory)?;
        let next = attrs.territory_names.len() as u32;
        let t = *territory_index.entry(territory).or_insert_with_key(|name| {
            attrs.territory_names.push(name.clone());
            next
        });
        attrs.ids.push(node.id.clone());
        attrs.kind.push(kind);
        attrs.territory.push(t);
        active.push(g.boolean(&node.data, k_active, "active", true)?);
        adopted.push(g.boolean(&node.data, k_adopted, "adopted", false)?);
        initiative.push(g.boolean(&node.data, k_initiative, "initiative", false)?);
        project_member.push(g.boolean(&node.data, k_member, "project_member", false)?);
    }

    let step = match g.value(&g.graph_data, k_step) {
        Some((v, line)) => v.parse::<u32>().map_err(|_| {
            g.err(
                line,
                "step",
                format!("expected a whole number >= 0, got `{v}`"),
            )
        })?,
        None => 0,
    };
    let mut ties = snapshot_ties(&g, k_trust, k_weight, k_status, k_origin)?;
    ties.sort_by_key(|t| (t.a, t.b));
    Ok(Snapshot {
        step,
        nodes: Arc::new(attrs),
        active,
        adopted,
        initiative,
        project_member,
        ties,
    })
}

/// The organisations of a data set from the nodes, with the node keys of
/// [`read_dataset_graphml`] (kind, territory, capacity, active, covariate).
fn dataset_organisations(
    g: &RawGraph,
    keys: &[Option<usize>],
) -> Result<Vec<Organisation>, DataError> {
    let [k_kind, k_territory, k_capacity, k_active, k_covariate] = keys[..] else {
        unreachable!()
    };
    let mut organisations = Vec::with_capacity(g.nodes.len());
    for node in &g.nodes {
        // In this order, so that the first bad attribute of a node is the one reported.
        let kind = g.kind(&node.data, k_kind)?;
        let territory = g.territory(&node.data, k_territory)?;
        let capacity = match g.value(&node.data, k_capacity) {
            Some((v, line)) => {
                let c = g.number(v, line, "capacity")?;
                check_capacity(c, v).map_err(|m| g.err(line, "capacity", m))?
            }
            None => 1.0,
        };
        let active = g.boolean(&node.data, k_active, "active", true)?;
        let covariate = match g.value(&node.data, k_covariate) {
            Some((v, line)) => {
                let x = g.number(v, line, "covariate")?;
                Some(check_covariate(x, v).map_err(|m| g.err(line, "covariate", m))?)
            }
            None => None,
        };
        organisations.push(Organisation {
            id: node.id.clone(),
            kind,
            territory,
            capacity,
            active,
            covariate,
        });
    }
    Ok(organisations)
}

/// Whether a data-set edge is dormant (a history tie): its `status`, the same in both
/// directions of a merged edge; without one, active.
fn dormant(g: &RawGraph, e: &Edge<'_>, k_status: Option<usize>) -> Result<bool, DataError> {
    let Some(values) = g.values(&e.data, k_status) else {
        return Ok(false);
    };
    let mut dormant = None;
    for (v, line) in values {
        let d = match v {
            "active" => false,
            "dormant" => true,
            _ => {
                return Err(g.err(
                    line,
                    "status",
                    format!("expected `active` or `dormant`, got `{v}`"),
                ));
            }
        };
        if dormant.is_some_and(|x| x != d) {
            return Err(g.err(
                line,
                "status",
                "the two directions of a merged edge differ in status",
            ));
        }
        dormant = Some(d);
    }
    Ok(dormant.unwrap_or(false))
}

/// The ties of a wave network, dormant edges left out, in file order.
fn snapshot_ties(
    g: &RawGraph,
    k_trust: Option<usize>,
    k_weight: Option<usize>,
    k_status: Option<usize>,
    k_origin: Option<usize>,
) -> Result<Vec<SnapTie>, DataError> {
    let edges = g.edges()?;
    let trusts = g.trusts(&edges, k_trust, k_weight)?;
    let mut ties = Vec::with_capacity(edges.len());
    for (e, trust) in edges.iter().zip(trusts) {
        let dormant = g
            .values(&e.data, k_status)
            .is_some_and(|values| values.into_iter().any(|(v, _)| v == "dormant"));
        if dormant {
            continue;
        }
        let first_origin = g.values(&e.data, k_origin).and_then(|v| v.first().copied());
        let origin = match first_origin {
            Some((v, line)) => Origin::from_name(v).ok_or_else(|| {
                g.err(
                    line,
                    "origin",
                    format!("expected `baseline`, `programme` or `post_programme`, got `{v}`"),
                )
            })?,
            None => Origin::Baseline,
        };
        ties.push(SnapTie {
            a: e.a as u32,
            b: e.b as u32,
            trust: trust.unwrap_or(DEFAULT_SNAPSHOT_TRUST),
            origin,
        });
    }
    Ok(ties)
}

// ---------------------------------------------------------------------------------------------
// Reading: generic GraphML

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Domain {
    Graph,
    Node,
    Edge,
    All,
    Other,
}

/// A `<key>` declaration.
#[derive(Debug)]
struct Key {
    id: String,
    name: Option<String>,
    domain: Domain,
    default: Option<String>,
    line: usize,
}

/// A `<data>` value: key (index into [`RawGraph::keys`]), trimmed text, line.
#[derive(Debug)]
struct Data {
    key: usize,
    value: String,
    line: usize,
}

#[derive(Debug)]
struct RawNode {
    id: String,
    line: usize,
    data: Vec<Data>,
}

#[derive(Debug)]
struct RawEdge {
    source: String,
    target: String,
    directed: Option<bool>,
    line: usize,
    data: Vec<Data>,
}

/// The content of a GraphML file, before interpretation.
#[derive(Debug)]
struct RawGraph {
    file: String,
    keys: Vec<Key>,
    directed: bool,
    graph_data: Vec<Data>,
    nodes: Vec<RawNode>,
    edges: Vec<RawEdge>,
}

/// An edge resolved to node indices, `a < b`, with the data of every row merged into it.
struct Edge<'g> {
    a: usize,
    b: usize,
    data: Vec<&'g [Data]>,
}

/// Where the parser is.
#[derive(Debug, Clone, Copy)]
enum Ctx {
    Document,
    GraphMl,
    Key(usize),
    KeyDefault(usize),
    Graph,
    Node(usize),
    Edge(usize),
    Data(Owner, usize, usize),
    Skip,
}

/// What the parser keeps between events besides the graph: the key ids, the open elements,
/// the text of the value being read and the number of `<graph>` elements seen.
struct ParseState {
    key_ids: FxHashMap<String, usize>,
    stack: Vec<Ctx>,
    text: String,
    graphs: usize,
}

impl Default for ParseState {
    fn default() -> Self {
        ParseState {
            key_ids: FxHashMap::default(),
            stack: vec![Ctx::Document],
            text: String::new(),
            graphs: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Owner {
    Graph,
    Node(usize),
    Edge(usize),
}

impl RawGraph {
    fn read(path: &Path) -> Result<RawGraph, DataError> {
        let file = path.display().to_string();
        let text = crate::input::read(path)
            .map_err(|e| DataError::file(&file, format!("cannot open the file: {e}")))?;
        RawGraph::parse(&text, file)
    }

    fn parse(text: &[u8], file: String) -> Result<RawGraph, DataError> {
        let mut g = RawGraph {
            file,
            keys: Vec::new(),
            directed: false,
            graph_data: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
        };
        let mut st = ParseState::default();
        let mut lines = LineCounter::default();
        let mut reader = Reader::from_reader(text);
        reader.config_mut().expand_empty_elements = true;
        loop {
            let start = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|e| {
                let line = lines.at(text, reader.error_position() as usize);
                g.err_plain(line, format!("malformed XML: {e}"))
            })?;
            let line = lines.at(text, start);
            let top = *st.stack.last().expect("stack never empty");
            match event {
                Event::Start(e) => {
                    let ctx = g.open(&mut st, &reader, &e, top, line)?;
                    st.stack.push(ctx);
                }
                Event::End(_) => {
                    g.close(top, &st.text);
                    st.stack.pop();
                }
                Event::Text(t) => g.push_text(&mut st.text, top, line, t.xml10_content())?,
                Event::CData(t) => g.push_text(&mut st.text, top, line, t.xml10_content())?,
                Event::GeneralRef(r) => g.push_reference(&mut st.text, top, line, &r)?,
                Event::Eof => {
                    // quick-xml stops quietly at the end of the input; an element still open
                    // means the file was cut short.
                    if st.stack.len() > 1 {
                        return Err(g.err_plain(
                            line,
                            format!(
                                "the file ends inside {} open element(s) (truncated?)",
                                st.stack.len() - 1
                            ),
                        ));
                    }
                    break;
                }
                _ => {}
            }
        }
        if st.graphs == 0 {
            return Err(DataError::file(&g.file, "no <graph> element in the file"));
        }
        Ok(g)
    }

    /// An element opens inside `top`: records what it declares and gives its context.
    fn open(
        &mut self,
        st: &mut ParseState,
        reader: &Reader<&[u8]>,
        e: &BytesStart<'_>,
        top: Ctx,
        line: usize,
    ) -> Result<Ctx, DataError> {
        let name = e.local_name();
        let name = name.as_ref();
        Ok(match (top, name) {
            (Ctx::Document, b"graphml") => Ctx::GraphMl,
            (Ctx::Document, _) => {
                return Err(self.err_plain(
                    line,
                    format!(
                        "expected a <graphml> root element, found <{}>",
                        String::from_utf8_lossy(name)
                    ),
                ));
            }
            (Ctx::GraphMl, b"key") => self.open_key(st, reader, e, line)?,
            (Ctx::Key(k), b"default") => {
                st.text.clear();
                Ctx::KeyDefault(k)
            }
            (Ctx::GraphMl, b"graph") => {
                st.graphs += 1;
                if st.graphs > 1 {
                    return Err(
                        self.err_plain(line, "more than one <graph> in the file; only one is read")
                    );
                }
                self.open_graph(reader, e, line)?
            }
            (Ctx::Graph, b"node") => {
                let id = self
                    .attr(reader, e, line, "id")?
                    .ok_or_else(|| self.err(line, "id", "a <node> without an `id` attribute"))?;
                self.nodes.push(RawNode {
                    id,
                    line,
                    data: Vec::new(),
                });
                Ctx::Node(self.nodes.len() - 1)
            }
            (Ctx::Graph, b"edge") => self.open_edge(reader, e, line)?,
            (Ctx::Graph, b"hyperedge") => {
                return Err(self.err_plain(line, "hyperedges are not supported"));
            }
            (Ctx::Node(_) | Ctx::Edge(_), b"graph") => {
                return Err(self.err_plain(line, "nested graphs are not supported"));
            }
            (Ctx::Graph | Ctx::Node(_) | Ctx::Edge(_), b"data") => {
                let owner = match top {
                    Ctx::Node(i) => Owner::Node(i),
                    Ctx::Edge(i) => Owner::Edge(i),
                    _ => Owner::Graph,
                };
                let key = self
                    .attr(reader, e, line, "key")?
                    .ok_or_else(|| self.err(line, "key", "a <data> without a `key` attribute"))?;
                let k = *st
                    .key_ids
                    .get(&key)
                    .ok_or_else(|| self.err(line, "key", format!("undeclared key `{key}`")))?;
                st.text.clear();
                Ctx::Data(owner, k, line)
            }
            _ => Ctx::Skip,
        })
    }

    /// A `<key>` declaration.
    fn open_key(
        &mut self,
        st: &mut ParseState,
        reader: &Reader<&[u8]>,
        e: &BytesStart<'_>,
        line: usize,
    ) -> Result<Ctx, DataError> {
        let id = self
            .attr(reader, e, line, "id")?
            .ok_or_else(|| self.err(line, "id", "a <key> without an `id` attribute"))?;
        let name = self.attr(reader, e, line, "attr.name")?;
        let domain = match self.attr(reader, e, line, "for")?.as_deref() {
            Some("graph") => Domain::Graph,
            Some("node") => Domain::Node,
            Some("edge") => Domain::Edge,
            Some("all") | None => Domain::All,
            Some(_) => Domain::Other,
        };
        let k = self.keys.len();
        if st.key_ids.insert(id.clone(), k).is_some() {
            return Err(self.err(line, "id", format!("duplicate key id `{id}`")));
        }
        self.keys.push(Key {
            id,
            name,
            domain,
            default: None,
            line,
        });
        Ok(Ctx::Key(k))
    }

    /// The `<graph>` element: its default edge direction.
    fn open_graph(
        &mut self,
        reader: &Reader<&[u8]>,
        e: &BytesStart<'_>,
        line: usize,
    ) -> Result<Ctx, DataError> {
        self.directed = match self.attr(reader, e, line, "edgedefault")? {
            None => false,
            Some(v) if v == "undirected" => false,
            Some(v) if v == "directed" => true,
            Some(v) => {
                return Err(self.err(
                    line,
                    "edgedefault",
                    format!("expected `directed` or `undirected`, got `{v}`"),
                ));
            }
        };
        Ok(Ctx::Graph)
    }

    /// An `<edge>`: its end points and, if given, its direction.
    fn open_edge(
        &mut self,
        reader: &Reader<&[u8]>,
        e: &BytesStart<'_>,
        line: usize,
    ) -> Result<Ctx, DataError> {
        let source = self
            .attr(reader, e, line, "source")?
            .ok_or_else(|| self.err(line, "source", "an <edge> without a `source` attribute"))?;
        let target = self
            .attr(reader, e, line, "target")?
            .ok_or_else(|| self.err(line, "target", "an <edge> without a `target` attribute"))?;
        let directed = match self.attr(reader, e, line, "directed")? {
            None => None,
            Some(v) => Some(parse_bool(&v).ok_or_else(|| {
                self.err(
                    line,
                    "directed",
                    format!("expected `true` or `false`, got `{v}`"),
                )
            })?),
        };
        self.edges.push(RawEdge {
            source,
            target,
            directed,
            line,
            data: Vec::new(),
        });
        Ok(Ctx::Edge(self.edges.len() - 1))
    }

    /// The element `top` closes: a key default or a data value takes the text read inside it.
    fn close(&mut self, top: Ctx, text: &str) {
        match top {
            Ctx::KeyDefault(k) => {
                self.keys[k].default = Some(text.trim().to_string());
            }
            Ctx::Data(owner, key, line) => {
                let d = Data {
                    key,
                    value: text.trim().to_string(),
                    line,
                };
                match owner {
                    Owner::Graph => self.graph_data.push(d),
                    Owner::Node(i) => self.nodes[i].data.push(d),
                    Owner::Edge(i) => self.edges[i].data.push(d),
                }
            }
            _ => {}
        }
    }

    /// Text or CDATA: kept inside data values and key defaults, checked everywhere.
    fn push_text(
        &self,
        text: &mut String,
        top: Ctx,
        line: usize,
        content: Result<std::borrow::Cow<'_, str>, quick_xml::encoding::EncodingError>,
    ) -> Result<(), DataError> {
        if let Ctx::Data(..) | Ctx::KeyDefault(_) = top {
            let s = content.map_err(|e| self.err_plain(line, format!("malformed text: {e}")))?;
            text.push_str(&s);
        }
        Ok(())
    }

    /// A character or entity reference: checked wherever it appears (entities declared in a
    /// DTD, internal or external, are never expanded), kept only inside data values.
    fn push_reference(
        &self,
        text: &mut String,
        top: Ctx,
        line: usize,
        r: &BytesRef<'_>,
    ) -> Result<(), DataError> {
        let keep = matches!(top, Ctx::Data(..) | Ctx::KeyDefault(_));
        let bad = || self.err_plain(line, "malformed character or entity reference");
        match r.resolve_char_ref().map_err(|_| bad())? {
            Some(c) if keep => text.push(c),
            Some(_) => {}
            None => {
                let name = r.decode().map_err(|_| bad())?;
                let s = quick_xml::escape::resolve_predefined_entity(&name)
                    .ok_or_else(|| self.err_plain(line, format!("unknown entity `&{name};`")))?;
                if keep {
                    text.push_str(s);
                }
            }
        }
        Ok(())
    }

    /// The organisation kind in `data` under key `k`; `other` when it has none.
    fn kind(&self, data: &[Data], k: Option<usize>) -> Result<Kind, DataError> {
        match self.value(data, k) {
            Some((v, line)) => v
                .parse::<Kind>()
                .map_err(|e| self.err(line, "kind", e.to_string())),
            None => Ok(Kind::Other),
        }
    }

    /// Value of attribute `name` of an element, unescaped.
    fn attr(
        &self,
        reader: &Reader<&[u8]>,
        e: &BytesStart<'_>,
        line: usize,
        name: &str,
    ) -> Result<Option<String>, DataError> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.err_plain(line, format!("malformed attribute: {err}")))?;
            if a.key.as_ref() == name.as_bytes() {
                let v = a
                    .decode_and_unescape_value(reader.decoder())
                    .map_err(|err| self.err(line, name, format!("malformed value: {err}")))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    fn err(&self, line: usize, field: &str, message: impl Into<String>) -> DataError {
        DataError::at(&self.file, line, field, message)
    }

    fn err_plain(&self, line: usize, message: impl Into<String>) -> DataError {
        DataError {
            file: self.file.clone(),
            line: Some(line),
            field: None,
            message: message.into(),
        }
    }

    /// For each wanted attribute name, the key declared for `domain` (or `all`) with that
    /// `attr.name`. With `warnings`, keys for the domain with other names are reported as
    /// ignored.
    fn resolve(
        &self,
        domain: Domain,
        names: &[&str],
        warnings: Option<&mut Vec<Warning>>,
    ) -> Vec<Option<usize>> {
        let fits = |k: &Key| k.domain == domain || k.domain == Domain::All;
        let found: Vec<Option<usize>> = names
            .iter()
            .map(|n| {
                self.keys
                    .iter()
                    .position(|k| fits(k) && k.name.as_deref() == Some(n))
            })
            .collect();
        if let Some(warnings) = warnings {
            for (i, k) in self.keys.iter().enumerate() {
                if k.domain == domain && !found.contains(&Some(i)) {
                    let what = match domain {
                        Domain::Node => "node",
                        _ => "edge",
                    };
                    warnings.push(Warning {
                        level: Level::Warning,
                        file: self.file.clone(),
                        line: Some(k.line),
                        message: format!(
                            "{what} attribute `{}` (key `{}`) is ignored",
                            k.name.as_deref().unwrap_or(""),
                            k.id
                        ),
                    });
                }
            }
        }
        found
    }

    /// The value of key `key` in `data` (last one wins), or its default; with its line (the
    /// key's line for a default).
    fn value<'a>(&'a self, data: &'a [Data], key: Option<usize>) -> Option<(&'a str, usize)> {
        let key = key?;
        match data.iter().rev().find(|d| d.key == key) {
            Some(d) => Some((&d.value, d.line)),
            None => self.keys[key]
                .default
                .as_deref()
                .map(|v| (v, self.keys[key].line)),
        }
    }

    /// The values of key `key` in each part of a merged edge.
    fn values<'a>(
        &'a self,
        parts: &[&'a [Data]],
        key: Option<usize>,
    ) -> Option<Vec<(&'a str, usize)>> {
        key?;
        let v: Vec<_> = parts.iter().filter_map(|d| self.value(d, key)).collect();
        (!v.is_empty()).then_some(v)
    }

    fn number(&self, v: &str, line: usize, field: &str) -> Result<f64, DataError> {
        v.parse::<f64>()
            .map_err(|_| self.err(line, field, format!("malformed number `{v}`")))
    }

    fn boolean(
        &self,
        data: &[Data],
        key: Option<usize>,
        field: &str,
        default: bool,
    ) -> Result<bool, DataError> {
        match self.value(data, key) {
            Some((v, line)) => parse_bool(v).ok_or_else(|| {
                self.err(
                    line,
                    field,
                    format!("expected true, false, 1 or 0, got `{v}`"),
                )
            }),
            None => Ok(default),
        }
    }

    fn territory(&self, data: &[Data], key: Option<usize>) -> Result<String, DataError> {
        match self.value(data, key) {
            Some(("", line)) => Err(self.err(line, "territory", "empty territory")),
            Some((v, _)) => Ok(v.to_string()),
            None => Ok(DEFAULT_TERRITORY.to_string()),
        }
    }

    /// Node ids to positions (checking duplicates), then edges resolved and checked: unknown
    /// end, self-loop, duplicate; reversed directed edges merged.
    fn edges(&self) -> Result<Vec<Edge<'_>>, DataError> {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(first) = index.insert(&n.id, i) {
                return Err(self.err(
                    n.line,
                    "id",
                    format!(
                        "duplicate node id `{}` (first on line {})",
                        n.id, self.nodes[first].line
                    ),
                ));
            }
        }
        let mut edges: Vec<Edge<'_>> = Vec::with_capacity(self.edges.len());
        // (a, b) -> (position in `edges`, orientations seen, all directed, first line)
        let mut seen: FxHashMap<(usize, usize), (usize, u8, bool, usize)> = FxHashMap::default();
        for e in &self.edges {
            let s = *index.get(e.source.as_str()).ok_or_else(|| {
                self.err(e.line, "source", format!("unknown node `{}`", e.source))
            })?;
            let t = *index.get(e.target.as_str()).ok_or_else(|| {
                self.err(e.line, "target", format!("unknown node `{}`", e.target))
            })?;
            if s == t {
                return Err(self.err(
                    e.line,
                    "target",
                    format!("self-loop: `{}` tied to itself", e.source),
                ));
            }
            let directed = e.directed.unwrap_or(self.directed);
            let key = (s.min(t), s.max(t));
            let orientation = if s < t { 1u8 } else { 2u8 };
            match seen.get_mut(&key) {
                Some((k, mask, all_directed, _))
                    if directed && *all_directed && *mask & orientation == 0 =>
                {
                    *mask |= orientation;
                    edges[*k].data.push(&e.data);
                }
                Some((_, _, _, first)) => {
                    return Err(self.err(
                        e.line,
                        "target",
                        format!(
                            "duplicate edge between `{}` and `{}` (first on line {first})",
                            e.source, e.target
                        ),
                    ));
                }
                None => {
                    seen.insert(key, (edges.len(), orientation, directed, e.line));
                    edges.push(Edge {
                        a: key.0,
                        b: key.1,
                        data: vec![&e.data],
                    });
                }
            }
        }
        Ok(edges)
    }

    /// Trust of each edge: the `trust` key in [0, 1] when declared, else a `weight` key (>= 0)
    /// divided by the largest weight, else none. Merged edges keep the larger value.
    fn trusts(
        &self,
        edges: &[Edge<'_>],
        k_trust: Option<usize>,
        k_weight: Option<usize>,
    ) -> Result<Vec<Option<f64>>, DataError> {
        let (key, field) = if k_trust.is_some() {
            (k_trust, "trust")
        } else {
            (k_weight, "weight")
        };
        let mut out = Vec::with_capacity(edges.len());
        let mut max = 0.0f64;
        for e in edges {
            let mut best: Option<f64> = None;
            for (v, line) in self.values(&e.data, key).unwrap_or_default() {
                let x = self.number(v, line, field)?;
                if field == "trust" {
                    if !(0.0..=1.0).contains(&x) {
                        return Err(self.err(
                            line,
                            "trust",
                            format!("trust must be in [0, 1], got `{v}`"),
                        ));
                    }
                } else if !(x >= 0.0 && x.is_finite()) {
                    return Err(self.err(
                        line,
                        "weight",
                        format!("weight must be a finite number >= 0, got `{v}`"),
                    ));
                }
                best = Some(best.map_or(x, |b| b.max(x)));
            }
            if let Some(x) = best {
                max = max.max(x);
            }
            out.push(best);
        }
        if field == "weight" {
            for x in out.iter_mut().flatten() {
                *x = if max > 0.0 { *x / max } else { 0.0 };
            }
        }
        Ok(out)
    }
}
