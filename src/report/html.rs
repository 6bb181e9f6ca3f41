//! Pieces of the self-contained HTML reports: escaping, tables, the page frame and its style
//! sheet (no script, no external resource: the file opens anywhere, also offline).

use super::fmt::sig;
use super::summary::Describe;

/// `s` escaped for HTML text and attribute values ([`crate::xml::escape`]).
pub fn esc(s: &str) -> String {
    crate::xml::escape(s).into_owned()
}

/// A table; `head` and the cells are HTML already (escape text with [`esc`]). Cells of
/// columns after the first `text_cols` are right-aligned numbers.
pub fn table(head: &[String], rows: &[Vec<String>], text_cols: usize) -> String {
    let mut h = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
    for (k, c) in head.iter().enumerate() {
        let cls = if k >= text_cols { " class=\"num\"" } else { "" };
        h.push_str(&format!("<th{cls}>{c}</th>"));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        h.push_str("<tr>");
        for (k, c) in r.iter().enumerate() {
            let cls = if k >= text_cols { " class=\"num\"" } else { "" };
            h.push_str(&format!("<td{cls}>{c}</td>"));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// `mean [p2.5, p97.5]` with the Monte Carlo standard error under it.
pub fn interval_cell(d: &Describe) -> String {
    if d.n == 0 {
        return "<span class=\"na\">–</span>".into();
    }
    format!(
        "{} <span class=\"ci\">[{}, {}]</span><br><span class=\"se\">±{}</span>",
        sig(d.mean, 3),
        sig(d.p2_5, 3),
        sig(d.p97_5, 3),
        sig(d.mcse, 2)
    )
}

/// A figure with its caption; `svg` is inlined.
pub fn figure(id: &str, svg: &str, caption: &str) -> String {
    format!(
        "<figure id=\"{id}\">\n{}\n<figcaption>{caption}</figcaption>\n</figure>\n",
        super::plot::inline_svg(svg)
    )
}

/// A complete page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n\
         </body>\n</html>\n",
        esc(title)
    )
}

const STYLE: &str = r#"
:root { --ink: #222; --grey: #666; --rule: #e3e3e3; --accent: #0072b2; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 60px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 18px; }
.kicker { margin: 0; color: var(--accent); font-weight: 600; letter-spacing: .06em;
  text-transform: uppercase; font-size: 12px; }
h1 { margin: 4px 0 4px; font-size: 30px; line-height: 1.2; }
h2 { margin: 34px 0 8px; font-size: 21px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { margin: 22px 0 6px; font-size: 16px; }
.lead { margin: 0; color: var(--grey); font-size: 16px; }
p.note { color: var(--grey); margin: 6px 0 10px; max-width: 70em; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
  gap: 8px 18px; margin: 0; padding: 12px 16px; background: var(--band); border-radius: 6px; }
.facts div { min-width: 0; }
.facts dt { font-size: 11.5px; color: var(--grey); text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
figure { margin: 14px 0 22px; }
figure svg { display: block; border: 1px solid var(--rule); border-radius: 4px; }
figcaption { color: var(--grey); font-size: 13.5px; margin-top: 6px; max-width: 70em; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px;
  font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; text-align: left; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; }
tbody tr:hover { background: #fafbfc; }
.ci { color: var(--grey); white-space: nowrap; }
.se { color: #999; font-size: 11.5px; }
.na { color: #aaa; }
.good { color: #00734f; font-weight: 600; }
.warn { color: #b34700; font-weight: 600; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
pre { background: var(--band); padding: 12px; border-radius: 6px; overflow-x: auto; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.cite { border-left: 3px solid var(--accent); padding: 8px 14px; background: var(--band); }
footer { margin-top: 40px; color: var(--grey); font-size: 12.5px; border-top: 1px solid var(--rule); padding-top: 10px; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }
}
