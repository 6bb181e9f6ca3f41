//! A ready-to-run calibration scenario from a network panel: wave files (adjacency matrices,
//! ties CSV), optionally a covariate file, become a data set (organisations, starting ties), a
//! copy of the wave files and a scenario like `scenarios/s50.toml` (`wecare panel`,
//! docs/calibration.md, "A scenario from a panel").

use super::Problem;
use super::fixed_choice;
use super::panel_degree as degree_rule;
use super::targets::{DEGREE_SD, ISOLATES, TIE_COVARIATE_SIMILARITY, active_ties_embedded};
use crate::data::csv::write_dataset;
use crate::data::matrix::{
    Cell, CellTable, Dyad, MatrixCodes, MatrixWave, adjacency, is_matrix_path, read_cells,
    read_covariate,
};
use crate::data::{DataError, Dataset, Kind, Organisation, Tie};
use crate::error::{Error, Result};
use crate::network::Snapshot;
use crate::report::RunDir;
use crate::scenario::Scenario;
use crate::scenario::calibration::{CalibrationSpec, profile_points_needed};
use std::path::{Path, PathBuf};

/// The statistic the clustering parameters of the periods are matched to.
const TRANSITIVITY: &str = "transitivity";

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
    /// Most calibrated parameters the scenario gets with clustering parameters (`None`:
    /// [`MAX_PARAMETERS`]).
    pub max_parameters: Option<usize>,
    /// Over the cap, let runs of consecutive periods share clustering parameters
    /// ([`share_periods`]) instead of leaving them out (`wecare panel --share-clustering`).
    pub share_clustering: bool,
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
    /// What the scenario leaves out or adds because of the panel, and why (also written into
    /// the scenario as comments).
    pub notes: Vec<String>,
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
    let most = crate::scenario::parameters::MAX_PERIODS + 1;
    if spec.waves.len() > most {
        return Err(Error::Other(format!(
            "{} wave files: a panel has at most {most} waves (see docs/errors.md, \"Limits\")",
            spec.waves.len()
        )));
    }
    let panel = read_panel(spec)?;
    let ds = panel.dataset();
    // Written under a hidden partial directory (removed on failure or interrupt, with the
    // directories it created) and moved into place together once the scenario loads.
    let stage = RunDir::staging(&spec.out, "panel").map_err(|e| Error::io(&spec.out, e))?;
    let file = format!("{}.toml", spec.name);
    let (staged, staged_data) = (stage.path().join(&file), stage.path().join("data"));
    let design = write_and_check(spec, &panel, &ds, &staged, &staged_data)?;
    stage
        .finish_into_parent(&[&file, "data"])
        .map_err(|e| Error::io(&spec.out, e))?;
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
        notes: design.notes,
    })
}

/// The waves and covariate of a panel, read and checked against each other.
struct Panel {
    labels: Vec<String>,
    waves: Vec<MatrixWave>,
    /// The wave files' cells as read (directed nominations before symmetrising).
    tables: Vec<CellTable>,
    covariate: Option<Vec<Option<f64>>>,
}

fn read_panel(spec: &PanelSpec) -> Result<Panel> {
    if spec.waves.len() < 2 {
        return Err(Error::Other(format!(
            "{} wave file(s): a panel has at least 2 waves (the first is where simulations start)",
            spec.waves.len()
        )));
    }
    let mut tables = Vec::new();
    let mut waves = Vec::new();
    for p in &spec.waves {
        if !is_matrix_path(p) {
            return Err(DataError::file(
                &p.display().to_string(),
                "not an adjacency-matrix file (.dat, .txt, .mat or .adj)",
            )
            .into());
        }
        let table = read_cells(p, &spec.codes)?;
        codes_outside_values(p, &table, &spec.codes)?;
        waves.push(adjacency(&table, &spec.codes, spec.symmetrise)?);
        tables.push(table);
    }
    for (w, p) in waves.iter().zip(&spec.waves) {
        if let Some(d) = w.labels.as_deref().and_then(first_duplicate) {
            return Err(DataError::file(
                &p.display().to_string(),
                format!("header: actor `{d}` appears twice"),
            )
            .into());
        }
    }
    let labels = match all_labels(&waves) {
        Some(all) => {
            waves = waves.iter().map(|w| align(w, &all)).collect();
            all
        }
        None => {
            same_actors(spec, &waves)?;
            let n = waves[0].n;
            waves[0]
                .labels
                .clone()
                .unwrap_or_else(|| (1..=n).map(|i| i.to_string()).collect())
        }
    };
    if labels.len() < 2 {
        return Err(DataError::file(
            &spec.waves[0].display().to_string(),
            format!(
                "{} actor: a network panel has at least 2 actors",
                labels.len()
            ),
        )
        .into());
    }
    let covariate = match &spec.covariate {
        Some(p) => Some(read_panel_covariate(p, &spec.codes, &labels)?),
        None => None,
    };
    Ok(Panel {
        labels,
        waves,
        tables,
        covariate,
    })
}

/// A missing or structural code (`--missing`, `--structural`; 9 and 10 by default) inside
/// the range of a file's tie values is an error at its first off-diagonal cell: ranks or
/// ratings that run past the code (a full rank order 1 to 16 of 17 actors) would otherwise
/// have their 9s read as missing and their 10s as structural zeros, silently. Only files that
/// have such a code cell and a larger value are read again, without the codes, to find it.
fn codes_outside_values(path: &Path, table: &CellTable, codes: &MatrixCodes) -> Result<()> {
    let largest = table
        .rows
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Cell::Value(v) => Some(*v),
            _ => None,
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let below = |c: &f64| *c < largest;
    let coded = table
        .rows
        .iter()
        .flatten()
        .any(|c| !matches!(c, Cell::Value(_)));
    if !coded || !codes.missing.iter().chain(&codes.structural).any(below) {
        return Ok(());
    }
    let raw = read_cells(
        path,
        &MatrixCodes {
            missing: Vec::new(),
            structural: Vec::new(),
            ..codes.clone()
        },
    )?;
    for (i, row) in raw.rows.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            let Cell::Value(v) = c else { continue };
            let what = if codes.missing.contains(v) {
                "the missing code (--missing)"
            } else if codes.structural.contains(v) {
                "the structural code (--structural)"
            } else {
                continue;
            };
            if i != j && below(v) {
                return Err(raw
                    .error_at(
                        i,
                        j,
                        format!(
                            "{v} is {what}, but this file has tie values up to {largest}: are \
                             the cells ranks or ratings? Give --missing and --structural codes \
                             outside the values (e.g. --missing 99 --structural 98)"
                        ),
                    )
                    .into());
            }
        }
    }
    Ok(())
}

/// The actors of a panel whose every wave file has a header of labels: each label once, in the
/// order of first appearance (wave 1's first). `None` when some wave has no header.
fn all_labels(waves: &[MatrixWave]) -> Option<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for w in waves {
        for l in w.labels.as_ref()? {
            if seen.insert(l.as_str()) {
                all.push(l.clone());
            }
        }
    }
    Some(all)
}

/// A labelled wave over all the panel's actors `all`, as the calibration reads its file (actors
/// matched by label): an actor the file does not name is absent at that wave, its dyads
/// structural zeros.
fn align(w: &MatrixWave, all: &[String]) -> MatrixWave {
    let own: std::collections::HashMap<&str, usize> = w
        .labels
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let at: Vec<Option<usize>> = all.iter().map(|l| own.get(l.as_str()).copied()).collect();
    let n = all.len();
    let mut dyads = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            dyads.push(match (at[i], at[j]) {
                (Some(a), Some(b)) => w.dyad(a, b),
                _ => Dyad::Structural,
            });
        }
    }
    MatrixWave {
        labels: Some(all.to_vec()),
        n,
        dyads,
        absent: at.iter().map(|a| a.is_none_or(|a| w.absent[a])).collect(),
    }
}

/// Without a header in every wave file, actors are matched by position: every wave has as
/// many rows as wave 1, and a wave with a header has wave 1's labels in wave 1's order.
fn same_actors(spec: &PanelSpec, waves: &[MatrixWave]) -> Result<()> {
    let n = waves[0].n;
    for (w, p) in waves.iter().zip(&spec.waves).skip(1) {
        let same = w
            .labels
            .as_ref()
            .map_or(w.n == n, |l| Some(l) == waves[0].labels.as_ref());
        if !same {
            return Err(DataError::file(
                &p.display().to_string(),
                format!(
                    "{} actors{}, but wave 1 ({}) has {n}{}: unless every wave file has a header \
                     of actor labels (actors are then matched by label), every wave has the same \
                     actors in the same order (mark an absent actor's row and column 10)",
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
    Ok(())
}

/// Per period (wave `k` to wave `k + 1`), the dyads whose tie formed or ended by wave `k + 1`,
/// each dyad compared with its last observed state (under the observation rule a missing
/// dyad is its state at the wave before, carried forward).
fn changed_dyads(waves: &[MatrixWave]) -> Vec<usize> {
    let mut last = waves[0].dyads.clone();
    let mut changes = Vec::new();
    for w in &waves[1..] {
        let mut changed = 0;
        for (before, now) in last.iter_mut().zip(&w.dyads) {
            if matches!(now, Dyad::Tie | Dyad::NoTie) {
                changed += usize::from(matches!(before, Dyad::Tie | Dyad::NoTie) && before != now);
                *before = *now;
            }
        }
        changes.push(changed);
    }
    changes
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
        let mut statistics = vec!["ties", TRANSITIVITY, "tie_persistence", ISOLATES, DEGREE_SD];
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

/// What a panel's scenario matches and frees, decided from its observed waves.
#[derive(Debug, Clone, Default)]
struct Design {
    /// The matched waves: every wave from the second that observes some dyad.
    matched: Vec<usize>,
    /// The matched statistics, by name, or as `name@k` at the waves that define them.
    statistics: Vec<String>,
    /// Periods (from wave `k` to wave `k + 1`) with their own formation intercept.
    formation_periods: Vec<usize>,
    /// Groups of periods with one embeddedness of dissolution each, matched to the
    /// transitivity at the ends of the group's periods (transitivity is then matched wave by
    /// wave, a group's waves summed): one period per group while the parameters stay within
    /// the cap, else consecutive periods share one ([`share_periods`]).
    clustering_periods: Vec<Vec<usize>>,
    /// Whether `formation.closure` is calibrated: only when some matched wave defines
    /// transitivity, its moment (otherwise it keeps the scenario's value, and a note says so).
    closure: bool,
    /// The degree moments of a panel of one period with an isolate: `isolates` and
    /// `degree_sd` both matched and combined with the other moments into as many as
    /// parameters (`calibration.smm.combine`), without the isolate effect.
    combine: bool,
    /// The degree effect: the candidate's (`formation.popularity_sqrt`) for a network of hubs
    /// ([`hub_network`]), else the searcher's (`formation.activity_sqrt`).
    popularity: bool,
    /// What the panel's waves leave out or decide, and why.
    notes: Vec<String>,
}

/// Writes the data set, the copied wave files and the scenario, whose statistics are those
/// the observed waves define (a statistic undefined at some wave, such as `transitivity` on a
/// wave without two-paths, is matched at the other waves only), and checks that it loads as a
/// calibration problem. Returns what the scenario matches and frees.
fn write_and_check(
    spec: &PanelSpec,
    panel: &Panel,
    ds: &Dataset,
    scenario: &Path,
    data: &Path,
) -> Result<Design> {
    std::fs::create_dir_all(data).map_err(|e| Error::io(data, e))?;
    write_dataset(ds, data).map_err(|e| Error::io(data, e))?;
    let mut observed = Vec::new();
    for (k, p) in spec.waves.iter().enumerate() {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("dat");
        let name = format!("wave{}.{ext}", k + 1);
        std::fs::copy(p, data.join(&name)).map_err(|e| Error::io(p, e))?;
        observed.push(format!("data/{name}"));
    }
    let write = |design: &Design| {
        let text = scenario_text(spec, panel, &observed, design);
        std::fs::write(scenario, text).map_err(|e| Error::io(scenario, e))?;
        Problem::from_scenario(&Scenario::load(scenario)?)
    };
    let (matched, notes) = panel.matched_waves(spec)?;
    // First with `ties` alone (defined at every wave), to evaluate the others on the waves.
    let first = Design {
        matched: matched.clone(),
        statistics: vec!["ties".to_string()],
        closure: true,
        ..Design::default()
    };
    let p = write(&first)?;
    let cap = spec.max_parameters.unwrap_or(MAX_PARAMETERS);
    let cap = Cap {
        parameters: cap,
        share: spec.share_clustering,
    };
    let mut design = design(&p, &panel.candidate_statistics(), matched, notes, cap)?;
    if spec.symmetrise
        && let Some(k) = fixed_choice::fixed_choice(&panel.tables, &spec.codes)
    {
        design.notes.push(fixed_choice::note(k));
    }
    write(&design)?;
    Ok(design)
}

impl Panel {
    /// The waves matched: every wave from the second at which some dyad between present actors
    /// is observed (a tie or no tie), with a note for each one left out. Under the observation
    /// rule a wave whose every tie variable is missing is the wave before carried forward, in
    /// the data and in every simulation alike: its statistics respond to no parameter (its
    /// ties, matched wave by wave, would make the method of moments' derivative singular).
    fn matched_waves(&self, spec: &PanelSpec) -> Result<(Vec<usize>, Vec<String>)> {
        let mut matched = Vec::new();
        let mut notes = Vec::new();
        for (i, w) in self.waves.iter().enumerate().skip(1) {
            if w.dyads.iter().any(|d| matches!(d, Dyad::Tie | Dyad::NoTie)) {
                matched.push(i + 1);
            } else {
                notes.push(format!(
                    "wave {} observes no dyad (every tie variable missing or structural): under \
                     the observation rule it is wave {} carried forward, in the data and in every \
                     simulation, so it is not matched",
                    i + 1,
                    i
                ));
            }
        }
        if matched.is_empty() {
            return Err(DataError::file(
                &spec.waves[1].display().to_string(),
                "no wave from the second observes a dyad (every tie variable is missing or \
                 structural): there is nothing to calibrate against",
            )
            .into());
        }
        let changes = changed_dyads(&self.waves);
        if changes.iter().all(|&c| c == 0) {
            return Err(DataError::file(
                &spec.waves[1].display().to_string(),
                format!(
                    "no observed dyad changes between waves (no tie forms or ends from wave 1 \
                     to wave {}): the panel says nothing about how ties form or end, so its \
                     rates cannot be calibrated (the same file given twice, or valued cells all \
                     read as ties: see --tie-threshold and --tie-values)",
                    self.waves.len()
                ),
            )
            .into());
        }
        let silent = (1..self.waves.len()).filter(|&k| changes[k - 1] == 0);
        for k in silent.filter(|k| matched.contains(&(k + 1))) {
            notes.push(format!(
                "no dyad observed at wave {} changes from its last observed state: period {k} \
                 says only that ties neither form nor end, which the model reaches only at the \
                 bottom of its rates (expect a parameter of that period at the bound of its \
                 prior)",
                k + 1
            ));
        }
        Ok((matched, notes))
    }
}

/// The design: each candidate statistic by name when the matched waves define it at every
/// one, else as `name@k` at the waves that define it; the periods with their own formation
/// intercept (each matched wave after the first identifies the offset of the period that ends
/// there, the first identifies period 1's intercept); and the periods with their own clustering
/// parameter ([`clustering_periods`]).
///
/// Of the two degree statistics, `degree_sd` is always matched and `isolates` only when some
/// matched wave has an isolate: a moment whose observed value is 0 at every wave sits on the
/// floor of its range, where only parameters at the edge of the space (no isolate in any
/// simulation) match it, and the method of moments runs off to them (a classroom panel without
/// isolates did). With isolates, both are matched ([`scenario_text`] then frees the isolate
/// effect for the second): the number of isolates alone leaves the spread of the other degrees
/// free, and a panel with one actor of unusually many partners failed the joint degree test at
/// the method of moments' estimate. A panel of one period (two waves) with an isolate matches
/// both without the isolate effect, combined (`combine`): there the isolate and activity effects
/// ran together to the end of their search, trading against each other while both degree
/// moments stayed matched (docs/calibration.md, "Other panels").
fn design(
    p: &Problem,
    candidates: &[&str],
    matched: Vec<usize>,
    mut notes: Vec<String>,
    cap: Cap,
) -> Result<Design> {
    let requests = candidates
        .iter()
        .flat_map(|s| {
            matched
                .iter()
                .map(move |&k| (k, "network".to_string(), s.to_string()))
        })
        .collect();
    let values = p
        .plan_for(requests)
        .evaluate(&p.observed)
        .map_err(|(k, _, s)| Error::Other(format!("`{s}` at wave {k} cannot be computed")))?;
    let m = matched.len();
    let at = |j: usize, i: usize| values[j * m + i];
    let isolated = candidates
        .iter()
        .position(|s| *s == ISOLATES)
        .is_some_and(|j| (0..m).any(|i| at(j, i) > 0.0));
    let mut statistics = Vec::new();
    let mut clustering = Vec::new();
    for (j, name) in candidates.iter().enumerate() {
        if *name == ISOLATES && !isolated {
            continue;
        }
        let defined: Vec<usize> = (0..m).filter(|&i| at(j, i).is_finite()).collect();
        if defined.len() == m {
            statistics.push(name.to_string());
        } else {
            statistics.extend(defined.iter().map(|&i| format!("{name}@{}", matched[i])));
        }
        if *name == TRANSITIVITY && m > 1 && !defined.is_empty() {
            let observed: Vec<(usize, f64)> =
                defined.iter().map(|&i| (matched[i], at(j, i))).collect();
            clustering = clustering_periods(&observed, &p.observed, &mut notes);
        }
    }
    let closure = statistics.iter().any(|s| s.starts_with(TRANSITIVITY));
    if !closure {
        notes.push(
            "transitivity is defined at no matched wave (no two-path): `formation.closure` has \
             no moment, so it is not calibrated and keeps the scenario's value"
                .into(),
        );
    }
    let formation_periods: Vec<usize> = matched[1..].iter().map(|w| w - 1).collect();
    let popularity = degree_rule::hub_network(&matched, &p.observed, &mut notes);
    // One period: the isolate and activity effects trade against each other along a ridge
    // where both degree moments stay matched; both moments then inform the activity effect.
    let combine = isolated && m == 1;
    if combine {
        notes.push(
            "one period with an isolate: `isolates` and `degree_sd` are both matched without \
             an isolate effect, the moments combined into as many as parameters \
             (calibration.smm.combine)"
                .into(),
        );
    }
    // Base, closure, dissolution and activity, the covariate and isolate effects when their
    // statistics are matched, the period offsets and the clustering parameters.
    let has = |name: &str| statistics.iter().any(|s| s.starts_with(name));
    let others = 3
        + usize::from(closure)
        + usize::from(has(TIE_COVARIATE_SIMILARITY))
        + usize::from(has(ISOLATES) && !combine)
        + formation_periods.len();
    let clustering = share_periods(clustering, others, cap, &mut notes);
    let last = p.observed.len();
    for k in (2..last).filter(|k| !formation_periods.contains(k)) {
        notes.push(format!(
            "period {k} (wave {k} to wave {}) has no formation intercept of its own: no matched \
             wave identifies it apart from the others",
            k + 1
        ));
    }
    Ok(Design {
        matched,
        statistics,
        formation_periods,
        clustering_periods: clustering,
        closure,
        combine,
        popularity,
        notes,
    })
}

/// The cap on a panel scenario's calibrated parameters with clustering parameters, and
/// whether periods share them over it.
#[derive(Debug, Clone, Copy)]
struct Cap {
    parameters: usize,
    share: bool,
}

/// The clustering parameters within the cap, `others` of the parameters not being clustering
/// parameters: one per period while they fit; else, when the cap says to share them and at
/// least one fits, as many as fit, each shared by a run of consecutive periods (the runs as
/// equal in length as can be, the longer ones first), its embeddedness matched to the
/// transitivity summed over the waves that end its periods; else none, with transitivity
/// matched summed over all waves. Each decision past the first is given a note.
///
/// Leaving them out is the default: a university cohort of 7 waves would have 16 parameters
/// with one per period, where the method of moments did not converge; with one shared by
/// periods 2 to 6 (12 parameters) it did not converge either, its dissolution intercept
/// running to the edge of its search (docs/calibration.md, "Other panels").
fn share_periods(
    periods: Vec<usize>,
    others: usize,
    cap: Cap,
    notes: &mut Vec<String>,
) -> Vec<Vec<usize>> {
    let n = periods.len();
    let most = cap.parameters;
    if n == 0 || others + n <= most {
        return periods.into_iter().map(|k| vec![k]).collect();
    }
    let wanted = format!(
        "a clustering parameter for each of periods {} would make {} parameters, more than {most}",
        numbers_list(&periods),
        others + n
    );
    let groups = most.saturating_sub(others);
    if groups == 0 || !cap.share {
        let how = if groups == 0 {
            String::new()
        } else {
            format!(" (--share-clustering: {groups} shared by runs of consecutive periods instead)")
        };
        notes.push(format!(
            "{wanted}: transitivity is matched summed over the waves, with no clustering \
             parameter per period{how}"
        ));
        return Vec::new();
    }
    let mut shared = Vec::new();
    let mut rest = &periods[..];
    for g in 0..groups {
        let len = rest.len().div_ceil(groups - g);
        shared.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    let runs: Vec<String> = shared.iter().map(|g| period_range(g)).collect();
    notes.push(format!(
        "{wanted}: {} clustering parameter(s) instead, each shared by consecutive periods ({}), \
         matched to the transitivity summed over the waves that end them",
        shared.len(),
        runs.join("; ")
    ));
    shared
}

/// A run of consecutive periods as a key suffix: `3`, or `2-6` for a shared parameter.
fn period_range(periods: &[usize]) -> String {
    match periods {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}-{last}"),
        [] => String::new(),
    }
}

/// The periods with their own clustering parameter, from the observed transitivity at the
/// matched waves that define it. Panels change how clustered they are from period to period (a
/// cohort's friendship groups consolidate and split; a school year ends in cliques), and one
/// closure and one dissolution for all periods cannot follow that: transitivity summed over
/// the waves leaves each wave's clustering free, and fits missed the transitivity or the
/// largest component of single waves. So each matched wave `w` after the first at which
/// transitivity is defined gives period `w - 1` its own embeddedness of dissolution
/// (`dissolution.effect_period_offset.embedded.<w-1>`, s50's period-2 parameter), matched to
/// the transitivity at `w`, with the first such wave matched by `formation.closure`.
///
/// Identified only when transitivity is defined at two matched waves or more and strictly
/// inside (0, 1) at each (at 0, no triangle, or 1, every two-path closed, the moment sits on
/// the edge of its range and the parameter runs off to the edge of the space to match it), and
/// when at the start of each such period at least [`MIN_BRIDGING_SHARE`] of the ties bridge
/// groups (their ends have no common partner): the embeddedness of dissolution is told apart
/// by the contrast between the ties inside groups and those between them, and a dense classroom
/// whose ties almost all lie inside groups (2% to 7% bridging) did not converge with it.
/// Otherwise no period has one, transitivity is matched summed over the waves, and a note says
/// why.
fn clustering_periods(
    observed: &[(usize, f64)],
    waves: &[Snapshot],
    notes: &mut Vec<String>,
) -> Vec<usize> {
    let mut refuse = |why: String| {
        notes.push(format!(
            "{why}: transitivity is matched summed over the waves, with no clustering parameter \
             per period"
        ));
        Vec::new()
    };
    if let Some((w, v)) = observed.iter().find(|(_, v)| *v <= 0.0 || *v >= 1.0) {
        return refuse(format!(
            "transitivity at wave {w} is {v} (the edge of its range)"
        ));
    }
    if observed.len() < 2 {
        return refuse(format!(
            "transitivity is defined at {} matched wave(s)",
            observed.len()
        ));
    }
    let periods: Vec<usize> = observed[1..].iter().map(|(w, _)| w - 1).collect();
    for &k in &periods {
        let ties = active_ties_embedded(&waves[k - 1]);
        let bridging = ties.iter().filter(|(_, e)| !e).count();
        let share = bridging as f64 / ties.len() as f64;
        if share.is_nan() || share < MIN_BRIDGING_SHARE {
            return refuse(format!(
                "{bridging} of wave {k}'s {} ties bridge groups (no common partner), under {:.0}%, \
                 so the embeddedness of period {k} is not identified",
                ties.len(),
                100.0 * MIN_BRIDGING_SHARE
            ));
        }
    }
    periods
}

/// The most parameters a panel's scenario gets with the periods' clustering parameters, by
/// default (`wecare panel --max-parameters`); over it, they are left out or shared
/// ([`share_periods`]).
/// A university cohort of 7 waves (docs/calibration.md, "Other panels") would have 16 with one
/// per period: its method-of-moments fit did not converge, and ABC-SMC's first generation
/// found almost no proposal inside the box of 16 uniform priors (0.3% of them), ending with
/// the prior's spread; it has 11 others. s50 has 8,
/// the synthetic panels of `tests/calibrate_generalise.rs` up to 11.
pub const MAX_PARAMETERS: usize = 12;

/// Periods as a list in words: `2, 3 and 4`.
fn numbers_list(v: &[usize]) -> String {
    let items: Vec<String> = v.iter().map(usize::to_string).collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// The share of a wave's ties that must bridge groups for the embeddedness of dissolution in
/// the period it starts to be calibrated ([`clustering_periods`]): s50's wave 2 has 30%, a
/// university cohort's waves 21% to 33%, a dense classroom's 2% to 7%.
const MIN_BRIDGING_SHARE: f64 = 0.1;

/// A TOML array of numbers.
fn numbers(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// The scenario: the s50 mapping (docs/calibration.md, "The s50 scenario") with the panel's
/// matched waves and statistics, the covariate effect only when its statistic is matched, the
/// isolate effect only when `isolates` is (beside `degree_sd`, one moment per degree effect)
/// and the panel has more than one period (with one, the moments are combined instead),
/// the design's period parameters, and its notes as comments.
fn scenario_text(spec: &PanelSpec, panel: &Panel, observed: &[String], design: &Design) -> String {
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
const CLOSURE_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "formation.closure"           # a common partner multiplies the odds by 1 to 16
prior = "uniform"
min = 0.0
max = 4.0
"#;

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

/// The clustering parameter of period `{k}` (from wave `{k}` to wave `{k} + 1`), or of a run of
/// periods `{k}` = `a-b` sharing it: the embeddedness of dissolution in that period (s50's
/// period-2 parameter and prior box), matched to the transitivity at wave `{k} + 1` (summed
/// over waves `a + 1` to `b + 1`), so that a panel whose groups consolidate or split from one
/// period to the next is not forced into one clustering for all of them.
const CLUSTERING_PARAMETER: &str = r#"
[[calibration.parameters]]
key = "dissolution.effect_period_offset.embedded.{k}"   # in period {k}, a common partner divides
prior = "uniform"                                     # the odds that a tie ends by 1/4 to 16
min = -2.0
max = 4.0
"#;
