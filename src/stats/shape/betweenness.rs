//! Betweenness centrality and its Freeman centralization: exact (by blocks) or estimated from
//! sampled sources with pendant nodes folded into their neighbour.

use super::blocks::exact_by_blocks;
use super::brandes::{Csr, Searches, accumulate};
use super::centralization::freeman_centralization;
use super::components::ComponentLabels;
use super::pivots::BetweennessMethod;
use crate::stats::ScopeGraph;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

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
pub(super) fn sample_sources(n: usize, k: usize, seed: u64) -> Vec<u32> {
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
pub(super) fn fold_and_accumulate(
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
