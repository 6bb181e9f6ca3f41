//! Small hand-made panels for the tests of `wecare panel`: adjacency matrices as text, and
//! their scaffolding into a scenario.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use wecare::calibrate::Problem;
use wecare::calibrate::panel::{PanelSpec, PanelSummary, scaffold};
use wecare::data::matrix::MatrixCodes;
use wecare::error::Result;
use wecare::scenario::Scenario;

/// A ring of `n` actors with chords every `step`: a connected, clustered small panel wave.
pub fn ring(n: usize, step: usize) -> String {
    matrix(n, |i, j| {
        let d = i.abs_diff(j);
        d == 1 || d == n - 1 || (d % step == 0)
    })
}

/// An adjacency matrix of `n` actors with a tie where `tie(i, j)` (0 on the diagonal).
pub fn matrix(n: usize, tie: impl Fn(usize, usize) -> bool) -> String {
    let mut s = String::new();
    for i in 0..n {
        let row: Vec<&str> = (0..n)
            .map(|j| if i != j && tie(i, j) { "1" } else { "0" })
            .collect();
        s.push_str(&row.join(" "));
        s.push('\n');
    }
    s
}

/// Writes the matrices `waves` into `dir` as `in1.dat`, `in2.dat`, ..., returning their paths.
pub fn write_waves(dir: &Path, waves: &[String]) -> Vec<PathBuf> {
    waves
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let f = dir.join(format!("in{}.dat", k + 1));
            std::fs::write(&f, text).unwrap();
            f
        })
        .collect()
}

/// Writes the matrices `waves` into `dir` (`in1.dat`, ...) and scaffolds them, as directed
/// nominations read with `codes`, into `dir/out` (scenario `panel`) with `--max-parameters`
/// `cap` and, if `share`, `--share-clustering`.
pub fn scaffold_panel(
    dir: &Path,
    waves: &[String],
    codes: MatrixCodes,
    cap: Option<usize>,
    share: bool,
) -> Result<PanelSummary> {
    let files = write_waves(dir, waves);
    scaffold(&PanelSpec {
        waves: files,
        covariate: None,
        covariate_column: None,
        out: dir.join("out"),
        name: "panel".into(),
        symmetrise: true,
        codes,
        max_parameters: cap,
        share_clustering: share,
    })
}

/// The scenario's calibration problem, checked to give the method of moments as many moments
/// as parameters.
pub fn one_moment_per_parameter(s: &Scenario) -> Problem {
    let p = Problem::from_scenario(s).unwrap();
    let moments = wecare::calibrate::smm::Moments::of(&p);
    assert_eq!(
        moments.names.len(),
        p.parameters.len(),
        "{:?}",
        moments.names
    );
    p
}

/// Writes the matrices `waves` into `dir` and scaffolds them into `dir/out` as the symmetrised
/// panel `panel` with the default codes (`scaffold_panel`), panicking on an error.
pub fn scaffold_matrices(
    dir: &Path,
    waves: &[String],
    cap: Option<usize>,
    share: bool,
) -> PanelSummary {
    scaffold_panel(dir, waves, MatrixCodes::default(), cap, share).unwrap()
}

/// The keys of a scenario's calibrated parameters.
pub fn keys(s: &Scenario) -> Vec<String> {
    s.calibration
        .parameters
        .iter()
        .map(|p| p.key.clone())
        .collect()
}

/// A random wave of `n` actors: each pair tied with probability 0.08 (a small linear
/// congruential generator, so that the wave does not depend on the model's random numbers).
pub fn random_wave(n: usize) -> String {
    let mut x: u64 = 12345;
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let mut rows = vec![vec![0u8; n]; n];
    for (i, j) in pairs {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if (x >> 33) % 100 < 8 {
            rows[i][j] = 1;
            rows[j][i] = 1;
        }
    }
    rows_text(&rows)
}

/// Rows of 0 and 1 as a matrix file's text.
pub fn rows_text(rows: &[Vec<u8>]) -> String {
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r.iter().map(u8::to_string).collect();
            cells.join(" ") + "\n"
        })
        .collect()
}

/// A simulated wave of `n` actors as a symmetric matrix's text.
pub fn snapshot_text(s: &wecare::network::Snapshot, n: usize) -> String {
    let mut rows = vec![vec![0u8; n]; n];
    for t in &s.ties {
        rows[t.a as usize][t.b as usize] = 1;
        rows[t.b as usize][t.a as usize] = 1;
    }
    rows_text(&rows)
}

/// The matrix text `m` of `n` actors without its first tie (both of its cells).
pub fn drop_first_tie(m: &str, n: usize) -> String {
    let mut rows: Vec<Vec<&str>> = m.lines().map(|l| l.split(' ').collect()).collect();
    let (i, j) = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .find(|&(i, j)| rows[i][j] == "1")
        .expect("the wave has a tie");
    rows[i][j] = "0";
    rows[j][i] = "0";
    rows.iter().map(|r| r.join(" ") + "\n").collect()
}
