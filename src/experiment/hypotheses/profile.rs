//! Q1 and Q2 as functions of the coefficients the data cannot pin down: each coefficient is
//! set to points of a stated range, the intercepts are re-fitted at every point by ABC (the
//! targets' intercepts, and the intercepts of the coefficient's own process to the marginal
//! rates of the default model: ODD section 8.1's levels), and the answers are computed at the
//! re-fitted model.
//!
//! - Q1 at a point of `adoption.social_capital`: the dose-response slope of the adoption share
//!   at wave 2 on baseline social capital (trust and density scaled together, levels 0.5, 1,
//!   1.5).
//! - Q2 at a point of `initiative.adopted` or `formation.adopted`: the paired difference the
//!   coefficient makes at the re-fitted intercepts (coefficient as set against 0, common random
//!   numbers).

use super::Options;
use super::refit::{
    ABLATIONS, Ablation, LEVEL_SE_SHARE, intercept_prior, refit, target_intercepts,
};
use crate::calibrate::Estimate;
use crate::calibrate::spec::ParameterSpec;
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::experiment::compare::{Design, compare};
use crate::experiment::estimate::{Equivalence, Summary, summarise};
use crate::experiment::outcome::{Key, OutcomeTable, Outcomes, Selection};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::table::Table;
use crate::model::Model;
use crate::scenario::{Scenario, Target};
use std::path::PathBuf;

/// The coefficients profiled and their stated plausible ranges (0 to twice the default).
pub const PROFILES: [(&str, [f64; 5]); 3] = [
    ("adoption.social_capital", [0.0, 0.3, 0.6, 0.9, 1.2]),
    ("initiative.adopted", [0.0, 0.25, 0.5, 0.75, 1.0]),
    ("formation.adopted", [0.0, 0.15, 0.3, 0.45, 0.6]),
];

/// The Q2 outcomes read at each point of a Q2 profile.
pub fn profile_q2_outcomes() -> Vec<Key> {
    [
        "initiative_share",
        "ties",
        "sc_index",
        "mean_trust",
        "adoption_share",
    ]
    .iter()
    .map(|s| Key::new(s, 3))
    .collect()
}

/// One point of a profile.
#[derive(Debug, Clone)]
pub struct ProfilePoint {
    /// The coefficient.
    pub coefficient: String,
    /// Its value here.
    pub value: f64,
    /// The re-fitted intercepts.
    pub fitted: Vec<Estimate>,
    /// Q1: slope of `adoption_share@2` per unit of the baseline social-capital index
    /// (`adoption.social_capital` profile only).
    pub q1_slope: Option<Summary>,
    /// Q2: paired difference, coefficient as set minus 0, per [`profile_q2_outcomes`]
    /// (adoption-to-social-capital profiles only).
    pub q2: Vec<(Key, Summary)>,
}

/// Runs every profile of [`PROFILES`] with `o.replicates` replicates per point.
pub fn profiles(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
) -> Result<Vec<ProfilePoint>> {
    let free0 = target_intercepts(scenario)?;
    // The default model's marginal rates, matched at every point.
    let mut level_keys = Vec::new();
    for a in &ABLATIONS {
        for (s, w) in a.levels {
            level_keys.push(Key::new(s, *w));
        }
    }
    let base = Model::new(data, &scenario.params())?;
    let levels = runner
        .outcomes(
            "profile: levels",
            &[&base],
            o.seed,
            o.replicates,
            &Selection::Keys(level_keys.clone()),
        )
        .remove(0);
    let mut out = Vec::new();
    for (coef, values) in PROFILES {
        let a = ABLATIONS
            .iter()
            .find(|a| a.coefficient == coef)
            .ok_or_else(|| Error::Other(format!("no ablation for {coef}")))?;
        for &v in &values {
            out.push(profile_point(
                runner, scenario, data, o, a, coef, v, &free0, &levels,
            )?);
        }
    }
    Ok(out)
}

/// One point of a profile: the coefficient `coef` set to `v`, the intercepts re-fitted to
/// the targets and the default model's marginal rates (`levels`), then Q1's slope or Q2's
/// effects at the re-fitted intercepts.
#[allow(clippy::too_many_arguments)]
fn profile_point(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
    a: &Ablation,
    coef: &str,
    v: f64,
    free0: &[ParameterSpec],
    levels: &OutcomeTable,
) -> Result<ProfilePoint> {
    let s = scenario.set_number(coef, v)?;
    let mut free = free0.to_vec();
    for k in a.intercepts {
        if !free.iter().any(|p| p.key == *k) {
            free.push(intercept_prior(scenario, k)?);
        }
    }
    let mut targets = scenario.targets.clone();
    for (st, w) in a.levels {
        if targets.iter().any(|t| t.statistic == *st && t.wave == *w) {
            continue;
        }
        let sm = summarise(&levels.column(&Key::new(st, *w)));
        targets.push(Target {
            statistic: st.to_string(),
            wave: *w,
            scope: "network".into(),
            value: sm.mean,
            se: (LEVEL_SE_SHARE * sm.sd).max(1e-9),
        });
    }
    let fit = refit(
        &format!("{coef} = {v}"),
        "profile",
        coef,
        &s,
        free,
        targets,
        &o.budget,
        o.seed,
        runner.threads(),
    )?;
    let fitted = at_estimates(&s, &fit.estimates)?;
    let q1_slope = if coef == "adoption.social_capital" {
        let mut o1 = o.clone();
        o1.levels = vec![0.5, 1.0, 1.5];
        let q = super::q1(runner, &fitted, data, &o1)?;
        q.series.first().and_then(|s| s.slopes.first()).copied()
    } else {
        None
    };
    let q2 = if coef == "adoption.social_capital" {
        Vec::new()
    } else {
        profile_q2(runner, scenario, &fitted, coef, o)?
    };
    Ok(ProfilePoint {
        coefficient: coef.to_string(),
        value: v,
        fitted: fit.estimates,
        q1_slope,
        q2,
    })
}

/// The scenario `s` at the re-fitted estimates; a per-phase intercept fitted as one value
/// (`formation.base`) sets every phase.
fn at_estimates(s: &Scenario, estimates: &[Estimate]) -> Result<Scenario> {
    let values: Vec<(String, f64)> = estimates
        .iter()
        .flat_map(|e| {
            if s.get_number(&e.key).is_some() {
                vec![(e.key.clone(), e.estimate)]
            } else {
                ["pre", "programme", "post"]
                    .iter()
                    .map(|p| (format!("{}.{p}", e.key), e.estimate))
                    .collect()
            }
        })
        .collect();
    Ok(s.with_numbers(&values, "", crate::scenario::Integers::Exact)?)
}

/// Q2 at a profile point: the paired effect of `coef` as set against 0, at the re-fitted
/// intercepts.
fn profile_q2(
    runner: &Runner,
    scenario: &Scenario,
    fitted: &Scenario,
    coef: &str,
    o: &Options,
) -> Result<Vec<(Key, Summary)>> {
    let zero = fitted.set_number(coef, 0.0)?;
    let d = |name: &str, s: Scenario| Design {
        name: name.to_string(),
        file: PathBuf::from(scenario.file_label()),
        scenario: s,
    };
    let c = compare(
        &[d("zero", zero), d("as set", fitted.clone())],
        runner,
        o.replicates,
        o.seed,
        &profile_q2_outcomes(),
    )?;
    Ok(profile_q2_outcomes()
        .into_iter()
        .filter_map(|k| c.row("as set", &k).map(|r| (k, r.difference)))
        .collect())
}

/// Equivalence margin of hypothesis H-Q2 on `sc_index@3` (about 1% of its level): a
/// coefficient "strengthens social capital" only beyond it.
pub const SC_MARGIN: f64 = 0.01;

/// H-Q2 at a profile point: the effect on `sc_index@3` against [`SC_MARGIN`].
pub fn sc_equivalence(p: &ProfilePoint) -> Option<Equivalence> {
    p.q2.iter()
        .find(|(k, _)| k.statistic == "sc_index")
        .map(|(_, s)| Equivalence::of(s, SC_MARGIN))
}

/// The profiles as a table.
pub fn profile_table(ps: &[ProfilePoint]) -> Table {
    let mut header = vec![
        "coefficient".to_string(),
        "value".into(),
        "re-fitted intercepts (posterior mean)".into(),
        "Q1: adoption_share@2 per unit of baseline sc_index".into(),
    ];
    header.extend(
        profile_q2_outcomes()
            .iter()
            .map(|k| format!("Q2: {k} (coefficient minus 0)")),
    );
    header.push(format!("Q2: sc_index@3 within ±{SC_MARGIN} (H-Q2)"));
    let mut t = Table::new(&header);
    let cell = |s: &Summary| {
        format!(
            "{} [{}, {}]",
            fmt_sig(s.mean, 2),
            fmt_sig(s.lo, 2),
            fmt_sig(s.hi, 2)
        )
    };
    for p in ps {
        let mut row = vec![
            p.coefficient.clone(),
            fmt_sig(p.value, 3),
            p.fitted
                .iter()
                .map(|e| format!("{} {}", e.key, fmt_sig(e.estimate, 3)))
                .collect::<Vec<_>>()
                .join("; "),
            p.q1_slope.as_ref().map_or_else(|| "-".into(), cell),
        ];
        for k in profile_q2_outcomes() {
            row.push(
                p.q2.iter()
                    .find(|(x, _)| x == &k)
                    .map_or_else(|| "-".into(), |(_, s)| cell(s)),
            );
        }
        row.push(sc_equivalence(p).map_or_else(|| "-".into(), |e| e.label().to_string()));
        t.push(row);
    }
    t
}

pub(super) fn write_profiles(ps: &[ProfilePoint], dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for p in ps {
        let fitted = p
            .fitted
            .iter()
            .map(|e| format!("{}={}", e.key, num(e.estimate)))
            .collect::<Vec<_>>()
            .join(";");
        let mut push = |what: String, s: &Summary, equivalence: String| {
            rows.push(vec![
                p.coefficient.clone(),
                num(p.value),
                fitted.clone(),
                what,
                num(s.mean),
                num(s.se),
                num(s.lo),
                num(s.hi),
                equivalence,
            ]);
        };
        if let Some(s) = &p.q1_slope {
            push("q1_slope_adoption_share@2".into(), s, String::new());
        }
        for (k, s) in &p.q2 {
            let equivalence = if k.statistic == "sc_index" {
                Equivalence::of(s, SC_MARGIN).label().to_string()
            } else {
                String::new()
            };
            push(format!("q2_difference_{k}"), s, equivalence);
        }
    }
    dir.csv(
        "profiles.csv",
        &[
            "coefficient",
            "value",
            "refitted",
            "quantity",
            "mean",
            "se",
            "lower95",
            "upper95",
            "equivalence",
        ],
        &rows,
    )
}
