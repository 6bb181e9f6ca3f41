//! Wave statistics (MODEL.md section 8), computed on [`Snapshot`]s.
//!
//! Output is tidy: one [`StatRow`] per (scope, statistic). The scope is `network` for the whole
//! network or `territory:<name>` for one territory.

use crate::data::Kind;
use crate::network::{Origin, Snapshot};

/// One statistic value for one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    /// `network` or `territory:<name>`.
    pub scope: String,
    /// Statistic name, e.g. `ties`, `organisations.third_sector`.
    pub statistic: String,
    /// Value (NaN only where documented).
    pub value: f64,
}

/// Options for wave statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsOptions {
    /// Also compute every statistic per territory.
    pub per_territory: bool,
    /// Degree centralization at or above which a partnership counts as centred.
    pub archetype_threshold: f64,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            per_territory: false,
            archetype_threshold: 0.5,
        }
    }
}

/// What the statistics of one wave may look at.
#[derive(Debug, Clone, Copy)]
pub struct WaveContext<'a> {
    /// The wave being described.
    pub current: &'a Snapshot,
    /// The previous wave, for change statistics.
    pub previous: Option<&'a Snapshot>,
    /// The first wave, for `initiative_share`.
    pub first: Option<&'a Snapshot>,
}

/// All statistics of one wave.
pub fn wave_statistics(ctx: WaveContext<'_>, _opts: &StatsOptions) -> Vec<StatRow> {
    let s = ctx.current;
    let mut out = Vec::new();
    let mut push = |name: String, value: f64| {
        out.push(StatRow {
            scope: "network".to_string(),
            statistic: name,
            value,
        })
    };
    let n = s.active.iter().filter(|&&a| a).count();
    push("organisations".into(), n as f64);
    for k in Kind::ALL {
        let c = (0..s.len())
            .filter(|&i| s.active[i] && s.nodes.kind[i] == k)
            .count();
        push(format!("organisations.{k}"), c as f64);
    }
    let m = s.ties.len();
    push("ties".into(), m as f64);
    let pairs = n as f64 * (n as f64 - 1.0) / 2.0;
    push(
        "density".into(),
        if pairs > 0.0 { m as f64 / pairs } else { 0.0 },
    );
    for o in Origin::ALL {
        let c = s.ties.iter().filter(|t| t.origin == o).count();
        push(
            format!("ties_origin_share.{}", o.name()),
            if m > 0 { c as f64 / m as f64 } else { f64::NAN },
        );
    }
    let adopted = (0..s.len())
        .filter(|&i| s.active[i] && s.adopted[i])
        .count();
    push(
        "adoption_share".into(),
        if n > 0 {
            adopted as f64 / n as f64
        } else {
            f64::NAN
        },
    );
    if let Some(prev) = ctx.previous {
        for k in Kind::ALL {
            let c = (0..s.len())
                .filter(|&i| s.active[i] && !prev.active[i] && s.nodes.kind[i] == k)
                .count();
            push(format!("entrants.{k}"), c as f64);
        }
    }
    if let Some(first) = ctx.first {
        let base: Vec<usize> = (0..s.len()).filter(|&i| first.active[i]).collect();
        let joined = base.iter().filter(|&&i| s.initiative[i]).count();
        push(
            "initiative_share".into(),
            if base.is_empty() {
                f64::NAN
            } else {
                joined as f64 / base.len() as f64
            },
        );
    }
    out
}
