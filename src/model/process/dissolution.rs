//! Step 4: tie dissolution (docs/ODD.md, sections 3 and 7). Ties that formed or revived in this
//! step, project ties made at programme start included, skip dissolution.

use super::{Ctx, Scratch};
use crate::model::effect::{Focus, Process, decide};
use crate::model::rng::Rng;
use crate::model::world::World;

/// Each active tie ends (turns dormant, keeping its trust) with probability
/// `logistic(eta_diss)`, the phase's intercept plus the dissolution effects.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let base =
        ctx.p.dissolution.base.get(ctx.phase) + ctx.period_offset(&ctx.p.dissolution.period_offset);
    let step = ctx.step as i32;
    let terms = ctx.t.terms.get(Process::Dissolution, ctx.phase);
    let mut ending = std::mem::take(&mut s.dyads);
    ending.clear();
    for &id in w.memory.active_ids() {
        let dy = w.memory.dyad(id);
        if dy.spell_start == step {
            continue;
        }
        let focus = Focus::tie(dy.a, dy.b, id);
        if decide(terms, Process::Dissolution, base, ctx, w, focus, s, rng) {
            ending.push(id);
        }
    }
    for &id in &ending {
        w.memory.deactivate(id, step);
    }
    s.dyads = ending;
}
