//! The hardware a run is planned on, and a budget in GPU time or money, as plain values with
//! their checks: one code path from the command line's flags (`--gpu`, `--gpus`, `--mfu`,
//! `--days`, ...) and from the Python binding's keyword arguments to a [`Hardware`] and a
//! [`BudgetConversion`].
//!
//! Errors name the option by its flag; the Python binding's keyword is the flag without dashes,
//! with `-` as `_`.

use crate::error::Error;
use crate::plan::budget::{BudgetAmount, BudgetConversion, Throughput, convert};
use crate::plan::memory::{Optimizer, Recompute};
use crate::plan::{ComputePrecision, Hardware, find_gpu};

/// One of `choices` by its command-line name.
fn choose<T: Copy>(flag: &str, given: &str, choices: &[(&str, T)]) -> Result<T, Error> {
    choices
        .iter()
        .find(|(name, _)| *name == given)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            Error::invalid_option(
                flag,
                format!("'{given}' is not one of {}", names.join(", ")),
            )
        })
}

/// The precision named as `--compute-precision` takes it (`fp32`, `tf32`, `bf16`, `fp16`,
/// `fp8`, `int8`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--compute-precision` for any other name.
pub fn parse_precision(name: &str) -> Result<ComputePrecision, Error> {
    use ComputePrecision as P;
    choose(
        "--compute-precision",
        name,
        &[
            ("fp32", P::Fp32),
            ("tf32", P::Tf32),
            ("bf16", P::Bf16),
            ("fp16", P::Fp16),
            ("fp8", P::Fp8),
            ("int8", P::Int8),
        ],
    )
}

/// The optimizer named as `--optimizer` takes it (`adam-mixed`, `adam-fp32`, `sgd-mixed`,
/// `sgd-fp32`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--optimizer` for any other name.
pub fn parse_optimizer(name: &str) -> Result<Optimizer, Error> {
    choose(
        "--optimizer",
        name,
        &[
            ("adam-mixed", Optimizer::AdamMixed),
            ("adam-fp32", Optimizer::AdamFp32),
            ("sgd-mixed", Optimizer::SgdMixed),
            ("sgd-fp32", Optimizer::SgdFp32),
        ],
    )
}

/// The recomputation named as `--recompute` takes it (`none`, `selective`, `full`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--recompute` for any other name.
pub fn parse_recompute(name: &str) -> Result<Recompute, Error> {
    choose(
        "--recompute",
        name,
        &[
            ("none", Recompute::None),
            ("selective", Recompute::Selective),
            ("full", Recompute::Full),
        ],
    )
}

/// Model FLOPs utilisation assumed when none is given.
pub const DEFAULT_MFU: f64 = 0.4;

/// The accelerator a run is planned on, as given: a catalogue name (its figures overridable),
/// or a peak and a memory by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct HardwareOptions {
    /// Accelerator from the built-in catalogue (`--gpu`).
    pub gpu: Option<String>,
    /// Number of accelerators (`--gpus`).
    pub gpus: Option<usize>,
    /// Precision whose peak throughput applies (`--compute-precision`).
    pub precision: ComputePrecision,
    /// Peak dense TFLOP/s per accelerator, overriding the catalogue (`--peak-tflops`).
    pub peak_tflops: Option<f64>,
    /// Memory per accelerator in GB, overriding the catalogue (`--gpu-memory-gb`).
    pub gpu_memory_gb: Option<f64>,
    /// Model FLOPs utilisation (`--mfu`; [`DEFAULT_MFU`] when not given).
    pub mfu: Option<f64>,
    /// Price per accelerator-hour (`--price-per-gpu-hour`).
    pub price_per_gpu_hour: Option<f64>,
    /// Power per accelerator in watts (`--watts-per-gpu`).
    pub watts_per_gpu: Option<f64>,
}

impl Default for HardwareOptions {
    fn default() -> Self {
        HardwareOptions {
            gpu: None,
            gpus: None,
            precision: ComputePrecision::Bf16,
            peak_tflops: None,
            gpu_memory_gb: None,
            mfu: None,
            price_per_gpu_hour: None,
            watts_per_gpu: None,
        }
    }
}

/// The accelerator's name, memory in bytes and peak FLOP/s.
type Accelerator = (String, f64, f64);

impl HardwareOptions {
    /// Range checks of every figure, whether or not an accelerator is named (a value is never
    /// silently ignored); returns the hardware and a note when some figures go unused.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag of a figure out of range, an unknown
    /// accelerator, or a peak without a memory (or the reverse) when none is named.
    pub fn resolve(&self) -> Result<(Option<Hardware>, Option<String>), Error> {
        let hardware = self.hardware()?;
        crate::plan::require_gpus(self.gpus)?;
        Error::require_fraction("--mfu", self.mfu.unwrap_or(DEFAULT_MFU))?;
        let optional = [
            ("--price-per-gpu-hour", self.price_per_gpu_hour),
            ("--watts-per-gpu", self.watts_per_gpu),
            ("--peak-tflops", self.peak_tflops),
            ("--gpu-memory-gb", self.gpu_memory_gb),
        ];
        for (flag, value) in optional {
            if let Some(v) = value {
                Error::require_positive(flag, v)?;
            }
        }
        let unused: Vec<&str> = [
            ("--mfu", self.mfu.is_some()),
            ("--price-per-gpu-hour", self.price_per_gpu_hour.is_some()),
            ("--watts-per-gpu", self.watts_per_gpu.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given && hardware.is_none())
        .map(|(flag, _)| *flag)
        .collect();
        let note = (!unused.is_empty()).then(|| {
            let (verb, pronoun) = if unused.len() == 1 {
                ("applies", "it is")
            } else {
                ("apply", "they are")
            };
            format!(
                "{} {verb} to the time estimate, which needs an accelerator (--gpu NAME, or \
                 --peak-tflops with --gpu-memory-gb); {pronoun} ignored",
                unused.join(", ")
            )
        });
        Ok((hardware, note))
    }

    /// The accelerator's name, memory and peak: from the catalogue (figures overridable), or
    /// both figures given by hand; `None` when no accelerator is described.
    fn accelerator(&self) -> Result<Option<Accelerator>, Error> {
        match &self.gpu {
            Some(g) => {
                let gpu = find_gpu(g)?;
                let peak = match self.peak_tflops {
                    Some(t) => t * 1e12,
                    None => gpu.peak_flops(self.precision)?,
                };
                let memory = self.gpu_memory_gb.map_or(gpu.memory_bytes, |m| m * 1e9);
                Ok(Some((gpu.name, memory, peak)))
            }
            None => match (self.peak_tflops, self.gpu_memory_gb) {
                (None, None) => Ok(None),
                (Some(t), Some(m)) => {
                    Ok(Some(("custom accelerator".to_string(), m * 1e9, t * 1e12)))
                }
                _ => Err(Error::invalid_option(
                    "--gpu",
                    "name an accelerator with --gpu, or give both --peak-tflops and --gpu-memory-gb",
                )),
            },
        }
    }

    /// The hardware, on `gpus` accelerators (1 when not given); `None` when no accelerator is
    /// described. [`HardwareOptions::resolve`] checks the figures as well.
    ///
    /// # Errors
    ///
    /// As [`HardwareOptions::resolve`] for the accelerator.
    pub fn hardware(&self) -> Result<Option<Hardware>, Error> {
        Ok(self
            .accelerator()?
            .map(|(gpu, memory_bytes, peak_flops)| Hardware {
                gpu,
                memory_bytes,
                peak_flops,
                gpus: self.gpus.unwrap_or(1),
                mfu: self.mfu.unwrap_or(DEFAULT_MFU),
                price_per_gpu_hour: self.price_per_gpu_hour,
                watts_per_gpu: self.watts_per_gpu,
            }))
    }

    /// The throughput that turns a budget in time or money into FLOPs.
    fn throughput(&self) -> Result<Option<Throughput>, Error> {
        Ok(self.accelerator()?.map(|(gpu, _, peak_flops)| Throughput {
            gpu,
            peak_flops,
            precision: self.peak_tflops.is_none().then_some(self.precision),
            mfu: self.mfu.unwrap_or(DEFAULT_MFU),
        }))
    }
}

/// A compute budget in GPU time or money instead of FLOPs; at most one of the three is given.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BudgetUnits {
    /// Wall-clock days on the given number of accelerators (`--days`).
    pub days: Option<f64>,
    /// Accelerator-hours (`--gpu-hours`).
    pub gpu_hours: Option<f64>,
    /// Money spent at the price per accelerator-hour (`--dollars`).
    pub dollars: Option<f64>,
}

impl BudgetUnits {
    /// Whether a budget is given in hardware units.
    pub fn given(&self) -> bool {
        self.days.is_some() || self.gpu_hours.is_some() || self.dollars.is_some()
    }

    /// The budget in FLOPs on `hardware`, with the conversion in words; `None` when none is
    /// given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag when more than one unit is given, a figure the
    /// unit needs is missing (`--gpus` for days, `--price-per-gpu-hour` for money, an
    /// accelerator for all three), or an amount is out of range.
    pub fn convert(&self, hardware: &HardwareOptions) -> Result<Option<BudgetConversion>, Error> {
        let given = [self.days, self.gpu_hours, self.dollars];
        if given.iter().filter(|v| v.is_some()).count() > 1 {
            return Err(Error::invalid_option(
                "--days/--gpu-hours/--dollars",
                "give the budget one way: days on --gpus GPUs, GPU-hours, or money",
            ));
        }
        let amount = match (self.days, self.gpu_hours, self.dollars) {
            (Some(days), _, _) => {
                let gpus = hardware.gpus.ok_or_else(|| {
                    Error::invalid_option(
                        "--gpus",
                        "a budget in --days needs the number of accelerators: give --gpus G",
                    )
                })?;
                BudgetAmount::GpuTime { gpus, days }
            }
            (_, Some(gpu_hours), _) => BudgetAmount::GpuHours { gpu_hours },
            (_, _, Some(amount)) => BudgetAmount::Money {
                amount,
                price_per_gpu_hour: hardware.price_per_gpu_hour.ok_or_else(|| {
                    Error::invalid_option(
                        "--price-per-gpu-hour",
                        "a budget in --dollars needs the price of an accelerator-hour: give --price-per-gpu-hour P",
                    )
                })?,
            },
            (None, None, None) => return Ok(None),
        };
        convert(amount, hardware.throughput()?.as_ref()).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::InvalidOption { flag, .. }) => flag,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_catalogue_gpu_gives_its_figures_and_the_default_mfu() {
        let options = HardwareOptions {
            gpu: Some("h100-sxm".into()),
            gpus: Some(8),
            ..HardwareOptions::default()
        };
        let (hardware, note) = options.resolve().unwrap();
        let hardware = hardware.unwrap();
        assert_eq!(hardware.gpus, 8);
        assert_eq!(hardware.mfu, DEFAULT_MFU);
        assert!((hardware.peak_flops / 989e12 - 1.0).abs() < 0.01);
        assert_eq!(note, None);
    }

    #[test]
    fn figures_without_an_accelerator_are_noted_and_bad_ones_named() {
        let options = HardwareOptions {
            mfu: Some(0.5),
            watts_per_gpu: Some(700.0),
            ..HardwareOptions::default()
        };
        let (hardware, note) = options.resolve().unwrap();
        assert!(hardware.is_none());
        assert!(note.unwrap().starts_with("--mfu, --watts-per-gpu apply"));
        let bad_mfu = HardwareOptions {
            mfu: Some(1.5),
            ..HardwareOptions::default()
        };
        assert_eq!(flag(bad_mfu.resolve()), "--mfu");
        let half = HardwareOptions {
            peak_tflops: Some(100.0),
            ..HardwareOptions::default()
        };
        assert_eq!(flag(half.resolve()), "--gpu");
        let zero = HardwareOptions {
            gpus: Some(0),
            ..HardwareOptions::default()
        };
        assert_eq!(flag(zero.resolve()), "--gpus");
    }

    #[test]
    fn days_on_gpus_convert_to_flops_and_missing_figures_are_named() {
        let hardware = HardwareOptions {
            gpu: Some("h100-sxm".into()),
            gpus: Some(512),
            peak_tflops: Some(989.0),
            ..HardwareOptions::default()
        };
        let days = BudgetUnits {
            days: Some(30.0),
            ..BudgetUnits::default()
        };
        let c = days.convert(&hardware).unwrap().unwrap();
        assert!((c.flops / (512.0 * 989e12 * 0.4 * 30.0 * 86400.0) - 1.0).abs() < 1e-12);
        let money = BudgetUnits {
            dollars: Some(1e6),
            ..BudgetUnits::default()
        };
        assert_eq!(flag(money.convert(&hardware)), "--price-per-gpu-hour");
        let two = BudgetUnits {
            days: Some(1.0),
            gpu_hours: Some(1.0),
            dollars: None,
        };
        assert_eq!(flag(two.convert(&hardware)), "--days/--gpu-hours/--dollars");
        assert_eq!(BudgetUnits::default().convert(&hardware).unwrap(), None);
    }
}
