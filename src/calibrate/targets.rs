//! What a calibration matches: observed wave networks read from files, the statistics computed
//! on them by name, and the scenario's target statistics with their standard errors.

use super::spec::{CalibrationSpec, ObservedOrganisations};
use super::unobserved::{Unobserved, WaveMask};
use crate::data::csv::{TieReadOptions, read_ties};
use crate::data::graphml::{DEFAULT_SNAPSHOT_TRUST, read_snapshot_graphml};
use crate::data::matrix::{Dyad, MatrixWave, is_matrix_path, read_adjacency};
use crate::data::{DataError, Dataset};
use crate::error::{Error, Result};
use crate::huge_pages::HugeVec;
use crate::network::{NodeAttrs, Origin, SnapTie, Snapshot};
use crate::scenario::{Pattern, Scenario};
use crate::stats::{StatTable, StatsOptions, WaveContext, wave_table};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Name of the statistic calibration computes itself: the mean covariate similarity
/// `1 - |x_i - x_j| / range` over the wave's ties (NaN without ties; 0 for ties touching an
/// organisation without a covariate). It is the target statistic of the
/// `covariate_similarity` effects (RSiena's `simX` statistic, as a mean instead of a centred
/// sum).
pub const TIE_COVARIATE_SIMILARITY: &str = "tie_covariate_similarity";

/// Name of the degree statistic calibration computes itself: the number of active organisations
/// without an active tie (the target statistic of the isolate effects; RSiena's `isolateNet`
/// counts the same organisations).
pub const ISOLATES: &str = "isolates";

/// Name of the degree statistic calibration computes itself: the standard deviation of the
/// active organisations' degrees (population form; NaN without active organisations). With
/// `ties` fixed it measures how unequal the degrees are, which the degree effects
/// (`activity_sqrt`, `popularity_sqrt`, `dissolution.degree_sqrt`) move.
pub const DEGREE_SD: &str = "degree_sd";

/// Name of the change statistic calibration computes itself: of the previous wave's ties whose
/// ends had a common partner there (embedded ties), the share still present at this wave (NaN
/// at the first wave or without embedded ties). Beside `tie_persistence` it tells how much
/// longer ties inside groups last than ties between them: the target statistic of
/// `dissolution.embedded`.
pub const EMBEDDED_TIE_PERSISTENCE: &str = "embedded_tie_persistence";

/// Is `statistic` one calibration computes itself (not a wave statistic of docs/statistics.md)?
pub fn is_own(statistic: &str) -> bool {
    [
        TIE_COVARIATE_SIMILARITY,
        ISOLATES,
        DEGREE_SD,
        EMBEDDED_TIE_PERSISTENCE,
    ]
    .contains(&statistic)
}
/// Prefix of the statistic name under which a pattern target (`[[patterns]]`) is matched:
/// `pattern:<name>`. Its simulated value is the pattern's violation, how far its value lies
/// outside its range (0 inside), and its observed value is 0, so the ABC distance is zero
/// inside the range.
pub const PATTERN_PREFIX: &str = "pattern:";

/// Is `statistic` defined by what a ties file cannot carry (trust, tie origin, adoption,
/// initiatives)? Such statistics are not compared with waves read from ties CSV files.
pub fn needs_attributes(statistic: &str) -> bool {
    [
        "mean_trust",
        "sc_relational",
        "sc_index",
        "ties_origin_share",
        "adoption_share",
        "initiative_share",
    ]
    .iter()
    .any(|p| statistic.starts_with(p))
}

/// One matched statistic of one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Statistic name (`docs/statistics.md`, or [`TIE_COVARIATE_SIMILARITY`]).
    pub statistic: String,
    /// `network` or `territory:<name>`.
    pub scope: String,
    /// Wave, 1-based.
    pub wave: usize,
    /// Observed value.
    pub value: f64,
    /// Standard error of the observed value, for targets given in the scenario; `None` for a
    /// value computed on an observed network.
    pub se: Option<f64>,
}

impl Target {
    /// A short label: `ties@2`, or `territory:Alba/ties@2` outside the network scope.
    pub fn label(&self) -> String {
        if self.scope == "network" {
            format!("{}@{}", self.statistic, self.wave)
        } else {
            format!("{}/{}@{}", self.scope, self.statistic, self.wave)
        }
    }
}

/// The observed waves of a calibration, as [`read_observed`] reads them.
#[derive(Debug, Clone, Default)]
pub struct ObservedWaves {
    /// One snapshot per wave, over the model's organisations, after the observation rule
    /// ([`Unobserved`]).
    pub snapshots: Vec<Snapshot>,
    /// Per wave: read from a ties or matrix file, so only its ties and organisations are
    /// observed (no trust, origins, adoption or initiatives).
    pub ties_only: Vec<bool>,
    /// Missing dyads, structural zeros and absent actors of matrix files (empty otherwise).
    pub unobserved: Unobserved,
}

/// Reads the observed wave files of a calibration into snapshots over the model's organisations
/// (`nodes`, in the data set's order). Wave `k` is the `k`-th file. A CSV file is a ties file
/// (`from,to[,trust|weight]`) whose ids must be organisations of the data set; a GraphML file
/// (`.graphml`, `.xml`) is a wave network whose nodes are the organisations present; a matrix
/// file (`.dat`, `.txt`, `.mat`, `.adj`) is an adjacency matrix with missing and structural
/// codes (`calibration.matrix`), whose missing dyads and absent actors are returned in
/// [`ObservedWaves::unobserved`] and already applied to the snapshots.
pub fn read_observed(
    scenario: &Scenario,
    spec: &CalibrationSpec,
    ds: &Dataset,
    nodes: &Arc<NodeAttrs>,
    wave_steps: &[u32],
) -> Result<ObservedWaves> {
    if !spec.observed.is_empty() && spec.observed.len() != wave_steps.len() {
        return Err(Error::Other(format!(
            "{}: calibration.observed: {} wave file(s) for {} wave(s) (timeline.waves = {:?}); \
             give one file per wave, wave 1 first",
            scenario.file_label(),
            spec.observed.len(),
            wave_steps.len(),
            wave_steps
        )));
    }
    let index = ds.index_by_id();
    let mut out = ObservedWaves::default();
    for (k, file) in spec.observed.iter().enumerate() {
        let path = scenario.resolve(file);
        out.ties_only.push(!is_graphml(&path));
        let mut mask = WaveMask::default();
        let mut s = if is_graphml(&path) {
            remap_graphml(&path, &index, nodes)?
        } else if is_matrix_path(&path) {
            let (s, m) = matrix_wave(&path, spec, &index, nodes)?;
            mask = m;
            s
        } else {
            ties_wave(&path, spec, &index, nodes)?
        };
        s.step = wave_steps.get(k).copied().unwrap_or(0);
        out.snapshots.push(s);
        out.unobserved.waves.push(mask);
    }
    if out.unobserved.is_empty() {
        out.unobserved = Unobserved::default();
    } else {
        out.unobserved.apply(&mut out.snapshots);
    }
    Ok(out)
}

/// A ties CSV wave file over the model's organisations.
fn ties_wave(
    path: &Path,
    spec: &CalibrationSpec,
    index: &HashMap<&str, usize>,
    nodes: &Arc<NodeAttrs>,
) -> Result<Snapshot> {
    let (ties, warnings) = read_ties(
        path,
        index,
        TieReadOptions {
            symmetrise: spec.symmetrise,
        },
    )?;
    for w in warnings {
        eprintln!("{w}");
    }
    let mut s = Snapshot::from_ties(
        nodes.clone(),
        ties.iter().map(|t| SnapTie {
            a: t.a as u32,
            b: t.b as u32,
            trust: t.trust.unwrap_or(DEFAULT_SNAPSHOT_TRUST),
            origin: Origin::Baseline,
        }),
    );
    if spec.observed_organisations == ObservedOrganisations::Tied {
        s.active = vec![false; nodes.len()];
        for t in &ties {
            s.active[t.a] = true;
            s.active[t.b] = true;
        }
    }
    Ok(s)
}

/// An adjacency-matrix wave file over the model's organisations, and what it does not observe.
/// With a header row, actors are matched to organisations by id (organisations the file does
/// not name are absent); without one, row `k` is the data set's `k`-th organisation.
fn matrix_wave(
    path: &Path,
    spec: &CalibrationSpec,
    index: &HashMap<&str, usize>,
    nodes: &Arc<NodeAttrs>,
) -> Result<(Snapshot, WaveMask)> {
    let w = read_adjacency(path, &spec.matrix, spec.symmetrise)?;
    let map = matrix_actors(path, &w, index, nodes.len())?;
    let mut active = vec![false; nodes.len()];
    for (i, &o) in map.iter().enumerate() {
        active[o] = !w.absent[i];
    }
    let pairs = |state: Dyad| -> Vec<(u32, u32)> {
        let mut v: Vec<(u32, u32)> = w
            .pairs_where(state)
            .into_iter()
            .map(|(i, j)| (map[i].min(map[j]) as u32, map[i].max(map[j]) as u32))
            .filter(|&(a, b)| active[a as usize] && active[b as usize])
            .collect();
        v.sort_unstable();
        v
    };
    let mut s = Snapshot::from_ties(
        nodes.clone(),
        pairs(Dyad::Tie).into_iter().map(|(a, b)| SnapTie {
            a,
            b,
            trust: DEFAULT_SNAPSHOT_TRUST,
            origin: Origin::Baseline,
        }),
    );
    let mask = WaveMask {
        missing: pairs(Dyad::Missing),
        structural: pairs(Dyad::Structural),
        absent: (0..nodes.len() as u32)
            .filter(|&i| !active[i as usize])
            .collect(),
    };
    s.active = active;
    Ok((s, mask))
}

/// The organisation of each row of a matrix: by the header's labels, or by position.
fn matrix_actors(
    path: &Path,
    w: &MatrixWave,
    index: &HashMap<&str, usize>,
    organisations: usize,
) -> Result<Vec<usize>> {
    let file = path.display().to_string();
    let Some(labels) = &w.labels else {
        if w.n != organisations {
            return Err(DataError::file(
                &file,
                format!(
                    "{} rows and columns, but the scenario's data set has {organisations} \
                     organisations: a matrix without a header row has one row per \
                     organisation, in the data set's order",
                    w.n
                ),
            )
            .into());
        }
        return Ok((0..w.n).collect());
    };
    let mut seen = vec![false; organisations];
    let mut map = Vec::with_capacity(labels.len());
    for l in labels {
        let i = *index.get(l.as_str()).ok_or_else(|| {
            DataError::file(
                &file,
                format!("header: actor `{l}` is not an organisation of the scenario's data set"),
            )
        })?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(
                DataError::file(&file, format!("header: actor `{l}` appears twice")).into(),
            );
        }
        map.push(i);
    }
    Ok(map)
}

fn is_graphml(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("graphml") || e.eq_ignore_ascii_case("xml"))
}

/// A GraphML wave network re-indexed onto the data set's organisations.
fn remap_graphml(
    path: &Path,
    index: &HashMap<&str, usize>,
    nodes: &Arc<NodeAttrs>,
) -> Result<Snapshot> {
    let file = read_snapshot_graphml(path)?;
    let n = nodes.len();
    let mut map = Vec::with_capacity(file.len());
    for id in &file.nodes.ids {
        let i = *index.get(id.as_str()).ok_or_else(|| {
            DataError::file(
                &path.display().to_string(),
                format!("node `{id}` is not an organisation of the scenario's data set"),
            )
        })?;
        map.push(i);
    }
    let mut s = Snapshot::from_ties(
        nodes.clone(),
        file.ties.iter().map(|t| SnapTie {
            a: map[t.a as usize] as u32,
            b: map[t.b as usize] as u32,
            ..*t
        }),
    );
    s.active = vec![false; n];
    for (k, &i) in map.iter().enumerate() {
        s.active[i] = file.active[k];
        s.adopted[i] = file.adopted[k];
        s.initiative[i] = file.initiative[k];
        s.project_member[i] = file.project_member[k];
    }
    Ok(s)
}

/// How to compute a list of (wave, scope, statistic) values from a run's wave snapshots: the
/// wave statistics tables of the waves needed, plus the statistics calibration computes itself.
#[derive(Debug, Clone)]
pub struct StatisticsPlan {
    requests: Vec<(usize, String, String)>,
    opts: StatsOptions,
    covariate: Arc<HugeVec<f64>>,
    covariate_inv_range: f64,
    pre: Option<Arc<Snapshot>>,
    patterns: Vec<Pattern>,
}

impl StatisticsPlan {
    /// The plan with the pre-programme network given, for the statistics that compare a wave
    /// with it (`pre_tie_jaccard`, `archetype_persistence_pre`, ...).
    pub fn with_pre(mut self, pre: Arc<Snapshot>) -> StatisticsPlan {
        self.pre = Some(pre);
        self
    }

    /// The plan with the scenario's pattern targets, for requests `pattern:<name>`
    /// ([`PATTERN_PREFIX`]).
    pub fn with_patterns(mut self, patterns: Vec<Pattern>) -> StatisticsPlan {
        self.patterns = patterns;
        self
    }

    /// The pattern targets given with [`StatisticsPlan::with_patterns`].
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The pre-programme network given with [`StatisticsPlan::with_pre`].
    pub fn pre(&self) -> Option<&Arc<Snapshot>> {
        self.pre.as_ref()
    }

    /// A plan for `requests` (wave 1-based, scope, statistic); `covariate` and its inverse
    /// range as in the model's world.
    pub fn new(
        requests: Vec<(usize, String, String)>,
        archetype_threshold: f64,
        covariate: Arc<HugeVec<f64>>,
        covariate_inv_range: f64,
    ) -> StatisticsPlan {
        let per_territory = requests.iter().any(|r| r.1 != "network");
        StatisticsPlan {
            requests,
            opts: StatsOptions {
                per_territory,
                archetype_threshold,
                ..StatsOptions::default()
            },
            covariate,
            covariate_inv_range,
            pre: None,
            patterns: Vec::new(),
        }
    }

    /// The requests, in order.
    pub fn requests(&self) -> &[(usize, String, String)] {
        &self.requests
    }

    /// The statistics table of wave `k` (0-based) of `snaps`, with the previous and first waves
    /// as context (as an ensemble computes them).
    pub fn table(&self, snaps: &[Snapshot], k: usize) -> StatTable {
        wave_table(
            WaveContext {
                current: &snaps[k],
                previous: k.checked_sub(1).map(|p| &snaps[p]),
                first: Some(&snaps[0]),
                pre: self.pre.as_deref(),
            },
            &self.opts,
        )
    }

    /// The value of every request on `snaps` (wave `k` is `snaps[k - 1]`); NaN where a
    /// statistic is undefined. A missing wave or an unknown name gives `Err` with the request.
    pub fn evaluate(
        &self,
        snaps: &[Snapshot],
    ) -> std::result::Result<Vec<f64>, (usize, String, String)> {
        let mut tables: Vec<Option<StatTable>> = vec![None; snaps.len()];
        let mut out = Vec::with_capacity(self.requests.len());
        for r in &self.requests {
            let (wave, scope, stat) = r;
            let k = wave.checked_sub(1).filter(|&k| k < snaps.len());
            let Some(k) = k else {
                return Err(r.clone());
            };
            if let Some(name) = stat.strip_prefix(PATTERN_PREFIX) {
                let p = self
                    .patterns
                    .iter()
                    .find(|p| p.name == name)
                    .ok_or_else(|| r.clone())?;
                let mut values = Vec::new();
                for at in p.refs() {
                    let k = at
                        .wave
                        .checked_sub(1)
                        .filter(|&k| k < snaps.len())
                        .ok_or_else(|| r.clone())?;
                    let t = tables[k].get_or_insert_with(|| self.table(snaps, k));
                    values.push(t.get(&p.scope, &at.statistic).ok_or_else(|| r.clone())?);
                }
                out.push(p.violation(p.value(&values)));
                continue;
            }
            if scope == "network" {
                if let Some(v) = cheap_statistic(snaps, k, stat) {
                    out.push(v);
                    continue;
                }
                let own = match stat.as_str() {
                    TIE_COVARIATE_SIMILARITY => Some(self.covariate_similarity(&snaps[k])),
                    ISOLATES | DEGREE_SD => {
                        let (isolates, sd) = degree_summary(&snaps[k]);
                        Some(if stat == ISOLATES { isolates } else { sd })
                    }
                    EMBEDDED_TIE_PERSISTENCE => Some(match k.checked_sub(1) {
                        Some(p) => embedded_tie_persistence(&snaps[p], &snaps[k]),
                        None => f64::NAN,
                    }),
                    _ => None,
                };
                if let Some(v) = own {
                    out.push(v);
                    continue;
                }
            }
            let t = tables[k].get_or_insert_with(|| self.table(snaps, k));
            match t.get(scope, stat) {
                Some(v) => out.push(v),
                None => return Err(r.clone()),
            }
        }
        Ok(out)
    }

    /// Mean covariate similarity over the active ties of a snapshot.
    pub fn covariate_similarity(&self, s: &Snapshot) -> f64 {
        let mut sum = 0.0;
        let mut n = 0usize;
        for t in &s.ties {
            let (a, b) = (t.a as usize, t.b as usize);
            if !(s.active.get(a) == Some(&true) && s.active.get(b) == Some(&true)) {
                continue;
            }
            let d = (self.covariate[a] - self.covariate[b]).abs();
            if d.is_finite() && self.covariate_inv_range > 0.0 {
                sum += 1.0 - d * self.covariate_inv_range;
            }
            n += 1;
        }
        if n == 0 { f64::NAN } else { sum / n as f64 }
    }
}

/// Network statistics that calibration computes without the whole wave table (which includes
/// betweenness and every social-capital measure, most of a small simulation's cost), by the
/// same functions the table uses, so the values are identical (a test checks it).
fn cheap_statistic(snaps: &[Snapshot], k: usize, stat: &str) -> Option<f64> {
    use crate::stats::{ScopeGraph, change, shape, size};
    let s = &snaps[k];
    Some(match stat {
        "ties" => ScopeGraph::network(s).m() as f64,
        "density" => size::density(&ScopeGraph::network(s)),
        "mean_degree" => size::mean_degree(&ScopeGraph::network(s)),
        "transitivity" => {
            let g = ScopeGraph::network(s);
            shape::transitivity(&g, &shape::triangles(&g))
        }
        "tie_persistence" | "tie_jaccard" => {
            let t = change::network_change(&snaps[k.checked_sub(1)?], s);
            if stat == "tie_persistence" {
                t.persistence()
            } else {
                t.jaccard()
            }
        }
        _ => return None,
    })
}

/// `s`'s active ties, each with whether its ends have a common active partner there (an
/// embedded tie; a tie without one bridges two groups).
pub fn active_ties_embedded(s: &Snapshot) -> Vec<(&SnapTie, bool)> {
    let active = |t: &SnapTie| {
        s.active.get(t.a as usize) == Some(&true) && s.active.get(t.b as usize) == Some(&true)
    };
    let mut partners: Vec<Vec<u32>> = vec![Vec::new(); s.active.len()];
    for t in s.ties.iter().filter(|t| active(t)) {
        partners[t.a as usize].push(t.b);
        partners[t.b as usize].push(t.a);
    }
    // Ties are sorted by (a, b), so each organisation's partners come out sorted too.
    for p in &mut partners {
        p.sort_unstable();
    }
    let common = |a: usize, b: usize| {
        let (x, y) = (&partners[a], &partners[b]);
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    };
    s.ties
        .iter()
        .filter(|t| active(t))
        .map(|t| (t, common(t.a as usize, t.b as usize)))
        .collect()
}

/// Of `previous`'s active ties whose ends have a common active partner there, the share present
/// in `current` (NaN without such ties).
pub fn embedded_tie_persistence(previous: &Snapshot, current: &Snapshot) -> f64 {
    let active = |s: &Snapshot, t: &SnapTie| {
        s.active.get(t.a as usize) == Some(&true) && s.active.get(t.b as usize) == Some(&true)
    };
    let (mut embedded, mut kept) = (0usize, 0usize);
    for (t, _) in active_ties_embedded(previous)
        .into_iter()
        .filter(|(_, e)| *e)
    {
        embedded += 1;
        let present = current
            .ties
            .binary_search_by(|u| (u.a, u.b).cmp(&(t.a, t.b)))
            .is_ok_and(|i| active(current, &current.ties[i]));
        kept += present as usize;
    }
    if embedded == 0 {
        f64::NAN
    } else {
        kept as f64 / embedded as f64
    }
}

/// The number of active organisations without an active tie, and the standard deviation of
/// the active organisations' degrees (NaN without active organisations).
pub fn degree_summary(s: &Snapshot) -> (f64, f64) {
    let mut degree = vec![0u32; s.active.len()];
    for t in &s.ties {
        let (a, b) = (t.a as usize, t.b as usize);
        if s.active.get(a) == Some(&true) && s.active.get(b) == Some(&true) {
            degree[a] += 1;
            degree[b] += 1;
        }
    }
    let (mut n, mut isolates, mut sum, mut sq) = (0usize, 0usize, 0.0, 0.0);
    for (d, _) in degree.iter().zip(&s.active).filter(|x| *x.1) {
        n += 1;
        isolates += (*d == 0) as usize;
        sum += *d as f64;
        sq += (*d as f64) * (*d as f64);
    }
    if n == 0 {
        return (0.0, f64::NAN);
    }
    let mean = sum / n as f64;
    (
        isolates as f64,
        (sq / n as f64 - mean * mean).max(0.0).sqrt(),
    )
}

/// The (wave, scope, statistic) requests of `spec.statistics`: a plain name at every wave of
/// `spec.waves` (default every observed wave), `name@k` at wave `k` only; in wave order.
fn requests(spec: &CalibrationSpec, observed: usize) -> Result<Vec<(usize, String, String)>> {
    let waves: Vec<usize> = if spec.waves.is_empty() {
        (1..=observed).collect()
    } else {
        spec.waves.clone()
    };
    let mut requests = Vec::new();
    for s in &spec.statistics {
        let (name, at) = match s.rsplit_once('@') {
            Some((n, w)) => {
                let w: usize = w.trim().parse().map_err(|_| {
                    Error::Other(format!(
                        "calibration.statistics: `{s}`: after `@` give a wave number"
                    ))
                })?;
                (n.trim().to_string(), vec![w])
            }
            None => (s.clone(), waves.clone()),
        };
        for w in at {
            if w == 0 || w > observed {
                return Err(Error::Other(format!(
                    "calibration: wave {w} of `{s}` has no observed file (calibration.observed \
                     gives {observed} waves)"
                )));
            }
            requests.push((w, "network".to_string(), name.clone()));
        }
    }
    requests.sort_by_key(|r| r.0);
    if let Some(d) = requests.windows(2).find(|p| p[0] == p[1]) {
        return Err(Error::Other(format!(
            "calibration.statistics: `{}` is matched twice at wave {}",
            d[0].2, d[0].0
        )));
    }
    Ok(requests)
}

/// The targets of `spec.statistics`, computed on the observed waves.
fn observed_targets(
    spec: &CalibrationSpec,
    observed: &[Snapshot],
    ties_only: &[bool],
    plan_for: impl Fn(Vec<(usize, String, String)>) -> StatisticsPlan,
) -> Result<Vec<Target>> {
    if observed.is_empty() {
        return Err(Error::Other(
            "calibration.statistics are matched on observed networks, but calibration.observed \
             names no wave file"
                .into(),
        ));
    }
    let requests = requests(spec, observed.len())?;
    let plan = plan_for(requests.clone());
    let values = plan.evaluate(observed).map_err(|(w, _, s)| {
        Error::Other(format!(
            "calibration.statistics: `{s}` is not a statistic of observed wave {w} (names are \
             listed in docs/statistics.md; change statistics such as tie_persistence exist from \
             wave 2)"
        ))
    })?;
    let mut out = Vec::with_capacity(values.len());
    for ((w, scope, s), v) in requests.into_iter().zip(values) {
        if ties_only.get(w - 1) == Some(&true) && needs_attributes(&s) {
            return Err(Error::Other(format!(
                "calibration.statistics: `{s}` depends on trust, tie origins, adoption or \
                 initiatives, which the ties file of wave {w} does not carry (give the wave as \
                 GraphML, or the value as a [[targets]] entry)"
            )));
        }
        if !v.is_finite() {
            return Err(Error::Other(format!(
                "calibration.statistics: `{s}` is undefined (NaN) on observed wave {w}; it \
                 cannot be matched"
            )));
        }
        out.push(Target {
            statistic: s,
            scope,
            wave: w,
            value: v,
            se: None,
        });
    }
    Ok(out)
}

/// The targets of a calibration: every statistic of `spec.statistics` at every wave of
/// `spec.waves` (default: every observed wave; `name@k` names one wave), computed on the
/// observed networks, in wave order, then the scenario's `[[targets]]` when
/// `spec.use_targets`.
pub fn build_targets(
    scenario: &Scenario,
    spec: &CalibrationSpec,
    observed: &[Snapshot],
    ties_only: &[bool],
    plan_for: impl Fn(Vec<(usize, String, String)>) -> StatisticsPlan,
) -> Result<Vec<Target>> {
    let mut out: Vec<Target> = if spec.statistics.is_empty() {
        Vec::new()
    } else {
        observed_targets(spec, observed, ties_only, plan_for)?
    };
    if spec.use_targets {
        for t in &scenario.targets {
            if out
                .iter()
                .any(|o| o.statistic == t.statistic && o.scope == t.scope && o.wave == t.wave)
            {
                return Err(Error::Other(format!(
                    "target `{}` at wave {} is matched twice: in [[targets]] and through \
                     calibration.statistics",
                    t.statistic, t.wave
                )));
            }
            out.push(Target {
                statistic: t.statistic.clone(),
                scope: t.scope.clone(),
                wave: t.wave,
                value: t.value,
                se: Some(t.se),
            });
        }
    }
    if spec.use_targets {
        // Pattern targets: matched through their violation (0 inside the range).
        for p in &scenario.patterns {
            out.push(Target {
                statistic: format!("{PATTERN_PREFIX}{}", p.name),
                scope: p.scope.clone(),
                wave: p.refs().iter().map(|r| r.wave).max().unwrap_or(1),
                value: 0.0,
                se: None,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::Other(
            "nothing to match: give calibration.statistics with calibration.observed wave \
             files, or [[targets]]"
                .into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod cheap_tests {
    use super::cheap_statistic;
    use crate::data::generate::{GeneratorParams, generate};
    use crate::model::{Model, Params};
    use crate::stats::{StatsOptions, WaveContext, wave_table};

    /// The statistics calibration computes on its own equal the wave table's, bit for bit.
    #[test]
    fn cheap_statistics_equal_the_wave_table() {
        let ds = generate(&GeneratorParams::default(), 7).unwrap();
        let p = Params::default();
        let snaps = Model::new(&ds, &p).unwrap().run(3, 0);
        assert!(snaps.len() >= 3);
        for k in 0..snaps.len() {
            let t = wave_table(
                WaveContext {
                    current: &snaps[k],
                    previous: k.checked_sub(1).map(|p| &snaps[p]),
                    first: Some(&snaps[0]),
                    pre: None,
                },
                &StatsOptions::default(),
            );
            for stat in [
                "ties",
                "density",
                "mean_degree",
                "transitivity",
                "tie_persistence",
                "tie_jaccard",
            ] {
                let a = cheap_statistic(&snaps, k, stat);
                let b = t.get("network", stat);
                match (a, b) {
                    (Some(a), Some(b)) => assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{stat} at wave {k}: {a} against {b}"
                    ),
                    (None, None) => assert_eq!(k, 0, "{stat}"),
                    other => panic!("{stat} at wave {k}: {other:?}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Kind;

    fn snapshot(n: usize, ties: &[(u32, u32)]) -> Snapshot {
        let nodes = Arc::new(NodeAttrs {
            ids: (0..n).map(|i| i.to_string()).collect(),
            kind: vec![Kind::Other; n],
            territory: vec![0; n],
            territory_names: vec!["t".into()],
        });
        Snapshot::from_ties(
            nodes,
            ties.iter().map(|&(a, b)| SnapTie {
                a,
                b,
                trust: 0.5,
                origin: Origin::Baseline,
            }),
        )
    }

    /// A triangle 0-1-2 with a bridge 2-3 and a pendant 3-4: the triangle's three ties are
    /// embedded, the bridge and the pendant are not. Of the embedded ties, 0-1 and 1-2 persist
    /// (2 of 3); the lost bridge and the kept pendant do not count.
    #[test]
    fn embedded_tie_persistence_counts_ties_with_a_common_partner() {
        let before = snapshot(5, &[(0, 1), (0, 2), (1, 2), (2, 3), (3, 4)]);
        let after = snapshot(5, &[(1, 0), (1, 2), (3, 4), (0, 4)]);
        let v = embedded_tie_persistence(&before, &after);
        assert!((v - 2.0 / 3.0).abs() < 1e-15, "{v}");
        // Without an embedded tie the share is undefined.
        let path = snapshot(5, &[(0, 1), (1, 2)]);
        assert!(embedded_tie_persistence(&path, &after).is_nan());
        // A tie with an inactive end is not present: organisation 1 gone, no embedded tie kept.
        let mut gone = after.clone();
        gone.active[1] = false;
        assert_eq!(embedded_tie_persistence(&before, &gone), 0.0);
    }
}
