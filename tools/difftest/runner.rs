//! The bp side of the differential tester (tools/difftest/difftest.py): runs many
//! scripts in one process, so that a run of 20,000 programs does not start
//! 20,000 processes. Reads scripts separated by lines `#---` from standard input
//! and prints, for each, its output, then `#exit N` (N as `bp run` would exit).
//!
//!     cargo build --example difftest_runner
//!     target/debug/examples/difftest_runner < scripts.txt

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;

/// A writer into a shared buffer (the interpreter owns its writer).
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        std::process::exit(2);
    }
    bp::autodiff::shape::set_element_limit(1 << 20);
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    for script in input.split("\n#---\n") {
        let out = Shared::default();
        let mut err = Vec::new();
        let code = bp::run(
            script,
            "<difftest>",
            Box::new(out.clone()),
            &mut err,
            bp::eval::Options::default(),
            false,
            None,
        );
        let text = String::from_utf8_lossy(&out.0.borrow()).into_owned();
        let err = String::from_utf8_lossy(&err).replace('\n', " ");
        let _ = write!(w, "{text}#err {err}\n#exit {}\n", code as i32);
    }
}
