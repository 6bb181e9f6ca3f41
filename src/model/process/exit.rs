//! Step 8: exit. An organisation without an active tie for `exit.after` consecutive steps
//! becomes inactive (and joins the recruitment pool when `funding.recruit_exited`).

use super::{Ctx, Scratch};
use crate::model::world::World;

/// Counts isolated steps and removes organisations isolated for too long.
pub fn run(ctx: &Ctx, w: &mut World, s: &mut Scratch) {
    let after = ctx.p.exit.after;
    if after == 0 {
        return;
    }
    let mut leaving = std::mem::take(&mut s.orgs);
    leaving.clear();
    // The fields apart, so that each organisation's count is found once.
    let (active, memory, isolated_for) = (w.active_set.items(), &w.memory, &mut w.isolated_for);
    for &i in active {
        let count = &mut isolated_for[i as usize];
        if memory.degree(i) == 0 {
            *count += 1;
            if *count >= after {
                leaving.push(i);
            }
        } else {
            *count = 0;
        }
    }
    for &i in &leaving {
        w.deactivate_org(i, ctx.p.funding.recruit_exited);
    }
    s.orgs = leaving;
}
