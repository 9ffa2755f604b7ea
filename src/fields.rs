//! Checks of values read back from a file (a saved fit), each failing with a message that starts
//! with the path of the field it concerns in the file, e.g. `report.fitted.config.loss.delta is
//! -1; it must be a positive number`. The structs of a fit file check themselves with these
//! (`check_consistent(at)`, where `at` is the struct's own path), so the message names the field
//! whoever reads it.

/// A check's outcome: the message names the field.
pub(crate) type Checked = Result<(), String>;

/// The path of field `name` of the struct at `at` (`at` empty at the top level).
pub(crate) fn path(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// A finite number above zero.
pub(crate) fn positive(field: &str, value: f64) -> Checked {
    if value.is_finite() && value > 0.0 {
        return Ok(());
    }
    Err(format!(
        "{field} is {}; it must be a positive number",
        crate::finite::compact(value)
    ))
}

/// A finite number, zero or above.
pub(crate) fn non_negative(field: &str, value: f64) -> Checked {
    if value.is_finite() && value >= 0.0 {
        return Ok(());
    }
    Err(format!(
        "{field} is {}; it must be a number of at least 0",
        crate::finite::compact(value)
    ))
}

/// A number strictly between 0 and 1 (a confidence level).
pub(crate) fn open_fraction(field: &str, value: f64) -> Checked {
    if value > 0.0 && value < 1.0 {
        return Ok(());
    }
    Err(format!(
        "{field} is {}; it must lie strictly between 0 and 1",
        crate::finite::compact(value)
    ))
}

/// A count of at most `limit`, which `limit_field` holds.
pub(crate) fn at_most(field: &str, count: usize, limit_field: &str, limit: usize) -> Checked {
    if count <= limit {
        return Ok(());
    }
    Err(format!(
        "{field} is {count}, more than {limit_field} ({limit})"
    ))
}

/// A count of at least `least`, for the reason `why`.
pub(crate) fn at_least(field: &str, count: usize, least: usize, why: &str) -> Checked {
    if count >= least {
        return Ok(());
    }
    Err(format!("{field} is {count}; {why}"))
}

/// A list of `len` entries where `other` (a list of `other_len` `unit`) says there should be
/// as many.
pub(crate) fn same_len(
    field: &str,
    len: usize,
    other: &str,
    other_len: usize,
    unit: &str,
) -> Checked {
    if len == other_len {
        return Ok(());
    }
    Err(format!(
        "{field} has {len} entries but {other} has {other_len} {unit}"
    ))
}

/// Whether `a` and `b` are the same number up to rounding in the last digits (a value saved
/// beside the one it is computed from).
pub(crate) fn agree(a: f64, b: f64) -> bool {
    /// exp and the exponent formulas lose a few units in the last place.
    const RTOL: f64 = 1e-9;
    (a - b).abs() <= RTOL * a.abs().max(b.abs())
}

/// The message of a library error about a value, without the flag it names when the value
/// comes from the command line (`invalid --grid: ...`): in a file, the caller names the field.
pub(crate) fn message_of(error: crate::error::Error) -> String {
    match error {
        crate::error::Error::InvalidOption { message, .. } => message,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_start_with_the_field() {
        let field = path("report.fitted", "objective");
        assert_eq!(
            non_negative(&field, -2.0).unwrap_err(),
            "report.fitted.objective is -2; it must be a number of at least 0"
        );
        assert_eq!(path("", "bootstrap"), "bootstrap");
        assert!(positive("x", f64::NAN).unwrap_err().starts_with("x is NaN"));
        assert!(positive("x", 0.0).is_err() && positive("x", 1e-300).is_ok());
        assert!(open_fraction("level", 1.0).is_err() && open_fraction("level", 0.95).is_ok());
        assert_eq!(
            same_len("b.converged", 19, "b.theta", 20, "rows").unwrap_err(),
            "b.converged has 19 entries but b.theta has 20 rows"
        );
        assert!(agree(1.0, 1.0 + 1e-12) && !agree(1.0, 1.001));
    }
}
