//! Composition statistics: which kinds of organisation the ties join.

use super::ScopeGraph;
use crate::data::Kind;

/// Composition of the ties of a scope graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Composition {
    /// For each kind ([`Kind::index`]): share of ties with at least one end of that kind,
    /// `|{ties touching k}| / m`. The shares of different kinds overlap (a tie between two kinds
    /// counts for both), so they need not sum to 1.
    pub touching: [f64; Kind::COUNT],
    /// Share of ties whose ends are of different kinds.
    pub cross_kind: f64,
    /// Share of ties whose ends are in different territories (0 inside one territory).
    pub cross_territory: f64,
}

/// Tie composition of a scope graph; every share is NaN when there are no ties (0/0).
pub fn composition(g: &ScopeGraph) -> Composition {
    let m = g.m();
    if m == 0 {
        return Composition {
            touching: [f64::NAN; Kind::COUNT],
            cross_kind: f64::NAN,
            cross_territory: f64::NAN,
        };
    }
    let kind = g.kinds();
    let terr = g.territories_of_nodes();
    let mut touching = [0usize; Kind::COUNT];
    let mut cross_kind = 0usize;
    let mut cross_territory = 0usize;
    for t in g.ties() {
        let (ka, kb) = (kind[t.a as usize], kind[t.b as usize]);
        touching[ka.index()] += 1;
        if ka != kb {
            touching[kb.index()] += 1;
            cross_kind += 1;
        }
        cross_territory += (terr[t.a as usize] != terr[t.b as usize]) as usize;
    }
    let mf = m as f64;
    Composition {
        touching: touching.map(|c| c as f64 / mf),
        cross_kind: cross_kind as f64 / mf,
        cross_territory: cross_territory as f64 / mf,
    }
}
