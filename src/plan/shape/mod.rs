//! The shape of a model of a given size: layers, width, heads, feed-forward width and
//! vocabulary, proposed from documented shape rules ([`rules`]) and counted as in
//! [`crate::plan::architecture`] (Hoffmann et al. 2022, appendix F).
//!
//! For each rule and each depth L, the width is the multiple of 128 nearest `ratio(N) · L` (and
//! its neighbours), the heads follow from the rule's head dimension, and the feed-forward width
//! is the rule's own, or the multiple of 128 nearest the width that makes the count exactly N
//! (within ±25% of the rule's). A shape is kept when its parameter count is within
//! [`PARAMS_TOLERANCE`] of N, and scored by how far it strays from its rule:
//!
//! ```text
//! score = |ln( (d/L) / ratio(N) )| + |ln( F / F_rule )|
//! ```
//!
//! Shapes are ranked by score (ties: fewer FLOPs per token), at most `per_rule` distinct depths
//! per rule; a shape two rules both produce is listed once, under both names.

pub mod rules;

use serde::{Deserialize, Serialize};

use super::architecture::Architecture;
use super::memory::{Recompute, activation_bytes};
use crate::error::Error;
pub use rules::ShapeRule;

/// Largest relative difference between a proposed shape's parameter count and the target.
pub const PARAMS_TOLERANCE: f64 = 0.01;

/// Widths are multiples of this (tensor-core and sharding friendly).
pub const WIDTH_STEP: u64 = 128;

/// Largest depth searched.
const MAX_LAYERS: u64 = 1024;

/// How far the feed-forward width may stray from the rule's, as a factor.
const FFW_SLACK: f64 = 1.25;

/// What to shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShapeRequest {
    /// Target parameters N.
    pub n_params: f64,
    /// Vocabulary size (the tokenizer's).
    pub vocab: u64,
    /// Training sequence length, for FLOPs and activations.
    pub seq_len: u64,
    /// Sequences per GPU per step, for activations.
    pub micro_batch: u64,
    /// Activation recomputation, for activations.
    pub recompute: Recompute,
    /// Shapes kept per rule (distinct depths).
    pub per_rule: usize,
}

/// A proposed shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapeProposal {
    /// 1 = closest to its rule.
    pub rank: usize,
    /// The rules that produce it.
    pub rules: Vec<ShapeRule>,
    /// The shape.
    pub architecture: Architecture,
    /// Parameters of the shape (appendix-F count: shared embeddings, no biases).
    pub n_params: f64,
    /// `n_params / target - 1`.
    pub params_error: f64,
    /// `d_model / layers`.
    pub aspect_ratio: f64,
    /// The rule's target `d_model / layers` at this size.
    pub rule_aspect_ratio: f64,
    /// `ffw / d_model`.
    pub ffw_ratio: f64,
    /// Distance from the rule (see the module docs); 0 follows it exactly.
    pub score: f64,
    /// Appendix-F training FLOPs per token.
    pub flops_per_token: f64,
    /// Those over `6·N`.
    pub flops_over_6n: f64,
    /// Activation bytes per GPU (Korthikanti et al. 2022, see [`crate::plan::memory`]).
    pub activation_bytes: f64,
}

/// Propose shapes for `request`, best first; empty when no shape of any rule lies within
/// [`PARAMS_TOLERANCE`] of the target (a target smaller than the embedding of the narrowest
/// width, or beyond the deepest).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--shape` for a non-positive or non-finite target,
/// `--vocab`, `--seq-len` or `--micro-batch` when zero.
pub fn propose(request: &ShapeRequest) -> Result<Vec<ShapeProposal>, Error> {
    Error::require_positive("--shape", request.n_params)?;
    for (flag, v) in [
        ("--vocab", request.vocab),
        ("--seq-len", request.seq_len),
        ("--micro-batch", request.micro_batch),
    ] {
        if v == 0 {
            return Err(Error::invalid_option(flag, "must be at least 1"));
        }
    }
    let mut found: Vec<ShapeProposal> = Vec::new();
    for rule in ShapeRule::ALL {
        for mut shape in best_of_rule(rule, request)? {
            match found
                .iter_mut()
                .find(|s| s.architecture == shape.architecture)
            {
                Some(same) => {
                    same.rules.push(rule);
                    same.score = same.score.min(shape.score);
                }
                None => {
                    shape.rules = vec![rule];
                    found.push(shape);
                }
            }
        }
    }
    found.sort_by(|a, b| {
        a.score
            .total_cmp(&b.score)
            .then(a.flops_per_token.total_cmp(&b.flops_per_token))
    });
    for (i, s) in found.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    Ok(found)
}

/// The best shape of `rule` at each depth, the `per_rule` best of those.
fn best_of_rule(rule: ShapeRule, request: &ShapeRequest) -> Result<Vec<ShapeProposal>, Error> {
    let ratio = rule.aspect_ratio(request.n_params);
    let mut per_depth: Vec<ShapeProposal> = Vec::new();
    for layers in 1..=MAX_LAYERS {
        let centre = (ratio * layers as f64 / WIDTH_STEP as f64).round().max(1.0) as u64;
        let mut best: Option<ShapeProposal> = None;
        for step in centre.saturating_sub(1).max(1)..=centre + 1 {
            let d_model = step * WIDTH_STEP;
            for ffw in ffw_candidates(rule, request, layers, d_model) {
                let Some(s) = candidate(rule, request, ratio, layers, d_model, ffw)? else {
                    continue;
                };
                if best.as_ref().is_none_or(|b| s.score < b.score) {
                    best = Some(s);
                }
            }
        }
        per_depth.extend(best);
    }
    per_depth.sort_by(|a, b| a.score.total_cmp(&b.score));
    per_depth.truncate(request.per_rule);
    Ok(per_depth)
}

/// The rule's feed-forward width and the multiples of 128 either side of the width that makes
/// the count exactly N, within [`FFW_SLACK`] of the rule's.
fn ffw_candidates(rule: ShapeRule, request: &ShapeRequest, layers: u64, d_model: u64) -> Vec<u64> {
    let own = rule.ffw(d_model);
    let mut out = vec![own];
    let (d, l) = (d_model as f64, layers as f64);
    let matrices = if rule.gated() { 3.0 } else { 2.0 };
    let rest = request.n_params - request.vocab as f64 * d - l * 4.0 * d * d;
    let exact = rest / (matrices * d * l);
    if exact.is_finite() && exact > 0.0 {
        let step = WIDTH_STEP as f64;
        for f in [(exact / step).floor() * step, (exact / step).ceil() * step] {
            let within = f / own as f64;
            if f >= step && (1.0 / FFW_SLACK..=FFW_SLACK).contains(&within) {
                out.push(f as u64);
            }
        }
    }
    out
}

/// The shape (layers, d_model, ffw) of `rule` when its count is within tolerance of the target.
fn candidate(
    rule: ShapeRule,
    request: &ShapeRequest,
    ratio: f64,
    layers: u64,
    d_model: u64,
    ffw: u64,
) -> Result<Option<ShapeProposal>, Error> {
    let head_dim = rule.head_dim(d_model);
    let architecture = Architecture {
        layers,
        d_model,
        heads: d_model / head_dim,
        key_size: head_dim,
        ffw,
        vocab: request.vocab,
        seq_len: request.seq_len,
        gated_ffw: rule.gated(),
    };
    let n_params = architecture.params();
    let params_error = n_params / request.n_params - 1.0;
    if params_error.abs() > PARAMS_TOLERANCE {
        return Ok(None);
    }
    let aspect_ratio = d_model as f64 / layers as f64;
    let score =
        (aspect_ratio / ratio).ln().abs() + (ffw as f64 / rule.ffw(d_model) as f64).ln().abs();
    let flops_per_token = architecture.training_flops_per_token();
    Ok(Some(ShapeProposal {
        rank: 0,
        rules: Vec::new(),
        architecture,
        n_params,
        params_error,
        aspect_ratio,
        rule_aspect_ratio: ratio,
        ffw_ratio: ffw as f64 / d_model as f64,
        score,
        flops_per_token,
        flops_over_6n: flops_per_token / (6.0 * n_params),
        activation_bytes: activation_bytes(
            layers,
            request.seq_len,
            d_model,
            architecture.heads,
            request.micro_batch,
            request.recompute,
        )?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n_params: f64) -> ShapeRequest {
        ShapeRequest {
            n_params,
            vocab: 32000,
            seq_len: 2048,
            micro_batch: 1,
            recompute: Recompute::Selective,
            per_rule: 2,
        }
    }

    #[test]
    fn every_shape_is_within_one_percent_and_follows_the_width_rules() {
        for n in [5e7, 1.2e8, 1e9, 7e9, 3.3e10, 7e10, 4e11, 2e12] {
            let shapes = propose(&request(n)).unwrap();
            assert!(shapes.len() >= 3, "{n}: {} shapes", shapes.len());
            for s in &shapes {
                let a = s.architecture;
                assert!(
                    (a.params() / n - 1.0).abs() <= PARAMS_TOLERANCE,
                    "{n}: {a:?}"
                );
                assert!((s.params_error - (a.params() / n - 1.0)).abs() < 1e-15);
                assert_eq!(a.d_model % WIDTH_STEP, 0, "{a:?}");
                assert!((64..=128).contains(&a.key_size), "{a:?}");
                assert_eq!(a.key_size * a.heads, a.d_model, "{a:?}");
                // Appendix-F count of the same shape, and within a few per cent of 6N once the
                // attention and embedding terms are small.
                assert_eq!(s.flops_per_token, a.training_flops_per_token());
                if n >= 1e9 {
                    assert!(
                        (0.95..1.3).contains(&s.flops_over_6n),
                        "{n}: {}",
                        s.flops_over_6n
                    );
                }
            }
            assert!(shapes.windows(2).all(|w| w[0].score <= w[1].score));
            assert_eq!(shapes[0].rank, 1);
        }
    }

    #[test]
    fn llama_7b_is_its_own_rule_s_first_choice() {
        let llama_7b = Architecture {
            layers: 32,
            d_model: 4096,
            heads: 32,
            key_size: 128,
            ffw: 11008,
            vocab: 32000,
            seq_len: 2048,
            gated_ffw: true,
        };
        let shapes = propose(&request(llama_7b.params())).unwrap();
        let best = &shapes[0];
        assert_eq!(best.architecture, llama_7b);
        assert!(best.score < 1e-12);
        // OLMo's rule gives the same shape at this size: listed once, under both names.
        assert_eq!(best.rules, vec![ShapeRule::Llama, ShapeRule::Olmo]);
    }

    #[test]
    fn hopeless_targets_give_no_shape_and_bad_ones_an_error() {
        // The narrowest embedding alone (32000 × 128) is 4.1M parameters.
        assert!(propose(&request(1e6)).unwrap().is_empty());
        assert!(propose(&request(0.0)).is_err());
        let no_vocab = ShapeRequest {
            vocab: 0,
            ..request(1e9)
        };
        assert!(
            propose(&no_vocab)
                .unwrap_err()
                .to_string()
                .contains("--vocab")
        );
    }
}
