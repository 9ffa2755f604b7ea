//! Renderer for [`Comparison`].

use std::io::{self, Write};

use super::optimal::{num, with_interval};
use crate::compare::Comparison;

/// Text table and verdict.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(c: &Comparison, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Compute-optimal scaling by three approaches ({:.0}% intervals)",
        c.level * 100.0
    )?;
    writeln!(w)?;
    let mut header = format!(
        "  {:<28} {:<26} {:<26}",
        "approach", "a (N* ∝ C^a)", "b (D* ∝ C^b)"
    );
    for b in &c.budgets {
        header.push_str(&format!(" {:<34}", format!("N* at {} FLOPs", num(*b))));
    }
    writeln!(w, "{}", header.trim_end())?;
    for a in &c.approaches {
        let mut row = format!(
            "  {:<28} {:<26} {:<26}",
            a.approach,
            with_interval(&a.a),
            with_interval(&a.b)
        );
        for n in &a.n_params {
            row.push_str(&format!(" {:<34}", with_interval(n)));
        }
        writeln!(w, "{}", row.trim_end())?;
    }
    writeln!(w)?;
    writeln!(w, "  {}", c.verdict)?;
    writeln!(
        w,
        "  (Hoffmann et al. 2022 report a = 0.50, 0.49 and 0.46 for Approaches 1, 2 and 3.)"
    )?;
    Ok(())
}
