//! Small result tables, printed on the terminal and written as Markdown (`*.md`) beside each
//! experiment's CSV files, ready to paste into a document.

/// A table of formatted cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these headers.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Table {
        Table {
            header: header.iter().map(|s| s.as_ref().to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (k, c) in r.iter().enumerate() {
                if k < w.len() {
                    w[k] = w[k].max(c.chars().count());
                }
            }
        }
        w
    }

    /// A Markdown (GitHub) table; columns after the first are right-aligned.
    ///
    /// ```
    /// use wecare::experiment::table::Table;
    /// let mut t = Table::new(&["a", "b"]);
    /// t.push(vec!["x".into(), "1".into()]);
    /// assert_eq!(t.markdown(), "| a | b |\n|---|--:|\n| x | 1 |\n");
    /// ```
    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&self.header);
        let rule: Vec<&str> = (0..self.header.len())
            .map(|k| if k == 0 { "---" } else { "--:" })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// Columns padded for a terminal.
    pub fn text(&self) -> String {
        let w = self.widths();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let pad = w.get(k).copied().unwrap_or(0);
                    if k == 0 {
                        format!("{c:<pad$}")
                    } else {
                        format!("{c:>pad$}")
                    }
                })
                .collect();
            format!("{}\n", parts.join("  ").trim_end())
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}
