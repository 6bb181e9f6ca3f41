//! Number formatting for files (exact) and for people (significant digits).

use std::fmt::Write;

/// Reusable buffer that formats a float in the shortest form that reads back to the same
/// value (Rust's `{}`), and NaN as `NaN`, the spelling R, pandas and numpy read as missing.
#[derive(Debug, Default)]
pub struct Exact(String);

impl Exact {
    /// The formatted value, valid until the next call.
    pub fn format(&mut self, v: f64) -> &str {
        self.0.clear();
        if v.is_nan() {
            self.0.push_str("NaN");
        } else {
            let _ = write!(self.0, "{v}");
        }
        &self.0
    }
}

/// A number as written in CSV files: the shortest round-trip form, `NaN` when undefined.
pub fn num(v: f64) -> String {
    Exact::default().format(v).to_string()
}

/// `1000` as `1,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` followed by `noun`, in the plural unless `n` is 1, with thousands separated by commas
/// ("1 replicate", "1,000 replicates").
pub fn count(n: u64, noun: &str) -> String {
    let out = thousands(n);
    if n == 1 {
        format!("{out} {noun}")
    } else {
        format!("{out} {noun}s")
    }
}

/// `v` with `digits` significant digits for reading (no exponent for everyday magnitudes,
/// trailing zeros dropped, thousands not separated); `–` for NaN.
pub fn sig(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "–".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-4..=9).contains(&mag) {
        return format!("{v:.prec$e}", prec = digits.saturating_sub(1));
    }
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    s.replace('-', "−")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_round_trips_and_spells_nan() {
        let mut b = Exact::default();
        assert_eq!(b.format(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(b.format(f64::NAN), "NaN");
        assert_eq!(b.format(250000.0), "250000");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "replicate"), "1 replicate");
        assert_eq!(count(0, "replicate"), "0 replicates");
        assert_eq!(count(1000, "thread"), "1,000 threads");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(sig(0.41734, 3), "0.417");
        assert_eq!(sig(494.26, 3), "494");
        assert_eq!(sig(12.5, 3), "12.5");
        assert_eq!(sig(2.0, 3), "2");
        assert_eq!(sig(-0.00012345, 3), "−0.000123");
        assert_eq!(sig(f64::NAN, 3), "–");
        assert_eq!(sig(0.0, 3), "0");
    }
}
