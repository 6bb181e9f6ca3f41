//! Step 2: recruitment of new partners by open projects (programme phase; follow-on projects
//! only when `funding.follow_on_recruits`).

use super::Ctx;
use crate::data::Kind;
use crate::model::params::{Phase, RecruitArea};
use crate::model::rng::{self, Rng};
use crate::model::world::World;

/// Each open project recruits a Poisson number of partners with mean
/// `recruit_rate * budget / mean_budget`; each recruit joins and is tied to the lead.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng) {
    let f = &ctx.p.funding;
    if f.recruit_rate <= 0.0 {
        return;
    }
    for p in 0..w.projects.len() {
        let pr = &w.projects[p];
        let recruiting =
            pr.open && (ctx.phase == Phase::Programme || (pr.follow_on && f.follow_on_recruits));
        if !recruiting {
            continue;
        }
        let n = rng::poisson(rng, f.recruit_rate * pr.budget / w.mean_budget);
        let lead = pr.lead;
        for _ in 0..n {
            let weight = |k: Kind| f.recruit_weight.get(k);
            let Some(j) = draw_recruit(ctx, w, p as u32, &weight, rng) else {
                break;
            };
            w.join_project(j, p as u32);
            ctx.tie(w, lead, j);
        }
    }
}

/// Draws one organisation from the recruitment pool of project `p` with probability
/// proportional to `weight(kind)`: the inactive, recruitable organisations of the project's
/// territory, or of the whole region when `funding.recruit_area = "region"`.
pub fn draw_recruit(
    ctx: &Ctx,
    w: &World,
    p: u32,
    weight: &dyn Fn(Kind) -> f64,
    rng: &mut Rng,
) -> Option<u32> {
    match ctx.p.funding.recruit_area {
        RecruitArea::Territory => {
            let t = w.projects[p as usize].territory as usize;
            let orgs = &w.territory_orgs[t];
            let eligible = |i: u32| w.pool_by_kind[w.kind(i).index()].contains(i);
            let wt = |k: usize| {
                let i = orgs[k];
                if eligible(i) { weight(w.kind(i)) } else { 0.0 }
            };
            let total: f64 = (0..orgs.len()).map(wt).sum();
            rng::weighted(rng, orgs.len(), total, wt).map(|k| orgs[k])
        }
        RecruitArea::Region => {
            let wk = |k: usize| weight(Kind::ALL[k]) * w.pool_by_kind[k].len() as f64;
            let total: f64 = (0..Kind::COUNT).map(wk).sum();
            let k = rng::weighted(rng, Kind::COUNT, total, wk)?;
            let pool = w.pool_by_kind[k].items();
            Some(pool[rng::index(rng, pool.len())])
        }
    }
}
