//! The pictures of training (SPEC §20): several loss curves with a legend and a log
//! axis, a histogram of activations or gradients, and a matrix as a heat map. Each
//! renders as deterministic text for the terminal and as a standalone SVG document.

use super::chart::compact;
use super::svg::{escape, frame_rect, header, text, title_text, PALETTE};
use std::fmt::Write as _;

/// Several series against 0, 1, 2, … (or shared xs), with names and a log y axis.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiPlot {
    /// One (xs, ys) pair per series.
    pub series: Vec<(Vec<f64>, Vec<f64>)>,
    /// One name per series, or none.
    pub labels: Vec<String>,
    pub logy: bool,
    pub title: Option<String>,
}

/// A histogram: `counts[i]` values fell in `[lo + i w, lo + (i + 1) w)` (the last bin
/// includes `hi`), with `w = (hi - lo) / bins`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<usize>,
    /// Values left out: nan or infinite.
    pub skipped: usize,
    pub title: Option<String>,
}

impl Histogram {
    /// Counts `values` in `bins` equal bins from the smallest to the largest finite
    /// value (as numpy.histogram; a constant series spans [v - 0.5, v + 0.5]).
    pub fn of(values: &[f64], bins: usize, title: Option<String>) -> Histogram {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let skipped = values.len() - finite.len();
        let (mut lo, mut hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        if finite.is_empty() {
            (lo, hi) = (0.0, 1.0);
        } else if lo == hi {
            (lo, hi) = (lo - 0.5, hi + 0.5);
        }
        let bins = bins.max(1);
        let mut counts = vec![0; bins];
        let width = (hi - lo) / bins as f64;
        for v in finite {
            let i = ((v - lo) / width).floor();
            let i = if i.is_finite() && i >= 0.0 {
                i as usize
            } else {
                0
            };
            counts[i.min(bins - 1)] += 1;
        }
        Histogram {
            lo,
            hi,
            counts,
            skipped,
            title,
        }
    }
}

/// A matrix shown as a heat map: `values` row by row, `rows × cols`.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
    pub title: Option<String>,
}

/// The terminal chart's size, in character cells.
const WIDTH: usize = 60;
const HEIGHT: usize = 15;
/// The marks of the series in the terminal, in order (then repeating).
const MARKS: [char; 6] = ['•', '×', '+', 'o', '#', '%'];

fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |r, v| match r {
        None => Some((v, v)),
        Some((l, h)) => Some((l.min(v), h.max(v))),
    })
}

/// Maps `v` in `[lo, hi]` to `0..=steps` (the middle for a constant range).
fn scale(v: f64, (lo, hi): (f64, f64), steps: usize) -> usize {
    let span = hi / 2.0 - lo / 2.0;
    let t = if span > 0.0 {
        (v / 2.0 - lo / 2.0) / span
    } else {
        0.5
    };
    let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
    ((t * steps as f64).round() as usize).min(steps)
}

impl MultiPlot {
    /// The points drawn: finite, and positive on a log axis (then as log10 y).
    fn drawn(&self) -> Vec<Vec<Option<(f64, f64)>>> {
        self.series
            .iter()
            .map(|(xs, ys)| {
                xs.iter()
                    .zip(ys)
                    .map(|(&x, &y)| {
                        let y = if self.logy {
                            if y > 0.0 {
                                y.log10()
                            } else {
                                f64::NAN
                            }
                        } else {
                            y
                        };
                        (x.is_finite() && y.is_finite()).then_some((x, y))
                    })
                    .collect()
            })
            .collect()
    }

    fn label(&self, i: usize) -> String {
        self.labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("series {}", i + 1))
    }

    /// A y value (log10 on a log axis) as a label of the real value.
    fn y_label(&self, y: f64) -> String {
        compact(if self.logy { 10f64.powf(y) } else { y })
    }

    pub fn to_text(&self) -> String {
        let drawn = self.drawn();
        let all: Vec<(f64, f64)> = drawn.iter().flatten().flatten().copied().collect();
        let skipped = drawn.iter().flatten().filter(|p| p.is_none()).count();
        let mut lines = Vec::new();
        let (Some(xr), Some(yr)) = (
            extent(all.iter().map(|p| p.0)),
            extent(all.iter().map(|p| p.1)),
        ) else {
            if let Some(t) = &self.title {
                lines.push(t.clone());
            }
            lines.push("(nothing to plot: no finite points)".to_string());
            return lines.join("\n");
        };
        let mut grid = vec![vec![' '; WIDTH]; HEIGHT];
        for (i, points) in drawn.iter().enumerate() {
            let mark = MARKS[i % MARKS.len()];
            for &(x, y) in points.iter().flatten() {
                let c = scale(x, xr, WIDTH - 1);
                let r = HEIGHT - 1 - scale(y, yr, HEIGHT - 1);
                grid[r][c] = mark;
            }
        }
        let top = self.y_label(yr.1);
        let bottom = self.y_label(yr.0);
        let lw = top.chars().count().max(bottom.chars().count());
        if let Some(t) = &self.title {
            let offset = lw + 2 + WIDTH.saturating_sub(t.chars().count()) / 2;
            lines.push(format!("{}{t}", " ".repeat(offset)));
        }
        for (r, row) in grid.iter().enumerate() {
            let label = if r == 0 {
                top.as_str()
            } else if r == HEIGHT - 1 {
                bottom.as_str()
            } else {
                ""
            };
            let tick = if label.is_empty() { '│' } else { '┤' };
            let cells: String = row.iter().collect();
            lines.push(format!("{label:>lw$} {tick}{cells}").trim_end().to_string());
        }
        super::chart::x_axis(&mut lines, lw, WIDTH, xr);
        let legend: Vec<String> = (0..self.series.len())
            .map(|i| format!("{} {}", MARKS[i % MARKS.len()], self.label(i)))
            .collect();
        let mut last = format!("{}{}", " ".repeat(lw + 2), legend.join("   "));
        if self.logy {
            last.push_str("   (log scale)");
        }
        lines.push(last);
        if skipped > 0 {
            lines.push(format!(
                "({} skipped: nan or inf{})",
                crate::display::count(skipped, "point"),
                if self.logy {
                    ", or not positive on the log scale"
                } else {
                    ""
                }
            ));
        }
        lines.join("\n")
    }

    pub fn to_svg(&self) -> String {
        let (w, h) = (640.0, 400.0);
        let (left, top, pw, ph) = (70.0, 40.0, 440.0, 310.0);
        let drawn = self.drawn();
        let all: Vec<(f64, f64)> = drawn.iter().flatten().flatten().copied().collect();
        let widen = |r: Option<(f64, f64)>| match r {
            None => (0.0, 1.0),
            Some((l, h)) if l == h => (l - 0.5, h + 0.5),
            Some(r) => r,
        };
        let xr = widen(extent(all.iter().map(|p| p.0)));
        let yr = widen(extent(all.iter().map(|p| p.1)));
        let px = |x: f64| left + (x / 2.0 - xr.0 / 2.0) / (xr.1 / 2.0 - xr.0 / 2.0) * pw;
        let py = |y: f64| top + ph - (y / 2.0 - yr.0 / 2.0) / (yr.1 / 2.0 - yr.0 / 2.0) * ph;
        let mut out = header(w, h, self.title.as_deref().unwrap_or("plot"));
        frame_rect(&mut out, left, top, pw, ph);
        text(&mut out, left - 6.0, top + 4.0, "end", &self.y_label(yr.1));
        text(&mut out, left - 6.0, top + ph, "end", &self.y_label(yr.0));
        text(&mut out, left, top + ph + 16.0, "start", &compact(xr.0));
        text(&mut out, left + pw, top + ph + 16.0, "end", &compact(xr.1));
        if self.logy {
            text(&mut out, left, top - 8.0, "start", "log scale");
        }
        if let Some(t) = &self.title {
            title_text(&mut out, left + pw / 2.0, t);
        }
        for (i, points) in drawn.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let placed = points.iter().map(|p| p.map(|(x, y)| (px(x), py(y))));
            super::svg::polylines(&mut out, colour, placed);
        }
        for i in 0..self.series.len() {
            let y = top + 10.0 + 18.0 * i as f64;
            let x = left + pw + 12.0;
            let _ = writeln!(
                out,
                "<g class=\"legend\"><line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                x + 18.0,
                PALETTE[i % PALETTE.len()],
                x + 24.0,
                y + 4.0,
                escape(&self.label(i))
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

/// Eighths of a block, for the bars of a histogram in the terminal.
const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Histogram {
    pub fn to_text(&self) -> String {
        let height = 10;
        let most = self.counts.iter().copied().max().unwrap_or(0);
        let top = most.to_string();
        let lw = top.len();
        let mut lines = Vec::new();
        let bins = self.counts.len();
        if let Some(t) = &self.title {
            let offset = lw + 2 + bins.saturating_sub(t.chars().count()) / 2;
            lines.push(format!("{}{t}", " ".repeat(offset)));
        }
        // Each bar in eighths of a row.
        let eighths: Vec<usize> = self
            .counts
            .iter()
            .map(|&c| {
                if most == 0 {
                    0
                } else {
                    (c * height * 8).div_ceil(most)
                }
            })
            .collect();
        for r in 0..height {
            let floor = (height - 1 - r) * 8;
            let cells: String = eighths
                .iter()
                .map(|&e| BLOCKS[e.saturating_sub(floor).min(8)])
                .collect();
            let (label, tick) = if r == 0 {
                (top.as_str(), '┤')
            } else if r == height - 1 {
                ("0", '┤')
            } else {
                ("", '│')
            };
            lines.push(format!("{label:>lw$} {tick}{cells}").trim_end().to_string());
        }
        lines.push(format!("{:lw$} └{}", "", "─".repeat(bins)));
        let (l, r) = (compact(self.lo), compact(self.hi));
        let gap = bins.saturating_sub(l.len() + r.len()).max(1);
        lines.push(format!("{}{l}{}{r}", " ".repeat(lw + 2), " ".repeat(gap)));
        let total: usize = self.counts.iter().sum();
        let mut note = format!("{}{total} values in {bins} bins", " ".repeat(lw + 2));
        if self.skipped > 0 {
            let _ = write!(note, " ({} skipped: nan or inf)", self.skipped);
        }
        lines.push(note);
        lines.join("\n")
    }

    pub fn to_svg(&self) -> String {
        let (w, h) = (640.0, 400.0);
        let (left, top, pw, ph) = (70.0, 40.0, 540.0, 310.0);
        let most = self.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let mut out = header(w, h, self.title.as_deref().unwrap_or("histogram"));
        frame_rect(&mut out, left, top, pw, ph);
        let bw = pw / self.counts.len().max(1) as f64;
        for (i, &c) in self.counts.iter().enumerate() {
            let bh = c as f64 / most * ph;
            let _ = writeln!(
                out,
                "<rect class=\"bar\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"{}\" stroke=\"white\" stroke-width=\"0.5\"><title>{}</title></rect>",
                left + bw * i as f64,
                top + ph - bh,
                bw,
                PALETTE[0],
                c
            );
        }
        text(&mut out, left - 6.0, top + 4.0, "end", &compact(most));
        text(&mut out, left - 6.0, top + ph, "end", "0");
        text(&mut out, left, top + ph + 16.0, "start", &compact(self.lo));
        text(
            &mut out,
            left + pw,
            top + ph + 16.0,
            "end",
            &compact(self.hi),
        );
        if let Some(t) = &self.title {
            title_text(&mut out, left + pw / 2.0, t);
        }
        out.push_str("</svg>\n");
        out
    }
}

/// Shades from light to dark, for a heat map in the terminal.
const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];

impl HeatMap {
    fn range(&self) -> (f64, f64) {
        extent(self.values.iter().copied().filter(|v| v.is_finite())).unwrap_or((0.0, 1.0))
    }

    /// Where `v` lies in the range, from 0 to 1 (0.5 for a constant matrix; nan
    /// for a value that is not finite).
    fn level(&self, v: f64) -> f64 {
        let (lo, hi) = self.range();
        if !v.is_finite() {
            return f64::NAN;
        }
        if hi > lo {
            ((v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    pub fn to_text(&self) -> String {
        let mut lines = Vec::new();
        if let Some(t) = &self.title {
            lines.push(t.clone());
        }
        if self.values.is_empty() {
            lines.push("(nothing to show: the matrix is empty)".to_string());
            return lines.join("\n");
        }
        for r in 0..self.rows {
            let mut line = String::from("│");
            for c in 0..self.cols {
                let l = self.level(self.values[r * self.cols + c]);
                let ch = if l.is_nan() {
                    '?'
                } else {
                    SHADES[((l * 4.0).round() as usize).min(4)]
                };
                line.push(ch);
                line.push(ch);
            }
            line.push('│');
            lines.push(line);
        }
        let (lo, hi) = self.range();
        lines.push(format!(
            "{} rows × {} columns; ' ' {} … '█' {}",
            self.rows,
            self.cols,
            compact(lo),
            compact(hi)
        ));
        lines.join("\n")
    }

    pub fn to_svg(&self) -> String {
        let cell = (480.0 / self.cols.max(self.rows).max(1) as f64).clamp(4.0, 40.0);
        let (left, top) = (40.0, 40.0);
        let w = left * 2.0 + cell * self.cols as f64 + 80.0;
        let h = top + cell * self.rows as f64 + 40.0;
        let mut out = header(w, h, self.title.as_deref().unwrap_or("imshow"));
        for r in 0..self.rows {
            for c in 0..self.cols {
                let v = self.values[r * self.cols + c];
                let l = self.level(v);
                let fill = colour(l);
                let _ = writeln!(
                    out,
                    "<rect class=\"cell\" x=\"{:.2}\" y=\"{:.2}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"{fill}\"><title>[{r}, {c}] {}</title></rect>",
                    left + cell * c as f64,
                    top + cell * r as f64,
                    escape(&crate::display::format_number(v))
                );
            }
        }
        let (lo, hi) = self.range();
        let x = left + cell * self.cols as f64 + 12.0;
        let _ = writeln!(
            out,
            "<g class=\"scale\"><rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            colour(1.0),
            x + 16.0,
            top + 10.0,
            escape(&compact(hi)),
            top + 18.0,
            colour(0.0),
            x + 16.0,
            top + 28.0,
            escape(&compact(lo))
        );
        if let Some(t) = &self.title {
            let _ = writeln!(
                out,
                "<text x=\"{left:.1}\" y=\"24\" font-size=\"14\">{}</text>",
                escape(t)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

/// White (0) to dark blue (1); grey for a value that is not finite.
fn colour(level: f64) -> String {
    if level.is_nan() {
        return "#bbbbbb".to_string();
    }
    let mix = |from: f64, to: f64| (from + (to - from) * level).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(255.0, 8.0),
        mix(255.0, 48.0),
        mix(255.0, 107.0)
    )
}
