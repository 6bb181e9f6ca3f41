//! The text of a panel's scenario: the s50 mapping with the design's waves, statistics and
//! parameters, and its notes as comments.

use super::PanelSpec;
use super::design::Design;
use super::periods::period_range;
use super::read::Panel;
use crate::calibrate::panel_degree as degree_rule;
use crate::calibrate::targets::{ISOLATES, TIE_COVARIATE_SIMILARITY};
use crate::scenario::calibration::{CalibrationSpec, profile_points_needed};

/// A TOML array of numbers.
pub(super) fn numbers(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// The scenario: the s50 mapping (docs/calibration.md, "The s50 scenario") with the panel's
/// matched waves and statistics, the covariate effect only when its statistic is matched, the
/// isolate effect only when `isolates` is (beside `degree_sd`, one moment per degree effect)
/// and the panel has more than one period (with one, the moments are combined instead),
/// the design's period parameters, and its notes as comments.
pub(super) fn scenario_text(
    spec: &PanelSpec,
    panel: &Panel,
    observed: &[String],
    design: &Design,
) -> String {
    let waves = panel.waves.len();
    let months = 12 * (waves - 1);
    let steps: Vec<String> = (0..waves).map(|k| (12 * k).to_string()).collect();
    let files: Vec<String> = observed.iter().map(|f| format!("{f:?}")).collect();
    let has = |name: &str| design.statistics.iter().any(|s| s.starts_with(name));
    let statistics: Vec<String> = design.statistics.iter().map(|s| format!("{s:?}")).collect();
    let matched: Vec<String> = design.matched.iter().map(|k| k.to_string()).collect();
    let c = &spec.codes;
    let mut t = format!(
        include_str!("panel_template.toml"),
        name = spec.name,
        waves = waves,
        months = months,
        steps = steps.join(", "),
        observed = files.join(", "),
        symmetrise = spec.symmetrise,
        statistics = statistics.join(", "),
        matched = matched.join(", "),
        missing = numbers(&c.missing),
        structural = numbers(&c.structural),
        tie_threshold = format!("{:?}", c.tie_threshold),
        tie_values = numbers(&c.tie_values),
    );
    if design.popularity {
        t = degree_rule::with_popularity(&t);
    }
    if !design.closure {
        debug_assert!(t.contains(CLOSURE_PARAMETER));
        t = t.replace(CLOSURE_PARAMETER, "");
    }
    if has(TIE_COVARIATE_SIMILARITY) {
        t.push_str(COVARIATE_PARAMETER);
    }
    if has(ISOLATES) && !design.combine {
        t.push_str(ISOLATE_PARAMETER);
    }
    for k in &design.formation_periods {
        t.push_str(&PERIOD_PARAMETER.replace("{k}", &k.to_string()));
    }
    for g in &design.clustering_periods {
        t.push_str(&CLUSTERING_PARAMETER.replace("{k}", &period_range(g)));
    }
    if !design.notes.is_empty() {
        t.push_str("\n# Decided from this panel's waves:\n");
        for n in &design.notes {
            t.push_str(&format!("# - {n}\n"));
        }
    }
    // The method of moments matches ties wave by wave: the moments the period offsets move;
    // and transitivity too when periods have their own clustering parameter.
    if design.clustering_periods.is_empty() {
        t.push_str("\n[calibration.smm]\nper_wave = [\"ties\"]   # one moment per period offset\n");
    } else {
        t.push_str(
            "\n[calibration.smm]\nper_wave = [\"ties\", \"transitivity\"]   # one moment per \
             period offset and per clustering parameter\n",
        );
        // A shared clustering parameter answers its periods' waves summed.
        let shared: Vec<String> = design
            .clustering_periods
            .iter()
            .filter(|g| g.len() > 1)
            .map(|g| {
                let waves: Vec<String> = g.iter().map(|k| (k + 1).to_string()).collect();
                format!("[{}]", waves.join(", "))
            })
            .collect();
        if !shared.is_empty() {
            t.push_str(&format!(
                "wave_groups = {{ transitivity = [{}] }}   # one moment per shared clustering \
                 parameter\n",
                shared.join(", ")
            ));
        }
    }
    if design.combine {
        t.push_str("combine = true   # isolates and degree_sd: one moment more than parameters\n");
    }
    // A long panel's period offsets can take the parameters past what the default cloud of
    // profile intervals fits a quadratic surrogate to.
    let parameters = t.matches("[[calibration.parameters]]").count();
    let need = profile_points_needed(parameters);
    if need > CalibrationSpec::default().smm.profile_points {
        t.push_str(&format!(
            "profile_points = {need}   # the fewest profile intervals take for {parameters} \
             parameters\n"
        ));
    }
    t
}

/// The closure parameter as the template writes it, left out when no matched wave defines
/// transitivity.
pub(super) const CLOSURE_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.closure"           # a common partner multiplies the odds by 1 to 16
prior = "uniform"
min = 0.0
max = 4.0
"#;

/// The covariate effect's parameter (s50's prior box).
pub(super) const COVARIATE_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.covariate_similarity"
prior = "uniform"                   # the same covariate value: odds x 0.37 to x 20
min = -1.0
max = 3.0
"#;

/// The isolate effect's parameter, matched to `isolates` while `formation.activity_sqrt` is
/// matched to `degree_sd`: how much keener an actor without partners is to find one than the
/// activity effect's curve says (RSiena's outIso, with the sign of isolate avoidance).
pub(super) const ISOLATE_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.isolate"           # an actor without partners: odds x 0.14 to x 20 (0: none)
prior = "uniform"                   # (formation.base is then the intercept of the activity curve)
min = -2.0
max = 3.0
"#;

/// The parameter of period `{k}` (from wave `{k}` to wave `{k} + 1`): its own formation
/// intercept (s50's period-2 prior box), RSiena's rate parameter of each period, so that a
/// panel whose periods differ in how many ties form (a cohort of strangers that becomes a
/// network of friends) is not forced into one intercept for all of them.
pub(super) const PERIOD_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.period_offset.{k}"   # formation odds in period {k}: x 0.02 to x 7 of period 1's
prior = "uniform"
min = -4.0
max = 2.0
"#;

/// The clustering parameter of period `{k}` (from wave `{k}` to wave `{k} + 1`), or of a run of
/// periods `{k}` = `a-b` sharing it: the embeddedness of dissolution in that period (s50's
/// period-2 parameter and prior box), matched to the transitivity at wave `{k} + 1` (summed
/// over waves `a + 1` to `b + 1`), so that a panel whose groups consolidate or split from one
/// period to the next is not forced into one clustering for all of them.
pub(super) const CLUSTERING_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "dissolution.effect_period_offset.embedded.{k}"   # in period {k}, a common partner divides
prior = "uniform"                                     # the odds that a tie ends by 1/4 to 16
min = -2.0
max = 4.0
"#;
