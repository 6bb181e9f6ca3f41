//! Connected components: the label of every node and the size of each component.

use super::UNSEEN;
use crate::stats::ScopeGraph;

/// Connected components of a graph (isolated nodes are components of one node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    /// Number of components.
    pub count: usize,
    /// Nodes in the largest component (0 for the empty graph).
    pub largest: usize,
}

impl Components {
    /// Share of nodes in the largest component, `largest / n`; NaN when `n = 0`.
    pub fn largest_share(&self, n: usize) -> f64 {
        if n == 0 {
            f64::NAN
        } else {
            self.largest as f64 / n as f64
        }
    }
}

/// Connected components by breadth-first search, `O(n + m)`.
pub fn components(g: &ScopeGraph) -> Components {
    ComponentLabels::of(g).summary()
}

/// The connected component of every node of a graph and the size of each component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentLabels {
    /// Component of each node; components are numbered in the order of their lowest node.
    pub label: Vec<u32>,
    /// Number of nodes of each component.
    pub size: Vec<u32>,
}

impl ComponentLabels {
    /// The components of `g`, by breadth-first search, `O(n + m)`.
    pub fn of(g: &ScopeGraph) -> Self {
        let n = g.n();
        let mut label = vec![UNSEEN; n];
        let mut size = Vec::new();
        // The nodes of the present component in the order reached, `queue[..tail]`. Every
        // neighbour is written at `queue[tail]` and kept only when newly reached (whether it
        // is follows no pattern, so it is not branched on); one more place than nodes leaves
        // room for the writes not kept once all are reached.
        let mut queue = vec![0u32; n + 1];
        for s in 0..n {
            if label[s] != UNSEEN {
                continue;
            }
            let id = size.len() as u32;
            label[s] = id;
            queue[0] = s as u32;
            let (mut head, mut tail) = (0, 1);
            while head < tail {
                let v = queue[head] as usize;
                head += 1;
                for &w in g.neighbors(v) {
                    // A neighbour is in the component: unseen, or labelled `id` already.
                    let new = label[w as usize] == UNSEEN;
                    label[w as usize] = id;
                    queue[tail] = w;
                    tail += usize::from(new);
                }
            }
            size.push(tail as u32);
        }
        ComponentLabels { label, size }
    }

    /// The number of components and the size of the largest.
    pub fn summary(&self) -> Components {
        Components {
            count: self.size.len(),
            largest: self.size.iter().copied().max().unwrap_or(0) as usize,
        }
    }
}
