//! One scalar kernel per elementwise operation: every elementwise builtin (and
//! every arithmetic operator) gives the same result on numbers and on 0-d
//! tensors, over the special values (0, -0, ±inf, NaN, huge, tiny).

use bp::eval::builtins::{self, Group, Pass};
use bp::eval::{Interpreter, Options, Value};

const SPECIAL: &[&str] = &[
    "0", "-0", "1/0", "-1/0", "0/0", "1e308", "-1e308", "5e-324", "-5e-324", "1", "-1", "0.5", "2",
    "-2.5", "20.5", "3",
];

/// Runs `src` and returns the number in `r` (an item of a 0-d tensor, or a
/// number), or the error message.
fn result(src: &str) -> Result<f64, String> {
    let mut it = Interpreter::new(Box::new(std::io::sink()), Options::default());
    it.run_source("k.bp", src).map_err(|e| match e {
        bp::eval::RunError::Syntax(d) => d[0].message.clone(),
        bp::eval::RunError::Runtime(d) => d.message,
    })?;
    match it.global("r") {
        Some(Value::Num(n)) => Ok(*n),
        Some(Value::Tensor(t)) if t.ndim() == 0 => t.item().ok_or_else(|| "empty".to_string()),
        Some(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        other => Err(format!("r is {:?}", other.map(|v| v.type_name()))),
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Every combination of `n` special values.
fn combinations(n: usize) -> Vec<Vec<&'static str>> {
    let mut out = vec![vec![]];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|c| {
                SPECIAL.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(*v);
                    c
                })
            })
            .collect();
    }
    out
}

fn check(
    call: impl Fn(&[String]) -> String,
    values: &[&str],
    tensor_args: usize,
    checked: &mut usize,
) {
    let nums: Vec<String> = values.iter().map(|v| format!("({v})")).collect();
    let tens: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if i < tensor_args {
                format!("tensor({v})")
            } else {
                format!("({v})")
            }
        })
        .collect();
    let on_numbers = result(&format!("r = {}", call(&nums)));
    let on_tensors = result(&format!("r = {}", call(&tens)));
    match (&on_numbers, &on_tensors) {
        (Ok(a), Ok(b)) => assert!(
            same(*a, *b),
            "{}: number {a:?} but 0-d tensor {b:?}",
            call(&nums)
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("{}: {on_numbers:?} vs {on_tensors:?}", call(&nums)),
    }
    *checked += 1;
}

#[test]
fn numbers_and_0d_tensors_agree_on_special_values() {
    let mut checked = 0;
    for b in builtins::group(Group::Elementwise) {
        let arity = b
            .params
            .iter()
            .filter(|p| p.pass == Pass::Positional)
            .count();
        // Parameters read as plain numbers (slope, bounds) stay numbers. A number
        // exponent is PyTorch's pow(Tensor, Scalar), which computes 0.5, -0.5, -1, 2, 3
        // and -2 by their own formulas (`-0 ** 0.5` is -0); a tensor exponent is
        // pow(Tensor, Tensor), plain `pow` (+0): PyTorch itself tells them apart, so a
        // number meets a tensor with a number exponent.
        let tensor_args = match b.name {
            "leaky_relu" | "clamp" | "pow" => 1,
            _ => arity,
        };
        let name = b.name;
        for values in combinations(arity) {
            check(
                |args| format!("{name}({})", args.join(", ")),
                &values,
                tensor_args,
                &mut checked,
            );
        }
    }
    for name in ["max", "min"] {
        for values in combinations(2) {
            check(
                |a| format!("{name}({}, {})", a[0], a[1]),
                &values,
                2,
                &mut checked,
            );
        }
    }
    for op in ["+", "-", "*", "/", "%", "**", "==", "<", ">="] {
        for values in combinations(2) {
            // Two tensors, except for `**` (as for `pow` above).
            check(
                |a| format!("{} {op} {}", a[0], a[1]),
                &values,
                if op == "**" { 1 } else { 2 },
                &mut checked,
            );
            // A tensor meeting a plain number (the scalar fast paths).
            check(
                |a| format!("{} {op} {}", a[0], a[1]),
                &values,
                1,
                &mut checked,
            );
        }
    }
    check(|a| format!("-{}", a[0]), &["-0"], 1, &mut checked);
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn nan_propagates_as_in_pytorch() {
    for src in [
        "relu(0/0)",
        "relu(tensor(0/0))",
        "clamp(0/0, min=0, max=1)",
        "clamp(tensor(0/0), min=0, max=1)",
        "maximum(0/0, 1)",
        "minimum(1, 0/0)",
        "max(0/0, 1)",
        "min(1, tensor(0/0))",
        "leaky_relu(0/0)",
    ] {
        let r = result(&format!("r = {src}")).unwrap_or(0.0);
        assert!(r.is_nan(), "{src} gave {r}");
    }
    // torch.relu(-0.) is -0., torch.sign(nan) is 0.
    assert!(same(result("r = relu(-0)").unwrap_or(1.0), -0.0));
    assert!(same(result("r = sign(0/0)").unwrap_or(1.0), 0.0));
}
