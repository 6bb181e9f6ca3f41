//! `wecare slurm COMMAND ARGS... --shards N`: a Slurm job array that runs the N shards of an
//! ensemble command and a merge job that runs when all of them succeeded (`afterok`). The
//! scripts use only the standard Slurm variables (`SLURM_ARRAY_TASK_ID`,
//! `SLURM_ARRAY_TASK_COUNT`, `SLURM_CPUS_PER_TASK`), so they run on any site.

use super::shard::shard_dir_name;
use crate::ensemble::ShardSpec;
use crate::error::{Error, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Arguments of `wecare slurm`. The options below may stand anywhere; every other argument
/// is the ensemble command (`run`, `compare`, `sweep`, `sensitivity`, `hypotheses`) with its
/// own arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Options: --shards N (required), --partition P, --time T, \
    --cpus-per-task C, --mem M, --job-dir DIR (default slurm/<command>-<UTC time>), --submit.\n\
    Example: wecare slurm run scenarios/wecare-measure1.toml --replicates 100000 --shards 4 \
    --cpus-per-task 2 --submit\n\
    A calibration (ABC-SMC) runs round by round: each round a job array evaluates the next \
    batch of proposals and a step job advances the calibration and submits the next round; \
    continue a stopped one with --resume DIR."
)]
pub struct SlurmArgs {
    /// The ensemble command, its arguments and the Slurm options.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND ARGS..."
    )]
    pub args: Vec<String>,
}

/// What `wecare slurm` was asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlurmPlan {
    /// The ensemble command and its arguments (without `--out`).
    pub command: Vec<String>,
    /// Results root of the merged output (the command's `--out`), if given.
    pub out: Option<String>,
    /// Number of shards (array tasks).
    pub shards: u64,
    /// `#SBATCH --partition`.
    pub partition: Option<String>,
    /// `#SBATCH --time`.
    pub time: Option<String>,
    /// `#SBATCH --cpus-per-task`.
    pub cpus_per_task: Option<u32>,
    /// `#SBATCH --mem`.
    pub mem: Option<String>,
    /// Where the scripts, logs and shards go.
    pub job_dir: Option<PathBuf>,
    /// Submit the jobs.
    pub submit: bool,
}

const COMMANDS: [&str; 6] = [
    "run",
    "compare",
    "sweep",
    "sensitivity",
    "hypotheses",
    "calibrate",
];

/// Separates the Slurm options from the command.
pub fn parse_plan(args: &[String]) -> Result<SlurmPlan> {
    let mut p = SlurmPlan::default();
    let mut shards = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| Error::Other(format!("slurm: {name} needs a value")))
        };
        match flag {
            "--shards" => {
                let v = value("--shards")?;
                if shards.is_some() {
                    return Err(Error::Other("slurm: --shards is given twice".into()));
                }
                let n = v.parse::<u64>().ok().filter(|&n| n >= 1).ok_or_else(|| {
                    Error::Other(format!("slurm: --shards `{v}`: give a whole number >= 1"))
                })?;
                if let Some(m) = crate::limits::exceeds(n, crate::limits::SHARDS) {
                    return Err(Error::Other(format!("slurm: --shards: {m}")));
                }
                shards = Some(n);
            }
            "--partition" => p.partition = Some(value("--partition")?),
            "--time" => p.time = Some(value("--time")?),
            "--mem" => p.mem = Some(value("--mem")?),
            "--cpus-per-task" => {
                let v = value("--cpus-per-task")?;
                p.cpus_per_task = Some(v.parse().ok().filter(|&c| c >= 1).ok_or_else(|| {
                    Error::Other(format!(
                        "slurm: --cpus-per-task `{v}`: give a whole number >= 1"
                    ))
                })?);
            }
            "--job-dir" => p.job_dir = Some(PathBuf::from(value("--job-dir")?)),
            "--submit" => p.submit = true,
            "--out" => p.out = Some(value("--out")?),
            "--shard" => {
                return Err(Error::Other(
                    "slurm: give --shards N; each array task picks its own --shard".into(),
                ));
            }
            _ => p.command.push(a.clone()),
        }
    }
    p.shards = shards.ok_or_else(|| Error::Other("slurm: give --shards N".into()))?;
    match p.command.first() {
        Some(c) if COMMANDS.contains(&c.as_str()) => Ok(p),
        Some(c) => Err(Error::Other(format!(
            "slurm: `{c}` is not an ensemble command (give one of {})",
            COMMANDS.join(", ")
        ))),
        None => Err(Error::Other("slurm: give the command to run".into())),
    }
}

/// A word for a shell script, single-quoted when needed.
fn sh(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn line(words: &[String]) -> String {
    words.iter().map(|w| sh(w)).collect::<Vec<_>>().join(" ")
}

/// The head of a job script: `#SBATCH` lines (`--array` for a job array; the CPUs per task
/// for the array and, when `cpus`, for a single job), strict mode and the working directory.
fn header(plan: &SlurmPlan, cwd: &Path, logs: &Path, name: &str, log: &str, array: bool) -> String {
    let mut s = format!("#!/bin/bash\n#SBATCH --job-name={}\n", sh(name));
    if array {
        s += &format!("#SBATCH --array=1-{}\n", plan.shards);
    }
    s += &format!(
        "#SBATCH --output={}\n",
        sh(&logs.join(log).display().to_string())
    );
    if let Some(v) = &plan.partition {
        s += &format!("#SBATCH --partition={}\n", sh(v));
    }
    if let Some(v) = &plan.time {
        s += &format!("#SBATCH --time={}\n", sh(v));
    }
    let cpus = array || plan.command.first().is_some_and(|c| c == "calibrate");
    if let (true, Some(c)) = (cpus, plan.cpus_per_task) {
        s += &format!("#SBATCH --cpus-per-task={c}\n");
    }
    if let Some(v) = &plan.mem {
        s += &format!("#SBATCH --mem={}\n", sh(v));
    }
    s + "set -euo pipefail\n" + &format!("cd {}\n", sh(&cwd.display().to_string()))
}

/// The threads option of a job's command: the CPUs Slurm gave the task, unless the command
/// names its own (results do not depend on the thread count).
fn threads_option(plan: &SlurmPlan) -> String {
    if plan.command.iter().any(|a| a == "--threads") {
        String::new()
    } else {
        " --threads \"${SLURM_CPUS_PER_TASK:-1}\"".into()
    }
}

/// The scripts of a sharded ABC-SMC calibration in `calibration` (its unfinished directory):
/// a job array whose tasks evaluate their shares of the next batch of proposals, and a step
/// that takes the evaluations in, advances the calibration and, while it is unfinished,
/// submits the array and itself again (one round per batch, so at least one per generation).
pub fn calibrate_scripts(
    plan: &SlurmPlan,
    wecare: &Path,
    cwd: &Path,
    job_dir: &Path,
    calibration: &Path,
) -> (String, String) {
    let logs = job_dir.join("logs");
    let mut cmd = vec![wecare.display().to_string()];
    cmd.extend(plan.command.iter().cloned());
    cmd.extend(["--resume".into(), calibration.display().to_string()]);
    let threads = threads_option(plan);
    let array = header(
        plan,
        cwd,
        &logs,
        "wecare-calibrate",
        "shard-%A-%a.log",
        true,
    ) + &format!(
        "exec {}{threads} --shard \"${{SLURM_ARRAY_TASK_ID}}/${{SLURM_ARRAY_TASK_COUNT}}\"\n",
        line(&cmd)
    );
    let (a, st) = (
        sh(&job_dir.join("array.sbatch").display().to_string()),
        sh(&job_dir.join("step.sbatch").display().to_string()),
    );
    let step = header(
        plan,
        cwd,
        &logs,
        "wecare-calibrate-step",
        "step-%j.log",
        false,
    ) + &format!("{}{threads} --advance\n", line(&cmd))
        + &format!(
            "# Unfinished: the next round.\nif [ -d {d} ]; then\n    jid=$(sbatch --parsable {a})\n    \
             sbatch --parsable --dependency=afterok:\"${{jid%%;*}}\" {st}\nfi\n",
            d = sh(&calibration.display().to_string())
        );
    (array, step)
}

/// The job-array script and the merge script.
pub fn scripts(plan: &SlurmPlan, wecare: &Path, cwd: &Path, job_dir: &Path) -> (String, String) {
    let kind = &plan.command[0];
    let shards = job_dir.join("shards");
    let logs = job_dir.join("logs");
    let head = |name: &str, log: &str, array: bool| header(plan, cwd, &logs, name, log, array);
    let mut cmd = vec![wecare.display().to_string()];
    cmd.extend(plan.command.iter().cloned());
    // No --quiet: off a terminal the progress is a log line every few seconds, which the job
    // log keeps.
    cmd.extend(["--out".into(), shards.display().to_string()]);
    let threads = threads_option(plan);
    let array = head(&format!("wecare-{kind}"), "shard-%a.log", true)
        + &format!(
            "exec {}{threads} --shard \"${{SLURM_ARRAY_TASK_ID}}/${{SLURM_ARRAY_TASK_COUNT}}\"\n",
            line(&cmd)
        );
    let dirs: Vec<String> = (1..=plan.shards)
        .map(|k| {
            let spec = ShardSpec {
                index: k,
                count: plan.shards,
            };
            shards
                .join(shard_dir_name(kind, spec))
                .display()
                .to_string()
        })
        .collect();
    let out = plan
        .out
        .as_ref()
        .map(|o| cwd.join(o))
        .unwrap_or_else(|| job_dir.join("results"));
    let mut merge = vec![wecare.display().to_string(), "merge".into()];
    merge.extend(["--out".into(), out.display().to_string()]);
    merge.extend(dirs);
    let merge = head(&format!("wecare-{kind}-merge"), "merge.log", false)
        + &format!("exec {}\n", line(&merge));
    (array, merge)
}

fn sbatch(args: &[&str]) -> Result<String> {
    let out = Command::new("sbatch")
        .args(args)
        .output()
        .map_err(|e| Error::Other(format!("cannot run sbatch: {e}")))?;
    if !out.status.success() {
        return Err(Error::Other(format!(
            "sbatch {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.trim().split(';').next().unwrap_or("").to_string())
}

/// `wecare slurm`.
pub fn run(args: SlurmArgs) -> Result<()> {
    let plan = parse_plan(&args.args)?;
    let cwd = std::env::current_dir().map_err(|e| Error::io(Path::new("."), e))?;
    let job_dir = match &plan.job_dir {
        Some(d) => cwd.join(d),
        None => cwd.join("slurm").join(format!(
            "{}-{}",
            plan.command[0],
            crate::report::utc_stamp(std::time::SystemTime::now())
        )),
    };
    if job_dir.exists() {
        return Err(Error::Other(format!(
            "{}: already exists; give another --job-dir",
            job_dir.display()
        )));
    }
    let wecare = std::env::current_exe().map_err(|e| Error::Other(e.to_string()))?;
    if plan.command[0] == "calibrate" {
        // Started (and so checked) before its scripts are written.
        return calibrate(plan, &wecare, &cwd, &job_dir);
    }
    super::slurm_check::check_command(&plan.command, plan.out.as_deref(), plan.shards)?;
    let (array, merge) = scripts(&plan, &wecare, &cwd, &job_dir);
    write_and_submit(&plan, &job_dir, array, ("merge", merge), None, "")
}

/// Writes `array.sbatch` and `<then>.sbatch` (a job that runs once the array job succeeds)
/// into `job_dir`, then prints the two `sbatch` commands or, with `--submit`, submits both.
/// `preface` is printed once the files are written; `then_note` ends the second job's line.
fn write_and_submit(
    plan: &SlurmPlan,
    job_dir: &Path,
    array: String,
    (then, text): (&str, String),
    preface: Option<String>,
    then_note: &str,
) -> Result<()> {
    std::fs::create_dir_all(job_dir.join("logs")).map_err(|e| Error::io(job_dir, e))?;
    let (a, m) = (
        job_dir.join("array.sbatch"),
        job_dir.join(format!("{then}.sbatch")),
    );
    std::fs::write(&a, array).map_err(|e| Error::io(&a, e))?;
    std::fs::write(&m, text).map_err(|e| Error::io(&m, e))?;
    let (a, m) = (a.display().to_string(), m.display().to_string());
    if let Some(p) = preface {
        println!("{p}");
    }
    if !plan.submit {
        println!("wrote {a}\nwrote {m}\nsubmit with:");
        println!("  jid=$(sbatch --parsable {})", sh(&a));
        println!("  sbatch --dependency=afterok:$jid {}", sh(&m));
        return Ok(());
    }
    let array_id = sbatch(&["--parsable", &a])?;
    let then_id = sbatch(&[
        "--parsable",
        &format!("--dependency=afterok:{array_id}"),
        &m,
    ])?;
    println!("submitted array job {array_id} ({} shards)", plan.shards);
    println!("submitted {then} job {then_id} (after array job {array_id} succeeds{then_note})");
    println!("logs in {}", job_dir.join("logs").display());
    Ok(())
}

/// `wecare slurm calibrate`: starts a sharded calibration (or continues the one given with
/// `--resume`), writes its scripts and submits the first round.
fn calibrate(mut plan: SlurmPlan, wecare: &Path, cwd: &Path, job_dir: &Path) -> Result<()> {
    // The calibration's directory: given, or a new sharded calibration started here.
    let mut resume = None;
    let mut rest = Vec::new();
    let mut it = std::mem::take(&mut plan.command).into_iter();
    while let Some(a) = it.next() {
        match a.strip_prefix("--resume") {
            Some("") => resume = it.next(),
            Some(v) if v.starts_with('=') => resume = Some(v[1..].to_string()),
            _ => rest.push(a),
        }
    }
    plan.command = rest;
    if plan.command.iter().any(|a| a == "--advance") {
        return Err(Error::Other(
            "slurm calibrate: the step job advances the calibration; drop --advance".into(),
        ));
    }
    let calibration = match resume {
        Some(d) => {
            let d = cwd.join(d);
            if !crate::calibrate::evaluation::is_sharded(&d) {
                return Err(Error::Other(format!(
                    "{}: not an unfinished sharded calibration",
                    d.display()
                )));
            }
            d
        }
        None => {
            let mut args = plan.command.clone();
            if let Some(o) = &plan.out {
                args.extend(["--out".into(), o.clone()]);
            }
            args.extend(["--advance".into(), "--quiet".into()]);
            let out = Command::new(wecare)
                .args(&args)
                .current_dir(cwd)
                .output()
                .map_err(|e| Error::Other(format!("cannot run {}: {e}", wecare.display())))?;
            let said = String::from_utf8_lossy(&out.stdout);
            let dir = said
                .lines()
                .find_map(|l| l.split_once(" evaluated in ").map(|(_, d)| d.to_string()));
            match (out.status.success(), dir) {
                (true, Some(d)) => cwd.join(d),
                _ => {
                    return Err(Error::Other(format!(
                        "slurm calibrate: the calibration could not be started: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    )));
                }
            }
        }
    };
    let (array, step) = calibrate_scripts(&plan, wecare, cwd, job_dir, &calibration);
    write_and_submit(
        &plan,
        job_dir,
        array,
        ("step", step),
        Some(format!("calibration directory {}", calibration.display())),
        "; it advances the calibration and submits the next round until the calibration is \
         complete",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_are_separated_from_the_command() {
        let p = parse_plan(&words(
            "run s.toml --shards 4 --replicates 10 --partition short --time=00:10:00 \
             --cpus-per-task 2 --mem 2G --out res --submit",
        ))
        .unwrap();
        assert_eq!(p.command, words("run s.toml --replicates 10"));
        assert_eq!(p.shards, 4);
        assert_eq!(p.partition.as_deref(), Some("short"));
        assert_eq!(p.time.as_deref(), Some("00:10:00"));
        assert_eq!(p.cpus_per_task, Some(2));
        assert_eq!(p.out.as_deref(), Some("res"));
        assert!(p.submit);
        for bad in [
            "run s.toml",
            "stats x --shards 2",
            "run --shards 0",
            "run --shard 1/2",
        ] {
            assert!(parse_plan(&words(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn scripts_use_the_standard_variables() {
        let p = parse_plan(&words("run s.toml --shards 3 --cpus-per-task 2")).unwrap();
        let (a, m) = scripts(
            &p,
            Path::new("/bin/wecare"),
            Path::new("/w"),
            Path::new("/j"),
        );
        assert!(a.contains("#SBATCH --array=1-3\n"), "{a}");
        assert!(a.contains("#SBATCH --cpus-per-task=2\n"), "{a}");
        assert!(
            a.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\""),
            "{a}"
        );
        assert!(a.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""), "{a}");
        assert!(
            a.contains("cd /w\n") && a.contains("--out /j/shards"),
            "{a}"
        );
        assert!(m.contains("/j/shards/run-shard-3-of-3"), "{m}");
        assert!(m.contains("merge --out /j/results"), "{m}");
        assert_eq!(sh("a b'c"), r"'a b'\''c'");
    }

    #[test]
    fn a_calibration_submits_itself_round_by_round() {
        let p = parse_plan(&words("calibrate s.toml --shards 4 --cpus-per-task 2")).unwrap();
        let (a, s) = calibrate_scripts(
            &p,
            Path::new("/bin/wecare"),
            Path::new("/w"),
            Path::new("/j"),
            Path::new("/r/.x.partial"),
        );
        assert!(a.contains("#SBATCH --array=1-4\n"), "{a}");
        assert!(
            a.contains("calibrate s.toml --resume /r/.x.partial --threads")
                && a.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\""),
            "{a}"
        );
        assert!(s.contains("#SBATCH --cpus-per-task=2\n"), "{s}");
        assert!(s.contains("--advance\n"), "{s}");
        assert!(s.contains("if [ -d /r/.x.partial ]; then"), "{s}");
        assert!(
            s.contains("sbatch --parsable /j/array.sbatch")
                && s.contains("--dependency=afterok:\"${jid%%;*}\" /j/step.sbatch"),
            "{s}"
        );
    }
}
