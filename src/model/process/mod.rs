//! The processes of one step, in the order of docs/ODD.md, section 3. Each is a function over the
//! replicate's [`World`] with its own random stream.

pub mod adoption;
pub mod dissolution;
pub mod exit;
pub mod formation;
pub mod formation_order;
pub mod initiative;
pub mod phase;
pub mod recruitment;
pub mod trust;

use super::effect::{Compiled, Process, Terms, org_ceiling};
use super::params::{Params, Phase, RevivedOrigin, SocialCapital, TrialDraw};
use super::world::World;
use crate::data::Kind;
use crate::network::Origin;

/// Values precomputed once per model for the hot loops.
#[derive(Debug, Clone)]
pub struct Tables {
    /// `ln(1 + k)` for integers `k` up to the largest degree or age a run can reach.
    ln1p: Vec<f64>,
    /// `formation.mix` as a dense kind-by-kind array.
    pub f_mix: [[f64; Kind::COUNT]; Kind::COUNT],
    /// `dissolution.mix` as a dense kind-by-kind array.
    pub d_mix: [[f64; Kind::COUNT]; Kind::COUNT],
    /// The non-zero effects of each process and phase.
    pub terms: Terms,
    /// With effect period offsets (`effect_period_offset`): the terms of period `k` at entry
    /// `k - 1`, for the periods the offsets address; empty without any.
    pub period_terms: Vec<Terms>,
    /// The logistic, for deciding trials without `exp`.
    pub logistic: crate::model::rng::LogisticTable,
    /// Every trust value lies in [0, 1] (given trusts and the trust parameters), so the
    /// statistics' [`crate::model::effect::Bounds`] hold and may decide trials.
    pub bounds_hold: bool,
}

impl Tables {
    /// Tables for `n` organisations under parameters `p`.
    pub fn new(n: usize, p: &Params) -> Tables {
        let max = n.max((p.timeline.steps() + p.rules.baseline_age) as usize) + 2;
        let dense = |t: &crate::model::params::KindTable| Kind::ALL.map(|a| t.get(a).to_array());
        Tables {
            ln1p: (0..=max).map(|k| (k as f64).ln_1p()).collect(),
            f_mix: dense(&p.formation.mix),
            d_mix: dense(&p.dissolution.mix),
            terms: Terms::new(p),
            period_terms: (1..=p.effect_periods())
                .map(|k| Terms::new(&p.in_period(k)))
                .collect(),
            logistic: crate::model::rng::LogisticTable::new(),
            bounds_hold: [
                p.trust.baseline,
                p.trust.history,
                p.trust.new_tie,
                p.trust.learn,
                p.trust.learn_project,
                p.trust.decay,
            ]
            .iter()
            .all(|v| (0.0..=1.0).contains(v)),
        }
    }

    /// `ln(1 + k)`.
    #[inline]
    pub fn ln1p(&self, k: usize) -> f64 {
        match self.ln1p.get(k) {
            Some(&v) => v,
            None => (k as f64).ln_1p(),
        }
    }
}

/// What every process reads: the effective parameters, tables and the clock.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Parameters with switched-off feedback channels already zeroed.
    pub p: &'a Params,
    /// Precomputed tables.
    pub t: &'a Tables,
    /// Current step.
    pub step: u32,
    /// Phase of the current step.
    pub phase: Phase,
}

impl<'a> Ctx<'a> {
    /// The offset of a process's intercept in the current step's observation period (0 when
    /// the process has none, so the default intercept is read unchanged).
    #[inline]
    pub fn period_offset(&self, offsets: &[f64]) -> f64 {
        if offsets.is_empty() {
            0.0
        } else {
            self.p.timeline.period_offset(offsets, self.step)
        }
    }

    /// The effects of the current step: those of its observation period when effect period
    /// offsets address it, the model's otherwise.
    #[inline]
    pub fn terms(&self) -> &'a Terms {
        if self.t.period_terms.is_empty() {
            return &self.t.terms;
        }
        match self.p.timeline.period(self.step) {
            0 => &self.t.terms,
            k => self.t.period_terms.get(k - 1).unwrap_or(&self.t.terms),
        }
    }

    /// Origin of a tie formed now.
    pub fn origin(&self) -> Origin {
        match self.phase {
            Phase::Pre => Origin::Baseline,
            Phase::Programme => Origin::Programme,
            Phase::Post => Origin::PostProgramme,
        }
    }

    /// Origin given to a dormant tie that revives now (`None` keeps its first origin).
    pub fn revived_origin(&self) -> Option<Origin> {
        match self.p.rules.revived_origin {
            RevivedOrigin::First => None,
            RevivedOrigin::Latest => Some(self.origin()),
        }
    }

    /// Makes (i, j) an active tie now (new with `trust.new_tie`, or revived).
    pub fn tie(&self, w: &mut World, i: u32, j: u32) {
        w.memory.activate(
            i,
            j,
            self.step as i32,
            self.p.trust.new_tie,
            self.origin(),
            self.revived_origin(),
        );
        w.isolated_for[i as usize] = 0;
        w.isolated_for[j as usize] = 0;
    }
}

/// Scratch buffers reused across steps (no per-step allocation).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    /// Marks for common-partner counting.
    pub stamp: Vec<u32>,
    /// Current mark.
    pub mark: u32,
    /// Organisation buffer.
    pub orgs: Vec<u32>,
    /// Second organisation buffer.
    pub orgs2: Vec<u32>,
    /// Dyad buffer.
    pub dyads: Vec<u32>,
    /// Ties reached by thinned dissolution, with their draws.
    pub reached: Vec<(u32, f64)>,
    /// Social capital of each organisation, valid where `social_at` holds the memory version
    /// it was computed at plus one.
    social: Vec<f64>,
    /// Memory version (plus one) at which `social` was computed; 0 for never.
    social_at: Vec<u64>,
    /// The dissolution cuts by trust band of the last ceiling dissolution used (the same
    /// for every step of a phase).
    pub dissolution_cuts: Option<crate::model::effect::DissolutionCuts>,
    /// Buffers of formation's order by territory (`rules.formation_order = "territory"`).
    pub territory_order: formation_order::TerritoryOrder,
}

impl Scratch {
    /// Buffers for `n` organisations.
    pub fn new(n: usize) -> Self {
        Scratch {
            stamp: vec![0; n],
            social: vec![0.0; n],
            social_at: vec![0; n],
            ..Default::default()
        }
    }

    /// The same buffers made ready for a replicate of `n` organisations, keeping their
    /// allocations.
    pub fn reset(&mut self, n: usize) {
        self.stamp.clear();
        self.stamp.resize(n, 0);
        self.mark = 0;
        self.social.clear();
        self.social.resize(n, 0.0);
        self.social_at.clear();
        self.social_at.resize(n, 0);
        // `dissolution_cuts` stays: it knows the ceiling it was made for.
    }

    /// [`social_capital`] of `i`, computed once for each state of the ties: adoption and the
    /// initiative launch decisions of a step see the same ties and share the value.
    #[inline]
    pub fn social_capital(&mut self, w: &World, i: u32, measure: SocialCapital) -> f64 {
        let now = w.memory.version() + 1;
        let k = i as usize;
        if k >= self.social.len() {
            // Buffers not sized for this world (a default `Scratch`): no caching.
            return social_capital(w, i, measure);
        }
        if self.social_at[k] != now {
            self.social[k] = social_capital(w, i, measure);
            self.social_at[k] = now;
        }
        self.social[k]
    }

    /// A fresh mark for [`crate::network::Memory::common_partners`].
    pub fn next_mark(&mut self) -> u32 {
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.mark = 1;
        }
        self.mark
    }
}

/// The cut on the uniform draws of an organisation process (adoption, initiative) in this
/// step: at or above it a trial is decided "no" for every active organisation
/// ([`crate::model::effect::org_ceiling`] over the largest active degree); infinite when no
/// such bound is available, so every trial goes on to its predictor.
pub fn draw_cut(ctx: &Ctx, w: &World, c: &Compiled, process: Process, start: f64) -> f64 {
    if !c.is_fused() || !ctx.t.bounds_hold {
        return f64::INFINITY;
    }
    let most = w.most_active_degree();
    org_ceiling(c, process, start, ctx, most).map_or(f64::INFINITY, |hi| ctx.t.logistic.ceiling(hi))
}

/// The trials of an organisation process (adoption, initiative) in this step whose uniform
/// draw falls below `cut` ([`draw_cut`]; a draw at or above it decides "no"), each passed to
/// `decide` with its organisation and draw. With `rules.trial_draw = "thinned"` they are
/// reached by geometric jumps over `items`, each with a uniform draw below the cut
/// ([`crate::model::rng::Jumps`]: the same distribution as a draw of its own); with
/// `"each"` every organisation draws its own number. An organisation for which `without`
/// holds has no trial: it draws nothing, or it is passed over when a jump lands on it (its
/// trial given and dropped, which leaves the others' distribution as it was).
pub fn org_trials(
    ctx: &Ctx,
    items: &[u32],
    cut: f64,
    r: &mut crate::model::rng::Rng,
    without: impl Fn(u32) -> bool,
    mut decide: impl FnMut(u32, f64),
) {
    use rand::Rng as _;
    match ctx.p.rules.trial_draw {
        TrialDraw::Thinned => crate::model::rng::Jumps::new(cut).visit(r, items.len(), |k, u| {
            let i = items[k];
            if !without(i) {
                decide(i, u);
            }
        }),
        TrialDraw::Each => {
            for &i in items {
                if without(i) {
                    continue;
                }
                let u = r.random::<f64>();
                if u < cut {
                    decide(i, u);
                }
            }
        }
    }
}

/// Social capital `sc_i` of an organisation (docs/ODD.md, section 4; `rules.social_capital`).
pub fn social_capital(w: &World, i: u32, measure: SocialCapital) -> f64 {
    let partners = w.memory.active_partners(i);
    let sum: f64 = partners.iter().map(|&(_, d)| w.memory.dyad(d).trust).sum();
    match measure {
        SocialCapital::LogTrustSum => sum.ln_1p(),
        SocialCapital::TrustSum => sum,
        SocialCapital::MeanTrust => {
            if partners.is_empty() {
                0.0
            } else {
                sum / partners.len() as f64
            }
        }
        SocialCapital::LogDegree => (partners.len() as f64).ln_1p(),
    }
}
