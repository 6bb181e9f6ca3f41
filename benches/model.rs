//! Simulation benchmarks: one replicate of the default scenario, the 1,000-replicate ensemble,
//! and one replicate of a generated 100,000-organisation region (README, "Performance").

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use wecare::data::generate::{GeneratorParams, generate};
use wecare::experiment::{EnsembleOptions, replicate, run_ensemble};
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

fn region_model(s: &Scenario) -> Model {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/region-100k.generator.toml"),
    )
    .expect("generator parameters");
    let params: GeneratorParams = toml::from_str(&text).expect("generator parameters");
    let ds = generate(&params, 1).expect("region");
    Model::new(&ds, &s.params()).expect("model")
}

fn benches(c: &mut Criterion) {
    let (s, model) = default_model();
    let stats = StatsOptions::default();
    let mut g = c.benchmark_group("wecare-measure1");
    g.bench_function("one replicate with wave statistics", |b| {
        let mut r = 0;
        b.iter(|| {
            r += 1;
            black_box(replicate(&model, s.montecarlo.seed, r, &stats))
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
        g.bench_function(format!("1000 replicates, {threads} threads"), |b| {
            b.iter(|| black_box(run_ensemble(&model, &opts, &|| {}).expect("pool")))
        });
    }
    g.finish();

    let region = region_model(&s);
    let mut g = c.benchmark_group("region-100k");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("one replicate with wave statistics", |b| {
        b.iter(|| black_box(replicate(&region, 1, 0, &stats)))
    });
    g.finish();
}

criterion_group!(model, benches);
criterion_main!(model);
