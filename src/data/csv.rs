//! CSV reading and writing of data sets (see `docs/data-formats.md`).
//!
//! A data set is four files: `organisations.csv` (required), `ties.csv` (the baseline network),
//! `history.csv` (remembered past ties, dormant at the start) and `projects.csv`. Columns are
//! matched by header name, in any order; cells are trimmed. Errors name the file, the line as a
//! text editor shows it (the header is line 1) and the column; suspicious but usable input gives
//! [`Warning`]s instead.

use super::{DataError, Dataset, Kind, Level, Organisation, Project, Tie, Warning};
use ::csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};

/// Paths of the CSV files of one data set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvPaths {
    /// Organisations: `id,kind,territory[,capacity][,active][,covariate]`.
    pub organisations: PathBuf,
    /// Baseline ties: `from,to[,trust|weight]`; none means an empty baseline network.
    pub ties: Option<PathBuf>,
    /// Remembered past ties (dormant at the start): same columns as the ties file.
    pub history: Option<PathBuf>,
    /// Funded projects: `id,territory,lead,budget,partners`.
    pub projects: Option<PathBuf>,
}

impl CsvPaths {
    /// The files that [`write_dataset`] writes into `dir`: `organisations.csv` always, and
    /// `ties.csv`, `history.csv` and `projects.csv` when they exist.
    pub fn in_dir(dir: &Path) -> CsvPaths {
        let opt = |name: &str| {
            let p = dir.join(name);
            p.is_file().then_some(p)
        };
        CsvPaths {
            organisations: dir.join("organisations.csv"),
            ties: opt("ties.csv"),
            history: opt("history.csv"),
            projects: opt("projects.csv"),
        }
    }
}

/// Reads a projects file (`id,territory,lead,budget,partners`) against an already loaded set
/// of organisations (for example one read from GraphML), with the same checks as
/// [`read_dataset`].
pub fn read_projects_for(
    path: &Path,
    ds: &Dataset,
) -> Result<(Vec<Project>, Vec<Warning>), DataError> {
    let mut warnings = Vec::new();
    let index = index_of(&ds.organisations);
    let projects = read_projects(path, &ds.organisations, &index, &mut warnings)?;
    Ok((projects, warnings))
}

/// Options for reading a stand-alone tie file with [`read_ties`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TieReadOptions {
    /// Read the rows as directed nominations: a reversed pair (`b,a` after `a,b`) is merged
    /// into one undirected tie instead of being a duplicate-tie error. The merged tie keeps the
    /// larger of the two trusts (or weights) given.
    pub symmetrise: bool,
}

/// Most warnings of one kind listed one by one; the rest are counted in a summary warning.
const WARN_LIMIT: usize = 20;

/// Reads a data set from CSV files, checking it (see `docs/data-formats.md` for the errors and
/// warnings). Ties are normalised so that `a < b` and keep the order of their files.
pub fn read_dataset(paths: &CsvPaths) -> Result<(Dataset, Vec<Warning>), DataError> {
    let mut warnings = Vec::new();
    let (organisations, org_lines) = read_organisations(&paths.organisations, &mut warnings)?;
    let org_file = file_name(&paths.organisations);
    let index = index_of(&organisations);
    let orgs = organisations.as_slice();
    let mut degree = vec![0u32; orgs.len()];
    let mut ties = Vec::new();
    let mut history = Vec::new();
    let mut projects = Vec::new();

    let mut tie_lines = FxHashMap::default();
    if let Some(path) = &paths.ties {
        let file = file_name(path);
        let read = read_tie_file(path, &index, TieReadOptions::default())?;
        warnings.extend(read.warnings);
        let mut inactive = Limited::new(&file, "baseline ties touching an inactive organisation");
        for (t, &line) in read.ties.iter().zip(&read.lines) {
            degree[t.a] += 1;
            degree[t.b] += 1;
            tie_lines.insert((t.a, t.b), line);
            for end in [t.a, t.b] {
                let o = &orgs[end];
                if !o.active {
                    inactive.push(
                        &mut warnings,
                        Some(line),
                        format!(
                            "baseline tie touches inactive organisation `{}`; it stays in the \
                             pool until recruited",
                            o.id
                        ),
                    );
                }
            }
        }
        inactive.finish(&mut warnings);
        ties = read.ties;
    }
    if let Some(path) = &paths.history {
        let file = file_name(path);
        let read = read_tie_file(path, &index, TieReadOptions::default())?;
        warnings.extend(read.warnings);
        for (t, &line) in read.ties.iter().zip(&read.lines) {
            if let Some(first) = tie_lines.get(&(t.a, t.b)) {
                return Err(DataError::at(
                    &file,
                    line,
                    "to",
                    format!(
                        "tie between `{}` and `{}` is also in the ties file (line {first}); a \
                         pair cannot be both active and dormant",
                        orgs[t.a].id, orgs[t.b].id
                    ),
                ));
            }
            degree[t.a] += 1;
            degree[t.b] += 1;
        }
        history = read.ties;
    }
    if paths.ties.is_some() || paths.history.is_some() {
        let isolated: Vec<usize> = (0..orgs.len())
            .filter(|&i| orgs[i].active && degree[i] == 0)
            .collect();
        if let Some(&first) = isolated.first() {
            warnings.push(isolated_info(&org_file, orgs, &org_lines, &isolated, first));
        }
    }
    if let Some(path) = &paths.projects {
        projects = read_projects(path, orgs, &index, &mut warnings)?;
        let with_project: FxHashSet<&str> = projects.iter().map(|p| p.territory.as_str()).collect();
        let mut listed: FxHashSet<&str> = FxHashSet::default();
        for o in orgs {
            let t = o.territory.as_str();
            if listed.insert(t) && !with_project.contains(t) {
                warnings.push(Warning {
                    level: Level::Warning,
                    file: file_name(path),
                    line: None,
                    message: format!("territory `{t}` has no project"),
                });
            }
        }
    }
    drop(index);
    let ds = Dataset {
        organisations,
        ties,
        history,
        projects,
    };
    Ok((ds, warnings))
}

/// Reads a stand-alone tie file (`from,to[,trust|weight]`, for example an observed wave) against
/// an index from organisation id to position. Ties are normalised so that `a < b` and keep the
/// order of the file (a merged reversed pair stays where it first appeared).
pub fn read_ties(
    path: &Path,
    index: &HashMap<&str, usize>,
    opts: TieReadOptions,
) -> Result<(Vec<Tie>, Vec<Warning>), DataError> {
    let read = read_tie_file(path, index, opts)?;
    Ok((read.ties, read.warnings))
}

/// Writes `organisations.csv`, `ties.csv`, `history.csv` and `projects.csv` into `dir`
/// (created if missing). The output is deterministic byte for byte: fixed column order, `\n`
/// line endings, numbers in Rust's shortest round-trip form, an empty `trust` cell for a tie
/// without trust.
///
/// Fails with [`io::ErrorKind::InvalidInput`] for a data set that would not read back the same:
/// an empty id or territory, one with leading or trailing white space, a project partner id
/// containing `;`, or an index out of range.
pub fn write_dataset(ds: &Dataset, dir: &Path) -> io::Result<()> {
    check_writable(ds)?;
    std::fs::create_dir_all(dir)?;
    let orgs = &ds.organisations;
    let mut num = String::new();

    // The `covariate` column is written only when some organisation has one, so data sets
    // without covariates keep their exact form.
    let with_covariate = orgs.iter().any(|o| o.covariate.is_some());
    let mut w = csv_writer(&dir.join("organisations.csv"))?;
    let mut header = vec!["id", "kind", "territory", "capacity", "active"];
    if with_covariate {
        header.push("covariate");
    }
    w.write_record(&header)?;
    let mut cov = String::new();
    for o in orgs {
        fmt_f64(&mut num, o.capacity);
        let active = if o.active { "true" } else { "false" };
        if with_covariate {
            match o.covariate {
                Some(x) => fmt_f64(&mut cov, x),
                None => cov.clear(),
            }
            w.write_record([&o.id, o.kind.name(), &o.territory, &num, active, &cov])?;
        } else {
            w.write_record([&o.id, o.kind.name(), &o.territory, &num, active])?;
        }
    }
    w.flush()?;

    for (name, ties) in [("ties.csv", &ds.ties), ("history.csv", &ds.history)] {
        let mut w = csv_writer(&dir.join(name))?;
        w.write_record(["from", "to", "trust"])?;
        for t in ties {
            match t.trust {
                Some(x) => fmt_f64(&mut num, x),
                None => num.clear(),
            }
            w.write_record([&orgs[t.a].id, &orgs[t.b].id, &num])?;
        }
        w.flush()?;
    }

    let mut w = csv_writer(&dir.join("projects.csv"))?;
    w.write_record(["id", "territory", "lead", "budget", "partners"])?;
    let mut partners = String::new();
    for p in &ds.projects {
        fmt_f64(&mut num, p.budget);
        partners.clear();
        for (k, &i) in p.partners.iter().enumerate() {
            if k > 0 {
                partners.push(';');
            }
            partners.push_str(&orgs[i].id);
        }
        w.write_record([&p.id, &p.territory, &orgs[p.lead].id, &num, &partners])?;
    }
    w.flush()
}

// ---------------------------------------------------------------------------------------------
// Writing helpers

fn csv_writer(path: &Path) -> io::Result<::csv::Writer<File>> {
    Ok(WriterBuilder::new()
        .terminator(Terminator::Any(b'\n'))
        .from_writer(File::create(path)?))
}

fn fmt_f64(buf: &mut String, x: f64) {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{x}");
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn check_text(what: &str, s: &str) -> io::Result<()> {
    if s.is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    if s.trim() != s {
        return Err(invalid(format!(
            "{what} `{s}` has leading or trailing white space, which reading would drop"
        )));
    }
    Ok(())
}

fn check_writable(ds: &Dataset) -> io::Result<()> {
    let n = ds.organisations.len();
    for o in &ds.organisations {
        check_text("organisation id", &o.id)?;
        check_text(
            &format!("territory of organisation `{}`", o.id),
            &o.territory,
        )?;
    }
    for t in ds.ties.iter().chain(&ds.history) {
        if t.a >= n || t.b >= n {
            return Err(invalid(format!(
                "tie ({}, {}) refers to an organisation index out of range (there are {n})",
                t.a, t.b
            )));
        }
    }
    for p in &ds.projects {
        check_text("project id", &p.id)?;
        check_text(&format!("territory of project `{}`", p.id), &p.territory)?;
        if p.lead >= n {
            return Err(invalid(format!(
                "lead of project `{}` is out of range ({} of {n})",
                p.id, p.lead
            )));
        }
        for &i in &p.partners {
            let Some(o) = ds.organisations.get(i) else {
                return Err(invalid(format!(
                    "partner of project `{}` is out of range ({i} of {n})",
                    p.id
                )));
            };
            if o.id.contains(';') {
                return Err(invalid(format!(
                    "partner `{}` of project `{}` has `;` in its id, which separates partners",
                    o.id, p.id
                )));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading helpers

/// How a file is named in errors and warnings: the path as given.
fn file_name(path: &Path) -> String {
    path.display().to_string()
}

fn index_of(orgs: &[Organisation]) -> HashMap<&str, usize> {
    orgs.iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect()
}

/// Warnings of one kind from one file, listed up to [`WARN_LIMIT`] and then counted.
/// One remark, at the first one's line, on all the active organisations without any tie:
/// isolates are common in observed networks (a pupil with no friend named, an organisation
/// between projects), so this is information, given once, not a warning per organisation;
/// the ids are listed (up to [`WARN_LIMIT`]) so a misspelt id in the ties file can be found.
fn isolated_info(
    file: &str,
    orgs: &[Organisation],
    lines: &[usize],
    isolated: &[usize],
    first: usize,
) -> Warning {
    let mut ids: Vec<String> = isolated
        .iter()
        .take(WARN_LIMIT)
        .map(|&i| format!("`{}`", orgs[i].id))
        .collect();
    if isolated.len() > WARN_LIMIT {
        ids.push(format!("and {} more", isolated.len() - WARN_LIMIT));
    }
    let n = isolated.len();
    Warning {
        level: Level::Info,
        file: file.to_string(),
        line: Some(lines[first]),
        message: format!(
            "{n} active organisation{} no tie, neither baseline nor history: {} (they start \
             isolated and may form ties; check the ties file if an id is misspelt)",
            if n == 1 { " has" } else { "s have" },
            ids.join(", ")
        ),
    }
}

struct Limited<'a> {
    file: &'a str,
    what: &'static str,
    count: usize,
}

impl<'a> Limited<'a> {
    fn new(file: &'a str, what: &'static str) -> Self {
        Limited {
            file,
            what,
            count: 0,
        }
    }

    fn push(&mut self, out: &mut Vec<Warning>, line: Option<usize>, message: String) {
        self.count += 1;
        if self.count <= WARN_LIMIT {
            out.push(Warning {
                level: Level::Warning,
                file: self.file.to_string(),
                line,
                message,
            });
        }
    }

    fn finish(self, out: &mut Vec<Warning>) {
        if self.count > WARN_LIMIT {
            out.push(Warning {
                level: Level::Warning,
                file: self.file.to_string(),
                line: None,
                message: format!(
                    "{} more {} not listed ({} in all)",
                    self.count - WARN_LIMIT,
                    self.what,
                    self.count
                ),
            });
        }
    }
}

/// An open CSV file with its header resolved to column positions.
struct Table {
    file: String,
    reader: ::csv::Reader<Cursor<Vec<u8>>>,
    lines: LineCounter,
    record: StringRecord,
    /// Line of the header.
    header_line: usize,
    /// Position of each wanted column (same order as the names given to [`Table::open`]).
    cols: Vec<Option<usize>>,
}

impl Table {
    /// Opens `path` and matches its header (case-insensitively, trimmed) against `required`
    /// and `optional` column names; `cols` lists required ones first. Unknown columns give a
    /// warning.
    fn open(
        path: &Path,
        required: &[&str],
        optional: &[&str],
        warnings: &mut Vec<Warning>,
    ) -> Result<Table, DataError> {
        let file = file_name(path);
        let bytes = crate::input::read(path)
            .map_err(|e| DataError::file(&file, format!("cannot open the file: {e}")))?;
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(Cursor::new(bytes));
        let mut lines = LineCounter::default();
        let mut header = StringRecord::new();
        if let Err(e) = reader.read_record(&mut header) {
            return Err(csv_error(&file, &reader, &mut lines, e));
        }
        if header.is_empty() {
            return Err(DataError::file(
                &file,
                format!(
                    "the file is empty; expected a header with the columns {}",
                    required.join(",")
                ),
            ));
        }
        let header_line = lines.record_line(&reader, &header);
        let names: Vec<&str> = required.iter().chain(optional).copied().collect();
        let mut cols = vec![None; names.len()];
        let mut unknown = Vec::new();
        for (pos, raw) in header.iter().enumerate() {
            let name = if pos == 0 {
                raw.trim_start_matches('\u{feff}').trim()
            } else {
                raw.trim()
            };
            match names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                Some(k) if cols[k].is_some() => {
                    return Err(DataError::at(
                        &file,
                        header_line,
                        names[k],
                        "the column appears twice in the header",
                    ));
                }
                Some(k) => cols[k] = Some(pos),
                None => unknown.push(format!("`{name}`")),
            }
        }
        for (k, name) in required.iter().enumerate() {
            if cols[k].is_none() {
                return Err(DataError::at(
                    &file,
                    header_line,
                    name,
                    format!("missing required column `{name}`"),
                ));
            }
        }
        if !unknown.is_empty() {
            warnings.push(Warning {
                level: Level::Warning,
                file: file.clone(),
                line: Some(header_line),
                message: format!("unknown columns ignored: {}", unknown.join(", ")),
            });
        }
        Ok(Table {
            file,
            reader,
            lines,
            record: StringRecord::new(),
            header_line,
            cols,
        })
    }

    /// Reads the next record; returns its line, or `None` at the end of the file.
    fn next(&mut self) -> Result<Option<usize>, DataError> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Ok(Some(self.lines.record_line(&self.reader, &self.record))),
            Ok(false) => Ok(None),
            Err(e) => Err(csv_error(&self.file, &self.reader, &mut self.lines, e)),
        }
    }

    /// The trimmed cell of wanted column `k` in the current record ("" when the column is
    /// absent).
    fn get(&self, k: usize) -> &str {
        match self.cols[k] {
            Some(pos) => self.record.get(pos).unwrap_or("").trim(),
            None => "",
        }
    }

    fn has(&self, k: usize) -> bool {
        self.cols[k].is_some()
    }

    fn err(&self, line: usize, field: &str, message: impl Into<String>) -> DataError {
        DataError::at(&self.file, line, field, message)
    }
}

/// Turns byte offsets into 1-based line numbers as a text editor shows them (a line ends at
/// `\n`, `\r\n` or a lone `\r`), for offsets visited mostly in increasing order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCounter {
    pos: usize,
    line: usize,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter { pos: 0, line: 1 }
    }
}

impl LineCounter {
    /// Line of byte offset `pos` in `text`.
    pub(crate) fn at(&mut self, text: &[u8], pos: usize) -> usize {
        let pos = pos.min(text.len());
        if pos < self.pos {
            *self = LineCounter::default();
        }
        for i in self.pos..pos {
            match text[i] {
                b'\n' => self.line += 1,
                b'\r' if text.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.pos = pos;
        self.line
    }

    /// Line where a record starting at `pos` really starts: the csv reader reports the end of
    /// the previous record, before any blank lines.
    fn line_from(&mut self, text: &[u8], pos: usize) -> usize {
        let skip = text[pos.min(text.len())..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        self.at(text, pos + skip)
    }

    fn record_line(&mut self, reader: &::csv::Reader<Cursor<Vec<u8>>>, r: &StringRecord) -> usize {
        let pos = r.position().map_or(0, |p| p.byte() as usize);
        self.line_from(reader.get_ref().get_ref(), pos)
    }
}

fn csv_error(
    file: &str,
    reader: &::csv::Reader<Cursor<Vec<u8>>>,
    lines: &mut LineCounter,
    e: ::csv::Error,
) -> DataError {
    let line = e
        .position()
        .map(|p| lines.line_from(reader.get_ref().get_ref(), p.byte() as usize));
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} cells but the header has {expected_len}"),
        ::csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_string(),
        _ => format!("cannot read the file: {e}"),
    };
    DataError {
        file: file.to_string(),
        line,
        field: None,
        message,
    }
}

fn parse_f64(t: &Table, line: usize, field: &str, s: &str) -> Result<f64, DataError> {
    s.parse::<f64>()
        .map_err(|_| t.err(line, field, format!("malformed number `{s}`")))
}

/// An organisation's capacity, read as `c` from the text `raw`: a finite number > 0.
pub(crate) fn check_capacity(c: f64, raw: &str) -> Result<f64, String> {
    if c > 0.0 && c.is_finite() {
        Ok(c)
    } else {
        Err(format!("capacity must be a finite number > 0, got `{raw}`"))
    }
}

/// An organisation's covariate, read as `x` from the text `raw`: a finite number.
pub(crate) fn check_covariate(x: f64, raw: &str) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("covariate must be a finite number, got `{raw}`"))
    }
}

/// Parses `true`/`false`/`1`/`0` (case-insensitive).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

fn read_organisations(
    path: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<Organisation>, Vec<usize>), DataError> {
    let mut t = Table::open(
        path,
        &["id", "kind", "territory"],
        &["capacity", "active", "covariate"],
        warnings,
    )?;
    let mut orgs = Vec::new();
    let mut lines = Vec::new();
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    while let Some(line) = t.next()? {
        let id = t.get(org_col::ID);
        if id.is_empty() {
            return Err(t.err(line, "id", "empty organisation id"));
        }
        if let Some(&first) = seen.get(id) {
            return Err(t.err(
                line,
                "id",
                format!("duplicate organisation id `{id}` (first on line {first})"),
            ));
        }
        orgs.push(organisation(&t, line, id)?);
        seen.insert(id.to_string(), line);
        lines.push(line);
        if let Some(m) = crate::limits::exceeds(orgs.len() as u64, crate::limits::ORGANISATIONS) {
            return Err(t.err(line, "id", format!("too many organisations: {m}")));
        }
    }
    if orgs.is_empty() {
        return Err(t.err(
            1,
            "id",
            "no organisations: the file has a header but no rows",
        ));
    }
    Ok((orgs, lines))
}

/// Columns of the organisations file, in the order [`read_organisations`] opens them.
mod org_col {
    pub const ID: usize = 0;
    pub const KIND: usize = 1;
    pub const TERRITORY: usize = 2;
    pub const CAPACITY: usize = 3;
    pub const ACTIVE: usize = 4;
    pub const COVARIATE: usize = 5;
}

/// The organisation `id` of the current row: kind, territory, capacity, active, covariate.
fn organisation(t: &Table, line: usize, id: &str) -> Result<Organisation, DataError> {
    let kind: Kind = t
        .get(org_col::KIND)
        .parse()
        .map_err(|e: super::UnknownKind| t.err(line, "kind", e.to_string()))?;
    let territory = t.get(org_col::TERRITORY);
    if territory.is_empty() {
        return Err(t.err(line, "territory", "empty territory"));
    }
    let cap = t.get(org_col::CAPACITY);
    let capacity = if cap.is_empty() {
        1.0
    } else {
        let c = parse_f64(t, line, "capacity", cap)?;
        check_capacity(c, cap).map_err(|m| t.err(line, "capacity", m))?
    };
    let act = t.get(org_col::ACTIVE);
    let active = if act.is_empty() {
        true
    } else {
        parse_bool(act).ok_or_else(|| {
            t.err(
                line,
                "active",
                format!("expected true, false, 1 or 0, got `{act}`"),
            )
        })?
    };
    let cov = t.get(org_col::COVARIATE);
    let covariate = if cov.is_empty() {
        None
    } else {
        let x = parse_f64(t, line, "covariate", cov)?;
        Some(check_covariate(x, cov).map_err(|m| t.err(line, "covariate", m))?)
    };
    Ok(Organisation {
        id: id.to_string(),
        kind,
        territory: territory.to_string(),
        capacity,
        active,
        covariate,
    })
}

struct TieFile {
    ties: Vec<Tie>,
    /// Line of each tie (its first row when merged).
    lines: Vec<usize>,
    warnings: Vec<Warning>,
}

/// Columns of a tie file, in the order [`read_tie_file`] opens them.
mod tie_col {
    pub const FROM: usize = 0;
    pub const TO: usize = 1;
    pub const TRUST: usize = 2;
    pub const WEIGHT: usize = 3;
}

/// The trust (or, in a `weight` file, the weight) of the current row; `None` when empty.
fn tie_value(t: &Table, line: usize, weighted: bool) -> Result<Option<f64>, DataError> {
    let (col, name) = if weighted {
        (tie_col::WEIGHT, "weight")
    } else {
        (tie_col::TRUST, "trust")
    };
    let raw = t.get(col);
    if raw.is_empty() {
        return Ok(None);
    }
    let v = parse_f64(t, line, name, raw)?;
    if weighted && !(v >= 0.0 && v.is_finite()) {
        return Err(t.err(
            line,
            "weight",
            format!("weight must be a finite number >= 0, got `{raw}`"),
        ));
    }
    if !weighted && !(0.0..=1.0).contains(&v) {
        return Err(t.err(
            line,
            "trust",
            format!("trust must be in [0, 1], got `{raw}`"),
        ));
    }
    Ok(Some(v))
}

/// Weights become trust by dividing by the largest weight (all zero when it is zero).
fn normalise_weights(ties: &mut [Tie], max_weight: f64) {
    for tie in ties {
        if let Some(w) = &mut tie.trust {
            *w = if max_weight > 0.0 {
                *w / max_weight
            } else {
                0.0
            };
        }
    }
}

fn read_tie_file(
    path: &Path,
    index: &HashMap<&str, usize>,
    opts: TieReadOptions,
) -> Result<TieFile, DataError> {
    use tie_col::{FROM, TO, TRUST, WEIGHT};
    let mut warnings = Vec::new();
    // `origin` is the column the engine writes into a wave's ties file; reading such a file
    // back (as a starting network or for `wecare stats`) is expected, so it is accepted and
    // ignored rather than warned about: ties read in start with origin `baseline`.
    let mut t = Table::open(
        path,
        &["from", "to"],
        &["trust", "weight", "origin"],
        &mut warnings,
    )?;
    if t.has(TRUST) && t.has(WEIGHT) {
        return Err(t.err(
            t.header_line,
            "weight",
            "give either a `trust` or a `weight` column, not both",
        ));
    }
    let weighted = t.has(WEIGHT);
    let mut ties: Vec<Tie> = Vec::new();
    let mut lines = Vec::new();
    // Pair (small, large) -> (position in `ties`, orientations seen: 1 = small first, 2 = large first).
    let mut seen: FxHashMap<(usize, usize), (usize, u8)> = FxHashMap::default();
    let mut max_weight = 0.0f64;
    while let Some(line) = t.next()? {
        let from = t.get(FROM);
        let to = t.get(TO);
        let a = *index
            .get(from)
            .ok_or_else(|| t.err(line, "from", format!("unknown organisation id `{from}`")))?;
        let b = *index
            .get(to)
            .ok_or_else(|| t.err(line, "to", format!("unknown organisation id `{to}`")))?;
        if a == b {
            return Err(t.err(line, "to", format!("self-loop: `{from}` tied to itself")));
        }
        let value = tie_value(&t, line, weighted)?;
        if weighted && let Some(v) = value {
            max_weight = max_weight.max(v);
        }
        let key = (a.min(b), a.max(b));
        let orientation = if a < b { 1u8 } else { 2u8 };
        match seen.get_mut(&key) {
            Some((k, mask)) if opts.symmetrise && *mask & orientation == 0 => {
                *mask |= orientation;
                let tie = &mut ties[*k];
                tie.trust = match (tie.trust, value) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                };
            }
            Some((k, _)) => {
                return Err(t.err(
                    line,
                    "to",
                    format!(
                        "duplicate tie between `{from}` and `{to}` (first on line {})",
                        lines[*k]
                    ),
                ));
            }
            None => {
                seen.insert(key, (ties.len(), orientation));
                ties.push(Tie {
                    a: key.0,
                    b: key.1,
                    trust: value,
                });
                lines.push(line);
            }
        }
    }
    if weighted {
        normalise_weights(&mut ties, max_weight);
    }
    Ok(TieFile {
        ties,
        lines,
        warnings,
    })
}

/// Column of the partners in the projects file, as [`read_projects`] opens it.
const PARTNERS_COLUMN: usize = 4;

fn read_projects(
    path: &Path,
    orgs: &[Organisation],
    index: &HashMap<&str, usize>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Project>, DataError> {
    const ID: usize = 0;
    const TERRITORY: usize = 1;
    const LEAD: usize = 2;
    const BUDGET: usize = 3;
    let mut t = Table::open(
        path,
        &["id", "territory", "lead", "budget", "partners"],
        &[],
        warnings,
    )?;
    let mut projects = Vec::new();
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    while let Some(line) = t.next()? {
        let id = t.get(ID);
        if id.is_empty() {
            return Err(t.err(line, "id", "empty project id"));
        }
        if let Some(&first) = seen.get(id) {
            return Err(t.err(
                line,
                "id",
                format!("duplicate project id `{id}` (first on line {first})"),
            ));
        }
        let territory = t.get(TERRITORY);
        if territory.is_empty() {
            return Err(t.err(line, "territory", "empty project territory"));
        }
        let lead_id = t.get(LEAD);
        let lead = *index
            .get(lead_id)
            .ok_or_else(|| t.err(line, "lead", format!("unknown organisation id `{lead_id}`")))?;
        let raw = t.get(BUDGET);
        let budget = parse_f64(&t, line, "budget", raw)?;
        if !(budget > 0.0 && budget.is_finite()) {
            return Err(t.err(
                line,
                "budget",
                format!("budget must be a finite number > 0, got `{raw}`"),
            ));
        }
        let partners = project_partners(&t, line, lead, index)?;
        let project = Project {
            id: id.to_string(),
            territory: territory.to_string(),
            lead,
            budget,
            partners,
        };
        member_warnings(&t.file, line, &project, orgs, warnings);
        seen.insert(project.id.clone(), line);
        projects.push(project);
    }
    Ok(projects)
}

/// The partners of the current project row: known ids, `;`-separated, each once, not the lead.
fn project_partners(
    t: &Table,
    line: usize,
    lead: usize,
    index: &HashMap<&str, usize>,
) -> Result<Vec<usize>, DataError> {
    let mut partners: Vec<usize> = Vec::new();
    let mut partner_set: FxHashSet<usize> = FxHashSet::default();
    for pid in t.get(PARTNERS_COLUMN).split(';').map(str::trim) {
        if pid.is_empty() {
            continue;
        }
        let p = *index
            .get(pid)
            .ok_or_else(|| t.err(line, "partners", format!("unknown organisation id `{pid}`")))?;
        if p == lead {
            return Err(t.err(
                line,
                "partners",
                format!("the lead `{pid}` is also listed among the partners"),
            ));
        }
        if !partner_set.insert(p) {
            return Err(t.err(line, "partners", format!("partner `{pid}` is listed twice")));
        }
        partners.push(p);
    }
    Ok(partners)
}

/// Warnings for a project with inactive members or members from other territories.
fn member_warnings(
    file: &str,
    line: usize,
    project: &Project,
    orgs: &[Organisation],
    warnings: &mut Vec<Warning>,
) {
    let Project {
        id,
        territory,
        lead,
        partners,
        ..
    } = project;
    let mut inactive = Vec::new();
    let mut elsewhere = Vec::new();
    for &m in std::iter::once(lead).chain(partners) {
        let o = &orgs[m];
        if !o.active {
            inactive.push(format!("`{}`", o.id));
        }
        if o.territory != *territory {
            elsewhere.push(format!("`{}` ({})", o.id, o.territory));
        }
    }
    if !inactive.is_empty() {
        warnings.push(Warning {
            level: Level::Warning,
            file: file.to_string(),
            line: Some(line),
            message: format!(
                "project `{id}` has inactive members, activated when the project starts: {}",
                inactive.join(", ")
            ),
        });
    }
    if !elsewhere.is_empty() {
        warnings.push(Warning {
            level: Level::Warning,
            file: file.to_string(),
            line: Some(line),
            message: format!(
                "project `{id}` in territory `{territory}` has members from other \
                     territories: {}",
                elsewhere.join(", ")
            ),
        });
    }
}
