//! The wave view of a network: who is active, which ties are active, with their attributes.

use crate::data::{Dataset, Kind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where an active tie comes from (docs/ODD.md, section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Existed before the programme (baseline network or remembered history).
    Baseline,
    /// Formed during the programme.
    Programme,
    /// Formed after the programme ended.
    PostProgramme,
}

impl Origin {
    /// Every origin, in output order.
    pub const ALL: [Origin; 3] = [Origin::Baseline, Origin::Programme, Origin::PostProgramme];

    /// The name used in files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Baseline => "baseline",
            Origin::Programme => "programme",
            Origin::PostProgramme => "post_programme",
        }
    }

    /// Parses [`Origin::name`].
    pub fn from_name(s: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// Attributes of organisations that never change during a run; shared by all snapshots.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeAttrs {
    /// Organisation ids.
    pub ids: Vec<String>,
    /// Kind of each organisation.
    pub kind: Vec<Kind>,
    /// Territory index of each organisation (into `territory_names`).
    pub territory: Vec<u32>,
    /// Territory names.
    pub territory_names: Vec<String>,
}

impl NodeAttrs {
    /// Number of organisations (active or not).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no organisations.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// An active tie in a snapshot; `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnapTie {
    /// Smaller organisation index.
    pub a: u32,
    /// Larger organisation index.
    pub b: u32,
    /// Trust in [0, 1].
    pub trust: f64,
    /// Origin of the tie.
    pub origin: Origin,
}

/// The network as observed at one wave: node set fixed by [`NodeAttrs`], with activity flags
/// and the active ties. Inactive organisations are not part of the observed network.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Step at whose end the snapshot was taken.
    pub step: u32,
    /// Static attributes of all organisations.
    pub nodes: Arc<NodeAttrs>,
    /// Taking part in the field at this step.
    pub active: Vec<bool>,
    /// Has adopted the innovative practice.
    pub adopted: Vec<bool>,
    /// Has taken part in a post-programme initiative.
    pub initiative: Vec<bool>,
    /// Has been a member (lead or partner) of a funded project by this step.
    pub project_member: Vec<bool>,
    /// Active ties, sorted by `(a, b)`.
    pub ties: Vec<SnapTie>,
}

impl Snapshot {
    /// A snapshot with every organisation active, no adoption, and the given ties (any order,
    /// either orientation); for networks read from files.
    pub fn from_ties(nodes: Arc<NodeAttrs>, ties: impl IntoIterator<Item = SnapTie>) -> Self {
        let n = nodes.len();
        let mut ties: Vec<SnapTie> = ties
            .into_iter()
            .map(|t| SnapTie {
                a: t.a.min(t.b),
                b: t.a.max(t.b),
                ..t
            })
            .collect();
        ties.sort_by_key(|t| (t.a, t.b));
        Snapshot {
            step: 0,
            nodes,
            active: vec![true; n],
            adopted: vec![false; n],
            initiative: vec![false; n],
            project_member: vec![false; n],
            ties,
        }
    }

    /// The baseline network of a data set: its organisations with their `active` flags and
    /// its baseline ties (origin `baseline`; a tie without trust gets
    /// [`DEFAULT_SNAPSHOT_TRUST`](crate::data::graphml::DEFAULT_SNAPSHOT_TRUST)).
    pub fn from_dataset(ds: &Dataset) -> Self {
        let (territory_names, territory) = ds.territory_index();
        let nodes = NodeAttrs {
            ids: ds.organisations.iter().map(|o| o.id.clone()).collect(),
            kind: ds.organisations.iter().map(|o| o.kind).collect(),
            territory,
            territory_names,
        };
        let mut s = Snapshot::from_ties(
            Arc::new(nodes),
            ds.ties.iter().map(|t| SnapTie {
                a: t.a as u32,
                b: t.b as u32,
                trust: t
                    .trust
                    .unwrap_or(crate::data::graphml::DEFAULT_SNAPSHOT_TRUST),
                origin: Origin::Baseline,
            }),
        );
        s.active = ds.organisations.iter().map(|o| o.active).collect();
        s
    }

    /// Number of organisations in the index space (active or not).
    pub fn len(&self) -> usize {
        self.active.len()
    }

    /// True when the index space is empty.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// Adjacency lists of the active ties, indexed by organisation.
    pub fn adjacency(&self) -> Vec<Vec<u32>> {
        let mut adj = vec![Vec::new(); self.len()];
        for t in &self.ties {
            adj[t.a as usize].push(t.b);
            adj[t.b as usize].push(t.a);
        }
        adj
    }
}
