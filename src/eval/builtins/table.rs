//! The one table of builtins (SPEC §12): a row per builtin with everything said
//! about it. Argument checks, `help`, completion and export read these rows.
//!
//! # Adding a builtin
//!
//! 1. A one-argument elementwise operation is `unary!(Foo)` (see
//!    `autodiff::scalar::Unary` and the checklist on `autodiff::Op`); skip to 2.
//!    Otherwise write its body in the module of its group (`math.rs`, `create.rs`, …) as
//!    `pub fn name(it: &mut Interpreter, a: &mut Args) -> Eval<Value>`. Read the
//!    arguments through `a` by the names of the row (`a.tensor(0, "x")`,
//!    `a.flag("grad")`, `a.number_or(1, "slope")`: defaults come from the row).
//!    Do not check counts or keyword names: the call checks them against the row
//!    before the body runs.
//! 2. Add one row below, in its group: name, body, group, parameters (`p` required,
//!    `opt` optional (none), `num` with a number default, `rest`/`rest1` for
//!    `*args`, `kw`/`kw_num`/`flag` keyword-only), a one-line `doc`, the
//!    `derivative` in words (required for a differentiable group; for a one-input
//!    elementwise operation also its local derivative as a formula in `x` and `y`),
//!    an `example` that runs on its own, the exact PyTorch equivalent in `torch`,
//!    how `bp export` writes a call inline in `inline` (an [`Inline`], e.g.
//!    `Call("torch.exp")`; left out, calls go to the exported runtime's `bp.name`),
//!    what it returns in `ret` (export's static types), `lists_as_tuples` when
//!    it takes a tuple of tensors and `tensor_only` when it takes only tensors in
//!    practice (export then takes an argument of unknown type to be a tensor). Export, `help`, completion, the editor grammar
//!    (`tests/lsp.rs` checks its list is the table's) and list coercion read the row.
//! 3. Run `cargo run -- help --markdown > docs/builtins.md` (a test checks it is
//!    current) and `cargo test --test builtins`.

use super::{
    autograd, collections, course, create, data, hooks, lang, math, optimizers, output, pictures,
    transforms,
};
use crate::autodiff::scalar::Unary;
use crate::eval::value::{Builtin, Group, Inline, Param, ParamDefault, Pass, Returns};
use crate::syntax::ast::BinOp;

/// A parameter passed as `pass`, worth `default` when left out.
const fn param(name: &'static str, pass: Pass, default: ParamDefault) -> Param {
    Param {
        name,
        pass,
        default,
    }
}
/// A required parameter, by position or name.
const fn p(name: &'static str) -> Param {
    param(name, Pass::Positional, ParamDefault::Required)
}
/// An optional parameter, `none` when left out.
const fn opt(name: &'static str) -> Param {
    param(name, Pass::Positional, ParamDefault::Nothing)
}
/// An optional number, by position or name.
const fn num(name: &'static str, value: f64) -> Param {
    param(name, Pass::Positional, ParamDefault::Num(value))
}
/// Every remaining positional argument, none or more.
const fn rest(name: &'static str) -> Param {
    param(name, Pass::Rest, ParamDefault::Nothing)
}
/// Every remaining positional argument, at least one.
const fn rest1(name: &'static str) -> Param {
    param(name, Pass::Rest, ParamDefault::Required)
}
/// A keyword-only value, `none` when left out.
const fn kw(name: &'static str) -> Param {
    param(name, Pass::Keyword, ParamDefault::Nothing)
}
/// A keyword-only number.
const fn kw_num(name: &'static str, value: f64) -> Param {
    param(name, Pass::Keyword, ParamDefault::Num(value))
}
/// Every other keyword argument (`**tensors`).
const fn kw_rest(name: &'static str) -> Param {
    param(name, Pass::KeywordRest, ParamDefault::Nothing)
}
/// A keyword-only string with a default shown as written (`sep=" "`).
const fn kw_text(name: &'static str, shown: &'static str) -> Param {
    param(name, Pass::Keyword, ParamDefault::Same(shown))
}
/// A keyword-only flag, false when left out.
const fn flag(name: &'static str) -> Param {
    param(name, Pass::Keyword, ParamDefault::Bool(false))
}

use Group::*;

/// One row: `row!(name => body, group, [params], doc, derivative, example, torch,
/// inline, what it returns)`, `inline:` (optional) being how export writes the call
/// (an [`Inline`]; the runtime's function when left out), then flags: `lists_as_tuples` for
/// a builtin that takes a tuple of tensors and so takes a list as that tuple (SPEC §13),
/// `tensor_only` for one that takes tensors only in practice (export takes an argument
/// of unknown type to be a tensor);
/// `-` for the derivative of a builtin outside the differentiable groups; for a
/// one-input elementwise builtin, `("rule in words", "local derivative in x and y")`
/// (see [`Builtin::local`]).
macro_rules! rows {
    ($($name:literal => $func:expr, $group:ident, [$($param:expr),*],
       doc: $doc:literal, d: $d:tt, ex: $ex:literal, torch: $torch:literal,
       $(inline: $inline:expr,)? ret: $ret:expr $(, $flag:ident)*;)*) => {
        pub(super) static BUILTINS: &[Builtin] = &[
            $(Builtin {
                name: $name,
                func: $func,
                group: $group,
                params: &[$($param),*],
                doc: $doc,
                derivative: rows!(@d $d),
                local: rows!(@local $d),
                example: $ex,
                torch: $torch,
                returns: rows!(@ret $ret),
                lists_as_tuples: rows!(@lists $($flag)*),
                inline: rows!(@inline $($inline)?),
                tensor_only: rows!(@tensor_only $($flag)*),
            },)*
        ];
    };
    (@d -) => { None };
    (@d $d:literal) => { Some($d) };
    (@d ($d:literal, $local:literal)) => { Some($d) };
    (@local ($d:literal, $local:literal)) => { Some($local) };
    (@local $d:tt) => { None };
    (@inline $inline:expr) => {{
        use Inline::*;
        $inline
    }};
    (@inline) => { Inline::Runtime };
    (@ret $ret:expr) => {{
        use Returns::*;
        $ret
    }};
    (@lists) => { false };
    (@lists lists_as_tuples $($rest:ident)*) => { true };
    (@lists tensor_only $($rest:ident)*) => { rows!(@lists $($rest)*) };
    (@tensor_only) => { false };
    (@tensor_only tensor_only $($rest:ident)*) => { true };
    (@tensor_only lists_as_tuples $($rest:ident)*) => { rows!(@tensor_only $($rest)*) };
}

/// The body of a [`Unary`] builtin: `math::unary` with its operation.
macro_rules! unary {
    ($u:ident) => {
        |_, a| math::unary(a, Unary::$u)
    };
}

const GRAD: Param = flag("grad");

rows! {
    "zeros" => create::zeros, Creation, [rest("shape"), GRAD],
        doc: "a tensor of zeros; the shape as numbers or one tuple",
        d: -, ex: "zeros(2, 3)", torch: "torch.zeros(*shape, dtype=torch.float64, requires_grad=grad)", inline: Create("torch.zeros"), ret: Tensor;
    "ones" => create::ones, Creation, [rest("shape"), GRAD],
        doc: "a tensor of ones; the shape as numbers or one tuple",
        d: -, ex: "ones(2, 3, grad=true)", torch: "torch.ones(*shape, dtype=torch.float64, requires_grad=grad)", inline: Create("torch.ones"), ret: Tensor;
    "full" => create::full, Creation, [rest("shape"), kw("value"), GRAD],
        doc: "a tensor filled with value (given as value= or as the last number)",
        d: -, ex: "full(2, 2, value=7)", torch: "torch.full(shape, value, dtype=torch.float64, requires_grad=grad)", inline: Special, ret: Tensor;
    "eye" => create::eye, Creation, [p("n"), opt("m"), GRAD],
        doc: "the n by n identity matrix, or n by m: ones on the diagonal",
        d: -, ex: "eye(2, 3)", torch: "torch.eye(n, m, dtype=torch.float64, requires_grad=grad)", ret: Tensor;
    "arange" => create::arange, Creation, [p("start"), opt("end"), num("step", 1.0), GRAD],
        doc: "evenly spaced values in [start, end); arange(end) starts at 0",
        d: -, ex: "arange(0, 1, 0.25)", torch: "torch.arange(start, end, step, dtype=torch.float64, requires_grad=grad)", ret: Tensor;
    "linspace" => create::linspace, Creation, [p("start"), p("end"), p("steps"), GRAD],
        doc: "steps evenly spaced values from start to end, both included",
        d: -, ex: "linspace(0, 1, 5)", torch: "torch.linspace(start, end, steps, dtype=torch.float64, requires_grad=grad)", ret: Tensor;
    "rand" => create::rand, Creation, [rest("shape"), GRAD],
        doc: "uniform random values in [0, 1)",
        d: -, ex: "rand(2, 2)", torch: "torch.rand(*shape, dtype=torch.float64, requires_grad=grad)", inline: Create("bp.rand"), ret: Tensor;
    "randn" => create::randn, Creation, [rest("shape"), GRAD],
        doc: "standard normal random values",
        d: -, ex: "randn(3)", torch: "torch.randn(*shape, dtype=torch.float64, requires_grad=grad)", inline: Create("bp.randn"), ret: Tensor;
    "tensor" => create::tensor, Creation, [p("x"), GRAD],
        doc: "a new leaf tensor holding a copy of x's values",
        d: -, ex: "tensor([1, 2, 3], grad=true)", torch: "torch.tensor(x, dtype=torch.float64, requires_grad=grad)", inline: Special, ret: Tensor;
    "zeros_like" => create::zeros_like, Creation, [p("x"), GRAD],
        doc: "zeros of x's shape",
        d: -, ex: "zeros_like([1, 2])", torch: "torch.zeros_like(x, requires_grad=grad)", inline: Like("torch.zeros_like"), ret: Tensor, tensor_only;
    "ones_like" => create::ones_like, Creation, [p("x"), GRAD],
        doc: "ones of x's shape",
        d: -, ex: "ones_like([1, 2])", torch: "torch.ones_like(x, requires_grad=grad)", inline: Like("torch.ones_like"), ret: Tensor, tensor_only;
    "seed" => create::seed, Creation, [p("n")],
        doc: "seeds rand and randn so that a run repeats",
        d: -, ex: "seed(0)", torch: "torch.manual_seed(n)", ret: Nothing;

    "randperm" => data::randperm, Creation, [p("n")],
        doc: "a random permutation of 0, 1, ..., n-1 (repeatable with seed)",
        d: -, ex: "randperm(5)", torch: "torch.randperm(n, dtype=torch.float64)", ret: Tensor;
    "make_moons" => data::make_moons, Creation, [p("n"), num("noise", 0.0)],
        doc: "two interleaving half circles: (X [n, 2], y [n] classes 0 and 1)",
        d: -, ex: "make_moons(10)", torch: "sklearn.datasets.make_moons(n, noise=noise)", ret: Tuple;
    "make_circles" => data::make_circles, Creation, [p("n"), num("noise", 0.0), num("factor", 0.8)],
        doc: "a circle around a smaller one of radius factor: (X [n, 2], y [n])",
        d: -, ex: "make_circles(10, factor=0.5)", torch: "sklearn.datasets.make_circles(n, noise=noise, factor=factor)", ret: Tuple;
    "make_spirals" => data::make_spirals, Creation, [p("n"), num("classes", 3.0), num("noise", 0.0)],
        doc: "spiral arms, one class each: (X [n, 2], y [n])",
        d: -, ex: "make_spirals(9)", torch: "(no equivalent: CS231n's spiral data)", ret: Tuple;
    "load_csv" => data::load_csv, Creation, [p("path"), flag("header")],
        doc: "a CSV file of numbers as a [rows, columns] tensor; header=true also gives the column names",
        d: -, ex: "load_csv(\"data.csv\")", torch: "torch.from_numpy(numpy.loadtxt(path, delimiter=\",\"))", ret: LikeFirst;
    "save" => data::save, Creation, [p("path"), opt("model"), kw_rest("tensors")],
        doc: "writes the named tensors (save(path, W=W, b=b)), or every tensor inside a model by dotted path (save(path, model)), to a safetensors file, float64",
        d: -, ex: "save(\"w.safetensors\", w=ones(2))", torch: "safetensors.torch.save_file({\"W\": W, ...}, path)", ret: Nothing;
    "load" => data::load, Creation, [p("path"), rest("names"), kw("into")],
        doc: "a safetensors file's (name, tensor) pairs sorted by name, the named tensors as a tuple, or with into=model the values copied into the model's tensors of the same names",
        d: -, ex: "save(\"w.safetensors\", w=ones(2)); load(\"w.safetensors\")", torch: "safetensors.torch.load_file(path)", ret: LikeFirst;

    "exp" => unary!(Exp), Elementwise, [p("x")],
        doc: "e to the power x",
        d: ("d/dx e^x = e^x", "exp(x)"), ex: "exp(1)", torch: "torch.exp(x)", inline: Call("torch.exp"), ret: LikeFirst;
    "log" => unary!(Log), Elementwise, [p("x")],
        doc: "the natural logarithm",
        d: ("d/dx ln x = 1/x", "1 / x"), ex: "log(2)", torch: "torch.log(x)", inline: Call("torch.log"), ret: LikeFirst;
    "sqrt" => unary!(Sqrt), Elementwise, [p("x")],
        doc: "the square root",
        d: ("d/dx sqrt(x) = 1/(2 sqrt(x))", "1 / (2 * sqrt(x))"), ex: "sqrt(2)", torch: "torch.sqrt(x)", inline: Call("torch.sqrt"), ret: LikeFirst;
    "abs" => unary!(Abs), Elementwise, [p("x")],
        doc: "the absolute value",
        d: ("d/dx |x| = sign(x), 0 at x = 0", "sign(x)"), ex: "abs(-3)", torch: "torch.abs(x)", inline: Call("torch.abs"), ret: LikeFirst;
    "sin" => unary!(Sin), Elementwise, [p("x")],
        doc: "the sine",
        d: ("d/dx sin x = cos x", "cos(x)"), ex: "sin(1)", torch: "torch.sin(x)", inline: Call("torch.sin"), ret: LikeFirst;
    "cos" => unary!(Cos), Elementwise, [p("x")],
        doc: "the cosine",
        d: ("d/dx cos x = -sin x", "-sin(x)"), ex: "cos(1)", torch: "torch.cos(x)", inline: Call("torch.cos"), ret: LikeFirst;
    "tanh" => unary!(Tanh), Elementwise, [p("x")],
        doc: "the hyperbolic tangent",
        d: ("t = tanh x; dt/dx = 1 - t^2", "1 - y**2"), ex: "tanh(0.5)", torch: "torch.tanh(x)", inline: Call("torch.tanh"), ret: LikeFirst;
    "sigmoid" => unary!(Sigmoid), Elementwise, [p("x")],
        doc: "the logistic function 1/(1+e^-x)",
        d: ("s(x) = 1/(1+e^-x); ds/dx = s(1-s)", "y * (1 - y)"), ex: "sigmoid(0)", torch: "torch.sigmoid(x)", inline: Call("torch.sigmoid"), ret: LikeFirst;
    "relu" => unary!(Relu), Elementwise, [p("x")],
        doc: "max(x, 0); nan stays nan",
        d: "1 where x > 0, else 0 (0 at x = 0)", ex: "relu([-1, 2])", torch: "torch.relu(x)", inline: Call("torch.relu"), ret: LikeFirst;
    "leaky_relu" => math::leaky_relu, Elementwise, [p("x"), num("slope", 0.01)],
        doc: "x where x > 0, else slope * x",
        d: "1 where x > 0, else slope (slope at x = 0)", ex: "leaky_relu(-2, 0.1)",
        torch: "torch.nn.functional.leaky_relu(x, negative_slope=slope)", inline: Optional { f: "F.leaky_relu", param: "slope" }, ret: LikeFirst;
    "softplus" => unary!(Softplus), Elementwise, [p("x")],
        doc: "ln(1 + e^x), x itself above 20",
        d: "d/dx ln(1+e^x) = sigmoid(x) (1 above 20)", ex: "softplus(0)",
        torch: "torch.nn.functional.softplus(x)", inline: Call("F.softplus"), ret: LikeFirst;
    "clamp" => math::clamp, Elementwise, [p("x"), opt("min"), opt("max")],
        doc: "x limited to [min, max] (either bound may be left out); nan stays nan",
        d: "1 where min <= x <= max, else 0", ex: "clamp([-2, 0.5, 3], min=0, max=1)",
        torch: "torch.clamp(x, min=min, max=max)", inline: Keywords("torch.clamp"), ret: LikeFirst;
    "pow" => math::pow, Elementwise, [p("x"), p("p")],
        doc: "x to the power p, as x ** p",
        d: "d/dx x^p = p x^(p-1); d/dp x^p = x^p ln x", ex: "pow(2, 10)", torch: "torch.pow(x, p)", inline: Operator(BinOp::Pow), ret: Arithmetic;
    "maximum" => math::maximum, Elementwise, [p("a"), p("b")],
        doc: "the larger of a and b, elementwise, broadcast; nan if either is nan",
        d: "the gradient goes to the larger; split evenly where a = b", ex: "maximum([1, 5], [3, 2])",
        torch: "torch.maximum(a, b)", inline: Pair("torch.maximum"), ret: Arithmetic;
    "minimum" => math::minimum, Elementwise, [p("a"), p("b")],
        doc: "the smaller of a and b, elementwise, broadcast; nan if either is nan",
        d: "the gradient goes to the smaller; split evenly where a = b", ex: "minimum([1, 5], [3, 2])",
        torch: "torch.minimum(a, b)", inline: Pair("torch.minimum"), ret: Arithmetic;
    "where" => math::where_, Elementwise, [p("cond"), p("a"), p("b")],
        doc: "a where cond is non-zero, else b, broadcast",
        d: "the gradient goes to a where cond, to b elsewhere; none to cond",
        ex: "where([1, 0], [1, 2], [3, 4])", torch: "torch.where(cond != 0, a, b)", ret: Tensor;
    "sign" => unary!(Sign), Elementwise, [p("x")],
        doc: "-1, 0 or 1 by the sign of x (0 for -0 and nan, as torch.sign)",
        d: "0 everywhere", ex: "sign(-2)", torch: "torch.sign(x)", inline: Call("torch.sign"), ret: LikeFirst;
    "logical_and" => math::logical_and, Elementwise, [p("a"), p("b")],
        doc: "a bool tensor: true where a and b are both non-zero, broadcast",
        d: "none: a bool tensor does not require grad", ex: "logical_and([1, 0, 1], [1, 1, 0])", torch: "torch.logical_and(a, b)", ret: Tensor;
    "logical_or" => math::logical_or, Elementwise, [p("a"), p("b")],
        doc: "a bool tensor: true where a or b is non-zero, broadcast",
        d: "none: a bool tensor does not require grad", ex: "logical_or([1, 0, 0], [0, 0, 1])", torch: "torch.logical_or(a, b)", ret: Tensor;
    "logical_not" => math::logical_not, Elementwise, [p("x")],
        doc: "a bool tensor: true where x is 0",
        d: "none: a bool tensor does not require grad", ex: "logical_not([1, 0, 2])", torch: "torch.logical_not(x)", ret: Tensor;
    "any" => math::any, Reductions, [p("x")],
        doc: "a 0-d bool tensor: true when some element of x is non-zero; of a list, true when some item is true (a bool)",
        d: "none: a bool tensor does not require grad", ex: "any([0, 0, 3])", torch: "torch.any(x)", ret: Tensor;
    "all" => math::all, Reductions, [p("x")],
        doc: "a 0-d bool tensor: true when every element of x is non-zero; of a list, true when every item is true (a bool)",
        d: "none: a bool tensor does not require grad", ex: "all([1, 2, 0])", torch: "torch.all(x)", ret: Tensor;

    "sum" => math::sum, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the sum of all elements, or along axis (a number or a tuple of axes); of a list or tuple, its items added (numbers or tensors)",
        d: "1 for every summed element: the gradient is broadcast back", ex: "sum([[1, 2], [3, 4]], axis=0)",
        torch: "torch.sum(x, dim=axis, keepdim=keepdim) (torch.sum(x) without axis)", inline: Reduce { f: "torch.sum", pair: None, then: "" }, ret: LikeFirst;
    "mean" => math::mean, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the mean of all elements, or along axis (a number or a tuple of axes)",
        d: "1/n for each of the n averaged elements", ex: "mean([1, 2, 3, 4])",
        torch: "torch.mean(x, dim=axis, keepdim=keepdim) (torch.mean(x) without axis)", inline: Reduce { f: "torch.mean", pair: None, then: "" }, ret: LikeFirst;
    "max" => math::max, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the largest element, or along axis; max(a, b) of two values is maximum(a, b); of a list or tuple of numbers, the largest number",
        d: "the gradient goes to the largest element, split evenly among ties",
        ex: "max([[1, 5], [3, 2]], axis=1)",
        torch: "torch.amax(x, dim=axis, keepdim=keepdim) (torch.max(x) without axis; torch.max(x, dim).values splits ties differently)", inline: Reduce { f: "torch.amax", pair: Some("torch.maximum"), then: "" }, ret: LikeFirst;
    "min" => math::min, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the smallest element, or along axis; min(a, b) of two values is minimum(a, b); of a list or tuple of numbers, the smallest number",
        d: "the gradient goes to the smallest element, split evenly among ties",
        ex: "min([[1, 5], [3, 2]], axis=1)",
        torch: "torch.amin(x, dim=axis, keepdim=keepdim) (torch.min(x) without axis; torch.min(x, dim).values splits ties differently)", inline: Reduce { f: "torch.amin", pair: Some("torch.minimum"), then: "" }, ret: LikeFirst;
    "prod" => math::prod, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the product of all elements, or along axis",
        d: "d/dx_i prod = the product of the other elements", ex: "prod([1, 2, 3, 4])",
        torch: "torch.prod(x, dim=axis, keepdim=keepdim) (torch.prod(x) without axis)", inline: Reduce { f: "torch.prod", pair: None, then: "" }, ret: LikeFirst;
    "norm" => math::norm, Reductions, [p("x")],
        doc: "the L2 norm of all elements",
        d: "d/dx |x| = x / |x| (0 where |x| = 0)", ex: "norm([3, 4])",
        torch: "torch.linalg.vector_norm(x)", inline: Call("torch.linalg.vector_norm"), ret: LikeFirst;
    "argmax" => math::argmax, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the index of the largest element (of the flattened x without axis)",
        d: "none: an index has no gradient", ex: "argmax([1, 5, 3])",
        torch: "torch.argmax(x, dim=axis, keepdim=keepdim)", inline: Reduce { f: "torch.argmax", pair: None, then: ".double()" }, ret: Tensor, tensor_only;
    "argmin" => math::argmin, Reductions, [p("x"), opt("axis"), flag("keepdim")],
        doc: "the index of the smallest element (of the flattened x without axis)",
        d: "none: an index has no gradient", ex: "argmin([1, 5, 3])",
        torch: "torch.argmin(x, dim=axis, keepdim=keepdim)", inline: Reduce { f: "torch.argmin", pair: None, then: ".double()" }, ret: Tensor, tensor_only;

    "matmul" => math::matmul, LinearAlgebra, [p("a"), p("b")],
        doc: "the matrix product, as a @ b",
        d: "d/dA = G Bᵀ, d/dB = Aᵀ G", ex: "matmul([[1, 2], [3, 4]], [1, 1])",
        torch: "torch.matmul(a, b)", inline: Operator(BinOp::MatMul), ret: Tensor;
    "transpose" => math::transpose, LinearAlgebra, [p("x"), opt("a"), opt("b")],
        doc: "x with axes a and b swapped; all axes reversed without them (as x.T)",
        d: "the gradient transposed back", ex: "transpose([[1, 2], [3, 4]])",
        torch: "torch.transpose(x, a, b) (x.permute(*reversed(range(x.ndim))) without axes)", inline: Axes("torch.transpose"), ret: Tensor, tensor_only;
    "outer" => math::outer, LinearAlgebra, [p("a"), p("b")],
        doc: "the outer product of two vectors",
        d: "d/da = G b, d/db = Gᵀ a", ex: "outer([1, 2], [3, 4])", torch: "torch.outer(a, b)", inline: Call("torch.outer"), ret: Tensor, tensor_only;

    "reshape" => math::reshape, Shapes, [p("x"), rest1("shape")],
        doc: "x with a new shape of as many elements; one size may be -1",
        d: "the gradient reshaped back", ex: "reshape(arange(6), 2, 3)",
        torch: "torch.reshape(x, shape)", inline: Reshape("torch.reshape"), ret: Tensor, tensor_only;
    "flatten" => math::flatten, Shapes, [p("x")],
        doc: "x as a vector",
        d: "the gradient reshaped back", ex: "flatten([[1, 2], [3, 4]])", torch: "torch.flatten(x)", inline: Call("torch.flatten"), ret: Tensor, tensor_only;
    "squeeze" => math::squeeze, Shapes, [p("x"), opt("axis")],
        doc: "x without axes of size 1 (or only axis, if it has size 1)",
        d: "the gradient reshaped back", ex: "squeeze(ones(1, 3))",
        torch: "torch.squeeze(x, dim=axis) (torch.squeeze(x) without axis)", inline: Axis("torch.squeeze"), ret: Tensor, tensor_only;
    "unsqueeze" => math::unsqueeze, Shapes, [p("x"), p("axis")],
        doc: "x with a new axis of size 1 at axis",
        d: "the gradient reshaped back", ex: "unsqueeze([1, 2], 0)", torch: "torch.unsqueeze(x, axis)", inline: Axis("torch.unsqueeze"), ret: Tensor, tensor_only;
    "concat" => math::concat, Shapes, [p("tensors"), num("axis", 0.0)],
        doc: "a tuple of tensors joined along an existing axis",
        d: "each input gets its slice of the gradient", ex: "concat(([1, 2], [3]))",
        torch: "torch.cat(tensors, dim=axis)", inline: Join("torch.cat"), ret: Tensor, lists_as_tuples;
    "stack" => math::stack, Shapes, [p("tensors"), num("axis", 0.0)],
        doc: "a tuple of tensors of one shape joined along a new axis",
        d: "each input gets its slice of the gradient", ex: "stack(([1, 2], [3, 4]))",
        torch: "torch.stack(tensors, dim=axis)", inline: Join("torch.stack"), ret: Tensor, lists_as_tuples;

    "softmax" => math::softmax, NeuralNets, [p("x"), num("axis", -1.0)],
        doc: "e^x normalised to sum to 1 along axis",
        d: "s = softmax(x); dx = s (g - sum(g s))", ex: "softmax([1, 2, 3])",
        torch: "torch.softmax(x, dim=axis)", inline: Dim { f: "torch.softmax", default: "-1" }, ret: Tensor, tensor_only;
    "log_softmax" => math::log_softmax, NeuralNets, [p("x"), num("axis", -1.0)],
        doc: "the logarithm of softmax, computed stably",
        d: "dx = g - softmax(x) sum(g)", ex: "log_softmax([1, 2, 3])",
        torch: "torch.log_softmax(x, dim=axis)", inline: Dim { f: "torch.log_softmax", default: "-1" }, ret: Tensor, tensor_only;
    "mse_loss" => math::mse_loss, NeuralNets, [p("pred"), p("target")],
        doc: "the mean of the squared differences",
        d: "d/dpred = 2 (pred - target) / n; the negative for target", ex: "mse_loss([1, 2], [1, 4])",
        torch: "torch.nn.functional.mse_loss(pred, target)", inline: Loss { f: "F.mse_loss", long: false }, ret: Tensor, tensor_only;
    "cross_entropy" => math::cross_entropy, NeuralNets, [p("logits"), p("targets")],
        doc: "the mean negative log-likelihood of class indices targets under softmax(logits)",
        d: "d/dlogits = (softmax(logits) - onehot(targets)) / batch", ex: "cross_entropy([[2, 0, 1]], [0])",
        torch: "torch.nn.functional.cross_entropy(logits, targets.long())", inline: Loss { f: "F.cross_entropy", long: true }, ret: Tensor, tensor_only;
    "binary_cross_entropy" => math::binary_cross_entropy, NeuralNets, [p("p"), p("target")],
        doc: "the mean of -(t ln p + (1-t) ln(1-p)); the logarithms are clamped at -100",
        d: "d/dp = (p - t) / (p (1-p)) / n", ex: "binary_cross_entropy([0.9, 0.2], [1, 0])",
        torch: "torch.nn.functional.binary_cross_entropy(p, target)", inline: Loss { f: "F.binary_cross_entropy", long: false }, ret: Tensor, tensor_only;

    "backward" => autograd::backward, Autodiff,
        [p("y"), opt("v"), Param { name: "retain_graph", pass: Pass::Keyword, default: ParamDefault::Same("create_graph") }, flag("create_graph")],
        doc: "accumulates dy/dleaf into every leaf's .grad; v is the starting gradient",
        d: -, ex: "backward(sum(ones(2, grad=true) * 3))",
        torch: "y.backward(v, retain_graph=retain_graph, create_graph=create_graph)", inline: Special, ret: Nothing;
    "backprop_steps" => autograd::backprop_steps, Autodiff, [p("y"), flag("retain_graph")],
        doc: "backward(y), showing each step of the chain rule: the gradient arriving at each operation, its local derivative, and what it sends to each input",
        d: -, ex: "backprop_steps(tanh(tensor(0.5, grad=true) * 2))", torch: "y.backward()", ret: Nothing;
    "grad" => autograd::grad, Autodiff,
        [p("y"), p("x"), opt("v"), Param { name: "retain_graph", pass: Pass::Keyword, default: ParamDefault::Same("create_graph") }, flag("create_graph"), flag("allow_unused")],
        doc: "dy/dx for a tensor or a tuple of tensors x, without touching .grad",
        d: -, ex: "grad(sum(ones(2, grad=true) * 3), ones(2, grad=true), allow_unused=true)",
        torch: "torch.autograd.grad(y, x, grad_outputs=v, retain_graph=retain_graph, create_graph=create_graph, allow_unused=allow_unused)", inline: Special, ret: LikeArg(1, "x"), lists_as_tuples;
    "parameters" => autograd::parameters, Autodiff, [p("v")],
        doc: "every tensor inside v that requires grad (tensors, tuples, lists, modules), each once, in order",
        d: -, ex: "parameters((ones(2, grad=true), 3, ones(2)))", torch: "list(model.parameters())", ret: List;
    "named_parameters" => autograd::named_parameters, Autodiff, [p("v")],
        doc: "(name, tensor) pairs of parameters(v), named by dotted paths as state_dict (layers.0.W)",
        d: -, ex: "named_parameters((ones(2, grad=true), 3))", torch: "list(model.named_parameters())", ret: List;
    "zero_grad" => autograd::zero_grad, Autodiff, [rest("params")],
        doc: "clears the .grad of each tensor given, and of the parameters inside each value given (a tuple, a model)",
        d: -, ex: "zero_grad(ones(2, grad=true))", torch: "for p in params: p.grad = None", ret: Nothing, lists_as_tuples;
    "detach" => autograd::detach, Autodiff, [p("x")],
        doc: "x's values, cut from the graph",
        d: -, ex: "detach(ones(2, grad=true))", torch: "x.detach()", inline: Method("detach"), ret: Tensor, tensor_only;
    "requires_grad_" => autograd::requires_grad_, Autodiff, [p("x"), opt("requires_grad")],
        doc: "makes the leaf x require grad (or not, with false) in place; returns x",
        d: -, ex: "requires_grad_(ones(2))", torch: "x.requires_grad_(requires_grad)", ret: Tensor;
    "retain_grad" => autograd::retain_grad, Autodiff, [p("y")],
        doc: "asks backward to keep the .grad of a non-leaf tensor",
        d: -, ex: "retain_grad(ones(2, grad=true) * 2)", torch: "y.retain_grad()", inline: Method("retain_grad"), ret: Nothing, tensor_only;
    "register_hook" => hooks::register_hook, Autodiff, [p("t"), p("hook")],
        doc: "calls hook(g) with t's gradient g when backward computes it; a returned tensor replaces g, none keeps it; returns a handle for remove_hook",
        d: -, ex: "register_hook(ones(2, grad=true), fn(g) { return g * 2 })",
        torch: "t.register_hook(hook)", ret: LikeFirst;
    "remove_hook" => hooks::remove_hook, Autodiff, [p("handle")],
        doc: "removes the hook that register_hook returned handle for",
        d: -, ex: "remove_hook(register_hook(ones(2, grad=true), fn(g) { return none }))",
        torch: "handle.remove()", ret: Nothing;
    "clip_grad_norm" => autograd::clip_grad_norm, Autodiff, [p("params"), p("max_norm")],
        doc: "scales the gradients so that their joint L2 norm is at most max_norm; returns the norm before",
        d: -, ex: "clip_grad_norm(ones(2, grad=true), 1)",
        torch: "torch.nn.utils.clip_grad_norm_(params, max_norm)", inline: Params { f: "torch.nn.utils.clip_grad_norm_", then: ".item()" }, ret: Num, lists_as_tuples;
    "clip_grad_value" => autograd::clip_grad_value, Autodiff, [p("params"), p("clip")],
        doc: "clamps every gradient element to [-clip, clip]",
        d: -, ex: "clip_grad_value(ones(2, grad=true), 1)",
        torch: "torch.nn.utils.clip_grad_value_(params, clip)", inline: Params { f: "torch.nn.utils.clip_grad_value_", then: "" }, ret: Nothing, lists_as_tuples;
    "gradcheck" => transforms::gradcheck, Autodiff,
        [p("f"), rest1("inputs"), kw_num("eps", 1e-6), kw_num("atol", 1e-5), kw_num("rtol", 1e-3)],
        doc: "compares f's gradients with finite differences; true, or an error naming the element",
        d: -, ex: "gradcheck(fn(x) { return sum(x * x) }, ones(3, grad=true))",
        torch: "torch.autograd.gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)", ret: Bool;

    "item" => math::item, Numbers, [p("x")],
        doc: "the number in a one-element tensor",
        d: -, ex: "item(sum([1, 2]))", torch: "x.item()", inline: Method("item"), ret: Num;
    "range" => math::range, Numbers, [p("start"), opt("end"), num("step", 1.0)],
        doc: "the numbers start, start+step, … before end; range(end) starts at 0",
        d: -, ex: "range(1, 10, 3)", torch: "range(start, end, step)", inline: Special, ret: Unknown;
    "shape" => math::shape, Numbers, [p("x")],
        doc: "x's shape as a tuple, as x.shape",
        d: -, ex: "shape(ones(2, 3))", torch: "tuple(x.shape)", inline: Special, ret: Tuple, tensor_only;
    "numel" => math::numel, Numbers, [p("x")],
        doc: "the number of elements",
        d: -, ex: "numel(ones(2, 3))", torch: "x.numel()", inline: Method("numel"), ret: Int, tensor_only;
    "len" => math::len, Numbers, [p("v")],
        doc: "the length of a tuple, a list, a string, a dict, a range, or a tensor's first axis",
        d: -, ex: "len((1, 2, 3))", torch: "len(v)", inline: Python("len"), ret: Int;
    "round" => lang::round, Numbers, [p("x"), opt("n")],
        doc: "x rounded to n decimals, halves to even (as Python); round(x) gives a whole number",
        d: -, ex: "round(2.675, 2)", torch: "round(x, n)", ret: LikeFirst;
    "sgd" => optimizers::sgd, Autodiff, [p("params"), p("lr"), kw_num("momentum", 0.0), kw_num("dampening", 0.0), kw_num("weight_decay", 0.0), flag("nesterov")],
        doc: "stochastic gradient descent over params (opt.step(), opt.zero_grad(), opt.lr)",
        d: -, ex: "sgd((ones(2, grad=true),), lr=0.1)", torch: "torch.optim.SGD(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)", ret: LikeFirst, lists_as_tuples;
    "adam" => optimizers::adam, Autodiff, [p("params"), num("lr", 0.001), kw("betas"), kw_num("eps", 1e-8), kw_num("weight_decay", 0.0)],
        doc: "Adam over params; betas=(0.9, 0.999) by default",
        d: -, ex: "adam((ones(2, grad=true),))", torch: "torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)", ret: LikeFirst, lists_as_tuples;
    "adamw" => optimizers::adamw, Autodiff, [p("params"), num("lr", 0.001), kw("betas"), kw_num("eps", 1e-8), kw_num("weight_decay", 0.01)],
        doc: "AdamW (decoupled weight decay) over params; betas=(0.9, 0.999) by default",
        d: -, ex: "adamw((ones(2, grad=true),))", torch: "torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)", ret: LikeFirst, lists_as_tuples;
    "set_lr" => optimizers::set_lr, Autodiff, [p("opt"), p("lr")],
        doc: "changes an optimizer's learning rate",
        d: -, ex: "set_lr(sgd((ones(1, grad=true),), lr=1), 0.5)", torch: "for g in opt.param_groups: g[\"lr\"] = lr", ret: Nothing;
    "list" => lang::list, Numbers, [opt("v")],
        doc: "a new list: empty, or from a tuple, a list, a string (its characters), a dict (its keys), a range or a tensor (its first-axis slices, differentiable)",
        d: -, ex: "list(range(3))", torch: "list(v)", inline: Special, ret: List;
    "append" => lang::append, Numbers, [p("xs"), p("v")],
        doc: "adds v at the end of the list xs (xs.append(v))",
        d: -, ex: "append(list(), 1)", torch: "xs.append(v)", inline: ListMethod { m: "append", index: false }, ret: Nothing;
    "pop" => lang::pop, Numbers, [p("xs"), opt("i")],
        doc: "removes and returns the last item of the list xs, or item i",
        d: -, ex: "pop(list((1, 2)))", torch: "xs.pop(i)", inline: ListMethod { m: "pop", index: true }, ret: LikeFirst;
    "int" => collections::int, Numbers, [p("x")],
        doc: "x as a whole number, towards zero; int(s) reads a whole number from a string",
        d: -, ex: "int(-2.7)", torch: "int(x)", ret: Num;
    "float" => collections::float, Numbers, [p("x")],
        doc: "x as a number; float(s) reads a number from a string",
        d: -, ex: "float(\"2.5\")", torch: "float(x)", ret: Num;
    "floor" => collections::floor, Numbers, [p("x")],
        doc: "the largest whole number not above the number x",
        d: -, ex: "floor(-2.5)", torch: "math.floor(x)", ret: Num;
    "ceil" => collections::ceil, Numbers, [p("x")],
        doc: "the smallest whole number not below the number x",
        d: -, ex: "ceil(2.1)", torch: "math.ceil(x)", ret: Num;
    "ord" => collections::ord, Numbers, [p("c")],
        doc: "the code point of the one-character string c",
        d: -, ex: "ord(\"a\")", torch: "ord(c)", ret: Num;
    "chr" => collections::chr, Numbers, [p("n")],
        doc: "the one-character string of code point n",
        d: -, ex: "chr(98)", torch: "chr(n)", ret: Str;
    "dict" => collections::dict, Numbers, [opt("pairs")],
        doc: "a new dict: empty, from (key, value) pairs, or a copy of a dict",
        d: -, ex: "dict(list(((\"a\", 1), (\"b\", 2))))", torch: "dict(pairs)", ret: LikeFirst;
    "enumerate" => collections::enumerate, Numbers, [p("xs"), num("start", 0.0)],
        doc: "a list of (i, x) pairs for the items x of xs, i counting from start",
        d: -, ex: "enumerate(\"ab\", start=1)", torch: "list(enumerate(xs, start=start))", ret: List;
    "zip" => collections::zip, Numbers, [rest1("xs")],
        doc: "a list of tuples of the items of each collection at one position, as long as the shortest",
        d: -, ex: "zip((1, 2), (\"a\", \"b\"))", torch: "list(zip(*xs))", ret: List;
    "sorted" => collections::sorted, Numbers, [p("xs"), kw("key"), flag("reverse")],
        doc: "a new list of the items of xs in order (numbers, strings or tuples of them), by key(x) when key is given; stable",
        d: -, ex: "sorted((3, 1, 2), reverse=true)", torch: "sorted(xs, key=key, reverse=reverse)", ret: List;
    "reversed" => collections::reversed, Numbers, [p("xs")],
        doc: "a new list of the items of xs, last first",
        d: -, ex: "reversed(\"abc\")", torch: "list(reversed(xs))", ret: List;
    "str" => lang::str, Numbers, [p("v")],
        doc: "the text print shows for v",
        d: -, ex: "str(2.5)", torch: "str(v)", ret: Str;
    "nonzero" => lang::nonzero, Numbers, [p("m")],
        doc: "the positions where the 1-d tensor m is not 0, as a tensor of indices",
        d: -, ex: "nonzero([0, 3, 0, 1])", torch: "torch.nonzero(m).flatten().double()", ret: Tensor;
    "time" => output::time, Numbers, [],
        doc: "seconds on a monotonic clock",
        d: -, ex: "time()", torch: "time.monotonic()", ret: Num;

    "print" => output::print, Output, [rest("values"), kw_text("sep", "\" \""), kw_text("end", "\"\\n\"")],
        doc: "writes the values separated by sep (a space), then end (a new line)",
        d: -, ex: "print(\"x =\", 3)", torch: "print(*values, sep=sep, end=end)", ret: Nothing;
    "read_text" => collections::read_text, Output, [p("path")],
        doc: "the text of a UTF-8 file (under the allowed folders)",
        d: -, ex: "read_text(\"data.csv\")", torch: "open(path, encoding=\"utf-8\").read()", ret: Str;
    "read_lines" => collections::read_lines, Output, [p("path")],
        doc: "the lines of a UTF-8 file as a list of strings, without their newlines",
        d: -, ex: "read_lines(\"data.csv\")", torch: "open(path, encoding=\"utf-8\").read().splitlines()", ret: List;
    "plot" => pictures::plot, Output, [p("xs"), opt("ys"), kw("title"), kw("file"), kw("labels"), flag("logy")],
        doc: "a line chart of ys against xs (plot(ys): against 0, 1, 2, …); several series as a tuple or a 2-d tensor, with labels= (a legend) and logy=true; in the terminal, or SVG into file=",
        d: -, ex: "plot((1, 4, 9, 16), title=\"squares\")", torch: "matplotlib.pyplot.plot(xs, ys)", ret: Nothing, lists_as_tuples;
    "scatter" => pictures::scatter, Output, [p("X"), opt("y"), kw("title"), kw("file")],
        doc: "2-d points X [n, 2], one mark per class y; in the terminal, or SVG into file=",
        d: -, ex: "scatter([[0, 0], [1, 1]], [0, 1])", torch: "matplotlib.pyplot.scatter(X[:, 0], X[:, 1], c=y)", ret: Nothing;
    "draw" => pictures::draw, Output, [p("y"), kw("file")],
        doc: "the recorded graph of y as a picture (micrograd's draw_dot): a tree in the terminal, SVG into file=",
        d: -, ex: "draw(sum(ones(2, grad=true) * 2))", torch: "torchviz.make_dot(y)", ret: Nothing;
    "assert" => output::assert, Output, [p("cond"), opt("message")],
        doc: "an error with message unless cond is true",
        d: -, ex: "assert(1 < 2, \"order\")", torch: "assert cond, message", ret: Nothing;
    "assert_close" => output::assert_close, Output, [p("a"), p("b"), num("atol", 1e-6), num("rtol", 1e-5)],
        doc: "an error unless |a - b| <= atol + rtol |b| everywhere (same shapes)",
        d: -, ex: "assert_close(0.1 + 0.2, 0.3)",
        torch: "torch.testing.assert_close(a, b, atol=atol, rtol=rtol)", ret: Nothing;
    "gradflow" => output::gradflow, Output, [],
        doc: "the table of gradients that flowed through the last backward",
        d: -, ex: "gradflow()", torch: "(no equivalent: bp only)", inline: Special, ret: Nothing;

    "one_hot" => course::one_hot, Creation, [p("idx"), opt("n")],
        doc: "class indices as rows of n zeros with a 1 at the index: shape idx.shape + (n,); n defaults to the largest index + 1",
        d: -, ex: "one_hot([2, 0, 1], 4)", torch: "torch.nn.functional.one_hot(idx.long(), n).double()", ret: Tensor;
    "multinomial" => course::multinomial, Creation, [p("probs"), p("n"), flag("replacement")],
        doc: "n indices drawn with weights probs (each row of a 2-d probs); without replacement no index twice (repeatable with seed)",
        d: -, ex: "multinomial([0.1, 0.6, 0.3], 5, replacement=true)",
        torch: "torch.multinomial(probs, n, replacement=replacement).double() (bp's generator: the samples differ from torch's)", ret: Tensor;
    "randint" => course::randint, Creation, [p("low"), opt("high"), opt("shape")],
        doc: "whole numbers drawn uniformly from [low, high) in the given shape; randint(high, shape) starts at 0 (repeatable with seed)",
        d: -, ex: "randint(0, 10, (2, 3))",
        torch: "torch.randint(low, high, shape).double() (bp's generator: the samples differ from torch's)", ret: Tensor;
    "cumsum" => course::cumsum, Reductions, [p("x"), p("axis")],
        doc: "the running sums along axis",
        d: "the gradient summed from the end: dx_i = sum over j >= i of g_j", ex: "cumsum([1, 2, 3], 0)",
        torch: "torch.cumsum(x, dim=axis)", ret: Tensor;
    "sort" => course::sort, Reductions, [p("x"), num("axis", -1.0), flag("descending")],
        doc: "(values, indices): x sorted along axis; ties keep their order (stable), nan last (first if descending)",
        d: "each value's gradient goes back to the element it came from", ex: "sort([3, 1, 2])",
        torch: "torch.sort(x, dim=axis, descending=descending, stable=True)", ret: Tuple;
    "argsort" => course::argsort, Reductions, [p("x"), num("axis", -1.0), flag("descending")],
        doc: "the indices that sort x along axis (stable)",
        d: "none: an index has no gradient", ex: "argsort([3, 1, 2])",
        torch: "torch.argsort(x, dim=axis, descending=descending, stable=True)", ret: Tensor;
    "topk" => course::topk, Reductions,
        [p("x"), p("k"), num("axis", -1.0), Param { name: "largest", pass: Pass::Keyword, default: ParamDefault::Bool(true) }],
        doc: "(values, indices): the k largest (largest=false: smallest) along axis, sorted; ties in order of position",
        d: "each value's gradient goes back to the element it came from", ex: "topk([1, 5, 3, 4], 2)",
        torch: "torch.topk(x, k, dim=axis, largest=largest)", ret: Tuple;
    "var" => course::var, Reductions, [p("x"), opt("axis"), kw_num("correction", 1.0), flag("keepdim")],
        doc: "the variance: sum((x - mean)^2) / (n - correction), of all elements or along axis (a number or a tuple)",
        d: "dx_i = 2 (x_i - mean) / (n - correction)", ex: "var([1, 2, 4])",
        torch: "torch.var(x, dim=axis, correction=correction, keepdim=keepdim)", ret: Tensor;
    "std" => course::std, Reductions, [p("x"), opt("axis"), kw_num("correction", 1.0), flag("keepdim")],
        doc: "the standard deviation: sqrt(var(x, axis, correction))",
        d: "dx_i = (x_i - mean) / ((n - correction) std)", ex: "std([1, 2, 4])",
        torch: "torch.std(x, dim=axis, correction=correction, keepdim=keepdim)", ret: Tensor;
    "logsumexp" => course::logsumexp, Reductions, [p("x"), p("axis"), flag("keepdim")],
        doc: "log(sum(exp(x))) along axis, computed stably",
        d: "dx = softmax(x) along axis, times g", ex: "logsumexp([1, 2, 3], 0)",
        torch: "torch.logsumexp(x, dim=axis, keepdim=keepdim)", ret: Tensor;
    "dot" => course::dot, LinearAlgebra, [p("a"), p("b")],
        doc: "the dot product of two vectors of one length",
        d: "d/da = g b, d/db = g a", ex: "dot([1, 2], [3, 4])", torch: "torch.dot(a, b)", ret: Tensor;
    "meshgrid" => course::meshgrid, Shapes, [rest1("tensors"), kw("indexing")],
        doc: "grids of the vectors' values, one tensor each (indexing \"ij\": the first vector down the rows; \"xy\" swaps the first two axes)",
        d: "each grid's gradient summed back onto its vector", ex: "meshgrid([1, 2], [10, 20, 30])",
        torch: "torch.meshgrid(*tensors, indexing=indexing)", ret: Tuple;
    "clone" => course::clone, Shapes, [p("x")],
        doc: "a copy of x with its own values, still in the graph",
        d: "the gradient passes through unchanged", ex: "clone([1, 2])", torch: "x.clone()", ret: Tensor;
    "chunk" => course::chunk, Shapes, [p("x"), p("n"), num("axis", 0.0)],
        doc: "x cut along axis into pieces of ceil(size / n), the last shorter (a tuple; fewer than n when they run out)",
        d: "each piece gets its slice of the gradient", ex: "chunk(arange(7), 3)",
        torch: "torch.chunk(x, n, dim=axis)", ret: Tuple;
    "split" => course::split, Shapes, [p("x"), p("size"), num("axis", 0.0)],
        doc: "x cut along axis into pieces of size (the last shorter), or of the sizes of a tuple (a tuple)",
        d: "each piece gets its slice of the gradient", ex: "split(arange(7), 2)",
        torch: "torch.split(x, size, dim=axis)", ret: Tuple;
    "binary_cross_entropy_with_logits" => course::binary_cross_entropy_with_logits, NeuralNets, [p("z"), p("y")],
        doc: "binary_cross_entropy(sigmoid(z), y) computed stably from the logits z (the mean)",
        d: "d/dz = (sigmoid(z) - y) / n", ex: "binary_cross_entropy_with_logits([2, -1], [1, 0])",
        torch: "torch.nn.functional.binary_cross_entropy_with_logits(z, y)", ret: Tensor;
    "jacobian" => transforms::jacobian, Autodiff, [p("f"), p("x"), flag("create_graph")],
        doc: "the Jacobian of f at x: shape f(x).shape + x.shape",
        d: -, ex: "jacobian(fn(x) { return x * x }, [1, 2])",
        torch: "torch.autograd.functional.jacobian(f, x, create_graph=create_graph)", ret: Tensor;
    "hessian" => transforms::hessian, Autodiff, [p("f"), p("x")],
        doc: "the matrix of second derivatives of the scalar function f at x: shape x.shape + x.shape",
        d: -, ex: "hessian(fn(x) { return sum(x ** 3) }, [1, 2])",
        torch: "torch.autograd.functional.hessian(f, x)", ret: Tensor;
    "gradgradcheck" => transforms::gradgradcheck, Autodiff,
        [p("f"), rest1("inputs"), kw_num("eps", 1e-6), kw_num("atol", 1e-5), kw_num("rtol", 1e-3)],
        doc: "compares f's second derivatives (of its recorded gradients) with finite differences; true, or an error naming the element",
        d: -, ex: "gradgradcheck(fn(x) { return sum(x ** 3) }, ones(2, grad=true))",
        torch: "torch.autograd.gradgradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)", ret: Bool;
    "allclose" => course::allclose, Numbers, [p("a"), p("b"), num("rtol", 1e-5), num("atol", 1e-8), flag("equal_nan")],
        doc: "true when |a - b| <= atol + rtol |b| everywhere (broadcast); nan is close to nothing unless equal_nan",
        d: -, ex: "allclose([1, 2], [1, 2.000001])",
        torch: "torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)", ret: Bool;
    "env" => course::env, Numbers, [p("name"), opt("default")],
        doc: "the environment variable name as a number (or as a string when it is not one), else default",
        d: -, ex: "env(\"STEPS\", 1000)", torch: "os.environ.get(name, default) (as a number when it is one)", ret: LikeFirst;
    "hist" => pictures::hist, Output, [p("x"), num("bins", 50.0), kw("title"), kw("file")],
        doc: "a histogram of x's values in bins equal bins from its smallest to its largest value; in the terminal, or SVG into file=",
        d: -, ex: "hist([1, 2, 2, 3, 3, 3], bins=3)", torch: "matplotlib.pyplot.hist(x.flatten(), bins=bins)", ret: Nothing;
    "imshow" => pictures::imshow, Output, [p("m"), kw("title"), kw("file")],
        doc: "a matrix as a heat map (darker is larger); in the terminal, or SVG into file=",
        d: -, ex: "imshow([[1, 2], [3, 4]])", torch: "matplotlib.pyplot.imshow(m)", ret: Nothing;
}
