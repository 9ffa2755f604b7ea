//! Look of the figures: sizes in points at a stated resolution ([`DPI`]), the colour maps,
//! numbers with real superscripts (`10²⁰`, `3×10¹⁹`).

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

/// Resolution every figure is drawn at: SVG user units (and PNG pixels) per inch. A figure of
/// `width` x `height` units prints at `width / DPI` x `height / DPI` inches, and its SVG says so.
pub const DPI: f64 = 300.0;
/// Units per typographic point (1/72 inch).
const UNITS_PER_PT: f64 = DPI / 72.0;
/// Points per unit of the layout's reference measures (margins, gaps, marker sizes and line
/// widths are given in these units; see [`Theme::px`]).
const PT_PER_REFERENCE: f64 = 0.45;
/// The smallest text of every figure, points: legible when a figure is printed at its size.
pub const MIN_TEXT_PT: f64 = 8.0;

/// plotters writes a text of size `s` as `font-size = s / 1.24` in its SVG (plotters-svg,
/// `draw_text`); sizes are asked for this much larger so that the SVG's font size is the one meant.
const PLOTTERS_SVG_FONT_SCALE: f64 = 1.24;

/// Font sizes and line widths in points, at [`DPI`]: the same physical sizes on any canvas, so
/// a single-panel figure of 3.25 inches (975 units) prints at single-column width with text of
/// at least [`MIN_TEXT_PT`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Theme {
    units_per_pt: f64,
}

impl Theme {
    /// The theme of every figure (the canvas sets the room, not the size of the text).
    pub(super) fn print() -> Self {
        Theme {
            units_per_pt: UNITS_PER_PT,
        }
    }

    /// A reference measure `base` (0.45 pt each) in units.
    pub(super) fn px(&self, base: f64) -> u32 {
        (base * PT_PER_REFERENCE * self.units_per_pt)
            .round()
            .max(1.0) as u32
    }

    /// `pt` points in units.
    pub(super) fn pt(&self, pt: f64) -> f64 {
        pt * self.units_per_pt
    }

    /// Text of `pt` points, rounded up to an even number of units: plotters' ab_glyph
    /// renderer truncates half a unit differently for glyphs above and below the middle of the
    /// line at odd sizes, which lifts periods off the baseline.
    fn font_size(&self, pt: f64) -> f64 {
        2.0 * (0.5 * pt.max(MIN_TEXT_PT) * PLOTTERS_SVG_FONT_SCALE * self.units_per_pt).ceil()
    }

    fn font(&self, pt: f64) -> TextStyle<'static> {
        (FAMILY, self.font_size(pt)).into_font().into()
    }

    /// The figure title.
    pub(super) fn title(&self) -> TextStyle<'static> {
        (FAMILY, self.font_size(10.0))
            .into_font()
            .style(FontStyle::Bold)
            .into()
    }

    /// A panel's caption.
    pub(super) fn caption(&self) -> TextStyle<'static> {
        self.font(9.0)
    }

    /// Axis descriptions.
    pub(super) fn axis(&self) -> TextStyle<'static> {
        self.font(9.0)
    }

    /// Tick labels.
    pub(super) fn tick(&self) -> TextStyle<'static> {
        self.font(MIN_TEXT_PT)
    }

    /// Legends and annotations.
    pub(super) fn small(&self) -> TextStyle<'static> {
        self.font(MIN_TEXT_PT)
    }
}

/// `text` with its digits, signs and Greek exponents set as superscripts: `"-3"` -> `"⁻³"`.
/// Characters without a superscript form are kept.
pub(crate) fn superscript(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' => '⁻',
            '+' => '⁺',
            'a' => 'ᵃ',
            'b' => 'ᵇ',
            'α' => 'ᵅ',
            'β' => 'ᵝ',
            c => c,
        })
        .collect()
}

/// `10^e` as `10ᵉ` with a superscript exponent.
pub(crate) fn power_of_ten(exponent: i32) -> String {
    format!("10{}", superscript(&exponent.to_string()))
}

/// `v` in scientific notation with a superscript exponent and `digits` significant digits:
/// `5.76×10²³`, `10²⁰` (a mantissa of 1 is left out); plain from 0.01 to 9999.
pub(crate) fn format_power(v: f64, digits: usize) -> String {
    if !(v.is_finite() && v > 0.0) {
        return format!("{v}");
    }
    let mut exponent = v.log10().floor() as i32;
    let mut mantissa = v / 10f64.powi(exponent);
    let decimals = digits.saturating_sub(1);
    if mantissa >= 10.0 - 0.5 * 10f64.powi(-(decimals as i32)) {
        mantissa /= 10.0;
        exponent += 1;
    }
    if (-2..4).contains(&exponent) {
        return trim_zeros(&format!("{v:.prec$}", prec = decimals.max(2)));
    }
    let mantissa = trim_zeros(&format!("{mantissa:.decimals$}"));
    if mantissa == "1" {
        power_of_ten(exponent)
    } else {
        format!("{mantissa}×{}", power_of_ten(exponent))
    }
}

/// An exponent as text for a superscript: three decimals, `0.347`.
pub(crate) fn format_exponent(v: f64) -> String {
    format!("{v:.3}")
}

/// A count of runs: "1 run", "12 runs".
pub(crate) fn runs(n: usize) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}

/// A tick label on a log axis: `10²⁰`, `3×10¹⁹`, `2.5×10⁹`; plain numbers from 0.01 to 9999.
pub(super) fn format_log_tick(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return String::new();
    }
    format_power(v, 3)
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
        assert_eq!(format_log_tick(1e20), "10²⁰");
        assert_eq!(format_log_tick(3e19), "3×10¹⁹");
        assert_eq!(format_log_tick(2.5e9), "2.5×10⁹");
        assert_eq!(format_log_tick(100.0), "100");
        assert_eq!(format_log_tick(9.999e9), "10¹⁰");
        assert_eq!(format_log_tick(0.01), "0.01");
        assert_eq!(format_log_tick(1e-3), "10⁻³");
        assert_eq!(format_power(5.76e23, 3), "5.76×10²³");
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
    fn text_is_at_least_eight_points_at_the_stated_resolution() {
        let theme = Theme::print();
        for style in [theme.tick(), theme.small(), theme.axis(), theme.caption()] {
            let pt = style.font.get_size() / PLOTTERS_SVG_FONT_SCALE / UNITS_PER_PT;
            assert!(pt >= MIN_TEXT_PT, "{pt} pt");
        }
        assert_eq!(runs(1), "1 run");
        assert_eq!(runs(0), "0 runs");
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
