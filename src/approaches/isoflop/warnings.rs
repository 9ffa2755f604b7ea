//! Warnings of an IsoFLOP analysis: runs left out, a table that is not an IsoFLOP sweep, and
//! profiles whose minimum lies outside their sampled sizes (see the parent module's docs).

use super::{FEW_RUNS_PER_GROUP, IsoflopAnalysis, MIN_GROUP_SPAN, ProfileIssue};
use crate::data::Dataset;
use crate::warnings::{Warning, WarningCode};

/// All warnings of `analysis` of `data`.
pub(super) fn isoflop_warnings(data: &Dataset, analysis: &IsoflopAnalysis) -> Vec<Warning> {
    let mut out = Vec::new();
    out.extend(not_a_sweep(analysis));
    out.extend(dropped(data, analysis));
    out.extend(outside(analysis));
    out
}

fn dropped(data: &Dataset, a: &IsoflopAnalysis) -> Option<Warning> {
    let in_small: usize = a.dropped_groups.iter().map(|g| g.rows.len()).sum();
    let loose = a.unassigned_rows.len();
    if in_small == 0 && loose == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if in_small > 0 {
        parts.push(format!(
            "{in_small} in {} group{} with fewer than {} runs or 3 distinct sizes (budgets {})",
            a.dropped_groups.len(),
            if a.dropped_groups.len() == 1 { "" } else { "s" },
            a.config.min_runs,
            list(a.dropped_groups.iter().map(|g| format!("{:.3e}", g.budget)))
        ));
    }
    if loose > 0 {
        parts.push(format!(
            "{loose} within no budget's ±{} dex",
            a.config.tolerance_dex
        ));
    }
    let mut rows: Vec<usize> = a
        .dropped_groups
        .iter()
        .flat_map(|g| g.rows.iter().copied())
        .chain(a.unassigned_rows.iter().copied())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    Some(
        Warning::new(
            WarningCode::RunsDropped,
            format!(
                "{} of {} runs are not used: {} (rows {})",
                rows.len(),
                data.len(),
                parts.join("; "),
                list(rows.iter().map(usize::to_string))
            ),
            "check the grouping: give --budgets, widen --tolerance-dex, or lower --min-runs if those runs belong to a profile",
        )
        .with_rows(rows),
    )
}

fn not_a_sweep(a: &IsoflopAnalysis) -> Option<Warning> {
    // Groups too small to fit are reported as dropped runs; here count the profiles fitted.
    let formed = a.profiles.len();
    let usable = a.profiles.iter().filter(|p| p.issue.is_none()).count();
    let mut runs: Vec<usize> = a.profiles.iter().map(|p| p.runs.len()).collect();
    runs.sort_unstable();
    let median_runs = runs.get(runs.len() / 2).copied().unwrap_or(0);
    let narrow = a
        .profiles
        .iter()
        .filter(|p| p.sampled_params.1 / p.sampled_params.0 < MIN_GROUP_SPAN)
        .count();
    let mut reasons = Vec::new();
    if 2 * usable < formed {
        reasons.push(format!(
            "only {usable} of the {formed} profiles have a usable minimum"
        ));
    }
    if median_runs < FEW_RUNS_PER_GROUP {
        reasons.push(format!(
            "groups have a median of {median_runs} runs (a profile needs at least {FEW_RUNS_PER_GROUP})"
        ));
    }
    if 2 * narrow > a.profiles.len() {
        reasons.push(format!(
            "{narrow} of {} groups span less than a factor of {MIN_GROUP_SPAN} in N",
            a.profiles.len()
        ));
    }
    (!reasons.is_empty()).then(|| {
        Warning::new(
            WarningCode::NotAnIsoflopSweep,
            format!(
                "this table does not look like an IsoFLOP sweep: {}; the exponents a = {:.3} and b = {:.3} are not to be relied on",
                reasons.join("; "),
                a.params.exponent.value,
                a.tokens.exponent.value
            ),
            "use the parametric fit (scaling-laws fit / optimal), or give the sweep's budgets with --budgets and a budget column",
        )
    })
}

fn outside(a: &IsoflopAnalysis) -> Option<Warning> {
    let off: Vec<String> = a
        .profiles
        .iter()
        .filter(|p| p.issue == Some(ProfileIssue::OutsideSampledSizes))
        .map(|p| {
            format!(
                "{:.3e} (sizes {:.3e} to {:.3e})",
                p.budget, p.sampled_params.0, p.sampled_params.1
            )
        })
        .collect();
    (!off.is_empty()).then(|| {
        Warning::new(
            WarningCode::MinimumOutsideSampledRange,
            format!(
                "{} profile{} {} a minimum outside the sampled sizes, so no N* or L* is given and {} left out of the power laws: budget{} {}",
                off.len(),
                if off.len() == 1 { "" } else { "s" },
                if off.len() == 1 { "has" } else { "have" },
                if off.len() == 1 { "it is" } else { "they are" },
                if off.len() == 1 { "" } else { "s" },
                off.join(", ")
            ),
            "add runs at sizes beyond the sampled ones for those budgets so that the minimum is bracketed",
        )
    })
}

/// Up to 12 items, comma-separated, then "and K more".
fn list(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    if all.len() <= 12 {
        all.join(", ")
    } else {
        format!("{}, and {} more", all[..12].join(", "), all.len() - 12)
    }
}
