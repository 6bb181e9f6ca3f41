//! The documentation holds together: every relative link and `#anchor` in the README, docs/
//! and the data sets' READMEs resolves, and every "docs/NAME.md, section N" that a code
//! comment, test or scenario cites names a section that exists.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files the link check covers, relative to the crate root.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    for dir in [
        "docs",
        "scenarios/data/wecare-measure1",
        "scenarios/data/s50",
        "results",
    ] {
        let mut found: Vec<PathBuf> = fs::read_dir(root().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces turned into `-`.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A Markdown file's headings (level, text) and link targets, in order.
struct Doc {
    headings: Vec<(HeadingLevel, String)>,
    links: Vec<String>,
}

fn parse(text: &str) -> Doc {
    let mut doc = Doc {
        headings: Vec::new(),
        links: Vec::new(),
    };
    let mut heading: Option<(HeadingLevel, String)> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => doc.headings.extend(heading.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                doc.links.push(dest_url.to_string())
            }
            _ => {}
        }
    }
    doc
}

/// The anchors of a file's headings, numbered `-1`, `-2` ... when repeated, as GitHub does.
fn anchors(doc: &Doc) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, h) in &doc.headings {
        let s = slug(h);
        let n = seen.entry(s.clone()).or_insert(0);
        out.insert(if *n == 0 { s } else { format!("{s}-{n}") });
        *n += 1;
    }
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn relative_links_and_anchors_resolve() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let doc = parse(&read(&file));
        for link in &doc.links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (target, anchor) = match link.split_once('#') {
                Some((t, a)) => (t, Some(a)),
                None => (link.as_str(), None),
            };
            let target_path = if target.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(target)
            };
            let full = root().join(&target_path);
            if !full.exists() {
                broken.push(format!("{}: `{link}`: no such file", file.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                if full.extension().is_none_or(|x| x != "md") {
                    broken.push(format!(
                        "{}: `{link}`: anchor on a non-Markdown file",
                        file.display()
                    ));
                    continue;
                }
                let target_doc = parse(&fs::read_to_string(&full).unwrap());
                if !anchors(&target_doc).contains(anchor) {
                    broken.push(format!(
                        "{}: `{link}`: no heading with anchor `#{anchor}`",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The README and docs link to each other; finding none would mean the parser saw nothing.
    assert!(checked > 30, "only {checked} relative links found");
}

/// The numbers of a document's numbered headings: "## 8. Defaults" and "### 8.1 Table" give
/// "8" and "8.1".
fn section_numbers(doc: &Doc) -> BTreeSet<String> {
    doc.headings
        .iter()
        .filter_map(|(_, h)| {
            let num: String = h
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let num = num.trim_end_matches('.');
            (!num.is_empty()).then(|| num.to_string())
        })
        .collect()
}

/// Source, test, scenario and bench files whose comments may cite the docs.
fn cited_from() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|x| x == "rs" || x == "toml" || x == "md")
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["src", "tests", "benches", "scenarios", "docs"] {
        walk(&root().join(dir), &mut out);
    }
    out.push(root().join("README.md"));
    out.sort();
    out
}

#[test]
fn cited_doc_sections_exist() {
    let cite = citation_parser();
    let mut missing = Vec::new();
    let mut checked = 0;
    // This file's own examples of the citation forms are not citations.
    for path in cited_from()
        .into_iter()
        .filter(|p| !p.ends_with("tests/docs_links.rs"))
    {
        // Comments wrap lines; join them so a citation split over two lines is still seen.
        let text = fs::read_to_string(&path).unwrap();
        let joined: String = text
            .lines()
            .map(|l| {
                l.trim_start()
                    .trim_start_matches("//!")
                    .trim_start_matches("///")
            })
            .map(|l| l.trim_start_matches("//").trim_start_matches('#').trim())
            .collect::<Vec<_>>()
            .join(" ");
        for (doc, sections) in cite(&joined) {
            let doc_path = Path::new("docs").join(&doc);
            if !root().join(&doc_path).exists() {
                missing.push(format!(
                    "{}: cites docs/{doc}, which does not exist",
                    path.display()
                ));
                continue;
            }
            let have = section_numbers(&parse(&read(&doc_path)));
            for s in sections {
                checked += 1;
                if !have.contains(&s) {
                    missing.push(format!(
                        "{}: cites docs/{doc} section {s}, which does not exist",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(checked > 20, "only {checked} section citations found");
}

/// Finds "docs/NAME.md, section 8.1", "docs/NAME.md section 7", "docs/NAME.md, sections 3
/// and 7" and "docs/NAME.md, sections 2-7" in a text; returns (NAME.md, section numbers).
fn citation_parser() -> impl Fn(&str) -> Vec<(String, Vec<String>)> {
    |text: &str| {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find("docs/") {
            rest = &rest[i + 5..];
            let Some(end) = rest.find(".md") else { break };
            let name = &rest[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                continue;
            }
            let after = rest[end + 3..].trim_start_matches(',').trim_start();
            let words: Vec<&str> = after.split_whitespace().take(4).collect();
            let num = |w: &str| -> Option<String> {
                let n: String = w
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let n = n.trim_end_matches('.').to_string();
                (!n.is_empty()).then_some(n)
            };
            let mut sections = Vec::new();
            match words.as_slice() {
                ["section", n, ..] => sections.extend(num(n)),
                ["sections", range, ..] if range.contains('-') => {
                    let (a, b) = range.split_once('-').unwrap();
                    if let (Some(a), Some(b)) = (num(a), num(b)) {
                        let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
                        sections.extend((a..=b).map(|k| k.to_string()));
                    }
                }
                ["sections", a, "and", b, ..] => sections.extend(num(a).into_iter().chain(num(b))),
                _ => {}
            }
            out.push((format!("{name}.md"), sections));
        }
        out
    }
}

#[test]
fn section_citation_parser_reads_the_forms_in_use() {
    let cite = citation_parser();
    let got = cite(
        "(docs/ODD.md, sections 3 and 7) and docs/ODD.md section 10, item 1; \
         (docs/ODD.md, sections 2-4). docs/results.md describes",
    );
    let want = vec![
        ("ODD.md".to_string(), vec!["3".to_string(), "7".to_string()]),
        ("ODD.md".to_string(), vec!["10".to_string()]),
        (
            "ODD.md".to_string(),
            vec!["2".to_string(), "3".to_string(), "4".to_string()],
        ),
        ("results.md".to_string(), vec![]),
    ];
    assert_eq!(got, want);
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("8.1 Table of defaults"), "81-table-of-defaults");
    assert_eq!(
        slug("## `replicates.csv`".trim_start_matches("## ")),
        "replicatescsv"
    );
    assert_eq!(
        slug("Q1: did pre-existing social capital help?"),
        "q1-did-pre-existing-social-capital-help"
    );
    assert_eq!(slug("Size (`src/stats/size.rs`)"), "size-srcstatssizers");
}

#[test]
fn no_document_points_outside_the_project() {
    let mut found = Vec::new();
    for path in cited_from() {
        let text = fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            // The names are split so that this file does not match itself.
            if line.contains(concat!("MODEL", ".md")) || line.contains(concat!("DOMAIN", ".md")) {
                found.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "references to files outside the project: {found:?}"
    );
}
