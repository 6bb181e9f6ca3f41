//! A panel's design: the waves and statistics its scenario matches and the parameters it
//! frees, decided from the observed waves.

use super::periods::{Cap, clustering_periods, share_periods};
use super::read::{Panel, changed_dyads};
use super::{PanelSpec, TRANSITIVITY};
use crate::calibrate::Problem;
use crate::calibrate::panel_degree as degree_rule;
use crate::calibrate::targets::{ISOLATES, TIE_COVARIATE_SIMILARITY};
use crate::data::DataError;
use crate::data::matrix::Dyad;
use crate::error::{Error, Result};

/// What a panel's scenario matches and frees, decided from its observed waves.
#[derive(Debug, Clone, Default)]
pub(super) struct Design {
    /// The matched waves: every wave from the second that observes some dyad.
    pub(super) matched: Vec<usize>,
    /// The matched statistics, by name, or as `name@k` at the waves that define them.
    pub(super) statistics: Vec<String>,
    /// Periods (from wave `k` to wave `k + 1`) with their own formation intercept.
    pub(super) formation_periods: Vec<usize>,
    /// Groups of periods with one embeddedness of dissolution each, matched to the
    /// transitivity at the ends of the group's periods (transitivity is then matched wave by
    /// wave, a group's waves summed): one period per group while the parameters stay within
    /// the cap, else consecutive periods share one ([`share_periods`]).
    pub(super) clustering_periods: Vec<Vec<usize>>,
    /// Whether `formation.closure` is calibrated: only when some matched wave defines
    /// transitivity, its moment (otherwise it keeps the scenario's value, and a note says so).
    pub(super) closure: bool,
    /// The degree moments of a panel of one period with an isolate: `isolates` and
    /// `degree_sd` both matched and combined with the other moments into as many as
    /// parameters (`calibration.smm.combine`), without the isolate effect.
    pub(super) combine: bool,
    /// The degree effect: the candidate's (`formation.popularity_sqrt`) for a network of hubs
    /// ([`hub_network`]), else the searcher's (`formation.activity_sqrt`).
    pub(super) popularity: bool,
    /// What the panel's waves leave out or decide, and why.
    pub(super) notes: Vec<String>,
}

impl Panel {
    /// The waves matched: every wave from the second at which some dyad between present actors
    /// is observed (a tie or no tie), with a note for each one left out. Under the observation
    /// rule a wave whose every tie variable is missing is the wave before carried forward, in
    /// the data and in every simulation alike: its statistics respond to no parameter (its
    /// ties, matched wave by wave, would make the method of moments' derivative singular).
    pub(super) fn matched_waves(&self, spec: &PanelSpec) -> Result<(Vec<usize>, Vec<String>)> {
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
pub(super) fn design(
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
