//! The violin plot of the goodness-of-fit tests, as `sienaGOF`'s plot: one panel per test
//! (family by wave, and joint), a violin per auxiliary statistic (the density of the simulated
//! values, Gaussian kernel with Silverman's bandwidth, and their 2.5-97.5% range), the observed
//! values as a black line with dots, and the p-value in the title.

use super::gof::GofTest;
use crate::report::plot::{Chart, Figure, bold, err, house_mesh, palette, px};
use crate::stats::quantile::quantile_sorted;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Panel size, nominal pixels.
const PANEL: (u32, u32) = (340, 260);

/// The figure of a set of tests, one row per family.
pub struct GofViolins<'a> {
    /// The tests, in rows of `per_row`.
    pub tests: &'a [GofTest],
    /// Tests per row (waves, and the joint test).
    pub per_row: usize,
}

/// The violin outline of `v` on a grid of its range: (value, density scaled to a peak of 1).
fn violin(v: &[f64]) -> Vec<(f64, f64)> {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if sd <= 0.0 || hi <= lo {
        return vec![(lo, 1.0)];
    }
    let bw = 1.06 * sd * n.powf(-0.2);
    let grid: Vec<f64> = (0..=40).map(|i| lo + (hi - lo) * i as f64 / 40.0).collect();
    let dens: Vec<f64> = grid
        .iter()
        .map(|&y| {
            v.iter()
                .map(|&x| (-0.5 * ((y - x) / bw).powi(2)).exp())
                .sum()
        })
        .collect();
    let top = dens.iter().fold(0.0f64, |m, &d| m.max(d)).max(1e-300);
    grid.into_iter()
        .zip(dens)
        .map(|(y, d)| (y, d / top))
        .collect()
}

/// The range of a test's observed and simulated values, padded; `None` when none is finite.
fn value_range(t: &GofTest) -> Option<(f64, f64)> {
    let mut y0 = f64::INFINITY;
    let mut y1 = f64::NEG_INFINITY;
    for x in t.simulated.iter().flatten().chain(&t.observed) {
        if x.is_finite() {
            y0 = y0.min(*x);
            y1 = y1.max(*x);
        }
    }
    if !y0.is_finite() {
        return None;
    }
    let pad = ((y1 - y0) * 0.06).max(0.5);
    Some((y0 - pad, y1 + pad))
}

/// The axis titles of a family: what the auxiliary statistics are, and what they count.
fn axis_titles(family: &str) -> (&'static str, &'static str) {
    match family {
        "degree" => (
            "degree d (organisations of degree at most d)",
            "organisations",
        ),
        "geodesic" => (
            "distance d (pairs at most d ties apart)",
            "pairs of organisations",
        ),
        _ => (
            "edgewise shared partners (ties with k shared partners)",
            "ties",
        ),
    }
}

/// One violin at `x`: the density of `sorted` and its 2.5-97.5% range.
fn draw_violin<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    sorted: &[f64],
    x: f64,
    s: f64,
) -> std::result::Result<(), String> {
    let outline = violin(sorted);
    let poly: Vec<(f64, f64)> = outline
        .iter()
        .map(|&(y, d)| (x + 0.4 * d, y))
        .chain(outline.iter().rev().map(|&(y, d)| (x - 0.4 * d, y)))
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(
            poly,
            palette::SKY.mix(0.45).filled(),
        )))
        .map_err(err)?;
    let (lo, hi) = (
        quantile_sorted(sorted, 0.025),
        quantile_sorted(sorted, 0.975),
    );
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            palette::BLUE.stroke_width(px(s, 1.5) as u32),
        )))
        .map_err(err)?;
    Ok(())
}

/// The observed values: a black line through vermilion dots.
fn draw_observed<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    t: &GofTest,
    s: f64,
) -> std::result::Result<(), String> {
    let obs: Vec<(f64, f64)> = t
        .observed
        .iter()
        .enumerate()
        .filter(|(_, y)| y.is_finite())
        .map(|(j, &y)| (j as f64, y))
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(
            obs.clone(),
            palette::INK.stroke_width(px(s, 1.5) as u32),
        )))
        .map_err(err)?;
    chart
        .draw_series(
            obs.iter()
                .map(|&p| Circle::new(p, px(s, 3.0), palette::VERMILION.filled())),
        )
        .map_err(err)?;
    Ok(())
}

impl GofViolins<'_> {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: f64,
        t: &GofTest,
    ) -> std::result::Result<(), String> {
        let k = t.names.len();
        let Some((y0, y1)) = value_range(t) else {
            return Ok(());
        };
        let wave = t
            .wave
            .map_or("waves joint".to_string(), |w| format!("wave {w}"));
        let title = format!("{}, {wave}: p = {:.3}", t.family, t.p_value);
        let names = t.names.clone();
        let x_fmt = move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize]
                    .trim_start_matches("degree")
                    .trim_start_matches("distance")
                    .to_string()
            } else {
                String::new()
            }
        };
        let (x_title, y_title) = axis_titles(&t.family);
        let mut chart = ChartBuilder::on(area)
            .margin_top(px(s, 6.0))
            .margin_right(px(s, 10.0))
            .margin_left(px(s, 4.0))
            .margin_bottom(px(s, 4.0))
            .caption(&title, bold(s, 13.0).color(&palette::INK))
            .x_label_area_size(px(s, 36.0))
            .y_label_area_size(px(s, 52.0))
            .build_cartesian_2d(-0.6..(k as f64 - 0.4), y0..y1)
            .map_err(err)?;
        house_mesh(&mut chart.configure_mesh(), s, 10.5)
            .x_labels(k)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{y:.0}"))
            .x_desc(x_title)
            .y_desc(y_title)
            .draw()
            .map_err(err)?;
        for j in 0..k {
            let mut v: Vec<f64> = t
                .simulated
                .iter()
                .map(|d| d[j])
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                continue;
            }
            v.sort_by(f64::total_cmp);
            draw_violin(&mut chart, &v, j as f64, s)?;
        }
        draw_observed(&mut chart, t, s)
    }
}

impl Figure for GofViolins<'_> {
    fn size(&self) -> (u32, u32) {
        let cols = self.per_row.max(1) as u32;
        let rows = self.tests.len().div_ceil(self.per_row.max(1)).max(1) as u32;
        (PANEL.0 * cols, PANEL.1 * rows + 30)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> std::result::Result<(), String> {
        let (top, body) = root.split_vertically(px(s, 30.0));
        top.draw(&Text::new(
            "Goodness of fit: simulated (violins, 95% range) against observed (dots)",
            (px(s, 10.0), px(s, 8.0)),
            bold(s, 14.0).color(&palette::INK),
        ))
        .map_err(err)?;
        let cols = self.per_row.max(1);
        let rows = self.tests.len().div_ceil(cols).max(1);
        let areas = body.split_evenly((rows, cols));
        for (t, a) in self.tests.iter().zip(areas.iter()) {
            self.panel(a, s, t)?;
        }
        Ok(())
    }
}
