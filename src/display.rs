//! How values look when printed: plain numbers in Python's shortest round-trip form and
//! tensors in exactly the layout of PyTorch's `print(tensor)` (SPEC §3, §9).
//!
//! The tensor layout is a transcription of `torch/_tensor_str.py` with the default print
//! options (precision 4, threshold 1000, edgeitems 3, linewidth 80, `sci_mode` chosen
//! automatically) for a float64 tensor when float64 is the default dtype, so no dtype
//! suffix is ever shown. The names of the private functions follow PyTorch's
//! (`_Formatter`, `_tensor_str_with_formatter`, `_vector_str`, `_add_suffixes`) so the
//! two can be read side by side.

use ndarray::{ArrayD, ArrayViewD, Axis};

/// Digits after the point in fixed and scientific mode (`PRINT_OPTS.precision`).
const PRECISION: usize = 4;
/// More elements than this and the tensor is summarised with `...`.
const THRESHOLD: usize = 1000;
/// Items kept at each end of a summarised axis.
const EDGE_ITEMS: usize = 3;
/// Lines are wrapped to fit this many characters.
const LINE_WIDTH: usize = 80;
/// Every tensor prints as `tensor(...)`; its contents are indented by this prefix.
const PREFIX: &str = "tensor(";

/// `[2, 3]`, `[]` for a 0-d shape.
pub fn fmt_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// Formats a plain number like Python's `repr(float)`, but without the `.0` that Python
/// puts on integers: `3`, `2.5`, `0.1`, `1e-08`, `1e+16`, `-0`, `inf`, `nan`.
///
/// Python keeps positional notation for decimal exponents from -4 to 15 and switches to
/// `d.ddde±XX` (at least two exponent digits) outside that range; the digits are the
/// shortest that round-trip, which is also what Rust's `{:e}` produces.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return non_finite(x).to_string();
    }
    let shortest = format!("{x:e}");
    let (mantissa, exponent) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    if !(-4..16).contains(&exponent) {
        return format!("{sign}{mantissa}{}", python_exponent(exponent));
    }
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if exponent < 0 {
        let zeros = "0".repeat(exponent.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exponent as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int_part, frac_part) = digits.split_at(int_len);
        format!("{sign}{int_part}.{frac_part}")
    }
}

/// `x` with `decimals` digits after the point, trailing zeros (and a bare point)
/// dropped, and `-0` written `0`: the short positional form of labels and formulas.
pub(crate) fn fixed_trimmed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

/// Formats a tensor exactly as PyTorch's `print(tensor)` does. `suffix` is appended
/// before the closing parenthesis — `""`, `", requires_grad=True"` or
/// `", grad_fn=<MulBackward0>"` — and moves to a line of its own when it would make the
/// last line longer than 80 characters, as PyTorch's `_add_suffixes` does.
#[cfg(test)]
pub fn format_tensor(data: &ArrayD<f64>, suffix: &str) -> String {
    format_tensor_of(data, suffix, false)
}

/// `format_tensor` for a bool tensor too (`is_bool`): its elements show as
/// `True` and `False`, right-aligned to the widest, as PyTorch shows them.
pub fn format_tensor_of(data: &ArrayD<f64>, suffix: &str, is_bool: bool) -> String {
    let indent = PREFIX.len();
    let mut suffixes = Vec::new();
    let body = if data.is_empty() {
        // PyTorch shows the shape of an empty tensor unless it is 1-D, like NumPy.
        if data.ndim() != 1 {
            suffixes.push(format!("size={}", python_tuple(data.shape())));
        }
        if is_bool {
            suffixes.push("dtype=torch.bool".to_string());
        }
        "[]".to_string()
    } else {
        let summarize = data.len() > THRESHOLD;
        let mut shown = Vec::new();
        summarized_data(data.view(), summarize, &mut shown);
        let mut formatter = Formatter::new(&shown);
        if is_bool {
            formatter.bool_mode = true;
            formatter.max_width = if shown.contains(&0.0) { 5 } else { 4 };
        }
        tensor_str_with_formatter(data.view(), indent, summarize, &formatter)
    };
    let suffix = suffix.strip_prefix(", ").unwrap_or(suffix);
    if !suffix.is_empty() {
        suffixes.push(suffix.to_string());
    }
    add_suffixes(format!("{PREFIX}{body}"), &suffixes, indent)
}

/// PyTorch's `_Formatter`: one element width and one notation for the whole tensor.
struct Formatter {
    /// Every finite element is an integer: print `7.` rather than `7.0000`.
    int_mode: bool,
    /// Print `1.0000e-08`; chosen when magnitudes differ widely.
    sci_mode: bool,
    /// Every element is right-aligned to this many characters.
    max_width: usize,
    /// A bool tensor: `True` and `False`.
    bool_mode: bool,
}

impl Formatter {
    /// Looks only at the nonzero finite values (of the summarised data, when summarised).
    fn new(values: &[f64]) -> Formatter {
        let nonzero_finite: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v != 0.0)
            .collect();
        let mut formatter = Formatter {
            int_mode: true,
            sci_mode: false,
            max_width: 1,
            bool_mode: false,
        };
        if nonzero_finite.is_empty() {
            return formatter;
        }
        let abs_min = nonzero_finite
            .iter()
            .fold(f64::INFINITY, |m, v| m.min(v.abs()));
        let abs_max = nonzero_finite.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        formatter.int_mode = nonzero_finite.iter().all(|v| *v == v.ceil());
        let wide = abs_max / abs_min > 1000.0 || abs_max > 1.0e8;
        // Integers are never sent to scientific mode for being small: they are >= 1.
        formatter.sci_mode = wide || (!formatter.int_mode && abs_min < 1.0e-4);
        formatter.max_width = nonzero_finite
            .iter()
            .map(|&v| {
                if formatter.sci_mode {
                    python_sci(v).len()
                } else if formatter.int_mode {
                    // one more for the `.` that marks a float
                    format!("{v:.0}").len() + 1
                } else {
                    format!("{v:.PRECISION$}").len()
                }
            })
            .max()
            .unwrap_or(1)
            .max(1);
        formatter
    }

    fn width(&self) -> usize {
        self.max_width
    }

    fn format(&self, value: f64) -> String {
        let text = if self.bool_mode {
            if value != 0.0 { "True" } else { "False" }.to_string()
        } else if !value.is_finite() {
            non_finite(value).to_string()
        } else if self.sci_mode {
            python_sci(value)
        } else if self.int_mode {
            format!("{value:.0}.")
        } else {
            format!("{value:.PRECISION$}")
        };
        format!("{text:>width$}", width = self.max_width)
    }
}

/// `inf`, `-inf` and `nan` as Python spells them (Rust says `NaN`).
fn non_finite(x: f64) -> &'static str {
    if x.is_nan() {
        "nan"
    } else if x > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// Python's `"{:.4e}".format(x)`: `1.0000e-08`, `-2.5000e+03`.
fn python_sci(x: f64) -> String {
    if !x.is_finite() {
        return non_finite(x).to_string();
    }
    let rust = format!("{x:.PRECISION$e}");
    let (mantissa, exponent) = rust.split_once('e').unwrap_or((&rust, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    format!("{mantissa}{}", python_exponent(exponent))
}

/// An exponent with its sign and at least two digits, as C's `printf` writes it.
fn python_exponent(exponent: i32) -> String {
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("e{sign}{:02}", exponent.unsigned_abs())
}

/// A shape as Python prints a tuple: `(0, 3)`, `(0,)`.
fn python_tuple(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The indices shown along an axis of length `len`: all of them, or the first and last
/// `EDGE_ITEMS` with `None` standing for the `...` between them.
fn shown_indices(len: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && len > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((len - EDGE_ITEMS..len).map(Some))
            .collect()
    } else {
        (0..len).map(Some).collect()
    }
}

/// PyTorch's `get_summarized_data`: the elements that will be shown, which alone decide
/// the formatter.
fn summarized_data(view: ArrayViewD<f64>, summarize: bool, out: &mut Vec<f64>) {
    if view.ndim() == 0 {
        out.extend(view.iter().copied());
        return;
    }
    for index in shown_indices(view.len_of(Axis(0)), summarize)
        .into_iter()
        .flatten()
    {
        summarized_data(view.index_axis(Axis(0), index), summarize, out);
    }
}

/// PyTorch's `_tensor_str_with_formatter`: nested brackets, one blank line fewer
/// between blocks at each level inwards.
fn tensor_str_with_formatter(
    view: ArrayViewD<f64>,
    indent: usize,
    summarize: bool,
    formatter: &Formatter,
) -> String {
    let dim = view.ndim();
    if dim == 0 {
        return formatter.format(view.iter().next().copied().unwrap_or(0.0));
    }
    if dim == 1 {
        return vector_str(view, indent, summarize, formatter);
    }
    let slices: Vec<String> = shown_indices(view.len_of(Axis(0)), summarize)
        .into_iter()
        .map(|index| match index {
            Some(i) => tensor_str_with_formatter(
                view.index_axis(Axis(0), i),
                indent + 1,
                summarize,
                formatter,
            ),
            None => "...".to_string(),
        })
        .collect();
    let separator = format!(",{}{}", "\n".repeat(dim - 1), " ".repeat(indent + 1));
    format!("[{}]", slices.join(&separator))
}

/// PyTorch's `_vector_str`: as many elements per line as fit in the line width.
fn vector_str(
    view: ArrayViewD<f64>,
    indent: usize,
    summarize: bool,
    formatter: &Formatter,
) -> String {
    // each element is followed by ", "
    let element_length = formatter.width() + 2;
    let per_line = (LINE_WIDTH.saturating_sub(indent) / element_length).max(1);
    let data: Vec<String> = shown_indices(view.len_of(Axis(0)), summarize)
        .into_iter()
        .map(|index| match index.and_then(|i| view.get(i)) {
            Some(&value) => formatter.format(value),
            None => " ...".to_string(),
        })
        .collect();
    let lines: Vec<String> = data.chunks(per_line).map(|line| line.join(", ")).collect();
    let separator = format!(",\n{}", " ".repeat(indent + 1));
    format!("[{}]", lines.join(&separator))
}

/// PyTorch's `_add_suffixes`: each suffix goes after `, ` on the last line, or on a line
/// of its own when the last line would pass the line width.
fn add_suffixes(mut text: String, suffixes: &[String], indent: usize) -> String {
    // PyTorch computes `len(s) - s.rfind("\n") + 1`: the last line's length plus 2.
    let last_line = text.rsplit('\n').next().unwrap_or("");
    let mut last_line_len = last_line.chars().count() + 2;
    for suffix in suffixes {
        let suffix_len = suffix.chars().count();
        if last_line_len + suffix_len + 2 > LINE_WIDTH {
            text.push_str(",\n");
            text.push_str(&" ".repeat(indent));
            text.push_str(suffix);
            last_line_len = indent + suffix_len;
        } else {
            text.push_str(", ");
            text.push_str(suffix);
            last_line_len += suffix_len + 2;
        }
    }
    text.push(')');
    text
}

/// `1 point`, `3 points`, `2 classes`: a count with its noun, singular for one.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr0, ArrayD, IxDyn};

    fn tensor(shape: &[usize], values: Vec<f64>) -> ArrayD<f64> {
        ArrayD::from_shape_vec(IxDyn(shape), values).expect("test shape matches its values")
    }

    fn vector(values: &[f64]) -> ArrayD<f64> {
        tensor(&[values.len()], values.to_vec())
    }

    #[test]
    fn numbers_print_like_python_repr_without_a_trailing_point_zero() {
        // Expected strings are Python's `repr(x)` with a final `.0` removed. Python writes
        // positional notation for decimal exponents -4..=15 and `d.ddde±XX` otherwise.
        let cases = [
            (3.0, "3"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1e-8, "1e-08"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1e16, "1e+16"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e15, "1000000000000000"),
            (9999999999999998.0, "9999999999999998"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-2.5e-7, "-2.5e-07"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (0.00012, "0.00012"),
            (-42.0, "-42"),
            (1e22, "1e+22"),
            (0.5e-4, "5e-05"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, expected) in cases {
            assert_eq!(format_number(x), expected, "format_number({x:?})");
        }
    }

    #[test]
    fn scalars_use_four_decimals_or_a_bare_point() {
        // A 0-d tensor is formatted alone: not an integer -> "{:.4f}"; an integer ->
        // "{:.0f}" plus "."; zero has no nonzero finite value, so int mode too.
        assert_eq!(format_tensor(&arr0(2.5).into_dyn(), ""), "tensor(2.5000)");
        assert_eq!(format_tensor(&arr0(7.0).into_dyn(), ""), "tensor(7.)");
        assert_eq!(format_tensor(&arr0(0.0).into_dyn(), ""), "tensor(0.)");
        assert_eq!(format_tensor(&arr0(-0.0).into_dyn(), ""), "tensor(-0.)");
        assert_eq!(format_tensor(&arr0(f64::NAN).into_dyn(), ""), "tensor(nan)");
        // One value below 1e-4 that is not an integer: sci mode.
        assert_eq!(
            format_tensor(&arr0(1e-5).into_dyn(), ""),
            "tensor(1.0000e-05)"
        );
        // An integer above 1e8: sci mode even in int mode.
        assert_eq!(
            format_tensor(&arr0(1e9).into_dyn(), ""),
            "tensor(1.0000e+09)"
        );
        assert_eq!(
            format_tensor(&arr0(2.5).into_dyn(), ", grad_fn=<MulBackward0>"),
            "tensor(2.5000, grad_fn=<MulBackward0>)"
        );
    }

    #[test]
    fn vectors_and_matrices_align_their_columns() {
        assert_eq!(format_tensor(&vector(&[1.0, 2.0]), ""), "tensor([1., 2.])");
        // Int mode: width = len("{:.0f}") + 1 over the nonzero values, right-aligned.
        assert_eq!(
            format_tensor(&vector(&[1.0, 10.0, -100.0]), ""),
            "tensor([   1.,   10., -100.])"
        );
        // Fixed mode: width = the longest "{:.4f}", here "-1.5000".
        assert_eq!(
            format_tensor(&vector(&[-1.5, 2.25]), ""),
            "tensor([-1.5000,  2.2500])"
        );
        // Rows of a matrix are joined by ",\n" and indent + 1 = 8 spaces.
        let x = tensor(&[3, 3], vec![4.0 / 9.0; 9]);
        assert_eq!(
            format_tensor(&x, ""),
            "tensor([[0.4444, 0.4444, 0.4444],\n        [0.4444, 0.4444, 0.4444],\n        [0.4444, 0.4444, 0.4444]])"
        );
        let x = tensor(&[3, 3], vec![2.0; 9]);
        assert_eq!(
            format_tensor(&x, ", requires_grad=True"),
            "tensor([[2., 2., 2.],\n        [2., 2., 2.],\n        [2., 2., 2.]], requires_grad=True)"
        );
    }

    #[test]
    fn scientific_mode_when_magnitudes_differ_widely() {
        // max / min > 1000 among the nonzero finite values -> "{:.4e}" for every element.
        assert_eq!(
            format_tensor(&vector(&[1e-8, 1.0]), ""),
            "tensor([1.0000e-08, 1.0000e+00])"
        );
        // Int mode goes scientific too when max > 1e8.
        assert_eq!(
            format_tensor(&vector(&[1.0, 1e9]), ""),
            "tensor([1.0000e+00, 1.0000e+09])"
        );
        // Non-finite values are padded to the width of the finite ones.
        assert_eq!(
            format_tensor(&vector(&[1e-8, f64::INFINITY]), ""),
            "tensor([1.0000e-08,        inf])"
        );
        // A ratio of exactly 1000 is not "> 1000": no sci mode.
        assert_eq!(
            format_tensor(&vector(&[1.0, 1000.0]), ""),
            "tensor([   1., 1000.])"
        );
    }

    #[test]
    fn non_finite_and_zero_values_keep_int_mode() {
        // Only nonzero finite values choose the mode and the width (1 is "1." = 2 wide);
        // inf and nan get no "." and are longer than the width, so no padding.
        assert_eq!(
            format_tensor(&vector(&[f64::INFINITY, f64::NAN, 1.0]), ""),
            "tensor([inf, nan, 1.])"
        );
        assert_eq!(format_tensor(&vector(&[0.0, 0.0]), ""), "tensor([0., 0.])");
        assert_eq!(
            format_tensor(&vector(&[0.0, f64::NEG_INFINITY]), ""),
            "tensor([0., -inf])"
        );
    }

    #[test]
    fn empty_tensors_show_their_size_unless_one_dimensional() {
        assert_eq!(format_tensor(&vector(&[]), ""), "tensor([])");
        assert_eq!(
            format_tensor(&tensor(&[0, 3], vec![]), ""),
            "tensor([], size=(0, 3))"
        );
        assert_eq!(
            format_tensor(&tensor(&[2, 0, 3], vec![]), ", requires_grad=True"),
            "tensor([], size=(2, 0, 3), requires_grad=True)"
        );
    }

    #[test]
    fn three_dimensional_blocks_are_separated_by_a_blank_line() {
        // Between slices: "," + "\n" * (dim - 1) + " " * (indent + 1), indent growing by
        // one per level.
        let x = tensor(&[2, 2, 2], (1..=8).map(f64::from).collect());
        assert_eq!(
            format_tensor(&x, ""),
            "tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])"
        );
    }

    #[test]
    fn long_rows_wrap_at_the_line_width() {
        // Elements per line = floor((80 - indent) / (width + 2)) = floor(73 / 8) = 9.
        let x = vector(&(0..20).map(|i| f64::from(i) / 3.0).collect::<Vec<_>>());
        let expected = "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n        6.0000, 6.3333])";
        assert_eq!(format_tensor(&x, ""), expected);
        // The short last line leaves room for the suffix.
        assert_eq!(
            format_tensor(&x, ", requires_grad=True"),
            format!("{}, requires_grad=True)", &expected[..expected.len() - 1])
        );
        // 1000 elements are not summarised (threshold is "> 1000"): 12 per line.
        let x = vector(&(0..1000).map(f64::from).collect::<Vec<_>>());
        let text = format_tensor(&x, "");
        assert!(!text.contains("..."));
        assert_eq!(text.lines().count(), 1000_usize.div_ceil(12));
        assert!(text.lines().all(|line| line.len() <= LINE_WIDTH));
    }

    #[test]
    fn a_suffix_that_does_not_fit_goes_on_its_own_line() {
        // _add_suffixes: last_line_len = len(line) + 2 = 82; 82 + 18 + 2 > 80, so the
        // suffix moves to a new line indented by len("tensor(").
        let x = vector(&(1..=9).map(|i| f64::from(i) / 3.0).collect::<Vec<_>>());
        let line =
            "tensor([0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667, 3.0000])";
        assert_eq!(line.len(), 80);
        assert_eq!(format_tensor(&x, ""), line);
        assert_eq!(
            format_tensor(&x, ", requires_grad=True"),
            format!("{},\n       requires_grad=True)", &line[..line.len() - 1])
        );
        // "tensor([1., 2.])" is 16 wide: 18 + 18 + 2 <= 80 stays on the line.
        assert_eq!(
            format_tensor(&vector(&[1.0, 2.0]), ", requires_grad=True"),
            "tensor([1., 2.], requires_grad=True)"
        );
    }

    #[test]
    fn more_than_a_thousand_elements_are_summarised() {
        // Only the shown (edge) items choose the formatter: the 1e9 in the middle does not
        // switch on sci mode. The " ..." item is joined with ", " like any other.
        let mut values = vec![1e9; 2000];
        values[..3].copy_from_slice(&[0.0, 0.001, 0.002]);
        values[1997..].copy_from_slice(&[0.997, 0.998, 0.999]);
        assert_eq!(
            format_tensor(&vector(&values), ""),
            "tensor([0.0000, 0.0010, 0.0020,  ..., 0.9970, 0.9980, 0.9990])"
        );
        // 1001 integers: shown items 0, 1, 2, 998, 999, 1000; ratio 1000 is not > 1000.
        let x = vector(&(0..=1000).map(f64::from).collect::<Vec<_>>());
        assert_eq!(
            format_tensor(&x, ""),
            "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"
        );
        // Every axis longer than 6 is cut; a cut row of a matrix is a bare "...".
        let row = "[0., 0., 0.,  ..., 0., 0., 0.]";
        let rows = [row, row, row, "...", row, row, row];
        assert_eq!(
            format_tensor(&ArrayD::zeros(IxDyn(&[100, 100])), ""),
            format!("tensor([{}])", rows.join(",\n        "))
        );
    }

    #[test]
    fn counts_with_their_noun() {
        assert_eq!(count(1, "point"), "1 point");
        assert_eq!(count(0, "point"), "0 points");
        assert_eq!(count(3, "class"), "3 classes");
        assert_eq!(count(1, "class"), "1 class");
    }
}
