//! The figures of a report, built from `summary.csv` and `targets.csv` rows.

use super::plot::bands::{BandGrid, Observed, Panel, Point, Series};
use super::plot::network::{kind_colour, origin_colour};
use super::plot::{LegendEntry, Swatch, palette};
use super::summary::Summary;
use super::targets::TargetRow;
use crate::data::Kind;
use crate::network::Origin;
use plotters::style::RGBColor;

/// The main statistics of the network, with their panel titles, in display order.
pub const MAIN_STATISTICS: [(&str, &str); 12] = [
    ("organisations", "Active organisations"),
    ("ties", "Ties"),
    ("mean_degree", "Mean degree"),
    ("density", "Density"),
    ("degree_centralization", "Degree centralization"),
    ("transitivity", "Transitivity"),
    ("largest_component_share", "Largest component (share)"),
    ("cross_kind_tie_share", "Ties across kinds (share)"),
    ("mean_trust", "Mean trust of ties"),
    (
        "ties_origin_share.baseline",
        "Ties of baseline origin (share)",
    ),
    ("adoption_share", "Adoption of the practice (share)"),
    ("initiative_share", "In new initiatives (share)"),
];

/// Archetype names in output order, with their labels.
pub const ARCHETYPES: [(&str, &str); 5] = [
    ("ente_gestore_centred", "ente-gestore-centred"),
    ("third_sector_centred", "third-sector-centred"),
    ("other_centred", "other-centred"),
    ("polycentric", "polycentric"),
    ("undetermined", "undetermined"),
];

/// Archetype colours, in [`ARCHETYPES`] order.
pub const ARCHETYPE_COLOURS: [RGBColor; 5] = [
    palette::BLUE,
    palette::GREEN,
    palette::PURPLE,
    palette::ORANGE,
    palette::GREY,
];

/// One run as the figures see it.
pub struct RunView<'a> {
    /// Legend label.
    pub label: String,
    /// Its summary.
    pub summary: &'a Summary,
    /// Its targets.
    pub targets: &'a [TargetRow],
    /// What one step is (`timeline.step_unit`, a month by default): the time axis's unit.
    pub step_unit: String,
}

/// Title of the time axis, in steps of `unit` (`month` by default).
pub fn time_axis(unit: &str) -> String {
    let unit = if unit.is_empty() || unit == "–" {
        "step"
    } else {
        unit
    };
    format!("{unit} (w1, w2, ...: observation waves)")
}

/// The y-axis title of a statistic: what it counts or measures, with its unit.
pub fn unit_of(statistic: &str) -> &'static str {
    let base = statistic.split('.').next().unwrap_or(statistic);
    match base {
        "organisations" | "entrants" => "organisations",
        "ties" | "programme_ties" | "new_ties" => "ties",
        "archetype_count" => "territories",
        "mean_degree" => "ties per organisation",
        "density" => "share of possible ties",
        "mean_trust" => "trust (0 to 1)",
        "degree_centralization" | "betweenness_centralization" => "centralization (0 to 1)",
        "transitivity" | "mean_local_clustering" => "clustering (0 to 1)",
        "components" => "components",
        "programme_cost" => "EUR",
        "adopter_degree_gap" | "adopter_tie_gain_gap" => "ties per organisation",
        "adoption_influence" | "adoption_selection" => "regression coefficient",
        "cost_per_lasting_tie" => "EUR per tie",
        b if b.ends_with("_share") || b.ends_with("_survival") || b.ends_with("_persistence") => {
            "share (0 to 1)"
        }
        _ => "value",
    }
}

/// Tick labels of the waves, at their months: `14 (w1)`.
pub fn wave_labels(s: &Summary) -> Vec<(f64, String)> {
    s.waves()
        .iter()
        .map(|&(w, step)| (step as f64, format!("{step} (w{w})")))
        .collect()
}

fn points(s: &Summary, scope: &str, statistic: &str) -> Vec<Point> {
    s.waves()
        .iter()
        .map(|&(w, step)| match s.get(scope, statistic, w) {
            Some(r) if r.d.n > 0 => Point {
                x: step as f64,
                mean: r.d.mean,
                lo: r.d.p2_5,
                hi: r.d.p97_5,
            },
            _ => Point {
                x: step as f64,
                mean: f64::NAN,
                lo: f64::NAN,
                hi: f64::NAN,
            },
        })
        .collect()
}

fn observed(s: &Summary, targets: &[TargetRow], statistic: &str) -> Vec<Observed> {
    let waves = s.waves();
    targets
        .iter()
        .filter(|t| t.scope == "network" && t.statistic == statistic)
        .filter_map(|t| {
            waves
                .iter()
                .find(|(w, _)| *w == t.wave)
                .map(|&(_, step)| (t, step))
        })
        .map(|(t, step)| Observed {
            x: step as f64,
            value: t.observed,
            se: t.observed_se,
        })
        .collect()
}

/// The panels of the trajectories figure: [`MAIN_STATISTICS`] and every other network-scope
/// target statistic.
pub fn trajectory_statistics(targets: &[&[TargetRow]]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = MAIN_STATISTICS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for ts in targets {
        for t in ts.iter().filter(|t| t.scope == "network") {
            if !out.iter().any(|(s, _)| *s == t.statistic) {
                out.push((t.statistic.clone(), t.statistic.clone()));
            }
        }
    }
    out
}

fn has_observed(runs: &[RunView<'_>], stats: &[(String, String)]) -> bool {
    runs.iter().any(|r| {
        r.targets
            .iter()
            .any(|t| t.scope == "network" && stats.iter().any(|(s, _)| *s == t.statistic))
    })
}

fn observed_entry() -> LegendEntry {
    LegendEntry {
        label: "observed (±1.96 SE)".into(),
        colour: palette::INK,
        swatch: Swatch::Observed,
    }
}

/// One panel per statistic, one series per run (a comparison), or one series (a run).
pub fn per_statistic_grid(
    runs: &[RunView<'_>],
    stats: &[(String, String)],
    cols: usize,
    title: String,
    subtitle: String,
) -> BandGrid {
    let panels = stats
        .iter()
        .map(|(stat, label)| Panel {
            title: label.clone(),
            y_title: unit_of(stat).to_string(),
            series: runs
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    label: r.label.clone(),
                    colour: palette::SERIES[i % palette::SERIES.len()],
                    points: points(r.summary, "network", stat),
                })
                .collect(),
            // Observations are the same for every run of a comparison: the first run's.
            observed: runs
                .iter()
                .find(|r| r.targets.iter().any(|t| t.statistic == *stat))
                .map(|r| observed(r.summary, r.targets, stat))
                .unwrap_or_default(),
        })
        .collect();
    let swatch = if runs.len() == 1 {
        Swatch::Band
    } else {
        Swatch::Line
    };
    let mut legend: Vec<LegendEntry> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| LegendEntry {
            label: r.label.clone(),
            colour: palette::SERIES[i % palette::SERIES.len()],
            swatch,
        })
        .collect();
    if has_observed(runs, stats) {
        legend.push(observed_entry());
    }
    let x_labels = runs
        .first()
        .map(|r| wave_labels(r.summary))
        .unwrap_or_default();
    BandGrid {
        title,
        subtitle,
        panels,
        cols,
        panel_size: (300, 230),
        x_labels,
        x_title: time_axis(runs.first().map_or("step", |r| r.step_unit.as_str())),
        // Several runs: from 0, so the axis shows how large a difference is.
        zero_based: runs.len() > 1,
        legend,
    }
}

/// One panel with a series per statistic (organisations by kind, origins, archetypes).
pub fn one_panel(
    run: &RunView<'_>,
    series: &[(String, String, RGBColor)],
    panel_title: &str,
    title: String,
    subtitle: String,
) -> BandGrid {
    let panel = Panel {
        title: panel_title.to_string(),
        y_title: series
            .first()
            .map_or("value", |(stat, _, _)| unit_of(stat))
            .to_string(),
        series: series
            .iter()
            .map(|(stat, label, colour)| Series {
                label: label.clone(),
                colour: *colour,
                points: points(run.summary, "network", stat),
            })
            .collect(),
        observed: Vec::new(),
    };
    let legend = series
        .iter()
        .map(|(_, label, colour)| LegendEntry {
            label: label.clone(),
            colour: *colour,
            swatch: if series.len() == 1 {
                Swatch::Band
            } else {
                Swatch::Line
            },
        })
        .collect();
    BandGrid {
        title,
        subtitle,
        panels: vec![panel],
        cols: 1,
        panel_size: (500, 300),
        x_labels: wave_labels(run.summary),
        x_title: time_axis(&run.step_unit),
        zero_based: false,
        legend,
    }
}

/// Organisations by kind: statistic, label, colour.
pub fn kind_series() -> Vec<(String, String, RGBColor)> {
    Kind::ALL
        .iter()
        .map(|&k| {
            (
                format!("organisations.{k}"),
                k.name().replace('_', " "),
                kind_colour(k),
            )
        })
        .collect()
}

/// Tie origin shares: statistic, label, colour.
pub fn origin_series() -> Vec<(String, String, RGBColor)> {
    Origin::ALL
        .iter()
        .map(|&o| {
            (
                format!("ties_origin_share.{}", o.name()),
                o.name().replace('_', "-"),
                origin_colour(o),
            )
        })
        .collect()
}

/// Archetype counts that are not zero in every replicate of some run: statistic, label,
/// colour.
pub fn archetype_series(summaries: &[&Summary]) -> Vec<(String, String, RGBColor)> {
    ARCHETYPES
        .iter()
        .zip(ARCHETYPE_COLOURS)
        .map(|(&(a, label), c)| (format!("archetype_count.{a}"), label.to_string(), c))
        .filter(|(stat, _, _)| {
            summaries.iter().any(|s| {
                s.rows
                    .iter()
                    .any(|r| r.scope == "network" && r.statistic == *stat && r.d.max > 0.0)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unit_of;

    #[test]
    fn every_main_statistic_has_a_unit() {
        for (stat, _) in super::MAIN_STATISTICS {
            assert_ne!(unit_of(stat), "value", "{stat}");
        }
        assert_eq!(unit_of("organisations.firm"), "organisations");
        assert_eq!(unit_of("ties_origin_share.baseline"), "share (0 to 1)");
        assert_eq!(unit_of("archetype_count.polycentric"), "territories");
    }
}
