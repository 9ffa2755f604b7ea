//! Every figure of a fit in one folder: the one-command reproduction of the Chinchilla paper's
//! plots (`scaling-laws chinchilla`) and `scaling-laws plot all` use it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::approaches::isoflop::{IsoflopAnalysis, IsoflopConfig};
use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;
use crate::output::write_atomically;
use crate::plan::KnownModel;
use crate::plot::{self, ImageFormat, PlotOptions, PredictionBands};
use crate::saved::SavedFit;
use crate::uncertainty::BootstrapDraws;

/// The figures a fit can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Figure {
    /// Isoloss contours and the efficient frontier (Chinchilla Figure 4, left).
    Contours,
    /// IsoFLOP slices (Figure 4 right, Figure 3 left).
    Isoflop,
    /// N* and D* against compute with bands and reference lines (Figure 1).
    Optimal,
    /// Residuals and predicted against observed.
    Residuals,
    /// Bootstrap distributions of the parameters.
    Bootstrap,
}

impl Figure {
    /// Every figure.
    pub const ALL: [Figure; 5] = [
        Figure::Contours,
        Figure::Isoflop,
        Figure::Optimal,
        Figure::Residuals,
        Figure::Bootstrap,
    ];

    /// The figure's size when none is chosen, inches: a single-column panel (3.25 in wide)
    /// each, with room for a side legend or colour bar, at most 6.75 in (two columns) wide.
    pub fn default_inches(self) -> (f64, f64) {
        match self {
            Figure::Contours => (4.0, 3.0),
            Figure::Isoflop => (5.0, 3.0),
            Figure::Optimal => (6.5, 3.6),
            Figure::Residuals => (6.5, 5.0),
            Figure::Bootstrap => (6.75, 3.5),
        }
    }

    /// The size of this figure under `opts`: `opts` when a size was chosen (anything but
    /// [`PlotOptions::default`]), else [`Self::default_inches`].
    pub fn options(self, opts: &PlotOptions) -> PlotOptions {
        let default = PlotOptions::default();
        if (opts.width, opts.height) != (default.width, default.height) {
            return opts.clone();
        }
        let (width, height) = self.default_inches();
        PlotOptions {
            title: opts.title.clone(),
            ..PlotOptions::inches(width, height)
        }
    }

    /// File stem used in a folder of figures.
    pub fn stem(self) -> &'static str {
        match self {
            Figure::Contours => "isoloss_contours",
            Figure::Isoflop => "isoflop_slices",
            Figure::Optimal => "optimal_vs_compute",
            Figure::Residuals => "residuals",
            Figure::Bootstrap => "bootstrap_distributions",
        }
    }
}

/// What the figures are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct FigureInputs<'a> {
    /// The fitted law.
    pub law: &'a Law,
    /// The runs it was fitted to.
    pub data: &'a Dataset,
    /// Bootstrap draws, if any.
    pub draws: Option<&'a BootstrapDraws>,
    /// Budgets of the IsoFLOP slices.
    pub budgets: &'a [f64],
    /// Half-width of a slice in log10 C.
    pub tolerance_dex: f64,
    /// Confidence level of bands.
    pub level: f64,
    /// Compute range of the allocation figure.
    pub compute_range: (f64, f64),
    /// Models shown as labelled points.
    pub models: &'a [KnownModel],
    /// Prediction intervals of a run's loss, drawn as bands on the IsoFLOP slices and as bars
    /// on the predicted-against-observed panel; built once for the whole set.
    pub bands: Option<&'a PredictionBands>,
    /// Source rows that the fit's warnings name (outlying runs): ringed and labelled on the
    /// residuals figure.
    pub flagged_rows: &'a [usize],
}

/// Draw one figure to `path` (`.png`, `.svg` or `.pdf`), atomically, at
/// [`Figure::options`] of `opts`.
///
/// # Errors
///
/// [`Error::InvalidOption`] for an unknown extension, invalid ranges, or a bootstrap figure
/// without draws; [`Error::Io`] when the file cannot be written.
pub fn draw(
    figure: Figure,
    path: &Path,
    inputs: &FigureInputs,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = ImageFormat::from_path(path)?;
    let image = render(figure, inputs, &figure.options(opts), format)?;
    write_atomically(path, |w| w.write_all(&image))
}

/// Draw one figure into memory: the text of an SVG document, or the bytes of a PNG file
/// (the same drawing, rasterised with anti-aliasing), for showing a figure without a file.
///
/// # Errors
///
/// As [`draw`], without the errors of writing.
///
/// # Examples
///
/// ```
/// use scaling_laws::figures::{Figure, FigureInputs, render};
/// use scaling_laws::{data, law::ChinchillaLaw, plot};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// let data = data::load(path, &data::LoadOptions::default())?;
/// let law = ChinchillaLaw::HOFFMANN_2022.into();
/// let inputs = FigureInputs {
///     law: &law,
///     data: &data,
///     draws: None,
///     budgets: &[1e19, 1e20],
///     tolerance_dex: 0.05,
///     level: 0.95,
///     compute_range: (1e18, 1e24),
///     models: &[],
///     bands: None,
///     flagged_rows: &[],
/// };
/// let opts = plot::PlotOptions::default();
/// let png = render(Figure::Residuals, &inputs, &opts, plot::ImageFormat::Png)?;
/// assert!(png.starts_with(b"\x89PNG"));
/// let svg = render(Figure::Residuals, &inputs, &opts, plot::ImageFormat::Svg)?;
/// assert!(String::from_utf8(svg).unwrap().starts_with("<svg"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn render(
    figure: Figure,
    inputs: &FigureInputs,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    let k = inputs.data.flops_per_param_token;
    match figure {
        Figure::Contours => plot::isoloss_contours_image(inputs.law, k, inputs.data, opts, format),
        Figure::Isoflop => plot::isoflop_slices_with_bands_image(
            inputs.law,
            k,
            inputs.data,
            inputs.budgets,
            inputs.tolerance_dex,
            inputs.bands,
            opts,
            format,
        ),
        Figure::Optimal => plot::optimal_vs_compute_image(
            inputs.law,
            k,
            inputs.draws,
            inputs.level,
            inputs.compute_range,
            inputs.models,
            compute_extent(inputs.data),
            opts,
            format,
        ),
        Figure::Residuals => plot::residuals_with_bands_image(
            inputs.law,
            inputs.data,
            inputs.bands,
            inputs.flagged_rows,
            opts,
            format,
        ),
        Figure::Bootstrap => match inputs.draws {
            Some(d) => plot::bootstrap_distributions_image(inputs.law, d, opts, format),
            None => Err(Error::invalid_option(
                "--bootstrap",
                "the bootstrap figure needs bootstrap draws; run with --bootstrap N or use a fit saved with draws",
            )),
        },
    }
}

/// Each figure of a folder is written in these formats: the SVG drawn, the PNG rasterised
/// from it, the PDF converted from it.
pub const EXTENSIONS: [&str; 3] = ["png", "svg", "pdf"];

/// The least and largest compute of `data`, when it has a positive finite one.
fn compute_extent(data: &Dataset) -> Option<(f64, f64)> {
    let ok = data
        .compute
        .iter()
        .copied()
        .filter(|c| c.is_finite() && *c > 0.0);
    let lo = ok.clone().fold(f64::INFINITY, f64::min);
    let hi = ok.fold(0.0, f64::max);
    (lo <= hi).then_some((lo, hi))
}

/// The files [`draw_all`] may write into its folder.
pub fn file_names() -> Vec<String> {
    Figure::ALL
        .iter()
        .flat_map(|f| EXTENSIONS.map(|ext| format!("{}.{ext}", f.stem())))
        .collect()
}

/// Draw every figure (the bootstrap one only with draws; the contours and the allocation
/// only for a law with an allocation) into `dir` as PNG, SVG and PDF; returns the files
/// written.
///
/// The folder is replaced as a whole ([`crate::output::write_folder`]): a reader sees the old
/// set of figures or the new one, never a mix. `extra` writes further files (named in
/// `extra_names`) into the new folder before it takes the place of the old.
///
/// # Errors
///
/// As [`draw`]; [`Error::Destination`] when `dir` is not a folder or holds files that are not
/// ours; [`Error::Io`] when it cannot be written. The folder is then unchanged.
pub fn draw_all(
    dir: &Path,
    inputs: &FigureInputs,
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, Error> {
    draw_all_with(dir, inputs, opts, &[], |_| Ok(Vec::new()))
}

/// [`draw_all`], with further files written into the same new folder by `extra`.
///
/// # Errors
///
/// As [`draw_all`], and the errors of `extra`.
pub fn draw_all_with(
    dir: &Path,
    inputs: &FigureInputs,
    opts: &PlotOptions,
    extra_names: &[&str],
    extra: impl FnOnce(&Path) -> Result<Vec<String>, Error>,
) -> Result<Vec<PathBuf>, Error> {
    let mut names = file_names();
    names.extend(extra_names.iter().map(|n| n.to_string()));
    let written = crate::output::write_folder(dir, &names, |staging| {
        let mut written = Vec::new();
        for figure in Figure::ALL {
            if figure == Figure::Bootstrap && inputs.draws.is_none() {
                continue;
            }
            // A law of compute alone has no allocation to draw.
            let split = matches!(figure, Figure::Contours | Figure::Optimal);
            if split && !inputs.law.family().has_allocation() {
                continue;
            }
            // Drawn once: the PNG is the SVG rasterised, the PDF the SVG converted.
            let opts = &figure.options(opts);
            let svg = render(figure, inputs, opts, ImageFormat::Svg)?;
            let png = plot::rasterise(&svg, opts)?;
            let pdf = plot::convert(svg.clone(), opts, ImageFormat::Pdf)?;
            for (ext, image) in [("png", &png), ("svg", &svg), ("pdf", &pdf)] {
                let name = format!("{}.{ext}", figure.stem());
                write_atomically(&staging.join(&name), |w| w.write_all(image))?;
                written.push(name);
            }
        }
        written.extend(extra(staging)?);
        Ok(written)
    })?;
    Ok(written.into_iter().map(|name| dir.join(name)).collect())
}

/// Models drawn as labelled points when none are named (catalogue names).
pub const DEFAULT_MODELS: [&str; 6] = [
    "gpt-3",
    "gopher",
    "chinchilla",
    "mt-nlg",
    "palm",
    "llama-3-70b",
];

/// Half-width of an IsoFLOP slice in log10 C when none is given.
pub const DEFAULT_TOLERANCE_DEX: f64 = 0.03;

/// Compute range of the allocation figure when none is given and the data have none, FLOPs.
pub const DEFAULT_COMPUTE_RANGE: (f64, f64) = (1e18, 1e26);

/// How the figures of a fit are drawn: the settings of `scaling-laws plot`, with its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureSettings {
    /// Budgets of the IsoFLOP slices; empty: the data's budget column, or two per decade
    /// across the data's compute.
    pub budgets: Vec<f64>,
    /// Half-width of an IsoFLOP slice in log10 C.
    pub tolerance_dex: f64,
    /// Compute range of the allocation figure, (low, high) FLOPs; `None`: the decades that
    /// hold the data's compute and the models marked.
    pub compute_range: Option<(f64, f64)>,
    /// Confidence level of bands.
    pub level: f64,
    /// Models marked (catalogue names); `None`: [`DEFAULT_MODELS`].
    pub models: Option<Vec<String>>,
    /// Size and title.
    pub plot: PlotOptions,
}

/// The compute range of the allocation figure as `--compute-range` gives it, `LOW:HIGH` in
/// FLOPs.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--compute-range` for a malformed range or LOW >= HIGH.
pub fn parse_compute_range(text: &str) -> Result<(f64, f64), Error> {
    let (lo, hi) = crate::answer::optimal::parse_range(text, "--compute-range")?;
    if hi <= lo {
        return Err(Error::invalid_option(
            "--compute-range",
            format!("'{text}' needs LOW < HIGH"),
        ));
    }
    Ok((lo, hi))
}

impl FigureSettings {
    /// Check the settings before any work: a compute range with LOW < HIGH, both positive and
    /// finite.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--compute-range`.
    pub fn check(&self) -> Result<(), Error> {
        let Some((lo, hi)) = self.compute_range else {
            return Ok(());
        };
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
            return Err(Error::invalid_option(
                "--compute-range",
                format!("'{lo:e}:{hi:e}' needs 0 < LOW < HIGH"),
            ));
        }
        Ok(())
    }
}

impl Default for FigureSettings {
    fn default() -> Self {
        FigureSettings {
            budgets: Vec::new(),
            tolerance_dex: DEFAULT_TOLERANCE_DEX,
            compute_range: None,
            level: 0.95,
            models: None,
            plot: PlotOptions::default(),
        }
    }
}

impl FigureSettings {
    /// The budgets of the IsoFLOP slices for `data`: those given, else the data's budgets
    /// (sorted, without repeats), else two per decade across its compute.
    pub fn budgets_for(&self, data: &Dataset) -> Vec<f64> {
        if !self.budgets.is_empty() {
            return self.budgets.clone();
        }
        match &data.budget {
            Some(b) => {
                let mut v = b.clone();
                v.sort_by(f64::total_cmp);
                v.dedup_by(|x, y| (*x / *y - 1.0).abs() < 1e-9);
                v
            }
            None => plot::default_budgets(&data.compute),
        }
    }

    /// Approach 2 on `data` as these settings group it (their budgets, else the data's budget
    /// column or clusters of its compute; their tolerance; no bootstrap): the one rule by which
    /// `isoflop` refuses or warns, which the IsoFLOP slices follow.
    ///
    /// # Errors
    ///
    /// As [`crate::approaches::isoflop::isoflop`]: [`Error::NotIdentifiable`] when fewer than
    /// two budgets have a minimum (the table is not an IsoFLOP sweep at these budgets).
    pub fn isoflop_analysis(&self, data: &Dataset) -> Result<IsoflopAnalysis, Error> {
        crate::approaches::isoflop::isoflop(
            data,
            &IsoflopConfig {
                budgets: self.budgets.clone(),
                tolerance_dex: self.tolerance_dex,
                flops_per_param_token: data.flops_per_param_token,
                n_resamples: 0,
                ..IsoflopConfig::default()
            },
        )
    }

    /// The models marked: those named, or those of [`DEFAULT_MODELS`] in the catalogue.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--models` for a name not in the catalogue.
    pub fn known_models(&self) -> Result<Vec<KnownModel>, Error> {
        match &self.models {
            None => Ok(DEFAULT_MODELS
                .iter()
                .filter_map(|m| crate::plan::find_model(m).ok())
                .collect()),
            Some(names) => names
                .iter()
                .map(|m| {
                    crate::plan::find_model(m).map_err(|e| match e {
                        Error::InvalidOption { message, .. } => {
                            Error::invalid_option("--models", message)
                        }
                        e => e,
                    })
                })
                .collect(),
        }
    }

    /// The compute range of the allocation figure for `data` and `models`: the one given, or
    /// whole decades from the data's least compute to the largest of the data's and the
    /// models' (`k·N·D`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--compute-range` for a range given that is not two
    /// increasing positive numbers.
    pub fn compute_range_for(
        &self,
        data: &Dataset,
        models: &[KnownModel],
    ) -> Result<(f64, f64), Error> {
        let Some((lo, hi)) = self.compute_range else {
            let k = data.flops_per_param_token;
            let ok = |c: &f64| c.is_finite() && *c > 0.0;
            let data_c = data.compute.iter().copied().filter(ok);
            let lo = data_c.clone().fold(f64::INFINITY, f64::min);
            let models_c = models.iter().filter_map(|m| Some(k * m.params * m.tokens?));
            let hi = data_c.chain(models_c.filter(ok)).fold(0.0, f64::max);
            if !(lo.is_finite() && hi >= lo) {
                return Ok(DEFAULT_COMPUTE_RANGE);
            }
            let (l0, l1) = (lo.log10().floor(), hi.log10().ceil());
            return Ok((10f64.powf(l0), 10f64.powf(l1.max(l0 + 1.0))));
        };
        if lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo {
            Ok((lo, hi))
        } else {
            Err(Error::invalid_option(
                "--compute-range",
                format!("{lo:e}:{hi:e} needs 0 < LOW < HIGH, both finite"),
            ))
        }
    }

    /// Build the inputs of the figures of `saved`, fitted to `data`, and hand them to `draw`:
    /// `figure` is the one to be drawn (`None`: every figure), so that prediction bands are
    /// built only when a figure shows them.
    ///
    /// # Errors
    ///
    /// As [`Self::known_models`]; [`Error::InvalidOption`] for an invalid compute range; the
    /// errors of the bands and of `draw`.
    pub fn with_inputs<T>(
        &self,
        figure: Option<Figure>,
        saved: &SavedFit,
        data: &Dataset,
        draw: impl FnOnce(&FigureInputs) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let budgets = self.budgets_for(data);
        let models = self.known_models()?;
        let compute_range = self.compute_range_for(data, &models)?;
        let bands = match figure {
            None | Some(Figure::Isoflop | Figure::Residuals) => Some(PredictionBands::new(
                data,
                &saved.report.fitted,
                saved.bootstrap.as_ref(),
                self.level,
            )?),
            Some(_) => None,
        };
        let law = saved.report.fitted.to_law();
        let flagged_rows = saved.flagged_rows();
        let inputs = FigureInputs {
            law: &law,
            data,
            draws: saved.bootstrap.as_ref(),
            budgets: &budgets,
            tolerance_dex: self.tolerance_dex,
            level: self.level,
            compute_range,
            models: &models,
            bands: bands.as_ref(),
            flagged_rows: &flagged_rows,
        };
        draw(&inputs)
    }
}

/// Draw one figure of a fit into memory, as `scaling-laws plot KIND` draws it: the fit's
/// law, the runs it was fitted to, its bootstrap draws when it has them.
///
/// # Errors
///
/// As [`FigureSettings::with_inputs`] and [`render`].
pub fn render_fit(
    figure: Figure,
    saved: &SavedFit,
    data: &Dataset,
    settings: &FigureSettings,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    settings.with_inputs(Some(figure), saved, data, |inputs| {
        render(figure, inputs, &figure.options(&settings.plot), format)
    })
}

/// Rasterise an SVG drawn by [`render`] into a PNG of `opts.width` x `opts.height` pixels
/// (the same image [`render`] gives in [`ImageFormat::Png`]).
///
/// # Errors
///
/// [`Error::Io`] naming the figure when the SVG cannot be read or the PNG encoded.
pub fn rasterise(svg: &[u8], opts: &PlotOptions) -> Result<Vec<u8>, Error> {
    plot::rasterise(svg, opts)
}

/// Write a figure drawn as SVG by [`render`] to `path` atomically, as SVG, rasterised to PNG
/// or converted to PDF by the extension (`.svg`, `.png` or `.pdf`, any case).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--out` for another extension; as [`rasterise`];
/// [`Error::Io`] when the file cannot be written.
pub fn save_svg(svg: &[u8], path: &Path, opts: &PlotOptions) -> Result<(), Error> {
    let image = plot::convert(svg.to_vec(), opts, ImageFormat::from_path(path)?)?;
    write_atomically(path, |w| w.write_all(&image))
}

impl Figure {
    /// The figure of a name as `scaling-laws plot` takes it (`contours`, `isoflop`,
    /// `optimal`, `residuals`, `bootstrap`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` and listing the names.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::figures::Figure;
    /// assert_eq!(Figure::parse("isoflop", "KIND").unwrap(), Figure::Isoflop);
    /// assert!(Figure::parse("pie", "KIND").is_err());
    /// ```
    pub fn parse(name: &str, flag: &str) -> Result<Figure, Error> {
        Figure::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Figure::ALL.iter().map(|f| f.name()).collect();
                Error::invalid_option(
                    flag,
                    format!(
                        "unknown figure '{}'; choose one of {}",
                        crate::error::shorten(name),
                        names.join(", ")
                    ),
                )
            })
    }

    /// The figure's name, as `scaling-laws plot` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Contours => "contours",
            Figure::Isoflop => "isoflop",
            Figure::Optimal => "optimal",
            Figure::Residuals => "residuals",
            Figure::Bootstrap => "bootstrap",
        }
    }
}
