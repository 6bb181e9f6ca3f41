//! The crate's modules form layers that only point down: a module may use its own layer and
//! the layers below, never one above. Layers, bottom to top:
//!
//! 0. `data`, `network`, `limits`, `huge_pages`, `reuse`, `xml`: input data, the network
//!    store, the size limits of user input, vectors on huge pages, the `clone_reusing!` macro
//!    and the XML/HTML escaper;
//! 1. `scenario`: every specification type (scenario sections, sweep and calibration specs);
//! 2. `model`, `stats`: the simulation core and the wave statistics;
//! 3. `error`: the error type of whole-run entry points, over the errors below;
//! 4. `ensemble`: running and summarising Monte Carlo ensembles;
//! 5. `report`: run directories, plots and HTML reports;
//! 6. `experiment`, `calibrate`: designed experiments and calibration;
//! 7. `cli`, `fuzz`, `fuzz_files`: the command line and the fuzzing entry points.
//!
//! The test reads every `crate::<module>` path in `src/**.rs` (comments skipped, test modules
//! included) and fails on any import from a higher layer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LAYERS: &[&[&str]] = &[
    &[
        "data",
        "network",
        "limits",
        "huge_pages",
        "input",
        "reuse",
        "xml",
    ],
    &["scenario"],
    &["model", "stats"],
    &["error"],
    &["ensemble"],
    &["report"],
    &["experiment", "calibrate"],
    &["cli", "fuzz", "fuzz_files"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of `text` without `//` comments (doc comments included).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(k) if !l[..k].contains('"') => &l[..k],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Top-level modules named by `crate::` paths in `code`, groups `crate::{a::X, b}` included.
fn imported(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (k, _) in code.match_indices("crate::") {
        let rest = &code[k + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(group[start..].trim_start()).to_string());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(group[start..].trim_start()).to_string());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest).to_string());
        }
    }
    out.remove("");
    out
}

#[test]
fn the_parser_reads_paths_and_groups() {
    let found = imported("use crate::{data::Kind, model::{A, B}, stats};\nx(crate::report::y)");
    let want: BTreeSet<String> = ["data", "model", "stats", "report"]
        .map(String::from)
        .into();
    assert_eq!(found, want);
    assert!(imported(&code("// crate::cli::x\nlet a = 1;")).is_empty());
}

#[test]
fn lower_layers_do_not_import_higher_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let module = rel
            .trim_start_matches("src/")
            .split(['/', '.'])
            .next()
            .unwrap()
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "{rel}: module `{module}` is in no layer (add it to LAYERS)"
            ));
            continue;
        };
        for m in imported(&code(&std::fs::read_to_string(f).unwrap())) {
            let Some(theirs) = layer(&m) else {
                continue;
            };
            if theirs > own {
                wrong.push(format!("{rel} ({module}) imports {m}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports from a higher layer:\n{}",
        wrong.join("\n")
    );
}
