//! Shape rules typed from published model families: the width-to-depth ratio `d_model /
//! layers`, the head dimension and the feed-forward width each family used, as functions of the
//! model size.
//!
//! - **chinchilla**: Hoffmann et al. 2022 (arXiv:2203.15556), Table A9 ("All models", appendix
//!   J: the 50 shapes trained for the paper, 44M to 16B parameters) and Table 4 (Chinchilla 70B:
//!   80 layers, d_model 8192, 64 heads of key size 128, ffw 32768). Ratio: least-squares line of
//!   log(d_model / layers) on log(parameters) through those 51 shapes; key size 64 up to d_model
//!   1024 and 128 above, as in the table; ffw = 4·d_model; ungated (GELU-style) blocks.
//! - **llama**: Touvron et al. 2023 (arXiv:2302.13971), Table 2: 6.7B (d 4096, 32 layers, 32
//!   heads), 13.0B (5120, 40, 40), 32.5B (6656, 60, 52), 65.2B (8192, 80, 64). Ratio interpolated
//!   in log(parameters) between them, held at the end values outside; head dimension 128; SwiGLU
//!   with hidden width 2/3·4·d_model rounded up to a multiple of 256 (section 2.2 and the released
//!   configurations: 11008, 13824, 17920, 22016); untied input and output embeddings (the released
//!   checkpoints hold separate `tok_embeddings` and `output` matrices).
//! - **olmo**: Groeneveld et al. 2024 (arXiv:2402.00838), Table 1 and the released configurations:
//!   OLMo 1B (d 2048, 16 layers, 16 heads, SwiGLU hidden 8192) and 7B (4096, 32, 32, 11008); OLMo 2
//!   13B (5120, 40, 40, 13824; Team OLMo 2024, "2 OLMo 2 Furious", arXiv:2501.00656). Ratio 128 at
//!   every size; head dimension 128; SwiGLU hidden width 8/3·d_model rounded up to a multiple of
//!   256 (the 7B and 13B widths; the 1B model used 4·d_model); untied embeddings (the released OLMo
//!   7B and OLMo 2 configurations; only OLMo 1B tied them).
//!
//! Chinchilla's rule ties its embeddings, as appendix F counts them. Every rule's models use as
//! many key/value heads as query heads (no grouped-query attention), so a tensor-parallel degree
//! that divides the heads divides the KV heads too.

use serde::{Deserialize, Serialize};

use crate::plan::architecture::Embeddings;

/// Chinchilla Table A9 (Hoffmann et al. 2022, appendix J), row by row: parameters (millions),
/// d_model, ffw_size, kv_size, n_heads, n_layers.
pub const CHINCHILLA_TABLE_A9: [(f64, u64, u64, u64, u64, u64); 50] = [
    (44.0, 512, 2048, 64, 8, 8),
    (57.0, 576, 2304, 64, 9, 9),
    (74.0, 640, 2560, 64, 10, 10),
    (90.0, 640, 2560, 64, 10, 13),
    (106.0, 640, 2560, 64, 10, 16),
    (117.0, 768, 3072, 64, 12, 12),
    (140.0, 768, 3072, 64, 12, 15),
    (163.0, 768, 3072, 64, 12, 18),
    (175.0, 896, 3584, 64, 14, 14),
    (196.0, 896, 3584, 64, 14, 16),
    (217.0, 896, 3584, 64, 14, 18),
    (251.0, 1024, 4096, 64, 16, 16),
    (278.0, 1024, 4096, 64, 16, 18),
    (306.0, 1024, 4096, 64, 16, 20),
    (425.0, 1280, 5120, 128, 10, 18),
    (489.0, 1280, 5120, 128, 10, 21),
    (509.0, 1408, 5632, 128, 11, 18),
    (552.0, 1280, 5120, 128, 10, 24),
    (587.0, 1408, 5632, 128, 11, 21),
    (632.0, 1536, 6144, 128, 12, 19),
    (664.0, 1408, 5632, 128, 11, 24),
    (724.0, 1536, 6144, 128, 12, 22),
    (816.0, 1536, 6144, 128, 12, 25),
    (893.0, 1792, 7168, 128, 14, 20),
    (1018.0, 1792, 7168, 128, 14, 23),
    (1143.0, 1792, 7168, 128, 14, 26),
    (1266.0, 2048, 8192, 128, 16, 22),
    (1424.0, 2176, 8704, 128, 17, 22),
    (1429.0, 2048, 8192, 128, 16, 25),
    (1593.0, 2048, 8192, 128, 16, 28),
    (1609.0, 2176, 8704, 128, 17, 25),
    (1731.0, 2304, 9216, 128, 18, 24),
    (1794.0, 2176, 8704, 128, 17, 28),
    (2007.0, 2304, 9216, 128, 18, 28),
    (2283.0, 2304, 9216, 128, 18, 32),
    (2298.0, 2560, 10240, 128, 20, 26),
    (2639.0, 2560, 10240, 128, 20, 30),
    (2980.0, 2560, 10240, 128, 20, 34),
    (3530.0, 2688, 10752, 128, 22, 36),
    (3802.0, 2816, 11264, 128, 22, 36),
    (4084.0, 2944, 11776, 128, 22, 36),
    (4516.0, 3072, 12288, 128, 24, 36),
    (6796.0, 3584, 14336, 128, 28, 40),
    (9293.0, 4096, 16384, 128, 32, 42),
    (11452.0, 4352, 17408, 128, 32, 47),
    (12295.0, 4608, 18432, 128, 36, 44),
    (12569.0, 4608, 18432, 128, 32, 47),
    (13735.0, 4864, 19456, 128, 32, 47),
    (14940.0, 4992, 19968, 128, 32, 49),
    (16183.0, 5120, 20480, 128, 40, 47),
];

/// Chinchilla itself (Hoffmann et al. 2022, Table 4): parameters, d_model, layers.
pub const CHINCHILLA_70B: (f64, u64, u64) = (70e9, 8192, 80);

/// LLaMA (Touvron et al. 2023, Table 2): parameters, d_model, layers.
pub const LLAMA_1: [(f64, u64, u64); 4] = [
    (6.7e9, 4096, 32),
    (13.0e9, 5120, 40),
    (32.5e9, 6656, 60),
    (65.2e9, 8192, 80),
];

/// OLMo 1B and 7B (Groeneveld et al. 2024, Table 1) and OLMo 2 13B: parameters (nominal),
/// d_model, layers.
pub const OLMO: [(f64, u64, u64); 3] = [(1.2e9, 2048, 16), (6.9e9, 4096, 32), (13.7e9, 5120, 40)];

/// A documented way to shape a model of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeRule {
    /// Chinchilla's Table A9 and Table 4.
    Chinchilla,
    /// LLaMA's Table 2.
    Llama,
    /// OLMo's Table 1.
    Olmo,
}

impl ShapeRule {
    /// Every rule.
    pub const ALL: [ShapeRule; 3] = [ShapeRule::Chinchilla, ShapeRule::Llama, ShapeRule::Olmo];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            ShapeRule::Chinchilla => "chinchilla",
            ShapeRule::Llama => "llama",
            ShapeRule::Olmo => "olmo",
        }
    }

    /// Where the rule comes from.
    pub fn source(self) -> &'static str {
        match self {
            ShapeRule::Chinchilla => {
                "Hoffmann et al. 2022 (arXiv:2203.15556) Table A9 and Table 4: d_model/layers from a log-log fit of their 51 shapes, key size 64 up to d_model 1024 then 128, ffw = 4·d_model, embeddings tied as appendix F counts them"
            }
            ShapeRule::Llama => {
                "Touvron et al. 2023 (arXiv:2302.13971) Table 2: d_model/layers 128 (7B, 13B) to 102.4 (65B), head dimension 128, SwiGLU width 2/3·4·d_model rounded up to 256, untied embeddings"
            }
            ShapeRule::Olmo => {
                "Groeneveld et al. 2024 (arXiv:2402.00838) Table 1, OLMo 1B and 7B, and OLMo 2 13B (arXiv:2501.00656): d_model/layers 128, head dimension 128, SwiGLU width 8/3·d_model rounded up to 256, untied embeddings"
            }
        }
    }

    /// Target `d_model / layers` for a model of `n_params` parameters.
    pub fn aspect_ratio(self, n_params: f64) -> f64 {
        match self {
            ShapeRule::Chinchilla => {
                let (intercept, slope) = chinchilla_fit();
                (intercept + slope * n_params.ln()).exp()
            }
            ShapeRule::Llama => {
                let points: Vec<(f64, f64)> = LLAMA_1
                    .iter()
                    .map(|&(n, d, l)| (n.ln(), d as f64 / l as f64))
                    .collect();
                interpolate(&points, n_params.ln())
            }
            ShapeRule::Olmo => 128.0,
        }
    }

    /// Head (key) dimension for a model of width `d_model`.
    pub fn head_dim(self, d_model: u64) -> u64 {
        match self {
            ShapeRule::Chinchilla if d_model <= 1024 => 64,
            _ => 128,
        }
    }

    /// The rule's models' embedding convention: LLaMA and OLMo untie them, Chinchilla's count
    /// (appendix F) ties them.
    pub fn embeddings(self) -> Embeddings {
        match self {
            ShapeRule::Chinchilla => Embeddings::Tied,
            ShapeRule::Llama | ShapeRule::Olmo => Embeddings::Untied,
        }
    }

    /// Gated (SwiGLU) feed-forward block.
    pub fn gated(self) -> bool {
        !matches!(self, ShapeRule::Chinchilla)
    }

    /// The rule's own feed-forward width for `d_model`.
    pub fn ffw(self, d_model: u64) -> u64 {
        match self {
            ShapeRule::Chinchilla => 4 * d_model,
            ShapeRule::Llama | ShapeRule::Olmo => (8 * d_model).div_ceil(3).div_ceil(256) * 256,
        }
    }
}

/// Piecewise-linear interpolation through `points` (sorted by x), constant beyond the ends.
fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    let (first, last) = (points[0], points[points.len() - 1]);
    if x <= first.0 {
        return first.1;
    }
    if x >= last.0 {
        return last.1;
    }
    let i = points
        .iter()
        .position(|p| p.0 >= x)
        .unwrap_or(points.len() - 1);
    let (a, b) = (points[i - 1], points[i]);
    a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
}

/// Least-squares line `ln(d_model / layers) = intercept + slope · ln(N)` through Table A9 and
/// Chinchilla 70B.
fn chinchilla_fit() -> (f64, f64) {
    let mut points: Vec<(f64, f64)> = CHINCHILLA_TABLE_A9
        .iter()
        .map(|&(m, d, _, _, _, l)| ((m * 1e6).ln(), (d as f64 / l as f64).ln()))
        .collect();
    let (n, d, l) = CHINCHILLA_70B;
    points.push((n.ln(), (d as f64 / l as f64).ln()));
    let count = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let slope = sxy / sxx;
    (mean_y - slope * mean_x, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_reproduce_their_sources() {
        // LLaMA: 128 up to 13B, 102.4 at 65B; SwiGLU widths of the released models.
        assert_eq!(ShapeRule::Llama.aspect_ratio(1e9), 128.0);
        assert!((ShapeRule::Llama.aspect_ratio(65.2e9) - 102.4).abs() < 1e-9);
        assert!((ShapeRule::Llama.aspect_ratio(32.5e9) - 6656.0 / 60.0).abs() < 1e-9);
        for (d, f) in [(4096, 11008), (5120, 13824), (6656, 17920), (8192, 22016)] {
            assert_eq!(ShapeRule::Llama.ffw(d), f, "d_model {d}");
        }
        // Chinchilla: the fit rises with size, from the table's 64 at small sizes towards
        // Chinchilla's 102.4 at 70B.
        let r = |n: f64| ShapeRule::Chinchilla.aspect_ratio(n);
        assert!(r(1e8) < r(1e9) && r(1e9) < r(1e10));
        assert!((45.0..70.0).contains(&r(1e8)), "{}", r(1e8));
        assert!((90.0..130.0).contains(&r(70e9)), "{}", r(70e9));
        assert_eq!(ShapeRule::Chinchilla.head_dim(1024), 64);
        assert_eq!(ShapeRule::Chinchilla.head_dim(1280), 128);
        // Every Table A9 row has ffw = 4 · d_model, as the rule says.
        assert!(CHINCHILLA_TABLE_A9.iter().all(|r| r.2 == 4 * r.1));
    }
}
