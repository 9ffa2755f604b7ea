//! The optional unique-tokens column `U`: how many distinct tokens each run's training data
//! was drawn from, so that `D / U` is the number of epochs (Muennighoff et al. 2023).
//!
//! Values must be present, numeric, finite and positive, like every other role. `U > D` is
//! allowed: the run saw part of its unique tokens once (the data-constrained law uses
//! `U_D = min(U, D)`), and a note says which rows.

use super::cells;
use super::roles::looks_numeric;
use super::table::Table;
use crate::error::Error;

/// The values of the unique-tokens column at `kept` rows (0-based), or `None` when the file has
/// none. A column found by its name alone (not given with `--unique-tokens-col`) that holds
/// words is a label, not data: it is left out with a note.
///
/// # Errors
///
/// [`Error::BadValues`] naming the file, column and rows of empty, non-numeric, non-finite or
/// non-positive cells.
pub(crate) fn read(
    table: &Table,
    column: Option<usize>,
    given: bool,
    kept: &[usize],
    label: &str,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<f64>>, Error> {
    let Some(idx) = column else {
        return Ok(None);
    };
    if !given && !looks_numeric(&table.columns[idx].values) {
        notes.push(format!(
            "column '{}' has the name of a unique-tokens column but holds text; not used as U \
             (name it with --unique-tokens-col to use it)",
            table.columns[idx].name
        ));
        return Ok(None);
    }
    cells::numeric_column(table, idx, kept, label).map(Some)
}

/// A note naming the runs with more unique tokens than training tokens, if any.
pub(crate) fn note_above_tokens(unique: &[f64], tokens: &[f64], rows: &[usize]) -> Option<String> {
    let above: Vec<usize> = (0..unique.len())
        .filter(|&i| unique[i] > tokens[i])
        .map(|i| rows[i])
        .collect();
    let shown = crate::error::ROWS_SHOWN;
    (!above.is_empty()).then(|| {
        let list: Vec<String> = above.iter().take(shown).map(|r| r.to_string()).collect();
        let more = if above.len() > shown { ", ..." } else { "" };
        format!(
            "{} runs have more unique tokens U than training tokens D (rows {}{more}): they saw \
             part of U once, so U_D = min(U, D) = D is used for them",
            above.len(),
            list.join(", ")
        )
    })
}
