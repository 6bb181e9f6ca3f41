//! Step 6: adoption of the innovative practice, decided synchronously from the state at the
//! start of the process.

use super::{Ctx, Scratch, draw_cut, org_trials};
use crate::model::effect::{Focus, Process, decide};
use crate::model::rng::Rng;
use crate::model::world::World;

/// Each active non-adopter adopts with probability `logistic(theta)`, the intercept plus the
/// adoption effects. A draw at or above the step's cut ([`draw_cut`]) is a "no" for every
/// organisation, so only the trials below it are decided ([`org_trials`]).
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let base = ctx.p.adoption.base;
    let terms = ctx.t.terms.get(Process::Adoption, ctx.phase);
    let cut = draw_cut(ctx, w, terms, Process::Adoption, base);
    let mut newly = std::mem::take(&mut s.orgs2);
    newly.clear();
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    let adopted = |i| w.has_adopted(i);
    org_trials(ctx, w.active_set.items(), cut, &mut r, adopted, |i, u| {
        if decide(terms, Process::Adoption, base, ctx, w, Focus::org(i), s, u) {
            newly.push(i);
        }
    });
    *rng = r;
    for &i in &newly {
        w.adopt(i);
    }
    s.orgs2 = newly;
}
