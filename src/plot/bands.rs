//! Prediction bands: where the loss of a run at `(N, D)` should fall, drawn around the law's
//! curves and on the predicted-against-observed panel.
//!
//! ```text
//! band at (N, D) = PredictiveModel::interval(N, D, loss of each bootstrap draw at (N, D))
//! ```
//!
//! The interval is the one `fit --holdout` and `optimal --assess` report
//! ([`crate::uncertainty::prediction`] has the method): run-to-run scatter, the law's own
//! uncertainty (the bootstrap draws when the fit has them, else the delta method) and an
//! extrapolation term calibrated by rolling origin. Beyond the data, when the runs could not
//! calibrate that term, there is no interval and the figures draw no band there.

use crate::data::Dataset;
use crate::error::Error;
use crate::fit::FittedLaw;
use crate::law::{Law, Row};
use crate::uncertainty::{BootstrapDraws, PredictionInterval, PredictiveModel};

/// A point this close to the data's largest `N·D` (in decades) counts as inside the data: the
/// arithmetic of `N · C/(k·N)` must not push the largest budget's curve "beyond" it.
const EDGE_DECADES: f64 = 1e-9;

/// Prediction intervals for the figures of one fit, computed once per figure set (building
/// the model refits the law at each cut of its calibration).
#[derive(Debug, Clone)]
pub struct PredictionBands {
    model: PredictiveModel,
    draws: Vec<Law>,
}

impl PredictionBands {
    /// The bands of `fitted`, fitted to the runs of `data`, at confidence `level`; the law's
    /// part of each interval comes from the converged `draws` when given (at least two), else
    /// from the delta method.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--level` when `level` is not strictly between 0 and 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # use scaling_laws::{data, fit, law::ChinchillaLaw, plot};
    /// # let mut csv = String::from("n_params,n_tokens,loss\n");
    /// # for (i, n) in [1e8, 2e8, 5e8, 1e9].into_iter().enumerate() {
    /// #     for (j, d) in [1e10, 3e10, 1e11, 3e11].into_iter().enumerate() {
    /// #         let wobble = 1.0 + 0.01 * (((3 * i + 5 * j) % 7) as f64 - 3.0) / 3.0;
    /// #         csv += &format!("{n},{d},{}\n", ChinchillaLaw::HOFFMANN_2022.loss(n, d) * wobble);
    /// #     }
    /// # }
    /// # let data = data::load_bytes(csv.into_bytes(), data::Format::Csv, "runs.csv", &Default::default())?;
    /// let fitted = fit::fit_dataset(&data, &fit::FitConfig::default(), &|| {})?.fitted;
    /// let bands = plot::PredictionBands::new(&data, &fitted, None, 0.95)?;
    /// let (lo, hi) = bands.interval(5e8, 1e11).bounds().unwrap();
    /// let point = fitted.loss(5e8, 1e11);
    /// assert!(lo < point && point < hi);
    /// assert!(plot::PredictionBands::new(&data, &fitted, None, 1.5).is_err());
    /// # Ok::<(), scaling_laws::Error>(())
    /// ```
    pub fn new(
        data: &Dataset,
        fitted: &FittedLaw,
        draws: Option<&BootstrapDraws>,
        level: f64,
    ) -> Result<Self, Error> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::invalid_option(
                "--level",
                format!(
                    "the confidence level must lie strictly between 0 and 1 (e.g. 0.95), got {level}"
                ),
            ));
        }
        let model = PredictiveModel::new(&data.observations(), fitted, level);
        Ok(PredictionBands::from_model(model, draws))
    }

    /// Bands from a model already built (with the converged `draws` for the law's part).
    pub fn from_model(model: PredictiveModel, draws: Option<&BootstrapDraws>) -> Self {
        PredictionBands {
            model,
            draws: draws.map(BootstrapDraws::laws).unwrap_or_default(),
        }
    }

    /// The confidence level.
    pub fn level(&self) -> f64 {
        self.model.level()
    }

    /// The model the intervals come from.
    pub fn model(&self) -> &PredictiveModel {
        &self.model
    }

    /// Whether the law's part comes from bootstrap draws (else the delta method).
    pub fn uses_draws(&self) -> bool {
        self.draws.len() >= 2
    }

    /// The prediction interval for the loss of a run at `(n_params, n_tokens)` (fresh
    /// tokens, `C = 6·N·D`).
    pub fn interval(&self, n_params: f64, n_tokens: f64) -> PredictionInterval {
        let row = Row::new(
            n_params,
            n_tokens,
            crate::data::DEFAULT_FLOPS_PER_PARAM_TOKEN,
        );
        self.interval_run(n_params, n_tokens, &row)
    }

    /// The prediction interval for the loss of a run with `N`, `D` and the other inputs of
    /// `row` (see [`Law::loss_run`]).
    pub fn interval_run(&self, n_params: f64, n_tokens: f64, row: &Row) -> PredictionInterval {
        let at = |d: f64, row: &Row| {
            let losses: Option<Vec<f64>> = self.uses_draws().then(|| {
                self.draws
                    .iter()
                    .map(|l| l.loss_run(n_params, d, row))
                    .collect()
            });
            self.model.interval_run(n_params, d, row, losses.as_deref())
        };
        let interval = at(n_tokens, row);
        let x = interval.extrapolation_decades;
        if interval.bounds().is_none() && x > 0.0 && x < EDGE_DECADES {
            // On the edge of the data up to rounding: step just inside it.
            let inside = n_tokens * (1.0 - 1e-8);
            let row = Row {
                log_d: inside.ln(),
                ..*row
            };
            return at(inside, &row);
        }
        interval
    }

    /// A percentage label of the level, e.g. `95%`.
    pub(super) fn level_label(&self) -> String {
        let pct = 100.0 * self.level();
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{pct:.0}%")
        } else {
            format!("{pct:.1}%")
        }
    }
}

/// A band along one curve: its pieces where the interval exists, each as `(x, lower, upper)`
/// samples, and whether some samples had no interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Band {
    pub pieces: Vec<Vec<(f64, f64, f64)>>,
    pub missing: bool,
}

impl Band {
    /// The band of `interval` at each `x` of `xs`, split where there is no interval.
    pub fn along(xs: &[f64], interval: impl Fn(f64) -> PredictionInterval) -> Band {
        let mut band = Band::default();
        let mut current = Vec::new();
        for &x in xs {
            match interval(x).bounds() {
                Some((lo, hi)) => current.push((x, lo, hi)),
                None => {
                    band.missing = true;
                    if current.len() >= 2 {
                        band.pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
            }
        }
        if current.len() >= 2 {
            band.pieces.push(current);
        }
        band
    }

    /// Each piece as a closed outline (upper edge forward, lower edge back) with the values
    /// clamped to `y_lo..=y_hi`, which clips the band to a chart's vertical range.
    pub fn outlines(&self, y_lo: f64, y_hi: f64) -> Vec<Vec<(f64, f64)>> {
        let clamp = |v: f64| v.clamp(y_lo, y_hi);
        self.pieces
            .iter()
            .filter(|piece| piece.iter().any(|&(_, lo, hi)| hi >= y_lo && lo <= y_hi))
            .map(|piece| {
                let upper = piece.iter().map(|&(x, _, hi)| (x, clamp(hi)));
                let lower = piece.iter().rev().map(|&(x, lo, _)| (x, clamp(lo)));
                upper.chain(lower).collect()
            })
            .collect()
    }
}
