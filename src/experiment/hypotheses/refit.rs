//! Re-fitting before judging: a model with a feedback coefficient set to 0 is compared with the
//! full model only after its intercepts have been calibrated by ABC-SMC (the library's
//! [`crate::calibrate`] API) to the same targets, and it is judged on its posterior predictive
//! distribution. Two kinds of ablation are kept apart:
//!
//! - **channel removed**: the coefficient is 0 and only the intercepts the observed targets
//!   inform are re-fitted (the scenario's `[[calibration.parameters]]`, or `initiative.base`
//!   when it has none);
//! - **level kept**: in addition, the intercepts of the process the coefficient belongs to are
//!   re-fitted so that the process's marginal rates (for example the adoption shares at waves
//!   2 and 3) match those the full model predicts: the channel's dependence on its statistic
//!   goes, its average level stays.
//!
//! Mechanisms are then compared by ABC model choice: every model (full and re-fitted
//! variants, with the same priors on their free intercepts) is simulated from its prior, and
//! the posterior probability of a model is its share of the simulations closest to the
//! observed targets among those that show the directional claims of the observed pattern
//! (rejection ABC with a model index, Grelaud et al. 2009), with a Monte Carlo standard error
//! from independent batches.

use super::Options;
use super::mechanisms::{ClaimKind, PATTERN, claim_values, pattern_keys};
use crate::calibrate::spec::{AbcSettings, CalibrationSpec, ParameterSpec};
use crate::calibrate::{AbcSmc, Estimate, Executor, Problem, summary};
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::experiment::outcome::{Key, KeyIndex, OutcomeTable, observe, run_replicate};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::table::Table;
use crate::model::{Model, Params, rng};
use crate::scenario::{Scenario, Target};
use rand::Rng as _;
use rand_distr::StandardNormal;
use statrs::distribution::{ContinuousCDF, Normal};

/// One feedback coefficient that can be switched off on its own, with the intercepts and
/// marginal rates of its process (for the level-keeping ablation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ablation {
    /// Short name (the channel, or the part of a channel).
    pub name: &'static str,
    /// The coefficient set to 0 (qualified effect name).
    pub coefficient: &'static str,
    /// The intercepts of its process, re-fitted when the level is kept.
    pub intercepts: &'static [&'static str],
    /// The marginal rates of its process (`statistic@wave`) matched to the full model's when
    /// the level is kept.
    pub levels: &'static [(&'static str, usize)],
}

/// The feedback coefficients, one switch each: `adoption_to_social_capital` is split into its
/// two coefficients.
pub const ABLATIONS: [Ablation; 5] = [
    Ablation {
        name: "trust_to_formation",
        coefficient: "formation.memory",
        intercepts: &["formation.base"],
        levels: &[("ties", 2), ("ties", 3)],
    },
    Ablation {
        name: "trust_to_persistence",
        coefficient: "dissolution.trust",
        intercepts: &[
            "dissolution.base.pre",
            "dissolution.base.programme",
            "dissolution.base.post",
        ],
        levels: &[("ties", 1), ("tie_persistence", 2), ("tie_persistence", 3)],
    },
    Ablation {
        name: "social_capital_to_adoption",
        coefficient: "adoption.social_capital",
        intercepts: &["adoption.base"],
        levels: &[("adoption_share", 2), ("adoption_share", 3)],
    },
    Ablation {
        name: "adopters_form_ties",
        coefficient: "formation.adopted",
        intercepts: &["formation.base"],
        levels: &[("ties", 3)],
    },
    Ablation {
        name: "adopters_launch_initiatives",
        coefficient: "initiative.adopted",
        intercepts: &["initiative.base"],
        levels: &[("initiative_share", 3)],
    },
];

/// Half-width of the uniform prior put on an intercept the scenario does not give a prior
/// for: the intercept's value in the full model plus or minus this (on the log-odds scale, a
/// factor of e^3, about 20, either way).
pub const INTERCEPT_HALF_WIDTH: f64 = 3.0;

/// A level target's standard error, as a share of the full model's run-to-run standard
/// deviation of that statistic: the re-fitted rate must come within about a quarter of the
/// spread of single runs.
pub const LEVEL_SE_SHARE: f64 = 0.25;

/// Simulation budget of the re-fits (small for tests, large for the documented runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefitBudget {
    /// ABC-SMC particles per generation.
    pub particles: usize,
    /// ABC-SMC generations after the prior sample.
    pub generations: usize,
    /// ABC-SMC simulations at most, per re-fit.
    pub max_simulations: u64,
    /// Posterior predictive simulations per model (one per posterior draw).
    pub draws: usize,
    /// Prior simulations per model for the model choice.
    pub choice: usize,
}

impl RefitBudget {
    /// The budget that goes with `replicates` replicates per variant: `replicates / 4`
    /// particles (10 to 500), at most 8 generations and 20 simulations per particle, `replicates` posterior draws (20 to 1,000) and
    /// prior simulations per model for the model choice.
    pub fn for_replicates(replicates: u64) -> RefitBudget {
        let r = replicates as usize;
        let particles = (r / 4).clamp(10, 500);
        RefitBudget {
            particles,
            generations: 8,
            max_simulations: (particles * 20) as u64,
            draws: r.clamp(20, 1000),
            choice: r.clamp(20, 2000),
        }
    }
}

/// A uniform prior of half-width [`INTERCEPT_HALF_WIDTH`] around `key`'s value in `s`.
pub fn intercept_prior(s: &Scenario, key: &str) -> Result<ParameterSpec> {
    let params = s.params();
    let v = crate::calibrate::parameters::get(&params, key)
        .ok_or_else(|| Error::Other(format!("`{key}` is not a numeric model parameter")))?;
    Ok(ParameterSpec::uniform(
        key,
        v - INTERCEPT_HALF_WIDTH,
        v + INTERCEPT_HALF_WIDTH,
    ))
}

/// The intercepts the observed targets inform: the scenario's own calibration parameters, or
/// `initiative.base` (the intercept ODD section 8.1 calibrates to the 42%) when it has none.
pub fn target_intercepts(s: &Scenario) -> Result<Vec<ParameterSpec>> {
    if !s.calibration.parameters.is_empty() {
        return Ok(s.calibration.parameters.clone());
    }
    Ok(vec![intercept_prior(s, "initiative.base")?])
}

/// One re-fitted model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Model name.
    pub name: String,
    /// `full`, `channel removed` or `level kept`.
    pub kind: String,
    /// The coefficient set to 0 (empty for the full model).
    pub removed: String,
    /// The scenario as fitted (coefficient 0, free intercepts at their prior's centre).
    pub scenario: Scenario,
    /// Free parameters with their priors.
    pub free: Vec<ParameterSpec>,
    /// Their values before re-fitting (the full model's).
    pub start: Vec<f64>,
    /// Posterior estimates.
    pub estimates: Vec<Estimate>,
    /// Targets matched (the scenario's and, when the level is kept, the level targets).
    pub targets: Vec<Target>,
    /// Posterior draws (resampled).
    pub draws: Vec<Vec<f64>>,
    /// Parameters at each draw.
    pub params: Vec<Params>,
    /// Final ABC tolerance.
    pub tolerance: f64,
    /// Simulations the ABC used.
    pub simulations: u64,
    /// Why it stopped.
    pub stopped: String,
}

/// Calibrates `free` in `scenario` to `targets` by ABC-SMC with `budget`; returns the fit with
/// `budget.draws` posterior draws.
#[allow(clippy::too_many_arguments)]
pub fn refit(
    name: &str,
    kind: &str,
    removed: &str,
    scenario: &Scenario,
    free: Vec<ParameterSpec>,
    targets: Vec<Target>,
    budget: &RefitBudget,
    seed: u64,
    threads: usize,
) -> Result<Fit> {
    let mut s = scenario.clone();
    s.targets = targets.clone();
    let keep = s.calibration.clone();
    s.calibration = CalibrationSpec {
        observed: keep.observed,
        observed_organisations: keep.observed_organisations,
        symmetrise: keep.symmetrise,
        statistics: keep.statistics,
        waves: keep.waves,
        use_targets: true,
        parameters: free.clone(),
        abc: AbcSettings {
            particles: budget.particles,
            max_generations: budget.generations,
            max_simulations: budget.max_simulations,
            ..keep.abc
        },
        ..CalibrationSpec::default()
    };
    let problem = Problem::from_scenario(&s)?;
    let start: Vec<f64> = problem.parameters.iter().map(|p| p.start).collect();
    let settings = s.calibration.abc.clone();
    let out = Executor::new(AbcSmc { settings }, &problem, seed, threads).run()?;
    let estimates = summary::abc_estimates(&problem, &out.state);
    let draws = summary::resample(&out.state, budget.draws, seed);
    let params = draws.iter().map(|t| problem.params_at(t)).collect();
    Ok(Fit {
        name: name.to_string(),
        kind: kind.to_string(),
        removed: removed.to_string(),
        scenario: s,
        free,
        start,
        estimates,
        targets,
        draws,
        params,
        tolerance: out.state.tolerance,
        simulations: out.state.simulations_run,
        stopped: out.reason,
    })
}

/// Replicate `j` for parameter set `j`: the replicates of [`simulate_at`] when every set runs
/// once on its own random streams.
pub fn own_replicate(j: usize) -> u64 {
    j as u64
}

/// Simulates parameter set `j` at replicate `replicate(j)` of master seed `seed` (one run
/// per set) and reads `keys` from each run.
pub fn simulate_at(
    runner: &Runner,
    label: &str,
    data: &Dataset,
    params: &[Params],
    seed: u64,
    keys: &[Key],
    replicate: impl Fn(usize) -> u64 + Sync,
) -> Result<OutcomeTable> {
    let models: Vec<Model> = params
        .iter()
        .map(|p| Model::new(data, p))
        .collect::<std::result::Result<_, _>>()?;
    let index = KeyIndex::new(keys);
    let stats = &runner.stats;
    let rows = runner.map(label, models.len(), |j| {
        index.row(observe(
            &run_replicate(&models[j], seed, replicate(j)),
            stats,
        ))
    });
    Ok(OutcomeTable {
        keys: keys.to_vec(),
        rows,
    })
}

/// How the posterior predictive distribution of a model does on one claim or target.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Claim or target label.
    pub name: String,
    /// Predictive mean.
    pub mean: f64,
    /// Predictive 2.5% and 97.5% quantiles.
    pub lo: f64,
    /// Upper quantile.
    pub hi: f64,
    /// For a directional claim, the share of predictive replicates in which it holds; for a
    /// value (a target, or the 42%), the two-sided posterior predictive p-value of the
    /// observed value.
    pub p: f64,
    /// Monte Carlo standard error of `p` (binomial).
    pub p_se: f64,
    /// The decision rule: the claim or target is met when `p` is at least [`PPC_ALPHA`].
    pub met: bool,
}

/// Level of the posterior predictive decision rule: a claim fails when it holds in fewer than
/// 5% of predictive replicates, a value when its two-sided predictive p-value is below 5%.
pub const PPC_ALPHA: f64 = 0.05;

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        return f64::NAN;
    }
    f.sort_by(f64::total_cmp);
    crate::stats::quantile::quantile_sorted(&f, q)
}

/// Two-sided posterior predictive p-value of `observed` when each predictive value carries
/// Gaussian measurement noise of standard deviation `se`: `2 min(P(x + e <= obs), P(x + e >=
/// obs))`, averaged over the predictive values exactly (no noise is drawn).
pub fn predictive_p(values: &[f64], observed: f64, se: f64) -> (f64, f64) {
    let f: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = f.len() as f64;
    let below = if se > 0.0 {
        let z = Normal::new(0.0, 1.0).expect("standard normal");
        f.iter().map(|&x| z.cdf((observed - x) / se)).sum::<f64>() / n
    } else {
        f.iter().filter(|&&x| x <= observed).count() as f64 / n
    };
    let p = (2.0 * below.min(1.0 - below)).min(1.0);
    (p, (p * (1.0 - p) / n).sqrt())
}

fn check_value(name: String, v: &[f64], observed: f64, se: f64) -> Check {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let (p, p_se) = predictive_p(&f, observed, se);
    Check {
        name,
        mean: f.iter().sum::<f64>() / f.len().max(1) as f64,
        lo: quantile(&f, 0.025),
        hi: quantile(&f, 0.975),
        p,
        p_se,
        met: p >= PPC_ALPHA,
    }
}

/// Judges the observed pattern and the targets on a model's posterior predictive table
/// (which must hold [`pattern_keys`] and the targets' keys). The 42% claim uses the
/// standard error of the scenario's `initiative_share` target when it has one.
pub fn judge_predictive(t: &OutcomeTable, targets: &[Target], scenario: &Scenario) -> Vec<Check> {
    let per_rep = claim_values(t);
    let mut out = Vec::new();
    for (k, c) in PATTERN.iter().enumerate() {
        let v: Vec<f64> = per_rep.iter().map(|r| r[k]).collect();
        match c.kind {
            ClaimKind::Positive => {
                let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                let n = f.len().max(1) as f64;
                let p = f.iter().filter(|&&x| x > 0.0).count() as f64 / n;
                out.push(Check {
                    name: c.name.to_string(),
                    mean: f.iter().sum::<f64>() / n,
                    lo: quantile(&f, 0.025),
                    hi: quantile(&f, 0.975),
                    p,
                    p_se: (p * (1.0 - p) / n).sqrt(),
                    met: p >= PPC_ALPHA,
                });
            }
            ClaimKind::Near { target, tolerance } => {
                let se = scenario
                    .targets
                    .iter()
                    .find(|x| x.statistic == "initiative_share" && x.wave == 3)
                    .map_or(tolerance, |x| x.se);
                out.push(check_value(c.name.to_string(), &v, target, se));
            }
            ClaimKind::Report => {}
        }
    }
    for tg in targets {
        let key = Key::new(&tg.statistic, tg.wave);
        if tg.scope != "network" || t.position(&key).is_none() {
            continue;
        }
        out.push(check_value(
            format!("target {key} = {}", fmt_sig(tg.value, 3)),
            &t.column(&key),
            tg.value,
            tg.se,
        ));
    }
    out
}

/// A re-fitted model with its posterior predictive checks.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The fit.
    pub fit: Fit,
    /// Claims of the pattern, then targets.
    pub checks: Vec<Check>,
}

impl Judged {
    /// Does the re-fitted model reproduce every claim of the pattern (targets aside)?
    pub fn reproduces(&self) -> bool {
        self.checks
            .iter()
            .filter(|c| !c.name.starts_with("target "))
            .all(|c| c.met)
    }

    /// Targets not met (their labels).
    pub fn missed_targets(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| c.name.starts_with("target ") && !c.met)
            .map(|c| c.name.clone())
            .collect()
    }
}

/// Posterior model probabilities by rejection ABC with a model index.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelChoice {
    /// Model names.
    pub models: Vec<String>,
    /// Posterior probability of each model (equal prior probabilities).
    pub probability: Vec<f64>,
    /// Its Monte Carlo standard error (sd over batches / sqrt(batches)).
    pub se: Vec<f64>,
    /// Prior simulations per model.
    pub simulations: usize,
    /// Accepted simulations in all.
    pub accepted: usize,
    /// Share of prior simulations per model that show every directional claim.
    pub pattern_share: Vec<f64>,
}

/// Batches for the Monte Carlo error of the model probabilities.
pub const CHOICE_BATCHES: usize = 10;

/// Share of all prior simulations accepted (the closest to the targets, among those that show
/// every directional claim of the pattern).
pub const CHOICE_ACCEPT: f64 = 0.1;

/// ABC model choice among `fits` (their scenarios and priors): `n` prior simulations per
/// model, targets of `targets` with measurement noise of their standard errors, distances
/// scaled by the median absolute deviation over all simulations.
pub fn model_choice(
    runner: &Runner,
    data: &Dataset,
    fits: &[Fit],
    targets: &[Target],
    n: usize,
    seed: u64,
) -> Result<ModelChoice> {
    let mut keys = pattern_keys();
    let tkeys: Vec<Key> = targets
        .iter()
        .filter(|t| t.scope == "network")
        .map(|t| Key::new(&t.statistic, t.wave))
        .collect();
    for k in &tkeys {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    let tcols: Vec<usize> = tkeys
        .iter()
        .map(|k| keys.iter().position(|x| x == k).unwrap_or(0))
        .collect();
    let obs: Vec<(f64, f64)> = targets
        .iter()
        .filter(|t| t.scope == "network")
        .map(|t| (t.value, t.se))
        .collect();
    let params = prior_params(fits, n, seed)?;
    // Replicate i of every model shares its random streams (common random numbers).
    let table = simulate_at(runner, "model choice", data, &params, seed, &keys, |j| {
        (j % n) as u64
    })?;
    let (dist, shows) = choice_distances(&table, &tcols, &obs, seed);
    let nm = fits.len();
    let (acc, probability, se) = model_probabilities(&dist, n, nm);
    let pattern_share = (0..nm)
        .map(|m| shows[m * n..(m + 1) * n].iter().filter(|&&b| b).count() as f64 / n as f64)
        .collect();
    Ok(ModelChoice {
        models: fits.iter().map(|f| f.name.clone()).collect(),
        probability,
        se,
        simulations: n,
        accepted: acc,
        pattern_share,
    })
}

/// `n` draws from each model's priors (model by model), at the model's other parameters.
fn prior_params(fits: &[Fit], n: usize, seed: u64) -> Result<Vec<Params>> {
    let mut params = Vec::with_capacity(fits.len() * n);
    for (m, f) in fits.iter().enumerate() {
        let problem_priors: Vec<_> = f
            .free
            .iter()
            .map(|p| {
                p.prior()
                    .map_err(|(k, e)| Error::Other(format!("{}: {k}: {e}", p.key)))
            })
            .collect::<Result<_>>()?;
        let base = f.scenario.params();
        for i in 0..n {
            let mut r = rng::stream(seed, (m * n + i) as u64, 0xC401_CE00);
            let mut p = base.clone();
            for (spec, prior) in f.free.iter().zip(&problem_priors) {
                crate::calibrate::parameters::set(&mut p, &spec.key, prior.sample(&mut r));
            }
            params.push(p);
        }
    }
    Ok(params)
}

/// The model-choice distance of every simulation (infinite when it misses a directional
/// claim of the pattern), and whether it shows every claim: the targets with measurement
/// noise of their standard errors, scaled by the median absolute deviation over all
/// simulations.
fn choice_distances(
    table: &OutcomeTable,
    tcols: &[usize],
    obs: &[(f64, f64)],
    seed: u64,
) -> (Vec<f64>, Vec<bool>) {
    let claims = claim_values(table);
    let shows: Vec<bool> = claims
        .iter()
        .map(|c| {
            PATTERN
                .iter()
                .zip(c)
                .all(|(p, &v)| p.kind != ClaimKind::Positive || v > 0.0)
        })
        .collect();
    // Noisy simulated targets, then the scale of each.
    let sims: Vec<Vec<f64>> = table
        .rows
        .iter()
        .enumerate()
        .map(|(j, row)| {
            let mut r = rng::stream(seed, j as u64, 0xC401_CE01);
            tcols
                .iter()
                .zip(obs)
                .map(|(&c, &(_, se))| {
                    let e: f64 = r.sample(StandardNormal);
                    row[c] + se * e
                })
                .collect()
        })
        .collect();
    let scale: Vec<f64> = (0..obs.len())
        .map(|k| {
            let col: Vec<f64> = sims.iter().map(|s| s[k]).collect();
            let med = quantile(&col, 0.5);
            let dev: Vec<f64> = col.iter().map(|x| (x - med).abs()).collect();
            let mad = 1.4826 * quantile(&dev, 0.5);
            if mad > 0.0 { mad } else { 1.0 }
        })
        .collect();
    let dist: Vec<f64> = sims
        .iter()
        .zip(&shows)
        .map(|(s, &ok)| {
            if !ok {
                return f64::INFINITY;
            }
            let d2: f64 = s
                .iter()
                .zip(obs)
                .zip(&scale)
                .map(|((x, (o, _)), sc)| ((x - o) / sc).powi(2))
                .sum::<f64>()
                / obs.len().max(1) as f64;
            if d2.is_finite() {
                d2.sqrt()
            } else {
                f64::INFINITY
            }
        })
        .collect();
    (dist, shows)
}

/// Accepts the [`CHOICE_ACCEPT`] share of simulations closest to the targets; returns the
/// number accepted, each model's share of them, and its Monte Carlo standard error over
/// [`CHOICE_BATCHES`] batches of replicates.
fn model_probabilities(dist: &[f64], n: usize, nm: usize) -> (usize, Vec<f64>, Vec<f64>) {
    let total = dist.len();
    let take = ((total as f64 * CHOICE_ACCEPT).round() as usize).max(1);
    let mut sorted: Vec<f64> = dist.iter().copied().filter(|d| d.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let eps = sorted
        .get(take.min(sorted.len()).saturating_sub(1))
        .copied()
        .unwrap_or(f64::NEG_INFINITY);
    let accepted: Vec<bool> = dist.iter().map(|&d| d.is_finite() && d <= eps).collect();
    let mut count = vec![0usize; nm];
    let mut batch = vec![vec![0usize; nm]; CHOICE_BATCHES];
    for (j, &a) in accepted.iter().enumerate() {
        if a {
            let (m, i) = (j / n, j % n);
            count[m] += 1;
            batch[i % CHOICE_BATCHES][m] += 1;
        }
    }
    let acc: usize = count.iter().sum();
    let probability: Vec<f64> = count
        .iter()
        .map(|&c| c as f64 / acc.max(1) as f64)
        .collect();
    let se: Vec<f64> = (0..nm)
        .map(|m| {
            let ps: Vec<f64> = batch
                .iter()
                .filter(|b| b.iter().sum::<usize>() > 0)
                .map(|b| b[m] as f64 / b.iter().sum::<usize>() as f64)
                .collect();
            let k = ps.len() as f64;
            if k < 2.0 {
                return f64::NAN;
            }
            let mean = ps.iter().sum::<f64>() / k;
            (ps.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (k - 1.0) / k).sqrt()
        })
        .collect();
    (acc, probability, se)
}

/// Everything the re-fitting part produced.
#[derive(Debug, Clone)]
pub struct Refits {
    /// The full model and every re-fitted ablation, judged on the posterior predictive.
    pub judged: Vec<Judged>,
    /// ABC model choice among them.
    pub choice: ModelChoice,
    /// Budget used.
    pub budget: RefitBudget,
}

/// Re-fits the full model and each ablation (channel removed; level kept) and judges them;
/// then the model choice.
pub fn refits(runner: &Runner, scenario: &Scenario, data: &Dataset, o: &Options) -> Result<Refits> {
    if !matches!(
        crate::ensemble::shard::mode(),
        crate::ensemble::shard::Mode::All
    ) {
        return Err(Error::Other(
            "the re-fitting part (refit) calibrates by ABC and does not run under --shard or \
             `wecare merge`; run it without --shard"
                .into(),
        ));
    }
    let b = &o.budget;
    let base_targets = scenario.targets.clone();
    if base_targets.is_empty() && scenario.calibration.observed.is_empty() {
        return Err(Error::Other(format!(
            "{}: re-fitting needs observed targets ([[targets]] or calibration.observed)",
            scenario.file_label()
        )));
    }
    let free0 = target_intercepts(scenario)?;
    let ctx = JudgeContext {
        runner,
        data,
        scenario,
        keys: refit_keys(&base_targets),
        budget: b,
        seed: o.seed,
    };
    let (full, full_pred) = ctx.fit_and_judge(
        ("full model", "full", ""),
        scenario,
        free0.clone(),
        base_targets.clone(),
    )?;
    let mut judged = vec![full];
    for a in &ABLATIONS {
        let off = scenario.set_number(a.coefficient, 0.0)?;
        let name = format!("{} removed", a.name);
        let (removed, _) = ctx.fit_and_judge(
            (&name, "channel removed", a.coefficient),
            &off,
            free0.clone(),
            base_targets.clone(),
        )?;
        judged.push(removed);
        // Level kept: the process's intercepts also free, its rates matched to the full model's.
        let mut free = free0.clone();
        for k in a.intercepts {
            if !free.iter().any(|p| p.key == *k) {
                free.push(intercept_prior(scenario, k)?);
            }
        }
        let targets = level_targets(&base_targets, a, &full_pred);
        if free.len() == free0.len() && targets.len() == base_targets.len() {
            continue;
        }
        let name = format!("{} off, level kept", a.name);
        let (kept, _) =
            ctx.fit_and_judge((&name, "level kept", a.coefficient), &off, free, targets)?;
        judged.push(kept);
    }
    let fits: Vec<Fit> = judged.iter().map(|j| j.fit.clone()).collect();
    let choice = model_choice(runner, data, &fits, &base_targets, b.choice, o.seed)?;
    Ok(Refits {
        judged,
        choice,
        budget: *b,
    })
}

/// What every re-fit of [`refits`] shares.
struct JudgeContext<'a> {
    runner: &'a Runner<'a>,
    data: &'a Dataset,
    scenario: &'a Scenario,
    keys: Vec<Key>,
    budget: &'a RefitBudget,
    seed: u64,
}

impl JudgeContext<'_> {
    /// Re-fits `s` (`what`: name, kind and the coefficient removed) with `free` to `targets`,
    /// simulates its posterior predictive and judges it; returns the judged fit and the
    /// predictive table.
    fn fit_and_judge(
        &self,
        what: (&str, &str, &str),
        s: &Scenario,
        free: Vec<ParameterSpec>,
        targets: Vec<Target>,
    ) -> Result<(Judged, OutcomeTable)> {
        let (name, kind, removed) = what;
        let fit = refit(
            name,
            kind,
            removed,
            s,
            free,
            targets,
            self.budget,
            self.seed,
            self.runner.threads(),
        )?;
        let pred = simulate_at(
            self.runner,
            &format!("refit: {kind}"),
            self.data,
            &fit.params,
            self.seed,
            &self.keys,
            own_replicate,
        )?;
        let judged = Judged {
            checks: judge_predictive(&pred, &fit.targets, self.scenario),
            fit,
        };
        Ok((judged, pred))
    }
}

/// The statistics every re-fitted model is simulated for: the pattern's, the targets' and
/// the levels of every ablation.
fn refit_keys(targets: &[Target]) -> Vec<Key> {
    let mut keys = pattern_keys();
    let mut add = |k: Key| {
        if !keys.contains(&k) {
            keys.push(k);
        }
    };
    for t in targets {
        add(Key::new(&t.statistic, t.wave));
    }
    for a in &ABLATIONS {
        for (s, w) in a.levels {
            add(Key::new(s, *w));
        }
    }
    keys
}

/// The targets of a level-kept ablation: the observed ones, and the marginal rates of the
/// coefficient's process as the full model predicts them (`full_pred`), each with a standard
/// error of [`LEVEL_SE_SHARE`] of its run-to-run spread.
fn level_targets(base: &[Target], a: &Ablation, full_pred: &OutcomeTable) -> Vec<Target> {
    let mut targets = base.to_vec();
    for (s, w) in a.levels {
        if targets.iter().any(|t| t.statistic == *s && t.wave == *w) {
            continue;
        }
        let col = full_pred.column(&Key::new(s, *w));
        let f: Vec<f64> = col.iter().copied().filter(|x| x.is_finite()).collect();
        let n = f.len().max(1) as f64;
        let mean = f.iter().sum::<f64>() / n;
        let sd = (f.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        targets.push(Target {
            statistic: s.to_string(),
            wave: *w,
            scope: "network".into(),
            value: mean,
            se: (LEVEL_SE_SHARE * sd).max(1e-9),
        });
    }
    targets
}

/// The re-fitted models as a table: kind, intercepts before and after, each claim's
/// predictive share (or p-value) and the verdict, and the posterior model probability.
pub fn refit_table(r: &Refits) -> Table {
    let mut header = vec![
        "model".to_string(),
        "kind".into(),
        "re-fitted intercepts (full model's value -> posterior mean [95%])".into(),
    ];
    let names: Vec<String> = r.judged[0]
        .checks
        .iter()
        .filter(|c| !c.name.starts_with("target "))
        .map(|c| c.name.clone())
        .collect();
    header.extend(names.iter().cloned());
    header.push("targets".into());
    header.push("pattern (predictive)".into());
    header.push("P(model) ± MC se".into());
    let mut t = Table::new(&header);
    for (k, j) in r.judged.iter().enumerate() {
        let mut row = vec![j.fit.name.clone(), j.fit.kind.clone()];
        row.push(
            j.fit
                .estimates
                .iter()
                .zip(&j.fit.start)
                .map(|(e, s)| {
                    format!(
                        "{} {} -> {} [{}, {}]",
                        e.key,
                        fmt_sig(*s, 3),
                        fmt_sig(e.estimate, 3),
                        fmt_sig(e.lower, 3),
                        fmt_sig(e.upper, 3)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        );
        for n in &names {
            let c = j.checks.iter().find(|c| &c.name == n);
            row.push(c.map_or_else(String::new, |c| {
                format!(
                    "{} {} (p {:.2})",
                    if c.met { "yes" } else { "NO" },
                    fmt_sig(c.mean, 3),
                    c.p
                )
            }));
        }
        let missed = j.missed_targets();
        let nt = j
            .checks
            .iter()
            .filter(|c| c.name.starts_with("target "))
            .count();
        row.push(if missed.is_empty() {
            format!("{nt} of {nt} met")
        } else {
            format!("MISSED: {}", missed.join(", "))
        });
        row.push(if j.reproduces() {
            "reproduced".into()
        } else {
            format!(
                "{} of {} missed",
                j.checks
                    .iter()
                    .filter(|c| !c.name.starts_with("target ") && !c.met)
                    .count(),
                names.len()
            )
        });
        row.push(format!(
            "{:.3} ± {:.3}",
            r.choice.probability[k], r.choice.se[k]
        ));
        t.push(row);
    }
    t
}

pub(super) fn write_refits(r: &Refits, dir: &mut ExperimentDir) -> Result<()> {
    let mut est = Vec::new();
    for j in &r.judged {
        for (e, s) in j.fit.estimates.iter().zip(&j.fit.start) {
            est.push(vec![
                j.fit.name.clone(),
                j.fit.kind.clone(),
                j.fit.removed.clone(),
                e.key.clone(),
                e.prior.clone(),
                num(*s),
                num(e.estimate),
                num(e.sd),
                num(e.lower),
                num(e.upper),
                num(j.fit.tolerance),
                j.fit.simulations.to_string(),
                j.fit.stopped.clone(),
            ]);
        }
    }
    dir.csv(
        "refit_estimates.csv",
        &[
            "model",
            "kind",
            "removed",
            "parameter",
            "prior",
            "full_model_value",
            "posterior_mean",
            "posterior_sd",
            "lower95",
            "upper95",
            "abc_tolerance",
            "abc_simulations",
            "abc_stopped",
        ],
        &est,
    )?;
    let mut checks = Vec::new();
    for j in &r.judged {
        for c in &j.checks {
            checks.push(vec![
                j.fit.name.clone(),
                c.name.clone(),
                num(c.mean),
                num(c.lo),
                num(c.hi),
                num(c.p),
                num(c.p_se),
                c.met.to_string(),
            ]);
        }
    }
    dir.csv(
        "refit_predictive.csv",
        &[
            "model", "check", "mean", "lower95", "upper95", "p", "p_se", "met",
        ],
        &checks,
    )?;
    let rows: Vec<Vec<String>> = (0..r.choice.models.len())
        .map(|m| {
            vec![
                r.choice.models[m].clone(),
                num(r.choice.probability[m]),
                num(r.choice.se[m]),
                num(r.choice.pattern_share[m]),
                r.choice.simulations.to_string(),
            ]
        })
        .collect();
    dir.csv(
        "model_choice.csv",
        &[
            "model",
            "probability",
            "mc_se",
            "pattern_share_prior",
            "prior_simulations",
        ],
        &rows,
    )
}
