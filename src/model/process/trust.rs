//! Step 5: trust learning on active ties (faster inside open projects) and decay on dormant
//! ones.

use super::Ctx;
use crate::model::orgs::Orgs;
use crate::model::world::World;
use crate::network::{Dyad, Status};

/// `trust += learn * (1 - trust)` on active ties, `trust *= 1 - decay` on dormant ones.
pub fn run(ctx: &Ctx, w: &mut World) {
    let t = &ctx.p.trust;
    if !w.orgs().any_open() || t.learn == t.learn_project {
        // Every active tie learns at `learn` (no two organisations share an open project,
        // before and after the programme), so the ends' records are not read.
        let (learn, keep) = (t.learn, 1.0 - t.decay);
        w.memory.update_trust(|_, d| match d.status {
            Status::Active => d.trust + learn * (1.0 - d.trust),
            Status::Dormant => d.trust * keep,
        });
        return;
    }
    // The organisations' records come with the dyad memory, which keeps its slab headers in
    // them.
    let update = |open: &Orgs, d: &Dyad| match d.status {
        Status::Active => {
            let l = if open.share(d.a, d.b) {
                t.learn_project
            } else {
                t.learn
            };
            d.trust + l * (1.0 - d.trust)
        }
        Status::Dormant => d.trust * (1.0 - t.decay),
    };
    if w.loads_ahead() {
        // The dyads come in memory order but their ends do not: the records of ends that are
        // both in open projects (by their flag bytes, which stay in the cache) are loaded a
        // few dyads ahead.
        let ahead = |open: &Orgs, d: &Dyad| {
            if d.status == Status::Active && open.flags().both_open(d.a, d.b) {
                open.prefetch(d.a as usize);
                open.prefetch(d.b as usize);
            }
        };
        w.memory.update_trust_ahead(8, ahead, update);
    } else {
        w.memory.update_trust(update);
    }
}
