//! The effects table as text, in the manner of RSiena's `effectsDocumentation`.

use super::{Coefficient, EFFECTS, Effect, Process};
use crate::scenario::params::{Params, PerPhase};
use std::fmt::Write;

fn phases(e: &Effect) -> String {
    if e.phases.len() == 3 {
        "all".into()
    } else {
        let names: Vec<&str> = e.phases.iter().map(|p| p.name()).collect();
        names.join(",")
    }
}

fn default(e: &Effect, d: &Params) -> String {
    let per_phase = |v: &PerPhase| {
        if v.pre == v.programme && v.programme == v.post {
            format!("{}", v.pre)
        } else {
            format!("{}/{}/{}", v.pre, v.programme, v.post)
        }
    };
    match (e.coefficient, e.process) {
        (Coefficient::Scalar, _) => format!("{}", e.default),
        (Coefficient::KindTable, _) => "0 (table)".into(),
        (Coefficient::Intercept, Process::Formation) => per_phase(&d.formation.base),
        (Coefficient::Intercept, Process::Dissolution) => per_phase(&d.dissolution.base),
        (Coefficient::Intercept, Process::Adoption) => format!("{}", d.adoption.base),
        (Coefficient::Intercept, Process::Initiative) => format!("{}", d.initiative.base),
    }
}

/// One line per effect: process, name, scenario key, default, phases, feedback channel,
/// formula and meaning, under a header; effects of a process in the order they are summed.
pub fn documentation() -> String {
    let d = Params::default();
    let rows: Vec<[String; 7]> = EFFECTS
        .iter()
        .map(|e| {
            [
                e.process.name().to_string(),
                e.name.to_string(),
                default(e, &d),
                phases(e),
                e.channel.map_or("-".into(), |c| c.name().to_string()),
                e.formula.to_string(),
                e.meaning.to_string(),
            ]
        })
        .collect();
    let head = [
        "process",
        "effect",
        "default",
        "phases",
        "channel",
        "statistic",
        "meaning",
    ];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r).take(6) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (k, c) in cells.iter().enumerate() {
            if k < 6 {
                let _ = write!(l, "{c:<w$}  ", w = width[k]);
            } else {
                l.push_str(c);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&head);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&cells);
    }
    out.push_str(
        "\nEach predictor is base[phase] + sum of coefficient * statistic, in the order above.\n\
         Set scalar coefficients by name, e.g. [formation.effects] closure = 0.5; base and mix\n\
         are set in the process's own section. Calibration, sweeps and sensitivity name an\n\
         effect as <process>.<effect>, e.g. formation.closure. Dissolution statistics are\n\
         negated where a positive coefficient makes ties last. A formation or dissolution\n\
         coefficient may differ by observation period (RSiena's time dummies):\n\
         [dissolution.effect_period_offset] embedded = [0.0, 1.8] adds 1.8 in period 2;\n\
         calibration names it dissolution.effect_period_offset.embedded.2.\n",
    );
    out
}
