//! The engine's betweenness (blocks, pendant folding, skipped small components, per-thread
//! work space) against Brandes' algorithm written out plainly, and the component labels
//! against a plain breadth-first count.
use super::betweenness::{fold_and_accumulate, sample_sources};
use super::blocks::{exact_by_blocks, exact_by_blocks_from};
use super::brandes::PAR_WORK;
use super::*;
use crate::stats::ScopeGraph;
use crate::stats::graph::test_graph as graph;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Brandes' (2001) algorithm as published, written independently of the engine's search (no
/// pendant folding, no skipped components, no shared work space, predecessor lists): the sum
/// over `sources` of every source's dependencies on every other node (ordered pairs).
fn plain_brandes(g: &ScopeGraph, sources: impl IntoIterator<Item = u32>) -> Vec<f64> {
    let n = g.n();
    let mut bc = vec![0.0; n];
    for s in sources {
        let s = s as usize;
        let mut dist: Vec<Option<u32>> = vec![None; n];
        let mut sigma = vec![0.0f64; n];
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut order = Vec::with_capacity(n);
        let mut queue = std::collections::VecDeque::from([s]);
        dist[s] = Some(0);
        sigma[s] = 1.0;
        while let Some(v) = queue.pop_front() {
            order.push(v);
            let dv = dist[v].unwrap();
            for &w in g.neighbors(v) {
                let w = w as usize;
                if dist[w].is_none() {
                    dist[w] = Some(dv + 1);
                    queue.push_back(w);
                }
                if dist[w] == Some(dv + 1) {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        let mut delta = vec![0.0f64; n];
        for &w in order.iter().rev() {
            for &v in &preds[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                bc[w] += delta[w];
            }
        }
    }
    bc
}

/// The reference betweenness (before the scaling by a half): plain Brandes from every node,
/// or from the sampled sources scaled by `n / pivots`.
fn reference_betweenness(g: &ScopeGraph, method: BetweennessMethod) -> Vec<f64> {
    let n = g.n();
    match method {
        BetweennessMethod::Sampled { pivots, seed } if pivots < n => {
            let mut bc = plain_brandes(g, sample_sources(n, pivots, seed));
            let scale = n as f64 / pivots as f64;
            bc.iter_mut().for_each(|x| *x *= scale);
            bc
        }
        _ => plain_brandes(g, 0..n as u32),
    }
}

/// The engine's betweenness, exact (summed by blocks) or sampled (one search per picked
/// source, pendants folded), must agree with plain Brandes from the same sources within a
/// relative `1e-12` per node; exact betweenness must also agree with the engine's search from
/// every source (`fold_and_accumulate`, which the sampled method uses). All sum the same
/// non-negative terms (path counts are integers, shares positive) in another grouping, so each
/// rounding errs by at most `2^-53` relatively and the value by at most about `(number of
/// operations on its longest chain) * 2^-53`, a few hundred times `1.1e-16` (below `1e-13`)
/// for these graphs of at most 3,000 nodes and paths of at most 64 steps. A node no shortest
/// path crosses is exactly 0 in all. (That the engine's values do not change at all is what
/// the checksum of the default scenario's `replicates.csv` checks.)
fn assert_agrees(g: &ScopeGraph, method: BetweennessMethod) {
    let new = fold_and_accumulate_for(g, method);
    let reference = reference_betweenness(g, method);
    let mut references = vec![reference];
    if !matches!(method, BetweennessMethod::Sampled { pivots, .. } if pivots < g.n()) {
        let comps = ComponentLabels::of(g);
        // The members tied to every other member of their block add nothing when searched
        // from: leaving them out changes no bit.
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let every_member = exact_by_blocks_from(g, &comps, true);
        assert_eq!(bits(&exact_by_blocks(g, &comps)), bits(&every_member));
        references.push(fold_and_accumulate(g, &comps, 0..g.n() as u32));
    }
    for reference in &references {
        assert_eq!(new.len(), reference.len());
        for (i, (&a, &b)) in new.iter().zip(reference.iter()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                "{method:?}, node {i}: engine {a}, reference {b}"
            );
        }
    }
}

/// The reference itself, on graphs whose betweenness is known by hand (ordered pairs, so
/// twice the unordered values): a path a-b-c-d (b and c each on 2 pairs), a star of 4 leaves
/// (centre on 6 pairs) and a 4-cycle (each node on half of one pair's two paths).
#[test]
fn the_reference_gives_known_values() {
    let path = plain_brandes(&graph(4, &[(0, 1), (1, 2), (2, 3)]), 0..4);
    assert_eq!(path, vec![0.0, 4.0, 4.0, 0.0]);
    let star = plain_brandes(&graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]), 0..5);
    assert_eq!(star, vec![12.0, 0.0, 0.0, 0.0, 0.0]);
    let cycle = plain_brandes(&graph(4, &[(0, 1), (1, 2), (2, 3), (3, 0)]), 0..4);
    assert_eq!(cycle, vec![1.0; 4]);
}

/// The unscaled sums of [`betweenness`], as `reference_betweenness` returns them.
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
        assert_agrees(&graph(n, &edges), BetweennessMethod::Exact);
    }

    /// Random graphs with components of up to 150 organisations.
    #[test]
    fn large_components_agree_with_plain_brandes(
        n in 50usize..150,
        edges in proptest::collection::vec((0usize..150, 0usize..150), 40..320),
    ) {
        assert_agrees(&graph(n, &edges), BetweennessMethod::Exact);
    }

    #[test]
    fn clustered_and_sampled_agree_with_plain_brandes(
        n in 3usize..120,
        hubs in 1usize..8,
        extra in proptest::collection::vec((0usize..120, 0usize..120), 0..40),
        pivots in 1usize..60,
        seed in 0u64..1000,
    ) {
        let g = graph(n, &clustered(n, hubs, &extra));
        assert_agrees(&g, BetweennessMethod::Exact);
        assert_agrees(&g, BetweennessMethod::Sampled { pivots, seed });
    }
}

/// Random trees (every block a bridge: no search at all) and chains of cycles sharing cut
/// nodes, with pendant trees (blocks of several sizes, cut nodes in up to four blocks).
#[test]
fn trees_and_chains_of_blocks_agree_with_plain_brandes() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for n in [1, 2, 3, 4, 10, 57, 200] {
        let e: Vec<(usize, usize)> = (1..n).map(|i| (i, rng.random_range(0..i))).collect();
        assert_agrees(&graph(n, &e), BetweennessMethod::Exact);
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
        assert_agrees(&graph(next + 20, &e), BetweennessMethod::Exact);
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
fn many_and_rounded_path_counts_agree_with_plain_brandes() {
    for n in [3, 63, 64, 65, 127, 128, 129] {
        let mut e: Vec<(usize, usize)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        e.extend((0..n).step_by(3).map(|i| (i, (i + n / 2) % n)));
        assert_agrees(&graph(n, &e), BetweennessMethod::Exact);
    }
    // Path counts of 3^41 > 2^53 in the 3 x 42 graph: their sums round.
    assert!(3f64.powi(41) > 2f64.powi(53));
    for (width, levels) in [(3, 21), (2, 64), (3, 42), (4, 32), (3, 43)] {
        let g = graph(width * levels, &layered(width, levels));
        assert_agrees(&g, BetweennessMethod::Exact);
        assert_agrees(&g, BetweennessMethod::Sampled { pivots: 7, seed: 1 });
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
fn parallel_path_and_reused_work_space_agree_with_plain_brandes() {
    let n = 3_000;
    let extra: Vec<(usize, usize)> = (0..1_500)
        .map(|i| (i * 7919 % n, i * 104_729 % n))
        .collect();
    let g = graph(n, &clustered(n, 40, &extra));
    assert!(n * (2 * g.m() + n) >= PAR_WORK);
    assert_agrees(&g, BetweennessMethod::Exact);
    assert_agrees(
        &g,
        BetweennessMethod::Sampled {
            pivots: 700,
            seed: 3,
        },
    );
    let small = graph(30, &clustered(30, 3, &[(1, 2), (4, 9)]));
    assert_agrees(&small, BetweennessMethod::Exact);
}
