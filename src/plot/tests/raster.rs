//! Figures drawn into memory, and the PNG as the SVG rasterised: text present, edges smooth.

use resvg::tiny_skia::Pixmap;

use super::*;
use crate::figures::{Figure, FigureInputs, render};

fn inputs<'a>(law: &'a crate::law::Law, draws: Option<&'a BootstrapDraws>) -> FigureInputs<'a> {
    FigureInputs {
        law,
        data: dataset(),
        draws,
        budgets: &[6e18, 1e20, 3e21],
        tolerance_dex: 0.05,
        level: 0.9,
        compute_range: (1e18, 1e24),
        models: &[],
        bands: None,
        flagged_rows: &[],
    }
}

/// Grey level of a pixel (0 black, 255 white).
fn grey(p: resvg::tiny_skia::PremultipliedColorU8) -> u32 {
    (u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue())) / 3
}

#[test]
fn every_figure_renders_into_memory_as_svg_and_png() {
    let (fitted, draws) = fitted_and_draws();
    let law = fitted.to_law();
    let inputs = inputs(&law, Some(draws));
    let opts = options(None);
    for figure in Figure::ALL {
        let svg = render(figure, &inputs, &opts, ImageFormat::Svg).unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.starts_with("<svg"), "{figure:?} is not SVG");
        let png = render(figure, &inputs, &opts, ImageFormat::Png).unwrap();
        assert_eq!(png[..8], PNG_SIGNATURE, "{figure:?} is not PNG");
        let image = Pixmap::decode_png(&png).unwrap();
        assert_eq!((image.width(), image.height()), (opts.width, opts.height));
    }
    let without = FigureInputs {
        draws: None,
        ..inputs
    };
    let err = render(Figure::Bootstrap, &without, &opts, ImageFormat::Png).unwrap_err();
    assert!(err.to_string().contains("--bootstrap"), "{err}");
}

/// The title is set in the embedded font (dark glyph pixels in the band above the chart, where
/// nothing else is drawn), and edges are anti-aliased: many pixels lie between the ink and the
/// white page.
#[test]
fn png_text_renders_and_edges_are_smooth() {
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let opts = options(Some("Residuals, title for the raster test"));
    let png = render(
        Figure::Residuals,
        &inputs(&law, None),
        &opts,
        ImageFormat::Png,
    )
    .unwrap();
    let image = Pixmap::decode_png(&png).unwrap();
    let width = image.width() as usize;
    let title_band = &image.pixels()[..width * 40];
    let ink = title_band.iter().filter(|&&p| grey(p) < 80).count();
    let partial = (title_band.iter())
        .filter(|&&p| (80..230).contains(&grey(p)))
        .count();
    assert!(ink > 500, "no title text in the PNG: {ink} dark pixels");
    assert!(
        partial * 4 > ink,
        "glyph edges are not anti-aliased: {partial} grey pixels against {ink} dark"
    );
    // The page is white outside the drawing.
    assert_eq!(grey(image.pixels()[0]), 255);
}
