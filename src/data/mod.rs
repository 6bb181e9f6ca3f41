//! Empirical input: organisations, baseline ties, remembered past ties and projects.
//!
//! A [`Dataset`] is what the model starts from (docs/ODD.md, section 5). It is read from CSV
//! files ([`csv`]) or GraphML ([`graphml`]), or built by the [`generate`] module. Ties refer to
//! organisations by their position in [`Dataset::organisations`].

pub mod csv;
pub mod generate;
pub mod graphml;
mod kind;
pub mod matrix;

pub use kind::{Kind, PerKind, UnknownKind};

use std::collections::HashMap;

/// One organisation (agent) of the local welfare system.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Identifier, unique in the data set.
    pub id: String,
    /// Kind of organisation.
    pub kind: Kind,
    /// Territory (in We.Ca.Re: the area of one ente gestore's partnership).
    pub territory: String,
    /// Relative size or resources, > 0 (default 1).
    pub capacity: f64,
    /// Taking part in the field at the start; inactive organisations form the recruitment pool.
    pub active: bool,
    /// An optional numeric attribute (for example a size class, or a pupil's smoking level in
    /// the s50 panel) that the `covariate_similarity` effects compare between organisations;
    /// `None` when the data give none.
    pub covariate: Option<f64>,
}

/// An undirected tie between two organisations, by index into [`Dataset::organisations`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tie {
    /// One end (the smaller index once normalised).
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// Trust in [0, 1]; `None` means the scenario's default trust for this kind of tie.
    pub trust: Option<f64>,
}

/// A funded project: a partnership led by one organisation in one territory.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Identifier, unique in the data set.
    pub id: String,
    /// Territory of the project.
    pub territory: String,
    /// Index of the lead organisation.
    pub lead: usize,
    /// Grant in EUR, > 0.
    pub budget: f64,
    /// Indices of the listed partners (the lead excluded).
    pub partners: Vec<usize>,
}

/// Everything the model starts from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// All organisations, active or in the pool.
    pub organisations: Vec<Organisation>,
    /// The baseline network: active ties at the start.
    pub ties: Vec<Tie>,
    /// Remembered past ties, dormant at the start.
    pub history: Vec<Tie>,
    /// Funded projects.
    pub projects: Vec<Project>,
}

impl Dataset {
    /// Map from organisation id to index.
    pub fn index_by_id(&self) -> HashMap<&str, usize> {
        self.organisations
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect()
    }

    /// Territory names (in order of first appearance among organisations, then among
    /// projects) and each organisation's territory index into them.
    pub fn territory_index(&self) -> (Vec<String>, Vec<u32>) {
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut of_org = Vec::with_capacity(self.organisations.len());
        let territories = self
            .organisations
            .iter()
            .map(|o| o.territory.as_str())
            .chain(self.projects.iter().map(|p| p.territory.as_str()));
        for (k, t) in territories.enumerate() {
            let next = names.len() as u32;
            let i = *index.entry(t).or_insert_with(|| {
                names.push(t.to_string());
                next
            });
            if k < self.organisations.len() {
                of_org.push(i);
            }
        }
        (names, of_org)
    }

    /// Territory names in order of first appearance among organisations.
    pub fn territories(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for o in &self.organisations {
            if seen.insert(o.territory.as_str()) {
                out.push(o.territory.clone());
            }
        }
        out
    }
}

/// A non-fatal remark about input data (for example an organisation with no ties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// How much the remark matters.
    pub level: Level,
    /// File the remark is about.
    pub file: String,
    /// 1-based line, when the remark is about one line.
    pub line: Option<usize>,
    /// What was noticed.
    pub message: String,
}

/// How much a remark on input data matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Probably a mistake in the data: worth checking.
    Warning,
    /// A property of the data worth knowing, common in real data and not a mistake in itself.
    Info,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Info => "info",
        };
        match self.line {
            Some(l) => write!(f, "{}:{}: {level}: {}", self.file, l, self.message),
            None => write!(f, "{}: {level}: {}", self.file, self.message),
        }
    }
}

/// An error in input data, naming the file and (where it applies) the line and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}: {field}{message}", line.map(|l| format!(":{l}")).unwrap_or_default(), field = field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct DataError {
    /// File the error is in.
    pub file: String,
    /// 1-based line number, when the error is about one line.
    pub line: Option<usize>,
    /// Column (CSV header name or GraphML attribute) at fault, when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl DataError {
    /// An error at a file's line and field.
    pub fn at(file: &str, line: usize, field: &str, message: impl Into<String>) -> Self {
        DataError {
            file: file.to_string(),
            line: Some(line),
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// An error about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        DataError {
            file: file.to_string(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
}
