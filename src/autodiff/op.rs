//! The recorded operations: one variant each, with the parameters its backward needs.

use super::scalar::Unary;
use super::Array;
use std::rc::Rc;

/// One entry of a basic index, already checked against the tensor's shape.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexItem {
    /// Selects one position and removes the axis.
    Single(usize),
    /// Keeps the axis: positions `start, start + step, …` below `end`.
    Slice {
        start: usize,
        end: usize,
        step: usize,
    },
}

/// One recorded operation.
///
/// # Adding an operation (an elementwise `foo`, say)
///
/// 1. `autodiff/scalar.rs`: `pub fn foo(x: f64) -> f64`, the one scalar kernel
///    (NaN and infinities as in PyTorch), and the variant `Unary::Foo` with its arms
///    (`kernel`, `name`, `backward_name`: PyTorch's `FooBackward`); it is recorded
///    as `Op::Unary(Unary::Foo)`. A unary op with a parameter (`leaky_relu`,
///    `clamp`) gets a variant here, its own function in `elementwise.rs` and builtin
///    body in `math.rs` instead.
/// 2. `autodiff/vjp.rs`: the arm, its math in a comment, written with recorded
///    operations so that second derivatives follow.
/// 3. `eval/builtins/table.rs`: the row `"foo" => unary!(Foo), Elementwise, ...`
///    (doc, derivative, example, PyTorch name).
/// 4. `tests/gradcheck.rs`: a case in `unary_cases` and an arm in
///    `gradient_test_of` (the match has no wildcard, so this will not compile
///    without it); `tests/kernels.rs` picks the builtin up from the table.
/// 5. `cargo run -- help --markdown > docs/builtins.md`, and the editor grammar's
///    builtin list as `tests/lsp.rs` prints it.
///
/// A `Unary` touches `scalar.rs`, `vjp.rs` and `table.rs`, its gradient test and
/// the two generated files (the exported runtime's function is generated too).
#[derive(Clone, Debug)]
pub enum Op {
    // Elementwise with broadcasting.
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Rem,
    Maximum,
    Minimum,
    /// `where(cond, a, b)`; the condition (as 0/1) is not differentiable.
    Where(Rc<Array>),
    // Elementwise, one input.
    Neg,
    /// The one-argument elementwise operations without parameters (`exp`, `tanh`,
    /// …): their kernels, names and builtin rows follow from [`Unary`].
    Unary(Unary),
    /// `g * (1 - y²)`: tanh's backward as one operation (inputs `g`, `y = tanh(x)`).
    TanhGrad,
    /// `g * y * (1 - y)`: sigmoid's backward as one operation (inputs `g`, `y = σ(x)`).
    SigmoidGrad,
    LeakyRelu(f64),
    Clamp(Option<f64>, Option<f64>),
    /// `a // b` (torch.floor_divide): recorded so that a backward through it
    /// refuses, as PyTorch's `NotImplemented` node does.
    FloorDivide,
    /// `x ** p` for a plain number `p`.
    PowScalar(f64),
    /// `x + c` for a plain number `c` (numbers never become tensors).
    AddScalar(f64),
    /// `x - c` for a plain number `c`.
    SubScalar(f64),
    /// `x * c` (or `c * x`) for a plain number `c`.
    MulScalar(f64),
    // Reductions. `axes: None` reduces every axis.
    Sum {
        axes: Option<Vec<usize>>,
        keepdim: bool,
    },
    Mean {
        axes: Option<Vec<usize>>,
        keepdim: bool,
    },
    /// Full max/min: the gradient is shared evenly among ties.
    MaxAll,
    MinAll,
    /// Max/min along an axis: the gradient goes to the selected element.
    MaxAxis {
        axis: usize,
        keepdim: bool,
    },
    MinAxis {
        axis: usize,
        keepdim: bool,
    },
    Prod {
        axis: Option<usize>,
        keepdim: bool,
    },
    Norm,
    // Shapes.
    Reshape,
    Permute(Vec<usize>),
    BroadcastTo(Vec<usize>),
    SumTo(Vec<usize>),
    Index(Rc<[IndexItem]>),
    /// Scatters a gradient into zeros of `shape` at an index (the backward of `Index`).
    IndexBackward {
        shape: Vec<usize>,
        items: Rc<[IndexItem]>,
    },
    Concat(usize),
    /// `x[idx]` with a tensor of indices: rows of the first axis, repeats allowed.
    Gather(Rc<[usize]>),
    /// Adds the rows of a gradient into zeros with `n` rows at `rows` (repeats
    /// summed): the gradient of `Gather`.
    ScatterRows {
        rows: Rc<[usize]>,
        n: usize,
    },
    // Linear algebra: matrix product of the last two axes, batch axes broadcast.
    MatMul,
    /// `g * d` (inputs `g, deps...`) for a derivative `d` computed from `deps` and
    /// constant in them (relu's mask, abs's sign): recorded by a `create_graph`
    /// backward so that a first derivative stays connected to its input, as in
    /// PyTorch; its derivative with respect to `deps` is zero.
    ScaleBy(Rc<Array>),
    /// The elementwise binary cross-entropy (inputs `p`, `target`), each log
    /// clamped at -100, with PyTorch's gradient `(p - t) / max(p(1 - p), 1e-12)`.
    BinaryCrossEntropy,
    /// `x[idx] = v` recorded (PyTorch's CopySlices; inputs `x` as it was and `v`):
    /// `positions` are the flat positions of `x` written, in the order of the
    /// selection, whose shape is `shape` (`v` broadcast to it).
    IndexPut {
        positions: Rc<[usize]>,
        shape: Vec<usize>,
    },
    /// A call of a function with a `backward` clause (SPEC §21): its inputs are
    /// the call's tensor arguments, its derivative the user's backward.
    Custom(Rc<super::custom::CustomOp>),
}

impl Op {
    /// PyTorch's name for the backward of this operation, as shown in `grad_fn=<…>`.
    pub fn name(&self) -> &'static str {
        self.names().0
    }

    /// The operation as a user would name it (`sqrt`, `*`), for diagnostics.
    pub fn describe(&self) -> &'static str {
        self.names().1
    }

    /// Both names of the operation, one row each: PyTorch's name for its backward
    /// ([`Op::name`]) and the user's ([`Op::describe`]).
    fn names(&self) -> (&'static str, &'static str) {
        match self {
            Op::Unary(u) => (u.backward_name(), u.name()),
            Op::Add | Op::AddScalar(_) => ("AddBackward", "addition"),
            Op::Sub | Op::SubScalar(_) => ("SubBackward", "subtraction"),
            Op::Mul | Op::MulScalar(_) => ("MulBackward", "multiplication"),
            Op::Div => ("DivBackward", "division"),
            Op::Pow | Op::PowScalar(_) => ("PowBackward", "power"),
            Op::Rem => ("RemainderBackward", "remainder"),
            Op::Maximum => ("MaximumBackward", "maximum"),
            Op::Minimum => ("MinimumBackward", "minimum"),
            Op::Where(_) => ("WhereBackward", "where"),
            Op::Neg => ("NegBackward", "negation"),
            Op::TanhGrad => ("TanhBackwardBackward", "tanh's backward"),
            Op::SigmoidGrad => ("SigmoidBackwardBackward", "sigmoid's backward"),
            Op::LeakyRelu(_) => ("LeakyReluBackward", "leaky_relu"),
            Op::Clamp(..) => ("ClampBackward", "clamp"),
            Op::FloorDivide => ("NotImplemented", "floor division"),
            Op::Sum { .. } => ("SumBackward", "sum"),
            Op::Mean { .. } => ("MeanBackward", "mean"),
            Op::MaxAll | Op::MaxAxis { .. } => ("MaxBackward", "max"),
            Op::MinAll | Op::MinAxis { .. } => ("MinBackward", "min"),
            Op::Prod { .. } => ("ProdBackward", "prod"),
            Op::Norm => ("NormBackward", "norm"),
            Op::Reshape => ("ViewBackward", "reshape"),
            Op::Permute(_) => ("PermuteBackward", "transpose"),
            Op::BroadcastTo(_) => ("ExpandBackward", "broadcast"),
            Op::SumTo(_) => ("SumToBackward", "sum to shape"),
            Op::Index(_) => ("IndexBackward", "indexing"),
            Op::IndexBackward { .. } => ("IndexPutBackward", "index scatter"),
            Op::Concat(_) => ("CatBackward", "concat"),
            Op::Gather(_) => ("IndexBackward", "indexing with a tensor"),
            Op::ScatterRows { .. } => ("IndexAddBackward", "index add"),
            Op::MatMul => ("MatmulBackward", "matmul"),
            Op::ScaleBy(_) => ("MulBackward", "a derivative"),
            Op::BinaryCrossEntropy => ("BinaryCrossEntropyBackward", "binary_cross_entropy"),
            Op::IndexPut { .. } => ("CopySlices", "index assignment"),
            Op::Custom(c) => (c.name, c.name),
        }
    }
}
