//! Parsers of numeric command-line values, with the bounds of [`crate::limits`], so that a bad
//! value is refused by name (`invalid value '20000' for '--threads <THREADS>': ...`) before
//! anything runs.

use crate::limits;

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.trim()
        .parse::<T>()
        .map_err(|_| format!("`{s}` is not {what}"))
}

/// A master seed: an integer in 0..=2^63-1 (seeds are recorded in TOML, whose integers are
/// signed 64-bit).
pub fn seed(s: &str) -> Result<u64, String> {
    let v: u64 = number(s, "a seed (an integer from 0 to 9223372036854775807)")?;
    if v > i64::MAX as u64 {
        return Err(format!("{v} is above the largest seed, {}", i64::MAX));
    }
    Ok(v)
}

/// A worker thread count: 0 (one per core) up to [`limits::THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    let v: u64 = number(s, "a thread count (0 for one per core)")?;
    match limits::exceeds(v, limits::THREADS) {
        Some(m) => Err(m),
        None => Ok(v as usize),
    }
}

/// A replicate count: 1 up to [`limits::REPLICATES`].
pub fn replicates(s: &str) -> Result<u64, String> {
    let v: u64 = number(s, "a replicate count (a whole number >= 1)")?;
    if v == 0 {
        return Err("must be at least 1".into());
    }
    match limits::exceeds(v, limits::REPLICATES) {
        Some(m) => Err(m),
        None => Ok(v),
    }
}

/// A fraction in [0, 1].
pub fn unit(s: &str) -> Result<f64, String> {
    let v: f64 = number(s, "a number")?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("must lie in [0, 1], got {v}"));
    }
    Ok(v)
}

/// A finite number.
pub fn finite(s: &str) -> Result<f64, String> {
    let v: f64 = number(s, "a number")?;
    if !v.is_finite() {
        return Err(format!("must be a finite number, got {v}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(seed("42"), Ok(42));
        assert!(seed("-1").is_err());
        assert!(seed("9223372036854775808").is_err());
        assert_eq!(threads("0"), Ok(0));
        assert!(threads("20000").is_err());
        assert!(replicates("0").is_err());
        assert!(replicates("1000000000000").is_err());
        assert!(unit("NaN").is_err());
        assert!(unit("-5").is_err());
        assert!(finite("inf").is_err());
    }
}
