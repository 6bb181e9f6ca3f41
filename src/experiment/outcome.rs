//! Outcomes of one replicate: every network-scope wave statistic (`docs/statistics.md`) plus
//! the derived statistics the experiments need (survival of programme ties, programme cost,
//! cost per lasting tie, adopter gaps), each named `statistic@wave`.
//!
//! Experiments run many replicates of several variants (designs, parameter points) through the
//! ensemble [`Runner`] ([`Outcomes`]). Replicate k of every
//! variant uses the streams of (master seed, k): common random numbers.

use crate::ensemble::Runner;
use crate::model::Model;
use crate::network::{Origin, Snapshot};
use crate::stats::{StatsOptions, WaveContext, wave_table};
use rayon::prelude::*;
use std::collections::HashMap;

pub use crate::scenario::outcome::{Key, lasting_outcomes, parse_keys};

/// The derived statistics, with their definitions (added to the wave statistics).
pub const DERIVED: [(&str, &str); 12] = [
    (
        "programme_ties",
        "active ties of origin `programme` (formed while the programme ran)",
    ),
    (
        "new_ties",
        "ties active now and not at the previous wave (from wave 2)",
    ),
    (
        "programme_tie_survival",
        "share of the programme-origin ties of the previous wave still active now (from wave 2)",
    ),
    (
        "adopter_degree_gap",
        "mean degree of active adopters minus that of active non-adopters",
    ),
    (
        "adopter_tie_gain_gap",
        "mean change of degree since the previous wave, organisations that had adopted by then minus those that had not (organisations active at both waves; from wave 2)",
    ),
    (
        "adoption_influence",
        "organisation-level panel regression across waves: coefficient of having adopted by the previous wave on the change of degree since then, controlling for the degree then (organisations active at both waves; from wave 2): adoption's influence on ties, net of selection on degree",
    ),
    (
        "adoption_selection",
        "organisation-level panel regression across waves: slope of adopting since the previous wave (0/1) on the degree then, among the organisations active at both waves that had not adopted (from wave 2): selection of well-tied organisations into adoption",
    ),
    (
        "adopter_initiative_gap",
        "share in initiatives of the wave-1 organisations that adopted by now minus that of the others",
    ),
    (
        "programme_cost",
        "EUR spent: the projects' budgets, plus follow-on funding at each project's monthly programme rate (last wave)",
    ),
    (
        "cost_per_lasting_tie",
        "programme_cost / programme_ties: EUR per programme-origin tie still active (last wave)",
    ),
    (
        "programme_ties_rate",
        "programme_ties per organisation active at wave 1",
    ),
    (
        "entrants_rate",
        "entrants since the previous wave per organisation active at wave 1 (from wave 2)",
    ),
];

/// One observed value of one replicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    /// Statistic name.
    pub statistic: &'static str,
    /// Wave, 1-based.
    pub wave: usize,
    /// Value (NaN where undefined).
    pub value: f64,
}

/// The snapshots of one replicate and what was spent on it.
#[derive(Debug, Clone)]
pub struct Replicate {
    /// One snapshot per wave.
    pub waves: Vec<Snapshot>,
    /// EUR spent (see [`DERIVED`], `programme_cost`).
    pub cost: f64,
    /// The pre-programme network ([`Model::pre_programme`]).
    pub pre: std::sync::Arc<Snapshot>,
}

/// Runs replicate `r` of `model` from master seed `seed`, step by step, and prices it.
pub fn run_replicate(model: &Model, seed: u64, r: u64) -> Replicate {
    let mut sim = model.simulation(seed, r);
    let waves = sim.run_to_end();
    let p = model.params();
    let months = p.timeline.programme.max(1) as f64;
    let extra = p.funding.follow_on as f64;
    let cost = sim
        .world()
        .projects
        .iter()
        .map(|pr| pr.budget * (1.0 + if pr.follow_on { extra / months } else { 0.0 }))
        .sum();
    Replicate {
        waves,
        cost,
        pre: model.pre_programme_shared(),
    }
}

fn degrees(s: &Snapshot) -> Vec<u32> {
    let mut d = vec![0u32; s.len()];
    for t in &s.ties {
        d[t.a as usize] += 1;
        d[t.b as usize] += 1;
    }
    d
}

fn mean_gap(pairs: impl Iterator<Item = (bool, f64)>) -> f64 {
    let (mut s, mut n) = ([0.0f64; 2], [0usize; 2]);
    for (g, v) in pairs {
        s[g as usize] += v;
        n[g as usize] += 1;
    }
    if n[0] == 0 || n[1] == 0 {
        f64::NAN
    } else {
        s[1] / n[1] as f64 - s[0] / n[0] as f64
    }
}

/// Least-squares slope of `y` on `x` over the points; NaN when `x` does not vary.
fn ols1(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let p: Vec<(f64, f64)> = points.collect();
    let n = p.len() as f64;
    if p.len() < 2 {
        return f64::NAN;
    }
    let (mx, my) = (
        p.iter().map(|q| q.0).sum::<f64>() / n,
        p.iter().map(|q| q.1).sum::<f64>() / n,
    );
    let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
    let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
    if sxx > 0.0 { sxy / sxx } else { f64::NAN }
}

/// Least-squares coefficient of `x1` in `y = b0 + b1 x1 + b2 x2` over points `(x1, x2, y)`;
/// NaN when `x1` and `x2` are collinear or `x1` does not vary.
fn ols2(points: impl Iterator<Item = (f64, f64, f64)>) -> f64 {
    let p: Vec<(f64, f64, f64)> = points.collect();
    let n = p.len() as f64;
    if p.len() < 3 {
        return f64::NAN;
    }
    let m = |f: &dyn Fn(&(f64, f64, f64)) -> f64| p.iter().map(f).sum::<f64>() / n;
    let (m1, m2, my) = (m(&|q| q.0), m(&|q| q.1), m(&|q| q.2));
    let s = |f: &dyn Fn(&(f64, f64, f64)) -> f64| p.iter().map(f).sum::<f64>();
    let s11 = s(&|q| (q.0 - m1).powi(2));
    let s22 = s(&|q| (q.1 - m2).powi(2));
    let s12 = s(&|q| (q.0 - m1) * (q.1 - m2));
    let s1y = s(&|q| (q.0 - m1) * (q.2 - my));
    let s2y = s(&|q| (q.1 - m2) * (q.2 - my));
    let det = s11 * s22 - s12 * s12;
    if det.abs() <= 1e-12 * (s11 * s22).max(1e-300) || s11 == 0.0 {
        return f64::NAN;
    }
    (s22 * s1y - s12 * s2y) / det
}

fn flag(v: &[bool], i: usize) -> bool {
    v.get(i).copied().unwrap_or(false)
}

/// The derived statistics of wave `k` (0-based) of a replicate.
fn derived(rep: &Replicate, k: usize, out: &mut Vec<Obs>) {
    let s = &rep.waves[k];
    let wave = k + 1;
    let mut put = |statistic: &'static str, value: f64| {
        out.push(Obs {
            statistic,
            wave,
            value,
        })
    };
    let programme = s
        .ties
        .iter()
        .filter(|t| t.origin == Origin::Programme)
        .count();
    put("programme_ties", programme as f64);
    let first = &rep.waves[0];
    let n1 = first.active.iter().filter(|&&a| a).count();
    put(
        "programme_ties_rate",
        if n1 == 0 {
            f64::NAN
        } else {
            programme as f64 / n1 as f64
        },
    );
    let deg = degrees(s);
    put(
        "adopter_degree_gap",
        mean_gap(
            (0..s.len())
                .filter(|&i| s.active[i])
                .map(|i| (flag(&s.adopted, i), deg[i] as f64)),
        ),
    );
    put(
        "adopter_initiative_gap",
        mean_gap(
            (0..s.len())
                .filter(|&i| first.active[i])
                .map(|i| (flag(&s.adopted, i), flag(&s.initiative, i) as u8 as f64)),
        ),
    );
    if k > 0 {
        change_since(&rep.waves[k - 1], s, n1, &deg, &mut put);
    }
    if k + 1 == rep.waves.len() {
        put("programme_cost", rep.cost);
        put(
            "cost_per_lasting_tie",
            if programme == 0 {
                f64::NAN
            } else {
                rep.cost / programme as f64
            },
        );
    }
}

/// The derived statistics of the change from the previous wave `prev` to `s` (`n1`
/// organisations active at wave 1, `deg` the degrees at `s`), in the order of [`DERIVED`].
fn change_since(
    prev: &Snapshot,
    s: &Snapshot,
    n1: usize,
    deg: &[u32],
    put: &mut impl FnMut(&'static str, f64),
) {
    let key = |t: &crate::network::SnapTie| (t.a, t.b);
    let before: std::collections::HashSet<(u32, u32)> = prev.ties.iter().map(key).collect();
    let now: std::collections::HashSet<(u32, u32)> = s.ties.iter().map(key).collect();
    put(
        "new_ties",
        s.ties.iter().filter(|t| !before.contains(&key(t))).count() as f64,
    );
    let prog: Vec<_> = prev
        .ties
        .iter()
        .filter(|t| t.origin == Origin::Programme)
        .collect();
    let kept = prog.iter().filter(|t| now.contains(&key(t))).count();
    put(
        "programme_tie_survival",
        if prog.is_empty() {
            f64::NAN
        } else {
            kept as f64 / prog.len() as f64
        },
    );
    let dprev = degrees(prev);
    put(
        "adopter_tie_gain_gap",
        mean_gap(
            (0..s.len())
                .filter(|&i| s.active[i] && prev.active[i])
                .map(|i| (flag(&prev.adopted, i), deg[i] as f64 - dprev[i] as f64)),
        ),
    );
    let both: Vec<usize> = (0..s.len())
        .filter(|&i| s.active[i] && prev.active[i])
        .collect();
    put(
        "adoption_influence",
        ols2(both.iter().map(|&i| {
            (
                flag(&prev.adopted, i) as u8 as f64,
                dprev[i] as f64,
                deg[i] as f64 - dprev[i] as f64,
            )
        })),
    );
    put(
        "adoption_selection",
        ols1(
            both.iter()
                .filter(|&&i| !flag(&prev.adopted, i))
                .map(|&i| (dprev[i] as f64, flag(&s.adopted, i) as u8 as f64)),
        ),
    );
    let entrants = (0..s.len())
        .filter(|&i| s.active[i] && !prev.active[i])
        .count();
    put(
        "entrants_rate",
        if n1 == 0 {
            f64::NAN
        } else {
            entrants as f64 / n1 as f64
        },
    );
}

/// Every outcome of a replicate: the network-scope wave statistics and [`DERIVED`], wave by
/// wave.
pub fn observe(rep: &Replicate, stats: &StatsOptions) -> Vec<Obs> {
    let mut out = Vec::with_capacity(128 * rep.waves.len());
    let opts = StatsOptions {
        per_territory: false,
        ..stats.clone()
    };
    for k in 0..rep.waves.len() {
        let ctx = WaveContext {
            current: &rep.waves[k],
            previous: k.checked_sub(1).map(|p| &rep.waves[p]),
            first: Some(&rep.waves[0]),
            pre: Some(&rep.pre),
        };
        let table = wave_table(ctx, &opts);
        out.extend(table.rows.iter().map(|r| Obs {
            statistic: r.statistic,
            wave: k + 1,
            value: r.value,
        }));
        derived(rep, k, &mut out);
    }
    out
}

/// Refuses outcomes that no replicate reports (an unknown statistic, a wave after the last, a
/// wave-2 statistic at wave 1), which would otherwise be columns of NaN. One replicate of
/// `model` is observed with `stats` to list the outcomes it reports; a statistic left out of
/// `stats`'s selection is named as such.
pub fn check_keys(
    model: &Model,
    keys: &[Key],
    stats: &StatsOptions,
) -> std::result::Result<(), String> {
    if keys.is_empty() {
        return Ok(());
    }
    for k in keys {
        let name = k.statistic.as_str();
        if !stats.statistics.wants(name) && crate::stats::all_statistics().contains(&name) {
            return Err(format!(
                "`{k}`: `{name}` is not among the observed statistics (--statistics or \
                 observation.statistics)"
            ));
        }
    }
    let rep = run_replicate(model, 0, 0);
    let obs = observe(&rep, stats);
    let known: std::collections::HashSet<(&str, usize)> =
        obs.iter().map(|o| (o.statistic, o.wave)).collect();
    let waves = rep.waves.len();
    for k in keys {
        if k.wave > waves {
            return Err(format!(
                "`{k}`: wave {} does not exist (the timeline has {waves} waves)",
                k.wave
            ));
        }
        if !known.contains(&(k.statistic.as_str(), k.wave)) {
            let mut names: Vec<&str> = obs.iter().map(|o| o.statistic).collect();
            names.sort_unstable();
            names.dedup();
            let at_all = names.contains(&k.statistic.as_str());
            return Err(if at_all {
                format!(
                    "`{k}`: `{}` is not reported at wave {}",
                    k.statistic, k.wave
                )
            } else {
                format!(
                    "`{k}`: no outcome `{}` (docs/statistics.md; known: {})",
                    k.statistic,
                    names.join(", ")
                )
            });
        }
    }
    Ok(())
}

/// Where each of a list of outcomes goes in a row: reads one replicate's observations into the
/// row of an [`OutcomeTable`] with these keys.
#[derive(Debug, Clone)]
pub struct KeyIndex<'a> {
    index: HashMap<(&'a str, usize), usize>,
    len: usize,
}

impl<'a> KeyIndex<'a> {
    /// The positions of `keys`.
    pub fn new(keys: &'a [Key]) -> KeyIndex<'a> {
        KeyIndex {
            index: keys
                .iter()
                .enumerate()
                .map(|(c, k)| ((k.statistic.as_str(), k.wave), c))
                .collect(),
            len: keys.len(),
        }
    }

    /// The values of the keys in `obs`, NaN for a key `obs` does not report.
    pub fn row(&self, obs: Vec<Obs>) -> Vec<f64> {
        let mut row = vec![f64::NAN; self.len];
        for x in obs {
            if let Some(&c) = self.index.get(&(x.statistic, x.wave)) {
                row[c] = x.value;
            }
        }
        row
    }
}

/// Which outcomes to keep.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every outcome.
    All,
    /// These, in this order (NaN where a variant does not report one).
    Keys(Vec<Key>),
}

/// Outcomes of many replicates of one variant: a column per key, a row per replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeTable {
    /// Column names.
    pub keys: Vec<Key>,
    /// `rows[r][c]`: replicate r, outcome `keys[c]`.
    pub rows: Vec<Vec<f64>>,
}

impl OutcomeTable {
    /// Position of a key.
    pub fn position(&self, key: &Key) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    /// The values of one outcome over replicates (NaN everywhere when absent).
    pub fn column(&self, key: &Key) -> Vec<f64> {
        match self.position(key) {
            Some(c) => self.rows.iter().map(|r| r[c]).collect(),
            None => vec![f64::NAN; self.rows.len()],
        }
    }
}

/// Outcome tables from the ensemble runner.
pub trait Outcomes {
    /// `replicates` replicates of each model (replicate k of every model from (seed, k)),
    /// observed and reduced to `select`; one table per model.
    fn outcomes(
        &self,
        label: &str,
        models: &[&Model],
        seed: u64,
        replicates: u64,
        select: &Selection,
    ) -> Vec<OutcomeTable>;
}

impl Outcomes for Runner<'_> {
    fn outcomes(
        &self,
        label: &str,
        models: &[&Model],
        seed: u64,
        replicates: u64,
        select: &Selection,
    ) -> Vec<OutcomeTable> {
        let reps = replicates as usize;
        let stats = &self.stats;
        // Column names per model: the selection, or every outcome of a probe replicate.
        let keys: Vec<Vec<Key>> = match select {
            Selection::Keys(k) => vec![k.clone(); models.len()],
            Selection::All => self.install(|| {
                models
                    .par_iter()
                    .map(|m| {
                        observe(&run_replicate(m, seed, 0), stats)
                            .iter()
                            .map(|x| Key::new(x.statistic, x.wave))
                            .collect()
                    })
                    .collect()
            }),
        };
        let index: Vec<KeyIndex> = keys.iter().map(|ks| KeyIndex::new(ks)).collect();
        let rows = self.map(label, models.len() * reps, |j| {
            let (m, r) = (j / reps, j % reps);
            index[m].row(observe(&run_replicate(models[m], seed, r as u64), stats))
        });
        let mut it = rows.into_iter();
        keys.into_iter()
            .map(|keys| OutcomeTable {
                keys,
                rows: it.by_ref().take(reps).collect(),
            })
            .collect()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_regressions_recover_known_coefficients() {
        // y = 1 + 2 x1 - 0.5 x2 exactly, with x1 and x2 correlated but not collinear.
        let pts: Vec<(f64, f64, f64)> = (0..20)
            .map(|k| {
                let (x1, x2) = ((k % 2) as f64, (k as f64).sqrt() + (k % 3) as f64);
                (x1, x2, 1.0 + 2.0 * x1 - 0.5 * x2)
            })
            .collect();
        assert!((ols2(pts.iter().copied()) - 2.0).abs() < 1e-9);
        assert!(ols2([(1.0, 2.0, 3.0), (1.0, 3.0, 4.0), (1.0, 4.0, 5.0)].into_iter()).is_nan());
        assert!((ols1([(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)].into_iter()) - 2.0).abs() < 1e-12);
        assert!(ols1([(1.0, 1.0), (1.0, 3.0)].into_iter()).is_nan());
    }
}
