//! `exp`, `tanh` and `sigmoid` without branches, so that loops over large tensors vectorise.
//!
//! The C library's `exp` and `tanh` are accurate but scalar, and branch on the
//! range of the argument; on random data the branches are mispredicted about half
//! the time. These versions compute every case and select, and stay within a
//! few units in the last place of the C library's results (checked in the tests
//! below), as PyTorch's vectorised kernels do.

/// `exp(x)`: `2^k · e^r` with `r = x - k·ln 2` (|r| ≤ ln 2 / 2) from a degree-13
/// Taylor polynomial, whose truncation error (< 4e-18) is far below one ulp.
/// `c[0] + x·c[1] + x²·c[2] + …` by Horner's rule (unrolled for a constant array).
#[inline(always)]
fn horner<const N: usize>(x: f64, c: &[f64; N]) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// 1/n! for n = 0..=N-1.
const fn inverse_factorials<const N: usize>(first: usize) -> [f64; N] {
    let mut out = [0.0; N];
    let mut fact = 1.0;
    let mut n = 1;
    while n <= first {
        fact *= n as f64;
        n += 1;
    }
    let mut i = 0;
    while i < N {
        out[i] = 1.0 / fact;
        fact *= (first + i + 1) as f64;
        i += 1;
    }
    out
}

/// The Taylor coefficients of e^r, 1/0! to 1/13!.
const EXP_TAYLOR: [f64; 14] = inverse_factorials(0);

/// The Taylor coefficients of (expm1(r) - r)/r², 1/2! to 1/13!.
const EXPM1_TAYLOR_FROM_2: [f64; 12] = inverse_factorials(2);

#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split in two so that k·LN2_HI is exact for |k| < 2^11.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.9314718036912382e-1
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.9082149292705877e-10
                                                               // Adding 1.5·2^52 rounds to an integer, branch-free and without `round`.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    // Past these, exp overflows to inf or underflows to 0.
    const HI: f64 = 709.782_712_893_384;
    const LO: f64 = -745.133_219_101_941_1;

    let xc = x.clamp(LO, HI);
    let biased = xc * LOG2_E + SHIFTER;
    let kf = biased - SHIFTER;
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    let p = horner(r, &EXP_TAYLOR);
    // 2^k in two halves, so that results near the overflow and subnormal
    // boundaries (k from -1075 to 1024) are scaled without overflowing a half.
    // k itself sits in the low bits of `biased` (no float-to-int conversion,
    // which baseline x86-64 cannot do on vectors).
    let k = biased.to_bits() as i64 - SHIFTER.to_bits() as i64;
    let k1 = k >> 1;
    let k2 = k - k1;
    let scale = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    let y = p * scale(k1) * scale(k2);
    // Select the edge cases rather than branch on them.
    let y = if x > HI { f64::INFINITY } else { y };
    let y = if x < LO { 0.0 } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `1 / (1 + e^-x)`, the formula of PyTorch's CPU kernel (so that the last digit
/// agrees; below x = -709, where `e^-x` overflows, the result is 0 as in PyTorch).
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    // NaN gives NaN: `e` is then NaN.
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x)` as `E / (E + 2)` with `E = expm1(2|x|)` and the sign of `x` (the
/// formula of SLEEF's `tanh`, which PyTorch's vectorised CPU kernel calls).
/// `expm1(u) = 2^k · expm1(r) + (2^k - 1)` with `u = k·ln 2 + r`, |r| ≤ ln 2 / 2,
/// and `expm1(r)` from one Taylor polynomial; for `k = 0` it is `expm1(r)`
/// itself, so small arguments lose nothing to cancellation. One polynomial
/// instead of two (an `exp` and a series for small arguments) makes it about a
/// third faster.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    // tanh is 1 to the last bit past 19.1; the clamp keeps 2^k in range.
    let a = x.abs().min(20.0);
    let u = 2.0 * a;
    let biased = u * LOG2_E + SHIFTER;
    let kf = biased - SHIFTER;
    let r = (u - kf * LN2_HI) - kf * LN2_LO;
    // expm1(r) = r + r² · (1/2! + r/3! + … + r^11/13!); the next term is below
    // 0.1 ulp of the result for |r| ≤ ln 2 / 2.
    let p = r + r * r * horner(r, &EXPM1_TAYLOR_FROM_2);
    // 0 ≤ k ≤ 58: 2^k from the low bits of `biased`, as in `exp`.
    let k = biased.to_bits() as i64 - SHIFTER.to_bits() as i64;
    let scale = f64::from_bits(((k + 1023) as u64) << 52);
    // 2^k·p is exact and so is 2^k - 1 (for k ≤ 53; beyond, E is so large that
    // the 1 does not matter): one rounding. For k = 0 this is `p` itself.
    let e = p * scale + (scale - 1.0);
    let t = e / (e + 2.0);
    // NaN (which `min` above replaced by 20) stays NaN.
    let t = if x.is_nan() { x } else { t };
    t.copysign(x)
}

/// Which vector instructions a kernel loop is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// The baseline of the target (two lanes on x86-64).
    Plain,
    /// AVX2 and FMA: four lanes.
    Avx2,
    /// AVX-512 (F, DQ, VL): eight lanes.
    Avx512,
}

impl Tier {
    /// Whether this CPU has the instructions of the tier (std caches the answers).
    pub fn supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Tier::Plain => true,
                Tier::Avx2 => {
                    std::arch::is_x86_feature_detected!("avx2")
                        && std::arch::is_x86_feature_detected!("fma")
                }
                Tier::Avx512 => {
                    std::arch::is_x86_feature_detected!("avx512f")
                        && std::arch::is_x86_feature_detected!("avx512dq")
                        && std::arch::is_x86_feature_detected!("avx512vl")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Tier::Plain
        }
    }

    /// The tiers this CPU can run, widest last.
    pub fn available() -> Vec<Tier> {
        [Tier::Plain, Tier::Avx2, Tier::Avx512]
            .into_iter()
            .filter(|t| t.supported())
            .collect()
    }

    /// The widest tier this CPU can run (detected once).
    pub fn best() -> Tier {
        static BEST: std::sync::OnceLock<Tier> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| Tier::available().pop().unwrap_or(Tier::Plain))
    }
}

/// In-place slice kernels: `$name(xs)` sets every `x` to `$f(x)`, with the loop
/// compiled for the widest vector instructions the CPU has (checked at run time);
/// every tier gives the same bits, since Rust never fuses a multiply and an add
/// on its own. `$tiered` runs a chosen tier (the plain loop if the CPU lacks it).
macro_rules! slice_kernel {
    ($name:ident, $tiered:ident, $f:path) => {
        pub fn $name(xs: &mut [f64]) {
            // A handful of elements: not worth a wide loop (same bits either way).
            let tier = if xs.len() < 16 {
                Tier::Plain
            } else {
                Tier::best()
            };
            $tiered(xs, tier);
        }

        pub fn $tiered(xs: &mut [f64], tier: Tier) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl")]
                fn widest(xs: &mut [f64]) {
                    for x in xs {
                        *x = $f(*x);
                    }
                }
                #[target_feature(enable = "avx2,fma")]
                fn wide(xs: &mut [f64]) {
                    for x in xs {
                        *x = $f(*x);
                    }
                }
                // A tier the CPU lacks runs as `Plain`.
                match tier {
                    // SAFETY: the CPU has the features `widest` was compiled for.
                    Tier::Avx512 if tier.supported() => return unsafe { widest(xs) },
                    // SAFETY: the CPU has the features `wide` was compiled for.
                    Tier::Avx2 if tier.supported() => return unsafe { wide(xs) },
                    _ => {}
                }
            }
            let _ = tier;
            for x in xs {
                *x = $f(*x);
            }
        }
    };
}

slice_kernel!(exp_in_place, exp_in_place_with, exp);
slice_kernel!(tanh_in_place, tanh_in_place_with, tanh);
slice_kernel!(sigmoid_in_place, sigmoid_in_place_with, sigmoid);

#[cfg(test)]
mod tests {
    use super::*;

    /// Units in the last place between `got` and `want`.
    fn ulps(got: f64, want: f64) -> u64 {
        if got == want || (got.is_nan() && want.is_nan()) {
            return 0;
        }
        let key = |v: f64| {
            let b = v.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        key(got).abs_diff(key(want))
    }

    fn inputs() -> Vec<f64> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut xs = Vec::new();
        for scale in [
            1e-300, 1e-20, 1e-8, 1e-3, 0.05, 0.3, 0.7, 1.0, 3.0, 10.0, 30.0, 300.0, 710.0, 746.0,
        ] {
            for _ in 0..20_000 {
                xs.push((next() * 2.0 - 1.0) * scale);
            }
        }
        xs.extend([
            0.0,
            -0.0,
            0.625,
            -0.625,
            709.78,
            709.79,
            -708.4,
            -745.0,
            -745.2,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ]);
        xs
    }

    fn worst(f: fn(f64) -> f64, reference: fn(f64) -> f64) -> (u64, f64) {
        inputs()
            .into_iter()
            .map(|x| (ulps(f(x), reference(x)), x))
            .max_by_key(|(u, _)| *u)
            .unwrap_or((0, 0.0))
    }

    #[test]
    fn every_available_tier_gives_the_scalar_functions_bits() {
        let xs = inputs();
        type Kernel = fn(&mut [f64], Tier);
        for tier in Tier::available() {
            for (kernel, f) in [
                (exp_in_place_with as Kernel, exp as fn(f64) -> f64),
                (tanh_in_place_with, tanh),
                (sigmoid_in_place_with, sigmoid),
            ] {
                let mut ys = xs.clone();
                kernel(&mut ys, tier);
                for (x, y) in xs.iter().zip(&ys) {
                    assert_eq!(y.to_bits(), f(*x).to_bits(), "{tier:?} at {x:e}");
                }
            }
        }
    }

    #[test]
    fn exp_is_within_two_ulps_of_libm() {
        let (u, x) = worst(exp, f64::exp);
        assert!(u <= 2, "exp({x:e}) is {u} ulps off");
    }

    #[test]
    fn tanh_is_within_four_ulps_of_libm() {
        // glibc's tanh is itself up to 2 ulps from the correctly rounded value
        // here (tanh(0.2215895770196521), checked with mpmath at 200 bits).
        let (u, x) = worst(tanh, f64::tanh);
        assert!(u <= 4, "tanh({x:e}) is {u} ulps off");
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn sigmoid_is_within_three_ulps_of_the_libm_formula() {
        fn reference(v: f64) -> f64 {
            1.0 / (1.0 + (-v).exp())
        }
        let (u, x) = worst(sigmoid, reference);
        assert!(u <= 3, "sigmoid({x:e}) is {u} ulps off");
    }
}
