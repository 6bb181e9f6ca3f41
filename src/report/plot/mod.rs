//! Plots of a run, drawn with plotters into SVG (for the report and for papers) and PNG (for
//! slides): both at twice the nominal size, so that lines and text are crisp when projected.
//!
//! Every figure is a [`Figure`]: it knows its nominal size and draws itself on any plotters
//! backend at a scale factor. [`render`] writes `<stem>.svg` and `<stem>.png` and returns the
//! SVG text for inlining.

pub mod bands;
pub mod network;

use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

/// Scale factor of the drawn files over the nominal size.
pub const SCALE: f64 = 2.0;

/// The colours of the kinds, outcomes and series (Okabe and Ito's palette, readable with the
/// common colour-vision deficiencies).
pub mod palette {
    use plotters::style::RGBColor;
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermilion.
    pub const VERMILION: RGBColor = RGBColor(213, 94, 0);
    /// Bluish green.
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Reddish purple.
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Sky blue.
    pub const SKY: RGBColor = RGBColor(86, 180, 233);
    /// Yellow.
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    /// Near black, for text and observed values.
    pub const INK: RGBColor = RGBColor(34, 34, 34);
    /// Mid grey, for axes and secondary text.
    pub const GREY: RGBColor = RGBColor(110, 110, 110);
    /// Light grey, for grid lines.
    pub const LIGHT: RGBColor = RGBColor(228, 228, 228);
    /// Series colours, in order (runs of a comparison, lines of a panel).
    pub const SERIES: [RGBColor; 7] = [BLUE, VERMILION, GREEN, PURPLE, ORANGE, SKY, INK];
}

static FONTS: Once = Once::new();

/// The font family of the plots: a CSS font list, written as is into the SVG files (so a
/// viewer with DejaVu Sans draws the text in the font it was measured with, and others fall
/// back), and the name the embedded font is registered under for measuring and PNG drawing.
pub const FAMILY: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

/// Registers the embedded DejaVu Sans subset as [`FAMILY`] (needed to measure and draw text
/// without system fonts).
pub fn ensure_fonts() {
    FONTS.call_once(|| {
        let regular: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        let bold: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
        // The fonts are part of the source tree; they parse.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, regular);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, bold);
    });
}

/// The house style of a chart's axes at scale `s`: no vertical grid, light horizontal lines
/// at five y labels, grey axes, 3-point ticks, labels of `label_pt` points and 11-point axis
/// titles. Callers add their x labels, formatters and titles.
pub fn house_mesh<'m, 'a, 'b, X, Y, DB>(
    m: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
    s: f64,
    label_pt: f64,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    house_axes(
        m.disable_x_mesh()
            .bold_line_style(palette::LIGHT.stroke_width(px(s, 1.0) as u32))
            .y_max_light_lines(0)
            .y_labels(5),
        s,
        label_pt,
    )
}

/// The house style of a chart's axes without its grid (for charts whose grid runs the other
/// way, as forest plots): grey axes, 3-point ticks, labels of `label_pt` points and 11-point
/// axis titles.
pub fn house_axes<'m, 'a, 'b, X, Y, DB>(
    m: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
    s: f64,
    label_pt: f64,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    m.axis_style(palette::GREY.stroke_width(px(s, 1.0) as u32))
        .set_all_tick_mark_size(px(s, 3.0))
        .label_style(font(s, label_pt).color(&palette::GREY))
        .axis_desc_style(font(s, 11.0).color(&palette::GREY))
}

/// A tick value with `decimals` decimals, trailing zeros dropped, a true minus sign.
pub fn tick(v: f64, decimals: usize) -> String {
    let mut t = format!("{v:.decimals$}");
    if t.contains('.') {
        t = t.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if t == "-0" {
        t = "0".into();
    }
    t.replace('-', "−")
}

/// Decimals that tell neighbouring ticks apart on an axis from `lo` to `hi` with about five
/// ticks.
pub fn tick_decimals(lo: f64, hi: f64) -> usize {
    (-((hi - lo) / 5.0).log10().floor()).clamp(0.0, 8.0) as usize
}

/// Left edge of a figure's title block, nominal pixels.
const TITLE_LEFT: f64 = 16.0;

/// Draws a figure's title (bold, 18 points) and the grey lines under it (12.5 points, 17
/// apart) at the top of `area`.
pub fn title_block<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    s: f64,
    title: &str,
    lines: &[String],
) -> std::result::Result<(), String> {
    area.draw(&Text::new(
        title.to_string(),
        (px(s, TITLE_LEFT), px(s, 12.0)),
        bold(s, 18.0).color(&palette::INK),
    ))
    .map_err(err)?;
    for (k, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (px(s, TITLE_LEFT), px(s, 38.0 + 17.0 * k as f64)),
            font(s, 12.5).color(&palette::GREY),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// The frame of a figure: draws its title block (`title` and the grey `lines`) in the top
/// `header` nominal pixels of `root` and returns the body under it and the footer of the
/// last `footer` nominal pixels (where the legend goes).
pub fn framed<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    s: f64,
    (header, footer): (u32, u32),
    title: &str,
    lines: &[String],
) -> std::result::Result<[DrawingArea<DB, plotters::coord::Shift>; 2], String> {
    let (_, h) = root.dim_in_pixel();
    let (head, rest) = root.split_vertically(px(s, header as f64));
    let (body, foot) = rest.split_vertically(h as i32 - px(s, (header + footer) as f64));
    title_block(&head, s, title, lines)?;
    Ok([body, foot])
}

/// Nominal height of a title block with `lines` lines under the title.
pub fn title_height(lines: usize) -> u32 {
    if lines == 0 {
        42
    } else {
        60 + 17 * (lines as u32 - 1)
    }
}

/// Pixels at scale `s` of a nominal length.
pub fn px(s: f64, v: f64) -> i32 {
    (v * s).round() as i32
}

/// The regular font at a nominal size.
pub fn font(s: f64, size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size * s, FontStyle::Normal)
}

/// The bold font at a nominal size.
pub fn bold(s: f64, size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size * s, FontStyle::Bold)
}

/// `text` broken into lines at its ` · ` separators so that each fits in `width` nominal
/// pixels at font size `size` (a part longer than `width` gets a line of its own).
pub fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    ensure_fonts();
    let f = font(1.0, size);
    let fits = |t: &str| f.box_size(t).map_or(true, |(w, _)| w as f64 <= width);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for part in text.split(" · ") {
        let cand = if cur.is_empty() {
            part.to_string()
        } else {
            format!("{cur} · {part}")
        };
        if cur.is_empty() || fits(&cand) {
            cur = cand;
        } else {
            lines.push(std::mem::replace(&mut cur, part.to_string()));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Draws tick marks and labels under the x axis of `chart` at the given positions (for time
/// axes whose ticks are the waves' months, which the automatic "nice number" ticks would
/// miss); `area` is the area the chart was built on, `y0` the bottom of the y range.
pub fn x_key_ticks<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    y0: f64,
    ticks: &[(f64, String)],
    s: f64,
) -> std::result::Result<(), String> {
    let (bx, by) = area.get_base_pixel();
    let style = font(s, 11.0)
        .color(&palette::GREY)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let line = palette::GREY.stroke_width(px(s, 1.0) as u32);
    for (x, label) in ticks {
        let (x, y) = chart.backend_coord(&(*x, y0));
        let (x, y) = (x - bx, y - by);
        area.draw(&PathElement::new(vec![(x, y), (x, y + px(s, 3.0))], line))
            .map_err(err)?;
        area.draw(&Text::new(
            label.clone(),
            (x, y + px(s, 5.0)),
            style.clone(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// A chart on plain numbers: what every figure of the project draws on.
pub type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws a vertical interval from `lo` to `hi` at `x`, capped at both ends by ticks `cap`
/// pixels to each side.
pub fn interval_bar<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x, lo, hi): (f64, f64, f64),
    cap: i32,
    style: ShapeStyle,
) -> std::result::Result<(), String> {
    chart
        .draw_series([
            EmptyElement::at((x, lo)) + PathElement::new(vec![(-cap, 0), (cap, 0)], style),
            EmptyElement::at((x, hi)) + PathElement::new(vec![(-cap, 0), (cap, 0)], style),
        ])
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            style,
        )))
        .map_err(err)?;
    Ok(())
}

/// A drawing error as text.
pub fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A figure that draws itself on any backend.
pub trait Figure {
    /// Nominal size in pixels (the SVG's width and height).
    fn size(&self) -> (u32, u32);
    /// Draws the figure on `root`, lengths multiplied by `s`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        s: f64,
    ) -> std::result::Result<(), String>;
}

fn scaled((w, h): (u32, u32)) -> (u32, u32) {
    (
        (w as f64 * SCALE).round() as u32,
        (h as f64 * SCALE).round() as u32,
    )
}

/// Draws `fig` as SVG text (drawn at [`SCALE`], shown at the nominal size).
pub fn svg_text(fig: &impl Figure) -> Result<String> {
    ensure_fonts();
    let (w, h) = fig.size();
    let big = scaled((w, h));
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, big).into_drawing_area();
        root.fill(&WHITE).map_err(|e| Error::Other(err(e)))?;
        fig.draw(&root, SCALE).map_err(Error::Other)?;
        root.present().map_err(|e| Error::Other(err(e)))?;
    }
    // Show at the nominal size; the view box keeps the drawing's finer coordinates.
    let from = format!("width=\"{}\" height=\"{}\"", big.0, big.1);
    Ok(out.replacen(&from, &format!("width=\"{w}\" height=\"{h}\""), 1))
}

/// Writes `<dir>/<stem>.svg` and `<dir>/<stem>.png` (each through a temporary file and a
/// rename) and returns the SVG text.
pub fn render(fig: &impl Figure, dir: &Path, stem: &str) -> Result<String> {
    let svg = svg_text(fig)?;
    super::files::replace_atomically(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    let png = dir.join(format!("{stem}.png"));
    // The encoder picks the format from the extension: the temporary name ends in `.png`.
    let tmp = dir.join(format!(".{stem}.{}.tmp.png", std::process::id()));
    {
        let root = BitMapBackend::new(&tmp, scaled(fig.size())).into_drawing_area();
        root.fill(&WHITE).map_err(|e| Error::Other(err(e)))?;
        fig.draw(&root, SCALE).map_err(Error::Other)?;
        root.present().map_err(|e| Error::Other(err(e)))?;
    }
    std::fs::rename(&tmp, &png).map_err(|e| Error::io(&png, e))?;
    Ok(svg)
}

/// The SVG made fluid for inlining in HTML: full width of its container, height from its
/// view box.
pub fn inline_svg(svg: &str) -> String {
    match (svg.find("<svg"), svg.find("viewBox")) {
        (Some(start), Some(vb)) if vb > start => {
            let head_end = svg[start..].find('>').map_or(svg.len(), |k| start + k);
            let head = &svg[start..head_end];
            let mut h = String::from("<svg role=\"img\" style=\"width:100%;height:auto\"");
            for attr in ["viewBox", "xmlns"] {
                if let Some(p) = head.find(attr) {
                    let rest = &head[p..];
                    let end = rest[attr.len() + 2..]
                        .find('"')
                        .map_or(rest.len(), |k| k + attr.len() + 3);
                    h.push(' ');
                    h.push_str(&rest[..end]);
                }
            }
            format!("{h}{}", &svg[head_end..])
        }
        _ => svg.to_string(),
    }
}

/// Draws a legend row centred in `area`: a swatch and a label per entry.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    s: f64,
    entries: &[LegendEntry],
) -> std::result::Result<(), String> {
    let f = font(s, 12.5);
    let widths: Vec<i32> = entries
        .iter()
        .map(|e| {
            let (tw, _) = area
                .estimate_text_size(&e.label, &TextStyle::from(f.clone()))
                .unwrap_or((0, 0));
            px(s, 26.0) + tw as i32 + px(s, 18.0)
        })
        .collect();
    let total: i32 = widths.iter().sum();
    let (w, h) = area.dim_in_pixel();
    let mut x = (w as i32 - total).max(0) / 2;
    let y = h as i32 / 2;
    for (e, wd) in entries.iter().zip(widths) {
        match e.swatch {
            Swatch::Band => {
                area.draw(&Rectangle::new(
                    [(x, y - px(s, 6.0)), (x + px(s, 20.0), y + px(s, 6.0))],
                    e.colour.mix(0.22).filled(),
                ))
                .map_err(err)?;
                area.draw(&PathElement::new(
                    vec![(x, y), (x + px(s, 20.0), y)],
                    e.colour.stroke_width(px(s, 2.0) as u32),
                ))
                .map_err(err)?;
            }
            Swatch::Line => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + px(s, 20.0), y)],
                    e.colour.stroke_width(px(s, 2.5) as u32),
                ))
                .map_err(err)?;
            }
            Swatch::Dot => {
                area.draw(&Circle::new(
                    (x + px(s, 10.0), y),
                    px(s, 5.0),
                    e.colour.filled(),
                ))
                .map_err(err)?;
            }
            Swatch::Observed => {
                area.draw(&PathElement::new(
                    vec![
                        (x + px(s, 10.0), y - px(s, 7.0)),
                        (x + px(s, 10.0), y + px(s, 7.0)),
                    ],
                    e.colour.stroke_width(px(s, 1.5) as u32),
                ))
                .map_err(err)?;
                area.draw(&Rectangle::new(
                    [
                        (x + px(s, 6.0), y - px(s, 4.0)),
                        (x + px(s, 14.0), y + px(s, 4.0)),
                    ],
                    e.colour.filled(),
                ))
                .map_err(err)?;
            }
        }
        area.draw(&Text::new(
            e.label.clone(),
            (x + px(s, 26.0), y),
            f.clone()
                .color(&palette::INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        x += wd;
    }
    Ok(())
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    /// A line over a shaded band (mean and interval).
    Band,
    /// A line.
    Line,
    /// A dot.
    Dot,
    /// An observed value with its interval.
    Observed,
}

/// One entry of a legend.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    /// Text.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Swatch.
    pub swatch: Swatch,
}
