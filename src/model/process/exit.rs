//! Step 8: exit. An organisation without an active tie for `exit.after` consecutive steps
//! becomes inactive (and joins the recruitment pool when `funding.recruit_exited`). The count
//! of an organisation with a tie is 0 (every tie that forms sets both ends' counts to 0, and
//! an organisation entering starts at 0), so only those without one are visited.

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
    // Only the active organisations without a tie count up: every other one's count is 0
    // already, set when its last tie formed (or it entered) and kept since.
    let (isolated, isolated_for) = (w.memory.counted_isolated(), &mut w.isolated_for);
    debug_assert_eq!(
        isolated.len(),
        w.active_set
            .items()
            .iter()
            .filter(|&&i| w.memory.degree(i) == 0)
            .count()
    );
    for &i in isolated {
        let count = &mut isolated_for[i as usize];
        *count += 1;
        if *count >= after {
            leaving.push(i);
        }
    }
    // They leave in the order of the active organisations, as a pass over those would have
    // them.
    leaving.sort_unstable_by_key(|&i| w.active_set.position(i));
    for &i in &leaving {
        w.deactivate_org(i, ctx.p.funding.recruit_exited);
    }
    s.orgs = leaving;
}
