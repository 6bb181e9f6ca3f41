//! The experiments' figures, drawn with plotters into SVG and, beside each, a PNG of the same
//! drawing: panels of x-y series with confidence bands or error bars, and forest plots
//! (estimates with intervals, one row per design, parameter or statistic).

use crate::error::{Error, Result};
use crate::report::plot::{ensure_fonts, palette};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Series colours: the report's palette (Okabe and Ito's, readable with the common
/// colour-vision deficiencies).
pub const COLOURS: [RGBColor; 7] = palette::SERIES;

/// Names of [`COLOURS`], for legends written in words.
pub const COLOUR_NAMES: [&str; 7] = [
    "blue",
    "vermilion",
    "green",
    "purple",
    "orange",
    "sky blue",
    "black",
];

const GREY: RGBColor = palette::GREY;
const LIGHT: RGBColor = palette::LIGHT;

/// The regular font of the figures (drawn at their nominal size).
fn font(size: f64) -> FontDesc<'static> {
    crate::report::plot::font(1.0, size)
}

/// The bold font of the figures.
fn bold(size: f64) -> FontDesc<'static> {
    crate::report::plot::bold(1.0, size)
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// One point of an x-y series, with its interval (NaN: none).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// x.
    pub x: f64,
    /// y (the estimate).
    pub y: f64,
    /// Lower end of y's interval.
    pub lo: f64,
    /// Upper end of y's interval.
    pub hi: f64,
    /// Text written beside the point.
    pub label: Option<String>,
}

impl Point {
    /// A point with an interval.
    pub fn new(x: f64, y: f64, lo: f64, hi: f64) -> Point {
        Point {
            x,
            y,
            lo,
            hi,
            label: None,
        }
    }
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line through the points with a shaded band between the interval ends.
    LineBand,
    /// Markers with error bars.
    Points,
}

/// A named series of points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Name shown in the legend (empty: no legend entry).
    pub name: String,
    /// The points, in x order for lines.
    pub points: Vec<Point>,
    /// How it is drawn.
    pub style: Style,
}

/// One panel of x-y series.
#[derive(Debug, Clone, PartialEq)]
pub struct XyPanel {
    /// Title above the panel.
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
    /// A dashed horizontal reference line (an observed value, zero).
    pub reference: Option<f64>,
    /// A straight line `(intercept, slope)` drawn across the panel (a fit).
    pub fit: Option<(f64, f64)>,
}

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if lo == hi {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.06;
    (lo - pad, hi + pad)
}

fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if a >= 10000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{:.2}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn draw_xy<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    p: &XyPanel,
) -> std::result::Result<(), String> {
    let xs = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.x));
    let (x0, x1) = range_of(xs);
    let ys = p.series.iter().flat_map(|s| {
        s.points
            .iter()
            .flat_map(|q| [q.y, q.lo, q.hi].into_iter())
            .chain(p.reference)
    });
    let (y0, y1) = range_of(ys);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, bold(14.0))
        .margin(8)
        .x_label_area_size(38)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .label_style(font(11.0))
        .axis_desc_style(font(12.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(LIGHT)
        .axis_style(GREY)
        .draw()
        .map_err(err)?;
    if let Some(r) = p.reference {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x0, r), (x1, r)],
                5,
                4,
                GREY.stroke_width(1),
            ))
            .map_err(err)?;
    }
    if let Some((a, b)) = p.fit {
        chart
            .draw_series(LineSeries::new(
                vec![(x0, a + b * x0), (x1, a + b * x1)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
    }
    let mut legend = false;
    for (k, s) in p.series.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let pts: Vec<&Point> = s.points.iter().filter(|q| q.y.is_finite()).collect();
        match s.style {
            Style::LineBand => {
                let band: Vec<(f64, f64)> = pts
                    .iter()
                    .filter(|q| q.lo.is_finite())
                    .map(|q| (q.x, q.lo))
                    .chain(
                        pts.iter()
                            .rev()
                            .filter(|q| q.hi.is_finite())
                            .map(|q| (q.x, q.hi)),
                    )
                    .collect();
                if band.len() >= 3 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))
                        .map_err(err)?;
                }
                let line = chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|q| (q.x, q.y)),
                        c.stroke_width(2),
                    ))
                    .map_err(err)?;
                if !s.name.is_empty() {
                    legend = true;
                    line.label(s.name.as_str()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                    });
                }
                chart
                    .draw_series(pts.iter().map(|q| Circle::new((q.x, q.y), 3, c.filled())))
                    .map_err(err)?;
            }
            Style::Points => {
                chart
                    .draw_series(
                        pts.iter()
                            .filter(|q| q.lo.is_finite() && q.hi.is_finite())
                            .map(|q| PathElement::new(vec![(q.x, q.lo), (q.x, q.hi)], c.mix(0.6))),
                    )
                    .map_err(err)?;
                let dots = chart
                    .draw_series(pts.iter().map(|q| Circle::new((q.x, q.y), 3, c.filled())))
                    .map_err(err)?;
                if !s.name.is_empty() {
                    legend = true;
                    dots.label(s.name.as_str())
                        .legend(move |(x, y)| Circle::new((x + 9, y), 3, c.filled()));
                }
            }
        }
        chart
            .draw_series(pts.iter().filter_map(|q| {
                q.label
                    .as_ref()
                    .map(|l| Text::new(l.clone(), (q.x, q.y), font(10.0).color(&GREY)))
            }))
            .map_err(err)?;
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(10.0))
            .background_style(WHITE.mix(0.85))
            .border_style(LIGHT)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Draws a figure on the SVG file `path` and on the PNG file beside it (same stem).
fn svg_and_png(
    path: &Path,
    size: (u32, u32),
    draw: impl Fn(&DrawingArea<SVGBackend, Shift>) -> std::result::Result<(), String>,
    draw_png: impl Fn(&DrawingArea<BitMapBackend, Shift>) -> std::result::Result<(), String>,
) -> Result<()> {
    ensure_fonts();
    let fail = |p: &Path, e: String| Error::Other(format!("{}: cannot draw: {e}", p.display()));
    {
        let root = SVGBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(err)
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(err))
            .map_err(|e| fail(path, e))?;
    }
    let png = path.with_extension("png");
    let root = BitMapBackend::new(&png, size).into_drawing_area();
    root.fill(&WHITE)
        .map_err(err)
        .and_then(|_| draw_png(&root))
        .and_then(|_| root.present().map_err(err))
        .map_err(|e| fail(&png, e))
}

fn xy_cells<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[XyPanel],
    grid: (usize, usize),
) -> std::result::Result<(), String> {
    let body = root.titled(title, bold(16.0)).map_err(err)?;
    let cells = body.split_evenly(grid);
    for (p, cell) in panels.iter().zip(cells.iter()) {
        draw_xy(cell, p)?;
    }
    Ok(())
}

/// Writes panels of x-y series as one figure, `cols` panels per row: `path` (SVG) and the
/// PNG beside it.
pub fn xy_figure(path: &Path, title: &str, panels: &[XyPanel], cols: usize) -> Result<()> {
    let cols = cols.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let (pw, ph) = (430u32, 320u32);
    let size = (pw * cols as u32, ph * rows as u32 + 36);
    svg_and_png(
        path,
        size,
        |root| xy_cells(root, title, panels, (rows, cols)),
        |root| xy_cells(root, title, panels, (rows, cols)),
    )
}

/// One series of a forest plot: an estimate and interval per row.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestSeries {
    /// Legend name (empty: none).
    pub name: String,
    /// `(estimate, lo, hi)` per row; NaN leaves a row empty.
    pub values: Vec<(f64, f64, f64)>,
}

/// A forest plot panel: rows (designs, parameters, statistics) down, values across.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestPanel {
    /// Title.
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// The series.
    pub series: Vec<ForestSeries>,
    /// A dashed vertical reference line (zero difference).
    pub reference: Option<f64>,
}

fn draw_forest<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    p: &ForestPanel,
    label_width: u32,
) -> std::result::Result<(), String> {
    let n = p.rows.len().max(1);
    let (x0, x1) = range_of(
        p.series
            .iter()
            .flat_map(|s| s.values.iter().flat_map(|v| [v.0, v.1, v.2].into_iter()))
            .chain(p.reference),
    );
    let (labels, plot) = area.split_horizontally(label_width);
    let mut chart = ChartBuilder::on(&plot)
        .caption(&p.title, bold(13.0))
        .margin(6)
        .margin_right(14)
        .x_label_area_size(36)
        .y_label_area_size(0)
        .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
        .map_err(err)?;
    // The legend goes into the axis label, where it never hides a point.
    let names: Vec<String> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.is_empty())
        .map(|(k, s)| format!("{}: {}", COLOUR_NAMES[k % COLOURS.len()], s.name))
        .collect();
    let x_desc = if names.is_empty() {
        p.x_label.clone()
    } else {
        format!("{} ({})", p.x_label, names.join(", "))
    };
    chart
        .configure_mesh()
        .x_desc(x_desc.as_str())
        .x_labels(5)
        .x_label_formatter(&|v| tick(*v))
        .disable_y_mesh()
        .label_style(font(11.0))
        .axis_desc_style(font(11.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(LIGHT)
        .axis_style(GREY)
        .draw()
        .map_err(err)?;
    if let Some(r) = p.reference {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(r, -0.5), (r, n as f64 - 0.5)],
                5,
                4,
                GREY.stroke_width(1),
            ))
            .map_err(err)?;
    }
    let k = p.series.len().max(1) as f64;
    let y_of = |row: usize, s: usize| {
        let top = (n - 1 - row) as f64;
        if k == 1.0 {
            top
        } else {
            top + 0.25 - 0.5 * s as f64 / (k - 1.0)
        }
    };
    for (si, s) in p.series.iter().enumerate() {
        let c = COLOURS[si % COLOURS.len()];
        let pts: Vec<(usize, (f64, f64, f64))> = s
            .values
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| v.0.is_finite())
            .collect();
        chart
            .draw_series(
                pts.iter()
                    .filter(|(_, v)| v.1.is_finite() && v.2.is_finite())
                    .map(|&(r, v)| {
                        PathElement::new(
                            vec![(v.1, y_of(r, si)), (v.2, y_of(r, si))],
                            c.stroke_width(2),
                        )
                    }),
            )
            .map_err(err)?;
        chart
            .draw_series(
                pts.iter()
                    .map(|&(r, v)| Circle::new((v.0, y_of(r, si)), 4, c.filled())),
            )
            .map_err(err)?;
    }
    // Row labels, right-aligned beside their rows.
    let base = labels.get_base_pixel();
    for (r, name) in p.rows.iter().enumerate() {
        let (_, y) = chart.backend_coord(&(x0, y_of(r, 0).round()));
        let style =
            font(11.0)
                .into_text_style(&labels)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Center,
                ));
        labels
            .draw(&Text::new(
                name.clone(),
                (label_width as i32 - 6, y - base.1),
                style,
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// Writes forest panels as one figure, `cols` panels per row: `path` (SVG) and the PNG
/// beside it.
pub fn forest_figure(path: &Path, title: &str, panels: &[ForestPanel], cols: usize) -> Result<()> {
    ensure_fonts();
    let cols = cols.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let longest = panels
        .iter()
        .flat_map(|p| p.rows.iter().map(|r| r.chars().count()))
        .max()
        .unwrap_or(8) as u32;
    let label_width = (longest * 7 + 14).clamp(60, 320);
    let nrows = panels.iter().map(|p| p.rows.len()).max().unwrap_or(1) as u32;
    let (pw, ph) = (label_width + 300, 80 + 24 * nrows);
    let size = (pw * cols as u32, ph * rows as u32 + 36);
    svg_and_png(
        path,
        size,
        |root| forest_cells(root, title, panels, (rows, cols), label_width),
        |root| forest_cells(root, title, panels, (rows, cols), label_width),
    )
}

fn forest_cells<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[ForestPanel],
    grid: (usize, usize),
    label_width: u32,
) -> std::result::Result<(), String> {
    let body = root.titled(title, bold(16.0)).map_err(err)?;
    let cells = body.split_evenly(grid);
    for (p, cell) in panels.iter().zip(cells.iter()) {
        draw_forest(cell, p, label_width)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let panel = XyPanel {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "a".into(),
                points: (0..5)
                    .map(|k| Point::new(k as f64, k as f64, k as f64 - 1.0, k as f64 + 1.0))
                    .collect(),
                style: Style::LineBand,
            }],
            reference: Some(1.0),
            fit: Some((0.0, 1.0)),
        };
        let f = dir.path().join("xy.svg");
        xy_figure(&f, "Title", &[panel.clone(), panel], 2).unwrap();
        assert!(std::fs::read_to_string(&f).unwrap().contains("<svg"));
        let fp = ForestPanel {
            title: "d".into(),
            x_label: "diff".into(),
            rows: vec!["one".into(), "two".into()],
            series: vec![ForestSeries {
                name: "s".into(),
                values: vec![(1.0, 0.5, 1.5), (f64::NAN, f64::NAN, f64::NAN)],
            }],
            reference: Some(0.0),
        };
        let g = dir.path().join("forest.svg");
        forest_figure(&g, "Forest", &[fp], 1).unwrap();
        assert!(std::fs::read_to_string(&g).unwrap().contains("two"));
    }
}
