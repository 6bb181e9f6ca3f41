//! Plain SVG figures of calibration results: marginal posteriors (or sampling distributions)
//! of the parameters, and predictive bands against observed distributions. Written by hand so
//! that no font or system library is needed; any browser or vector editor opens them.

use std::fmt::Write;

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

const W: f64 = 420.0;
const H: f64 = 300.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 44.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

fn fmt_tick(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

struct Frame {
    x0: f64,
    y0: f64,
    xlo: f64,
    xhi: f64,
    ylo: f64,
    yhi: f64,
}

impl Frame {
    fn x(&self, v: f64) -> f64 {
        self.x0 + LEFT + (v - self.xlo) / (self.xhi - self.xlo) * (W - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        self.y0 + H - BOTTOM - (v - self.ylo) / (self.yhi - self.ylo) * (H - TOP - BOTTOM)
    }
}

fn axes(svg: &mut String, f: &Frame, title: &str, subtitle: &str, xticks: bool) {
    let (x0, y0) = (f.x0, f.y0);
    let _ = writeln!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444" stroke-width="0.8"/>"##,
        x0 + LEFT,
        y0 + TOP,
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" font-size="13" font-weight="bold">{}</text>"#,
        x0 + LEFT,
        y0 + 18.0,
        esc(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
        x0 + LEFT,
        y0 + 34.0,
        esc(subtitle)
    );
    if xticks {
        for t in ticks(f.xlo, f.xhi) {
            let x = f.x(t);
            let _ = writeln!(
                svg,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
                y0 + H - BOTTOM,
                y0 + H - BOTTOM + 4.0,
                y0 + H - BOTTOM + 16.0,
                fmt_tick(t)
            );
        }
    }
    for t in ticks(f.ylo, f.yhi) {
        let y = f.y(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#444"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            x0 + LEFT - 4.0,
            x0 + LEFT,
            x0 + LEFT - 6.0,
            y + 3.5,
            fmt_tick(t)
        );
    }
}

fn document(panels: usize, cols: usize, body: &str) -> String {
    let rows = panels.div_ceil(cols).max(1);
    let (w, h) = (W * cols.min(panels.max(1)) as f64, H * rows as f64);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

/// Marginal plots, two panels per row.
pub fn marginals_svg(panels: &[Panel]) -> String {
    let cols = 2;
    let mut body = String::new();
    for (k, p) in panels.iter().enumerate() {
        let x0 = (k % cols) as f64 * W;
        let y0 = (k / cols) as f64 * H;
        let xs = p
            .bars
            .iter()
            .flat_map(|b| [b.0, b.1])
            .chain(p.curves.iter().flat_map(|c| c.2.iter().map(|q| q.0)))
            .chain(p.lines.iter().map(|l| l.2))
            .filter(|x| x.is_finite());
        let (mut xlo, mut xhi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        if !xlo.is_finite() || !xhi.is_finite() {
            (xlo, xhi) = (0.0, 1.0);
        } else if xhi <= xlo {
            xlo -= 1.0;
            xhi += 1.0;
        }
        let yhi = p
            .bars
            .iter()
            .map(|b| b.2)
            .chain(p.curves.iter().flat_map(|c| c.2.iter().map(|q| q.1)))
            .filter(|y| y.is_finite())
            .fold(0.0f64, f64::max)
            * 1.08;
        let f = Frame {
            x0,
            y0,
            xlo,
            xhi,
            ylo: 0.0,
            yhi: if yhi > 0.0 { yhi } else { 1.0 },
        };
        if let Some((a, b)) = p.interval {
            let _ = writeln!(
                body,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#fde7c8"/>"##,
                f.x(a),
                y0 + TOP,
                (f.x(b) - f.x(a)).max(0.5),
                H - TOP - BOTTOM
            );
        }
        for &(a, b, d) in &p.bars {
            let _ = writeln!(
                body,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#8fb3d9" stroke="#5a86b5" stroke-width="0.5"/>"##,
                f.x(a),
                f.y(d),
                (f.x(b) - f.x(a)).max(0.3),
                f.y(0.0) - f.y(d)
            );
        }
        for (_, colour, pts) in &p.curves {
            let path: Vec<String> = pts
                .iter()
                .filter(|q| q.1.is_finite())
                .map(|&(x, y)| format!("{:.1},{:.1}", f.x(x), f.y(y.min(f.yhi))))
                .collect();
            let _ = writeln!(
                body,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.6"/>"#,
                path.join(" ")
            );
        }
        for (_, colour, x, dashed) in &p.lines {
            let dash = if *dashed {
                r#" stroke-dasharray="5,3""#
            } else {
                ""
            };
            let _ = writeln!(
                body,
                r#"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="{colour}" stroke-width="1.6"{dash}/>"#,
                f.x(*x),
                y0 + TOP,
                y0 + H - BOTTOM
            );
        }
        axes(&mut body, &f, &p.title, &p.subtitle, true);
        // Legend.
        let mut ly = y0 + TOP + 12.0;
        let items = p
            .curves
            .iter()
            .map(|c| (&c.0, &c.1))
            .chain(p.lines.iter().map(|l| (&l.0, &l.1)));
        for (label, colour) in items {
            if label.is_empty() {
                continue;
            }
            let lx = x0 + W - RIGHT - 118.0;
            let _ = writeln!(
                body,
                r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
                lx + 14.0,
                lx + 18.0,
                ly + 3.5,
                esc(label)
            );
            ly += 13.0;
        }
    }
    document(panels.len(), cols, &body)
}

/// Band plots (one panel per row): the predictive 95% band as bars, its mean as a line and
/// the observed values as points.
pub fn bands_svg(panels: &[BandPanel]) -> String {
    let mut body = String::new();
    for (k, p) in panels.iter().enumerate() {
        let y0 = k as f64 * H;
        let n = p.labels.len().max(1);
        let yhi =
            p.hi.iter()
                .chain(&p.observed)
                .filter(|y| y.is_finite())
                .fold(0.0f64, |a, &b| a.max(b))
                * 1.08;
        let f = Frame {
            x0: 0.0,
            y0,
            xlo: -0.5,
            xhi: n as f64 - 0.5,
            ylo: 0.0,
            yhi: if yhi > 0.0 { yhi } else { 1.0 },
        };
        let bw = (f.x(1.0) - f.x(0.0)) * 0.6;
        for i in 0..p.labels.len() {
            let (lo, hi) = (p.lo[i], p.hi[i]);
            if lo.is_finite() && hi.is_finite() {
                let _ = writeln!(
                    body,
                    r##"<rect x="{:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="#c9dcf0" stroke="#5a86b5" stroke-width="0.5"/>"##,
                    f.x(i as f64) - bw / 2.0,
                    f.y(hi),
                    (f.y(lo) - f.y(hi)).max(0.8)
                );
            }
        }
        let path: Vec<String> = p
            .mean
            .iter()
            .enumerate()
            .filter(|q| q.1.is_finite())
            .map(|(i, &m)| format!("{:.1},{:.1}", f.x(i as f64), f.y(m)))
            .collect();
        let _ = writeln!(
            body,
            r##"<polyline points="{}" fill="none" stroke="#2b5d91" stroke-width="1.4"/>"##,
            path.join(" ")
        );
        for (i, &o) in p.observed.iter().enumerate() {
            if o.is_finite() {
                let _ = writeln!(
                    body,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3.2" fill="#c0392b"/>"##,
                    f.x(i as f64),
                    f.y(o)
                );
            }
        }
        axes(
            &mut body,
            &f,
            &p.title,
            "bars: 95% predictive interval; line: predictive mean; dots: observed",
            false,
        );
        let every = n.div_ceil(20).max(1);
        for (i, l) in p.labels.iter().enumerate() {
            if i % every == 0 {
                let _ = writeln!(
                    body,
                    r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                    f.x(i as f64),
                    y0 + H - BOTTOM + 16.0,
                    esc(l)
                );
            }
        }
    }
    document(panels.len(), 1, &body)
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
        let svg = marginals_svg(&[Panel {
            title: "a<b".into(),
            bars: vec![(0.0, 1.0, 0.5)],
            ..Default::default()
        }]);
        assert!(svg.starts_with("<svg") && svg.contains("a&lt;b"));
    }
}
