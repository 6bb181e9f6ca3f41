//! Outcomes of experiments: a statistic at a wave, written `statistic@wave`, as the `[sweep]`
//! section and the experiment commands name them.

use std::fmt;
use std::str::FromStr;

/// A statistic at a wave, written `statistic@wave` (waves numbered from 1), e.g. `ties@3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Statistic name (`docs/statistics.md`, or a derived outcome of the experiments).
    pub statistic: String,
    /// Wave, 1-based.
    pub wave: usize,
}

impl Key {
    /// `statistic@wave`.
    pub fn new(statistic: &str, wave: usize) -> Key {
        Key {
            statistic: statistic.to_string(),
            wave,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.statistic, self.wave)
    }
}

impl FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Key, String> {
        let bad = || format!("`{s}`: write an outcome as statistic@wave, e.g. ties@3");
        let (stat, wave) = s.rsplit_once('@').ok_or_else(bad)?;
        let wave: usize = wave.trim().parse().map_err(|_| bad())?;
        if stat.trim().is_empty() || wave == 0 {
            return Err(bad());
        }
        Ok(Key::new(stat.trim(), wave))
    }
}

/// Parses a list of `statistic@wave` names.
pub fn parse_keys<S: AsRef<str>>(names: &[S]) -> std::result::Result<Vec<Key>, String> {
    names.iter().map(|s| s.as_ref().parse()).collect()
}

/// The outcomes that matter after the money stops, compared across funding designs.
pub fn lasting_outcomes(last_wave: usize) -> Vec<Key> {
    [
        "ties",
        "organisations",
        "initiative_share",
        "programme_tie_survival",
        "adoption_share",
        "mean_trust",
        "programme_ties",
        "cost_per_lasting_tie",
    ]
    .iter()
    .map(|s| Key::new(s, last_wave))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        let k: Key = "ties_origin_share.baseline@3".parse().unwrap();
        assert_eq!(k, Key::new("ties_origin_share.baseline", 3));
        assert_eq!(k.to_string(), "ties_origin_share.baseline@3");
        assert!("ties".parse::<Key>().is_err());
        assert!("ties@0".parse::<Key>().is_err());
        assert!("@2".parse::<Key>().is_err());
    }
}
