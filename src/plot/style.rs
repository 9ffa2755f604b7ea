//! Look of the figures: font sizes scaled to the image, the colour map, number formatting.

use plotters::style::{FontStyle, IntoFont, RGBColor, TextStyle};

/// The font family every text uses; registered in `render.rs`.
pub(super) const FAMILY: &str = "sans-serif";

/// Anchors of matplotlib's viridis colour map at 0, 1/8, ..., 1 (sRGB), interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Viridis at `t` in [0, 1] (clamped; NaN gives the low end).
pub(super) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `colour` blended towards white by `amount` in [0, 1].
pub(super) fn lighten(colour: RGBColor, amount: f64) -> RGBColor {
    let up = |c: u8| (f64::from(c) + amount * (255.0 - f64::from(c))).round() as u8;
    RGBColor(up(colour.0), up(colour.1), up(colour.2))
}

/// Colours for lines that must be told apart (Okabe and Ito's colour-blind-safe set).
pub(super) const QUALITATIVE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// Font sizes and line widths for an image, scaled from a 1000 x 750 reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Theme {
    scale: f64,
}

impl Theme {
    /// The theme for an image of `width` x `height` pixels.
    pub(super) fn for_size(width: u32, height: u32) -> Self {
        let scale = (f64::from(width) / 1000.0).min(f64::from(height) / 750.0);
        Theme {
            scale: scale.clamp(0.6, 4.0),
        }
    }

    /// `base` pixels at the reference size, scaled.
    pub(super) fn px(&self, base: f64) -> u32 {
        (base * self.scale).round().max(1.0) as u32
    }

    /// Text of `base` pixels at the reference size, scaled and rounded to an even number of
    /// pixels: plotters' ab_glyph renderer truncates half a pixel differently for glyphs above
    /// and below the middle of the line at odd sizes, which lifts periods off the baseline.
    fn font_size(&self, base: f64) -> f64 {
        (2.0 * (0.5 * base * self.scale).round()).max(8.0)
    }

    fn font(&self, base: f64) -> TextStyle<'static> {
        (FAMILY, self.font_size(base)).into_font().into()
    }

    /// The figure title.
    pub(super) fn title(&self) -> TextStyle<'static> {
        (FAMILY, self.font_size(24.0))
            .into_font()
            .style(FontStyle::Bold)
            .into()
    }

    /// A panel's caption.
    pub(super) fn caption(&self) -> TextStyle<'static> {
        self.font(18.0)
    }

    /// Axis descriptions.
    pub(super) fn axis(&self) -> TextStyle<'static> {
        self.font(16.0)
    }

    /// Tick labels.
    pub(super) fn tick(&self) -> TextStyle<'static> {
        self.font(14.0)
    }

    /// Legends and annotations.
    pub(super) fn small(&self) -> TextStyle<'static> {
        self.font(12.0)
    }
}

/// A tick label on a log axis: `1e20`, `3e19`, `2.5e9`; plain numbers from 1 to 9999.
pub(super) fn format_log_tick(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return String::new();
    }
    let exponent = v.log10().floor() as i32;
    let mut mantissa = v / 10f64.powi(exponent);
    let mut exponent = exponent;
    if mantissa >= 9.995 {
        mantissa /= 10.0;
        exponent += 1;
    }
    if (0..4).contains(&exponent) {
        return trim_zeros(&format!("{v:.2}"));
    }
    format!("{}e{exponent}", trim_zeros(&format!("{mantissa:.2}")))
}

/// A number with about four significant digits: `0.3446`, `434.1`, `1.5e-5`, `2.3e12`.
pub(super) fn format_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-3..5).contains(&magnitude) {
        let text = format!("{v:.3e}");
        return match text.split_once('e') {
            Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
            None => text,
        };
    }
    let decimals = (3 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}"))
}

/// A tick label on a linear axis: [`format_number`], with round-off near zero shown as 0.
pub(super) fn format_linear_tick(v: f64, span: f64) -> String {
    if v.abs() < span.abs() * 1e-9 {
        return "0".to_string();
    }
    format_number(v)
}

/// "2.500" -> "2.5", "3.000" -> "3"; leaves integers alone.
fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_read_like_scientific_notation() {
        assert_eq!(format_log_tick(1e20), "1e20");
        assert_eq!(format_log_tick(3e19), "3e19");
        assert_eq!(format_log_tick(2.5e9), "2.5e9");
        assert_eq!(format_log_tick(100.0), "100");
        assert_eq!(format_log_tick(9.999e9), "1e10");
        assert_eq!(format_log_tick(0.01), "1e-2");
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(format_number(0.344_64), "0.3446");
        assert_eq!(format_number(434.078), "434.1");
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(1.5e-5), "1.5e-5");
        assert_eq!(format_linear_tick(1e-17, 0.1), "0");
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(viridis(2.0), viridis(1.0));
        assert_eq!(lighten(RGBColor(0, 0, 0), 1.0), RGBColor(255, 255, 255));
    }
}
