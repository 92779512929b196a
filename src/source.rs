//! Source texts and the spans that point into them.
//!
//! Every AST node and every recorded operation carries a [`Span`]: which source
//! (a file, `<stdin>`, one REPL entry) and which byte range of it. [`Sources`]
//! owns the texts so that a diagnostic can be rendered long after parsing.

use std::rc::Rc;

/// Index of a source text in a [`Sources`] registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SourceId(pub u32);

/// A byte range `start..end` of one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The default span, usable in constants.
    pub const EMPTY: Span = Span {
        source: SourceId(0),
        start: 0,
        end: 0,
    };

    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span {
            source,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span that covers both `self` and `other` (same source).
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One named source text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Rc<str>,
    /// The byte offset where each line starts, computed when first asked for.
    line_starts: std::cell::OnceCell<Rc<[usize]>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Rc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::cell::OnceCell::new(),
        }
    }

    /// The byte offset where each line starts (the first is 0), counted once.
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .bytes()
                        .enumerate()
                        .filter(|&(_, b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        })
    }

    /// The line (from 0) that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts()
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// The byte range of line `line`, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let start = starts.get(line).copied().unwrap_or(self.text.len());
        let end = starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end.max(start)
    }
}

/// The registry of every source text seen in a session.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Where each (name, text) pair already is: a text run again under the same
    /// name (a notebook cell, a host calling `run_source` in a loop) reuses its id
    /// instead of growing the registry.
    seen: crate::fast_hash::FastMap<(String, Rc<str>), SourceId>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Rc<str>>) -> SourceId {
        let key = (name.into(), text.into());
        if let Some(id) = self.seen.get(&key) {
            return *id;
        }
        let id = SourceId(self.files.len() as u32);
        self.files
            .push(SourceFile::new(key.0.clone(), key.1.clone()));
        self.seen.insert(key, id);
        id
    }

    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text a span covers, or "" when it points nowhere valid.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.source)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (SourceId(i as u32), f))
    }
}
