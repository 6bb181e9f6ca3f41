//! Step 3: actor-oriented tie formation (docs/ODD.md, sections 3 and 7).
//!
//! Each active organisation, in a random order, gets a Poisson number of opportunities. Each
//! opportunity draws one candidate from the mixture (dormant partner by trust, partner of a
//! partner, same territory, anyone); the tie forms with probability `logistic(eta)`. Ties
//! formed earlier in the step are visible to later organisations (sequential updating).
//!
//! Only the organisations with at least one opportunity do anything, and in a random
//! order independent of their numbers of opportunities. So by default
//! (`rules.formation_draw = "sample"`) the step draws how many have one (binomial, with
//! probability `1 - exp(-rate)` each), which ones in which order (a random sample in random
//! order) and each one's number (Poisson conditioned on at least 1): the same distribution
//! as shuffling every active organisation and drawing a Poisson number for each (`"shuffle"`),
//! with random numbers for about a fifth of the organisations at the default rates.
//! `rules.formation_order = "territory"` then regroups that order territory by territory
//! ([`super::formation_order`]).

use super::formation_order::{BlockAhead, TerritoryOrder};
use super::{Ctx, Scratch};
use crate::model::effect::{Compiled, Focus, Process, decide, predictor};
use crate::model::params::{EmptyComponent, FormationDraw, FormationOrder};
use crate::model::rng::{self, Rng};
use crate::model::world::World;
use rand::Rng as _;

/// Runs tie formation for one step.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let rate = ctx.p.formation.rate.get(ctx.phase);
    if rate <= 0.0 {
        return;
    }
    let step = Step {
        base: ctx.p.formation.base.get(ctx.phase)
            + ctx.period_offset(&ctx.p.formation.period_offset),
        terms: ctx.terms().get(Process::Formation, ctx.phase),
        mixture: Mixture::new(ctx),
    };
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    let mut order = std::mem::take(&mut s.orgs);
    order.clear();
    order.extend_from_slice(w.active_set.items());
    // The regrouping by territory, kept out of the scratch while the choosers read it.
    let mut groups = std::mem::take(&mut s.territory_order);
    match ctx.p.rules.formation_draw {
        FormationDraw::Shuffle => {
            rng::shuffle(&mut r, &mut order);
            let blocks = by_territory(ctx, w, &mut r, &mut groups, &mut order);
            let draws = rng::PoissonDraw::new(rate);
            choose(ctx, w, &step, &order, &mut r, s, blocks, |r| {
                draws.sample(r)
            });
        }
        FormationDraw::Sample => {
            // None where the Poisson draws would all be 0 (an infinite rate, say).
            if let Some(draws) = rng::PositivePoisson::new(rate) {
                let chosen = rng::binomial(&mut r, order.len(), -(-rate).exp_m1());
                rng::sample_front(&mut r, &mut order, chosen);
                let blocks = by_territory(ctx, w, &mut r, &mut groups, &mut order[..chosen]);
                choose(ctx, w, &step, &order[..chosen], &mut r, s, blocks, |r| {
                    draws.sample(r)
                });
            }
        }
    }
    *rng = r;
    s.orgs = order;
    s.territory_order = groups;
}

/// Under `rules.formation_order = "territory"`, regroups the step's choosers territory by
/// territory ([`super::formation_order`]), and returns the regrouping when the choosers
/// should load their territories ahead ([`BlockAhead`]).
fn by_territory<'g>(
    ctx: &Ctx,
    w: &World,
    r: &mut Rng,
    groups: &'g mut TerritoryOrder,
    order: &mut [u32],
) -> Option<&'g TerritoryOrder> {
    if ctx.p.rules.formation_order != FormationOrder::Territory {
        return None;
    }
    let territories = w.active_by_territory.parts();
    groups.regroup(territories, |i| w.territory(i), r, order);
    w.loads_ahead().then_some(groups)
}

/// What every opportunity of a step reads.
struct Step<'a> {
    /// The phase's intercept (with its period offset).
    base: f64,
    /// The formation predictor.
    terms: &'a Compiled,
    /// The candidate mixture.
    mixture: Mixture,
}

/// The organisations of `order` choose in turn, each with `draws` opportunities; with
/// `blocks`, the regrouping of `order` by territory, their territories are loaded ahead.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn choose(
    ctx: &Ctx,
    w: &mut World,
    step: &Step,
    order: &[u32],
    r: &mut Rng,
    s: &mut Scratch,
    blocks: Option<&TerritoryOrder>,
    draws: impl Fn(&mut Rng) -> u32,
) {
    let ahead = w.loads_ahead();
    let mut block_ahead = BlockAhead::default();
    for (n, &i) in order.iter().enumerate() {
        if ahead {
            load_ahead(w, order, n);
        }
        if let Some(groups) = blocks {
            block_ahead.advance(w, groups, n);
        }
        let k = draws(r);
        for _ in 0..k {
            let Some(j) = step.mixture.candidate(w, i, r) else {
                continue;
            };
            if ahead {
                w.prefetch_candidate(j);
            }
            // A draw of oneself or of a current partner wastes the opportunity.
            if j == i || !w.is_active(j) {
                continue;
            }
            // One scan finds both whether `j` is a partner and the remembered dyad, whose
            // trust the predictor's bounds then read exactly. It scans `i`'s partners, loaded
            // ahead, while `j`'s record, just drawn, is still on its way.
            // In a small world everything is in the cache, and the shorter list is cheaper.
            let link = if ahead {
                w.memory.link_from(i, j)
            } else {
                w.memory.link(i, j)
            };
            if link.is_some_and(|(_, active)| active) {
                continue;
            }
            let u = r.random::<f64>();
            let (terms, base) = (step.terms, step.base);
            let focus = Focus::known(i, j, link.map(|(d, _)| d));
            if decide(terms, Process::Formation, base, ctx, w, focus, s, u) {
                ctx.tie(w, i, j);
            }
        }
    }
}

/// How many organisations ahead of the current one the last stage of [`load_ahead`] works.
const AHEAD: usize = 12;

/// Hints the processor to load what the organisations soon to choose will read, in three
/// stages that each need the previous one's data: their records (partner slab headers
/// included), then their partners, then their dormant partners' dyads (no effect on results;
/// whether a dormant partner is active comes from the flag bytes, which stay in the cache).
/// The order is random, so without this every organisation's reads would miss the caches one
/// after the other.
#[inline(always)]
fn load_ahead(w: &World, order: &[u32], n: usize) {
    if let Some(&a) = order.get(n + 3 * AHEAD) {
        w.orgs().prefetch(a as usize);
    }
    if let Some(&a) = order.get(n + 2 * AHEAD) {
        w.memory.prefetch_partners(a);
    }
    if let Some(&a) = order.get(n + AHEAD) {
        for &(_, d) in w.memory.dormant_partners(a).iter().take(8) {
            w.memory.prefetch_dyad(d);
        }
        for &(j, _) in w.memory.active_partners(a).iter().take(4) {
            w.memory.prefetch_org(j);
        }
        w.active_by_territory.prefetch(w.territory(a) as usize);
    }
}

/// The formation log-odds `eta` for `i` choosing `j` (docs/ODD.md, section 7): the phase's
/// intercept plus the formation effects.
pub fn eta(ctx: &Ctx, w: &World, i: u32, j: u32, s: &mut Scratch) -> f64 {
    let base =
        ctx.p.formation.base.get(ctx.phase) + ctx.period_offset(&ctx.p.formation.period_offset);
    let focus = Focus::dyad(i, j);
    let terms = ctx.terms().of(Process::Formation, ctx.phase);
    predictor(terms, base, ctx, w, focus, s)
}

/// The candidate mixture of a step (docs/ODD.md, section 7): its settings read once per step
/// rather than once per opportunity.
struct Mixture {
    /// The component weights and their sum for each set of non-empty components (bit `k` of
    /// the index set when component `k` is non-empty): an empty component's weight is 0
    /// under `rules.empty_component = "renormalise"`.
    weights: [([f64; 4], f64); 16],
    /// Dormant partners are weighted by trust (otherwise uniformly).
    trust_weighted: bool,
    /// Every trust lies in [0, 1] ([`crate::model::process::Tables::bounds_hold`]).
    bounds_hold: bool,
}

impl Mixture {
    fn new(ctx: &Ctx) -> Mixture {
        let c = &ctx.p.formation.candidates;
        let weights = [c.dormant, c.closure, c.territory, c.anyone];
        let renormalise = ctx.p.rules.empty_component == EmptyComponent::Renormalise;
        Mixture {
            weights: std::array::from_fn(|nonempty| {
                let comp_weight: [f64; 4] = std::array::from_fn(|k| {
                    if renormalise && nonempty & (1 << k) == 0 {
                        0.0
                    } else {
                        weights[k]
                    }
                });
                (comp_weight, comp_weight.iter().sum())
            }),
            trust_weighted: ctx.p.feedback.trust_to_formation,
            bounds_hold: ctx.t.bounds_hold,
        }
    }

    /// Draws one candidate partner for `i`, or `None` if the opportunity is lost. Inlined
    /// into the choosers' loop, which calls it once per opportunity.
    #[inline(always)]
    fn candidate(&self, w: &World, i: u32, rng: &mut Rng) -> Option<u32> {
        let dormant = w.memory.dormant_partners(i);
        let dweight = |k: usize| {
            let (j, d) = dormant[k];
            if !w.is_active(j) {
                0.0
            } else if self.trust_weighted {
                w.memory.dyad(d).trust
            } else {
                1.0
            }
        };
        let sum = || -> f64 { (0..dormant.len()).map(dweight).sum() };
        // Weights are trusts in [0, 1] (or 0 and 1) when the bounds hold, so their sum is
        // positive exactly when one of them is: the sum itself is then needed only when the
        // dormant component is drawn.
        let (dormant_total, has_dormant) = if self.bounds_hold {
            (None, (0..dormant.len()).any(|k| dweight(k) > 0.0))
        } else {
            let total = sum();
            (Some(total), total > 0.0)
        };
        let t = w.territory(i) as usize;
        let nonempty = usize::from(has_dormant)
            | usize::from(w.memory.degree(i) > 0) << 1
            | usize::from(w.active_by_territory.part(t).len() > 1) << 2
            | usize::from(w.active_set.len() > 1) << 3;
        let (comp_weight, total) = &self.weights[nonempty];
        let comp = rng::weighted(rng, 4, *total, |k| comp_weight[k])?;
        if nonempty & (1 << comp) == 0 {
            return None;
        }
        match comp {
            0 => {
                let total = dormant_total.unwrap_or_else(sum);
                rng::weighted(rng, dormant.len(), total, dweight).map(|k| dormant[k].0)
            }
            1 => {
                // Two-step random walk: a random partner, then a random partner of theirs.
                let p = w.memory.active_partners(i);
                let (k, _) = p[rng::index(rng, p.len())];
                let q = w.memory.active_partners(k);
                Some(q[rng::index(rng, q.len())].0)
            }
            2 => {
                let set = w.active_by_territory.part(t);
                Some(set[rng::index(rng, set.len())])
            }
            _ => {
                let set = w.active_set.items();
                Some(set[rng::index(rng, set.len())])
            }
        }
    }
}
