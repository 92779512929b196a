//! The items of a bracket literal `[a, b, c]`, collected compactly while every item
//! is a number: a literal of numbers only (a script's data: millions of them on one
//! line) becomes [`ExprKind::Numbers`], 8 bytes an item, and never a vector of
//! expressions (32 bytes an item).

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
/// at once), then, from the first item that is not a number on, every other item as
/// it is.
#[derive(Default)]
pub(in crate::syntax::parser) struct ListItems {
    numbers: Vec<Vec<NumberItem>>,
    /// How many items `numbers` holds.
    count: usize,
    /// The index among `numbers` of each item `-n`, with the start of its `n`.
    negated: Vec<(usize, u32)>,
    rest: Vec<Vec<Expr>>,
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
                Some((value, operand)) if out.rest.is_empty() => {
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
    let len = 1 + items.count + items.rest.iter().map(Vec::len).sum::<usize>();
    if let (Some((value, _)), true) = (number(&first), items.rest.is_empty()) {
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
    if let Some(rows) = rows_of_one_shape(&first, &items) {
        let mut values = Vec::with_capacity(len * rows.values.len());
        let mut shape = Vec::with_capacity(1 + rows.shape.len());
        shape.push(len);
        shape.extend_from_slice(&rows.shape);
        let mut firsts = Vec::with_capacity(1 + rows.firsts.len());
        firsts.push(first.span);
        firsts.extend_from_slice(&rows.firsts);
        values.extend_from_slice(&rows.values);
        drop(first);
        for chunk in items.rest {
            for row in chunk {
                if let ExprKind::Numbers(row) = &row.kind {
                    values.extend_from_slice(&row.values);
                }
            }
        }
        return ExprKind::Numbers(Rc::new(NumberList {
            values: values.into_boxed_slice(),
            shape: shape.into_boxed_slice(),
            firsts: firsts.into_boxed_slice(),
        }));
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
    for chunk in items.rest {
        all.extend(chunk);
    }
    ExprKind::TensorLit(Box::new(all))
}

/// The first item's [`NumberList`] when every item is a literal of numbers of
/// its shape.
fn rows_of_one_shape(first: &Expr, items: &ListItems) -> Option<Rc<NumberList>> {
    let ExprKind::Numbers(rows) = &first.kind else {
        return None;
    };
    let same = |e: &Expr| matches!(&e.kind, ExprKind::Numbers(r) if r.shape == rows.shape);
    let all = items.count == 0 && items.rest.iter().flatten().all(same);
    all.then(|| rows.clone())
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
