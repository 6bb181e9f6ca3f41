//! The search with predecessor lists, skipped small components and per-thread work space
//! against the implementation it replaced (kept here verbatim as the reference): the
//! values must be equal bit for bit, since `replicates.csv` must not change.
use super::betweenness::{fold_and_accumulate, sample_sources};
use super::blocks::{exact_by_blocks, exact_by_blocks_from};
use super::brandes::{CHUNK, PAR_WORK};
use super::*;
use crate::stats::ScopeGraph;
use crate::stats::graph::test_graph as graph;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

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
fn old_accumulate(g: &ScopeGraph, sources: &[u32], copies: &[f64], pendants: &[f64]) -> Vec<f64> {
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
