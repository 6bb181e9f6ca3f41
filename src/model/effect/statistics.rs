//! The statistic of each effect, as a function of the world and the focal dyad, tie or
//! organisation. Dissolution statistics are negated where the effect makes ties last (a
//! positive coefficient lowers the log-odds of dissolution). Each reads the world through its
//! accessors, so faster state there speeds every effect.

use super::{Bounds, Focus, Statistic, StatisticId};
use crate::model::params::{AgeFrom, SocialCapital};
use crate::model::process::{Ctx, Scratch};
use crate::model::world::World;

fn indicator(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The intercept's statistic: 1.
#[inline]
pub fn one(_: &Ctx, _: &World, _: Focus, _: &mut Scratch) -> f64 {
    1.0
}

/// `f_mix[kind_i][kind_j]` (the coefficient is the table entry itself).
#[inline]
pub fn formation_mix(c: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    c.t.f_mix[w.kind(f.i).index()][w.kind(f.j).index()]
}

/// `d_mix[kind_a][kind_b]` (the coefficient is the table entry itself).
#[inline]
pub fn dissolution_mix(c: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    c.t.d_mix[w.kind(f.i).index()][w.kind(f.j).index()]
}

/// `[territory_i = territory_j]`.
#[inline]
pub fn same_territory(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.territory(f.i) == w.territory(f.j))
}

/// Trust of the remembered (dormant) tie between `i` and `j`, 0 when they were never tied
/// (the dyad searched for unless the focus knows it).
#[inline]
pub fn remembered_trust(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    let dyad = match f.tie {
        Focus::UNKNOWN => w.memory.find(f.i, f.j),
        Focus::NEVER_TIED => None,
        d => Some(d),
    };
    match dyad {
        Some(d) => w.memory.dyad(d).trust,
        None => 0.0,
    }
}

/// `ln(1 + common active partners of i and j)`.
#[inline]
pub fn log_common_partners(c: &Ctx, w: &World, f: Focus, s: &mut Scratch) -> f64 {
    let mark = s.next_mark();
    c.t.ln1p(w.memory.common_partners(f.i, f.j, &mut s.stamp, mark))
}

/// `ln(1 + active degree of j)`.
#[inline]
pub fn log_degree_j(c: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    c.t.ln1p(w.memory.degree(f.j))
}

/// `sqrt(active degree of i)`: the choosing organisation's partners.
pub fn sqrt_degree_i(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    (w.memory.degree(f.i) as f64).sqrt()
}

/// `sqrt(active degree of j)`: the candidate's partners.
pub fn sqrt_degree_j(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    (w.memory.degree(f.j) as f64).sqrt()
}

/// `common / (degree_i + degree_j - common)`, `common` the common active partners of `i` and
/// `j`: the share of their partners they share (the Jaccard overlap of the two partner sets;
/// 0 when neither has a partner). Unlike `ln(1 + common)` it separates pairs in a dense
/// network, where most pairs share some partners.
pub fn common_partner_share(_: &Ctx, w: &World, f: Focus, s: &mut Scratch) -> f64 {
    let mark = s.next_mark();
    let common = w.memory.common_partners(f.i, f.j, &mut s.stamp, mark) as f64;
    let union = (w.memory.degree(f.i) + w.memory.degree(f.j)) as f64 - common;
    if union > 0.0 { common / union } else { 0.0 }
}

/// `[i has no active partner]`.
pub fn isolate_i(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.memory.degree(f.i) == 0)
}

/// `sqrt(degree_a) + sqrt(degree_b)` of a tie's two ends (the tie itself counted).
pub fn sqrt_degrees_of_tie(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    (w.memory.degree(f.i) as f64).sqrt() + (w.memory.degree(f.j) as f64).sqrt()
}

/// `-[the tie is the only active tie of one of its ends]`.
pub fn minus_only_tie(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    -indicator(w.memory.degree(f.i) == 1 || w.memory.degree(f.j) == 1)
}

/// `-ln(1 + common active partners of a tie's ends)`: a tie inside a group of shared partners
/// lasts longer than one that bridges two groups.
pub fn minus_log_common_partners(c: &Ctx, w: &World, f: Focus, s: &mut Scratch) -> f64 {
    -log_common_partners(c, w, f, s)
}

/// `[i and j are members of the same open project]`.
#[inline(always)]
pub fn same_open_project(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.share_open_project(f.i, f.j))
}

/// The reference budget of [`log_budget_per_member`]: EUR per project member and programme
/// month. About what We.Ca.Re Measure 1 gave (6.4 M EUR over 48 months and about 220 members
/// once recruits have joined), so the statistic is near 0 for the programme as run.
pub const BUDGET_REFERENCE: f64 = 600.0;

/// For `i` and `j` in the same open project: `ln(budget / (programme months x members) /`
/// [`BUDGET_REFERENCE`]`)`, the log of the project's money per member and month against the
/// reference; 0 otherwise. The logarithm gives diminishing returns: each doubling of the
/// money per member adds the same amount to the log-odds, and every recruit thins it.
pub fn log_budget_per_member(c: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    match w.shared_open_project(f.i, f.j) {
        Some(p) => {
            let pr = &w.projects[p as usize];
            let months = c.p.timeline.programme.max(1) as f64;
            let members = pr.members.len().max(1) as f64;
            (pr.budget / (months * members) / BUDGET_REFERENCE).ln()
        }
        None => 0.0,
    }
}

/// `adopted_i + adopted_j`.
#[inline]
pub fn adopters_in_dyad(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    (w.has_adopted(f.i) as u8 + w.has_adopted(f.j) as u8) as f64
}

/// `ln(capacity_j)`.
#[inline]
pub fn log_capacity_j(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    w.ln_capacity(f.j)
}

/// Covariate similarity `1 - |x_i - x_j| / range` (0 when either has no covariate).
#[inline]
pub fn covariate_similarity(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    w.covariate_similarity(f.i, f.j)
}

/// `-trust` of the tie.
#[inline]
pub fn minus_tie_trust(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    -w.memory.dyad(f.tie).trust
}

/// `-ln(1 + age of the tie in steps)`, age counted as `rules.age_from` says.
#[inline]
pub fn minus_log_age(c: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    let d = w.memory.dyad(f.tie);
    let since = match c.p.rules.age_from {
        AgeFrom::First => d.formed,
        AgeFrom::Spell => d.spell_start,
    };
    -c.t.ln1p((c.step as i32 - since).max(0) as usize)
}

/// `-[both ends are members of the same open project]`.
#[inline(always)]
pub fn minus_same_open_project(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    -indicator(w.share_open_project(f.i, f.j))
}

/// `-(covariate similarity)`.
#[inline]
pub fn minus_covariate_similarity(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    -w.covariate_similarity(f.i, f.j)
}

/// Share of `i`'s active partners that adopted (0 without partners).
#[inline]
pub fn adopted_partner_share(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    let partners = w.memory.active_partners(f.i);
    if partners.is_empty() {
        0.0
    } else {
        partners.iter().filter(|&&(j, _)| w.has_adopted(j)).count() as f64 / partners.len() as f64
    }
}

/// Social capital `sc_i` as `rules.social_capital` measures it.
#[inline]
pub fn social_capital_i(c: &Ctx, w: &World, f: Focus, s: &mut Scratch) -> f64 {
    s.social_capital(w, f.i, c.p.rules.social_capital)
}

/// `[i is a member of an open project]`.
#[inline]
pub fn in_open_project(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.in_open_project(f.i))
}

/// `adopted_i`.
#[inline]
pub fn adopted_i(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    w.has_adopted(f.i) as u8 as f64
}

/// The function that computes statistic `id`.
pub fn statistic(id: StatisticId) -> Statistic {
    use StatisticId as S;
    match id {
        S::One => one,
        S::FormationMix => formation_mix,
        S::DissolutionMix => dissolution_mix,
        S::SameTerritory => same_territory,
        S::RememberedTrust => remembered_trust,
        S::LogCommonPartners => log_common_partners,
        S::LogDegreeJ => log_degree_j,
        S::SameOpenProject => same_open_project,
        S::AdoptersInDyad => adopters_in_dyad,
        S::LogCapacityJ => log_capacity_j,
        S::CovariateSimilarity => covariate_similarity,
        S::MinusTieTrust => minus_tie_trust,
        S::MinusLogAge => minus_log_age,
        S::MinusSameOpenProject => minus_same_open_project,
        S::MinusCovariateSimilarity => minus_covariate_similarity,
        S::AdoptedPartnerShare => adopted_partner_share,
        S::SocialCapitalI => social_capital_i,
        S::InOpenProject => in_open_project,
        S::AdoptedI => adopted_i,
        S::LeadPartner => lead_partner,
        S::MinusLeadPartner => minus_lead_partner,
        S::ProgrammeTie => programme_tie,
        S::LogBudgetPerMember => log_budget_per_member,
        S::SqrtDegreeI => sqrt_degree_i,
        S::SqrtDegreeJ => sqrt_degree_j,
        S::IsolateI => isolate_i,
        S::SqrtDegreesOfTie => sqrt_degrees_of_tie,
        S::MinusOnlyTie => minus_only_tie,
        S::MinusLogCommonPartners => minus_log_common_partners,
        S::CommonPartnerShare => common_partner_share,
    }
}

/// `[one of i and j leads an open project of which the other is a member]`.
#[inline(always)]
pub fn lead_partner(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.lead_and_partner(f.i, f.j))
}

/// `-[one end leads an open project of which the other is a member]`.
#[inline(always)]
pub fn minus_lead_partner(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    -indicator(w.lead_and_partner(f.i, f.j))
}

/// `[the tie first formed during the programme]` (origin `programme`, whatever
/// `rules.revived_origin` says: the tie's first spell is what was built for the money).
#[inline]
pub fn programme_tie(_: &Ctx, w: &World, f: Focus, _: &mut Scratch) -> f64 {
    indicator(w.memory.dyad(f.tie).origin == crate::network::Origin::Programme)
}

/// Cheap bounds of statistic `id`, for the costly statistics whose bounds often decide a
/// trial (see [`super::decide`]); `None` for the others.
pub fn bounds(id: StatisticId) -> Option<Bounds> {
    use StatisticId as S;
    match id {
        S::RememberedTrust | S::AdoptedPartnerShare => Some(unit_bounds),
        S::LogCommonPartners => Some(log_common_partners_bounds),
        S::SocialCapitalI => Some(social_capital_bounds),
        _ => None,
    }
}

/// Bounds of a trust value or of a share: [0, 1].
pub fn unit_bounds(_: &Ctx, _: &World, _: Focus) -> (f64, f64) {
    (0.0, 1.0)
}

/// Bounds of `ln(1 + common active partners)`: from 0 to `ln(1 + the smaller degree)`.
pub fn log_common_partners_bounds(c: &Ctx, w: &World, f: Focus) -> (f64, f64) {
    let most = w.memory.degree(f.i).min(w.memory.degree(f.j));
    (0.0, c.t.ln1p(most))
}

/// Bounds of social capital from the degree alone: each of the `d` active ties has a trust
/// in [0, 1], so the trust sum lies in `[0, d]` and its mean in `[0, 1]`.
pub fn social_capital_bounds(c: &Ctx, w: &World, f: Focus) -> (f64, f64) {
    social_capital_range(c, w.memory.degree(f.i))
}

/// [`social_capital_bounds`] of an organisation with `d` active partners. Both ends rise
/// with `d` (or stay put), which lets a bound over every degree up to a largest one be read
/// at its two ends.
#[inline]
pub fn social_capital_range(c: &Ctx, d: usize) -> (f64, f64) {
    match c.p.rules.social_capital {
        SocialCapital::LogTrustSum => (0.0, c.t.ln1p(d)),
        SocialCapital::TrustSum => (0.0, d as f64),
        SocialCapital::MeanTrust => (0.0, 1.0),
        SocialCapital::LogDegree => {
            let v = c.t.ln1p(d);
            (v, v)
        }
    }
}
