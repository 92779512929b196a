//! The items of a bracket literal `[a, b, c]`, collected compactly while every item
//! is a number, or a literal of numbers of one shape: a literal of numbers only (a
//! script's data: millions of them on one line), or of rows of them, becomes
//! [`ExprKind::Numbers`], 8 bytes a number, and never a vector of expressions (32
//! bytes an item, and a row's own allocations).

use super::super::*;
use super::CHUNK;

/// An item that is a number literal (`2.5`, `pi`, `(2)`) or a minus before one
/// (`-2.5`): its value, and for a minus the start of the number after it.
fn number(e: &Expr) -> Option<(f64, Option<u32>)> {
    match &e.kind {
        ExprKind::Number(n) => Some((*n, None)),
        ExprKind::Unary {
            op: UnOp::Neg,
            operand,
        } => match operand.kind {
            ExprKind::Number(n) => Some((-n, Some(operand.span.start))),
            _ => None,
        },
        _ => None,
    }
}

/// A number item as the parser gave it: its value and its span (start, end); 16
/// bytes.
#[derive(Clone, Copy)]
struct NumberItem {
    value: f64,
    start: u32,
    end: u32,
}

impl NumberItem {
    /// The expression the parser gave, again; `operand` is the start of `n` in an
    /// item `-n` (`n` ends where the item does).
    fn expr(self, operand: Option<u32>, source: SourceId) -> Expr {
        let span = Span::new(source, self.start as usize, self.end as usize);
        match operand {
            None => Expr {
                kind: ExprKind::Number(self.value),
                span,
            },
            Some(start) => Expr {
                kind: ExprKind::Unary {
                    op: UnOp::Neg,
                    // Negation flips the sign bit only: `-(-n)` is `n`, bit for bit.
                    operand: Box::new(Expr {
                        kind: ExprKind::Number(-self.value),
                        span: Span::new(source, start as usize, self.end as usize),
                    }),
                },
                span,
            },
        }
    }
}

/// The items after the first of a bracket literal: the leading number items in
/// chunks of [`CHUNK`] (a vector that doubles would hold its old buffer and its copy
/// at once), or the leading literals of numbers of one shape (rows), then, from the
/// first item that is neither on, every other item as it is.
#[derive(Default)]
pub(in crate::syntax::parser) struct ListItems {
    numbers: Vec<Vec<NumberItem>>,
    /// How many items `numbers` holds.
    count: usize,
    /// The index among `numbers` of each item `-n`, with the start of its `n`.
    negated: Vec<(usize, u32)>,
    rows: Option<Rows>,
    rest: Vec<Vec<Expr>>,
}

/// Literals of numbers of one shape, each a row of a matrix (or a slice of a
/// tensor of more axes), held as their values and spans, not as expressions (a
/// literal of a million pairs is a million of them).
struct Rows {
    /// The shape of each.
    shape: Box<[usize]>,
    /// Their values, one after the other.
    values: Vec<Vec<f64>>,
    /// The span (start, end) of each, then its `firsts` (one per axis).
    spans: Vec<Vec<(u32, u32)>>,
    count: usize,
}

impl Rows {
    /// Takes the literal of numbers `item` when it has the shape of the rows.
    fn take(rows: &mut Option<Rows>, item: &Expr) -> bool {
        let ExprKind::Numbers(list) = &item.kind else {
            return false;
        };
        let rows = rows.get_or_insert_with(|| Rows {
            shape: list.shape.clone(),
            values: Vec::new(),
            spans: Vec::new(),
            count: 0,
        });
        if rows.shape != list.shape {
            return false;
        }
        for v in list.values.iter() {
            push_chunked(&mut rows.values, *v);
        }
        let spans = std::iter::once(item.span).chain(list.firsts.iter().copied());
        for s in spans {
            push_chunked(&mut rows.spans, (s.start, s.end));
        }
        rows.count += 1;
        true
    }

    /// The expressions the parser gave, again, in order.
    fn exprs(self, source: SourceId) -> impl Iterator<Item = Expr> {
        let span = move |(start, end): (u32, u32)| Span::new(source, start as usize, end as usize);
        let (per_row, axes) = (self.shape.iter().product::<usize>(), self.shape.len());
        let mut values = self.values.into_iter().flatten();
        let mut spans = self.spans.into_iter().flatten();
        let shape = self.shape;
        (0..self.count).map(move |_| {
            let at = span(spans.next().unwrap_or_default());
            Expr {
                kind: ExprKind::Numbers(Rc::new(NumberList {
                    values: values.by_ref().take(per_row).collect(),
                    shape: shape.clone(),
                    firsts: spans.by_ref().take(axes).map(span).collect(),
                })),
                span: at,
            }
        })
    }
}

/// Appends `item` to the chunks `into`.
fn push_chunked<T>(into: &mut Vec<Vec<T>>, item: T) {
    match into.last_mut() {
        Some(last) if last.len() < CHUNK => last.push(item),
        _ => {
            let mut chunk = Vec::with_capacity(if into.is_empty() { 4 } else { CHUNK });
            chunk.push(item);
            into.push(chunk);
        }
    }
}

impl FromIterator<Expr> for ListItems {
    fn from_iter<I: IntoIterator<Item = Expr>>(items: I) -> ListItems {
        let mut out = ListItems::default();
        for item in items {
            match number(&item) {
                Some((value, operand)) if out.rest.is_empty() && out.rows.is_none() => {
                    if let Some(start) = operand {
                        out.negated.push((out.count, start));
                    }
                    push_chunked(
                        &mut out.numbers,
                        NumberItem {
                            value,
                            start: item.span.start,
                            end: item.span.end,
                        },
                    );
                    out.count += 1;
                }
                None if out.count == 0
                    && out.rest.is_empty()
                    && Rows::take(&mut out.rows, &item) => {}
                _ => push_chunked(&mut out.rest, item),
            }
        }
        out
    }
}

/// The literal `[first, items...]`: [`ExprKind::Numbers`] when every item is a
/// number, or when every item is such a literal of one shape (rows of a matrix),
/// else [`ExprKind::TensorLit`] of the items as the parser gave them. Each chunk is
/// freed as soon as it is moved.
pub(in crate::syntax::parser) fn bracket_literal(
    first: Expr,
    items: ListItems,
    source: SourceId,
) -> ExprKind {
    let rows = items.rows.as_ref().map_or(0, |r| r.count);
    let len = 1 + items.count + rows + items.rest.iter().map(Vec::len).sum::<usize>();
    let only_numbers = items.rows.is_none() && items.rest.is_empty();
    let only_rows = items.count == 0 && items.rest.is_empty();
    if let (Some((value, _)), true) = (number(&first), only_numbers) {
        let mut values = Vec::with_capacity(len);
        values.push(value);
        for chunk in items.numbers {
            values.extend(chunk.iter().map(|n| n.value));
        }
        return ExprKind::Numbers(Rc::new(NumberList {
            values: values.into_boxed_slice(),
            shape: Box::new([len]),
            firsts: Box::new([first.span]),
        }));
    }
    if let ExprKind::Numbers(row) = &first.kind {
        let same = items.rows.as_ref().is_none_or(|r| r.shape == row.shape);
        if same && only_rows {
            let mut values = Vec::with_capacity(len * row.values.len());
            values.extend_from_slice(&row.values);
            if let Some(rows) = items.rows {
                values.extend(rows.values.into_iter().flatten());
            }
            let shape = std::iter::once(len).chain(row.shape.iter().copied());
            let firsts = std::iter::once(first.span).chain(row.firsts.iter().copied());
            return ExprKind::Numbers(Rc::new(NumberList {
                values: values.into_boxed_slice(),
                shape: shape.collect(),
                firsts: firsts.collect(),
            }));
        }
    }
    let mut all = Vec::with_capacity(len);
    all.push(first);
    let mut negated = items.negated.into_iter().peekable();
    let mut index = 0;
    for chunk in items.numbers {
        for n in chunk {
            let operand = negated
                .next_if(|(k, _)| *k == index)
                .map(|(_, start)| start);
            all.push(n.expr(operand, source));
            index += 1;
        }
    }
    if let Some(rows) = items.rows {
        all.extend(rows.exprs(source));
    }
    for chunk in items.rest {
        all.extend(chunk);
    }
    ExprKind::TensorLit(Box::new(all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(src: &str) -> Expr {
        let program = crate::syntax::parser::parse(src, SourceId(0))
            .program
            .unwrap();
        match program.into_iter().next().map(|s| s.kind) {
            Some(StmtKind::Expr(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    fn span(start: usize, end: usize) -> Span {
        Span::new(SourceId(0), start, end)
    }

    #[test]
    fn a_literal_of_numbers_holds_their_values_and_its_first_span() {
        let e = value_of("[ -1.5, 2, (3), - 4, pi, -0]");
        let ExprKind::Numbers(list) = &e.kind else {
            panic!("{e:?}")
        };
        let want = [-1.5, 2.0, 3.0, -4.0, std::f64::consts::PI, -0.0];
        assert_eq!(list.values.len(), want.len());
        for (got, want) in list.values.iter().zip(want) {
            assert_eq!(got.to_bits(), want.to_bits());
        }
        assert_eq!(list.firsts[..], [span(2, 6)]);
        assert_eq!(list.shape[..], [6]);
        assert_eq!(e.span, span(0, 28));
    }

    /// A long literal whose item `bad` (after `CHUNK * 2 + 3` numbers, some negated)
    /// is not a number: every item is the expression the parser gave, span for span.
    #[test]
    fn a_literal_with_another_item_keeps_every_item_as_parsed() {
        for bad in ["x", "\"s\"", "-x", "- -1", "1 + 1", "[1]"] {
            let n = CHUNK * 2 + 3;
            let mut src = String::from("[");
            let mut want = Vec::new();
            for k in 0..=n + 1 {
                if k > 0 {
                    src.push_str(", ");
                }
                let start = src.len();
                if k == n {
                    src.push_str(bad);
                    want.push(Err(span(start, src.len())));
                    continue;
                }
                if k % 7 == 3 {
                    src.push_str("-  ");
                }
                let operand = src.len();
                src.push_str(&format!("{k}.5"));
                let (end, v) = (src.len(), k as f64 + 0.5);
                let number = |start| Expr {
                    kind: ExprKind::Number(v),
                    span: span(start, end),
                };
                want.push(Ok(if start == operand {
                    number(start)
                } else {
                    Expr {
                        kind: ExprKind::Unary {
                            op: UnOp::Neg,
                            operand: Box::new(number(operand)),
                        },
                        span: span(start, end),
                    }
                }));
            }
            src.push(']');
            let e = value_of(&src);
            let ExprKind::TensorLit(items) = &e.kind else {
                panic!("{bad}: {:?}", e.kind)
            };
            assert_eq!(items.len(), want.len(), "{bad}");
            for (k, (got, want)) in items.iter().zip(&want).enumerate() {
                match want {
                    Ok(want) => assert_eq!(got, want, "{bad}: item {k}"),
                    Err(at) => {
                        assert_eq!(got.span, *at, "{bad}");
                        let kind = std::mem::discriminant(&value_of(bad).kind);
                        assert_eq!(std::mem::discriminant(&got.kind), kind, "{bad}");
                    }
                }
            }
        }
    }

    /// A long literal of rows (`[k, -k.5]`, or `[[k, -k.5]]` with `deep`) whose item
    /// `bad` (after `CHUNK + 3` rows) is not a row of their shape: every row is the
    /// literal the parser gave, span for span.
    #[test]
    fn a_literal_of_rows_with_another_item_keeps_every_row_as_parsed() {
        for deep in [false, true] {
            for bad in ["x", "3", "[1]", "[[1, 2, 3]]", "[1, 2]", "[[1, 2]]"] {
                let n = CHUNK + 3;
                let mut src = String::from("[");
                let mut want = Vec::new();
                for k in 0..=n + 1 {
                    if k > 0 {
                        src.push_str(if k % 5 == 0 { ",\n  " } else { ", " });
                    }
                    let start = src.len();
                    if k == n {
                        src.push_str(bad);
                        want.push(Err(span(start, src.len())));
                        continue;
                    }
                    let mut firsts = Vec::new();
                    if deep {
                        firsts.push(start + 1);
                        src.push('[');
                    }
                    src.push('[');
                    firsts.push(src.len());
                    src.push_str(&format!("{k}, -{k}.5]"));
                    let first_end = firsts[firsts.len() - 1] + format!("{k}").len();
                    if deep {
                        src.push(']');
                    }
                    let end = src.len();
                    let firsts: Vec<Span> = match deep {
                        true => vec![span(firsts[0], end - 1), span(firsts[1], first_end)],
                        false => vec![span(firsts[0], first_end)],
                    };
                    let shape: Box<[usize]> = if deep {
                        Box::new([1, 2])
                    } else {
                        Box::new([2])
                    };
                    want.push(Ok(Expr {
                        kind: ExprKind::Numbers(Rc::new(NumberList {
                            values: Box::new([k as f64, -(k as f64 + 0.5)]),
                            shape,
                            firsts: firsts.into(),
                        })),
                        span: span(start, end),
                    }));
                }
                src.push(']');
                let e = value_of(&src);
                let ExprKind::TensorLit(items) = &e.kind else {
                    // Only a row of the rows' shape makes one literal of them all.
                    assert!(bad == if deep { "[[1, 2]]" } else { "[1, 2]" }, "{bad}");
                    let ExprKind::Numbers(list) = &e.kind else {
                        panic!("{bad}: {:?}", e.kind)
                    };
                    let shape = if deep {
                        vec![n + 2, 1, 2]
                    } else {
                        vec![n + 2, 2]
                    };
                    assert_eq!(list.shape[..], shape, "{bad}");
                    assert_eq!(list.values.len(), 2 * (n + 2), "{bad}");
                    continue;
                };
                assert_eq!(items.len(), want.len(), "{bad}");
                for (k, (got, want)) in items.iter().zip(&want).enumerate() {
                    match want {
                        Ok(want) => assert_eq!(got, want, "{bad}: item {k}"),
                        Err(at) => assert_eq!(got.span, *at, "{bad}"),
                    }
                }
            }
        }
    }

    #[test]
    fn a_literal_whose_first_item_is_not_a_number_is_general() {
        let e = value_of("[x, 1, -2]");
        let ExprKind::TensorLit(items) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(items.len(), 3);
        assert!(matches!(items[0].kind, ExprKind::Name(_)));
        assert_eq!(items[1].kind, ExprKind::Number(1.0));
        assert_eq!(items[1].span, span(4, 5));
        let ExprKind::Unary { operand, .. } = &items[2].kind else {
            panic!()
        };
        assert_eq!((items[2].span, operand.span), (span(7, 9), span(8, 9)));
        // Rows of one shape are one literal; of two shapes, compact each.
        let e = value_of("[[[1, 2], [3, 4]], [[5, 6], [7, -8]]]");
        let ExprKind::Numbers(list) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(list.shape[..], [2, 2, 2]);
        assert_eq!(list.values[..], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, -8.0]);
        assert_eq!(list.firsts[..], [span(1, 17), span(2, 8), span(3, 4)]);
        for general in [
            "[[1, 2], [3]]",
            "[[1, 2], 3]",
            "[1, [2]]",
            "[[1], [x]]",
            "[[], []]",
        ] {
            let e = value_of(general);
            let ExprKind::TensorLit(rows) = &e.kind else {
                panic!("{general}: {e:?}")
            };
            assert_eq!(rows.len(), 2, "{general}");
        }
        let e = value_of("[[1, 2], [3]]");
        let ExprKind::TensorLit(rows) = &e.kind else {
            panic!("{e:?}")
        };
        assert!(rows.iter().all(|r| matches!(r.kind, ExprKind::Numbers(_))));
    }
}
