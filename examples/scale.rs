//! One replicate of a scenario, timed in parts: the simulation alone, the wave statistics, and
//! the cost of one random trial (docs/performance.md, "Scale").
//!
//! A random trial is one organisation's or one active tie's draw in a step: the trials of a
//! step are counted as the active organisations (adoption, formation, initiative) plus the
//! active ties (dissolution) at its start. Times are CPU time: of this thread for the
//! simulation (Linux `/proc/thread-self/schedstat`), of the whole process for the statistics,
//! whose betweenness may run on several threads (`/proc/self/stat`, 10 ms resolution); wall
//! time where the kernel reports neither.
//!
//! ```text
//! cargo run --release --example scale -- scenarios/region-100k.toml [replicate] [steps]
//! ```
//!
//! With `steps`, only the first `steps` steps are simulated (for cache simulation under
//! valgrind, where a whole replicate of the largest region takes too long).

use std::path::PathBuf;
use std::time::Instant;
use wecare::model::Model;
use wecare::scenario::Scenario;
use wecare::stats::{StatsOptions, WaveContext, wave_table};

/// CPU time of this thread in seconds (wall time when the kernel does not report it).
fn cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(|ns| ns as f64 * 1e-9)
        .unwrap_or_else(|| start.elapsed().as_secs_f64())
}

/// CPU time of the whole process in seconds (user + system; wall time when unavailable).
fn process_cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are the 12th and
            // 13th of them, in clock ticks of 1/100 s.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) as f64 / 100.0)
        })
        .unwrap_or_else(|| start.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: scale SCENARIO [REPLICATE] [STEPS]")?,
    );
    let replicate: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    let steps: u32 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(u32::MAX);
    let scenario = Scenario::load(&path)?;
    let (ds, _) = scenario.load_dataset()?;
    let model = Model::new(&ds, &scenario.params())?;
    let t0 = Instant::now();

    let start = cpu_seconds(t0);
    let mut sim = model.simulation(scenario.montecarlo.seed, replicate);
    let mut trials = 0u64;
    let mut snaps = Vec::new();
    for _ in 0..steps {
        let w = sim.world();
        trials += (w.active_set.len() + w.memory.active_count()) as u64;
        match sim.step() {
            None => break,
            Some(Some(s)) => snaps.push(s),
            Some(None) => {}
        }
    }
    let simulated = cpu_seconds(t0);
    let stats_start = process_cpu_seconds(t0);

    let opts = StatsOptions::observing(&scenario.observation);
    for k in 0..snaps.len() {
        let ctx = WaveContext {
            current: &snaps[k],
            previous: k.checked_sub(1).map(|p| &snaps[p]),
            first: Some(&snaps[0]),
            pre: None,
        };
        std::hint::black_box(wave_table(ctx, &opts));
    }
    let counted = process_cpu_seconds(t0);

    let sim_s = simulated - start;
    println!("organisations        {}", model.initial().len());
    println!("random trials        {trials}");
    println!("simulation CPU s     {sim_s:.3}");
    println!("statistics CPU s     {:.3}", counted - stats_start);
    println!("ns per random trial  {:.1}", sim_s * 1e9 / trials as f64);
    Ok(())
}
