//! Holding a parameter on a ridge: when a method-of-moments fit does not converge and its
//! moments do not identify a combination of its parameters ([`super::smm_ident`]), the fit goes
//! on without one of the combination's parameters, held at its estimate (docs/calibration.md,
//! "Holding a parameter on a ridge").
//!
//! The rule: the parameters named in the flat direction are tried in order of their loading,
//! each held at the estimate the fit stopped at (a point of the ridge), the others fitted again
//! from the scenario as the advice says to do by hand (the same seed, the moments combined into
//! as many as the parameters left, `calibration.smm.combine`). Of the candidates that converge,
//! the one with the smallest overall maximum convergence ratio is kept; when none does, the one
//! nearest convergence of those whose own moments again leave a flat direction is the start of
//! the next level, up to `calibration.smm.hold` parameters held. When no level converges the full
//! fit is reported, not converged, with what was tried.

use super::outputs::calibrated_scenario;
use super::problem::Problem;
use super::smm::{SmmState, badness};
use super::smm_ident::{self, Identification};
use super::solver::Outcome;
use super::summary::Estimate;
use crate::error::Result;
use serde::Serialize;

/// A parameter held fixed at a point of a ridge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Held {
    /// Its key.
    pub parameter: String,
    /// The value it is held at (the estimate of the fit it was flagged in).
    pub value: f64,
}

/// One fit with parameters held.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The parameters held, in the order they were.
    pub held: Vec<Held>,
    /// Whether the fit converged (RSiena's rule).
    pub converged: bool,
    /// Its overall maximum convergence ratio (`None`: the fit stopped with an error).
    pub max_convergence_ratio: Option<f64>,
    /// Its largest |t|.
    pub largest_t: Option<f64>,
    /// Why it stopped.
    pub stopped: String,
    /// Its simulations.
    pub simulations: u64,
    /// Its wall time, seconds.
    pub wall_seconds: f64,
}

/// The fit kept: the problem with parameters held and its outcome.
pub struct Kept {
    /// The problem without the held parameters (their values set in its scenario).
    pub problem: Problem,
    /// The fit of that problem.
    pub outcome: Outcome<SmmState>,
    /// The parameters held.
    pub held: Vec<Held>,
}

/// What the fallback did.
#[derive(Default)]
pub struct Search {
    /// The converged fit with parameters held, if any.
    pub kept: Option<Kept>,
    /// Every fit tried, in order.
    pub attempts: Vec<Attempt>,
}

impl Search {
    /// Simulations of every fit tried.
    pub fn simulations(&self) -> u64 {
        self.attempts.iter().map(|a| a.simulations).sum()
    }

    /// Wall time of every fit tried, seconds.
    pub fn wall_seconds(&self) -> f64 {
        self.attempts.iter().map(|a| a.wall_seconds).sum()
    }
}

/// The problem of `problem` with parameter `j` held at `value`: set in the scenario, left out
/// of `calibration.parameters`, and the moments combined into as many as the parameters left.
pub fn holding(problem: &Problem, j: usize, value: f64) -> Result<Problem> {
    let key = &problem.parameters[j].key;
    let fixed = Estimate {
        key: key.clone(),
        prior: String::new(),
        estimate: value,
        sd: f64::NAN,
        lower: f64::NAN,
        median: value,
        upper: f64::NAN,
    };
    let mut s = calibrated_scenario(&problem.scenario, &[fixed])?;
    s.calibration.parameters.retain(|p| &p.key != key);
    s.calibration.smm.combine = true;
    Problem::with_observed(&s, problem.dataset.clone(), None)
}

/// The flat direction of a fit that did not converge, if its moments leave one.
fn flat(problem: &Problem, state: &SmmState) -> Option<Identification> {
    let p3 = state.phase3.as_ref()?;
    if p3.converged || problem.dim() < 2 {
        return None;
    }
    smm_ident::of(problem, p3).filter(Identification::flagged)
}

/// A candidate fitted: its problem, outcome and held parameters.
type Fitted = (Problem, Outcome<SmmState>, Vec<Held>);

/// The fallback from the fit `outcome` of `problem`, holding at most `most` parameters;
/// `fit` runs the method of moments on a problem.
pub fn search(
    problem: &Problem,
    outcome: &Outcome<SmmState>,
    most: usize,
    fit: impl Fn(&Problem) -> Result<Outcome<SmmState>>,
    say: impl Fn(&str),
) -> Search {
    let mut out = Search::default();
    let mut from: (Problem, SmmState, Vec<Held>) =
        (problem.clone(), outcome.state.clone(), Vec::new());
    for _ in 0..most {
        let (p, state, held) = &from;
        let Some(id) = flat(p, state) else { break };
        let mut level: Vec<Fitted> = Vec::new();
        for j in id.named() {
            let mut h = held.clone();
            h.push(Held {
                parameter: p.parameters[j].key.clone(),
                value: state.theta[j],
            });
            say(&format!(
                "not converged, and the moments do not identify {}: fitting again with {}",
                id.combination(&p.keys()),
                describe(&h)
            ));
            let result = holding(p, j, state.theta[j]).and_then(|r| Ok((fit(&r)?, r)));
            out.attempts.push(attempt(&h, &result));
            if let Ok((o, r)) = result {
                level.push((r, o, h));
            }
        }
        let best = (0..level.len())
            .filter(|&i| converged(&level[i].1.state))
            .min_by(|&a, &b| ratio(&level[a].1.state).total_cmp(&ratio(&level[b].1.state)));
        if let Some(i) = best {
            let (problem, outcome, held) = level.swap_remove(i);
            out.kept = Some(Kept {
                problem,
                outcome,
                held,
            });
            return out;
        }
        // The next level starts from the candidate nearest convergence among those whose
        // moments leave a flat direction again (one that does not has nothing more to hold).
        let Some(next) = level
            .into_iter()
            .filter(|c| flat(&c.0, &c.1.state).is_some())
            .min_by(|a, b| nearness(&a.1.state).total_cmp(&nearness(&b.1.state)))
        else {
            break;
        };
        from = (next.0, next.1.state, next.2);
    }
    out
}

/// "`a` held at 1.5 and `b` held at -2".
pub fn describe(held: &[Held]) -> String {
    held.iter()
        .map(|h| format!("`{}` held at {:.4}", h.parameter, h.value))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn converged(s: &SmmState) -> bool {
    s.phase3.as_ref().is_some_and(|p| p.converged)
}

fn ratio(s: &SmmState) -> f64 {
    s.phase3
        .as_ref()
        .map_or(f64::INFINITY, |p| p.max_convergence_ratio)
}

fn nearness(s: &SmmState) -> f64 {
    s.phase3.as_ref().map_or(f64::INFINITY, badness)
}

/// The record of one candidate's fit.
fn attempt(held: &[Held], r: &Result<(Outcome<SmmState>, Problem)>) -> Attempt {
    match r {
        Ok((o, _)) => {
            let p3 = o.state.phase3.as_ref();
            Attempt {
                held: held.to_vec(),
                converged: converged(&o.state),
                max_convergence_ratio: p3.map(|p| p.max_convergence_ratio),
                largest_t: p3.map(|p| p.t_ratios.iter().fold(0.0f64, |m, t| m.max(t.abs()))),
                stopped: o.reason.clone(),
                simulations: o.simulations,
                wall_seconds: o.wall_seconds,
            }
        }
        Err(e) => Attempt {
            held: held.to_vec(),
            converged: false,
            max_convergence_ratio: None,
            largest_t: None,
            stopped: format!("error: {e}"),
            simulations: 0,
            wall_seconds: 0.0,
        },
    }
}

/// The estimates of a fit with parameters held, in the order of the full problem's
/// parameters `keys`: a held parameter's row has its value, no standard error and no interval.
pub fn with_held(
    keys: &[String],
    priors: &[String],
    est: &[Estimate],
    held: &[Held],
) -> Vec<Estimate> {
    keys.iter()
        .zip(priors)
        .filter_map(|(k, prior)| match held.iter().find(|h| &h.parameter == k) {
            Some(h) => Some(Estimate {
                key: k.clone(),
                prior: prior.clone(),
                estimate: h.value,
                sd: f64::NAN,
                lower: f64::NAN,
                median: h.value,
                upper: f64::NAN,
            }),
            None => est.iter().find(|e| &e.key == k).cloned(),
        })
        .collect()
}

/// What a calibration records of the fallback, for its outputs.
#[derive(Default)]
pub struct Record {
    /// The identification of the fit of all parameters.
    pub identification: Option<Diagnosis>,
    /// The identification of the fit kept with parameters held.
    pub identification_held: Option<Diagnosis>,
    /// The parameters held by the fit kept (empty: none).
    pub held: Vec<Held>,
    /// Every fit tried with parameters held.
    pub attempts: Vec<Attempt>,
    /// The problem of the fit kept, until the calibration works on it.
    pub reduced: Option<Problem>,
    /// The problem of all parameters, once the calibration works on the reduced one.
    pub full: Option<Problem>,
}

/// A fit's identification diagnosis, as `manifest.json` has it.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// Smallest singular value of the scaled derivative.
    pub smallest_singular_value: f64,
    /// Its condition number.
    pub condition_number: f64,
    /// Whether its weakest direction is flagged as not identified (smallest below
    /// [`smm_ident::FLAT`]).
    pub not_identified: bool,
    /// The parameters named in the weakest direction and their entries in their own units.
    pub direction: Vec<(String, f64)>,
}

impl Diagnosis {
    /// The diagnosis of a fit's last phase 3, if it has one.
    pub fn of(problem: &Problem, state: &SmmState) -> Option<Diagnosis> {
        let id = smm_ident::of(problem, state.phase3.as_ref()?)?;
        let keys = problem.keys();
        Some(Diagnosis {
            smallest_singular_value: id.smallest,
            condition_number: id.condition,
            not_identified: id.flagged(),
            direction: id
                .named()
                .into_iter()
                .map(|j| (keys[j].clone(), id.direction[j]))
                .collect(),
        })
    }
}

impl Record {
    /// The record of the fallback `search` after the fit `state` of `problem`.
    pub fn of(problem: &Problem, state: &SmmState, search: &Search) -> Record {
        Record {
            identification: Diagnosis::of(problem, state),
            identification_held: search
                .kept
                .as_ref()
                .and_then(|k| Diagnosis::of(&k.problem, &k.outcome.state)),
            held: search.kept.as_ref().map_or(Vec::new(), |k| k.held.clone()),
            attempts: search.attempts.clone(),
            reduced: None,
            full: None,
        }
    }

    /// Why the fit stopped: the full fit's `reason`, or the kept fit's `kept` with what was held.
    pub fn stopped(&self, reason: &str, kept: Option<&str>) -> String {
        match kept {
            Some(k) => format!(
                "{k}, with {} (the moments do not identify it along a ridge: held, not \
                 estimated, no standard error; the fit of all parameters: {reason})",
                describe(&self.held)
            ),
            None if !self.attempts.is_empty() => format!(
                "{reason}; holding a parameter of the flat direction did not converge either \
                 ({} fits, manifest.json's hold_attempts)",
                self.attempts.len()
            ),
            None => reason.to_string(),
        }
    }
}
