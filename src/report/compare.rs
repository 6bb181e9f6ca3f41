//! The comparison of several runs: side-by-side tables and overlaid plots in a new directory
//! `<root>/compare/<id>/` (never overwriting), with `compare.csv` (every run's summary rows,
//! with a `run` column), `comparison.json` (which runs), `plots/` and `report.html`.

use super::figures::{
    MAIN_STATISTICS, RunView, archetype_series, kind_series, origin_series, per_statistic_grid,
    trajectory_statistics,
};
use super::files::{parse_field, read_columns, sha256_file, write_recorded};
use super::fmt::{Exact, sig, thousands};
use super::html::{esc, figure, interval_cell, page, table};
use super::plot::render;
use super::rundir::RunDir;
use super::single::{RunData, short_commit};
use super::summary::SUMMARY_COLUMNS;
use crate::error::{Error, Result};
use crate::stats::interval::{half_width, welch_df};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One compared run, as listed in `comparison.json`.
#[derive(Debug, Clone, Serialize)]
struct Compared {
    label: String,
    directory: String,
    run_id: String,
    scenario: String,
    replicates: u64,
    master_seed: u64,
    engine_commit: String,
    manifest_sha256: String,
}

/// Labels for runs: the scenario names when they differ, else scenario and run id.
fn labels(runs: &[RunData]) -> Vec<String> {
    let names: Vec<&str> = runs
        .iter()
        .map(|r| r.manifest.scenario.name.as_str())
        .collect();
    let unique = names
        .iter()
        .enumerate()
        .all(|(i, n)| !names[..i].contains(n));
    runs.iter()
        .map(|r| {
            if unique {
                r.manifest.scenario.name.clone()
            } else {
                format!("{} · {}", r.manifest.scenario.name, r.manifest.run_id)
            }
        })
        .collect()
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// Whether a scenario key changes what is simulated. A scenario's name and description, its
/// observed targets and its sweep and calibration sections describe or use a run but do not
/// change it; output settings and thread counts do not change the results either.
fn changes_the_simulation(key: &str) -> bool {
    let top = key.split('.').next().unwrap_or(key);
    !matches!(
        top,
        "scenario" | "targets" | "sweep" | "calibration" | "output"
    ) && key != "montecarlo.threads"
}

/// Settings whose values differ between runs: (those that change the simulation, with each
/// run's value; the names of the others).
fn differences(runs: &[RunData]) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let flat: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            flatten("", &toml::Value::Table(r.scenario.clone()), &mut m);
            m
        })
        .collect();
    let mut keys: Vec<&String> = flat.iter().flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    let differing: Vec<(String, Vec<String>)> = keys
        .into_iter()
        .filter(|k| !k.starts_with("output.") && *k != "montecarlo.threads")
        .filter_map(|k| {
            let vals: Vec<String> = flat
                .iter()
                .map(|m| m.get(k).cloned().unwrap_or_else(|| "–".into()))
                .collect();
            (vals.iter().any(|v| *v != vals[0])).then(|| (k.clone(), vals))
        })
        .collect();
    let (model, other): (Vec<_>, Vec<_>) = differing
        .into_iter()
        .partition(|(k, _)| changes_the_simulation(k));
    let mut other: Vec<String> = other
        .into_iter()
        .map(|(k, _)| k.split('.').take(2).collect::<Vec<_>>().join("."))
        .collect();
    other.dedup();
    (model, other)
}

/// Per (statistic, wave) of the network scope: the values of every replicate, by replicate
/// index, read from a run's `replicates.csv` (only the statistics in `stats`).
type ReplicateValues = HashMap<(String, usize), BTreeMap<u64, f64>>;

/// A row that does not parse is an error naming the file, line and column: the report never
/// compares runs on some of their replicates without saying so.
fn replicate_values(dir: &Path, stats: &[&str]) -> Result<ReplicateValues> {
    const COLUMNS: [&str; 5] = ["replicate", "wave", "scope", "statistic", "value"];
    let path = dir.join("replicates.csv");
    let rows = read_columns(&path, &COLUMNS)?;
    let mut out: ReplicateValues = HashMap::new();
    for (k, r) in rows.iter().enumerate() {
        if r[2] != "network" || !stats.contains(&r[3].as_str()) {
            continue;
        }
        let rep: u64 = parse_field(&path, k, &COLUMNS, r, 0)?;
        let wave: usize = parse_field(&path, k, &COLUMNS, r, 1)?;
        let value: f64 = parse_field(&path, k, &COLUMNS, r, 4)?;
        let previous = out
            .entry((r[3].clone(), wave))
            .or_default()
            .insert(rep, value);
        if previous.is_some() {
            return Err(Error::Other(format!(
                "{}:{}: replicate {rep} of `{}` at wave {wave} is recorded twice",
                path.display(),
                k + 2,
                r[3]
            )));
        }
    }
    Ok(out)
}

/// The paired difference `b - a` over the replicates both runs have (common random numbers:
/// replicate k of each run draws the same streams): mean and the half-width of its 95%
/// interval, `t(n - 1) sd(d) / sqrt(n)`. `None` with fewer than two finite pairs.
fn paired_difference(a: &BTreeMap<u64, f64>, b: &BTreeMap<u64, f64>) -> Option<(f64, f64)> {
    let d: Vec<f64> = a
        .iter()
        .filter_map(|(k, x)| b.get(k).map(|y| y - x))
        .filter(|v| v.is_finite())
        .collect();
    if d.len() < 2 {
        return None;
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, half_width((var / n).sqrt(), n - 1.0)))
}

/// Builds the comparison of `dirs` (two or more run directories) in a new directory under
/// `<root>/compare/`; returns it.
pub fn build_comparison(dirs: &[PathBuf], root: &Path) -> Result<PathBuf> {
    if dirs.len() < 2 {
        return Err(Error::Other("a comparison needs at least two runs".into()));
    }
    let runs: Vec<RunData> = dirs
        .iter()
        .map(|d| RunData::read(d))
        .collect::<Result<_>>()?;
    let labels = labels(&runs);
    let out = RunDir::create(root, "compare").map_err(|e| Error::io(root, e))?;
    let dir = out.path().to_path_buf();

    let compared = compared_runs(&runs, &labels)?;
    write_recorded(&dir, "comparison.json", "comparison", |w| {
        serde_json::to_writer_pretty(&mut *w, &compared)?;
        w.write_all(b"\n")
    })?;
    write_compare_csv(&dir, &runs, &labels)?;
    let figures = Figures::render(&runs, &labels, &dir.join("plots"))?;

    let mut b = String::new();
    b.push_str(&format!(
        "<header>\n<p class=\"kicker\">wecare comparison</p>\n<h1>{}</h1>\n<p class=\"lead\">{} runs side by side</p>\n</header>\n",
        esc(&labels.join(" vs ")),
        runs.len()
    ));
    b.push_str(&runs_section(&compared));
    b.push_str(&differences_section(&runs, &labels));
    b.push_str(&targets_section(&runs, &labels));
    b.push_str(&figures.section());
    b.push_str(&side_by_side_section(&runs, &labels)?);
    b.push_str(
        "<footer>Written by wecare from the runs' <code>summary.csv</code> and <code>targets.csv</code>; \
         every number is in <code>compare.csv</code> of this directory.</footer>\n",
    );
    let html = page(&format!("Comparison: {}", labels.join(" vs ")), &b);
    write_recorded(&dir, "report.html", "report", |w| {
        w.write_all(html.as_bytes())
    })?;
    let dest = out.destination().to_path_buf();
    out.finish().map_err(|e| Error::io(dest, e))
}

/// The entries of `comparison.json`: each run with its label, directory and manifest checksum.
fn compared_runs(runs: &[RunData], labels: &[String]) -> Result<Vec<Compared>> {
    runs.iter()
        .zip(labels)
        .map(|(r, l)| {
            let mpath = r.dir.join("manifest.json");
            Ok(Compared {
                label: l.clone(),
                directory: std::fs::canonicalize(&r.dir)
                    .unwrap_or(r.dir.clone())
                    .display()
                    .to_string(),
                run_id: r.manifest.run_id.clone(),
                scenario: r.manifest.scenario.name.clone(),
                replicates: r.manifest.replicates,
                master_seed: r.manifest.master_seed,
                engine_commit: r.manifest.engine.git_commit.clone(),
                manifest_sha256: sha256_file(&mpath).map_err(|e| Error::io(&mpath, e))?.1,
            })
        })
        .collect()
}

/// Writes `compare.csv`: every run's summary rows behind a `run` column.
fn write_compare_csv(dir: &Path, runs: &[RunData], labels: &[String]) -> Result<()> {
    write_recorded(dir, "compare.csv", "compare", |w| {
        let mut out = csv::Writer::from_writer(w);
        let mut head = vec!["run"];
        head.extend(SUMMARY_COLUMNS);
        out.write_record(&head)?;
        let mut f = Exact::default();
        for (r, l) in runs.iter().zip(labels) {
            for row in &r.summary.rows {
                let mut rec = vec![l.clone()];
                rec.extend(row.cells(&mut f));
                out.write_record(&rec)?;
            }
        }
        out.flush()
    })?;
    Ok(())
}

/// The comparison's four figures, drawn into `plots/`, as SVG text for inlining.
struct Figures {
    trajectories: String,
    kinds: String,
    origins: String,
    archetypes: String,
}

/// The statistics of a series list (figures' `(statistic, label, colour)`) with panel titles
/// made from their labels.
fn titled(
    series: Vec<(String, String, plotters::style::RGBColor)>,
    title: impl Fn(&str) -> String,
) -> Vec<(String, String)> {
    series.into_iter().map(|(s, l, _)| (s, title(&l))).collect()
}

impl Figures {
    fn render(runs: &[RunData], labels: &[String], plots: &Path) -> Result<Figures> {
        let views: Vec<RunView<'_>> = runs
            .iter()
            .zip(labels)
            .map(|(r, l)| RunView {
                label: l.clone(),
                summary: &r.summary,
                targets: &r.targets,
                step_unit: r.setting("timeline.step_unit"),
            })
            .collect();
        let note = "one colour per run · line: mean; band: 2.5–97.5 percentiles across replicates";
        let grid = |stats: &[(String, String)], cols: usize, title: &str, stem: &str| {
            let fig = per_statistic_grid(&views, stats, cols, title.into(), note.into());
            render(&fig, plots, stem)
        };
        let targets: Vec<&[super::targets::TargetRow]> =
            runs.iter().map(|r| r.targets.as_slice()).collect();
        let summaries: Vec<&super::summary::Summary> = runs.iter().map(|r| &r.summary).collect();
        let arch = titled(archetype_series(&summaries), |l| {
            format!("Partnerships {l}")
        });
        Ok(Figures {
            trajectories: grid(
                &trajectory_statistics(&targets),
                4,
                "The network across waves",
                "compare-trajectories",
            )?,
            kinds: grid(
                &titled(kind_series(), |l| format!("Organisations: {l}")),
                5,
                "Organisations by kind",
                "compare-kinds",
            )?,
            origins: grid(
                &titled(origin_series(), |l| format!("Ties of {l} origin (share)")),
                3,
                "Tie origins",
                "compare-origins",
            )?,
            archetypes: grid(
                &arch,
                arch.len().clamp(1, 4),
                "Partnership archetypes",
                "compare-archetypes",
            )?,
        })
    }

    /// The "Across waves" section.
    fn section(&self) -> String {
        let mut b = String::from("<h2>Across waves</h2>\n");
        b.push_str(&figure(
            "compare-trajectories",
            &self.trajectories,
            "Main statistics of the whole network; one colour per run, each wave at its month; bands: 2.5–97.5 \
             percentiles across replicates (dashed edges); y axes from 0 where a statistic cannot be negative, so \
             that the size of a difference reads off the axis.",
        ));
        b.push_str(&figure(
            "compare-kinds",
            &self.kinds,
            "Active organisations of each kind.",
        ));
        b.push_str(&figure(
            "compare-origins",
            &self.origins,
            "Share of ties by origin; a “return to the past” shows as the baseline share rising again after the programme.",
        ));
        b.push_str(&figure(
            "compare-archetypes",
            &self.archetypes,
            "Number of territories with each partnership archetype.",
        ));
        b
    }
}

/// The "Runs" section: which runs, with their seeds, engines and directories.
fn runs_section(compared: &[Compared]) -> String {
    let head: Vec<String> = [
        "run",
        "scenario",
        "run id",
        "replicates",
        "seed",
        "engine",
        "directory",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = compared
        .iter()
        .map(|c| {
            vec![
                esc(&c.label),
                esc(&c.scenario),
                format!("<code>{}</code>", esc(&c.run_id)),
                thousands(c.replicates),
                c.master_seed.to_string(),
                format!("<code>{}</code>", esc(&short_commit(&c.engine_commit))),
                format!("<code>{}</code>", esc(&c.directory)),
            ]
        })
        .collect();
    format!("<h2>Runs</h2>\n{}", table(&head, &rows, 7))
}

/// The "What differs" section: the settings that change the simulation, each run's value,
/// and the names of those that do not.
fn differences_section(runs: &[RunData], labels: &[String]) -> String {
    let (diffs, described) = differences(runs);
    let mut b = String::from("<h2>What differs</h2>\n");
    if diffs.is_empty() {
        b.push_str(
            "<p class=\"note\">The scenarios simulate the same model and design; they differ at most \
             in output settings, names, descriptions, targets, sweep or calibration sections.</p>\n",
        );
    } else {
        let mut head = vec!["setting".to_string()];
        head.extend(labels.iter().map(|l| esc(l)));
        let rows: Vec<Vec<String>> = diffs
            .iter()
            .map(|(k, vals)| {
                let mut r = vec![format!("<code>{}</code>", esc(k))];
                r.extend(vals.iter().map(|v| format!("<code>{}</code>", esc(v))));
                r
            })
            .collect();
        b.push_str(&table(&head, &rows, head.len()));
    }
    if !described.is_empty() {
        let keys: Vec<String> = described
            .iter()
            .map(|k| format!("<code>{}</code>", esc(k)))
            .collect();
        b.push_str(&format!(
            "<p class=\"note\">Also different, without changing what is simulated: {}.</p>\n",
            keys.join(", ")
        ));
    }
    b
}

/// The "Observed and simulated" section: every run's targets beside each run's distribution
/// (empty when no run has targets).
fn targets_section(runs: &[RunData], labels: &[String]) -> String {
    if runs.iter().all(|r| r.targets.is_empty()) {
        return String::new();
    }
    let mut head = vec!["target".to_string(), "observed".to_string()];
    head.extend(labels.iter().map(|l| esc(l)));
    let mut keys: Vec<(String, usize, String, f64, f64)> = Vec::new();
    for r in runs {
        for t in &r.targets {
            let k = (
                t.statistic.clone(),
                t.wave,
                t.scope.clone(),
                t.observed,
                t.observed_se,
            );
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|(stat, wave, scope, obs, se)| {
            let mut r = vec![
                format!(
                    "<code>{}</code> wave {wave} <span class=\"se\">{}</span>",
                    esc(stat),
                    esc(scope)
                ),
                format!(
                    "{} <span class=\"ci\">± {}</span>",
                    sig(*obs, 3),
                    sig(half_width(*se, f64::INFINITY), 2)
                ),
            ];
            for run in runs {
                r.push(
                    run.summary
                        .get(scope, stat, *wave)
                        .map(|row| interval_cell(&row.d))
                        .unwrap_or_else(|| "–".into()),
                );
            }
            r
        })
        .collect();
    format!(
        "<h2>Observed and simulated</h2>\n{}",
        table(&head, &rows, 1)
    )
}

/// The replicate values of the main statistics behind paired differences: the first run's,
/// when another run shares its master seed, and each such run's (`None` for the others).
fn paired_values(
    runs: &[RunData],
) -> Result<(Option<ReplicateValues>, Vec<Option<ReplicateValues>>)> {
    let main: Vec<&str> = MAIN_STATISTICS.iter().map(|(s, _)| *s).collect();
    let shares_seed = |r: &RunData| {
        r.manifest.master_seed == runs[0].manifest.master_seed && r.dir != runs[0].dir
    };
    let base = if runs[1..].iter().any(shares_seed) {
        Some(replicate_values(&runs[0].dir, &main)?)
    } else {
        None
    };
    let paired = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (i > 0 && base.is_some() && shares_seed(r))
                .then(|| replicate_values(&r.dir, &main))
                .transpose()
        })
        .collect::<Result<_>>()?;
    Ok((base, paired))
}

/// A Δ cell: the difference of `row` from `base` with the half-width of its 95% interval,
/// paired when `pair` (mean and half-width over shared replicates) is given, else Welch's.
fn delta_cell(
    base: Option<&super::summary::SummaryRow>,
    row: Option<&super::summary::SummaryRow>,
    pair: Option<(f64, f64)>,
) -> String {
    match (base, row) {
        (Some(a), Some(x)) if a.d.n > 0 && x.d.n > 0 => {
            let (d, h) = pair.unwrap_or_else(|| {
                let (sa, sb) = (a.d.mcse, x.d.mcse);
                let df = welch_df(sa, a.d.n as usize, sb, x.d.n as usize);
                (x.d.mean - a.d.mean, half_width(sa.hypot(sb), df))
            });
            let sign = if d > 0.0 { "+" } else { "" };
            format!(
                "{sign}{} <span class=\"ci\">± {}</span>",
                sig(d, 3),
                sig(h, 2)
            )
        }
        _ => "–".into(),
    }
}

/// The "Side by side" section: the main statistics of every run at every wave, with each
/// run's Δ from the first.
fn side_by_side_section(runs: &[RunData], labels: &[String]) -> Result<String> {
    let mut b = String::from(
        "<h2>Side by side</h2>\n<p class=\"note\">Mean [2.5, 97.5 percentiles] ± Monte Carlo standard \
        error. Δ is the difference of means from the first run with a 95% interval. Runs that share the first \
        run's master seed share its random numbers (replicate k of each draws the same streams): their Δ is \
        <b>paired</b>, the mean of the replicate-by-replicate differences ± t·sd/√n (Student's t with n − 1 \
        degrees of freedom), which is tighter than treating the ensembles as independent. For a run with \
        another seed, Δ is unpaired, ± t·√(mcse₁² + mcse₂²) with Welch's degrees of freedom.</p>\n",
    );
    let first = &runs[0].summary;
    let (base_values, paired) = paired_values(runs)?;
    let mut head = vec!["statistic".to_string(), "wave".to_string()];
    for (i, l) in labels.iter().enumerate() {
        head.push(esc(l));
        if i > 0 {
            let kind = if paired[i].is_some() {
                "paired"
            } else {
                "unpaired"
            };
            head.push(format!("Δ {} ({kind})", esc(l)));
        }
    }
    let mut rows = Vec::new();
    for (stat, label) in MAIN_STATISTICS {
        for (w, _) in first.waves() {
            if runs
                .iter()
                .all(|r| r.summary.get("network", stat, w).is_none())
            {
                continue;
            }
            let base = first.get("network", stat, w);
            let mut r = vec![
                format!("{}<br><code class=\"se\">{}</code>", esc(label), esc(stat)),
                w.to_string(),
            ];
            for (i, run) in runs.iter().enumerate() {
                let row = run.summary.get("network", stat, w);
                r.push(
                    row.map(|x| interval_cell(&x.d))
                        .unwrap_or_else(|| "–".into()),
                );
                if i > 0 {
                    let key = (stat.to_string(), w);
                    let pair = match (&base_values, &paired[i]) {
                        (Some(a), Some(b)) => a
                            .get(&key)
                            .zip(b.get(&key))
                            .and_then(|(a, b)| paired_difference(a, b)),
                        _ => None,
                    };
                    r.push(delta_cell(base, row, pair));
                }
            }
            rows.push(r);
        }
    }
    b.push_str(&table(&head, &rows, 1));
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::{changes_the_simulation, paired_difference, replicate_values};
    use std::collections::BTreeMap;

    const HEAD: &str = "replicate,wave,step,scope,statistic,value\n";

    fn values_of(rows: &str) -> Result<super::ReplicateValues, String> {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("replicates.csv"), format!("{HEAD}{rows}")).unwrap();
        replicate_values(d.path(), &["ties"]).map_err(|e| e.to_string())
    }

    #[test]
    fn replicate_values_read_the_network_rows_of_the_statistics_asked_for() {
        let v = values_of("0,1,10,network,ties,3\n1,1,10,network,ties,NaN\n0,1,10,T1,ties,x\n")
            .unwrap();
        assert_eq!(v.len(), 1);
        let w = &v[&("ties".to_string(), 1)];
        assert_eq!(w[&0], 3.0);
        assert!(w[&1].is_nan());
    }

    #[test]
    fn unreadable_replicate_rows_are_errors_naming_line_and_column() {
        for (rows, line, column) in [
            (
                "0,1,10,network,ties,3\n1,1,10,network,ties,three\n",
                3,
                "value",
            ),
            ("x,1,10,network,ties,3\n", 2, "replicate"),
            ("0,-1,10,network,ties,3\n", 2, "wave"),
        ] {
            let e = values_of(rows).unwrap_err();
            assert!(
                e.contains(&format!("replicates.csv:{line}: `{column}` cannot be read")),
                "{rows}: {e}"
            );
        }
        let e = values_of("0,1,10,network,ties,3\n0,1,10,network,ties,4\n").unwrap_err();
        assert!(
            e.contains("replicates.csv:3: replicate 0 of `ties` at wave 1"),
            "{e}"
        );
    }

    #[test]
    fn paired_differences_use_the_replicates_both_runs_have() {
        let a: BTreeMap<u64, f64> = [(0, 1.0), (1, 2.0), (2, 3.0), (3, 9.0)].into();
        // b = a + 1 on the shared replicates, plus noise-free: sd 0, interval 0.
        let b: BTreeMap<u64, f64> = [(0, 2.0), (1, 3.0), (2, 4.0), (5, 0.0)].into();
        assert_eq!(paired_difference(&a, &b), Some((1.0, 0.0)));
        let c: BTreeMap<u64, f64> = [(0, 2.0), (1, 5.0)].into();
        let (m, h) = paired_difference(&a, &c).unwrap();
        // d = 1, 3: mean 2, sd sqrt(2), half-width t(1) sqrt(2) / sqrt(2) = 12.706205 (R:
        // qt(0.975, 1)).
        assert!(
            (m - 2.0).abs() < 1e-12 && (h - 12.706205).abs() < 1e-5,
            "{m} {h}"
        );
        assert_eq!(paired_difference(&a, &BTreeMap::new()), None);
    }

    #[test]
    fn names_targets_and_outputs_are_not_model_differences() {
        for k in [
            "scenario.name",
            "scenario.description",
            "targets",
            "calibration.method",
            "sweep.grid",
            "output.networks",
            "montecarlo.threads",
        ] {
            assert!(!changes_the_simulation(k), "{k}");
        }
        for k in [
            "funding.follow_on",
            "montecarlo.seed",
            "formation.rate.post",
        ] {
            assert!(changes_the_simulation(k), "{k}");
        }
    }
}
