//! The scenario sections the model reads, declared once: every coefficient of docs/ODD.md
//! section 7, the process rates, the funding design and the modelling choices of docs/ODD.md
//! section 10, and [`Params`], the sections gathered for the model (`model::params` re-exports
//! this module). Each field's doc comment gives its unit and default; `wecare defaults` prints
//! them all.

use super::effect::{Effects, Process, values};
use crate::data::{Kind, PerKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value for each phase of the programme timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerPhase {
    /// Before the programme (burn-in).
    pub pre: f64,
    /// While the programme runs.
    pub programme: f64,
    /// After the programme ends.
    pub post: f64,
}

impl PerPhase {
    /// The value for one phase.
    pub fn get(&self, p: Phase) -> f64 {
        match p {
            Phase::Pre => self.pre,
            Phase::Programme => self.programme,
            Phase::Post => self.post,
        }
    }
}

/// Phase of the programme timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the programme.
    Pre,
    /// The programme runs.
    Programme,
    /// After the programme.
    Post,
}

impl Phase {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pre => "pre",
            Phase::Programme => "programme",
            Phase::Post => "post",
        }
    }
}

/// A kind-by-kind table of coefficients; `table.row(k_i).get(k_j)`. Missing entries are 0.
pub type KindTable = PerKind<PerKind<f64>>;

/// Timeline: phase lengths and observation waves, in steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeline {
    /// Unit of one step, for labels only (default `month`).
    pub step_unit: String,
    /// Steps before the programme starts (burn-in; default 12).
    pub pre: u32,
    /// Steps the programme runs (default 48).
    pub programme: u32,
    /// Steps after the programme ends (default 24).
    pub post: u32,
    /// Steps at whose end the waves are observed, 0-based, strictly increasing, each
    /// < pre + programme + post (default [14, 40, 78]: 3 months into the programme, 29 months
    /// into it, and 19 months after its end).
    pub waves: Vec<u32>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            step_unit: "month".into(),
            pre: 12,
            programme: 48,
            post: 24,
            waves: vec![14, 40, 78],
        }
    }
}

impl Timeline {
    /// Total number of steps.
    pub fn steps(&self) -> u32 {
        self.pre + self.programme + self.post
    }

    /// Phase of a step: phases switch at the start of a step.
    pub fn phase(&self, step: u32) -> Phase {
        if step < self.pre {
            Phase::Pre
        } else if step < self.pre + self.programme {
            Phase::Programme
        } else {
            Phase::Post
        }
    }

    /// Observation period of a step: 0 up to the first wave's step, `k` for the steps after
    /// wave `k` up to the end of wave `k + 1`'s step (waves are observed at the end of their
    /// step), `waves.len()` after the last wave.
    pub fn period(&self, step: u32) -> usize {
        self.waves.iter().take_while(|&&w| w < step).count()
    }

    /// The offset of `offsets` (a process's `period_offset`) that applies at `step`: entry
    /// `k - 1` in period `k`, 0 outside the list.
    pub fn period_offset(&self, offsets: &[f64], step: u32) -> f64 {
        match self.period(step) {
            0 => 0.0,
            k => offsets.get(k - 1).copied().unwrap_or(0.0),
        }
    }

    /// First step of the programme.
    pub fn programme_start(&self) -> u32 {
        self.pre
    }

    /// First step after the programme.
    pub fn programme_end(&self) -> u32 {
        self.pre + self.programme
    }
}

/// How the candidate partner of a formation opportunity is drawn (docs/ODD.md, section 7,
/// Formation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Candidates {
    /// Weight of a remembered dormant partner, drawn with probability proportional to trust
    /// (default 1).
    pub dormant: f64,
    /// Weight of a partner of a partner (closure; default 1).
    pub closure: f64,
    /// Weight of an organisation of the same territory (default 1).
    pub territory: f64,
    /// Weight of any active organisation (default 0.1).
    pub anyone: f64,
}

impl Default for Candidates {
    fn default() -> Self {
        Candidates {
            dormant: 1.0,
            closure: 1.0,
            territory: 1.0,
            anyone: 0.1,
        }
    }
}

/// Tie formation: rates and the effects of the formation equation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Formation {
    /// Opportunities per active organisation per step, Poisson mean, by phase.
    pub rate: PerPhase,
    /// `f_base`: intercept of the formation log-odds, by phase.
    pub base: PerPhase,
    /// Offsets of the intercept by observation period: entry `k - 1` is added to `base` in
    /// period `k`, the steps after wave `k` up to wave `k + 1` (default empty: no offset).
    pub period_offset: Vec<f64>,
    /// Offsets of effect coefficients by observation period (RSiena's time dummies), by effect
    /// name: entry `k - 1` of an effect's list is added to its coefficient in period `k`
    /// (default empty: every coefficient is the same in all periods).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub effect_period_offset: BTreeMap<String, Vec<f64>>,
    /// `f_mix[kind_i][kind_j]`: kind-pair term, read from the choosing organisation's row.
    pub mix: KindTable,
    /// Coefficients of the formation effects by name (`wecare effects` lists them).
    #[serde(deserialize_with = "values::formation")]
    pub effects: Effects,
    /// Candidate mixture weights.
    pub candidates: Candidates,
}

impl Default for Formation {
    fn default() -> Self {
        Formation {
            rate: PerPhase {
                pre: 0.2,
                programme: 0.2,
                post: 0.2,
            },
            base: PerPhase {
                pre: -4.0,
                programme: -4.0,
                post: -4.0,
            },
            period_offset: Vec::new(),
            effect_period_offset: BTreeMap::new(),
            mix: KindTable::default(),
            effects: Effects::defaults(Process::Formation),
            candidates: Candidates::default(),
        }
    }
}

/// Tie dissolution: effects of the dissolution equation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dissolution {
    /// `d_base`: intercept of the dissolution log-odds per step, by phase.
    pub base: PerPhase,
    /// Offsets of the intercept by observation period, as `formation.period_offset`
    /// (default empty).
    pub period_offset: Vec<f64>,
    /// Offsets of effect coefficients by observation period, as
    /// `formation.effect_period_offset` (default empty).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub effect_period_offset: BTreeMap<String, Vec<f64>>,
    /// `d_mix[kind_i][kind_j]`: kind-pair term; must be symmetric.
    pub mix: KindTable,
    /// Coefficients of the dissolution effects by name; positive values make ties last.
    #[serde(deserialize_with = "values::dissolution")]
    pub effects: Effects,
}

impl Default for Dissolution {
    fn default() -> Self {
        Dissolution {
            base: PerPhase {
                pre: -1.5,
                programme: -1.5,
                post: 0.0,
            },
            period_offset: Vec::new(),
            effect_period_offset: BTreeMap::new(),
            mix: KindTable::default(),
            effects: Effects::defaults(Process::Dissolution),
        }
    }
}

/// Trust learning and decay, and initial trust values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trust {
    /// Trust of a baseline tie whose file gives none, in [0, 1] (default 0.6).
    pub baseline: f64,
    /// Trust of a remembered past tie whose file gives none, in [0, 1] (default 0.35).
    pub history: f64,
    /// Trust of a newly formed tie, in [0, 1] (default 0.1).
    pub new_tie: f64,
    /// Learning rate per step of an active tie, in [0, 1]: `trust += learn * (1 - trust)`.
    pub learn: f64,
    /// Learning rate per step of an active tie inside an open project, in [0, 1].
    pub learn_project: f64,
    /// Decay rate per step of a dormant tie, in [0, 1]: `trust *= 1 - decay`.
    pub decay: f64,
}

impl Default for Trust {
    fn default() -> Self {
        Trust {
            baseline: 0.6,
            history: 0.35,
            new_tie: 0.1,
            learn: 0.01,
            learn_project: 0.01,
            decay: 0.02,
        }
    }
}

/// Adoption of the innovative practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Adoption {
    /// `a_base`: intercept of the adoption log-odds per step.
    pub base: f64,
    /// Coefficients of the adoption effects by name.
    #[serde(deserialize_with = "values::adoption")]
    pub effects: Effects,
}

impl Default for Adoption {
    fn default() -> Self {
        Adoption {
            base: -7.5,
            effects: Effects::defaults(Process::Adoption),
        }
    }
}

/// Tie pattern of a post-programme initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitiativePattern {
    /// Ties between the launcher and each participant.
    Star,
    /// Ties among all participants.
    Clique,
}

/// Post-programme initiatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Initiative {
    /// `n_base`: intercept of the launch log-odds per active organisation per step.
    pub base: f64,
    /// Coefficients of the initiative effects by name.
    #[serde(deserialize_with = "values::initiative")]
    pub effects: Effects,
    /// Mean number of partners an initiative recruits (Poisson, at least 1; default 3).
    pub partners_mean: f64,
    /// Probability that each partner is drawn from the launcher's active and dormant ties (by
    /// trust) rather than from its territory (default 0.7).
    pub from_ties: f64,
    /// Tie pattern among participants (default `star`).
    pub pattern: InitiativePattern,
    /// May an initiative bring an exited (inactive) tie partner back (default false).
    pub revive_exited: bool,
}

impl Default for Initiative {
    fn default() -> Self {
        Initiative {
            base: -6.05,
            effects: Effects::defaults(Process::Initiative),
            partners_mean: 3.0,
            from_ties: 0.7,
            pattern: InitiativePattern::Star,
            revive_exited: false,
        }
    }
}

/// Exit from the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Exit {
    /// Consecutive steps without an active tie after which an organisation becomes inactive
    /// (default 12; 0 disables exit).
    pub after: u32,
}

impl Default for Exit {
    fn default() -> Self {
        Exit { after: 12 }
    }
}

/// The four feedback channels between social capital and change (docs/ODD.md, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Feedback {
    /// Memory and trust raise formation (effect `formation.memory`, trust-weighted dormant
    /// draw).
    pub trust_to_formation: bool,
    /// Trust lowers dissolution (effect `dissolution.trust`).
    pub trust_to_persistence: bool,
    /// Social capital raises adoption (effect `adoption.social_capital`).
    pub social_capital_to_adoption: bool,
    /// Adopters form more ties and launch more initiatives (effects `formation.adopted`,
    /// `initiative.adopted`).
    pub adoption_to_social_capital: bool,
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback {
            trust_to_formation: true,
            trust_to_persistence: true,
            social_capital_to_adoption: true,
            adoption_to_social_capital: true,
        }
    }
}

/// Where recruitment draws new partners from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecruitArea {
    /// The project's own territory.
    Territory,
    /// Any territory (partnerships across several consortia).
    Region,
}

/// Which listed partners get a project tie to the lead when a project forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerTie {
    /// Every listed partner (the literal rule of the original model outline; docs/ODD.md,
    /// section 10, item 10).
    Lead,
    /// Only partners with no active tie to any other member of the partnership; the others
    /// work through the relations they already have.
    Unconnected,
}

/// How the programme's total budget is split among projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetSplit {
    /// Budgets as the projects file gives them.
    AsGiven,
    /// The same total, split equally.
    Equal,
    /// The same total, split in proportion to each project's initial membership.
    Proportional,
}

/// How each project's lead is chosen when the programme starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadChoice {
    /// The lead the projects file names.
    AsGiven,
    /// The partnership's most central member among the kinds in `lead_eligible`: most active
    /// ties to other members, then most active ties overall; the named lead wins ties, then
    /// the first listed partner.
    MostCentral,
}

/// The funding design: rules of the programme (docs/ODD.md, section 2, Programme).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funding {
    /// Kinds allowed to lead a project (default `["ente_gestore"]`).
    pub lead_eligible: Vec<Kind>,
    /// How each project's lead is chosen at programme start (default `as_given`).
    pub lead_choice: LeadChoice,
    /// Which listed partners get a project tie to the lead at programme start (default
    /// `unconnected`; see docs/ODD.md, section 10).
    pub partner_tie: PartnerTie,
    /// Recruits per open project per step at the mean budget (Poisson mean; default 0.04).
    pub recruit_rate: f64,
    /// Relative weight of each kind in the recruitment draw (>= 0).
    pub recruit_weight: PerKind<f64>,
    /// Where recruits come from (default `territory`).
    pub recruit_area: RecruitArea,
    /// May organisations that exited be recruited again (default true).
    pub recruit_exited: bool,
    /// Minimum number of partners of each kind; a project short of it recruits the missing
    /// ones from the pool at programme start (default 0 each).
    pub min_partners: PerKind<u32>,
    /// Steps of follow-on funding after the programme for projects whose lead is still active
    /// with at least one active partner tie (default 0).
    pub follow_on: u32,
    /// Do follow-on projects go on recruiting (default false).
    pub follow_on_recruits: bool,
    /// How the total budget is split among projects (default `as_given`).
    pub budget_split: BudgetSplit,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            lead_eligible: vec![Kind::EnteGestore],
            lead_choice: LeadChoice::AsGiven,
            partner_tie: PartnerTie::Unconnected,
            recruit_rate: 0.04,
            recruit_weight: PerKind {
                ente_gestore: 0.0,
                public: 0.3,
                third_sector: 3.0,
                firm: 1.0,
                other: 0.3,
            },
            recruit_area: RecruitArea::Territory,
            recruit_exited: true,
            min_partners: PerKind::default(),
            follow_on: 0,
            follow_on_recruits: false,
            budget_split: BudgetSplit::AsGiven,
        }
    }
}

/// Origin given to a dormant tie when it revives (docs/ODD.md, section 10, item 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevivedOrigin {
    /// Keeps the origin of its first formation.
    First,
    /// Relabelled with the phase in which it revives.
    Latest,
}

/// From when a tie's age counts (docs/ODD.md, section 10, item 2b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeFrom {
    /// From the tie's first formation.
    First,
    /// From the start of its current active spell.
    Spell,
}

/// What happens when a component of the candidate mixture is empty (docs/ODD.md, section 10,
/// item 3a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyComponent {
    /// Draw from the non-empty components, renormalised.
    Renormalise,
    /// The opportunity is lost when the empty component is drawn.
    Waste,
}

/// How tie formation draws the organisations that choose in a step and their opportunities
/// (docs/ODD.md, section 10, item 6b). Both give the same distribution; they use the random
/// numbers differently, so their results differ replicate by replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormationDraw {
    /// A binomial number of organisations with at least one opportunity, drawn at random in
    /// random order, each with a zero-truncated Poisson number of opportunities.
    Sample,
    /// Every active organisation in a random order, each with a Poisson number of
    /// opportunities (the draws of earlier versions).
    Shuffle,
}

/// The order in which the organisations that choose in a formation step take their turns
/// (docs/ODD.md, section 10, item 6d).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormationOrder {
    /// One random order of all of them.
    Random,
    /// Territory by territory, the territories in a random order and each territory's
    /// organisations in a random order: the same order within each territory, while the
    /// choices of one territory's organisations come together, so a large region's trials
    /// read memory that lies together.
    Territory,
}

/// How dissolution, adoption and initiative launch draw their per-tie and per-organisation
/// trials (docs/ODD.md, section 10, item 6c). Both give the same distribution; they use the
/// random numbers differently, so their results differ replicate by replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialDraw {
    /// Only the trials whose uniform draw falls below the step's cut (dissolution: the cut of
    /// the tie's trust group) are visited, by geometric jumps, each then given a uniform draw
    /// below the cut.
    Thinned,
    /// Every trial draws its own uniform number (the draws of earlier versions).
    Each,
}

/// How an organisation's social capital `sc_i` is measured (docs/ODD.md, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialCapital {
    /// ln(1 + sum of trust over active ties).
    LogTrustSum,
    /// Sum of trust over active ties.
    TrustSum,
    /// Mean trust over active ties (0 without ties).
    MeanTrust,
    /// ln(1 + active degree).
    LogDegree,
}

/// The modelling choices of docs/ODD.md section 10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// Origin of a revived tie (default `first`).
    pub revived_origin: RevivedOrigin,
    /// Age in the dissolution equation counts from (default `first`).
    pub age_from: AgeFrom,
    /// Age in steps that baseline and history ties have at step 0 (default 24).
    pub baseline_age: u32,
    /// Empty candidate components (default `renormalise`).
    pub empty_component: EmptyComponent,
    /// Measure of social capital `sc_i` (default `log_trust_sum`).
    pub social_capital: SocialCapital,
    /// How formation draws who chooses in a step (default `sample`).
    pub formation_draw: FormationDraw,
    /// The order in which formation's organisations choose (default `random`).
    pub formation_order: FormationOrder,
    /// How dissolution, adoption and initiative launch draw their trials (default `thinned`).
    pub trial_draw: TrialDraw,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            revived_origin: RevivedOrigin::First,
            age_from: AgeFrom::First,
            baseline_age: 24,
            empty_component: EmptyComponent::Renormalise,
            social_capital: SocialCapital::LogTrustSum,
            formation_draw: FormationDraw::Sample,
            formation_order: FormationOrder::Random,
            trial_draw: TrialDraw::Thinned,
        }
    }
}

/// Everything the simulation core needs besides the data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// Phases and waves.
    pub timeline: Timeline,
    /// Tie formation.
    pub formation: Formation,
    /// Tie dissolution.
    pub dissolution: Dissolution,
    /// Trust.
    pub trust: Trust,
    /// Adoption.
    pub adoption: Adoption,
    /// Initiatives.
    pub initiative: Initiative,
    /// Exit.
    pub exit: Exit,
    /// Feedback channels.
    pub feedback: Feedback,
    /// Funding design.
    pub funding: Funding,
    /// Open modelling choices.
    pub rules: Rules,
}

impl Params {
    /// The period offsets of `process`'s effect coefficients (`effect_period_offset`; only
    /// formation and dissolution have them).
    pub fn effect_period_offset(&self, process: Process) -> Option<&BTreeMap<String, Vec<f64>>> {
        match process {
            Process::Formation => Some(&self.formation.effect_period_offset),
            Process::Dissolution => Some(&self.dissolution.effect_period_offset),
            Process::Adoption | Process::Initiative => None,
        }
    }

    /// The most periods any effect's period offsets address (0 without any).
    pub fn effect_periods(&self) -> usize {
        Process::ALL
            .iter()
            .filter_map(|&p| self.effect_period_offset(p))
            .flat_map(|m| m.values().map(Vec::len))
            .max()
            .unwrap_or(0)
    }

    /// These parameters as they hold in observation period `k` (1-based): every effect
    /// coefficient with its period offset for `k` added.
    pub fn in_period(&self, k: usize) -> Params {
        let mut q = self.clone();
        for process in Process::ALL {
            let Some(offsets) = self.effect_period_offset(process) else {
                continue;
            };
            for (name, list) in offsets {
                let x = k.checked_sub(1).and_then(|i| list.get(i)).copied();
                if let (Some(x), Some(v)) = (x, q.effects_mut(process).get_mut(name)) {
                    *v += x;
                }
            }
        }
        q
    }

    /// The effect coefficients of `process`.
    pub fn effects(&self, process: Process) -> &Effects {
        match process {
            Process::Formation => &self.formation.effects,
            Process::Dissolution => &self.dissolution.effects,
            Process::Adoption => &self.adoption.effects,
            Process::Initiative => &self.initiative.effects,
        }
    }

    /// The effect coefficients of `process`, to change them.
    pub fn effects_mut(&mut self, process: Process) -> &mut Effects {
        match process {
            Process::Formation => &mut self.formation.effects,
            Process::Dissolution => &mut self.dissolution.effects,
            Process::Adoption => &mut self.adoption.effects,
            Process::Initiative => &mut self.initiative.effects,
        }
    }

    /// The kind-pair table of `process`, if it has one.
    pub fn mix(&self, process: Process) -> Option<&KindTable> {
        match process {
            Process::Formation => Some(&self.formation.mix),
            Process::Dissolution => Some(&self.dissolution.mix),
            Process::Adoption | Process::Initiative => None,
        }
    }

    /// The intercept of `process` in `phase`.
    pub fn base(&self, process: Process, phase: Phase) -> f64 {
        match process {
            Process::Formation => self.formation.base.get(phase),
            Process::Dissolution => self.dissolution.base.get(phase),
            Process::Adoption => self.adoption.base,
            Process::Initiative => self.initiative.base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_run_from_one_wave_to_the_next() {
        let t = Timeline {
            waves: vec![0, 12, 24],
            ..Timeline::default()
        };
        // Waves are observed at the end of their step: step 12 still belongs to period 1.
        let periods: Vec<usize> = [0, 1, 12, 13, 24, 25].map(|s| t.period(s)).to_vec();
        assert_eq!(periods, [0, 1, 1, 2, 2, 3]);
        let offsets = [0.5, -1.0];
        assert_eq!(t.period_offset(&offsets, 0), 0.0);
        assert_eq!(t.period_offset(&offsets, 12), 0.5);
        assert_eq!(t.period_offset(&offsets, 13), -1.0);
        assert_eq!(t.period_offset(&offsets, 25), 0.0);
        assert_eq!(t.period_offset(&[], 13), 0.0);
    }
}
