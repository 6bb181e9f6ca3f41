//! Seeded network generators shared by the statistics tests and `benches/stats.rs`.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::Arc;
use wecare::data::Kind;
use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};

/// Kinds of the non-hub organisations of a territory, drawn with these weights
/// (public, third_sector, firm, other).
const KIND_WEIGHTS: [(Kind, u32); 4] = [
    (Kind::Public, 2),
    (Kind::ThirdSector, 5),
    (Kind::Firm, 2),
    (Kind::Other, 1),
];

fn draw_kind(rng: &mut Xoshiro256PlusPlus) -> Kind {
    let total: u32 = KIND_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (k, w) in KIND_WEIGHTS {
        if x < w {
            return k;
        }
        x -= w;
    }
    Kind::Other
}

fn tie(rng: &mut Xoshiro256PlusPlus, a: u32, b: u32) -> SnapTie {
    SnapTie {
        a: a.min(b),
        b: a.max(b),
        trust: rng.random_range(0.05..1.0),
        origin: Origin::ALL[rng.random_range(0..3)],
    }
}

/// A territorial, hub-centred network: `territories` territories of `size` organisations each,
/// of which `inactive` per territory are in the recruitment pool (inactive, untied). The first
/// organisation of each territory is its ente gestore and is tied to every other active one
/// with probability `hub_p`; `extra` more random ties per territory join active organisations
/// of the territory; `cross` ties join random active organisations of different territories.
/// Half the active organisations are project members; adoption and initiative flags are
/// random.
pub fn territorial(
    territories: usize,
    size: usize,
    inactive: usize,
    hub_p: f64,
    extra: usize,
    cross: usize,
    seed: u64,
) -> Snapshot {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = territories * size;
    let mut kind = Vec::with_capacity(n);
    let mut territory = Vec::with_capacity(n);
    let mut active = Vec::with_capacity(n);
    for t in 0..territories {
        for i in 0..size {
            kind.push(if i == 0 {
                Kind::EnteGestore
            } else {
                draw_kind(&mut rng)
            });
            territory.push(t as u32);
            active.push(i < size - inactive);
        }
    }
    let live = size - inactive;
    let mut ties = Vec::new();
    for t in 0..territories {
        let base = (t * size) as u32;
        for i in 1..live as u32 {
            if rng.random_bool(hub_p) {
                ties.push(tie(&mut rng, base, base + i));
            }
        }
        for _ in 0..extra {
            let a = rng.random_range(1..live as u32);
            let b = rng.random_range(1..live as u32);
            if a != b {
                ties.push(tie(&mut rng, base + a, base + b));
            }
        }
    }
    let mut made = 0;
    while made < cross && territories > 1 {
        let ta = rng.random_range(0..territories);
        let tb = rng.random_range(0..territories);
        if ta == tb {
            continue;
        }
        let a = (ta * size + rng.random_range(0..live)) as u32;
        let b = (tb * size + rng.random_range(0..live)) as u32;
        ties.push(tie(&mut rng, a, b));
        made += 1;
    }
    ties.sort_by_key(|t| (t.a, t.b));
    ties.dedup_by_key(|t| (t.a, t.b));
    let nodes = Arc::new(NodeAttrs {
        ids: (0..n).map(|i| format!("o{i}")).collect(),
        kind,
        territory,
        territory_names: (0..territories).map(|t| format!("t{t}")).collect(),
    });
    let project_member = (0..n).map(|i| active[i] && rng.random_bool(0.5)).collect();
    let adopted = (0..n).map(|i| active[i] && rng.random_bool(0.3)).collect();
    let initiative = (0..n).map(|_| rng.random_bool(0.4)).collect();
    Snapshot {
        step: 0,
        nodes,
        active,
        adopted,
        initiative,
        project_member,
        ties,
    }
}

/// The network size the default scenario works with: 22 territories of 11 organisations, 9 of
/// them active, centred on the ente gestore, with a few ties among partners and across
/// territories (about 200 active organisations and 260 ties).
pub fn default_like(seed: u64) -> Snapshot {
    territorial(22, 11, 2, 0.9, 4, 12, seed)
}

/// A G(n, p) graph with mean degree `mean_degree`, kinds and five territories at random.
pub fn erdos_renyi(n: usize, mean_degree: f64, seed: u64) -> Snapshot {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let p = mean_degree / (n as f64 - 1.0);
    let mut ties = Vec::new();
    for a in 0..n as u32 {
        for b in a + 1..n as u32 {
            if rng.random_bool(p) {
                ties.push(tie(&mut rng, a, b));
            }
        }
    }
    let nodes = Arc::new(NodeAttrs {
        ids: (0..n).map(|i| format!("o{i}")).collect(),
        kind: (0..n).map(|_| draw_kind(&mut rng)).collect(),
        territory: (0..n).map(|_| rng.random_range(0..5)).collect(),
        territory_names: (0..5).map(|t| format!("t{t}")).collect(),
    });
    Snapshot::from_ties(nodes, ties)
}
