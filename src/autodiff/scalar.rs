//! One scalar kernel per elementwise operation. The number path (`relu(-2)`) and
//! the tensor path (`relu(x)`, mapped over every element) both call these, so
//! numbers and tensors agree on every value, NaN and infinities included. NaN
//! propagates as in PyTorch (relu, clamp, maximum, minimum).

use super::{fast_math, Op};

/// The one-argument elementwise operations without parameters. Each has its scalar
/// kernel ([`Unary::kernel`]), a whole-slice fast path where one exists, and its
/// recorded [`Op`]. A builtin row names one (`unary!(Exp)` in the builtin table), and
/// the number path and the tensor path both run its kernel.
///
/// Adding one: a variant here with its kernel below and an arm in each `match` (it is
/// recorded as `Op::Unary`), its backward rule (`vjp.rs`) and its row in the builtin
/// table (the checklist on `Op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Exp,
    Log,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Softplus,
    Sign,
}

impl Unary {
    /// Every one, in this order (the exported runtime has a function for each; a
    /// test checks every builtin has one).
    pub const ALL: [Unary; 11] = [
        Unary::Exp,
        Unary::Log,
        Unary::Sqrt,
        Unary::Abs,
        Unary::Sin,
        Unary::Cos,
        Unary::Tanh,
        Unary::Sigmoid,
        Unary::Relu,
        Unary::Softplus,
        Unary::Sign,
    ];

    /// The scalar kernel.
    pub fn kernel(self) -> fn(f64) -> f64 {
        match self {
            Unary::Exp => exp,
            Unary::Log => log,
            Unary::Sqrt => sqrt,
            Unary::Abs => abs,
            Unary::Sin => sin,
            Unary::Cos => cos,
            Unary::Tanh => tanh,
            Unary::Sigmoid => sigmoid,
            Unary::Relu => relu,
            Unary::Softplus => softplus,
            Unary::Sign => sign,
        }
    }

    /// A vectorized kernel over a whole slice, giving the same bits as
    /// [`Unary::kernel`] element by element.
    pub fn slice_kernel(self) -> Option<fn(&mut [f64])> {
        match self {
            Unary::Exp => Some(fast_math::exp_in_place),
            Unary::Tanh => Some(fast_math::tanh_in_place),
            Unary::Sigmoid => Some(fast_math::sigmoid_in_place),
            _ => None,
        }
    }

    /// The operation recorded in the graph.
    pub fn op(self) -> Op {
        Op::Unary(self)
    }

    /// The builtin's name (`exp`), as reports describe the operation.
    pub fn name(self) -> &'static str {
        match self {
            Unary::Exp => "exp",
            Unary::Log => "log",
            Unary::Sqrt => "sqrt",
            Unary::Abs => "abs",
            Unary::Sin => "sin",
            Unary::Cos => "cos",
            Unary::Tanh => "tanh",
            Unary::Sigmoid => "sigmoid",
            Unary::Relu => "relu",
            Unary::Softplus => "softplus",
            Unary::Sign => "sign",
        }
    }

    /// PyTorch's name for its node in the graph (`ExpBackward`).
    pub fn backward_name(self) -> &'static str {
        match self {
            Unary::Exp => "ExpBackward",
            Unary::Log => "LogBackward",
            Unary::Sqrt => "SqrtBackward",
            Unary::Abs => "AbsBackward",
            Unary::Sin => "SinBackward",
            Unary::Cos => "CosBackward",
            Unary::Tanh => "TanhBackward",
            Unary::Sigmoid => "SigmoidBackward",
            Unary::Relu => "ReluBackward",
            Unary::Softplus => "SoftplusBackward",
            Unary::Sign => "SignBackward",
        }
    }
}

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
/// `g * (1 - y²)` through `y = tanh(x)`, rounded as PyTorch's `tanh_backward`
/// (`1 - y²` as one fused multiply-add).
pub fn tanh_grad(g: f64, y: f64) -> f64 {
    g * (-y).mul_add(y, 1.0)
}
/// `g * (1 - y) * y` through `y = sigmoid(x)`, in the order of PyTorch's
/// `sigmoid_backward` (so that the last digit agrees).
pub fn sigmoid_grad(g: f64, y: f64) -> f64 {
    g * (1.0 - y) * y
}
/// `g * (x * 2)` through `x²`.
pub fn square_grad(g: f64, x: f64) -> f64 {
    g * (x * 2.0)
}
pub fn div(x: f64, y: f64) -> f64 {
    x / y
}
pub fn pow(x: f64, p: f64) -> f64 {
    x.powf(p)
}
/// `x ** p` for a number `p`, as PyTorch's pow(Tensor, Scalar) computes it: the
/// exponents 0, 1, ±0.5, -1, 2, 3 and -2 by their own formulas (so `-0 ** -0.5`
/// is 1/sqrt(-0) = -inf and `-inf ** 0.5` is NaN, as in PyTorch), others by `powf`.
pub fn pow_scalar(x: f64, p: f64) -> f64 {
    if p == 0.0 {
        1.0
    } else if p == 1.0 {
        x
    } else if p == 0.5 {
        x.sqrt()
    } else if p == -0.5 {
        1.0 / x.sqrt()
    } else if p == -1.0 {
        1.0 / x
    } else if p == 2.0 {
        x * x
    } else if p == 3.0 {
        x * x * x
    } else if p == -2.0 {
        1.0 / (x * x)
    } else {
        x.powf(p)
    }
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
