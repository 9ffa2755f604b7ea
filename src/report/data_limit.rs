//! The answers under a unique-token budget ([`crate::answer::data_limit`]) as text and CSV.

use std::io::{self, Write};

use super::optimal::{csv_num, csv_row, with_interval};
use crate::answer::data_limit::{DataLimit, Repetition};
use crate::uncertainty::Estimate;

/// The data-limited allocations as a text section, after the answers; nothing when the law
/// gave none.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(limit: &DataLimit, w: &mut dyn Write) -> io::Result<()> {
    let Some(repetition) = limit.repetition else {
        return Ok(());
    };
    writeln!(w)?;
    let source = match repetition {
        Repetition::Fitted => "R_D* and R_N* as fitted".to_string(),
        Repetition::Published {
            tokens_decay,
            params_decay,
        } => format!(
            "this fit's E, A, B, alpha, beta with R_D* = {tokens_decay:.4} and R_N* = \
             {params_decay:.4} as published by Muennighoff et al. 2023, assumed"
        ),
    };
    writeln!(
        w,
        "With {:.3e} unique tokens (data-constrained law, repeated data; {source}):",
        limit.unique_tokens
    )?;
    let rows: Vec<[String; 6]> = limit
        .allocations
        .iter()
        .map(|a| {
            [
                format!("{:.3e}", a.compute),
                with_interval(&a.n_params),
                with_interval(&a.n_tokens),
                with_interval(&a.epochs),
                with_interval(&a.loss),
                with_interval(&a.fresh_data_loss),
            ]
        })
        .collect();
    let header = ["budget", "N", "D", "epochs", "loss", "fresh-data loss"];
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, &n)| format!("{c:<n$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(w, "  {}", line(&header))?;
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        writeln!(w, "  {}", line(&cells))?;
    }
    Ok(())
}

/// The data-limited allocations as CSV rows in `optimal`'s long format (`question,input,
/// quantity,value,std_error,lower,upper,level`): question `data_limit`, input `budget;U`,
/// quantities `n_params`, `n_tokens`, `epochs`, `loss`, `fresh_data_loss`.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv_rows(limit: &DataLimit, level: f64, w: &mut dyn Write) -> io::Result<()> {
    for a in &limit.allocations {
        let input = format!("{};{}", csv_num(a.compute), csv_num(a.unique_tokens));
        let quantities: [(&str, &Estimate); 5] = [
            ("n_params", &a.n_params),
            ("n_tokens", &a.n_tokens),
            ("epochs", &a.epochs),
            ("loss", &a.loss),
            ("fresh_data_loss", &a.fresh_data_loss),
        ];
        for (quantity, e) in quantities {
            csv_row(w, "data_limit", &input, quantity, e, level)?;
        }
    }
    Ok(())
}
