//! Simulated sweeps for the studies: true loss surfaces (including ones the Chinchilla form
//! cannot represent) and the two usual designs, an IsoFLOP grid and a ladder of model sizes
//! crossed with tokens per parameter.
//!
//! ```text
//! drifting:  alpha(N) = alpha·(1 + g·log10(N/1e9)),  beta(D) = beta·(1 + g·log10(D/2e10))
//! kaplan:    L = E + [(Nc/N)^(aN/aD) + Dc/D]^aD            (Kaplan et al. 2020, eq. 1.5, plus E)
//! curved:    log L = log L_chinchilla + c·(log10(D / (20·N)))²  (IsoFLOP profiles sharper or flatter)
//! ```

use std::ops::RangeInclusive;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use scaling_laws::law::ChinchillaLaw;

/// `k` in `C = k·N·D`.
pub const K: f64 = 6.0;

/// The true loss surface of a sweep.
#[derive(Debug, Clone, Copy)]
pub enum Truth {
    /// The Chinchilla form itself.
    Chinchilla(ChinchillaLaw),
    /// Chinchilla form whose exponents drift with scale by `g` per decade: curvature in
    /// log-log that the form lacks.
    Drifting(ChinchillaLaw, f64),
    /// Kaplan et al.'s joint form with an irreducible term.
    Kaplan {
        /// Irreducible loss.
        e: f64,
        /// Nc.
        nc: f64,
        /// Dc.
        dc: f64,
        /// alpha_N.
        an: f64,
        /// alpha_D.
        ad: f64,
    },
    /// Chinchilla form times `exp(c·u²)`, `u = log10(D / (20·N))`: IsoFLOP profiles whose
    /// curvature around 20 tokens per parameter the form cannot follow.
    Curved(ChinchillaLaw, f64),
}

impl Truth {
    /// The noise-free loss of a run of `n` parameters and `d` tokens.
    pub fn loss(&self, n: f64, d: f64) -> f64 {
        match *self {
            Truth::Chinchilla(l) => l.loss(n, d),
            Truth::Drifting(l, g) => {
                let alpha = l.alpha * (1.0 + g * (n / 1e9).log10());
                let beta = l.beta * (1.0 + g * (d / 2e10).log10());
                l.irreducible + l.param_coef / n.powf(alpha) + l.data_coef / d.powf(beta)
            }
            Truth::Kaplan { e, nc, dc, an, ad } => e + ((nc / n).powf(an / ad) + dc / d).powf(ad),
            Truth::Curved(l, c) => {
                let u = (d / (20.0 * n)).log10();
                l.loss(n, d) * (c * u * u).exp()
            }
        }
    }

    /// N*(C) by golden-section search of L(N, C/(kN)) over log N.
    pub fn optimal_params(&self, c: f64) -> f64 {
        let f = |log_n: f64| {
            let n = log_n.exp();
            self.loss(n, c / (K * n))
        };
        let (mut lo, mut hi) = (f64::ln(1e4), (c / K / 1e3).ln());
        let r = 0.5 * (5f64.sqrt() - 1.0);
        for _ in 0..200 {
            let a = hi - r * (hi - lo);
            let b = lo + r * (hi - lo);
            if f(a) < f(b) {
                hi = b;
            } else {
                lo = a;
            }
        }
        (0.5 * (lo + hi)).exp()
    }
}

/// A Chinchilla law near Hoffmann et al.'s: E in [1.5, 2], A and B within a factor 3 of theirs,
/// alpha in [0.26, 0.42], beta in [0.24, 0.40].
pub fn random_chinchilla(rng: &mut ChaCha8Rng) -> ChinchillaLaw {
    let h = ChinchillaLaw::HOFFMANN_2022;
    ChinchillaLaw {
        irreducible: rng.random_range(1.5..2.0),
        param_coef: h.param_coef * 3f64.powf(rng.random_range(-1.0..1.0)),
        data_coef: h.data_coef * 3f64.powf(rng.random_range(-1.0..1.0)),
        alpha: rng.random_range(0.26..0.42),
        beta: rng.random_range(0.24..0.40),
    }
}

/// A drifting-exponent truth, g in [-0.06, 0.06] per decade.
pub fn random_drifting(rng: &mut ChaCha8Rng) -> Truth {
    let g = rng.random_range(-0.06..0.06);
    Truth::Drifting(random_chinchilla(rng), g)
}

/// A drifting-exponent truth with a larger drift, |g| in [0.05, 0.25] per decade.
pub fn random_drifting_strong(rng: &mut ChaCha8Rng) -> Truth {
    let g = rng.random_range(0.05..0.25) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    Truth::Drifting(random_chinchilla(rng), g)
}

/// A truth with IsoFLOP curvature the Chinchilla form lacks: |c| in [0.005, 0.05] per squared
/// decade of tokens per parameter (0.5% to 5% in loss one decade from 20 tokens per parameter).
pub fn random_curved(rng: &mut ChaCha8Rng) -> Truth {
    let c = rng.random_range(0.005..0.05) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    Truth::Curved(random_chinchilla(rng), c)
}

/// A Kaplan-form truth.
pub fn random_kaplan(rng: &mut ChaCha8Rng) -> Truth {
    Truth::Kaplan {
        e: rng.random_range(1.5..2.0),
        nc: 10f64.powf(rng.random_range(3.5..5.0)),
        dc: 10f64.powf(rng.random_range(4.5..6.0)),
        an: rng.random_range(0.28..0.40),
        ad: rng.random_range(0.24..0.36),
    }
}

/// How the runs of a sweep are placed, with the ranges their counts are drawn from.
#[derive(Debug, Clone)]
pub enum Design {
    /// IsoFLOP grid: budgets 0.45 decades apart from 10^17.5-10^18.5 FLOPs, sizes log-spaced
    /// over a span of 8-12 around each budget's N*.
    Isoflop {
        /// Number of budgets.
        budgets: RangeInclusive<usize>,
        /// Model sizes per budget.
        sizes: RangeInclusive<usize>,
    },
    /// Model sizes over two decades from 10^7-10^7.7 parameters, crossed with 5 to 200 tokens
    /// per parameter.
    Ladder {
        /// Number of model sizes.
        sizes: RangeInclusive<usize>,
        /// Number of tokens-per-parameter ratios.
        ratios: RangeInclusive<usize>,
    },
}

impl Design {
    /// The calibration study's IsoFLOP design: 5-9 budgets, 8-15 sizes each.
    pub const CALIBRATION_ISOFLOP: Design = Design::Isoflop {
        budgets: 5..=9,
        sizes: 8..=15,
    };
    /// The calibration study's ladder: 5-8 sizes, 5-8 ratios.
    pub const CALIBRATION_LADDER: Design = Design::Ladder {
        sizes: 5..=8,
        ratios: 5..=8,
    };

    /// The (N, D) of every run, for the truth `truth`.
    pub fn points(&self, truth: &Truth, rng: &mut ChaCha8Rng) -> Vec<(f64, f64)> {
        let mut points = Vec::new();
        match self {
            Design::Isoflop { budgets, sizes } => {
                let nb = rng.random_range(budgets.clone());
                let sizes = rng.random_range(sizes.clone());
                let span: f64 = rng.random_range(8.0..12.0);
                let c0 = 10f64.powf(rng.random_range(17.5..18.5));
                for c in log_range(c0, c0 * 10f64.powf(nb as f64 * 0.45), nb) {
                    let centre = truth.optimal_params(c);
                    for n in log_range(centre / span.sqrt(), centre * span.sqrt(), sizes) {
                        points.push((n.round(), c / (K * n.round())));
                    }
                }
            }
            Design::Ladder { sizes, ratios } => {
                let ns = rng.random_range(sizes.clone());
                let nd = rng.random_range(ratios.clone());
                let n0 = 10f64.powf(rng.random_range(7.0..7.7));
                for n in log_range(n0, n0 * 100.0, ns) {
                    for mult in log_range(5.0, 200.0, nd) {
                        points.push((n.round(), mult * n.round()));
                    }
                }
            }
        }
        points
    }
}

/// `m` values log-spaced from `lo` to `hi`.
pub fn log_range(lo: f64, hi: f64, m: usize) -> Vec<f64> {
    (0..m)
        .map(|j| lo * (hi / lo).powf(j as f64 / (m - 1).max(1) as f64))
        .collect()
}
