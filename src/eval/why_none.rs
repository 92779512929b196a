//! "Why is `.grad` none?" (SPEC §21): reading `.grad` of a tensor that will never
//! get one warns, and using a `none` gradient in arithmetic says which of the three
//! cases it is (a non-leaf, a leaf that took no part in backward, a tensor that
//! does not require grad) and how to fix it, pointing at what made the tensor.

use super::Interpreter;
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use std::cell::RefCell;

/// Why a tensor's `.grad` is none.
#[derive(Clone)]
pub(crate) struct WhyNone {
    /// The `.grad` read that gave none.
    pub read: Span,
    /// Where the tensor was made.
    pub made: Span,
    /// Which case it is, as a label.
    pub why: String,
    /// The fix.
    pub hint: String,
}

/// The most recent reads of a none `.grad` kept (a read is found by its span).
const KEPT: usize = 8;

thread_local! {
    static READS: RefCell<Vec<WhyNone>> = const { RefCell::new(Vec::new()) };
}

impl Interpreter {
    /// `t.grad` read at `read` gave none: says why (kept for a later use of the
    /// none), and warns when the tensor will never get a gradient.
    pub(crate) fn none_grad_read(&mut self, t: &Tensor, obj_span: Span, read: Span) {
        let text = self.sources.slice(obj_span).to_string();
        let made_text = self.sources.slice(t.span()).to_string();
        let (why, hint, never) = if !t.requires_grad() {
            (
                format!("'{text}' does not require grad, so backward never gives it a gradient"),
                format!("create it with grad, e.g. tensor(..., grad), or set {text}.requires_grad = true before computing with it"),
                true,
            )
        } else if !t.is_leaf() && !t.retains_grad() {
            let by = if made_text.is_empty() {
                String::new()
            } else {
                format!(" (made by `{made_text}`)")
            };
            (
                format!("'{text}' is not a leaf{by}: backward fills .grad only of leaves"),
                format!("call retain_grad({text}) before backward to keep its gradient, or make it a leaf of its own with tensor({text}, grad)"),
                true,
            )
        } else {
            (
                format!("'{text}' took no part in the last backward (or no backward ran yet)"),
                "check that the value backward started from was computed from it".to_string(),
                false,
            )
        };
        let why = WhyNone {
            read,
            made: t.span(),
            why,
            hint,
        };
        if never {
            let mut d = Diagnostic::warning(format!("{text}.grad is none and stays none"))
                .with_label(read, why.why.clone());
            if why.made != read && why.made != obj_span && why.made.start < why.made.end {
                d = d.with_label(why.made, "made here");
            }
            self.warn(d.with_hint(why.hint.clone()));
        }
        READS.with(|r| {
            let mut r = r.borrow_mut();
            r.retain(|w| w.read != read);
            if r.len() >= KEPT {
                r.remove(0);
            }
            r.push(why);
        });
    }

    /// The report of arithmetic on a none operand at `span`: why it is none when
    /// it is a `.grad` read (or, as a hint, the last such read).
    pub(crate) fn explain_none_operand(&self, d: Diagnostic, span: Span) -> Diagnostic {
        let found = READS.with(|r| {
            let r = r.borrow();
            r.iter()
                .rev()
                .find(|w| w.read == span)
                .cloned()
                .map(|w| (w, true))
                .or_else(|| {
                    r.last()
                        .filter(|w| w.read.source == span.source)
                        .cloned()
                        .map(|w| (w, false))
                })
        });
        match found {
            Some((w, true)) => {
                let mut d = d;
                let message = format!("this .grad is none: {}", w.why);
                match d.labels.iter_mut().find(|l| l.span == w.read) {
                    Some(l) => l.message = message,
                    None => d = d.with_label(w.read, message),
                }
                if w.made.start < w.made.end && w.made != w.read {
                    d = d.with_label(w.made, "the tensor was made here");
                }
                with_more_hint(d, w.hint)
            }
            Some((w, false)) => {
                let line = self
                    .sources
                    .get(w.read.source)
                    .map(|f| f.line_of(w.read.start as usize) + 1)
                    .unwrap_or(0);
                let text = self.sources.slice(w.read).to_string();
                with_more_hint(
                    d,
                    format!(
                        "if this none is the `{text}` read on line {line}: {}; {}",
                        w.why, w.hint
                    ),
                )
            }
            None => d,
        }
    }
}

/// `d` with `hint` after the hint it has, if any.
fn with_more_hint(d: Diagnostic, hint: String) -> Diagnostic {
    let hint = match &d.hint {
        Some(h) => format!("{h}\n{hint}"),
        None => hint,
    };
    d.with_hint(hint)
}
