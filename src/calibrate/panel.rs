//! A ready-to-run calibration scenario from a network panel: wave files (adjacency matrices,
//! ties CSV), optionally a covariate file, become a data set (organisations, starting ties), a
//! copy of the wave files and a scenario like `scenarios/s50.toml` (`wecare panel`,
//! docs/calibration.md, "A scenario from a panel").

use super::Problem;
use super::targets::{DEGREE_SD, ISOLATES, TIE_COVARIATE_SIMILARITY};
use crate::data::csv::write_dataset;
use crate::data::matrix::{
    Dyad, MatrixCodes, MatrixWave, is_matrix_path, read_adjacency, read_covariate,
};
use crate::data::{DataError, Dataset, Kind, Organisation, Tie};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// What `wecare panel` is given.
#[derive(Debug, Clone)]
pub struct PanelSpec {
    /// Adjacency-matrix wave files, wave 1 first (at least 2).
    pub waves: Vec<PathBuf>,
    /// Covariate file: one row per actor, one column per wave (wave 1's value is used).
    pub covariate: Option<PathBuf>,
    /// Directory the scenario and its data are written into.
    pub out: PathBuf,
    /// Scenario name (also its file name, `<name>.toml`).
    pub name: String,
    /// Read the waves as directed nominations (a tie where either names the other).
    pub symmetrise: bool,
    /// Codes and dichotomisation of the matrix cells.
    pub codes: MatrixCodes,
}

/// What `wecare panel` wrote.
#[derive(Debug, Clone)]
pub struct PanelSummary {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Actors (organisations).
    pub actors: usize,
    /// Per wave: observed ties, missing dyads, absent actors.
    pub waves: Vec<(usize, usize, usize)>,
    /// Actors with a covariate value.
    pub with_covariate: usize,
}

/// Reads the panel, writes `<out>/<name>.toml` and `<out>/data/` (organisations, starting ties,
/// the wave files), and checks that the scenario loads as a calibration problem. Existing files
/// are never replaced: if the scenario file or `data/` exists, nothing is written; if the check
/// fails, what was written is removed.
pub fn scaffold(spec: &PanelSpec) -> Result<PanelSummary> {
    let scenario = spec.out.join(format!("{}.toml", spec.name));
    let data = spec.out.join("data");
    for p in [&scenario, &data] {
        if p.exists() {
            return Err(Error::Other(format!(
                "{} already exists: choose another --out or --name (nothing is overwritten)",
                p.display()
            )));
        }
    }
    let panel = read_panel(spec)?;
    let ds = panel.dataset();
    if let Err(e) = write_and_check(spec, &panel, &ds, &scenario, &data) {
        let _ = std::fs::remove_file(&scenario);
        let _ = std::fs::remove_dir_all(&data);
        return Err(e);
    }
    Ok(PanelSummary {
        scenario,
        actors: panel.labels.len(),
        waves: panel
            .waves
            .iter()
            .map(|w| {
                let absent = w.absent.iter().filter(|&&a| a).count();
                (w.ties().len(), w.pairs_where(Dyad::Missing).len(), absent)
            })
            .collect(),
        with_covariate: ds
            .organisations
            .iter()
            .filter(|o| o.covariate.is_some())
            .count(),
    })
}

/// The waves and covariate of a panel, read and checked against each other.
struct Panel {
    labels: Vec<String>,
    waves: Vec<MatrixWave>,
    covariate: Option<Vec<Option<f64>>>,
}

fn read_panel(spec: &PanelSpec) -> Result<Panel> {
    if spec.waves.len() < 2 {
        return Err(Error::Other(format!(
            "{} wave file(s): a panel has at least 2 waves (the first is where simulations start)",
            spec.waves.len()
        )));
    }
    let mut waves = Vec::new();
    for p in &spec.waves {
        if !is_matrix_path(p) {
            return Err(DataError::file(
                &p.display().to_string(),
                "not an adjacency-matrix file (.dat, .txt, .mat or .adj)",
            )
            .into());
        }
        waves.push(read_adjacency(p, &spec.codes, spec.symmetrise)?);
    }
    let n = waves[0].n;
    if n < 2 {
        return Err(DataError::file(
            &spec.waves[0].display().to_string(),
            format!("{n} actor: a network panel has at least 2 actors"),
        )
        .into());
    }
    let labels = waves[0]
        .labels
        .clone()
        .unwrap_or_else(|| (1..=n).map(|i| i.to_string()).collect());
    if let Some(d) = first_duplicate(&labels) {
        return Err(DataError::file(
            &spec.waves[0].display().to_string(),
            format!("header: actor `{d}` appears twice"),
        )
        .into());
    }
    for (w, p) in waves.iter().zip(&spec.waves).skip(1) {
        let same = w.labels.as_ref().map_or(w.n == n, |l| *l == labels);
        if !same {
            return Err(DataError::file(
                &p.display().to_string(),
                format!(
                    "{} actors{}, but wave 1 ({}) has {n}{}: every wave has the same actors in \
                     the same order (mark an absent actor's row and column 10)",
                    w.n,
                    if w.labels.is_some() {
                        " with other labels"
                    } else {
                        ""
                    },
                    spec.waves[0].display(),
                    if waves[0].labels.is_some() {
                        " labelled"
                    } else {
                        ""
                    }
                ),
            )
            .into());
        }
    }
    let covariate = match &spec.covariate {
        Some(p) => Some(read_panel_covariate(p, &spec.codes, &labels)?),
        None => None,
    };
    Ok(Panel {
        labels,
        waves,
        covariate,
    })
}

fn first_duplicate(labels: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    labels
        .iter()
        .find(|l| !seen.insert(l.as_str()))
        .map(String::as_str)
}

/// Per actor: its covariate at wave 1, or if missing there its first observed value.
fn read_panel_covariate(
    path: &Path,
    codes: &MatrixCodes,
    labels: &[String],
) -> Result<Vec<Option<f64>>> {
    let (file_labels, rows) = read_covariate(path, codes)?;
    let file = path.display().to_string();
    if rows.len() != labels.len() {
        return Err(DataError::file(
            &file,
            format!(
                "{} rows for {} actors: one row per actor, in the waves' order",
                rows.len(),
                labels.len()
            ),
        )
        .into());
    }
    if let Some(l) = file_labels
        && l != labels
    {
        return Err(DataError::file(
            &file,
            "header: the actors' labels differ from the wave files'",
        )
        .into());
    }
    Ok(rows.iter().map(|r| r.iter().find_map(|v| *v)).collect())
}

impl Panel {
    /// The statistics a scenario may match: s50's, the covariate's only when the panel has a
    /// covariate that varies, and both degree statistics (`isolates` and `degree_sd`), of which
    /// [`defined_statistics`] drops `isolates` when no matched wave has an isolate.
    fn candidate_statistics(&self) -> Vec<&'static str> {
        let varies = self.covariate.as_ref().is_some_and(|c| {
            let v: Vec<f64> = c.iter().flatten().copied().collect();
            v.iter().any(|x| Some(x) != v.first())
        });
        let mut statistics = vec![
            "ties",
            "transitivity",
            "tie_persistence",
            ISOLATES,
            DEGREE_SD,
        ];
        if varies {
            statistics.insert(2, TIE_COVARIATE_SIMILARITY);
        }
        statistics
    }

    /// The data set: one organisation per actor (kind `other`, one territory `panel`), the
    /// covariate, and wave 1 as the starting ties (missing dyads as no tie, absent actors
    /// untied, as the observation rule reads wave 1).
    fn dataset(&self) -> Dataset {
        let organisations = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, id)| Organisation {
                id: id.clone(),
                kind: Kind::Other,
                territory: "panel".into(),
                capacity: 1.0,
                active: true,
                covariate: self.covariate.as_ref().and_then(|c| c[i]),
            })
            .collect();
        let ties = self.waves[0]
            .ties()
            .into_iter()
            .map(|(a, b)| Tie { a, b, trust: None })
            .collect();
        Dataset {
            organisations,
            ties,
            ..Dataset::default()
        }
    }
}

/// Writes the data set, the copied wave files and the scenario, whose statistics are those
/// the observed waves define (a statistic undefined at some wave, such as `transitivity` on a
/// wave without two-paths, is matched at the other waves only), and checks that it loads as a
/// calibration problem.
fn write_and_check(
    spec: &PanelSpec,
    panel: &Panel,
    ds: &Dataset,
    scenario: &Path,
    data: &Path,
) -> Result<()> {
    std::fs::create_dir_all(data).map_err(|e| Error::io(data, e))?;
    write_dataset(ds, data).map_err(|e| Error::io(data, e))?;
    let mut observed = Vec::new();
    for (k, p) in spec.waves.iter().enumerate() {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("dat");
        let name = format!("wave{}.{ext}", k + 1);
        std::fs::copy(p, data.join(&name)).map_err(|e| Error::io(p, e))?;
        observed.push(format!("data/{name}"));
    }
    let write = |statistics: &[String]| {
        let text = scenario_text(spec, panel, &observed, statistics);
        std::fs::write(scenario, text).map_err(|e| Error::io(scenario, e))?;
        Problem::from_scenario(&Scenario::load(scenario)?)
    };
    // First with `ties` alone (defined at every wave), to evaluate the others on the waves.
    let p = write(&["ties".to_string()])?;
    let statistics = defined_statistics(&p, &panel.candidate_statistics(), panel.waves.len())?;
    write(&statistics).map(|_| ())
}

/// Each candidate statistic by name when the observed waves 2.. define it at every one, else
/// as `name@k` at the waves that define it. Of the two degree statistics, `degree_sd` is
/// always matched and `isolates` only when some matched wave has an isolate: a moment whose
/// observed value is 0 at every wave sits on the floor of its range, where only parameters at
/// the edge of the space (no isolate in any simulation) match it, and the method of moments
/// runs off to them (a classroom panel without isolates did). With isolates, both are matched
/// ([`scenario_text`] then frees the isolate effect for the second): the number of isolates
/// alone leaves the spread of the other degrees free, and a panel with one actor of unusually
/// many partners failed the joint degree test at the method of moments' estimate.
fn defined_statistics(p: &Problem, candidates: &[&str], waves: usize) -> Result<Vec<String>> {
    let requests = candidates
        .iter()
        .flat_map(|s| (2..=waves).map(move |k| (k, "network".to_string(), s.to_string())))
        .collect();
    let values = p
        .plan_for(requests)
        .evaluate(&p.observed)
        .map_err(|(k, _, s)| Error::Other(format!("`{s}` at wave {k} cannot be computed")))?;
    let at = |j: usize, k: usize| values[j * (waves - 1) + k - 2];
    let isolated = candidates
        .iter()
        .position(|s| *s == ISOLATES)
        .is_some_and(|j| (2..=waves).any(|k| at(j, k) > 0.0));
    let mut out = Vec::new();
    for (j, name) in candidates.iter().enumerate() {
        if *name == ISOLATES && !isolated {
            continue;
        }
        let defined: Vec<usize> = (2..=waves).filter(|&k| at(j, k).is_finite()).collect();
        if defined.len() == waves - 1 {
            out.push(name.to_string());
        } else {
            out.extend(defined.iter().map(|k| format!("{name}@{k}")));
        }
    }
    Ok(out)
}

/// A TOML array of numbers.
fn numbers(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// The scenario: the s50 mapping (docs/calibration.md, "The s50 scenario") with the panel's
/// waves and `statistics`, the covariate effect only when its statistic is matched, and the
/// isolate effect only when `isolates` is (beside `degree_sd`, one moment per degree effect).
fn scenario_text(
    spec: &PanelSpec,
    panel: &Panel,
    observed: &[String],
    statistics: &[String],
) -> String {
    let waves = panel.waves.len();
    let months = 12 * (waves - 1);
    let steps: Vec<String> = (0..waves).map(|k| (12 * k).to_string()).collect();
    let files: Vec<String> = observed.iter().map(|f| format!("{f:?}")).collect();
    let covariate = statistics
        .iter()
        .any(|s| s.starts_with(TIE_COVARIATE_SIMILARITY));
    let isolates = statistics.iter().any(|s| s.starts_with(ISOLATES));
    let statistics: Vec<String> = statistics.iter().map(|s| format!("{s:?}")).collect();
    let matched: Vec<String> = (2..=waves).map(|k| k.to_string()).collect();
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
    if covariate {
        t.push_str(COVARIATE_PARAMETER);
    }
    if isolates {
        t.push_str(ISOLATE_PARAMETER);
    }
    for k in 2..waves {
        t.push_str(&PERIOD_PARAMETER.replace("{k}", &k.to_string()));
    }
    // The method of moments matches ties wave by wave: the moments the period offsets move.
    t.push_str("\n[calibration.smm]\nper_wave = [\"ties\"]   # one moment per period offset\n");
    t
}

/// The covariate effect's parameter (s50's prior box).
const COVARIATE_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.covariate_similarity"
prior = "uniform"                   # the same covariate value: odds x 0.37 to x 20
min = -1.0
max = 3.0
"#;

/// The isolate effect's parameter, matched to `isolates` while `formation.activity_sqrt` is
/// matched to `degree_sd`: how much keener an actor without partners is to find one than the
/// activity effect's curve says (RSiena's outIso, with the sign of isolate avoidance).
const ISOLATE_PARAMETER: &str = r#"
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
const PERIOD_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.period_offset.{k}"   # formation odds in period {k}: x 0.02 to x 7 of period 1's
prior = "uniform"
min = -4.0
max = 2.0
"#;
