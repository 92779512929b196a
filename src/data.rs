//! Data for learners (SPEC §14 Data): random permutations, the toy data sets
//! (two moons, circles, spirals; scikit-learn's and CS231n's constructions) and a CSV
//! reader of numbers whose errors point into the file.
//!
//! Randomness comes from the interpreter's generator, so `seed(n)` repeats it.

use crate::random::Rng;
use std::f64::consts::PI;

/// A random permutation of `0..n` (Fisher–Yates).
pub fn randperm(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
}

/// `count` evenly spaced values from `start` to `end` (both included when
/// `endpoint`), exactly as `numpy.linspace` computes them (the last one is `end`).
fn linspace(start: f64, end: f64, count: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint {
        count.saturating_sub(1).max(1)
    } else {
        count.max(1)
    };
    let step = (end - start) / div as f64;
    let mut values: Vec<f64> = (0..count).map(|i| start + step * i as f64).collect();
    if endpoint && count > 1 {
        if let Some(last) = values.last_mut() {
            *last = end;
        }
    }
    values
}

/// Points and classes, shuffled together, with Gaussian noise of standard
/// deviation `noise` added to every coordinate.
fn finish(
    mut points: Vec<[f64; 2]>,
    mut classes: Vec<usize>,
    noise: f64,
    rng: &mut Rng,
) -> (Vec<[f64; 2]>, Vec<usize>) {
    let order = randperm(points.len(), rng);
    points = order.iter().map(|&i| points[i]).collect();
    classes = order.iter().map(|&i| classes[i]).collect();
    if noise != 0.0 {
        for p in &mut points {
            p[0] += noise * rng.normal();
            p[1] += noise * rng.normal();
        }
    }
    (points, classes)
}

/// Two interleaving half circles (`sklearn.datasets.make_moons`): `n / 2` points
/// on the upper moon (class 0), the rest on the lower one (class 1).
pub fn make_moons(n: usize, noise: f64, rng: &mut Rng) -> (Vec<[f64; 2]>, Vec<usize>) {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut points = Vec::with_capacity(n);
    let mut classes = Vec::with_capacity(n);
    for t in linspace(0.0, PI, n_out, true) {
        points.push([t.cos(), t.sin()]);
        classes.push(0);
    }
    for t in linspace(0.0, PI, n_in, true) {
        points.push([1.0 - t.cos(), 1.0 - t.sin() - 0.5]);
        classes.push(1);
    }
    finish(points, classes, noise, rng)
}

/// A large circle (class 0) around a smaller one of radius `factor` (class 1)
/// (`sklearn.datasets.make_circles`).
pub fn make_circles(
    n: usize,
    noise: f64,
    factor: f64,
    rng: &mut Rng,
) -> (Vec<[f64; 2]>, Vec<usize>) {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut points = Vec::with_capacity(n);
    let mut classes = Vec::with_capacity(n);
    for t in linspace(0.0, 2.0 * PI, n_out, false) {
        points.push([t.cos(), t.sin()]);
        classes.push(0);
    }
    for t in linspace(0.0, 2.0 * PI, n_in, false) {
        points.push([factor * t.cos(), factor * t.sin()]);
        classes.push(1);
    }
    finish(points, classes, noise, rng)
}

/// `classes` spiral arms (CS231n's data set): arm `k` has radius going from 0 to 1
/// while its angle turns from `4k` to `4(k + 1)` radians, plus `noise` on the angle.
/// The points are split as evenly as possible (the first arms take the remainder).
pub fn make_spirals(
    n: usize,
    classes: usize,
    noise: f64,
    rng: &mut Rng,
) -> (Vec<[f64; 2]>, Vec<usize>) {
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    let classes = classes.max(1);
    for k in 0..classes {
        let count = n / classes + usize::from(k < n % classes);
        let radii = linspace(0.0, 1.0, count, true);
        let angles = linspace(4.0 * k as f64, 4.0 * (k + 1) as f64, count, true);
        for (r, t) in radii.into_iter().zip(angles) {
            let t = if noise != 0.0 {
                t + noise * rng.normal()
            } else {
                t
            };
            points.push([r * t.sin(), r * t.cos()]);
            labels.push(k);
        }
    }
    finish(points, labels, 0.0, rng)
}

/// Why a CSV file could not be read, with byte ranges into the text read.
#[derive(Debug, PartialEq)]
pub enum CsvError {
    /// The file holds no rows (or only a header).
    Empty,
    /// A cell that is not a number: its text, line (1-based) and byte range.
    NotANumber {
        cell: String,
        line: usize,
        range: std::ops::Range<usize>,
    },
    /// A row with another number of cells than the first: line, range, counts.
    Ragged {
        line: usize,
        range: std::ops::Range<usize>,
        found: usize,
        expected: usize,
    },
    /// A quoted cell that is never closed.
    UnclosedQuote {
        line: usize,
        range: std::ops::Range<usize>,
    },
}

/// A table of numbers read from CSV text.
#[derive(Debug, PartialEq)]
pub struct Csv {
    pub rows: usize,
    pub columns: usize,
    /// Row-major values.
    pub values: Vec<f64>,
    /// The header's names, when the first row was one.
    pub names: Option<Vec<String>>,
}

/// One cell: its text (quotes removed) and byte range in the source.
struct Cell {
    text: String,
    range: std::ops::Range<usize>,
}

/// One record: its cells, its first line and the byte range of its line(s).
struct Record {
    cells: Vec<Cell>,
    line: usize,
    range: std::ops::Range<usize>,
}

/// Splits CSV text into records (RFC 4180: `,` separated, `"` quotes with `""` for a
/// quote, quoted cells may hold commas and line breaks; `\r\n` and `\n` end lines).
/// Blank lines are skipped.
fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() {
        let start = i;
        let start_line = line;
        let mut cells = Vec::new();
        loop {
            // One cell.
            let cell_start = i;
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                loop {
                    match text[i..].find('"') {
                        None => {
                            return Err(CsvError::UnclosedQuote {
                                line: start_line,
                                range: cell_start..text.len(),
                            })
                        }
                        Some(k) => {
                            let part = &text[i..i + k];
                            line += part.matches('\n').count();
                            value.push_str(part);
                            i += k + 1;
                            if i < bytes.len() && bytes[i] == b'"' {
                                value.push('"');
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                // Anything after the closing quote up to the separator is kept.
                while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                    i += 1;
                }
                value.push_str(
                    &text[cell_start..i][text[cell_start..i].rfind('"').map_or(0, |k| k + 1)..],
                );
            } else {
                while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                    i += 1;
                }
                value.push_str(&text[cell_start..i]);
            }
            cells.push(Cell {
                text: value,
                range: cell_start..i,
            });
            if i < bytes.len() && bytes[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        let end = i;
        if i < bytes.len() && bytes[i] == b'\r' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'\n' {
            i += 1;
            line += 1;
        } else if i < bytes.len() {
            // A lone '\r' ends a line too.
            line += 1;
        }
        let blank = cells.len() == 1 && cells[0].text.trim().is_empty();
        if !blank {
            out.push(Record {
                cells,
                line: start_line,
                range: start..end,
            });
        }
    }
    Ok(out)
}

fn number(cell: &str) -> Option<f64> {
    let t = cell.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Reads CSV `text` (a UTF-8 BOM already removed) into numbers. The first row is a
/// header when `header` is true, or when any of its cells is not a number.
pub fn parse_csv(text: &str, header: bool) -> Result<Csv, CsvError> {
    let recs = records(text)?;
    let Some(first) = recs.first() else {
        return Err(CsvError::Empty);
    };
    let first_is_header = header || first.cells.iter().any(|c| number(&c.text).is_none());
    let names = first_is_header.then(|| {
        first
            .cells
            .iter()
            .map(|c| c.text.trim().to_string())
            .collect::<Vec<_>>()
    });
    let body = &recs[usize::from(first_is_header)..];
    let columns = first.cells.len();
    if body.is_empty() {
        return Err(CsvError::Empty);
    }
    let mut values = Vec::with_capacity(body.len() * columns);
    for r in body {
        if r.cells.len() != columns {
            return Err(CsvError::Ragged {
                line: r.line,
                range: r.range.clone(),
                found: r.cells.len(),
                expected: columns,
            });
        }
        for c in &r.cells {
            match number(&c.text) {
                Some(v) => values.push(v),
                None => {
                    return Err(CsvError::NotANumber {
                        cell: c.text.clone(),
                        line: r.line,
                        range: c.range.clone(),
                    })
                }
            }
        }
    }
    Ok(Csv {
        rows: body.len(),
        columns,
        values,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randperm_is_a_permutation_and_repeats_with_the_seed() {
        let p = randperm(100, &mut Rng::new(7));
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_eq!(p, randperm(100, &mut Rng::new(7)));
        assert_ne!(p, randperm(100, &mut Rng::new(8)));
        assert!(randperm(0, &mut Rng::new(1)).is_empty());
    }

    #[test]
    fn moons_circles_and_spirals_have_their_shapes() {
        let (x, y) = make_moons(7, 0.0, &mut Rng::new(1));
        assert_eq!((x.len(), y.iter().filter(|&&c| c == 0).count()), (7, 3));
        let (x, _) = make_circles(10, 0.0, 0.3, &mut Rng::new(1));
        for p in &x {
            let r = p[0].hypot(p[1]);
            assert!((r - 1.0).abs() < 1e-12 || (r - 0.3).abs() < 1e-12, "{r}");
        }
        let (x, y) = make_spirals(10, 3, 0.0, &mut Rng::new(1));
        assert_eq!(x.len(), 10);
        assert_eq!(y.iter().filter(|&&c| c == 0).count(), 4);
    }

    #[test]
    fn csv_with_header_bom_crlf_quotes_and_blank_lines() {
        let text = "x,\"y, the second\",z\r\n1,\"2\",3\r\n\r\n4, 5.5 ,-6\r\n";
        let csv = parse_csv(text, false).expect("parses");
        assert_eq!((csv.rows, csv.columns), (2, 3));
        assert_eq!(csv.values, vec![1.0, 2.0, 3.0, 4.0, 5.5, -6.0]);
        assert_eq!(
            csv.names,
            Some(vec!["x".into(), "y, the second".into(), "z".into()])
        );
        let csv = parse_csv("1,2\n3,4", false).expect("parses");
        assert_eq!(csv.names, None);
        let csv = parse_csv("1,2\n3,4\n", true).expect("parses");
        assert_eq!(
            (csv.rows, csv.names),
            (1, Some(vec!["1".into(), "2".into()]))
        );
        let csv = parse_csv("a,\"say \"\"hi\"\"\"\n1,2\n", false).expect("parses");
        assert_eq!(csv.names, Some(vec!["a".into(), "say \"hi\"".into()]));
    }

    #[test]
    fn csv_errors_say_where() {
        assert_eq!(parse_csv("", false), Err(CsvError::Empty));
        assert_eq!(parse_csv("\n\n", false), Err(CsvError::Empty));
        assert_eq!(parse_csv("a,b\n", false), Err(CsvError::Empty));
        let text = "a,b\n1,2\n3,x9q\n";
        assert_eq!(
            parse_csv(text, false),
            Err(CsvError::NotANumber {
                cell: "x9q".into(),
                line: 3,
                range: 10..13
            })
        );
        assert_eq!(
            parse_csv("1,2\n3\n", false),
            Err(CsvError::Ragged {
                line: 2,
                range: 4..5,
                found: 1,
                expected: 2
            })
        );
        assert!(matches!(
            parse_csv("1,\"2\n", false),
            Err(CsvError::UnclosedQuote { line: 1, .. })
        ));
        // An empty cell is not a number: this one row is a header with no data.
        assert_eq!(parse_csv("1,\n", false), Err(CsvError::Empty));
        assert!(matches!(
            parse_csv("a,b\n1,\n", false),
            Err(CsvError::NotANumber { line: 2, .. })
        ));
    }
}
