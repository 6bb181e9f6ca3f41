//! The `[calibration]` section of a scenario file: what is observed, which statistics to
//! match, the priors of the calibrated parameters and the settings of each method.

use super::Scenario;
use super::parameters;
use super::prior::{Prior, PriorKind};
use crate::data::matrix::MatrixCodes;
use crate::limits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Calibration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Approximate Bayesian computation by sequential Monte Carlo (population Monte Carlo).
    Abc,
    /// Simulated method of moments (Robbins-Monro, as RSiena).
    Smm,
}

impl Method {
    /// Name used in outputs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::Abc => "abc",
            Method::Smm => "smm",
        }
    }
}

/// Which organisations count as present in an observed wave given as a ties CSV file (a
/// GraphML wave file lists its organisations as nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedOrganisations {
    /// The organisations named by at least one tie of the wave (isolates are not observed).
    Tied,
    /// Every organisation of the data set (a panel without composition change, like s50).
    All,
}

/// How the ABC distance scales each statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Median absolute deviation of the prior-predictive statistics (times 1.4826, so that it
    /// estimates the sd of normal data); falls back to the sd where the MAD is 0.
    Mad,
    /// Standard deviation of the prior-predictive statistics.
    Sd,
}

/// One calibrated parameter: its key in the scenario and its prior
/// (`[[calibration.parameters]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// Dotted key of a numeric scenario parameter (`formation.closure`,
    /// `dissolution.base.post`); a per-phase key without a phase (`formation.base`) sets all
    /// three phases to one value.
    pub key: String,
    /// Prior family: `uniform`, `normal`, `log_normal` or `beta`.
    pub prior: PriorKind,
    /// Lower bound (uniform; beta, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound (uniform; beta, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Mean (normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation (normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Mean of the logarithm (log-normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meanlog: Option<f64>,
    /// Standard deviation of the logarithm (log-normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdlog: Option<f64>,
    /// First shape (beta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Second shape (beta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Starting value of the method of moments (default: the scenario's value, moved inside
    /// the prior's support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// Finite-difference step of the method of moments' derivative for this parameter, on
    /// its own scale (default `calibration.smm.difference` times the prior's standard
    /// deviation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<f64>,
}

impl ParameterSpec {
    /// The parameter at `key` with a uniform prior on `[min, max]`, nothing else set.
    pub fn uniform(key: &str, min: f64, max: f64) -> ParameterSpec {
        ParameterSpec {
            key: key.to_string(),
            prior: PriorKind::Uniform,
            min: Some(min),
            max: Some(max),
            mean: None,
            sd: None,
            meanlog: None,
            sdlog: None,
            alpha: None,
            beta: None,
            start: None,
            difference: None,
        }
    }

    /// The prior, checked; the error is (field, message).
    pub fn prior(&self) -> Result<Prior, (&'static str, String)> {
        Prior::new(
            self.prior,
            self.min,
            self.max,
            self.mean,
            self.sd,
            self.meanlog,
            self.sdlog,
            self.alpha,
            self.beta,
        )
    }
}

/// Settings of ABC-SMC (`[calibration.abc]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AbcSettings {
    /// Particles per generation (default 500).
    pub particles: usize,
    /// Each generation's tolerance is this quantile of the previous generation's distances
    /// (default 0.5).
    pub quantile: f64,
    /// The perturbation kernel is Gaussian with this multiple of the previous generation's
    /// weighted covariance (default 2, Beaumont et al. 2009).
    pub kernel_scale: f64,
    /// How statistics are scaled in the distance (default `mad`).
    pub scale: Scale,
    /// Stop after this many generations after the prior sample (default 12).
    pub max_generations: usize,
    /// Stop once the tolerance is at or below this distance (default 0: not used).
    pub min_tolerance: f64,
    /// Stop after a generation whose acceptance rate (accepted / proposals) falls below this
    /// (default 0.01).
    pub min_acceptance: f64,
    /// Budget of simulations over the whole calibration, prior sample included (default
    /// 100,000); a generation that cannot finish within it is dropped.
    pub max_simulations: u64,
}

impl Default for AbcSettings {
    fn default() -> Self {
        AbcSettings {
            particles: 500,
            quantile: 0.5,
            kernel_scale: 2.0,
            scale: Scale::Mad,
            max_generations: 12,
            min_tolerance: 0.0,
            min_acceptance: 0.01,
            max_simulations: 100_000,
        }
    }
}

/// Settings of the simulated method of moments (`[calibration.smm]`), named after RSiena's
/// `sienaAlgorithmCreate` arguments where one exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmmSettings {
    /// Phase 1 runs for the derivative matrix (0: `20 + 20p` for p parameters; default 0).
    /// Each run simulates `2p + 1` times (central differences with common random numbers).
    pub phase1: usize,
    /// Number of phase 2 subphases (RSiena `nsub`, default 4).
    pub subphases: usize,
    /// Initial gain of phase 2 (RSiena `firstg`, default 0.2); halved in each subphase.
    pub gain: f64,
    /// Weight of the diagonal in the phase 2 update matrix (RSiena `diagonalize`, default 0.2).
    pub diagonalize: f64,
    /// Simulations per phase 2 iteration, averaged (default 4; RSiena uses 1, but its score
    /// derivatives are less noisy than finite differences, and four simulations run in
    /// parallel).
    pub phase2_simulations: usize,
    /// Phase 3 simulations for the convergence check and standard errors (default 1000, RSiena's
    /// `n3`: a t-ratio from `n` runs has a standard error of about `1 / sqrt(n)`, 0.045 with
    /// 500 runs, so that even an exact root would fail the `|t| <= 0.1` rule on one moment in
    /// about 4% of fits).
    pub phase3: usize,
    /// Runs whose finite differences estimate the derivative for the standard errors of a
    /// converged fit, at most `phase3` (default 0: phase 1's number). Phase 3 estimates the
    /// derivative on phase 1's number of runs, enough for the convergence check and the
    /// Newton steps but leaving the standard errors noisy; a converged round adds `se_runs`
    /// minus that many runs (each `2p + 1` simulations). docs/calibration.md, "Honest
    /// standard errors", has what 1000 changes.
    pub se_runs: usize,
    /// Finite-difference step of the derivative, as a fraction of each parameter's prior
    /// standard deviation (default 0.25); a parameter's own `difference` overrides it.
    pub difference: f64,
    /// Largest change of any parameter in one update (default 1; RSiena truncates steps
    /// likewise).
    pub max_step: f64,
    /// Most rounds of phases 2 and 3: a round that does not converge is followed by another
    /// from its estimate (default 3).
    pub rounds: usize,
    /// Statistics matched wave by wave instead of summed over the waves (default none): each
    /// of their waves is a moment of its own, so that period-specific parameters
    /// (`<process>.period_offset.<k>`) are informed by their period's waves.
    pub per_wave: Vec<String>,
    /// Waves of a `per_wave` statistic matched together, summed into one moment (default
    /// none): `wave_groups = { transitivity = [[3, 4, 5]] }` makes the transitivity of waves 3
    /// to 5 one moment, for a parameter shared by the periods that end there
    /// (`dissolution.effect_period_offset.embedded.2-4`); the statistic's other waves stay a
    /// moment each.
    pub wave_groups: BTreeMap<String, Vec<Vec<usize>>>,
    /// Prior draws simulated once each before phase 1 to choose where the fit starts
    /// (default 200; 0: start at the parameters' start values). The start is a local-linear
    /// regression of the parameters on the moments of the draws nearest the observed ones,
    /// predicted at the observed moments (docs/calibration.md, "Starts").
    pub pilot: usize,
    /// Most starts (default 3): a fit from one start that does not converge is followed by a
    /// fit from the next (the pilot's regression, its nearest draw, the start values); the
    /// first that converges is kept, or else the one nearest convergence.
    pub starts: usize,
    /// How far beyond a bounded prior's support the method of moments may search, as a
    /// multiple of the support's width on each side (default 1; 0 keeps the search inside the
    /// prior), wherever the parameter's valid range allows: a data set's moment equations may
    /// have their root just outside the prior box, where a search held inside it cannot
    /// converge.
    pub widen: f64,
    /// Most rounds run after the last start, each from the best round of all starts so far
    /// (default 8): RSiena's advice to run again from the estimates, made automatic. A
    /// continuation takes a Newton step from that estimate with its phase 3 mean moments and
    /// derivative, damped along ridges (and halved each time a round from the same estimate
    /// did not improve on it), then phase 3 at once. The continuations stop early after two in
    /// a row that did not improve on the best round.
    pub continuations: usize,
    /// How the intervals of a converged fit are computed (default `profile`): `profile`,
    /// profile intervals of a quadratic surrogate of the moments simulated around the
    /// estimate, which follow a curved ridge (`src/calibrate/smm_intervals.rs`,
    /// docs/calibration.md, "Intervals"); `wald`, the delta method's `estimate -+ z se`, whose
    /// 95% intervals cover less than 95% along a curved ridge.
    pub intervals: Intervals,
    /// Points of the cloud simulated around the estimate for profile intervals (default 300;
    /// at least twice the quadratic surrogate's `(p + 1)(p + 2) / 2` coefficients).
    pub profile_points: usize,
    /// Simulations at each cloud point, with common random numbers (default 2).
    pub profile_runs: usize,
    /// Radius of the cloud in standard errors of the delta method, in its whitened
    /// coordinates (default 4).
    pub profile_radius: f64,
    /// Most further clouds simulated on each side of each parameter's profile where the
    /// minimum over the other parameters leaves the surrogate's trusted region along a ridge
    /// (default 3, at most 64; 0 takes the profile as flat from the first edge): each costs
    /// `profile_points x profile_runs` simulations.
    pub profile_extensions: usize,
    /// Match more moments than parameters (default false: there must be as many): the
    /// moments are combined into as many as parameters by the weights `D' Sigma^-1` estimated
    /// at the first start (the generalised method of moments; `src/calibrate/smm_combine.rs`,
    /// docs/calibration.md, "More moments than parameters").
    pub combine: bool,
    /// Most parameters the fit may hold fixed, one after another, when it does not converge and
    /// the moments do not identify a combination of its parameters (default 2; 0 turns the
    /// fallback off): the fit goes on without one of the combination's parameters, held at its
    /// estimate on the ridge (docs/calibration.md, "Holding a parameter on a ridge").
    #[serde(skip_serializing_if = "is_default_hold")]
    pub hold: usize,
}

/// The default of [`SmmSettings::hold`].
pub const DEFAULT_HOLD: usize = 2;

/// Most [`SmmSettings::hold`]: each held parameter may cost a fit per candidate.
pub const MAX_HOLD: usize = 8;

/// Whether `hold` is the default (left out of a written scenario, which so stays as before).
fn is_default_hold(hold: &usize) -> bool {
    *hold == DEFAULT_HOLD
}

/// Most `profile_extensions`: the numbers of the extension clouds leave room for this many per
/// side of each parameter.
pub const MAX_PROFILE_EXTENSIONS: usize = 64;

/// How the method of moments computes the intervals of a converged fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intervals {
    /// The delta method: `estimate -+ z se`, symmetric.
    Wald,
    /// Profile intervals of a simulated quadratic surrogate of the moments.
    Profile,
}

impl Intervals {
    /// Name in scenarios and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Intervals::Wald => "wald",
            Intervals::Profile => "profile",
        }
    }
}

impl Default for SmmSettings {
    fn default() -> Self {
        SmmSettings {
            phase1: 0,
            subphases: 4,
            gain: 0.2,
            diagonalize: 0.2,
            phase2_simulations: 4,
            phase3: 1000,
            se_runs: 0,
            difference: 0.25,
            max_step: 1.0,
            rounds: 3,
            per_wave: Vec::new(),
            wave_groups: BTreeMap::new(),
            pilot: 200,
            starts: 3,
            widen: 1.0,
            continuations: 8,
            intervals: Intervals::Profile,
            profile_points: 300,
            profile_runs: 2,
            profile_radius: 4.0,
            profile_extensions: 3,
            combine: false,
            hold: DEFAULT_HOLD,
        }
    }
}

/// The `[calibration]` section of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalibrationSpec {
    /// Default method (`abc` or `smm`; the command line's `--method` overrides it).
    pub method: Method,
    /// Observed wave networks, one file per wave in wave order (wave 1 first): ties CSV
    /// (`from,to[,trust]`) or GraphML, organisations matched to the data set by id.
    pub observed: Vec<PathBuf>,
    /// Organisations present in a CSV wave file (default `tied`).
    pub observed_organisations: ObservedOrganisations,
    /// Read the wave files as directed nominations and merge reversed pairs (default false).
    pub symmetrise: bool,
    /// Codes and dichotomisation of adjacency-matrix wave files (`.dat`, `.txt`; RSiena's
    /// form): missing and structural-zero codes, and which values are ties.
    pub matrix: MatrixCodes,
    /// Statistics matched on the observed waves, by name (`docs/statistics.md`, plus
    /// `tie_covariate_similarity`); each is matched at every wave in `waves`, or at wave `k`
    /// only when written `name@k`.
    pub statistics: Vec<String>,
    /// Observed waves matched, 1-based (default: every observed wave).
    pub waves: Vec<usize>,
    /// Also match the scenario's `[[targets]]` and `[[patterns]]` (default true).
    pub use_targets: bool,
    /// The calibrated parameters and their priors.
    pub parameters: Vec<ParameterSpec>,
    /// Simulations for the posterior predictive checks (default 200).
    pub predictive_draws: usize,
    /// ABC-SMC settings.
    pub abc: AbcSettings,
    /// Method-of-moments settings.
    pub smm: SmmSettings,
}

impl Default for CalibrationSpec {
    fn default() -> Self {
        CalibrationSpec {
            method: Method::Abc,
            observed: Vec::new(),
            observed_organisations: ObservedOrganisations::Tied,
            symmetrise: false,
            matrix: MatrixCodes::default(),
            statistics: Vec::new(),
            waves: Vec::new(),
            use_targets: true,
            parameters: Vec::new(),
            predictive_draws: 200,
            abc: AbcSettings::default(),
            smm: SmmSettings::default(),
        }
    }
}

/// Range checks of the `[calibration]` section, as (key path, message); called by scenario
/// validation.
pub fn check(c: &CalibrationSpec, waves_in_timeline: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    check_parameters(&mut out, c);
    check_waves(&mut out, c, waves_in_timeline);
    check_abc(&mut out, c);
    check_limits(&mut out, c);
    check_smm(&mut out, c);
    check_matrix(&mut out, &c.matrix);
    out
}

/// The fewest `calibration.smm.profile_points` that profile intervals accept for `p`
/// calibrated parameters: twice the coefficients of the quadratic surrogate in `p` variables.
pub fn profile_points_needed(p: usize) -> usize {
    2 * (1 + p + p * (p + 1) / 2)
}

/// The settings of profile intervals: at least one run per cloud point and a positive radius
/// always (a bad value is an error even while the intervals are `wald`), and, for profile
/// intervals, enough cloud points for the quadratic surrogate.
fn check_profile(put: &mut impl FnMut(String, String), c: &CalibrationSpec) {
    let s = &c.smm;
    let p = c.parameters.len();
    let need = profile_points_needed(p);
    if s.intervals == Intervals::Profile && s.profile_points < need {
        put(
            "calibration.smm.profile_points".into(),
            format!(
                "must be at least {need} for {p} parameters (twice the quadratic surrogate's \
                 coefficients), got {}",
                s.profile_points
            ),
        );
    }
    if s.profile_runs == 0 {
        put(
            "calibration.smm.profile_runs".into(),
            "must be at least 1".into(),
        );
    }
    let most = MAX_PROFILE_EXTENSIONS;
    if s.profile_extensions > most {
        put(
            "calibration.smm.profile_extensions".into(),
            format!("must be at most {most}, got {}", s.profile_extensions),
        );
    }
    if !(s.profile_radius.is_finite() && s.profile_radius > 0.0) {
        put(
            "calibration.smm.profile_radius".into(),
            format!("must be a finite number > 0, got {}", s.profile_radius),
        );
    }
}

/// The matrix codes: finite, and no value both missing and structural.
fn check_matrix(out: &mut Problems, m: &MatrixCodes) {
    let key = |f: &str| format!("calibration.matrix.{f}");
    if !m.tie_threshold.is_finite() {
        out.push((key("tie_threshold"), "must be a finite number".into()));
    }
    for (f, values) in [
        ("missing", &m.missing),
        ("structural", &m.structural),
        ("tie_values", &m.tie_values),
    ] {
        if values.iter().any(|v| !v.is_finite()) {
            out.push((key(f), "values must be finite numbers".into()));
        }
    }
    if let Some(v) = m.missing.iter().find(|v| m.structural.contains(v)) {
        out.push((
            key("structural"),
            format!("{v} is also a missing code: a value is one or the other"),
        ));
    }
}

/// Problems found, as (key path, message).
type Problems = Vec<(String, String)>;

/// The calibrated parameters: known keys, each slot once, valid priors and starts.
fn check_parameters(out: &mut Problems, c: &CalibrationSpec) {
    let mut put = |k: String, m: String| out.push((k, m));
    let mut seen = std::collections::HashSet::new();
    for (k, p) in c.parameters.iter().enumerate() {
        let key = format!("calibration.parameters[{k}]");
        if !parameters::is_known(&p.key) {
            put(
                format!("{key}.key"),
                format!(
                    "`{}` is not a numeric model parameter (see `wecare defaults`; e.g. \
                     `formation.closure`, `dissolution.base.post`, `formation.base`)",
                    p.key
                ),
            );
        }
        for slot in parameters::slots(&p.key) {
            if !seen.insert(slot.clone()) {
                put(
                    format!("{key}.key"),
                    format!("`{slot}` is calibrated twice"),
                );
            }
        }
        match p.prior() {
            Err((field, m)) => put(format!("{key}.{field}"), m),
            Ok(prior) => {
                if let Some(s) = p.start
                    && !prior.contains(s)
                {
                    put(
                        format!("{key}.start"),
                        format!("{s} is outside the prior's support"),
                    );
                }
            }
        }
        if let Some(d) = p.difference
            && !(d.is_finite() && d > 0.0)
        {
            put(
                format!("{key}.difference"),
                format!("must be a finite number > 0, got {d}"),
            );
        }
    }
}

/// The calibration waves and observed wave files against the timeline.
fn check_waves(out: &mut Problems, c: &CalibrationSpec, waves_in_timeline: usize) {
    let mut put = |k: String, m: String| out.push((k, m));
    for (k, &w) in c.waves.iter().enumerate() {
        if w == 0 || w > waves_in_timeline {
            put(
                format!("calibration.waves[{k}]"),
                format!(
                    "wave {w} does not exist (the timeline has {waves_in_timeline} waves, numbered from 1)"
                ),
            );
        }
    }
    for (k, p) in c.parameters.iter().enumerate() {
        if let Some(period) = offset_period(&p.key)
            && period + 1 > waves_in_timeline
        {
            put(
                format!("calibration.parameters[{k}].key"),
                format!(
                    "`{}` acts in period {period}, from wave {period} to wave {}, but the \
                     timeline has {waves_in_timeline} waves, so no observed wave shows it: \
                     remove this parameter (a panel of W waves has periods 1 to W - 1)",
                    p.key,
                    period + 1
                ),
            );
        }
    }
    if c.observed.len() > waves_in_timeline {
        put(
            "calibration.observed".into(),
            format!(
                "{} wave files for a timeline of {waves_in_timeline} waves",
                c.observed.len()
            ),
        );
    }
}

/// The last period a calibrated period offset acts in (`formation.period_offset.2`,
/// `dissolution.effect_period_offset.embedded.2`: 2; a shared offset
/// `dissolution.effect_period_offset.embedded.2-4`: 4), `None` for other keys.
fn offset_period(key: &str) -> Option<usize> {
    parameters::slots(key)
        .iter()
        .filter_map(|slot| {
            let (head, k) = slot.rsplit_once('.')?;
            (head.ends_with(".period_offset") || head.contains(".effect_period_offset."))
                .then(|| k.parse().ok())
                .flatten()
        })
        .max()
}

/// `calibration.smm.wave_groups`: groups of a `per_wave` statistic, each of one wave or more,
/// no wave in two groups.
fn check_wave_groups(put: &mut impl FnMut(String, String), s: &SmmSettings) {
    for (name, groups) in &s.wave_groups {
        let key = format!("calibration.smm.wave_groups.{name}");
        if !s.per_wave.contains(name) {
            put(
                key.clone(),
                format!(
                    "`{name}` is not in calibration.smm.per_wave: only a statistic matched wave by wave has groups of waves"
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (g, waves) in groups.iter().enumerate() {
            if waves.is_empty() {
                put(
                    format!("{key}[{g}]"),
                    "a group has at least one wave".into(),
                );
            }
            for w in waves {
                if !seen.insert(*w) {
                    put(format!("{key}[{g}]"), format!("wave {w} is in two groups"));
                }
            }
        }
    }
}

/// The ABC-SMC settings.
fn check_abc(out: &mut Problems, c: &CalibrationSpec) {
    let mut put = |k: String, m: String| out.push((k, m));
    let a = &c.abc;
    if a.particles < 2 {
        put(
            "calibration.abc.particles".into(),
            "must be at least 2".into(),
        );
    }
    if !(a.quantile > 0.0 && a.quantile < 1.0) {
        put(
            "calibration.abc.quantile".into(),
            format!("must lie strictly between 0 and 1, got {}", a.quantile),
        );
    }
    if !(a.kernel_scale.is_finite() && a.kernel_scale > 0.0) {
        put(
            "calibration.abc.kernel_scale".into(),
            format!("must be a finite number > 0, got {}", a.kernel_scale),
        );
    }
    if !(a.min_tolerance.is_finite() && a.min_tolerance >= 0.0) {
        put(
            "calibration.abc.min_tolerance".into(),
            format!("must be a finite number >= 0, got {}", a.min_tolerance),
        );
    }
    if !(0.0..1.0).contains(&a.min_acceptance) {
        put(
            "calibration.abc.min_acceptance".into(),
            format!("must lie in [0, 1), got {}", a.min_acceptance),
        );
    }
}

/// The simulation and iteration budgets within the size limits of user input.
fn check_limits(out: &mut Problems, c: &CalibrationSpec) {
    let mut put = |k: String, m: String| out.push((k, m));
    let a = &c.abc;
    let s = &c.smm;
    for (key, v, limit) in [
        (
            "calibration.abc.particles",
            a.particles as u64,
            limits::PARTICLES,
        ),
        (
            "calibration.abc.max_generations",
            a.max_generations as u64,
            limits::ITERATIONS,
        ),
        (
            "calibration.abc.max_simulations",
            a.max_simulations,
            limits::SIMULATIONS,
        ),
        (
            "calibration.predictive_draws",
            c.predictive_draws as u64,
            limits::SIMULATIONS,
        ),
        (
            "calibration.smm.phase1",
            s.phase1 as u64,
            limits::SIMULATIONS,
        ),
        (
            "calibration.smm.phase3",
            s.phase3 as u64,
            limits::SIMULATIONS,
        ),
        (
            "calibration.smm.se_runs",
            s.se_runs as u64,
            limits::SIMULATIONS,
        ),
        (
            "calibration.smm.phase2_simulations",
            s.phase2_simulations as u64,
            limits::SIMULATIONS,
        ),
        (
            "calibration.smm.subphases",
            s.subphases as u64,
            limits::ITERATIONS,
        ),
        (
            "calibration.smm.rounds",
            s.rounds as u64,
            limits::ITERATIONS,
        ),
        ("calibration.smm.pilot", s.pilot as u64, limits::SIMULATIONS),
        (
            "calibration.smm.starts",
            s.starts as u64,
            limits::ITERATIONS,
        ),
        (
            "calibration.smm.continuations",
            s.continuations as u64,
            limits::ITERATIONS,
        ),
    ] {
        if let Some(m) = limits::exceeds(v, limit) {
            put(key.into(), m);
        }
    }
}

/// Every statistic matched wave by wave must be a matched statistic.
fn check_per_wave(put: &mut impl FnMut(String, String), c: &CalibrationSpec) {
    for (k, name) in c.smm.per_wave.iter().enumerate() {
        let matched = c
            .statistics
            .iter()
            .any(|st| st.split('@').next() == Some(name.as_str()));
        if !matched {
            put(
                format!("calibration.smm.per_wave[{k}]"),
                format!(
                    "`{name}` is not among the matched statistics (calibration.statistics: {})",
                    c.statistics.join(", ")
                ),
            );
        }
    }
}

/// The method of moments' settings.
fn check_smm(out: &mut Problems, c: &CalibrationSpec) {
    let mut put = |k: String, m: String| out.push((k, m));
    let s = &c.smm;
    if s.subphases == 0 {
        put(
            "calibration.smm.subphases".into(),
            "must be at least 1".into(),
        );
    }
    if s.rounds == 0 {
        put("calibration.smm.rounds".into(), "must be at least 1".into());
    }
    if !(s.widen.is_finite() && s.widen >= 0.0) {
        put(
            "calibration.smm.widen".into(),
            format!("must be a finite number >= 0, got {}", s.widen),
        );
    }
    if s.starts == 0 {
        put("calibration.smm.starts".into(), "must be at least 1".into());
    }
    if s.hold > MAX_HOLD {
        put(
            "calibration.smm.hold".into(),
            format!(
                "must be at most {MAX_HOLD} (0 turns holding a parameter on a ridge off), got {}",
                s.hold
            ),
        );
    }
    if s.pilot != 0 && s.pilot < 20 {
        put(
            "calibration.smm.pilot".into(),
            format!("must be 0 (no pilot) or at least 20, got {}", s.pilot),
        );
    }
    check_per_wave(&mut put, c);
    check_wave_groups(&mut put, s);
    if s.phase3 < 10 {
        put(
            "calibration.smm.phase3".into(),
            "must be at least 10".into(),
        );
    }
    check_profile(&mut put, c);
    if s.phase2_simulations == 0 {
        put(
            "calibration.smm.phase2_simulations".into(),
            "must be at least 1".into(),
        );
    }
    for (name, v) in [
        ("gain", s.gain),
        ("difference", s.difference),
        ("max_step", s.max_step),
    ] {
        if !(v.is_finite() && v > 0.0) {
            put(
                format!("calibration.smm.{name}"),
                format!("must be a finite number > 0, got {v}"),
            );
        }
    }
    if !(0.0..=1.0).contains(&s.diagonalize) {
        put(
            "calibration.smm.diagonalize".into(),
            format!("must lie in [0, 1], got {}", s.diagonalize),
        );
    }
}

// Calibration priors must stay inside the valid range of the parameter they calibrate.
//
// A prior whose support reaches outside the range that validation accepts for its parameter
// (a `uniform(-5, -1)` on a rate, a `normal` on a probability) is an error, found when the
// scenario is loaded. With every prior inside the valid range, ABC-SMC proposals (which are
// rejected outside the prior's support) and method-of-moments estimates (clamped to it) stay
// in the valid space of the scenario.

/// The points of a prior's support to test: its ends, or values standing for them where the
/// support is unbounded (the valid ranges of parameters are intervals).
fn probes(p: &Prior) -> Vec<(f64, &'static str)> {
    match *p {
        Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => {
            vec![(min, "min"), (max, "max")]
        }
        Prior::Normal { .. } => vec![(-1e300, "prior"), (1e300, "prior")],
        Prior::LogNormal { .. } => vec![(f64::MIN_POSITIVE, "prior"), (1e300, "prior")],
    }
}

/// The first problem validation (`check`) finds with the parameter `key` of scenario `base`
/// (without its calibration and sweep sections) set to `x`, as (key path, message).
fn probe(
    base: &Scenario,
    key: &str,
    x: f64,
    check: fn(&Scenario) -> Vec<(String, String)>,
) -> Option<(String, String)> {
    let slots = parameters::slots(key);
    let mut params = base.params();
    parameters::set(&mut params, key, x);
    let mut probe = base.clone();
    probe.set_params(params);
    check(&probe).into_iter().find(|(k, _)| {
        slots
            .iter()
            .any(|sl| k == sl || sl.starts_with(&format!("{k}.")))
    })
}

/// Whether the parameter `key` of scenario `s` may take the value `x`: validation finds no
/// problem with it there. The method of moments searches beyond a prior's bounds only where
/// this holds (the valid ranges of parameters are intervals).
pub fn valid_value(s: &Scenario, key: &str, x: f64) -> bool {
    let mut base = s.clone();
    base.calibration = Default::default();
    base.sweep = None;
    parameters::is_known(key) && probe(&base, key, x, super::validate::check).is_none()
}

/// Problems (key path, message) of calibration priors that reach outside their parameter's
/// valid range; `check` is the scenario's own validation.
pub(crate) fn check_priors(
    s: &Scenario,
    check: fn(&Scenario) -> Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // The probed scenarios are checked without their calibration and sweep sections: only the
    // parameter values change.
    let mut base = s.clone();
    base.calibration = Default::default();
    base.sweep = None;
    for (k, spec) in s.calibration.parameters.iter().enumerate() {
        if !parameters::is_known(&spec.key) {
            continue;
        }
        let Ok(prior) = spec.prior() else { continue };
        for (x, field) in probes(&prior) {
            let found = probe(&base, &spec.key, x, check);
            if let Some((key, m)) = found {
                let unbounded = matches!(prior, Prior::Normal { .. } | Prior::LogNormal { .. });
                out.push((
                    format!("calibration.parameters[{k}].{field}"),
                    format!(
                        "the prior {} reaches {x}{}, where `{key}` {m}; choose a prior whose \
                         support lies inside the parameter's valid range{}",
                        prior.describe(),
                        if unbounded {
                            " (its support is unbounded)"
                        } else {
                            ""
                        },
                        if unbounded {
                            " (a uniform or beta prior)"
                        } else {
                            ""
                        },
                    ),
                ));
                break;
            }
        }
    }
    out
}
