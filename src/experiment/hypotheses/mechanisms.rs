//! Mechanisms: each feedback channel switched off in turn, and which variants still reproduce
//! the observed pattern.

use super::Options;
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::Result;
use crate::experiment::estimate::{Summary, summarise};
use crate::experiment::outcome::{Key, OutcomeTable, Outcomes, Selection};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::plot::{ForestPanel, ForestSeries, forest_figure};
use crate::experiment::table::Table;
use crate::model::Model;
use crate::scenario::Scenario;

/// How a claim of the observed pattern is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClaimKind {
    /// The mean margin must be positive by more than four Monte Carlo standard errors.
    Positive,
    /// Shown for its size, not judged.
    Report,
    /// The mean value must lie within `tolerance` of `target`.
    Near {
        /// Observed value.
        target: f64,
        /// Allowed distance.
        tolerance: f64,
    },
}

/// Reads one replicate's outcome by statistic and wave.
pub type Reader<'a> = dyn Fn(&str, usize) -> f64 + 'a;

/// One feature of the observed pattern (docs/background.md), as `tests/default_pattern.rs`
/// encodes it.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// Short name.
    pub name: &'static str,
    /// The quantity judged, per replicate (a margin for [`ClaimKind::Positive`], a value for
    /// [`ClaimKind::Near`]); reads outcomes by name.
    pub value: fn(&Reader) -> f64,
    /// How it is judged.
    pub kind: ClaimKind,
}

const KINDS: [&str; 5] = ["ente_gestore", "public", "third_sector", "firm", "other"];

/// The observed pattern: wave-1 ties mostly pre-existing; wave 2 with more organisations,
/// entrants mostly third sector and then firms; fewer ties at wave 3 and the baseline share
/// rising again; about 42% of wave-1 organisations in new initiatives. A last, unjudged entry
/// shows how far the network thins (wave-3 ties over wave-1 ties): the qualitative claims do
/// not tell thinning from collapse.
pub const PATTERN: [Claim; 8] = [
    Claim {
        name: "wave-1 baseline share - 0.5",
        value: |g| g("ties_origin_share.baseline", 1) - 0.5,
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "organisations wave 2 - wave 1",
        value: |g| g("organisations", 2) - g("organisations", 1),
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "third-sector entrants - half of entrants",
        value: |g| {
            let all: f64 = KINDS.iter().map(|k| g(&format!("entrants.{k}"), 2)).sum();
            g("entrants.third_sector", 2) - 0.5 * all
        },
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "firm entrants - max(public, other)",
        value: |g| g("entrants.firm", 2) - g("entrants.public", 2).max(g("entrants.other", 2)),
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "ties wave 2 - wave 3",
        value: |g| g("ties", 2) - g("ties", 3),
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "baseline share wave 3 - wave 2",
        value: |g| g("ties_origin_share.baseline", 3) - g("ties_origin_share.baseline", 2),
        kind: ClaimKind::Positive,
    },
    Claim {
        name: "initiative_share (about 0.42)",
        value: |g| g("initiative_share", 3),
        kind: ClaimKind::Near {
            target: 0.42,
            tolerance: 0.02,
        },
    },
    Claim {
        name: "ties wave 3 / wave 1 (size, not judged)",
        value: |g| g("ties", 3) / g("ties", 1),
        kind: ClaimKind::Report,
    },
];

/// The outcomes the pattern reads.
pub fn pattern_keys() -> Vec<Key> {
    let mut k = vec![
        Key::new("ties_origin_share.baseline", 1),
        Key::new("ties_origin_share.baseline", 2),
        Key::new("ties_origin_share.baseline", 3),
        Key::new("organisations", 1),
        Key::new("organisations", 2),
        Key::new("ties", 1),
        Key::new("ties", 2),
        Key::new("ties", 3),
        Key::new("initiative_share", 3),
    ];
    k.extend(KINDS.iter().map(|s| Key::new(&format!("entrants.{s}"), 2)));
    k
}

/// How one variant does on one claim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClaimResult {
    /// The claim's quantity over replicates.
    pub value: Summary,
    /// Whether the claim holds on the ensemble (the pattern test's rule).
    pub holds: bool,
    /// Share of replicates in which the claim holds on its own (margin > 0, or within the
    /// tolerance).
    pub replicate_share: f64,
    /// How far the ensemble is from meeting the claim: the mean margin for a positive claim
    /// (negative: missed), the distance beyond the tolerance for a near claim (0: met).
    pub miss: f64,
}

/// The mechanism ablations.
#[derive(Debug, Clone, PartialEq)]
pub struct Mechanisms {
    /// Variant names: all on, each channel off, all off.
    pub variants: Vec<String>,
    /// `results[variant][claim]`.
    pub results: Vec<Vec<ClaimResult>>,
    /// Replicates per variant.
    pub replicates: u64,
}

/// Each replicate's value of every claim of [`PATTERN`] (rows: replicates; columns: claims),
/// from a table that holds [`pattern_keys`].
pub fn claim_values(t: &OutcomeTable) -> Vec<Vec<f64>> {
    t.rows
        .iter()
        .map(|row| {
            let g = |s: &str, w: usize| t.position(&Key::new(s, w)).map_or(f64::NAN, |c| row[c]);
            PATTERN.iter().map(|c| (c.value)(&g)).collect()
        })
        .collect()
}

/// Judges the pattern on a table of outcomes (which must hold [`pattern_keys`]).
pub fn judge(t: &OutcomeTable) -> Vec<ClaimResult> {
    let per_rep = claim_values(t);
    PATTERN
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let v: Vec<f64> = per_rep.iter().map(|r| r[k]).collect();
            let s = summarise(&v);
            let n = v.iter().filter(|x| x.is_finite()).count().max(1) as f64;
            match c.kind {
                ClaimKind::Positive => ClaimResult {
                    value: s,
                    holds: s.mean > 4.0 * s.se,
                    replicate_share: v.iter().filter(|&&x| x > 0.0).count() as f64 / n,
                    miss: s.mean,
                },
                ClaimKind::Report => ClaimResult {
                    value: s,
                    holds: true,
                    replicate_share: f64::NAN,
                    miss: 0.0,
                },
                ClaimKind::Near { target, tolerance } => ClaimResult {
                    value: s,
                    holds: (s.mean - target).abs() < tolerance,
                    replicate_share: v
                        .iter()
                        .filter(|&&x| (x - target).abs() < tolerance)
                        .count() as f64
                        / n,
                    miss: ((s.mean - target).abs() - tolerance).max(0.0),
                },
            }
        })
        .collect()
}

/// Runs the ablations: all channels on, each switched off in turn, all off.
pub fn mechanisms(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
) -> Result<Mechanisms> {
    let (variants, scenarios) = channel_variants(scenario);
    let models: Vec<Model> = scenarios
        .iter()
        .map(|s| Model::new(data, &s.params()))
        .collect::<std::result::Result<_, _>>()?;
    let refs: Vec<&Model> = models.iter().collect();
    let tables = runner.outcomes(
        "mechanisms",
        &refs,
        o.seed,
        o.replicates,
        &Selection::Keys(pattern_keys()),
    );
    Ok(Mechanisms {
        variants,
        results: tables.iter().map(judge).collect(),
        replicates: o.replicates,
    })
}

/// The feedback channels by name.
pub const CHANNELS: [&str; 4] = [
    "trust_to_formation",
    "trust_to_persistence",
    "social_capital_to_adoption",
    "adoption_to_social_capital",
];

fn set_channel(s: &mut Scenario, channel: &str, on: bool) {
    let f = &mut s.feedback;
    match channel {
        "trust_to_formation" => f.trust_to_formation = on,
        "trust_to_persistence" => f.trust_to_persistence = on,
        "social_capital_to_adoption" => f.social_capital_to_adoption = on,
        _ => f.adoption_to_social_capital = on,
    }
}

/// All channels on, each off in turn, all off: names and scenarios.
pub(super) fn channel_variants(scenario: &Scenario) -> (Vec<String>, Vec<Scenario>) {
    let mut on = scenario.clone();
    for c in CHANNELS {
        set_channel(&mut on, c, true);
    }
    let mut names = vec!["all channels on".to_string()];
    let mut out = vec![on.clone()];
    for c in CHANNELS {
        let mut s = on.clone();
        set_channel(&mut s, c, false);
        names.push(format!("{c} off"));
        out.push(s);
    }
    let mut none = on;
    for c in CHANNELS {
        set_channel(&mut none, c, false);
    }
    names.push("all channels off".into());
    out.push(none);
    (names, out)
}

/// The mechanism ablations as a table: each claim's value and whether it holds.
pub fn mechanisms_table(m: &Mechanisms) -> Table {
    let mut header = vec!["variant".to_string()];
    header.extend(PATTERN.iter().map(|c| c.name.to_string()));
    header.push("pattern".into());
    let mut t = Table::new(&header);
    for (v, res) in m.variants.iter().zip(&m.results) {
        let mut row = vec![v.clone()];
        for (c, r) in PATTERN.iter().zip(res) {
            row.push(match c.kind {
                ClaimKind::Report => fmt_sig(r.value.mean, 3),
                _ => format!(
                    "{} {} ({:.0}%)",
                    if r.holds { "yes" } else { "NO" },
                    fmt_sig(r.value.mean, 3),
                    100.0 * r.replicate_share
                ),
            });
        }
        let judged = PATTERN
            .iter()
            .filter(|c| c.kind != ClaimKind::Report)
            .count();
        let missed = res.iter().filter(|r| !r.holds).count();
        row.push(if missed == 0 {
            "reproduced".into()
        } else {
            format!("{missed} of {judged} missed")
        });
        t.push(row);
    }
    t
}

pub(super) fn write_mechanisms(m: &Mechanisms, dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for (v, res) in m.variants.iter().zip(&m.results) {
        for (c, r) in PATTERN.iter().zip(res) {
            rows.push(vec![
                v.clone(),
                c.name.to_string(),
                num(r.value.mean),
                num(r.value.se),
                num(r.value.lo),
                num(r.value.hi),
                r.holds.to_string(),
                num(r.replicate_share),
                num(r.miss),
            ]);
        }
    }
    dir.csv(
        "mechanisms.csv",
        &[
            "variant",
            "claim",
            "mean",
            "se",
            "lower95",
            "upper95",
            "holds",
            "replicate_share",
            "miss",
        ],
        &rows,
    )?;
    let panels: Vec<ForestPanel> = PATTERN
        .iter()
        .enumerate()
        .map(|(k, c)| ForestPanel {
            title: c.name.to_string(),
            x_label: match c.kind {
                ClaimKind::Positive => "margin (> 0: claim holds)".into(),
                ClaimKind::Report => "ratio (1: as many ties as at wave 1)".into(),
                ClaimKind::Near { target, tolerance } => {
                    format!("value (observed {target} ± {tolerance})")
                }
            },
            rows: m.variants.clone(),
            series: vec![ForestSeries {
                name: String::new(),
                values: m
                    .results
                    .iter()
                    .map(|r| (r[k].value.mean, r[k].value.lo, r[k].value.hi))
                    .collect(),
            }],
            reference: Some(match c.kind {
                ClaimKind::Positive => 0.0,
                ClaimKind::Report => 1.0,
                ClaimKind::Near { target, .. } => target,
            }),
        })
        .collect();
    forest_figure(
        &dir.path().join("mechanisms.svg"),
        &format!(
            "Mechanisms: the observed pattern with each feedback channel off ({} replicates, 95% intervals)",
            m.replicates
        ),
        &panels,
        2,
    )
}
