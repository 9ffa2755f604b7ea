//! `exp` and `ln` without branches or library calls, so that the objective's row loop
//! vectorises.
//!
//! The standard library's `f64::exp` and `f64::ln` call the C library one value at a time; in
//! the objective they took about 60% of a fit's time (perf, 240 rows). These versions use only
//! arithmetic, comparisons and bit operations that SSE2 (and AVX) do on whole vectors:
//!
//! - [`exp`]: `x = k·ln 2 + r` with `|r| <= ln 2 / 2`, a degree-13 Taylor polynomial for
//!   `exp(r)` (truncation below 1e-17 relative), and `2^k` built in the exponent bits.
//! - [`ln`]: `x = 2^k·m` with `m` in `[sqrt(2)/2, sqrt(2))`, and `ln m` from fdlibm's rational
//!   approximation in `s = (m - 1)/(m + 1)` (error below 1 ulp in fdlibm; the coefficients are
//!   the published ones).
//!
//! Both stay within a few ulp of the standard library over the ranges the objective uses (the
//! tests check millions of points). Their domains are narrower than the library's, which is
//! why the objective checks its inputs before taking the fast path:
//! - [`exp`] clamps its argument to `[-708, 709]`: below, it returns `exp(-708)` (about
//!   3.3e-308) instead of a subnormal or 0.
//! - [`ln`] needs a positive, finite, normal argument.

/// `1.5 · 2^52`: adding it rounds a double below 2^51 in magnitude to an integer, which then
/// sits in the low bits of the sum.
const ROUND: f64 = 6_755_399_441_055_744.0;
const ROUND_BITS: i64 = 0x4338_0000_0000_0000;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split in a high part with trailing zero bits (so `k · LN2_HI` is exact) and the rest.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `e^x` for `x` in `[-708, 709]` (clamped outside; NaN stays NaN).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    let shifted = x * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r to degree 13; |r| <= 0.3466 + rounding, so the first omitted term
    // is below 4e-18 relative. Estrin's scheme: a tree of depth 4 instead of Horner's chain of
    // 13 dependent steps, which bounded the speed of the row loop.
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let low = (pair(0) + pair(2) * r2) + (pair(4) + pair(6) * r2) * r4;
    let high = (pair(8) + pair(10) * r2) + pair(12) * r4;
    let p = low + high * r8;
    let k_int = shifted.to_bits() as i64 - ROUND_BITS;
    let scale = f64::from_bits(((k_int + 1023) as u64) << 52);
    p * scale
}

// fdlibm's e_log.c coefficients for ln(1 + f) = 2s + s·R(s²), s = f / (2 + f).
const LG1: f64 = 0.666_666_666_666_673_5;
const LG2: f64 = 0.399_999_999_994_094_2;
const LG3: f64 = 0.285_714_287_436_623_9;
const LG4: f64 = 0.222_221_984_321_497_84;
const LG5: f64 = 0.181_835_721_616_180_5;
const LG6: f64 = 0.153_138_376_992_093_73;
const LG7: f64 = 0.147_981_986_051_165_86;
/// Bits of sqrt(2)/2 rounded down to a multiple of 2^32: mantissas at or above it stay in
/// the exponent's binade, those below move up one.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_0000_0000;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
/// `2^52`: the bits of `2^52 + j` for an integer `0 <= j < 2^52` are those of 2^52 or-ed with j.
const TWO_52: f64 = 4_503_599_627_370_496.0;
const TWO_52_BITS: u64 = 0x4330_0000_0000_0000;

/// `ln x` for positive, finite, normal `x`.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let shifted = x.to_bits().wrapping_add(ONE_BITS - SQRT_HALF_BITS);
    // Biased exponent of x after moving the mantissa into [sqrt(2)/2, sqrt(2)), as a double
    // (integer to double without a conversion instruction, which SSE2 lacks for 64 bits).
    let biased = f64::from_bits(TWO_52_BITS | (shifted >> 52)) - TWO_52;
    let k = biased - 1023.0;
    let m = f64::from_bits((shifted & MANTISSA) + SQRT_HALF_BITS);
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        let (ia, ib) = (a.to_bits() as i64, b.to_bits() as i64);
        assert!(a.signum() == b.signum(), "{a} vs {b}");
        ia.abs_diff(ib)
    }

    /// Deterministic points spread over `[lo, hi]`, including both ends.
    fn points(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..=n).map(move |i| lo + (hi - lo) * (i as f64 / n as f64))
    }

    #[test]
    fn constants_are_fdlibms_bit_patterns() {
        // The hexadecimal words printed beside each constant in fdlibm's e_log.c and e_exp.c.
        let expected: [(f64, u64); 9] = [
            (LN2_HI, 0x3fe6_2e42_fee0_0000),
            (LN2_LO, 0x3dea_39ef_3579_3c76),
            (LG1, 0x3fe5_5555_5555_5593),
            (LG2, 0x3fd9_9999_9997_fa04),
            (LG3, 0x3fd2_4924_9422_9359),
            (LG4, 0x3fcc_71c5_1d8e_78af),
            (LG5, 0x3fc7_4664_96cb_03de),
            (LG6, 0x3fc3_9a09_d078_c69f),
            (LG7, 0x3fc2_f112_df3e_5244),
        ];
        for (value, bits) in expected {
            assert_eq!(value.to_bits(), bits, "{value}");
        }
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_library() {
        let mut worst = 0;
        for x in points(-708.0, 709.0, 2_000_000).chain(points(-1.0, 1.0, 200_001)) {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert!((exp(1.0) - std::f64::consts::E).abs() <= f64::EPSILON * 3.0);
    }

    #[test]
    fn exp_clamps_outside_its_domain_and_keeps_nan() {
        assert_eq!(exp(-1000.0), exp(-708.0));
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-307);
        assert_eq!(exp(1000.0), exp(709.0));
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn ln_is_within_two_ulp_of_the_library() {
        let mut worst = 0;
        // Around 1 (where the objective's sums start), over decades, and at the extremes.
        let near_one = points(1.0, 3.0, 1_000_000);
        let decades = points(-300.0, 300.0, 1_000_000).map(|t| 10f64.powf(t));
        for x in near_one
            .chain(decades)
            .chain([f64::MIN_POSITIVE, f64::MAX, 0.5, 2.0])
        {
            let (fast, lib) = (ln(x), x.ln());
            if lib == 0.0 {
                assert_eq!(fast, 0.0, "ln({x})");
                continue;
            }
            worst = worst.max(ulps(fast, lib));
        }
        assert!(worst <= 2, "worst error {worst} ulp");
        assert_eq!(ln(1.0), 0.0);
    }
}
