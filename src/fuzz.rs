//! Entry points for fuzzing the readers of user input.
//!
//! Each function takes arbitrary bytes, feeds them to one reader the way the command line
//! does, and ignores the result: any input may be refused with an error, none may panic,
//! abort or hang. The `fuzz/` crate runs them under libFuzzer (`cargo fuzz`), and
//! `tests/fuzz_corpus.rs` runs them on stable Rust over their seed corpora (`fuzz/corpus/`)
//! and deterministic mutations of them. docs/errors.md says how to run a long campaign.

use crate::data::csv::{CsvPaths, read_dataset};
use crate::data::generate::{GeneratorParams, generate};
use crate::data::graphml::{read_dataset_graphml, read_snapshot_graphml};
use crate::fuzz_files as files;
use crate::model::rng::Rng;
use crate::report::Manifest;
use crate::scenario::Scenario;
use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// A fuzz target: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name (as in `fuzz/fuzz_targets/` and `fuzz/corpus/`).
pub const TARGETS: [(&str, Target); 12] = [
    ("scenario", scenario),
    ("csv", csv),
    ("graphml", graphml),
    ("generator", generator),
    ("calibration", calibration),
    ("manifest", manifest),
    ("matrix", files::matrix),
    ("observed", files::observed),
    ("simulation", files::simulation),
    ("run_dir", files::run_dir),
    ("manifests", files::manifests),
    ("checkpoint", files::checkpoint),
];

/// Separates the files of a multi-file input (the CSV target's organisations, ties, history
/// and projects files).
pub const FILE_SEPARATOR: &[u8] = b"\n=====\n";

/// Most organisations a generator input may ask for to be generated (larger valid inputs are
/// only validated, to keep each run short).
const GENERATE_AT_MOST: usize = 3_000;

/// A scratch directory private to this process and thread, so parallel test threads do not
/// share files.
pub(crate) fn scratch() -> PathBuf {
    let id = format!("{:?}", std::thread::current().id());
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let d = std::env::temp_dir().join(format!("wecare-fuzz-{}-{id}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    d
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> Option<PathBuf> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).ok().map(|_| p)
}

pub(crate) fn split_files(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest
        .windows(FILE_SEPARATOR.len())
        .position(|w| w == FILE_SEPARATOR)
    {
        out.push(&rest[..i]);
        rest = &rest[i + FILE_SEPARATOR.len()..];
    }
    out.push(rest);
    out
}

/// The scenario loader: parse and validate a scenario file (its data are not read).
pub fn scenario(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Scenario::parse(text, "fuzz.toml", Path::new("."));
    }
}

/// The CSV readers: organisations, then ties, history and projects files separated by
/// [`FILE_SEPARATOR`], read as one data set.
pub fn csv(data: &[u8]) {
    let dir = scratch();
    let files = split_files(data);
    let names = [
        "organisations.csv",
        "ties.csv",
        "history.csv",
        "projects.csv",
    ];
    let mut paths: Vec<Option<PathBuf>> = names.iter().map(|_| None).collect();
    for (k, f) in files.iter().take(names.len()).enumerate() {
        paths[k] = write(&dir, names[k], f);
    }
    let Some(organisations) = paths[0].clone() else {
        return;
    };
    let p = CsvPaths {
        organisations,
        ties: paths[1].clone(),
        history: paths[2].clone(),
        projects: paths[3].clone(),
    };
    let _ = read_dataset(&p);
    // The same ties file read as a wave network.
    if let Some(ties) = &paths[1] {
        let _ = crate::data::csv::read_ties(ties, &Default::default(), Default::default());
    }
}

/// The GraphML readers: a data set and a wave network.
pub fn graphml(data: &[u8]) {
    let dir = scratch();
    if let Some(p) = write(&dir, "fuzz.graphml", data) {
        let _ = read_dataset_graphml(&p);
        let _ = read_snapshot_graphml(&p);
    }
}

/// The generator parameters: parse and validate a parameter file, and generate the data set
/// when it is small.
pub fn generator(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = toml::from_str::<GeneratorParams>(text) else {
        return;
    };
    if p.validate().is_err() {
        return;
    }
    let t = if p.territory_names.is_empty() {
        p.territories
    } else {
        p.territory_names.len()
    };
    let size = p.enti_gestori + p.partners + t * p.pool_max;
    if size <= GENERATE_AT_MOST {
        let _ = generate(&p, 1);
    }
}

/// The calibration spec: parse a scenario, then build and exercise every prior of its
/// `[calibration]` section.
pub fn calibration(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = Scenario::parse(text, "fuzz.toml", Path::new(".")) else {
        return;
    };
    let mut rng = Rng::seed_from_u64(7);
    for p in &s.calibration.parameters {
        let Ok(prior) = p.prior() else { continue };
        let (lo, hi) = prior.range();
        for x in [lo, hi, prior.mean(), prior.mean() + prior.sd()] {
            let _ = prior.ln_pdf(x);
            let _ = prior.contains(prior.clamp(x));
        }
        for _ in 0..8 {
            let x = prior.sample(&mut rng);
            let _ = prior.ln_pdf(x);
        }
        let _ = prior.describe();
    }
}

/// The manifest reader: read a `manifest.json` and the scenario it records.
pub fn manifest(data: &[u8]) {
    let dir = scratch();
    if let Some(p) = write(&dir, "manifest.json", data)
        && let Ok((m, _)) = Manifest::read(&p)
    {
        let _ = m.scenario("fuzz manifest");
    }
}
