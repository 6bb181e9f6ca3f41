//! Figures of calibration results, drawn with the report's plotters stack (same fonts,
//! palette and SVG + PNG pair as a run's plots): marginal posteriors (or sampling
//! distributions) of the parameters, and predictive bands against observed distributions.

use crate::error::Result;
use crate::report::plot::{
    Chart, Figure, bold, err, font, house_mesh, palette, px, render, tick, x_key_ticks,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A curve of a panel: legend, colour and points.
pub type Curve = (String, String, Vec<(f64, f64)>);

/// One panel of a marginal plot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// Title (the parameter key).
    pub title: String,
    /// Second title line (estimate and interval).
    pub subtitle: String,
    /// Histogram bars as (left, right, density).
    pub bars: Vec<(f64, f64, f64)>,
    /// Curves as (legend, colour, points).
    pub curves: Vec<Curve>,
    /// Vertical lines as (legend, colour, x, dashed).
    pub lines: Vec<(String, String, f64, bool)>,
    /// Shaded interval as (left, right).
    pub interval: Option<(f64, f64)>,
}

/// One panel of a band plot: categories on x, a predictive band and the observed values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandPanel {
    /// Title.
    pub title: String,
    /// Category labels.
    pub labels: Vec<String>,
    /// Lower end of the band.
    pub lo: Vec<f64>,
    /// Upper end of the band.
    pub hi: Vec<f64>,
    /// Predictive mean.
    pub mean: Vec<f64>,
    /// Observed values (NaN when not observed).
    pub observed: Vec<f64>,
}

/// Nominal size of one panel.
const W: u32 = 440;
const H: u32 = 320;

/// A colour given as `#rrggbb` (grey when it is not one).
fn colour(hex: &str) -> RGBColor {
    let h = hex.trim_start_matches('#');
    let c = |k: usize| u8::from_str_radix(h.get(k..k + 2).unwrap_or("80"), 16).unwrap_or(128);
    if h.len() == 6 {
        RGBColor(c(0), c(2), c(4))
    } else {
        palette::GREY
    }
}

/// About five round tick values covering `[lo, hi]`.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil();
    (0..)
        .map(|i| (first + i as f64) * step)
        .take_while(|t| *t <= hi + 1e-9 * step)
        .map(|t| if t.abs() < 1e-9 * step { 0.0 } else { t })
        .collect()
}

/// Title and subtitle of a panel; returns the area below them.
fn heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
    subtitle: &str,
) -> std::result::Result<DrawingArea<DB, Shift>, String> {
    area.draw(&Text::new(
        title.to_string(),
        (px(s, 10.0), px(s, 6.0)),
        bold(s, 13.5).color(&palette::INK),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        subtitle.to_string(),
        (px(s, 10.0), px(s, 25.0)),
        font(s, 10.5).color(&palette::GREY),
    ))
    .map_err(err)?;
    Ok(area.margin(px(s, 40.0), px(s, 4.0), px(s, 4.0), px(s, 12.0)))
}

/// The marginal plots of the parameters, two panels per row.
pub struct Marginals<'a>(pub &'a [Panel]);

/// A legend swatch: a small filled rectangle of `c`.
fn block(c: RGBAColor, s: f64) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| {
        Rectangle::new(
            [(x, y - px(s, 4.0)), (x + px(s, 14.0), y + px(s, 4.0))],
            c.filled(),
        )
    }
}

/// The x range of a marginal panel: its bars, curves and lines.
fn x_range(p: &Panel) -> (f64, f64) {
    let xs = p
        .bars
        .iter()
        .flat_map(|b| [b.0, b.1])
        .chain(p.curves.iter().flat_map(|c| c.2.iter().map(|q| q.0)))
        .chain(p.lines.iter().map(|l| l.2))
        .filter(|x| x.is_finite());
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() || !hi.is_finite() {
        (0.0, 1.0)
    } else if hi <= lo {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    }
}

/// The top of a marginal panel's density axis: 12% above the highest bar or curve.
fn y_top(p: &Panel) -> f64 {
    let yhi = p
        .bars
        .iter()
        .map(|b| b.2)
        .chain(p.curves.iter().flat_map(|c| c.2.iter().map(|q| q.1)))
        .filter(|y| y.is_finite())
        .fold(0.0f64, f64::max)
        * 1.12;
    if yhi > 0.0 { yhi } else { 1.0 }
}

impl Marginals<'_> {
    fn draw_panel<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        p: &Panel,
        s: f64,
    ) -> std::result::Result<(), String> {
        let (xlo, xhi) = x_range(p);
        let yhi = y_top(p);
        let inner = heading(area, s, &p.title, &p.subtitle)?;
        let x_fmt = |x: &f64| tick(*x, 4);
        let y_fmt = |y: &f64| tick(*y, 4);
        let mut chart = ChartBuilder::on(&inner)
            .x_label_area_size(px(s, 36.0))
            .y_label_area_size(px(s, 56.0))
            .build_cartesian_2d(xlo..xhi, 0.0..yhi)
            .map_err(err)?;
        house_mesh(&mut chart.configure_mesh(), s, 11.0)
            .x_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(format!("{} (parameter value)", p.title))
            .y_desc("density")
            .draw()
            .map_err(err)?;
        Self::draw_posterior(&mut chart, p, s, yhi)?;
        Self::draw_curves_and_lines(&mut chart, p, s, yhi)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(s, 10.0))
            .background_style(WHITE.mix(0.85))
            .border_style(palette::LIGHT)
            .draw()
            .map_err(err)
    }

    /// The shaded 95% interval and the histogram of the particles.
    fn draw_posterior<DB: DrawingBackend>(
        chart: &mut Chart<'_, DB>,
        p: &Panel,
        s: f64,
        yhi: f64,
    ) -> std::result::Result<(), String> {
        if let Some((a, b)) = p.interval {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, 0.0), (b, yhi)],
                    palette::ORANGE.mix(0.16).filled(),
                )))
                .map_err(err)?
                .label("95% interval")
                .legend(block(palette::ORANGE.mix(0.3), s));
        }
        if !p.bars.is_empty() {
            chart
                .draw_series(p.bars.iter().map(|&(a, b, d)| {
                    Rectangle::new([(a, 0.0), (b, d)], palette::BLUE.mix(0.45).filled())
                }))
                .map_err(err)?
                .label("posterior (weighted particles)")
                .legend(block(palette::BLUE.mix(0.45), s));
        }
        Ok(())
    }

    /// The curves and the vertical lines, each with its legend entry.
    fn draw_curves_and_lines<DB: DrawingBackend>(
        chart: &mut Chart<'_, DB>,
        p: &Panel,
        s: f64,
        yhi: f64,
    ) -> std::result::Result<(), String> {
        let width = px(s, 1.8) as u32;
        // The curves (prior, sampling density), cut at the top of the axis.
        for (label, hex, pts) in &p.curves {
            let c = colour(hex);
            let pts: Vec<(f64, f64)> = pts
                .iter()
                .filter(|q| q.1.is_finite())
                .map(|&(x, y)| (x, y.min(yhi)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(width)))
                .map_err(err)?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + px(s, 14.0), y)], c.stroke_width(width))
                });
        }
        // The vertical lines (estimate, truth, start value), solid or dashed.
        for (label, hex, x, dashed) in &p.lines {
            let style = colour(hex).stroke_width(width);
            let series = if *dashed {
                chart.draw_series(DashedLineSeries::new(
                    vec![(*x, 0.0), (*x, yhi)],
                    px(s, 5.0) as u32,
                    px(s, 3.0) as u32,
                    style,
                ))
            } else {
                chart.draw_series(LineSeries::new(vec![(*x, 0.0), (*x, yhi)], style))
            };
            series
                .map_err(err)?
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + px(s, 14.0), y)], style));
        }
        Ok(())
    }
}

impl Figure for Marginals<'_> {
    fn size(&self) -> (u32, u32) {
        let cols = self.0.len().clamp(1, 2) as u32;
        let rows = self.0.len().div_ceil(2).max(1) as u32;
        (cols * W, rows * H)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> std::result::Result<(), String> {
        let cols = self.0.len().clamp(1, 2);
        let rows = self.0.len().div_ceil(2).max(1);
        let areas = root.split_evenly((rows, cols));
        for (p, a) in self.0.iter().zip(&areas) {
            Self::draw_panel(a, p, s)?;
        }
        Ok(())
    }
}

/// Predictive band plots, one panel per row.
pub struct Bands<'a>(pub &'a [BandPanel]);

impl Bands<'_> {
    fn draw_panel<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        p: &BandPanel,
        s: f64,
    ) -> std::result::Result<(), String> {
        let n = p.labels.len().max(1);
        let yhi =
            p.hi.iter()
                .chain(&p.observed)
                .filter(|y| y.is_finite())
                .fold(0.0f64, |a, &b| a.max(b))
                * 1.1;
        let yhi = if yhi > 0.0 { yhi } else { 1.0 };
        let inner = heading(
            area,
            s,
            &p.title,
            "bars: 95% predictive interval · line: predictive mean · dots: observed",
        )?;
        let every = n.div_ceil(20).max(1);
        let ticks: Vec<(f64, String)> = p
            .labels
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, l)| (i as f64, l.clone()))
            .collect();
        let y_fmt = |y: &f64| tick(*y, 4);
        let mut chart = ChartBuilder::on(&inner)
            .x_label_area_size(px(s, 36.0))
            .y_label_area_size(px(s, 56.0))
            .build_cartesian_2d(-0.6..n as f64 - 0.4, 0.0..yhi)
            .map_err(err)?;
        house_mesh(&mut chart.configure_mesh(), s, 11.0)
            .x_labels(0)
            .y_label_formatter(&y_fmt)
            .x_desc("degree (active ties of an organisation)")
            .y_desc("organisations")
            .draw()
            .map_err(err)?;
        x_key_ticks(&inner, &chart, 0.0, &ticks, s)?;
        chart
            .draw_series((0..p.labels.len()).filter_map(|i| {
                let (lo, hi) = (p.lo[i], p.hi[i]);
                (lo.is_finite() && hi.is_finite()).then(|| {
                    let x = i as f64;
                    Rectangle::new(
                        [(x - 0.3, lo), (x + 0.3, hi.max(lo + yhi * 0.004))],
                        palette::SKY.mix(0.45).filled(),
                    )
                })
            }))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                p.mean
                    .iter()
                    .enumerate()
                    .filter(|q| q.1.is_finite())
                    .map(|(i, &m)| (i as f64, m)),
                palette::BLUE.stroke_width(px(s, 1.6) as u32),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                p.observed
                    .iter()
                    .enumerate()
                    .filter(|q| q.1.is_finite())
                    .map(|(i, &o)| {
                        Circle::new((i as f64, o), px(s, 3.4), palette::VERMILION.filled())
                    }),
            )
            .map_err(err)?;
        Ok(())
    }
}

impl Figure for Bands<'_> {
    fn size(&self) -> (u32, u32) {
        (2 * W, self.0.len().max(1) as u32 * H)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> std::result::Result<(), String> {
        if self.0.is_empty() {
            root.draw(&Text::new(
                "no observed wave to compare with".to_string(),
                (px(s, 10.0), px(s, 20.0)),
                font(s, 12.0)
                    .color(&palette::GREY)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(err)?;
            return Ok(());
        }
        let areas = root.split_evenly((self.0.len(), 1));
        for (p, a) in self.0.iter().zip(&areas) {
            Self::draw_panel(a, p, s)?;
        }
        Ok(())
    }
}

/// Writes `<dir>/marginals.svg` and `.png`.
pub fn write_marginals(dir: &Path, panels: &[Panel]) -> Result<()> {
    render(&Marginals(panels), dir, "marginals").map(|_| ())
}

/// Writes `<dir>/ppc_degree.svg` and `.png`.
pub fn write_bands(dir: &Path, panels: &[BandPanel]) -> Result<()> {
    render(&Bands(panels), dir, "ppc_degree").map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        let close = |a: Vec<f64>, b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
        };
        assert!(close(ticks(0.0, 1.0), &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]));
        assert!(close(ticks(-5.5, -2.5), &[-5.0, -4.0, -3.0]));
    }

    #[test]
    fn figures_are_written_as_svg_and_png_with_axis_titles() {
        let dir = tempfile::tempdir().unwrap();
        let panel = Panel {
            title: "formation.closure".into(),
            subtitle: "0.5 (95%: 0.2 to 0.8)".into(),
            bars: vec![(0.0, 0.5, 0.4), (0.5, 1.0, 1.2)],
            curves: vec![(
                "prior".into(),
                "#7f8c8d".into(),
                vec![(0.0, 0.5), (1.0, 0.5)],
            )],
            lines: vec![("estimate".into(), "#c0392b".into(), 0.5, false)],
            interval: Some((0.2, 0.8)),
        };
        write_marginals(dir.path(), &[panel]).unwrap();
        let bands = BandPanel {
            title: "degree distribution, wave 2".into(),
            labels: vec!["0".into(), "1".into(), "2".into()],
            lo: vec![1.0, 2.0, 0.0],
            hi: vec![3.0, 6.0, 2.0],
            mean: vec![2.0, 4.0, 1.0],
            observed: vec![2.0, 5.0, f64::NAN],
        };
        write_bands(dir.path(), &[bands]).unwrap();
        for f in ["marginals", "ppc_degree"] {
            let svg = std::fs::read_to_string(dir.path().join(format!("{f}.svg"))).unwrap();
            assert!(svg.starts_with("<svg"), "{f}");
            let png = std::fs::read(dir.path().join(format!("{f}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG", "{f}");
        }
        let svg = std::fs::read_to_string(dir.path().join("marginals.svg")).unwrap();
        assert!(svg.contains("density") && svg.contains("parameter value"));
        assert_eq!(colour("#c0392b"), RGBColor(0xc0, 0x39, 0x2b));
    }
}
