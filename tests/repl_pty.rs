//! The REPL in a real pseudo-terminal (rexpect): a multi-line function on
//! continuation prompts, Ctrl-C stopping a running loop with the bindings kept,
//! Ctrl-C clearing the line at the prompt, Ctrl-D leaving, and the history file.

use rexpect::error::Error;
use rexpect::session::{spawn_command, PtySession};
use std::process::Command;

/// Every expectation waits this long at most (a slow, shared machine).
const TIMEOUT_MS: u64 = 8_000;

fn start(history: &std::path::Path) -> Result<PtySession, Error> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bp"));
    cmd.env("BP_HISTORY", history)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    spawn_command(cmd, Some(TIMEOUT_MS))
}

#[test]
fn a_terminal_session() -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("bp-repl-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let history = dir.join("history");
    let mut p = start(&history)?;
    p.exp_string("bp> ")?;

    // A function typed over several lines, each after the continuation prompt.
    p.send_line("fn sq(v) {")?;
    p.exp_string("... ")?;
    p.send_line("  return v * v # ) not a bracket")?;
    p.exp_string("... ")?;
    p.send_line("}")?;
    p.exp_string("bp> ")?;
    p.send_line("sq(7)")?;
    p.exp_string("49")?;
    p.exp_string("bp> ")?;

    // Ctrl-C stops a running loop; the bindings it changed are kept.
    p.send_line("n = 0")?;
    p.exp_string("bp> ")?;
    p.send_line("while true { n = n + 1 }")?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('c')?;
    p.exp_string("interrupted")?;
    p.exp_string("bp> ")?;
    p.send_line("n > 0")?;
    p.exp_string("true")?;
    p.exp_string("bp> ")?;

    // Ctrl-C at the prompt clears the line (and an unfinished entry).
    p.send("undefined_junk")?;
    p.send_control('c')?;
    p.exp_string("bp> ")?;
    p.send_line("if true {")?;
    p.exp_string("... ")?;
    p.send_control('c')?;
    p.exp_string("bp> ")?;
    p.send_line("sq(12)")?;
    p.exp_string("144")?;
    p.exp_string("bp> ")?;

    // Ctrl-D leaves.
    p.send_control('d')?;
    p.exp_eof()?;

    let saved = std::fs::read_to_string(&history)?;
    assert!(saved.contains("sq(12)"), "history: {saved}");
    assert!(!saved.contains("undefined_junk"), "history: {saved}");

    // A new session recalls the history with the Up arrow; its bindings are new,
    // so the recalled `sq(12)` names an unknown function.
    let mut p = start(&history)?;
    p.exp_string("bp> ")?;
    p.send("\x1b[A")?;
    p.send_line("")?;
    p.exp_string("unknown name 'sq'")?;
    p.send_control('d')?;
    p.exp_eof()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
