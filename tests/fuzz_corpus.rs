//! The fuzz targets (`wecare::fuzz`) on stable Rust: every target over its seed corpus in
//! `fuzz/corpus/<target>/`, every panicking input found so far in `fuzz/regressions/<target>/`,
//! and a fixed number of deterministic mutations of the seeds (byte flips, cuts, splices and
//! extreme tokens). No input may panic. The wecare crate is built with overflow checks in
//! release (Cargo.toml), so an arithmetic overflow panics here instead of wrapping.
//!
//! The mutation count keeps the whole file to about a minute in release on two cores; a long
//! coverage-guided campaign runs with `cargo fuzz` (docs/errors.md, "Fuzzing").

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

/// Mutated inputs per target (spread over its seeds); `WECARE_FUZZ_MUTATIONS` sets another
/// number for a longer run on stable Rust.
const MUTATIONS: usize = 5_000;

fn mutations() -> usize {
    std::env::var("WECARE_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS)
}

/// Tokens spliced into inputs: extreme numbers, structure characters, keys and markup.
const TOKENS: &[&str] = &[
    "1e308",
    "-1e308",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "4294967295",
    "18446744073709551615",
    "9223372036854775807",
    "838488366986797801",
    "1e-320",
    "0x10",
    "\"",
    "'",
    ",",
    ";",
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\n",
    "\r\n",
    "\0",
    "\u{feff}",
    "é",
    "\u{1F600}",
    "true",
    "false",
    "<",
    ">",
    "</graph>",
    "</node>",
    "<node id=\"x\">",
    "<data key=\"d0\">",
    "&amp;",
    "&#0;",
    "&#xFFFFFF;",
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "<![CDATA[",
    "replicates = ",
    "particles = ",
    "pre = ",
    "waves = [",
    "min_partners = ",
    "territories = ",
    "\"format\": ",
    "\"toml\": ",
    "\"sha256\": ",
];

/// A small deterministic generator (xorshift64*).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One mutation of `seed` (sometimes spliced with `other`).
fn mutate(g: &mut Gen, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + g.below(4) {
        let n = v.len();
        let at = g.below(n + 1);
        match g.below(7) {
            0 if n > 0 => {
                let i = g.below(n);
                v[i] ^= 1 << g.below(8);
            }
            1 if n > 0 => {
                let len = 1 + g.below(16.min(n - at.min(n - 1)));
                let at = at.min(n - 1);
                v.drain(at..(at + len).min(n));
            }
            2 => {
                let t = TOKENS[g.below(TOKENS.len())];
                v.splice(at..at, t.bytes());
            }
            3 => {
                // Replace the number (or word) at a random place with a token.
                let t = TOKENS[g.below(TOKENS.len())];
                let start = at.min(n);
                let mut end = start;
                while end < n && (v[end].is_ascii_alphanumeric() || b".-+_".contains(&v[end])) {
                    end += 1;
                }
                v.splice(start..end, t.bytes());
            }
            4 => v.truncate(at),
            5 if !other.is_empty() => {
                let from = g.below(other.len());
                let len = g.below(256).min(other.len() - from);
                v.splice(at..at, other[from..from + len].iter().copied());
            }
            _ if n > 0 => {
                let from = g.below(n);
                let len = g.below(64).min(n - from);
                let chunk: Vec<u8> = v[from..from + len].to_vec();
                v.splice(at..at, chunk);
            }
            _ => {}
        }
    }
    v
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Runs `f` on `input`; on a panic, saves the input and fails naming it.
fn check(name: &str, f: fn(&[u8]), input: &[u8], what: &str) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}-{:016x}", fnv(input)));
        let _ = std::fs::write(&path, input);
        panic!(
            "fuzz target `{name}` panicked on {what}; the input is saved in {} (add it to \
             fuzz/regressions/{name}/ and fix the reader)",
            path.display()
        );
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ x as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn run_target(name: &str) {
    run_target_with(name, mutations());
}

/// [`run_target`] with `count` mutations (fewer for the targets that run a simulation or
/// write a report, so that each test stays within seconds).
fn run_target_with(name: &str, count: usize) {
    let (_, f) = *wecare::fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a known target");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds: Vec<Vec<u8>> = files(&root.join("corpus").join(name))
        .iter()
        .map(|p| std::fs::read(p).expect("a readable seed"))
        .collect();
    assert!(!seeds.is_empty(), "no seed corpus for `{name}`");
    for p in files(&root.join("regressions").join(name)) {
        let input = std::fs::read(&p).expect("a readable regression input");
        check(name, f, &input, &p.display().to_string());
    }
    for (k, s) in seeds.iter().enumerate() {
        check(name, f, s, &format!("seed {k}"));
    }
    let mut g = Gen(0x5EED_0000 ^ fnv(name.as_bytes()));
    for m in 0..count {
        let seed = &seeds[m % seeds.len()];
        let other = &seeds[g.below(seeds.len())];
        let input = mutate(&mut g, seed, other);
        check(name, f, &input, &format!("mutation {m}"));
    }
}

#[test]
fn scenario_loader() {
    run_target("scenario");
}

#[test]
fn csv_readers() {
    run_target("csv");
}

#[test]
fn graphml_readers() {
    run_target("graphml");
}

#[test]
fn generator_parameters() {
    run_target("generator");
}

#[test]
fn calibration_spec() {
    run_target("calibration");
}

#[test]
fn manifest_reader() {
    run_target("manifest");
}

#[test]
fn matrix_readers() {
    run_target("matrix");
}

#[test]
fn observed_waves() {
    run_target_with("observed", mutations() / 10);
}

#[test]
fn simulation_of_a_few_steps() {
    run_target_with("simulation", mutations() / 25);
}

#[test]
fn run_directory() {
    run_target_with("run_dir", mutations() / 50);
}

#[test]
fn shard_and_experiment_manifests() {
    run_target("manifests");
}

#[test]
fn calibration_checkpoint() {
    run_target("checkpoint");
}

#[test]
fn every_target_has_a_test_and_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in wecare::fuzz::TARGETS {
        assert!(
            !files(&root.join("corpus").join(name)).is_empty(),
            "fuzz/corpus/{name} is empty"
        );
        assert!(
            root.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "no cargo-fuzz target for {name}"
        );
    }
}
