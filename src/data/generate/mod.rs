//! Synthetic data sets: territories with the three partnership archetypes.
//!
//! [`generate`] builds a [`Dataset`] from [`GeneratorParams`] and a seed: per territory, enti
//! gestori (the first leads the territory's project), active partner organisations, a pool of
//! not-yet-involved (inactive) organisations, baseline ties shaped by the territory's
//! [`Archetype`], remembered past (dormant) ties, and one project whose partners are all other
//! active organisations of the territory. A few baseline ties join enti gestori of different
//! territories. Construction is linear in the number of organisations and ties (pairs are
//! sampled, never enumerated over the region), so 100,000 organisations take well under a
//! second in release builds.
//!
//! [`wecare_measure1`] is the preset for the reconstructed We.Ca.Re Measure 1 data set; the
//! algorithm and every parameter are described in `docs/generator.md`.
//!
//! ```
//! use wecare::data::generate::{generate_with_meta, wecare_measure1, Archetype};
//!
//! let g = generate_with_meta(&wecare_measure1(), 20170101).unwrap();
//! assert_eq!(g.dataset.projects.len(), 22);
//! let active = g.dataset.organisations.iter().filter(|o| o.active).count();
//! assert_eq!(active, 197);
//! let centred = g
//!     .territories
//!     .iter()
//!     .filter(|t| t.archetype == Archetype::EnteGestoreCentred)
//!     .count();
//! assert_eq!(centred, 13);
//! ```

mod alloc;
mod graph;
mod params;

pub use params::{ArchetypeMix, GeneratorParams, WECARE_MEASURE1_TERRITORIES, wecare_measure1};

use crate::data::{Dataset, Kind, Organisation, Project, Tie};
use graph::LocalGraph;
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_distr::{Beta, Distribution, LogNormal, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Why a data set could not be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// A parameter is out of range or inconsistent with the others.
    #[error("generator parameter `{param}`: {message}")]
    InvalidParameter {
        /// Name of the parameter at fault, as in the TOML file (e.g. `partner_kind_mix.firm`).
        param: String,
        /// What is wrong with it.
        message: String,
    },
    /// The parameters passed their checks but produced values a data set cannot hold.
    #[error("the generator parameters give an unusable data set: {0}")]
    Degenerate(String),
}

/// The shape of a territory's partnership network at the start (docs/background.md, wave 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Archetype {
    /// The lead ente gestore is the unique highest-degree member, and the members' degree
    /// centralization is at or above the threshold.
    EnteGestoreCentred,
    /// A third-sector partner is the unique highest-degree member, and the centralization is at
    /// or above the threshold; the lead ente gestore is an ordinary member.
    ThirdSectorCentred,
    /// No clear centre: the centralization is below the threshold.
    Polycentric,
}

impl Archetype {
    /// Every archetype, in the order of [`ArchetypeMix`]'s fields.
    pub const ALL: [Archetype; 3] = [
        Archetype::EnteGestoreCentred,
        Archetype::ThirdSectorCentred,
        Archetype::Polycentric,
    ];

    /// The name used in files and outputs (`ente_gestore_centred`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Archetype::EnteGestoreCentred => "ente_gestore_centred",
            Archetype::ThirdSectorCentred => "third_sector_centred",
            Archetype::Polycentric => "polycentric",
        }
    }
}

impl fmt::Display for Archetype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the generator did in one territory.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryInfo {
    /// Territory name.
    pub name: String,
    /// Archetype the territory's baseline network was built as.
    pub archetype: Archetype,
    /// Index (into [`Dataset::organisations`]) of the centre: the lead ente gestore or the
    /// third-sector hub; `None` for polycentric territories.
    pub hub: Option<usize>,
    /// Index of the territory's project in [`Dataset::projects`].
    pub project: usize,
    /// Number of project members (lead and partners), all the territory's active organisations.
    pub members: usize,
    /// Freeman degree centralization of the baseline ties among the project members.
    pub centralization: f64,
}

/// A generated data set with what the generator knows about each territory.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The data set.
    pub dataset: Dataset,
    /// One entry per territory, in the order of the territories (and of the projects).
    pub territories: Vec<TerritoryInfo>,
}

/// Names of the built-in parameter presets, for `wecare generate --preset NAME`: the
/// reconstructed We.Ca.Re data set and synthetic regions of about 10,000, 100,000 and
/// 1,000,000 organisations (the scale series of docs/performance.md).
pub const PRESETS: [&str; 4] = ["wecare-measure1", "region-10k", "region-100k", "region-1m"];

/// The built-in preset with this name (see [`PRESETS`]), or `None`.
pub fn preset(name: &str) -> Option<GeneratorParams> {
    // The region presets are the scenario directory's generator files, so the files and the
    // presets cannot drift apart.
    let region = |text: &str| {
        toml::from_str::<GeneratorParams>(text).expect("built-in generator parameters parse")
    };
    match name {
        "wecare-measure1" => Some(wecare_measure1()),
        "region-10k" => Some(region(include_str!(
            "../../../scenarios/region-10k.generator.toml"
        ))),
        "region-100k" => Some(region(include_str!(
            "../../../scenarios/region-100k.generator.toml"
        ))),
        "region-1m" => Some(region(include_str!(
            "../../../scenarios/region-1m.generator.toml"
        ))),
        _ => None,
    }
}

/// Generates a data set; the same parameters and seed always give the same data set.
///
/// Errors name the parameter at fault. See [`generate_with_meta`] for the archetype of each
/// territory.
pub fn generate(params: &GeneratorParams, seed: u64) -> Result<Dataset, GenerateError> {
    generate_with_meta(params, seed).map(|g| g.dataset)
}

/// The archetype given to each territory, in territory order, for these parameters and seed.
pub fn territory_archetypes(
    params: &GeneratorParams,
    seed: u64,
) -> Result<Vec<(String, Archetype)>, GenerateError> {
    Ok(generate_with_meta(params, seed)?
        .territories
        .into_iter()
        .map(|t| (t.name, t.archetype))
        .collect())
}

/// Short code of a kind in organisation ids (`Alba-EG1`, `Alba-TS03`, ...).
fn kind_code(k: Kind) -> &'static str {
    match k {
        Kind::EnteGestore => "EG",
        Kind::Public => "P",
        Kind::ThirdSector => "TS",
        Kind::Firm => "F",
        Kind::Other => "O",
    }
}

/// A draw in [0, 1] from a Beta distribution with this mean and standard deviation (the mean
/// itself when the spread is 0), rounded to 0.001.
fn trust_draw<R: Rng>(rng: &mut R, mean: f64, sd: f64) -> f64 {
    let x = if sd <= 0.0 {
        mean
    } else {
        let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
        match Beta::new(mean * k, (1.0 - mean) * k) {
            Ok(b) => b.sample(rng),
            Err(_) => mean,
        }
    };
    // A Beta with extreme shapes can return NaN; the mean is then the best draw.
    let x = if x.is_finite() { x } else { mean };
    ((x * 1000.0).round() / 1000.0).clamp(0.0, 1.0)
}

/// Refuses a generated data set that `wecare validate` would refuse (a capacity, trust or
/// budget out of range from extreme parameters), rather than writing it.
fn check_output(ds: &Dataset) -> Result<(), GenerateError> {
    let fail = |what: String| Err(GenerateError::Degenerate(what));
    if let Some(o) = ds
        .organisations
        .iter()
        .find(|o| !(o.capacity.is_finite() && o.capacity > 0.0))
    {
        return fail(format!(
            "organisation {} got capacity {}; lower `capacity_median` or `capacity_spread`",
            o.id, o.capacity
        ));
    }
    for t in ds.ties.iter().chain(&ds.history) {
        if let Some(x) = t.trust
            && !(0.0..=1.0).contains(&x)
        {
            return fail(format!("a tie got trust {x}; change the trust parameters"));
        }
    }
    if let Some(p) = ds
        .projects
        .iter()
        .find(|p| !(p.budget.is_finite() && p.budget > 0.0))
    {
        return fail(format!(
            "project {} got budget {}; change the grant parameters",
            p.id, p.budget
        ));
    }
    Ok(())
}

/// A log-normal factor with median 1 (1 when sigma is 0).
fn lognormal_factor<R: Rng>(rng: &mut R, sigma: f64) -> f64 {
    if sigma <= 0.0 {
        return 1.0;
    }
    LogNormal::new(0.0, sigma)
        .map(|d| d.sample(rng))
        .unwrap_or(1.0)
}

/// Kinds dealt out to territories: `counts` per kind (in [`Kind::ALL`] order) shuffled, then
/// `slots[t]` of them given to territory `t`.
fn deal<R: Rng>(rng: &mut R, counts: &[usize], slots: &[usize]) -> Vec<Vec<Kind>> {
    let mut all: Vec<Kind> = Vec::with_capacity(counts.iter().sum());
    for (k, &c) in Kind::ALL.iter().zip(counts) {
        all.extend(std::iter::repeat_n(*k, c));
    }
    all.shuffle(rng);
    let mut out = Vec::with_capacity(slots.len());
    let mut at = 0;
    for &s in slots {
        out.push(all[at..at + s].to_vec());
        at += s;
    }
    out
}

/// Generates a data set and reports, per territory, its archetype, hub and centralization.
///
/// Steps, all drawn from one `Xoshiro256PlusPlus` seeded with `seed`: archetype counts by
/// apportionment and shuffled over territories; territory sizes; extra enti gestori; kinds of
/// partners and pool organisations; then per territory the organisations, the archetype's
/// baseline ties, and the remembered past ties; then the cross-territory ties and the grants.
/// See `docs/generator.md`.
pub fn generate_with_meta(params: &GeneratorParams, seed: u64) -> Result<Generated, GenerateError> {
    let checked = params.check()?;
    let p = params;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let layout = Layout::draw(p, checked.names, &mut rng)?;
    let t = layout.names.len();

    let total_orgs: usize = (0..t)
        .map(|i| layout.eg_counts[i] + layout.partner_counts[i] + layout.pool_kinds[i].len())
        .sum();
    let mut ds = Dataset {
        organisations: Vec::with_capacity(total_orgs),
        ties: Vec::new(),
        history: Vec::new(),
        projects: Vec::with_capacity(t),
    };
    let mut infos = Vec::with_capacity(t);
    let mut eg_index: Vec<(usize, usize)> = Vec::with_capacity(p.enti_gestori);
    for ti in 0..t {
        infos.push(add_territory(
            &mut ds,
            &mut eg_index,
            &mut rng,
            p,
            &layout,
            ti,
        ));
    }
    add_cross_territory_ties(&mut ds, &mut rng, p, &eg_index, t);

    // Grants, growing with the number of members.
    let sizes: Vec<usize> = infos.iter().map(|i| i.members).collect();
    let grants = alloc::grants(
        &sizes,
        checked.total_units,
        checked.min_units,
        checked.max_units,
    );
    for (pr, g) in ds.projects.iter_mut().zip(grants) {
        pr.budget = g as f64 * p.grant_unit;
    }

    ds.ties.sort_by_key(|t| (t.a, t.b));
    ds.history.sort_by_key(|t| (t.a, t.b));
    check_output(&ds)?;
    Ok(Generated {
        dataset: ds,
        territories: infos,
    })
}

/// How the organisations are spread over the territories, drawn before any is made.
struct Layout {
    /// Territory names.
    names: Vec<String>,
    /// Archetype of each territory.
    archetypes: Vec<Archetype>,
    /// Enti gestori per territory.
    eg_counts: Vec<usize>,
    /// Active partners per territory.
    partner_counts: Vec<usize>,
    /// Kinds of the active partners per territory, sorted.
    partner_kinds: Vec<Vec<Kind>>,
    /// Kinds of the pool (inactive) organisations per territory, sorted.
    pool_kinds: Vec<Vec<Kind>>,
}

impl Layout {
    /// Draws archetypes, territory sizes, enti gestori, partner kinds and pools, in this order.
    fn draw(
        p: &GeneratorParams,
        names: Vec<String>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Layout, GenerateError> {
        let t = names.len();
        // Archetypes: exact counts, random placement.
        let am = p.archetype_mix;
        let arch_counts = alloc::apportion(
            t,
            &[
                am.ente_gestore_centred,
                am.third_sector_centred,
                am.polycentric,
            ],
        );
        let mut archetypes: Vec<Archetype> = Vec::with_capacity(t);
        for (a, &c) in Archetype::ALL.iter().zip(&arch_counts) {
            archetypes.extend(std::iter::repeat_n(*a, c));
        }
        archetypes.shuffle(rng);

        // Territory sizes: partners per territory.
        let size_w: Vec<f64> = (0..t)
            .map(|_| lognormal_factor(rng, p.size_spread))
            .collect();
        let partner_counts: Vec<usize> = alloc::apportion(p.partners - p.min_partners * t, &size_w)
            .into_iter()
            .map(|e| e + p.min_partners)
            .collect();

        // Extra enti gestori, with probability proportional to the partner count.
        let mut eg_counts = vec![1usize; t];
        let cum: Vec<usize> = partner_counts
            .iter()
            .scan(0, |s, &c| {
                *s += c;
                Some(*s)
            })
            .collect();
        for _ in t..p.enti_gestori {
            let r = rng.random_range(0..p.partners);
            eg_counts[cum.partition_point(|&c| c <= r)] += 1;
        }

        let partner_kinds = partner_kinds(p, rng, &archetypes, &partner_counts, arch_counts[1])?;

        // Pools.
        let pool_sizes: Vec<usize> = (0..t)
            .map(|_| rng.random_range(p.pool_min..=p.pool_max))
            .collect();
        let pool_total: usize = pool_sizes.iter().sum();
        let pool_counts = alloc::apportion(pool_total, &p.pool_kind_mix.to_array());
        let mut pool_kinds = deal(rng, &pool_counts, &pool_sizes);
        for k in &mut pool_kinds {
            k.sort();
        }
        Ok(Layout {
            names,
            archetypes,
            eg_counts,
            partner_counts,
            partner_kinds,
            pool_kinds,
        })
    }

    /// The members of territory `ti` in order, with whether each is active: enti gestori,
    /// active partners, pool.
    fn members(&self, ti: usize) -> Vec<(Kind, bool)> {
        std::iter::repeat_n((Kind::EnteGestore, true), self.eg_counts[ti])
            .chain(self.partner_kinds[ti].iter().map(|&k| (k, true)))
            .chain(self.pool_kinds[ti].iter().map(|&k| (k, false)))
            .collect()
    }
}

/// Kinds of the active partners per territory: exact counts, one third-sector hub reserved in
/// each of the `ts_hubs` third-sector-centred territories.
fn partner_kinds(
    p: &GeneratorParams,
    rng: &mut Xoshiro256PlusPlus,
    archetypes: &[Archetype],
    partner_counts: &[usize],
    ts_hubs: usize,
) -> Result<Vec<Vec<Kind>>, GenerateError> {
    let mut kind_counts = alloc::apportion(p.partners, &p.partner_kind_mix.to_array());
    let ts = Kind::ThirdSector.index();
    if kind_counts[ts] < ts_hubs {
        return Err(GenerateError::InvalidParameter {
            param: "partner_kind_mix.third_sector".into(),
            message: format!(
                "gives {} third-sector partners, fewer than the {ts_hubs} third_sector_centred territories, each of which needs one as its hub",
                kind_counts[ts]
            ),
        });
    }
    kind_counts[ts] -= ts_hubs;
    let slots: Vec<usize> = (0..archetypes.len())
        .map(|i| partner_counts[i] - usize::from(archetypes[i] == Archetype::ThirdSectorCentred))
        .collect();
    let mut partner_kinds = deal(rng, &kind_counts, &slots);
    for (kinds, &a) in partner_kinds.iter_mut().zip(archetypes) {
        if a == Archetype::ThirdSectorCentred {
            kinds.push(Kind::ThirdSector);
        }
        kinds.sort();
    }
    Ok(partner_kinds)
}

/// Adds territory `ti`: its organisations, baseline and remembered ties and project; records
/// its enti gestori in `eg_index` (organisation, territory).
fn add_territory(
    ds: &mut Dataset,
    eg_index: &mut Vec<(usize, usize)>,
    rng: &mut Xoshiro256PlusPlus,
    p: &GeneratorParams,
    layout: &Layout,
    ti: usize,
) -> TerritoryInfo {
    let name = &layout.names[ti];
    let base = ds.organisations.len();
    let n = layout.eg_counts[ti] + layout.partner_counts[ti];
    let kinds = layout.members(ti);
    add_organisations(ds, rng, p, &kinds, name);
    for (local, &(k, _)) in kinds.iter().enumerate() {
        if k == Kind::EnteGestore {
            eg_index.push((base + local, ti));
        }
    }

    // Baseline ties among the members, by archetype.
    let archetype = layout.archetypes[ti];
    let (mut g, hub_local) = baseline_graph(rng, p, &kinds, n, archetype);
    let centralization = graph::centralization(&g.deg, n);
    let baseline = g.edges.len();

    // Remembered past ties anywhere in the territory, pool included.
    let total_t = kinds.len();
    let all: Vec<u32> = (0..total_t as u32).collect();
    let m_hist = (p.history_mean_degree * total_t as f64 / 2.0).round() as usize;
    g.add_random(rng, &all, m_hist);
    add_ties(ds, rng, p, &g, baseline, base);

    ds.projects.push(Project {
        id: format!("WECARE-{name}"),
        territory: name.clone(),
        lead: base,
        budget: 0.0,
        partners: (base + 1..base + n).collect(),
    });
    TerritoryInfo {
        name: name.clone(),
        archetype,
        hub: hub_local.map(|h| base + h as usize),
        project: ti,
        members: n,
        centralization,
    }
}

/// Adds the organisations of territory `name` of the given kinds (and activity), with ids
/// numbered per kind and log-normal capacities.
fn add_organisations(
    ds: &mut Dataset,
    rng: &mut Xoshiro256PlusPlus,
    p: &GeneratorParams,
    kinds: &[(Kind, bool)],
    name: &str,
) {
    let mut per_kind = [0usize; Kind::COUNT];
    for &(k, _) in kinds {
        per_kind[k.index()] += 1;
    }
    let mut seq = [0usize; Kind::COUNT];
    for &(k, active) in kinds {
        seq[k.index()] += 1;
        let min_width = if k == Kind::EnteGestore { 1 } else { 2 };
        let width = per_kind[k.index()].to_string().len().max(min_width);
        let z: f64 = StandardNormal.sample(rng);
        let cap = p.capacity_median.get(k) * (p.capacity_spread * z).exp();
        let cap = ((cap * 100.0).round() / 100.0).max(0.01);
        ds.organisations.push(Organisation {
            id: format!("{name}-{}{:0width$}", kind_code(k), seq[k.index()]),
            kind: k,
            territory: name.to_string(),
            capacity: cap,
            active,
            covariate: None,
        });
    }
}

/// The baseline network among the `n` active members (the first `n` of `kinds`), shaped by
/// the archetype; with the local index of its hub, if centred.
fn baseline_graph(
    rng: &mut Xoshiro256PlusPlus,
    p: &GeneratorParams,
    kinds: &[(Kind, bool)],
    n: usize,
    archetype: Archetype,
) -> (LocalGraph, Option<u32>) {
    let density = lognormal_factor(rng, p.density_spread);
    let mut g = LocalGraph::new(kinds.len());
    let hub_local = match archetype {
        Archetype::EnteGestoreCentred => Some(0u32),
        Archetype::ThirdSectorCentred => {
            let cands: Vec<u32> = (0..n as u32)
                .filter(|&i| kinds[i as usize].0 == Kind::ThirdSector)
                .collect();
            Some(cands[rng.random_range(0..cands.len())])
        }
        Archetype::Polycentric => None,
    };
    let poly_hubs = ((1.2 / (p.archetype_threshold - p.archetype_margin)).ceil() as usize).max(3);
    match hub_local {
        Some(h) => graph::build_centred(
            rng,
            &mut g,
            n,
            h,
            p.hub_share,
            p.centred_extra_degree * density,
            p.archetype_threshold + p.archetype_margin,
        ),
        None => graph::build_polycentric(
            rng,
            &mut g,
            n,
            if n < 9 { 2 } else { poly_hubs },
            p.polycentric_extra_degree * density,
            p.archetype_threshold - p.archetype_margin,
        ),
    }
    (g, hub_local)
}

/// Adds the edges of a territory's graph whose first organisation is `base`: the first
/// `baseline` as baseline ties with the territory's trust level, the rest as history ties.
fn add_ties(
    ds: &mut Dataset,
    rng: &mut Xoshiro256PlusPlus,
    p: &GeneratorParams,
    g: &LocalGraph,
    baseline: usize,
    base: usize,
) {
    let z: f64 = StandardNormal.sample(rng);
    let tmean = (p.baseline_trust_mean + p.territory_trust_spread * z).clamp(0.05, 0.95);
    let tsd = p
        .baseline_trust_spread
        .min(0.9 * (tmean * (1.0 - tmean)).sqrt());
    for (i, &(a, b)) in g.edges.iter().enumerate() {
        let (mean, sd, out) = if i < baseline {
            (tmean, tsd, &mut ds.ties)
        } else {
            (
                p.history_trust_mean,
                p.history_trust_spread,
                &mut ds.history,
            )
        };
        out.push(Tie {
            a: base + a as usize,
            b: base + b as usize,
            trust: Some(trust_draw(rng, mean, sd)),
        });
    }
}

/// Cross-territory ties among enti gestori (`eg_index`: organisation and territory, grouped
/// by territory), each joining two territories.
fn add_cross_territory_ties(
    ds: &mut Dataset,
    rng: &mut Xoshiro256PlusPlus,
    p: &GeneratorParams,
    eg_index: &[(usize, usize)],
    t: usize,
) {
    let mut block_start = vec![0usize; t + 1];
    for &(_, ti) in eg_index {
        block_start[ti + 1] += 1;
    }
    for i in 0..t {
        block_start[i + 1] += block_start[i];
    }
    let mut cross: HashSet<(usize, usize)> = HashSet::new();
    while cross.len() < p.cross_territory_ties {
        let (u, tu) = eg_index[rng.random_range(0..eg_index.len())];
        let own = block_start[tu + 1] - block_start[tu];
        let mut j = rng.random_range(0..eg_index.len() - own);
        if j >= block_start[tu] {
            j += own;
        }
        let v = eg_index[j].0;
        let pair = (u.min(v), u.max(v));
        if cross.insert(pair) {
            ds.ties.push(Tie {
                a: pair.0,
                b: pair.1,
                trust: Some(trust_draw(
                    rng,
                    p.baseline_trust_mean,
                    p.baseline_trust_spread,
                )),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_name() {
        for name in PRESETS {
            assert!(preset(name).unwrap().validate().is_ok());
        }
        assert_eq!(preset("wecare-measure1"), Some(wecare_measure1()));
        assert_eq!(preset("nope"), None);
    }

    #[test]
    fn ids_are_readable_and_unique() {
        let ds = generate(&wecare_measure1(), 1).unwrap();
        let ids: HashSet<&str> = ds.organisations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids.len(), ds.organisations.len());
        assert!(ids.contains("Alba-EG1"));
        assert!(ids.contains("Torino-TS01"));
        assert_eq!(ds.projects[3].id, "WECARE-Alba");
        assert_eq!(ds.organisations[ds.projects[3].lead].id, "Alba-EG1");
    }

    #[test]
    fn errors_name_the_parameter() {
        let mut p = wecare_measure1();
        p.enti_gestori = 10;
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`enti_gestori`"), "{e}");

        let mut p = wecare_measure1();
        p.partner_kind_mix.ente_gestore = 0.1;
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`partner_kind_mix.ente_gestore`"), "{e}");

        let mut p = wecare_measure1();
        p.total_budget = 1_000_000.0;
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`total_budget`"), "{e}");

        let mut p = wecare_measure1();
        p.partner_kind_mix.third_sector = 0.0;
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`partner_kind_mix.third_sector`"), "{e}");

        let mut p = wecare_measure1();
        p.baseline_trust_spread = 0.6;
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`baseline_trust_spread`"), "{e}");

        let mut p = wecare_measure1();
        p.territory_names[1] = "Alba".into();
        let e = generate(&p, 1).unwrap_err().to_string();
        assert!(e.contains("`territory_names`"), "{e}");
    }

    #[test]
    fn default_names_and_small_configurations() {
        let p = GeneratorParams {
            territories: 3,
            enti_gestori: 3,
            partners: 9,
            total_budget: 1_000_000.0,
            min_grant: 200_000.0,
            max_grant: 500_000.0,
            cross_territory_ties: 1,
            ..GeneratorParams::default()
        };
        let g = generate_with_meta(&p, 5).unwrap();
        assert_eq!(g.dataset.territories(), vec!["T001", "T002", "T003"]);
        let b: Vec<f64> = g.dataset.projects.iter().map(|p| p.budget).collect();
        assert_eq!(b.iter().sum::<f64>(), 1_000_000.0);
        assert!(g.territories.iter().all(|t| t.members == 4));
    }
}
