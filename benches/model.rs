//! Simulation benchmarks on the paths the command line runs (docs/performance.md):
//!
//! - one replicate of the default scenario with its wave statistics, and the simulation alone;
//! - the 1,000-replicate ensemble through `run_ensemble_table`, as `wecare run` calls it, on
//!   one and two threads;
//! - one replicate with statistics of the generated 10,000- and 100,000-organisation regions
//!   (`wecare generate --preset region-10k` / `region-100k`, seed 1), and of the
//!   1,000,000-organisation region when `WECARE_BENCH_1M=1` is set (about a minute each).
//!
//! Run with `cargo bench --bench model`; pass a filter such as `-- wecare-measure1` to run a
//! part.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use wecare::data::generate::{generate, preset};
use wecare::experiment::{EnsembleOptions, Replicator, run_ensemble_table};
use wecare::model::Model;
use wecare::scenario::Scenario;
use wecare::stats::StatsOptions;

fn default_model() -> (Scenario, Model) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/wecare-measure1.toml");
    let s = Scenario::load(&path).expect("default scenario");
    let (ds, _) = s.load_dataset().expect("default data");
    let m = Model::new(&ds, &s.params()).expect("model");
    (s, m)
}

/// A generated region under the default scenario's parameters.
fn region_model(s: &Scenario, name: &str) -> Model {
    let params = preset(name).expect("region preset");
    let ds = generate(&params, 1).expect("region");
    Model::new(&ds, &s.params()).expect("model")
}

fn default_scenario(c: &mut Criterion) {
    let (s, model) = default_model();
    let stats = StatsOptions::default();
    let mut g = c.benchmark_group("wecare-measure1");
    // As an ensemble runs it: the pre-programme network's statistics prepared once.
    let replicator = Replicator::new(&model, &stats);
    g.bench_function("one replicate with wave statistics", |b| {
        let mut r = 0;
        b.iter(|| {
            r += 1;
            black_box(replicator.run(s.montecarlo.seed, r))
        })
    });
    g.bench_function("one replicate, simulation only", |b| {
        let mut r = 0;
        b.iter(|| {
            r += 1;
            black_box(model.run(s.montecarlo.seed, r))
        })
    });
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    for threads in [1, 2] {
        let opts = EnsembleOptions {
            replicates: 1000,
            seed: s.montecarlo.seed,
            threads,
            stats: stats.clone(),
        };
        g.bench_function(
            format!("run_ensemble_table, 1000 replicates, {threads} threads"),
            |b| {
                b.iter(|| black_box(run_ensemble_table(&model, &opts, &[0], &|| {}).expect("pool")))
            },
        );
    }
    g.finish();
}

fn regions(c: &mut Criterion) {
    let (s, _) = default_model();
    let mut names = vec!["region-10k", "region-100k"];
    if std::env::var_os("WECARE_BENCH_1M").is_some_and(|v| v == "1") {
        names.push("region-1m");
    }
    for name in names {
        let region = region_model(&s, name);
        // The statistics the region's scenario observes, as `wecare run` computes them.
        let file = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let observed = Scenario::load(Path::new(&file)).expect("region scenario");
        let stats = StatsOptions::observing(&observed.observation);
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(if name == "region-1m" {
                600
            } else {
                60
            }));
        g.bench_function("one replicate with wave statistics", |b| {
            let replicator = Replicator::new(&region, &stats);
            b.iter(|| black_box(replicator.run(1, 0)))
        });
        g.finish();
    }
}

criterion_group!(model, default_scenario, regions);
criterion_main!(model);
