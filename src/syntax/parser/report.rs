//! The second pass, for a text with syntax errors: each error reported with what was
//! expected and found (chumsky's `Rich` errors), parsing again only the statements
//! around the errors that the first pass located.
//!
//! `Rich` errors cost an allocation at every failed alternative, and the reports
//! look at the tokens before each error; over a whole large file that took tens of
//! seconds and a vector of every token. The first pass ([`super::parse_lazily`])
//! parses with [`Spot`] errors, which hold only a span, and notes where each
//! top-level statement starts. A statement's parse does not depend on what comes
//! before it, so each error is parsed again from a few statements before it to the
//! start of the statement after it, or first only a little past the error
//! ([`by_regions`]), reading the tokens from the text again, with [`Hybrid`] errors
//! (`Rich` only at the places reported). Up to the region's end
//! that parse sees the tokens the whole text has, so an error it finds before the end
//! is the one the whole text gives there. It may miss one (an error inside a block
//! that closes after the region's end goes with the block's failed parse), so the
//! errors found must be at the very places the first pass found; otherwise, and for a
//! text that does not lex, the whole text is parsed again ([`parse_whole`]).
//! `reports_from_regions_are_the_reports_of_the_whole_text` (the parser's tests)
//! compares the two on every script of the repository with errors put in.

use super::*;
use chumsky::error::Cheap;

/// The first pass's error: its span, nothing more.
pub(super) type Spot = Cheap<Span>;

/// The error of a region's parse: `Rich` at the places whose reports are wanted
/// ([`WANTED`]), a [`Spot`] elsewhere, so that the alternatives that fail at every
/// token of a long statement cost no allocation. chumsky picks and merges errors by
/// their place alone, so a wanted place gets the error `Rich` errors give there.
#[derive(Clone, Debug)]
pub(super) enum Hybrid<'t> {
    Spot(Span),
    Rich(Rich<'t, Token, Span>),
}

thread_local! {
    /// Where [`Hybrid`] errors are `Rich`, sorted.
    static WANTED: std::cell::RefCell<Vec<u32>> = Default::default();
}

/// Whether a report of an error at `span` is wanted.
fn wanted(span: &Span) -> bool {
    WANTED.with(|w| w.borrow().binary_search(&span.start).is_ok())
}

/// Sets [`WANTED`] for one parse, and empties it when the parse ends.
struct Wanted;

impl Wanted {
    fn set(places: &[u32]) -> Wanted {
        WANTED.with(|w| *w.borrow_mut() = places.to_vec());
        Wanted
    }
}

impl Drop for Wanted {
    fn drop(&mut self) {
        WANTED.with(|w| w.borrow_mut().clear());
    }
}

impl<'t, I: Input<'t, Token = Token, Span = Span>> chumsky::error::Error<'t, I> for Hybrid<'t> {
    fn merge(self, other: Self) -> Self {
        match (self, other) {
            (Hybrid::Rich(a), Hybrid::Rich(b)) => {
                Hybrid::Rich(<Rich<'t, Token, Span> as chumsky::error::Error<'t, I>>::merge(a, b))
            }
            (Hybrid::Spot(_), rich @ Hybrid::Rich(_)) => rich,
            (first, _) => first,
        }
    }
}

impl<'t, I, L> chumsky::label::LabelError<'t, I, L> for Hybrid<'t>
where
    I: Input<'t, Token = Token, Span = Span>,
    Rich<'t, Token, Span>: chumsky::label::LabelError<'t, I, L>,
{
    fn expected_found<E: IntoIterator<Item = L>>(
        expected: E,
        found: Option<chumsky::util::MaybeRef<'t, Token>>,
        span: Span,
    ) -> Self {
        match wanted(&span) {
            true => Hybrid::Rich(<Rich<'t, Token, Span> as chumsky::label::LabelError<
                't,
                I,
                L,
            >>::expected_found(expected, found, span)),
            false => Hybrid::Spot(span),
        }
    }

    fn merge_expected_found<E: IntoIterator<Item = L>>(
        self,
        expected: E,
        found: Option<chumsky::util::MaybeRef<'t, Token>>,
        span: Span,
    ) -> Self
    where
        Self: chumsky::error::Error<'t, I>,
    {
        match self {
            Hybrid::Rich(rich) => {
                Hybrid::Rich(<Rich<'t, Token, Span> as chumsky::label::LabelError<
                    't,
                    I,
                    L,
                >>::merge_expected_found(
                    rich, expected, found, span
                ))
            }
            spot => spot,
        }
    }

    fn replace_expected_found<E: IntoIterator<Item = L>>(
        self,
        expected: E,
        found: Option<chumsky::util::MaybeRef<'t, Token>>,
        span: Span,
    ) -> Self {
        match self {
            Hybrid::Rich(rich) if wanted(&span) => {
                Hybrid::Rich(<Rich<'t, Token, Span> as chumsky::label::LabelError<
                    't,
                    I,
                    L,
                >>::replace_expected_found(
                    rich, expected, found, span
                ))
            }
            _ => <Self as chumsky::label::LabelError<'t, I, L>>::expected_found(
                expected, found, span,
            ),
        }
    }

    fn label_with(&mut self, label: L) {
        if let Hybrid::Rich(rich) = self {
            <Rich<'t, Token, Span> as chumsky::label::LabelError<'t, I, L>>::label_with(
                rich, label,
            );
        }
    }

    fn in_context(&mut self, label: L, span: Span) {
        if let Hybrid::Rich(rich) = self {
            <Rich<'t, Token, Span> as chumsky::label::LabelError<'t, I, L>>::in_context(
                rich, label, span,
            );
        }
    }
}

impl<'t, I: Input<'t, Token = Token, Span = Span>> SyntaxError<'t, I> for Hybrid<'t> {
    fn custom(span: Span, message: impl ToString) -> Self {
        match wanted(&span) {
            true => Hybrid::Rich(Rich::custom(span, message.to_string())),
            false => Hybrid::Spot(span),
        }
    }
}

impl Hybrid<'_> {
    fn start(&self) -> u32 {
        match self {
            Hybrid::Spot(span) => span.start,
            Hybrid::Rich(rich) => rich.span().start,
        }
    }
}

/// The first pass's statements collected into `C`; where each starts goes to
/// [`STARTS`], kept when the parse stops at an error after them.
pub(super) struct Tracked<C>(pub(super) C);

thread_local! {
    /// Where each top-level statement of the last first pass starts.
    static STARTS: std::cell::RefCell<Option<Vec<u32>>> = Default::default();
}

impl<C: FromIterator<Option<Stmt>>> FromIterator<Option<Stmt>> for Tracked<C> {
    fn from_iter<I: IntoIterator<Item = Option<Stmt>>>(items: I) -> Tracked<C> {
        let mut starts = Vec::new();
        let items = items
            .into_iter()
            .inspect(|stmt| {
                if let Some(stmt) = stmt {
                    starts.push(stmt.span.start);
                }
            })
            .collect();
        // Set last: the statements may parse texts of their own (`bp check`'s sink).
        STARTS.with(|s| *s.borrow_mut() = Some(starts));
        Tracked(items)
    }
}

/// The starts that the last [`Tracked`] collected, taken.
pub(super) fn take_starts() -> Option<Vec<u32>> {
    STARTS.with(|s| s.borrow_mut().take())
}

/// What the first pass found in a text that lexes but does not parse.
pub(super) struct Located<'s> {
    tokens: token::LazyTokens<'s>,
    eoi: Span,
    /// Where each error starts, in order.
    errors: Vec<u32>,
    /// Where each top-level statement starts, in order (up to an error the parse
    /// could not go past).
    starts: Option<Vec<u32>>,
}

impl<'s> Located<'s> {
    pub(super) fn found(
        tokens: token::LazyTokens<'s>,
        eoi: Span,
        errors: Vec<Spot>,
        starts: Option<Vec<u32>>,
    ) -> Located<'s> {
        let mut errors: Vec<u32> = errors.iter().map(|e| e.span().start).collect();
        errors.sort_unstable();
        Located {
            tokens,
            eoi,
            errors,
            starts,
        }
    }
}

/// How far past an error its region reaches at the least (where the statement it is in
/// ends earlier, that is where the region ends).
const LOOKAHEAD: u32 = 1024;

/// The statements of a region's parse, thrown away.
struct Discard;

impl FromIterator<Option<Stmt>> for Discard {
    fn from_iter<I: IntoIterator<Item = Option<Stmt>>>(items: I) -> Discard {
        items.into_iter().for_each(drop);
        Discard
    }
}

/// [`super::parse`]'s output for a text its first pass could not parse.
pub(super) fn parse_reporting(src: &str, source: SourceId, unparsed: Unparsed) -> ParseOutput {
    unparsed
        .located
        .and_then(|located| by_regions(src, source, *located))
        .unwrap_or_else(|| parse_whole(src, source))
}

/// The reports of the errors the first pass located, from parses of the regions
/// around them (see the module's comment); `None` when they are not at the places
/// the first pass found.
pub(super) fn by_regions(src: &str, source: SourceId, located: Located) -> Option<ParseOutput> {
    let Located {
        mut tokens,
        eoi,
        errors,
        starts,
    } = located;
    let starts = starts?;
    let total = errors.len();
    // The errors shown: the first MAX_REPORTED, and any at the same place as the last.
    let last_shown = *errors.get(total.min(MAX_REPORTED).checked_sub(1)?)?;
    let shown = errors.partition_point(|&at| at <= last_shown);

    // Regions: from the start of the statement two before the one an error is in (a
    // statement may look past its line end: `if c` + newline + `{`) to the start of
    // the statement after it (`None`: the end of the text), overlapping ones merged.
    let mut regions: Vec<(u32, Option<u32>)> = Vec::new();
    for &at in &errors[..shown] {
        let after = starts.partition_point(|&s| s <= at);
        let from = match after.checked_sub(3) {
            Some(i) => starts[i],
            None => tokens.begin as u32,
        };
        let to = starts.get(after).copied();
        match regions.last_mut() {
            Some((_, end)) if end.is_none_or(|end| from < end) => *end = to,
            _ => regions.push((from, to)),
        }
    }

    let mut reports = Reports::default();
    for (from, to) in regions {
        let region = Region {
            src,
            source,
            eoi,
            from,
            to,
            wanted: &errors[..shown],
        };
        let first = errors.partition_point(|&at| at < from);
        let last = errors.partition_point(|&at| to.is_none_or(|to| at < to));
        let located = &errors[first..last];
        // A statement may be long (an unclosed `(` makes one of the rest of the
        // text): first up to LOOKAHEAD bytes past its last error. That parse misses
        // an error inside a block that the statement closes later.
        let ahead = located.last()?.saturating_add(LOOKAHEAD);
        let short = (ahead < to.unwrap_or(eoi.end)).then_some(Region {
            to: Some(ahead),
            ..region
        });
        if !short.is_some_and(|short| short.report(&mut tokens, located, &mut reports)) {
            region
                .report(&mut tokens, located, &mut reports)
                .then_some(())?;
        }
    }
    let mut diagnostics = reports.diagnostics;
    diagnostics.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    let incomplete = reports.all_at_end && diagnostics.len() == total;
    finish(&mut diagnostics, total);
    Some(ParseOutput {
        program: None,
        diagnostics,
        incomplete,
    })
}

/// The reports of [`by_regions`] so far.
struct Reports {
    diagnostics: Vec<Diagnostic>,
    /// Whether every error is at the end of input.
    all_at_end: bool,
}

impl Default for Reports {
    fn default() -> Reports {
        Reports {
            diagnostics: Vec::new(),
            all_at_end: true,
        }
    }
}

/// A part of a text parsed again with `Rich` errors: from the start of a top-level
/// statement up to `to` (`None`: the end of the text).
#[derive(Clone, Copy)]
struct Region<'s> {
    src: &'s str,
    source: SourceId,
    eoi: Span,
    from: u32,
    to: Option<u32>,
    /// The places of the errors whose reports are wanted (sorted).
    wanted: &'s [u32],
}

impl Region<'_> {
    /// Parses the region and adds the reports of its wanted errors before `to` to
    /// `reports`, if its errors are at the places in `located` (sorted); false
    /// otherwise, adding nothing.
    fn report(
        &self,
        tokens: &mut token::LazyTokens,
        located: &[u32],
        reports: &mut Reports,
    ) -> bool {
        let limit = self.to.map_or(usize::MAX, |to| to as usize);
        let end = self.to.unwrap_or(self.eoi.end) as usize;
        let input = LazyInput {
            tokens,
            eoi: Span::new(self.source, end, end),
            start: self.from as usize,
            limit,
        };
        let (_, errs) = {
            let _wanted = Wanted::set(self.wanted);
            program_parser::<_, Hybrid, Discard>()
                .parse(input)
                .into_output_errors()
        };
        // Errors at the region's end are not the text's.
        let errs: Vec<Hybrid> = errs
            .into_iter()
            .filter(|e| (e.start() as usize) < limit)
            .collect();
        let mut found: Vec<u32> = errs.iter().map(Hybrid::start).collect();
        found.sort_unstable();
        if found != located {
            return false;
        }
        let errs: Vec<Rich<Token, Span>> = errs
            .into_iter()
            .filter_map(|e| match e {
                Hybrid::Rich(rich) => Some(rich.into_owned()),
                Hybrid::Spot(_) => None,
            })
            .collect();
        let mut at = self.from as usize;
        let region = std::iter::from_fn(|| {
            let (tok, start, end) = tokens.next_at(at).filter(|(_, s, _)| *s < limit)?;
            at = end;
            Some((tok, Span::new(self.source, start, end)))
        });
        reports.add(&errs, self.src, Scanner::new(region));
        true
    }
}

impl Reports {
    /// Adds the reports of `errs` (of one parse), reading the tokens before them from
    /// `scanner`.
    fn add<I>(&mut self, errs: &[Rich<Token, Span>], src: &str, mut scanner: Scanner<I>)
    where
        I: Iterator<Item = (Token, Span)>,
    {
        // In order of place for the scanner, then back in the order of the parse.
        let mut order: Vec<usize> = (0..errs.len()).collect();
        order.sort_by_key(|&i| errs[i].span().start);
        let mut diagnostics: Vec<Option<Diagnostic>> = vec![None; errs.len()];
        for i in order {
            let err = &errs[i];
            self.all_at_end &= at_end(err);
            let before = scanner.before(err.span().start);
            diagnostics[i] = Some(error_to_diagnostic(err, src, &before));
        }
        self.diagnostics.extend(diagnostics.into_iter().flatten());
    }
}

/// Whether `err` is at the end of input (more input could complete the text).
fn at_end(err: &Rich<Token, Span>) -> bool {
    matches!(err.reason(), RichReason::ExpectedFound { found: None, .. })
}

/// Keeps the first [`MAX_REPORTED`] of `diagnostics` (sorted) of a text with `total`,
/// and counts the rest in one line.
fn finish(diagnostics: &mut Vec<Diagnostic>, total: usize) {
    if total > MAX_REPORTED {
        let more = total - MAX_REPORTED;
        diagnostics.truncate(MAX_REPORTED);
        let errors = if more == 1 { "error" } else { "errors" };
        diagnostics.push(
            Diagnostic::error(format!("{more} more syntax {errors} not shown"))
                .with_hint("fix the ones above first"),
        );
    }
}

/// The second pass over the whole text: lexes it into tokens and parses them with
/// `Rich` errors, reporting every error.
pub(super) fn parse_whole(src: &str, source: SourceId) -> ParseOutput {
    let (mut tokens, mut diagnostics) = token::lex(src, source);
    resolve_fstrings(&mut tokens, src, source, &mut diagnostics);
    let lex_incomplete =
        !diagnostics.is_empty() && diagnostics.iter().all(|d| d.message == UNTERMINATED_STRING);

    if let Some(diag) = check_nesting(&tokens) {
        diagnostics.push(diag);
        return ParseOutput {
            program: None,
            diagnostics,
            incomplete: false,
        };
    }

    let end = tokens.last().map_or(0, |(_, s)| s.end as usize);
    let eoi = Span::new(source, end, end);
    let (program, errors) = program_parser::<_, Rich<Token, Span>, Chunked<_>>()
        .parse(tokens.as_slice().split_token_span(eoi))
        .into_output_errors();

    // An error at an `Error` token repeats a lexical diagnostic already reported.
    let errors: Vec<_> = errors
        .into_iter()
        .filter(|e| e.found() != Some(&Token::Error))
        .collect();
    // Only end-of-input errors (and unterminated strings): more input may complete it.
    let something_open = lex_incomplete || (diagnostics.is_empty() && !errors.is_empty());
    let incomplete = something_open && errors.iter().all(at_end);

    let mut reports = Reports {
        diagnostics,
        all_at_end: true,
    };
    reports.add(&errors, src, Scanner::new(tokens.iter().cloned()));
    let mut diagnostics = reports.diagnostics;
    diagnostics.sort_by_key(|d| d.primary_span().map_or(0, |s| s.start));
    let total = diagnostics.len();
    finish(&mut diagnostics, total);

    let program = match program {
        Some(Chunked(stmts)) if diagnostics.is_empty() => Some(program_of(stmts)),
        _ => None,
    };
    ParseOutput {
        program,
        diagnostics,
        incomplete,
    }
}
