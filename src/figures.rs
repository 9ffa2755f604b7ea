//! Every figure of a fit in one folder: the one-command reproduction of the Chinchilla paper's
//! plots (`scaling-laws chinchilla`) and `scaling-laws plot all` use it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;
use crate::output::write_atomically;
use crate::plan::KnownModel;
use crate::plot::{self, ImageFormat, PlotOptions, PredictionBands};
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
}

/// Draw one figure to `path` (`.png` or `.svg`), atomically.
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
    let image = render(figure, inputs, opts, format)?;
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
            opts,
            format,
        ),
        Figure::Residuals => {
            plot::residuals_with_bands_image(inputs.law, inputs.data, inputs.bands, opts, format)
        }
        Figure::Bootstrap => match inputs.draws {
            Some(d) => plot::bootstrap_distributions_image(inputs.law, d, opts, format),
            None => Err(Error::invalid_option(
                "--bootstrap",
                "the bootstrap figure needs bootstrap draws; run with --bootstrap N or use a fit saved with draws",
            )),
        },
    }
}

/// The files [`draw_all`] may write into its folder.
pub fn file_names() -> Vec<String> {
    Figure::ALL
        .iter()
        .flat_map(|f| ["png", "svg"].map(|ext| format!("{}.{ext}", f.stem())))
        .collect()
}

/// Draw every figure (the bootstrap one only with draws; the contours and the allocation
/// only for a law with an allocation) into `dir` as PNG and SVG; returns the files written.
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
            // Drawn once: the PNG is the SVG rasterised.
            let svg = render(figure, inputs, opts, ImageFormat::Svg)?;
            let png = plot::rasterise(&svg, opts)?;
            for (ext, image) in [("png", &png), ("svg", &svg)] {
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
