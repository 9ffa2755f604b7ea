//! Compute budgets in the units people have: FLOPs, accelerators × time, accelerator-hours, or
//! money, converted to FLOPs through the catalogue's peak throughput and a model FLOPs
//! utilisation (MFU):
//!
//! ```text
//! G accelerators for T seconds     C = G · T · peak · MFU
//! H accelerator-hours              C = H · 3600 · peak · MFU
//! M money at P per accelerator-hour  H = M / P, then as above
//! ```
//!
//! MFU is measured against the conventional `6·N·D` count (Chowdhery et al. 2022, appendix B),
//! so the FLOPs here are `6·N·D`-FLOPs: the planner's time estimate ([`super::plan`]) inverts the
//! conversion exactly. The peak is the dense figure of the catalogue at the training precision
//! (`data/gpus.csv`).

use serde::{Deserialize, Serialize};

use super::catalogue::{ComputePrecision, Gpu};
use crate::error::Error;

/// Seconds in an hour and in a day.
const HOUR: f64 = 3600.0;
const DAY: f64 = 86400.0;

/// A budget as the user gives it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "unit", rename_all = "kebab-case")]
pub enum BudgetAmount {
    /// Training FLOPs.
    Flops {
        /// FLOPs.
        flops: f64,
    },
    /// A number of accelerators for a number of days.
    GpuTime {
        /// Accelerators.
        gpus: usize,
        /// Wall-clock days.
        days: f64,
    },
    /// Accelerator-hours.
    GpuHours {
        /// Accelerator-hours.
        gpu_hours: f64,
    },
    /// Money, spent at a price per accelerator-hour.
    Money {
        /// The amount (any currency).
        amount: f64,
        /// Price per accelerator-hour (same currency).
        price_per_gpu_hour: f64,
    },
}

/// The accelerator and efficiency that turn time into FLOPs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Accelerator name.
    pub gpu: String,
    /// Peak dense FLOP/s per accelerator.
    pub peak_flops: f64,
    /// The catalogue precision the peak is for; `None` when the peak was given by hand.
    pub precision: Option<ComputePrecision>,
    /// Model FLOPs utilisation, in (0, 1].
    pub mfu: f64,
}

impl Throughput {
    /// The throughput of a catalogue accelerator at `precision`.
    ///
    /// # Errors
    ///
    /// As [`Gpu::peak_flops`] when the catalogue has no figure at that precision;
    /// [`Error::InvalidOption`] naming `--mfu` outside (0, 1].
    pub fn of(gpu: &Gpu, precision: ComputePrecision, mfu: f64) -> Result<Self, Error> {
        Error::require_fraction("--mfu", mfu)?;
        Ok(Throughput {
            gpu: gpu.name.clone(),
            peak_flops: gpu.peak_flops(precision)?,
            precision: Some(precision),
            mfu,
        })
    }

    /// Achieved FLOP/s of one accelerator: `peak · MFU`.
    pub fn achieved(&self) -> f64 {
        self.peak_flops * self.mfu
    }

    /// `h100-sxm (989 TFLOP/s bf16 dense)`.
    fn describe(&self) -> String {
        let peak = short(self.peak_flops / 1e12);
        match self.precision {
            Some(p) => format!(
                "{} ({peak} TFLOP/s {} dense)",
                self.gpu,
                format!("{p:?}").to_lowercase()
            ),
            None => format!("{} ({peak} TFLOP/s peak as given)", self.gpu),
        }
    }
}

/// A budget converted to FLOPs, with the arithmetic in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetConversion {
    /// The budget as given.
    pub amount: BudgetAmount,
    /// The accelerator behind a budget in time or money.
    pub throughput: Option<Throughput>,
    /// Accelerator-hours, for a budget in time or money.
    pub gpu_hours: Option<f64>,
    /// Training compute, FLOPs (`6·N·D`-FLOPs).
    pub flops: f64,
    /// The conversion in words, e.g. `512 × h100-sxm (989 TFLOP/s bf16 dense) × 30 days × MFU
    /// 0.40 = 5.25e23 FLOPs`.
    pub statement: String,
}

/// Convert `amount` to FLOPs; `throughput` is needed for every unit but FLOPs.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of a non-positive or non-finite amount, a zero GPU
/// count (`--gpus`), a missing accelerator (`--gpu`), an MFU outside (0, 1] (`--mfu`), or a
/// budget whose FLOPs overflow.
///
/// # Examples
///
/// ```
/// use scaling_laws::plan::budget::{convert, BudgetAmount, Throughput};
/// let h100 = Throughput { gpu: "h100-sxm".into(), peak_flops: 989e12, precision: None, mfu: 0.4 };
/// let c = convert(BudgetAmount::GpuTime { gpus: 512, days: 30.0 }, Some(&h100)).unwrap();
/// // 512 × 989e12 × 0.4 × 30 × 86400 s
/// assert!((c.flops / 5.250_023_424e23 - 1.0).abs() < 1e-12);
/// ```
pub fn convert(
    amount: BudgetAmount,
    throughput: Option<&Throughput>,
) -> Result<BudgetConversion, Error> {
    let flag = amount_flag(&amount);
    if let BudgetAmount::Flops { flops } = amount {
        Error::require_positive(flag, flops)?;
        return Ok(BudgetConversion {
            amount,
            throughput: None,
            gpu_hours: None,
            flops,
            statement: format!("{} FLOPs", short(flops)),
        });
    }
    let t = throughput.ok_or_else(|| {
        Error::invalid_option(
            "--gpu",
            format!(
                "a budget given with {flag} needs the accelerator it runs on: give --gpu NAME \
                 (or --peak-tflops with --gpu-memory-gb)"
            ),
        )
    })?;
    Error::require_positive("--peak-tflops", t.peak_flops)?;
    Error::require_fraction("--mfu", t.mfu)?;
    let (gpu_hours, head) = match amount {
        BudgetAmount::GpuTime { gpus, days } => {
            super::require_gpus(Some(gpus))?;
            Error::require_positive("--days", days)?;
            (
                gpus as f64 * days * DAY / HOUR,
                format!("{gpus} × {} × {} days", t.describe(), short(days)),
            )
        }
        BudgetAmount::GpuHours { gpu_hours } => {
            Error::require_positive("--gpu-hours", gpu_hours)?;
            (
                gpu_hours,
                format!("{} GPU-hours × {}", short(gpu_hours), t.describe()),
            )
        }
        BudgetAmount::Money {
            amount,
            price_per_gpu_hour,
        } => {
            Error::require_positive("--dollars", amount)?;
            Error::require_positive("--price-per-gpu-hour", price_per_gpu_hour)?;
            let hours = amount / price_per_gpu_hour;
            (
                hours,
                format!(
                    "{} / {} per GPU-hour = {} GPU-hours × {}",
                    short(amount),
                    short(price_per_gpu_hour),
                    short(hours),
                    t.describe()
                ),
            )
        }
        BudgetAmount::Flops { .. } => unreachable!("handled above"),
    };
    let flops = gpu_hours * HOUR * t.achieved();
    if flops.is_infinite() {
        return Err(Error::invalid_option(
            flag,
            format!(
                "the budget comes out as {} FLOPs, outside the range of double-precision \
                 numbers; give a smaller amount",
                crate::finite::compact(flops)
            ),
        ));
    }
    if flops.is_nan() || flops <= 0.0 {
        return Err(Error::invalid_option(
            flag,
            format!(
                "the budget comes out as {} FLOPs: the amount is too small to buy any compute; \
                 give a larger amount",
                crate::finite::compact(flops)
            ),
        ));
    }
    Ok(BudgetConversion {
        amount,
        throughput: Some(t.clone()),
        gpu_hours: Some(gpu_hours),
        flops,
        statement: format!("{head} × MFU {:.2} = {} FLOPs", t.mfu, short(flops)),
    })
}

/// The flag that gives each kind of amount.
fn amount_flag(amount: &BudgetAmount) -> &'static str {
    match amount {
        BudgetAmount::Flops { .. } => "--budget",
        BudgetAmount::GpuTime { .. } => "--days",
        BudgetAmount::GpuHours { .. } => "--gpu-hours",
        BudgetAmount::Money { .. } => "--dollars",
    }
}

/// Three significant digits, trailing zeros dropped: `512`, `0.4`, `1.3e6`, `5.25e23`.
pub fn short(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-3..1e5).contains(&a) {
        let text = format!("{x:.2e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exp}", trim(mantissa));
    }
    trim(&format!("{x:.3}"))
}

fn trim(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::find_gpu;

    fn h100(mfu: f64) -> Throughput {
        Throughput::of(&find_gpu("h100").unwrap(), ComputePrecision::Bf16, mfu).unwrap()
    }

    #[test]
    fn gpu_days_by_hand() {
        // 512 × 989e12 FLOP/s × 0.4 × 30 days × 86400 s/day = 5.250023424e23 FLOPs.
        let hand: f64 = 512.0 * 989e12 * 0.4 * 30.0 * 86400.0;
        assert!((hand / 5.250_023_424e23 - 1.0).abs() < 1e-12);
        let c = convert(
            BudgetAmount::GpuTime {
                gpus: 512,
                days: 30.0,
            },
            Some(&h100(0.4)),
        )
        .unwrap();
        assert!((c.flops / hand - 1.0).abs() < 1e-12);
        assert_eq!(c.gpu_hours, Some(368_640.0));
        assert_eq!(
            c.statement,
            "512 × h100-sxm (989 TFLOP/s bf16 dense) × 30 days × MFU 0.40 = 5.25e23 FLOPs"
        );
    }

    #[test]
    fn gpu_hours_and_money_by_hand() {
        let a100 = Throughput::of(
            &find_gpu("a100-40gb").unwrap(),
            ComputePrecision::Bf16,
            0.24,
        )
        .unwrap();
        // BloombergGPT's budget: 1.3e6 h × 3600 s × 312e12 FLOP/s × 0.24 = 3.504e23 FLOPs.
        let c = convert(BudgetAmount::GpuHours { gpu_hours: 1.3e6 }, Some(&a100)).unwrap();
        assert!((c.flops / 3.504_384e23 - 1.0).abs() < 1e-12);
        // $1M at $2.50 an hour = 4e5 H100-hours = 4e5 × 3600 × 989e12 × 0.4 = 5.697e23.
        let money = BudgetAmount::Money {
            amount: 1e6,
            price_per_gpu_hour: 2.5,
        };
        let c = convert(money, Some(&h100(0.4))).unwrap();
        assert_eq!(c.gpu_hours, Some(4e5));
        assert!((c.flops / 5.696_64e23 - 1.0).abs() < 1e-12);
        assert!(
            c.statement
                .starts_with("1e6 / 2.5 per GPU-hour = 4e5 GPU-hours × h100-sxm")
        );
    }

    #[test]
    fn bad_budgets_name_their_flag() {
        let flag_of = |amount: BudgetAmount, t: Option<&Throughput>| match convert(amount, t) {
            Err(Error::InvalidOption { flag, .. }) => flag,
            other => panic!("unexpected {other:?}"),
        };
        let t = h100(0.4);
        assert_eq!(
            flag_of(BudgetAmount::GpuHours { gpu_hours: 1e6 }, None),
            "--gpu"
        );
        assert_eq!(
            flag_of(BudgetAmount::GpuHours { gpu_hours: 0.0 }, Some(&t)),
            "--gpu-hours"
        );
        assert_eq!(
            flag_of(BudgetAmount::GpuTime { gpus: 0, days: 1.0 }, Some(&t)),
            "--gpus"
        );
        assert_eq!(
            flag_of(
                BudgetAmount::GpuTime {
                    gpus: 8,
                    days: -1.0
                },
                Some(&t)
            ),
            "--days"
        );
        let free = BudgetAmount::Money {
            amount: 1e6,
            price_per_gpu_hour: 0.0,
        };
        assert_eq!(flag_of(free, Some(&t)), "--price-per-gpu-hour");
        assert_eq!(
            flag_of(BudgetAmount::GpuHours { gpu_hours: 1e300 }, Some(&t)),
            "--gpu-hours"
        );
        assert_eq!(
            flag_of(BudgetAmount::Flops { flops: f64::NAN }, None),
            "--budget"
        );
        let over = Throughput { mfu: 1.5, ..t };
        assert_eq!(
            flag_of(BudgetAmount::GpuHours { gpu_hours: 1.0 }, Some(&over)),
            "--mfu"
        );
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(512.0), "512");
        assert_eq!(short(0.4), "0.4");
        assert_eq!(short(1.3e6), "1.3e6");
        assert_eq!(short(5.250_023e23), "5.25e23");
        assert_eq!(short(312.0), "312");
    }
}
