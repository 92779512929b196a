//! The interactive REPL (a basic loop; the full REPL is its own piece of work).

use crate::diagnostic::render;
use crate::eval::{Interpreter, Options, RunError};
use crate::Exit;
use std::io::{BufRead, Write};

/// Reads lines from the terminal and runs each, echoing values, until end of input.
pub fn main_loop() -> Exit {
    let options = Options {
        echo: true,
        ..Options::default()
    };
    let mut interp = Interpreter::new(Box::new(std::io::stdout()), options);
    let stdin = std::io::stdin();
    let mut n = 0;
    loop {
        print!("bp> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        n += 1;
        let result = interp.run_source(&format!("<repl:{n}>"), &line);
        let mut err = std::io::stderr();
        for w in interp.take_warnings() {
            let _ = render(&w, &interp.sources, true, &mut err);
        }
        match result {
            Ok(()) => {}
            Err(RunError::Syntax(ds)) => {
                for d in &ds {
                    let _ = render(d, &interp.sources, true, &mut err);
                }
            }
            Err(RunError::Runtime(d)) => {
                let _ = render(&d, &interp.sources, true, &mut err);
            }
        }
    }
    Exit::Success
}
