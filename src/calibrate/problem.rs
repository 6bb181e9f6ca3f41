//! The calibration problem: a scenario with some parameters free, and the targets to match.
//! It knows nothing of the methods; they ask it to simulate the target statistics at a
//! parameter vector with a given random stream.

use super::parameters;
use super::prior::Prior;
use super::spec::CalibrationSpec;
use super::targets::{ObservedWaves, StatisticsPlan, Target, build_targets, read_observed};
use super::unobserved::Unobserved;
use crate::data::Dataset;
use crate::data::Level;
use crate::error::{Error, Result};
use crate::huge_pages::HugeVec;
use crate::model::rng;
use crate::model::{Model, Params};
use crate::network::{NodeAttrs, Snapshot};
use crate::scenario::Scenario;
use rand::Rng as _;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// One free parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Scenario key (`formation.closure`; `formation.base` sets all phases).
    pub key: String,
    /// Prior.
    pub prior: Prior,
    /// The scenario's value (for the method of moments: where it starts, unless `start`).
    pub start: f64,
    /// Finite-difference step of the method of moments (the parameter's own `difference`, or
    /// `calibration.smm.difference` times the prior's standard deviation).
    pub difference: f64,
}

/// A scenario, its data, the free parameters and the targets.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The scenario (fixed parameters, timeline, calibration settings).
    pub scenario: Scenario,
    /// Its data set.
    pub dataset: Dataset,
    /// The free parameters, in the order of parameter vectors.
    pub parameters: Vec<Parameter>,
    /// The matched statistics, in the order of statistic vectors.
    pub targets: Vec<Target>,
    /// Observed wave networks (empty when only scenario targets are matched).
    pub observed: Vec<Snapshot>,
    /// Per observed wave: read from a ties file, so only its ties and organisations are
    /// observed (statistics of trust, origins, adoption and initiatives are not compared).
    pub observed_ties_only: Vec<bool>,
    base: Params,
    plan: StatisticsPlan,
    nodes: Arc<NodeAttrs>,
    covariate: Arc<HugeVec<f64>>,
    covariate_inv_range: f64,
    /// The observation rule of a panel with missing dyads or absent actors, applied to every
    /// simulated run as to the observed waves (`None`: everything observed).
    unobserved: Option<Arc<Unobserved>>,
}

impl Problem {
    /// Builds the problem of a scenario's `[calibration]` section: loads the data set and the
    /// observed wave files, checks the parameters and the statistics' names.
    pub fn from_scenario(scenario: &Scenario) -> Result<Problem> {
        let (ds, warnings) = scenario.load_dataset()?;
        // Information about the data (isolates, common in observed panels) is not repeated by
        // every calibration: `wecare validate` shows it.
        for w in warnings
            .iter()
            .filter(|w| matches!(w.level, Level::Warning))
        {
            eprintln!("{w}");
        }
        Problem::with_observed(scenario, ds, None)
    }

    /// Builds the problem with the data set given, and observed waves given in memory (`Some`)
    /// or read from `calibration.observed` (`None`).
    pub fn with_observed(
        scenario: &Scenario,
        dataset: Dataset,
        observed: Option<Vec<Snapshot>>,
    ) -> Result<Problem> {
        let spec: &CalibrationSpec = &scenario.calibration;
        let base = scenario.params();
        let model = Model::new(&dataset, &base)?;
        let world = model.initial();
        let nodes = world.nodes.clone();
        let covariate = world.covariate.clone();
        let covariate_inv_range = world.covariate_inv_range;
        if spec.parameters.is_empty() {
            return Err(scenario
                .located(vec![(
                    "calibration".into(),
                    "nothing to calibrate: give [[calibration.parameters]] with a key and a prior"
                        .into(),
                )])
                .into());
        }
        let mut parameters = Vec::new();
        for (k, p) in spec.parameters.iter().enumerate() {
            let prior = p.prior().map_err(|(f, m)| {
                Error::from(scenario.located(vec![(format!("calibration.parameters[{k}].{f}"), m)]))
            })?;
            let value = parameters::get(&base, &p.key).ok_or_else(|| {
                Error::from(scenario.located(vec![(
                    format!("calibration.parameters[{k}].key"),
                    format!("`{}` is not a numeric model parameter", p.key),
                )]))
            })?;
            let start = p.start.unwrap_or_else(|| {
                if prior.contains(value) {
                    value
                } else {
                    prior.mean()
                }
            });
            parameters.push(Parameter {
                key: p.key.clone(),
                prior,
                start,
                difference: p.difference.unwrap_or(spec.smm.difference * prior.sd()),
            });
        }
        let read = match observed {
            Some(o) => ObservedWaves {
                ties_only: vec![false; o.len()],
                snapshots: o,
                unobserved: Unobserved::default(),
            },
            None => read_observed(scenario, spec, &dataset, &nodes, &scenario.timeline.waves)?,
        };
        let (observed, observed_ties_only) = (read.snapshots, read.ties_only);
        let unobserved = (!read.unobserved.is_empty()).then(|| Arc::new(read.unobserved));
        let threshold = scenario.observation.archetype_threshold;
        let pre = model.pre_programme_shared();
        let plan_for = |req| {
            StatisticsPlan::new(req, threshold, covariate.clone(), covariate_inv_range)
                .with_pre(pre.clone())
                .with_patterns(scenario.patterns.clone())
        };
        let targets = build_targets(scenario, spec, &observed, &observed_ties_only, plan_for)?;
        let plan = plan_for(
            targets
                .iter()
                .map(|t| (t.wave, t.scope.clone(), t.statistic.clone()))
                .collect(),
        );
        // Every target must exist in a simulated run.
        let mut snaps = model.run(scenario.montecarlo.seed, 0);
        if let Some(u) = &unobserved {
            u.apply(&mut snaps);
        }
        plan.evaluate(&snaps).map_err(|(w, scope, s)| {
            Error::Other(format!(
                "target `{s}` (scope `{scope}`) at wave {w} is not a statistic of the simulated \
                 waves (names are in docs/statistics.md; change statistics exist from wave 2)"
            ))
        })?;
        Ok(Problem {
            scenario: scenario.clone(),
            dataset,
            parameters,
            targets,
            observed,
            observed_ties_only,
            base,
            plan,
            nodes,
            covariate,
            covariate_inv_range,
            unobserved,
        })
    }

    /// Number of free parameters.
    pub fn dim(&self) -> usize {
        self.parameters.len()
    }

    /// The observed values of the targets.
    pub fn observed_values(&self) -> Vec<f64> {
        self.targets.iter().map(|t| t.value).collect()
    }

    /// Parameter keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.parameters.iter().map(|p| p.key.clone()).collect()
    }

    /// The parameters at `theta`.
    pub fn params_at(&self, theta: &[f64]) -> Params {
        let mut p = self.base.clone();
        for (par, &v) in self.parameters.iter().zip(theta) {
            parameters::set(&mut p, &par.key, v);
        }
        p
    }

    /// Log prior density of `theta` (independent priors).
    pub fn ln_prior(&self, theta: &[f64]) -> f64 {
        self.parameters
            .iter()
            .zip(theta)
            .map(|(p, &x)| p.prior.ln_pdf(x))
            .sum()
    }

    /// The wave snapshots of one simulated replicate at `theta`, as the panel observes them
    /// (missing dyads, structural zeros and absent actors treated as in the observed waves).
    pub fn snapshots(&self, theta: &[f64], seed: u64, replicate: u64) -> Result<Vec<Snapshot>> {
        let model = Model::new(&self.dataset, &self.params_at(theta))?;
        let mut snaps = model.run(seed, replicate);
        if let Some(u) = &self.unobserved {
            u.apply(&mut snaps);
        }
        Ok(snaps)
    }

    /// The target statistics of one simulated replicate at `theta` (NaN where undefined).
    pub fn simulate(&self, theta: &[f64], seed: u64, replicate: u64) -> Result<Vec<f64>> {
        let snaps = self.snapshots(theta, seed, replicate)?;
        Ok(self.statistics(&snaps))
    }

    /// The target statistics of a run's snapshots.
    pub fn statistics(&self, snaps: &[Snapshot]) -> Vec<f64> {
        // Every request was checked against a simulated run in `with_observed`.
        self.plan
            .evaluate(snaps)
            .unwrap_or_else(|_| vec![f64::NAN; self.targets.len()])
    }

    /// The statistics plan of the targets.
    pub fn plan(&self) -> &StatisticsPlan {
        &self.plan
    }

    /// A statistics plan for other requests, with the same options and covariate.
    pub fn plan_for(&self, requests: Vec<(usize, String, String)>) -> StatisticsPlan {
        let plan = StatisticsPlan::new(
            requests,
            self.scenario.observation.archetype_threshold,
            self.covariate.clone(),
            self.covariate_inv_range,
        );
        let plan = plan.with_patterns(self.plan.patterns().to_vec());
        match self.plan.pre() {
            Some(pre) => plan.with_pre(pre.clone()),
            None => plan,
        }
    }

    /// The organisations of the model (shared by simulated and observed snapshots).
    pub fn nodes(&self) -> &Arc<NodeAttrs> {
        &self.nodes
    }

    /// A fingerprint of everything that determines the calibration's results (scenario,
    /// parameters, targets), so a resume can check it continues the same calibration.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        // Data paths resolved and canonical, so that a scenario naming its files by absolute
        // paths, or from another directory, is the same scenario.
        let mut s = self.scenario.with_resolved_paths();
        // The seed is checked on its own; threads and the output place do not change results;
        // stopping rules may be relaxed on resuming (a larger budget, more generations).
        s.montecarlo = Default::default();
        s.output = Default::default();
        let a = &mut s.calibration.abc;
        a.max_generations = 0;
        a.min_tolerance = 0.0;
        a.min_acceptance = 0.0;
        a.max_simulations = 0;
        s.calibration.method = super::spec::Method::Abc;
        s.calibration.predictive_draws = 0;
        h.update(s.to_toml().as_bytes());
        for t in &self.targets {
            h.update(format!("{}|{}|{:?}|", t.label(), t.value, t.se).as_bytes());
        }
        h.update(format!("{:?}", self.dataset).as_bytes());
        if let Some(u) = &self.unobserved {
            h.update(format!("{u:?}").as_bytes());
        }
        h.finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A seed for one purpose (`tag`) and index, derived from the calibration's master seed, so
/// every random stream depends only on (seed, purpose, index) and never on the thread that
/// uses it.
pub fn derive_seed(master: u64, tag: u64, index: u64) -> u64 {
    rng::stream(master, index, 0xCA11_B000 + tag).random()
}
