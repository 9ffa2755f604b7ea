//! Parameters and FLOPs of a dense decoder-only transformer, counted as in Hoffmann et al. 2022,
//! appendix F (FLOPs per training sequence):
//!
//! ```text
//! embeddings        2 · s · V · d
//! attention / layer 2 · 3 · s · d · (k·H)          key, query and value projections
//!                   2 · s · s · (k·H)              key @ query logits
//!                   3 · H · s · s                  softmax
//!                   2 · s · s · (k·H)              softmax @ value reduction
//!                   2 · s · (k·H) · d              output projection
//! dense block       2 · s · (d·F + d·F)            (three matrices, 2 · s · 3·d·F, when gated)
//! final logits      2 · s · d · V
//! forward           embeddings + L · (attention + dense) + logits
//! training          3 · forward                    (backward = 2 · forward)
//! ```
//!
//! with s the sequence length, V the vocabulary, d the model width, H heads of key size k, F the
//! feed-forward width and L layers. Parameters: `V·d` embeddings when they are tied (shared with
//! the output layer, as appendix F counts them) or `2·V·d` when untied (a separate output matrix,
//! as in LLaMA and OLMo 7B and 2), plus `L · (4·d·k·H + m·d·F)` with m = 2 matrices (3 when
//! gated); biases and normalisation weights are left out (well under 1% of the total). Tying
//! changes the parameters, not the FLOPs: the output logits are a `d × V` product either way.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Whether the input embedding and the output layer share one `V × d` matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Embeddings {
    /// One matrix for both (appendix F's count; GPT-2, OLMo 1B): `V·d` parameters.
    #[default]
    Tied,
    /// Separate input and output matrices (LLaMA, OLMo 7B and OLMo 2): `2·V·d` parameters.
    Untied,
}

impl Embeddings {
    /// `tied` or `untied`.
    pub fn name(self) -> &'static str {
        match self {
            Embeddings::Tied => "tied",
            Embeddings::Untied => "untied",
        }
    }

    /// The convention named `tied` or `untied`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--embeddings` for any other name.
    pub fn parse(name: &str) -> Result<Embeddings, Error> {
        match name {
            "tied" => Ok(Embeddings::Tied),
            "untied" => Ok(Embeddings::Untied),
            _ => Err(Error::invalid_option(
                "--embeddings",
                format!("unknown convention '{name}'; choose tied or untied"),
            )),
        }
    }

    /// `V × d` matrices counted: 1 tied, 2 untied.
    pub fn matrices(self) -> f64 {
        match self {
            Embeddings::Tied => 1.0,
            Embeddings::Untied => 2.0,
        }
    }
}

/// Shape of a dense transformer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Transformer layers L.
    pub layers: u64,
    /// Model width d.
    pub d_model: u64,
    /// Attention heads H.
    pub heads: u64,
    /// Key (and value) size per head k.
    pub key_size: u64,
    /// Feed-forward width F.
    pub ffw: u64,
    /// Vocabulary size V.
    pub vocab: u64,
    /// Training sequence length s.
    pub seq_len: u64,
    /// Gated feed-forward block (SwiGLU/GeGLU: three matrices instead of two).
    pub gated_ffw: bool,
    /// Input embedding shared with the output layer or not (tied when absent from a saved
    /// file).
    #[serde(default)]
    pub embeddings: Embeddings,
}

impl Architecture {
    /// The architecture described by the planner's flags: `None` when none of `--layers`,
    /// `--d-model`, `--heads` is given; the key size defaults to `d_model / heads` and the
    /// feed-forward width to `4·d_model`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when only some of the three are given, or `--heads` is 0.
    #[allow(clippy::too_many_arguments)]
    pub fn from_flags(
        layers: Option<u64>,
        d_model: Option<u64>,
        heads: Option<u64>,
        key_size: Option<u64>,
        ffw: Option<u64>,
        vocab: u64,
        seq_len: u64,
        gated_ffw: bool,
        embeddings: Embeddings,
    ) -> Result<Option<Architecture>, Error> {
        match (layers, d_model, heads) {
            (None, None, None) => Ok(None),
            (Some(layers), Some(d_model), Some(heads)) => {
                if heads == 0 {
                    return Err(Error::invalid_option("--heads", "must be at least 1"));
                }
                Ok(Some(Architecture {
                    layers,
                    d_model,
                    heads,
                    key_size: key_size.unwrap_or(d_model / heads),
                    ffw: ffw.unwrap_or(4 * d_model),
                    vocab,
                    seq_len,
                    gated_ffw,
                    embeddings,
                }))
            }
            _ => Err(Error::invalid_option(
                "--layers/--d-model/--heads",
                "give all three to describe an architecture",
            )),
        }
    }

    /// Check every dimension is positive.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag of a zero dimension.
    pub fn validate(&self) -> Result<(), Error> {
        let dims = [
            ("--layers", self.layers),
            ("--d-model", self.d_model),
            ("--heads", self.heads),
            ("--key-size", self.key_size),
            ("--ffw", self.ffw),
            ("--vocab", self.vocab),
            ("--seq-len", self.seq_len),
        ];
        for (flag, v) in dims {
            if v == 0 {
                return Err(Error::invalid_option(
                    flag,
                    "must be a positive whole number",
                ));
            }
        }
        Ok(())
    }

    fn ffw_matrices(&self) -> f64 {
        if self.gated_ffw { 3.0 } else { 2.0 }
    }

    /// Parameter count (see the module docs).
    pub fn params(&self) -> f64 {
        let (d, f, v) = (self.d_model as f64, self.ffw as f64, self.vocab as f64);
        let kh = (self.key_size * self.heads) as f64;
        self.embeddings.matrices() * v * d
            + self.layers as f64 * (4.0 * d * kh + self.ffw_matrices() * d * f)
    }

    /// Parameters of the embedding matrices: `V·d` tied, `2·V·d` untied.
    pub fn embedding_params(&self) -> f64 {
        self.embeddings.matrices() * (self.vocab * self.d_model) as f64
    }

    /// Forward-pass FLOPs of one sequence, by component.
    pub fn forward_flops(&self) -> ForwardFlops {
        let (s, d, f, v) = (
            self.seq_len as f64,
            self.d_model as f64,
            self.ffw as f64,
            self.vocab as f64,
        );
        let h = self.heads as f64;
        let kh = self.key_size as f64 * h;
        let attention = 2.0 * 3.0 * s * d * kh
            + 2.0 * s * s * kh
            + 3.0 * h * s * s
            + 2.0 * s * s * kh
            + 2.0 * s * kh * d;
        ForwardFlops {
            embeddings: 2.0 * s * v * d,
            attention_per_layer: attention,
            dense_per_layer: 2.0 * s * self.ffw_matrices() * d * f,
            logits: 2.0 * s * d * v,
            layers: self.layers as f64,
        }
    }

    /// Training FLOPs per token (forward and backward, appendix F).
    pub fn training_flops_per_token(&self) -> f64 {
        3.0 * self.forward_flops().total() / self.seq_len as f64
    }
}

/// Forward FLOPs of one sequence, by component.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForwardFlops {
    /// Embedding lookup counted as a matrix product.
    pub embeddings: f64,
    /// Attention of one layer.
    pub attention_per_layer: f64,
    /// Feed-forward block of one layer.
    pub dense_per_layer: f64,
    /// Output logits.
    pub logits: f64,
    /// Number of layers.
    pub layers: f64,
}

impl ForwardFlops {
    /// Sum over components and layers.
    pub fn total(&self) -> f64 {
        self.embeddings
            + self.layers * (self.attention_per_layer + self.dense_per_layer)
            + self.logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinchilla (Hoffmann et al. 2022, Table 4 / appendix F).
    pub const CHINCHILLA: Architecture = Architecture {
        layers: 80,
        d_model: 8192,
        heads: 64,
        key_size: 128,
        ffw: 32768,
        vocab: 32000,
        seq_len: 2048,
        gated_ffw: false,
        embeddings: Embeddings::Tied,
    };

    #[test]
    fn chinchilla_appendix_f_count_is_close_to_6nd() {
        let per_token = CHINCHILLA.training_flops_per_token();
        let total = per_token * 1.4e12;
        let six_nd: f64 = 6.0 * 70e9 * 1.4e12;
        assert!((six_nd / 5.88e23 - 1.0).abs() < 1e-12);
        let ratio = total / six_nd;
        assert!((0.95..1.0).contains(&ratio), "appendix F / 6ND = {ratio}");
        // Hand count of the same formula: 4.059e11 FLOPs per token.
        assert!((per_token / 4.059e11 - 1.0).abs() < 1e-3, "{per_token}");
    }

    #[test]
    fn parameter_count_of_chinchillas_shape() {
        // 80 · (4·8192² + 2·8192·32768) + 32000·8192 = 6.469e10
        let p = CHINCHILLA.params();
        assert!((p / 6.4686e10 - 1.0).abs() < 1e-4, "{p}");
    }

    #[test]
    fn untied_embeddings_add_one_embedding_matrix_to_the_count() {
        let untied = Architecture {
            embeddings: Embeddings::Untied,
            ..CHINCHILLA
        };
        let matrix = 32000.0 * 8192.0;
        assert!((untied.params() - CHINCHILLA.params() - matrix).abs() < 1.0);
        assert_eq!(untied.embedding_params(), 2.0 * matrix);
        // The logits are a d × V product either way.
        assert_eq!(
            untied.training_flops_per_token(),
            CHINCHILLA.training_flops_per_token()
        );
        assert_eq!(Embeddings::parse("untied").unwrap(), Embeddings::Untied);
        assert!(
            Embeddings::parse("shared")
                .unwrap_err()
                .to_string()
                .contains("--embeddings")
        );
    }

    #[test]
    fn zero_dimensions_are_rejected() {
        let bad = Architecture {
            heads: 0,
            ..CHINCHILLA
        };
        assert!(bad.validate().unwrap_err().to_string().contains("--heads"));
    }
}
