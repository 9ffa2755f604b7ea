//! The figures of Hoffmann et al. 2022 (arXiv:2203.15556) drawn from published points, one
//! panel to a figure at single-column width (3.25 in, text of at least 8 pt), the paper's
//! budgets and axes, its own numbers beside ours:
//!
//! | stem | the paper's | shows |
//! |---|---|---|
//! | `fig1_projections` | Figure 1 | `N*(C)` as the paper projects it (Approaches 1–3, Kaplan et al.), ours, and the models of Table 1 |
//! | `fig3a_isoflop_curves` | Figure 3 left | loss against size at the nine budgets, a parabola per budget, its minimum |
//! | `fig3b_params` | Figure 3 centre | each budget's minimum `N*` against FLOPs, the power law and its projection |
//! | `fig3c_tokens` | Figure 3 right | the same for `D*` |
//! | `fig4a_isoloss` | Figure 4 left | iso-loss contours of the fitted law with their values, IsoFLOP lines dashed, the efficient frontier |
//! | `fig4b_isoflop_slices` | Figure 4 right | the fitted law along the nine IsoFLOP slices, with the runs |
//!
//! ```text
//! Figure 3 centre:  log10 N*_j = log10 G + a·log10 C_j  (least squares over the budgets' minima)
//! Figure 4 left:    contour at L0:  D(N) = (B / (L0 - E - A/N^alpha))^(1/beta),  C = 6·N·D(N)
//! ```
//!
//! Figure 2 (the envelope of training curves, Approach 1) needs the training curves, which
//! were never released: it is drawn for sweeps that have curves by `plot envelope`.

pub(super) mod draw;
pub mod figures;
pub mod published;

use serde::Serialize;

/// One figure of the paper as drawn: its file stem, the paper's name for it, the SVG.
#[derive(Debug, Clone, Serialize)]
pub struct PaperFigure {
    /// File stem, e.g. `fig3a_isoflop_curves`.
    pub stem: &'static str,
    /// The paper's figure, e.g. `Figure 3 (left)`.
    pub paper: &'static str,
    /// The SVG document.
    #[serde(skip)]
    pub svg: Vec<u8>,
    /// Its size.
    pub size: crate::plot::PlotOptions,
}
