//! Step 1: phase changes. Projects form at programme start and close at its end (or later,
//! with follow-on funding).

use super::Ctx;
use super::recruitment::draw_recruit;
use crate::data::Kind;
use crate::model::params::{LeadChoice, PartnerTie};
use crate::model::rng::Rng;
use crate::model::world::World;

/// Applies the phase changes due at the start of `ctx.step`.
pub fn run(ctx: &Ctx, w: &mut World, rng: &mut Rng) {
    let t = &ctx.p.timeline;
    if ctx.step == t.programme_start() && t.programme > 0 {
        start_programme(ctx, w, rng);
    }
    if ctx.step == t.programme_end() {
        end_programme(ctx, w);
    }
    for p in 0..w.projects.len() {
        let pr = &w.projects[p];
        if pr.open && pr.follow_on && ctx.step >= pr.closes_at {
            close(w, p as u32);
        }
    }
}

/// Every project opens: with `funding.lead_choice = "most_central"` its lead is chosen first;
/// the lead and listed partners join, partners tied to the lead as `funding.partner_tie` says;
/// projects short of `funding.min_partners` recruit the missing kinds from the pool.
fn start_programme(ctx: &Ctx, w: &mut World, rng: &mut Rng) {
    for p in 0..w.projects.len() {
        if ctx.p.funding.lead_choice == LeadChoice::MostCentral {
            choose_lead(ctx, w, p);
        }
        w.projects[p].open = true;
        let lead = w.projects[p].lead;
        w.join_project(lead, p as u32);
        for k in 0..w.projects[p].listed.len() {
            let j = w.projects[p].listed[k];
            w.join_project(j, p as u32);
            let connected = || {
                let pr = &w.projects[p];
                w.memory
                    .active_partners(j)
                    .iter()
                    .any(|&(x, _)| x == pr.lead || pr.listed.contains(&x))
            };
            if ctx.p.funding.partner_tie == PartnerTie::Lead || !connected() {
                ctx.tie(w, lead, j);
            }
        }
        for kind in Kind::ALL {
            let need = ctx.p.funding.min_partners.get(kind) as usize;
            let mut have = w.projects[p]
                .members
                .iter()
                .filter(|&&m| m != lead && w.kind(m) == kind)
                .count();
            while have < need {
                let only = |k: Kind| if k == kind { 1.0 } else { 0.0 };
                let Some(j) = draw_recruit(ctx, w, p as u32, &only, rng) else {
                    break;
                };
                w.join_project(j, p as u32);
                ctx.tie(w, lead, j);
                have += 1;
            }
        }
    }
}

/// Makes project `p`'s most central member of an eligible kind its lead: the most active ties
/// to other members (lead and listed partners), then the most active ties overall; the named
/// lead wins ties, then the earlier listed partner. The former lead becomes a listed partner.
/// Without an eligible member the named lead stays.
fn choose_lead(ctx: &Ctx, w: &mut World, p: usize) {
    let pr = &w.projects[p];
    let members: Vec<u32> = std::iter::once(pr.lead)
        .chain(pr.listed.iter().copied())
        .collect();
    let eligible = &ctx.p.funding.lead_eligible;
    let score = |i: u32| {
        if !w.is_active(i) {
            return (0, 0);
        }
        let partners = w.memory.active_partners(i);
        let inside = partners
            .iter()
            .filter(|&&(j, _)| members.contains(&j))
            .count();
        (inside, partners.len())
    };
    let mut best: Option<(u32, (usize, usize))> = None;
    for &i in &members {
        if !eligible.contains(&w.kind(i)) {
            continue;
        }
        let s = score(i);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    let Some((lead, _)) = best else { return };
    let pr = &mut w.projects[p];
    if lead != pr.lead {
        let old = pr.lead;
        pr.listed.retain(|&x| x != lead);
        pr.listed.insert(0, old);
        pr.lead = lead;
    }
}

/// Projects close, except those that get follow-on funding: their lead is still active and
/// still tied to at least one member.
fn end_programme(ctx: &Ctx, w: &mut World) {
    let extra = ctx.p.funding.follow_on;
    for p in 0..w.projects.len() {
        if !w.projects[p].open {
            continue;
        }
        let lead = w.projects[p].lead;
        let alive = w.is_active(lead)
            && w.memory
                .active_partners(lead)
                .iter()
                .any(|&(j, _)| w.projects[p].members.contains(&j));
        if extra > 0 && alive {
            w.projects[p].follow_on = true;
            w.projects[p].closes_at = ctx.step + extra;
        } else {
            close(w, p as u32);
        }
    }
}

fn close(w: &mut World, p: u32) {
    w.projects[p as usize].open = false;
    for k in 0..w.projects[p as usize].members.len() {
        let m = w.projects[p as usize].members[k];
        w.orgs_mut().remove(m, p);
    }
}
