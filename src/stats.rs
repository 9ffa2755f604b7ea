//! Small robust statistics shared by the data checks, the fit diagnostics and the intervals.
//!
//! ```text
//! median(v)        middle value (mean of the two middle values for an even count)
//! robust sd        1.4826 · median_i |v_i − median(v)|   (equals the sd for normal data)
//! ```
//!
//! At the bottom of the house with [`crate::warnings`]: every layer may use it, it uses none.

/// Factor that turns the median absolute deviation into a standard deviation for normal data.
pub const MAD_TO_SD: f64 = 1.4826;

/// Median of `values`; NaN for none.
///
/// # Examples
///
/// ```
/// assert_eq!(scaling_laws::stats::median(&[3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(scaling_laws::stats::median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
/// assert!(scaling_laws::stats::median(&[]).is_nan());
/// ```
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[m],
        _ => 0.5 * (v[m - 1] + v[m]),
    }
}

/// `(median, 1.4826 · MAD)` of `values`: a centre and a spread that outlying values do not move.
pub fn robust_centre_sd(values: &[f64]) -> (f64, f64) {
    let centre = median(values);
    let dev: Vec<f64> = values.iter().map(|x| (x - centre).abs()).collect();
    (centre, MAD_TO_SD * median(&dev))
}
