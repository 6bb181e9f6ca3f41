//! Exact betweenness from the blocks (biconnected components) of a graph: the blocks found by
//! one depth-first search, and the weighted searches within each block.

use super::UNSEEN;
use super::brandes::{Csr, Searches, accumulate_into};
use super::components::ComponentLabels;
use crate::stats::ScopeGraph;

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
pub(super) fn exact_by_blocks(g: &ScopeGraph, comps: &ComponentLabels) -> Vec<f64> {
    exact_by_blocks_from(g, comps, false)
}

/// [`exact_by_blocks`], searching from every member of each block when `every_member` (the
/// tests' reference for the members left out, see [`BlockSearch::run`]).
pub(super) fn exact_by_blocks_from(
    g: &ScopeGraph,
    comps: &ComponentLabels,
    every_member: bool,
) -> Vec<f64> {
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
        // Each neighbour is written at the next free place and the place kept only for a
        // member (whether it is one follows no pattern, so it is not branched on): `adj` holds
        // at least the members' degrees summed, the most written, and the block's ties are
        // `adj[..used]`.
        let (offsets, adj) = g.csr();
        let bound: usize = members
            .iter()
            .map(|&v| (offsets[v as usize + 1] - offsets[v as usize]) as usize)
            .sum();
        if self.adj.len() < bound {
            self.adj.resize(bound, 0);
        }
        self.offsets.clear();
        self.offsets.push(0);
        let mut used = 0;
        for &v in members {
            let v = v as usize;
            for &w in &adj[offsets[v] as usize..offsets[v + 1] as usize] {
                let x = self.local[w as usize];
                self.adj[used] = x;
                used += usize::from(x != UNSEEN);
            }
            self.offsets.push(used as u32);
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
            adj: &self.adj[..used],
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
