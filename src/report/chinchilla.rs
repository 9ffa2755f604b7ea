//! `chinchilla`'s account of its figures: per figure of Hoffmann et al. 2022, our numbers
//! beside the paper's, and why Figure 2 is absent.

use std::io::{self, Write};

use crate::approaches::isoflop::IsoflopAnalysis;
use crate::fit::FittedLaw;
use crate::plot::paper::published::{GOPHER_BUDGET, ISOFLOP_BUDGETS, projections};

/// Write the figures' section of the summary.
///
/// # Errors
///
/// Those of `w`.
pub fn figures_text(
    fitted: &FittedLaw,
    k: f64,
    isoflop: Result<&IsoflopAnalysis, &str>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let law = fitted.to_law();
    let allocator = crate::answer::allocation::Allocator::new(law.clone(), k).ok();
    let [one, two, three, kaplan] = projections();
    writeln!(
        w,
        "Figures of Hoffmann et al. 2022, ours beside the paper's"
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "  Figure 1 (fig1_projections): N* against FLOPs; published lines drawn as published (a from Table 2,"
    )?;
    writeln!(
        w,
        "    intercept from the rows of Table 3 / Table A3; Kaplan et al. through 4.68B at 1e21 FLOPs, section D.4)"
    )?;
    writeln!(w, "    {:<26} {:>8} {:>16}", "", "a", "N* at 5.76e23")?;
    for p in [&one, &two, &three, &kaplan] {
        writeln!(
            w,
            "    {:<26} {:>8.2} {:>15.1}B",
            format!("paper: {}", p.name),
            p.a,
            p.n_params(GOPHER_BUDGET) / 1e9
        )?;
    }
    if let (Some(a), Some(alloc)) = (law.params_exponent(), allocator.as_ref()) {
        let n = alloc.optimal_for_compute(GOPHER_BUDGET).n_params;
        writeln!(
            w,
            "    {:<26} {:>8.3} {:>15.1}B",
            "ours: Approach 3",
            a,
            n / 1e9
        )?;
    }
    match isoflop {
        Ok(analysis) => {
            let (p, t) = (&analysis.params, &analysis.tokens);
            let n = p.coefficient * GOPHER_BUDGET.powf(p.exponent.value);
            writeln!(
                w,
                "    {:<26} {:>8.3} {:>15.1}B",
                "ours: Approach 2",
                p.exponent.value,
                n / 1e9
            )?;
            writeln!(w)?;
            let used = analysis
                .profiles
                .iter()
                .filter(|p| p.issue.is_none())
                .count();
            let runs: usize = analysis.profiles.iter().map(|p| p.runs.len()).sum();
            writeln!(
                w,
                "  Figure 3 (fig3a_isoflop_curves, fig3b_params, fig3c_tokens): Approach 2 at the paper's {} budgets",
                ISOFLOP_BUDGETS.len()
            )?;
            writeln!(w, "    ({runs} runs, {used} budgets with a minimum)")?;
            let interval = |e: &crate::uncertainty::Estimate| match (e.lower, e.upper) {
                (Some(lo), Some(hi)) => format!(" [{lo:.3}, {hi:.3}]"),
                _ => String::new(),
            };
            writeln!(
                w,
                "    a: ours {:.3}{}, paper {:.2} [0.462, 0.534] (Table 2)",
                p.exponent.value,
                interval(&p.exponent),
                two.a
            )?;
            writeln!(
                w,
                "    b: ours {:.3}{}, paper {:.2} [0.483, 0.529] (Table 2)",
                t.exponent.value,
                interval(&t.exponent),
                two.b
            )?;
        }
        Err(e) => writeln!(w, "\n  Figure 3: not drawn; Approach 2 could not run: {e}")?,
    }
    writeln!(w)?;
    if let (Some(c), Some(alloc)) = (fitted.chinchilla(), allocator.as_ref()) {
        let n = alloc.optimal_for_compute(GOPHER_BUDGET).n_params;
        writeln!(
            w,
            "  Figure 4 (fig4a_isoloss, fig4b_isoflop_slices): Approach 3, the law fitted to the points"
        )?;
        writeln!(
            w,
            "    alpha: ours {:.3}, paper 0.34; beta: ours {:.3}, paper 0.28 (section D.2)",
            c.alpha, c.beta
        )?;
        writeln!(
            w,
            "    N* at Gopher's budget (5.76e23): ours {:.1}B, paper 40B (Figure 4 caption)",
            n / 1e9
        )?;
        writeln!(w)?;
    }
    writeln!(
        w,
        "  Figure 2 (Approach 1, the envelope of training curves) is absent: it needs each run's training"
    )?;
    writeln!(
        w,
        "    curve, and Chinchilla's curves were never released (the published points are final losses)."
    )?;
    writeln!(
        w,
        "    `scaling-laws envelope` runs Approach 1 on a sweep with curves."
    )
}
