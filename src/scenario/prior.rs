//! Prior distributions of calibrated parameters: uniform, normal, log-normal and beta.

use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal};
use serde::{Deserialize, Serialize};

/// The family of a prior, as written in a scenario (`prior = "normal"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorKind {
    /// Uniform on `[min, max]`.
    Uniform,
    /// Normal with `mean` and `sd`.
    Normal,
    /// Log-normal: `ln(x)` is normal with `meanlog` and `sdlog` (R's `dlnorm`).
    LogNormal,
    /// Beta with shapes `alpha`, `beta`, on `[0, 1]` or rescaled to `[min, max]`.
    Beta,
}

/// A prior distribution with its parameters checked.
///
/// ```
/// use wecare::calibrate::Prior;
/// let p = Prior::Normal { mean: -4.0, sd: 1.0 };
/// assert!((p.mean() + 4.0).abs() < 1e-12);
/// assert!(p.ln_pdf(-4.0) > p.ln_pdf(-2.0));
/// assert_eq!(Prior::Uniform { min: 0.0, max: 1.0 }.ln_pdf(2.0), f64::NEG_INFINITY);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// Uniform on `[min, max]`, `min < max`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, `sd > 0`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal, `sdlog > 0`; support `x > 0`.
    LogNormal {
        /// Mean of `ln(x)`.
        meanlog: f64,
        /// Standard deviation of `ln(x)`.
        sdlog: f64,
    },
    /// Beta with shapes `alpha, beta > 0` on `[min, max]`.
    Beta {
        /// First shape.
        alpha: f64,
        /// Second shape.
        beta: f64,
        /// Lower end of the support (0 by default).
        min: f64,
        /// Upper end of the support (1 by default).
        max: f64,
    },
}

impl Prior {
    /// Builds a prior from its family and the parameters a scenario gives; the error names the
    /// missing or invalid field.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: PriorKind,
        min: Option<f64>,
        max: Option<f64>,
        mean: Option<f64>,
        sd: Option<f64>,
        meanlog: Option<f64>,
        sdlog: Option<f64>,
        alpha: Option<f64>,
        beta: Option<f64>,
    ) -> Result<Prior, (&'static str, String)> {
        let need = |v: Option<f64>, name: &'static str| {
            v.ok_or((
                name,
                format!("the {kind:?} prior needs `{name}`").to_lowercase(),
            ))
        };
        let positive = |v: f64, name: &'static str| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err((name, format!("must be a finite number > 0, got {v}")))
            }
        };
        let finite = |v: f64, name: &'static str| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err((name, format!("must be a finite number, got {v}")))
            }
        };
        let unused = |v: Option<f64>, name: &'static str| match v {
            Some(_) => Err((
                name,
                format!("`{name}` is not a parameter of the {kind:?} prior").to_lowercase(),
            )),
            None => Ok(()),
        };
        let given = [
            (min, "min"),
            (max, "max"),
            (mean, "mean"),
            (sd, "sd"),
            (meanlog, "meanlog"),
            (sdlog, "sdlog"),
            (alpha, "alpha"),
            (beta, "beta"),
        ];
        let allowed: &[&str] = match kind {
            PriorKind::Uniform => &["min", "max"],
            PriorKind::Normal => &["mean", "sd"],
            PriorKind::LogNormal => &["meanlog", "sdlog"],
            PriorKind::Beta => &["alpha", "beta", "min", "max"],
        };
        for (v, n) in given {
            if !allowed.contains(&n) {
                unused(v, n)?;
            }
        }
        // A parameter the family needs: given, and finite (or positive).
        let any = |v: Option<f64>, name: &'static str| finite(need(v, name)?, name);
        let pos = |v: Option<f64>, name: &'static str| positive(need(v, name)?, name);
        let p = match kind {
            PriorKind::Uniform => Prior::Uniform {
                min: any(min, "min")?,
                max: any(max, "max")?,
            },
            PriorKind::Normal => Prior::Normal {
                mean: any(mean, "mean")?,
                sd: pos(sd, "sd")?,
            },
            PriorKind::LogNormal => Prior::LogNormal {
                meanlog: any(meanlog, "meanlog")?,
                sdlog: pos(sdlog, "sdlog")?,
            },
            PriorKind::Beta => Prior::Beta {
                alpha: pos(alpha, "alpha")?,
                beta: pos(beta, "beta")?,
                min: finite(min.unwrap_or(0.0), "min")?,
                max: finite(max.unwrap_or(1.0), "max")?,
            },
        };
        if let Prior::Uniform { min, max } | Prior::Beta { min, max, .. } = p
            && min >= max
        {
            return Err(("max", format!("must be larger than min ({min}), got {max}")));
        }
        p.check_scale()?;
        Ok(p)
    }

    /// Refuses a prior whose bounds, mean or standard deviation lie beyond
    /// [`crate::limits::PRIOR_SCALE`], naming the field to change.
    fn check_scale(&self) -> Result<(), (&'static str, String)> {
        let scale = crate::limits::PRIOR_SCALE;
        let over = |v: f64| v.is_nan() || v.abs() > scale;
        let field = match *self {
            Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => {
                [(min, "min"), (max, "max")]
                    .into_iter()
                    .find(|(v, _)| over(*v))
            }
            Prior::Normal { mean, sd } => [(mean, "mean"), (sd, "sd")]
                .into_iter()
                .find(|(v, _)| over(*v)),
            Prior::LogNormal { meanlog, sdlog } => [(self.mean(), "meanlog"), (self.sd(), "sdlog")]
                .into_iter()
                .find(|(v, _)| over(*v))
                .map(|(_, f)| (if f == "meanlog" { meanlog } else { sdlog }, f)),
        };
        match field {
            None => Ok(()),
            Some((v, f)) => Err((
                f,
                format!(
                    "{v} makes a prior wider than the limit: its bounds, mean and sd must lie within +-{scale:e} (see docs/errors.md, \"Limits\")"
                ),
            )),
        }
    }

    /// A draw from the prior.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Prior::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            // The constructors' arguments were checked in `Prior::new`.
            Prior::Normal { mean, sd } => Normal::new(mean, sd).map_or(mean, |d| d.sample(rng)),
            Prior::LogNormal { meanlog, sdlog } => {
                LogNormal::new(meanlog, sdlog).map_or(meanlog.exp(), |d| d.sample(rng))
            }
            Prior::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let b = Beta::new(alpha, beta).map_or(0.5, |d| d.sample(rng));
                min + (max - min) * b
            }
        }
    }

    /// Log density at `x` (`-inf` outside the support), including normalising constants.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
        if !x.is_finite() {
            return f64::NEG_INFINITY;
        }
        match *self {
            Prior::Uniform { min, max } => {
                if (min..=max).contains(&x) {
                    -(max - min).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Prior::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                -0.5 * z * z - sd.ln() - LN_SQRT_2PI
            }
            Prior::LogNormal { meanlog, sdlog } => {
                if x <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let z = (x.ln() - meanlog) / sdlog;
                -0.5 * z * z - sdlog.ln() - LN_SQRT_2PI - x.ln()
            }
            Prior::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let u = (x - min) / (max - min);
                if !(0.0..=1.0).contains(&u) {
                    return f64::NEG_INFINITY;
                }
                let ln_b = statrs::function::beta::ln_beta(alpha, beta);
                let a = if alpha == 1.0 {
                    0.0
                } else {
                    (alpha - 1.0) * u.ln()
                };
                let b = if beta == 1.0 {
                    0.0
                } else {
                    (beta - 1.0) * (1.0 - u).ln()
                };
                a + b - ln_b - (max - min).ln()
            }
        }
    }

    /// Is `x` inside the support?
    pub fn contains(&self, x: f64) -> bool {
        self.ln_pdf(x) > f64::NEG_INFINITY
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Prior::Uniform { min, max } => 0.5 * (min + max),
            Prior::Normal { mean, .. } => mean,
            Prior::LogNormal { meanlog, sdlog } => (meanlog + 0.5 * sdlog * sdlog).exp(),
            Prior::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * alpha / (alpha + beta),
        }
    }

    /// The standard deviation.
    pub fn sd(&self) -> f64 {
        match *self {
            Prior::Uniform { min, max } => (max - min) / 12f64.sqrt(),
            Prior::Normal { sd, .. } => sd,
            Prior::LogNormal { meanlog, sdlog } => {
                let s2 = sdlog * sdlog;
                ((s2.exp() - 1.0) * (2.0 * meanlog + s2).exp()).sqrt()
            }
            Prior::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let s = alpha + beta;
                (max - min) * (alpha * beta / (s * s * (s + 1.0))).sqrt()
            }
        }
    }

    /// The closest point of the support to `x` (to keep point estimates inside it).
    pub fn clamp(&self, x: f64) -> f64 {
        match *self {
            Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => x.clamp(min, max),
            Prior::Normal { .. } => x,
            Prior::LogNormal { .. } => x.max(f64::MIN_POSITIVE),
        }
    }

    /// A plotting range: the support where bounded, else mean +- 4 sd (for the log-normal,
    /// from 0 to its 99.9% quantile).
    pub fn range(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => (min, max),
            Prior::Normal { mean, sd } => (mean - 4.0 * sd, mean + 4.0 * sd),
            Prior::LogNormal { meanlog, sdlog } => (0.0, (meanlog + 3.09 * sdlog).exp()),
        }
    }

    /// A short description, e.g. `normal(mean = -4, sd = 1)`.
    pub fn describe(&self) -> String {
        match *self {
            Prior::Uniform { min, max } => format!("uniform(min = {min}, max = {max})"),
            Prior::Normal { mean, sd } => format!("normal(mean = {mean}, sd = {sd})"),
            Prior::LogNormal { meanlog, sdlog } => {
                format!("log_normal(meanlog = {meanlog}, sdlog = {sdlog})")
            }
            Prior::Beta {
                alpha,
                beta,
                min,
                max,
            } => format!("beta(alpha = {alpha}, beta = {beta}, min = {min}, max = {max})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn integral(p: &Prior, lo: f64, hi: f64) -> f64 {
        let n = 200_000;
        let h = (hi - lo) / n as f64;
        (0..n)
            .map(|k| p.ln_pdf(lo + (k as f64 + 0.5) * h).exp() * h)
            .sum()
    }

    #[test]
    fn densities_integrate_to_one_and_samples_match_moments() {
        let priors = [
            Prior::Uniform {
                min: -2.0,
                max: 3.0,
            },
            Prior::Normal { mean: 1.0, sd: 0.5 },
            Prior::LogNormal {
                meanlog: -1.0,
                sdlog: 0.4,
            },
            Prior::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 2.0,
            },
        ];
        for p in priors {
            let (lo, hi) = match p {
                Prior::Normal { mean, sd } => (mean - 10.0 * sd, mean + 10.0 * sd),
                Prior::LogNormal { .. } => (0.0, 5.0),
                _ => p.range(),
            };
            assert!((integral(&p, lo, hi) - 1.0).abs() < 1e-3, "{p:?}");
            let mut r = Xoshiro256PlusPlus::seed_from_u64(123);
            let n = 40_000;
            let xs: Vec<f64> = (0..n).map(|_| p.sample(&mut r)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64).sqrt();
            assert!(
                (m - p.mean()).abs() < 0.03 * p.sd().max(0.1) * 3.0,
                "{p:?} {m}"
            );
            assert!((sd / p.sd() - 1.0).abs() < 0.03, "{p:?} {sd}");
            assert!(xs.iter().all(|&x| p.contains(x)));
        }
    }

    #[test]
    fn constructor_names_the_field() {
        // The field a prior of `kind` rejects, given `min`, `max` and `mean` only.
        let rejected = |kind, min, max, mean| {
            Prior::new(kind, min, max, mean, None, None, None, None, None).unwrap_err()
        };
        let e = rejected(PriorKind::Normal, None, None, Some(0.0));
        assert_eq!(e.0, "sd");
        let e = rejected(PriorKind::Uniform, Some(1.0), Some(0.0), None);
        assert_eq!(e.0, "max");
        let e = rejected(PriorKind::Uniform, Some(0.0), Some(1.0), Some(0.5));
        assert_eq!(e.0, "mean");
        assert!(e.1.contains("not a parameter"), "{}", e.1);
    }
}
