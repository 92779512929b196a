//! Diagnostics as data, and the one place that renders them (with ariadne).
//!
//! Every stage reports problems as [`Diagnostic`] values built from spans; the
//! caller chooses where and how they are rendered ([`render`]).

use crate::source::{SourceId, Sources, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A label under a span. The first label of a diagnostic is its primary one.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short, lowercase: what was expected and what was found.
    pub message: String,
    pub labels: Vec<Label>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// The span of the primary label, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// Renders `diag` to `out` with ariadne: source lines with the labels under them.
/// `color` is false for files, pipes and tests.
///
/// The first label is the primary one (the report's location, in red or yellow); the
/// others are secondary (blue) and may point into other sources (earlier REPL
/// entries). Labels whose source is unknown are left out; with none left the message
/// and hint are still printed.
pub fn render(
    diag: &Diagnostic,
    sources: &Sources,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind};

    let (kind, primary_color) = match diag.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };

    // Ariadne identifies sources by owned ids: the file name, made unique when two
    // sources in this report share a name.
    let mut files: Vec<(SourceId, String, std::rc::Rc<str>)> = Vec::new();
    let mut labels: Vec<((String, std::ops::Range<usize>), &str)> = Vec::new();
    for label in &diag.labels {
        let Some(file) = sources.get(label.span.source) else {
            continue;
        };
        let id = match files.iter().find(|(sid, _, _)| *sid == label.span.source) {
            Some((_, id, _)) => id.clone(),
            None => {
                let mut id = file.name.clone();
                if files.iter().any(|(_, other, _)| *other == id) {
                    id = format!("{} ({})", file.name, label.span.source.0);
                }
                files.push((label.span.source, id.clone(), file.text.clone()));
                id
            }
        };
        labels.push((
            (id, clamp_range(&file.text, label.span.range())),
            &label.message,
        ));
    }

    let Some((primary, _)) = labels.first().cloned() else {
        let word = match diag.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        writeln!(out, "{word}: {}", diag.message)?;
        if let Some(hint) = &diag.hint {
            writeln!(out, "    Help: {hint}")?;
        }
        return Ok(());
    };

    let mut report = Report::build(kind, primary)
        .with_config(
            Config::new()
                .with_index_type(IndexType::Byte)
                .with_color(color),
        )
        .with_message(&diag.message);
    // Ariadne shows labels in `order` and starts a new snippet whenever the line goes
    // backwards, so order them by source (first mention first), then by position.
    let mut by_place: Vec<usize> = (0..labels.len()).collect();
    by_place.sort_by_key(|&i| {
        let (id, range) = &labels[i].0;
        let file = files.iter().position(|(_, f, _)| f == id).unwrap_or(0);
        (file, range.start)
    });
    for (i, (span, message)) in labels.into_iter().enumerate() {
        let order = by_place.iter().position(|&j| j == i).unwrap_or(i);
        let mut label = AriadneLabel::new(span)
            .with_color(if i == 0 { primary_color } else { Color::Blue })
            .with_order(order as i32);
        if !message.is_empty() {
            label = label.with_message(message);
        }
        report = report.with_label(label);
    }
    if let Some(hint) = &diag.hint {
        report = report.with_help(hint);
    }
    let cache = ariadne::sources(files.into_iter().map(|(_, id, text)| (id, text)));
    report.finish().write(cache, out)
}

/// `range` limited to `text` and moved onto character boundaries.
fn clamp_range(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(range.start);
    let end = floor(range.end).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn rendered(diag: &Diagnostic, sources: &Sources) -> String {
        let mut out = Vec::new();
        render(diag, sources, false, &mut out).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn renders_labels_hint_and_several_sources() {
        let mut sources = Sources::new();
        let a = sources.add("<repl:1>", "x = ones(3, grad)\n");
        let b = sources.add("<repl:2>", "backward(x)\n");
        let diag = Diagnostic::error("backward needs one element")
            .with_label(Span::new(b, 9, 10), "x has shape [3]")
            .with_label(Span::new(a, 4, 17), "made here")
            .with_hint("use backward(mean(x))");
        let text = rendered(&diag, &sources);
        assert!(
            text.starts_with("Error: backward needs one element"),
            "{text}"
        );
        for needle in [
            "<repl:1>",
            "<repl:2>",
            "made here",
            "x has shape [3]",
            "use backward(mean(x))",
        ] {
            assert!(text.contains(needle), "{needle} missing in\n{text}");
        }
    }

    #[test]
    fn missing_source_and_bad_spans_still_print() {
        let mut sources = Sources::new();
        let a = sources.add("f.bp", "é = 1");
        let diag = Diagnostic::warning("odd")
            .with_label(Span::new(SourceId(7), 0, 1), "nowhere")
            .with_hint("h");
        assert_eq!(rendered(&diag, &sources), "Warning: odd\n    Help: h\n");
        let diag = Diagnostic::error("past the end").with_label(Span::new(a, 1, 99), "here");
        assert!(rendered(&diag, &sources).contains("past the end"));
    }
}
