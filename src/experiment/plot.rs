//! The experiments' figures, on the report's plotting stack ([`crate::report::plot`]: the
//! same fonts, palette, axes and legends, and an SVG with a PNG beside it, both drawn at
//! twice the nominal size): panels of x-y series with confidence bands or error bars, and
//! forest plots (estimates with intervals, one row per design, parameter or statistic).

use crate::error::Result;
use crate::report::figures::unit_of;
use crate::report::plot::{
    Chart, Figure, LegendEntry, Swatch, bold, err, font, framed, house_axes, house_mesh,
    interval_bar, legend, palette, px, render, tick_decimals, title_height, wrap,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Series colours: the report's palette (Okabe and Ito's, readable with the common
/// colour-vision deficiencies).
pub const COLOURS: [RGBColor; 7] = palette::SERIES;

/// The axis title of a statistic whose panel title names it: its unit (`ties`, `share of
/// possible ties`), after `prefix` when there is one (`difference from baseline, ties`).
pub fn axis_title(prefix: &str, statistic: &str) -> String {
    let unit = unit_of(statistic);
    if prefix.is_empty() {
        unit.to_string()
    } else {
        format!("{prefix}, {unit}")
    }
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
}

impl Point {
    /// A point with an interval.
    pub fn new(x: f64, y: f64, lo: f64, hi: f64) -> Point {
        Point { x, y, lo, hi }
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
    /// x axis title, with the unit.
    pub x_label: String,
    /// y axis title, with the unit.
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

/// A tick label on an axis from `lo` to `hi`: the report's ticks (enough decimals to tell
/// neighbours apart, a true minus sign), in thousands (`k`) on axes that reach 10,000 and in
/// millions (`M`) on axes that reach a million.
fn tick(v: f64, lo: f64, hi: f64) -> String {
    let reach = lo.abs().max(hi.abs());
    let (div, suffix) = if reach >= 1e6 {
        (1e6, "M")
    } else if reach >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let t = crate::report::plot::tick(v / div, tick_decimals(lo / div, hi / div));
    if t == "0" { t } else { format!("{t}{suffix}") }
}

/// A figure title split into its title and the grey lines under it: a trailing
/// parenthesis (what is shown, how many replicates) becomes the lines, wrapped at its
/// ` · ` and `, ` separators to `width` nominal pixels.
fn title_parts(title: &str, width: f64) -> (String, Vec<String>) {
    match title.strip_suffix(')').and_then(|t| t.split_once(" (")) {
        Some((head, note)) => {
            let note = note.replace(", ", " · ").replace("; ", " · ");
            (head.to_string(), wrap(&note, 12.5, width))
        }
        None => (title.to_string(), Vec::new()),
    }
}

/// Panels in a grid under a title block, with a legend row under the grid when any series is
/// named: what the x-y and forest figures share.
struct Layout {
    title: String,
    lines: Vec<String>,
    legend: Vec<LegendEntry>,
    cols: usize,
    rows: usize,
    panel: (u32, u32),
}

/// Nominal height of the legend row.
const FOOTER: u32 = 40;

impl Layout {
    fn new(
        title: &str,
        n: usize,
        cols: usize,
        panel: (u32, u32),
        legend: Vec<LegendEntry>,
    ) -> Self {
        let cols = cols.clamp(1, n.max(1));
        let rows = n.div_ceil(cols).max(1);
        let (title, lines) = title_parts(title, (panel.0 * cols as u32) as f64 - 32.0);
        Layout {
            title,
            lines,
            legend,
            cols,
            rows,
            panel,
        }
    }

    fn footer(&self) -> u32 {
        if self.legend.is_empty() { 0 } else { FOOTER }
    }

    fn size(&self) -> (u32, u32) {
        (
            self.panel.0 * self.cols as u32,
            self.panel.1 * self.rows as u32 + title_height(self.lines.len()) + self.footer(),
        )
    }

    /// Draws the title block and the legend; returns the panels' areas, row by row.
    fn cells<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> std::result::Result<Vec<DrawingArea<DB, Shift>>, String> {
        let header = title_height(self.lines.len());
        let [grid, foot] = framed(root, s, (header, self.footer()), &self.title, &self.lines)?;
        if !self.legend.is_empty() {
            legend(&foot, s, &self.legend)?;
        }
        Ok(grid.split_evenly((self.rows, self.cols)))
    }
}

/// Legend entries of the named series, one per name (the first colour it is drawn in).
fn legend_entries<'n>(
    named: impl Iterator<Item = (&'n str, RGBColor, Swatch)>,
) -> Vec<LegendEntry> {
    let mut out: Vec<LegendEntry> = Vec::new();
    for (name, colour, swatch) in named.filter(|n| !n.0.is_empty()) {
        if !out.iter().any(|e| e.label == name) {
            out.push(LegendEntry {
                label: name.to_string(),
                colour,
                swatch,
            });
        }
    }
    out
}

/// Panels under one title, laid out in a grid: x-y panels ([`XyFigure`]) or forest panels
/// ([`ForestFigure`]).
pub struct PanelFigure<'a, P> {
    layout: Layout,
    panels: &'a [P],
    /// Nominal width of the row labels' column (forest panels; 0 for x-y panels).
    label_width: u32,
}

/// A panel drawn in its cell of a [`PanelFigure`].
pub trait DrawPanel {
    /// Draws the panel in `cell` at scale `s`, its row labels (if any) `label_width`
    /// nominal pixels wide.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        label_width: u32,
        s: f64,
    ) -> std::result::Result<(), String>;
}

impl<P: DrawPanel> Figure for PanelFigure<'_, P> {
    fn size(&self) -> (u32, u32) {
        self.layout.size()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> std::result::Result<(), String> {
        let cells = self.layout.cells(root, s)?;
        for (p, cell) in self.panels.iter().zip(&cells) {
            p.draw_panel(cell, self.label_width, s)?;
        }
        Ok(())
    }
}

/// Panels of x-y series under one title.
pub type XyFigure<'a> = PanelFigure<'a, XyPanel>;

impl<'a> XyFigure<'a> {
    /// The figure of `panels`, `cols` per row.
    pub fn new(title: &str, panels: &'a [XyPanel], cols: usize) -> XyFigure<'a> {
        let named = panels.iter().flat_map(|p| {
            p.series.iter().enumerate().map(|(k, s)| {
                let swatch = match s.style {
                    Style::LineBand => Swatch::Band,
                    Style::Points => Swatch::Dot,
                };
                (s.name.as_str(), COLOURS[k % COLOURS.len()], swatch)
            })
        });
        let legend = legend_entries(named);
        XyFigure {
            layout: Layout::new(title, panels.len(), cols, (430, 320), legend),
            panels,
            label_width: 0,
        }
    }
}

impl DrawPanel for XyPanel {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        _: u32,
        s: f64,
    ) -> std::result::Result<(), String> {
        let xr = range_of(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|q| q.x)),
        );
        let yr = range_of(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().flat_map(|q| [q.y, q.lo, q.hi]))
                .chain(self.reference),
        );
        let mut chart = xy_chart(area, self, s, xr, yr)?;
        draw_guides(&mut chart, self, s, xr)?;
        for (k, ser) in self.series.iter().enumerate() {
            let c = COLOURS[k % COLOURS.len()];
            let pts: Vec<&Point> = ser.points.iter().filter(|q| q.y.is_finite()).collect();
            match ser.style {
                Style::LineBand => draw_line_band(&mut chart, &pts, c, s)?,
                Style::Points => draw_error_bars(&mut chart, &pts, c, s)?,
            }
        }
        Ok(())
    }
}

/// A panel's chart over `x` and `y`: `title` above in `caption`'s font, the experiments'
/// margins (`left` nominal pixels on the left) and room for the x tick labels and for
/// `y_labels` nominal pixels of y tick labels.
fn panel_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    caption: TextStyle<'_>,
    s: f64,
    (left, y_labels): (f64, f64),
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> std::result::Result<Chart<'a, DB>, String> {
    ChartBuilder::on(area)
        .caption(title, caption)
        .margin_top(px(s, 6.0))
        .margin_right(px(s, 14.0))
        .margin_left(px(s, left))
        .margin_bottom(px(s, 4.0))
        .x_label_area_size(px(s, 38.0))
        .y_label_area_size(px(s, y_labels))
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// The axes of an x-y panel: its title above, the house style, axis titles.
fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    p: &XyPanel,
    s: f64,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> std::result::Result<Chart<'a, DB>, String> {
    let caption = bold(s, 13.5).color(&palette::INK);
    let mut chart = panel_chart(area, &p.title, caption, s, (4.0, 60.0), x0..x1, y0..y1)?;
    let x_fmt = |v: &f64| tick(*v, x0, x1);
    let y_fmt = |v: &f64| tick(*v, y0, y1);
    house_mesh(&mut chart.configure_mesh(), s, 11.0)
        .x_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// A grey dashed reference line from one end to the other.
fn dashed_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    ends: [(f64, f64); 2],
    s: f64,
) -> std::result::Result<(), String> {
    chart
        .draw_series(DashedLineSeries::new(
            ends,
            px(s, 5.0) as u32,
            px(s, 4.0) as u32,
            palette::GREY.stroke_width(px(s, 1.0) as u32),
        ))
        .map_err(err)?;
    Ok(())
}

/// The dashed reference line and the fitted line of an x-y panel.
fn draw_guides<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    p: &XyPanel,
    s: f64,
    (x0, x1): (f64, f64),
) -> std::result::Result<(), String> {
    if let Some(r) = p.reference {
        dashed_line(chart, [(x0, r), (x1, r)], s)?;
    }
    if let Some((a, b)) = p.fit {
        chart
            .draw_series(LineSeries::new(
                vec![(x0, a + b * x0), (x1, a + b * x1)],
                palette::INK.stroke_width(px(s, 1.2) as u32),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// A series as a line with dots over the shaded band of its intervals.
fn draw_line_band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[&Point],
    c: RGBColor,
    s: f64,
) -> std::result::Result<(), String> {
    let band: Vec<&&Point> = pts
        .iter()
        .filter(|q| q.lo.is_finite() && q.hi.is_finite())
        .collect();
    if band.len() >= 2 {
        let poly: Vec<(f64, f64)> = band
            .iter()
            .map(|q| (q.x, q.hi))
            .chain(band.iter().rev().map(|q| (q.x, q.lo)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
            .map_err(err)?;
    }
    chart
        .draw_series(LineSeries::new(
            pts.iter().map(|q| (q.x, q.y)),
            c.stroke_width(px(s, 2.0) as u32),
        ))
        .map_err(err)?;
    draw_dots(chart, pts, c, s)
}

/// A series as dots with vertical error bars (capped), the bars at the dots' own x.
fn draw_error_bars<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[&Point],
    c: RGBColor,
    s: f64,
) -> std::result::Result<(), String> {
    let style = c.mix(0.6).stroke_width(px(s, 1.2) as u32);
    let cap = px(s, 2.5);
    for q in pts.iter().filter(|q| q.lo.is_finite() && q.hi.is_finite()) {
        interval_bar(chart, (q.x, q.lo, q.hi), cap, style)?;
    }
    draw_dots(chart, pts, c, s)
}

fn draw_dots<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[&Point],
    c: RGBColor,
    s: f64,
) -> std::result::Result<(), String> {
    chart
        .draw_series(
            pts.iter()
                .map(|q| Circle::new((q.x, q.y), px(s, 3.0), c.filled())),
        )
        .map_err(err)?;
    Ok(())
}

/// Writes panels of x-y series as one figure, `cols` panels per row: `path` (SVG) and the
/// PNG beside it.
pub fn xy_figure(path: &Path, title: &str, panels: &[XyPanel], cols: usize) -> Result<()> {
    let (dir, stem) = dir_and_stem(path);
    render(&XyFigure::new(title, panels, cols), dir, stem).map(|_| ())
}

/// The directory and the stem of a figure's SVG path (`dir/stem.svg`).
fn dir_and_stem(path: &Path) -> (&Path, &str) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("figure");
    (dir, stem)
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
    /// x axis title, with the unit.
    pub x_label: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// The series.
    pub series: Vec<ForestSeries>,
    /// A dashed vertical reference line (zero difference).
    pub reference: Option<f64>,
}

/// Forest panels under one title.
pub type ForestFigure<'a> = PanelFigure<'a, ForestPanel>;

/// Size of the row labels, points.
const ROW_LABEL_PT: f64 = 11.0;

impl<'a> ForestFigure<'a> {
    /// The figure of `panels`, `cols` per row.
    pub fn new(title: &str, panels: &'a [ForestPanel], cols: usize) -> ForestFigure<'a> {
        crate::report::plot::ensure_fonts();
        let f = font(1.0, ROW_LABEL_PT);
        let longest = panels
            .iter()
            .flat_map(|p| &p.rows)
            .filter_map(|r| f.box_size(r).ok())
            .map(|(w, _)| w)
            .max()
            .unwrap_or(60);
        let label_width = (longest + 16).clamp(60, 320);
        let nrows = panels.iter().map(|p| p.rows.len()).max().unwrap_or(1) as u32;
        let named = panels.iter().flat_map(|p| {
            p.series
                .iter()
                .enumerate()
                .map(|(k, s)| (s.name.as_str(), COLOURS[k % COLOURS.len()], Swatch::Dot))
        });
        let panel = (label_width + 320, 96 + 24 * nrows);
        ForestFigure {
            layout: Layout::new(title, panels.len(), cols, panel, legend_entries(named)),
            panels,
            label_width,
        }
    }
}

impl DrawPanel for ForestPanel {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        label_width: u32,
        s: f64,
    ) -> std::result::Result<(), String> {
        let p = self;
        let n = p.rows.len().max(1);
        let xr = range_of(
            p.series
                .iter()
                .flat_map(|s| s.values.iter().flat_map(|v| [v.0, v.1, v.2]))
                .chain(p.reference),
        );
        let (labels, plot) = area.split_horizontally(px(s, label_width as f64));
        let mut chart = forest_chart(&plot, p, s, xr, n)?;
        if let Some(r) = p.reference {
            dashed_line(&mut chart, [(r, -0.5), (r, n as f64 - 0.5)], s)?;
        }
        draw_estimates(&mut chart, p, s, n)?;
        draw_row_labels(&labels, &chart, p, s, xr.0)
    }
}

/// Vertical position of series `series` of `k` in row `row` of `n` (top row first): one
/// series at the row's centre, several spread over the middle half of the row.
fn row_y(n: usize, k: usize, row: usize, series: usize) -> f64 {
    let top = (n - 1 - row) as f64;
    if k <= 1 {
        top
    } else {
        top + 0.25 - 0.5 * series as f64 / (k - 1) as f64
    }
}

/// The axes of a forest panel: its title, vertical grid lines at the x ticks, the x title.
fn forest_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    p: &ForestPanel,
    s: f64,
    (x0, x1): (f64, f64),
    n: usize,
) -> std::result::Result<Chart<'a, DB>, String> {
    let caption = bold(s, 13.0).color(&palette::INK);
    let rows = -0.5..(n as f64 - 0.5);
    let mut chart = panel_chart(plot, &p.title, caption, s, (0.0, 0.0), x0..x1, rows)?;
    let x_fmt = |v: &f64| tick(*v, x0, x1);
    house_axes(
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(palette::LIGHT.stroke_width(px(s, 1.0) as u32))
            .x_max_light_lines(0)
            .x_labels(5)
            .y_labels(0),
        s,
        11.0,
    )
    .x_label_formatter(&x_fmt)
    .x_desc(p.x_label.as_str())
    .draw()
    .map_err(err)?;
    Ok(chart)
}

/// The estimates of a forest panel: dots on their rows with horizontal interval bars.
fn draw_estimates<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    p: &ForestPanel,
    s: f64,
    n: usize,
) -> std::result::Result<(), String> {
    let k = p.series.len();
    for (si, ser) in p.series.iter().enumerate() {
        let c = COLOURS[si % COLOURS.len()];
        let pts: Vec<(f64, (f64, f64, f64))> = ser
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.0.is_finite())
            .map(|(r, &v)| (row_y(n, k, r, si), v))
            .collect();
        chart
            .draw_series(
                pts.iter()
                    .filter(|(_, v)| v.1.is_finite() && v.2.is_finite())
                    .map(|&(y, v)| {
                        PathElement::new(
                            vec![(v.1, y), (v.2, y)],
                            c.stroke_width(px(s, 2.0) as u32),
                        )
                    }),
            )
            .map_err(err)?;
        chart
            .draw_series(
                pts.iter()
                    .map(|&(y, v)| Circle::new((v.0, y), px(s, 3.5), c.filled())),
            )
            .map_err(err)?;
    }
    Ok(())
}

/// The row labels, right-aligned in `labels` beside their rows.
fn draw_row_labels<DB: DrawingBackend>(
    labels: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    p: &ForestPanel,
    s: f64,
    x0: f64,
) -> std::result::Result<(), String> {
    let n = p.rows.len().max(1);
    let (_, by) = labels.get_base_pixel();
    let (w, _) = labels.dim_in_pixel();
    let style = font(s, ROW_LABEL_PT)
        .color(&palette::INK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (r, name) in p.rows.iter().enumerate() {
        let (_, y) = chart.backend_coord(&(x0, row_y(n, 1, r, 0)));
        labels
            .draw(&Text::new(
                name.clone(),
                (w as i32 - px(s, 8.0), y - by),
                style.clone(),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// Writes forest panels as one figure, `cols` panels per row: `path` (SVG) and the PNG
/// beside it.
pub fn forest_figure(path: &Path, title: &str, panels: &[ForestPanel], cols: usize) -> Result<()> {
    let (dir, stem) = dir_and_stem(path);
    render(&ForestFigure::new(title, panels, cols), dir, stem).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xy_panel() -> XyPanel {
        XyPanel {
            title: "t".into(),
            x_label: "x (months)".into(),
            y_label: axis_title("", "density"),
            series: vec![Series {
                name: "a".into(),
                points: (0..5)
                    .map(|k| Point::new(k as f64, k as f64, k as f64 - 1.0, k as f64 + 1.0))
                    .collect(),
                style: Style::LineBand,
            }],
            reference: Some(1.0),
            fit: Some((0.0, 1.0)),
        }
    }

    #[test]
    fn figures_are_written_as_svg_and_png_at_twice_the_nominal_size() {
        let dir = tempfile::tempdir().unwrap();
        let panel = xy_panel();
        let f = dir.path().join("xy.svg");
        xy_figure(
            &f,
            "Title (3 replicates, 95% intervals)",
            &[panel.clone(), panel],
            2,
        )
        .unwrap();
        let svg = std::fs::read_to_string(&f).unwrap();
        assert!(svg.contains("<svg"));
        // The axis titles with units, the legend, the note under the title.
        // (Each text element's content stands on a line of its own.)
        for text in [
            "\nx (months)\n",
            "\nshare of possible ties\n",
            "\na\n",
            "3 replicates",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        let (w, h) = XyFigure::new(
            "Title (3 replicates, 95% intervals)",
            &[xy_panel(), xy_panel()],
            2,
        )
        .size();
        assert!(svg.contains(&format!("width=\"{w}\" height=\"{h}\"")));
        let png = image_size(&dir.path().join("xy.png"));
        assert_eq!(png, (2 * w, 2 * h), "PNG at twice the nominal size");

        let fp = ForestPanel {
            title: "d".into(),
            x_label: axis_title("difference", "density"),
            rows: vec!["one".into(), "two".into()],
            series: vec![ForestSeries {
                name: "s".into(),
                values: vec![(1.0, 0.5, 1.5), (f64::NAN, f64::NAN, f64::NAN)],
            }],
            reference: Some(0.0),
        };
        let g = dir.path().join("forest.svg");
        forest_figure(&g, "Forest", std::slice::from_ref(&fp), 1).unwrap();
        let svg = std::fs::read_to_string(&g).unwrap();
        assert!(svg.contains("\ntwo\n") && svg.contains("\ndifference, share of possible ties\n"));
        let (w, h) = ForestFigure::new("Forest", &[fp], 1).size();
        assert_eq!(image_size(&dir.path().join("forest.png")), (2 * w, 2 * h));
    }

    /// Width and height of a PNG, from its IHDR chunk.
    fn image_size(path: &Path) -> (u32, u32) {
        let b = std::fs::read(path).unwrap();
        assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
        let be = |k: usize| u32::from_be_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
        (be(16), be(20))
    }

    #[test]
    fn titles_keep_their_notes_apart_and_ticks_read_as_the_reports() {
        let (t, lines) = title_parts(
            "Main effects (100 replicates per point, 95% intervals)",
            800.0,
        );
        assert_eq!(t, "Main effects");
        assert_eq!(
            lines,
            vec!["100 replicates per point · 95% intervals".to_string()]
        );
        assert_eq!(title_parts("Forest", 800.0), ("Forest".to_string(), vec![]));
        // Ticks on an axis of width 2 fall 0.5 apart: one decimal tells them apart.
        assert_eq!(tick(-0.5, -1.0, 1.0), "−0.5");
        assert_eq!(tick(-0.25, -0.3, 0.0), "−0.25");
        assert_eq!(tick(250000.0, 0.0, 500000.0), "250k");
        assert_eq!(tick(-5e6, -7e6, 7e6), "−5M");
        assert_eq!(tick(2.5e6, 0.0, 2.5e6), "2.5M");
        assert_eq!(tick(0.0, -1e6, 4e6), "0");
        assert_eq!(row_y(3, 1, 0, 0), 2.0);
        assert_eq!(row_y(3, 2, 2, 1), -0.25);
    }
}
