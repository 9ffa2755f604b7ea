//! Model sizes given by hand for runs named in a table: `[RUN=]N` items, each naming a run
//! or the start of runs' names. One parser and one matching rule serve every command that
//! reads them (`--run-params`).

use crate::error::Error;

/// Whether `name` names `run`: the whole name, a prefix of it that ends where the name goes
/// on with `-`, `_` or `.`, or empty (every run).
pub fn names_run(name: &str, run: &str) -> bool {
    name.is_empty()
        || run == name
        || run
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(['-', '_', '.']))
}

/// The value of `run` among `(name, value)` pairs: that of the longest name that names it
/// ([`names_run`]).
pub fn value_for_run(values: &[(String, f64)], run: &str) -> Option<f64> {
    values
        .iter()
        .filter(|(name, _)| names_run(name, run))
        .max_by_key(|(name, _)| name.len())
        .map(|(_, v)| *v)
}

/// Parse parameter counts given by hand, `[RUN=]N` items (comma-separated, or one per value):
/// N for the run named RUN or whose name starts with RUN followed by `-`, `_` or `.`
/// ([`names_run`]; the longest name wins, [`value_for_run`]), or for every run without RUN.
/// Every command that reads runs' sizes by hand (`--run-params`) reads them here.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag` for an item whose N is not a positive number.
pub fn parse_run_params(values: &[String], flag: &str) -> Result<Vec<(String, f64)>, Error> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|item| {
            let (run, n) = item.rsplit_once('=').unwrap_or(("", item));
            let n: f64 = n
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && *n > 0.0)
                .ok_or_else(|| {
                    Error::invalid_option(
                        flag,
                        format!(
                            "'{item}' is not [RUN=]N with N a positive number of parameters, \
                             e.g. 190M=190354176"
                        ),
                    )
                })?;
            Ok((run.trim().to_string(), n))
        })
        .collect()
}
