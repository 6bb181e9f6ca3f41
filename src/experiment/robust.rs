//! Robustness of a design comparison (docs/experiments.md, "Robustness"): the same comparison
//! re-run at settings its conclusions should not depend on, and the share of settings at
//! which each conclusion of the reference run still holds.
//!
//! A setting redraws the data (the generator that made the baseline's data set, at another
//! seed), sets parameters in every design (a point of a sweep's ranges, a draw from an ABC
//! posterior, a value of an assumed coefficient), or both. Each (design, outcome) difference
//! from the baseline is read by sign (95% paired interval above 0, below 0, or covering 0) and
//! by equivalence (H-D4 margin); a conclusion holds at a setting when the reading there is the
//! reference run's.

use super::compare::{
    Comparison, DIFFERENCE_COLUMNS, Design, compare_data, difference_cells, write_files,
};
use super::estimate::{Equivalence, Sign, Summary, equivalence_margin};
use super::outcome::Key;
use super::output::{ExperimentDir, fmt_sig, num};
use super::table::Table;
use crate::data::generate::{GeneratorParams, generate};
use crate::data::{Dataset, Project};
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::scenario::{Integers, Scenario};
use std::path::{Path, PathBuf};

/// A setting at which the comparison is re-run.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The family it belongs to: `data seed`, `sweep`, `posterior`, or the key of a varied
    /// parameter.
    pub group: String,
    /// What it is (`seed 11`, `dissolution.base.post = -1`, `draw 3`).
    pub label: String,
    /// Parameter values set in every design (dotted keys, as in `[sweep]`).
    pub values: Vec<(String, f64)>,
    /// Generator seed of a redrawn data set.
    pub data_seed: Option<u64>,
}

/// One setting per generator seed: the baseline's data set drawn again.
pub fn seed_settings(seeds: &[u64]) -> Vec<Setting> {
    seeds
        .iter()
        .map(|&s| Setting {
            group: "data seed".into(),
            label: format!("seed {s}"),
            values: Vec::new(),
            data_seed: Some(s),
        })
        .collect()
}

/// One setting per value of one parameter, from `KEY=V1,V2,...`.
pub fn values_settings(spec: &str) -> Result<Vec<Setting>> {
    let bad = |m: &str| Error::Other(format!("--across-values `{spec}`: {m}"));
    let (key, list) = spec.split_once('=').ok_or_else(|| {
        bad("write KEY=V1,V2,... (e.g. formation.effects.project_budget=0,0.5,1)")
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(bad("the key is empty"));
    }
    let values = list
        .split(',')
        .map(|v| match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(bad(&format!("`{}` is not a finite number", v.trim()))),
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(values
        .into_iter()
        .map(|v| Setting {
            group: key.to_string(),
            label: format!("{key} = {}", fmt_sig(v, 4)),
            values: vec![(key.to_string(), v)],
            data_seed: None,
        })
        .collect())
}

/// The points of a scenario's `[sweep]`, one parameter at a time (every other at the
/// designs' own value): the low end, middle and high end of each `range`, or the `values` of
/// a parameter without a range.
pub fn sweep_settings(s: &Scenario) -> Result<Vec<Setting>> {
    let sweep = s.sweep.as_ref().ok_or_else(|| {
        Error::Other(format!(
            "{}: --across-sweep needs a [sweep] section",
            s.file_label()
        ))
    })?;
    let mut out = Vec::new();
    for p in &sweep.parameters {
        let points = match p.range {
            Some([lo, hi]) => vec![lo, (lo + hi) / 2.0, hi],
            None => p.values.clone(),
        };
        out.extend(points.into_iter().map(|v| Setting {
            group: "sweep".into(),
            label: format!("{} = {}", p.key, fmt_sig(v, 4)),
            values: vec![(p.key.clone(), v)],
            data_seed: None,
        }));
    }
    Ok(out)
}

/// `draws` draws from an ABC posterior (`posterior.csv` of `wecare calibrate`: columns
/// `particle`, `weight`, `distance` and one per parameter), by systematic resampling of the
/// weighted particles (draw k is the particle at which the cumulative weight passes
/// (k + 1/2) / draws): deterministic, and each particle drawn in proportion to its weight.
pub fn posterior_settings(path: &Path, draws: usize) -> Result<Vec<Setting>> {
    let (keys, particles) = read_posterior(path)?;
    if draws == 0 {
        return Err(Error::Other("--draws must be at least 1".into()));
    }
    let total: f64 = particles.iter().map(|(w, _)| w).sum();
    let mut out = Vec::with_capacity(draws);
    let (mut j, mut cum) = (0, particles[0].0 / total);
    for k in 0..draws {
        let u = (k as f64 + 0.5) / draws as f64;
        while cum < u && j + 1 < particles.len() {
            j += 1;
            cum += particles[j].0 / total;
        }
        out.push(Setting {
            group: "posterior".into(),
            label: format!("draw {} (particle {j})", k + 1),
            values: keys.iter().cloned().zip(particles[j].1.clone()).collect(),
            data_seed: None,
        });
    }
    Ok(out)
}

/// Weighted particles of a posterior file: the parameter keys, and per particle its weight
/// and values.
type Particles = (Vec<String>, Vec<(f64, Vec<f64>)>);

fn read_posterior(path: &Path) -> Result<Particles> {
    let (file, _) =
        crate::input::open(path).map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    let mut r = csv::Reader::from_reader(file);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?
        .iter()
        .map(String::from)
        .collect();
    let weight = header.iter().position(|h| h == "weight").ok_or_else(|| {
        Error::Other(format!(
            "{}: no `weight` column (a posterior.csv of wecare calibrate has one)",
            path.display()
        ))
    })?;
    let params: Vec<usize> = (0..header.len())
        .filter(|&i| !["particle", "weight", "distance"].contains(&header[i].as_str()))
        .collect();
    if params.is_empty() {
        return Err(Error::Other(format!(
            "{}: no parameter columns",
            path.display()
        )));
    }
    let mut particles = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        let field = |i: usize| -> Result<f64> {
            rec.get(i)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::Other(format!(
                        "{}, line {}, field `{}`: not a finite number",
                        path.display(),
                        line + 2,
                        header[i]
                    ))
                })
        };
        let w = field(weight)?;
        if w < 0.0 {
            return Err(Error::Other(format!(
                "{}, line {}, field `weight`: negative",
                path.display(),
                line + 2
            )));
        }
        particles.push((w, params.iter().map(|&i| field(i)).collect::<Result<_>>()?));
    }
    if particles.iter().map(|(w, _)| w).sum::<f64>() <= 0.0 {
        return Err(Error::Other(format!(
            "{}: no particle with a positive weight",
            path.display()
        )));
    }
    Ok((
        params.iter().map(|&i| header[i].clone()).collect(),
        particles,
    ))
}

/// Where the generator parameters of the baseline's data set are: `generator.toml` beside its
/// organisations file (as `wecare generate` writes it).
pub fn generator_path(base: &Scenario) -> Result<PathBuf> {
    let orgs = base.data.organisations.as_ref().ok_or_else(|| {
        Error::Other(format!(
            "{}: --across-data-seeds needs [data] organisations",
            base.file_label()
        ))
    })?;
    Ok(base.resolve(orgs).with_file_name("generator.toml"))
}

/// The generator parameters of the baseline's data set ([`generator_path`]).
pub fn generator_of(base: &Scenario) -> Result<GeneratorParams> {
    let path = generator_path(base)?;
    let text = crate::input::read_to_string(&path).map_err(|e| {
        Error::Other(format!(
            "--across-data-seeds redraws the baseline's data with its generator parameters, read from {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| Error::Other(format!("{}: {}", path.display(), e.message())))
}

/// A design's projects carried to a redrawn data set: none if the design has none; the new
/// data set's projects if the design's are the baseline's; if the design changes budgets
/// only, each budget scaled by the design's ratio to the baseline's for the same project id,
/// then all of them by one factor so that the design's total stays in the reference's ratio
/// to the baseline's total (the same money for a split, twice for a doubling: otherwise a
/// split by territory size would carry 6-17% more money to some redrawn data sets). Any
/// other change of the projects is an error.
fn carry_projects(
    name: &str,
    design: &Dataset,
    base: &Dataset,
    new: &Dataset,
) -> Result<Vec<Project>> {
    if design.projects.is_empty() {
        return Ok(Vec::new());
    }
    let members = |ds: &Dataset, p: &Project| -> Vec<String> {
        std::iter::once(p.lead)
            .chain(p.partners.iter().copied())
            .map(|i| ds.organisations[i].id.clone())
            .collect()
    };
    let cannot = |why: String| {
        Error::Other(format!(
            "design `{name}`: its projects differ from the baseline's in more than budgets ({why}), so they cannot be carried to a redrawn data set"
        ))
    };
    if design.projects.len() != base.projects.len() {
        return Err(cannot(format!(
            "{} projects against {}",
            design.projects.len(),
            base.projects.len()
        )));
    }
    let mut out = new.projects.clone();
    let mut same_budgets = true;
    for p in &mut out {
        let d = design.projects.iter().find(|q| q.id == p.id);
        let b = base.projects.iter().find(|q| q.id == p.id);
        match (d, b) {
            (Some(d), Some(b)) if members(design, d) == members(base, b) => {
                same_budgets &= p.budget == b.budget;
                p.budget *= d.budget / b.budget;
            }
            _ => return Err(cannot(format!("project `{}`", p.id))),
        }
    }
    // Where the data keep the baseline's budgets the ratios alone carry the design.
    if !same_budgets {
        let total = |ps: &[Project]| ps.iter().map(|p| p.budget).sum::<f64>();
        let target = total(&new.projects) * total(&design.projects) / total(&base.projects);
        let factor = target / total(&out);
        // A factor of 1 up to rounding (every ratio the same, as in a doubling) is left out,
        // so that such a design's budgets are exactly its ratio times the data's.
        if factor.is_finite() && factor > 0.0 && (factor - 1.0).abs() > 1e-9 {
            for p in &mut out {
                p.budget *= factor;
            }
        }
    }
    Ok(out)
}

/// The designs and their data at a setting: `values` set in every design's scenario, and
/// the data redrawn (with `generator`) when the setting has a data seed.
fn at_setting(
    designs: &[Design],
    data: &[Dataset],
    s: &Setting,
    generator: Option<&GeneratorParams>,
) -> Result<(Vec<Design>, Vec<Dataset>)> {
    let mut out = Vec::with_capacity(designs.len());
    for d in designs {
        let scenario = d
            .scenario
            .with_numbers(&s.values, &s.group, Integers::Round)?;
        out.push(Design {
            scenario,
            ..d.clone()
        });
    }
    let data = match (s.data_seed, generator) {
        (Some(seed), Some(g)) => {
            let new = generate(g, seed).map_err(|e| Error::Other(e.to_string()))?;
            designs
                .iter()
                .zip(data)
                .map(|(d, ds)| {
                    Ok(Dataset {
                        projects: carry_projects(&d.name, ds, &data[0], &new)?,
                        ..new.clone()
                    })
                })
                .collect::<Result<_>>()?
        }
        _ => data.to_vec(),
    };
    Ok((out, data))
}

/// One design's difference from the baseline on one outcome at one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRow {
    /// Index of the setting in [`Robustness::settings`].
    pub setting: usize,
    /// Design name.
    pub design: String,
    /// Outcome.
    pub outcome: Key,
    /// The baseline's mean at this setting.
    pub baseline: f64,
    /// Paired difference from the baseline.
    pub difference: Summary,
}

/// A comparison and its re-runs across settings.
#[derive(Debug, Clone)]
pub struct Robustness {
    /// The comparison as given (the reference).
    pub reference: Comparison,
    /// The settings.
    pub settings: Vec<Setting>,
    /// Every (setting, design, outcome), baseline left out.
    pub rows: Vec<SettingRow>,
}

/// Runs the comparison of `designs` as given, then at every setting, each with `replicates`
/// replicates from `seed` (common random numbers within a setting).
pub fn across(
    designs: &[Design],
    runner: &Runner,
    replicates: u64,
    seed: u64,
    outcomes: &[Key],
    settings: &[Setting],
) -> Result<Robustness> {
    let data = designs
        .iter()
        .map(|d| Ok(d.scenario.load_dataset()?.0))
        .collect::<Result<Vec<Dataset>>>()?;
    let reference = compare_data(designs, &data, runner, replicates, seed, outcomes)?;
    let generator = if settings.iter().any(|s| s.data_seed.is_some()) {
        Some(generator_of(&designs[0].scenario)?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for (k, s) in settings.iter().enumerate() {
        let (ds, dd) = at_setting(designs, &data, s, generator.as_ref())?;
        let c = compare_data(&ds, &dd, runner, replicates, seed, &reference.outcomes)?;
        rows.extend(setting_rows(k, &c));
    }
    Ok(Robustness {
        reference,
        settings: settings.to_vec(),
        rows,
    })
}

fn setting_rows(k: usize, c: &Comparison) -> Vec<SettingRow> {
    c.rows
        .iter()
        .filter(|r| r.design != c.designs[0])
        .map(|r| SettingRow {
            setting: k,
            design: r.design.clone(),
            outcome: r.outcome.clone(),
            baseline: c
                .row(&c.designs[0], &r.outcome)
                .map_or(f64::NAN, |b| b.level.mean),
            difference: r.difference,
        })
        .collect()
}

/// How often one conclusion of the reference run holds within one group of settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// The group of settings.
    pub group: String,
    /// Design.
    pub design: String,
    /// Outcome.
    pub outcome: Key,
    /// The reference run's difference.
    pub reference: Summary,
    /// Its sign.
    pub sign: Sign,
    /// Its equivalence (H-D4 margin).
    pub equivalence: Equivalence,
    /// Settings in the group.
    pub settings: usize,
    /// Settings at which the difference has the reference's sign.
    pub same_sign: usize,
    /// Settings at which it has the reference's equivalence reading.
    pub same_equivalence: usize,
    /// Smallest and largest difference over the group, relative to the baseline's level
    /// there.
    pub relative: (f64, f64),
}

impl Holding {
    /// Share of the group's settings with the reference's sign, with its binomial Monte Carlo
    /// standard error `sqrt(p (1 - p) / n)` (for settings drawn at random: data seeds,
    /// posterior draws).
    pub fn share(&self) -> (f64, f64) {
        share(self.same_sign, self.settings)
    }
}

/// `k / n` with its binomial standard error.
pub fn share(k: usize, n: usize) -> (f64, f64) {
    let p = k as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}

/// The groups of the settings, in order of first appearance.
pub fn groups(r: &Robustness) -> Vec<String> {
    let mut g: Vec<String> = Vec::new();
    for s in &r.settings {
        if !g.contains(&s.group) {
            g.push(s.group.clone());
        }
    }
    g
}

/// For every group, design and outcome: how often the reference's reading holds.
pub fn holdings(r: &Robustness) -> Vec<Holding> {
    let c = &r.reference;
    let mut out = Vec::new();
    for g in groups(r) {
        for d in &c.designs[1..] {
            for o in &c.outcomes {
                let Some(refrow) = c.row(d, o) else { continue };
                let base = c.row(&c.designs[0], o).map_or(f64::NAN, |b| b.level.mean);
                let sign = Sign::of(&refrow.difference, base);
                let equivalence = Equivalence::of(&refrow.difference, equivalence_margin(base));
                let here: Vec<&SettingRow> = r
                    .rows
                    .iter()
                    .filter(|x| {
                        r.settings[x.setting].group == g && &x.design == d && &x.outcome == o
                    })
                    .collect();
                let rel: Vec<f64> = here
                    .iter()
                    .map(|x| x.difference.mean / x.baseline.abs())
                    .filter(|v| v.is_finite())
                    .collect();
                out.push(Holding {
                    group: g.clone(),
                    design: d.clone(),
                    outcome: o.clone(),
                    reference: refrow.difference,
                    sign,
                    equivalence,
                    settings: here.len(),
                    same_sign: here
                        .iter()
                        .filter(|x| Sign::of(&x.difference, x.baseline) == sign)
                        .count(),
                    same_equivalence: here
                        .iter()
                        .filter(|x| {
                            Equivalence::of(&x.difference, equivalence_margin(x.baseline))
                                == equivalence
                        })
                        .count(),
                    relative: rel
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                            (lo.min(v), hi.max(v))
                        }),
                });
            }
        }
    }
    out
}

/// The holdings as a table: per design and outcome, the reference reading and, per group,
/// the share of settings with the same sign (± its binomial standard error), the share with
/// the same equivalence reading and the range of the relative difference.
pub fn holdings_table(r: &Robustness) -> Table {
    let gs = groups(r);
    let mut header = vec![
        "design".to_string(),
        "outcome".to_string(),
        "reference difference".to_string(),
        "reading".to_string(),
    ];
    for g in &gs {
        header.push(format!("{g}: same sign, share ± se"));
        header.push(format!("{g}: same equivalence"));
        header.push(format!("{g}: relative difference, range"));
    }
    let mut t = Table::new(&header);
    let h = holdings(r);
    let per_group = h.len() / gs.len().max(1);
    for (i, x) in h.iter().take(per_group).enumerate() {
        let mut row = vec![
            x.design.clone(),
            x.outcome.to_string(),
            super::compare::with_interval(&x.reference, 2),
            format!("{}, {}", x.sign.label(), x.equivalence.label()),
        ];
        for gi in 0..gs.len() {
            let y = &h[gi * per_group + i];
            let (p, se) = y.share();
            row.push(format!(
                "{}/{} ({:.2} ± {:.2})",
                y.same_sign, y.settings, p, se
            ));
            row.push(format!("{}/{}", y.same_equivalence, y.settings));
            row.push(format!(
                "{:+.0}% to {:+.0}%",
                100.0 * y.relative.0,
                100.0 * y.relative.1
            ));
        }
        t.push(row);
    }
    t
}

/// Every setting's differences, one table per group: rows setting and design, columns the
/// outcomes (difference [95% interval]).
pub fn setting_table(r: &Robustness, group: &str) -> Table {
    let c = &r.reference;
    let mut header = vec!["setting".to_string(), "design".to_string()];
    header.extend(c.outcomes.iter().map(|o| o.to_string()));
    let mut t = Table::new(&header);
    for (k, s) in r
        .settings
        .iter()
        .enumerate()
        .filter(|(_, s)| s.group == group)
    {
        for d in &c.designs[1..] {
            let mut row = vec![s.label.clone(), d.clone()];
            for o in &c.outcomes {
                row.push(
                    r.rows
                        .iter()
                        .find(|x| x.setting == k && &x.design == d && &x.outcome == o)
                        .map_or_else(String::new, |x| {
                            super::compare::with_interval(&x.difference, 2)
                        }),
                );
            }
            t.push(row);
        }
    }
    t
}

/// Writes a new directory `<root>/<baseline>/robustness-<time>/`: the reference comparison's
/// files (as `wecare compare` writes them), `robustness.csv` (every setting, design and
/// outcome), `robustness_summary.csv` (the holdings) and `robustness.md`. Returns it.
pub fn write(r: &Robustness, root: &Path) -> Result<PathBuf> {
    let c = &r.reference;
    let mut dir = ExperimentDir::create(root, &c.designs[0], "robustness")?;
    let title = format!(
        "Funding designs against {} ({} paired replicates, 95% intervals)",
        c.designs[0], c.replicates
    );
    write_files(
        c,
        &mut dir,
        "",
        "Comparison of funding designs (reference)",
        &title,
    )?;
    write_settings_csv(r, &mut dir)?;
    write_holdings_csv(r, &mut dir)?;
    dir.write("robustness.md", markdown(r).as_bytes())?;
    dir.finish()
}

/// `robustness.csv`: every setting, design and outcome, with the difference's readings.
fn write_settings_csv(r: &Robustness, dir: &mut ExperimentDir) -> Result<()> {
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            let s = &r.settings[x.setting];
            let mut row = vec![
                s.group.clone(),
                s.label.clone(),
                s.data_seed.map_or_else(String::new, |v| v.to_string()),
                s.values
                    .iter()
                    .map(|(k, v)| format!("{k}={}", num(*v)))
                    .collect::<Vec<_>>()
                    .join(";"),
                x.design.clone(),
                x.outcome.statistic.clone(),
                x.outcome.wave.to_string(),
                num(x.baseline),
            ];
            row.extend(difference_cells(&x.difference, x.baseline));
            row
        })
        .collect();
    dir.csv(
        "robustness.csv",
        &[
            "group",
            "setting",
            "data_seed",
            "values",
            "design",
            "statistic",
            "wave",
            "baseline",
        ]
        .into_iter()
        .chain(DIFFERENCE_COLUMNS)
        .collect::<Vec<_>>(),
        &rows,
    )
}

/// `robustness_summary.csv`: [`holdings`], with binomial standard errors.
fn write_holdings_csv(r: &Robustness, dir: &mut ExperimentDir) -> Result<()> {
    let summary: Vec<Vec<String>> = holdings(r)
        .iter()
        .map(|h| {
            let (p, se) = h.share();
            let (q, qse) = share(h.same_equivalence, h.settings);
            vec![
                h.group.clone(),
                h.design.clone(),
                h.outcome.statistic.clone(),
                h.outcome.wave.to_string(),
                num(h.reference.mean),
                num(h.reference.lo),
                num(h.reference.hi),
                h.sign.label().to_string(),
                h.equivalence.label().to_string(),
                h.settings.to_string(),
                h.same_sign.to_string(),
                num(p),
                num(se),
                h.same_equivalence.to_string(),
                num(q),
                num(qse),
                num(h.relative.0),
                num(h.relative.1),
            ]
        })
        .collect();
    dir.csv(
        "robustness_summary.csv",
        &[
            "group",
            "design",
            "statistic",
            "wave",
            "reference_difference",
            "reference_lower95",
            "reference_upper95",
            "reference_sign",
            "reference_equivalence",
            "settings",
            "same_sign",
            "same_sign_share",
            "same_sign_se",
            "same_equivalence",
            "same_equivalence_share",
            "same_equivalence_se",
            "relative_difference_min",
            "relative_difference_max",
        ],
        &summary,
    )
}

/// `robustness.md`: the holdings, then every group's settings.
pub fn markdown(r: &Robustness) -> String {
    let c = &r.reference;
    let mut md = format!(
        "# Robustness of the comparison against `{}`\n\n{} replicates per design and setting, master seed {}. A conclusion holds at a setting when the paired 95% interval there has the reference run's sign (above 0, below 0, covering 0); equivalence against a margin of 2% of the baseline's level. Standard errors are binomial, `sqrt(p (1 - p) / n)` over the settings.\n\n{}\n",
        c.designs[0],
        c.replicates,
        c.seed,
        holdings_table(r).markdown()
    );
    for g in groups(r) {
        md.push_str(&format!(
            "## Settings: {g}\n\nDifferences from `{}` (paired, 95% interval):\n\n{}\n",
            c.designs[0],
            setting_table(r, &g).markdown()
        ));
    }
    md
}
