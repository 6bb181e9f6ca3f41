//! Declared statistics: which statistics of a wave are reported, and which computations they
//! need (docs/statistics.md, "Declared statistics").
//!
//! A selection is a list of statistic names, each either exact (`ties`) or a prefix ending in
//! `*` (`sc_*`, `organisations*`, `*` for all); an entry starting with `!` leaves out what it
//! names (`["*", "!betweenness_centralization"]`). Statistics that no entry names are neither reported nor, as
//! far as the families allow, computed: betweenness, triangles, components, composition, the
//! node-level social capital, the archetypes and the comparisons with other waves each run only
//! when one of their statistics is asked for.

use super::StatsOptions;
use super::{
    ARCHETYPE, ARCHETYPE_COUNT, ENTRANTS, NEW_TOUCHING, ORGANISATIONS, ORIGIN_SHARE,
    SOCIAL_CAPITAL, TOUCHING,
};
use crate::scenario::pattern::parse_stat_at;
use crate::scenario::{Observation, Scenario};

/// The statistics a wave reports: all of them (the default), or those named.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatSelection {
    /// `None`: every statistic; otherwise exact names and `prefix*` patterns.
    names: Option<Vec<String>>,
}

impl StatSelection {
    /// Every statistic (the default).
    pub fn all() -> Self {
        StatSelection { names: None }
    }

    /// The statistics `names` match (exact names or `prefix*`); see [`StatSelection::problems`]
    /// for a check that each entry names a statistic.
    pub fn named<S: AsRef<str>>(names: &[S]) -> Self {
        StatSelection {
            names: Some(names.iter().map(|s| s.as_ref().to_string()).collect()),
        }
    }

    /// Whether every statistic is reported.
    pub fn is_all(&self) -> bool {
        self.names.is_none()
    }

    /// Whether the statistic `name` is reported: some entry names it and no `!` entry does.
    pub fn wants(&self, name: &str) -> bool {
        match &self.names {
            None => true,
            Some(v) => {
                let (mut yes, mut no) = (false, false);
                for p in v {
                    match p.strip_prefix('!') {
                        Some(q) => no |= matches(q, name),
                        None => yes |= matches(p, name),
                    }
                }
                yes && !no
            }
        }
    }

    /// Whether any of `names` is reported.
    pub fn wants_any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.wants(n))
    }

    /// Whether any statistic whose name starts with `prefix` is reported.
    fn wants_prefix(&self, prefix: &str) -> bool {
        self.is_all()
            || all_statistics()
                .iter()
                .any(|n| n.starts_with(prefix) && self.wants(n))
    }

    /// Each entry that names no statistic, with a message (position in the list, message).
    pub fn problems(&self) -> Vec<(usize, String)> {
        let all = all_statistics();
        let Some(v) = &self.names else {
            return Vec::new();
        };
        v.iter()
            .enumerate()
            .filter(|(_, p)| {
                let q = p.strip_prefix('!').unwrap_or(p);
                !all.iter().any(|n| matches(q, n))
            })
            .map(|(k, p)| {
                (
                    k,
                    format!("`{p}` names no statistic (docs/statistics.md lists every statistic)"),
                )
            })
            .collect()
    }

    /// Why the selection reports no statistic at all (an empty or blank list, or one that only
    /// leaves statistics out), or `None` when it reports at least one: such a run would
    /// write tables without a single value.
    pub fn nothing_problem(&self) -> Option<String> {
        let v = self.names.as_ref()?;
        if all_statistics().iter().any(|n| self.wants(n)) {
            return None;
        }
        Some(if v.is_empty() {
            "the list is empty: name at least one statistic, or `all` (docs/statistics.md lists every statistic)".into()
        } else {
            format!(
                "[{}] selects no statistic: name at least one statistic to report, or `all`",
                v.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// The computations the selected statistics need.
    pub(super) fn needs(&self) -> Needs {
        let sc = self.wants_prefix("sc_");
        Needs {
            betweenness: self.wants("betweenness_centralization"),
            triangles: sc || self.wants_any(&["transitivity", "mean_local_clustering"]),
            components: self.wants_any(&["components", "largest_component_share"]),
            composition: self.wants_prefix("ties_touching_share")
                || self.wants_any(&["cross_kind_tie_share", "cross_territory_tie_share"]),
            social_capital: sc,
            partnerships: self.wants_prefix("archetype"),
            change: self.wants_prefix("entrants")
                || self.wants_any(&[
                    "tie_jaccard",
                    "tie_persistence",
                    "organisation_retention",
                    "ties_ratio_previous",
                ]),
            first_change: self.wants_any(&["ties_ratio_first", "first_tie_jaccard"]),
            first_agreement: self.wants("archetype_persistence_first"),
            pre_change: self.wants_any(&[
                "ties_ratio_pre",
                "pre_tie_jaccard",
                "pre_tie_persistence",
            ]),
            pre_agreement: self.wants("archetype_persistence_pre"),
            new_ties: self.wants_prefix("new_ties"),
        }
    }
}

impl StatsOptions {
    /// The options of a scenario's `[observation]` section (the betweenness settings at their
    /// defaults).
    pub fn observing(o: &Observation) -> Self {
        StatsOptions {
            per_territory: o.per_territory,
            archetype_threshold: o.archetype_threshold,
            statistics: o
                .statistics
                .as_ref()
                .map_or_else(StatSelection::all, |v| StatSelection::named(v)),
            ..StatsOptions::default()
        }
    }
}

/// Problems of a scenario's declared statistics, as (key path, message): entries of
/// `observation.statistics` that name no statistic, and targets or patterns whose statistic is
/// not observed.
pub fn scenario_problems(s: &Scenario) -> Vec<(String, String)> {
    let Some(names) = &s.observation.statistics else {
        return Vec::new();
    };
    let sel = StatSelection::named(names);
    let mut out: Vec<(String, String)> = sel
        .problems()
        .into_iter()
        .map(|(k, m)| (format!("observation.statistics[{k}]"), m))
        .collect();
    if out.is_empty() {
        if let Some(m) = sel.nothing_problem() {
            out.push(("observation.statistics".into(), m));
        }
    }
    let unobserved = |name: &str| {
        format!("`{name}` is not among the statistics of observation.statistics; add it there")
    };
    for (k, t) in s.targets.iter().enumerate() {
        if !sel.wants(&t.statistic) {
            out.push((format!("targets[{k}].statistic"), unobserved(&t.statistic)));
        }
    }
    for (k, p) in s.patterns.iter().enumerate() {
        let mut check = |field: String, name: &str| {
            if !sel.wants(name) {
                out.push((format!("patterns[{k}].{field}"), unobserved(name)));
            }
        };
        if let Some(name) = &p.statistic {
            check("statistic".into(), name);
        }
        let ordered = p.above.iter().map(|a| ("above".to_string(), a));
        let below = p
            .below
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("below[{j}]"), b));
        for (field, text) in ordered.chain(below) {
            if let Ok(at) = parse_stat_at(text) {
                check(field, &at.statistic);
            }
        }
    }
    out
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => name.starts_with(stem),
        None => pattern == name,
    }
}

/// The computations of a wave's statistics that may be skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Needs {
    pub betweenness: bool,
    pub triangles: bool,
    pub components: bool,
    pub composition: bool,
    pub social_capital: bool,
    /// Each territory's partnership archetype (archetype counts and persistence).
    pub partnerships: bool,
    /// Change from the previous wave.
    pub change: bool,
    pub first_change: bool,
    pub first_agreement: bool,
    pub pre_change: bool,
    pub pre_agreement: bool,
    pub new_ties: bool,
}

/// The name of every statistic a wave can report (network and territory scopes), in the order
/// of `docs/statistics.md`.
pub fn all_statistics() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec!["organisations"];
    v.extend(ORGANISATIONS);
    v.extend([
        "ties",
        "density",
        "mean_degree",
        "degree_centralization",
        "betweenness_centralization",
        "transitivity",
        "mean_local_clustering",
        "components",
        "largest_component_share",
    ]);
    v.extend(TOUCHING);
    v.extend([
        "cross_kind_tie_share",
        "cross_territory_tie_share",
        "mean_trust",
    ]);
    for (name, kinds) in SOCIAL_CAPITAL {
        v.push(name);
        v.extend(kinds);
    }
    v.extend(ARCHETYPE_COUNT);
    v.extend(ARCHETYPE);
    v.push("archetype_centralization");
    v.extend(ORIGIN_SHARE);
    v.extend([
        "adoption_share",
        "tie_jaccard",
        "tie_persistence",
        "organisation_retention",
        "entrants",
    ]);
    v.extend(ENTRANTS);
    v.extend([
        "initiative_share",
        "ties_ratio_previous",
        "ties_ratio_first",
        "first_tie_jaccard",
        "archetype_persistence_first",
        "ties_ratio_pre",
        "pre_tie_jaccard",
        "pre_tie_persistence",
        "archetype_persistence_pre",
        "new_ties",
    ]);
    v.extend(NEW_TOUCHING);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exact_names_and_prefixes() {
        let s = StatSelection::named(&["ties", "sc_index*"]);
        assert!(s.wants("ties"));
        assert!(!s.wants("ties_touching_share.firm"));
        assert!(s.wants("sc_index.firm"));
        assert!(!s.wants("sc_bonding"));
        let n = s.needs();
        assert!(n.social_capital && n.triangles);
        assert!(!n.betweenness && !n.components && !n.partnerships && !n.change);
        assert!(StatSelection::all().needs().betweenness);
        assert!(StatSelection::named(&["sc*"]).needs().social_capital);
        assert!(
            StatSelection::named(&["archetype_persistence_pre"])
                .needs()
                .partnerships
        );
        let most = StatSelection::named(&["*", "!betweenness_centralization", "!sc_*"]);
        assert!(most.wants("ties") && !most.wants("betweenness_centralization"));
        let n = most.needs();
        assert!(!n.betweenness && !n.social_capital && n.triangles && n.partnerships);
        assert!(most.problems().is_empty());
    }

    #[test]
    fn unknown_names_are_problems() {
        let s = StatSelection::named(&["ties", "tiez", "sc_*", "zz*", "!ties", "!tiez"]);
        let p = s.problems();
        assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 3, 5]);
        assert!(p[0].1.contains("`tiez`"));
        assert!(StatSelection::all().problems().is_empty());
    }
}
