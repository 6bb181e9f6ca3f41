//! `networks/`: the wave networks of chosen replicates, as GraphML (Gephi, igraph, networkx)
//! and as node and tie CSV tables (R, pandas).
//!
//! For replicate `r` and wave `k` (1-based): `networks/replicate-<r>/wave-<k>.graphml`,
//! `wave-<k>-nodes.csv` (`id,kind,territory,active,adopted,initiative,project_member`) and
//! `wave-<k>-ties.csv` (`from,to,trust,origin`). The node tables hold every organisation of
//! the data set, the same rows in the same order at every wave, with `active` saying who takes
//! part at that wave, so panel tools need not rebuild the node set; the ties are those among
//! active organisations. The GraphML files hold the same nodes with the same `active`
//! attribute, and the same ties (`write_snapshot_graphml`).

use super::files::{FileRecord, read_columns, write_recorded};
use super::fmt::Exact;
use crate::data::Kind;
use crate::data::graphml::write_snapshot_graphml;
use crate::ensemble::KeptReplicate;
use crate::error::{Error, Result};
use crate::network::{Origin, Snapshot};
use std::io::Write;
use std::path::Path;

/// Columns of the node tables.
pub const NODE_COLUMNS: [&str; 7] = [
    "id",
    "kind",
    "territory",
    "active",
    "adopted",
    "initiative",
    "project_member",
];

/// Columns of the tie tables.
pub const TIE_COLUMNS: [&str; 4] = ["from", "to", "trust", "origin"];

/// Folder of replicate `r` inside a run directory.
pub fn replicate_folder(r: u64) -> String {
    format!("networks/replicate-{r}")
}

fn write_nodes(s: &Snapshot, w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(NODE_COLUMNS)?;
    let n = &s.nodes;
    let b = |x: bool| if x { "true" } else { "false" };
    for i in 0..s.len() {
        let territory = n
            .territory_names
            .get(n.territory[i] as usize)
            .map_or("", String::as_str);
        out.write_record([
            n.ids[i].as_str(),
            n.kind[i].name(),
            territory,
            b(s.active[i]),
            b(s.adopted[i]),
            b(s.initiative[i]),
            b(s.project_member[i]),
        ])?;
    }
    out.flush()
}

fn write_ties(s: &Snapshot, w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(TIE_COLUMNS)?;
    let mut f = Exact::default();
    let ids = &s.nodes.ids;
    for t in &s.ties {
        let (a, b) = (t.a as usize, t.b as usize);
        if a >= s.len() || b >= s.len() || !(s.active[a] && s.active[b]) {
            continue;
        }
        out.write_record([
            ids[a].as_str(),
            ids[b].as_str(),
            f.format(t.trust),
            t.origin.name(),
        ])?;
    }
    out.flush()
}

/// Writes the networks of the kept replicates under `dir/networks/`; returns their records.
pub fn write_networks(dir: &Path, kept: &[KeptReplicate]) -> Result<Vec<FileRecord>> {
    let mut out = Vec::new();
    for k in kept {
        let folder = replicate_folder(k.replicate);
        for (i, s) in k.snapshots.iter().enumerate() {
            let stem = format!("{folder}/wave-{}", i + 1);
            out.push(write_recorded(
                dir,
                &format!("{stem}.graphml"),
                "network_graphml",
                |w| write_snapshot_graphml(s, w),
            )?);
            out.push(write_recorded(
                dir,
                &format!("{stem}-nodes.csv"),
                "network_nodes",
                |w| write_nodes(s, w),
            )?);
            out.push(write_recorded(
                dir,
                &format!("{stem}-ties.csv"),
                "network_ties",
                |w| write_ties(s, w),
            )?);
        }
    }
    Ok(out)
}

/// An organisation in a wave network read back from `networks/`.
#[derive(Debug, Clone, PartialEq)]
pub struct NetNode {
    /// Organisation id.
    pub id: String,
    /// Kind.
    pub kind: Kind,
    /// Territory.
    pub territory: String,
}

/// A tie in a wave network read back from `networks/`.
#[derive(Debug, Clone, PartialEq)]
pub struct NetTie {
    /// One end (organisation id).
    pub from: String,
    /// The other end.
    pub to: String,
    /// Origin.
    pub origin: Origin,
}

/// One wave network of one replicate, as read from its CSV tables.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveNetwork {
    /// Wave number, 1-based.
    pub wave: usize,
    /// The active organisations.
    pub nodes: Vec<NetNode>,
    /// The ties among them.
    pub ties: Vec<NetTie>,
}

/// Reads the wave networks of replicate `r` from a run directory's `networks/` (waves 1, 2,
/// ... until one is missing). Empty when the replicate was not kept.
pub fn read_replicate_networks(dir: &Path, r: u64) -> Result<Vec<WaveNetwork>> {
    let folder = dir.join(replicate_folder(r));
    let mut out = Vec::new();
    for wave in 1.. {
        let nodes_path = folder.join(format!("wave-{wave}-nodes.csv"));
        if !nodes_path.exists() {
            break;
        }
        // Tables written before the `active` column held the active organisations only.
        let mut header = String::new();
        crate::input::open_regular(&nodes_path)
            .map(|(f, _)| std::io::BufReader::new(f))
            .and_then(|mut r| std::io::BufRead::read_line(&mut r, &mut header))
            .map_err(|e| Error::io(&nodes_path, e))?;
        let has_active = header.trim_end().split(',').any(|c| c == "active");
        let columns: &[&str] = if has_active {
            &["id", "kind", "territory", "active"]
        } else {
            &["id", "kind", "territory"]
        };
        let nodes = read_columns(&nodes_path, columns)?
            .into_iter()
            .filter(|v| v.get(3).is_none_or(|a| a == "true"))
            .map(|mut v| {
                let kind = v[1]
                    .parse::<Kind>()
                    .map_err(|e| Error::Other(format!("{}: {e}", nodes_path.display())))?;
                Ok(NetNode {
                    territory: std::mem::take(&mut v[2]),
                    id: std::mem::take(&mut v[0]),
                    kind,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ties_path = folder.join(format!("wave-{wave}-ties.csv"));
        let ties = read_columns(&ties_path, &["from", "to", "origin"])?
            .into_iter()
            .map(|mut v| {
                let origin = Origin::from_name(&v[2]).ok_or_else(|| {
                    Error::Other(format!(
                        "{}: unknown origin `{}`",
                        ties_path.display(),
                        v[2]
                    ))
                })?;
                Ok(NetTie {
                    from: std::mem::take(&mut v[0]),
                    to: std::mem::take(&mut v[1]),
                    origin,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(WaveNetwork { wave, nodes, ties });
    }
    Ok(out)
}
