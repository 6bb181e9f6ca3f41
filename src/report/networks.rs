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

use super::files::{FileRecord, parse_field, read_columns, write_recorded};
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
        let mut nodes = Vec::new();
        for (k, mut v) in read_columns(&nodes_path, columns)?.into_iter().enumerate() {
            // `true` or `false`; anything else is an error, not an inactive organisation.
            if v.len() == 4 && !parse_field::<bool>(&nodes_path, k, columns, &v, 3)? {
                continue;
            }
            let kind = v[1].parse::<Kind>().map_err(|e| {
                Error::Other(format!("{}:{}: `kind`: {e}", nodes_path.display(), k + 2))
            })?;
            nodes.push(NetNode {
                territory: std::mem::take(&mut v[2]),
                id: std::mem::take(&mut v[0]),
                kind,
            });
        }
        let ties_path = folder.join(format!("wave-{wave}-ties.csv"));
        let mut ties = Vec::new();
        let tie_columns = ["from", "to", "origin"];
        for (k, mut v) in read_columns(&ties_path, &tie_columns)?
            .into_iter()
            .enumerate()
        {
            let origin = Origin::from_name(&v[2]).ok_or_else(|| {
                let (file, line) = (ties_path.display(), k + 2);
                Error::Other(format!(
                    "{file}:{line}: `origin`: unknown origin `{}`",
                    v[2]
                ))
            })?;
            ties.push(NetTie {
                from: std::mem::take(&mut v[0]),
                to: std::mem::take(&mut v[1]),
                origin,
            });
        }
        out.push(WaveNetwork { wave, nodes, ties });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes wave 1 of replicate 0 (nodes and ties) into a run directory `d`.
    fn wave(d: &Path, nodes: &str, ties: &str) {
        let f = d.join(replicate_folder(0));
        std::fs::create_dir_all(&f).unwrap();
        std::fs::write(f.join("wave-1-nodes.csv"), nodes).unwrap();
        std::fs::write(f.join("wave-1-ties.csv"), ties).unwrap();
    }

    const HEAD: &str = "id,kind,territory,active\n";
    const TIES: &str = "from,to,trust,origin\na,b,0.5,baseline\n";

    #[test]
    fn inactive_organisations_are_left_out_and_bad_cells_are_located() {
        let d = tempfile::tempdir().unwrap();
        wave(
            d.path(),
            &format!("{HEAD}a,firm,T,true\nb,public,T,true\nc,firm,T,false\n"),
            TIES,
        );
        let w = read_replicate_networks(d.path(), 0).unwrap();
        assert_eq!(w[0].nodes.len(), 2);
        assert_eq!(w[0].ties.len(), 1);
        for (nodes, ties, needle) in [
            (
                format!("{HEAD}a,firm,T,true\nb,firm,T,yes\n"),
                TIES.to_string(),
                "wave-1-nodes.csv:3: `active` cannot be read: `yes`",
            ),
            (
                format!("{HEAD}a,firms,T,true\n"),
                TIES.to_string(),
                "wave-1-nodes.csv:2: `kind`",
            ),
            (
                format!("{HEAD}a,firm,T,true\n"),
                "from,to,trust,origin\na,b,0.5,old\n".to_string(),
                "wave-1-ties.csv:2: `origin`: unknown origin `old`",
            ),
        ] {
            wave(d.path(), &nodes, &ties);
            let e = read_replicate_networks(d.path(), 0)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
