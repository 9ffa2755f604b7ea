//! From a figure to a file: fonts, backends and atomic output.
//!
//! PNG: plotters' bitmap backend encodes through the `image` crate, which this crate cannot
//! reach directly, so the image is rendered to a temporary `.png` file in the destination folder
//! and renamed into place ([`crate::output`] has the rules). SVG: rendered into a string and written with
//! [`crate::output::write_atomically`].

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::prelude::{DrawingBackend, SVGBackend, WHITE};
use plotters::style::{FontStyle, register_font};

use super::style::{FAMILY, Theme};
use super::{ImageFormat, PlotOptions};
use crate::error::Error;
use crate::output::write_atomically;

/// A drawing area in pixels.
pub(super) type Area<DB> = DrawingArea<DB, Shift>;

/// Why drawing failed, as text (plotters' errors are generic over the backend).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Result of drawing.
pub(super) type DrawResult = Result<(), DrawError>;

/// A figure that can draw itself on any plotters backend.
pub(super) trait Figure {
    /// Draw into `area` (the page below the title).
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult;
}

/// Check the output path's format and the image size before any work is done.
pub(super) fn check_output(path: &Path, opts: &PlotOptions) -> Result<ImageFormat, Error> {
    let format = ImageFormat::from_path(path)?;
    opts.validate()?;
    Ok(format)
}

/// Draw `figure` under `title` and write it to `path` atomically, as PNG or SVG by extension.
pub(super) fn render(
    path: &Path,
    opts: &PlotOptions,
    title: &str,
    figure: &impl Figure,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    let shown = path.display().to_string();
    let failed = |e: DrawError| Error::write(&shown, std::io::Error::other(e.0));
    register_fonts().map_err(failed)?;
    let size = (opts.width, opts.height);
    let theme = Theme::for_size(opts.width, opts.height);
    match format {
        ImageFormat::Png => write_png(path, size, |root| page(root, title, &theme, figure)),
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                page(&root, title, &theme, figure).map_err(failed)?;
                root.present().map_err(|e| failed(e.into()))?;
            }
            write_atomically(path, |w| w.write_all(svg.as_bytes()))
        }
    }
}

/// White page, title, then the figure.
fn page<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    theme: &Theme,
    figure: &impl Figure,
) -> DrawResult {
    root.fill(&WHITE)?;
    let body = root
        .margin(theme.px(10.0), 0, 0, 0)
        .titled(title, theme.title())?;
    figure.draw(&body, theme)
}

/// Render a PNG to a temporary file beside `path`, then rename it into place.
fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<BitMapBackend>) -> DrawResult,
) -> Result<(), Error> {
    let shown = path.display().to_string();
    let failed = |e: DrawError| Error::write(&shown, std::io::Error::other(e.0));
    // The suffix matters: the encoder picks the format from the extension.
    crate::output::write_atomically_by_name(path, ".png", |tmp| {
        let root = BitMapBackend::new(tmp, size).into_drawing_area();
        draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))
    })
}

/// Register DejaVu Sans (regular and bold) as plotters' `sans-serif` family, once per process.
/// With the `ab_glyph` text renderer an unregistered family fails when text is drawn.
fn register_fonts() -> DrawResult {
    static REGISTERED: OnceLock<DrawResult> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for (style, bytes) in [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ] {
                register_font(FAMILY, style, bytes)
                    .map_err(|_| DrawError("the built-in DejaVu Sans font is invalid".into()))?;
            }
            Ok(())
        })
        .clone()
}
