//! Learning-rate schedules: the learning rate at every step of a run.
//!
//! The curve laws need the learning rate at *every* step, while logs hold it every k steps.
//! It comes from one of three sources:
//!
//! - a dense column (one value per step), taken as it is;
//! - a [`Schedule`] description, e.g. `wsd:warmup=2160,peak=3e-4,final=3e-5,decay=20000,steps=24000`;
//! - interpolation of a sparse logged column ([`interpolate`]), linear between logged steps and,
//!   before the first, a linear warmup from 0 at step 0.
//!
//! Warmup counts: the multi-power law's loss-drop sum runs over the signed changes of the
//! learning rate at every step, the warmup's rises included.
//!
//! Conventions of the descriptions (those of the multi-power law's published code, so that
//! its published parameters reproduce):
//!
//! ```text
//! warmup    eta_j = start + (peak − start) · j / (warmup − 1)      for j < warmup
//! constant  eta_j = peak
//! cosine    eta_j = final + (peak − final) · (1 + cos(π (j − warmup) / (steps − warmup))) / 2
//! wsd       eta_j = peak until `decay`, then with u = (j − decay) / (steps − decay):
//!             exp     peak^(1−u) · final^u
//!             linear  peak · (1 − u) + final · u
//!             sqrt    final + (peak − final) · (1 − √u)
//! two-stage eta_j = peak until `switch`, then `second`
//! ```
//!
//! Steps run from 0 to `steps − 1`; a checkpoint at step t has seen the learning rates of
//! steps 0..=t.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Longest schedule the library builds, in steps (10^9 steps is 8 GB of learning rates).
pub const MAX_STEPS: usize = 100_000_000;

/// The shape of a WSD cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cooldown {
    /// Geometric from the peak to the final learning rate.
    Exp,
    /// Linear.
    Linear,
    /// `1 − √u` (Hägele et al. 2024).
    Sqrt,
}

/// The family of a schedule and its own parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "kebab-case")]
pub enum Shape {
    /// The peak to the end.
    Constant,
    /// Cosine from the peak to `final_lr` at the last step.
    Cosine {
        /// Learning rate at the end.
        final_lr: f64,
    },
    /// Warmup, stable at the peak, then a cooldown from step `decay` to `final_lr`.
    Wsd {
        /// Learning rate at the end.
        final_lr: f64,
        /// First step of the cooldown.
        decay: usize,
        /// Its shape.
        cooldown: Cooldown,
    },
    /// The peak until `switch`, then `second`.
    TwoStage {
        /// Learning rate of the second stage.
        second: f64,
        /// First step of the second stage.
        switch: usize,
    },
}

/// A schedule description: warmup, peak, horizon and the family's shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Steps of linear warmup (0 for none).
    pub warmup: usize,
    /// Learning rate at the start of the warmup.
    pub warmup_start: f64,
    /// Peak learning rate.
    pub peak: f64,
    /// Steps in all (the horizon).
    pub steps: usize,
    /// The family.
    pub shape: Shape,
}

/// `x` in exponent form with at most 7 significant digits and no trailing zeros: `3e-4`,
/// `3.003375e-5`.
pub fn short_e(x: f64) -> String {
    let text = format!("{x:.6e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exp}")
        }
        _ => text,
    }
}

fn invalid(flag: &str, message: impl Into<String>) -> Error {
    Error::InvalidOption {
        flag: flag.to_string(),
        message: message.into(),
    }
}

const FAMILIES: &str = "constant, cosine, wsd, two-stage";

impl Schedule {
    /// Parse a description `FAMILY:key=value,…`, e.g.
    /// `cosine:warmup=2160,peak=3e-4,final=3e-5,steps=24000`. Keys: `warmup` (default 0),
    /// `warmup-start` (0), `peak`, `steps`; `final` for cosine and wsd; `decay` and `cooldown`
    /// (`exp`, `linear`, `sqrt`; default `linear`) for wsd; `second` and `switch` for two-stage.
    /// `flag` names the option in errors.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag`, the key and what is accepted.
    pub fn parse(text: &str, flag: &str) -> Result<Schedule, Error> {
        let (family, rest) = text.split_once(':').unwrap_or((text, ""));
        let family = family.trim().to_ascii_lowercase();
        let mut values: Vec<(String, String)> = Vec::new();
        for item in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((k, v)) = item.split_once('=') else {
                return Err(invalid(
                    flag,
                    format!("`{item}` is not key=value, e.g. `peak=3e-4`"),
                ));
            };
            let k = k.trim().to_ascii_lowercase();
            if values.iter().any(|(seen, _)| *seen == k) {
                return Err(invalid(flag, format!("`{k}` is given twice")));
            }
            values.push((k, v.trim().to_string()));
        }
        let allowed: &[&str] = match family.as_str() {
            "constant" => &[],
            "cosine" => &["final"],
            "wsd" => &["final", "decay", "cooldown"],
            "two-stage" => &["second", "switch"],
            _ => {
                return Err(invalid(
                    flag,
                    format!("unknown schedule family `{family}`; known: {FAMILIES}"),
                ));
            }
        };
        for (k, _) in &values {
            if !["warmup", "warmup-start", "peak", "steps"].contains(&k.as_str())
                && !allowed.contains(&k.as_str())
            {
                let mut keys = vec!["warmup", "warmup-start", "peak", "steps"];
                keys.extend_from_slice(allowed);
                return Err(invalid(
                    flag,
                    format!(
                        "`{k}` is not a key of a {family} schedule; its keys: {}",
                        keys.join(", ")
                    ),
                ));
            }
        }
        let get = |k: &str| values.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        let number = |k: &str| -> Result<Option<f64>, Error> {
            get(k)
                .map(|v| {
                    v.parse::<f64>().map_err(|_| {
                        invalid(flag, format!("`{k}={v}` is not a number, e.g. {k}=3e-4"))
                    })
                })
                .transpose()
        };
        let count = |k: &str| -> Result<Option<usize>, Error> {
            get(k)
                .map(|v| {
                    let x = v.parse::<f64>().ok().filter(|x| {
                        x.is_finite() && *x >= 0.0 && x.fract() == 0.0 && *x <= MAX_STEPS as f64
                    });
                    x.map(|x| x as usize).ok_or_else(|| {
                        invalid(
                            flag,
                            format!(
                                "`{k}={v}` is not a whole number of steps from 0 to {MAX_STEPS}"
                            ),
                        )
                    })
                })
                .transpose()
        };
        let need = |k: &str, v: Option<f64>| {
            v.ok_or_else(|| invalid(flag, format!("a {family} schedule needs `{k}=`")))
        };
        let need_count = |k: &str, v: Option<usize>| {
            v.ok_or_else(|| invalid(flag, format!("a {family} schedule needs `{k}=`")))
        };
        let shape = match family.as_str() {
            "constant" => Shape::Constant,
            "cosine" => Shape::Cosine {
                final_lr: need("final", number("final")?)?,
            },
            "wsd" => Shape::Wsd {
                final_lr: need("final", number("final")?)?,
                decay: need_count("decay", count("decay")?)?,
                cooldown: match get("cooldown").map(|s| s.to_ascii_lowercase()).as_deref() {
                    None | Some("linear") => Cooldown::Linear,
                    Some("exp") => Cooldown::Exp,
                    Some("sqrt") => Cooldown::Sqrt,
                    Some(other) => {
                        return Err(invalid(
                            flag,
                            format!("cooldown `{other}` is not one of exp, linear, sqrt"),
                        ));
                    }
                },
            },
            _ => Shape::TwoStage {
                second: need("second", number("second")?)?,
                switch: need_count("switch", count("switch")?)?,
            },
        };
        let schedule = Schedule {
            warmup: count("warmup")?.unwrap_or(0),
            warmup_start: number("warmup-start")?.unwrap_or(0.0),
            peak: need("peak", number("peak")?)?,
            steps: need_count("steps", count("steps")?)?,
            shape,
        };
        schedule.check(flag)?;
        Ok(schedule)
    }

    /// The description [`Schedule::parse`] reads back, e.g.
    /// `wsd:warmup=2000,peak=3e-4,final=3e-5,decay=40000,steps=48000,cooldown=sqrt`.
    pub fn describe(&self) -> String {
        let e = short_e;
        let mut head = String::new();
        if self.warmup > 0 {
            head.push_str(&format!("warmup={},", self.warmup));
        }
        if self.warmup_start != 0.0 {
            head.push_str(&format!("warmup-start={},", e(self.warmup_start)));
        }
        head.push_str(&format!("peak={}", e(self.peak)));
        let steps = self.steps;
        match self.shape {
            Shape::Constant => format!("constant:{head},steps={steps}"),
            Shape::Cosine { final_lr } => {
                format!("cosine:{head},final={},steps={steps}", e(final_lr))
            }
            Shape::Wsd {
                final_lr,
                decay,
                cooldown,
            } => format!(
                "wsd:{head},final={},decay={decay},steps={steps},cooldown={}",
                e(final_lr),
                match cooldown {
                    Cooldown::Exp => "exp",
                    Cooldown::Linear => "linear",
                    Cooldown::Sqrt => "sqrt",
                }
            ),
            Shape::TwoStage { second, switch } => {
                format!(
                    "two-stage:{head},second={},switch={switch},steps={steps}",
                    e(second)
                )
            }
        }
    }

    /// Check that the description makes sense: positive finite rates, a warmup and the
    /// family's turning point inside the horizon.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag`.
    pub fn check(&self, flag: &str) -> Result<(), Error> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(invalid(
                    flag,
                    format!("`{name}` is {v}; a learning rate must be a positive number"),
                ))
            }
        };
        positive("peak", self.peak)?;
        if !(self.warmup_start.is_finite() && self.warmup_start >= 0.0) {
            return Err(invalid(
                flag,
                format!(
                    "`warmup-start` is {}; it must be 0 or more",
                    self.warmup_start
                ),
            ));
        }
        if self.steps < 2 || self.steps > MAX_STEPS {
            return Err(invalid(
                flag,
                format!(
                    "`steps` is {}; a schedule has 2 to {MAX_STEPS} steps",
                    self.steps
                ),
            ));
        }
        if self.warmup >= self.steps || self.warmup == 1 {
            return Err(invalid(
                flag,
                format!(
                    "`warmup` is {} of {} steps; it must be 0 or from 2 to fewer than `steps`",
                    self.warmup, self.steps
                ),
            ));
        }
        match self.shape {
            Shape::Constant => {}
            Shape::Cosine { final_lr } => positive("final", final_lr)?,
            Shape::Wsd {
                final_lr, decay, ..
            } => {
                positive("final", final_lr)?;
                if decay < self.warmup || decay >= self.steps {
                    return Err(invalid(
                        flag,
                        format!(
                            "`decay` is {decay}; the cooldown starts after the warmup ({}) and \
                             before the last step ({})",
                            self.warmup, self.steps
                        ),
                    ));
                }
            }
            Shape::TwoStage { second, switch } => {
                positive("second", second)?;
                if switch < self.warmup || switch >= self.steps {
                    return Err(invalid(
                        flag,
                        format!(
                            "`switch` is {switch}; the second stage starts after the warmup ({}) \
                             and before the last step ({})",
                            self.warmup, self.steps
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The learning rate at step `j` (0-based).
    pub fn at(&self, j: usize) -> f64 {
        if j < self.warmup {
            let f = j as f64 / (self.warmup - 1) as f64;
            return self.warmup_start + (self.peak - self.warmup_start) * f;
        }
        let peak = self.peak;
        match self.shape {
            Shape::Constant => peak,
            Shape::Cosine { final_lr } => {
                let u = (j - self.warmup) as f64 / (self.steps - self.warmup) as f64;
                final_lr + 0.5 * (peak - final_lr) * (1.0 + (std::f64::consts::PI * u).cos())
            }
            Shape::Wsd {
                final_lr,
                decay,
                cooldown,
            } => {
                if j < decay {
                    return peak;
                }
                let u = (j - decay) as f64 / (self.steps - decay) as f64;
                match cooldown {
                    Cooldown::Exp => peak.powf(1.0 - u) * final_lr.powf(u),
                    Cooldown::Linear => peak * (1.0 - u) + final_lr * u,
                    Cooldown::Sqrt => final_lr + (peak - final_lr) * (1.0 - u.sqrt()),
                }
            }
            Shape::TwoStage { second, switch } => {
                if j < switch {
                    peak
                } else {
                    second
                }
            }
        }
    }

    /// The learning rate at every step, `steps` values.
    pub fn per_step(&self) -> Vec<f64> {
        (0..self.steps).map(|j| self.at(j)).collect()
    }

    /// The same schedule over another horizon: the warmup, peak and rates kept, the turning
    /// points (`decay`, `switch`) moved in proportion to the horizon after the warmup.
    pub fn with_steps(&self, steps: usize) -> Schedule {
        let scale = |at: usize| {
            let frac = (at - self.warmup) as f64 / (self.steps - self.warmup) as f64;
            self.warmup + (frac * (steps - self.warmup) as f64).round() as usize
        };
        let shape = match self.shape {
            Shape::Wsd {
                final_lr,
                decay,
                cooldown,
            } => Shape::Wsd {
                final_lr,
                decay: scale(decay),
                cooldown,
            },
            Shape::TwoStage { second, switch } => Shape::TwoStage {
                second,
                switch: scale(switch),
            },
            other => other,
        };
        Schedule {
            steps,
            shape,
            ..*self
        }
    }
}

/// The learning rate at every step from `steps` 0..`horizon` out of a sparse log of
/// `(step, lr)` pairs (strictly increasing steps, positive rates): linear between logged steps,
/// a linear warmup from 0 at step 0 to the first logged value, and the last value held to the
/// horizon.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `what` when the log is empty, its steps do not increase,
/// a rate is not positive or the horizon is before its last step.
pub fn interpolate(log: &[(usize, f64)], horizon: usize, what: &str) -> Result<Vec<f64>, Error> {
    let Some(&(first_step, first_lr)) = log.first() else {
        return Err(invalid(what, "no learning rate is logged"));
    };
    if horizon > MAX_STEPS {
        return Err(invalid(
            what,
            format!("{horizon} steps is more than {MAX_STEPS}"),
        ));
    }
    for (i, &(step, lr)) in log.iter().enumerate() {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(invalid(
                what,
                format!("the learning rate at step {step} is {lr}; it must be positive"),
            ));
        }
        if i > 0 && step <= log[i - 1].0 {
            return Err(invalid(
                what,
                format!(
                    "step {step} follows step {}: logged steps must increase",
                    log[i - 1].0
                ),
            ));
        }
    }
    let last = log[log.len() - 1].0;
    if horizon <= last {
        return Err(invalid(
            what,
            format!("the horizon {horizon} is not after the last logged step {last}"),
        ));
    }
    let mut out = Vec::with_capacity(horizon);
    for j in 0..=first_step.min(horizon - 1) {
        out.push(if first_step == 0 {
            first_lr
        } else {
            first_lr * j as f64 / first_step as f64
        });
    }
    for pair in log.windows(2) {
        let ((a, la), (b, lb)) = (pair[0], pair[1]);
        for j in a + 1..=b {
            let f = (j - a) as f64 / (b - a) as f64;
            out.push(la + (lb - la) * f);
        }
    }
    let held = log[log.len() - 1].1;
    out.resize(horizon, held);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_warmup_ends_exactly_at_the_peak() {
        let s =
            Schedule::parse("constant:warmup=2160,peak=3e-4,steps=24000", "--schedule").unwrap();
        let lrs = s.per_step();
        assert_eq!(lrs.len(), 24000);
        assert_eq!(lrs[0], 0.0);
        assert_eq!(lrs[2159], 3e-4);
        assert!((lrs[1] - 3e-4 / 2159.0).abs() < 1e-20);
    }

    #[test]
    fn cosine_and_wsd_reach_their_final_rates() {
        let c = Schedule::parse(
            "cosine:warmup=100,peak=1e-3,final=1e-4,steps=1100",
            "--schedule",
        )
        .unwrap();
        assert!((c.at(100) - 1e-3).abs() < 1e-15);
        assert!((c.at(600) - 5.5e-4).abs() < 1e-15);
        assert!((c.at(1099) - 1e-4).abs() < 1e-8);
        for (cooldown, mid) in [
            ("exp", (1e-3f64 * 1e-4).sqrt()),
            ("linear", 5.5e-4),
            ("sqrt", 1e-4 + 9e-4 * (1.0 - 0.5f64.sqrt())),
        ] {
            let w = Schedule::parse(
                &format!("wsd:peak=1e-3,final=1e-4,decay=800,steps=1000,cooldown={cooldown}"),
                "--schedule",
            )
            .unwrap();
            assert_eq!(w.at(799), 1e-3);
            assert!((w.at(900) - mid).abs() < 1e-12, "{cooldown}");
        }
        let t = Schedule::parse(
            "two-stage:warmup=10,peak=3e-4,second=9e-5,switch=80,steps=160",
            "--schedule",
        )
        .unwrap();
        assert_eq!((t.at(79), t.at(80), t.at(159)), (3e-4, 9e-5, 9e-5));
    }

    #[test]
    fn bad_descriptions_name_the_key_and_what_is_accepted() {
        let err = |text: &str| Schedule::parse(text, "--schedule").unwrap_err().to_string();
        assert!(err("linear:peak=1").contains("known: constant, cosine, wsd, two-stage"));
        assert!(err("cosine:peak=1e-3,steps=100").contains("needs `final=`"));
        assert!(err("constant:peak=1e-3,steps=100,final=1").contains("`final` is not a key"));
        assert!(err("constant:peak=-1,steps=100").contains("must be a positive number"));
        assert!(err("constant:peak=1e-3,steps=1.5").contains("whole number of steps"));
        assert!(err("wsd:peak=1e-3,final=1e-4,decay=200,steps=100").contains("`decay` is 200"));
        assert!(err("constant:peak=1e-3,steps=100,peak=2").contains("given twice"));
        assert!(err("constant:warmup=100,peak=1e-3,steps=100").contains("`warmup` is 100"));
    }

    #[test]
    fn a_longer_horizon_moves_the_cooldown_in_proportion() {
        let w = Schedule::parse(
            "wsd:warmup=100,peak=1e-3,final=1e-4,decay=900,steps=1100",
            "--schedule",
        )
        .unwrap();
        let longer = w.with_steps(2100);
        assert_eq!(
            longer.shape,
            Shape::Wsd {
                final_lr: 1e-4,
                decay: 1700,
                cooldown: Cooldown::Linear
            }
        );
    }

    #[test]
    fn interpolation_ramps_from_zero_and_joins_logged_points() {
        let lrs = interpolate(&[(4, 2e-4), (8, 4e-4)], 12, "lr").unwrap();
        assert_eq!(lrs.len(), 12);
        assert_eq!(lrs[0], 0.0);
        assert!((lrs[2] - 1e-4).abs() < 1e-18);
        assert!((lrs[6] - 3e-4).abs() < 1e-18);
        assert_eq!(lrs[11], 4e-4);
        assert!(interpolate(&[(4, 2e-4), (4, 3e-4)], 12, "lr").is_err());
        assert!(interpolate(&[(4, 0.0)], 12, "lr").is_err());
        assert!(interpolate(&[], 12, "lr").is_err());
        assert!(interpolate(&[(4, 1e-3)], 4, "lr").is_err());
    }

    #[test]
    fn a_description_reads_back_as_the_same_schedule() {
        for text in [
            "constant:peak=3e-4,steps=1000",
            "cosine:warmup=100,peak=3e-4,final=3e-5,steps=1000",
            "wsd:warmup=10,warmup-start=1e-6,peak=1e-3,final=1e-5,decay=800,steps=1000,cooldown=sqrt",
            "two-stage:peak=3e-4,second=3e-5,switch=500,steps=1000",
        ] {
            let s = Schedule::parse(text, "--schedule").unwrap();
            assert_eq!(
                Schedule::parse(&s.describe(), "--schedule").unwrap(),
                s,
                "{text}"
            );
        }
        let s = Schedule::parse("wsd:peak=3e-4,final=3e-5,decay=8,steps=10", "x").unwrap();
        assert_eq!(
            s.describe(),
            "wsd:peak=3e-4,final=3e-5,decay=8,steps=10,cooldown=linear"
        );
    }
}
