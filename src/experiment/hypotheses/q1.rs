//! Q1: did pre-existing social capital help the changes happen? Dose-response of the change
//! outcomes at wave 2 to baseline social capital scaled in the data set, and the same
//! relation across the territories within runs.

use super::Options;
use crate::data::{Dataset, Tie};
use crate::ensemble::Runner;
use crate::error::Result;
use crate::experiment::compare::with_interval;
use crate::experiment::estimate::{
    Summary, least_squares, quantile_sorted, sorted_finite, summarise, t_p_value,
};
use crate::experiment::outcome::{Key, OutcomeTable, Outcomes, Selection, run_replicate};
use crate::experiment::output::{
    ExperimentDir, SUMMARY_COLUMNS, estimate_cells, fmt_sig, num, summary_cells,
};
use crate::experiment::plot::{Point, Series, Style, XyPanel, axis_title, xy_figure};
use crate::experiment::table::Table;
use crate::model::rng::{self, Rng};
use crate::model::{Model, Params};
use crate::network::{Origin, Snapshot};
use crate::scenario::Scenario;
use std::collections::HashSet;

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
        .filter(|&i| w.is_active(i as u32))
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
    let series = dose_series(runner, data, &params, o, &outcomes)?;
    let territories = territory_relation(runner, data, &params, o)?;
    Ok(Q1 {
        levels: o.levels.clone(),
        outcomes,
        series,
        territories,
    })
}

/// The dose-response: baseline social capital scaled in trust and density, trust only and
/// density only, each at every level of `o.levels`; the slope of each outcome per replicate.
fn dose_series(
    runner: &Runner,
    data: &Dataset,
    params: &Params,
    o: &Options,
    outcomes: &[Key],
) -> Result<Vec<DoseSeries>> {
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
                params,
                if t { l } else { 1.0 },
                if d { l } else { 1.0 },
                o.seed,
            );
            models.push(Model::new(&ds, params)?);
        }
    }
    let refs: Vec<&Model> = models.iter().collect();
    let tables = runner.outcomes(
        "Q1 dose-response",
        &refs,
        o.seed,
        o.replicates,
        &Selection::Keys(outcomes.to_vec()),
    );
    let nl = o.levels.len();
    Ok(specs
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
        .collect())
}

/// The relation across the territories within runs of the data set as given.
fn territory_relation(
    runner: &Runner,
    data: &Dataset,
    params: &Params,
    o: &Options,
) -> Result<TerritoryRelation> {
    let model = Model::new(data, params)?;
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
    Ok(TerritoryRelation {
        territories: names,
        baseline_sc: x,
        outcome,
        slope,
        correlation,
        significant,
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

pub(super) fn write_q1(q: &Q1, dir: &mut ExperimentDir) -> Result<()> {
    write_dose_csv(q, dir)?;
    write_slopes_csv(q, dir)?;
    write_territories_csv(q, dir)?;
    dose_figure(q, dir)?;
    territories_figure(q, dir)
}

/// `q1_dose_response.csv`: per series, level and outcome, the mean with its interval.
fn write_dose_csv(q: &Q1, dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for s in &q.series {
        for (l, level) in q.levels.iter().enumerate() {
            for (c, k) in q.outcomes.iter().enumerate() {
                let v: Vec<f64> = s.tables[l].rows.iter().map(|r| r[c]).collect();
                let mut row = vec![
                    s.name.clone(),
                    num(*level),
                    num(s.baseline_sc[l]),
                    s.baseline_ties[l].to_string(),
                    num(s.baseline_trust[l]),
                ];
                row.extend(summary_cells(k, &summarise(&v)));
                rows.push(row);
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
        ]
        .into_iter()
        .chain(SUMMARY_COLUMNS)
        .collect::<Vec<_>>(),
        &rows,
    )
}

/// `q1_slopes.csv`: the dose-response slopes and the relation across territories.
fn write_slopes_csv(q: &Q1, dir: &mut ExperimentDir) -> Result<()> {
    // relation, outcome, slope with its interval, then correlation and share significant
    // (known across territories only)
    let row = |relation: String, k: &Key, x: &Summary, extra: [String; 2]| {
        let mut r = vec![relation, k.statistic.clone(), k.wave.to_string()];
        r.extend(estimate_cells(x));
        r.extend(extra);
        r
    };
    let mut rows = Vec::new();
    for s in &q.series {
        for (k, x) in q.outcomes.iter().zip(&s.slopes) {
            let relation = format!("dose-response, {}", s.name);
            rows.push(row(relation, k, x, [String::new(), String::new()]));
        }
    }
    let t = &q.territories;
    for (c, k) in q.outcomes.iter().enumerate() {
        let extra = [num(t.correlation[c]), num(t.significant[c])];
        rows.push(row("across territories".into(), k, &t.slope[c], extra));
    }
    dir.csv(
        "q1_slopes.csv",
        &[
            "relation",
            "statistic",
            "wave",
            "slope",
            "se",
            "lower95",
            "upper95",
            "mean_correlation",
            "share_significant",
        ],
        &rows,
    )
}

/// `q1_territories.csv`: per territory and outcome, the mean over runs and its 95% range.
fn write_territories_csv(q: &Q1, dir: &mut ExperimentDir) -> Result<()> {
    let t = &q.territories;
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
            "p2_5",
            "p97_5",
        ],
        &rows,
    )
}

/// `q1_dose_response.svg`.
fn dose_figure(q: &Q1, dir: &ExperimentDir) -> Result<()> {
    let panels: Vec<XyPanel> = q
        .outcomes
        .iter()
        .enumerate()
        .map(|(c, k)| XyPanel {
            title: k.to_string(),
            x_label: "baseline social-capital index (network mean)".into(),
            y_label: axis_title("", &k.statistic),
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
    )
}

/// `q1_territories.svg`.
fn territories_figure(q: &Q1, dir: &ExperimentDir) -> Result<()> {
    let t = &q.territories;
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
                y_label: axis_title("", &k.statistic),
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
