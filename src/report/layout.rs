//! A deterministic network layout with territories as clusters: each territory's
//! organisations are placed by Fruchterman and Reingold's force-directed algorithm (with a
//! weak pull to the centre so isolated organisations stay near their territory), and the
//! territories are set on a grid in name order, each in a disc whose area grows with its
//! number of organisations. The result depends only on the organisations, their territories
//! and the ties (not on their order), and on the seed.

use std::collections::BTreeMap;

/// A territory's place in a layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Territory name.
    pub name: String,
    /// Centre.
    pub centre: (f64, f64),
    /// Radius of the disc its organisations lie in.
    pub radius: f64,
}

/// Positions of organisations, and the territories' discs.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Position of each organisation, in input order.
    pub positions: Vec<(f64, f64)>,
    /// The territories, in name order.
    pub clusters: Vec<Cluster>,
}

/// SplitMix64: a small, well-mixed generator for starting positions.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a: stable across platforms and versions.
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Fruchterman-Reingold in the square [-1, 1]^2 with gravity; `edges` index into `0..n`.
/// Returns positions scaled into the unit disc.
fn force_directed(n: usize, edges: &[(usize, usize)], seed: u64) -> Vec<(f64, f64)> {
    let mut rng = SplitMix(seed);
    let mut p: Vec<(f64, f64)> = (0..n).map(|_| (rng.unit(), rng.unit())).collect();
    if n <= 1 {
        return vec![(0.0, 0.0); n];
    }
    let k = 2.0 / (n as f64).sqrt();
    let iterations = (20_000_000 / (n * n)).clamp(30, 300);
    let gravity = 0.6;
    let mut disp = vec![(0.0, 0.0); n];
    for it in 0..iterations {
        let t = 0.15 * (1.0 - it as f64 / iterations as f64) + 0.002;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        for i in 0..n {
            for j in i + 1..n {
                let (dx, dy) = (p[i].0 - p[j].0, p[i].1 - p[j].1);
                let d2 = (dx * dx + dy * dy).max(1e-6);
                let f = k * k / d2;
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (p[a].0 - p[b].0, p[a].1 - p[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(1e-3);
            let f = d / k;
            disp[a].0 -= dx * f;
            disp[a].1 -= dy * f;
            disp[b].0 += dx * f;
            disp[b].1 += dy * f;
        }
        for i in 0..n {
            let (x, y) = p[i];
            let r = (x * x + y * y).sqrt();
            disp[i].0 -= gravity * x * r.max(0.2) / k;
            disp[i].1 -= gravity * y * r.max(0.2) / k;
            let (dx, dy) = disp[i];
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(t);
                p[i].0 = (x + dx / len * step).clamp(-1.0, 1.0);
                p[i].1 = (y + dy / len * step).clamp(-1.0, 1.0);
            }
        }
    }
    let (cx, cy) = p.iter().fold((0.0, 0.0), |a, q| {
        (a.0 + q.0 / n as f64, a.1 + q.1 / n as f64)
    });
    let r = p
        .iter()
        .map(|q| ((q.0 - cx).powi(2) + (q.1 - cy).powi(2)).sqrt())
        .fold(0.0, f64::max);
    let r = if r > 0.0 { r } else { 1.0 };
    p.iter().map(|q| ((q.0 - cx) / r, (q.1 - cy) / r)).collect()
}

/// Lays out organisations `ids` (unique) of territories `territory` with ties `edges`
/// (indices into `ids`; ties across territories do not pull). `aspect` is the width over
/// height of the space to fill.
pub fn territory_layout(
    ids: &[&str],
    territory: &[&str],
    edges: &[(usize, usize)],
    aspect: f64,
    seed: u64,
) -> Layout {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in territory.iter().enumerate() {
        groups.entry(t).or_default().push(i);
    }
    for members in groups.values_mut() {
        members.sort_by_key(|&i| ids[i]);
    }
    let count = groups.len().max(1);
    let cols = ((count as f64 * aspect).sqrt().ceil() as usize).clamp(1, count);
    let largest = groups.values().map(Vec::len).max().unwrap_or(1) as f64;
    let cell = 2.0 * largest.sqrt() * 1.25;
    let mut positions = vec![(0.0, 0.0); ids.len()];
    let mut clusters = Vec::with_capacity(groups.len());
    let mut local = vec![usize::MAX; ids.len()];
    for (g, (name, members)) in groups.iter().enumerate() {
        for (k, &i) in members.iter().enumerate() {
            local[i] = k;
        }
        let mut inner: Vec<(usize, usize)> = edges
            .iter()
            .filter(|&&(a, b)| territory[a] == *name && territory[b] == *name && a != b)
            .map(|&(a, b)| {
                let (x, y) = (local[a], local[b]);
                (x.min(y), x.max(y))
            })
            .collect();
        inner.sort_unstable();
        inner.dedup();
        let seed_t = seed ^ hash_str(name);
        let unit = force_directed(members.len(), &inner, seed_t);
        let radius = (members.len() as f64).sqrt();
        let centre = ((g % cols) as f64 * cell, (g / cols) as f64 * cell);
        for (&i, q) in members.iter().zip(unit) {
            positions[i] = (centre.0 + q.0 * radius, centre.1 + q.1 * radius);
        }
        clusters.push(Cluster {
            name: name.to_string(),
            centre,
            radius,
        });
    }
    Layout {
        positions,
        clusters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_deterministic_and_order_free() {
        let ids = ["a", "b", "c", "d", "e"];
        let terr = ["T1", "T1", "T1", "T2", "T2"];
        let edges = [(0, 1), (1, 2), (3, 4)];
        let l1 = territory_layout(&ids, &terr, &edges, 1.0, 7);
        let l2 = territory_layout(&ids, &terr, &edges, 1.0, 7);
        assert_eq!(l1, l2);
        // Same organisations in another order: same positions for each.
        let ids_r = ["e", "d", "c", "b", "a"];
        let terr_r = ["T2", "T2", "T1", "T1", "T1"];
        let edges_r = [(3, 4), (2, 3), (0, 1)];
        let l3 = territory_layout(&ids_r, &terr_r, &edges_r, 1.0, 7);
        for (i, id) in ids.iter().enumerate() {
            let j = ids_r.iter().position(|x| x == id).unwrap();
            assert_eq!(l1.positions[i], l3.positions[j]);
        }
        // Each organisation lies in its territory's disc.
        for (i, t) in terr.iter().enumerate() {
            let c = l1.clusters.iter().find(|c| c.name == *t).unwrap();
            let (x, y) = l1.positions[i];
            let d = ((x - c.centre.0).powi(2) + (y - c.centre.1).powi(2)).sqrt();
            assert!(d <= c.radius + 1e-9);
        }
    }
}
