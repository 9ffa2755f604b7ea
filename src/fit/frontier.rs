//! The runs a law of compute alone is fitted to: every run, the lowest of each compute level,
//! or the lower convex envelope (see [`crate::law::compute`] for why it matters).

use crate::data::Dataset;
use crate::error::Error;
use crate::law::compute::{DEFAULT_LEVEL_TOLERANCE_DEX, Frontier, frontier_runs};
use crate::warnings::{Warning, WarningCode};

/// The frontier a compute law is fitted to unless told otherwise: the lowest-loss run of each
/// compute level. On an IsoFLOP sweep it keeps the best run of each budget (the frontier
/// `L(C)` describes); with one run per budget it keeps every run.
pub const DEFAULT_FRONTIER: Frontier = Frontier::LowestPerLevel {
    tolerance_dex: DEFAULT_LEVEL_TOLERANCE_DEX,
};

/// The frontier named `all`, `lowest` or `envelope`.
///
/// # Errors
///
/// [`Error::InvalidOption`] (naming `--frontier`) for any other name.
///
/// # Examples
///
/// ```
/// use scaling_laws::fit::frontier::parse_frontier;
/// use scaling_laws::law::compute::Frontier;
/// assert_eq!(parse_frontier("envelope").unwrap(), Frontier::LowerConvexHull);
/// assert!(parse_frontier("best").is_err());
/// ```
pub fn parse_frontier(name: &str) -> Result<Frontier, Error> {
    match name {
        "all" => Ok(Frontier::AllRuns),
        "lowest" => Ok(DEFAULT_FRONTIER),
        "envelope" => Ok(Frontier::LowerConvexHull),
        other => Err(Error::invalid_option(
            "--frontier",
            format!("'{other}' is not a frontier; use all, lowest or envelope"),
        )),
    }
}

/// The runs of `data` on `frontier`, and a warning counting (and naming the rows of) the runs
/// left out, if any.
pub fn select_frontier(data: &Dataset, frontier: Frontier) -> (Dataset, Option<Warning>) {
    let chosen = frontier_runs(&data.compute, &data.loss, frontier);
    let mut keep = vec![false; data.len()];
    for &i in &chosen {
        keep[i] = true;
    }
    let dropped: Vec<usize> = (0..data.len())
        .filter(|&i| !keep[i])
        .map(|i| data.rows[i])
        .collect();
    if dropped.is_empty() {
        return (data.clone(), None);
    }
    let how = match frontier {
        Frontier::AllRuns => "with a usable compute and loss",
        Frontier::LowestPerLevel { .. } => "that are the lowest loss of their compute level",
        Frontier::LowerConvexHull => "on the lower convex envelope of loss against log compute",
    };
    let warning = Warning::new(
        WarningCode::RunsDropped,
        format!(
            "the compute law is fitted to the {} of {} runs {how}; {} runs outside the frontier are left out",
            chosen.len(),
            data.len(),
            dropped.len()
        ),
        "use --frontier all to fit every run, or --frontier envelope for runs at scattered budgets",
    )
    .with_rows(dropped);
    (data.subset(&keep), Some(warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_names_are_refused() {
        assert_eq!(parse_frontier("all").unwrap(), Frontier::AllRuns);
        assert_eq!(parse_frontier("lowest").unwrap(), DEFAULT_FRONTIER);
        let e = parse_frontier("hull").unwrap_err().to_string();
        assert!(e.contains("--frontier") && e.contains("hull"), "{e}");
    }
}
