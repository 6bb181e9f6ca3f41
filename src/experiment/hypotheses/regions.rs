//! Q3 as an evaluator with one generated region would run it: the null is re-fitted on that
//! region's own simulated waves, not taken from the posterior fitted on the shipped data.
//!
//! A study is one region (or several) drawn from the region generator, simulated once with
//! feedback on at a draw from the full model's posterior (fitted on the shipped data, as the
//! "truth" of Q3's other columns). The evaluator then re-fits the null on what the study
//! shows, by rejection ABC: [`RegionRefit::prior_draws`] draws of the null's free intercepts
//! from their priors (the same free intercepts and statistics as Q3's posterior nulls: the
//! scenario's calibrated parameters with its targets' statistics, and the intercepts and
//! marginal rates of the processes the channel acts in), each simulated once on the study's
//! own regions; the [`RegionRefit::accepted`] simulations closest to the study's values of
//! those statistics (Euclidean distance scaled by the median absolute deviation over the
//! draws) are its re-fitted null, whose posterior predictive values make the Monte Carlo test
//! of every observable. The power is the share of studies rejected, with its binomial
//! standard error. Run with the full model itself as the null (null = alternative), the same
//! procedure gives the test's level under re-fitting across regions that differ.

use super::Options;
use super::mechanisms::channel_variants;
use super::refit::{ABLATIONS, Fit, intercept_prior, refit, target_intercepts};
use crate::calibrate::spec::ParameterSpec;
use crate::data::generate::{GeneratorParams, generate};
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::experiment::estimate::monte_carlo_power;
use crate::experiment::outcome::{Key, KeyIndex, observe, run_replicate};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::table::Table;
use crate::model::{Model, Params, rng};
use crate::scenario::Scenario;
use statrs::distribution::{Binomial, DiscreteCDF};

/// Sizes of the per-region re-fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionRefit {
    /// Studies per null (each with its own regions and its own re-fit).
    pub studies: usize,
    /// Regions per study.
    pub regions: usize,
    /// Prior draws of the null's free intercepts per study.
    pub prior_draws: usize,
    /// Draws accepted as the study's re-fitted null (at least 39, so that the two-sided 5%
    /// Monte Carlo test can reject).
    pub accepted: usize,
}

impl RegionRefit {
    /// `studies` studies of one region; 200 prior draws, of which 40 (20%) are accepted.
    pub fn new(studies: usize) -> RegionRefit {
        RegionRefit {
            studies,
            regions: 1,
            prior_draws: 200,
            accepted: 40,
        }
    }
}

/// The power of every observable against one null re-fitted per study.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionNull {
    /// The null: a channel off, or `none` for the full model against itself.
    pub channel: String,
    /// Free intercepts of the re-fit.
    pub free: Vec<String>,
    /// Statistics the re-fit matches.
    pub fitted: Vec<Key>,
    /// The observables.
    pub keys: Vec<Key>,
    /// Per observable: share of studies rejected (NaN when no study could be tested).
    pub power: Vec<f64>,
    /// Its binomial Monte Carlo standard error.
    pub power_se: Vec<f64>,
    /// Per study: share of the observables it rejected (for the level's mean and its error).
    pub study_rates: Vec<f64>,
}

/// Q3 with the nulls re-fitted per generated region, and the level of the test.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionRefits {
    /// Sizes.
    pub sizes: RegionRefit,
    /// One entry per channel off, then the full model against itself (`none`).
    pub nulls: Vec<RegionNull>,
}

/// The free intercepts and matched statistics of the null of `channel` (a name of
/// [`channel_variants`] without " off", `all channels`, or `none` for every intercept Q3's
/// nulls free): the targets' intercepts and statistics, and the intercepts and marginal rates
/// of the processes the channel acts in.
fn scheme(scenario: &Scenario, channel: &str) -> Result<(Vec<ParameterSpec>, Vec<Key>)> {
    let mut free = target_intercepts(scenario)?;
    let mut fitted: Vec<Key> = scenario
        .targets
        .iter()
        .filter(|t| t.scope == "network")
        .map(|t| Key::new(&t.statistic, t.wave))
        .collect();
    for a in ABLATIONS.iter().filter(|a| {
        matches!(channel, "all channels" | "none")
            || a.name == channel
            || (channel == "adoption_to_social_capital"
                && matches!(a.name, "adopters_form_ties" | "adopters_launch_initiatives"))
    }) {
        for k in a.intercepts {
            if !free.iter().any(|p| p.key == *k) {
                free.push(intercept_prior(scenario, k)?);
            }
        }
        for (st, w) in a.levels {
            let k = Key::new(st, *w);
            if !fitted.contains(&k) {
                fitted.push(k);
            }
        }
    }
    Ok((free, fitted))
}

/// The generator seed of region `k` of the studies with seed `seed`.
fn region_seed(seed: u64, k: usize) -> u64 {
    seed.wrapping_mul(0xD1B5_4A32_D192_ED03)
        .wrapping_add(k as u64)
}

/// What one study's test needs: its regions' data, the "on" parameters, the null's.
struct StudySetup<'a> {
    generator: &'a GeneratorParams,
    on: &'a [Params],
    null: Params,
    free: &'a [ParameterSpec],
    priors: Vec<crate::calibrate::Prior>,
    index: KeyIndex<'a>,
    /// Columns of a row.
    width: usize,
    /// Columns of the fitted statistics in the index's rows.
    fit_cols: Vec<usize>,
    sizes: RegionRefit,
    seed: u64,
}

impl StudySetup<'_> {
    /// One run per region of the study at `params`, averaged over the regions (replicate
    /// `replicate` of `seed`).
    fn study_row(
        &self,
        data: &[crate::data::Dataset],
        params: &Params,
        seed: u64,
        replicate: u64,
        stats: &crate::stats::StatsOptions,
    ) -> Result<Vec<f64>> {
        let mut sum: Vec<(f64, usize)> = vec![(0.0, 0); self.width];
        for d in data {
            let model = Model::new(d, params)?;
            let row = self
                .index
                .row(observe(&run_replicate(&model, seed, replicate), stats));
            for (s, v) in sum.iter_mut().zip(row) {
                if v.is_finite() {
                    *s = (s.0 + v, s.1 + 1);
                }
            }
        }
        Ok(sum
            .into_iter()
            .map(|(s, n)| if n == 0 { f64::NAN } else { s / n as f64 })
            .collect())
    }

    /// Study `i`: draws its regions, simulates them with feedback on, re-fits the null to
    /// them and tests every observable; 1 (rejected), 0 or NaN (not testable) per observable.
    fn study(&self, i: usize, stats: &crate::stats::StatsOptions) -> Result<Vec<f64>> {
        let r = self.sizes.regions;
        let data: Vec<crate::data::Dataset> = (0..r)
            .map(|k| {
                generate(self.generator, region_seed(self.seed, i * r + k))
                    .map_err(|e| Error::Other(format!("Q3, generated region {k}: {e}")))
            })
            .collect::<Result<_>>()?;
        let observed = self.study_row(
            &data,
            &self.on[i % self.on.len()],
            self.seed,
            i as u64,
            stats,
        )?;
        let null_seed = self.seed.wrapping_add(1);
        let m = self.sizes.prior_draws;
        let mut sims = Vec::with_capacity(m);
        for d in 0..m {
            let mut rng = rng::stream(self.seed, (i * m + d) as u64, 0x5E61_0A11);
            let mut p = self.null.clone();
            for (spec, prior) in self.free.iter().zip(&self.priors) {
                crate::calibrate::parameters::set(&mut p, &spec.key, prior.sample(&mut rng));
            }
            sims.push(self.study_row(&data, &p, null_seed, (i * m + d) as u64, stats)?);
        }
        let accepted = nearest(&sims, &observed, &self.fit_cols, self.sizes.accepted);
        Ok((0..observed.len())
            .map(|c| {
                let null: Vec<f64> = accepted.iter().map(|&j| sims[j][c]).collect();
                monte_carlo_power(&[observed[c]], &null, 0.05)
            })
            .collect())
    }
}

/// The `take` simulations closest to `observed` on the columns `cols`: Euclidean distance of
/// the values scaled by their median absolute deviation over the simulations (1 where it is
/// 0); a simulation with a non-finite fitted value is never taken before a finite one.
fn nearest(sims: &[Vec<f64>], observed: &[f64], cols: &[usize], take: usize) -> Vec<usize> {
    let scale: Vec<f64> = cols
        .iter()
        .map(|&c| {
            let col: Vec<f64> = sims
                .iter()
                .map(|s| s[c])
                .filter(|v| v.is_finite())
                .collect();
            let med = crate::stats::quantile::median(&col);
            let dev: Vec<f64> = col.iter().map(|x| (x - med).abs()).collect();
            let mad = 1.4826 * crate::stats::quantile::median(&dev);
            if mad > 0.0 && mad.is_finite() {
                mad
            } else {
                1.0
            }
        })
        .collect();
    let dist: Vec<f64> = sims
        .iter()
        .map(|s| {
            let d2: f64 = cols
                .iter()
                .zip(&scale)
                .map(|(&c, sc)| ((s[c] - observed[c]) / sc).powi(2))
                .sum();
            if d2.is_finite() { d2 } else { f64::INFINITY }
        })
        .collect();
    let mut order: Vec<usize> = (0..sims.len()).collect();
    // Stable: equal distances keep the draws' order, so the choice is deterministic.
    order.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]));
    order.truncate(take);
    order
}

/// The observables of Q3: every statistic one replicate of `scenario` on `data` reports,
/// money left out.
pub fn observable_keys(
    runner: &Runner,
    scenario: &Scenario,
    data: &crate::data::Dataset,
    seed: u64,
) -> Result<Vec<Key>> {
    let model = Model::new(data, &scenario.params())?;
    Ok(observe(&run_replicate(&model, seed, 0), &runner.stats)
        .into_iter()
        .filter(|x| !super::q3::NOT_OBSERVED.contains(&x.statistic))
        .map(|x| Key::new(x.statistic, x.wave))
        .collect())
}

/// Q3 with the nulls re-fitted per study of generated regions, for every channel off and
/// for the full model against itself. "On" takes its parameters from the full model's
/// posterior, fitted on the shipped data by ABC with `o.budget` (one draw per study).
pub fn q3_regions(
    runner: &Runner,
    scenario: &Scenario,
    keys: &[Key],
    sizes: RegionRefit,
    o: &Options,
) -> Result<RegionRefits> {
    if !matches!(
        crate::ensemble::shard::mode(),
        crate::ensemble::shard::Mode::All
    ) {
        return Err(Error::Other(
            "Q3 on re-fitted regions calibrates by ABC and does not run under --shard or \
             `wecare merge`; run it without --shard"
                .into(),
        ));
    }
    if sizes.accepted < 39 || sizes.prior_draws < sizes.accepted || sizes.regions == 0 {
        return Err(Error::Other(format!(
            "Q3 per-region re-fit: {} of {} prior draws accepted over {} regions; the test needs at least 39 accepted draws and a region",
            sizes.accepted, sizes.prior_draws, sizes.regions
        )));
    }
    let mut b = o.budget;
    b.draws = sizes.studies.max(1);
    let free = target_intercepts(scenario)?;
    let (names, scenarios) = channel_variants(scenario);
    let full: Fit = refit(
        "full model",
        "q3",
        "",
        &scenarios[0],
        free,
        scenario.targets.clone(),
        &b,
        o.seed,
        runner.threads(),
    )?;
    let mut nulls = Vec::new();
    let variants = names[1..]
        .iter()
        .map(|n| n.trim_end_matches(" off").to_string())
        .zip(&scenarios[1..])
        .chain(std::iter::once(("none".to_string(), &scenarios[0])));
    for (c, (channel, null)) in variants.enumerate() {
        let seed = o.seed.wrapping_add(0x0100 + c as u64);
        nulls.push(region_null(
            runner,
            scenario,
            &channel,
            null,
            &full.params,
            keys,
            sizes,
            seed,
            o,
        )?);
    }
    Ok(RegionRefits { sizes, nulls })
}

/// One null re-fitted per study ([`q3_regions`]).
#[allow(clippy::too_many_arguments)]
fn region_null(
    runner: &Runner,
    scenario: &Scenario,
    channel: &str,
    null: &Scenario,
    on: &[Params],
    keys: &[Key],
    sizes: RegionRefit,
    seed: u64,
    o: &Options,
) -> Result<RegionNull> {
    let (free, fitted) = scheme(scenario, channel)?;
    let mut all = keys.to_vec();
    for k in &fitted {
        if !all.contains(k) {
            all.push(k.clone());
        }
    }
    let priors = free
        .iter()
        .map(|p| {
            p.prior()
                .map_err(|(k, e)| Error::Other(format!("{}: {k}: {e}", p.key)))
        })
        .collect::<Result<_>>()?;
    let setup = StudySetup {
        generator: &o.q3_generator,
        on,
        null: null.params(),
        free: &free,
        priors,
        fit_cols: fitted
            .iter()
            .map(|k| all.iter().position(|x| x == k).unwrap_or(0))
            .collect(),
        index: KeyIndex::new(&all),
        width: all.len(),
        sizes,
        seed,
    };
    let stats = &runner.stats;
    let rows = runner.map(
        &format!("Q3 re-fitted per region, {channel}"),
        sizes.studies,
        |i| setup.study(i, stats),
    );
    let rows: Vec<Vec<f64>> = rows.into_iter().collect::<Result<_>>()?;
    let n = keys.len();
    let (power, power_se): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|c| {
            let v: Vec<f64> = rows
                .iter()
                .map(|r| r[c])
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                return (f64::NAN, f64::NAN);
            }
            let p = v.iter().sum::<f64>() / v.len() as f64;
            (p, (p * (1.0 - p) / v.len() as f64).sqrt())
        })
        .unzip();
    let study_rates = rows
        .iter()
        .map(|r| {
            let v: Vec<f64> = r[..n].iter().copied().filter(|x| x.is_finite()).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        })
        .collect();
    Ok(RegionNull {
        channel: channel.to_string(),
        free: free.iter().map(|p| p.key.clone()).collect(),
        fitted,
        keys: keys.to_vec(),
        power,
        power_se,
        study_rates,
    })
}

/// The level of the test over the observables of one null: the mean rejection rate (over
/// observables and studies) with its Monte Carlo standard error (over studies), the largest
/// rejection rate of one observable with its binomial standard error, and the largest rate
/// that many independent observables tested at exactly 5% would reach with probability 95%
/// (the maximum of binomials: a reference for the largest rate, conservative since the
/// observables are correlated).
pub fn region_level(n: &RegionNull) -> (f64, f64, f64, f64, f64) {
    let r = &n.study_rates;
    let s = r.len().max(1) as f64;
    let mean = r.iter().sum::<f64>() / s;
    let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (s - 1.0).max(1.0)).sqrt();
    let (k, max) = n
        .power
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_finite())
        .fold(
            (0, f64::NEG_INFINITY),
            |a, (k, &p)| if p > a.1 { (k, p) } else { a },
        );
    let tested = n.power.iter().filter(|p| p.is_finite()).count();
    let studies = r.len() as u64;
    let max_ref = Binomial::new(0.05, studies)
        .ok()
        .and_then(|b| (0..=studies).find(|&x| b.cdf(x).powi(tested as i32) >= 0.95))
        .map_or(f64::NAN, |x| x as f64 / studies.max(1) as f64);
    (
        mean,
        sd / s.sqrt(),
        max,
        n.power_se.get(k).copied().unwrap_or(f64::NAN),
        max_ref,
    )
}

/// The observables shown in the per-region table: the traces of Q3's headline table.
pub fn regions_shown() -> Vec<Key> {
    [
        ("ties", 3),
        ("pre_tie_persistence", 3),
        ("tie_jaccard", 3),
        ("tie_persistence", 3),
        ("adoption_share", 3),
        ("adoption_selection", 2),
        ("adoption_selection", 3),
        ("adopter_degree_gap", 3),
        ("initiative_share", 3),
        ("adopter_initiative_gap", 3),
        ("adoption_influence", 3),
    ]
    .iter()
    .map(|(s, w)| Key::new(s, *w))
    .collect()
}

/// Power of selected observables against each re-fitted null (the `none` null gives the
/// level).
pub fn regions_table(r: &RegionRefits, shown: &[Key]) -> Table {
    let mut header = vec![
        "null".to_string(),
        "free intercepts".into(),
        "fitted to".into(),
    ];
    header.extend(shown.iter().map(|k| k.to_string()));
    header.push("mean rejection over observables ± se".into());
    header.push("largest ± se (95% reference if exact)".into());
    let mut t = Table::new(&header);
    for n in &r.nulls {
        let mut row = vec![
            n.channel.clone(),
            n.free.join(", "),
            n.fitted
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ];
        for k in shown {
            row.push(match n.keys.iter().position(|x| x == k) {
                Some(c) if n.power[c].is_finite() => {
                    format!("{:.2} ± {:.2}", n.power[c], n.power_se[c])
                }
                _ => "-".into(),
            });
        }
        let (mean, se, max, max_se, max_ref) = region_level(n);
        row.push(format!("{mean:.3} ± {se:.3}"));
        row.push(format!("{max:.2} ± {max_se:.2} ({})", fmt_sig(max_ref, 2)));
        t.push(row);
    }
    t
}

/// The section of `hypotheses.md`: sizes, then [`regions_table`].
pub fn regions_markdown(r: &RegionRefits) -> String {
    let z = r.sizes;
    format!(
        "## Q3 with the null re-fitted on each generated region\n\n{} studies of {} generated region(s) per null; each study's null re-fitted by rejection ABC ({} of {} prior draws accepted); `none` is the full model against itself (the test's level) (`q3_regions.csv`):\n\n{}\n",
        z.studies,
        z.regions,
        z.accepted,
        z.prior_draws,
        regions_table(r, &regions_shown()).markdown()
    )
}

/// `q3_regions.csv`: every null and observable, with the power re-fitted per region.
pub(super) fn write_regions(r: &RegionRefits, dir: &mut ExperimentDir) -> Result<()> {
    let rows: Vec<Vec<String>> = r
        .nulls
        .iter()
        .flat_map(|n| {
            n.keys.iter().enumerate().map(move |(c, k)| {
                vec![
                    n.channel.clone(),
                    k.statistic.clone(),
                    k.wave.to_string(),
                    r.sizes.studies.to_string(),
                    r.sizes.regions.to_string(),
                    num(n.power[c]),
                    num(n.power_se[c]),
                ]
            })
        })
        .collect();
    dir.csv(
        "q3_regions.csv",
        &[
            "null",
            "statistic",
            "wave",
            "studies",
            "regions",
            "power",
            "power_se",
        ],
        &rows,
    )
}
