//! Step 7: post-programme initiatives. Launch decisions are synchronous (from the state at
//! the start of the process); launchers then recruit partners in their order.

use super::{Ctx, Scratch, draw_cut, org_trials};
use crate::model::effect::{Focus, Process, decide};
use crate::model::params::{InitiativePattern, Phase};
use crate::model::rng::{self, Rng};
use crate::model::world::World;

/// Each active organisation launches an initiative with probability `logistic(nu)`; the
/// initiative draws `max(1, Poisson(partners_mean))` partners from the launcher's active and
/// dormant ties (by trust) or its territory; participants are marked `initiative` and tied.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng, s: &mut Scratch) {
    if ctx.phase != Phase::Post {
        return;
    }
    let ip = &ctx.p.initiative;
    let terms = ctx.t.terms.get(Process::Initiative, ctx.phase);
    let cut = draw_cut(ctx, w, terms, Process::Initiative, ip.base);
    let mut launchers = std::mem::take(&mut s.orgs2);
    launchers.clear();
    // A local copy of the generator stays in registers (the same numbers, written back).
    let mut r = rng.clone();
    // A draw at or above the cut is a "no" whatever the organisation's state.
    org_trials(
        ctx,
        w.active_set.items(),
        cut,
        &mut r,
        |_| false,
        |i, u| {
            if decide(
                terms,
                Process::Initiative,
                ip.base,
                ctx,
                w,
                Focus::org(i),
                s,
                u,
            ) {
                launchers.push(i);
            }
        },
    );
    *rng = r;
    let mut group = std::mem::take(&mut s.orgs);
    for &l in &launchers {
        if !w.is_active(l) {
            continue;
        }
        let want = rng::poisson(rng, ip.partners_mean).max(1) as usize;
        group.clear();
        group.push(l);
        let mut attempts = 0;
        while group.len() <= want && attempts < 4 * want {
            attempts += 1;
            if let Some(j) = draw_partner(ctx, w, l, rng)
                && !group.contains(&j)
            {
                group.push(j);
            }
        }
        if group.len() < 2 {
            continue;
        }
        for &j in &group {
            w.initiative[j as usize] = true;
            w.activate_org(j);
        }
        match ip.pattern {
            InitiativePattern::Star => {
                for &j in &group[1..] {
                    ctx.tie(w, l, j);
                }
            }
            InitiativePattern::Clique => {
                for a in 0..group.len() {
                    for b in a + 1..group.len() {
                        ctx.tie(w, group[a], group[b]);
                    }
                }
            }
        }
    }
    s.orgs = group;
    s.orgs2 = launchers;
}

/// One partner for launcher `l`: from its ties by trust with probability `from_ties`, else
/// uniformly from its territory's active organisations.
fn draw_partner(ctx: &Ctx, w: &World, l: u32, rng: &mut Rng) -> Option<u32> {
    let ip = &ctx.p.initiative;
    if rng::chance(rng, ip.from_ties) {
        let act = w.memory.active_partners(l);
        let dor = w.memory.dormant_partners(l);
        let usable = |j: u32| w.is_active(j) || ip.revive_exited;
        let weight = |k: usize| {
            let (j, d) = if k < act.len() {
                act[k]
            } else {
                dor[k - act.len()]
            };
            if usable(j) {
                w.memory.dyad(d).trust
            } else {
                0.0
            }
        };
        let n = act.len() + dor.len();
        let total: f64 = (0..n).map(weight).sum();
        let k = rng::weighted(rng, n, total, weight)?;
        Some(if k < act.len() {
            act[k].0
        } else {
            dor[k - act.len()].0
        })
    } else {
        let set = w.active_by_territory.part(w.territory(l) as usize);
        if set.len() < 2 {
            return None;
        }
        Some(set[rng::index(rng, set.len())])
    }
}
