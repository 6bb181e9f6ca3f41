//! Calibration priors must stay inside the valid range of the parameter they calibrate
//! (checked by scenario validation).
//!
//! A prior whose support reaches outside the range that validation accepts for its parameter
//! (a `uniform(-5, -1)` on a rate, a `normal` on a probability) is an error, found when the
//! scenario is loaded. With every prior inside the valid range, ABC-SMC proposals (which are
//! rejected outside the prior's support) and method-of-moments estimates (clamped to it) stay
//! in the valid space of the scenario.

use super::{Prior, parameters};
use crate::scenario::Scenario;

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

/// Problems (key path, message) of calibration priors that reach outside their parameter's
/// valid range; `check` is the scenario's own validation.
pub(crate) fn check(
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
        let slots = parameters::slots(&spec.key);
        for (x, field) in probes(&prior) {
            let mut params = base.params();
            parameters::set(&mut params, &spec.key, x);
            let mut probe = base.clone();
            probe.set_params(params);
            let found = check(&probe).into_iter().find(|(key, _)| {
                slots
                    .iter()
                    .any(|sl| key == sl || sl.starts_with(&format!("{key}.")))
            });
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
