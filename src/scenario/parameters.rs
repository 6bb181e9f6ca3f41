//! Calibrated parameters as fast slots in [`Params`]: a calibration sets thousands of parameter
//! vectors, so values are written straight into the parameter structure instead of through the
//! scenario's TOML form. Keys are the scenario's dotted paths; effects are addressed by their
//! qualified name, `<process>.<effect>` (or their scenario key `<process>.effects.<effect>`).

use super::effect::{self, Coefficient, EFFECTS, Process};
use super::params::{Params, PerPhase};
use crate::data::Kind;

const PHASES: [&str; 3] = ["pre", "programme", "post"];

/// Scalar keys of one value each besides the effects (`<process>.effects.<name>`, from the
/// effects table), and the per-phase tables.
const SCALARS: [&str; 14] = [
    "formation.candidates.dormant",
    "formation.candidates.closure",
    "formation.candidates.territory",
    "formation.candidates.anyone",
    "trust.baseline",
    "trust.history",
    "trust.new_tie",
    "trust.learn",
    "trust.learn_project",
    "trust.decay",
    "adoption.base",
    "initiative.base",
    "initiative.partners_mean",
    "initiative.from_ties",
];
const TABLES: [&str; 3] = ["formation.rate", "formation.base", "dissolution.base"];

/// The single-value keys a key stands for: itself, or the three phases of a per-phase table
/// (`formation.base` -> `formation.base.pre`, `.programme`, `.post`), or both mirror entries of
/// the symmetric `dissolution.mix`, or each period of a period offset shared by a range of
/// periods (`dissolution.effect_period_offset.embedded.2-4` -> `.2`, `.3`, `.4`: one value for
/// the three periods), or of a trend over a range of periods (`...embedded.2-4.trend` -> the
/// same three, see [`weighted_slots`]).
pub fn slots(key: &str) -> Vec<String> {
    weighted_slots(key).into_iter().map(|(s, _)| s).collect()
}

/// The suffix of a period offset's trend key (`dissolution.effect_period_offset.embedded.2-6.trend`).
const TREND: &str = ".trend";

/// The single-value keys a key stands for ([`slots`]), each with the multiple of the key's
/// value it takes: 1 for each, but for a trend over a range of periods `a-b`
/// (`<offset>.<a>-<b>.trend`), whose value is a slope: period `k` takes `k - a + 1` times it,
/// a line through 0 at period `a - 1` (with `a = 2`, through period 1, which has no offset).
/// One parameter then moves a range of periods' offsets by a step per period: a panel whose
/// clustering drifts over many periods, more than the parameters left room for one each.
pub fn weighted_slots(key: &str) -> Vec<(String, f64)> {
    if let Some(range) = key.strip_suffix(TREND) {
        let periods = plain_slots(range);
        if periods.len() > 1 && range.rsplit_once('.').is_some_and(|(_, r)| r.contains('-')) {
            return periods
                .into_iter()
                .enumerate()
                .map(|(i, s)| (s, (i + 1) as f64))
                .collect();
        }
    }
    plain_slots(key).into_iter().map(|s| (s, 1.0)).collect()
}

/// [`slots`] without trends.
fn plain_slots(key: &str) -> Vec<String> {
    if TABLES.contains(&key) {
        return PHASES.iter().map(|p| format!("{key}.{p}")).collect();
    }
    if let Some((head, range)) = key.rsplit_once('.')
        && (head.ends_with(".period_offset") || head.contains(".effect_period_offset."))
        && let Some((a, b)) = range.split_once('-')
        && let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>())
        && a >= 1
        && a < b
        && b <= MAX_PERIODS
    {
        return (a..=b).map(|k| format!("{head}.{k}")).collect();
    }
    if let Some(rest) = key.strip_prefix("dissolution.mix.")
        && let Some((a, b)) = rest.split_once('.')
        && a != b
    {
        return vec![key.to_string(), format!("dissolution.mix.{b}.{a}")];
    }
    vec![key.to_string()]
}

/// Is `key` a numeric parameter a calibration can set?
pub fn is_known(key: &str) -> bool {
    get(&Params::default(), key).is_some()
}

fn phase<'a>(t: &'a mut PerPhase, p: &str) -> Option<&'a mut f64> {
    match p {
        "pre" => Some(&mut t.pre),
        "programme" => Some(&mut t.programme),
        "post" => Some(&mut t.post),
        _ => None,
    }
}

fn kind(s: &str) -> Option<Kind> {
    s.parse().ok()
}

/// Most periods a `period_offset` key may address (a scenario has at most as many periods as
/// waves; validation checks the scenario's own number).
pub const MAX_PERIODS: usize = 1000;

/// The slot of period `k` (1-based) of a `period_offset` list, which grows with zeros (no
/// offset) to hold it.
fn period_slot<'a>(offsets: &'a mut Vec<f64>, k: &str) -> Option<&'a mut f64> {
    let k: usize = k.parse().ok().filter(|k| (1..=MAX_PERIODS).contains(k))?;
    if offsets.len() < k {
        offsets.resize(k, 0.0);
    }
    offsets.get_mut(k - 1)
}

/// The slot of one single-value key.
fn slot<'a>(p: &'a mut Params, key: &str) -> Option<&'a mut f64> {
    if let Some(e) = effect::by_key(key) {
        return p.effects_mut(e.process).get_mut(e.name);
    }
    let (f, d) = (&mut p.formation, &mut p.dissolution);
    Some(match key {
        "formation.candidates.dormant" => &mut f.candidates.dormant,
        "formation.candidates.closure" => &mut f.candidates.closure,
        "formation.candidates.territory" => &mut f.candidates.territory,
        "formation.candidates.anyone" => &mut f.candidates.anyone,
        "trust.baseline" => &mut p.trust.baseline,
        "trust.history" => &mut p.trust.history,
        "trust.new_tie" => &mut p.trust.new_tie,
        "trust.learn" => &mut p.trust.learn,
        "trust.learn_project" => &mut p.trust.learn_project,
        "trust.decay" => &mut p.trust.decay,
        "adoption.base" => &mut p.adoption.base,
        "initiative.base" => &mut p.initiative.base,
        "initiative.partners_mean" => &mut p.initiative.partners_mean,
        "initiative.from_ties" => &mut p.initiative.from_ties,
        "funding.recruit_rate" => &mut p.funding.recruit_rate,
        _ => {
            if let Some(rest) = key.strip_prefix("formation.rate.") {
                return phase(&mut f.rate, rest);
            }
            if let Some(rest) = key.strip_prefix("formation.base.") {
                return phase(&mut f.base, rest);
            }
            if let Some(rest) = key.strip_prefix("dissolution.base.") {
                return phase(&mut d.base, rest);
            }
            for (process, prefix, map) in [
                (
                    Process::Formation,
                    "formation.effect_period_offset.",
                    &mut f.effect_period_offset,
                ),
                (
                    Process::Dissolution,
                    "dissolution.effect_period_offset.",
                    &mut d.effect_period_offset,
                ),
            ] {
                if let Some(rest) = key.strip_prefix(prefix) {
                    let (name, k) = rest.rsplit_once('.')?;
                    k.parse::<usize>()
                        .ok()
                        .filter(|k| (1..=MAX_PERIODS).contains(k))?;
                    let e = process.effect(name)?;
                    if e.coefficient != Coefficient::Scalar {
                        return None;
                    }
                    return period_slot(map.entry(name.to_string()).or_default(), k);
                }
            }
            for (prefix, offsets) in [
                ("formation.period_offset.", &mut f.period_offset),
                ("dissolution.period_offset.", &mut d.period_offset),
            ] {
                if let Some(rest) = key.strip_prefix(prefix) {
                    return period_slot(offsets, rest);
                }
            }
            if let Some(rest) = key.strip_prefix("funding.recruit_weight.") {
                return Some(p.funding.recruit_weight.get_mut(kind(rest)?));
            }
            for (prefix, table) in [
                ("formation.mix.", &mut f.mix),
                ("dissolution.mix.", &mut d.mix),
            ] {
                if let Some(rest) = key.strip_prefix(prefix) {
                    let (a, b) = rest.split_once('.')?;
                    let (a, b) = (kind(a)?, kind(b)?);
                    return Some(table.get_mut(a).get_mut(b));
                }
            }
            return None;
        }
    })
}

/// The value of `key` in `p` (for a per-phase table without a phase: the programme phase's).
pub fn get(p: &Params, key: &str) -> Option<f64> {
    let mut q = p.clone();
    let (first, weight) = weighted_slots(key).into_iter().next()?;
    let key = if TABLES.contains(&key) {
        format!("{key}.programme")
    } else {
        first
    };
    slot(&mut q, &key).map(|v| *v / weight)
}

/// Sets `key` to `value` in `p` (every slot it stands for, each to its multiple of `value`,
/// see [`weighted_slots`]); false for an unknown key.
pub fn set(p: &mut Params, key: &str, value: f64) -> bool {
    let mut ok = true;
    for (s, weight) in weighted_slots(key) {
        match slot(p, &s) {
            Some(v) => *v = weight * value,
            None => ok = false,
        }
    }
    ok
}

/// Every numeric key a calibration can set, in the order `wecare defaults` lists them
/// (per-phase tables also without a phase; kind tables as `<table>.<kind>.<kind>`).
pub fn all_keys() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in TABLES {
        out.push(t.to_string());
        out.extend(PHASES.iter().map(|p| format!("{t}.{p}")));
    }
    out.extend(
        EFFECTS
            .iter()
            .filter(|e| e.coefficient == Coefficient::Scalar)
            .map(|e| e.qualified_name()),
    );
    out.extend(SCALARS.iter().map(|s| s.to_string()));
    out.push("funding.recruit_rate".into());
    for k in Kind::ALL {
        out.push(format!("funding.recruit_weight.{k}"));
    }
    for t in ["formation.mix", "dissolution.mix"] {
        for a in Kind::ALL {
            for b in Kind::ALL {
                out.push(format!("{t}.{a}.{b}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DEFAULTS_TOML, Scenario};
    use std::path::Path;

    #[test]
    fn every_key_reads_the_scenario_value() {
        let s = Scenario::parse(DEFAULTS_TOML, "defaults.toml", Path::new(".")).unwrap();
        let p = s.params();
        for key in all_keys() {
            let mine = get(&p, &key).unwrap_or_else(|| panic!("{key}"));
            let theirs = if TABLES.contains(&key.as_str()) {
                s.get_number(&format!("{key}.programme"))
            } else {
                s.get_number(&key)
            };
            // Kind tables are sparse in the scenario: a missing entry is 0.
            assert_eq!(Some(mine), theirs.or(Some(0.0)), "{key}");
        }
    }

    #[test]
    fn tables_and_mirrors() {
        let mut p = Params::default();
        assert!(set(&mut p, "formation.base", -2.0));
        assert_eq!(p.formation.base.pre, -2.0);
        assert_eq!(p.formation.base.post, -2.0);
        assert!(set(&mut p, "dissolution.mix.firm.public", 0.5));
        assert_eq!(p.dissolution.mix.get(Kind::Public).get(Kind::Firm), 0.5);
        assert!(!set(&mut p, "formation.nope", 1.0));
        assert!(set(&mut p, "dissolution.period_offset.2", 0.5));
        assert_eq!(p.dissolution.period_offset, [0.0, 0.5]);
        assert_eq!(get(&p, "dissolution.period_offset.1"), Some(0.0));
        assert!(!set(&mut p, "formation.period_offset.0", 1.0));
        assert!(!set(&mut p, "formation.period_offset.x", 1.0));
        assert!(set(&mut p, "formation.effect_period_offset.closure.2", 0.7));
        assert_eq!(p.formation.effect_period_offset["closure"], [0.0, 0.7]);
        assert_eq!(
            get(&p, "formation.effect_period_offset.closure.2"),
            Some(0.7)
        );
        assert!(set(
            &mut p,
            "dissolution.effect_period_offset.embedded.1",
            0.4
        ));
        assert_eq!(p.dissolution.effect_period_offset["embedded"], [0.4]);
        // A range shares one value between its periods; a reversed or empty range is unknown.
        assert!(set(
            &mut p,
            "dissolution.effect_period_offset.embedded.2-4",
            0.9
        ));
        assert_eq!(
            p.dissolution.effect_period_offset["embedded"],
            [0.4, 0.9, 0.9, 0.9]
        );
        assert_eq!(
            get(&p, "dissolution.effect_period_offset.embedded.2-4"),
            Some(0.9)
        );
        assert!(set(&mut p, "formation.period_offset.2-3", -1.0));
        assert_eq!(p.formation.period_offset, [0.0, -1.0, -1.0]);
        // A trend over a range: period k of a-b takes (k - a + 1) times the slope.
        assert!(set(
            &mut p,
            "dissolution.effect_period_offset.embedded.2-4.trend",
            -0.5
        ));
        assert_eq!(
            p.dissolution.effect_period_offset["embedded"],
            [0.4, -0.5, -1.0, -1.5]
        );
        assert_eq!(
            get(&p, "dissolution.effect_period_offset.embedded.2-4.trend"),
            Some(-0.5)
        );
        assert_eq!(
            slots("formation.period_offset.3-4.trend"),
            ["formation.period_offset.3", "formation.period_offset.4"]
        );
        assert!(set(&mut p, "formation.period_offset.3-4.trend", 2.0));
        assert_eq!(p.formation.period_offset, [0.0, -1.0, 2.0, 4.0]);
        // A trend needs a range of two periods or more.
        for bad in ["2", "2-2", "4-2", "trend"] {
            assert!(!is_known(&format!(
                "dissolution.effect_period_offset.embedded.{bad}.trend"
            )));
        }
        for bad in ["4-2", "3-3", "0-2", "2-", "2-x"] {
            assert!(!is_known(&format!(
                "dissolution.effect_period_offset.embedded.{bad}"
            )));
        }
        // Only scalar effects of the process, and only periods from 1.
        assert!(!set(
            &mut p,
            "formation.effect_period_offset.embedded.2",
            1.0
        ));
        assert!(!set(&mut p, "formation.effect_period_offset.base.2", 1.0));
        assert!(!set(&mut p, "formation.effect_period_offset.mix.2", 1.0));
        assert!(!set(
            &mut p,
            "formation.effect_period_offset.closure.0",
            1.0
        ));
        assert!(!set(&mut p, "formation.effect_period_offset.closure", 1.0));
        assert!(set(&mut p, "formation.effects.closure", 0.25));
        assert_eq!(p.formation.effects.get("closure"), 0.25);
        assert!(!set(&mut p, "formation.effects.closur", 1.0));
        assert!(set(&mut p, "formation.closure", 0.5));
        assert_eq!(p.formation.effects.get("closure"), 0.5);
        assert!(!is_known("formation.effects.mix"));
        assert!(is_known("formation.rate.post"));
        assert!(!is_known("timeline.pre"));
    }
}
