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

/// One call in the chain of calls that led to a run-time error (SPEC §21).
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The call expression.
    pub span: Span,
    /// The function it called (`fn` for an anonymous one).
    pub function: String,
    /// How many times this same call came in a row (a recursion), at least 1.
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short, lowercase: what was expected and what was found.
    pub message: String,
    pub labels: Vec<Label>,
    pub hint: Option<String>,
    /// The calls of user functions the error came out of, innermost first (the
    /// order they are added in as the error leaves them); shown innermost last.
    pub calls: Vec<Call>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            hint: None,
            calls: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            labels: Vec::new(),
            hint: None,
            calls: Vec::new(),
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

    /// Adds the call the error came out of (the next one outwards); the same
    /// call again, as in a recursion, counts once more.
    pub fn called_from(&mut self, span: Span, function: &str) {
        if let Some(last) = self.calls.last_mut() {
            if last.span == span && last.function == function {
                last.count += 1;
                return;
            }
        }
        self.calls.push(Call {
            span,
            function: function.to_string(),
            count: 1,
        });
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
    render_report(diag, sources, color, out)?;
    render_calls(&diag.calls, sources, out)
}

/// The most calls a traceback shows: the outermost and innermost halves.
const MOST_CALLS_SHOWN: usize = 20;

/// The chain of calls, outermost first, innermost last: each call site's place
/// and text, and the function called; a call repeated in a row shown once with
/// its count.
fn render_calls(
    calls: &[Call],
    sources: &Sources,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if calls.is_empty() {
        return Ok(());
    }
    writeln!(out, "Called from (innermost last):")?;
    let n = calls.len();
    for (k, call) in calls.iter().rev().enumerate() {
        // The function the call is in: the one the next call outwards called.
        let within = calls.get(n - k).map(|outer| outer.function.as_str());
        if n > MOST_CALLS_SHOWN && k == MOST_CALLS_SHOWN / 2 {
            writeln!(out, "  … {} more calls …", n - MOST_CALLS_SHOWN)?;
        }
        if n > MOST_CALLS_SHOWN && k >= MOST_CALLS_SHOWN / 2 && k < n - MOST_CALLS_SHOWN / 2 {
            continue;
        }
        let place = match sources.get(call.span.source) {
            Some(file) => {
                let start = (call.span.start as usize).min(file.text.len());
                let line = file.line_of(start);
                let line_start = file.line_starts().get(line).copied().unwrap_or(0);
                let column = file
                    .text
                    .get(line_start..start)
                    .map_or(0, |t| t.chars().count())
                    + 1;
                format!("{}:{}:{column}", file.name, line + 1)
            }
            None => "?".to_string(),
        };
        let text = sources.slice(call.span);
        let mut text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > 60 {
            text = text.chars().take(59).collect::<String>() + "…";
        }
        let repeat = if call.count > 1 {
            format!(" (repeated {} times)", call.count)
        } else {
            String::new()
        };
        let within = within.map_or(String::new(), |f| format!("  (in {f})"));
        writeln!(out, "  {place}  {text}{within}{repeat}")?;
    }
    Ok(())
}

fn render_report(
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
    // sources in this report share a name. It is given an excerpt of each source (the
    // lines the labels touch, a long line cut to a window around its labels), so that
    // a report costs the size of what it shows, not of the file.
    let mut files: Vec<(SourceId, String)> = Vec::new();
    let mut spans: Vec<(usize, std::ops::Range<usize>, &str)> = Vec::new();
    for label in &diag.labels {
        let Some(file) = sources.get(label.span.source) else {
            continue;
        };
        let index = match files.iter().position(|(sid, _)| *sid == label.span.source) {
            Some(i) => i,
            None => {
                let mut id = file.name.clone();
                if files.iter().any(|(_, other)| *other == id) {
                    id = format!("{} ({})", file.name, label.span.source.0);
                }
                files.push((label.span.source, id));
                files.len() - 1
            }
        };
        spans.push((
            index,
            clamp_range(&file.text, label.span.range()),
            &label.message,
        ));
    }
    let mut excerpts: Vec<Excerpt> = Vec::new();
    for (index, (sid, _)) in files.iter().enumerate() {
        let Some(file) = sources.get(*sid) else {
            continue;
        };
        let ranges: Vec<_> = spans
            .iter()
            .filter(|(i, _, _)| *i == index)
            .map(|(_, r, _)| r.clone())
            .collect();
        excerpts.push(Excerpt::new(file, &ranges));
    }
    // Ariadne's `name:line:column` counts columns in the excerpt; on a cut line the
    // column of the source replaces it.
    let mut columns: Vec<(String, String)> = Vec::new();
    let labels: Vec<((String, std::ops::Range<usize>), &str)> = spans
        .into_iter()
        .map(|(i, range, message)| {
            let excerpt = &excerpts[i];
            let start = excerpt.map(range.start);
            if let Some(file) = sources.get(files[i].0) {
                let line = file.line_of(range.start);
                let line_start = file.line_starts().get(line).copied().unwrap_or(0);
                let column = file.text[line_start..range.start].chars().count() + 1;
                let cut_start = excerpt.text[..start].rfind('\n').map_or(0, |n| n + 1);
                let cut_column = excerpt.text[cut_start..start].chars().count() + 1;
                if column != cut_column {
                    let id = &files[i].1;
                    columns.push((
                        format!(" {id}:{}:{cut_column} ", line + 1),
                        format!(" {id}:{}:{column} ", line + 1),
                    ));
                }
            }
            ((files[i].1.clone(), start..excerpt.map(range.end)), message)
        })
        .collect();

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
        let file = files.iter().position(|(_, f)| f == id).unwrap_or(0);
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
    let excerpts: std::collections::HashMap<String, ariadne::Source<String>> = files
        .into_iter()
        .zip(excerpts)
        .map(|((_, id), excerpt)| (id, ariadne::Source::from(excerpt.text)))
        .collect();
    let cache = ariadne::FnCache::new(
        (|id: &String| Err(format!("no source '{id}'"))) as fn(&String) -> Result<String, String>,
    )
    .with_sources(excerpts);
    if !color && columns.is_empty() {
        return report.finish().write(cache, out);
    }
    let mut buf = Vec::new();
    report.finish().write(cache, &mut buf)?;
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    for (cut, whole) in columns {
        text = text.replacen(&cut, &whole, 1);
    }
    if color {
        text = tidy_escapes(&text);
    }
    out.write_all(text.as_bytes())
}

/// Ariadne's colour for source text outside every label (a light grey).
const UNIMPORTANT: &str = "38;5;249";

/// Ariadne's coloured output with one escape code per run of same-coloured text
/// (it wraps every character in its own), the source text outside labels in the
/// terminal's (or notebook's) own colour rather than a light grey that is faint on
/// a light or red background, and every colour closed before a line break.
fn tidy_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut current: Option<String> = None;
    let mut emitted: Option<String> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            let mut code = String::new();
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
                code.push(d);
            }
            current = match (code.as_str(), current.take()) {
                ("0" | "", _) => None,
                (UNIMPORTANT, prev) => prev,
                (_, Some(prev)) => Some(format!("{prev};{code}")),
                (_, None) => Some(code),
            };
            continue;
        }
        let wanted = if c == '\n' { None } else { current.clone() };
        if wanted != emitted {
            if emitted.is_some() {
                out.push_str("\u{1b}[0m");
            }
            if let Some(code) = &wanted {
                out.push_str(&format!("\u{1b}[{code}m"));
            }
            emitted = wanted;
        }
        out.push(c);
    }
    if emitted.is_some() {
        out.push_str("\u{1b}[0m");
    }
    out
}

/// The longest line shown whole, in characters; a longer one is cut to a window.
const LONGEST_LINE: usize = 160;
/// How many characters of a cut line are shown before its first label.
const BEFORE_LABEL: usize = 40;

/// The part of a source a report shows: the lines from the first label's to the last
/// label's (the lines before them empty), each line longer than [`LONGEST_LINE`] cut to a window around its labels
/// (`…` marks what is left out), with the map from source offsets to excerpt offsets.
struct Excerpt {
    text: String,
    /// Per line of the excerpt: the source range kept, and where it starts in `text`.
    kept: Vec<(std::ops::Range<usize>, usize)>,
}

impl Excerpt {
    fn new(file: &crate::source::SourceFile, ranges: &[std::ops::Range<usize>]) -> Excerpt {
        let text = &*file.text;
        let first = ranges.iter().map(|r| r.start).min().unwrap_or(0);
        let last = ranges.iter().map(|r| r.end).max().unwrap_or(0);
        // An offset at the very end of a text that ends with a line break is on the
        // last line (as ariadne places it), not on an empty line after it.
        let line_of = |at: usize| {
            if at > 0 && at == text.len() && text.ends_with('\n') {
                file.line_of(at - 1)
            } else {
                file.line_of(at)
            }
        };
        let (first_line, last_line) = (line_of(first), line_of(last));
        // The lines before are kept empty, so that ariadne numbers the lines shown
        // as the source does (its `display_line_offset` is not used in the margin).
        let mut excerpt = Excerpt {
            text: "\n".repeat(first_line),
            kept: Vec::new(),
        };
        for line in first_line..=last_line {
            let whole = file.line_range(line);
            let next = file
                .line_starts()
                .get(line + 1)
                .copied()
                .unwrap_or(text.len());
            let line_text = &text[whole.clone()];
            // Only count characters up to the limit: a line of megabytes is not walked.
            if line_text.len() <= LONGEST_LINE
                || line_text.chars().take(LONGEST_LINE + 1).count() <= LONGEST_LINE
            {
                excerpt.kept.push((whole.start..next, excerpt.text.len()));
                excerpt.text.push_str(&text[whole.start..next]);
                continue;
            }
            // The window starts a little before the first label on this line.
            let anchor = ranges
                .iter()
                .flat_map(|r| [r.start, r.end])
                .filter(|p| whole.contains(p))
                .min()
                .unwrap_or(whole.start);
            let mut start = anchor;
            for _ in 0..BEFORE_LABEL {
                match text[whole.start..start].chars().next_back() {
                    Some(c) => start -= c.len_utf8(),
                    None => break,
                }
            }
            let end = text[start..whole.end]
                .char_indices()
                .nth(LONGEST_LINE)
                .map_or(whole.end, |(i, _)| start + i);
            if start > whole.start {
                excerpt.text.push('…');
            }
            excerpt.kept.push((start..end, excerpt.text.len()));
            excerpt.text.push_str(&text[start..end]);
            if end < whole.end {
                excerpt.text.push('…');
            }
            excerpt.text.push_str(&text[whole.end..next]);
        }
        excerpt
    }

    /// Where source offset `at` is in the excerpt (clamped into the part kept).
    fn map(&self, at: usize) -> usize {
        let line = self
            .kept
            .partition_point(|(range, _)| range.start <= at)
            .saturating_sub(1);
        match self.kept.get(line) {
            Some((range, offset)) => offset + at.clamp(range.start, range.end) - range.start,
            None => 0,
        }
    }
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
    fn a_long_line_is_cut_to_a_window_around_the_label() {
        let mut sources = Sources::new();
        let long = format!("x = 1\ny = \"{}\" + nope\n", "é".repeat(3_000_000));
        let at = long.find("nope").expect("nope");
        let a = sources.add("long.bp", long.as_str());
        let diag = Diagnostic::error("unknown name 'nope'")
            .with_label(Span::new(a, at, at + 4), "not defined");
        let text = rendered(&diag, &sources);
        assert!(text.len() < 2_000, "{} bytes", text.len());
        // The header has the column in the whole line; the margin the line number.
        assert!(text.contains("long.bp:2:3000010"), "{text}");
        assert!(text.contains(" 2 │ …éééé"), "{text}");
        assert!(text.contains("\" + nope"), "{text}");
        assert!(text.contains("not defined"), "{text}");
    }

    #[test]
    fn coloured_reports_open_one_code_per_run_and_leave_plain_text_alone() {
        let mut sources = Sources::new();
        let a = sources.add("c.bp", "total = undefined_name * 2\n");
        let diag = Diagnostic::error("unknown name").with_label(Span::new(a, 8, 22), "here");
        let mut out = Vec::new();
        render(&diag, &sources, true, &mut out).expect("write to a Vec");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains("38;5;249"), "{text:?}");
        let line = text
            .lines()
            .find(|l| l.contains("total"))
            .expect("the source line");
        assert!(line.matches('\u{1b}').count() <= 6, "{line:?}");
        assert!(line.contains("undefined_name"), "{line:?}");
        assert_eq!(
            tidy_escapes("\u{1b}[31ma\u{1b}[0m\u{1b}[31mb\u{1b}[0m\n\u{1b}[38;5;249mc\u{1b}[0m"),
            "\u{1b}[31mab\u{1b}[0m\nc"
        );
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
