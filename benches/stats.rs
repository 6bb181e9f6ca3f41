//! Wave statistics of the default scenario's own wave networks (replicate 0, every wave with
//! the waves it is compared with, wave by wave and as `wecare run` computes them), of a
//! network of the default scenario's size and of a 100,000-organisation network. Run with
//! `cargo bench --bench stats -- --warm-up-time 1 --measurement-time 5`.

#[path = "../tests/stats_common/mod.rs"]
mod stats_common;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use wecare::network::Snapshot;
use wecare::stats::{
    BetweennessMethod, ReferenceWave, ScopeGraph, StatsOptions, WaveContext, replicate_tables,
    shape, wave_statistics, wave_table,
};

/// The previous wave: the same organisations with every fifth tie missing.
fn thinned(s: &Snapshot) -> Snapshot {
    let mut p = s.clone();
    p.ties = s
        .ties
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 0)
        .map(|(_, t)| *t)
        .collect();
    p
}

fn bench_wave(c: &mut Criterion, label: &str, s: &Snapshot) {
    let prev = thinned(s);
    let ctx = WaveContext {
        current: s,
        previous: Some(&prev),
        first: Some(&prev),
        pre: Some(&prev),
    };
    for per_territory in [false, true] {
        let opts = StatsOptions {
            per_territory,
            ..StatsOptions::default()
        };
        let scope = if per_territory {
            "network+territories"
        } else {
            "network"
        };
        c.bench_function(&format!("wave_statistics/{label}/{scope}"), |b| {
            b.iter(|| black_box(wave_statistics(black_box(ctx), &opts)))
        });
        c.bench_function(&format!("wave_table/{label}/{scope}"), |b| {
            b.iter(|| black_box(wave_table(black_box(ctx), &opts)))
        });
    }
}

fn default_like(c: &mut Criterion) {
    let s = stats_common::default_like(7);
    let g = ScopeGraph::network(&s);
    eprintln!(
        "default-like network: {} organisations ({} active), {} ties",
        s.len(),
        g.n(),
        g.m()
    );
    bench_wave(c, "default_250", &s);
    c.bench_function("betweenness_exact/default_250", |b| {
        b.iter(|| black_box(shape::betweenness(&g, BetweennessMethod::Exact, false)))
    });
}

/// The three waves of replicate 0 of the default scenario, each with its previous wave, wave 1
/// and the pre-programme network: the statistics one default replicate computes.
fn default_waves(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/wecare-measure1.toml"
    );
    let s = wecare::scenario::Scenario::load(std::path::Path::new(path)).expect("scenario");
    let (ds, _) = s.load_dataset().expect("default data");
    let model = wecare::model::Model::new(&ds, &s.params()).expect("model");
    let waves = model.run(s.montecarlo.seed, 0);
    let opts = StatsOptions::observing(&s.observation);
    let replicate = || {
        (0..waves.len())
            .map(|k| {
                let ctx = WaveContext {
                    current: &waves[k],
                    previous: k.checked_sub(1).map(|p| &waves[p]),
                    first: Some(&waves[0]),
                    pre: Some(model.pre_programme()),
                };
                wave_table(ctx, &opts).rows.len()
            })
            .sum::<usize>()
    };
    c.bench_function("wave_table/wecare-measure1/replicate 0, all waves", |b| {
        b.iter(|| black_box(replicate()))
    });
    // One wave alone: wave 2 with wave 1 (its previous and first wave) and the pre-programme
    // network, every comparison's inputs prepared inside.
    let wave2 = WaveContext {
        current: &waves[1],
        previous: Some(&waves[0]),
        first: Some(&waves[0]),
        pre: Some(model.pre_programme()),
    };
    c.bench_function("wave_table/wecare-measure1/replicate 0, wave 2", |b| {
        b.iter(|| black_box(wave_table(black_box(wave2), &opts)))
    });
    // As `wecare run` computes them: the reference archetypes once (the pre-programme
    // network's prepared once for the ensemble, outside the loop).
    let pre = ReferenceWave::pre_programme(model.pre_programme(), &opts);
    c.bench_function("replicate_tables/wecare-measure1/replicate 0", |b| {
        b.iter(|| black_box(replicate_tables(black_box(&waves), Some(&pre), &opts)))
    });
    let g = ScopeGraph::network(&waves[0]);
    c.bench_function("betweenness_exact/wecare-measure1/wave 1", |b| {
        b.iter(|| black_box(shape::betweenness(&g, BetweennessMethod::Exact, false)))
    });
}

fn large(c: &mut Criterion) {
    // 10,000 territories of 10, hub-centred, about 3 ties per organisation, 5,000 ties across
    // territories.
    let s = stats_common::territorial(10_000, 10, 0, 0.9, 7, 5_000, 42);
    let g = ScopeGraph::network(&s);
    eprintln!(
        "large network: {} organisations, {} ties, {} components",
        g.n(),
        g.m(),
        shape::components(&g).count
    );
    bench_wave(c, "large_100k", &s);

    // The same with 20,000 ties across territories: one giant component, where the sampled
    // betweenness estimate (500 pivots) does most of the work.
    let s = stats_common::territorial(10_000, 10, 0, 0.9, 7, 20_000, 43);
    let g = ScopeGraph::network(&s);
    let comps = shape::components(&g);
    eprintln!(
        "large connected network: {} organisations, {} ties, largest component {}",
        g.n(),
        g.m(),
        comps.largest
    );
    let opts = StatsOptions::default();
    let ctx = WaveContext {
        current: &s,
        previous: None,
        first: None,
        pre: None,
    };
    c.bench_function("wave_table/large_100k_giant/network", |b| {
        b.iter(|| black_box(wave_table(black_box(ctx), &opts)))
    });
}

/// The baseline network of the generated 100,000-organisation region
/// (`scenarios/region-100k.generator.toml`, seed 1), all scopes.
fn generated_region(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/region-100k.generator.toml"
    );
    let text = std::fs::read_to_string(path).expect("generator parameters");
    let params: wecare::data::generate::GeneratorParams =
        toml::from_str(&text).expect("generator parameters");
    let ds = wecare::data::generate::generate(&params, 1).expect("region");
    let s = Snapshot::from_dataset(&ds);
    eprintln!(
        "generated region: {} organisations, {} ties",
        s.len(),
        s.ties.len()
    );
    bench_wave(c, "generated_region_100k", &s);
}

criterion_group! {
    name = small;
    config = Criterion::default();
    targets = default_waves, default_like
}
criterion_group! {
    name = big;
    config = Criterion::default().sample_size(10);
    targets = large, generated_region
}
criterion_main!(small, big);
