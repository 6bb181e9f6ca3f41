//! Step 4: tie dissolution (docs/ODD.md, sections 3 and 7). Ties that formed or revived in this
//! step, project ties made at programme start included, skip dissolution.

use super::{Ctx, Scratch};
use crate::model::params::AgeFrom;
use crate::model::rng::{self, Rng};
use crate::model::world::World;

/// Each active tie ends (turns dormant, keeping its trust) with probability
/// `logistic(eta_diss)`.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let d = &ctx.p.dissolution;
    let base = d.base.get(ctx.phase);
    let step = ctx.step as i32;
    let mut ending = std::mem::take(&mut s.dyads);
    ending.clear();
    for &id in w.memory.active_ids() {
        let dy = w.memory.dyad(id);
        if dy.spell_start == step {
            continue;
        }
        let since = match ctx.p.rules.age_from {
            AgeFrom::First => dy.formed,
            AgeFrom::Spell => dy.spell_start,
        };
        let age = (step - since).max(0) as usize;
        let mut eta = base - d.trust * dy.trust - d.age * ctx.t.ln1p(age)
            + ctx.t.d_mix[w.kind(dy.a).index()][w.kind(dy.b).index()];
        if d.project != 0.0 && w.share_open_project(dy.a, dy.b) {
            eta -= d.project;
        }
        if d.covariate_similarity != 0.0 {
            eta -= d.covariate_similarity * w.covariate_similarity(dy.a, dy.b);
        }
        if rng::chance(rng, rng::logistic(eta)) {
            ending.push(id);
        }
    }
    for &id in &ending {
        w.memory.deactivate(id, step);
    }
    s.dyads = ending;
}
