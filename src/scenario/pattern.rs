//! Pattern targets (`[[patterns]]`): what an evaluation observed, written as ranges and
//! orderings of wave statistics rather than as values with standard errors.
//!
//! A pattern is met by one replicate when its value lies in its range; a run meets it when at
//! least `share` of its replicates do. Calibration matches a pattern through its *violation*,
//! how far the value lies outside the range (0 inside), so the ABC distance is zero inside.

use serde::{Deserialize, Serialize};

/// One pattern target.
///
/// Two forms:
///
/// - a **range**: `statistic` at `wave` in `[min, max]` (either bound may be left out);
/// - an **ordering**: `above` exceeds every statistic of `below` by more than `min`
///   (default 0): its value is `above - max(below)`.
///
/// Statistics of an ordering are written `name@wave` (`pre_tie_jaccard@3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Short unique name, shown in reports.
    pub name: String,
    /// What the pattern stands for (the observation it translates), free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub says: String,
    /// Scope of every statistic (default `network`).
    #[serde(default = "super::network_scope")]
    pub scope: String,
    /// Range form: the statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// Range form: the wave, 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
    /// Range form: the lower bound (inclusive). Ordering form: the margin the difference must
    /// exceed (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Range form: the upper bound (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Ordering form: the statistic that must be larger, `name@wave`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<String>,
    /// Ordering form: the statistics it must exceed, each `name@wave`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below: Vec<String>,
    /// Share of replicates that must meet the pattern for the run to meet it (default 0.8).
    #[serde(default = "default_share")]
    pub share: f64,
}

/// The default share of replicates that must meet a pattern.
pub const DEFAULT_SHARE: f64 = 0.8;

fn default_share() -> f64 {
    DEFAULT_SHARE
}

/// A statistic at a wave.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatAt {
    /// Statistic name.
    pub statistic: String,
    /// Wave, 1-based.
    pub wave: usize,
}

impl std::fmt::Display for StatAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.statistic, self.wave)
    }
}

/// Parses `name@wave`.
pub fn parse_stat_at(s: &str) -> Result<StatAt, String> {
    let (name, wave) = s
        .rsplit_once('@')
        .ok_or_else(|| format!("`{s}`: write the statistic and its wave as `name@wave`"))?;
    let wave: usize = wave
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: after `@` give a wave number"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`{s}`: the statistic name is empty"));
    }
    Ok(StatAt {
        statistic: name.to_string(),
        wave,
    })
}

impl Pattern {
    /// Is this an ordering (rather than a range)?
    pub fn is_ordering(&self) -> bool {
        self.above.is_some()
    }

    /// The statistics the pattern reads: the range's one, or `above` then `below`. Only valid
    /// on a checked pattern; unparsable references are left out.
    pub fn refs(&self) -> Vec<StatAt> {
        match &self.above {
            Some(a) => std::iter::once(a)
                .chain(&self.below)
                .filter_map(|s| parse_stat_at(s).ok())
                .collect(),
            None => match (&self.statistic, self.wave) {
                (Some(s), Some(w)) => vec![StatAt {
                    statistic: s.clone(),
                    wave: w,
                }],
                _ => Vec::new(),
            },
        }
    }

    /// The pattern's value from the values of [`Pattern::refs`], in the same order: the
    /// statistic, or `above - max(below)`. NaN when a value is NaN or missing.
    pub fn value(&self, values: &[f64]) -> f64 {
        if self.is_ordering() {
            match values.split_first() {
                Some((a, rest)) if !rest.is_empty() => {
                    if rest.iter().any(|v| v.is_nan()) {
                        return f64::NAN;
                    }
                    a - rest.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                }
                _ => f64::NAN,
            }
        } else {
            values.first().copied().unwrap_or(f64::NAN)
        }
    }

    /// Does a replicate whose value is `v` meet the pattern? Never for NaN.
    pub fn met(&self, v: f64) -> bool {
        if v.is_nan() {
            return false;
        }
        if self.is_ordering() {
            v > self.min.unwrap_or(0.0)
        } else {
            self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
        }
    }

    /// How far `v` lies outside the pattern's range: 0 inside, the distance to the nearest
    /// bound outside (for an ordering, `max(0, min - v)`); NaN for NaN.
    pub fn violation(&self, v: f64) -> f64 {
        if v.is_nan() {
            return f64::NAN;
        }
        let lo = self.min.unwrap_or(if self.is_ordering() {
            0.0
        } else {
            f64::NEG_INFINITY
        });
        let hi = if self.is_ordering() {
            f64::INFINITY
        } else {
            self.max.unwrap_or(f64::INFINITY)
        };
        if v < lo {
            lo - v
        } else if v > hi {
            v - hi
        } else {
            0.0
        }
    }

    /// The pattern as a short formula: `archetype_persistence_first@2 in [0.8, 1]`,
    /// `a@3 > max(b@2, c@2)`.
    pub fn formula(&self) -> String {
        let num = |v: f64| format!("{v}");
        if let Some(a) = &self.above {
            let below = if self.below.len() == 1 {
                self.below[0].clone()
            } else {
                format!("max({})", self.below.join(", "))
            };
            match self.min {
                Some(m) if m != 0.0 => format!("{a} − {below} > {}", num(m)),
                _ => format!("{a} > {below}"),
            }
        } else {
            let s = match (&self.statistic, self.wave) {
                (Some(s), Some(w)) => format!("{s}@{w}"),
                _ => "?".into(),
            };
            match (self.min, self.max) {
                (Some(lo), Some(hi)) => format!("{s} in [{}, {}]", num(lo), num(hi)),
                (Some(lo), None) => format!("{s} ≥ {}", num(lo)),
                (None, Some(hi)) => format!("{s} ≤ {}", num(hi)),
                (None, None) => s,
            }
        }
    }
}

/// Problems of the scenario's patterns (key path, message), for a timeline of `waves` waves.
pub fn check(patterns: &[Pattern], waves: usize) -> Vec<(String, String)> {
    let mut o = Vec::new();
    let wave_ok = |w: usize| w >= 1 && w <= waves;
    let no_wave = |w: usize| {
        format!("wave {w} does not exist (the timeline has {waves} waves, numbered from 1)")
    };
    for (k, p) in patterns.iter().enumerate() {
        let key = |f: &str| format!("patterns[{k}].{f}");
        if p.name.trim().is_empty() {
            o.push((key("name"), "give the pattern a name".into()));
        } else if patterns[..k].iter().any(|q| q.name == p.name) {
            o.push((
                key("name"),
                format!("`{}` is the name of an earlier pattern", p.name),
            ));
        }
        if !(p.share.is_finite() && p.share > 0.0 && p.share <= 1.0) {
            o.push((
                key("share"),
                format!("must be a share of replicates in (0, 1], got {}", p.share),
            ));
        }
        for (f, v) in [("min", p.min), ("max", p.max)] {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                o.push((key(f), format!("must be a finite number, got {v}")));
            }
        }
        match &p.above {
            Some(a) => {
                if p.statistic.is_some() || p.wave.is_some() {
                    o.push((
                        key("above"),
                        "give either `above` and `below` (an ordering) or `statistic` and \
                         `wave` (a range), not both"
                            .into(),
                    ));
                }
                if p.max.is_some() {
                    o.push((
                        key("max"),
                        "an ordering has no upper bound (`min` is its margin)".into(),
                    ));
                }
                if p.below.is_empty() {
                    o.push((
                        key("below"),
                        "an ordering needs the statistics `above` must exceed, e.g. \
                         below = [\"pre_tie_jaccard@2\"]"
                            .into(),
                    ));
                }
                let all = std::iter::once(("above".to_string(), a)).chain(
                    p.below
                        .iter()
                        .enumerate()
                        .map(|(i, b)| (format!("below[{i}]"), b)),
                );
                for (f, s) in all {
                    match parse_stat_at(s) {
                        Err(m) => o.push((key(&f), m)),
                        Ok(r) if !wave_ok(r.wave) => o.push((key(&f), no_wave(r.wave))),
                        Ok(_) => {}
                    }
                }
            }
            None => {
                if p.statistic.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    o.push((
                        key("statistic"),
                        "give `statistic` and `wave` (a range) or `above` and `below` (an \
                         ordering)"
                            .into(),
                    ));
                }
                match p.wave {
                    None => o.push((key("wave"), "give the wave of the statistic".into())),
                    Some(w) if !wave_ok(w) => o.push((key("wave"), no_wave(w))),
                    Some(_) => {}
                }
                if !p.below.is_empty() {
                    o.push((
                        key("below"),
                        "`below` belongs to an ordering: give `above`".into(),
                    ));
                }
                match (p.min, p.max) {
                    (None, None) => {
                        o.push((key("min"), "a range needs `min`, `max` or both".into()))
                    }
                    (Some(lo), Some(hi)) if lo > hi => {
                        o.push((key("max"), format!("must be at least min ({lo}), got {hi}")))
                    }
                    _ => {}
                }
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: Option<f64>, max: Option<f64>) -> Pattern {
        Pattern {
            name: "r".into(),
            says: String::new(),
            scope: "network".into(),
            statistic: Some("ties".into()),
            wave: Some(2),
            min,
            max,
            above: None,
            below: Vec::new(),
            share: DEFAULT_SHARE,
        }
    }

    fn ordering(min: Option<f64>) -> Pattern {
        Pattern {
            statistic: None,
            wave: None,
            min,
            max: None,
            above: Some("a@3".into()),
            below: vec!["b@2".into(), "c@2".into()],
            ..range(None, None)
        }
    }

    #[test]
    fn ranges_are_inclusive_and_violations_zero_inside() {
        let p = range(Some(0.8), Some(1.0));
        assert!(p.met(0.8) && p.met(1.0) && !p.met(0.79) && !p.met(f64::NAN));
        assert_eq!(p.violation(0.9), 0.0);
        assert!((p.violation(0.5) - 0.3).abs() < 1e-12);
        assert!((p.violation(1.5) - 0.5).abs() < 1e-12);
        let lower = range(Some(2.0), None);
        assert!(lower.met(1e9) && !lower.met(1.0));
        assert_eq!(lower.formula(), "ties@2 ≥ 2");
    }

    #[test]
    fn orderings_compare_with_the_largest() {
        let p = ordering(None);
        assert_eq!(p.refs().len(), 3);
        let v = p.value(&[5.0, 3.0, 4.0]);
        assert_eq!(v, 1.0);
        assert!(p.met(v));
        assert!(
            !p.met(p.value(&[4.0, 3.0, 4.0])),
            "a tie is not an ordering"
        );
        assert_eq!(p.violation(-2.0), 2.0);
        assert_eq!(p.violation(1.0), 0.0);
        assert!(p.value(&[5.0, f64::NAN, 1.0]).is_nan());
        assert_eq!(p.formula(), "a@3 > max(b@2, c@2)");
        let margin = ordering(Some(0.5));
        assert!(!margin.met(0.5) && margin.met(0.6));
    }

    #[test]
    fn bad_patterns_are_named() {
        let mut both = ordering(None);
        both.statistic = Some("ties".into());
        both.below.push("x@9".into());
        both.below.push("nowave".into());
        let keys: Vec<String> = check(&[both, range(Some(2.0), Some(1.0))], 3)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            [
                "patterns[0].above",
                "patterns[0].below[2]",
                "patterns[0].below[3]",
                "patterns[1].name",
                "patterns[1].max"
            ]
        );
        assert!(check(&[range(None, None)], 3)[0].0.ends_with(".min"));
        let mut fine = range(Some(0.0), None);
        fine.name = "s".into();
        assert!(check(&[ordering(None), fine], 3).is_empty());
    }
}
