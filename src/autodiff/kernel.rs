//! One scalar kernel per elementwise operation. The number path (`relu(-2)`) and
//! the tensor path (`relu(x)`, mapped over every element) both call these, so
//! numbers and tensors agree on every value, NaN and infinities included. NaN
//! propagates as in PyTorch (relu, clamp, maximum, minimum).

use super::fast_math;

pub fn neg(x: f64) -> f64 {
    -x
}
pub fn exp(x: f64) -> f64 {
    fast_math::exp(x)
}
pub fn log(x: f64) -> f64 {
    x.ln()
}
pub fn sqrt(x: f64) -> f64 {
    x.sqrt()
}
pub fn abs(x: f64) -> f64 {
    x.abs()
}
pub fn sin(x: f64) -> f64 {
    x.sin()
}
pub fn cos(x: f64) -> f64 {
    x.cos()
}
pub fn tanh(x: f64) -> f64 {
    fast_math::tanh(x)
}
pub fn sigmoid(x: f64) -> f64 {
    fast_math::sigmoid(x)
}
/// `max(x, 0)`; NaN and -0 stay as they are (`torch.relu`).
pub fn relu(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}
pub fn leaky_relu(x: f64, slope: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        x * slope
    }
}
/// `ln(1 + e^x)`, `x` itself above 20 (PyTorch's threshold).
pub fn softplus(x: f64) -> f64 {
    if x > 20.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}
/// `x` limited to `[min, max]`; NaN stays NaN; `min > max` gives `max` (`torch.clamp`).
pub fn clamp(x: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    let mut r = x;
    if let Some(lo) = min {
        if r < lo || lo.is_nan() {
            r = lo;
        }
    }
    if let Some(hi) = max {
        if r > hi || hi.is_nan() {
            r = hi;
        }
    }
    r
}
/// -1, 0 or 1; 0 for ±0 and for NaN (`torch.sign`).
pub fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
pub fn add(x: f64, y: f64) -> f64 {
    x + y
}
pub fn sub(x: f64, y: f64) -> f64 {
    x - y
}
pub fn mul(x: f64, y: f64) -> f64 {
    x * y
}
pub fn div(x: f64, y: f64) -> f64 {
    x / y
}
pub fn pow(x: f64, p: f64) -> f64 {
    x.powf(p)
}
/// The remainder with the sign of the divisor (Python's `%`, `torch.remainder`).
pub fn rem(x: f64, y: f64) -> f64 {
    let r = x % y;
    if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
        r + y
    } else {
        r
    }
}
/// Division rounded down, as Python's `//` and PyTorch's `div(rounding_mode="floor")`
/// (`div_floor_floating`): computed from `fmod`, so `-1 // inf` is -1, not -0.
pub fn floor_div(x: f64, y: f64) -> f64 {
    if y == 0.0 {
        return x / y;
    }
    let m = x % y;
    let mut d = (x - m) / y;
    if m != 0.0 && ((y < 0.0) != (m < 0.0)) {
        d -= 1.0;
    }
    if d != 0.0 {
        let f = d.floor();
        if d - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0_f64.copysign(x / y)
    }
}
/// The larger of two numbers; NaN if either is NaN (`torch.maximum`).
pub fn maximum(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x >= y {
        x
    } else {
        y
    }
}
/// The smaller of two numbers; NaN if either is NaN (`torch.minimum`).
pub fn minimum(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x <= y {
        x
    } else {
        y
    }
}
