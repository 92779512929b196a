//! Line charts drawn in the terminal with braille dots: how a `plot` picture is shown
//! in the terminal (SPEC §7, §14).
//!
//! The output is plain text and byte-for-byte deterministic, because example scripts that
//! plot their loss curves are snapshot-tested. Each character cell holds a 2×4 grid of
//! braille dots; consecutive points are joined with Bresenham lines. Values that are NaN
//! or infinite are left out and counted in a footnote, and lines carry no trailing spaces.
//!
//! ```text
//!           loss
//!   2.6 ┤⠑⢄
//!       │ ⠈⠒⢄
//!       │    ⠉⢆⡀
//! 1.301 ┤      ⠈⠑⠢⣀
//!       └──────────
//!        0       11
//! ```

/// The chart size `plot` uses, in character cells of the plotting area.
pub const DEFAULT_WIDTH: usize = 60;
pub const DEFAULT_HEIGHT: usize = 15;

/// Sizes are clamped to this range so that a tiny or absurd request still draws.
const MIN_SIDE: usize = 2;
const MAX_SIDE: usize = 400;

/// Braille dots per character cell, across and down.
const DOTS_X: usize = 2;
const DOTS_Y: usize = 4;

/// The bit of each dot in a braille cell, indexed `[row][column]` (Unicode's numbering:
/// dots 1-2-3-7 down the left column, 4-5-6-8 down the right).
const DOT_BITS: [[u8; DOTS_X]; DOTS_Y] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

/// Draws `ys` against `xs` as a line chart whose plotting area is `width` × `height`
/// character cells (clamped to 2..=400), with the y range labelled at the top and bottom
/// rows, the x range under the axis and `title` centred on top. Points beyond the shorter
/// of the two slices are ignored. Never panics, whatever the values.
pub fn line_chart(
    xs: &[f64],
    ys: &[f64],
    title: Option<&str>,
    width: usize,
    height: usize,
) -> String {
    let width = width.clamp(MIN_SIDE, MAX_SIDE);
    let height = height.clamp(MIN_SIDE, MAX_SIDE);
    let points: Vec<Option<(f64, f64)>> = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| (x.is_finite() && y.is_finite()).then_some((x, y)))
        .collect();
    let finite: Vec<(f64, f64)> = points.iter().flatten().copied().collect();
    let skipped = points.len() - finite.len();

    let mut lines = Vec::new();
    let Some(x_range) = Range::of(finite.iter().map(|p| p.0)) else {
        if let Some(title) = title {
            lines.push(title.to_string());
        }
        lines.push(if points.is_empty() {
            "(nothing to plot: no points)".to_string()
        } else {
            match skipped {
                1 => "(nothing to plot: the only point is nan or inf)".to_string(),
                n => format!("(nothing to plot: all {n} points are nan or inf)"),
            }
        });
        return lines.join("\n");
    };
    let Some(y_range) = Range::of(finite.iter().map(|p| p.1)) else {
        return String::new(); // unreachable: both ranges come from the same points
    };

    let mut canvas = Canvas::new(width, height);
    let (last_column, last_row) = (canvas.dots_across() - 1, canvas.dots_down() - 1);
    let to_dot = |(x, y): (f64, f64)| {
        let column = x_range.scale(x, last_column);
        let row = last_row - y_range.scale(y, last_row);
        (column, row)
    };
    for pair in points.windows(2) {
        if let [Some(from), Some(to)] = pair {
            canvas.line(to_dot(*from), to_dot(*to));
        }
    }
    for &point in &finite {
        let (column, row) = to_dot(point);
        canvas.dot(column, row);
    }

    // y labels: the max on the top row and the min on the bottom one, or the one value
    // of a constant series on the row where it is drawn.
    let y_labels: Vec<(usize, String)> = if y_range.is_constant() {
        vec![(height / 2, compact(y_range.min))]
    } else {
        vec![
            (0, compact(y_range.max)),
            (height - 1, compact(y_range.min)),
        ]
    };
    let label_width = y_labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0);
    let plot_start = label_width + 2;

    if let Some(title) = title {
        let title_len = title.chars().count();
        let offset = plot_start + width.saturating_sub(title_len) / 2;
        lines.push(format!("{}{title}", " ".repeat(offset)));
    }
    for (row, cells) in canvas.rows().into_iter().enumerate() {
        let label = y_labels
            .iter()
            .find(|(r, _)| *r == row)
            .map(|(_, l)| l.as_str());
        let tick = if label.is_some() { '┤' } else { '│' };
        let line = format!("{:>label_width$} {tick}{cells}", label.unwrap_or(""));
        lines.push(line.trim_end().to_string());
    }
    if x_range.is_constant() {
        lines.push(format!("{:label_width$} └{}", "", "─".repeat(width)));
        let label = compact(x_range.min);
        let column = plot_start + width / 2;
        let start = column.saturating_sub(label.chars().count() / 2);
        lines.push(format!("{}{label}", " ".repeat(start)));
    } else {
        x_axis(&mut lines, label_width, width, (x_range.min, x_range.max));
    }

    if skipped > 0 {
        lines.push(format!(
            "({} skipped: nan or inf)",
            crate::display::count(skipped, "point")
        ));
    }
    lines.join("\n")
}

/// The finite extent of one coordinate.
#[derive(Clone, Copy)]
struct Range {
    min: f64,
    max: f64,
}

impl Range {
    /// `None` when there are no values.
    fn of(values: impl Iterator<Item = f64>) -> Option<Range> {
        values.fold(None, |range, v| match range {
            None => Some(Range { min: v, max: v }),
            Some(r) => Some(Range {
                min: r.min.min(v),
                max: r.max.max(v),
            }),
        })
    }

    fn is_constant(&self) -> bool {
        self.min == self.max
    }

    /// Maps `v` to `0..=steps`; a constant range maps to the middle.
    fn scale(&self, v: f64, steps: usize) -> usize {
        // Halving first keeps `max - min` finite even for ±1e308.
        let span = self.max / 2.0 - self.min / 2.0;
        let t = if span > 0.0 {
            (v / 2.0 - self.min / 2.0) / span
        } else {
            0.5
        };
        let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
        // `as` saturates, and `t` is within [0, 1], so this stays within `0..=steps`.
        ((t * steps as f64).round() as usize).min(steps)
    }
}

/// A grid of braille cells, addressed by dot.
struct Canvas {
    width: usize,
    height: usize,
    cells: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            cells: vec![0; width * height],
        }
    }

    fn dots_across(&self) -> usize {
        self.width * DOTS_X
    }

    fn dots_down(&self) -> usize {
        self.height * DOTS_Y
    }

    /// Sets one dot; dots outside the canvas are ignored.
    fn dot(&mut self, column: usize, row: usize) {
        if column >= self.dots_across() || row >= self.dots_down() {
            return;
        }
        let bit = DOT_BITS
            .get(row % DOTS_Y)
            .and_then(|bits| bits.get(column % DOTS_X))
            .copied()
            .unwrap_or(0);
        if let Some(cell) = self
            .cells
            .get_mut(row / DOTS_Y * self.width + column / DOTS_X)
        {
            *cell |= bit;
        }
    }

    /// Bresenham's line from `from` to `to`, both ends included.
    fn line(&mut self, from: (usize, usize), to: (usize, usize)) {
        let (mut x, mut y) = (from.0 as i64, from.1 as i64);
        let (x1, y1) = (to.0 as i64, to.1 as i64);
        let dx = (x1 - x).abs();
        let dy = -(y1 - y).abs();
        let step_x = if x < x1 { 1 } else { -1 };
        let step_y = if y < y1 { 1 } else { -1 };
        let mut err = dx + dy;
        loop {
            self.dot(x as usize, y as usize);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += step_x;
            }
            if e2 <= dx {
                err += dx;
                y += step_y;
            }
        }
    }

    /// The rows of characters, top first; an empty cell is a space.
    fn rows(&self) -> Vec<String> {
        self.cells
            .chunks(self.width)
            .map(|row| {
                row.iter()
                    .map(|&bits| match bits {
                        0 => ' ',
                        _ => char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '),
                    })
                    .collect()
            })
            .collect()
    }
}

/// The x axis under a terminal chart whose rows start with labels `label_width`
/// wide: the line, then the range's two ends under its ends.
pub(crate) fn x_axis(lines: &mut Vec<String>, label_width: usize, width: usize, xr: (f64, f64)) {
    lines.push(format!("{:label_width$} └{}", "", "─".repeat(width)));
    let (left, right) = (compact(xr.0), compact(xr.1));
    let used = left.chars().count() + right.chars().count();
    let gap = width.saturating_sub(used).max(1);
    lines.push(format!(
        "{}{left}{}{right}",
        " ".repeat(label_width + 2),
        " ".repeat(gap)
    ));
}

/// A short label for an axis: at most 4 significant digits in positional notation for
/// magnitudes from 0.001 to 1e6 (`0.5`, `123.4`, `25000`), `1.5e8` style otherwise.
pub(crate) fn compact(x: f64) -> String {
    if !x.is_finite() {
        return crate::display::format_number(x);
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let magnitude = x.abs();
    if (1e-3..1e6).contains(&magnitude) {
        let decimals = (3.0 - magnitude.log10().floor()).clamp(0.0, 6.0) as usize;
        crate::display::fixed_trimmed(x, decimals)
    } else {
        let text = format!("{x:.3e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => {
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                format!("{mantissa}e{exponent}")
            }
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decay(n: u16) -> (Vec<f64>, Vec<f64>) {
        let xs: Vec<f64> = (0..n).map(f64::from).collect();
        let ys = xs.iter().map(|x| 2.5 * (-x / 15.0).exp() + 0.1).collect();
        (xs, ys)
    }

    /// The braille bits of the cell in plot `row` and `column` (title on line 0).
    fn cell_bits(chart: &str, label_width: usize, row: usize, column: usize) -> u32 {
        let line = chart.lines().nth(1 + row).unwrap_or("");
        match line.chars().nth(label_width + 2 + column) {
            Some(c @ '\u{2800}'..='\u{28ff}') => u32::from(c) - 0x2800,
            _ => 0,
        }
    }

    #[test]
    fn a_tiny_chart_in_full() {
        // Dots 4 across, 8 down: (0,7) (1,5) (2,2) (3,0) joined by Bresenham lines.
        let chart = line_chart(
            &[0.0, 1.0, 2.0, 3.0],
            &[0.0, 1.0, 2.0, 3.0],
            Some("t"),
            2,
            2,
        );
        assert_eq!(chart, "   t\n3 ┤ ⡜\n0 ┤⡸\n  └──\n   0 3");
    }

    #[test]
    fn the_chart_has_a_title_axes_and_the_requested_size() {
        let (xs, ys) = decay(100);
        let chart = line_chart(&xs, &ys, Some("loss"), DEFAULT_WIDTH, DEFAULT_HEIGHT);
        let lines: Vec<&str> = chart.lines().collect();
        // title, one line per row, the axis, the x labels
        assert_eq!(lines.len(), 1 + DEFAULT_HEIGHT + 2);
        assert_eq!(lines[0].trim(), "loss");
        assert!(lines[1].starts_with("   2.6 ┤⢣"), "{chart}");
        assert!(lines[DEFAULT_HEIGHT].starts_with("0.1034 ┤"), "{chart}");
        let full_width = "0.1034".len() + 2 + DEFAULT_WIDTH;
        let axis = lines[DEFAULT_HEIGHT + 1];
        assert_eq!(axis.chars().count(), full_width);
        assert!(axis.trim_start().starts_with('└'));
        assert!(lines.iter().all(|l| l.chars().count() <= full_width));
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
        let x_labels: Vec<&str> = lines[DEFAULT_HEIGHT + 2].split_whitespace().collect();
        assert_eq!(x_labels, ["0", "99"]);
        assert_eq!(lines[DEFAULT_HEIGHT + 2].chars().count(), full_width);
        assert_eq!(
            chart,
            line_chart(&xs, &ys, Some("loss"), 60, 15),
            "deterministic"
        );
    }

    #[test]
    fn a_monotone_series_runs_corner_to_corner() {
        let xs: Vec<f64> = (0..50).map(f64::from).collect();
        let ys: Vec<f64> = xs.iter().map(|x| x * x).collect();
        let (width, height) = (20, 6);
        let rising = line_chart(&xs, &ys, Some("up"), width, height);
        let label_width = "2401".len();
        // first point: bottom-left dot (row 3, column 0 of its cell: bit 0x40)
        assert_ne!(
            cell_bits(&rising, label_width, height - 1, 0) & 0x40,
            0,
            "{rising}"
        );
        // last point: top-right dot (row 0, column 1: bit 0x08)
        assert_ne!(
            cell_bits(&rising, label_width, 0, width - 1) & 0x08,
            0,
            "{rising}"
        );

        let falling: Vec<f64> = ys.iter().map(|y| -y).collect();
        let chart = line_chart(&xs, &falling, None, width, height);
        let chart = format!("\n{chart}"); // no title: shift so row 0 is line 1
        let label_width = "-2401".len();
        // first point top-left (bit 0x01), last point bottom-right (bit 0x80)
        assert_ne!(cell_bits(&chart, label_width, 0, 0) & 0x01, 0, "{chart}");
        assert_ne!(
            cell_bits(&chart, label_width, height - 1, width - 1) & 0x80,
            0,
            "{chart}"
        );
    }

    #[test]
    fn degenerate_series_still_draw() {
        // One point: drawn in the middle, labelled once on each axis.
        let chart = line_chart(&[1.0], &[5.0], None, 10, 3);
        assert_eq!(chart, "  │\n5 ┤     ⠂\n  │\n  └──────────\n        1");
        // A constant series: one y label, on the row where the line is.
        let chart = line_chart(&[0.0, 1.0, 2.0], &[4.0, 4.0, 4.0], None, 10, 3);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines[1], "4 ┤⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒");
        assert_eq!(lines[0], "  │");
        // Sizes below the minimum are clamped rather than refused.
        let chart = line_chart(&[0.0, 1.0], &[0.0, 1.0], None, 0, 0);
        assert_eq!(chart.lines().count(), MIN_SIDE + 2);
    }

    #[test]
    fn non_finite_points_are_skipped_and_counted() {
        let chart = line_chart(&[1.0, 2.0, 3.0], &[5.0, f64::NAN, 6.0], None, 10, 3);
        assert!(
            chart.ends_with("\n(1 point skipped: nan or inf)"),
            "{chart}"
        );
        let ys = [1.0, f64::INFINITY, f64::NEG_INFINITY, 2.0];
        let chart = line_chart(&[0.0, 1.0, 2.0, 3.0], &ys, None, 10, 3);
        assert!(
            chart.ends_with("\n(2 points skipped: nan or inf)"),
            "{chart}"
        );
        assert_eq!(
            line_chart(&[1.0], &[f64::INFINITY], Some("x"), 10, 3),
            "x\n(nothing to plot: the only point is nan or inf)"
        );
        assert_eq!(
            line_chart(&[1.0, 2.0], &[f64::NAN; 2], None, 10, 3),
            "(nothing to plot: all 2 points are nan or inf)"
        );
    }

    #[test]
    fn empty_input_is_a_short_message() {
        assert_eq!(
            line_chart(&[], &[], None, 60, 15),
            "(nothing to plot: no points)"
        );
        assert_eq!(
            line_chart(&[1.0, 2.0], &[], Some("loss"), 60, 15),
            "loss\n(nothing to plot: no points)"
        );
    }

    #[test]
    fn huge_and_negative_values_do_not_overflow() {
        let chart = line_chart(&[-1e308, 1e308], &[f64::MAX, -f64::MAX], None, 10, 3);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines.len(), 3 + 2);
        assert!(lines[0].starts_with(" 1.798e308 ┤⠑"), "{chart}");
        assert!(
            lines[2].starts_with("-1.798e308 ┤") && lines[2].ends_with('⢄'),
            "{chart}"
        );
        // Tiny spans next to huge offsets are still a range.
        let chart = line_chart(&[0.0, 1.0], &[1e15, 1e15 + 0.25], None, 10, 3);
        assert_eq!(chart.lines().count(), 3 + 2);
    }

    #[test]
    fn axis_labels_are_compact() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (2.6, "2.6"),
            (0.10337, "0.1034"),
            (123.456, "123.5"),
            (25000.0, "25000"),
            (-0.0015, "-0.0015"),
            (1.5e8, "1.5e8"),
            (-2e-5, "-2e-5"),
            (f64::MAX, "1.798e308"),
        ];
        for (x, expected) in cases {
            assert_eq!(compact(x), expected, "compact({x:?})");
        }
    }
}
