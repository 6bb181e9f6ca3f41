//! The effects table: every term of the linear predictors of formation, dissolution, adoption
//! and initiative launch, as RSiena names its effects. Each [`Effect`] is one entry of
//! [`EFFECTS`]: its name, process, statistic, default coefficient, the phases where it acts,
//! and its formula and meaning (printed by `wecare effects`).
//!
//! A scenario sets coefficients by name (`[formation.effects] closure = 0.5`). The table is
//! a specification: each entry names its statistic by a [`StatisticId`], and the model maps
//! each id to the function that computes it over the world (`model::effect::statistic`) and
//! compiles the non-zero effects of each process and phase once (`model::effect::Terms`).
//!
//! Adding an effect: one entry in [`EFFECTS`]; a new statistic also needs a [`StatisticId`],
//! its function in `model/effect/statistics.rs` (the compiler asks for the match arm that
//! pairs them) and a test of that function.

mod doc;
mod table;
pub mod values;

pub use doc::documentation;
pub use table::EFFECTS;
pub use values::Effects;

use super::params::{Feedback, Phase};
use serde::{Deserialize, Serialize};

/// A process with a linear predictor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Process {
    /// Tie formation: log-odds that `i` ties to candidate `j`.
    Formation,
    /// Tie dissolution: log-odds per step that an active tie ends.
    Dissolution,
    /// Adoption: log-odds per step that an organisation adopts.
    Adoption,
    /// Initiative launch: log-odds per step that an organisation launches an initiative.
    Initiative,
}

impl Process {
    /// Every process, in step order.
    pub const ALL: [Process; 4] = [
        Process::Formation,
        Process::Dissolution,
        Process::Adoption,
        Process::Initiative,
    ];

    /// The process's name, also its scenario section.
    pub fn name(self) -> &'static str {
        match self {
            Process::Formation => "formation",
            Process::Dissolution => "dissolution",
            Process::Adoption => "adoption",
            Process::Initiative => "initiative",
        }
    }

    /// The effects of this process, in the order they are summed.
    pub fn effects(self) -> impl Iterator<Item = &'static Effect> {
        EFFECTS.iter().filter(move |e| e.process == self)
    }

    /// The effect of this process called `name`.
    pub fn effect(self, name: &str) -> Option<&'static Effect> {
        self.effects().find(|e| e.name == name)
    }

    /// The name of this process's scalar effect closest to `name` (for "did you mean").
    pub fn nearest(self, name: &str) -> Option<&'static str> {
        self.effects()
            .filter(|e| e.coefficient == Coefficient::Scalar)
            .map(|e| (strsim::jaro_winkler(name, e.name), e.name))
            .filter(|&(score, _)| score >= 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n)
    }
}

/// The statistic an effect's coefficient multiplies, by name; `model::effect::statistic`
/// gives the function that computes it (see `model/effect/statistics.rs` for each formula).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatisticId {
    /// 1 (intercepts).
    One,
    /// `formation.mix[kind_i][kind_j]`.
    FormationMix,
    /// `dissolution.mix[kind_i][kind_j]`.
    DissolutionMix,
    /// `[territory_i = territory_j]`.
    SameTerritory,
    /// Trust of a remembered tie (0 if never tied).
    RememberedTrust,
    /// `ln(1 + common active partners)`.
    LogCommonPartners,
    /// `ln(1 + active degree_j)`.
    LogDegreeJ,
    /// `[i and j in the same open project]`.
    SameOpenProject,
    /// `adopted_i + adopted_j`.
    AdoptersInDyad,
    /// `ln(capacity_j)`.
    LogCapacityJ,
    /// `1 - |x_i - x_j| / range(x)`.
    CovariateSimilarity,
    /// `-trust_ij`.
    MinusTieTrust,
    /// `-ln(1 + age of the tie)`.
    MinusLogAge,
    /// `-[both ends in the same open project]`.
    MinusSameOpenProject,
    /// `-(1 - |x_i - x_j| / range(x))`.
    MinusCovariateSimilarity,
    /// Share of active partners that adopted.
    AdoptedPartnerShare,
    /// `sc_i`.
    SocialCapitalI,
    /// `[i in an open project]`.
    InOpenProject,
    /// `adopted_i`.
    AdoptedI,
    /// `[one of i and j leads an open project of which the other is a member]`.
    LeadPartner,
    /// `-[one end leads an open project of which the other is a member]`.
    MinusLeadPartner,
    /// `[the tie first formed during the programme]`.
    ProgrammeTie,
    /// `[same open project] ln(budget per member and month / reference)`.
    LogBudgetPerMember,
    /// `sqrt(active degree_i)`.
    SqrtDegreeI,
    /// `sqrt(active degree_j)`.
    SqrtDegreeJ,
    /// `[active degree_i = 0]`.
    IsolateI,
    /// `common / (degree_i + degree_j - common)`: the share of the two ends' partners they
    /// share (the Jaccard overlap of their partner sets).
    CommonPartnerShare,
    /// `sqrt(degree_i) + sqrt(degree_j)` of a tie's ends.
    SqrtDegreesOfTie,
    /// `-[the tie is the only one of an end]`.
    MinusOnlyTie,
    /// `-ln(1 + common active partners of a tie's ends)`.
    MinusLogCommonPartners,
}

/// Where an effect's coefficient is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coefficient {
    /// One number in the process's `effects` table, by the effect's name.
    Scalar,
    /// The intercept `base`, one value per phase, in the process's section (the predictor
    /// starts from it).
    Intercept,
    /// The kind-by-kind table `mix` in the process's section; the statistic returns the
    /// entry itself (coefficient 1).
    KindTable,
}

/// A feedback channel that switches effects off (docs/ODD.md, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `feedback.trust_to_formation`.
    TrustToFormation,
    /// `feedback.trust_to_persistence`.
    TrustToPersistence,
    /// `feedback.social_capital_to_adoption`.
    SocialCapitalToAdoption,
    /// `feedback.adoption_to_social_capital`.
    AdoptionToSocialCapital,
}

impl Channel {
    /// Is the channel on?
    pub fn on(self, f: &Feedback) -> bool {
        match self {
            Channel::TrustToFormation => f.trust_to_formation,
            Channel::TrustToPersistence => f.trust_to_persistence,
            Channel::SocialCapitalToAdoption => f.social_capital_to_adoption,
            Channel::AdoptionToSocialCapital => f.adoption_to_social_capital,
        }
    }

    /// The channel's key in `[feedback]`.
    pub fn name(self) -> &'static str {
        match self {
            Channel::TrustToFormation => "trust_to_formation",
            Channel::TrustToPersistence => "trust_to_persistence",
            Channel::SocialCapitalToAdoption => "social_capital_to_adoption",
            Channel::AdoptionToSocialCapital => "adoption_to_social_capital",
        }
    }
}

/// Phases in which an effect can be non-zero.
pub const ALL_PHASES: &[Phase] = &[Phase::Pre, Phase::Programme, Phase::Post];
/// Open projects exist during the programme and, with follow-on funding, after it.
pub const PROJECT_PHASES: &[Phase] = &[Phase::Programme, Phase::Post];
/// Initiatives are launched after the programme only.
pub const POST_PHASE: &[Phase] = &[Phase::Post];

/// One effect: a term `coefficient * statistic` of a process's linear predictor.
#[derive(Debug, Clone, Copy)]
pub struct Effect {
    /// Name, unique within its process; the key in `[<process>.effects]`.
    pub name: &'static str,
    /// The process whose predictor the effect enters.
    pub process: Process,
    /// The statistic the coefficient multiplies.
    pub statistic: StatisticId,
    /// Where the coefficient is set.
    pub coefficient: Coefficient,
    /// Default coefficient (scalar effects; 0 for tables, which default to all zeros).
    pub default: f64,
    /// Phases where the statistic can be non-zero; elsewhere the effect is not evaluated.
    pub phases: &'static [Phase],
    /// The feedback channel that switches the effect off, if any.
    pub channel: Option<Channel>,
    /// The statistic as a formula.
    pub formula: &'static str,
    /// What the effect means.
    pub meaning: &'static str,
}

impl Effect {
    /// The name calibration, sweeps and sensitivity address the effect by, e.g.
    /// `formation.closure` (its scenario key `formation.effects.closure` works too).
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.process.name(), self.name)
    }

    /// The effect's dotted scenario key, e.g. `formation.effects.closure`.
    pub fn key(&self) -> String {
        match self.coefficient {
            Coefficient::Scalar => format!("{}.effects.{}", self.process.name(), self.name),
            Coefficient::Intercept => format!("{}.base", self.process.name()),
            Coefficient::KindTable => format!("{}.mix", self.process.name()),
        }
    }
}

/// The scalar effect a parameter key names: `<process>.<effect>` or
/// `<process>.effects.<effect>`.
pub fn by_key(key: &str) -> Option<&'static Effect> {
    let (process, name) = key.split_once('.')?;
    let name = name.strip_prefix("effects.").unwrap_or(name);
    let process = Process::ALL.into_iter().find(|p| p.name() == process)?;
    process
        .effect(name)
        .filter(|e| e.coefficient == Coefficient::Scalar)
}

/// A parameter key with effect names written as scenario keys (`formation.closure` ->
/// `formation.effects.closure`); other keys unchanged.
pub fn scenario_key(key: &str) -> String {
    match by_key(key) {
        Some(e) => e.key(),
        None => key.to_string(),
    }
}
