//! Reading scenario files with errors that name the file, line, column and key path.

use super::Scenario;
use std::fmt;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the key is in the file.
    pub line: Option<usize>,
    /// 1-based column, when the key is in the file.
    pub column: Option<usize>,
    /// Dotted key path, e.g. `formation.rate.pre` or `projects[2].lead`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// A scenario that cannot be used, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The scenario file.
    pub file: String,
    /// The problems, in file order where known.
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error with one problem and no position.
    pub fn single(file: &str, key: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            problems: vec![Problem {
                line: None,
                column: None,
                key: key.to_string(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, p) in self.problems.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file)?;
            if let (Some(l), Some(c)) = (p.line, p.column) {
                write!(f, ":{l}:{c}")?;
            }
            if p.key.is_empty() {
                write!(f, ": {}", p.message)?;
            } else {
                write!(f, ": `{}`: {}", p.key, p.message)?;
            }
        }
        Ok(())
    }
}

pub(super) fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let bytes = crate::input::read(path)
        .map_err(|e| ScenarioError::single(&file, "", format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        // Locate the first byte that is not UTF-8.
        let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let ok = std::str::from_utf8(ok).unwrap_or_default();
        let (line, column) = LineIndex::new(ok).locate(ok.len());
        ScenarioError {
            file: file.clone(),
            problems: vec![Problem {
                line: Some(line),
                column: Some(column),
                key: String::new(),
                message: "the file is not UTF-8 text (save it as UTF-8)".into(),
            }],
        }
    })?;
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    parse(&text, &file, &base)
}

pub(super) fn parse(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let lines = LineIndex::new(text);
    let doc = DeTable::parse(text).map_err(|e| {
        let (line, column) = e.span().map(|s| lines.locate(s.start)).unzip();
        ScenarioError {
            file: file.to_string(),
            problems: vec![Problem {
                line,
                column,
                key: String::new(),
                message: format!("not valid TOML: {}", e.message()),
            }],
        }
    })?;
    let de = toml::Deserializer::from(doc.clone());
    let mut scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = path_string(e.path());
        let mut message = e.inner().message().to_string();
        if let Some(effect) = super::effect::by_key(&key)
            && !key.contains(".effects.")
        {
            message.push_str(&format!(
                "; effects are set by name in [{p}.effects], e.g. `[{p}.effects] {n} = ...`",
                p = effect.process.name(),
                n = effect.name
            ));
        }
        let span = e
            .inner()
            .span()
            .or_else(|| locate(doc.get_ref(), &key).map(|s| s.0));
        let (line, column) = span.map(|s| lines.locate(s.start)).unzip();
        ScenarioError {
            file: file.to_string(),
            problems: vec![Problem {
                line,
                column,
                key,
                message,
            }],
        }
    })?;
    scenario.base_dir = base_dir.to_path_buf();
    scenario.source = super::Source(Some(std::sync::Arc::new((
        file.to_string(),
        text.to_string(),
    ))));
    let found = super::validate::check(&scenario);
    if found.is_empty() {
        Ok(scenario)
    } else {
        Err(locate_problems(text, file, found))
    }
}

/// Locates (key path, message) problems in a scenario text.
pub(super) fn locate_problems(
    text: &str,
    file: &str,
    found: Vec<(String, String)>,
) -> ScenarioError {
    let lines = LineIndex::new(text);
    let doc = DeTable::parse(text).ok();
    let mut problems: Vec<Problem> = found
        .into_iter()
        .map(|(key, message)| {
            let (line, column) = doc
                .as_ref()
                .and_then(|d| locate(d.get_ref(), &key))
                .map(|(s, _)| lines.locate(s.start))
                .unzip();
            Problem {
                line,
                column,
                key,
                message,
            }
        })
        .collect();
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column));
    ScenarioError {
        file: file.to_string(),
        problems,
    }
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() || a == "." {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn path_string(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in p.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => out = join(&out, key),
            Segment::Enum { variant } => out = join(&out, variant),
            Segment::Unknown => {}
        }
    }
    out
}

/// Span of the value at a dotted key path (`a.b[2].c`), or of its closest ancestor present in
/// the file; the flag says whether the exact key was found.
fn locate(root: &DeTable<'_>, key: &str) -> Option<(std::ops::Range<usize>, bool)> {
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut table: Option<&DeTable<'_>> = Some(root);
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    let parts: Vec<&str> = key.split('.').filter(|s| !s.is_empty()).collect();
    for part in &parts {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*part, None),
        };
        let Some(t) = table else {
            return best.map(|b| (b, false));
        };
        let Some(v) = t.get(name) else {
            return best.map(|b| (b, false));
        };
        let mut v = v;
        if let Some(i) = index {
            match v.get_ref().as_array().and_then(|a| a.get(i)) {
                Some(e) => v = e,
                None => return Some((v.span(), false)),
            }
        }
        best = Some(v.span());
        value = Some(v);
        table = v.get_ref().as_table();
    }
    value.map(|v| (v.span(), true)).or(best.map(|b| (b, false)))
}

/// Byte offset to 1-based line and column.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }
}
