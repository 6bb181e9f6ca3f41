//! The `[sweep]` section of a scenario: the swept parameters, their grid values and the
//! ranges that Morris screening and Sobol indices explore, and the outcomes to report.
//!
//! ```toml
//! [sweep]
//! outputs = ["initiative_share@3", "ties@3"]   # statistic@wave; default: the lasting outcomes
//! replicates = 10                              # replicates per parameter point
//!
//! [[sweep.parameters]]
//! key = "formation.memory"        # any numeric parameter, by its dotted key
//! values = [1.0, 2.0, 3.0, 4.0]   # grid values (wecare sweep)
//! range = [1.0, 5.0]              # range explored by wecare sensitivity
//! ```

use super::Scenario;
use super::effect;
use super::outcome::{Key, lasting_outcomes, parse_keys};
use crate::limits;
use serde::{Deserialize, Serialize};

/// Most points of a Sobol design's base sample: the length of the quasi-random Sobol sequence
/// the design draws from (`experiment::sensitivity::sobol_design`).
pub const SOBOL_MAX_SAMPLES: usize = 1 << 16;

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepParameter {
    /// Dotted key of a numeric scenario parameter, e.g. `formation.memory`,
    /// `dissolution.base.post`.
    pub key: String,
    /// Values of the grid (`wecare sweep`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
    /// `[min, max]` explored by `wecare sensitivity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

/// Morris screening settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MorrisSettings {
    /// Trajectories (default 20); each costs (parameters + 1) points.
    pub trajectories: usize,
    /// Grid levels per parameter (default 4; even).
    pub levels: usize,
}

impl Default for MorrisSettings {
    fn default() -> Self {
        MorrisSettings {
            trajectories: 20,
            levels: 4,
        }
    }
}

/// Sobol index settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SobolSettings {
    /// Base sample size N (default 256); the design has N (parameters + 2) points.
    pub samples: usize,
}

impl Default for SobolSettings {
    fn default() -> Self {
        SobolSettings { samples: 256 }
    }
}

/// The `[sweep]` section of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sweep {
    /// Outcomes, `statistic@wave`; empty: the lasting outcomes at the last wave.
    pub outputs: Vec<String>,
    /// Replicates per parameter point (default 10); replicate k of every point uses the
    /// streams of (master seed, k).
    pub replicates: u64,
    /// Bootstrap resamples of the sensitivity intervals (default 1000).
    pub bootstrap: usize,
    /// The parameters.
    pub parameters: Vec<SweepParameter>,
    /// Morris settings.
    pub morris: MorrisSettings,
    /// Sobol settings.
    pub sobol: SobolSettings,
}

impl Default for Sweep {
    fn default() -> Self {
        Sweep {
            outputs: Vec::new(),
            replicates: 10,
            bootstrap: 1000,
            parameters: Vec::new(),
            morris: MorrisSettings::default(),
            sobol: SobolSettings::default(),
        }
    }
}

impl Sweep {
    /// The outcomes, `outputs` or by default the lasting outcomes at `last_wave`.
    pub fn keys(&self, last_wave: usize) -> Vec<Key> {
        match parse_keys(&self.outputs) {
            Ok(k) if !k.is_empty() => k,
            _ => lasting_outcomes(last_wave),
        }
    }
}

/// Problems with a scenario's `[sweep]` section, as (key path, message).
pub(crate) fn check(s: &Scenario) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(sw) = &s.sweep else { return out };
    for (k, o) in sw.outputs.iter().enumerate() {
        if let Err(e) = o.parse::<Key>() {
            out.push((format!("sweep.outputs[{k}]"), e));
        } else if let Ok(key) = o.parse::<Key>()
            && key.wave > s.timeline.waves.len()
        {
            out.push((
                format!("sweep.outputs[{k}]"),
                format!(
                    "wave {} does not exist (the timeline has {} waves)",
                    key.wave,
                    s.timeline.waves.len()
                ),
            ));
        }
    }
    if sw.replicates == 0 {
        out.push(("sweep.replicates".into(), "must be at least 1".into()));
    }
    if sw.morris.trajectories < 2 {
        out.push((
            "sweep.morris.trajectories".into(),
            "must be at least 2".into(),
        ));
    }
    if sw.morris.levels < 2 || sw.morris.levels % 2 != 0 {
        out.push((
            "sweep.morris.levels".into(),
            format!("must be an even number >= 2, got {}", sw.morris.levels),
        ));
    }
    if sw.sobol.samples < 4 {
        out.push(("sweep.sobol.samples".into(), "must be at least 4".into()));
    }
    if sw.sobol.samples > SOBOL_MAX_SAMPLES {
        out.push((
            "sweep.sobol.samples".into(),
            format!(
                "must be at most {SOBOL_MAX_SAMPLES} (the Sobol sequence's length), got {}",
                sw.sobol.samples
            ),
        ));
    }
    if sw.bootstrap == 0 {
        out.push((
            "sweep.bootstrap".into(),
            "must be at least 1 (the sensitivity intervals are bootstrap percentiles)".into(),
        ));
    }
    for (key, v, limit) in [
        ("sweep.replicates", sw.replicates, limits::REPLICATES),
        ("sweep.bootstrap", sw.bootstrap as u64, limits::SIMULATIONS),
        (
            "sweep.morris.trajectories",
            sw.morris.trajectories as u64,
            limits::SIMULATIONS,
        ),
        (
            "sweep.morris.levels",
            sw.morris.levels as u64,
            limits::ITERATIONS,
        ),
        (
            "sweep.sobol.samples",
            sw.sobol.samples as u64,
            limits::SIMULATIONS,
        ),
    ] {
        if let Some(m) = limits::exceeds(v, limit) {
            out.push((key.into(), m));
        }
    }
    check_parameters(&mut out, s, sw);
    check_grid(&mut out, sw);
    out
}

/// The grid of `wecare sweep`: at most [`limits::GRID_VALUES`] values per parameter, and its
/// points times the replicates at most [`limits::SIMULATIONS`] (multiplied without overflow).
fn check_grid(out: &mut Vec<(String, String)>, sw: &Sweep) {
    let mut points: u64 = 1;
    for (k, p) in sw.parameters.iter().enumerate() {
        let n = p.values.len() as u64;
        if let Some(m) = limits::exceeds(n, limits::GRID_VALUES) {
            out.push((format!("sweep.parameters[{k}].values"), m));
        }
        points = points.saturating_mul(n.max(1));
    }
    let sims = points.saturating_mul(sw.replicates);
    if sims > limits::SIMULATIONS {
        out.push((
            "sweep.parameters".into(),
            format!(
                "the grid has {points} points x {} replicates, above the limit of {} simulations (see docs/errors.md, \"Limits\")",
                sw.replicates,
                limits::SIMULATIONS
            ),
        ));
    }
}

/// Problems with the `[[sweep.parameters]]`: numeric scenario keys that may be swept, finite
/// values, valid ranges, and each with values or a range.
fn check_parameters(out: &mut Vec<(String, String)>, s: &Scenario, sw: &Sweep) {
    let value = toml::Value::try_from(s).ok();
    for (k, p) in sw.parameters.iter().enumerate() {
        let at = |f: &str| format!("sweep.parameters[{k}].{f}");
        match value.as_ref().map(|v| slot_kind(v, &p.key)) {
            Some(Some(_)) => {}
            _ => out.push((
                at("key"),
                format!("`{}` is not a numeric parameter of the scenario", p.key),
            )),
        }
        if p.key.starts_with("sweep.") || p.key.starts_with("montecarlo.") {
            out.push((at("key"), format!("`{}` cannot be swept", p.key)));
        }
        for (j, v) in p.values.iter().enumerate() {
            if !v.is_finite() {
                out.push((
                    format!("sweep.parameters[{k}].values[{j}]"),
                    format!("must be finite, got {v}"),
                ));
            }
        }
        if let Some([lo, hi]) = p.range
            && !(lo.is_finite() && hi.is_finite() && lo < hi)
        {
            out.push((
                at("range"),
                format!("must be [min, max] with min < max, got [{lo}, {hi}]"),
            ));
        }
        if p.values.is_empty() && p.range.is_none() {
            out.push((
                at("key"),
                "give `values` (a grid), `range` (sensitivity) or both".into(),
            ));
        }
    }
}

/// Whether the slot at a dotted key holds an integer (`Some(true)`), a float
/// (`Some(false)`), or is not a number (`None`).
fn slot_kind(v: &toml::Value, key: &str) -> Option<bool> {
    let mut cur = v;
    for part in effect::scenario_key(key).split('.') {
        cur = cur.get(part)?;
    }
    match cur {
        toml::Value::Integer(_) => Some(true),
        toml::Value::Float(_) => Some(false),
        _ => None,
    }
}
