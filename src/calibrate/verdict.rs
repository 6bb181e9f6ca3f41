//! Whether a calibration's result may be read as a fit: an ABC-SMC posterior that is no more
//! than its prior sample (or whose weights collapsed) is flagged as not a fit, as an
//! unconverged method-of-moments fit is; and a parameter whose posterior piles at a bound of its
//! prior box, or whose method-of-moments estimate lies at or beyond one, is flagged with a
//! warning (docs/calibration.md, "When a result is not a fit").

use super::abc_smc::{AbcState, ess};
use super::problem::Problem;
use super::spec::AbcSettings;
use crate::scenario::prior::Prior;

/// An ABC-SMC posterior is a fit only when its final population's effective sample size is at
/// least this share of the particles: below it a handful of particles carry the weight.
pub const MIN_ESS_SHARE: f64 = 0.1;

/// The band next to a bound of a prior box, as a share of the box's width, in which posterior
/// mass (ABC) or an estimate (method of moments) counts as "at the bound".
pub const BOUND_BAND: f64 = 0.02;

/// A posterior puts more than this share of its mass in the band next to a bound before it is
/// flagged: five times what a posterior flat across the box puts there.
pub const BOUND_SHARE: f64 = 0.1;

/// A converged method-of-moments fit whose matched statistic lies outside its 95% predictive
/// interval at the estimate, one warning per such statistic. Each moment matched in mean puts
/// its observed value near the middle of its predictive distribution; one outside it was not
/// matched, which happens when more moments than parameters are combined into as many
/// (`calibration.smm.combine`): the combination can be met while one moment is traded against
/// the others. `fit` is the predictive checks' `matched` rows.
pub fn smm_missed(fit: &[super::ppc::CheckRow]) -> Vec<String> {
    fit.iter()
        .filter(|r| r.observed < r.q025 || r.observed > r.q975)
        .map(|r| {
            format!(
                "`{}` is {} at wave {}, outside the 95% interval {} to {} that {} simulations at \
                 the estimate give (mean {:.4}): the fit does not reproduce it (combined moments \
                 can be met while one of them is not); read the estimate with care, fix a \
                 parameter the other moments identify, or match fewer statistics",
                r.statistic,
                short(r.observed),
                r.wave,
                short(r.q025),
                short(r.q975),
                r.n,
                r.mean
            )
        })
        .collect()
}

/// A statistic's value for a message: at most four decimals, trailing zeros dropped (a count
/// stays `2`, a share reads `0.5833`).
fn short(v: f64) -> String {
    let s = format!("{v:.4}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Why an ABC-SMC posterior is not a fit, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct NotFit {
    /// The criterion it fails, in words.
    pub why: String,
    /// What to change, with the settings to change.
    pub advice: String,
}

/// The criterion of an ABC-SMC fit: at least one generation after the prior sample completed,
/// and the final population's effective sample size at least [`MIN_ESS_SHARE`] of the
/// particles. `None` for a fit.
pub fn abc_not_fit(problem: &Problem, state: &AbcState, set: &AbcSettings) -> Option<NotFit> {
    let stop = state.stop.as_deref().unwrap_or("stopped");
    if state.generation == 0 {
        return Some(NotFit {
            why: format!(
                "no generation after the prior sample was completed ({stop}): the posterior is \
                 the prior sample"
            ),
            advice: prior_only_advice(problem, state, set, stop),
        });
    }
    let n = state.weights.len();
    let e = ess(&state.weights);
    if e < MIN_ESS_SHARE * n as f64 {
        return Some(NotFit {
            why: format!(
                "the final population's effective sample size {e:.1} is below {:.0}% of its {n} \
                 particles: a few particles carry the posterior",
                100.0 * MIN_ESS_SHARE
            ),
            advice: "calibrate fewer parameters (fix some at values in the scenario and leave \
                     them out of calibration.parameters), or raise calibration.abc.particles"
                .into(),
        });
    }
    None
}

/// What to do when ABC-SMC ended with its prior sample, by what stopped it.
fn prior_only_advice(problem: &Problem, state: &AbcState, set: &AbcSettings, stop: &str) -> String {
    let undefined = state.distances.iter().filter(|d| !d.is_finite()).count();
    let share = undefined as f64 / state.distances.len().max(1) as f64;
    if share >= set.quantile {
        format!(
            "{:.0}% of the prior sample's simulations have a matched statistic that is undefined \
             (degenerate networks, such as networks without ties): narrow the priors to where \
             the simulated networks are not degenerate, or fix some of the {} parameters",
            100.0 * share,
            problem.dim()
        )
    } else if stop.contains("prior's support") {
        format!(
            "with {} parameters the kernel's proposals almost all fall outside the prior box: \
             calibrate fewer parameters (fix the others at values in the scenario and leave \
             them out of calibration.parameters); narrower priors of the same shape do not \
             help, and a lower calibration.abc.kernel_scale ends with a collapsed effective \
             sample size instead (docs/calibration.md, \"When a result is not a fit\")",
            problem.dim()
        )
    } else if stop.contains("budget") {
        format!(
            "raise calibration.abc.max_simulations (now {}) to at least {} so that generations \
             after the prior sample can complete, or lower calibration.abc.particles",
            set.max_simulations,
            10 * set.particles
        )
    } else {
        "match other statistics, narrow the priors or fix some parameters".into()
    }
}

/// A parameter at a bound of its prior box.
#[derive(Debug, Clone, PartialEq)]
pub struct AtBound {
    /// Index of the parameter.
    pub index: usize,
    /// `lower` or `upper`.
    pub side: &'static str,
    /// The bound.
    pub bound: f64,
    /// ABC: posterior mass within [`BOUND_BAND`] of the box's width of the bound. Method of
    /// moments: 1 for an estimate in that band or beyond the bound.
    pub share: f64,
    /// Method of moments: the estimate lies beyond the bound, outside the prior box.
    pub outside: bool,
}

impl AtBound {
    /// The flag as written in `estimates.csv`'s `prior_bound` column: `lower`, `upper`, or
    /// `below` / `above` for an estimate outside the prior box.
    pub fn label(&self) -> &'static str {
        match (self.outside, self.side) {
            (true, "lower") => "below",
            (true, _) => "above",
            (false, s) => s,
        }
    }

    /// The warning, in words, for the parameter `key`.
    pub fn warning(&self, key: &str) -> String {
        let widen = format!(
            "the data may call for a value beyond it: widen the prior's {} bound, or fix `{key}`",
            self.side
        );
        if self.outside {
            format!(
                "`{key}`: the estimate lies outside the prior box, beyond its {} bound {} (the \
                 method of moments searches a widened box); {widen}",
                self.side, self.bound
            )
        } else if self.share < 1.0 {
            format!(
                "`{key}`: {:.0}% of the posterior mass lies within {:.0}% of the prior box's \
                 width of its {} bound {}; {widen}",
                100.0 * self.share,
                100.0 * BOUND_BAND,
                self.side,
                self.bound
            )
        } else {
            format!(
                "`{key}`: the estimate lies within {:.0}% of the prior box's width of its {} \
                 bound {}; {widen}",
                100.0 * BOUND_BAND,
                self.side,
                self.bound
            )
        }
    }
}

/// The prior box of a bounded prior.
fn prior_box(p: &Prior) -> Option<(f64, f64)> {
    match *p {
        Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => Some((min, max)),
        _ => None,
    }
}

/// The parameters whose weighted posterior sample (`theta`, `weights`) puts more than
/// [`BOUND_SHARE`] of its mass within [`BOUND_BAND`] of the box's width of a bound.
pub fn abc_at_bounds(problem: &Problem, theta: &[Vec<f64>], weights: &[f64]) -> Vec<AtBound> {
    let total: f64 = weights.iter().sum();
    let mut out = Vec::new();
    for (j, p) in problem.parameters.iter().enumerate() {
        let Some((lo, hi)) = prior_box(&p.prior) else {
            continue;
        };
        let band = BOUND_BAND * (hi - lo);
        let mass = |near: &dyn Fn(f64) -> bool| {
            theta
                .iter()
                .zip(weights)
                .filter(|(t, _)| near(t[j]))
                .map(|(_, w)| w)
                .sum::<f64>()
                / total
        };
        for (side, bound, share) in [
            ("lower", lo, mass(&|x| x <= lo + band)),
            ("upper", hi, mass(&|x| x >= hi - band)),
        ] {
            if share > BOUND_SHARE {
                out.push(AtBound {
                    index: j,
                    side,
                    bound,
                    share,
                    outside: false,
                });
            }
        }
    }
    out
}

/// The parameters whose point estimate lies within [`BOUND_BAND`] of the box's width of a
/// bound, or beyond it.
pub fn point_at_bounds(problem: &Problem, estimates: &[f64]) -> Vec<AtBound> {
    let mut out = Vec::new();
    for (j, (p, &x)) in problem.parameters.iter().zip(estimates).enumerate() {
        let Some((lo, hi)) = prior_box(&p.prior) else {
            continue;
        };
        let band = BOUND_BAND * (hi - lo);
        let flag = |side, bound, outside| AtBound {
            index: j,
            side,
            bound,
            share: 1.0,
            outside,
        };
        if x <= lo + band {
            out.push(flag("lower", lo, x < lo));
        } else if x >= hi - band {
            out.push(flag("upper", hi, x > hi));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_which_side_and_whether_outside() {
        let b = AtBound {
            index: 0,
            side: "lower",
            bound: -1.0,
            share: 1.0,
            outside: true,
        };
        assert_eq!(b.label(), "below");
        assert!(
            b.warning("formation.closure")
                .contains("outside the prior box")
        );
        let u = AtBound {
            side: "upper",
            outside: false,
            share: 0.4,
            ..b
        };
        assert_eq!(u.label(), "upper");
        assert!(u.warning("k").contains("40% of the posterior mass"));
    }

    fn row(statistic: &str, observed: f64, q025: f64, q975: f64) -> super::super::ppc::CheckRow {
        super::super::ppc::CheckRow {
            wave: 2,
            check: "matched".into(),
            statistic: statistic.into(),
            observed,
            n: 1000,
            mean: (q025 + q975) / 2.0,
            sd: 1.0,
            q025,
            q975,
            p_value: 0.0,
        }
    }

    #[test]
    fn a_matched_statistic_outside_its_interval_is_missed() {
        let rows = [
            row("ties@2", 99.0, 57.0, 137.0),
            row("isolates@2", 2.0, 7.0, 19.0),
            row("transitivity@2", 7.0 / 12.0, 0.28, 0.45),
            row("degree_sd@2", f64::NAN, 2.0, 4.0),
            row("tie_persistence@2", 0.45, 0.45, 0.7),
        ];
        let missed = smm_missed(&rows);
        assert_eq!(missed.len(), 2, "{missed:?}");
        assert!(
            missed[0].starts_with("`isolates@2` is 2 at wave 2, outside the 95% interval 7 to 19")
        );
        assert!(
            missed[1].starts_with(
                "`transitivity@2` is 0.5833 at wave 2, outside the 95% interval 0.28 to 0.45"
            ),
            "{}",
            missed[1]
        );
    }
}
