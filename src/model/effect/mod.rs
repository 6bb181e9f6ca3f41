//! The effects table: every term of the linear predictors of formation, dissolution, adoption
//! and initiative launch, as RSiena names its effects. Each [`Effect`] is one entry of
//! [`EFFECTS`]: its name, process, statistic, default coefficient, the phases where it acts,
//! and its formula and meaning (printed by `wecare effects`).
//!
//! A scenario sets coefficients by name (`[formation.effects] closure = 0.5`); the model
//! compiles the non-zero effects of each process and phase once ([`Terms`]), so a trial costs
//! only the effects in use.
//!
//! Adding an effect: one entry in [`EFFECTS`], one statistic function in `statistics.rs`, and a
//! test of that function.

mod doc;
mod statistics;
mod table;
mod terms;
pub mod values;

pub use doc::documentation;
pub use table::EFFECTS;
pub use terms::{Term, Terms, decide, predictor};
pub use values::Effects;

use super::params::{Feedback, Phase};
use super::process::{Ctx, Scratch};
use super::world::World;
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

/// What the model looks at when it evaluates a predictor: the choosing organisation `i`, the
/// other end `j` (for organisation processes `j == i`), and the tie (dissolution only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    /// The organisation whose choice or state the predictor is about.
    pub i: u32,
    /// The other organisation of the dyad (`i` itself for organisation processes).
    pub j: u32,
    /// The dyad of an active tie (dissolution), else `u32::MAX`.
    pub tie: u32,
}

impl Focus {
    /// A dyad `i` -> `j` (formation).
    pub fn dyad(i: u32, j: u32) -> Focus {
        Focus {
            i,
            j,
            tie: u32::MAX,
        }
    }

    /// An active tie (dissolution).
    pub fn tie(a: u32, b: u32, tie: u32) -> Focus {
        Focus { i: a, j: b, tie }
    }

    /// An organisation (adoption, initiative).
    pub fn org(i: u32) -> Focus {
        Focus {
            i,
            j: i,
            tie: u32::MAX,
        }
    }
}

/// A statistic: the value an effect's coefficient multiplies. `Scratch` holds the marks that
/// counting common partners needs.
pub type Statistic = fn(&Ctx, &World, Focus, &mut Scratch) -> f64;

/// Cheap bounds `(lo, hi)` of a costly statistic, `lo <= statistic <= hi`, which let most
/// trials be decided without computing it (see [`decide`]). Valid while every trust lies in
/// [0, 1], which [`crate::model::process::Tables::bounds_hold`] records.
pub type Bounds = fn(&Ctx, &World, Focus) -> (f64, f64);

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
    pub statistic: Statistic,
    /// Cheap bounds of the statistic, for costly statistics.
    pub bounds: Option<Bounds>,
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
