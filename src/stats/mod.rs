//! Wave statistics (docs/statistics.md), computed on [`Snapshot`]s.
//!
//! Output is tidy: one [`StatRow`] per (scope, statistic). The scope is `network` for the whole
//! network or `territory:<name>` for one territory (its active organisations and the ties among
//! them). Every statistic, its definition, its NaN cases and how it compares with networkx and
//! igraph are listed in `docs/statistics.md`.
//!
//! The statistics are free functions over a read-only [`ScopeGraph`], one module per family:
//! [`size`], [`shape`], [`composition`], [`social_capital`], [`archetype`] and [`change`].
//! [`wave_statistics`] (and its allocation-free form [`wave_table`]) builds each scope's graph
//! once and runs every family on it.

pub mod archetype;
pub mod change;
pub mod composition;
mod graph;
pub mod interval;
mod observed;
pub mod quantile;
pub mod select;
pub mod shape;
pub mod size;
pub mod social_capital;

pub use archetype::{Archetype, territory_archetypes};
pub use graph::{LocalTie, ScopeGraph};
pub use select::{StatSelection, all_statistics};
pub use shape::{BetweennessMethod, geodesic_distribution};
pub use size::degree_distribution;

use crate::data::Kind;
use crate::network::Snapshot;
use change::{ChangeTally, UptakeTally};
use observed::Observed;
use select::Needs;
use std::borrow::Cow;

/// One statistic value for one scope.
///
/// The names are borrowed where they can be: every statistic name is a constant, and so is
/// the scope `network`, so a row of the network scope allocates nothing (a territory's
/// scope is an owned copy of its name).
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    /// `network` or `territory:<name>`.
    pub scope: Cow<'static, str>,
    /// Statistic name, e.g. `ties`, `organisations.third_sector`.
    pub statistic: &'static str,
    /// Value (NaN only where documented).
    pub value: f64,
}

/// Options for wave statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsOptions {
    /// Also compute every statistic per territory.
    pub per_territory: bool,
    /// Degree centralization at or above which a partnership counts as centred.
    pub archetype_threshold: f64,
    /// Largest number of organisations in a scope for which betweenness is exact (Brandes);
    /// above it, it is estimated from [`StatsOptions::betweenness_pivots`] sampled sources.
    pub betweenness_exact_max: usize,
    /// Number of sampled sources (pivots) of the betweenness estimate on large scopes, unless
    /// [`StatsOptions::betweenness_error`] is given.
    pub betweenness_pivots: usize,
    /// Target error of the sampled betweenness centralization: when given, each large scope
    /// takes the fewest pivots for which the centralization is within this error of the exact
    /// value with probability at least 95% whatever the network
    /// ([`shape::pivots_for_error`]), instead of [`StatsOptions::betweenness_pivots`].
    pub betweenness_error: Option<f64>,
    /// Seed of the pivot sample (the scope's position is added to it, so the sample is fixed
    /// for a given scope and seed).
    pub betweenness_seed: u64,
    /// The statistics reported (default: all); the others are not computed where they can be
    /// left out.
    pub statistics: StatSelection,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            per_territory: false,
            archetype_threshold: 0.5,
            betweenness_exact_max: 5_000,
            betweenness_pivots: 500,
            betweenness_error: None,
            betweenness_seed: 0x5EED_B7C0,
            statistics: StatSelection::all(),
        }
    }
}

impl StatsOptions {
    /// The betweenness method for a scope of `n` organisations at position `scope` (0 for the
    /// network, 1 + territory index for territories).
    pub fn betweenness_method(&self, n: usize, scope: u64) -> BetweennessMethod {
        let pivots = match self.betweenness_error {
            Some(e) if n > self.betweenness_exact_max => {
                shape::pivots_for_error(n, e, shape::BOUND_FAILURE)
            }
            _ => self.betweenness_pivots,
        };
        BetweennessMethod::for_size(
            n,
            self.betweenness_exact_max,
            pivots,
            self.betweenness_seed.wrapping_add(scope),
        )
    }
}

/// What the statistics of one wave may look at.
#[derive(Debug, Clone, Copy)]
pub struct WaveContext<'a> {
    /// The wave being described.
    pub current: &'a Snapshot,
    /// The previous wave, for change statistics.
    pub previous: Option<&'a Snapshot>,
    /// The first wave, for `initiative_share` and the comparisons with wave 1.
    pub first: Option<&'a Snapshot>,
    /// The pre-programme network (a model run's state at step 0, before the burn-in: the data
    /// set's baseline network), for the comparisons with the past.
    pub pre: Option<&'a Snapshot>,
}

/// Names `<prefix>.<kind>` in [`Kind::ALL`] order, built at compile time.
macro_rules! per_kind {
    ($p:literal) => {
        [
            concat!($p, ".ente_gestore"),
            concat!($p, ".public"),
            concat!($p, ".third_sector"),
            concat!($p, ".firm"),
            concat!($p, ".other"),
        ]
    };
}

const ORGANISATIONS: [&str; Kind::COUNT] = per_kind!("organisations");
const TOUCHING: [&str; Kind::COUNT] = per_kind!("ties_touching_share");
const ENTRANTS: [&str; Kind::COUNT] = per_kind!("entrants");
const NEW_TOUCHING: [&str; Kind::COUNT] = per_kind!("new_ties_touching_share");
const ORIGIN_SHARE: [&str; 3] = [
    "ties_origin_share.baseline",
    "ties_origin_share.programme",
    "ties_origin_share.post_programme",
];
const ARCHETYPE: [&str; 5] = [
    "archetype.ente_gestore_centred",
    "archetype.third_sector_centred",
    "archetype.other_centred",
    "archetype.polycentric",
    "archetype.undetermined",
];
const ARCHETYPE_COUNT: [&str; 5] = [
    "archetype_count.ente_gestore_centred",
    "archetype_count.third_sector_centred",
    "archetype_count.other_centred",
    "archetype_count.polycentric",
    "archetype_count.undetermined",
];
/// Social capital measures: (overall name, per-kind names).
const SOCIAL_CAPITAL: [(&str, [&str; Kind::COUNT]); social_capital::MEASURES] = [
    ("sc_relational", per_kind!("sc_relational")),
    ("sc_relational_mean", per_kind!("sc_relational_mean")),
    ("sc_index", per_kind!("sc_index")),
    ("sc_bonding", per_kind!("sc_bonding")),
    ("sc_bridging_kind", per_kind!("sc_bridging_kind")),
    ("sc_bridging_territory", per_kind!("sc_bridging_territory")),
    ("sc_effective_size", per_kind!("sc_effective_size")),
    ("sc_constraint", per_kind!("sc_constraint")),
];

/// One statistic value for one scope of a [`StatTable`]; the allocation-free form of
/// [`StatRow`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableRow {
    /// Position of the scope in [`StatTable::scopes`].
    pub scope: u32,
    /// Statistic name.
    pub statistic: &'static str,
    /// Value (NaN only where documented).
    pub value: f64,
}

/// The statistics of one wave with each scope name stored once: the same content as
/// [`wave_statistics`]'s rows, without a string allocation per row. For callers that compute
/// statistics for many waves and replicates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatTable {
    /// Scope names: `network`, then `territory:<name>` per territory when per-territory.
    pub scopes: Vec<String>,
    /// The rows, scope by scope.
    pub rows: Vec<TableRow>,
}

impl StatTable {
    /// The value of `statistic` in `scope`, if reported.
    pub fn get(&self, scope: &str, statistic: &str) -> Option<f64> {
        let i = self.scopes.iter().position(|s| s == scope)? as u32;
        self.rows
            .iter()
            .find(|r| r.scope == i && r.statistic == statistic)
            .map(|r| r.value)
    }

    /// The rows as owned [`StatRow`]s, in the same order.
    pub fn into_rows(self) -> Vec<StatRow> {
        let scopes: Vec<Cow<'static, str>> = self.scopes.iter().map(|s| scope_name(s)).collect();
        self.rows
            .iter()
            .map(|r| StatRow {
                scope: scopes[r.scope as usize].clone(),
                statistic: r.statistic,
                value: r.value,
            })
            .collect()
    }
}

/// A scope's name as a [`StatRow`] holds it: `network` borrowed, any other name owned.
pub fn scope_name(scope: &str) -> Cow<'static, str> {
    if scope == NETWORK_SCOPE {
        Cow::Borrowed(NETWORK_SCOPE)
    } else {
        Cow::Owned(scope.to_string())
    }
}

/// The name of the whole network's scope.
pub const NETWORK_SCOPE: &str = "network";

/// Row writer for one scope; rows of statistics not selected are dropped.
struct Rows<'a> {
    out: &'a mut Vec<TableRow>,
    scope: u32,
    select: &'a StatSelection,
}

impl Rows<'_> {
    #[inline]
    fn put(&mut self, statistic: &'static str, value: f64) {
        if self.select.is_all() || self.select.wants(statistic) {
            self.out.push(TableRow {
                scope: self.scope,
                statistic,
                value,
            });
        }
    }

    fn put_all(&mut self, names: &[&'static str], values: &[f64]) {
        for (&n, &v) in names.iter().zip(values) {
            self.put(n, v);
        }
    }
}

/// What a scope adds to its graph's statistics.
enum ScopeArchetype {
    /// Network scope: counts of each archetype over territories.
    Counts([usize; 5]),
    /// Territory scope: its archetype and partnership centralization.
    One(Archetype, f64),
}

/// The pattern statistics of one scope: comparisons of the wave with wave 1 and with the
/// pre-programme network (docs/statistics.md, "Patterns").
#[derive(Debug, Clone, Copy, Default)]
struct PatternTally {
    /// Change from wave 1 (when the first wave is known).
    first: Option<ChangeTally>,
    /// Change from the pre-programme network (when known).
    pre: Option<ChangeTally>,
    /// Territories whose archetype equals their wave-1 archetype, and territories counted.
    same_as_first: Option<(usize, usize)>,
    /// Territories whose archetype equals their pre-programme archetype, and territories.
    same_as_pre: Option<(usize, usize)>,
    /// Ties new since the previous wave (at wave 1: since the pre-programme network).
    new_ties: Option<change::NewTieTally>,
}

/// What one scope's statistics are computed from, besides its graph.
struct ScopeInputs<'a> {
    method: BetweennessMethod,
    /// `None` when no archetype statistic is selected.
    archetype: Option<ScopeArchetype>,
    change: Option<&'a ChangeTally>,
    uptake: &'a UptakeTally,
    with_initiative: bool,
    patterns: &'a PatternTally,
}

/// Every selected statistic of one scope graph.
fn scope_rows(rows: &mut Rows<'_>, g: &ScopeGraph, x: ScopeInputs<'_>, needs: &Needs) {
    // With social capital, the triangles come with the constraint from one pass.
    let (tri, constraint) = if needs.social_capital {
        let (t, c) = social_capital::triangles_and_constraint(g);
        (Some(t), Some(c))
    } else {
        (needs.triangles.then(|| shape::triangles(g)), None)
    };
    let clustering = tri.as_ref().map(|t| shape::local_clustering(g, t));
    // The components, found once for betweenness and the component statistics.
    let comps = (needs.betweenness || needs.components).then(|| shape::ComponentLabels::of(g));
    size_shape_rows(
        rows,
        g,
        x.method,
        (tri.as_deref(), clustering.as_deref()),
        comps.as_ref(),
        needs,
    );
    if needs.composition {
        let comp = composition::composition(g);
        rows.put_all(&TOUCHING, &comp.touching);
        rows.put("cross_kind_tie_share", comp.cross_kind);
        rows.put("cross_territory_tie_share", comp.cross_territory);
    }
    rows.put("mean_trust", social_capital::mean_trust(g));
    if let (Some(tri), Some(clustering), Some(constraint)) = (&tri, &clustering, constraint) {
        social_capital_rows(rows, g, tri, clustering, &constraint);
    }
    match x.archetype {
        Some(ScopeArchetype::Counts(c)) => rows.put_all(&ARCHETYPE_COUNT, &c.map(|x| x as f64)),
        Some(ScopeArchetype::One(a, c)) => {
            for b in Archetype::ALL {
                rows.put(ARCHETYPE[b.index()], (a == b) as u8 as f64);
            }
            rows.put("archetype_centralization", c);
        }
        None => {}
    }
    // Origins, adoption and change between waves.
    rows.put_all(&ORIGIN_SHARE, &change::origin_shares(g));
    rows.put("adoption_share", x.uptake.adoption_share());
    if let Some(t) = x.change {
        rows.put("tie_jaccard", t.jaccard());
        rows.put("tie_persistence", t.persistence());
        rows.put("organisation_retention", t.retention());
        rows.put("entrants", t.entrants_total() as f64);
        rows.put_all(&ENTRANTS, &t.entrants.map(|c| c as f64));
    }
    if x.with_initiative {
        rows.put("initiative_share", x.uptake.initiative_share());
    }
    pattern_rows(rows, x.change, x.patterns);
}

/// Size and shape: counts, density, centralizations, clustering, components.
fn size_shape_rows(
    rows: &mut Rows<'_>,
    g: &ScopeGraph,
    method: BetweennessMethod,
    (tri, clustering): (Option<&[u64]>, Option<&[f64]>),
    comps: Option<&shape::ComponentLabels>,
    needs: &Needs,
) {
    let by_kind = size::organisations_by_kind(g);
    rows.put("organisations", g.n() as f64);
    rows.put_all(&ORGANISATIONS, &by_kind.map(|c| c as f64));
    rows.put("ties", g.m() as f64);
    rows.put("density", size::density(g));
    rows.put("mean_degree", size::mean_degree(g));
    rows.put("degree_centralization", shape::degree_centralization(g));
    if let (true, Some(comps)) = (needs.betweenness, comps) {
        rows.put(
            "betweenness_centralization",
            shape::betweenness_centralization_in(g, comps, method),
        );
    }
    if let (Some(tri), Some(clustering)) = (tri, clustering) {
        rows.put("transitivity", shape::transitivity(g, tri));
        rows.put(
            "mean_local_clustering",
            if g.n() == 0 {
                f64::NAN
            } else {
                clustering.iter().sum::<f64>() / g.n() as f64
            },
        );
    }
    if let (true, Some(comps)) = (needs.components, comps) {
        let comps = comps.summary();
        rows.put("components", comps.count as f64);
        rows.put("largest_component_share", comps.largest_share(g.n()));
    }
}

/// The node-level social capital measures, overall and by kind.
fn social_capital_rows(
    rows: &mut Rows<'_>,
    g: &ScopeGraph,
    tri: &[u64],
    clustering: &[f64],
    constraint: &[f64],
) {
    let means = social_capital::social_capital_means(g, tri, clustering, constraint);
    for ((name, kind_names), (all, by_kind)) in SOCIAL_CAPITAL.iter().zip(means) {
        rows.put(name, all);
        rows.put_all(kind_names, &by_kind);
    }
}

/// Patterns: persistence of the archetype, similarity to the past, new ties.
fn pattern_rows(rows: &mut Rows<'_>, change: Option<&ChangeTally>, patterns: &PatternTally) {
    if let Some(t) = change {
        rows.put(
            "ties_ratio_previous",
            change::ratio(t.current_ties, t.previous_ties),
        );
    }
    if let Some(t) = &patterns.first {
        rows.put(
            "ties_ratio_first",
            change::ratio(t.current_ties, t.previous_ties),
        );
        rows.put("first_tie_jaccard", t.jaccard());
    }
    if let Some((same, of)) = patterns.same_as_first {
        rows.put("archetype_persistence_first", change::ratio(same, of));
    }
    if let Some(t) = &patterns.pre {
        rows.put(
            "ties_ratio_pre",
            change::ratio(t.current_ties, t.previous_ties),
        );
        rows.put("pre_tie_jaccard", t.jaccard());
        rows.put("pre_tie_persistence", t.persistence());
    }
    if let Some((same, of)) = patterns.same_as_pre {
        rows.put("archetype_persistence_pre", change::ratio(same, of));
    }
    if let Some(n) = &patterns.new_ties {
        rows.put("new_ties", n.new as f64);
        rows.put_all(&NEW_TOUCHING, &n.touching_shares());
    }
}

/// Pattern tallies of every group (`groups` territories, or one group for the network when
/// `network` gives the observed form of the waves), from the wave context and each
/// territory's archetype now; only the comparisons `needs` asks for are made.
fn pattern_tallies(
    ctx: &WaveContext<'_>,
    refs: &References<'_>,
    needs: &Needs,
    now: &[Archetype],
    groups: usize,
    group: &impl Fn(usize) -> Option<usize>,
    network: Option<&ObservedWaves<'_>>,
) -> Vec<PatternTally> {
    let s = ctx.current;
    let mut out = vec![PatternTally::default(); groups];
    // Archetype agreement with a reference wave's archetypes: per territory 0 or 1 of 1; for
    // the network, the count over all territories.
    let agreement = |then: &[Archetype]| -> Vec<(usize, usize)> {
        let same: Vec<usize> = now
            .iter()
            .zip(then)
            .map(|(a, b)| (a == b) as usize)
            .collect();
        if network.is_some() {
            vec![(same.iter().sum(), same.len())]
        } else {
            same.iter().map(|&x| (x, 1)).collect()
        }
    };
    let mut compare = |reference: Option<&Snapshot>,
                       observed: Option<&Observed>,
                       then: Option<&[Archetype]>,
                       change: bool,
                       first: bool| {
        let Some(r) = reference else { return };
        let c = change.then(|| match (network, observed) {
            (Some(o), Some(ro)) => vec![observed::change((r, ro), (s, o.current))],
            _ => change::change_tallies(r, s, groups, group),
        });
        let a = then.map(agreement);
        for (g, t) in out.iter_mut().enumerate() {
            let (tally, same) = if first {
                (&mut t.first, &mut t.same_as_first)
            } else {
                (&mut t.pre, &mut t.same_as_pre)
            };
            *tally = c.as_ref().map(|c| c[g]);
            *same = a.as_ref().and_then(|a| a.get(g).copied());
        }
    };
    let (first, pre, before) = match network {
        Some(o) => (o.first, o.pre, o.previous.or(o.pre)),
        None => (None, None, None),
    };
    compare(ctx.first, first, refs.first, needs.first_change, true);
    compare(ctx.pre, pre, refs.pre, needs.pre_change, false);
    if let (true, Some(reference)) = (needs.new_ties, ctx.previous.or(ctx.pre)) {
        let n = match (network, before) {
            (Some(o), Some(ro)) => vec![observed::new_ties(ro, (s, o.current))],
            _ => change::new_tie_tallies(reference, s, groups, group),
        };
        for (g, t) in out.iter_mut().enumerate() {
            t.new_ties = Some(n[g]);
        }
    }
    out
}

/// The observed form ([`Observed`]) of each wave of a [`WaveContext`], present exactly where
/// the context's wave is.
#[derive(Debug, Clone, Copy)]
struct ObservedWaves<'a> {
    current: &'a Observed,
    previous: Option<&'a Observed>,
    first: Option<&'a Observed>,
    pre: Option<&'a Observed>,
}

/// All statistics of one wave: the `network` scope, then (with
/// [`StatsOptions::per_territory`]) one scope per territory in `territory_names` order.
///
/// Change statistics (`tie_jaccard`, `tie_persistence`, `organisation_retention`,
/// `entrants*`) appear when `ctx.previous` is given, and `initiative_share` when `ctx.first` is
/// given; only the statistics of [`StatsOptions::statistics`] are reported. The names and
/// definitions are listed in `docs/statistics.md`. Same as [`wave_table`], with the rows as
/// owned strings.
pub fn wave_statistics(ctx: WaveContext<'_>, opts: &StatsOptions) -> Vec<StatRow> {
    wave_table(ctx, opts).into_rows()
}

/// All statistics of one wave as a [`StatTable`] (see [`wave_statistics`]).
pub fn wave_table(ctx: WaveContext<'_>, opts: &StatsOptions) -> StatTable {
    let needs = opts.statistics.needs();
    let archetypes = |reference: Option<&Snapshot>, wanted: bool| {
        reference
            .filter(|_| wanted)
            .map(|r| archetype::territory_archetypes(r, opts.archetype_threshold))
    };
    let first = archetypes(ctx.first, needs.first_agreement);
    let pre = archetypes(ctx.pre, needs.pre_agreement);
    let refs = References {
        first: first.as_deref(),
        pre: pre.as_deref(),
    };
    let observe = |w: Option<&Snapshot>| w.map(Observed::new);
    let (current, previous) = (Observed::new(ctx.current), observe(ctx.previous));
    let (first, pre) = (observe(ctx.first), observe(ctx.pre));
    let observed = ObservedWaves {
        current: &current,
        previous: previous.as_ref(),
        first: first.as_ref(),
        pre: pre.as_ref(),
    };
    let partnerships = if needs.partnerships {
        archetype::partnerships_of(ctx.current, &current, opts.archetype_threshold)
    } else {
        Vec::new()
    };
    table_with(ctx, opts, &refs, &observed, &partnerships)
}

/// A reference network (the pre-programme network, or a replicate's first wave) with the
/// archetypes of its territories, computed once for every wave compared with it.
#[derive(Debug, Clone)]
pub struct ReferenceWave<'a> {
    snapshot: &'a Snapshot,
    /// `None` when no archetype-agreement statistic is selected.
    archetypes: Option<Vec<Archetype>>,
    /// The centralization threshold the archetypes were classified with.
    threshold: f64,
    /// Its observed network, for the comparisons with it.
    observed: Observed,
}

impl<'a> ReferenceWave<'a> {
    /// The pre-programme network `s`, prepared for statistics computed with `opts`.
    pub fn pre_programme(s: &'a Snapshot, opts: &StatsOptions) -> Self {
        let wanted = opts.statistics.needs().pre_agreement;
        ReferenceWave::new(s, opts, wanted)
    }

    fn new(s: &'a Snapshot, opts: &StatsOptions, wanted: bool) -> Self {
        ReferenceWave {
            snapshot: s,
            archetypes: wanted
                .then(|| archetype::territory_archetypes(s, opts.archetype_threshold)),
            threshold: opts.archetype_threshold,
            observed: Observed::new(s),
        }
    }

    /// The archetypes for statistics computed with `opts`: the stored ones when they fit,
    /// computed afresh when `pre` was prepared with other options.
    fn archetypes_for(&self, opts: &StatsOptions, wanted: bool) -> Option<Cow<'_, [Archetype]>> {
        match &self.archetypes {
            _ if !wanted => None,
            Some(a) if self.threshold == opts.archetype_threshold => Some(Cow::Borrowed(a)),
            _ => Some(Cow::Owned(archetype::territory_archetypes(
                self.snapshot,
                opts.archetype_threshold,
            ))),
        }
    }
}

/// The statistics of every wave of one replicate, as [`wave_table`] computes them for wave `k`
/// with the wave before it, the first wave and the pre-programme network `pre` (prepared with
/// the same `opts`) as its context; the reference archetypes are computed once, not at every
/// wave.
pub fn replicate_tables(
    waves: &[Snapshot],
    pre: Option<&ReferenceWave<'_>>,
    opts: &StatsOptions,
) -> Vec<StatTable> {
    let Some(w0) = waves.first() else {
        return Vec::new();
    };
    let needs = opts.statistics.needs();
    // Each wave's observed form and partnerships, found once for every use: the first wave's
    // partnerships give its archetypes, which every wave is compared with.
    let observed: Vec<Observed> = waves.iter().map(Observed::new).collect();
    let partnerships: Vec<Vec<(Archetype, f64)>> = waves
        .iter()
        .zip(&observed)
        .enumerate()
        .map(|(k, (w, o))| {
            if needs.partnerships || (k == 0 && needs.first_agreement) {
                archetype::partnerships_of(w, o, opts.archetype_threshold)
            } else {
                Vec::new()
            }
        })
        .collect();
    let first: Option<Vec<Archetype>> = needs
        .first_agreement
        .then(|| partnerships[0].iter().map(|&(a, _)| a).collect());
    let pre_archetypes = pre.and_then(|p| p.archetypes_for(opts, needs.pre_agreement));
    let refs = References {
        first: first.as_deref(),
        pre: pre_archetypes.as_deref(),
    };
    (0..waves.len())
        .map(|k| {
            let previous = k.checked_sub(1);
            let ctx = WaveContext {
                current: &waves[k],
                previous: previous.map(|p| &waves[p]),
                first: Some(w0),
                pre: pre.map(|p| p.snapshot),
            };
            let obs = ObservedWaves {
                current: &observed[k],
                previous: previous.map(|p| &observed[p]),
                first: Some(&observed[0]),
                pre: pre.map(|p| &p.observed),
            };
            let parts = if needs.partnerships {
                &partnerships[k][..]
            } else {
                &[]
            };
            table_with(ctx, opts, &refs, &obs, parts)
        })
        .collect()
}

/// The territory archetypes of the waves a wave is compared with, when wanted.
#[derive(Debug, Clone, Copy)]
struct References<'a> {
    /// Of the first wave.
    first: Option<&'a [Archetype]>,
    /// Of the pre-programme network.
    pre: Option<&'a [Archetype]>,
}

/// [`wave_table`] with the reference archetypes, the observed form of the waves and (when the
/// archetype statistics are selected, else empty) the partnerships of each territory given.
fn table_with(
    ctx: WaveContext<'_>,
    opts: &StatsOptions,
    refs: &References<'_>,
    observed: &ObservedWaves<'_>,
    partnerships: &[(Archetype, f64)],
) -> StatTable {
    let s = ctx.current;
    let needs = opts.statistics.needs();
    let nt = s.nodes.territory_names.len();
    let territory = |i: usize| {
        let t = graph::territory_of(s, i) as usize;
        (t < nt).then_some(t)
    };
    let mut counts = [0usize; 5];
    for (a, _) in partnerships {
        counts[a.index()] += 1;
    }
    let scopes = if opts.per_territory { nt + 1 } else { 1 };
    let mut table = StatTable {
        scopes: Vec::with_capacity(scopes),
        rows: Vec::with_capacity(100 * scopes),
    };
    table.scopes.push(NETWORK_SCOPE.to_string());

    let net = ScopeGraph::network_of(s, observed.current.active());
    let previous = ctx.previous.filter(|_| needs.change);
    let current = (s, observed.current);
    let net_change = previous
        .zip(observed.previous)
        .map(|p| observed::change(p, current));
    let net_uptake = observed::uptake(current, ctx.first.zip(observed.first));
    let now: Vec<Archetype> = partnerships.iter().map(|&(a, _)| a).collect();
    let net_patterns =
        pattern_tallies(&ctx, refs, &needs, &now, 1, &|_| Some(0), Some(observed))[0];
    scope_rows(
        &mut Rows {
            out: &mut table.rows,
            scope: 0,
            select: &opts.statistics,
        },
        &net,
        ScopeInputs {
            method: opts.betweenness_method(net.n(), 0),
            archetype: needs.partnerships.then_some(ScopeArchetype::Counts(counts)),
            change: net_change.as_ref(),
            uptake: &net_uptake,
            with_initiative: ctx.first.is_some(),
            patterns: &net_patterns,
        },
        &needs,
    );
    drop(net);

    if opts.per_territory {
        let graphs = ScopeGraph::territories(s);
        let changes = previous.map(|p| change::change_tallies(p, s, nt, territory));
        let uptakes = change::uptake_tallies(s, ctx.first, nt, territory);
        let patterns = pattern_tallies(&ctx, refs, &needs, &now, nt, &territory, None);
        for (t, g) in graphs.iter().enumerate() {
            table
                .scopes
                .push(format!("territory:{}", s.nodes.territory_names[t]));
            scope_rows(
                &mut Rows {
                    out: &mut table.rows,
                    scope: 1 + t as u32,
                    select: &opts.statistics,
                },
                g,
                ScopeInputs {
                    method: opts.betweenness_method(g.n(), 1 + t as u64),
                    archetype: partnerships.get(t).map(|&(a, c)| ScopeArchetype::One(a, c)),
                    change: changes.as_ref().map(|v| &v[t]),
                    uptake: &uptakes[t],
                    with_initiative: ctx.first.is_some(),
                    patterns: &patterns[t],
                },
                &needs,
            );
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Origin;

    /// A table's rows keep their scope, name and value (bits included), in order; the network
    /// scope is borrowed and a territory's owned.
    #[test]
    fn rows_borrow_the_network_scope() {
        let table = StatTable {
            scopes: vec![NETWORK_SCOPE.to_string(), "territory:T1".to_string()],
            rows: vec![
                TableRow {
                    scope: 0,
                    statistic: "ties",
                    value: 3.0,
                },
                TableRow {
                    scope: 1,
                    statistic: "density",
                    value: f64::NAN,
                },
                TableRow {
                    scope: 1,
                    statistic: "ties",
                    value: -0.0,
                },
            ],
        };
        let rows = table.clone().into_rows();
        assert_eq!(rows.len(), table.rows.len());
        for (row, t) in rows.iter().zip(&table.rows) {
            assert_eq!(row.scope, table.scopes[t.scope as usize]);
            assert_eq!(row.statistic, t.statistic);
            assert_eq!(row.value.to_bits(), t.value.to_bits());
        }
        assert!(matches!(rows[0].scope, Cow::Borrowed("network")));
        assert!(matches!(&rows[1].scope, Cow::Owned(s) if s == "territory:T1"));
    }

    #[test]
    fn static_names_follow_kind_and_origin_order() {
        for k in Kind::ALL {
            assert_eq!(ORGANISATIONS[k.index()], format!("organisations.{k}"));
            assert_eq!(ENTRANTS[k.index()], format!("entrants.{k}"));
            assert_eq!(
                NEW_TOUCHING[k.index()],
                format!("new_ties_touching_share.{k}")
            );
            assert_eq!(TOUCHING[k.index()], format!("ties_touching_share.{k}"));
            for (base, names) in SOCIAL_CAPITAL {
                assert_eq!(names[k.index()], format!("{base}.{k}"));
            }
        }
        for (i, o) in Origin::ALL.into_iter().enumerate() {
            assert_eq!(ORIGIN_SHARE[i], format!("ties_origin_share.{}", o.name()));
        }
        for a in Archetype::ALL {
            assert_eq!(ARCHETYPE[a.index()], format!("archetype.{}", a.name()));
            assert_eq!(
                ARCHETYPE_COUNT[a.index()],
                format!("archetype_count.{}", a.name())
            );
        }
    }
}
