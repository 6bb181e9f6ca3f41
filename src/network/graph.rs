//! Wave networks as petgraph graphs, for Rust users who want petgraph's or rustworkx-core's
//! algorithms on them. The simulation keeps its own structures; this is a copy made on demand.

use super::{Origin, Snapshot};
use crate::data::Kind;
use petgraph::graph::{NodeIndex, UnGraph};

/// Node weight: one active organisation of the wave.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// Index of the organisation in the snapshot (and the data set).
    pub index: u32,
    /// Organisation id.
    pub id: String,
    /// Kind.
    pub kind: Kind,
    /// Territory name.
    pub territory: String,
    /// Has adopted the innovative practice.
    pub adopted: bool,
    /// Has taken part in a post-programme initiative.
    pub initiative: bool,
    /// Has been a member of a funded project.
    pub project_member: bool,
}

/// Edge weight: one active tie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphTie {
    /// Trust in [0, 1].
    pub trust: f64,
    /// Where the tie comes from.
    pub origin: Origin,
}

impl Snapshot {
    /// The wave's observed network as an undirected petgraph graph: one node per active
    /// organisation, in index order, and one edge per active tie, in `(a, b)` order.
    /// `GraphNode::index` maps nodes back to the snapshot.
    pub fn to_petgraph(&self) -> UnGraph<GraphNode, GraphTie> {
        let nodes = &self.nodes;
        let active = self.active.iter().filter(|&&a| a).count();
        let mut g = UnGraph::with_capacity(active, self.ties.len());
        let mut at = vec![NodeIndex::end(); self.len()];
        for i in (0..self.len()).filter(|&i| self.active[i]) {
            at[i] = g.add_node(GraphNode {
                index: i as u32,
                id: nodes.ids[i].clone(),
                kind: nodes.kind[i],
                territory: nodes.territory_names[nodes.territory[i] as usize].clone(),
                adopted: self.adopted[i],
                initiative: self.initiative[i],
                project_member: self.project_member[i],
            });
        }
        for t in &self.ties {
            let (a, b) = (at[t.a as usize], at[t.b as usize]);
            // Ties of inactive organisations are not part of the observed network.
            if a != NodeIndex::end() && b != NodeIndex::end() {
                g.add_edge(
                    a,
                    b,
                    GraphTie {
                        trust: t.trust,
                        origin: t.origin,
                    },
                );
            }
        }
        g
    }
}
