//! Step 3: actor-oriented tie formation (docs/ODD.md, sections 3 and 7).
//!
//! Each active organisation, in a random order, gets a Poisson number of opportunities. Each
//! opportunity draws one candidate from the mixture (dormant partner by trust, partner of a
//! partner, same territory, anyone); the tie forms with probability `logistic(eta)`. Ties
//! formed earlier in the step are visible to later organisations (sequential updating).

use super::{Ctx, Scratch};
use crate::model::effect::{Focus, Process, decide, predictor};
use crate::model::params::EmptyComponent;
use crate::model::rng::{self, Rng};
use crate::model::world::World;
use crate::network::prefetch;
use rand::Rng as _;

/// Runs tie formation for one step.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let rate = ctx.p.formation.rate.get(ctx.phase);
    if rate <= 0.0 {
        return;
    }
    let base =
        ctx.p.formation.base.get(ctx.phase) + ctx.period_offset(&ctx.p.formation.period_offset);
    let terms = ctx.terms().get(Process::Formation, ctx.phase);
    let mixture = Mixture::new(ctx);
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    let mut order = std::mem::take(&mut s.orgs);
    order.clear();
    order.extend_from_slice(w.active_set.items());
    rng::shuffle(&mut r, &mut order);
    let draws = rng::PoissonDraw::new(rate);
    let ahead = w.loads_ahead();
    let mut peek = Peek::new(&mixture, &draws, &order);
    for (n, &i) in order.iter().enumerate() {
        // With the look-ahead, the count and the first candidate's slot come from it, drawn
        // earlier from the same random numbers; `r` then stands after them.
        let (k, mut first) = if ahead {
            load_ahead(w, &order, n);
            peek.take(w, n, &mut r)
        } else {
            (draws.sample(&mut r), None)
        };
        for _ in 0..k {
            let slot = match first.take() {
                Some(slot) => slot,
                None => mixture.slot(w, i, &mut r),
            };
            let Some(j) = slot.map(|s| s.read(w)) else {
                continue;
            };
            if ahead {
                w.prefetch_candidate(j);
            }
            // A draw of oneself or of a current partner wastes the opportunity.
            if j == i || !w.is_active(j) || is_partner(w, i, j) {
                continue;
            }
            let u = r.random::<f64>();
            if decide(
                terms,
                Process::Formation,
                base,
                ctx,
                w,
                Focus::dyad(i, j),
                s,
                u,
            ) {
                ctx.tie(w, i, j);
            }
        }
    }
    *rng = r;
    s.orgs = order;
}

/// How many organisations ahead of the current one the last stage of [`load_ahead`] works.
const AHEAD: usize = 12;

/// Hints the processor to load what the organisations soon to choose will read, in three
/// stages that each need the previous one's data: their records (partner slab headers
/// included), then their partners, then their dormant partners' dyads and records (no effect
/// on results). The
/// order is random, so without this every organisation's reads would miss the caches one
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
        for &(j, d) in w.memory.dormant_partners(a).iter().take(8) {
            w.memory.prefetch_dyad(d);
            w.orgs().prefetch(j as usize);
        }
        for &(j, _) in w.memory.active_partners(a).iter().take(4) {
            w.memory.prefetch_org(j);
        }
        w.active_by_territory.prefetch(w.territory(a) as usize);
    }
}

/// How far [`Peek`] looks for the next organisation with an opportunity.
const PEEK_MAX: usize = 32;

/// Software pipelining of formation's random candidate: the next organisation in the order
/// that draws an opportunity, its count and where its first candidate lies are drawn ahead of
/// time, so that the random line of the index set the candidate lies in, and then its record,
/// are loaded while the organisations before it are handled.
///
/// The random numbers are the same, in the same order: an organisation without an
/// opportunity draws only its Poisson count, whose random numbers do not depend on the state,
/// and changes nothing; so from the start of organisation `n` the generator runs through the
/// counts of `n, n + 1, ...` up to the first organisation `m` with an opportunity and draws
/// `m`'s first candidate exactly as `m` would. The organisations before `m` then take their
/// count of 0 without a draw, and `m` takes its count, its first candidate and the generator
/// as it stands after them. Beyond `m` nothing can be known before `m`'s trial is done, so the
/// look-ahead starts again after it.
struct Peek<'a> {
    mixture: &'a Mixture,
    draws: &'a rng::PoissonDraw,
    /// The organisations in the step's random order.
    order: &'a [u32],
    /// The organisation (position in the order) the look-ahead stopped at; `None` before the
    /// first look.
    at: Option<usize>,
    /// Its count of opportunities.
    count: u32,
    /// Where its first candidate lies (`None` inside: the opportunity is lost), when it has
    /// an opportunity.
    first: Option<Option<Slot>>,
    /// The generator after the draws of the organisation the look-ahead stopped at.
    after: Rng,
    /// The first candidate's slot has been read and its record asked for.
    resolved: bool,
}

impl<'a> Peek<'a> {
    fn new(mixture: &'a Mixture, draws: &'a rng::PoissonDraw, order: &'a [u32]) -> Self {
        Peek {
            mixture,
            draws,
            order,
            at: None,
            count: 0,
            first: None,
            after: rng::stream(0, 0, 0),
            resolved: true,
        }
    }

    /// The count of opportunities of organisation `n` and, when it has any, where its first
    /// candidate lies; `r` (the generator at the start of `n`) is left after those draws. On
    /// the way, loads the next first candidate's slot and then its record.
    #[inline(always)]
    fn take(&mut self, w: &World, n: usize, r: &mut Rng) -> (u32, Option<Option<Slot>>) {
        if self.at.is_none_or(|m| m < n) {
            self.look(w, n, r.clone());
        }
        if self.at == Some(n) {
            r.clone_from(&self.after);
            return (self.count, self.first.take());
        }
        if !self.resolved {
            self.resolved = true;
            if let Some(Some(slot)) = self.first {
                w.prefetch_candidate(slot.read(w));
            }
        }
        (0, None)
    }

    /// Runs `g`, the generator at the start of organisation `n`, through the Poisson counts
    /// up to the first organisation with an opportunity (at most [`PEEK_MAX`] of them), draws
    /// where its first candidate lies and loads that.
    #[inline(never)]
    fn look(&mut self, w: &World, n: usize, mut g: Rng) {
        let end = self.order.len().min(n + PEEK_MAX);
        (self.count, self.first, self.resolved) = (0, None, true);
        for (m, &i) in self.order.iter().enumerate().take(end).skip(n) {
            self.at = Some(m);
            self.count = self.draws.sample(&mut g);
            if self.count > 0 {
                let slot = self.mixture.slot(w, i, &mut g);
                if let Some(slot) = slot {
                    slot.prefetch(w);
                }
                (self.first, self.resolved) = (Some(slot), false);
                break;
            }
        }
        self.after = g;
    }
}

/// Where a drawn candidate lies, before it is read: known directly, or a position in the
/// active set, in a territory's active organisations or in an organisation's partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Org(u32),
    Active(usize),
    Territory(usize, usize),
    Partner(u32, usize),
}

impl Slot {
    /// The candidate.
    #[inline(always)]
    fn read(self, w: &World) -> u32 {
        match self {
            Slot::Org(j) => j,
            Slot::Active(k) => w.active_set.items()[k],
            Slot::Territory(t, k) => w.active_by_territory.part(t)[k],
            Slot::Partner(p, k) => w.memory.active_partners(p)[k].0,
        }
    }

    /// Hints the processor to load the slot (the candidate's record when it is known).
    #[inline(always)]
    fn prefetch(self, w: &World) {
        match self {
            Slot::Org(j) => w.prefetch_candidate(j),
            Slot::Active(k) => prefetch(w.active_set.items(), k),
            Slot::Territory(t, k) => prefetch(w.active_by_territory.part(t), k),
            Slot::Partner(p, k) => prefetch(w.memory.active_partners(p), k),
        }
    }
}

#[inline]
fn is_partner(w: &World, i: u32, j: u32) -> bool {
    let (x, y) = if w.memory.degree(i) <= w.memory.degree(j) {
        (i, j)
    } else {
        (j, i)
    };
    w.memory.active_partners(x).iter().any(|&(k, _)| k == y)
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
    /// The weights of the dormant, closure, territory and anyone components.
    weights: [f64; 4],
    /// An empty component's weight is 0 (`rules.empty_component = "renormalise"`).
    renormalise: bool,
    /// Dormant partners are weighted by trust (otherwise uniformly).
    trust_weighted: bool,
    /// Every trust lies in [0, 1] ([`crate::model::process::Tables::bounds_hold`]).
    bounds_hold: bool,
}

impl Mixture {
    fn new(ctx: &Ctx) -> Mixture {
        let c = &ctx.p.formation.candidates;
        Mixture {
            weights: [c.dormant, c.closure, c.territory, c.anyone],
            renormalise: ctx.p.rules.empty_component == EmptyComponent::Renormalise,
            trust_weighted: ctx.p.feedback.trust_to_formation,
            bounds_hold: ctx.t.bounds_hold,
        }
    }

    /// Draws where one candidate partner for `i` lies, or `None` if the opportunity is lost.
    #[inline(always)]
    fn slot(&self, w: &World, i: u32, rng: &mut Rng) -> Option<Slot> {
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
        let nonempty = [
            has_dormant,
            w.memory.degree(i) > 0,
            w.active_by_territory.part(t).len() > 1,
            w.active_set.len() > 1,
        ];
        let comp_weight: [f64; 4] = std::array::from_fn(|k| {
            if self.renormalise && !nonempty[k] {
                0.0
            } else {
                self.weights[k]
            }
        });
        let total: f64 = comp_weight.iter().sum();
        let comp = rng::weighted(rng, 4, total, |k| comp_weight[k])?;
        if !nonempty[comp] {
            return None;
        }
        match comp {
            0 => {
                let total = dormant_total.unwrap_or_else(sum);
                rng::weighted(rng, dormant.len(), total, dweight).map(|k| Slot::Org(dormant[k].0))
            }
            1 => {
                // Two-step random walk: a random partner, then a random partner of theirs.
                let p = w.memory.active_partners(i);
                let (k, _) = p[rng::index(rng, p.len())];
                let q = w.memory.degree(k);
                Some(Slot::Partner(k, rng::index(rng, q)))
            }
            2 => {
                let set = w.active_by_territory.part(t);
                Some(Slot::Territory(t, rng::index(rng, set.len())))
            }
            _ => Some(Slot::Active(rng::index(rng, w.active_set.len()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate::{GeneratorParams, generate};
    use crate::model::Model;
    use crate::model::params::{Params, Phase};

    /// Driven by the look-ahead, every organisation gets the count and the first candidate a
    /// plain draw from the same generator gives, and the generator stands where the plain
    /// draws leave it whenever it is read again (for further candidates, and after the step). Checked over every organisation of several shuffled orders of a
    /// generated region, each component of the mixture weighted, at rates that give from
    /// long runs of organisations without an opportunity to almost none.
    #[test]
    fn peek_draws_as_plain_draws() {
        let ds = generate(&GeneratorParams::default(), 3).unwrap();
        let model = Model::new(&ds, &Params::default()).unwrap();
        let w = model.initial();
        let ctx = Ctx {
            p: model.params(),
            t: model.tables(),
            step: 30,
            phase: Phase::Programme,
        };
        let mixture = Mixture::new(&ctx);
        assert!(mixture.weights.iter().all(|&x| x > 0.0));
        let mut found = 0;
        for (seed, rate) in [(1, 0.2), (2, 0.01), (3, 1.5)] {
            let draws = rng::PoissonDraw::new(rate);
            let mut plain = rng::stream(seed, 0, 0);
            let mut order = w.active_set.items().to_vec();
            rng::shuffle(&mut plain, &mut order);
            let mut ahead = plain.clone();
            let mut peek = Peek::new(&mixture, &draws, &order);
            for (n, &i) in order.iter().enumerate() {
                let k = draws.sample(&mut plain);
                let first = (k > 0).then(|| mixture.slot(w, i, &mut plain));
                assert_eq!(peek.take(w, n, &mut ahead), (k, first), "organisation {n}");
                assert_eq!(
                    ahead.random::<u64>(),
                    plain.random::<u64>(),
                    "organisation {n}"
                );
                found += usize::from(k > 0);
            }
        }
        assert!(found > 100, "{found} organisations with an opportunity");
    }
}
