//! Generator parameters, their defaults, validation, and the We.Ca.Re Measure 1 preset.

use super::GenerateError;
use crate::data::{Kind, PerKind};
use crate::limits;
use serde::{Deserialize, Serialize};

/// Relative weights of the three partnership archetypes.
///
/// The number of territories of each archetype is the largest-remainder apportionment of the
/// territory count over these weights; which territory gets which archetype is random.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchetypeMix {
    /// Weight of territories centred on the lead ente gestore (>= 0; default 13).
    pub ente_gestore_centred: f64,
    /// Weight of territories centred on a third-sector organisation (>= 0; default 5).
    pub third_sector_centred: f64,
    /// Weight of polycentric territories, with no clear centre (>= 0; default 4).
    pub polycentric: f64,
}

impl Default for ArchetypeMix {
    fn default() -> Self {
        ArchetypeMix {
            ente_gestore_centred: 13.0,
            third_sector_centred: 5.0,
            polycentric: 4.0,
        }
    }
}

/// Parameters of the synthetic data-set generator (see `docs/generator.md`).
///
/// Every field has a default (those of the [`wecare_measure1`](super::wecare_measure1) preset,
/// except that the default territories are named `T001`, `T002`, ...). In a TOML file, missing
/// keys take their default and unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneratorParams {
    /// Number of territories when `territory_names` is empty; they are then named `T001`,
    /// `T002`, ... (count, >= 1; default 22).
    pub territories: usize,
    /// Territory names. When non-empty they give the territories and their number, and
    /// `territories` is not used (names must be unique and free of `,`, `;`, `"` and line
    /// breaks; default empty).
    pub territory_names: Vec<String>,
    /// Enti gestori in all, active at the start (count, >= the number of territories; default
    /// 50). Each territory has one, the lead of its project; the others are spread over
    /// territories at random with probability proportional to the territory's partner count.
    pub enti_gestori: usize,
    /// Partner organisations (every kind but `ente_gestore`) active at the start, in all
    /// (count, >= `min_partners` times the number of territories; default 147).
    pub partners: usize,
    /// Fewest active partners in a territory (count, >= 3, so that every partnership has at
    /// least 4 members; default 3).
    pub min_partners: usize,
    /// Heterogeneity of territory sizes: the partners beyond `min_partners` per territory are
    /// apportioned over territories in proportion to log-normal weights with this sigma
    /// (dimensionless, >= 0, 0 gives equal sizes; default 0.9).
    pub size_spread: f64,
    /// Kind mix of the active partners, as relative weights (>= 0, `ente_gestore` must be 0).
    /// Counts per kind are the largest-remainder apportionment of `partners` over the weights,
    /// dealt out to territories at random. Default: public 0.30, third_sector 0.60, firm 0.07,
    /// other 0.03.
    pub partner_kind_mix: PerKind<f64>,
    /// Weights of the partnership archetypes (default 13 : 5 : 4).
    pub archetype_mix: ArchetypeMix,
    /// In a centred territory, the share of the other members that the hub is tied to at
    /// least (fraction in (0, 1]; default 0.85).
    pub hub_share: f64,
    /// In a centred territory, the mean number of ties a non-hub member has to other non-hub
    /// members before any repair (ties per member, >= 0; default 1.0).
    pub centred_extra_degree: f64,
    /// In a polycentric territory, the mean number of random ties per member on top of the two
    /// or more local hubs (ties per member, >= 0; default 1.5).
    pub polycentric_extra_degree: f64,
    /// Heterogeneity of density: each territory multiplies the two extra degrees above by a
    /// log-normal factor with median 1 and this sigma (dimensionless, >= 0; default 0.3).
    pub density_spread: f64,
    /// Degree centralization that separates centred from polycentric partnerships, as in the
    /// wave statistics (fraction in (0, 1); default 0.5).
    pub archetype_threshold: f64,
    /// Safety margin around `archetype_threshold`: centred territories are built with
    /// centralization >= threshold + margin, polycentric ones with centralization <=
    /// threshold - margin (fraction, >= 0; default 0.05).
    pub archetype_margin: f64,
    /// Mean trust of baseline (active) ties (in (0, 1); default 0.6).
    pub baseline_trust_mean: f64,
    /// Standard deviation of baseline trust around its territory's mean; trust is Beta
    /// distributed (>= 0, with spread^2 < mean (1 - mean); default 0.15).
    pub baseline_trust_spread: f64,
    /// Standard deviation of the territory means of baseline trust around
    /// `baseline_trust_mean` (normal, clamped to [0.05, 0.95]; >= 0; default 0.05).
    pub territory_trust_spread: f64,
    /// Remembered past ties (dormant at the start): mean number per organisation of a
    /// territory, active or in the pool. They join random pairs of the same territory that are
    /// not tied in the baseline (ties per organisation, >= 0; default 1.5).
    pub history_mean_degree: f64,
    /// Mean trust of remembered past ties (in (0, 1); default 0.35).
    pub history_trust_mean: f64,
    /// Standard deviation of the trust of remembered past ties; Beta distributed (>= 0, with
    /// spread^2 < mean (1 - mean); default 0.15).
    pub history_trust_spread: f64,
    /// Fewest organisations in a territory's pool of not-yet-involved (inactive) organisations
    /// (count; default 6).
    pub pool_min: usize,
    /// Most organisations in a territory's pool; each territory's pool size is uniform in
    /// `pool_min..=pool_max` (count, >= `pool_min`; default 12).
    pub pool_max: usize,
    /// Kind mix of the pool, as relative weights (>= 0, `ente_gestore` must be 0), apportioned
    /// like `partner_kind_mix`. Default: public 0.05, third_sector 0.65, firm 0.25, other 0.05.
    pub pool_kind_mix: PerKind<f64>,
    /// Median capacity by kind (relative size, > 0). Default: ente_gestore 4, public 2,
    /// third_sector 1, firm 1, other 1.
    pub capacity_median: PerKind<f64>,
    /// Sigma of the log-normal capacity around its kind's median (dimensionless, >= 0; default
    /// 0.5). Capacities are rounded to 0.01 and at least 0.01.
    pub capacity_spread: f64,
    /// Baseline ties between enti gestori of different territories (count, at most half the
    /// number of such pairs; default 8).
    pub cross_territory_ties: usize,
    /// Sum of all grants (EUR, > 0; default 6,400,000).
    pub total_budget: f64,
    /// Grant of the smallest territory (EUR, > 0; default 179,000).
    pub min_grant: f64,
    /// Grant of the largest territory (EUR, >= `min_grant`; default 867,000).
    pub max_grant: f64,
    /// Grants are whole multiples of this amount; `total_budget`, `min_grant` and `max_grant`
    /// must be multiples of it (EUR, > 0; default 1,000).
    pub grant_unit: f64,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        GeneratorParams {
            territories: 22,
            territory_names: Vec::new(),
            enti_gestori: 50,
            partners: 147,
            min_partners: 3,
            size_spread: 0.9,
            partner_kind_mix: PerKind {
                ente_gestore: 0.0,
                public: 0.30,
                third_sector: 0.60,
                firm: 0.07,
                other: 0.03,
            },
            archetype_mix: ArchetypeMix::default(),
            hub_share: 0.85,
            centred_extra_degree: 1.0,
            polycentric_extra_degree: 1.5,
            density_spread: 0.3,
            archetype_threshold: 0.5,
            archetype_margin: 0.05,
            baseline_trust_mean: 0.6,
            baseline_trust_spread: 0.15,
            territory_trust_spread: 0.05,
            history_mean_degree: 1.5,
            history_trust_mean: 0.35,
            history_trust_spread: 0.15,
            pool_min: 6,
            pool_max: 12,
            pool_kind_mix: PerKind {
                ente_gestore: 0.0,
                public: 0.05,
                third_sector: 0.65,
                firm: 0.25,
                other: 0.05,
            },
            capacity_median: PerKind {
                ente_gestore: 4.0,
                public: 2.0,
                third_sector: 1.0,
                firm: 1.0,
                other: 1.0,
            },
            capacity_spread: 0.5,
            cross_territory_ties: 8,
            total_budget: 6_400_000.0,
            min_grant: 179_000.0,
            max_grant: 867_000.0,
            grant_unit: 1_000.0,
        }
    }
}

/// The 22 territories of We.Ca.Re Measure 1, named after the seat of their lead body
/// (public fact; see `docs/generator.md`).
pub const WECARE_MEASURE1_TERRITORIES: [&str; 22] = [
    "Alessandria",
    "Bra",
    "Susa",
    "Alba",
    "Torino",
    "Cuorgne",
    "Biella",
    "Chieri",
    "Verbania",
    "Rivoli",
    "Borgomanero",
    "Vercelli",
    "Novara",
    "Fossano",
    "Moncalieri",
    "Mondovi",
    "Pianezza",
    "Romentino",
    "Pinerolo",
    "Cuneo",
    "Carmagnola",
    "Orbassano",
];

/// The preset for the reconstructed We.Ca.Re Measure 1 data set.
///
/// Public facts met exactly: the 22 territories named after their lead bodies, 50 enti
/// gestori and 147 partner organisations active at the start, one project per territory, and
/// grants from 179,000 to 867,000 EUR summing to 6,400,000 EUR. Everything else is an
/// assumption (kind mixes, archetype counts 13 : 5 : 4, pools, trust levels, densities), stated
/// in `scenarios/data/wecare-measure1/README.md`.
pub fn wecare_measure1() -> GeneratorParams {
    // The defaults are this preset's values; the preset adds the territories' names.
    GeneratorParams {
        territories: WECARE_MEASURE1_TERRITORIES.len(),
        territory_names: WECARE_MEASURE1_TERRITORIES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..GeneratorParams::default()
    }
}

fn bad(param: &str, message: impl Into<String>) -> GenerateError {
    GenerateError::InvalidParameter {
        param: param.to_string(),
        message: message.into(),
    }
}

fn finite_at_least(param: &str, v: f64, min: f64) -> Result<(), GenerateError> {
    if !v.is_finite() || v < min {
        return Err(bad(
            param,
            format!("must be a finite number >= {min}, got {v}"),
        ));
    }
    Ok(())
}

fn open_unit(param: &str, v: f64) -> Result<(), GenerateError> {
    if !(v > 0.0 && v < 1.0) {
        return Err(bad(param, format!("must be in (0, 1), got {v}")));
    }
    Ok(())
}

fn kind_mix(param: &str, mix: &PerKind<f64>) -> Result<(), GenerateError> {
    for k in Kind::ALL {
        let w = mix.get(k);
        if !w.is_finite() || w < 0.0 {
            return Err(bad(
                &format!("{param}.{k}"),
                format!("must be a finite weight >= 0, got {w}"),
            ));
        }
    }
    if mix.ente_gestore != 0.0 {
        return Err(bad(
            &format!("{param}.ente_gestore"),
            "must be 0: enti gestori are set by `enti_gestori`",
        ));
    }
    for k in Kind::ALL {
        at_most(&format!("{param}.{k}"), mix.get(k), limits::WEIGHT)?;
    }
    if mix.to_array().iter().sum::<f64>() <= 0.0 {
        return Err(bad(param, "the weights must not all be 0"));
    }
    Ok(())
}

fn trust(param_mean: &str, mean: f64, param_sd: &str, sd: f64) -> Result<(), GenerateError> {
    open_unit(param_mean, mean)?;
    finite_at_least(param_sd, sd, 0.0)?;
    if sd * sd >= mean * (1.0 - mean) {
        return Err(bad(
            param_sd,
            format!(
                "{sd} is too large for mean {mean}: a Beta distribution needs spread^2 < mean (1 - mean) = {}",
                mean * (1.0 - mean)
            ),
        ));
    }
    Ok(())
}

/// Most grant units in an amount: integers up to 2^53 are exact in f64.
const MAX_UNITS: f64 = 1e15;

fn whole_units(param: &str, v: f64, unit: f64) -> Result<u64, GenerateError> {
    let u = v / unit;
    if !(u.is_finite() && u.round() >= 1.0 && u <= MAX_UNITS) {
        return Err(bad(
            param,
            format!(
                "{v} must be between 1 and {MAX_UNITS} times `grant_unit` ({unit}), got {u} units"
            ),
        ));
    }
    if (u - u.round()).abs() > 1e-6 {
        return Err(bad(
            param,
            format!("{v} is not a whole multiple of `grant_unit` ({unit})"),
        ));
    }
    Ok(u.round() as u64)
}

/// Largest log-normal sigma (`size_spread`, `density_spread`, `capacity_spread`): beyond it
/// draws overflow to infinity.
const MAX_SPREAD: f64 = 10.0;

/// Largest mean extra degree (ties per member): more than any territory can hold.
const MAX_DEGREE: f64 = 1e6;

fn at_most(param: &str, v: f64, max: f64) -> Result<(), GenerateError> {
    if v > max {
        return Err(bad(param, format!("must be at most {max}, got {v}")));
    }
    Ok(())
}

/// Territory names after validation, and the grant bounds in units.
pub(super) struct Checked {
    pub names: Vec<String>,
    pub total_units: u64,
    pub min_units: u64,
    pub max_units: u64,
}

impl GeneratorParams {
    /// The territory names: `territory_names`, or `T001`, `T002`, ... when it is empty.
    pub fn territory_list(&self) -> Vec<String> {
        if !self.territory_names.is_empty() {
            return self.territory_names.clone();
        }
        let width = self.territories.to_string().len().max(3);
        (1..=self.territories)
            .map(|i| format!("T{i:0width$}"))
            .collect()
    }

    /// Upper bounds on counts and magnitudes, checked before anything is sized by them.
    fn check_sizes(&self) -> Result<(), GenerateError> {
        let count = |name: &str, v: usize, limit: u64| match limits::exceeds(v as u64, limit) {
            Some(m) => Err(bad(name, m)),
            None => Ok(()),
        };
        count("territories", self.territories, limits::TERRITORIES)?;
        count(
            "territory_names",
            self.territory_names.len(),
            limits::TERRITORIES,
        )?;
        for (name, v) in [
            ("enti_gestori", self.enti_gestori),
            ("partners", self.partners),
            ("min_partners", self.min_partners),
            ("pool_min", self.pool_min),
            ("pool_max", self.pool_max),
            ("cross_territory_ties", self.cross_territory_ties),
        ] {
            count(name, v, limits::ORGANISATIONS)?;
        }
        let t = if self.territory_names.is_empty() {
            self.territories
        } else {
            self.territory_names.len()
        };
        // Each term is bounded above, so the sum fits in u64.
        let total =
            self.enti_gestori as u64 + self.partners as u64 + t as u64 * self.pool_max as u64;
        if let Some(m) = limits::exceeds(total, limits::ORGANISATIONS) {
            return Err(bad(
                "partners",
                format!(
                    "enti_gestori + partners + territories x pool_max = {total} organisations: {m}"
                ),
            ));
        }
        for (name, v) in [
            ("size_spread", self.size_spread),
            ("density_spread", self.density_spread),
            ("capacity_spread", self.capacity_spread),
            ("territory_trust_spread", self.territory_trust_spread),
        ] {
            at_most(name, v, MAX_SPREAD)?;
        }
        for (name, v) in [
            ("centred_extra_degree", self.centred_extra_degree),
            ("polycentric_extra_degree", self.polycentric_extra_degree),
            ("history_mean_degree", self.history_mean_degree),
        ] {
            at_most(name, v, MAX_DEGREE)?;
        }
        for (name, v) in [
            (
                "archetype_mix.ente_gestore_centred",
                self.archetype_mix.ente_gestore_centred,
            ),
            (
                "archetype_mix.third_sector_centred",
                self.archetype_mix.third_sector_centred,
            ),
            ("archetype_mix.polycentric", self.archetype_mix.polycentric),
        ] {
            at_most(name, v, limits::WEIGHT)?;
        }
        for k in Kind::ALL {
            at_most(
                &format!("capacity_median.{k}"),
                self.capacity_median.get(k),
                limits::WEIGHT,
            )?;
        }
        Ok(())
    }

    /// Checks every parameter; the error names the first one at fault.
    pub fn validate(&self) -> Result<(), GenerateError> {
        self.check().map(|_| ())
    }

    pub(super) fn check(&self) -> Result<Checked, GenerateError> {
        // In this order: the first problem found is the one reported.
        self.check_sizes()?;
        let names = self.check_names()?;
        let t = names.len();
        self.check_counts(t)?;
        self.check_shape()?;
        self.check_cross_territory_ties(t)?;
        let (total_units, min_units, max_units) = self.check_grants(t)?;
        Ok(Checked {
            names,
            total_units,
            min_units,
            max_units,
        })
    }

    /// The territory names: at least one, trimmed, without CSV separators, each once.
    fn check_names(&self) -> Result<Vec<String>, GenerateError> {
        let names = self.territory_list();
        let names_param = if self.territory_names.is_empty() {
            "territories"
        } else {
            "territory_names"
        };
        if names.is_empty() {
            return Err(bad(names_param, "there must be at least one territory"));
        }
        let mut seen = std::collections::HashSet::new();
        for n in &names {
            if n.trim().is_empty() || n.trim() != n {
                return Err(bad(
                    "territory_names",
                    format!("`{n}` must be non-empty without leading or trailing spaces"),
                ));
            }
            if n.contains([',', ';', '"', '\n', '\r']) {
                return Err(bad(
                    "territory_names",
                    format!("`{n}` must not contain `,`, `;`, `\"` or line breaks"),
                ));
            }
            if !seen.insert(n.as_str()) {
                return Err(bad("territory_names", format!("`{n}` appears twice")));
            }
        }
        Ok(names)
    }

    /// Enough enti gestori and partners for `t` territories.
    fn check_counts(&self, t: usize) -> Result<(), GenerateError> {
        if self.enti_gestori < t {
            return Err(bad(
                "enti_gestori",
                format!(
                    "{} is fewer than the {t} territories (each needs one to lead its project)",
                    self.enti_gestori
                ),
            ));
        }
        if self.min_partners < 3 {
            return Err(bad(
                "min_partners",
                format!(
                    "must be >= 3 so that every partnership has at least 4 members, got {}",
                    self.min_partners
                ),
            ));
        }
        if (self.partners as u128) < self.min_partners as u128 * t as u128 {
            return Err(bad(
                "partners",
                format!(
                    "{} is fewer than `min_partners` ({}) times the {t} territories",
                    self.partners, self.min_partners
                ),
            ));
        }
        Ok(())
    }

    /// The spreads, mixes, archetype thresholds, trust levels, pools and capacities.
    fn check_shape(&self) -> Result<(), GenerateError> {
        finite_at_least("size_spread", self.size_spread, 0.0)?;
        kind_mix("partner_kind_mix", &self.partner_kind_mix)?;
        let am = &self.archetype_mix;
        for (name, w) in [
            (
                "archetype_mix.ente_gestore_centred",
                am.ente_gestore_centred,
            ),
            (
                "archetype_mix.third_sector_centred",
                am.third_sector_centred,
            ),
            ("archetype_mix.polycentric", am.polycentric),
        ] {
            finite_at_least(name, w, 0.0)?;
        }
        if am.ente_gestore_centred + am.third_sector_centred + am.polycentric <= 0.0 {
            return Err(bad("archetype_mix", "the weights must not all be 0"));
        }
        if !(self.hub_share > 0.0 && self.hub_share <= 1.0) {
            return Err(bad(
                "hub_share",
                format!("must be in (0, 1], got {}", self.hub_share),
            ));
        }
        finite_at_least("centred_extra_degree", self.centred_extra_degree, 0.0)?;
        finite_at_least(
            "polycentric_extra_degree",
            self.polycentric_extra_degree,
            0.0,
        )?;
        finite_at_least("density_spread", self.density_spread, 0.0)?;
        open_unit("archetype_threshold", self.archetype_threshold)?;
        finite_at_least("archetype_margin", self.archetype_margin, 0.0)?;
        if self.archetype_threshold - self.archetype_margin <= 0.0
            || self.archetype_threshold + self.archetype_margin > 1.0
        {
            return Err(bad(
                "archetype_margin",
                format!(
                    "threshold {} minus margin {} must be > 0 and threshold plus margin <= 1",
                    self.archetype_threshold, self.archetype_margin
                ),
            ));
        }
        trust(
            "baseline_trust_mean",
            self.baseline_trust_mean,
            "baseline_trust_spread",
            self.baseline_trust_spread,
        )?;
        finite_at_least("territory_trust_spread", self.territory_trust_spread, 0.0)?;
        finite_at_least("history_mean_degree", self.history_mean_degree, 0.0)?;
        trust(
            "history_trust_mean",
            self.history_trust_mean,
            "history_trust_spread",
            self.history_trust_spread,
        )?;
        if self.pool_max < self.pool_min {
            return Err(bad(
                "pool_max",
                format!(
                    "{} is less than `pool_min` ({})",
                    self.pool_max, self.pool_min
                ),
            ));
        }
        kind_mix("pool_kind_mix", &self.pool_kind_mix)?;
        for k in Kind::ALL {
            let c = self.capacity_median.get(k);
            if !(c.is_finite() && c > 0.0) {
                return Err(bad(
                    &format!("capacity_median.{k}"),
                    format!("must be a finite number > 0, got {c}"),
                ));
            }
        }
        finite_at_least("capacity_spread", self.capacity_spread, 0.0)?;
        Ok(())
    }

    /// Few enough cross-territory ties for the enti gestori of `t` territories.
    fn check_cross_territory_ties(&self, t: usize) -> Result<(), GenerateError> {
        if self.cross_territory_ties > 0 {
            // Pairs of enti gestori in different territories, in the worst case where every
            // extra ente gestore lands in the same territory.
            let e = self.enti_gestori as u128;
            let extra = e - t as u128;
            let all = e * (e - 1) / 2;
            let same = extra * (extra + 1) / 2;
            let cross = all - same;
            if (self.cross_territory_ties as u128) * 2 > cross {
                return Err(bad(
                    "cross_territory_ties",
                    format!(
                        "{} is more than half of the {cross} pairs of enti gestori in different territories",
                        self.cross_territory_ties
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The grant amounts, in whole grant units (total, minimum, maximum), feasible for `t`
    /// territories.
    fn check_grants(&self, t: usize) -> Result<(u64, u64, u64), GenerateError> {
        if !(self.grant_unit.is_finite() && self.grant_unit > 0.0) {
            return Err(bad(
                "grant_unit",
                format!("must be a finite amount > 0, got {}", self.grant_unit),
            ));
        }
        for (name, v) in [
            ("total_budget", self.total_budget),
            ("min_grant", self.min_grant),
            ("max_grant", self.max_grant),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(name, format!("must be a finite amount > 0, got {v}")));
            }
        }
        if self.max_grant < self.min_grant {
            return Err(bad(
                "max_grant",
                format!(
                    "{} is less than `min_grant` ({})",
                    self.max_grant, self.min_grant
                ),
            ));
        }
        let total_units = whole_units("total_budget", self.total_budget, self.grant_unit)?;
        let min_units = whole_units("min_grant", self.min_grant, self.grant_unit)?;
        let max_units = whole_units("max_grant", self.max_grant, self.grant_unit)?;
        // In u128: up to 10^6 territories times 10^15 units overflows u64.
        let tt = t as u128;
        let (min_u, max_u, total_u) = (min_units as u128, max_units as u128, total_units as u128);
        let (lo, hi) = match t {
            1 => (min_u, max_u),
            _ => ((tt - 1) * min_u + max_u, min_u + (tt - 1) * max_u),
        };
        let feasible = if t == 2 {
            total_u == lo
        } else {
            total_u >= lo && total_u <= hi
        };
        if !feasible {
            let u = self.grant_unit;
            let msg = match t {
                1 => format!(
                    "with one territory the total must lie between `min_grant` and `max_grant` ({} to {} EUR)",
                    lo as f64 * u,
                    hi as f64 * u
                ),
                2 => format!(
                    "with two territories the total must be `min_grant` + `max_grant` = {} EUR",
                    lo as f64 * u
                ),
                _ => format!(
                    "with {t} territories, one at `min_grant` and one at `max_grant`, the total must lie between {} and {} EUR, got {}",
                    lo as f64 * u,
                    hi as f64 * u,
                    self.total_budget
                ),
            };
            return Err(bad("total_budget", msg));
        }
        Ok((total_units, min_units, max_units))
    }
}
