//! The hypothesis experiments (docs/experiments.md, section 3) on the evaluators' questions
//! (docs/background.md):
//!
//! - **Q1** (did pre-existing social capital help the changes happen?): dose-response of the
//!   change outcomes at wave 2 (adoption share, entrants, new programme ties) to baseline
//!   social capital, scaled from low to high in the data set (trust, density, both), and the
//!   same relation across the territories within runs.
//! - **Q2** (will the changes strengthen social capital?): the effect of the channel
//!   `adoption_to_social_capital` on social capital at wave 3, on against off with common
//!   random numbers, and through which of its two parts (adopters form more ties; adopters
//!   launch more initiatives).
//! - **Mechanisms**: each feedback channel switched off in turn; which variants still
//!   reproduce the observed pattern ([`PATTERN`], as `tests/default_pattern.rs` checks it) and
//!   by how much the others miss.
//! - **Q3** (what traces would show it?): for every observable statistic, how well it
//!   separates "feedback on" from "feedback off" (standardised difference, AUC), and the power
//!   of the Monte Carlo test that compares one observed region (22 territories, three waves)
//!   with the no-feedback model, at the 5% level; observables ranked by power.

mod mechanisms;
mod profile;
mod q1;
mod q2;
mod q3;
mod refit;
mod regions;
mod seeds;

pub use mechanisms::*;
pub use profile::*;
pub use q1::*;
pub use q2::*;
pub use q3::*;
pub use refit::*;
pub use regions::*;
pub use seeds::*;

use super::compare::{Comparison, write_files};
use super::output::ExperimentDir;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Which parts to run and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Replicates per variant.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
    /// Q1: multipliers of baseline social capital (1 is the data set as given).
    pub levels: Vec<f64>,
    /// Run Q1.
    pub q1: bool,
    /// Run Q2.
    pub q2: bool,
    /// Run the mechanism ablations.
    pub mechanisms: bool,
    /// Run Q3.
    pub q3: bool,
    /// Q3 also with parameter uncertainty (posterior draws of re-fitted models).
    pub q3_posterior: bool,
    /// Q3 on generated regions: regions simulated per ensemble and region count, divided into
    /// studies of each of `q3_region_counts` regions (at least [`MIN_STUDIES`] studies);
    /// 0 leaves the generated regions out.
    pub q3_regions: usize,
    /// Q3: regions per study on generated regions.
    pub q3_region_counts: Vec<usize>,
    /// Q3: the region generator the studies draw their regions from (with a seed per region).
    pub q3_generator: crate::data::generate::GeneratorParams,
    /// Re-fit every ablation by ABC before judging it, and the ABC model choice.
    pub refit: bool,
    /// Simulation budget of the re-fits.
    pub budget: RefitBudget,
    /// Q1 and Q2 as functions of the coefficients the data do not pin down (intercepts
    /// re-fitted at every point).
    pub profiles: bool,
    /// Generator seeds of other draws of the data set on which Q1 and the re-fits are run
    /// again (empty: none).
    pub data_seeds: Vec<u64>,
    /// Q3 with the null re-fitted on each study's own generated regions, and the test's
    /// level with the full model as the null (None: not run).
    pub q3_regions_refit: Option<RegionRefit>,
}

impl Options {
    /// Every part, with `replicates` replicates from `seed`, Q1 levels 0.5 to 1.5; Q3's
    /// generated regions from the reconstructed data set's generator ([`REGIONS`] regions per
    /// study, `replicates` regions per ensemble).
    pub fn all(replicates: u64, seed: u64) -> Options {
        Options {
            replicates,
            seed,
            levels: vec![0.5, 0.75, 1.0, 1.25, 1.5],
            q1: true,
            q2: true,
            mechanisms: true,
            q3: true,
            q3_posterior: true,
            q3_regions: replicates as usize,
            q3_region_counts: REGIONS.to_vec(),
            q3_generator: crate::data::generate::wecare_measure1(),
            refit: true,
            budget: RefitBudget::for_replicates(replicates),
            profiles: true,
            data_seeds: Vec::new(),
            q3_regions_refit: None,
        }
    }
}

/// Everything the hypotheses command produced.
#[derive(Debug, Clone, Default)]
pub struct Hypotheses {
    /// Q1.
    pub q1: Option<Q1>,
    /// Q2.
    pub q2: Option<Comparison>,
    /// Mechanism ablations.
    pub mechanisms: Option<Mechanisms>,
    /// Q3 contrasts.
    pub q3: Option<Vec<Contrast>>,
    /// Re-fitted ablations and the model choice.
    pub refit: Option<Refits>,
    /// Q1 and Q2 along the unidentified coefficients.
    pub profiles: Option<Vec<ProfilePoint>>,
    /// Q1 and the re-fits on other draws of the data set.
    pub data_draws: Option<DataDraws>,
    /// Q3 with the nulls re-fitted per generated region.
    pub q3_regions: Option<RegionRefits>,
    /// Replicates per variant.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
}

/// Runs the parts `o` asks for.
pub fn run(runner: &Runner, scenario: &Scenario, o: &Options) -> Result<Hypotheses> {
    if o.replicates < 3 {
        return Err(Error::Other(
            "the hypotheses need at least 3 replicates".into(),
        ));
    }
    if scenario.timeline.waves.len() < 3 {
        return Err(Error::Other(format!(
            "{}: the hypotheses read waves 1 to 3; the timeline has {} waves",
            scenario.file_label(),
            scenario.timeline.waves.len()
        )));
    }
    seeds::check_parts(o)?;
    let (data, _) = scenario.load_dataset()?;
    let q1 = o.q1.then(|| q1(runner, scenario, &data, o)).transpose()?;
    let q2 = o.q2.then(|| q2(runner, scenario, o)).transpose()?;
    let mechanisms = o
        .mechanisms
        .then(|| mechanisms(runner, scenario, &data, o))
        .transpose()?;
    let q3 = o.q3.then(|| q3(runner, scenario, &data, o)).transpose()?;
    let refit = o
        .refit
        .then(|| refits(runner, scenario, &data, o))
        .transpose()?;
    let profiles = o
        .profiles
        .then(|| profiles(runner, scenario, &data, o))
        .transpose()?;
    let q3_regions = match o.q3_regions_refit {
        Some(sizes) => {
            let keys = observable_keys(runner, scenario, &data, o.seed)?;
            Some(regions::q3_regions(runner, scenario, &keys, sizes, o)?)
        }
        None => None,
    };
    let data_draws = if o.data_seeds.is_empty() {
        None
    } else {
        let reference = readings(q1.as_ref(), refit.as_ref());
        Some(across_data_seeds(
            runner,
            scenario,
            o,
            &o.data_seeds,
            reference,
        )?)
    };
    Ok(Hypotheses {
        q1,
        q2,
        mechanisms,
        q3,
        refit,
        profiles,
        data_draws,
        q3_regions,
        replicates: o.replicates,
        seed: o.seed,
    })
}

/// Writes everything into `<root>/<scenario>/hypotheses-<time>/`: per part CSV files
/// (`q1_*.csv`, `q2_*.csv`, `mechanisms.csv`, `q3_traces.csv`), an SVG figure each, and
/// `hypotheses.md` with every table.
pub fn write(h: &Hypotheses, name: &str, root: &Path) -> Result<PathBuf> {
    let mut dir = ExperimentDir::create(root, name, "hypotheses")?;
    let mut md = format!(
        "# Hypotheses\n\n{} replicates per variant, master seed {} (common random numbers).\n\n",
        h.replicates, h.seed
    );
    if let Some(q) = &h.q1 {
        write_q1(q, &mut dir)?;
        let (dose, slopes) = q1_tables(q);
        md.push_str(&format!(
            "## Q1: baseline social capital and change at wave 2\n\nMean [95% interval] per level (`q1_dose_response.svg`):\n\n{}\nSlopes per unit of baseline social-capital index, mean [95% interval] over replicates (`q1_territories.svg`):\n\n{}\n",
            dose.markdown(),
            slopes.markdown()
        ));
    }
    if let Some(c) = &h.q2 {
        write_files(
            c,
            &mut dir,
            "q2_",
            "Q2: adoption_to_social_capital and social capital at wave 3",
            &format!(
                "Q2: effect of adoption_to_social_capital, against the channel off ({} paired replicates, 95% intervals)",
                c.replicates
            ),
        )?;
        let (levels, diffs) = super::compare::tables(c);
        md.push_str(&format!(
            "## Q2: adoption_to_social_capital and social capital at wave 3\n\nMeans:\n\n{}\nDifferences from `{}`, paired (`q2_differences.svg`):\n\n{}\n",
            levels.markdown(),
            c.designs[0],
            diffs.markdown()
        ));
    }
    if let Some(m) = &h.mechanisms {
        write_mechanisms(m, &mut dir)?;
        md.push_str(&format!(
            "## Mechanisms: which channels reproduce the observed pattern\n\nFor each claim: holds on the ensemble (yes/NO), the mean value, and the share of replicates in which it holds (`mechanisms.svg`):\n\n{}\n",
            mechanisms_table(m).markdown()
        ));
    }
    if let Some(cs) = &h.q3 {
        write_q3(cs, &mut dir)?;
        md.push_str("## Q3: observables that tell feedback on from off\n\n");
        md.push_str(&q3_preamble(cs));
        for (k, c) in cs.iter().enumerate() {
            md.push_str(&format!(
                "### `{}` off\n\nAll observables:\n\n{}\nObservables a survey can measure:\n\n{}\n",
                c.channel,
                q3_table(c, if k == 0 { 15 } else { 8 }, false).markdown(),
                q3_table(c, if k == 0 { 15 } else { 8 }, true).markdown()
            ));
        }
        md.push_str(&format!(
            "### Organisation-level traces: selection against influence\n\nEach statistic against the null without selection and the null without influence (`q3_organisations.csv`):\n\n{}\n",
            q3_organisation_table(cs).markdown()
        ));
    }
    if let Some(r) = &h.refit {
        write_refits(r, &mut dir)?;
        md.push_str(&format!(
            "## Re-fitted ablations: the pattern on the posterior predictive\n\nEach model re-fitted by ABC-SMC ({} particles, at most {} simulations), judged on {} posterior predictive replicates; model probabilities from {} prior simulations per model, {} accepted (`refit_estimates.csv`, `refit_predictive.csv`, `model_choice.csv`):\n\n{}\n",
            r.budget.particles,
            r.budget.max_simulations,
            r.budget.draws,
            r.choice.simulations,
            r.choice.accepted,
            refit_table(r).markdown()
        ));
    }
    if let Some(p) = &h.profiles {
        write_profiles(p, &mut dir)?;
        md.push_str(&format!(
            "## Q1 and Q2 along the coefficients the data do not pin down\n\nIntercepts re-fitted by ABC at every point (`profiles.csv`):\n\n{}\n",
            profile_table(p).markdown()
        ));
    }
    if let Some(r) = &h.q3_regions {
        write_regions(r, &mut dir)?;
        md.push_str(&regions_markdown(r));
    }
    if let Some(d) = &h.data_draws {
        write_draws(d, &mut dir)?;
        md.push_str(&draws_markdown(d));
    }
    dir.write("hypotheses.md", md.as_bytes())?;
    dir.finish()
}
