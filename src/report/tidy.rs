//! Tidy long-form result tables.

use crate::experiment::Ensemble;
use std::io::Write;

/// Writes `replicate,wave,step,scope,statistic,value`, one row per value, in replicate, wave
/// and statistic order. Values use the shortest representation that reads back exactly;
/// undefined values are written `NaN`.
pub fn write_replicates_csv(e: &Ensemble, w: impl Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["replicate", "wave", "step", "scope", "statistic", "value"])?;
    let mut buf = ryu_like::Buf::default();
    for r in &e.replicates {
        let rep = r.replicate.to_string();
        for wv in &r.waves {
            let (wave, step) = (wv.wave.to_string(), wv.step.to_string());
            for row in &wv.rows {
                out.write_record([
                    rep.as_str(),
                    wave.as_str(),
                    step.as_str(),
                    row.scope.as_str(),
                    row.statistic.as_str(),
                    buf.format(row.value),
                ])?;
            }
        }
    }
    out.flush()
}

mod ryu_like {
    use std::fmt::Write;

    /// Reusable float formatting buffer (Rust's `{}` is shortest round-trip).
    #[derive(Default)]
    pub struct Buf(String);

    impl Buf {
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
}
