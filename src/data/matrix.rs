//! Network panels in the matrix form of the network-panel literature (RSiena's `.dat` files):
//! one adjacency matrix per wave, one row per actor, cells separated by white space or commas,
//! with codes for missing tie variables and structural zeros; and covariate files with one row
//! per actor and one column per wave.
//!
//! A file may start with a header row of actor labels (it is recognised by cells that are all
//! neither numbers nor missing codes, or are in double quotes, apart from an empty corner); rows may then start with the
//! actor's label, which must be the header's label at that position. Blank lines are skipped.
//! Every problem is an error naming the file, the line and the column (`column k`, 1-based).

use super::DataError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How the cells of a matrix file are read: which values are codes, and which values mean a tie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatrixCodes {
    /// Values meaning a missing observation (RSiena's data use 9; `NA`, `.` and an empty cell
    /// between commas are always missing).
    pub missing: Vec<f64>,
    /// Values meaning a structural zero: the tie is impossible, or the actor is absent (RSiena's
    /// 10).
    pub structural: Vec<f64>,
    /// A value `>= tie_threshold` is a tie, unless `tie_values` is given.
    pub tie_threshold: f64,
    /// When not empty, exactly these values are ties and every other value is no tie (for
    /// valued ties whose order is not their strength, such as friendship ratings 1-6 of which
    /// 1 and 2 mean friends).
    pub tie_values: Vec<f64>,
}

impl Default for MatrixCodes {
    fn default() -> Self {
        MatrixCodes {
            missing: vec![9.0],
            structural: vec![10.0],
            tie_threshold: 1.0,
            tie_values: Vec::new(),
        }
    }
}

impl MatrixCodes {
    /// Is the (non-code) value `v` a tie?
    pub fn is_tie(&self, v: f64) -> bool {
        if self.tie_values.is_empty() {
            v >= self.tie_threshold
        } else {
            self.tie_values.contains(&v)
        }
    }
}

/// One cell of a matrix file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// An observed value.
    Value(f64),
    /// Not observed.
    Missing,
    /// A structural zero: the tie is impossible or the actor absent.
    Structural,
}

/// A table of cells read from a matrix or covariate file.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTable {
    /// The file, as errors name it.
    pub file: String,
    /// Actor labels from the header row, if the file has one.
    pub labels: Option<Vec<String>>,
    /// Rows of cells (row labels removed).
    pub rows: Vec<Vec<Cell>>,
    /// The 1-based line of each row.
    pub lines: Vec<usize>,
    /// How many leading fields of a row were labels (0 or 1), to report columns as in the file.
    label_columns: usize,
}

impl CellTable {
    /// The column (1-based, as in the file) of cell `j` of a row.
    fn column(&self, j: usize) -> String {
        format!("column {}", j + 1 + self.label_columns)
    }

    /// An error at cell `j` of row `i`.
    pub fn error_at(&self, i: usize, j: usize, message: impl Into<String>) -> DataError {
        DataError::at(&self.file, self.lines[i], &self.column(j), message)
    }
}

/// One undirected dyad of a wave, after reading and dichotomising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dyad {
    /// Observed: no tie.
    NoTie,
    /// Observed: a tie.
    Tie,
    /// Not observed.
    Missing,
    /// Impossible (structural zero).
    Structural,
}

impl Dyad {
    /// The state in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Dyad::NoTie => "no tie",
            Dyad::Tie => "a tie",
            Dyad::Missing => "a missing value",
            Dyad::Structural => "a structural zero",
        }
    }
}

/// An undirected wave network read from an adjacency matrix: the state of every dyad, and which
/// actors are absent (every dyad of theirs a structural zero).
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixWave {
    /// Actor labels of the header row, if any.
    pub labels: Option<Vec<String>>,
    /// Number of actors.
    pub n: usize,
    /// Dyad `(i, j)`, `i < j`, at [`MatrixWave::index`].
    pub dyads: Vec<Dyad>,
    /// Per actor: absent at this wave (composition change).
    pub absent: Vec<bool>,
}

impl MatrixWave {
    /// Position of dyad `(i, j)`, `i < j`, in [`MatrixWave::dyads`] (row-major upper triangle).
    pub fn index(&self, i: usize, j: usize) -> usize {
        debug_assert!(i < j && j < self.n);
        i * (2 * self.n - i - 1) / 2 + (j - i - 1)
    }

    /// The state of dyad `(i, j)` in either order (`i != j`).
    pub fn dyad(&self, i: usize, j: usize) -> Dyad {
        self.dyads[self.index(i.min(j), i.max(j))]
    }

    /// Observed ties `(i, j)`, `i < j`, in row order.
    pub fn ties(&self) -> Vec<(usize, usize)> {
        self.pairs_where(Dyad::Tie)
    }

    /// Dyads `(i, j)`, `i < j`, in the given state, in row order.
    pub fn pairs_where(&self, state: Dyad) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for i in 0..self.n {
            for j in i + 1..self.n {
                if self.dyads[self.index(i, j)] == state {
                    out.push((i, j));
                }
            }
        }
        out
    }
}

/// Does `path` name a matrix file (`.dat`, `.txt`, `.mat`, `.adj`)?
pub fn is_matrix_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ["dat", "txt", "mat", "adj"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Splits a line into fields: on commas when it has any (an empty field is kept), else on white
/// space.
fn fields(line: &str) -> Vec<&str> {
    if line.contains(',') {
        line.split(',').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Is a field a label rather than a cell: quoted, or neither a number nor a missing mark?
/// A header row: every cell a label, apart from an empty corner cell over the row labels. A
/// row with some numbers and some words is a matrix row with unknown codes, reported as such.
fn is_header(cells: &[&str]) -> bool {
    let labels = match cells.first() {
        Some(corner) if unquote(corner).is_empty() => &cells[1..],
        _ => cells,
    };
    !labels.is_empty() && labels.iter().all(|f| is_label(f))
}

fn is_label(field: &str) -> bool {
    field.starts_with('"') || !(is_missing_mark(field) || field.parse::<f64>().is_ok())
}

fn is_missing_mark(field: &str) -> bool {
    field.is_empty() || field == "." || field.eq_ignore_ascii_case("na")
}

fn unquote(field: &str) -> String {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(f)
        .replace("\"\"", "\"")
}

/// Reads a matrix or covariate file into a table of cells. Rows must all have the same number
/// of cells; a cell is a finite number `>= 0`, a missing mark (`NA`, `.`, empty between
/// commas, or a value of `codes.missing`) or a structural zero (a value of `codes.structural`).
pub fn read_cells(path: &Path, codes: &MatrixCodes) -> Result<CellTable, DataError> {
    let file = path.display().to_string();
    let text = crate::input::read_to_string(path)
        .map_err(|e| DataError::file(&file, format!("cannot read: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut table = CellTable {
        file,
        labels: None,
        rows: Vec::new(),
        lines: Vec::new(),
        label_columns: 0,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    if let Some(&(_, first)) = lines.peek()
        && is_header(&fields(first))
    {
        let mut labels: Vec<String> = fields(first).iter().map(|f| unquote(f)).collect();
        // A header over a column of row labels starts with an empty corner cell.
        if labels.first().is_some_and(|l| l.is_empty()) {
            labels.remove(0);
        }
        table.labels = Some(labels);
        lines.next();
    }
    for (line, text) in lines {
        let row = read_row(&mut table, line, &fields(text), codes)?;
        table.rows.push(row);
        table.lines.push(line);
    }
    Ok(table)
}

/// One row of cells: its label (when the file has a header and the row one more field) checked
/// against the header, then its cells, whose number must be the first row's.
fn read_row(
    table: &mut CellTable,
    line: usize,
    fields: &[&str],
    codes: &MatrixCodes,
) -> Result<Vec<Cell>, DataError> {
    let mut fields = fields;
    let width = table.rows.first().map(Vec::len);
    if let Some(labels) = &table.labels
        && fields.len() == labels.len() + 1
    {
        let i = table.rows.len();
        let label = unquote(fields[0]);
        if labels.get(i) != Some(&label) {
            return Err(DataError::at(
                &table.file,
                line,
                "column 1",
                format!(
                    "row label `{label}` is not the header's label at this position ({})",
                    labels.get(i).map_or("none".into(), |l| format!("`{l}`"))
                ),
            ));
        }
        table.label_columns = 1;
        fields = &fields[1..];
    }
    if let Some(w) = width
        && fields.len() != w
    {
        return Err(DataError::at(
            &table.file,
            line,
            "row",
            format!(
                "{} cells, but the first row has {w}: every row has one cell per column",
                fields.len()
            ),
        ));
    }
    let column = |j: usize| format!("column {}", j + 1 + table.label_columns);
    fields
        .iter()
        .enumerate()
        .map(|(j, f)| {
            read_cell(f, codes).map_err(|m| DataError::at(&table.file, line, &column(j), m))
        })
        .collect()
}

fn read_cell(field: &str, codes: &MatrixCodes) -> Result<Cell, String> {
    if is_missing_mark(field) {
        return Ok(Cell::Missing);
    }
    let v: f64 = field.parse().map_err(|_| {
        format!("`{field}` is not a number, a missing mark (NA, ., 9) or a structural zero (10)")
    })?;
    if codes.missing.contains(&v) {
        Ok(Cell::Missing)
    } else if codes.structural.contains(&v) {
        Ok(Cell::Structural)
    } else if !v.is_finite() || v < 0.0 {
        Err(format!(
            "`{field}` is not a tie value (a finite number >= 0) nor a code"
        ))
    } else {
        Ok(Cell::Value(v))
    }
}

/// Reads one wave's adjacency matrix: a square table of cells, one row and column per actor;
/// the diagonal is ignored. With `symmetrise`, the cells are directed nominations and a dyad is
/// a tie when either actor names the other, no tie when both cells are observed without a tie,
/// missing otherwise (a structural zero on one side counts as no nomination when the other
/// side is observed); without it the matrix must be symmetric (an asymmetric pair is an error
/// naming both cells). An actor all of whose dyads are structural zeros is absent.
pub fn read_adjacency(
    path: &Path,
    codes: &MatrixCodes,
    symmetrise: bool,
) -> Result<MatrixWave, DataError> {
    adjacency(&read_cells(path, codes)?, codes, symmetrise)
}

/// One wave's adjacency matrix from its table of cells, already read ([`read_adjacency`]).
pub fn adjacency(
    table: &CellTable,
    codes: &MatrixCodes,
    symmetrise: bool,
) -> Result<MatrixWave, DataError> {
    let n = table.rows.len();
    if n == 0 {
        return Err(DataError::file(&table.file, "no rows: the matrix is empty"));
    }
    if let Some(k) = table.rows.iter().position(|r| r.len() != n) {
        return Err(DataError::at(
            &table.file,
            table.lines[k],
            "row",
            format!(
                "{} cells in a matrix of {n} rows: an adjacency matrix is square, one row and \
                 one column per actor{}",
                table.rows[k].len(),
                if table.labels.is_some() {
                    " (the first line was read as a header of actor labels)"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some(l) = &table.labels
        && l.len() != n
    {
        return Err(DataError::at(
            &table.file,
            table.lines[0] - 1,
            "header",
            format!("{} labels for {n} rows", l.len()),
        ));
    }
    let mut wave = MatrixWave {
        labels: table.labels.clone(),
        n,
        dyads: Vec::with_capacity(n * n.saturating_sub(1) / 2),
        absent: vec![false; n],
    };
    for i in 0..n {
        for j in i + 1..n {
            let d = dyad(table, codes, symmetrise, i, j)?;
            wave.dyads.push(d);
        }
    }
    if n > 1 {
        for (i, absent) in wave.absent.iter_mut().enumerate() {
            *absent = (0..n).filter(|&j| j != i).all(|j| {
                table.rows[i][j] == Cell::Structural && table.rows[j][i] == Cell::Structural
            });
        }
    }
    Ok(wave)
}

/// The undirected state of dyad `(i, j)` from cells `(i, j)` and `(j, i)`.
fn dyad(
    table: &CellTable,
    codes: &MatrixCodes,
    symmetrise: bool,
    i: usize,
    j: usize,
) -> Result<Dyad, DataError> {
    let one = |c: Cell| match c {
        Cell::Value(v) if codes.is_tie(v) => Dyad::Tie,
        Cell::Value(_) => Dyad::NoTie,
        Cell::Missing => Dyad::Missing,
        Cell::Structural => Dyad::Structural,
    };
    let (x, y) = (one(table.rows[i][j]), one(table.rows[j][i]));
    if x == y {
        return Ok(x);
    }
    if !symmetrise {
        return Err(table.error_at(
            i,
            j,
            format!(
                "{} here but {} at line {}, {}: the matrix is not symmetric (set \
                 calibration.symmetrise = true to read directed nominations)",
                x.describe(),
                y.describe(),
                table.lines[j],
                table.column(i)
            ),
        ));
    }
    use Dyad::*;
    Ok(match (x, y) {
        (Tie, _) | (_, Tie) => Tie,
        (NoTie, Structural) | (Structural, NoTie) => NoTie,
        _ => Missing,
    })
}

/// Per actor, its covariate values by wave (`None` where missing).
pub type CovariateRows = Vec<Vec<Option<f64>>>;

/// Reads a covariate file: one row per actor, one column per wave (or a single column), with
/// missing values. Returns per actor the values by wave (`None` where missing or a structural
/// zero).
pub fn read_covariate(
    path: &Path,
    codes: &MatrixCodes,
) -> Result<(Option<Vec<String>>, CovariateRows), DataError> {
    // Covariates have no structural zeros; a code value 10 is an ordinary value there.
    let codes = MatrixCodes {
        structural: Vec::new(),
        ..codes.clone()
    };
    let table = read_cells(path, &codes)?;
    if table.rows.is_empty() {
        return Err(DataError::file(
            &table.file,
            "no rows: the covariate file is empty",
        ));
    }
    let rows = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Cell::Value(v) => Some(*v),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let labels = table.labels.filter(|l| l.len() == table.rows.len());
    Ok((labels, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".dat").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn read(text: &str, symmetrise: bool) -> Result<MatrixWave, DataError> {
        let f = file(text);
        read_adjacency(f.path(), &MatrixCodes::default(), symmetrise)
    }

    #[test]
    fn dichotomises_symmetrises_and_marks_missing_and_absent() {
        let w = read("0 1 0 10\n0 0 9 10\n0 NA 0 10\n10 10 10 0\n", true).unwrap();
        assert_eq!(w.n, 4);
        assert_eq!(w.dyad(0, 1), Dyad::Tie);
        assert_eq!(w.dyad(0, 2), Dyad::NoTie);
        assert_eq!(w.dyad(1, 2), Dyad::Missing);
        assert_eq!(w.absent, vec![false, false, false, true]);
        assert_eq!(w.ties(), vec![(0, 1)]);
    }

    #[test]
    fn valued_ties_follow_threshold_or_values() {
        let f = file("0,3,5\n3,0,1\n5,1,0\n");
        let by_threshold = MatrixCodes {
            tie_threshold: 3.0,
            ..MatrixCodes::default()
        };
        let w = read_adjacency(f.path(), &by_threshold, false).unwrap();
        assert_eq!(w.ties(), vec![(0, 1), (0, 2)]);
        let by_values = MatrixCodes {
            tie_values: vec![1.0, 3.0],
            ..MatrixCodes::default()
        };
        let w = read_adjacency(f.path(), &by_values, false).unwrap();
        assert_eq!(w.ties(), vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn header_and_row_labels() {
        let w = read("\"\",\"a\",\"b\"\n\"a\",0,1\n\"b\",1,0\n", false).unwrap();
        assert_eq!(w.labels, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(w.ties(), vec![(0, 1)]);
        let e = read("x y\nx 0 1\nz 1 0\n", false).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("column 1")));
    }

    #[test]
    fn located_errors() {
        let cases = [
            ("0 1\n1 0 0\n", 2, "row"),
            ("0 1 0\n1 0 0\n", 1, "row"),
            ("0 x\n1 0\n", 1, "column 2"),
            ("0 -1\n-1 0\n", 1, "column 2"),
            ("0 1\n0 0\n", 1, "column 2"),
        ];
        for (text, line, field) in cases {
            let e = read(text, false).unwrap_err();
            assert_eq!(
                (e.line, e.field.as_deref()),
                (Some(line), Some(field)),
                "{text:?}: {e}"
            );
        }
        assert!(
            read("\n\n", false)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }

    proptest::proptest! {
        /// Any text, however malformed, is read or refused with an error: never a panic.
        #[test]
        fn arbitrary_text_never_panics(
            text in "[019 ,.NAx\"\n-]{0,120}",
            symmetrise in proptest::bool::ANY,
        ) {
            let f = file(&text);
            let _ = read_adjacency(f.path(), &MatrixCodes::default(), symmetrise);
            let _ = read_covariate(f.path(), &MatrixCodes::default());
        }
    }

    #[test]
    fn covariate_with_missing_values() {
        let f = file("1 2\nNA 3\n10 .\n");
        let (labels, rows) = read_covariate(f.path(), &MatrixCodes::default()).unwrap();
        assert_eq!(labels, None);
        assert_eq!(
            rows,
            vec![
                vec![Some(1.0), Some(2.0)],
                vec![None, Some(3.0)],
                vec![Some(10.0), None]
            ]
        );
    }
}
