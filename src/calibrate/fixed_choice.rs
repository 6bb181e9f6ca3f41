//! Fixed-choice designs: panels in which every respondent names exactly `k` others at every
//! wave ("name your three best friends"). Read as directed nominations and symmetrised, their
//! degrees are at least `k` and far more even than a partner search whose rate falls with the
//! searcher's degree gives, so the method of moments may find the degree spread out of reach
//! (docs/calibration.md, "Other panels"). `wecare panel` says so in a note.

use crate::data::matrix::{Cell, CellTable, MatrixCodes};

/// The number of nominations `k` when at least [`MIN_SHARE`] of the respondents, pooled over
/// the waves, name exactly `k` others (`k >= 1`, and fewer than the others there are to name);
/// `None` otherwise. Not all of them: a respondent who ranks two friends equal names one more
/// (Sampson's monks named 4 at times when asked for 3). A respondent is a row with at least
/// one observed off-diagonal cell; a row with a missing cell is not counted (its number of
/// nominations is unknown), nor is an absent actor's row (all structural zeros). Only directed
/// nominations are read this way: a symmetric matrix has no choices to count.
pub fn fixed_choice(waves: &[CellTable], codes: &MatrixCodes) -> Option<usize> {
    let mut tally = std::collections::BTreeMap::new();
    let mut respondents = 0usize;
    let mut n = 0;
    for table in waves {
        n = n.max(table.rows.len());
        for (i, row) in table.rows.iter().enumerate() {
            let cells = row
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, c)| c);
            let (mut named, mut observed, mut missing) = (0, 0, false);
            for c in cells {
                match c {
                    Cell::Missing => missing = true,
                    Cell::Value(v) => {
                        observed += 1;
                        named += usize::from(codes.is_tie(*v));
                    }
                    Cell::Structural => {}
                }
            }
            if observed > 0 && !missing {
                *tally.entry(named).or_insert(0usize) += 1;
                respondents += 1;
            }
        }
    }
    let (&k, &m) = tally.iter().max_by_key(|&(_, m)| *m)?;
    let fixed = m as f64 >= MIN_SHARE * respondents as f64;
    Some(k).filter(|&k| fixed && k >= 1 && k + 1 < n)
}

/// The share of respondents naming the same number of others that makes a panel a fixed-choice
/// design ([`fixed_choice`]): Sampson's monks, asked for their three best liked, named exactly
/// 3 in 48 of 54 answers (89%); free-recall panels with a cap (s50's up to 6 friends) are far
/// below.
pub const MIN_SHARE: f64 = 0.75;

/// The note for a fixed-choice design of `k` nominations.
pub fn note(k: usize) -> String {
    format!(
        "almost every respondent names exactly {k} {} (a fixed-choice design): the \
         symmetrised degrees are at least {k} and more even than the model's partner search \
         gives, so the method of moments may find `degree_sd` out of reach (a parameter at the \
         bound of its search, a wider search does not help); ABC-SMC (`wecare calibrate` \
         without --method) then gives a posterior whose predictive checks and degree test say \
         how far the fit is off",
        if k == 1 { "other" } else { "others" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::data::matrix::read_cells;

    fn write(dir: &std::path::Path, name: &str, rows: &[&str]) -> CellTable {
        let p = dir.join(name);
        std::fs::write(&p, rows.join("\n")).unwrap();
        read_cells(&p, &MatrixCodes::default()).unwrap()
    }

    #[test]
    fn counts_the_nominations_of_every_respondent() {
        let dir = tempfile::tempdir().unwrap();
        let codes = MatrixCodes::default();
        // Four actors, each naming 2 (values 1-3 are ranks, all ties at threshold 1); the
        // diagonal's 9 and a non-respondent's row of 9s are not counted.
        let a = write(
            dir.path(),
            "a.dat",
            &["9 3 1 0", "2 9 0 1", "1 0 9 2", "9 9 9 9"],
        );
        let b = write(
            dir.path(),
            "b.dat",
            &["0 1 1 0", "0 0 1 1", "1 1 0 0", "1 0 1 0"],
        );
        assert_eq!(fixed_choice(&[a.clone(), b.clone()], &codes), Some(2));
        // One answer of 7 naming 1, a tie in a ranking: still a fixed choice of 2.
        let c = write(
            dir.path(),
            "c.dat",
            &["0 1 1 0", "0 0 1 1", "1 0 0 0", "1 0 1 0"],
        );
        assert_eq!(fixed_choice(&[a.clone(), c], &codes), Some(2));
        // Two of 7 naming other numbers (5 of 7 = 71%, under the share): free recall.
        let d = write(
            dir.path(),
            "d.dat",
            &["0 1 1 0", "0 0 0 1", "1 0 0 0", "1 0 1 0"],
        );
        assert_eq!(fixed_choice(&[a, d], &codes), None);
        // Everyone naming everyone else is not a choice.
        let full = write(dir.path(), "full.dat", &["0 1 1", "1 0 1", "1 1 0"]);
        assert_eq!(fixed_choice(&[full], &codes), None);
        // No nominations at all is not one either.
        let empty = write(dir.path(), "empty.dat", &["0 0 0", "0 0 0", "0 0 0"]);
        assert_eq!(fixed_choice(&[empty], &codes), None);
    }

    #[test]
    fn a_row_with_a_missing_cell_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let codes = MatrixCodes::default();
        let a = write(
            dir.path(),
            "a.dat",
            &["0 1 1 0", "1 0 NA 1", "1 1 0 0", "0 1 1 0"],
        );
        assert_eq!(fixed_choice(&[a], &codes), Some(2));
    }
}
