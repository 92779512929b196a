//! SVG rendering of pictures: standalone, valid XML documents with no scripts or
//! external resources, deterministic to the byte (numbers printed with fixed
//! decimals) so that they can be compared in tests.

use super::chart::compact;
use super::graph::{BoxKind, GraphDrawing};
use super::{LinePlot, ScatterPlot};
use std::fmt::Write as _;

/// Colours of the classes in a scatter plot (then repeating).
pub(super) const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

/// Text made safe inside XML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn header(width: f64, height: f64, title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"monospace\" font-size=\"12\">\n\
         <title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        escape(title)
    )
}

/// The plotting frame shared by line and scatter plots.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

const PLOT_W: f64 = 640.0;
const PLOT_H: f64 = 400.0;

impl Frame {
    fn new(xs: impl Iterator<Item = f64> + Clone, ys: impl Iterator<Item = f64> + Clone) -> Frame {
        Frame {
            left: 70.0,
            top: 40.0,
            width: PLOT_W - 100.0,
            height: PLOT_H - 90.0,
            x: range(xs),
            y: range(ys),
        }
    }

    fn px(&self, x: f64) -> f64 {
        self.left + (x / 2.0 - self.x.0 / 2.0) / (self.x.1 / 2.0 - self.x.0 / 2.0) * self.width
    }

    fn py(&self, y: f64) -> f64 {
        self.top + self.height
            - (y / 2.0 - self.y.0 / 2.0) / (self.y.1 / 2.0 - self.y.0 / 2.0) * self.height
    }

    /// The axes with the range of each at its ends, and the title on top.
    fn draw(&self, out: &mut String, title: Option<&str>) {
        let (l, t, w, h) = (self.left, self.top, self.width, self.height);
        frame_rect(out, l, t, w, h);
        text(out, l - 6.0, t + 4.0, "end", &compact(self.y.1));
        text(out, l - 6.0, t + h, "end", &compact(self.y.0));
        text(out, l, t + h + 16.0, "start", &compact(self.x.0));
        text(out, l + w, t + h + 16.0, "end", &compact(self.x.1));
        if let Some(title) = title {
            title_text(out, l + w / 2.0, title);
        }
    }
}

/// A plot's frame: the rectangle at (`l`, `t`) of `w` by `h`.
pub(super) fn frame_rect(out: &mut String, l: f64, t: f64, w: f64, h: f64) {
    let _ = writeln!(
        out,
        "<rect class=\"frame\" x=\"{l:.1}\" y=\"{t:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"none\" stroke=\"#444\"/>"
    );
}

/// A label at (`x`, `y`), anchored `start`, `middle` or `end`.
pub(super) fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
        escape(s)
    );
}

/// A plot's title, centred on `x` at the top.
pub(super) fn title_text(out: &mut String, x: f64, title: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>",
        escape(title)
    );
}

/// The finite extent of `values`, widened when empty or a single value.
/// One polyline of a series for each run of placed points (`None` breaks a run: a
/// point that is nan or infinite).
pub(crate) fn polylines(
    out: &mut String,
    colour: &str,
    points: impl Iterator<Item = Option<(f64, f64)>>,
) {
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut String| {
        if !run.is_empty() {
            let _ = writeln!(
                out,
                "<polyline class=\"series\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>",
                run.join(" ")
            );
            run.clear();
        }
    };
    for p in points {
        match p {
            Some((x, y)) => run.push(format!("{x:.2},{y:.2}")),
            None => flush(&mut run, out),
        }
    }
    flush(&mut run, out);
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// A line plot: one polyline through the finite points (broken at the others).
pub fn line_plot(p: &LinePlot) -> String {
    let pts: Vec<(f64, f64)> = p.xs.iter().copied().zip(p.ys.iter().copied()).collect();
    let finite = pts.iter().filter(|(x, y)| x.is_finite() && y.is_finite());
    let frame = Frame::new(finite.clone().map(|p| p.0), finite.map(|p| p.1));
    let mut out = header(PLOT_W, PLOT_H, p.title.as_deref().unwrap_or("plot"));
    frame.draw(&mut out, p.title.as_deref());
    let placed = pts
        .iter()
        .map(|&(x, y)| (x.is_finite() && y.is_finite()).then(|| (frame.px(x), frame.py(y))));
    polylines(&mut out, PALETTE[0], placed);
    out.push_str("</svg>\n");
    out
}

/// A scatter plot: one circle per finite point, coloured by class, with a legend.
pub fn scatter(s: &ScatterPlot) -> String {
    let finite = s
        .points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let frame = Frame::new(finite.clone().map(|p| p.0), finite.map(|p| p.1));
    let mut out = header(PLOT_W, PLOT_H, s.title.as_deref().unwrap_or("scatter"));
    frame.draw(&mut out, s.title.as_deref());
    let classes = s.class_list();
    for (i, &(x, y)) in s.points.iter().enumerate() {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let class = s.classes.get(i).copied().unwrap_or(0);
        let k = classes.binary_search(&class).unwrap_or(0);
        let _ = writeln!(
            out,
            "<circle class=\"point c{k}\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"3.5\" fill=\"{}\" fill-opacity=\"0.8\"/>",
            frame.px(x),
            frame.py(y),
            PALETTE[k % PALETTE.len()]
        );
    }
    if classes.len() > 1 {
        for (k, c) in classes.iter().enumerate() {
            let y = frame.top + 14.0 + 16.0 * k as f64;
            let x = frame.left + frame.width + 8.0;
            let _ = writeln!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{c}</text>",
                y - 4.0,
                PALETTE[k % PALETTE.len()],
                x + 8.0
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

const CHAR_W: f64 = 7.3;
const LINE_H: f64 = 16.0;
const PAD: f64 = 8.0;
const COL_GAP: f64 = 60.0;
const ROW_GAP: f64 = 18.0;
const MARGIN: f64 = 20.0;

/// A graph drawing: boxes in layers from the inputs (left) to the result (right),
/// edges as curves with arrowheads from each input to its result.
pub fn graph(g: &GraphDrawing) -> String {
    let (layer, order) = g.layers();
    let sizes: Vec<(f64, f64)> = g
        .boxes
        .iter()
        .map(|b| {
            let chars = std::iter::once(&b.title)
                .chain(&b.lines)
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(1);
            (
                chars as f64 * CHAR_W + 2.0 * PAD,
                (1 + b.lines.len()) as f64 * LINE_H + PAD,
            )
        })
        .collect();
    let col_width: Vec<f64> = order
        .iter()
        .map(|col| col.iter().map(|&b| sizes[b].0).fold(0.0, f64::max))
        .collect();
    let col_height: Vec<f64> = order
        .iter()
        .map(|col| col.iter().map(|&b| sizes[b].1 + ROW_GAP).sum::<f64>() - ROW_GAP)
        .collect();
    let total_h = col_height.iter().copied().fold(0.0, f64::max);
    // Labelled edges (the gradient each carried) need room between the columns.
    let edges = g.labelled_edges();
    let widest_label = edges
        .iter()
        .filter_map(|(_, _, l)| l.map(|l| l.chars().count()))
        .max()
        .unwrap_or(0);
    let gap = COL_GAP.max(widest_label as f64 * CHAR_W + 2.0 * PAD);
    let mut col_x = Vec::with_capacity(order.len());
    let mut x = MARGIN;
    for w in &col_width {
        col_x.push(x);
        x += w + gap;
    }
    let width = (x - gap + MARGIN).max(2.0 * MARGIN);
    let height = total_h + 2.0 * MARGIN + if g.omitted > 0 { LINE_H } else { 0.0 };
    // Top-left corner of each box: columns centred vertically.
    let mut at = vec![(0.0, 0.0); g.boxes.len()];
    for (c, col) in order.iter().enumerate() {
        let mut y = MARGIN + (total_h - col_height[c]) / 2.0;
        for &b in col {
            let x = col_x[c] + (col_width[c] - sizes[b].0) / 2.0;
            at[b] = (x, y);
            y += sizes[b].1 + ROW_GAP;
        }
    }
    let _ = layer;
    let mut out = header(width, height, &format!("graph of {}", g.name));
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n",
    );
    let mut labels = String::new();
    for &(from, to, label) in &edges {
        let (Some(&(fx, fy)), Some(&(tx, ty))) = (at.get(from), at.get(to)) else {
            continue;
        };
        let (x1, y1) = (fx + sizes[from].0, fy + sizes[from].1 / 2.0);
        let (x2, y2) = (tx, ty + sizes[to].1 / 2.0);
        let bend = ((x2 - x1).abs() / 2.0).max(20.0);
        let _ = writeln!(
            out,
            "<path class=\"edge\" d=\"M {x1:.1} {y1:.1} C {:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}\" \
             fill=\"none\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
            x1 + bend,
            x2 - bend
        );
        if let Some(label) = label {
            // At the curve's midpoint: edges into one box, or out of one, part there.
            let _ = writeln!(
                labels,
                "<text class=\"edge-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#b03000\" \
                 stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                (x1 + x2) / 2.0,
                (y1 + y2) / 2.0 - 3.0,
                escape(label)
            );
        }
    }
    for (i, b) in g.boxes.iter().enumerate() {
        let (x, y) = at[i];
        let (w, h) = sizes[i];
        let (fill, dash) = match b.kind {
            BoxKind::Op => ("#eef4ff", ""),
            BoxKind::Leaf => ("#fff4e0", ""),
            BoxKind::Constant => ("#f4f4f4", " stroke-dasharray=\"4 3\""),
        };
        let _ = writeln!(
            out,
            "<g class=\"node\"><rect class=\"box\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"#333\"{dash}/>"
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            x + PAD,
            y + LINE_H,
            escape(&b.title)
        );
        for (k, line) in b.lines.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + PAD,
                y + LINE_H * (k + 2) as f64,
                escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str(&labels);
    if g.omitted > 0 {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{:.1}\">… {} more tensors not drawn</text>",
            height - 6.0,
            g.omitted
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_text_safe() {
        assert_eq!(
            escape("a<b & \"c\">'"),
            "a&lt;b &amp; &quot;c&quot;&gt;&apos;"
        );
        assert_eq!(escape("x\u{1}y"), "x y");
    }

    #[test]
    fn plots_are_standalone_documents() {
        let p = LinePlot {
            xs: vec![0.0, 1.0, 2.0, 3.0],
            ys: vec![1.0, f64::NAN, 0.5, 0.25],
            title: Some("loss <train>".into()),
        };
        let svg = line_plot(&p);
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("loss &lt;train&gt;"));
        // The NaN breaks the line in two.
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
    }
}
