//! Python's format-spec mini-language for f-strings (SPEC §13): fill, align, sign,
//! `0`, width, `,`/`_` grouping, `.precision` and the types `f F e E g G % d`.
//!
//! A spec with a number feature (sign, `0`, grouping, precision, a type) needs a
//! number or a one-element tensor; a spec of only fill, align and width pads the
//! text `print` shows for any value.

use crate::display::format_number;

/// A parsed `[[fill]align][sign][0][width][grouping][.precision][type]`.
#[derive(Debug, Default, PartialEq)]
pub struct Spec {
    pub fill: Option<char>,
    pub align: Option<char>,
    pub sign: Option<char>,
    pub zero: bool,
    pub width: usize,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub kind: Option<char>,
}

impl Spec {
    /// Whether the spec formats a number (anything beyond fill, align and width).
    pub fn is_numeric(&self) -> bool {
        self.sign.is_some()
            || self.zero
            || self.grouping.is_some()
            || self.precision.is_some()
            || self.kind.is_some()
    }
}

/// Parses a spec; the error says what is wrong with it.
pub fn parse_spec(spec: &str) -> Result<Spec, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if chars.len() >= 2 && is_align(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if chars.first().is_some_and(|&c| is_align(c)) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c) = chars.get(i) {
        if matches!(c, '+' | '-' | ' ') {
            s.sign = Some(c);
            i += 1;
        }
    }
    if chars.get(i) == Some(&'0') {
        s.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| -> Result<Option<usize>, String> {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        if *i == start {
            return Ok(None);
        }
        let text: String = chars[start..*i].iter().collect();
        text.parse::<usize>()
            .ok()
            .filter(|&n| n <= 10_000)
            .map(Some)
            .ok_or_else(|| format!("the number `{text}` in the format spec is too large"))
    };
    s.width = digits(&mut i)?.unwrap_or(0);
    if let Some(&c) = chars.get(i) {
        if c == ',' || c == '_' {
            s.grouping = Some(c);
            i += 1;
        }
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        s.precision =
            Some(digits(&mut i)?.ok_or_else(|| {
                "a `.` in the format spec needs a precision after it".to_string()
            })?);
    }
    if let Some(&c) = chars.get(i) {
        if matches!(c, 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%' | 'd') {
            s.kind = Some(c);
            i += 1;
        }
    }
    if i != chars.len() {
        return Err(format!(
            "invalid format spec `{spec}`: expected [[fill]align][sign][0][width][,][.precision][type] with a type among f e g % d"
        ));
    }
    if s.kind == Some('d') && s.precision.is_some() {
        return Err("a precision is not allowed with the type `d`".into());
    }
    Ok(s)
}

/// Pads `body` (already signed) to the spec's width.
fn pad(body: &str, spec: &Spec, default_align: char) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body.to_string();
    }
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let align = spec
        .align
        .unwrap_or(if spec.zero { '=' } else { default_align });
    let n = spec.width - len;
    let fills = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{body}{}", fills(n)),
        '^' => format!("{}{body}{}", fills(n / 2), fills(n - n / 2)),
        '=' => {
            // After the sign.
            let (sign, rest) = match body.chars().next() {
                Some(c @ ('+' | '-' | ' ')) => (c.to_string(), &body[c.len_utf8()..]),
                _ => (String::new(), body),
            };
            format!("{sign}{}{rest}", fills(n))
        }
        _ => format!("{}{body}", fills(n)),
    }
}

/// Pads the display text of a value that is not a number (fill, align, width only).
pub fn pad_text(text: &str, spec: &Spec) -> String {
    pad(text, spec, '<')
}

/// `1.235e+04`: Rust's `1.235e4` with Python's exponent (a sign and two digits).
fn python_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// Inserts `sep` every three digits in the integer part of `digits`.
fn group(digits: &str, sep: char) -> String {
    let (int, rest) = match digits.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => digits.split_at(i),
        None => (digits, ""),
    };
    let mut out = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out + rest
}

/// Strips trailing zeros (and a trailing `.`) of the mantissa: `g`'s style.
fn strip_zeros(s: &str) -> String {
    let (mantissa, exp) = match s.find('e') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let m = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{m}{exp}")
}

/// `g` with `p` significant digits (Python's rules: fixed when -4 <= exp < p).
fn general(x: f64, p: usize, upper: bool) -> String {
    let p = p.max(1);
    let sci = format!("{:.*e}", p - 1, x);
    let exp: i64 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let s = if -4 <= exp && exp < p as i64 {
        let decimals = (p as i64 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, x))
    } else {
        python_exponent(&strip_zeros(&sci))
    };
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Formats a number with a spec; the error says why the spec does not apply.
pub fn format_number_spec(x: f64, spec: &Spec) -> Result<String, String> {
    // Python never shows the sign of a NaN (0/0 has its sign bit set).
    let negative = x.is_sign_negative() && !x.is_nan() && !(x == 0.0 && spec.kind.is_none());
    let a = x.abs();
    let upper = matches!(spec.kind, Some('F' | 'E' | 'G'));
    let percent = if spec.kind == Some('%') { "%" } else { "" };
    let mut digits = if a.is_nan() {
        format!("nan{percent}")
    } else if a.is_infinite() {
        format!("inf{percent}")
    } else {
        match spec.kind {
            Some('f' | 'F') => format!("{:.*}", spec.precision.unwrap_or(6), a),
            Some('e' | 'E') => python_exponent(&format!("{:.*e}", spec.precision.unwrap_or(6), a)),
            Some('g' | 'G') => general(a, spec.precision.unwrap_or(6), false),
            Some('%') => format!("{:.*}%", spec.precision.unwrap_or(6), a * 100.0),
            Some('d') => {
                if a.fract() != 0.0 {
                    return Err(format!(
                        "the format type `d` needs a whole number; found {}",
                        format_number(x)
                    ));
                }
                format!("{a:.0}")
            }
            _ => match spec.precision {
                Some(p) => {
                    let g = general(a, p, false);
                    if g.contains(['.', 'e']) {
                        g
                    } else {
                        format!("{g}.0")
                    }
                }
                None => format_number(a),
            },
        }
    };
    if upper {
        digits = digits.to_uppercase();
    }
    if let Some(sep) = spec.grouping {
        if a.is_finite() {
            digits = group(&digits, sep);
        }
    }
    let sign = if negative {
        "-"
    } else {
        match spec.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    };
    Ok(pad(&format!("{sign}{digits}"), spec, '>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64, spec: &str) -> String {
        format_number_spec(x, &parse_spec(spec).expect("a valid spec")).expect("formats")
    }

    #[test]
    fn matches_python() {
        // Each expected string is what Python's format(x, spec) gives.
        let cases: &[(f64, &str, &str)] = &[
            (0.123456, ".4f", "0.1235"),
            (12345.678, ".3e", "1.235e+04"),
            (2.5, ">10", "       2.5"),
            (2.5, "+", "+2.5"),
            (1234567.891, ",.2f", "1,234,567.89"),
            (0.256, ".1%", "25.6%"),
            (42.0, "d", "42"),
            (1.23456, "<8.2f", "1.23    "),
            (-7.0, "5d", "   -7"),
            (-7.0, "05d", "-0007"),
            (3.5, "*^9.1f", "***3.5***"),
            (1e-5, "g", "1e-05"),
            (123456789.0, "g", "1.23457e+08"),
            (0.0001, "g", "0.0001"),
            (100.0, ".3g", "100"),
            (3.0, ".3", "3.0"),
            (1.23456, ".3", "1.23"),
            (1234567.0, "_d", "1_234_567"),
            (f64::INFINITY, ".2f", "inf"),
            (-0.0, ".1f", "-0.0"),
            (0.125, ".2f", "0.12"),
            (2.675, ".2f", "2.67"),
            (1.5, "E", "1.500000E+00"),
        ];
        for &(x, spec, expected) in cases {
            assert_eq!(f(x, spec), expected, "format({x}, {spec:?})");
        }
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(parse_spec("q").is_err());
        assert!(parse_spec(".f").is_err());
        assert!(parse_spec(".2d").is_err());
        assert!(parse_spec("99999999999999999999").is_err());
        assert!(format_number_spec(2.5, &parse_spec("d").expect("valid")).is_err());
        assert_eq!(pad_text("ab", &parse_spec(">4").expect("valid")), "  ab");
        assert_eq!(pad_text("ab", &parse_spec("4").expect("valid")), "ab  ");
        assert!(!parse_spec("^9").expect("valid").is_numeric());
        assert!(parse_spec("+").expect("valid").is_numeric());
    }
}
