//! Memory of a model: weights by precision, training state by optimizer, activations, and the
//! per-GPU share under data parallelism with and without sharding.
//!
//! Model states per parameter (Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward
//! Training Trillion Parameter Models", section 3.1), with Psi parameters, G GPUs, w bytes of
//! weights, g of gradients and K of optimizer state per parameter:
//!
//! ```text
//! DDP (full replica)          (w + g + K) · Psi
//! ZeRO-1 (optimizer sharded)  (w + g) · Psi + K · Psi / G
//! ZeRO-2 (+ gradients)        w · Psi + (g + K) · Psi / G
//! ZeRO-3 / FSDP (+ weights)   (w + g + K) · Psi / G
//! ```
//!
//! Mixed-precision Adam: w = g = 2 (16-bit), K = 12 (FP32 master weights, first and second
//! moments). Activations per GPU (Korthikanti et al. 2022, "Reducing Activation Recomputation in
//! Large Transformer Models", section 4, no tensor or sequence parallelism), for L layers,
//! sequence s, micro-batch b, width h, a heads, 16-bit activations:
//!
//! ```text
//! no recomputation          L · s·b·h · (34 + 5·a·s/h)   bytes
//! selective recomputation   L · s·b·h · 34               (attention scores recomputed)
//! full recomputation        L · s·b·h · 2                (only each layer's input kept)
//! ```
//!
//! Activations are not sharded by ZeRO: every GPU holds those of its own micro-batch.
//! Framework buffers, fragmentation and the CUDA context are not counted.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Numeric precision of stored weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit float.
    Fp32,
    /// 16-bit float.
    Fp16,
    /// bfloat16: 16 bits with FP32's exponent range.
    Bf16,
    /// 8-bit float.
    Fp8,
    /// 8-bit integer (quantised).
    Int8,
    /// 4-bit integer (quantised).
    Int4,
}

impl Precision {
    /// Every precision, widest first.
    pub const ALL: [Precision; 6] = [
        Precision::Fp32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Int4,
    ];

    /// Bytes per value.
    pub fn bytes(self) -> f64 {
        match self {
            Precision::Fp32 => 4.0,
            Precision::Fp16 | Precision::Bf16 => 2.0,
            Precision::Fp8 | Precision::Int8 => 1.0,
            Precision::Int4 => 0.5,
        }
    }

    /// Upper-case name (FP32, BF16, ...).
    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "FP32",
            Precision::Fp16 => "FP16",
            Precision::Bf16 => "BF16",
            Precision::Fp8 => "FP8",
            Precision::Int8 => "INT8",
            Precision::Int4 => "INT4",
        }
    }
}

/// Bytes of weights at `precision` for `n_params` parameters.
///
/// # Examples
///
/// ```
/// use scaling_laws::plan::memory::{weight_bytes, Precision};
/// // The seed article's example: 1B parameters need 4 GB in FP32.
/// assert_eq!(weight_bytes(1e9, Precision::Fp32), 4e9);
/// assert_eq!(weight_bytes(1e9, Precision::Bf16), 2e9);
/// assert_eq!(weight_bytes(1e9, Precision::Int8), 1e9);
/// ```
pub fn weight_bytes(n_params: f64, precision: Precision) -> f64 {
    n_params * precision.bytes()
}

/// Optimizer and precision regime of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimizer {
    /// Adam/AdamW, 16-bit weights and gradients, FP32 master copy and moments.
    AdamMixed,
    /// Adam/AdamW entirely in FP32.
    AdamFp32,
    /// SGD with momentum, 16-bit weights and gradients, FP32 master copy and momentum.
    SgdMixed,
    /// SGD with momentum entirely in FP32.
    SgdFp32,
}

/// Bytes per parameter of each part of the model states.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateBytes {
    /// Weights w.
    pub weights: f64,
    /// Gradients g.
    pub gradients: f64,
    /// Optimizer state K (master weights, moments).
    pub optimizer: f64,
}

impl StateBytes {
    /// `w + g + K`.
    pub fn total(&self) -> f64 {
        self.weights + self.gradients + self.optimizer
    }
}

impl Optimizer {
    /// Bytes per parameter (ZeRO paper, section 3.1).
    pub fn state_bytes(self) -> StateBytes {
        let (weights, gradients, optimizer) = match self {
            Optimizer::AdamMixed => (2.0, 2.0, 12.0),
            Optimizer::AdamFp32 => (4.0, 4.0, 8.0),
            Optimizer::SgdMixed => (2.0, 2.0, 8.0),
            Optimizer::SgdFp32 => (4.0, 4.0, 4.0),
        };
        StateBytes {
            weights,
            gradients,
            optimizer,
        }
    }

    /// Description for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Optimizer::AdamMixed => {
                "Adam(W), mixed precision: 2 weights + 2 gradients + 12 optimizer (FP32 master, m, v)"
            }
            Optimizer::AdamFp32 => "Adam(W), FP32: 4 weights + 4 gradients + 8 optimizer (m, v)",
            Optimizer::SgdMixed => {
                "SGD with momentum, mixed precision: 2 weights + 2 gradients + 8 optimizer (FP32 master, momentum)"
            }
            Optimizer::SgdFp32 => {
                "SGD with momentum, FP32: 4 weights + 4 gradients + 4 optimizer (momentum)"
            }
        }
    }
}

/// How model states are spread over data-parallel GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Distributed data parallel: every GPU holds everything.
    Ddp,
    /// ZeRO stage 1: optimizer states sharded.
    Zero1,
    /// ZeRO stage 2: optimizer states and gradients sharded.
    Zero2,
    /// ZeRO stage 3 / FSDP: optimizer states, gradients and weights sharded.
    Zero3,
}

impl Strategy {
    /// All strategies, least sharded first.
    pub const ALL: [Strategy; 4] = [
        Strategy::Ddp,
        Strategy::Zero1,
        Strategy::Zero2,
        Strategy::Zero3,
    ];

    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Ddp => "DDP",
            Strategy::Zero1 => "ZeRO-1",
            Strategy::Zero2 => "ZeRO-2",
            Strategy::Zero3 => "FSDP / ZeRO-3",
        }
    }

    /// `(replicated, sharded)` bytes per parameter: per-GPU states are
    /// `replicated·Psi + sharded·Psi/G`.
    pub fn split(self, s: StateBytes) -> (f64, f64) {
        match self {
            Strategy::Ddp => (s.total(), 0.0),
            Strategy::Zero1 => (s.weights + s.gradients, s.optimizer),
            Strategy::Zero2 => (s.weights, s.gradients + s.optimizer),
            Strategy::Zero3 => (0.0, s.total()),
        }
    }

    /// Model-state bytes per GPU for `n_params` parameters on `gpus` GPUs.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::plan::memory::{Optimizer, Strategy};
    /// // ZeRO paper example: 7.5B parameters, mixed-precision Adam, 64 GPUs.
    /// let s = Optimizer::AdamMixed.state_bytes();
    /// let gb = |st: Strategy| st.bytes_per_gpu(7.5e9, 64, s) / 1e9;
    /// assert!((gb(Strategy::Ddp) - 120.0).abs() < 1e-9);
    /// assert!((gb(Strategy::Zero1) - 31.40625).abs() < 1e-9);
    /// assert!((gb(Strategy::Zero2) - 16.640625).abs() < 1e-9);
    /// assert!((gb(Strategy::Zero3) - 1.875).abs() < 1e-9);
    /// ```
    pub fn bytes_per_gpu(self, n_params: f64, gpus: usize, s: StateBytes) -> f64 {
        let (replicated, sharded) = self.split(s);
        n_params * (replicated + sharded / gpus as f64)
    }

    /// The fewest GPUs on which model states plus `other_bytes` (activations) fit in
    /// `memory_bytes` per GPU, or `None` when no number does.
    pub fn min_gpus(
        self,
        n_params: f64,
        s: StateBytes,
        other_bytes: f64,
        memory_bytes: f64,
    ) -> Option<usize> {
        let (replicated, sharded) = self.split(s);
        let room = memory_bytes - other_bytes - replicated * n_params;
        if room < 0.0 || (room == 0.0 && sharded > 0.0) {
            return None;
        }
        if sharded == 0.0 {
            return Some(1);
        }
        let g = (sharded * n_params / room).ceil();
        (g.is_finite() && g <= 1e12).then_some(g.max(1.0) as usize)
    }
}

/// Activation recomputation setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Keep every activation.
    None,
    /// Recompute attention scores (Korthikanti et al.'s selective recomputation).
    Selective,
    /// Keep only each layer's input; recompute the rest in the backward pass.
    Full,
}

/// Activation bytes per GPU (see the module docs).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--micro-batch` when it is zero.
pub fn activation_bytes(
    layers: u64,
    seq_len: u64,
    d_model: u64,
    heads: u64,
    micro_batch: u64,
    recompute: Recompute,
) -> Result<f64, Error> {
    if micro_batch == 0 {
        return Err(Error::invalid_option("--micro-batch", "must be at least 1"));
    }
    let (l, s, h, a, b) = (
        layers as f64,
        seq_len as f64,
        d_model as f64,
        heads as f64,
        micro_batch as f64,
    );
    let per_element = match recompute {
        Recompute::None => 34.0 + 5.0 * a * s / h,
        Recompute::Selective => 34.0,
        Recompute::Full => 2.0,
    };
    Ok(l * s * b * h * per_element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_gpus_solves_the_memory_inequality() {
        let s = Optimizer::AdamMixed.state_bytes();
        // 7.5B params on 40 GB GPUs: DDP needs 120 GB: never fits.
        assert_eq!(Strategy::Ddp.min_gpus(7.5e9, s, 0.0, 40e9), None);
        // ZeRO-3: 120 GB / G <= 40 GB -> G = 3.
        assert_eq!(Strategy::Zero3.min_gpus(7.5e9, s, 0.0, 40e9), Some(3));
        // ZeRO-1: 30 GB replicated + 90 GB / G <= 40 GB -> G = 9.
        assert_eq!(Strategy::Zero1.min_gpus(7.5e9, s, 0.0, 40e9), Some(9));
        // Activations alone too large: nothing fits.
        assert_eq!(Strategy::Zero3.min_gpus(7.5e9, s, 41e9, 40e9), None);
        for st in Strategy::ALL {
            if let Some(g) = st.min_gpus(7.5e9, s, 2e9, 40e9) {
                assert!(st.bytes_per_gpu(7.5e9, g, s) + 2e9 <= 40e9);
                if g > 1 {
                    assert!(st.bytes_per_gpu(7.5e9, g - 1, s) + 2e9 > 40e9);
                }
            }
        }
    }

    #[test]
    fn korthikanti_activation_formula() {
        // GPT-3 175B shape, s = 2048, b = 1, h = 12288, a = 96, L = 96:
        // per layer s·b·h·(34 + 5·a·s/h) = 2048·12288·(34 + 80) bytes.
        let bytes = activation_bytes(96, 2048, 12288, 96, 1, Recompute::None).unwrap();
        assert!((bytes - 96.0 * 2048.0 * 12288.0 * 114.0).abs() < 1.0);
        let full = activation_bytes(96, 2048, 12288, 96, 1, Recompute::Full).unwrap();
        assert!((bytes / full - 57.0).abs() < 1e-12);
        assert!(activation_bytes(1, 1, 1, 1, 0, Recompute::Full).is_err());
    }
}
