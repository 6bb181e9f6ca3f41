//! What the panel tests share: `wecare panel` on adjacency matrices given as text.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use wecare::calibrate::panel::{PanelSpec, PanelSummary, scaffold};
use wecare::data::matrix::MatrixCodes;

/// Writes the matrices `waves` into `dir` (`in1.dat`, `in2.dat`, ...) and scaffolds them into
/// `dir/out` as the symmetrised panel `panel` with the default codes, `--max-parameters` `cap`
/// and, if `share`, `--share-clustering`.
pub fn scaffold_matrices(
    dir: &Path,
    waves: &[String],
    cap: Option<usize>,
    share: bool,
) -> PanelSummary {
    let files: Vec<PathBuf> = waves
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let f = dir.join(format!("in{}.dat", k + 1));
            std::fs::write(&f, text).unwrap();
            f
        })
        .collect();
    scaffold(&PanelSpec {
        waves: files,
        covariate: None,
        out: dir.join("out"),
        name: "panel".into(),
        symmetrise: true,
        codes: MatrixCodes::default(),
        max_parameters: cap,
        share_clustering: share,
    })
    .unwrap()
}
