//! Pictures are data first (SPEC §14 Pictures): a line plot, a scatter plot and a
//! drawing of a recorded graph are built as values ([`Picture`]) and rendered by one
//! renderer each — to the terminal ([`Picture::to_text`]: braille, marks, a tree) or
//! to SVG ([`Picture::to_svg`]). `plot`, `scatter` and `draw` build a picture and hand
//! it to the interpreter, which writes it to a file (`file=`), passes it to the
//! front end's picture sink (the notebook shows SVG inline), or prints its text.

pub mod chart;
pub mod graph;
pub mod png;
pub mod scatter;
pub mod svg;
pub mod training;

pub use graph::{BoxKind, GraphBox, GraphDrawing};
pub use training::{HeatMap, Histogram, MultiPlot};

/// A line chart of `ys` against `xs` (a loss curve).
#[derive(Clone, Debug, PartialEq)]
pub struct LinePlot {
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub title: Option<String>,
}

/// Points in the plane, one mark (colour) per class.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterPlot {
    pub points: Vec<(f64, f64)>,
    /// The class of every point (same length as `points`); all 0 without classes.
    pub classes: Vec<i64>,
    pub title: Option<String>,
}

impl ScatterPlot {
    /// The distinct classes, sorted.
    pub fn class_list(&self) -> Vec<i64> {
        let mut c = self.classes.clone();
        c.sort_unstable();
        c.dedup();
        c
    }
}

/// Something `plot`, `scatter` or `draw` shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Picture {
    Plot(LinePlot),
    Scatter(ScatterPlot),
    Graph(GraphDrawing),
    /// Several series with a legend, or a log y axis (`plot(..., labels=, logy=)`).
    Lines(MultiPlot),
    Hist(Histogram),
    Heat(HeatMap),
}

impl Picture {
    /// What kind of picture this is: "plot", "scatter", "graph", "hist" or "imshow".
    pub fn kind(&self) -> &'static str {
        match self {
            Picture::Plot(_) => "plot",
            Picture::Scatter(_) => "scatter",
            Picture::Graph(_) => "graph",
            Picture::Lines(_) => "plot",
            Picture::Hist(_) => "hist",
            Picture::Heat(_) => "imshow",
        }
    }

    /// The terminal rendering (ends without a newline).
    pub fn to_text(&self) -> String {
        match self {
            Picture::Plot(p) => chart::line_chart(
                &p.xs,
                &p.ys,
                p.title.as_deref(),
                chart::DEFAULT_WIDTH,
                chart::DEFAULT_HEIGHT,
            ),
            Picture::Scatter(s) => scatter::scatter_text(s, scatter::WIDTH, scatter::HEIGHT),
            Picture::Graph(g) => g.to_tree(),
            Picture::Lines(p) => p.to_text(),
            Picture::Hist(h) => h.to_text(),
            Picture::Heat(m) => m.to_text(),
        }
    }

    /// The SVG rendering: a standalone document.
    pub fn to_svg(&self) -> String {
        match self {
            Picture::Plot(p) => svg::line_plot(p),
            Picture::Scatter(s) => svg::scatter(s),
            Picture::Graph(g) => svg::graph(g),
            Picture::Lines(p) => p.to_svg(),
            Picture::Hist(h) => h.to_svg(),
            Picture::Heat(m) => m.to_svg(),
        }
    }
}

/// Receives the pictures a script shows when a front end draws them itself (the
/// notebook kernel shows them as inline SVG).
pub type PictureSink = Box<dyn FnMut(&Picture)>;
