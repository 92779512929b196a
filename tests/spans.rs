//! Recorded operations carry the span of the expression that made them, also
//! after a builtin called back into user code (`gradcheck`).

use bp::autodiff::{current_span, set_current_span};
use bp::eval::{Interpreter, Options};
use bp::source::{SourceId, Span};

#[test]
fn a_builtin_calling_user_code_restores_the_span() {
    let marker = Span::new(SourceId(7), 3, 5);
    set_current_span(marker);
    let mut it = Interpreter::new(Box::new(std::io::sink()), Options::default());
    let src = "f = fn(x) { return sum(x * x) }\nx = ones(2, grad=true)\ngradcheck(f, x)\n";
    assert!(it.run_source("g.bp", src).is_ok());
    assert_eq!(current_span(), marker, "the span before the run is back");
}

#[test]
fn an_anomaly_after_gradcheck_is_labelled_at_its_line() {
    let mut it = Interpreter::new(Box::new(std::io::sink()), Options::default());
    let src = "f = fn(x) { return sum(x * x) }\n\
               x = ones(2, grad=true)\n\
               gradcheck(f, x)\n\
               y = sum(sqrt(x - 1))\n\
               backward(y)\n";
    assert!(it.run_source("g.bp", src).is_ok());
    let warnings = it.take_warnings();
    let w = warnings.first().expect("an anomaly warning");
    let label = w.labels.first().expect("a label");
    assert_eq!(it.sources.slice(label.span), "sqrt(x - 1)");
    let line = src[..label.span.start as usize].matches('\n').count() + 1;
    assert_eq!(line, 4);
}
