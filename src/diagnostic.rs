//! Diagnostics as data, and the one place that renders them (with ariadne).
//!
//! Every stage reports problems as [`Diagnostic`] values built from spans; the
//! caller chooses where and how they are rendered ([`render`]).

use crate::source::{Sources, Span};

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
pub fn render(
    diag: &Diagnostic,
    sources: &Sources,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Written by the syntax stage's owner; a plain fallback until then.
    let _ = (sources, color);
    writeln!(out, "error: {}", diag.message)
}
