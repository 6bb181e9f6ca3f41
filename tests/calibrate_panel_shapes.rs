//! Panels of unusual shape through `wecare panel`: labelled waves of different actors, a panel
//! that never changes, waves without a two-path and a long panel each give a scenario that
//! loads and that the method of moments accepts, or an error naming the file.

mod panel_common;
use panel_common::{matrix, one_moment_per_parameter, ring, scaffold_panel, write_waves};

use std::path::Path;
use wecare::calibrate::Problem;
use wecare::calibrate::panel::PanelSummary;
use wecare::data::matrix::MatrixCodes;
use wecare::error::Result;
use wecare::scenario::Scenario;
use wecare::scenario::calibration::profile_points_needed;

/// `text` under a header line of `labels`.
fn labelled(labels: &[&str], text: &str) -> String {
    format!("{}\n{text}", labels.join(" "))
}

/// Writes the waves into `dir` (`in1.dat`, ...) and scaffolds them into `dir/out`.
fn scaffold_waves(dir: &Path, waves: &[String]) -> Result<PanelSummary> {
    scaffold_coded(dir, waves, MatrixCodes::default())
}

/// As [`scaffold_waves`], reading the cells with `codes`.
fn scaffold_coded(dir: &Path, waves: &[String], codes: MatrixCodes) -> Result<PanelSummary> {
    scaffold_panel(dir, waves, codes, None, false)
}

/// The calibrated keys of a scenario.
fn keys(s: &Scenario) -> Vec<&str> {
    s.calibration
        .parameters
        .iter()
        .map(|p| p.key.as_str())
        .collect()
}

/// Wave files with headers are matched by label, as the calibration reads them: a wave may
/// name other actors (one leaves, one joins) or the same ones in another order. The panel's
/// actors are every label once; one not named by a wave is absent there.
#[test]
fn labelled_waves_of_other_actors_are_matched_by_label() {
    let tmp = tempfile::tempdir().unwrap();
    let all = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
    ];
    let w1 = labelled(&all[..12], &ring(12, 5));
    let w2 = labelled(&all[1..], &ring(12, 4));
    // Wave 3 names wave 1's actors backwards: the tie between `a` and `b` is the last row's.
    let back: Vec<&str> = all[..12].iter().rev().copied().collect();
    let w3 = labelled(&back, &matrix(12, |i, j| i.abs_diff(j) == 1 || i + j == 11));
    let s = scaffold_waves(tmp.path(), &[w1, w2, w3]).unwrap();
    assert_eq!(s.actors, 13);
    // `m` is absent at wave 1 and wave 3, `a` at wave 2.
    let absent: Vec<usize> = s.waves.iter().map(|w| w.2).collect();
    assert_eq!(absent, vec![1, 1, 1]);
    let scenario = Scenario::load(&s.scenario).unwrap();
    let p = Problem::from_scenario(&scenario).unwrap();
    let id = |l: &str| p.dataset.index_by_id()[l];
    assert!(!p.observed[1].active[id("a")]);
    assert!(p.observed[1].active[id("m")]);
    let tied = |w: usize, x: &str, y: &str| {
        let (x, y) = (id(x).min(id(y)) as u32, id(x).max(id(y)) as u32);
        p.observed[w].ties.iter().any(|t| (t.a, t.b) == (x, y))
    };
    assert!(tied(2, "a", "b") && tied(2, "l", "a") && !tied(2, "a", "c"));
}

/// A panel in which no observed dyad changes between any two consecutive waves says nothing
/// about the rates: an error naming the file, and nothing written.
#[test]
fn a_panel_without_change_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = ring(12, 5);
    let e = scaffold_waves(tmp.path(), &[a.clone(), a.clone(), a])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("in2.dat") && e.contains("no observed dyad changes between waves"),
        "{e}"
    );
    assert!(!tmp.path().join("out/panel.toml").exists());
}

/// Matched waves without a two-path define no transitivity, the moment of
/// `formation.closure`: it is left out, and the method of moments has a moment per parameter.
#[test]
fn closure_without_a_two_path_is_not_calibrated() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = matrix(12, |_, _| false);
    let s = scaffold_waves(tmp.path(), &[ring(12, 5), empty.clone(), empty]).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("`formation.closure` has no moment"))
    );
    let scenario = Scenario::load(&s.scenario).unwrap();
    assert!(!keys(&scenario).contains(&"formation.closure"));
    assert!(keys(&scenario).contains(&"dissolution.base.programme"));
    one_moment_per_parameter(&scenario);
}

/// Fifteen waves give 14 period offsets, more parameters than the default number of profile
/// points fits a quadratic surrogate to: the scenario asks for as many as it needs.
#[test]
fn a_long_panel_has_enough_profile_points() {
    let tmp = tempfile::tempdir().unwrap();
    let waves: Vec<String> = (0..15).map(|k| ring(12, 3 + k % 3)).collect();
    let s = scaffold_waves(tmp.path(), &waves).unwrap();
    let scenario = Scenario::load(&s.scenario).unwrap();
    let p = scenario.calibration.parameters.len();
    assert!(p > 16, "{p}");
    assert!(scenario.calibration.smm.profile_points >= profile_points_needed(p));
}

/// Wave `w` of 12 actors each ranking all 11 others (1 the most liked), as Newcomb's
/// fraternity did: actor `i` ranks the others around the ring from `i + 1`,
/// shifted by `w` ranks at wave `w`.
fn ranks(w: usize) -> String {
    let n = 12;
    let mut s = String::new();
    for i in 0..n {
        let row: Vec<String> = (0..n)
            .map(|j| {
                let d = (j + n - i) % n;
                if i == j { 0 } else { (d - 1 + w) % (n - 1) + 1 }.to_string()
            })
            .collect();
        s.push_str(&row.join(" "));
        s.push('\n');
    }
    s
}

/// Full rank orders run past the default codes (9 missing, 10 structural): an error at the
/// first such cell, not 9s read as missing. With codes outside the values and the top three
/// ranks as ties, the panel is read whole and noted as a fixed choice of 3.
#[test]
fn codes_inside_the_range_of_rank_values_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let waves: Vec<String> = (0..3).map(ranks).collect();
    let e = scaffold_waves(tmp.path(), &waves).unwrap_err().to_string();
    assert!(e.contains("in1.dat:1: field `column "), "{e}");
    assert!(e.contains("9 is the missing code (--missing)"), "{e}");
    let dir = tmp.path().join("coded");
    std::fs::create_dir_all(&dir).unwrap();
    let codes = MatrixCodes {
        missing: vec![99.0],
        structural: vec![98.0],
        tie_values: vec![1.0, 2.0, 3.0],
        ..MatrixCodes::default()
    };
    let s = scaffold_coded(&dir, &waves, codes).unwrap();
    assert!(
        s.waves.iter().all(|w| w.1 == 0 && w.2 == 0),
        "{:?}",
        s.waves
    );
    assert!(
        s.notes.iter().any(|n| n.contains("names exactly 3 others")),
        "{:?}",
        s.notes
    );
}

/// Scaffolds two ring waves of 8 actors with the covariate file `cov` (text), reading its
/// column `column` when given.
fn scaffold_with_covariate(dir: &Path, cov: &str, column: Option<usize>) -> Result<PanelSummary> {
    let files = write_waves(dir, &[ring(8, 3), ring(8, 4)]);
    let c = dir.join("several.dat");
    std::fs::write(&c, cov).unwrap();
    wecare::calibrate::panel::scaffold(&wecare::calibrate::panel::PanelSpec {
        waves: files,
        covariate: Some(c),
        covariate_column: column,
        out: dir.join("out"),
        name: "panel".into(),
        symmetrise: true,
        codes: MatrixCodes::default(),
        max_parameters: None,
        share_clustering: false,
    })
}

/// A covariate file of several variables, one a column (RSiena's constant covariates side by
/// side: sex, a score, a rating), has more columns than the panel has waves: read as one
/// column per wave it would give every actor its first variable silently. It is an error
/// naming the file and pointing to `--covariate-column`, which reads the chosen column.
#[test]
fn a_covariate_file_of_several_variables_needs_a_column() {
    let rows: String = (0..8)
        .map(|i| format!("{} {}.5 {}\n", 1 + i % 2, i, 3 - i % 3))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let e = scaffold_with_covariate(tmp.path(), &rows, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("several.dat"), "{e}");
    assert!(e.contains("3 columns for 2 waves"), "{e}");
    assert!(e.contains("--covariate-column"), "{e}");
    assert!(!tmp.path().join("out").join("data").exists());

    let e = scaffold_with_covariate(tmp.path(), &rows, Some(4))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--covariate-column 4: the file has columns 1 to 3"),
        "{e}"
    );

    let s = scaffold_with_covariate(tmp.path(), &rows, Some(2)).unwrap();
    assert_eq!(s.with_covariate, 8);
    let orgs = std::fs::read_to_string(tmp.path().join("out/data/organisations.csv")).unwrap();
    let values: Vec<&str> = orgs
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(
        values,
        ["0.5", "1.5", "2.5", "3.5", "4.5", "5.5", "6.5", "7.5"]
    );
}
