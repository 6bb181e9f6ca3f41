//! The hypothesis experiments of MODEL.md section 9, on the evaluators' questions (DOMAIN.md):
//!
//! - **Q1** (did pre-existing social capital help the changes happen?): dose-response of the
//!   change outcomes at wave 2 (adoption share, entrants, new programme ties) to baseline
//!   social capital, scaled from low to high in the data set (trust, density, both), and the
//!   same relation across the territories within runs.
//! - **Q2** (will the changes strengthen social capital?): the effect of the channel
//!   `adoption_to_social_capital` on social capital at wave 3, on against off with common
//!   random numbers, and through which of its two parts (adopters form more ties; adopters
//!   launch more initiatives).
//! - **Mechanisms**: each feedback channel switched off in turn; which variants still
//!   reproduce the observed pattern ([`PATTERN`], as `tests/default_pattern.rs` checks it) and
//!   by how much the others miss.
//! - **Q3** (what traces would show it?): for every observable statistic, how well it
//!   separates "feedback on" from "feedback off" (standardised difference, AUC), and the power
//!   of the Monte Carlo test that compares one observed region (22 territories, three waves)
//!   with the no-feedback model, at the 5% level; observables ranked by power.

use super::compare::{Comparison, Design, compare, with_interval, write_files};
use super::estimate::{
    Summary, auc, least_squares, monte_carlo_power, quantile_sorted, sorted_finite,
    standardised_difference, summarise, t_p_value,
};
use super::outcome::{Key, OutcomeTable, Runner, Selection, run_replicate};
use super::output::{ExperimentDir, fmt_sig, num};
use super::plot::{
    ForestPanel, ForestSeries, Point, Series, Style, XyPanel, forest_figure, xy_figure,
};
use super::table::Table;
use crate::data::{Dataset, Tie};
use crate::error::{Error, Result};
use crate::model::rng::{self, Rng};
use crate::model::{Model, Params};
use crate::network::{Origin, Snapshot};
use crate::scenario::Scenario;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Which parts to run and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Replicates per variant.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
    /// Q1: multipliers of baseline social capital (1 is the data set as given).
    pub levels: Vec<f64>,
    /// Run Q1.
    pub q1: bool,
    /// Run Q2.
    pub q2: bool,
    /// Run the mechanism ablations.
    pub mechanisms: bool,
    /// Run Q3.
    pub q3: bool,
}

impl Options {
    /// Every part, with `replicates` replicates from `seed`, Q1 levels 0.5 to 1.5.
    pub fn all(replicates: u64, seed: u64) -> Options {
        Options {
            replicates,
            seed,
            levels: vec![0.5, 0.75, 1.0, 1.25, 1.5],
            q1: true,
            q2: true,
            mechanisms: true,
            q3: true,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Q1

/// A data set with baseline social capital scaled: the trust of every baseline and history
/// tie multiplied by `trust` (capped at 1), and the number of baseline ties multiplied by
/// `density`: fewer keeps a random subset, more adds ties between organisations of the same
/// territory that were active and not tied or remembered, each with the trust of an existing
/// baseline tie. The random order is fixed by `seed`, so the tie sets of different levels are
/// nested.
pub fn scale_social_capital(
    ds: &Dataset,
    p: &Params,
    trust: f64,
    density: f64,
    seed: u64,
) -> Dataset {
    let mut out = ds.clone();
    let scale = |t: &Tie, default: f64| Tie {
        trust: Some((t.trust.unwrap_or(default) * trust).clamp(0.0, 1.0)),
        ..*t
    };
    let mut rng: Rng = rng::stream(seed, 0, 0x0051);
    let mut ties: Vec<Tie> = ds.ties.iter().map(|t| scale(t, p.trust.baseline)).collect();
    shuffle(&mut ties, &mut rng);
    out.history = ds
        .history
        .iter()
        .map(|t| scale(t, p.trust.history))
        .collect();
    let m = ties.len();
    let want = (density.max(0.0) * m as f64).round() as usize;
    if want <= m {
        ties.truncate(want);
    } else if m > 0 {
        let key = |a: usize, b: usize| (a.min(b), a.max(b));
        let taken: HashSet<(usize, usize)> = ds
            .ties
            .iter()
            .chain(&ds.history)
            .map(|t| key(t.a, t.b))
            .collect();
        let orgs = &ds.organisations;
        let mut candidates = Vec::new();
        for a in 0..orgs.len() {
            for b in a + 1..orgs.len() {
                if orgs[a].active
                    && orgs[b].active
                    && orgs[a].territory == orgs[b].territory
                    && !taken.contains(&(a, b))
                {
                    candidates.push((a, b));
                }
            }
        }
        shuffle(&mut candidates, &mut rng);
        let extra = (want - m).min(candidates.len());
        for (k, &(a, b)) in candidates[..extra].iter().enumerate() {
            ties.push(Tie {
                a,
                b,
                trust: ties[k % m].trust,
            });
        }
    }
    out.ties = ties;
    out
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng::index(rng, i + 1));
    }
}

/// Baseline social capital of the organisations in `orgs` at step 0: the mean of the model's
/// index `ln(1 + sum of trust over active ties)` over those that are active.
fn baseline_sc(model: &Model, orgs: impl Iterator<Item = usize>) -> f64 {
    let w = model.initial();
    let v: Vec<f64> = orgs
        .filter(|&i| w.active[i])
        .map(|i| {
            w.memory
                .active_partners(i as u32)
                .iter()
                .map(|&(_, d)| w.memory.dyad(d).trust)
                .sum::<f64>()
                .ln_1p()
        })
        .collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The change outcomes of Q1, all at wave 2 and per organisation active at wave 1 where they
/// are counts, so that the network-level and territory-level slopes have the same units.
pub fn q1_outcomes() -> Vec<Key> {
    vec![
        Key::new("adoption_share", 2),
        Key::new("entrants_rate", 2),
        Key::new("programme_ties_rate", 2),
    ]
}

/// One dose-response series of Q1.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseSeries {
    /// What is scaled: `trust and density`, `trust only`, `density only`.
    pub name: String,
    /// Mean social-capital index of the active organisations at step 0, per level.
    pub baseline_sc: Vec<f64>,
    /// Mean trust of the baseline ties, per level.
    pub baseline_trust: Vec<f64>,
    /// Baseline ties, per level.
    pub baseline_ties: Vec<usize>,
    /// Outcomes per level.
    pub tables: Vec<OutcomeTable>,
    /// Per outcome: slope of the outcome on `baseline_sc` across levels, per replicate,
    /// summarised over replicates.
    pub slopes: Vec<Summary>,
}

/// The relation between a territory's baseline social capital and its change outcomes,
/// across the territories of each run.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryRelation {
    /// Territory names.
    pub territories: Vec<String>,
    /// Baseline social capital of each territory (mean index of its active organisations).
    pub baseline_sc: Vec<f64>,
    /// Per outcome, per territory: the outcome over replicates (mean, 2.5% and 97.5%
    /// quantiles).
    pub outcome: Vec<Vec<(f64, f64, f64)>>,
    /// Per outcome: the across-territory least-squares slope, per replicate, summarised.
    pub slope: Vec<Summary>,
    /// Per outcome: the mean over replicates of the across-territory correlation.
    pub correlation: Vec<f64>,
    /// Per outcome: share of replicates whose slope differs from zero at the 5% level
    /// (two-sided t test over the territories).
    pub significant: Vec<f64>,
}

/// The result of Q1.
#[derive(Debug, Clone, PartialEq)]
pub struct Q1 {
    /// Multipliers of baseline social capital.
    pub levels: Vec<f64>,
    /// Outcomes.
    pub outcomes: Vec<Key>,
    /// The three dose-response series.
    pub series: Vec<DoseSeries>,
    /// The across-territory relation in the data set as given.
    pub territories: TerritoryRelation,
}

/// Per territory at wave 2: adoption share, entrants and new programme ties per organisation
/// active at wave 1 (ties touching the territory).
fn territory_outcomes(w1: &Snapshot, w2: &Snapshot, nt: usize) -> Vec<[f64; 3]> {
    let terr = &w2.nodes.territory;
    let mut active1 = vec![0usize; nt];
    let mut active2 = vec![0usize; nt];
    let mut adopted = vec![0usize; nt];
    let mut entrants = vec![0usize; nt];
    let mut ties = vec![0usize; nt];
    for (i, &t) in terr.iter().enumerate().take(w2.len()) {
        let t = t as usize;
        if t >= nt {
            continue;
        }
        active1[t] += w1.active[i] as usize;
        if w2.active[i] {
            active2[t] += 1;
            adopted[t] += w2.adopted[i] as usize;
            entrants[t] += (!w1.active[i]) as usize;
        }
    }
    for tie in w2.ties.iter().filter(|t| t.origin == Origin::Programme) {
        let (a, b) = (terr[tie.a as usize] as usize, terr[tie.b as usize] as usize);
        if a < nt {
            ties[a] += 1;
        }
        if b < nt && b != a {
            ties[b] += 1;
        }
    }
    let rate = |x: usize, n: usize| {
        if n == 0 {
            f64::NAN
        } else {
            x as f64 / n as f64
        }
    };
    (0..nt)
        .map(|t| {
            [
                rate(adopted[t], active2[t]),
                rate(entrants[t], active1[t]),
                rate(ties[t], active1[t]),
            ]
        })
        .collect()
}

/// Runs Q1.
pub fn q1(runner: &Runner, scenario: &Scenario, data: &Dataset, o: &Options) -> Result<Q1> {
    let params = scenario.params();
    let outcomes = q1_outcomes();
    let specs: [(&str, bool, bool); 3] = [
        ("trust and density", true, true),
        ("trust only", true, false),
        ("density only", false, true),
    ];
    let mut models = Vec::new();
    for &(_, t, d) in &specs {
        for &l in &o.levels {
            let ds = scale_social_capital(
                data,
                &params,
                if t { l } else { 1.0 },
                if d { l } else { 1.0 },
                o.seed,
            );
            models.push(Model::new(&ds, &params)?);
        }
    }
    let refs: Vec<&Model> = models.iter().collect();
    let tables = runner.outcomes(
        "Q1 dose-response",
        &refs,
        o.seed,
        o.replicates,
        &Selection::Keys(outcomes.clone()),
    );
    let nl = o.levels.len();
    let series = specs
        .iter()
        .enumerate()
        .map(|(s, &(name, _, _))| {
            let ms = &models[s * nl..(s + 1) * nl];
            let tabs = tables[s * nl..(s + 1) * nl].to_vec();
            let x: Vec<f64> = ms
                .iter()
                .map(|m| baseline_sc(m, 0..data.organisations.len()))
                .collect();
            let slopes = (0..outcomes.len())
                .map(|c| {
                    let per_rep: Vec<f64> = (0..o.replicates as usize)
                        .map(|r| {
                            let y: Vec<f64> = tabs.iter().map(|t| t.rows[r][c]).collect();
                            least_squares(&x, &y).slope
                        })
                        .collect();
                    summarise(&per_rep)
                })
                .collect();
            DoseSeries {
                name: name.to_string(),
                baseline_sc: x,
                baseline_trust: ms
                    .iter()
                    .map(|m| {
                        let mem = &m.initial().memory;
                        let ids = mem.active_ids();
                        ids.iter().map(|&d| mem.dyad(d).trust).sum::<f64>()
                            / ids.len().max(1) as f64
                    })
                    .collect(),
                baseline_ties: ms
                    .iter()
                    .map(|m| m.initial().memory.active_count())
                    .collect(),
                tables: tabs,
                slopes,
            }
        })
        .collect();

    // Across territories, on the data set as given.
    let model = Model::new(data, &params)?;
    let (names, of_org) = data.territory_index();
    let nt = names.len();
    let x: Vec<f64> = (0..nt)
        .map(|t| {
            baseline_sc(
                &model,
                (0..of_org.len()).filter(|&i| of_org[i] as usize == t),
            )
        })
        .collect();
    let per_rep: Vec<Vec<[f64; 3]>> = runner.map("Q1 territories", o.replicates as usize, |r| {
        let rep = run_replicate(&model, o.seed, r as u64);
        if rep.waves.len() < 2 {
            return vec![[f64::NAN; 3]; nt];
        }
        territory_outcomes(&rep.waves[0], &rep.waves[1], nt)
    });
    let mut outcome = Vec::new();
    let mut slope = Vec::new();
    let mut correlation = Vec::new();
    let mut significant = Vec::new();
    for c in 0..3 {
        outcome.push(
            (0..nt)
                .map(|t| {
                    let v: Vec<f64> = per_rep.iter().map(|r| r[t][c]).collect();
                    let s = sorted_finite(&v);
                    (
                        summarise(&v).mean,
                        quantile_sorted(&s, 0.025),
                        quantile_sorted(&s, 0.975),
                    )
                })
                .collect(),
        );
        let lines: Vec<_> = per_rep
            .iter()
            .map(|r| least_squares(&x, &r.iter().map(|v| v[c]).collect::<Vec<_>>()))
            .collect();
        slope.push(summarise(
            &lines.iter().map(|l| l.slope).collect::<Vec<_>>(),
        ));
        correlation.push(summarise(&lines.iter().map(|l| l.r).collect::<Vec<_>>()).mean);
        let sig = lines
            .iter()
            .filter(|l| t_p_value(l.slope / l.slope_se, l.n as f64 - 2.0) < 0.05)
            .count();
        significant.push(sig as f64 / lines.len().max(1) as f64);
    }
    Ok(Q1 {
        levels: o.levels.clone(),
        outcomes,
        series,
        territories: TerritoryRelation {
            territories: names,
            baseline_sc: x,
            outcome,
            slope,
            correlation,
            significant,
        },
    })
}

// ---------------------------------------------------------------------------------------
// Q2

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
    let ties_only = super::sweep::apply(&on, &[("initiative.adopted".into(), 0.0)])?;
    let initiatives_only = super::sweep::apply(&on, &[("formation.adopted".into(), 0.0)])?;
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

// ---------------------------------------------------------------------------------------
// Mechanisms

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

/// One feature of the observed pattern (DOMAIN.md), as `tests/default_pattern.rs` encodes it.
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

/// Judges the pattern on a table of outcomes (which must hold [`pattern_keys`]).
pub fn judge(t: &OutcomeTable) -> Vec<ClaimResult> {
    let per_rep: Vec<Vec<f64>> = t
        .rows
        .iter()
        .map(|row| {
            let g = |s: &str, w: usize| t.position(&Key::new(s, w)).map_or(f64::NAN, |c| row[c]);
            PATTERN.iter().map(|c| (c.value)(&g)).collect()
        })
        .collect();
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
fn channel_variants(scenario: &Scenario) -> (Vec<String>, Vec<Scenario>) {
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

// ---------------------------------------------------------------------------------------
// Q3

/// How well one observable tells "feedback on" from "feedback off".
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The observable.
    pub key: Key,
    /// Mean with feedback on.
    pub mean_on: f64,
    /// Mean with the channel off.
    pub mean_off: f64,
    /// Standardised difference (on minus off, pooled sd).
    pub d: f64,
    /// Area under the ROC curve (probability that an "on" value exceeds an "off" one).
    pub auc: f64,
    /// Power of the two-sided 5% Monte Carlo test of one observed region against the "off"
    /// ensemble.
    pub power: f64,
    /// Power of the same test when the statistic is averaged over [`REGIONS`] independent
    /// regions (blocks of replicates); NaN with fewer than 20 blocks.
    pub power_regions: Vec<f64>,
    /// Replicates used (on, off).
    pub n: (usize, usize),
}

/// Numbers of independent regions (or programme editions) for which Q3 also gives the power.
pub const REGIONS: [usize; 2] = [3, 10];

/// Means of consecutive blocks of `k` finite values (a last partial block is dropped).
fn block_means(v: &[f64], k: usize) -> Vec<f64> {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    f.chunks_exact(k)
        .map(|c| c.iter().sum::<f64>() / k as f64)
        .collect()
}

/// The traces of one contrast, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Contrast {
    /// The channel switched off (or `all`).
    pub channel: String,
    /// Every observable, ranked by power, then by |d|.
    pub traces: Vec<Trace>,
}

/// Statistics that are not observable in a survey (money) are left out of Q3.
const NOT_OBSERVED: [&str; 2] = ["programme_cost", "cost_per_lasting_tie"];

/// Ranks observables for each contrast: feedback on (seed) against each channel off and all
/// off (seed + 1, independent replicates, as the real region and the model are).
pub fn q3(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
) -> Result<Vec<Contrast>> {
    let (names, scenarios) = channel_variants(scenario);
    let models: Vec<Model> = scenarios
        .iter()
        .map(|s| Model::new(data, &s.params()))
        .collect::<std::result::Result<_, _>>()?;
    let on = runner
        .outcomes(
            "Q3 feedback on",
            &[&models[0]],
            o.seed,
            o.replicates,
            &Selection::All,
        )
        .remove(0);
    let keys: Vec<Key> = on
        .keys
        .iter()
        .filter(|k| !NOT_OBSERVED.contains(&k.statistic.as_str()))
        .cloned()
        .collect();
    let refs: Vec<&Model> = models[1..].iter().collect();
    let offs = runner.outcomes(
        "Q3 feedback off",
        &refs,
        o.seed.wrapping_add(1),
        o.replicates,
        &Selection::Keys(keys.clone()),
    );
    let contrasts = offs
        .iter()
        .zip(&names[1..])
        .map(|(off, name)| {
            let mut traces: Vec<Trace> = keys
                .iter()
                .map(|k| {
                    let a = on.column(k);
                    let b = off.column(k);
                    let (sa, sb) = (summarise(&a), summarise(&b));
                    Trace {
                        key: k.clone(),
                        mean_on: sa.mean,
                        mean_off: sb.mean,
                        d: standardised_difference(&a, &b),
                        auc: auc(&a, &b),
                        power: monte_carlo_power(&a, &b, 0.05),
                        power_regions: REGIONS
                            .iter()
                            .map(|&k| {
                                let (x, y) = (block_means(&a, k), block_means(&b, k));
                                if x.len() < 20 || y.len() < 20 {
                                    f64::NAN
                                } else {
                                    monte_carlo_power(&x, &y, 0.05)
                                }
                            })
                            .collect(),
                        n: (sa.n, sb.n),
                    }
                })
                .filter(|t| t.n.0 > 1 && t.n.1 > 1)
                .collect();
            traces.sort_by(|x, y| {
                let p = |t: &Trace| if t.power.is_finite() { t.power } else { -1.0 };
                let d = |t: &Trace| if t.d.is_finite() { t.d.abs() } else { -1.0 };
                p(y).total_cmp(&p(x)).then(d(y).total_cmp(&d(x)))
            });
            Contrast {
                channel: name
                    .trim_end_matches(" off")
                    .replace("all channels", "all")
                    .to_string(),
                traces,
            }
        })
        .collect();
    Ok(contrasts)
}

// ---------------------------------------------------------------------------------------
// Running and writing

/// Everything the hypotheses command produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hypotheses {
    /// Q1.
    pub q1: Option<Q1>,
    /// Q2.
    pub q2: Option<Comparison>,
    /// Mechanism ablations.
    pub mechanisms: Option<Mechanisms>,
    /// Q3 contrasts.
    pub q3: Option<Vec<Contrast>>,
    /// Replicates per variant.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
}

/// Runs the parts `o` asks for.
pub fn run(runner: &Runner, scenario: &Scenario, o: &Options) -> Result<Hypotheses> {
    if o.replicates < 3 {
        return Err(Error::Other(
            "the hypotheses need at least 3 replicates".into(),
        ));
    }
    if scenario.timeline.waves.len() < 3 {
        return Err(Error::Other(format!(
            "{}: the hypotheses read waves 1 to 3; the timeline has {} waves",
            scenario.file_label(),
            scenario.timeline.waves.len()
        )));
    }
    let (data, _) = scenario.load_dataset()?;
    Ok(Hypotheses {
        q1: if o.q1 {
            Some(q1(runner, scenario, &data, o)?)
        } else {
            None
        },
        q2: if o.q2 {
            Some(q2(runner, scenario, o)?)
        } else {
            None
        },
        mechanisms: if o.mechanisms {
            Some(mechanisms(runner, scenario, &data, o)?)
        } else {
            None
        },
        q3: if o.q3 {
            Some(q3(runner, scenario, &data, o)?)
        } else {
            None
        },
        replicates: o.replicates,
        seed: o.seed,
    })
}

/// Q1 as tables: the dose-response (means per level and series) and the slopes.
pub fn q1_tables(q: &Q1) -> (Table, Table) {
    let mut header = vec![
        "series".to_string(),
        "multiplier".into(),
        "baseline sc index".into(),
        "baseline ties".into(),
        "baseline mean trust".into(),
    ];
    header.extend(q.outcomes.iter().map(|k| k.to_string()));
    let mut dose = Table::new(&header);
    for s in &q.series {
        for (l, level) in q.levels.iter().enumerate() {
            let mut row = vec![
                s.name.clone(),
                format!("{level}"),
                fmt_sig(s.baseline_sc[l], 3),
                s.baseline_ties[l].to_string(),
                fmt_sig(s.baseline_trust[l], 3),
            ];
            for c in 0..q.outcomes.len() {
                let v: Vec<f64> = s.tables[l].rows.iter().map(|r| r[c]).collect();
                row.push(with_interval(&summarise(&v), 3));
            }
            dose.push(row);
        }
    }
    let mut header = vec!["relation".to_string()];
    header.extend(q.outcomes.iter().map(|k| k.to_string()));
    let mut slopes = Table::new(&header);
    for s in &q.series {
        let mut row = vec![format!("dose-response, {}", s.name)];
        row.extend(s.slopes.iter().map(|x| with_interval(x, 2)));
        slopes.push(row);
    }
    let t = &q.territories;
    let mut row = vec!["across territories, within runs".to_string()];
    row.extend(t.slope.iter().map(|x| with_interval(x, 2)));
    slopes.push(row);
    let mut row = vec!["  mean correlation across territories".to_string()];
    row.extend(t.correlation.iter().map(|x| fmt_sig(*x, 2)));
    slopes.push(row);
    let mut row = vec!["  runs with a significant slope (5%, two-sided)".to_string()];
    row.extend(t.significant.iter().map(|x| format!("{:.0}%", 100.0 * x)));
    slopes.push(row);
    (dose, slopes)
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

/// One contrast's top traces as a table.
pub fn q3_table(c: &Contrast, top: usize) -> Table {
    let mut t = Table::new(&[
        "rank",
        "observable",
        "mean on",
        "mean off",
        "d",
        "AUC",
        "power",
        "power, 3 regions",
        "power, 10 regions",
    ]);
    for (k, tr) in c.traces.iter().take(top).enumerate() {
        let mut row = vec![
            (k + 1).to_string(),
            tr.key.to_string(),
            fmt_sig(tr.mean_on, 3),
            fmt_sig(tr.mean_off, 3),
            format!("{:.2}", tr.d),
            format!("{:.2}", tr.auc),
            format!("{:.2}", tr.power),
        ];
        row.extend(tr.power_regions.iter().map(|p| format!("{p:.2}")));
        t.push(row);
    }
    t
}

/// Writes everything into `<root>/<scenario>/hypotheses-<time>/`: per part CSV files
/// (`q1_*.csv`, `q2_*.csv`, `mechanisms.csv`, `q3_traces.csv`), an SVG figure each, and
/// `hypotheses.md` with every table.
pub fn write(h: &Hypotheses, name: &str, root: &Path) -> Result<PathBuf> {
    let mut dir = ExperimentDir::create(root, name, "hypotheses")?;
    let mut md = format!(
        "# Hypotheses\n\n{} replicates per variant, master seed {} (common random numbers).\n\n",
        h.replicates, h.seed
    );
    if let Some(q) = &h.q1 {
        write_q1(q, &mut dir)?;
        let (dose, slopes) = q1_tables(q);
        md.push_str(&format!(
            "## Q1: baseline social capital and change at wave 2\n\nMean [95% interval] per level (`q1_dose_response.svg`):\n\n{}\nSlopes per unit of baseline social-capital index, mean [95% interval] over replicates (`q1_territories.svg`):\n\n{}\n",
            dose.markdown(),
            slopes.markdown()
        ));
    }
    if let Some(c) = &h.q2 {
        write_files(
            c,
            &mut dir,
            "q2_",
            "Q2: adoption_to_social_capital and social capital at wave 3",
            &format!(
                "Q2: effect of adoption_to_social_capital, against the channel off ({} paired replicates, 95% intervals)",
                c.replicates
            ),
        )?;
        let (levels, diffs) = super::compare::tables(c);
        md.push_str(&format!(
            "## Q2: adoption_to_social_capital and social capital at wave 3\n\nMeans:\n\n{}\nDifferences from `{}`, paired (`q2_differences.svg`):\n\n{}\n",
            levels.markdown(),
            c.designs[0],
            diffs.markdown()
        ));
    }
    if let Some(m) = &h.mechanisms {
        write_mechanisms(m, &mut dir)?;
        md.push_str(&format!(
            "## Mechanisms: which channels reproduce the observed pattern\n\nFor each claim: holds on the ensemble (yes/NO), the mean value, and the share of replicates in which it holds (`mechanisms.svg`):\n\n{}\n",
            mechanisms_table(m).markdown()
        ));
    }
    if let Some(cs) = &h.q3 {
        write_q3(cs, &mut dir)?;
        md.push_str("## Q3: observables that tell feedback on from off\n\n");
        for (k, c) in cs.iter().enumerate() {
            md.push_str(&format!(
                "### `{}` off\n\n{}\n",
                c.channel,
                q3_table(c, if k == 0 { 15 } else { 8 }).markdown()
            ));
        }
    }
    dir.write("hypotheses.md", md.as_bytes())?;
    dir.finish()
}

fn write_q1(q: &Q1, dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for s in &q.series {
        for (l, level) in q.levels.iter().enumerate() {
            for (c, k) in q.outcomes.iter().enumerate() {
                let v: Vec<f64> = s.tables[l].rows.iter().map(|r| r[c]).collect();
                let x = summarise(&v);
                rows.push(vec![
                    s.name.clone(),
                    num(*level),
                    num(s.baseline_sc[l]),
                    s.baseline_ties[l].to_string(),
                    num(s.baseline_trust[l]),
                    k.statistic.clone(),
                    k.wave.to_string(),
                    x.n.to_string(),
                    num(x.mean),
                    num(x.se),
                    num(x.lo),
                    num(x.hi),
                ]);
            }
        }
    }
    dir.csv(
        "q1_dose_response.csv",
        &[
            "series",
            "multiplier",
            "baseline_sc",
            "baseline_ties",
            "baseline_mean_trust",
            "statistic",
            "wave",
            "n",
            "mean",
            "se",
            "ci_low",
            "ci_high",
        ],
        &rows,
    )?;
    let mut rows = Vec::new();
    for s in &q.series {
        for (k, x) in q.outcomes.iter().zip(&s.slopes) {
            rows.push(vec![
                format!("dose-response, {}", s.name),
                k.statistic.clone(),
                k.wave.to_string(),
                num(x.mean),
                num(x.se),
                num(x.lo),
                num(x.hi),
                String::new(),
                String::new(),
            ]);
        }
    }
    let t = &q.territories;
    for (c, k) in q.outcomes.iter().enumerate() {
        let x = t.slope[c];
        rows.push(vec![
            "across territories".into(),
            k.statistic.clone(),
            k.wave.to_string(),
            num(x.mean),
            num(x.se),
            num(x.lo),
            num(x.hi),
            num(t.correlation[c]),
            num(t.significant[c]),
        ]);
    }
    dir.csv(
        "q1_slopes.csv",
        &[
            "relation",
            "statistic",
            "wave",
            "slope",
            "se",
            "ci_low",
            "ci_high",
            "mean_correlation",
            "share_significant",
        ],
        &rows,
    )?;
    let mut rows = Vec::new();
    for (ti, name) in t.territories.iter().enumerate() {
        for (c, k) in q.outcomes.iter().enumerate() {
            let (m, lo, hi) = t.outcome[c][ti];
            rows.push(vec![
                name.clone(),
                num(t.baseline_sc[ti]),
                k.statistic.clone(),
                k.wave.to_string(),
                num(m),
                num(lo),
                num(hi),
            ]);
        }
    }
    dir.csv(
        "q1_territories.csv",
        &[
            "territory",
            "baseline_sc",
            "statistic",
            "wave",
            "mean",
            "q025",
            "q975",
        ],
        &rows,
    )?;
    let panels: Vec<XyPanel> = q
        .outcomes
        .iter()
        .enumerate()
        .map(|(c, k)| XyPanel {
            title: k.to_string(),
            x_label: "baseline social-capital index (network mean)".into(),
            y_label: k.statistic.clone(),
            series: q
                .series
                .iter()
                .map(|s| Series {
                    name: s.name.clone(),
                    points: s
                        .tables
                        .iter()
                        .enumerate()
                        .map(|(l, tab)| {
                            let x = summarise(&tab.rows.iter().map(|r| r[c]).collect::<Vec<_>>());
                            Point::new(s.baseline_sc[l], x.mean, x.lo, x.hi)
                        })
                        .collect(),
                    style: Style::LineBand,
                })
                .collect(),
            reference: None,
            fit: None,
        })
        .collect();
    xy_figure(
        &dir.path().join("q1_dose_response.svg"),
        "Q1: change at wave 2 against baseline social capital (means, 95% intervals)",
        &panels,
        3,
    )?;
    let panels: Vec<XyPanel> = q
        .outcomes
        .iter()
        .enumerate()
        .map(|(c, k)| {
            let line = least_squares(
                &t.baseline_sc,
                &t.outcome[c].iter().map(|v| v.0).collect::<Vec<_>>(),
            );
            XyPanel {
                title: k.to_string(),
                x_label: "territory's baseline social-capital index".into(),
                y_label: k.statistic.clone(),
                series: vec![Series {
                    name: String::new(),
                    points: t.outcome[c]
                        .iter()
                        .zip(&t.baseline_sc)
                        .map(|(&(m, lo, hi), &x)| Point::new(x, m, lo, hi))
                        .collect(),
                    style: Style::Points,
                }],
                reference: None,
                fit: Some((line.intercept, line.slope)),
            }
        })
        .collect();
    xy_figure(
        &dir.path().join("q1_territories.svg"),
        "Q1 across the 22 territories: mean over runs, 95% of runs, least-squares line",
        &panels,
        3,
    )
}

fn write_mechanisms(m: &Mechanisms, dir: &mut ExperimentDir) -> Result<()> {
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
            "ci_low",
            "ci_high",
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

fn write_q3(cs: &[Contrast], dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for c in cs {
        for (k, t) in c.traces.iter().enumerate() {
            rows.push(vec![
                c.channel.clone(),
                (k + 1).to_string(),
                t.key.statistic.clone(),
                t.key.wave.to_string(),
                num(t.mean_on),
                num(t.mean_off),
                num(t.d),
                num(t.auc),
                num(t.power),
                num(t.power_regions[0]),
                num(t.power_regions[1]),
                t.n.0.to_string(),
                t.n.1.to_string(),
            ]);
        }
    }
    dir.csv(
        "q3_traces.csv",
        &[
            "channel_off",
            "rank",
            "statistic",
            "wave",
            "mean_on",
            "mean_off",
            "d",
            "auc",
            "power",
            "power_3_regions",
            "power_10_regions",
            "n_on",
            "n_off",
        ],
        &rows,
    )?;
    let panels: Vec<ForestPanel> = cs
        .iter()
        .map(|c| {
            let top: Vec<&Trace> = c.traces.iter().take(10).collect();
            let n = top.first().map_or(1.0, |t| t.n.0 as f64);
            let ci = |p: f64| {
                let h = 1.96 * (p * (1.0 - p) / n).sqrt();
                (p, (p - h).max(0.0), (p + h).min(1.0))
            };
            ForestPanel {
                title: format!("{} off: top 10", c.channel),
                x_label: "power (5% test) and AUC".into(),
                rows: top.iter().map(|t| t.key.to_string()).collect(),
                series: vec![
                    ForestSeries {
                        name: "power".into(),
                        values: top.iter().map(|t| ci(t.power)).collect(),
                    },
                    ForestSeries {
                        name: "AUC".into(),
                        values: top.iter().map(|t| (t.auc, f64::NAN, f64::NAN)).collect(),
                    },
                ],
                reference: Some(0.5),
            }
        })
        .collect();
    forest_figure(
        &dir.path().join("q3_traces.svg"),
        "Q3: observables that tell feedback on from off (one region of 22 territories, three waves)",
        &panels,
        2,
    )
}
