//! Comparison of funding designs with common random numbers (docs/ODD.md, section 9).
//!
//! Every design runs the same replicate indices from the same master seed, so replicate k of
//! every design draws from the same random streams; each design is compared with the first
//! (the baseline) through the paired per-replicate differences, whose confidence interval is
//! much narrower than the difference of two independent ensembles' intervals.

use super::estimate::{Summary, paired_difference, summarise};
use super::outcome::{Key, OutcomeTable, Runner, Selection, lasting_outcomes, parse_keys};
use super::output::{ExperimentDir, fmt_sig, num};
use super::plot::{ForestPanel, ForestSeries, forest_figure};
use super::table::Table;
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
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
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
    for d in designs {
        let (ds, _) = d.scenario.load_dataset()?;
        models.push(Model::new(&ds, &d.scenario.params())?);
    }
    let outcomes = if outcomes.is_empty() {
        lasting_outcomes(designs[0].scenario.timeline.waves.len())
    } else {
        outcomes.to_vec()
    };
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
        replicates,
        seed,
    })
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
/// `designs.csv`, `summary.csv`, `replicates.csv`, `summary.md` (under `heading`) and
/// `differences.svg` (titled `title`).
pub fn write_files(
    c: &Comparison,
    dir: &mut ExperimentDir,
    prefix: &str,
    heading: &str,
    title: &str,
) -> Result<()> {
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
    )?;
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            vec![
                r.design.clone(),
                r.outcome.statistic.clone(),
                r.outcome.wave.to_string(),
                r.level.n.to_string(),
                num(r.level.mean),
                num(r.level.se),
                num(r.level.lo),
                num(r.level.hi),
                r.difference.n.to_string(),
                num(r.difference.mean),
                num(r.difference.se),
                num(r.difference.lo),
                num(r.difference.hi),
            ]
        })
        .collect();
    dir.csv(
        &format!("{prefix}summary.csv"),
        &[
            "design",
            "statistic",
            "wave",
            "n",
            "mean",
            "se",
            "lower95",
            "upper95",
            "n_pairs",
            "difference",
            "difference_se",
            "difference_lower95",
            "difference_upper95",
        ],
        &rows,
    )?;
    // The layout of a run's replicates.csv with the design in front, so the two stack.
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
    )?;
    let (levels, diffs) = tables(c);
    let md = format!(
        "# {heading}\n\n{} replicates per design, master seed {} (common random numbers).\n\n## Means\n\n{}\n## Differences from `{}` (paired, 95% interval)\n\n{}",
        c.replicates,
        c.seed,
        levels.markdown(),
        c.designs[0],
        diffs.markdown()
    );
    dir.write(&format!("{prefix}summary.md"), md.as_bytes())?;
    let panels: Vec<ForestPanel> = c
        .outcomes
        .iter()
        .map(|o| ForestPanel {
            title: o.to_string(),
            x_label: format!("difference from {}", c.designs[0]),
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
        .collect();
    if c.designs.len() > 1 {
        let path = dir.path().join(format!("{prefix}differences.svg"));
        forest_figure(&path, title, &panels, 2)?;
    }
    Ok(())
}
