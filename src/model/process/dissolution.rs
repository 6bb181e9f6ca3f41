//! Step 4: tie dissolution (docs/ODD.md, sections 3 and 7). Ties that formed or revived in this
//! step, project ties made at programme start included, skip dissolution.

use super::{Ctx, Scratch};
use crate::model::effect::{DissolutionCeiling, DissolutionCuts, Focus, Process, decide};
use crate::model::rng::Rng;
use crate::model::world::World;
use rand::Rng as _;

/// How many ties ahead the ends' state is loaded (the records twice as far).
const AHEAD: usize = 8;

/// Each active tie ends (turns dormant, keeping its trust) with probability
/// `logistic(eta_diss)`, the phase's intercept plus the dissolution effects.
///
/// Every trial draws its uniform number first. A draw at or above the cut of the step's
/// largest [`DissolutionCeiling`], or of the tie's own (read from the tie's record alone;
/// with every trust in [0, 1], the cut of the tie's trust band, [`DissolutionCuts`]),
/// means the tie lasts whatever its ends' state; most ties are decided so, and only the
/// others compute the predictor.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let base =
        ctx.p.dissolution.base.get(ctx.phase) + ctx.period_offset(&ctx.p.dissolution.period_offset);
    let step = ctx.step as i32;
    let terms = ctx.terms().get(Process::Dissolution, ctx.phase);
    let ceiling = DissolutionCeiling::new(terms, base, ctx);
    let logistic = &ctx.t.logistic;
    // The cut of the step's largest ceiling, for every tie alike.
    let cut = match &ceiling {
        Some(c) if ctx.t.bounds_hold => logistic.ceiling(c.most()),
        _ => f64::INFINITY,
    };
    // With every trust in [0, 1], each tie's own cut is that of its trust band.
    let bands = match &ceiling {
        Some(c) if ctx.t.bounds_hold => {
            if !s.dissolution_cuts.as_ref().is_some_and(|b| b.are_of(c)) {
                s.dissolution_cuts = Some(DissolutionCuts::new(c, logistic));
            }
            s.dissolution_cuts.take()
        }
        _ => None,
    };
    let mut ending = std::mem::take(&mut s.dyads);
    ending.clear();
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    let ids = w.memory.active_ids();
    // The records as a local slice: the loop's stores (`ending`) cannot move it, so its
    // address and length stay in registers.
    let dyads = w.memory.dyads();
    let ahead = w.loads_ahead();
    for (k, &id) in ids.iter().enumerate() {
        if ahead {
            load_ahead(w, ids, k);
        }
        let dy = &dyads[id as usize];
        if dy.spell_start == step {
            continue;
        }
        let u = r.random::<f64>();
        if u >= cut {
            continue;
        }
        if let Some(b) = &bands {
            if u >= b.of(dy) {
                continue;
            }
        } else if let Some(c) = &ceiling
            && u >= logistic.ceiling(c.of(dy))
        {
            continue;
        }
        let focus = Focus::tie(dy.a, dy.b, id);
        if decide(terms, Process::Dissolution, base, ctx, w, focus, s, u) {
            ending.push(id);
        }
    }
    *rng = r;
    s.dissolution_cuts = bands.or(s.dissolution_cuts.take());
    for &id in &ending {
        w.memory.deactivate(id, step);
    }
    s.dyads = ending;
}

/// The ties come in no order of memory, so their records and their ends' state are loaded
/// ahead: the records `2 * AHEAD` ties ahead, the ends (which need the record) `AHEAD` ahead.
#[inline(always)]
fn load_ahead(w: &World, ids: &[u32], k: usize) {
    if let Some(&ahead) = ids.get(k + 2 * AHEAD) {
        w.memory.prefetch_dyad(ahead);
    }
    if let Some(&ahead) = ids.get(k + AHEAD) {
        let dy = w.memory.dyad(ahead);
        w.prefetch_ends(dy.a, dy.b);
    }
}
