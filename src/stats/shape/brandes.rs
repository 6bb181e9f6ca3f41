//! Brandes' (2001) single-source searches and dependency accumulation, with weighted sources
//! and targets, on a graph in compressed sparse row form; in parallel above a work threshold.

use super::UNSEEN;
use crate::stats::ScopeGraph;
use rayon::prelude::*;

/// Sources per parallel work unit; fixed, so results do not depend on the thread count.
pub(super) const CHUNK: usize = 64;
/// Work (sources times adjacency entries) above which sources are processed in parallel.
pub(super) const PAR_WORK: usize = 4_000_000;

/// A graph in compressed sparse row form: the neighbours of node `i < n` are
/// `adj[offsets[i]..offsets[i + 1]]`. Built only from a [`ScopeGraph`] or from one of its
/// blocks ([`exact_by_blocks`]), so it keeps the invariants of [`ScopeGraph::csr`]:
/// `offsets.len() == n + 1`, non-decreasing from 0 to `adj.len()`, every entry of `adj` below
/// `n`, a node's neighbours distinct and never the node itself.
#[derive(Clone, Copy)]
pub(super) struct Csr<'a> {
    pub(super) n: usize,
    pub(super) offsets: &'a [u32],
    pub(super) adj: &'a [u32],
}

impl<'a> Csr<'a> {
    pub(super) fn of(g: &'a ScopeGraph) -> Self {
        let (offsets, adj) = g.csr();
        Csr {
            n: g.n(),
            offsets,
            adj,
        }
    }
}

/// What one batch of single-source searches adds up: per source its copies and folded
/// pendants, per node its weight as a target (see [`Brandes::single_source`]), and the size
/// of each source's component.
pub(super) struct Searches<'a, C: Fn(usize) -> usize + Sync> {
    pub(super) copies: &'a [f64],
    pub(super) pendants: &'a [f64],
    pub(super) weight: &'a [f64],
    pub(super) component_size: C,
}

/// Sum over `sources` of Brandes' single-source dependencies (ordered pairs), each source's
/// counted `copies[s]` times, plus the dependencies of `pendants[s]` folded pendant neighbours
/// on `s` (see [`fold_and_accumulate`]).
pub(super) fn accumulate<C: Fn(usize) -> usize + Sync>(
    g: Csr,
    sources: &[u32],
    w: &Searches<C>,
) -> Vec<f64> {
    let mut bc = Vec::new();
    accumulate_into(g, sources, w, &mut bc);
    bc
}

/// [`accumulate`] into `bc`, which is first set to `g.n` zeros (keeping its allocation).
pub(super) fn accumulate_into<C: Fn(usize) -> usize + Sync>(
    g: Csr,
    sources: &[u32],
    w: &Searches<C>,
    bc: &mut Vec<f64>,
) {
    let n = g.n;
    let run = |chunk: &[u32], bc: &mut [f64]| {
        Brandes::with(g, |ws| {
            for &s in chunk {
                let s = s as usize;
                let c = (w.component_size)(s);
                ws.single_source(g, s, c, (w.copies[s], w.pendants[s]), w.weight, bc);
            }
        });
    };
    bc.clear();
    bc.resize(n, 0.0);
    let work = sources.len().saturating_mul(g.adj.len() + n);
    if work < PAR_WORK || sources.len() <= CHUNK {
        run(sources, bc);
        return;
    }
    let parts: Vec<Vec<f64>> = sources
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut part = vec![0.0; n];
            run(chunk, &mut part);
            part
        })
        .collect();
    for p in parts {
        bc.iter_mut().zip(p).for_each(|(a, b)| *a += b);
    }
}

/// What Brandes' algorithm keeps per node during one source's search, together so that one
/// look-up reaches all of it.
#[derive(Debug, Clone, Copy)]
struct NodeState {
    /// Distance from the source (`UNSEEN` when not reached).
    dist: u32,
    /// One past the last predecessor (neighbour one step nearer the source) found so far, as a
    /// position in [`Brandes::pred`]: the node's predecessors are stored from its own
    /// adjacency offset on, up to here. Set when the node is reached.
    pred_end: u32,
    /// Number of shortest paths from the source.
    sigma: f64,
    /// Dependency of the source on the node.
    delta: f64,
}

const FRESH: NodeState = NodeState {
    dist: UNSEEN,
    pred_end: 0,
    sigma: 0.0,
    delta: 0.0,
};

/// Work space of Brandes' algorithm, kept per thread and reused for every source of every
/// graph (it only grows).
#[derive(Default)]
struct Brandes {
    node: Vec<NodeState>,
    /// The nodes in the order the search reaches them.
    order: Vec<u32>,
    /// Predecessors of each node, in the node's slot of the adjacency array (a node has at most
    /// as many predecessors as neighbours).
    pred: Vec<u32>,
}

thread_local! {
    static WORKSPACE: std::cell::RefCell<Brandes> = std::cell::RefCell::default();
}

impl Brandes {
    /// Runs `f` with this thread's work space, sized for `g` and with every node unseen.
    fn with<R>(g: Csr, f: impl FnOnce(&mut Brandes) -> R) -> R {
        WORKSPACE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut ws) => {
                ws.fit(g);
                f(&mut ws)
            }
            // Never expected (no search runs inside another); a fresh work space is correct.
            Err(_) => {
                let mut ws = Brandes::default();
                ws.fit(g);
                f(&mut ws)
            }
        })
    }

    /// Sizes the arrays for `g`. Every search leaves the nodes it reached as [`FRESH`], so
    /// only newly added nodes need setting.
    fn fit(&mut self, g: Csr) {
        let n = g.n;
        if self.node.len() < n {
            self.node.resize(n, FRESH);
            self.order.resize(n, 0);
        }
        if self.pred.len() < g.adj.len() {
            self.pred.resize(g.adj.len(), 0);
        }
    }

    /// Adds the dependencies of source `s` (in a component of `c` nodes) on every other node to
    /// `bc`, `copies` times, and the dependencies of `pendants` folded pendant neighbours of
    /// `s` on `s`. Each node `t` counts `weight[t]` times as a target: a node's dependency is
    /// `sum over successors w of sigma_v / sigma_w (weight[w] + delta_w)` (all ones but in
    /// [`exact_by_blocks`], where a block's node stands for the organisations behind it).
    ///
    /// The floating-point operations are those of the textbook form (a backward pass over
    /// every neighbour of each node, keeping those one step nearer): each node's dependency
    /// receives its successors' shares in reverse search order either way, and the
    /// predecessors of one node are distinct nodes, so the order they are visited in does
    /// not matter. The shares passed to the source (by the first level), whose result is never
    /// used, are left out; the additions of a zero dependency, which change no bit, are kept
    /// (to spare a branch).
    ///
    /// The loops index without bounds checks. What makes every index valid: the work space
    /// was fitted to `g` (`node` and `order` hold at least `n` entries, `pred` at least
    /// `2 m`), `bc` and `weight` hold `n` and `s < n` (asserted), and `g` keeps the
    /// invariants of [`ScopeGraph::csr`] (see [`Csr`]). So every node reached is below `n`; a node enters
    /// `order` once, so at most `n` entries are written; and a node's predecessors are
    /// distinct neighbours (each predecessor is searched once and lists the node once), so
    /// they fit in the node's own `degree` slots of `pred`.
    fn single_source(
        &mut self,
        g: Csr,
        s: usize,
        c: usize,
        (copies, pendants): (f64, f64),
        weight: &[f64],
        bc: &mut [f64],
    ) {
        // A source in a component of one or two organisations adds exactly nothing (zero
        // dependencies, and no folded pendant: a pendant is folded only into a neighbour of
        // degree 2 or more).
        if c <= 2 {
            return;
        }
        let n = g.n;
        assert!(s < n && bc.len() >= n && weight.len() >= n && self.node.len() >= n);
        assert_eq!(g.offsets.len(), n + 1);
        let tail = self.forward(g, s, c);
        let offsets = g.offsets;
        let Brandes { node, order, pred } = self;
        for &w in order[1..tail].iter().rev() {
            let w = w as usize;
            // SAFETY: see the function's documentation: `w < n`, and the predecessors of `w`
            // lie within `pred` and are nodes below `n`.
            unsafe {
                let NodeState {
                    dist,
                    pred_end,
                    sigma,
                    delta,
                } = *node.get_unchecked(w);
                // A node of the first level has the source alone as predecessor, whose own
                // dependency is never read: its share is not computed.
                if dist > 1 {
                    let coeff = (*weight.get_unchecked(w) + delta) / sigma;
                    let start = *offsets.get_unchecked(w) as usize;
                    for &v in pred.get_unchecked(start..pred_end as usize) {
                        let x = node.get_unchecked_mut(v as usize);
                        x.delta += x.sigma * coeff;
                    }
                }
                // A node without successors has a zero dependency; adding `copies * 0` to its
                // sum changes no bit (the sums start at `+0` and only grow). It is added all
                // the same: a test would branch on whether `w` has successors, which follows
                // no pattern.
                *bc.get_unchecked_mut(w) += copies * delta;
                // `w`'s dependency is complete and read no more: reset it for the next source.
                *node.get_unchecked_mut(w) = FRESH;
            }
        }
        if pendants > 0.0 {
            // Each folded pendant depends on `s` for every other node of the component.
            bc[s] += pendants * (tail as f64 - 2.0);
        }
        node[s] = FRESH;
    }

    /// Breadth-first search from `s`: distances, path counts and predecessors of every node
    /// reached, and the order they were reached in (`order[..tail]`, `s` first). Returns
    /// `tail`. Indices are valid for the reasons given at [`Brandes::single_source`], which
    /// checks `s` and the work space's size before calling.
    ///
    /// Once all `c` nodes of the component are reached, the nodes of the last level are not
    /// expanded: their neighbours are all reached and none is a level further, so expanding
    /// them would change nothing. (A node of the level before still adds itself as a
    /// predecessor of its neighbours on the last level, so those are expanded.)
    fn forward(&mut self, g: Csr, s: usize, c: usize) -> usize {
        let (offsets, adj) = (g.offsets, g.adj);
        let Brandes { node, order, pred } = self;
        node[s].dist = 0;
        node[s].sigma = 1.0;
        order[0] = s as u32;
        let (mut head, mut tail) = (0, 1);
        // The distance from which nodes are no longer expanded: the last level, once known.
        let mut stop = UNSEEN;
        while head < tail {
            // SAFETY: `head < tail <= n <= order.len()`; every node in `order` is below `n`,
            // so `v + 1 <= n < offsets.len()` and `offsets[v]..offsets[v + 1]` lies in `adj`;
            // the neighbours `w` are below `n`; `order[tail]` is written only for a node not
            // reached before, so `tail < n`; a predecessor is written at `pred_end`, which
            // stays within `w`'s adjacency slots (see `single_source`).
            unsafe {
                let v = *order.get_unchecked(head) as usize;
                head += 1;
                let NodeState { dist, sigma, .. } = *node.get_unchecked(v);
                if dist >= stop {
                    break;
                }
                let (dv, sv) = (dist + 1, sigma);
                let (a, b) = (
                    *offsets.get_unchecked(v) as usize,
                    *offsets.get_unchecked(v + 1) as usize,
                );
                for &w in adj.get_unchecked(a..b) {
                    let wu = w as usize;
                    let x = node.get_unchecked_mut(wu);
                    // Every node reached so far is at most one level further than `v`, so
                    // this one test passes the unseen nodes and those of the next level.
                    if x.dist >= dv {
                        if x.dist == UNSEEN {
                            x.dist = dv;
                            // 0 + sv, exactly.
                            x.sigma = sv;
                            *order.get_unchecked_mut(tail) = w;
                            // No overflow: `tail < n` and `p < 2 m`, both below `u32::MAX`
                            // (the graph's indices are `u32`).
                            tail = tail.unchecked_add(1);
                            let p = *offsets.get_unchecked(wu);
                            *pred.get_unchecked_mut(p as usize) = v as u32;
                            x.pred_end = p.unchecked_add(1);
                        } else {
                            x.sigma += sv;
                            *pred.get_unchecked_mut(x.pred_end as usize) = v as u32;
                            x.pred_end = x.pred_end.unchecked_add(1);
                        }
                    }
                }
                if tail == c {
                    stop = dv;
                }
            }
        }
        tail
    }
}
