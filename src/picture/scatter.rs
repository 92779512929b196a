//! Scatter plots in the terminal: one character cell per area of the plane, holding the
//! mark of the class that has the most points there (`o` for the first class, `x` for
//! the second, …). Deterministic, no trailing spaces, never panics.

use super::ScatterPlot;

/// The plotting area `scatter` draws, in character cells.
pub const WIDTH: usize = 60;
pub const HEIGHT: usize = 20;

/// The marks of the classes, in order of class value (then repeating).
pub const MARKS: [char; 8] = ['o', 'x', '+', '*', '@', '%', '&', '='];

/// The mark of the `k`-th class.
pub fn mark(k: usize) -> char {
    MARKS[k % MARKS.len()]
}

/// The finite points' extent, widened when it is a single value.
fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return None;
    }
    if lo == hi {
        Some((lo - 0.5, hi + 0.5))
    } else {
        Some((lo, hi))
    }
}

/// Maps `v` within `(lo, hi)` to `0..cells`.
fn cell(v: f64, (lo, hi): (f64, f64), cells: usize) -> usize {
    let t = (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
    let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
    ((t * cells as f64) as usize).min(cells - 1)
}

/// The scatter plot as text: the title, a framed grid with the y range on the left,
/// the x range below, and a legend of the marks.
pub fn scatter_text(s: &ScatterPlot, width: usize, height: usize) -> String {
    let width = width.clamp(2, 400);
    let height = height.clamp(2, 400);
    let mut lines = Vec::new();
    let finite: Vec<(usize, (f64, f64))> = s
        .points
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, (x, y))| x.is_finite() && y.is_finite())
        .collect();
    let (Some(xr), Some(yr)) = (
        extent(finite.iter().map(|(_, p)| p.0)),
        extent(finite.iter().map(|(_, p)| p.1)),
    ) else {
        if let Some(t) = &s.title {
            lines.push(t.clone());
        }
        lines.push("(nothing to plot: no finite points)".to_string());
        return lines.join("\n");
    };
    let classes = s.class_list();
    // counts[row][column][class index]
    let mut counts = vec![vec![vec![0usize; classes.len().max(1)]; width]; height];
    for (i, (x, y)) in &finite {
        let class = s.classes.get(*i).copied().unwrap_or(0);
        let k = classes.binary_search(&class).unwrap_or(0);
        let column = cell(*x, xr, width);
        let row = height - 1 - cell(*y, yr, height);
        if let Some(c) = counts
            .get_mut(row)
            .and_then(|r| r.get_mut(column))
            .and_then(|c| c.get_mut(k))
        {
            *c += 1;
        }
    }
    let top = super::chart::compact(yr.1);
    let bottom = super::chart::compact(yr.0);
    let label_width = top.chars().count().max(bottom.chars().count());
    if let Some(t) = &s.title {
        let offset = label_width + 2 + width.saturating_sub(t.chars().count()) / 2;
        lines.push(format!("{}{t}", " ".repeat(offset)));
    }
    for (r, row) in counts.iter().enumerate() {
        let label = match r {
            0 => top.as_str(),
            r if r == height - 1 => bottom.as_str(),
            _ => "",
        };
        let tick = if label.is_empty() { '│' } else { '┤' };
        let cells: String = row
            .iter()
            .map(|c| {
                let (best, n) =
                    c.iter()
                        .enumerate()
                        .fold((0, 0), |acc, (k, &n)| if n > acc.1 { (k, n) } else { acc });
                if n == 0 {
                    ' '
                } else {
                    mark(best)
                }
            })
            .collect();
        lines.push(
            format!("{label:>label_width$} {tick}{cells}")
                .trim_end()
                .to_string(),
        );
    }
    super::chart::x_axis(&mut lines, label_width, width, xr);
    if classes.len() > 1 {
        let legend: Vec<String> = classes
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{} class {c}", mark(k)))
            .collect();
        lines.push(format!(
            "{}{}",
            " ".repeat(label_width + 2),
            legend.join("   ")
        ));
    }
    let skipped = s.points.len() - finite.len();
    if skipped > 0 {
        lines.push(format!("({skipped} skipped: nan or inf)"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_classes_land_in_their_corners_with_a_legend() {
        let s = ScatterPlot {
            points: vec![(0.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
            classes: vec![0, 1, 1],
            title: Some("t".into()),
        };
        let text = scatter_text(&s, 4, 2);
        assert_eq!(
            text,
            "    t\n1 ┤x  x\n0 ┤o\n  └────\n   0  1\n   o class 0   x class 1"
        );
    }

    #[test]
    fn empty_and_non_finite_inputs_still_draw() {
        let s = ScatterPlot {
            points: vec![],
            classes: vec![],
            title: None,
        };
        assert_eq!(
            scatter_text(&s, 10, 5),
            "(nothing to plot: no finite points)"
        );
        let s = ScatterPlot {
            points: vec![(1.0, f64::NAN), (2.0, 2.0)],
            classes: vec![0, 0],
            title: None,
        };
        let text = scatter_text(&s, 10, 5);
        assert!(text.ends_with("(1 skipped: nan or inf)"), "{text}");
        let grid: String = text.lines().take(5).collect();
        assert_eq!(grid.matches('o').count(), 1, "{text}");
    }
}
