//! Small multiples of statistics across waves, on a time axis in months with a tick at each
//! wave's month: for each series the mean over replicates as a line with dots, and the
//! 2.5-97.5 percentile interval as a shaded band (lighter, with edges, when several series
//! share a panel; the points stay at their months, never shifted sideways); observed targets
//! as black squares with their 95% interval (value ± 1.96 SE: the normal interval, docs/results.md).

use super::{
    Chart, Figure, LegendEntry, bold, err, font, framed, house_mesh, interval_bar, legend, palette,
    px, tick, tick_decimals, title_height, wrap, x_key_ticks,
};
use crate::stats::interval::half_width;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One wave of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Position on the x axis (the month, i.e. step, the wave is observed at).
    pub x: f64,
    /// Mean over replicates (NaN: nothing to draw).
    pub mean: f64,
    /// Lower end of the band (2.5th percentile).
    pub lo: f64,
    /// Upper end of the band (97.5th percentile).
    pub hi: f64,
}

/// A line with its band.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Points in x order.
    pub points: Vec<Point>,
}

/// An observed value with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Position on the x axis.
    pub x: f64,
    /// Value.
    pub value: f64,
    /// Standard error.
    pub se: f64,
}

/// One panel.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Title above the panel.
    pub title: String,
    /// Title of the y axis, with the unit.
    pub y_title: String,
    /// The series.
    pub series: Vec<Series>,
    /// Observed values.
    pub observed: Vec<Observed>,
}

/// A grid of panels sharing x axis labels and a legend.
#[derive(Debug, Clone)]
pub struct BandGrid {
    /// Figure title.
    pub title: String,
    /// Line under the title.
    pub subtitle: String,
    /// The panels, row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub cols: usize,
    /// Nominal size of one panel.
    pub panel_size: (u32, u32),
    /// Tick positions (the waves' months) and their labels.
    pub x_labels: Vec<(f64, String)>,
    /// Title of the x axis, with the unit.
    pub x_title: String,
    /// Start the y axis at 0 for statistics that cannot be negative, so that a small change
    /// does not look like a collapse (comparisons).
    pub zero_based: bool,
    /// Legend entries.
    pub legend: Vec<LegendEntry>,
}

const FOOTER: u32 = 40;
const SIDE: u32 = 12;

impl BandGrid {
    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.cols.max(1))
    }

    fn width(&self) -> u32 {
        let cols = self.cols.min(self.panels.len()).max(1) as u32;
        cols * self.panel_size.0 + 2 * SIDE
    }

    fn subtitle_lines(&self) -> Vec<String> {
        wrap(&self.subtitle, 12.5, (self.width() - 2 * SIDE - 8) as f64)
    }

    fn header(&self) -> u32 {
        title_height(self.subtitle_lines().len().max(1))
    }
}

fn y_range(p: &Panel, zero_based: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut all_non_negative = true;
    let mut take = |v: f64| {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    };
    for s in &p.series {
        for q in &s.points {
            for v in [q.mean, q.lo, q.hi] {
                take(v);
            }
        }
    }
    for o in &p.observed {
        let h = half_width(o.se, f64::INFINITY);
        take(o.value - h);
        take(o.value + h);
        take(o.value);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    for s in &p.series {
        for q in &s.points {
            if q.lo.is_finite() && q.lo < 0.0 {
                all_non_negative = false;
            }
        }
    }
    let span = hi - lo;
    let pad = if span > 1e-12 * hi.abs().max(1.0) {
        0.1 * span
    } else {
        (0.1 * hi.abs()).max(0.05)
    };
    let mut y0 = lo - pad;
    if all_non_negative && lo >= 0.0 && (y0 < 0.0 || zero_based) {
        y0 = 0.0;
    }
    Some((y0, hi + pad))
}

/// The x range of a panel: every wave of the ticks, the series and the observed values
/// (designs may differ in timeline), padded; `None` when there is none.
fn x_range(ticks: &[(f64, String)], p: &Panel) -> Option<(f64, f64)> {
    let all_x = ticks
        .iter()
        .map(|l| l.0)
        .chain(p.series.iter().flat_map(|s| s.points.iter().map(|q| q.x)))
        .chain(p.observed.iter().map(|o| o.x))
        .filter(|x| x.is_finite());
    let (lo_x, hi_x) = all_x.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo_x.is_finite() {
        return None;
    }
    let pad = (0.07 * (hi_x - lo_x)).max(1.0);
    Some((lo_x - pad, hi_x + pad))
}

/// A series' interval band at the points' own months: shaded, with dashed edges when
/// `several` series overlap; a single wave as an interval bar at its month.
fn draw_band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    ser: &Series,
    several: bool,
    s: f64,
) -> Result<(), String> {
    let band: Vec<&Point> = ser
        .points
        .iter()
        .filter(|q| q.lo.is_finite() && q.hi.is_finite())
        .collect();
    if band.len() < 2 {
        let style = ser.colour.mix(0.85).stroke_width(px(s, 1.5) as u32);
        for q in &band {
            interval_bar(chart, (q.x, q.lo, q.hi), px(s, 3.5), style)?;
        }
        return Ok(());
    }
    let poly: Vec<(f64, f64)> = band
        .iter()
        .map(|q| (q.x, q.hi))
        .chain(band.iter().rev().map(|q| (q.x, q.lo)))
        .collect();
    let fill = if several { 0.09 } else { 0.18 };
    chart
        .draw_series(std::iter::once(Polygon::new(
            poly,
            ser.colour.mix(fill).filled(),
        )))
        .map_err(err)?;
    if several {
        let edge = ser.colour.mix(0.6).stroke_width(px(s, 1.0) as u32);
        for side in [|q: &&Point| (q.x, q.lo), |q: &&Point| (q.x, q.hi)] {
            chart
                .draw_series(DashedLineSeries::new(
                    band.iter().map(side).collect::<Vec<_>>(),
                    px(s, 4.0) as u32,
                    px(s, 3.0) as u32,
                    edge,
                ))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// A series' means: a line through dots.
fn draw_means<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    ser: &Series,
    s: f64,
) -> Result<(), String> {
    let line: Vec<(f64, f64)> = ser
        .points
        .iter()
        .filter(|q| q.mean.is_finite())
        .map(|q| (q.x, q.mean))
        .collect();
    chart
        .draw_series(LineSeries::new(
            line.clone(),
            ser.colour.stroke_width(px(s, 2.0) as u32),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            line.iter()
                .map(|&c| Circle::new(c, px(s, 3.2), ser.colour.filled())),
        )
        .map_err(err)?;
    Ok(())
}

/// An observed value at its wave's own month: a black square over its 95% interval.
fn draw_observed<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    o: &Observed,
    s: f64,
) -> Result<(), String> {
    let h = half_width(o.se, f64::INFINITY);
    let ink = palette::INK.stroke_width(px(s, 1.5) as u32);
    interval_bar(chart, (o.x, o.value - h, o.value + h), px(s, 4.0), ink)?;
    let h = px(s, 4.0);
    chart
        .draw_series(std::iter::once(
            EmptyElement::at((o.x, o.value))
                + Rectangle::new([(-h, -h), (h, h)], palette::INK.filled()),
        ))
        .map_err(err)?;
    Ok(())
}

impl BandGrid {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &Panel,
        s: f64,
    ) -> Result<(), String> {
        let Some((x0, x1)) = x_range(&self.x_labels, p) else {
            return Ok(());
        };
        let Some((y0, y1)) = y_range(p, self.zero_based) else {
            area.draw(&Text::new(
                format!("{}: no values", p.title),
                (px(s, 10.0), px(s, 20.0)),
                font(s, 12.0).color(&palette::GREY),
            ))
            .map_err(err)?;
            return Ok(());
        };
        let decimals = tick_decimals(y0, y1);
        let y_fmt = |y: &f64| tick(*y, decimals);
        let mut chart = ChartBuilder::on(area)
            .margin_top(px(s, 6.0))
            .margin_right(px(s, 12.0))
            .margin_left(px(s, 4.0))
            .margin_bottom(px(s, 4.0))
            .caption(&p.title, bold(s, 14.0).color(&palette::INK))
            .x_label_area_size(px(s, 38.0))
            .y_label_area_size(px(s, 62.0))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        // Ticks only at the waves' months, drawn below (`x_key_ticks`).
        house_mesh(&mut chart.configure_mesh(), s, 12.0)
            .x_labels(0)
            .y_label_formatter(&y_fmt)
            .x_desc(&self.x_title)
            .y_desc(&p.y_title)
            .draw()
            .map_err(err)?;
        x_key_ticks(area, &chart, y0, &self.x_labels, s)?;
        let several = p.series.len() > 1;
        for ser in &p.series {
            draw_band(&mut chart, ser, several, s)?;
            draw_means(&mut chart, ser, s)?;
        }
        for o in &p.observed {
            draw_observed(&mut chart, o, s)?;
        }
        Ok(())
    }
}

impl Figure for BandGrid {
    fn size(&self) -> (u32, u32) {
        (
            self.width(),
            self.rows() as u32 * self.panel_size.1 + self.header() + FOOTER,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> Result<(), String> {
        let lines = self.subtitle_lines();
        let [grid, foot] = framed(root, s, (self.header(), FOOTER), &self.title, &lines)?;
        let grid = grid.margin(0, 0, px(s, SIDE as f64), px(s, SIDE as f64));
        let cols = self.cols.min(self.panels.len()).max(1);
        let areas = grid.split_evenly((self.rows(), cols));
        for (p, a) in self.panels.iter().zip(&areas) {
            self.draw_panel(a, p, s)?;
        }
        legend(&foot, s, &self.legend)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tick;

    #[test]
    fn ticks_show_what_differs() {
        assert_eq!(tick(49.98, 2), "49.98");
        assert_eq!(tick(50.0, 2), "50");
        assert_eq!(tick(0.25, 2), "0.25");
        assert_eq!(tick(-0.0001, 2), "0");
        assert_eq!(tick(-1.5, 1), "−1.5");
    }
}
