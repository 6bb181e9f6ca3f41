//! Replicates of a scenario as the criterion benchmark "one replicate with wave statistics"
//! runs them ([`Replicator`], the pre-programme network's statistics prepared once), with
//! nothing else in the process worth counting: for instruction counts under callgrind
//! (docs/performance.md).
//!
//! ```text
//! valgrind --tool=callgrind target/release/examples/replicates scenarios/wecare-measure1.toml 50
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use wecare::experiment::Replicator;
use wecare::model::Model;
use wecare::scenario::Scenario;
use wecare::stats::StatsOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: replicates <scenario.toml> [count]")?,
    );
    let count: u64 = args.next().map_or(Ok(50), |c| c.parse())?;
    let s = Scenario::load(&path)?;
    let (ds, _) = s.load_dataset()?;
    let model = Model::new(&ds, &s.params())?;
    let stats = StatsOptions::default();
    let replicator = Replicator::new(&model, &stats);
    let mut rows = 0;
    for r in 1..=count {
        let out = black_box(replicator.run(s.montecarlo.seed, r));
        rows += out.waves.iter().map(|w| w.rows.len()).sum::<usize>();
    }
    println!("{count} replicates, {rows} rows");
    Ok(())
}
