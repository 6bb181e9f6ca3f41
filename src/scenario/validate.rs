//! Range checks on a parsed scenario; each problem is reported with its key path.

use super::Scenario;
use super::effect::{Coefficient, Process};
use super::params::{KindTable, PerPhase};
use crate::data::{Kind, PerKind};
use crate::limits;

type Problems = Vec<(String, String)>;

fn finite(out: &mut Problems, key: &str, v: f64) {
    if !v.is_finite() {
        out.push((key.into(), format!("must be a finite number, got {v}")));
    }
}

fn non_negative(out: &mut Problems, key: &str, v: f64) {
    if !(v.is_finite() && v >= 0.0) {
        out.push((key.into(), format!("must be a finite number >= 0, got {v}")));
    }
}

/// A mean count of events per step: finite, `>= 0` and at most [`limits::RATE`].
fn rate(out: &mut Problems, key: &str, v: f64) {
    if !(v.is_finite() && v >= 0.0) {
        non_negative(out, key, v);
    } else if v > limits::RATE {
        out.push((
            key.into(),
            format!(
                "{v} is above the limit of {} events per step (see docs/errors.md, \"Limits\")",
                limits::RATE
            ),
        ));
    }
}

/// A count of steps: at most [`limits::STEPS`].
fn steps(out: &mut Problems, key: &str, v: u32) {
    if let Some(m) = limits::exceeds(u64::from(v), limits::STEPS) {
        out.push((key.into(), m));
    }
}

fn unit(out: &mut Problems, key: &str, v: f64) {
    if !(0.0..=1.0).contains(&v) {
        out.push((key.into(), format!("must lie in [0, 1], got {v}")));
    }
}

fn phases(out: &mut Problems, key: &str, v: &PerPhase, check: fn(&mut Problems, &str, f64)) {
    check(out, &format!("{key}.pre"), v.pre);
    check(out, &format!("{key}.programme"), v.programme);
    check(out, &format!("{key}.post"), v.post);
}

/// A `period_offset` list: finite values, at most one per period the timeline has (one per
/// wave: the periods between waves and the one after the last).
fn periods(out: &mut Problems, key: &str, v: &[f64], s: &Scenario) {
    let n = s.timeline.waves.len();
    if v.len() > n {
        out.push((
            key.into(),
            format!(
                "has {} entries but the timeline's {n} waves make {n} periods (period k runs \
                 from wave k to wave k + 1)",
                v.len()
            ),
        ));
    }
    for (k, &x) in v.iter().enumerate() {
        finite(out, &format!("{key}[{k}]"), x);
    }
}

/// The effect period offsets of `process`: each names a scalar effect of the process and is a
/// `period_offset` list.
fn effect_periods(out: &mut Problems, process: Process, s: &Scenario) {
    let Some(map) = s.params().effect_period_offset(process).cloned() else {
        return;
    };
    let p = process.name();
    for (name, list) in &map {
        let key = format!("{p}.effect_period_offset.{name}");
        match process.effect(name) {
            Some(e) if e.coefficient == Coefficient::Scalar => periods(out, &key, list, s),
            _ => {
                let hint = process
                    .nearest(name)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                out.push((
                    key,
                    format!(
                        "`{name}` is not a scalar effect of {p}{hint}; `wecare effects` lists them"
                    ),
                ));
            }
        }
    }
}

fn per_kind(out: &mut Problems, key: &str, v: &PerKind<f64>, check: fn(&mut Problems, &str, f64)) {
    for k in Kind::ALL {
        check(out, &format!("{key}.{k}"), v.get(k));
    }
}

fn table(out: &mut Problems, key: &str, t: &KindTable) {
    for k in Kind::ALL {
        per_kind(out, &format!("{key}.{k}"), &t.get(k), finite);
    }
}

/// Unknown effect names (with the nearest known name) and non-finite coefficients.
fn effects(out: &mut Problems, s: &Scenario, process: Process) {
    let p = process.name();
    let values = match process {
        Process::Formation => &s.formation.effects,
        Process::Dissolution => &s.dissolution.effects,
        Process::Adoption => &s.adoption.effects,
        Process::Initiative => &s.initiative.effects,
    };
    for (name, v) in values.iter() {
        let key = format!("{p}.effects.{name}");
        match process.effect(name) {
            Some(e) if e.coefficient == Coefficient::Scalar => finite(out, &key, v),
            _ => {
                let hint = match process.nearest(name) {
                    Some(n) => format!("; did you mean `{n}`?"),
                    None => String::new(),
                };
                out.push((
                    key,
                    format!(
                        "unknown {p} effect `{name}`{hint} (`wecare effects` lists every effect)"
                    ),
                ));
            }
        }
    }
}

/// Every out-of-range value, as (key path, message).
pub(super) fn check(s: &Scenario) -> Problems {
    let mut out = Problems::new();
    let o = &mut out;
    timeline(o, s);
    formation(o, s);
    dissolution(o, s);
    processes(o, s);
    funding_and_runs(o, s);
    data_and_targets(o, s);
    o.extend(super::pattern::check(&s.patterns, s.timeline.waves.len()));
    o.extend(super::sweep::check(s));
    o.extend(super::calibration::check(
        &s.calibration,
        s.timeline.waves.len(),
    ));
    o.extend(super::calibration::check_priors(s, check));
    for (k, p) in s.projects.iter().enumerate() {
        if !(p.budget.is_finite() && p.budget > 0.0) {
            o.push((
                format!("projects[{k}].budget"),
                format!("must be a positive amount in EUR, got {}", p.budget),
            ));
        }
    }
    out
}

/// The timeline: its length within limits, a programme phase, increasing waves inside it.
fn timeline(o: &mut Problems, s: &Scenario) {
    let t = &s.timeline;
    // Checked in u64 so that huge phases cannot wrap into a short timeline.
    let steps = t.pre as u64 + t.programme as u64 + t.post as u64;
    if let Some(m) = limits::exceeds(steps, limits::STEPS) {
        let key = [("pre", t.pre), ("programme", t.programme), ("post", t.post)]
            .into_iter()
            .max_by_key(|x| x.1)
            .map_or("timeline", |x| x.0);
        o.push((
            format!("timeline.{key}"),
            format!(
                "the timeline has pre {} + programme {} + post {} steps: {m}",
                t.pre, t.programme, t.post
            ),
        ));
    }
    if t.programme == 0 {
        o.push((
            "timeline.programme".into(),
            "must be at least 1 step".into(),
        ));
    }
    if t.waves.is_empty() {
        o.push((
            "timeline.waves".into(),
            "give at least one wave step".into(),
        ));
    }
    for (k, &w) in t.waves.iter().enumerate() {
        if u64::from(w) >= steps {
            o.push((
                format!("timeline.waves[{k}]"),
                format!(
                    "wave at step {w} is outside the timeline (steps 0..{steps} = pre {} + programme {} + post {})",
                    t.pre,
                    t.programme,
                    t.post
                ),
            ));
        }
        if k > 0 && t.waves[k - 1] >= w {
            o.push((
                format!("timeline.waves[{k}]"),
                "wave steps must be strictly increasing".into(),
            ));
        }
    }
}

/// Formation: rates, bases, the mix table and the candidate weights.
fn formation(o: &mut Problems, s: &Scenario) {
    let f = &s.formation;
    phases(o, "formation.rate", &f.rate, rate);
    phases(o, "formation.base", &f.base, finite);
    periods(o, "formation.period_offset", &f.period_offset, s);
    effect_periods(o, Process::Formation, s);
    table(o, "formation.mix", &f.mix);
    let c = &f.candidates;
    for (k, v) in [
        ("dormant", c.dormant),
        ("closure", c.closure),
        ("territory", c.territory),
        ("anyone", c.anyone),
    ] {
        non_negative(o, &format!("formation.candidates.{k}"), v);
    }
    if c.dormant + c.closure + c.territory + c.anyone <= 0.0 {
        o.push((
            "formation.candidates".into(),
            "at least one candidate weight must be positive".into(),
        ));
    }
}

/// Dissolution: bases and a symmetric mix table.
fn dissolution(o: &mut Problems, s: &Scenario) {
    let d = &s.dissolution;
    phases(o, "dissolution.base", &d.base, finite);
    periods(o, "dissolution.period_offset", &d.period_offset, s);
    effect_periods(o, Process::Dissolution, s);
    table(o, "dissolution.mix", &d.mix);
    for a in Kind::ALL {
        for b in Kind::ALL {
            if a < b && d.mix.get(a).get(b) != d.mix.get(b).get(a) {
                // Name the entry that was set (its mirror is usually the missing one).
                let (x, y) = if d.mix.get(a).get(b) != 0.0 {
                    (a, b)
                } else {
                    (b, a)
                };
                o.push((
                    format!("dissolution.mix.{x}.{y}"),
                    format!(
                        "the dissolution table must be symmetric: mix.{a}.{b} = {} but mix.{b}.{a} = {}",
                        d.mix.get(a).get(b),
                        d.mix.get(b).get(a)
                    ),
                ));
            }
        }
    }
}

/// Trust, adoption, initiatives and the effects of every process.
fn processes(o: &mut Problems, s: &Scenario) {
    let tr = &s.trust;
    for (k, v) in [
        ("baseline", tr.baseline),
        ("history", tr.history),
        ("new_tie", tr.new_tie),
        ("learn", tr.learn),
        ("learn_project", tr.learn_project),
        ("decay", tr.decay),
    ] {
        unit(o, &format!("trust.{k}"), v);
    }

    finite(o, "adoption.base", s.adoption.base);
    let i = &s.initiative;
    finite(o, "initiative.base", i.base);
    for process in Process::ALL {
        effects(o, s, process);
    }
    rate(o, "initiative.partners_mean", i.partners_mean);
    unit(o, "initiative.from_ties", i.from_ties);
}

/// Funding, observation, Monte Carlo settings and kept networks.
fn funding_and_runs(o: &mut Problems, s: &Scenario) {
    let fu = &s.funding;
    rate(o, "funding.recruit_rate", fu.recruit_rate);
    steps(o, "funding.follow_on", fu.follow_on);
    steps(o, "rules.baseline_age", s.rules.baseline_age);
    per_kind(
        o,
        "funding.recruit_weight",
        &fu.recruit_weight,
        non_negative,
    );
    if fu.lead_eligible.is_empty() {
        o.push((
            "funding.lead_eligible".into(),
            "at least one kind must be allowed to lead".into(),
        ));
    }

    unit(
        o,
        "observation.archetype_threshold",
        s.observation.archetype_threshold,
    );
    if s.montecarlo.replicates == 0 {
        o.push(("montecarlo.replicates".into(), "must be at least 1".into()));
    }
    if let Some(m) = limits::exceeds(s.montecarlo.replicates, limits::REPLICATES) {
        o.push(("montecarlo.replicates".into(), m));
    }
    if s.montecarlo.seed > i64::MAX as u64 {
        // Run records are TOML, whose integers are signed 64-bit.
        o.push((
            "montecarlo.seed".into(),
            format!(
                "{} is above the largest seed, {} (2^63 - 1)",
                s.montecarlo.seed,
                i64::MAX
            ),
        ));
    }
    if let Some(m) = limits::exceeds(s.montecarlo.threads as u64, limits::THREADS) {
        o.push(("montecarlo.threads".into(), m));
    }
    if let Some(problem) = s.output.networks_problem(s.montecarlo.replicates) {
        o.push(("output.networks".into(), problem));
    }
}

/// The data files, inline projects and calibration targets.
fn data_and_targets(o: &mut Problems, s: &Scenario) {
    if s.data.organisations.is_none() && s.data.graphml.is_none() {
        o.push((
            "data.organisations".into(),
            "give an organisations file (or data.graphml)".into(),
        ));
    }
    if s.data.graphml.is_some()
        && (s.data.organisations.is_some() || s.data.ties.is_some() || s.data.history.is_some())
    {
        o.push((
            "data.graphml".into(),
            "give either data.graphml or the organisations/ties/history CSV files, not both".into(),
        ));
    }
    if s.data.projects.is_some() && !s.projects.is_empty() {
        o.push((
            "projects".into(),
            "projects are given both inline and in data.projects; keep one".into(),
        ));
    }
    for (k, t) in s.targets.iter().enumerate() {
        if t.wave == 0 || t.wave > s.timeline.waves.len() {
            o.push((
                format!("targets[{k}].wave"),
                format!(
                    "wave {} does not exist (the timeline has {} waves, numbered from 1)",
                    t.wave,
                    s.timeline.waves.len()
                ),
            ));
        }
        finite(o, &format!("targets[{k}].value"), t.value);
        if !(t.se.is_finite() && t.se > 0.0) {
            o.push((
                format!("targets[{k}].se"),
                format!("must be a positive standard error, got {}", t.se),
            ));
        }
    }
}
