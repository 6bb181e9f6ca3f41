//! `wecare hypotheses`: the experiments on Q1, Q2, the mechanisms and Q3.

use super::common::{ExperimentArgs, finish_shard, record_with_inputs, replicates_or, rerun};
use crate::ensemble::{Display, Progress, Runner};
use crate::error::{Error, Result};
use crate::experiment::hypotheses::{
    Options, RegionRefit, draws_table, mechanisms_table, profile_table, q1_tables,
    q3_organisation_table, q3_table, refit_table, run as analyse, write,
};
use crate::scenario::Scenario;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// A part of the hypotheses experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Q1: dose-response of change to baseline social capital.
    Q1,
    /// Q2: effect of adoption_to_social_capital on social capital.
    Q2,
    /// Each feedback channel off: does the observed pattern survive?
    Mechanisms,
    /// Q3: which observables tell feedback on from off, and with what power.
    Q3,
    /// Every ablation re-fitted by ABC to the targets, judged on its posterior predictive;
    /// ABC model choice.
    Refit,
    /// Q1 and Q2 as functions of the coefficients the data do not pin down, intercepts
    /// re-fitted at every point.
    Profiles,
    /// Q3 with each null re-fitted on the study's own generated region (one study per
    /// replicate), and the test's level with the full model as the null; run only when
    /// named.
    Q3Regions,
}

/// Arguments of `wecare hypotheses`.
#[derive(Debug, Args)]
pub struct HypothesesArgs {
    /// Scenario file.
    #[arg(required_unless_present = "from")]
    pub scenario: Option<PathBuf>,
    /// Parts to run, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Part>,
    /// Q1: multipliers of baseline social capital, comma-separated (default 0.5,0.75,1,1.25,1.5).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = super::args::finite)]
    pub levels: Vec<f64>,
    /// Re-run Q1 and the re-fitted ablations (those of the parts run) on other draws of the
    /// data set, made by its generator (the `generator.toml` beside its organisations file)
    /// with these seeds, comma-separated; report how often each conclusion holds.
    #[arg(long, value_delimiter = ',', value_name = "SEEDS")]
    pub across_data_seeds: Vec<u64>,
    #[command(flatten)]
    pub common: ExperimentArgs,
}

/// `wecare hypotheses`.
pub fn run(args: HypothesesArgs) -> Result<()> {
    if let Some(m) = &args.common.from {
        return rerun(m, &args.common);
    }
    args.common.sim.start_shard()?;
    let file = args
        .scenario
        .as_deref()
        .ok_or_else(|| Error::Other("give a scenario file or --from".into()))?;
    let mut s = Scenario::load(file)?;
    args.common.sim.apply(&mut s);
    let replicates = replicates_or(args.common.replicates, s.montecarlo.replicates)?;
    let seed = s.montecarlo.seed;
    let mut o = Options::all(replicates, seed);
    if !args.only.is_empty() {
        o.q1 = args.only.contains(&Part::Q1);
        o.q2 = args.only.contains(&Part::Q2);
        o.mechanisms = args.only.contains(&Part::Mechanisms);
        o.q3 = args.only.contains(&Part::Q3);
        o.refit = args.only.contains(&Part::Refit);
        o.profiles = args.only.contains(&Part::Profiles);
        if args.only.contains(&Part::Q3Regions) {
            o.q3_regions_refit = Some(RegionRefit::new(replicates as usize));
        }
    }
    if !args.levels.is_empty() {
        if args.levels.len() < 2 || args.levels.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
            return Err(Error::Other(
                "--levels: give at least two multipliers >= 0".into(),
            ));
        }
        o.levels = args.levels.clone();
    }
    o.data_seeds = args.across_data_seeds.clone();
    let inputs = if o.data_seeds.is_empty() {
        Vec::new()
    } else {
        vec![crate::experiment::robust::generator_path(&s)?]
    };
    let bar = Display::new(args.common.sim.quiet);
    let runner = Runner::new(s.montecarlo.threads, &bar)?;
    let clock = std::time::Instant::now();
    let h = analyse(&runner, &s, &o)?;
    bar.finish();
    if finish_shard("hypotheses", &s.output.dir, &[&s], seed)? {
        return Ok(());
    }
    record_with_inputs("hypotheses", &[&s], seed, inputs);
    let dir = write(&h, &s.scenario.name, &s.output.dir)?;
    print_tables(&h);
    println!(
        "hypotheses with {reps} per variant in {:.1} s; wrote {}",
        clock.elapsed().as_secs_f64(),
        dir.display(),
        reps = crate::report::fmt::count(replicates, "replicate")
    );
    Ok(())
}

/// Prints the main table of every part run.
fn print_tables(h: &crate::experiment::hypotheses::Hypotheses) {
    if let Some(q) = &h.q1 {
        let (_, slopes) = q1_tables(q);
        println!(
            "Q1: slopes of change at wave 2 on baseline social capital\n{}",
            slopes.text()
        );
    }
    if let Some(c) = &h.q2 {
        let (_, diffs) = crate::experiment::compare::tables(c);
        println!(
            "Q2: differences from `{}` (paired, 95% interval)\n{}",
            c.designs[0],
            diffs.text()
        );
    }
    if let Some(m) = &h.mechanisms {
        println!(
            "Mechanisms: the observed pattern\n{}",
            mechanisms_table(m).text()
        );
    }
    if let Some(cs) = &h.q3 {
        for c in cs {
            println!(
                "Q3: top observables, {} off\n{}",
                c.channel,
                q3_table(c, 5, false).text()
            );
        }
        println!(
            "Q3: organisation-level traces, selection against influence\n{}",
            q3_organisation_table(cs).text()
        );
    }
    if let Some(r) = &h.refit {
        println!(
            "Re-fitted ablations: the pattern on the posterior predictive\n{}",
            refit_table(r).text()
        );
    }
    if let Some(p) = &h.profiles {
        println!(
            "Q1 and Q2 along the coefficients the data do not pin down (intercepts re-fitted)\n{}",
            profile_table(p).text()
        );
    }
    if let Some(r) = &h.q3_regions {
        println!(
            "Q3 with the null re-fitted on each generated region (power ± se; `none`: the level)\n{}",
            crate::experiment::hypotheses::regions_table(
                r,
                &crate::experiment::hypotheses::regions_shown()
            )
            .text()
        );
    }
    if let Some(d) = &h.data_draws {
        println!(
            "Q1 and the re-fitted ablations on {} other draws of the data: how often each conclusion holds\n{}",
            d.draws.len(),
            draws_table(d).text()
        );
    }
}
