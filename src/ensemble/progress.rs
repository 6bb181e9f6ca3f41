//! Progress of long ensembles, from one place: a bar when standard error is a terminal; a log
//! line every few seconds otherwise (a pipe, a batch job's log), with done/total, rate and ETA;
//! nothing when quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What long ensembles report as they go. Called from worker threads.
pub trait Progress: Sync {
    /// A new stage of `total` jobs starts.
    fn stage(&self, label: &str, total: u64);
    /// `n` more jobs of the current stage are done.
    fn inc(&self, n: u64);
    /// The work is over.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn inc(&self, _: u64) {}
}

/// Seconds between two log lines off a terminal (`WECARE_PROGRESS_SECONDS` overrides).
const LOG_EVERY: f64 = 5.0;

/// The state of the current stage.
struct Stage {
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    logged: Instant,
}

enum Sink {
    Hidden,
    /// Created at the first stage, so no empty bar is ever drawn.
    Bar(Option<ProgressBar>),
    Log(Duration),
}

/// Progress on standard error: a bar on a terminal, periodic log lines otherwise, nothing when
/// `quiet`.
pub struct Display {
    sink: Mutex<Sink>,
    stage: Mutex<Option<Stage>>,
}

impl Display {
    /// Chooses the display for standard error.
    pub fn new(quiet: bool) -> Display {
        let sink = if quiet {
            Sink::Hidden
        } else if std::io::stderr().is_terminal() {
            Sink::Bar(None)
        } else {
            let secs = std::env::var("WECARE_PROGRESS_SECONDS")
                .ok()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .unwrap_or(LOG_EVERY);
            Sink::Log(Duration::from_secs_f64(secs))
        };
        Display {
            sink: Mutex::new(sink),
            stage: Mutex::new(None),
        }
    }

    fn bar(total: u64, label: &str) -> ProgressBar {
        let b = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta})",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_message(label.to_string());
        b
    }
}

/// `1h02m`, `3m05s`, `12s`.
fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let s = secs.round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// The log line of a stage: `label: done/total (pct%), rate/s, elapsed, ETA`.
fn log_line(st: &Stage, now: Instant) -> String {
    let el = now.duration_since(st.started).as_secs_f64();
    let rate = if el > 0.0 { st.done as f64 / el } else { 0.0 };
    let pct = if st.total > 0 {
        100.0 * st.done as f64 / st.total as f64
    } else {
        100.0
    };
    let eta = if rate > 0.0 {
        duration(st.total.saturating_sub(st.done) as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "wecare: {}: {}/{} ({pct:.0}%), {rate:.1}/s, elapsed {}, ETA {eta}",
        st.label,
        st.done,
        st.total,
        duration(el)
    )
}

fn eprint_line(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{line}");
}

impl Progress for Display {
    fn stage(&self, label: &str, total: u64) {
        let now = Instant::now();
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *sink {
            Sink::Hidden => return,
            Sink::Bar(b) => match b {
                Some(b) => {
                    b.set_message(label.to_string());
                    b.set_length(total);
                    b.set_position(0);
                }
                None => *b = Some(Display::bar(total, label)),
            },
            Sink::Log(_) => eprint_line(&format!("wecare: {label}: {total} to do")),
        }
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = Some(Stage {
            label: label.to_string(),
            total,
            done: 0,
            started: now,
            logged: now,
        });
    }

    fn inc(&self, n: u64) {
        let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        match &*sink {
            Sink::Hidden => {}
            Sink::Bar(b) => {
                if let Some(b) = b {
                    b.inc(n);
                }
            }
            Sink::Log(every) => {
                let mut st = self.stage.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(st) = st.as_mut() {
                    st.done += n;
                    let now = Instant::now();
                    if now.duration_since(st.logged) >= *every || st.done == st.total {
                        st.logged = now;
                        eprint_line(&log_line(st, now));
                    }
                }
            }
        }
    }

    fn finish(&self) {
        let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        if let Sink::Bar(Some(b)) = &*sink {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(12.2), "12s");
        assert_eq!(duration(185.0), "3m05s");
        assert_eq!(duration(3720.0), "1h02m");
    }

    #[test]
    fn a_log_line_has_count_rate_and_eta() {
        let t0 = Instant::now();
        let st = Stage {
            label: "replicates".into(),
            total: 100,
            done: 25,
            started: t0,
            logged: t0,
        };
        let line = log_line(&st, t0 + Duration::from_secs(10));
        assert_eq!(
            line,
            "wecare: replicates: 25/100 (25%), 2.5/s, elapsed 10s, ETA 30s"
        );
    }
}
