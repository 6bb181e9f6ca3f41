//! Shape statistics: Freeman centralization of degree and betweenness, global transitivity,
//! local clustering, connected components and geodesic distances.

use super::ScopeGraph;
use crate::network::Snapshot;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// How betweenness is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BetweennessMethod {
    /// Brandes (2001): one breadth-first search and one dependency accumulation per source,
    /// `O(n m)` time, exact.
    Exact,
    /// Brandes & Pich (2007) pivot sampling: the dependencies of `pivots` sources drawn
    /// uniformly without replacement (seeded by `seed`) are accumulated and scaled by
    /// `n / pivots`, an unbiased estimate of the exact value in `O(pivots m)` time. With
    /// `pivots >= n` it is exact.
    Sampled {
        /// Number of sources.
        pivots: usize,
        /// Seed of the generator that draws the sources.
        seed: u64,
    },
}

impl BetweennessMethod {
    /// Exact up to `exact_max` organisations, sampled with `pivots` sources above.
    pub fn for_size(n: usize, exact_max: usize, pivots: usize, seed: u64) -> Self {
        if n <= exact_max || pivots >= n {
            BetweennessMethod::Exact
        } else {
            BetweennessMethod::Sampled {
                pivots: pivots.max(1),
                seed,
            }
        }
    }
}

/// Probability, at most, that the error bound behind [`pivots_for_error`] fails for one
/// estimate: the bound holds with probability at least 95%.
pub const BOUND_FAILURE: f64 = 0.05;

/// Largest error of a sampled betweenness centralization on a scope of `n` organisations from
/// `k` pivots that holds with probability at least `1 - failure`, whatever the network
/// (docs/statistics.md, "A bound that holds for every network"): Hoeffding's inequality for
/// each node's normalised estimate, a union bound over the `n` nodes, and twice that for the
/// centralization, `2 (n / (n - 1))^2 sqrt(ln(2 n / failure) / (2 k))`.
pub fn centralization_error_bound(n: usize, k: usize, failure: f64) -> f64 {
    let nf = n as f64;
    let r = nf / (nf - 1.0);
    2.0 * r * r * ((2.0 * nf / failure).ln() / (2.0 * k as f64)).sqrt()
}

/// The fewest pivots whose sampled betweenness centralization on a scope of `n` organisations
/// is within `error` of the exact value with probability at least `1 - failure` by
/// [`centralization_error_bound`]; `n` (every source, that is exact betweenness) when that
/// takes `n` pivots or more, and for `n < 3`. `error` must be positive.
///
/// ```
/// use wecare::stats::shape::{BOUND_FAILURE, centralization_error_bound, pivots_for_error};
/// let k = pivots_for_error(100_000, 0.1, BOUND_FAILURE);
/// assert!(centralization_error_bound(100_000, k, BOUND_FAILURE) <= 0.1);
/// assert!(centralization_error_bound(100_000, k - 1, BOUND_FAILURE) > 0.1);
/// ```
pub fn pivots_for_error(n: usize, error: f64, failure: f64) -> usize {
    if n < 3 {
        return n;
    }
    let nf = n as f64;
    let r = nf / (nf - 1.0);
    let c = 2.0 * r * r / error;
    let k = ((2.0 * nf / failure).ln() / 2.0 * c * c).ceil();
    if k.is_nan() || k >= nf {
        return n;
    }
    // The closed form, corrected for rounding so that `k` is the fewest meeting the bound.
    let mut k = (k as usize).max(1);
    while k < n && centralization_error_bound(n, k, failure) > error {
        k += 1;
    }
    while k > 1 && centralization_error_bound(n, k - 1, failure) <= error {
        k -= 1;
    }
    k
}

/// Freeman (1979) centralization of a node-level index `c`:
/// `sum_i (max_j c_j - c_i) / max_sum`, where `max_sum` is the largest value that sum can take
/// over graphs of the same size (reached by the star). NaN when `max_sum` is not positive or
/// `c` is empty.
pub fn freeman_centralization(c: &[f64], max_sum: f64) -> f64 {
    if c.is_empty() || max_sum.is_nan() || max_sum <= 0.0 {
        return f64::NAN;
    }
    let max = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    c.iter().map(|&x| max - x).sum::<f64>() / max_sum
}

/// Freeman degree centralization of an undirected simple graph:
/// `C_D = sum_i (d_max - d_i) / ((n - 1)(n - 2))`, where the denominator is the value of the
/// numerator for the star on `n` nodes, so `C_D` is 1 for a star and 0 for a regular graph.
/// This is igraph's `centralization_degree(normalized = TRUE, loops = FALSE)`. NaN when
/// `n < 3` (0/0).
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # use wecare::stats::{ScopeGraph, shape::degree_centralization};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::Firm; 4], territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let star = ScopeGraph::network(&Snapshot::from_ties(nodes, [tie(0, 1), tie(0, 2), tie(0, 3)]));
/// assert_eq!(degree_centralization(&star), 1.0);
/// ```
pub fn degree_centralization(g: &ScopeGraph) -> f64 {
    let n = g.n();
    if n < 3 {
        return f64::NAN;
    }
    let max = (0..n).map(|i| g.degree(i)).max().unwrap_or(0);
    let sum: usize = (0..n).map(|i| max - g.degree(i)).sum();
    sum as f64 / ((n - 1) as f64 * (n - 2) as f64)
}

/// Betweenness centrality of every node of an undirected graph (Freeman 1977):
/// `b_i = sum over unordered pairs {s, t}, s != i != t, of sigma_st(i) / sigma_st`, where
/// `sigma_st` counts shortest s-t paths and `sigma_st(i)` those through `i`; pairs with no path
/// add nothing. Computed by Brandes' (2001) algorithm, or estimated by pivot sampling (see
/// [`BetweennessMethod`]). Exact values are summed by blocks (biconnected components; see
/// `exact_by_blocks` in the source), equal to Brandes' sums up to rounding; sampled ones
/// search from the picked sources, a pendant source (degree 1) whose neighbour has degree
/// >= 2 reusing its neighbour's search (an exact identity; see `fold_and_accumulate`).
///
/// Raw values (`normalized = false`) equal igraph's `betweenness()` and networkx's
/// `betweenness_centrality(normalized=False)`. With `normalized = true` they are divided by
/// `(n - 1)(n - 2) / 2`, the number of pairs not containing `i`, as networkx's default and
/// rustworkx-core's `betweenness_centrality(g, false, true, _)`; for `n <= 2` every value is 0
/// and no scaling applies (as networkx).
pub fn betweenness(g: &ScopeGraph, method: BetweennessMethod, normalized: bool) -> Vec<f64> {
    betweenness_in(g, &ComponentLabels::of(g), method, normalized)
}

/// [`betweenness`] with the components of `g` given (computed once when other statistics need
/// them too): each search stops once its component is reached, which changes no value.
pub fn betweenness_in(
    g: &ScopeGraph,
    comps: &ComponentLabels,
    method: BetweennessMethod,
    normalized: bool,
) -> Vec<f64> {
    let n = g.n();
    assert_eq!(comps.label.len(), n, "component labels of another graph");
    let mut bc = match method {
        BetweennessMethod::Sampled { pivots, seed } if pivots < n => {
            let picked = sample_sources(n, pivots, seed);
            let mut bc = fold_and_accumulate(g, comps, picked);
            let scale = n as f64 / pivots as f64;
            bc.iter_mut().for_each(|x| *x *= scale);
            bc
        }
        _ => exact_by_blocks(g, comps),
    };
    // Each unordered pair was counted from both of its ends.
    let mut scale = 0.5;
    if normalized && n > 2 {
        scale /= (n - 1) as f64 * (n - 2) as f64 / 2.0;
    }
    bc.iter_mut().for_each(|x| *x *= scale);
    bc
}

/// Freeman betweenness centralization of an undirected graph:
/// `C_B = sum_i (b_max - b_i) / ((n - 1)^2 (n - 2) / 2)` with raw pair betweenness `b_i`
/// ([`betweenness`]); the denominator is the numerator's value for the star (centre
/// `(n - 1)(n - 2) / 2`, leaves 0). Equivalently `sum_i (b'_max - b'_i) / (n - 1)` with
/// normalised betweenness `b'`. This is igraph's `centralization_betweenness(directed = FALSE,
/// normalized = TRUE)`. 1 for a star, 0 for a vertex-transitive graph (cycle, clique).
/// NaN when `n < 3`.
pub fn betweenness_centralization(g: &ScopeGraph, method: BetweennessMethod) -> f64 {
    betweenness_centralization_in(g, &ComponentLabels::of(g), method)
}

/// [`betweenness_centralization`] with the components of `g` given.
pub fn betweenness_centralization_in(
    g: &ScopeGraph,
    comps: &ComponentLabels,
    method: BetweennessMethod,
) -> f64 {
    let n = g.n();
    if n < 3 {
        return f64::NAN;
    }
    let b = betweenness_in(g, comps, method, false);
    let nf = n as f64;
    freeman_centralization(&b, (nf - 1.0) * (nf - 1.0) * (nf - 2.0) / 2.0)
}

/// Sources drawn uniformly without replacement (partial Fisher–Yates), in draw order.
fn sample_sources(n: usize, k: usize, seed: u64) -> Vec<u32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut all: Vec<u32> = (0..n as u32).collect();
    for i in 0..k.min(n) {
        let j = rng.random_range(i..n);
        all.swap(i, j);
    }
    all.truncate(k.min(n));
    all
}

/// Sum of the single-source dependencies of the `picked` sources, with pendant nodes folded
/// into their neighbour.
///
/// A pendant node `s` (degree 1) whose neighbour `v` has degree >= 2 needs no search of its
/// own: every shortest path from `s` runs through `v`, so `s`'s dependency on any `w` other
/// than `s` and `v` equals `v`'s, and its dependency on `v` is `c - 2` (`c` the size of their
/// component). So each picked pendant adds one more copy of `v`'s dependencies plus `c - 2` at
/// `v`, and `v` is searched once however many of its pendants are picked (the degree-1
/// reduction of Baglioni et al. 2012). The result is the same as searching from every picked
/// source; hub-centred partnerships, with many pendant partners, need far fewer searches.
fn fold_and_accumulate(
    g: &ScopeGraph,
    comps: &ComponentLabels,
    picked: impl IntoIterator<Item = u32>,
) -> Vec<f64> {
    let n = g.n();
    // Per searched node: copies of its dependencies, and pendants folded into it.
    let mut copies = vec![0.0; n];
    let mut pendants = vec![0.0; n];
    for s in picked {
        match g.neighbors(s as usize) {
            &[v] if g.degree(v as usize) >= 2 => {
                copies[v as usize] += 1.0;
                pendants[v as usize] += 1.0;
            }
            _ => copies[s as usize] += 1.0,
        }
    }
    let sources: Vec<u32> = (0..n as u32)
        .filter(|&v| copies[v as usize] > 0.0)
        .collect();
    let ones = vec![1.0; n];
    let searches = Searches {
        copies: &copies,
        pendants: &pendants,
        weight: &ones,
        component_size: |s: usize| comps.size[comps.label[s] as usize] as usize,
    };
    accumulate(Csr::of(g), &sources, &searches)
}

/// Exact betweenness (ordered pairs) from the blocks (biconnected components) of `g`, after
/// Puzis et al. (2012) and Baglioni et al. (2012).
///
/// Removing a node `v` from its component of `c` nodes leaves parts of sizes `n_1, n_2, ...`
/// (more than one only when `v` is a cut node); every path between two parts runs through
/// `v`, which so lies on all shortest paths of `(c - 1)^2 - sum n_i^2` ordered pairs. Every
/// other pair whose shortest paths run through `v` has its ends behind two other nodes `u`,
/// `w` of one block of `v` (behind `u`: reachable from `u` without entering the block), and
/// its shortest paths cross the block along the block's shortest `u`-`w` paths. So a search
/// from each node `u` of each block of three or more nodes, within the block, with the
/// organisations behind `u` as copies of the source and those behind each target as its
/// weight, gives the rest; a node tied to every other node of its block adds nothing from its
/// search, which is left out (so a clique needs none). Blocks of two nodes (bridges) have no
/// inner node and need no search: a tree needs none at all. The sums are those of Brandes'
/// algorithm grouped differently, equal up to rounding (see the tests).
fn exact_by_blocks(g: &ScopeGraph, comps: &ComponentLabels) -> Vec<f64> {
    exact_by_blocks_from(g, comps, false)
}

/// [`exact_by_blocks`], searching from every member of each block when `every_member` (the
/// tests' reference for the members left out, see [`BlockSearch::run`]).
fn exact_by_blocks_from(g: &ScopeGraph, comps: &ComponentLabels, every_member: bool) -> Vec<f64> {
    BLOCK_WORK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut work) => work.betweenness(g, comps, every_member),
        // Only when a search runs inside another on this thread (a parallel batch of
        // searches whose thread takes up another graph's betweenness): a fresh work space is
        // correct.
        Err(_) => BlockWork::default().betweenness(g, comps, every_member),
    })
}

thread_local! {
    static BLOCK_WORK: std::cell::RefCell<BlockWork> = std::cell::RefCell::default();
}

/// Work space of [`exact_by_blocks`], kept per thread and reused for every graph (its buffers
/// only grow), so that no wave allocates more than the values it returns.
#[derive(Default)]
struct BlockWork {
    tree: BlockTree,
    dfs: Dfs,
    search: BlockSearch,
}

impl BlockWork {
    /// [`exact_by_blocks_from`] in this work space.
    fn betweenness(
        &mut self,
        g: &ScopeGraph,
        comps: &ComponentLabels,
        every_member: bool,
    ) -> Vec<f64> {
        let BlockWork { tree, dfs, search } = self;
        tree.find(g, comps, dfs);
        let mut bc: Vec<f64> = (0..g.n()).map(|v| tree.separated_pairs(v, comps)).collect();
        search.every_member = every_member;
        for b in 0..tree.block_start.len().saturating_sub(1) {
            search.run(g, tree, b, &mut bc);
        }
        bc
    }
}

/// The depth-first search's per-node arrays and stacks ([`BlockTree::find`]).
#[derive(Default)]
struct Dfs {
    disc: Vec<u32>,
    low: Vec<u32>,
    sub: Vec<u64>,
    parent: Vec<u32>,
    stack: Vec<u32>,
    frames: Vec<(u32, u32)>,
}

impl Dfs {
    /// Every one of `n` nodes unseen, without a parent, the stacks empty.
    fn reset(&mut self, n: usize) {
        for (a, fill) in [
            (&mut self.disc, UNSEEN),
            (&mut self.low, 0),
            (&mut self.parent, UNSEEN),
        ] {
            a.clear();
            a.resize(n, fill);
        }
        self.sub.clear();
        self.sub.resize(n, 0);
        self.stack.clear();
        self.frames.clear();
    }
}

/// The blocks of a graph found by Hopcroft and Tarjan's depth-first search, with the sizes
/// needed to weight their nodes.
#[derive(Default)]
struct BlockTree {
    /// Members of each block of three or more nodes, its root (the member the search entered
    /// it from) first: block `b` is `members[block_start[b]..block_start[b + 1]]`.
    members: Vec<u32>,
    block_start: Vec<usize>,
    /// Nodes behind the root of each block: its component's nodes outside the search subtree
    /// that holds the rest of the block.
    root_weight: Vec<f64>,
    /// Per node: the sizes of the search subtrees it separates from the rest, summed, and
    /// their squares summed.
    separated: Vec<u64>,
    separated_sq: Vec<u64>,
}

impl BlockTree {
    /// Finds the blocks of `g` (whose components are `comps`) in place of those held, with
    /// `d` as work space. `O(n + m)`, iterative (no recursion however deep the search).
    fn find(&mut self, g: &ScopeGraph, comps: &ComponentLabels, d: &mut Dfs) {
        let n = g.n();
        let t = self;
        t.members.clear();
        t.block_start.clear();
        t.block_start.push(0);
        t.root_weight.clear();
        for a in [&mut t.separated, &mut t.separated_sq] {
            a.clear();
            a.resize(n, 0);
        }
        let (offsets, adj) = g.csr();
        d.reset(n);
        let Dfs {
            disc,
            low,
            sub,
            parent,
            stack,
            frames,
        } = d;
        let mut clock = 0u32;
        for root in 0..n {
            if disc[root] != UNSEEN {
                continue;
            }
            let c = comps.size[comps.label[root] as usize] as u64;
            if c <= 2 {
                // An isolate or a lone tie: no block of three, and no pair to separate (its
                // `separated_pairs` are 0 with the sizes left at 0, as with those the search
                // would find).
                continue;
            }
            // Enters node `v` in the search.
            macro_rules! enter {
                ($v:expr) => {{
                    let v: usize = $v;
                    disc[v] = clock;
                    low[v] = clock;
                    clock += 1;
                    sub[v] = 1;
                    stack.push(v as u32);
                    frames.push((v as u32, offsets[v]));
                }};
            }
            enter!(root);
            while let Some(&(v, i)) = frames.last() {
                let v = v as usize;
                // `v`'s neighbours from the `i`-th on, up to the first not yet seen, which the
                // search then enters.
                let (mut i, end) = (i as usize, offsets[v + 1] as usize);
                let mut next = None;
                for &w in &adj[i..end] {
                    i += 1;
                    let w = w as usize;
                    if disc[w] == UNSEEN {
                        next = Some(w);
                        break;
                    }
                    if w as u32 != parent[v] {
                        low[v] = low[v].min(disc[w]);
                    }
                }
                if let Some(w) = next {
                    frames.last_mut().expect("a frame").1 = i as u32;
                    parent[w] = v as u32;
                    enter!(w);
                    continue;
                }
                frames.pop();
                let Some(&(p, _)) = frames.last() else {
                    break;
                };
                let p = p as usize;
                sub[p] += sub[v];
                low[p] = low[p].min(low[v]);
                if low[v] >= disc[p] {
                    // `p` separates `v`'s subtree, and the block of the tie `p`-`v` is `p`
                    // with the nodes stacked since `v`.
                    t.separated[p] += sub[v];
                    t.separated_sq[p] += sub[v] * sub[v];
                    let from = stack
                        .iter()
                        .rposition(|&x| x as usize == v)
                        .expect("v stacked");
                    if stack.len() - from >= 2 {
                        t.members.push(p as u32);
                        t.members.extend_from_slice(&stack[from..]);
                        t.block_start.push(t.members.len());
                        t.root_weight.push((c - sub[v]) as f64);
                    }
                    stack.truncate(from);
                }
            }
            stack.clear();
        }
    }

    /// Ordered pairs of `v`'s component separated by `v` (see [`exact_by_blocks`]).
    fn separated_pairs(&self, v: usize, comps: &ComponentLabels) -> f64 {
        let c = comps.size[comps.label[v] as usize] as u64;
        let rest = c - 1 - self.separated[v];
        let all = (c - 1) * (c - 1);
        (all - self.separated_sq[v] - rest * rest) as f64
    }

    /// Nodes behind `v` in the block it belongs to as a member other than the root: `v` and
    /// the subtrees it separates.
    fn behind(&self, v: usize) -> f64 {
        (1 + self.separated[v]) as f64
    }
}

/// Work space of the searches within one block: the block as a graph of its own.
#[derive(Default)]
struct BlockSearch {
    /// Position of each node in the present block, `UNSEEN` outside it.
    local: Vec<u32>,
    offsets: Vec<u32>,
    adj: Vec<u32>,
    weight: Vec<f64>,
    sources: Vec<u32>,
    zeros: Vec<f64>,
    /// The block's betweenness sums, per member.
    bc: Vec<f64>,
    /// Search from every member, those tied to all the others included.
    every_member: bool,
}

impl BlockSearch {
    /// Adds to `bc` the dependencies of the pairs whose ends lie behind two nodes of block `b`
    /// of `t`, on the block's other nodes.
    fn run(&mut self, g: &ScopeGraph, t: &BlockTree, b: usize, bc: &mut [f64]) {
        let members = &t.members[t.block_start[b]..t.block_start[b + 1]];
        let k = members.len();
        self.local.resize(g.n(), UNSEEN);
        for (i, &v) in members.iter().enumerate() {
            self.local[v as usize] = i as u32;
        }
        // The block's ties: those between two of its members (two nodes share at most one
        // block, so a tie between members belongs to it). Neighbours stay distinct, below `k`
        // and never the node itself, as `Csr` requires.
        self.offsets.clear();
        self.adj.clear();
        self.offsets.push(0);
        for &v in members {
            let inside = g
                .neighbors(v as usize)
                .iter()
                .map(|&w| self.local[w as usize]);
            self.adj.extend(inside.filter(|&x| x != UNSEEN));
            self.offsets.push(self.adj.len() as u32);
        }
        // A member tied to every other member has them all at distance 1: its search finds no
        // member between two others and adds only zeros, which change no bit (the sums are
        // `+0` or above). So only the other members are searched from; in a clique, none.
        let (offsets, every) = (&self.offsets, self.every_member);
        let searched =
            |&i: &u32| every || offsets[i as usize + 1] - offsets[i as usize] < k as u32 - 1;
        self.sources.clear();
        self.sources.extend((0..k as u32).filter(searched));
        if self.sources.is_empty() {
            for &v in members {
                self.local[v as usize] = UNSEEN;
            }
            return;
        }
        self.weight.clear();
        self.weight.push(t.root_weight[b]);
        self.weight
            .extend(members[1..].iter().map(|&v| t.behind(v as usize)));
        self.zeros.clear();
        self.zeros.resize(k, 0.0);
        let block = Csr {
            n: k,
            offsets: &self.offsets,
            adj: &self.adj,
        };
        let searches = Searches {
            copies: &self.weight,
            pendants: &self.zeros,
            weight: &self.weight,
            component_size: |_| k,
        };
        accumulate_into(block, &self.sources, &searches, &mut self.bc);
        for (&v, &x) in members.iter().zip(&self.bc) {
            bc[v as usize] += x;
            self.local[v as usize] = UNSEEN;
        }
    }
}

/// Sources per parallel work unit; fixed, so results do not depend on the thread count.
const CHUNK: usize = 64;
/// Work (sources times adjacency entries) above which sources are processed in parallel.
const PAR_WORK: usize = 4_000_000;

/// A graph in compressed sparse row form: the neighbours of node `i < n` are
/// `adj[offsets[i]..offsets[i + 1]]`. Built only from a [`ScopeGraph`] or from one of its
/// blocks ([`exact_by_blocks`]), so it keeps the invariants of [`ScopeGraph::csr`]:
/// `offsets.len() == n + 1`, non-decreasing from 0 to `adj.len()`, every entry of `adj` below
/// `n`, a node's neighbours distinct and never the node itself.
#[derive(Clone, Copy)]
struct Csr<'a> {
    n: usize,
    offsets: &'a [u32],
    adj: &'a [u32],
}

impl<'a> Csr<'a> {
    fn of(g: &'a ScopeGraph) -> Self {
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
struct Searches<'a, C: Fn(usize) -> usize + Sync> {
    copies: &'a [f64],
    pendants: &'a [f64],
    weight: &'a [f64],
    component_size: C,
}

/// Sum over `sources` of Brandes' single-source dependencies (ordered pairs), each source's
/// counted `copies[s]` times, plus the dependencies of `pendants[s]` folded pendant neighbours
/// on `s` (see [`fold_and_accumulate`]).
fn accumulate<C: Fn(usize) -> usize + Sync>(g: Csr, sources: &[u32], w: &Searches<C>) -> Vec<f64> {
    let mut bc = Vec::new();
    accumulate_into(g, sources, w, &mut bc);
    bc
}

/// [`accumulate`] into `bc`, which is first set to `g.n` zeros (keeping its allocation).
fn accumulate_into<C: Fn(usize) -> usize + Sync>(
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

const UNSEEN: u32 = u32::MAX;

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

/// Number of triangles through each node: `t_i` = number of ties among `i`'s neighbours.
/// `O(sum_i d_i^2)` time.
pub fn triangles(g: &ScopeGraph) -> Vec<u64> {
    let n = g.n();
    let mut mark = vec![u32::MAX; n];
    let mut t = vec![0u64; n];
    for (i, ti) in t.iter_mut().enumerate() {
        let nb = g.neighbors(i);
        if nb.len() < 2 {
            continue;
        }
        for &j in nb {
            mark[j as usize] = i as u32;
        }
        let mut c = 0u64;
        for &j in nb {
            for &q in g.neighbors(j as usize) {
                c += (mark[q as usize] == i as u32) as u64;
            }
        }
        *ti = c / 2;
    }
    t
}

/// Local clustering coefficient (Watts & Strogatz 1998) of each node:
/// `C_i = t_i / (d_i (d_i - 1) / 2)`, the share of pairs of `i`'s neighbours that are tied;
/// `C_i = 0` when `d_i < 2`, as networkx's `clustering` (igraph's `transitivity_local_undirected`
/// returns NaN there unless `mode = "zero"`). `tri` is [`triangles`].
pub fn local_clustering(g: &ScopeGraph, tri: &[u64]) -> Vec<f64> {
    (0..g.n())
        .map(|i| {
            let d = g.degree(i) as f64;
            if d < 2.0 {
                0.0
            } else {
                tri[i] as f64 / (d * (d - 1.0) / 2.0)
            }
        })
        .collect()
}

/// Mean local clustering over all nodes, nodes of degree < 2 counting 0: networkx's
/// `average_clustering` (and igraph's `transitivity_avglocal_undirected(mode = "zero")`; its
/// default `mode = "nan"` leaves those nodes out). NaN when `n = 0`.
pub fn mean_local_clustering(g: &ScopeGraph, tri: &[u64]) -> f64 {
    if g.n() == 0 {
        return f64::NAN;
    }
    local_clustering(g, tri).iter().sum::<f64>() / g.n() as f64
}

/// Global transitivity: `3 x triangles / connected triples`
/// `= sum_i t_i / sum_i d_i (d_i - 1) / 2`, the share of two-paths that are closed.
/// NaN when there is no connected triple (no node of degree >= 2), as igraph's
/// `transitivity_undirected`; networkx's `transitivity` returns 0 there. `tri` is
/// [`triangles`].
pub fn transitivity(g: &ScopeGraph, tri: &[u64]) -> f64 {
    let closed: u64 = tri.iter().sum();
    let triples: u64 = (0..g.n())
        .map(|i| {
            let d = g.degree(i) as u64;
            d * d.saturating_sub(1) / 2
        })
        .sum();
    if triples == 0 {
        f64::NAN
    } else {
        closed as f64 / triples as f64
    }
}

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

/// Geodesic (shortest-path length) distribution of a scope graph: element `d` is the number
/// of unordered pairs of distinct nodes at distance `d`, so element 0 is always 0 and the
/// vector ends at the longest finite geodesic (`vec![0]` when no pair is connected). Unreachable pairs are not counted: there are
/// `n (n - 1) / 2 - sum` of them. One breadth-first search per node, `O(n m)`.
pub fn geodesic_counts(g: &ScopeGraph) -> Vec<u64> {
    let n = g.n();
    let mut counts = vec![0u64];
    let mut dist = vec![UNSEEN; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for s in 0..n {
        order.clear();
        dist[s] = 0;
        order.push(s as u32);
        let mut head = 0;
        while head < order.len() {
            let v = order[head] as usize;
            head += 1;
            let dv = dist[v] + 1;
            for &w in g.neighbors(v) {
                let w = w as usize;
                if dist[w] == UNSEEN {
                    dist[w] = dv;
                    order.push(w as u32);
                    if w > s {
                        let d = dv as usize;
                        if d >= counts.len() {
                            counts.resize(d + 1, 0);
                        }
                        counts[d] += 1;
                    }
                }
            }
        }
        for &v in &order {
            dist[v as usize] = UNSEEN;
        }
    }
    counts
}

/// Geodesic distribution of the observed (active) network of a wave: element `d` counts the
/// unordered pairs of active organisations whose shortest path has `d` ties (element 0 is 0;
/// the vector ends at the longest finite geodesic; `vec![0]` when no pair is connected).
/// Unreachable pairs are left out. See [`geodesic_counts`].
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::Firm; 4], territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// // A path 0 - 1 - 2 and an isolated node 3.
/// let s = Snapshot::from_ties(nodes, [tie(0, 1), tie(1, 2)]);
/// assert_eq!(wecare::stats::geodesic_distribution(&s), vec![0, 2, 1]);
/// ```
pub fn geodesic_distribution(s: &Snapshot) -> Vec<u64> {
    geodesic_counts(&ScopeGraph::network(s))
}

#[cfg(test)]
mod tests {
    //! The search with predecessor lists, skipped small components and per-thread work space
    //! against the implementation it replaced (kept here verbatim as the reference): the
    //! values must be equal bit for bit, since `replicates.csv` must not change.
    use super::*;
    use crate::stats::graph::test_graph as graph;
    use proptest::prelude::*;

    fn old_fold_and_accumulate(g: &ScopeGraph, picked: impl IntoIterator<Item = u32>) -> Vec<f64> {
        let n = g.n();
        // Per searched node: copies of its dependencies, and pendants folded into it.
        let mut copies = vec![0.0; n];
        let mut pendants = vec![0.0; n];
        for s in picked {
            match g.neighbors(s as usize) {
                &[v] if g.degree(v as usize) >= 2 => {
                    copies[v as usize] += 1.0;
                    pendants[v as usize] += 1.0;
                }
                _ => copies[s as usize] += 1.0,
            }
        }
        let sources: Vec<u32> = (0..n as u32)
            .filter(|&v| copies[v as usize] > 0.0)
            .collect();
        old_accumulate(g, &sources, &copies, &pendants)
    }

    /// Sum over `sources` of Brandes' single-source dependencies (ordered pairs), each source's
    /// counted `copies[s]` times, plus the dependencies of `pendants[s]` folded pendant neighbours
    /// on `s` (see [`fold_and_accumulate`]).
    fn old_accumulate(
        g: &ScopeGraph,
        sources: &[u32],
        copies: &[f64],
        pendants: &[f64],
    ) -> Vec<f64> {
        let n = g.n();
        let run = |chunk: &[u32]| {
            let mut bc = vec![0.0; n];
            let mut ws = OldBrandes::new(n);
            for &s in chunk {
                let s = s as usize;
                ws.single_source(g, s, copies[s], pendants[s], &mut bc);
            }
            bc
        };
        let work = sources.len().saturating_mul(2 * g.m() + n);
        if work < PAR_WORK || sources.len() <= CHUNK {
            return run(sources);
        }
        let parts: Vec<Vec<f64>> = sources.par_chunks(CHUNK).map(run).collect();
        let mut bc = vec![0.0; n];
        for p in parts {
            bc.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
        bc
    }

    /// What Brandes' algorithm keeps per node during one source's search, together so that one
    /// look-up (and one bounds check) reaches all of it.
    #[derive(Debug, Clone, Copy)]
    struct OldState {
        /// Distance from the source (`UNSEEN` when not reached).
        dist: u32,
        /// Number of shortest paths from the source.
        sigma: f64,
        /// Dependency of the source on the node.
        delta: f64,
    }

    /// Work space of Brandes' algorithm, allocated once per call and reused for every source.
    struct OldBrandes {
        node: Vec<OldState>,
        order: Vec<u32>,
    }

    impl OldBrandes {
        fn new(n: usize) -> Self {
            OldBrandes {
                node: vec![
                    OldState {
                        dist: UNSEEN,
                        sigma: 0.0,
                        delta: 0.0,
                    };
                    n
                ],
                order: vec![0; n],
            }
        }

        /// Adds the dependencies of source `s` on every other node to `bc`, `copies` times, and
        /// the dependencies of `pendants` folded pendant neighbours of `s` on `s`.
        fn single_source(
            &mut self,
            g: &ScopeGraph,
            s: usize,
            copies: f64,
            pendants: f64,
            bc: &mut [f64],
        ) {
            let OldBrandes { node, order } = self;
            // `order` holds the nodes in the order the search reaches them; it has room for
            // every node (see `Brandes::new`), so it is written by position rather than pushed to.
            node[s].dist = 0;
            node[s].sigma = 1.0;
            order[0] = s as u32;
            let (mut head, mut tail) = (0, 1);
            while head < tail {
                let v = order[head];
                head += 1;
                let OldState { dist, sigma, .. } = node[v as usize];
                let (dv, sv) = (dist + 1, sigma);
                for &w in g.neighbors(v as usize) {
                    let x = &mut node[w as usize];
                    if x.dist == UNSEEN {
                        x.dist = dv;
                        // 0 + sv, exactly.
                        x.sigma = sv;
                        order[tail] = w;
                        tail += 1;
                    } else if x.dist == dv {
                        x.sigma += sv;
                    }
                }
            }
            for &w in order[..tail].iter().rev() {
                let w = w as usize;
                let OldState {
                    dist: dw,
                    sigma,
                    delta,
                } = node[w];
                if dw == 0 {
                    continue;
                }
                let coeff = (1.0 + delta) / sigma;
                for &v in g.neighbors(w) {
                    let x = &mut node[v as usize];
                    // Nodes farther than `w` were reset already (to UNSEEN, which wraps to 0
                    // here and matches no `dw >= 1`).
                    if x.dist.wrapping_add(1) == dw {
                        x.delta += x.sigma * coeff;
                    }
                }
                // `w` is no neighbour of itself, so its dependency did not change in the loop.
                bc[w] += copies * delta;
                // `w`'s dependency is complete and read no more: reset it for the next source.
                node[w].dist = UNSEEN;
                node[w].delta = 0.0;
            }
            if pendants > 0.0 {
                // Each folded pendant depends on `s` for every other node of the component.
                bc[s] += pendants * (tail as f64 - 2.0);
            }
            node[s].dist = UNSEEN;
            node[s].delta = 0.0;
        }
    }

    /// The previous implementation's betweenness (before the scaling by a half).
    fn old_betweenness(g: &ScopeGraph, method: BetweennessMethod) -> Vec<f64> {
        let n = g.n();
        match method {
            BetweennessMethod::Sampled { pivots, seed } if pivots < n => {
                let picked = sample_sources(n, pivots, seed);
                let mut bc = old_fold_and_accumulate(g, picked);
                let scale = n as f64 / pivots as f64;
                bc.iter_mut().for_each(|x| *x *= scale);
                bc
            }
            _ => old_fold_and_accumulate(g, 0..n as u32),
        }
    }

    /// Sampled betweenness (one search per picked source, pendants folded; fewer pivots than
    /// nodes) must equal the previous implementation bit for bit. Exact betweenness, summed by blocks, must agree
    /// with it and with the search from every source (`fold_and_accumulate`, which the
    /// sampled method still uses) within a relative `1e-12` per node: both sum the same
    /// non-negative terms (path counts are integers, shares positive) in another grouping,
    /// so each rounding errs by at most `2^-53` relatively and the value by at most about
    /// `(number of operations on its longest chain) * 2^-53`, a few hundred times `1.1e-16`
    /// (below `1e-13`) for these graphs of at most 3,000 nodes and paths of at most 64 steps.
    /// A node no shortest path crosses is exactly 0 in both.
    fn assert_bit_equal(g: &ScopeGraph, method: BetweennessMethod) {
        let new = fold_and_accumulate_for(g, method);
        let old = old_betweenness(g, method);
        if matches!(method, BetweennessMethod::Sampled { pivots, .. } if pivots < g.n()) {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            assert_eq!(bits(&new), bits(&old), "{method:?}");
            return;
        }
        let comps = ComponentLabels::of(g);
        // The members tied to every other member of their block add nothing when searched
        // from: leaving them out changes no bit.
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let every_member = exact_by_blocks_from(g, &comps, true);
        assert_eq!(bits(&exact_by_blocks(g, &comps)), bits(&every_member));
        let every_source = fold_and_accumulate(g, &comps, 0..g.n() as u32);
        for reference in [&old, &every_source] {
            assert_eq!(new.len(), reference.len());
            for (i, (&a, &b)) in new.iter().zip(reference.iter()).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                    "node {i}: by blocks {a}, by every source {b}"
                );
            }
        }
    }

    /// The unscaled sums of [`betweenness`], as `old_betweenness` returns them.
    fn fold_and_accumulate_for(g: &ScopeGraph, method: BetweennessMethod) -> Vec<f64> {
        let mut b = betweenness(g, method, false);
        // Undo the halving (exact: a multiplication by a power of two).
        b.iter_mut().for_each(|x| *x *= 2.0);
        b
    }

    /// Hub-and-spoke clusters with pendants, chains and pairs, as the model's partnerships,
    /// plus random cross ties: every case of the search (folded pendants, components of one
    /// and two, ties within a level).
    fn clustered(n: usize, hubs: usize, extra: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut e: Vec<(usize, usize)> = (hubs..n)
            .filter(|i| i % 5 != 0)
            .map(|i| (i, i % hubs))
            .collect();
        e.extend(extra.iter().copied());
        e
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn exact_agrees_with_the_previous_search(
            n in 1usize..70,
            edges in proptest::collection::vec((0usize..70, 0usize..70), 0..160),
        ) {
            assert_bit_equal(&graph(n, &edges), BetweennessMethod::Exact);
        }

        /// Random graphs with components of up to 150 organisations.
        #[test]
        fn large_components_agree_with_the_previous_search(
            n in 50usize..150,
            edges in proptest::collection::vec((0usize..150, 0usize..150), 40..320),
        ) {
            assert_bit_equal(&graph(n, &edges), BetweennessMethod::Exact);
        }

        #[test]
        fn clustered_and_sampled_agree_with_the_previous_search(
            n in 3usize..120,
            hubs in 1usize..8,
            extra in proptest::collection::vec((0usize..120, 0usize..120), 0..40),
            pivots in 1usize..60,
            seed in 0u64..1000,
        ) {
            let g = graph(n, &clustered(n, hubs, &extra));
            assert_bit_equal(&g, BetweennessMethod::Exact);
            assert_bit_equal(&g, BetweennessMethod::Sampled { pivots, seed });
        }
    }

    /// Random trees (every block a bridge: no search at all) and chains of cycles sharing cut
    /// nodes, with pendant trees (blocks of several sizes, cut nodes in up to four blocks).
    #[test]
    fn trees_and_chains_of_blocks_agree_with_the_previous_search() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for n in [1, 2, 3, 4, 10, 57, 200] {
            let e: Vec<(usize, usize)> = (1..n).map(|i| (i, rng.random_range(0..i))).collect();
            assert_bit_equal(&graph(n, &e), BetweennessMethod::Exact);
        }
        for len in [3, 4, 5, 8] {
            let mut e = Vec::new();
            let mut next = 1;
            // Six cycles of `len`, each hanging from a random node before it.
            for _ in 0..6 {
                let at = rng.random_range(0..next);
                let ring: Vec<usize> = std::iter::once(at).chain(next..next + len - 1).collect();
                next += len - 1;
                e.extend((0..len).map(|i| (ring[i], ring[(i + 1) % len])));
                // A chord (for a triangle, a repeated tie, which the graph keeps once).
                e.push((ring[1], ring[(len / 2 + 1) % len]));
            }
            for i in next..next + 20 {
                e.push((i, rng.random_range(0..i)));
            }
            assert_bit_equal(&graph(next + 20, &e), BetweennessMethod::Exact);
        }
    }

    /// Complete bipartite ties between consecutive levels of `width` nodes, `levels` levels:
    /// the path counts grow as `width^(levels - 1)`, past `2^53` for 3 x 42 levels, where
    /// their sums round and the order of the additions matters.
    fn layered(width: usize, levels: usize) -> Vec<(usize, usize)> {
        let mut e = Vec::new();
        for l in 1..levels {
            for a in 0..width {
                for b in 0..width {
                    e.push(((l - 1) * width + a, l * width + b));
                }
            }
        }
        e
    }

    /// Cycles with chords (many shortest paths of equal length) and layered graphs with path
    /// counts past `2^53`, exact and sampled.
    #[test]
    fn many_and_rounded_path_counts_agree_with_the_previous_search() {
        for n in [3, 63, 64, 65, 127, 128, 129] {
            let mut e: Vec<(usize, usize)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
            e.extend((0..n).step_by(3).map(|i| (i, (i + n / 2) % n)));
            assert_bit_equal(&graph(n, &e), BetweennessMethod::Exact);
        }
        // Path counts of 3^41 > 2^53 in the 3 x 42 graph: their sums round.
        assert!(3f64.powi(41) > 2f64.powi(53));
        for (width, levels) in [(3, 21), (2, 64), (3, 42), (4, 32), (3, 43)] {
            let g = graph(width * levels, &layered(width, levels));
            assert_bit_equal(&g, BetweennessMethod::Exact);
            assert_bit_equal(&g, BetweennessMethod::Sampled { pivots: 7, seed: 1 });
        }
    }

    /// The connected components as counted before the labels (breadth-first search marking
    /// nodes seen), kept as the reference.
    fn old_components(g: &ScopeGraph) -> Components {
        let n = g.n();
        let mut seen = vec![false; n];
        let mut c = Components {
            count: 0,
            largest: 0,
        };
        for s in 0..n {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            let mut queue = vec![s as u32];
            let mut head = 0;
            while head < queue.len() {
                let v = queue[head] as usize;
                head += 1;
                for &w in g.neighbors(v) {
                    if !seen[w as usize] {
                        seen[w as usize] = true;
                        queue.push(w);
                    }
                }
            }
            c.count += 1;
            c.largest = c.largest.max(queue.len());
        }
        c
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The labels give the previous counts; every tie joins two nodes of one component;
        /// the sizes are the nodes per label.
        #[test]
        fn component_labels_agree_with_the_previous_count(
            n in 0usize..60,
            edges in proptest::collection::vec((0usize..60, 0usize..60), 0..80),
        ) {
            let g = if n == 0 { ScopeGraph::default() } else { graph(n, &edges) };
            let l = ComponentLabels::of(&g);
            prop_assert_eq!(l.summary(), old_components(&g));
            for t in g.ties() {
                prop_assert_eq!(l.label[t.a as usize], l.label[t.b as usize]);
            }
            let mut size = vec![0u32; l.size.len()];
            l.label.iter().for_each(|&c| size[c as usize] += 1);
            prop_assert_eq!(size, l.size.clone());
        }
    }

    /// A graph large enough for the parallel path (fixed chunks of sources), exact and
    /// sampled; and the work space reused from a larger graph for a smaller one.
    #[test]
    fn parallel_path_and_reused_work_space_agree_with_the_previous_search() {
        let n = 3_000;
        let extra: Vec<(usize, usize)> = (0..1_500)
            .map(|i| (i * 7919 % n, i * 104_729 % n))
            .collect();
        let g = graph(n, &clustered(n, 40, &extra));
        assert!(n * (2 * g.m() + n) >= PAR_WORK);
        assert_bit_equal(&g, BetweennessMethod::Exact);
        assert_bit_equal(
            &g,
            BetweennessMethod::Sampled {
                pivots: 700,
                seed: 3,
            },
        );
        let small = graph(30, &clustered(30, 3, &[(1, 2), (4, 9)]));
        assert_bit_equal(&small, BetweennessMethod::Exact);
    }
}
