//! Reading the cells of a column as validated numbers (present, numeric, finite, > 0).

use super::table::{Table, Values};
use crate::error::{Error, ROWS_SHOWN};

/// Problems a cell can have, in the order they are reported.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CellProblem {
    Empty,
    NotNumber,
    NotFinite,
    NotPositive,
}

impl CellProblem {
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            CellProblem::Empty => (
                "has empty cells",
                "fill them in, or exclude those rows with --where",
            ),
            CellProblem::NotNumber => (
                "has text that is not a number",
                "fix those cells (numbers like 1.5e9; no units or thousands separators), or exclude the rows with --where",
            ),
            CellProblem::NotFinite => (
                "has NaN or infinite values",
                "fix or exclude those rows (e.g. --where 'L < 100')",
            ),
            CellProblem::NotPositive => (
                "has values <= 0",
                "parameters, tokens, unique tokens, compute and loss must be positive; fix or exclude those rows with --where",
            ),
        }
    }
}

/// The numbers in column `idx` at `rows`, or an error naming the first bad rows.
pub(crate) fn numeric_column(
    table: &Table,
    idx: usize,
    rows: &[usize],
    label: &str,
) -> Result<Vec<f64>, Error> {
    let column = &table.columns[idx];
    if let Values::Unreadable(dtype) = &column.values {
        return Err(Error::UnreadableColumn {
            path: label.to_string(),
            column: column.name.clone(),
            dtype: dtype.clone(),
        });
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut problems: Vec<(CellProblem, usize, String)> = Vec::new();
    for &row in rows {
        let (value, shown) = match &column.values {
            Values::Float(v) => (
                v[row].ok_or(CellProblem::Empty),
                v[row].map(super::derive::show),
            ),
            Values::Text(v) => match v.get(row).map(str::trim) {
                None | Some("") => (Err(CellProblem::Empty), None),
                Some(s) => (
                    s.parse::<f64>().map_err(|_| CellProblem::NotNumber),
                    Some(s.to_string()),
                ),
            },
            Values::Unreadable(_) => (Err(CellProblem::NotNumber), None),
        };
        let checked = value.and_then(|x| {
            if !x.is_finite() {
                Err(CellProblem::NotFinite)
            } else if x <= 0.0 {
                Err(CellProblem::NotPositive)
            } else {
                Ok(x)
            }
        });
        match checked {
            Ok(x) => out.push(x),
            Err(p) => problems.push((
                p,
                row + 1,
                shown.map_or("empty".into(), |s| format!("'{s}'")),
            )),
        }
    }
    let first_kind = [
        CellProblem::Empty,
        CellProblem::NotNumber,
        CellProblem::NotFinite,
        CellProblem::NotPositive,
    ]
    .into_iter()
    .find(|k| problems.iter().any(|(p, _, _)| p == k));
    match first_kind {
        None => Ok(out),
        Some(kind) => {
            let of_kind: Vec<(usize, String)> = problems
                .into_iter()
                .filter(|(p, _, _)| *p == kind)
                .map(|(_, r, v)| (r, v))
                .collect();
            let (problem, advice) = kind.describe();
            Err(Error::BadValues(Box::new(crate::error::BadValues {
                path: label.to_string(),
                column: column.name.clone(),
                problem: problem.to_string(),
                total: of_kind.len(),
                rows: of_kind.into_iter().take(ROWS_SHOWN).collect(),
                advice: advice.to_string(),
            })))
        }
    }
}
