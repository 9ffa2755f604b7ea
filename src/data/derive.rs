//! Completing N, D and C from the two or three of them a file gives, and checking the result.
//!
//! ```text
//! C = s · (compute column)       s = --flops-scale (1 by default), e.g. 1e9 for GFLOPs
//! C = k·N·D                      when the file has no compute column
//! D = C / (k·N)                  when it has no tokens column
//! N = C / (k·D)                  when it has no parameters column
//! ```
//!
//! Every derived value must be a finite number of at least `f64::MIN_POSITIVE` (no overflow to
//! infinity, no underflow to zero). When the file gives all three, the median of C / (k·N·D)
//! should be near 1; when it is off by more than a factor of 2 the compute column is probably in
//! another unit, and a [`WarningCode::ComputeColumnInconsistent`] warning names the likely unit
//! and the `--flops-scale` that converts it. Tokens derived from a compute column in the wrong
//! unit come out implausibly few (a median under [`FEWEST_PLAUSIBLE_TOKENS`]): same warning.
//!
//! When the column agrees as a whole, each run is checked against it: a run whose ratio
//! C / (k·N·D) lies farther from the median ratio than a factor [`ROW_RATIO_FACTOR`] and
//! [`ROW_RATIO_SDS`] robust sds of the log ratios has a wrong N, D or C (one run's tokens in
//! thousands, a mislabelled model size). The robust sd lets files whose compute counts
//! attention (a ratio that drifts with size) pass; runs that disagree by more than the rest
//! of the file are named.

use crate::error::{BadDerived, Error, ROWS_SHOWN};
use crate::warnings::{Warning, WarningCode};

/// Median training tokens below which derived token counts are flagged as implausible.
pub const FEWEST_PLAUSIBLE_TOKENS: f64 = 1e6;

/// Tokens per parameter assumed when guessing the unit of a compute column from derived tokens
/// (Hoffmann et al. 2022 find about 20 at the compute-optimal point).
const TYPICAL_TOKENS_PER_PARAM: f64 = 20.0;

/// Units a compute column is found in: (C in that unit / C in FLOPs, name, `--flops-scale`).
const UNITS: [(f64, &str, &str); 9] = [
    (1e-6, "MFLOPs", "1e6"),
    (1e-9, "GFLOPs", "1e9"),
    (1e-12, "TFLOPs", "1e12"),
    (1e-15, "PFLOPs", "1e15"),
    (1e-18, "EFLOPs", "1e18"),
    (1.0 / 3.6e18, "PFLOP/s-hours", "3.6e18"),
    (1.0 / 8.64e19, "PFLOP/s-days", "8.64e19"),
    (1.0 / 6.0, "N·D (no factor 6)", "6"),
    (1.0 / 3.0, "2·N·D (forward pass only)", "3"),
];

/// One of N, D, C as read: values and the column they came from.
pub struct Given<'a> {
    /// Values, one per kept row.
    pub values: Vec<f64>,
    /// Column name in the file.
    pub column: &'a str,
}

/// N, D and C for every kept row, with notes and warnings on how they were obtained.
#[derive(Debug)]
pub struct Completed {
    /// Parameters N.
    pub n_params: Vec<f64>,
    /// Tokens D.
    pub n_tokens: Vec<f64>,
    /// Compute C, FLOPs.
    pub compute: Vec<f64>,
    /// How values were derived.
    pub notes: Vec<String>,
    /// Doubts about the units.
    pub warnings: Vec<Warning>,
}

/// What [`complete`] needs besides the columns.
pub struct Context<'a> {
    /// `k` in `C = k·N·D`.
    pub k: f64,
    /// Factor applied to the compute column.
    pub flops_scale: f64,
    /// Source row of each value (1-based, header excluded).
    pub rows: &'a [usize],
    /// The file, for messages.
    pub label: &'a str,
}

/// Derive the missing one of N, D, C (at least two are given), scale C, and check.
///
/// # Errors
///
/// [`Error::BadDerived`] when a derived or scaled value is not finite and positive;
/// [`Error::InvalidOption`] naming `--flops-scale` when the scale is not a positive number.
pub fn complete(
    params: Option<Given>,
    tokens: Option<Given>,
    flops: Option<Given>,
    cx: &Context,
) -> Result<Completed, Error> {
    Error::require_positive("--flops-scale", cx.flops_scale)?;
    let k = cx.k;
    let mut notes = Vec::new();
    let flops = match flops {
        Some(mut c) if cx.flops_scale != 1.0 => {
            let raw = c.values.clone();
            c.values.iter_mut().for_each(|x| *x *= cx.flops_scale);
            let formula = format!(
                "column '{}' × {} (--flops-scale)",
                c.column,
                show(cx.flops_scale)
            );
            check(&c.values, "compute C", &formula, cx, |i| {
                format!("'{}' = {}", c.column, show(raw[i]))
            })?;
            notes.push(format!(
                "compute C = column '{}' × {} (--flops-scale)",
                c.column,
                show(cx.flops_scale)
            ));
            Some(c)
        }
        other => other,
    };
    let mut warnings = Vec::new();
    let (n, d, c) = match (params, tokens, flops) {
        (Some(n), Some(d), Some(c)) => {
            let column = unit_check(&n.values, &d.values, &c, k);
            if column.is_none() {
                warnings.extend(row_check(&n.values, &d.values, &c, k, cx.rows));
            }
            warnings.extend(column);
            (n.values, d.values, c.values)
        }
        (Some(n), Some(d), None) => {
            let c = zip_map(&n.values, &d.values, |n, d| k * n * d);
            let formula = format!("{k}·N·D from columns '{}' and '{}'", n.column, d.column);
            check(&c, "compute C", &formula, cx, |i| {
                format!("N = {}, D = {}", show(n.values[i]), show(d.values[i]))
            })?;
            (n.values, d.values, c)
        }
        (Some(n), None, Some(c)) => {
            let d = zip_map(&c.values, &n.values, |c, n| c / (k * n));
            let formula = format!("C / ({k}·N) from columns '{}' and '{}'", c.column, n.column);
            check(&d, "tokens D", &formula, cx, |i| {
                format!("C = {}, N = {}", show(c.values[i]), show(n.values[i]))
            })?;
            notes.push(format!(
                "tokens derived as D = C / ({k}·N) from column '{}'",
                c.column
            ));
            warnings.extend(few_tokens_check(&d, &n.values, &c, k));
            (n.values, d, c.values)
        }
        (None, Some(d), Some(c)) => {
            let n = zip_map(&c.values, &d.values, |c, d| c / (k * d));
            let formula = format!("C / ({k}·D) from columns '{}' and '{}'", c.column, d.column);
            check(&n, "parameters N", &formula, cx, |i| {
                format!("C = {}, D = {}", show(c.values[i]), show(d.values[i]))
            })?;
            notes.push(format!(
                "parameters derived as N = C / ({k}·D) from columns '{}' and '{}'",
                c.column, d.column
            ));
            (n, d.values, c.values)
        }
        _ => {
            return Err(Error::invalid_option(
                "--params-col/--tokens-col/--flops-col",
                format!(
                    "{} needs two of parameters, tokens and compute to know all three",
                    cx.label
                ),
            ));
        }
    };
    Ok(Completed {
        n_params: n,
        n_tokens: d,
        compute: c,
        notes,
        warnings,
    })
}

fn zip_map(a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
}

/// A number the rest of the tool can use: finite, and not zero or subnormal after underflow.
fn usable(x: f64) -> bool {
    x.is_finite() && x >= f64::MIN_POSITIVE
}

fn check(
    values: &[f64],
    quantity: &str,
    formula: &str,
    cx: &Context,
    inputs: impl Fn(usize) -> String,
) -> Result<(), Error> {
    let bad: Vec<usize> = (0..values.len()).filter(|&i| !usable(values[i])).collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::BadDerived(Box::new(BadDerived {
        path: cx.label.to_string(),
        quantity: quantity.to_string(),
        formula: formula.to_string(),
        rows: (bad.iter().take(ROWS_SHOWN))
            .map(|&i| {
                (
                    cx.rows[i],
                    format!("{} gives {}", inputs(i), show(values[i])),
                )
            })
            .collect(),
        total: bad.len(),
        advice: "check the units of those columns (values must stay within about 1e-300 to \
                 1e300), or exclude the rows with --where"
            .to_string(),
    })))
}

/// `x` in full precision, in scientific notation when very large or small (`1e200`).
pub fn show(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&x.abs()) {
        x.to_string()
    } else {
        format!("{x:e}")
    }
}

/// `exp(log)` as [`short`] gives it, or as a power of ten when it is beyond the range of
/// `f64` (a ratio of `1e-308` tokens to a sensible compute is `1e310`, not infinity).
pub fn short_exp(log: f64) -> String {
    let x = log.exp();
    if x.is_finite() && x > 0.0 {
        short(x)
    } else {
        format!("1e{:.0}", log / std::f64::consts::LN_10)
    }
}

/// `x` with three significant digits at most, e.g. `1e-9`, `0.167`, `2.5e12`.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let exponent = x.abs().log10().floor() as i32;
    let trim = |s: &str| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-3..4).contains(&exponent) {
        trim(&format!("{:.*}", (2 - exponent).max(0) as usize, x))
    } else {
        let s = format!("{x:.2e}");
        let (mantissa, power) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{power}", trim(mantissa))
    }
}

fn median(v: Vec<f64>) -> f64 {
    crate::stats::median(&v)
}

/// The unit in [`UNITS`] nearest to `ratio` on a log scale, if within `max_factor` of it.
fn nearest_unit(ratio: f64, max_factor: f64) -> Option<(&'static str, &'static str)> {
    UNITS
        .iter()
        .map(|&(r, name, scale)| ((ratio / r).log10().abs(), name, scale))
        .filter(|(dist, _, _)| *dist <= max_factor.log10())
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name, scale)| (name, scale))
}

/// Compare the compute column with k·N·D (median ratio, computed in logs so nothing overflows).
fn unit_check(n: &[f64], d: &[f64], c: &Given, k: f64) -> Option<Warning> {
    if n.is_empty() {
        return None;
    }
    let logs: Vec<f64> = (0..n.len())
        .map(|i| c.values[i].ln() - k.ln() - n[i].ln() - d[i].ln())
        .collect();
    let log_ratio = median(logs);
    let ratio = log_ratio.exp();
    if (0.5..=2.0).contains(&ratio) {
        return None;
    }
    let found = format!(
        "the compute column '{}' is {} times {k}·N·D (median over {} runs)",
        c.column,
        if ratio.is_normal() && ratio.is_finite() {
            short(ratio)
        } else {
            format!("10^{:.0}", log_ratio / std::f64::consts::LN_10)
        },
        n.len()
    );
    // No unit is 1e30 away from FLOPs: such a column is not compute at all.
    if log_ratio.abs() > 30.0 * std::f64::consts::LN_10 {
        return Some(Warning::new(
            WarningCode::ComputeColumnInconsistent,
            format!("{found}: it is not a compute column in any unit"),
            "choose the compute column with --flops-col, or leave it out (--tokens-col with \
             the tokens) so that C = k·N·D",
        ));
    }
    Some(match nearest_unit(ratio, 2.0) {
        Some((unit, scale)) => Warning::new(
            WarningCode::ComputeColumnInconsistent,
            format!("{found}: it looks like {unit}"),
            format!("give --flops-scale {scale} to convert it to FLOPs"),
        ),
        None => Warning::new(
            WarningCode::ComputeColumnInconsistent,
            format!("{found}: its unit or the columns used for N and D look wrong"),
            format!(
                "check them; --flops-scale {} would make them agree, and --params-col, \
                 --tokens-col, --flops-col choose other columns",
                short(1.0 / ratio)
            ),
        ),
    })
}

/// Smallest factor between a run's C / (k·N·D) and the file's median reported for the run.
pub const ROW_RATIO_FACTOR: f64 = 1.5;
/// Robust sds of the log ratios beyond which a run's ratio is reported.
pub const ROW_RATIO_SDS: f64 = 6.0;

/// Runs whose C / (k·N·D) disagrees with the rest of the file (module docs).
fn row_check(n: &[f64], d: &[f64], c: &Given, k: f64, rows: &[usize]) -> Option<Warning> {
    let logs: Vec<f64> = (0..n.len())
        .map(|i| c.values[i].ln() - k.ln() - n[i].ln() - d[i].ln())
        .collect();
    let (centre, sd) = crate::stats::robust_centre_sd(&logs);
    let limit = ROW_RATIO_FACTOR.ln().max(ROW_RATIO_SDS * sd);
    let far: Vec<usize> = (0..logs.len())
        .filter(|&i| (logs[i] - centre).abs() > limit)
        .collect();
    if far.is_empty() {
        return None;
    }
    let shown: Vec<String> = (far.iter().take(ROWS_SHOWN))
        .map(|&i| {
            format!(
                "row {} (N = {}, D = {}, C = {}: {} times {k}·N·D)",
                rows[i],
                show(n[i]),
                show(d[i]),
                show(c.values[i]),
                short_exp(logs[i])
            )
        })
        .collect();
    let more = far.len().saturating_sub(ROWS_SHOWN);
    Some(
        Warning::new(
            WarningCode::ComputeColumnInconsistent,
            format!(
                "{} of {} runs disagree with the compute column '{}' (the others give {} times {k}·N·D): {}{}",
                far.len(),
                n.len(),
                c.column,
                short_exp(centre),
                shown.join("; "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
            "check N, D and C of those runs (a size or token count in another unit, a              mislabelled model); drop them with --where if they cannot be mended",
        )
        .with_rows(far.iter().map(|&i| rows[i]).collect()),
    )
}

/// Flag tokens derived from a compute column that are implausibly few.
fn few_tokens_check(d: &[f64], n: &[f64], c: &Given, k: f64) -> Option<Warning> {
    if d.is_empty() {
        return None;
    }
    let median_tokens = median(d.to_vec());
    if median_tokens >= FEWEST_PLAUSIBLE_TOKENS {
        return None;
    }
    // If runs saw about 20 tokens per parameter, C in FLOPs would be k·20·N².
    let logs: Vec<f64> = (0..n.len())
        .map(|i| c.values[i].ln() - (k * TYPICAL_TOKENS_PER_PARAM).ln() - 2.0 * n[i].ln())
        .collect();
    let guess = nearest_unit(median(logs).exp(), 30.0)
        .filter(|(_, scale)| scale.contains('e'))
        .map(|(unit, scale)| {
            format!(
                " (at about 20 tokens per parameter it would be in {unit}: --flops-scale {scale})"
            )
        })
        .unwrap_or_default();
    Some(Warning::new(
        WarningCode::ComputeColumnInconsistent,
        format!(
            "tokens derived as D = C / ({k}·N) from column '{}' have a median of {}, \
             implausibly few for training runs: the column is probably not in FLOPs{guess}",
            c.column,
            short(median_tokens)
        ),
        "give --flops-scale with the column's unit in FLOPs (1e9 for GFLOPs, 1e15 for PFLOPs, \
         8.64e19 for PFLOP/s-days), or the tokens column with --tokens-col",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(values: Vec<f64>, column: &str) -> Option<Given<'_>> {
        Some(Given { values, column })
    }

    const ROWS: [usize; 3] = [1, 2, 3];

    fn cx(scale: f64) -> Context<'static> {
        Context {
            k: 6.0,
            flops_scale: scale,
            rows: &ROWS,
            label: "t.csv",
        }
    }

    #[test]
    fn a_compute_column_in_gflops_is_named_with_the_flag_that_fixes_it() {
        let n = vec![1e8, 1e9, 1e10];
        let d = vec![2e9, 2e10, 2e11];
        let c: Vec<f64> = (0..3).map(|i| 6.0 * n[i] * d[i] / 1e9).collect();
        let out = complete(
            given(n.clone(), "N"),
            given(d.clone(), "D"),
            given(c.clone(), "gflops"),
            &cx(1.0),
        )
        .unwrap();
        assert_eq!(out.warnings.len(), 1);
        let w = &out.warnings[0];
        assert_eq!(w.code, WarningCode::ComputeColumnInconsistent);
        assert!(
            w.message.contains("1e-9 times") && w.message.contains("GFLOPs"),
            "{w:?}"
        );
        assert!(w.action.contains("--flops-scale 1e9"), "{w:?}");
        // With the scale, no warning and C in FLOPs.
        let out = complete(given(n, "N"), given(d, "D"), given(c, "gflops"), &cx(1e9)).unwrap();
        assert!(out.warnings.is_empty());
        assert!((out.compute[0] / 1.2e18 - 1.0).abs() < 1e-12);
        assert!(out.notes[0].contains("× 1000000000 (--flops-scale)"));
    }

    #[test]
    fn short_numbers_keep_three_digits() {
        assert_eq!(short(1e-9), "1e-9");
        assert_eq!(short(1.0 / 6.0), "0.167");
        assert_eq!(short(2.5e12), "2.5e12");
        assert_eq!(short(20.0), "20");
    }

    #[test]
    fn units_are_told_apart() {
        assert_eq!(nearest_unit(1.0 / 8.64e19, 2.0).unwrap().0, "PFLOP/s-days");
        assert_eq!(nearest_unit(1.1e-15, 2.0).unwrap().1, "1e15");
        assert_eq!(nearest_unit(0.17, 2.0).unwrap().1, "6");
        assert_eq!(nearest_unit(1e3, 2.0), None);
    }

    #[test]
    fn tokens_derived_from_gflops_are_flagged_as_too_few() {
        let n = vec![1e8, 1e9, 1e10];
        let c: Vec<f64> = n.iter().map(|n| 6.0 * n * 20.0 * n / 1e9).collect();
        let out = complete(given(n, "N"), None, given(c, "compute"), &cx(1.0)).unwrap();
        assert!(out.n_tokens[1] < 100.0);
        let w = &out.warnings[0];
        assert!(
            w.message.contains("implausibly few") && w.message.contains("GFLOPs"),
            "{w:?}"
        );
        assert!(w.action.contains("--flops-scale"));
    }

    #[test]
    fn parameters_are_derived_from_compute_and_tokens() {
        let out = complete(
            None,
            given(vec![1e10, 2e10, 4e10], "tokens"),
            given(vec![6e19, 1.2e20, 2.4e20], "flops"),
            &cx(1.0),
        )
        .unwrap();
        assert!(out.n_params.iter().all(|n| (n / 1e9 - 1.0).abs() < 1e-12));
        assert!(out.notes[0].contains("N = C / (6·D)"), "{:?}", out.notes);
    }

    #[test]
    fn overflowing_and_underflowing_derivations_name_rows_and_columns() {
        let err = complete(
            given(vec![1e200, 1.0, 1.0], "N"),
            given(vec![1e200, 1.0, 1.0], "D"),
            None,
            &cx(1.0),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("compute C derived as 6·N·D from columns 'N' and 'D'"),
            "{err}"
        );
        assert!(
            err.contains("row 1 (N = 1e200, D = 1e200 gives inf)"),
            "{err}"
        );
        let err = complete(
            given(vec![1e300, 1.0, 1.0], "N"),
            None,
            given(vec![1e-300, 6.0, 6.0], "flops"),
            &cx(1.0),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("tokens D derived as C / (6·N)"), "{err}");
        let err = complete(
            given(vec![1.0; 3], "N"),
            given(vec![1.0; 3], "D"),
            given(vec![1e300; 3], "C"),
            &cx(1e10),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("--flops-scale") && err.contains("rows 1"),
            "{err}"
        );
    }
}
