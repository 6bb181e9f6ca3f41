//! Bad scenario files give errors naming the file, line, column and key, with a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/small")
}

/// A valid scenario on the small fixture data, followed by `extra` lines.
fn scenario(dir: &Path, extra: &str) -> PathBuf {
    let d = fixture_dir();
    let text = format!(
        "[scenario]\nname = \"t\"\n\n[data]\norganisations = \"{o}\"\nties = \"{t}\"\nprojects = \"{p}\"\n{extra}\n",
        o = d.join("organisations.csv").display(),
        t = d.join("ties.csv").display(),
        p = d.join("projects.csv").display(),
    );
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn validate(path: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    let msg =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    (out.status.code().unwrap_or(-1), msg)
}

fn assert_error(extra: &str, line_col: &str, key: &str, words: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), extra);
    let (code, msg) = validate(&path);
    assert_eq!(code, 1, "exit code for {extra:?}: {msg}");
    let located = format!("{}:{line_col}", path.display());
    assert!(msg.contains(&located), "expected {located} in: {msg}");
    assert!(
        msg.contains(&format!("`{key}`")),
        "expected key {key} in: {msg}"
    );
    assert!(msg.contains(words), "expected {words:?} in: {msg}");
    assert!(!msg.contains("panicked"), "{msg}");
}

#[test]
fn valid_scenario_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, msg) = validate(&scenario(dir.path(), ""));
    assert_eq!(code, 0, "{msg}");
    assert!(msg.contains("valid"), "{msg}");
}

#[test]
fn unknown_key() {
    assert_error(
        "[formation]\nclosur = 0.5",
        "9:1",
        "formation.closur",
        "unknown field",
    );
}

#[test]
fn unknown_section() {
    assert_error(
        "[formaton]\nclosure = 0.5",
        "8:2",
        "formaton",
        "unknown field",
    );
}

#[test]
fn wrong_type() {
    assert_error(
        "[formation.effects]\nclosure = \"high\"",
        "9:11",
        "formation.effects.closure",
        "invalid type",
    );
}

#[test]
fn unknown_effect_suggests_the_nearest_name() {
    assert_error(
        "[formation.effects]\nclosure = 0.5\nclosrue = 0.5",
        "10:11",
        "formation.effects.closrue",
        "unknown formation effect `closrue`; did you mean `closure`?",
    );
    assert_error(
        "[dissolution.effects]\ntrust = 1.0\nprojet = 2.0",
        "10:10",
        "dissolution.effects.projet",
        "did you mean `project`?",
    );
}

#[test]
fn period_offset_of_an_unknown_effect_suggests_the_nearest_name() {
    assert_error(
        "[formation.effect_period_offset]\nclosrue = [0.0, 0.5]",
        "9:11",
        "formation.effect_period_offset.closrue",
        "`closrue` is not a scalar effect of formation (did you mean `closure`?)",
    );
}

#[test]
fn effect_outside_its_table_points_to_it() {
    assert_error(
        "[formation]\nclosure = 0.5",
        "9:1",
        "formation.closure",
        "[formation.effects]",
    );
}

#[test]
fn negative_rate() {
    assert_error(
        "[formation]\nrate = { pre = -0.5, programme = 1.0, post = 0.3 }",
        "9:16",
        "formation.rate.pre",
        ">= 0",
    );
}

#[test]
fn wave_outside_timeline() {
    assert_error(
        "[timeline]\npre = 2\nprogramme = 10\npost = 5\nwaves = [3, 17]",
        "12:13",
        "timeline.waves[1]",
        "outside the timeline",
    );
}

#[test]
fn probability_outside_unit_interval() {
    assert_error("[trust]\ndecay = 1.5", "9:9", "trust.decay", "[0, 1]");
    assert_error(
        "[initiative]\nfrom_ties = -0.1",
        "9:13",
        "initiative.from_ties",
        "[0, 1]",
    );
}

#[test]
fn asymmetric_dissolution_table() {
    assert_error(
        "[dissolution.mix.firm]\nthird_sector = 0.5",
        "9:1",
        "dissolution.mix.firm.third_sector",
        "symmetric",
    );
}

#[test]
fn not_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "[formation\nclosure = 1");
    let (code, msg) = validate(&path);
    assert_eq!(code, 1);
    assert!(msg.contains(&format!("{}:8:", path.display())), "{msg}");
    assert!(msg.contains("not valid TOML"), "{msg}");
}

#[test]
fn inline_project_lead_that_is_not_an_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let d = fixture_dir();
    let text = format!(
        "[data]\norganisations = \"{}\"\n\n[[projects]]\nid = \"X\"\nterritory = \"north\"\nlead = \"nobody\"\nbudget = 1000.0\npartners = [\"coop1\"]\n",
        d.join("organisations.csv").display()
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let (code, msg) = validate(&path);
    assert_eq!(code, 1, "{msg}");
    assert!(msg.contains(&format!("{}:7:8", path.display())), "{msg}");
    assert!(msg.contains("`projects[0].lead`"), "{msg}");
    assert!(msg.contains("`nobody` is not an organisation"), "{msg}");
}

#[test]
fn lead_of_an_ineligible_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "[funding]\nlead_eligible = [\"firm\"]");
    let (code, msg) = validate(&path);
    assert_eq!(code, 1, "{msg}");
    assert!(msg.contains("projects.csv"), "{msg}");
    assert!(msg.contains("lead_eligible"), "{msg}");
}

#[test]
fn missing_scenario_file() {
    let (code, msg) = validate(Path::new("/nonexistent/s.toml"));
    assert_eq!(code, 1);
    assert!(
        msg.contains("/nonexistent/s.toml") && msg.contains("cannot read"),
        "{msg}"
    );
}

/// `wecare validate` of `path`, killed after 20 s: (exit code, or None when it hung; stderr).
fn validate_within(path: &Path) -> (Option<i32>, String) {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("validate")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return (None, String::new());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A named pipe given as the scenario or as a data file is refused at once, naming it; a
/// read would block until some other process wrote to it.
#[test]
fn a_named_pipe_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let (code, msg) = validate_within(&fifo);
    assert_eq!(code, Some(1), "scenario FIFO: {msg}");
    assert!(msg.contains("pipe.csv") && msg.contains("FIFO"), "{msg}");
    let path = scenario(dir.path(), "").to_string_lossy().to_string();
    let text = std::fs::read_to_string(&path).unwrap();
    let ties = fixture_dir().join("ties.csv").display().to_string();
    std::fs::write(&path, text.replace(&ties, &fifo.display().to_string())).unwrap();
    let (code, msg) = validate_within(Path::new(&path));
    assert_eq!(code, Some(1), "data FIFO: {msg}");
    assert!(msg.contains("pipe.csv") && msg.contains("FIFO"), "{msg}");
}
