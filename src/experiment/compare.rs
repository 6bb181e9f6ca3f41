//! Comparison of funding designs with common random numbers (docs/ODD.md, section 9).
//!
//! Every design runs the same replicate indices from the same master seed, so replicate k of
//! every design draws from the same random streams; each design is compared with the first
//! (the baseline) through the paired per-replicate differences, whose confidence interval is
//! much narrower than the difference of two independent ensembles' intervals.

use super::estimate::{
    EQUIVALENCE_SHARE, Equivalence, Sign, Summary, equivalence_margin, paired_difference, summarise,
};
use super::outcome::{Key, OutcomeTable, Outcomes, Selection, lasting_outcomes, parse_keys};
use super::output::{ExperimentDir, SUMMARY_COLUMNS, estimate_cells, fmt_sig, num, summary_cells};
use super::plot::{ForestPanel, ForestSeries, axis_title, forest_figure};
use super::table::Table;
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::scenario::Scenario;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A funding design: a scenario under a name.
#[derive(Debug, Clone)]
pub struct Design {
    /// Name (the scenario's `[scenario] name`).
    pub name: String,
    /// Where it came from.
    pub file: PathBuf,
    /// The scenario.
    pub scenario: Scenario,
}

impl Design {
    /// Loads a design from a scenario file.
    pub fn load(path: &Path) -> Result<Design> {
        let scenario = Scenario::load(path)?;
        Ok(Design {
            name: scenario.scenario.name.clone(),
            file: path.to_path_buf(),
            scenario,
        })
    }
}

/// A file listing the designs to compare, paths relative to it:
///
/// ```toml
/// baseline = "baseline.toml"
/// designs = ["budget-equal.toml", "follow-on-12.toml"]
/// outcomes = ["ties@3", "initiative_share@3"]   # optional
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignList {
    /// The baseline design's scenario file.
    pub baseline: PathBuf,
    /// The other designs' scenario files.
    pub designs: Vec<PathBuf>,
    /// Outcomes to compare (`statistic@wave`); default [`lasting_outcomes`].
    #[serde(default)]
    pub outcomes: Vec<String>,
}

impl DesignList {
    /// Reads a design list; returns the scenario files (baseline first) and the outcomes.
    pub fn load(path: &Path) -> Result<(Vec<PathBuf>, Vec<Key>)> {
        let text = crate::input::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let list: DesignList = toml::from_str(&text)
            .map_err(|e| Error::Other(format!("{}: {}", path.display(), e.message())))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let files = std::iter::once(&list.baseline)
            .chain(&list.designs)
            .map(|p| base.join(p))
            .collect();
        let outcomes = parse_keys(&list.outcomes)
            .map_err(|e| Error::Other(format!("{}: outcomes: {e}", path.display())))?;
        Ok((files, outcomes))
    }
}

/// One design's result on one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// Design name.
    pub design: String,
    /// Outcome.
    pub outcome: Key,
    /// Mean over replicates, with its interval.
    pub level: Summary,
    /// Paired difference from the baseline (design minus baseline).
    pub difference: Summary,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Design names, baseline first.
    pub designs: Vec<String>,
    /// Scenario files, baseline first.
    pub files: Vec<PathBuf>,
    /// Outcomes compared.
    pub outcomes: Vec<Key>,
    /// Per design, the replicate values.
    pub tables: Vec<OutcomeTable>,
    /// Every (design, outcome), design by design.
    pub rows: Vec<CompareRow>,
    /// Per design, the step at the end of which each wave is observed (wave k at index k-1).
    pub steps: Vec<Vec<u32>>,
    /// Per design, the first step without programme money (programme end plus follow-on).
    pub money_stops: Vec<u32>,
    /// Replicates per design.
    pub replicates: u64,
    /// Master seed shared by every design.
    pub seed: u64,
}

impl Comparison {
    /// The row of a design and outcome.
    pub fn row(&self, design: &str, outcome: &Key) -> Option<&CompareRow> {
        self.rows
            .iter()
            .find(|r| r.design == design && &r.outcome == outcome)
    }
}

/// Runs every design for `replicates` replicates from master seed `seed` (the same for all:
/// common random numbers) and compares each with the first. `outcomes` empty means
/// [`lasting_outcomes`] at the baseline's last wave.
pub fn compare(
    designs: &[Design],
    runner: &Runner,
    replicates: u64,
    seed: u64,
    outcomes: &[Key],
) -> Result<Comparison> {
    let data = designs
        .iter()
        .map(|d| Ok(d.scenario.load_dataset()?.0))
        .collect::<Result<Vec<Dataset>>>()?;
    compare_data(designs, &data, runner, replicates, seed, outcomes)
}

/// [`compare`] on data sets already read (one per design, in the order of `designs`), for
/// designs whose data are made rather than read (other draws of a generated data set).
pub fn compare_data(
    designs: &[Design],
    data: &[Dataset],
    runner: &Runner,
    replicates: u64,
    seed: u64,
    outcomes: &[Key],
) -> Result<Comparison> {
    if designs.is_empty() {
        return Err(Error::Other("compare needs at least one design".into()));
    }
    if replicates < 2 {
        return Err(Error::Other(
            "compare needs at least 2 replicates for an interval".into(),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for d in designs {
        if !seen.insert(d.name.as_str()) {
            return Err(Error::Other(format!(
                "two designs are named `{}` ([scenario] name): give each design its own name",
                d.name
            )));
        }
    }
    let mut models = Vec::with_capacity(designs.len());
    for (d, ds) in designs.iter().zip(data) {
        models.push(Model::new(ds, &d.scenario.params())?);
    }
    let outcomes = if outcomes.is_empty() {
        lasting_outcomes(designs[0].scenario.timeline.waves.len())
    } else {
        outcomes.to_vec()
    };
    super::outcome::check_keys(&models[0], &outcomes, &runner.stats)
        .map_err(|e| Error::Other(format!("outcome {e}")))?;
    let refs: Vec<&Model> = models.iter().collect();
    let tables = runner.outcomes(
        "designs",
        &refs,
        seed,
        replicates,
        &Selection::Keys(outcomes.clone()),
    );
    let mut rows = Vec::new();
    for (d, t) in designs.iter().zip(&tables) {
        for o in &outcomes {
            let base = tables[0].column(o);
            let this = t.column(o);
            rows.push(CompareRow {
                design: d.name.clone(),
                outcome: o.clone(),
                level: summarise(&this),
                difference: paired_difference(&base, &this),
            });
        }
    }
    Ok(Comparison {
        designs: designs.iter().map(|d| d.name.clone()).collect(),
        files: designs.iter().map(|d| d.file.clone()).collect(),
        outcomes,
        tables,
        rows,
        steps: designs
            .iter()
            .map(|d| d.scenario.timeline.waves.clone())
            .collect(),
        money_stops: designs
            .iter()
            .map(|d| {
                let t = &d.scenario.timeline;
                t.pre + t.programme + d.scenario.funding.follow_on
            })
            .collect(),
        replicates,
        seed,
    })
}

/// What each design buys, against the no-programme counterfactual and the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Economics {
    /// Design name.
    pub design: String,
    /// Step of the last wave.
    pub step: u32,
    /// Months from the first month without money to the last wave (negative: the money still
    /// flows at the last wave).
    pub months_after_money: i64,
    /// Mean EUR spent.
    pub cost: f64,
    /// Programme-origin ties active at the last wave, minus those of the no-programme run
    /// (ties formed in the same months without a programme), paired.
    pub net_programme_ties: Summary,
    /// Ties at the last wave minus the no-programme run's, paired.
    pub extra_ties: Summary,
    /// Incremental EUR per extra lasting programme tie against the baseline: (mean cost -
    /// baseline's) / (mean programme ties - baseline's), with a paired percentile bootstrap
    /// interval over replicates (NaN for the baseline, the counterfactual and designs that
    /// spend what the baseline spends).
    pub incremental: (f64, f64, f64),
    /// EUR per net lasting programme tie against no programme: mean cost / mean net
    /// programme ties, with its bootstrap interval.
    pub per_net_tie: (f64, f64, f64),
}

/// Bootstrap resamples of the cost ratios.
pub const RATIO_RESAMPLES: usize = 2000;

/// The economics of a comparison: needs `programme_cost`, `programme_ties` and `ties` at the
/// last wave, and a counterfactual design that spends nothing (its `programme_cost` is 0 in
/// every replicate); `None` otherwise.
pub fn economics(c: &Comparison) -> Option<Vec<Economics>> {
    let last = c.outcomes.iter().map(|k| k.wave).max()?;
    let cost = Key::new("programme_cost", last);
    let prog = Key::new("programme_ties", last);
    let ties = Key::new("ties", last);
    for k in [&cost, &prog, &ties] {
        if !c.outcomes.contains(k) {
            return None;
        }
    }
    let none = c
        .tables
        .iter()
        .position(|t| t.column(&cost).iter().all(|&x| x == 0.0))?;
    let col = |d: usize, k: &Key| c.tables[d].column(k);
    let mean_at =
        |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64;
    let n = c.tables[0].rows.len();
    let all: Vec<usize> = (0..n).collect();
    let ratio = |num: &dyn Fn(&[usize]) -> f64, den: &dyn Fn(&[usize]) -> f64, seed: u64| {
        let est = num(&all) / den(&all);
        let (lo, hi) = super::estimate::bootstrap_interval(n, RATIO_RESAMPLES, seed, |idx| {
            num(idx) / den(idx)
        });
        (est, lo, hi)
    };
    let (c0, p0) = (col(0, &cost), col(0, &prog));
    let (cn, pn, tn) = (col(none, &cost), col(none, &prog), col(none, &ties));
    Some(
        c.designs
            .iter()
            .enumerate()
            .map(|(d, name)| {
                let (cd, pd, td) = (col(d, &cost), col(d, &prog), col(d, &ties));
                let step = c.steps[d].get(last - 1).copied().unwrap_or(0);
                // Same money (to the euro): no incremental ratio, the tie difference says it all.
                let same_cost = (summarise(&cd).mean - summarise(&c0).mean).abs() < 1.0;
                let incremental = if d == 0 || d == none || same_cost {
                    (f64::NAN, f64::NAN, f64::NAN)
                } else {
                    ratio(
                        &|i| mean_at(&cd, i) - mean_at(&c0, i),
                        &|i| mean_at(&pd, i) - mean_at(&p0, i),
                        c.seed ^ d as u64,
                    )
                };
                let per_net_tie = if d == none {
                    (f64::NAN, f64::NAN, f64::NAN)
                } else {
                    ratio(
                        &|i| mean_at(&cd, i) - mean_at(&cn, i),
                        &|i| mean_at(&pd, i) - mean_at(&pn, i),
                        c.seed ^ (d as u64) << 8,
                    )
                };
                Economics {
                    design: name.clone(),
                    step,
                    months_after_money: step as i64 + 1 - c.money_stops[d] as i64,
                    cost: summarise(&cd).mean,
                    net_programme_ties: paired_difference(&pn, &pd),
                    extra_ties: paired_difference(&tn, &td),
                    incremental,
                    per_net_tie,
                }
            })
            .collect(),
    )
}

/// The economics as a table.
pub fn economics_table(e: &[Economics]) -> Table {
    let mut t = Table::new(&[
        "design",
        "last wave at step",
        "months after the money stops",
        "EUR spent",
        "lasting programme ties net of no programme",
        "ties vs no programme",
        "EUR per net lasting programme tie",
        "incremental EUR per extra lasting programme tie vs baseline",
    ]);
    let ratio = |r: (f64, f64, f64)| {
        if r.0.is_finite() {
            format!(
                "{} [{}, {}]",
                fmt_sig(r.0, 3),
                fmt_sig(r.1, 3),
                fmt_sig(r.2, 3)
            )
        } else {
            "-".into()
        }
    };
    for x in e {
        t.push(vec![
            x.design.clone(),
            x.step.to_string(),
            x.months_after_money.to_string(),
            fmt_sig(x.cost, 3),
            with_interval(&x.net_programme_ties, 3),
            with_interval(&x.extra_ties, 3),
            ratio(x.per_net_tie),
            ratio(x.incremental),
        ]);
    }
    t
}

/// Cell text: an estimate with its interval.
pub fn with_interval(s: &Summary, digits: usize) -> String {
    format!(
        "{} [{}, {}]",
        fmt_sig(s.mean, digits),
        fmt_sig(s.lo, digits),
        fmt_sig(s.hi, digits)
    )
}

/// The comparison as two tables: levels of every design, and differences from the baseline.
pub fn tables(c: &Comparison) -> (Table, Table) {
    let mut header = vec!["design".to_string()];
    header.extend(c.outcomes.iter().map(|o| o.to_string()));
    let mut levels = Table::new(&header);
    let mut diffs = Table::new(&header);
    for d in &c.designs {
        let mut l = vec![d.clone()];
        let mut f = vec![d.clone()];
        for o in &c.outcomes {
            if let Some(r) = c.row(d, o) {
                l.push(fmt_sig(r.level.mean, 3));
                f.push(with_interval(&r.difference, 2));
            }
        }
        levels.push(l);
        if d != &c.designs[0] {
            diffs.push(f);
        }
    }
    (levels, diffs)
}

/// Writes the comparison into a new directory `<root>/<baseline>/compare-<time>/`:
/// `summary.csv`, `replicates.csv`, `designs.csv`, `summary.md` and `differences.svg`.
/// Returns the directory.
pub fn write(c: &Comparison, root: &Path) -> Result<PathBuf> {
    let mut dir = ExperimentDir::create(root, &c.designs[0], "compare")?;
    let title = format!(
        "Funding designs against {} ({} paired replicates, 95% intervals)",
        c.designs[0], c.replicates
    );
    write_files(c, &mut dir, "", "Comparison of funding designs", &title)?;
    dir.finish()
}

/// Writes a comparison's files into `dir`, each name prefixed with `prefix`:
/// `designs.csv`, `summary.csv`, `replicates.csv`, `economics.csv` (with a no-programme
/// design), `summary.md` (under `heading`) and `differences.svg` (titled `title`).
pub fn write_files(
    c: &Comparison,
    dir: &mut ExperimentDir,
    prefix: &str,
    heading: &str,
    title: &str,
) -> Result<()> {
    write_designs_csv(c, dir, prefix)?;
    write_summary_csv(c, dir, prefix)?;
    write_replicates_csv(c, dir, prefix)?;
    let (levels, diffs) = tables(c);
    let mut md = format!(
        "# {heading}\n\n{} replicates per design, master seed {} (common random numbers).\n\n## Means\n\n{}\n## Differences from `{}` (paired, 95% interval)\n\n{}\n## Equivalence: each difference against a margin of {}% of `{}`'s level\n\n{}",
        c.replicates,
        c.seed,
        levels.markdown(),
        c.designs[0],
        diffs.markdown(),
        EQUIVALENCE_SHARE * 100.0,
        c.designs[0],
        equivalence_table(c).markdown()
    );
    if let Some(e) = economics(c) {
        write_economics_csv(&e, dir, prefix)?;
        md.push_str(&format!(
            "\n## Against no programme, and incremental cost (paired; ratios with bootstrap 95% intervals)\n\n{}",
            economics_table(&e).markdown()
        ));
    }
    dir.write(&format!("{prefix}summary.md"), md.as_bytes())?;
    if c.designs.len() > 1 {
        let path = dir.path().join(format!("{prefix}differences.svg"));
        forest_figure(&path, title, &difference_panels(c), 2)?;
    }
    Ok(())
}

/// The equivalence of every difference from the baseline (H-D4: the paired 95% interval
/// inside a margin of [`EQUIVALENCE_SHARE`] of the baseline's level): `equivalent`, `not
/// equivalent` or `inconclusive`.
pub fn equivalence_table(c: &Comparison) -> Table {
    let mut header = vec!["design".to_string()];
    header.extend(c.outcomes.iter().map(|o| o.to_string()));
    let mut t = Table::new(&header);
    for d in &c.designs[1..] {
        let mut row = vec![d.clone()];
        for o in &c.outcomes {
            row.push(c.row(d, o).map_or_else(String::new, |r| {
                let base = c.row(&c.designs[0], o).map_or(f64::NAN, |b| b.level.mean);
                Equivalence::of(&r.difference, equivalence_margin(base))
                    .label()
                    .to_string()
            }));
        }
        t.push(row);
    }
    t
}

/// The columns of a paired difference read by sign and by equivalence (H-D4 margin), as
/// every comparison CSV writes them.
pub const DIFFERENCE_COLUMNS: [&str; 7] = [
    "difference",
    "difference_se",
    "difference_lower95",
    "difference_upper95",
    "difference_sign",
    "equivalence_margin",
    "equivalence",
];

/// The cells of [`DIFFERENCE_COLUMNS`] for the difference `d` from a baseline whose level is
/// `base`.
pub fn difference_cells(d: &Summary, base: f64) -> Vec<String> {
    let margin = equivalence_margin(base);
    let mut cells = estimate_cells(d).to_vec();
    cells.extend([
        Sign::of(d, base).label().to_string(),
        num(margin),
        Equivalence::of(d, margin).label().to_string(),
    ]);
    cells
}

/// `designs.csv`: position, name and file of every design.
fn write_designs_csv(c: &Comparison, dir: &mut ExperimentDir, prefix: &str) -> Result<()> {
    let designs: Vec<Vec<String>> = c
        .designs
        .iter()
        .zip(&c.files)
        .enumerate()
        .map(|(k, (d, f))| vec![k.to_string(), d.clone(), f.display().to_string()])
        .collect();
    dir.csv(
        &format!("{prefix}designs.csv"),
        &["position", "design", "file"],
        &designs,
    )
}

/// `summary.csv`: per design and outcome, the level, the paired difference from the
/// baseline, and the difference read by sign and by equivalence (H-D4 margin).
fn write_summary_csv(c: &Comparison, dir: &mut ExperimentDir, prefix: &str) -> Result<()> {
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let base = c
                .row(&c.designs[0], &r.outcome)
                .map_or(f64::NAN, |b| b.level.mean);
            let mut row = vec![r.design.clone()];
            row.extend(summary_cells(&r.outcome, &r.level));
            row.push(r.difference.n.to_string());
            row.extend(difference_cells(&r.difference, base));
            row
        })
        .collect();
    dir.csv(
        &format!("{prefix}summary.csv"),
        &["design"]
            .into_iter()
            .chain(SUMMARY_COLUMNS)
            .chain(["n_pairs"])
            .chain(DIFFERENCE_COLUMNS)
            .collect::<Vec<_>>(),
        &rows,
    )
}

/// `replicates.csv`: the layout of a run's replicates.csv with the design in front, so the
/// two stack.
fn write_replicates_csv(c: &Comparison, dir: &mut ExperimentDir, prefix: &str) -> Result<()> {
    let mut reps = Vec::new();
    for ((d, t), steps) in c.designs.iter().zip(&c.tables).zip(&c.steps) {
        for (r, row) in t.rows.iter().enumerate() {
            for (k, v) in t.keys.iter().zip(row) {
                let step = steps
                    .get(k.wave.wrapping_sub(1))
                    .map_or_else(String::new, u32::to_string);
                reps.push(vec![
                    d.clone(),
                    r.to_string(),
                    k.wave.to_string(),
                    step,
                    "network".to_string(),
                    k.statistic.clone(),
                    num(*v),
                ]);
            }
        }
    }
    dir.csv(
        &format!("{prefix}replicates.csv"),
        &[
            "design",
            "replicate",
            "wave",
            "step",
            "scope",
            "statistic",
            "value",
        ],
        &reps,
    )
}

/// `economics.csv`: [`economics`] with every interval.
fn write_economics_csv(e: &[Economics], dir: &mut ExperimentDir, prefix: &str) -> Result<()> {
    let rows: Vec<Vec<String>> = e
        .iter()
        .map(|x| {
            vec![
                x.design.clone(),
                x.step.to_string(),
                x.months_after_money.to_string(),
                num(x.cost),
                num(x.net_programme_ties.mean),
                num(x.net_programme_ties.lo),
                num(x.net_programme_ties.hi),
                num(x.extra_ties.mean),
                num(x.extra_ties.lo),
                num(x.extra_ties.hi),
                num(x.per_net_tie.0),
                num(x.per_net_tie.1),
                num(x.per_net_tie.2),
                num(x.incremental.0),
                num(x.incremental.1),
                num(x.incremental.2),
            ]
        })
        .collect();
    dir.csv(
        &format!("{prefix}economics.csv"),
        &[
            "design",
            "last_wave_step",
            "months_after_money",
            "cost_eur",
            "net_programme_ties",
            "net_programme_ties_lower95",
            "net_programme_ties_upper95",
            "extra_ties",
            "extra_ties_lower95",
            "extra_ties_upper95",
            "eur_per_net_tie",
            "eur_per_net_tie_lower95",
            "eur_per_net_tie_upper95",
            "incremental_eur_per_tie",
            "incremental_eur_per_tie_lower95",
            "incremental_eur_per_tie_upper95",
        ],
        &rows,
    )
}

/// One forest panel per outcome: every design's difference from the baseline.
fn difference_panels(c: &Comparison) -> Vec<ForestPanel> {
    c.outcomes
        .iter()
        .map(|o| ForestPanel {
            title: o.to_string(),
            x_label: axis_title(&format!("difference from {}", c.designs[0]), &o.statistic),
            rows: c.designs[1..].to_vec(),
            series: vec![ForestSeries {
                name: String::new(),
                values: c.designs[1..]
                    .iter()
                    .map(|d| {
                        c.row(d, o)
                            .map(|r| (r.difference.mean, r.difference.lo, r.difference.hi))
                            .unwrap_or((f64::NAN, f64::NAN, f64::NAN))
                    })
                    .collect(),
            }],
            reference: Some(0.0),
        })
        .collect()
}
