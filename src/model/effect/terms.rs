//! The effects a model evaluates: for each process and phase, the non-zero terms in table
//! order, compiled once per model so that unused effects cost nothing per trial.
//!
//! When every term of a predictor is one of the statistics the fused predictors below know,
//! in their order (the table's), the predictor is summed by straight-line code that calls the
//! statistic functions directly, so the compiler inlines them into the process loops; other
//! predictors (an effect added to the table later, a reordered table) sum their terms through
//! function pointers. Either way the values and the order of the sum are the same.

use super::statistics as st;
use super::{Bounds, Coefficient, Focus, Process, Statistic, StatisticId};
use crate::model::params::{Params, Phase};
use crate::model::process::{Ctx, Scratch};
use crate::model::world::World;

/// One term `coefficient * statistic` of a predictor.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// The coefficient (1 for kind tables, whose statistic is the entry).
    pub coefficient: f64,
    /// The statistic.
    pub statistic: Statistic,
    /// Cheap bounds of the statistic, if it is costly.
    pub bounds: Option<Bounds>,
}

/// Most built-in effects of one process.
const SLOTS: usize = 10;

/// Defines, for one process, the list of its built-in statistics in table order (`$ids`) and
/// its fused predictor (`$name`): `start + sum of c[k] * statistic k` over the slots `k` whose
/// coefficient is not 0 (the effects in use), summed in that order and calling each statistic
/// function directly, so the compiler inlines them into the process loops. The slots are
/// numbered by hand: a counter, although folded away, made the functions look larger to the
/// inliner, which then left statistics out of line (13% more instructions in a default run).
macro_rules! fused {
    ($(#[$doc:meta])* $name:ident, $ids:ident: $($k:literal $id:ident => $stat:path),+ $(,)?) => {
        const $ids: &[StatisticId] = &[$(StatisticId::$id),+];

        $(#[$doc])*
        #[inline(always)]
        fn $name(
            c: &[f64; SLOTS],
            start: f64,
            ctx: &Ctx,
            w: &World,
            f: Focus,
            s: &mut Scratch,
        ) -> f64 {
            let mut eta = start;
            $(
                if c[$k] != 0.0 {
                    eta += c[$k] * $stat(ctx, w, f, s);
                }
            )+
            eta
        }
    };
}

fused!(
    /// The formation predictor over the [`FORMATION`] slots, in their (the table's) order.
    fused_formation, FORMATION:
    0 FormationMix => st::formation_mix,
    1 SameTerritory => st::same_territory,
    2 RememberedTrust => st::remembered_trust,
    3 LogCommonPartners => st::log_common_partners,
    4 LogDegreeJ => st::log_degree_j,
    5 SameOpenProject => st::same_open_project,
    6 AdoptersInDyad => st::adopters_in_dyad,
    7 LogCapacityJ => st::log_capacity_j,
    8 CovariateSimilarity => st::covariate_similarity,
    9 LeadPartner => st::lead_partner,
);
fused!(
    /// The dissolution predictor over the [`DISSOLUTION`] slots.
    fused_dissolution, DISSOLUTION:
    0 MinusTieTrust => st::minus_tie_trust,
    1 MinusLogAge => st::minus_log_age,
    2 DissolutionMix => st::dissolution_mix,
    3 MinusSameOpenProject => st::minus_same_open_project,
    4 MinusCovariateSimilarity => st::minus_covariate_similarity,
    5 MinusLeadPartner => st::minus_lead_partner,
    6 ProgrammeTie => st::programme_tie,
);
fused!(
    /// The adoption predictor over the [`ADOPTION`] slots.
    fused_adoption, ADOPTION:
    0 AdoptedPartnerShare => st::adopted_partner_share,
    1 SocialCapitalI => st::social_capital_i,
    2 InOpenProject => st::in_open_project,
);
fused!(
    /// The initiative predictor over the [`INITIATIVE`] slots.
    fused_initiative, INITIATIVE:
    0 AdoptedI => st::adopted_i,
    1 SocialCapitalI => st::social_capital_i,
);

fn built_in(p: Process) -> &'static [StatisticId] {
    match p {
        Process::Formation => FORMATION,
        Process::Dissolution => DISSOLUTION,
        Process::Adoption => ADOPTION,
        Process::Initiative => INITIATIVE,
    }
}

/// The predictor of one process in one phase.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// The non-zero terms in table order.
    terms: Vec<Term>,
    /// Some term has bounds.
    bounded: bool,
    /// When every term is a built-in effect, in the built-in order: the coefficient of each
    /// built-in slot (0 for effects not in use), for the fused predictors below.
    fused: Option<[f64; SLOTS]>,
}

impl Compiled {
    fn new(process: Process, terms: Vec<Term>, ids: &[StatisticId]) -> Compiled {
        let slots = built_in(process);
        let mut fused = Some([0.0; SLOTS]);
        let mut next = 0;
        for (t, id) in terms.iter().zip(ids) {
            match slots[next..].iter().position(|s| s == id) {
                Some(k) if fused.is_some() => {
                    next += k;
                    if let Some(c) = fused.as_mut() {
                        c[next] = t.coefficient;
                    }
                    next += 1;
                }
                _ => fused = None,
            }
        }
        Compiled {
            bounded: terms.iter().any(|t| t.bounds.is_some()),
            terms,
            fused,
        }
    }

    /// The terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Is every term a built-in effect evaluated by a fused predictor?
    pub fn is_fused(&self) -> bool {
        self.fused.is_some()
    }
}

/// The terms of every process in every phase.
#[derive(Debug, Clone)]
pub struct Terms {
    by: [[Compiled; 3]; 4],
}

fn phase_index(p: Phase) -> usize {
    match p {
        Phase::Pre => 0,
        Phase::Programme => 1,
        Phase::Post => 2,
    }
}

fn process_index(p: Process) -> usize {
    match p {
        Process::Formation => 0,
        Process::Dissolution => 1,
        Process::Adoption => 2,
        Process::Initiative => 3,
    }
}

impl Terms {
    /// The non-zero terms of `p` (switched-off feedback channels are left out; intercepts
    /// start the sum and are not terms).
    pub fn new(p: &Params) -> Terms {
        let mut by: [[Compiled; 3]; 4] = Default::default();
        for process in Process::ALL {
            let values = p.effects(process);
            let table_used = p.mix(process).is_some_and(|t| {
                crate::data::Kind::ALL.iter().any(|&a| {
                    crate::data::Kind::ALL
                        .iter()
                        .any(|&b| t.get(a).get(b) != 0.0)
                })
            });
            let mut lists: [(Vec<Term>, Vec<StatisticId>); 3] = Default::default();
            for e in process.effects() {
                let coefficient = match e.coefficient {
                    Coefficient::Intercept => continue,
                    Coefficient::KindTable if table_used => 1.0,
                    Coefficient::KindTable => 0.0,
                    Coefficient::Scalar => values.get(e.name),
                };
                let off = e.channel.is_some_and(|c| !c.on(&p.feedback));
                if coefficient == 0.0 || off {
                    continue;
                }
                for &phase in e.phases {
                    let (terms, ids) = &mut lists[phase_index(phase)];
                    terms.push(Term {
                        coefficient,
                        statistic: super::statistic(e.statistic),
                        bounds: super::bounds(e.statistic),
                    });
                    ids.push(e.statistic);
                }
            }
            by[process_index(process)] =
                lists.map(|(terms, ids)| Compiled::new(process, terms, &ids));
        }
        Terms { by }
    }

    /// The terms of `process` in `phase`.
    #[inline]
    pub fn of(&self, process: Process, phase: Phase) -> &[Term] {
        &self.by[process_index(process)][phase_index(phase)].terms
    }

    /// The compiled predictor of `process` in `phase`.
    #[inline]
    pub fn get(&self, process: Process, phase: Phase) -> &Compiled {
        &self.by[process_index(process)][phase_index(phase)]
    }
}

/// `start + sum of coefficient * statistic` over `terms`, summed in table order.
#[inline]
pub fn predictor(
    terms: &[Term],
    start: f64,
    ctx: &Ctx,
    w: &World,
    focus: Focus,
    s: &mut Scratch,
) -> f64 {
    let mut eta = start;
    for t in terms {
        eta += t.coefficient * (t.statistic)(ctx, w, focus, s);
    }
    eta
}

/// Decides the trial `u < logistic(start + sum of terms)` of `process`'s predictor `c` for
/// the trial's uniform number `u`: the same answer as comparing `u` with the logistic of the
/// exact predictor ([`predictor`]). The process loops draw `u` themselves, so that a cut on
/// `u` alone ([`org_ceiling`], [`DissolutionCeiling`]) can decide most trials first.
///
/// Two shortcuts leave the answer unchanged. Built-in effects are summed by a fused predictor
/// that calls their statistics directly, in table order (so the same sum). And when the
/// statistics' [`Bounds`] hold ([`crate::model::process::Tables::bounds_hold`]), a first pass
/// sums the cheap statistics and, for the costly ones, the bound that makes the predictor
/// smallest or largest: when `u` lies clearly above the logistic of the largest value or
/// clearly below that of the smallest (by the margin of [`crate::model::rng::LogisticTable`],
/// far above rounding), the exact predictor decides the same, and the costly statistics are
/// not computed.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn decide(
    c: &Compiled,
    process: Process,
    start: f64,
    ctx: &Ctx,
    w: &World,
    focus: Focus,
    s: &mut Scratch,
    u: f64,
) -> bool {
    let logistic = &ctx.t.logistic;
    let bounds = ctx.t.bounds_hold;
    if let Some(k) = &c.fused {
        let eta = match process {
            Process::Dissolution => fused_dissolution(k, start, ctx, w, focus, s),
            Process::Adoption => {
                if bounds {
                    let (lo, hi) = adoption_bounds(k, start, ctx, w, focus, s);
                    if let Some(d) = logistic.decided(u, lo, hi) {
                        return d;
                    }
                }
                fused_adoption(k, start, ctx, w, focus, s)
            }
            Process::Initiative => {
                if bounds {
                    let (lo, hi) = initiative_bounds(k, start, ctx, w, focus, s);
                    if let Some(d) = logistic.decided(u, lo, hi) {
                        return d;
                    }
                }
                fused_initiative(k, start, ctx, w, focus, s)
            }
            Process::Formation => {
                if bounds {
                    let (lo, hi) = formation_bounds(k, start, (ctx, w, focus), s);
                    if let Some(d) = logistic.decided(u, lo, hi) {
                        return d;
                    }
                }
                fused_formation(k, start, ctx, w, focus, s)
            }
        };
        return logistic.below(u, eta);
    }
    if bounds
        && c.bounded
        && let Some(d) = decide_by_bounds(&c.terms, start, ctx, w, focus, s, u)
    {
        return d;
    }
    logistic.below(u, predictor(&c.terms, start, ctx, w, focus, s))
}

/// The answer of [`decide`] when the bounds of the costly statistics give it (generic form).
#[inline(never)]
fn decide_by_bounds(
    terms: &[Term],
    start: f64,
    ctx: &Ctx,
    w: &World,
    focus: Focus,
    s: &mut Scratch,
    u: f64,
) -> Option<bool> {
    let (mut lo, mut hi) = (start, start);
    for t in terms {
        match t.bounds {
            Some(b) => widen(&mut lo, &mut hi, t.coefficient, b(ctx, w, focus)),
            None => shift(
                &mut lo,
                &mut hi,
                t.coefficient * (t.statistic)(ctx, w, focus, s),
            ),
        }
    }
    ctx.t.logistic.decided(u, lo, hi)
}

/// Adds the exact value `v` to both ends of the range `[lo, hi]`.
#[inline(always)]
fn shift(lo: &mut f64, hi: &mut f64, v: f64) {
    *lo += v;
    *hi += v;
}

/// Adds `c * x` for `x` in `[a, z]` to the range `[lo, hi]`.
#[inline(always)]
fn widen(lo: &mut f64, hi: &mut f64, c: f64, (a, z): (f64, f64)) {
    let (a, z) = (c * a, c * z);
    *lo += a.min(z);
    *hi += a.max(z);
}

/// Bounds of the adoption predictor: exposure and social capital by their bounds.
#[inline(always)]
fn adoption_bounds(
    c: &[f64; SLOTS],
    start: f64,
    ctx: &Ctx,
    w: &World,
    f: Focus,
    s: &mut Scratch,
) -> (f64, f64) {
    let (mut lo, mut hi) = (start, start);
    if c[0] != 0.0 {
        widen(&mut lo, &mut hi, c[0], st::unit_bounds(ctx, w, f));
    }
    if c[1] != 0.0 {
        widen(&mut lo, &mut hi, c[1], st::social_capital_bounds(ctx, w, f));
    }
    if c[2] != 0.0 {
        shift(&mut lo, &mut hi, c[2] * st::in_open_project(ctx, w, f, s));
    }
    (lo, hi)
}

/// Bounds of the formation predictor: common partners by their bounds, remembered trust by
/// its bounds unless the focus knows the dyad, the other statistics exactly (the
/// [`FORMATION`] slots).
#[inline(always)]
fn formation_bounds(
    c: &[f64; SLOTS],
    start: f64,
    (ctx, w, f): (&Ctx, &World, Focus),
    s: &mut Scratch,
) -> (f64, f64) {
    let (mut lo, mut hi) = (start, start);
    let mut exact = |k: usize, stat: super::Statistic, s: &mut Scratch| {
        if c[k] != 0.0 {
            shift(&mut lo, &mut hi, c[k] * stat(ctx, w, f, s));
        }
    };
    exact(0, st::formation_mix, s);
    exact(1, st::same_territory, s);
    if c[2] != 0.0 {
        if f.tie == Focus::UNKNOWN {
            widen(&mut lo, &mut hi, c[2], st::unit_bounds(ctx, w, f));
        } else {
            // The loop looked the dyad up: the trust is read, not searched for.
            shift(&mut lo, &mut hi, c[2] * st::remembered_trust(ctx, w, f, s));
        }
    }
    if c[3] != 0.0 {
        widen(
            &mut lo,
            &mut hi,
            c[3],
            st::log_common_partners_bounds(ctx, w, f),
        );
    }
    let mut exact = |k: usize, stat: super::Statistic| {
        if c[k] != 0.0 {
            shift(&mut lo, &mut hi, c[k] * stat(ctx, w, f, s));
        }
    };
    exact(4, st::log_degree_j);
    exact(5, st::same_open_project);
    exact(6, st::adopters_in_dyad);
    exact(7, st::log_capacity_j);
    exact(8, st::covariate_similarity);
    exact(9, st::lead_partner);
    (lo, hi)
}

// The formation bounds above and the ceilings below know every slot of their processes: a
// statistic added to one of these lists needs its bounds there too.
const _: () = assert!(
    FORMATION.len() == 10 && DISSOLUTION.len() == 7 && ADOPTION.len() == 3 && INITIATIVE.len() == 2
);

/// An upper bound of the adoption or initiative predictor of every organisation with at most
/// `most` active partners, from the statistics' bounds alone (exposure, being an adopter and
/// being in an open project lie in [0, 1], social capital within
/// [`st::social_capital_range`]). A process loop turns it into a cut on its uniform draws
/// ([`crate::model::rng::LogisticTable::ceiling`]): a draw at or above the cut is decided
/// "no" for every organisation, as [`decide`] would decide it, without reading the
/// organisation's state. `None` when the predictor is not fused or the bounds do not hold.
pub fn org_ceiling(
    c: &Compiled,
    process: Process,
    start: f64,
    ctx: &Ctx,
    most: usize,
) -> Option<f64> {
    let k = c.fused.as_ref()?;
    if !ctx.t.bounds_hold {
        return None;
    }
    // Each statistic's bounds rise with the degree (or stay put), so the largest upper
    // bound over degrees 0..=most is at one of the two ends.
    let at = |d: usize| {
        let (mut lo, mut hi) = (start, start);
        let (unit, social) = match process {
            Process::Adoption => (&[0, 2][..], 1),
            Process::Initiative => (&[0][..], 1),
            _ => return None,
        };
        for &slot in unit {
            if k[slot] != 0.0 {
                widen(&mut lo, &mut hi, k[slot], (0.0, 1.0));
            }
        }
        if k[social] != 0.0 {
            widen(
                &mut lo,
                &mut hi,
                k[social],
                st::social_capital_range(ctx, d),
            );
        }
        Some(hi)
    };
    Some(at(0)?.max(at(most)?))
}

/// An upper bound of the dissolution predictor of a tie from its record alone (trust and
/// origin, read exactly), the other statistics at their largest contribution: the tie's age
/// term at most 0 (when its coefficient is not negative), the kind table at its largest
/// entry, the open-project, similarity and lead-partner indicators at whichever of 0 and 1
/// raises the predictor. The dissolution loop turns it into a cut on the tie's uniform draw
/// ([`crate::model::rng::LogisticTable::ceiling`]); a draw at or above the cut is decided
/// "the tie lasts", as [`decide`] would decide it, without reading the tie's ends.
#[derive(Debug, Clone, Copy)]
pub struct DissolutionCeiling {
    /// The coefficient of `-trust`.
    trust: f64,
    /// The coefficient of the programme-tie indicator.
    programme: f64,
    /// The intercept plus the largest contribution of the other terms.
    rest: f64,
}

impl DissolutionCeiling {
    /// The ceiling of `c`'s dissolution predictor at intercept `start`; `None` when the
    /// predictor is not fused or the age term has a negative coefficient (old ties ending
    /// more easily, whose bound would need the oldest tie's age).
    pub fn new(c: &Compiled, start: f64, ctx: &Ctx) -> Option<DissolutionCeiling> {
        let k = c.fused.as_ref()?;
        if k[1] < 0.0 {
            return None;
        }
        let (mut lo, mut hi) = (start, start);
        if k[2] != 0.0 {
            let entries = ctx.t.d_mix.iter().flatten();
            let least = entries.clone().copied().fold(f64::INFINITY, f64::min);
            let most = entries.copied().fold(f64::NEG_INFINITY, f64::max);
            widen(&mut lo, &mut hi, k[2], (least, most));
        }
        for slot in [3, 4, 5] {
            if k[slot] != 0.0 {
                widen(&mut lo, &mut hi, k[slot], (-1.0, 0.0));
            }
        }
        Some(DissolutionCeiling {
            trust: k[0],
            programme: k[6],
            rest: hi,
        })
    }

    /// The largest of [`DissolutionCeiling::of`] over every tie when every trust lies in
    /// [0, 1] ([`crate::model::process::Tables::bounds_hold`]): a cut for the whole step that
    /// decides most trials before the tie's own bound is computed.
    pub fn most(&self) -> f64 {
        self.rest + (-self.trust).max(0.0) + self.programme.max(0.0)
    }

    /// The upper bound for tie `d` (both coefficients may be 0: a term `0 * x` adds 0).
    #[inline(always)]
    pub fn of(&self, d: &crate::network::Dyad) -> f64 {
        let programme = d.origin == crate::network::Origin::Programme;
        self.bound(d.trust, programme)
    }

    /// [`DissolutionCeiling::of`] for a tie of trust `trust`, of the programme or not.
    #[inline(always)]
    fn bound(&self, trust: f64, programme: bool) -> f64 {
        self.rest - self.trust * trust + self.programme * if programme { 1.0 } else { 0.0 }
    }

    /// The three values the ceiling is made of, bit for bit: equal keys, equal ceilings.
    fn key(&self) -> [u64; 3] {
        [self.trust, self.programme, self.rest].map(f64::to_bits)
    }
}

/// Trust bands of [`DissolutionCuts`]: a power of two, so that `trust * BANDS` and
/// `band / BANDS` are exact and a tie's band starts at or below its trust and ends at or
/// above it.
const BANDS: usize = 64;

/// Trust groups of [`DissolutionCuts::group`]: a tie of trust `t` is in group
/// `round(t * TRUST_GROUPS)`, so group `g` holds the trusts of
/// `[(g - 1/2) / TRUST_GROUPS, (g + 1/2) / TRUST_GROUPS]`. Thinned dissolution visits the
/// ties of a group by jumps below the group's cut and checks each visited tie against its
/// band's cut; wider groups mean fewer runs (a logarithm each to start) but more ties
/// visited for nothing.
const TRUST_GROUPS: usize = 16;

// The groups are those the dyad memory keeps of each active tie.
const _: () = assert!(TRUST_GROUPS == crate::network::TIE_GROUPS);

/// Bands per trust group ([`BANDS`] over [`TRUST_GROUPS`]).
const GROUP_BANDS: usize = BANDS / TRUST_GROUPS;

/// The number of groups of [`DissolutionCuts::group`]: `TRUST_GROUPS + 1` trust groups (0 to
/// 1 inclusive) by two origins.
const DISSOLUTION_GROUPS: usize = 2 * (TRUST_GROUPS + 1);

/// The cuts of a [`DissolutionCeiling`] on the uniform draws, one for each trust band of
/// width `1 / BANDS` and each origin (programme tie or not): the cut of the band's largest
/// ceiling. A draw at or above the cut of its tie's band is at or above the cut of the
/// tie's own ceiling, and so decided "the tie lasts" as [`decide`] would decide it; a
/// band's cut is a table look-up where the tie's own is an interpolation of the logistic.
/// Valid while every trust lies in [0, 1] ([`crate::model::process::Tables::bounds_hold`]).
#[derive(Debug, Clone)]
pub struct DissolutionCuts {
    /// The ceiling the cuts are of ([`DissolutionCeiling::key`]).
    key: [u64; 3],
    /// The cut of band `b` at `2 * b` (not a programme tie) and `2 * b + 1` (programme tie).
    cuts: Box<[f64; 2 * BANDS]>,
    /// The jumps below each group's cut (the largest of its bands' cuts), in the order of
    /// [`DissolutionCuts::group`].
    jumps: Box<[crate::model::rng::Jumps; DISSOLUTION_GROUPS]>,
}

impl DissolutionCuts {
    /// The cuts of `ceiling`.
    pub fn new(ceiling: &DissolutionCeiling, logistic: &crate::model::rng::LogisticTable) -> Self {
        let mut cuts = Box::new([0.0; 2 * BANDS]);
        for (k, cut) in cuts.iter_mut().enumerate() {
            let band = k / 2;
            // The bound is linear in the trust, so its largest value over the band is at
            // the end its coefficient points to; the floating-point operations of
            // `DissolutionCeiling::bound` are monotone in the trust, so this holds after
            // rounding too, and the logistic's ceiling rises with its argument.
            let end = if ceiling.trust >= 0.0 { band } else { band + 1 };
            let trust = end as f64 / BANDS as f64;
            *cut = logistic.ceiling(ceiling.bound(trust, k % 2 == 1));
        }
        // Trust group `g / 2` meets the bands from `(g / 2) * GROUP_BANDS - GROUP_BANDS / 2`
        // to `(g / 2) * GROUP_BANDS + GROUP_BANDS / 2 - 1` (within 0..BANDS), each band's cut
        // the largest over its closed interval; the group's cut is the largest of them.
        let jumps = Box::new(std::array::from_fn(|g| {
            let centre = g / 2 * GROUP_BANDS;
            let first = centre.saturating_sub(GROUP_BANDS / 2);
            let last = (centre + GROUP_BANDS / 2).min(BANDS);
            let most = (first..last)
                .map(|band| cuts[2 * band + g % 2])
                .fold(f64::NEG_INFINITY, f64::max);
            crate::model::rng::Jumps::new(most)
        }));
        DissolutionCuts {
            key: ceiling.key(),
            cuts,
            jumps,
        }
    }

    /// The group of tie `d` (whose trust lies in [0, 1]) for thinned dissolution: its trust
    /// band's group and its origin, below [`DISSOLUTION_GROUPS`].
    #[inline(always)]
    pub fn group(&self, d: &crate::network::Dyad) -> usize {
        Self::group_of(d.trust, d.origin == crate::network::Origin::Programme)
    }

    /// The group of a tie of trust `trust` in [0, 1], of the programme or not.
    #[inline(always)]
    fn group_of(trust: f64, programme: bool) -> usize {
        // The trust lies within half a group of the group's centre; the dyad memory keeps
        // the same group of each active tie ([`crate::network::Memory::active_keys`]).
        crate::network::tie_group(trust, programme) as usize
    }

    /// The jumps below the cut of group `g`: at or above the cut of each of its ties.
    #[inline(always)]
    pub fn jumps(&self, g: usize) -> &crate::model::rng::Jumps {
        &self.jumps[g]
    }

    /// The band of a trust in [0, 1].
    #[inline(always)]
    fn band(trust: f64) -> usize {
        // Exact (a power of two), and in 0..=BANDS for a trust in [0, 1]; a trust of 1 is
        // in the last band, whose upper end it is.
        ((trust * BANDS as f64) as usize).min(BANDS - 1)
    }

    /// Are these the cuts of `ceiling`?
    #[inline]
    pub fn are_of(&self, ceiling: &DissolutionCeiling) -> bool {
        self.key == ceiling.key()
    }

    /// The cut for tie `d`, whose trust lies in [0, 1]: at or above the cut of
    /// [`DissolutionCeiling::of`].
    #[inline(always)]
    pub fn of(&self, d: &crate::network::Dyad) -> f64 {
        self.cut(d.trust, d.origin == crate::network::Origin::Programme)
    }

    /// The cut for a tie of trust `trust` in [0, 1], of the programme or not.
    #[inline(always)]
    fn cut(&self, trust: f64, programme: bool) -> f64 {
        self.cuts[2 * Self::band(trust) + programme as usize]
    }
}

/// Bounds of the initiative predictor: social capital by its bounds.
#[inline(always)]
fn initiative_bounds(
    c: &[f64; SLOTS],
    start: f64,
    ctx: &Ctx,
    w: &World,
    f: Focus,
    s: &mut Scratch,
) -> (f64, f64) {
    let (mut lo, mut hi) = (start, start);
    if c[0] != 0.0 {
        shift(&mut lo, &mut hi, c[0] * st::adopted_i(ctx, w, f, s));
    }
    if c[1] != 0.0 {
        widen(&mut lo, &mut hi, c[1], st::social_capital_bounds(ctx, w, f));
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::{LogisticTable, stream};
    use rand::Rng as _;

    /// The cut of a tie's trust band is never below the cut of the tie's own ceiling (so it
    /// decides no trial the tie's own would not), for coefficients of either sign, trusts
    /// drawn at random and at the bands' edges and the ends of [0, 1], both origins; and
    /// with a small coefficient it stays close to it.
    #[test]
    fn band_cuts_bound_the_ties_own() {
        let logistic = LogisticTable::new();
        let mut r = stream(11, 0, 0);
        for case in 0..400 {
            let ceiling = DissolutionCeiling {
                trust: r.random_range(-6.0..6.0),
                programme: r.random_range(-3.0..3.0),
                rest: r.random_range(-12.0..6.0),
            };
            let cuts = DissolutionCuts::new(&ceiling, &logistic);
            assert!(cuts.are_of(&ceiling));
            let edges = (0..=BANDS).flat_map(|b| {
                let t = b as f64 / BANDS as f64;
                [t, t.next_down(), t.next_up()]
            });
            let random = (0..200).map(|_| r.random::<f64>());
            for trust in edges.chain(random).filter(|t| (0.0..=1.0).contains(t)) {
                for programme in [false, true] {
                    let own = logistic.ceiling(ceiling.bound(trust, programme));
                    let band = cuts.cut(trust, programme);
                    assert!(band >= own, "case {case} trust {trust}: {band} < {own}");
                    // Thinned dissolution reaches the tie with at least its band's chance.
                    let group = cuts.jumps(DissolutionCuts::group_of(trust, programme));
                    let reach = crate::model::rng::Jumps::new(own).probability();
                    assert!(group.probability() >= reach, "case {case} trust {trust}");
                    // The band's bound exceeds the tie's by at most |coefficient| / BANDS.
                    let most = ceiling.bound(trust, programme) + ceiling.trust.abs() / BANDS as f64;
                    assert!(band <= logistic.ceiling(most) + 1e-12, "case {case}");
                }
            }
        }
        let other = DissolutionCeiling {
            trust: 1.0,
            programme: 0.0,
            rest: 0.5,
        };
        let cuts = DissolutionCuts::new(&other, &logistic);
        assert!(!cuts.are_of(&DissolutionCeiling {
            rest: 0.25,
            ..other
        }));
    }
}
