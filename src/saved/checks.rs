//! The checks of a fit file read back ([`SavedFit::from_json`]): each part checks itself
//! (`check_consistent`), then the parts are checked against each other.

use super::{Provenance, SavedFit};
use crate::fields::{at_least, path, positive};
use crate::law::Input;

/// Hex digits of a SHA-256.
const SHA256_HEX_DIGITS: usize = 64;

impl Provenance {
    /// Whether the provenance is one a load could have made: a SHA-256 of 64 hex digits,
    /// positive `k` and FLOP scale, and the rows used, as many as `rows_used`, increasing source
    /// rows of the file.
    ///
    /// # Errors
    ///
    /// A message that starts with the path of the field that is wrong (`at` is this struct's
    /// own path, e.g. `provenance`).
    pub fn check_consistent(&self, at: &str) -> Result<(), String> {
        let field = |name: &str| path(at, name);
        let sha = &self.source.sha256;
        if sha.len() != SHA256_HEX_DIGITS || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{} is not a SHA-256 ({SHA256_HEX_DIGITS} hex digits)",
                field("source.sha256")
            ));
        }
        positive(&field("flops_per_param_token"), self.flops_per_param_token)?;
        positive(&field("flops_scale"), self.flops_scale)?;
        at_least(&field("rows_used"), self.rows_used, 1, "a fit has runs")?;
        if self.rows.len() != self.rows_used {
            return Err(format!(
                "{} has {} entries but {} is {}",
                field("rows"),
                self.rows.len(),
                field("rows_used"),
                self.rows_used
            ));
        }
        let in_file = self.source.rows_in_file;
        let mut previous = 0;
        for (i, &row) in self.rows.iter().enumerate() {
            if row <= previous || row > in_file {
                return Err(format!(
                    "{}[{i}] is {row}; the rows used are increasing source rows from 1 to {} \
                     ({})",
                    field("rows"),
                    in_file,
                    field("source.rows_in_file")
                ));
            }
            previous = row;
        }
        Ok(())
    }
}

impl SavedFit {
    /// Every part is consistent in itself and with the others: the fit with its provenance
    /// (runs used, the unique tokens its law needs), its bootstrap draws and its held-out
    /// check. Puts the law's values in the family's order.
    pub(super) fn check_consistent(&mut self) -> Result<(), String> {
        self.provenance.check_consistent("provenance")?;
        let fitted = &self.report.fitted;
        fitted.check_consistent("report.fitted")?;
        let n_params = fitted.family.params().len();
        self.report
            .diagnostics
            .check_consistent("report.diagnostics", n_params)?;
        let rows_used = self.provenance.rows_used;
        if fitted.n_runs != rows_used {
            return Err(format!(
                "report.fitted.n_runs is {} but provenance.rows_used is {rows_used}",
                fitted.n_runs
            ));
        }
        if fitted.family.inputs().contains(&Input::UniqueTokens)
            && self.provenance.columns.unique_tokens.is_none()
        {
            return Err(format!(
                "provenance.columns.unique_tokens is null but the {} law reads the unique tokens \
                 of every run",
                fitted.family
            ));
        }
        if let Some(draws) = &self.bootstrap {
            draws.check_consistent("bootstrap", fitted.family)?;
        }
        if let Some(holdout) = &self.holdout {
            holdout.check_consistent("holdout")?;
            if holdout.train_runs != rows_used {
                return Err(format!(
                    "holdout.train_runs is {} but provenance.rows_used is {rows_used}",
                    holdout.train_runs
                ));
            }
        }
        let fitted = &mut self.report.fitted;
        if let Some(law) = fitted.law.in_order_of(fitted.family) {
            fitted.law = law;
        }
        Ok(())
    }
}
