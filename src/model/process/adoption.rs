//! Step 6: adoption of the innovative practice, decided synchronously from the state at the
//! start of the process.

use super::{Ctx, Scratch};
use crate::model::rng::{self, Rng};
use crate::model::world::World;

/// Each active non-adopter adopts with probability `logistic(theta)`.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    let a = &ctx.p.adoption;
    let mut newly = std::mem::take(&mut s.orgs2);
    newly.clear();
    for &i in w.active_set.items() {
        if w.adopted[i as usize] {
            continue;
        }
        let partners = w.memory.active_partners(i);
        let exposure = if partners.is_empty() {
            0.0
        } else {
            partners
                .iter()
                .filter(|&&(j, _)| w.adopted[j as usize])
                .count() as f64
                / partners.len() as f64
        };
        let mut theta = a.base + a.exposure * exposure;
        if a.social_capital != 0.0 {
            theta += a.social_capital * s.social_capital(w, i, ctx.p.rules.social_capital);
        }
        if w.in_open_project(i) {
            theta += a.project;
        }
        if rng::chance(rng, rng::logistic(theta)) {
            newly.push(i);
        }
    }
    for &i in &newly {
        w.adopted[i as usize] = true;
    }
    s.orgs2 = newly;
}
