//! Q2: will the changes strengthen social capital? The channel `adoption_to_social_capital`
//! on against off, and each of its two parts alone, with common random numbers.

use super::Options;
use crate::ensemble::Runner;
use crate::error::Result;
use crate::experiment::compare::{Comparison, Design, compare};
use crate::experiment::outcome::Key;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// The social-capital outcomes of Q2, at the last wave.
pub fn q2_outcomes(last: usize) -> Vec<Key> {
    [
        "mean_trust",
        "sc_index",
        "tie_persistence",
        "programme_tie_survival",
        "initiative_share",
        "ties",
        "adoption_share",
    ]
    .iter()
    .map(|s| Key::new(s, last))
    .collect()
}

/// Runs Q2: `adoption_to_social_capital` off (the baseline of the differences), on, and each
/// of its two parts alone, with common random numbers.
pub fn q2(runner: &Runner, scenario: &Scenario, o: &Options) -> Result<Comparison> {
    let mut off = scenario.clone();
    off.feedback.adoption_to_social_capital = false;
    let on = scenario.clone();
    let mut on = on;
    on.feedback.adoption_to_social_capital = true;
    let ties_only =
        crate::experiment::sweep::apply(&on, &[("initiative.effects.adopted".into(), 0.0)])?;
    let initiatives_only =
        crate::experiment::sweep::apply(&on, &[("formation.effects.adopted".into(), 0.0)])?;
    let design = |name: &str, s: Scenario| Design {
        name: name.to_string(),
        file: PathBuf::from(scenario.file_label()),
        scenario: s,
    };
    let designs = [
        design("channel off", off),
        design("channel on", on),
        design("adopters form more ties (only)", ties_only),
        design("adopters launch more initiatives (only)", initiatives_only),
    ];
    compare(
        &designs,
        runner,
        o.replicates,
        o.seed,
        &q2_outcomes(scenario.timeline.waves.len()),
    )
}
