//! Step 6: adoption of the innovative practice, decided synchronously from the state at the
//! start of the process.

use super::{Ctx, Scratch};
use crate::model::effect::{Focus, Process, decide};
use crate::model::rng::Rng;
use crate::model::world::World;

/// Each active non-adopter adopts with probability `logistic(theta)`, the intercept plus the
/// adoption effects.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let base = ctx.p.adoption.base;
    let terms = ctx.t.terms.get(Process::Adoption, ctx.phase);
    let mut newly = std::mem::take(&mut s.orgs2);
    newly.clear();
    for &i in w.active_set.items() {
        if w.has_adopted(i) {
            continue;
        }
        if decide(
            terms,
            Process::Adoption,
            base,
            ctx,
            w,
            Focus::org(i),
            s,
            rng,
        ) {
            newly.push(i);
        }
    }
    for &i in &newly {
        w.adopt(i);
    }
    s.orgs2 = newly;
}
