//! What Hoffmann et al. 2022 (arXiv:2203.15556) print, typed as printed: the projections of its
//! three approaches, Kaplan et al.'s as the paper quotes it, its IsoFLOP budgets and the models
//! of its Figure 1.
//!
//! ```text
//! projection of an approach:  log10 N*(C) = log10 G + a·log10 C
//!   a from Table 2; log10 G = mean over the approach's printed rows of (log10 N - a·log10 C)
//! Kaplan et al. 2020:          N*(C) = 4.68e9 · (C / 1e21)^0.73          (Table 2, section D.4)
//! ```

use crate::answer::table3::HOFFMANN_TABLE3;

/// The nine IsoFLOP budgets of Approach 2 (section 3.2 and Figure 3), FLOPs.
pub const ISOFLOP_BUDGETS: [f64; 9] = [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21];

/// Gopher's training budget, the paper's reference budget (Figure 2 caption, Table 3), FLOPs.
pub const GOPHER_BUDGET: f64 = 5.76e23;

/// A published projection of the compute-optimal allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Who, as the legend says it.
    pub name: &'static str,
    /// Where the numbers are printed.
    pub source: &'static str,
    /// `a` in `N* ∝ C^a` (Table 2).
    pub a: f64,
    /// `b` in `D* ∝ C^b` (Table 2).
    pub b: f64,
    /// `G` in `N* = G·C^a`.
    pub coefficient: f64,
}

impl Projection {
    /// `N*(C)`, parameters.
    pub fn n_params(&self, compute: f64) -> f64 {
        self.coefficient * compute.powf(self.a)
    }

    /// `D*(C) = C / (6·N*(C))`, tokens.
    pub fn n_tokens(&self, compute: f64) -> f64 {
        compute / (6.0 * self.n_params(compute))
    }
}

/// Table A3 (Approach 2): (parameters, FLOPs) as printed.
const TABLE_A3_APPROACH_2: [(f64, f64); 9] = [
    (400e6, 1.84e19),
    (1e9, 1.20e20),
    (10e9, 1.32e22),
    (67e9, 6.88e23),
    (175e9, 4.54e24),
    (280e9, 1.18e25),
    (520e9, 4.19e25),
    (1e12, 1.59e26),
    (10e12, 1.75e28),
];

/// Table A3 (Approach 3): (parameters, FLOPs) as printed, but for the 175B row: it prints
/// 1.26e24 FLOPs, below the 67B row's 1.71e24 and ten times short of its own 12.0T tokens
/// (6 · 175e9 · 12.0e12 = 1.26e25); 1.26e25 is used.
const TABLE_A3_APPROACH_3: [(f64, f64); 9] = [
    (400e6, 2.21e19),
    (1e9, 1.62e20),
    (10e9, 2.46e22),
    (67e9, 1.71e24),
    (175e9, 1.26e25),
    (280e9, 3.52e25),
    (520e9, 1.36e26),
    (1e12, 5.65e26),
    (10e12, 8.55e28),
];

/// `G` of `N* = G·C^a` with slope `a` through printed (N, C) rows, least squares in logs.
fn coefficient(rows: &[(f64, f64)], a: f64) -> f64 {
    let mean = rows
        .iter()
        .map(|&(n, c)| n.log10() - a * c.log10())
        .sum::<f64>()
        / rows.len() as f64;
    10f64.powf(mean)
}

/// The four published projections of Figure 1: Approaches 1, 2 and 3, then Kaplan et al.
pub fn projections() -> [Projection; 4] {
    let table3: Vec<(f64, f64)> = HOFFMANN_TABLE3
        .iter()
        .map(|r| (r.n_params, r.flops))
        .collect();
    [
        Projection {
            name: "Approach 1",
            source: "Table 2, Table 3",
            a: 0.50,
            b: 0.50,
            coefficient: coefficient(&table3, 0.50),
        },
        Projection {
            name: "Approach 2",
            source: "Table 2, Table A3",
            a: 0.49,
            b: 0.51,
            coefficient: coefficient(&TABLE_A3_APPROACH_2, 0.49),
        },
        Projection {
            name: "Approach 3",
            source: "Table 2, Table A3",
            a: 0.46,
            b: 0.54,
            coefficient: coefficient(&TABLE_A3_APPROACH_3, 0.46),
        },
        Projection {
            name: "Kaplan et al. 2020",
            source: "Table 2, section D.4 (4.68B at 1e21 FLOPs)",
            a: 0.73,
            b: 0.27,
            coefficient: 4.68e9 / 1e21f64.powf(0.73),
        },
    ]
}

/// A model of Figure 1: display name, parameters, training tokens (Table 1 of the paper).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    /// As the figure labels it.
    pub name: &'static str,
    /// Parameters N.
    pub n_params: f64,
    /// Training tokens D.
    pub n_tokens: f64,
}

impl Model {
    /// Training compute `6·N·D`, FLOPs.
    pub fn compute(&self) -> f64 {
        6.0 * self.n_params * self.n_tokens
    }
}

/// The models of Figure 1, with Table 1's parameters and tokens.
/// (Megatron-Turing NLG first: at the corner of the figure, its label has the least room.)
pub const MODELS: [Model; 4] = [
    Model {
        name: "MT-NLG 530B",
        n_params: 530e9,
        n_tokens: 270e9,
    },
    Model {
        name: "Chinchilla 70B",
        n_params: 70e9,
        n_tokens: 1.4e12,
    },
    Model {
        name: "Gopher 280B",
        n_params: 280e9,
        n_tokens: 300e9,
    },
    Model {
        name: "GPT-3 175B",
        n_params: 175e9,
        n_tokens: 300e9,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_projections_give_the_papers_sizes_at_gophers_budget() {
        let [one, two, three, kaplan] = projections();
        // Table 3: 67B at 5.76e23; Figure 4's caption: Approach 3 gives 40B there.
        assert!((one.n_params(GOPHER_BUDGET) / 67e9 - 1.0).abs() < 0.05);
        assert!((three.n_params(GOPHER_BUDGET) / 40e9 - 1.0).abs() < 0.08);
        let n2 = two.n_params(GOPHER_BUDGET);
        assert!(n2 > three.n_params(GOPHER_BUDGET) && n2 < one.n_params(GOPHER_BUDGET));
        assert!((kaplan.n_params(1e21) / 4.68e9 - 1.0).abs() < 1e-9);
    }
}
