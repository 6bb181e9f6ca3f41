//! The files a calibration writes, into a new directory per calibration (`<root>/calibrate/
//! <scenario>-<method>/<run id>/`), written under a temporary name (`.<run id>.partial`, where
//! the checkpoint also lives) and renamed when complete. See `docs/calibration.md` for every
//! file.

use super::abc_smc::AbcState;
use super::gof::GofTest;
use super::gof_plot::GofViolins;
use super::plot::{self, BandPanel, Panel};
use super::ppc::{CheckRow, Predictive};
use super::problem::Problem;
use super::smm::SmmState;
use super::smm_intervals::{EndKind, LEVELS, Profile, threshold};
use super::summary::Estimate;
use crate::error::{Error, Result};
use crate::report::RunDir;
use crate::report::files::{FileRecord, sha256_file};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A calibration directory being written; kept when the calibration stops unfinished, since
/// its checkpoint can resume it.
#[derive(Debug)]
pub struct OutDir {
    dir: RunDir,
    /// The directory's lock, held while the calibration runs.
    _lock: Lock,
}

/// The lock file of a calibration directory being written.
pub const LOCK: &str = "calibration.lock";

/// A calibration directory's lock: the file [`LOCK`], created exclusively and holding the
/// process id, so that a second `--resume` of the same directory cannot run at the same time.
/// It is removed when the calibration ends; one left behind by a process that no longer runs
/// (killed, or stopped by Ctrl-C) is stale and taken over.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `dir`, or says which process holds it.
    fn take(dir: &Path) -> Result<Lock> {
        let path = dir.join(LOCK);
        // Twice at most: once more after removing a stale lock.
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = crate::input::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if !running(pid) => {
                            let _ = std::fs::remove_file(&path);
                        }
                        _ => {
                            let who =
                                holder.map_or("another process".into(), |p| format!("process {p}"));
                            return Err(Error::Other(format!(
                                "{}: another `wecare calibrate` ({who}) is writing this \
                                 calibration now; wait for it to finish, or stop it, before \
                                 resuming (if no such process runs, remove {LOCK})",
                                dir.display()
                            )));
                        }
                    }
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Other(format!(
            "{}: cannot take the lock {LOCK}",
            dir.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` runs (on systems with `/proc`; elsewhere it is assumed to run, and a
/// stale lock must be removed by hand).
fn running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

impl OutDir {
    /// A new directory `<root>/calibrate/<scenario>-<method>/.<id>.partial` (renamed to `<id>`
    /// by [`OutDir::finish`]).
    pub fn create(root: &Path, scenario: &str, method: &str) -> Result<OutDir> {
        let base = root.join("calibrate");
        let dir = RunDir::create(&base, &format!("{scenario}-{method}"))
            .map_err(|e| Error::io(&base, e))?
            .keep_unfinished();
        let lock = Lock::take(dir.path())?;
        Ok(OutDir { dir, _lock: lock })
    }

    /// Reopens an unfinished calibration directory (`.<id>.partial` with a checkpoint).
    pub fn reopen(partial: &Path) -> Result<OutDir> {
        let finished = partial.join("manifest.json").is_file()
            && !partial
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') && n.ends_with(".partial"));
        if finished {
            return Err(Error::Other(format!(
                "{}: this calibration is finished, and a finished one is never changed, so it \
                 cannot be resumed or extended; to go on with a larger budget or more \
                 generations, start a new calibration with those settings (`wecare calibrate \
                 SCENARIO`)",
                partial.display()
            )));
        }
        let dir = RunDir::reopen(partial).map_err(|e| {
            Error::Other(format!(
                "{}: {e}; only an unfinished calibration (`.<id>.partial`) resumes, a finished \
                 one is never changed",
                partial.display()
            ))
        })?;
        if !partial.join(super::checkpoint::FILE).is_file()
            && !super::evaluation::is_sharded(partial)
        {
            return Err(Error::Other(format!(
                "{}: no {} to resume from",
                partial.display(),
                super::checkpoint::FILE
            )));
        }
        let lock = Lock::take(dir.path())?;
        Ok(OutDir { dir, _lock: lock })
    }

    /// Where files go while the calibration runs.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Renames the directory to its final name; fails rather than replace anything.
    pub fn finish(self) -> Result<PathBuf> {
        let dest = self.dir.destination().to_path_buf();
        // The lock file goes before the directory takes its final name.
        let lock = self.dir.path().join(LOCK);
        std::fs::remove_file(&lock).map_err(|e| Error::io(&lock, e))?;
        self.dir.finish().map_err(|e| Error::io(&dest, e))
    }
}

pub use crate::report::fmt::num;

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(f)))
}

pub(super) fn write_rows(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<()> {
    let mut w = csv_writer(path)?;
    let io = |e: csv::Error| Error::Other(format!("{}: {e}", path.display()));
    w.write_record(header).map_err(io)?;
    for r in rows {
        w.write_record(r).map_err(io)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

fn strings(x: &[&str]) -> Vec<String> {
    x.iter().map(|s| s.to_string()).collect()
}

/// `estimates.csv`: one row per parameter. With `converged` given, a `converged` column flags
/// every row of a result that is not a fit (an unconverged method-of-moments fit, an ABC-SMC
/// posterior that fails [`super::verdict::abc_not_fit`]'s criterion), and a `prior_bound`
/// column each parameter at a bound of its prior box (`labels`, [`super::verdict::AtBound`]).
pub fn write_estimates(
    dir: &Path,
    est: &[Estimate],
    method: &str,
    converged: Option<bool>,
    labels: &[&str],
    held: &[String],
) -> Result<()> {
    let (e, s, lo, hi) = if method == "abc" {
        ("posterior_mean", "posterior_sd", "lower95", "upper95")
    } else {
        ("estimate", "se", "lower95", "upper95")
    };
    let mut header = strings(&["parameter", "prior", e, s, lo, "median", hi]);
    if converged.is_some() {
        header.push("converged".into());
        header.push("prior_bound".into());
    }
    // Only a fit that held parameters on a ridge has the column, so the files of every other
    // fit stay as they were.
    if !held.is_empty() {
        header.push("held".into());
    }
    let rows: Vec<Vec<String>> = est
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut r = vec![
                x.key.clone(),
                x.prior.clone(),
                num(x.estimate),
                num(x.sd),
                num(x.lower),
                num(x.median),
                num(x.upper),
            ];
            if let Some(c) = converged {
                r.push(c.to_string());
                r.push(labels.get(i).copied().unwrap_or_default().to_string());
            }
            if !held.is_empty() {
                r.push(held.contains(&x.key).to_string());
            }
            r
        })
        .collect();
    write_rows(&dir.join("estimates.csv"), &header, &rows)
}

/// `smm_intervals.csv`: the 50%, 80% and 95% intervals of a method-of-moments fit, one row
/// per parameter and kind: `wald` (the delta method's, `estimate -+ z se`) and, when
/// computed, `profile` ([`super::smm_intervals`]), with how each end was found
/// (`lower50_end` .. `upper95_end`: [`EndKind`]'s names, `delta` on `wald` rows). A fit that
/// did not converge has no interval (NaN).
pub fn write_smm_intervals(
    dir: &Path,
    problem: &Problem,
    state: &SmmState,
    profile: Option<&Profile>,
) -> Result<()> {
    let header = strings(&[
        "parameter",
        "kind",
        "estimate",
        "se",
        "centre",
        "lower50",
        "upper50",
        "lower80",
        "upper80",
        "lower95",
        "upper95",
        "lower50_end",
        "upper50_end",
        "lower80_end",
        "upper80_end",
        "lower95_end",
        "upper95_end",
    ]);
    let converged = state.phase3.as_ref().is_some_and(|p| p.converged);
    let mut rows = Vec::new();
    for (j, key) in problem.keys().into_iter().enumerate() {
        let est = state.theta[j];
        let se = state.phase3.as_ref().map_or(f64::NAN, |p| p.se[j]);
        let mut wald = vec![key.clone(), "wald".into(), num(est), num(se), num(est)];
        for q in LEVELS {
            let half = if converged {
                se * threshold(q).sqrt()
            } else {
                f64::NAN
            };
            wald.extend([num(est - half), num(est + half)]);
        }
        let delta = EndKind::Delta.name().to_string();
        wald.extend(std::iter::repeat_n(delta, 2 * LEVELS.len()));
        rows.push(wald);
        if let Some(p) = profile {
            let pp = &p.parameters[j];
            let mut row = vec![key, "profile".into(), num(est), num(se), num(pp.centre)];
            for (lo, hi) in &pp.intervals {
                row.extend([num(*lo), num(*hi)]);
            }
            for (lo, hi) in &pp.ends {
                row.extend([lo.name().to_string(), hi.name().to_string()]);
            }
            rows.push(row);
        }
    }
    write_rows(&dir.join("smm_intervals.csv"), &header, &rows)
}

/// `targets.csv`: the matched statistics.
pub fn write_targets(dir: &Path, problem: &Problem, scales: Option<&[f64]>) -> Result<()> {
    let header = strings(&[
        "target",
        "statistic",
        "scope",
        "wave",
        "observed",
        "se",
        "abc_scale",
    ]);
    let rows: Vec<Vec<String>> = problem
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                t.label(),
                t.statistic.clone(),
                t.scope.clone(),
                t.wave.to_string(),
                num(t.value),
                t.se.map_or_else(String::new, num),
                scales.map_or_else(String::new, |s| num(s[i])),
            ]
        })
        .collect();
    write_rows(&dir.join("targets.csv"), &header, &rows)
}

/// `posterior.csv` and `generations.csv` of ABC-SMC.
pub fn write_abc(dir: &Path, problem: &Problem, state: &AbcState) -> Result<()> {
    let keys = problem.keys();
    let mut header = strings(&["particle", "weight", "distance"]);
    header.extend(keys.iter().cloned());
    let rows: Vec<Vec<String>> = state
        .theta
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = vec![
                i.to_string(),
                num(state.weights[i]),
                num(state.distances[i]),
            ];
            r.extend(t.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_rows(&dir.join("posterior.csv"), &header, &rows)?;
    let mut header = strings(&[
        "generation",
        "tolerance",
        "proposals",
        "simulations",
        "simulations_run",
        "accepted",
        "acceptance_rate",
        "ess",
        "total_simulations",
        "wall_seconds",
        "simulations_per_second",
    ]);
    header.extend(keys.iter().map(|k| format!("mean.{k}")));
    header.extend(keys.iter().map(|k| format!("sd.{k}")));
    let rows: Vec<Vec<String>> = state
        .history
        .iter()
        .map(|g| {
            let mut r = vec![
                g.generation.to_string(),
                num(g.tolerance),
                g.proposals.to_string(),
                g.simulations.to_string(),
                g.run.to_string(),
                g.accepted.to_string(),
                num(g.acceptance_rate),
                num(g.ess),
                g.total_simulations.to_string(),
                num(g.wall_seconds),
                num(g.run as f64 / g.wall_seconds.max(1e-9)),
            ];
            r.extend(g.mean.iter().map(|&x| num(x)));
            r.extend(g.sd.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_rows(&dir.join("generations.csv"), &header, &rows)
}

/// The method-of-moments tables: `smm_convergence.csv`, `smm_phases.csv`,
/// `smm_iterations.csv`, `smm_covariance.csv`, `smm_derivative.csv`.
pub fn write_smm(dir: &Path, problem: &Problem, state: &SmmState) -> Result<()> {
    let keys = problem.keys();
    let m = super::smm_combine::moments_for(problem, state);
    if let Some(p3) = &state.phase3 {
        let header = strings(&["moment", "target", "se", "mean", "sd", "t_ratio"]);
        let rows: Vec<Vec<String>> = (0..m.names.len())
            .map(|i| {
                vec![
                    m.names[i].clone(),
                    num(m.target[i]),
                    num(m.se[i]),
                    num(p3.mean[i]),
                    num(p3.sd[i]),
                    num(p3.t_ratios[i]),
                ]
            })
            .collect();
        write_rows(&dir.join("smm_convergence.csv"), &header, &rows)?;
        let mut header = strings(&["parameter"]);
        header.extend(keys.iter().cloned());
        let rows: Vec<Vec<String>> = keys
            .iter()
            .zip(p3.covariance.row_iter())
            .map(|(k, row)| {
                let mut r = vec![k.clone()];
                r.extend(row.iter().map(|&x| num(x)));
                r
            })
            .collect();
        write_rows(&dir.join("smm_covariance.csv"), &header, &rows)?;
        let mut header = strings(&["moment"]);
        header.extend(keys.iter().cloned());
        let rows: Vec<Vec<String>> = m
            .names
            .iter()
            .zip(p3.derivative.row_iter())
            .map(|(k, row)| {
                let mut r = vec![k.clone()];
                r.extend(row.iter().map(|&x| num(x)));
                r
            })
            .collect();
        write_rows(&dir.join("smm_derivative.csv"), &header, &rows)?;
    }
    let mut header = strings(&[
        "stage",
        "iterations",
        "simulations",
        "gain",
        "wall_seconds",
        "simulations_per_second",
    ]);
    header.extend(keys.iter().cloned());
    let rows: Vec<Vec<String>> = state
        .steps
        .iter()
        .map(|s| {
            let mut r = vec![
                s.stage.clone(),
                s.iterations.to_string(),
                s.simulations.to_string(),
                num(s.gain),
                num(s.wall_seconds),
                num(s.simulations as f64 / s.wall_seconds.max(1e-9)),
            ];
            r.extend(s.theta.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_rows(&dir.join("smm_phases.csv"), &header, &rows)?;
    let mut header = strings(&["subphase", "iteration"]);
    header.extend(keys.iter().cloned());
    header.extend(
        m.names
            .iter()
            .map(|n| format!("deviation.{}", column_name(n))),
    );
    let rows: Vec<Vec<String>> = state
        .iterations
        .iter()
        .map(|it| {
            let mut r = vec![it.subphase.to_string(), it.iteration.to_string()];
            r.extend(it.theta.iter().map(|&x| num(x)));
            r.extend(it.deviation.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_rows(&dir.join("smm_iterations.csv"), &header, &rows)
}

/// A moment's name as a column name R and pandas keep as it is: `ties@2+3` becomes
/// `ties.wave2_3` (R's `read.csv` would turn `@` and `+` into dots).
fn column_name(moment: &str) -> String {
    moment.replace('@', ".wave").replace('+', "_")
}

fn check_rows(rows: &[CheckRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.wave.to_string(),
                r.check.clone(),
                r.statistic.clone(),
                num(r.observed),
                r.n.to_string(),
                num(r.mean),
                num(r.sd),
                num(r.q025),
                num(r.q975),
                num(r.p_value),
            ]
        })
        .collect()
}

/// `fit.csv` (matched statistics), `ppc.csv` (everything else) and `ppc_degree.svg`.
pub fn write_predictive(dir: &Path, pred: &Predictive, observed_waves: usize) -> Result<()> {
    let header = strings(&[
        "wave",
        "check",
        "statistic",
        "observed",
        "n",
        "mean",
        "sd",
        "p2_5",
        "p97_5",
        "p_value",
    ]);
    write_rows(&dir.join("fit.csv"), &header, &check_rows(&pred.fit))?;
    write_rows(&dir.join("ppc.csv"), &header, &check_rows(&pred.checks))?;
    let waves: Vec<usize> = {
        let mut w: Vec<usize> = pred.checks.iter().map(|r| r.wave).collect();
        w.dedup();
        w
    };
    let panels: Vec<BandPanel> = waves
        .iter()
        .filter(|&&w| observed_waves == 0 || w <= observed_waves)
        .map(|&w| {
            let rows: Vec<&CheckRow> = pred
                .checks
                .iter()
                .filter(|r| r.wave == w && r.check == "degree")
                .collect();
            BandPanel {
                title: format!("degree distribution, wave {w}"),
                labels: rows
                    .iter()
                    .map(|r| r.statistic.trim_start_matches("degree.").to_string())
                    .collect(),
                lo: rows.iter().map(|r| r.q025).collect(),
                hi: rows.iter().map(|r| r.q975).collect(),
                mean: rows.iter().map(|r| r.mean).collect(),
                observed: rows.iter().map(|r| r.observed).collect(),
            }
        })
        .collect();
    plot::write_bands(dir, &panels)?;
    write_gof(dir, &pred.gof)
}

fn wave_label(w: Option<usize>) -> String {
    w.map_or("joint".into(), |w| w.to_string())
}

/// `gof.csv` (one row per joint goodness-of-fit test), `gof_draws.csv` (every auxiliary
/// statistic and Mahalanobis distance of the observed waves and of each draw) and the violin
/// plot `gof.svg` / `gof.png`; nothing without tests (no observed waves).
pub fn write_gof(dir: &Path, tests: &[GofTest]) -> Result<()> {
    if tests.is_empty() {
        return Ok(());
    }
    let header = strings(&[
        "family",
        "wave",
        "statistics",
        "rank",
        "draws",
        "observed_distance",
        "mean_simulated_distance",
        "p_value",
    ]);
    let rows: Vec<Vec<String>> = tests
        .iter()
        .map(|t| {
            vec![
                t.family.clone(),
                wave_label(t.wave),
                t.names.join(" "),
                t.rank.to_string(),
                t.distances.len().to_string(),
                num(t.distance),
                num(t.distances.iter().sum::<f64>() / t.distances.len().max(1) as f64),
                num(t.p_value),
            ]
        })
        .collect();
    write_rows(&dir.join("gof.csv"), &header, &rows)?;
    let header = strings(&["family", "wave", "draw", "statistic", "value"]);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for t in tests {
        let mut push = |draw: String, values: &[f64], d: f64| {
            for (n, v) in t.names.iter().zip(values) {
                rows.push(vec![
                    t.family.clone(),
                    wave_label(t.wave),
                    draw.clone(),
                    n.clone(),
                    num(*v),
                ]);
            }
            rows.push(vec![
                t.family.clone(),
                wave_label(t.wave),
                draw,
                "mahalanobis".into(),
                num(d),
            ]);
        };
        push("observed".into(), &t.observed, t.distance);
        for (i, (v, d)) in t.simulated.iter().zip(&t.distances).enumerate() {
            push(i.to_string(), v, *d);
        }
    }
    write_rows(&dir.join("gof_draws.csv"), &header, &rows)?;
    let families = {
        let mut f: Vec<&str> = tests.iter().map(|t| t.family.as_str()).collect();
        f.dedup();
        f.len().max(1)
    };
    crate::report::plot::render(
        &GofViolins {
            tests,
            per_row: tests.len() / families,
        },
        dir,
        "gof",
    )?;
    Ok(())
}

/// An estimate and its 95% interval, for a panel's subtitle; an unconverged method-of-moments
/// fit has no interval.
fn summary_line(e: &Estimate) -> String {
    if e.lower.is_nan() && e.upper.is_nan() {
        format!("{:.4} (no interval: not converged)", e.estimate)
    } else {
        format!("{:.4} (95%: {:.4} to {:.4})", e.estimate, e.lower, e.upper)
    }
}

/// The panels of `marginals.svg` (and `.png`, [`plot::write_marginals`]): for ABC, a weighted histogram of the particles; for the method of moments,
/// the normal approximation `N(estimate, se^2)`; with the prior density, the estimate, the 95%
/// interval and optional reference values (e.g. the true values of a recovery study).
pub fn marginals(
    problem: &Problem,
    est: &[Estimate],
    particles: Option<(&[Vec<f64>], &[f64])>,
    reference: Option<&[f64]>,
) -> Vec<Panel> {
    let panels: Vec<Panel> = problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let e = &est[j];
            let mut panel = Panel {
                title: p.key.clone(),
                subtitle: format!("{}; prior {}", summary_line(e), p.prior.describe()),
                interval: Some((e.lower, e.upper)).filter(|i| i.0.is_finite() && i.1.is_finite()),
                ..Default::default()
            };
            let (lo, hi) = match particles {
                Some((theta, _)) => theta
                    .iter()
                    .map(|t| t[j])
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                        (a.min(x), b.max(x))
                    }),
                None if e.sd.is_finite() && e.sd > 0.0 => {
                    (e.estimate - 4.0 * e.sd, e.estimate + 4.0 * e.sd)
                }
                None => p.prior.range(),
            };
            let pad = 0.1 * (hi - lo).max(1e-9);
            let (lo, hi) = (lo - pad, hi + pad);
            if let Some((theta, w)) = particles {
                let bins = 30;
                let width = (hi - lo) / bins as f64;
                let mut h = vec![0.0; bins];
                for (t, &wt) in theta.iter().zip(w) {
                    let b = (((t[j] - lo) / width) as usize).min(bins - 1);
                    h[b] += wt;
                }
                let total: f64 = w.iter().sum();
                panel.bars = h
                    .iter()
                    .enumerate()
                    .map(|(b, &c)| {
                        let a = lo + b as f64 * width;
                        (a, a + width, c / total / width)
                    })
                    .collect();
            } else if e.sd.is_finite() && e.sd > 0.0 {
                let pts = (0..=120)
                    .map(|k| {
                        let x = lo + (hi - lo) * k as f64 / 120.0;
                        let z = (x - e.estimate) / e.sd;
                        (
                            x,
                            (-0.5 * z * z).exp() / (e.sd * (2.0 * std::f64::consts::PI).sqrt()),
                        )
                    })
                    .collect();
                panel
                    .curves
                    .push(("estimate ± se".into(), "#2b5d91".into(), pts));
            }
            let prior_pts: Vec<(f64, f64)> = (0..=120)
                .map(|k| {
                    let x = lo + (hi - lo) * k as f64 / 120.0;
                    (x, p.prior.ln_pdf(x).exp())
                })
                .collect();
            panel
                .curves
                .push(("prior".into(), "#7f8c8d".into(), prior_pts));
            panel
                .lines
                .push(("estimate".into(), "#c0392b".into(), e.estimate, false));
            if let Some(r) = reference {
                panel
                    .lines
                    .push(("reference".into(), "#27ae60".into(), r[j], true));
            }
            panel
        })
        .collect();
    panels
}

/// The scenario with the estimates written in (every slot of each key), data paths absolute.
pub fn calibrated_scenario(scenario: &Scenario, est: &[Estimate]) -> Result<Scenario> {
    let mut s = scenario.clone();
    // A period offset is an entry of a list (`formation.period_offset.2`,
    // `dissolution.effect_period_offset.embedded.2`), which the scenario's dotted paths do not
    // reach: it is written through the parameters, and the scenario is validated again below.
    let (lists, paths): (Vec<&Estimate>, Vec<&Estimate>) =
        est.iter().partition(|e| e.key.contains("period_offset."));
    if !lists.is_empty() {
        let mut p = s.params();
        for e in &lists {
            super::parameters::set(&mut p, &e.key, e.estimate);
        }
        s.set_params(p);
        s = s.with_numbers(&[], "", crate::scenario::Integers::Exact)?;
    }
    for e in paths {
        for slot in super::parameters::slots(&e.key) {
            s = s.set_number(&slot, e.estimate)?;
        }
    }
    Ok(s.with_resolved_paths())
}

/// Facts about a calibration, in `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Always `wecare`.
    pub engine: &'static str,
    /// Engine version.
    pub version: &'static str,
    /// Scenario name.
    pub scenario_name: String,
    /// Scenario file.
    pub scenario_file: String,
    /// `abc` or `smm`.
    pub method: String,
    /// Master seed.
    pub seed: u64,
    /// Worker threads of the last session.
    pub threads: usize,
    /// Start of the calibration (of its first session), UTC.
    pub started_utc: String,
    /// Whether the calibration was resumed (then `sessions` has more than one entry).
    pub resumed: bool,
    /// Wall time over every session up to its last checkpoint, seconds (simulations, without
    /// the predictive checks).
    pub wall_seconds: f64,
    /// Simulations over every session, each up to its last checkpoint (what an interrupted
    /// session ran after it is run again, and counted, by the resume).
    pub simulations: u64,
    /// Simulations over the whole calibration, as the method counts them (ABC: with those of
    /// the last batch beyond the population).
    pub total_simulations: u64,
    /// Simulations per second in the last session.
    pub simulations_per_second: f64,
    /// Every session: the first run, then each resume.
    pub sessions: Vec<super::checkpoint::Session>,
    /// Why the method stopped.
    pub stopped: String,
    /// Predictive simulations.
    pub predictive_simulations: u64,
    /// Wall time of the predictive checks, seconds.
    pub predictive_wall_seconds: f64,
    /// Is the result a fit: the method of moments converged by RSiena's rule, or the ABC-SMC
    /// posterior meets the criterion of [`super::verdict::abc_not_fit`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// ABC-SMC: why the posterior is not a fit, and what to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_a_fit: Option<String>,
    /// Parameters at a bound of their prior box ([`super::verdict`]), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bound_warnings: Vec<String>,
    /// Method of moments: overall maximum convergence ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_convergence_ratio: Option<f64>,
    /// Method of moments: the identification diagnosis of the fit of all parameters
    /// (`smm_identification.csv` has the fit reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification: Option<super::smm_hold::Diagnosis>,
    /// Method of moments: the parameters held on a ridge, with their values (not estimated,
    /// no standard error), when the fit reported holds any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<super::smm_hold::Held>,
    /// Method of moments: the identification diagnosis of the fit reported, when it holds
    /// parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_held: Option<super::smm_hold::Diagnosis>,
    /// Method of moments: every fit tried with parameters held on a ridge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hold_attempts: Vec<super::smm_hold::Attempt>,
    /// The estimates.
    pub estimates: Vec<Estimate>,
    /// Files written.
    pub files: Vec<String>,
    /// How the calibration was made, for `wecare calibrate --from`.
    #[serde(flatten)]
    pub record: Record,
}

/// How a calibration was made: enough to run it again (`wecare calibrate --from DIR`) and to
/// tell whether its inputs changed since.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The commit the engine was built from.
    pub git_commit: String,
    /// The command line, without the program name.
    pub command: Vec<String>,
    /// The directory it ran in.
    pub cwd: String,
    /// The input files (data and observed waves), absolute, with their checksums.
    pub inputs: Vec<FileRecord>,
    /// Every file of the directory but `manifest.json`, with its checksum.
    #[serde(default)]
    pub outputs: Vec<FileRecord>,
}

impl Record {
    /// This process's command line and directory, and the checksums of `scenario`'s input
    /// files.
    pub fn of(scenario: &Scenario) -> Result<Record> {
        let d = &scenario.data;
        let mut files: Vec<(String, PathBuf)> = [
            ("organisations", &d.organisations),
            ("ties", &d.ties),
            ("history", &d.history),
            ("projects", &d.projects),
            ("graphml", &d.graphml),
        ]
        .into_iter()
        .filter_map(|(role, p)| p.as_ref().map(|p| (role.to_string(), scenario.resolve(p))))
        .collect();
        for (k, p) in scenario.calibration.observed.iter().enumerate() {
            files.push((format!("observed wave {}", k + 1), scenario.resolve(p)));
        }
        let mut inputs = Vec::new();
        for (role, path) in files {
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            let (bytes, sha256) = sha256_file(&path).map_err(|e| Error::io(&path, e))?;
            inputs.push(FileRecord {
                role,
                path: path.display().to_string(),
                bytes,
                sha256,
            });
        }
        Ok(Record {
            git_commit: crate::report::manifest::Engine::current().git_commit,
            command: std::env::args().skip(1).collect(),
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            inputs,
            outputs: Vec::new(),
        })
    }

    /// Fails, naming the file, if an input changed since the calibration.
    pub fn check_inputs(&self) -> Result<()> {
        for f in &self.inputs {
            let (_, sha) = sha256_file(Path::new(&f.path)).map_err(|e| {
                Error::Other(format!(
                    "input `{}` ({}) cannot be read: {e}; the calibration cannot be reproduced \
                     without it",
                    f.role, f.path
                ))
            })?;
            if sha != f.sha256 {
                return Err(Error::Other(format!(
                    "input `{}` ({}) has changed since the calibration (sha256 {} then, {sha} \
                     now); the calibration cannot be reproduced from it",
                    f.role, f.path, f.sha256
                )));
            }
        }
        Ok(())
    }
}

/// What `wecare calibrate --from` reads of a calibration's `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Recorded {
    /// Engine version.
    pub version: String,
    /// `abc` or `smm`.
    pub method: String,
    /// Master seed.
    pub seed: u64,
    /// How it was made.
    #[serde(flatten)]
    pub record: Record,
}

/// Reads the manifest of a finished calibration (`path` is the directory or its
/// `manifest.json`); returns it and the directory.
pub fn read_recorded(path: &Path) -> Result<(Recorded, PathBuf)> {
    let (dir, file) = if path.is_dir() {
        (path.to_path_buf(), path.join("manifest.json"))
    } else {
        (
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            path.to_path_buf(),
        )
    };
    let text = crate::input::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    let r: Recorded = serde_json::from_str(&text).map_err(|e| {
        Error::Other(format!(
            "{}: not the manifest of a calibration made by this engine: {e}",
            file.display()
        ))
    })?;
    Ok((r, dir))
}

/// Writes `manifest.json`, listing the files of the directory.
pub fn write_manifest(dir: &Path, mut m: Manifest) -> Result<()> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".tmp") && n != LOCK)
        .collect();
    files.push("manifest.json".into());
    files.sort();
    files.dedup();
    m.record.outputs = Vec::new();
    for f in files.iter().filter(|f| *f != "manifest.json") {
        let p = dir.join(f);
        if !p.is_file() {
            continue;
        }
        let (bytes, sha256) = sha256_file(&p).map_err(|e| Error::io(&p, e))?;
        m.record.outputs.push(FileRecord {
            role: "output".into(),
            path: f.clone(),
            bytes,
            sha256,
        });
    }
    m.files = files;
    let path = dir.join("manifest.json");
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::new(f);
    serde_json::to_writer_pretty(&mut w, &m)
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    w.write_all(b"\n")
        .and_then(|_| w.flush())
        .map_err(|e| Error::io(&path, e))
}

/// `point_estimates.csv`: ABC's candidate point estimates (posterior mean, marginal medians,
/// posterior mode), their median and mean ABC distances at the point, and which one the
/// calibrated scenario carries.
pub fn write_point_estimates(
    dir: &Path,
    problem: &Problem,
    candidates: &[super::summary::PointCandidate],
    chosen: usize,
) -> Result<()> {
    let mut header = strings(&[
        "candidate",
        "chosen",
        "min_predictive_p",
        "median_distance",
        "mean_distance",
    ]);
    header.extend(problem.keys());
    let rows: Vec<Vec<String>> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut r = vec![
                c.name.to_string(),
                (i == chosen).to_string(),
                num(c.min_p),
                num(c.median_distance),
                num(c.mean_distance),
            ];
            r.extend(c.theta.iter().map(|&x| num(x)));
            r
        })
        .collect();
    write_rows(&dir.join("point_estimates.csv"), &header, &rows)
}

/// Writes text to a file of the directory.
pub fn write_file(dir: &Path, name: &str, text: &str) -> Result<()> {
    write_text(&dir.join(name), text)
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn moment_names_become_r_safe_column_names() {
        assert_eq!(column_name("ties@2+3"), "ties.wave2_3");
        assert_eq!(column_name("transitivity@3"), "transitivity.wave3");
        assert_eq!(column_name("mean_trust"), "mean_trust");
    }
}
