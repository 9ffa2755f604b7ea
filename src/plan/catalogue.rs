//! Built-in catalogues typed from datasheets and papers: accelerators (`data/gpus.csv`) and
//! well-known models (`data/models.csv`). Both files are compiled into the binary; each row
//! carries its source, and `data/README.md` describes them.

use serde::{Deserialize, Serialize};

use super::architecture::{Architecture, Embeddings};
use crate::error::Error;

const GPUS_CSV: &str = include_str!("../../data/gpus.csv");
const MODELS_CSV: &str = include_str!("../../data/models.csv");

/// Split one CSV line, honouring double quotes.
fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Rows of an embedded CSV as (header -> value) lookups.
fn rows(text: &'static str) -> Vec<Vec<(String, String)>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().map(split_line).unwrap_or_default();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(split_line(l).into_iter().map(|v| v.trim().to_string()))
                .collect()
        })
        .collect()
}

fn get<'a>(row: &'a [(String, String)], key: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn number(row: &[(String, String)], key: &str) -> Option<f64> {
    get(row, key).parse().ok()
}

/// Lower case, no spaces or underscores: `H100 SXM` and `h100_sxm` both become `h100-sxm`.
fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace([' ', '_'], "-")
}

/// Peak dense throughput of an accelerator at one precision, FLOP/s (OP/s for INT8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComputePrecision {
    /// FP32 (no tensor cores).
    Fp32,
    /// TF32 tensor cores.
    Tf32,
    /// BF16.
    Bf16,
    /// FP16.
    Fp16,
    /// FP8.
    Fp8,
    /// INT8.
    Int8,
}

/// An accelerator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gpu {
    /// Catalogue name.
    pub name: String,
    /// Memory, bytes.
    pub memory_bytes: f64,
    /// Peak dense throughput per precision, FLOP/s (absent: unsupported or unpublished).
    pub peak: Vec<(ComputePrecision, f64)>,
    /// Where the figures come from.
    pub source: String,
}

impl Gpu {
    /// Peak dense FLOP/s at `precision`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--compute-precision` when the catalogue has no figure.
    pub fn peak_flops(&self, precision: ComputePrecision) -> Result<f64, Error> {
        self.peak.iter().find(|(p, _)| *p == precision).map(|(_, v)| *v).ok_or_else(|| {
            let have: Vec<String> = self.peak.iter().map(|(p, _)| format!("{p:?}").to_lowercase()).collect();
            Error::invalid_option(
                "--compute-precision",
                format!("the catalogue has no {precision:?} figure for {}; it has {} (or give --peak-tflops)", self.name, have.join(", ")).to_lowercase(),
            )
        })
    }
}

/// Every accelerator in the catalogue.
pub fn gpus() -> Vec<Gpu> {
    rows(GPUS_CSV)
        .iter()
        .map(|row| {
            let peak = [
                (ComputePrecision::Fp32, "fp32_tflops"),
                (ComputePrecision::Tf32, "tf32_tflops"),
                (ComputePrecision::Bf16, "bf16_tflops"),
                (ComputePrecision::Fp16, "fp16_tflops"),
                (ComputePrecision::Fp8, "fp8_tflops"),
                (ComputePrecision::Int8, "int8_tops"),
            ]
            .into_iter()
            .filter_map(|(p, key)| number(row, key).map(|t| (p, t * 1e12)))
            .collect();
            Gpu {
                name: get(row, "name").to_string(),
                memory_bytes: number(row, "memory_gb").unwrap_or(0.0) * 1e9,
                peak,
                source: get(row, "source").to_string(),
            }
        })
        .collect()
}

/// Look up an accelerator by name or alias (case and spacing ignored).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--gpu` and listing the known names.
pub fn find_gpu(name: &str) -> Result<Gpu, Error> {
    let want = normalise(name);
    let table = rows(GPUS_CSV);
    let index = table.iter().position(|row| {
        normalise(get(row, "name")) == want
            || get(row, "aliases").split(';').any(|a| normalise(a) == want)
    });
    match index {
        Some(i) => Ok(gpus().swap_remove(i)),
        None => Err(Error::invalid_option(
            "--gpu",
            format!(
                "unknown accelerator '{name}'; known: {} (or give --peak-tflops and --gpu-memory-gb)",
                gpus()
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// A well-known model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownModel {
    /// Catalogue name.
    pub name: String,
    /// Parameters.
    pub params: f64,
    /// Training tokens.
    pub tokens: Option<f64>,
    /// Architecture, when the source gives every dimension.
    pub architecture: Option<Architecture>,
    /// Year of publication.
    pub year: Option<u32>,
    /// Where the figures come from.
    pub source: String,
}

/// Every model in the catalogue.
pub fn models() -> Vec<KnownModel> {
    rows(MODELS_CSV)
        .iter()
        .map(|row| {
            let dim = |key: &str| get(row, key).parse::<u64>().ok();
            let architecture = (|| {
                Some(Architecture {
                    layers: dim("layers")?,
                    d_model: dim("d_model")?,
                    heads: dim("heads")?,
                    key_size: dim("key_size")?,
                    ffw: dim("ffw")?,
                    vocab: dim("vocab")?,
                    seq_len: dim("seq_len")?,
                    gated_ffw: get(row, "gated_ffw") == "true",
                    // The published parameter count is the row's own; the shape serves FLOPs and
                    // activations, which tying leaves unchanged.
                    embeddings: Embeddings::Tied,
                })
            })();
            KnownModel {
                name: get(row, "name").to_string(),
                params: number(row, "params").unwrap_or(f64::NAN),
                tokens: number(row, "tokens"),
                architecture,
                year: get(row, "year").parse().ok(),
                source: get(row, "source").to_string(),
            }
        })
        .collect()
}

/// Look up a model by name or alias (case and spacing ignored).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--model` and listing the known names.
pub fn find_model(name: &str) -> Result<KnownModel, Error> {
    let want = normalise(name);
    let table = rows(MODELS_CSV);
    let index = table.iter().position(|row| {
        normalise(get(row, "name")) == want
            || get(row, "aliases").split(';').any(|a| normalise(a) == want)
    });
    match index {
        Some(i) => Ok(models().swap_remove(i)),
        None => Err(Error::invalid_option(
            "--model",
            format!(
                "unknown model '{name}'; known: {}",
                models()
                    .iter()
                    .map(|m| m.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_completely() {
        let gpus = gpus();
        assert!(gpus.len() >= 12);
        assert!(
            gpus.iter()
                .all(|g| g.memory_bytes > 0.0 && !g.source.is_empty())
        );
        let a100 = find_gpu("A100").unwrap();
        assert_eq!(a100.peak_flops(ComputePrecision::Bf16).unwrap(), 312e12);
        assert_eq!(find_gpu("H100 SXM").unwrap().name, "h100-sxm");
        let models = models();
        assert!(
            models
                .iter()
                .all(|m| m.params > 0.0 && !m.source.is_empty())
        );
        let chinchilla = find_model("Chinchilla").unwrap();
        assert_eq!(chinchilla.tokens, Some(1.4e12));
        assert_eq!(chinchilla.architecture.unwrap().ffw, 32768);
        assert!(
            find_model("llama-3-405b")
                .unwrap()
                .architecture
                .unwrap()
                .gated_ffw
        );
    }

    #[test]
    fn bloomberggpt_matches_its_paper() {
        // Wu et al. 2023, Table 4: 50.6B parameters on 569B tokens; the shape counts to 50.55B
        // (131072 × 7680 + 70 × 12 × 7680², biases and norms left out).
        let m = find_model("BloombergGPT").unwrap();
        assert_eq!((m.params, m.tokens), (5.06e10, Some(5.69e11)));
        let a = m.architecture.unwrap();
        assert_eq!(a.key_size * a.heads, a.d_model);
        assert!((a.params() / 5.06e10 - 1.0).abs() < 2e-3, "{}", a.params());
    }

    #[test]
    fn csv_lines_split_with_quotes() {
        assert_eq!(split_line(r#"a,"b, c",d"#), vec!["a", "b, c", "d"]);
        assert_eq!(split_line(r#""say ""hi""",x"#), vec![r#"say "hi""#, "x"]);
    }
}
