//! From a figure to an image: fonts, the one drawing path (SVG) and its rasterisation (PNG).
//!
//! Every figure is drawn once, with plotters' SVG backend, into a string. PNG is that SVG
//! rasterised by resvg (anti-aliased lines and text), with the text set in the same embedded
//! DejaVu Sans that plotters measures the labels with, loaded from memory: no system font is
//! read. PDF is the same SVG converted by svg2pdf, the text embedded. The SVG states its size
//! in inches at [`super::DPI`] units per inch. Files are written with [`crate::output::write_atomically`].

use std::path::Path;
use std::sync::{Arc, OnceLock};

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::prelude::{DrawingBackend, SVGBackend, WHITE};
use plotters::style::{FontStyle, register_font};
use resvg::{tiny_skia, usvg};

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

/// Write an image to `path` atomically.
pub(super) fn write_image(path: &Path, image: &[u8]) -> Result<(), Error> {
    write_atomically(path, |w| w.write_all(image))
}

/// A failure of drawing or rasterising, as an error about the figure `which`.
fn failed(which: &str, why: impl std::fmt::Display) -> Error {
    Error::write(
        format!("the figure {which}"),
        std::io::Error::other(why.to_string()),
    )
}

/// Draw `figure` under `title` as an image in `format`: SVG text, or PNG bytes.
pub(super) fn render(
    format: ImageFormat,
    opts: &PlotOptions,
    title: &str,
    figure: &impl Figure,
) -> Result<Vec<u8>, Error> {
    let svg = render_svg(opts, title, figure)?;
    convert(svg.into_bytes(), opts, format)
}

/// An SVG drawn by [`render`] as an image in `format`.
pub(crate) fn convert(
    svg: Vec<u8>,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    match format {
        ImageFormat::Svg => Ok(svg),
        ImageFormat::Png => rasterise(&svg, opts),
        ImageFormat::Pdf => to_pdf(&svg),
    }
}

/// Convert an SVG drawn by [`render`] to a one-page PDF of the same physical size, its text in
/// the embedded DejaVu Sans.
pub(crate) fn to_pdf(svg: &[u8]) -> Result<Vec<u8>, Error> {
    let tree =
        usvg::Tree::from_data(svg, &svg_options()).map_err(|e| failed("converted to PDF", e))?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| failed("converted to PDF", e))
}

/// How resvg and svg2pdf read our SVGs: DejaVu Sans from the binary for every family.
fn svg_options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: "DejaVu Sans".to_string(),
        fontdb: font_database(),
        ..usvg::Options::default()
    }
}

/// State the SVG's size in inches (at [`super::DPI`]) and keep its drawing units in the `viewBox`.
fn physical_size(svg: String, opts: &PlotOptions) -> String {
    let (w, h) = opts.size_in_inches();
    let plotters_size = format!("width=\"{}\" height=\"{}\"", opts.width, opts.height);
    svg.replacen(
        &plotters_size,
        &format!("width=\"{w}in\" height=\"{h}in\""),
        1,
    )
}

/// Draw `figure` under `title` as SVG text.
fn render_svg(opts: &PlotOptions, title: &str, figure: &impl Figure) -> Result<String, Error> {
    opts.validate()?;
    let fail = |e: DrawError| failed(&format!("\"{title}\""), e.0);
    register_fonts().map_err(fail)?;
    let theme = Theme::print();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (opts.width, opts.height)).into_drawing_area();
        page(&root, title, &theme, figure).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    Ok(physical_size(svg, opts))
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

/// Rasterise an SVG drawn by [`render`] to a PNG of `opts.width` x `opts.height` pixels.
pub(crate) fn rasterise(svg: &[u8], opts: &PlotOptions) -> Result<Vec<u8>, Error> {
    rasterise_svg(svg, opts).map_err(|why| failed("rasterised to PNG", why))
}

fn rasterise_svg(svg: &[u8], opts: &PlotOptions) -> Result<Vec<u8>, String> {
    let tree = usvg::Tree::from_data(svg, &svg_options()).map_err(|e| e.to_string())?;
    let mut pixmap = tiny_skia::Pixmap::new(opts.width, opts.height)
        .ok_or_else(|| format!("cannot make a {} x {} image", opts.width, opts.height))?;
    // The SVG is drawn at this size; scale anyway should its size ever differ.
    let size = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        opts.width as f32 / size.width(),
        opts.height as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// The fonts resvg may use: DejaVu Sans (regular and bold) from the binary, standing for every
/// generic family, so that `sans-serif` text looks as plotters measured it.
fn font_database() -> Arc<usvg::fontdb::Database> {
    static DATABASE: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            for bytes in [dejavu::sans::regular(), dejavu::sans::bold()] {
                db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(bytes)));
            }
            let family = "DejaVu Sans";
            db.set_sans_serif_family(family);
            db.set_serif_family(family);
            db.set_monospace_family(family);
            db.set_cursive_family(family);
            db.set_fantasy_family(family);
            Arc::new(db)
        })
        .clone()
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
