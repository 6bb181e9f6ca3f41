//! The ties of one territory: a small undirected graph on local indices, the archetype
//! builders and the Freeman degree centralization they are checked against.

use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashMap;

fn key(u: u32, v: u32) -> u64 {
    let (a, b) = if u < v { (u, v) } else { (v, u) };
    ((a as u64) << 32) | b as u64
}

/// A simple undirected graph on `0..n` that keeps its edges in insertion order (so that the
/// output does not depend on hashing) and can remove edges.
pub(super) struct LocalGraph {
    /// Degree of each node.
    pub deg: Vec<u32>,
    /// Edges `(a, b)` with `a < b`.
    pub edges: Vec<(u32, u32)>,
    pos: HashMap<u64, usize>,
}

impl LocalGraph {
    pub fn new(n: usize) -> Self {
        LocalGraph {
            deg: vec![0; n],
            edges: Vec::new(),
            pos: HashMap::new(),
        }
    }

    pub fn has(&self, u: u32, v: u32) -> bool {
        self.pos.contains_key(&key(u, v))
    }

    /// Adds the edge unless it is a loop or already there; true when added.
    pub fn add(&mut self, u: u32, v: u32) -> bool {
        if u == v || self.has(u, v) {
            return false;
        }
        self.pos.insert(key(u, v), self.edges.len());
        self.edges.push((u.min(v), u.max(v)));
        self.deg[u as usize] += 1;
        self.deg[v as usize] += 1;
        true
    }

    /// Removes the edge at position `i` of `edges` (the last edge takes its place).
    pub fn remove_at(&mut self, i: usize) {
        let (a, b) = self.edges.swap_remove(i);
        self.pos.remove(&key(a, b));
        if let Some(&(c, d)) = self.edges.get(i) {
            self.pos.insert(key(c, d), i);
        }
        self.deg[a as usize] -= 1;
        self.deg[b as usize] -= 1;
    }

    /// Adds up to `m` new edges between distinct random pairs of `nodes`, uniformly among the
    /// pairs not yet tied; returns how many were added. Small or dense cases list the free
    /// pairs; large sparse ones draw pairs and reject those already tied, so the cost is linear
    /// in `m` rather than quadratic in `nodes`.
    pub fn add_random<R: Rng>(&mut self, rng: &mut R, nodes: &[u32], m: usize) -> usize {
        let s = nodes.len();
        if s < 2 || m == 0 {
            return 0;
        }
        let pairs = s * (s - 1) / 2;
        if s <= 64 || pairs <= 4 * m + 64 {
            let mut free = Vec::new();
            for i in 0..s {
                for j in (i + 1)..s {
                    if !self.has(nodes[i], nodes[j]) {
                        free.push((nodes[i], nodes[j]));
                    }
                }
            }
            let take = m.min(free.len());
            let (chosen, _) = free.partial_shuffle(rng, take);
            for &(u, v) in chosen.iter() {
                self.add(u, v);
            }
            return take;
        }
        let mut added = 0;
        let mut attempts = 0;
        while added < m && attempts < 50 * m + 100 {
            attempts += 1;
            let i = rng.random_range(0..s);
            let j = rng.random_range(0..s);
            if self.add(nodes[i], nodes[j]) {
                added += 1;
            }
        }
        added
    }
}

/// Freeman degree centralization of the graph induced by nodes `0..n` (the members are the
/// first `n` local indices and the graph has no other edges while this is used):
/// `sum_i (max_j d_j - d_i) / ((n - 1)(n - 2))`, 0 for fewer than 3 nodes.
pub(super) fn centralization(deg: &[u32], n: usize) -> f64 {
    if n < 3 {
        return 0.0;
    }
    let d = &deg[..n];
    let max = d.iter().copied().max().unwrap_or(0) as u64;
    let sum: u64 = d.iter().map(|&x| max - x as u64).sum();
    sum as f64 / ((n as u64 - 1) * (n as u64 - 2)) as f64
}

/// True when `hub` has a strictly higher degree than every other node of `0..n`.
fn unique_max(deg: &[u32], n: usize, hub: u32) -> bool {
    let h = deg[hub as usize];
    (0..n).all(|i| i == hub as usize || deg[i] < h)
}

/// Centred archetype on members `0..n`: `hub` tied to a random `hub_share` of the others
/// (rounded up), every other member tied to someone, about `extra_degree (n - 1) / 2` random
/// ties among the non-hub members; then, while the hub is not the unique highest-degree member
/// or the centralization is below `min_c`, tie the hub to a member it misses or else drop a
/// random non-hub tie of the highest-degree non-hub member. That ends at the latest at the
/// star, whose centralization is 1.
pub(super) fn build_centred<R: Rng>(
    rng: &mut R,
    g: &mut LocalGraph,
    n: usize,
    hub: u32,
    hub_share: f64,
    extra_degree: f64,
    min_c: f64,
) {
    let mut others: Vec<u32> = (0..n as u32).filter(|&i| i != hub).collect();
    others.shuffle(rng);
    let k = ((hub_share * (n - 1) as f64).ceil() as usize).clamp(1, n - 1);
    for &o in &others[..k] {
        g.add(hub, o);
    }
    for idx in k..others.len() {
        let o = others[idx];
        let mut p = others[rng.random_range(0..others.len())];
        while p == o {
            p = others[rng.random_range(0..others.len())];
        }
        g.add(o, p);
    }
    let m = (extra_degree * (n - 1) as f64 / 2.0).round() as usize;
    g.add_random(rng, &others, m);
    loop {
        if unique_max(&g.deg, n, hub) && centralization(&g.deg, n) >= min_c {
            break;
        }
        if let Some(&o) = others.iter().find(|&&o| !g.has(hub, o)) {
            g.add(hub, o);
            continue;
        }
        let v = *others
            .iter()
            .max_by_key(|&&o| (g.deg[o as usize], std::cmp::Reverse(o)))
            .expect("n >= 3");
        let incident: Vec<usize> = (0..g.edges.len())
            .filter(|&i| {
                let (a, b) = g.edges[i];
                (a == v || b == v) && a != hub && b != hub
            })
            .collect();
        if incident.is_empty() {
            // A star already; cannot happen for n >= 3, but never loop forever.
            break;
        }
        let i = incident[rng.random_range(0..incident.len())];
        g.remove_at(i);
    }
}

/// Polycentric archetype on members `0..n`: `hubs` random local hubs (at least 2, at most
/// `n / 2`), tied to each other, the other members shared round-robin among them, plus about
/// `extra_degree n / 2` random ties; then, while the centralization is above `max_c`, tie two
/// untied members of lowest degree that are below the maximum degree (or, failing that, any
/// untied pair). Each such tie lowers the centralization; the complete graph has 0.
pub(super) fn build_polycentric<R: Rng>(
    rng: &mut R,
    g: &mut LocalGraph,
    n: usize,
    hubs: usize,
    extra_degree: f64,
    max_c: f64,
) {
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.shuffle(rng);
    let k = hubs.clamp(2, (n / 2).max(2));
    for i in 0..k {
        for j in (i + 1)..k {
            g.add(perm[i], perm[j]);
        }
    }
    for (idx, &o) in perm[k..].iter().enumerate() {
        g.add(perm[idx % k], o);
    }
    let m = (extra_degree * n as f64 / 2.0).round() as usize;
    g.add_random(rng, &perm, m);
    while centralization(&g.deg, n) > max_c {
        let max = *g.deg[..n].iter().max().unwrap_or(&0);
        let mut low: Vec<u32> = (0..n as u32).filter(|&i| g.deg[i as usize] < max).collect();
        low.sort_by_key(|&i| (g.deg[i as usize], i));
        let mut pair = None;
        'outer: for (a, &u) in low.iter().enumerate() {
            for &v in &low[a + 1..] {
                if !g.has(u, v) {
                    pair = Some((u, v));
                    break 'outer;
                }
            }
        }
        if pair.is_none() {
            'any: for u in 0..n as u32 {
                for v in (u + 1)..n as u32 {
                    if !g.has(u, v) {
                        pair = Some((u, v));
                        break 'any;
                    }
                }
            }
        }
        match pair {
            Some((u, v)) => {
                g.add(u, v);
            }
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn centralization_textbook_values() {
        // Star on 5 nodes: 1; cycle on 5: 0; path on 4: (1 + 0 + 0 + 1) / 6.
        let mut g = LocalGraph::new(5);
        for i in 1..5 {
            g.add(0, i);
        }
        assert_eq!(centralization(&g.deg, 5), 1.0);
        let mut g = LocalGraph::new(5);
        for i in 0..5 {
            g.add(i, (i + 1) % 5);
        }
        assert_eq!(centralization(&g.deg, 5), 0.0);
        let mut g = LocalGraph::new(4);
        g.add(0, 1);
        g.add(1, 2);
        g.add(2, 3);
        assert!((centralization(&g.deg, 4) - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn remove_keeps_index_consistent() {
        let mut g = LocalGraph::new(4);
        g.add(0, 1);
        g.add(1, 2);
        g.add(2, 3);
        g.remove_at(0);
        assert!(!g.has(0, 1));
        assert!(g.has(2, 3) && g.has(1, 2));
        assert!(!g.add(3, 2));
        assert_eq!(g.deg, vec![0, 1, 2, 1]);
        let i = g.edges.iter().position(|&e| e == (2, 3)).unwrap();
        g.remove_at(i);
        assert!(!g.has(2, 3));
        assert_eq!(g.edges, vec![(1, 2)]);
    }

    #[test]
    fn builders_meet_their_definitions_at_every_size() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for n in 4..40 {
            for _ in 0..20 {
                let mut g = LocalGraph::new(n);
                let hub = rng.random_range(0..n as u32);
                let extra = rng.random_range(0.0..4.0);
                build_centred(&mut rng, &mut g, n, hub, 0.6, extra, 0.55);
                assert!(unique_max(&g.deg, n, hub));
                assert!(centralization(&g.deg, n) >= 0.55);
                assert!(g.deg.iter().all(|&d| d > 0));

                let mut g = LocalGraph::new(n);
                build_polycentric(&mut rng, &mut g, n, 3, extra, 0.45);
                assert!(centralization(&g.deg, n) <= 0.45);
                assert!(g.deg.iter().all(|&d| d > 0));
            }
        }
    }

    #[test]
    fn add_random_adds_distinct_new_pairs() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let nodes: Vec<u32> = (0..1000).collect();
        let mut g = LocalGraph::new(1000);
        assert_eq!(g.add_random(&mut rng, &nodes, 3000), 3000);
        assert_eq!(g.edges.len(), 3000);
        let small: Vec<u32> = (0..5).collect();
        let mut g = LocalGraph::new(5);
        assert_eq!(g.add_random(&mut rng, &small, 100), 10);
    }
}
