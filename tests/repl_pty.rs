//! The REPL in a real pseudo-terminal (rexpect): a multi-line function on
//! continuation prompts, Ctrl-C stopping a running loop with the bindings kept,
//! Ctrl-C clearing the line at the prompt, Ctrl-D leaving, and the history file.

mod common;

use rexpect::error::Error;
use rexpect::session::{spawn_command, PtySession};

/// Every expectation waits this long at most (a slow, shared machine).
const TIMEOUT_MS: u64 = 8_000;

fn start(history: &std::path::Path) -> Result<PtySession, Error> {
    // The session's folder is the history's (a temporary one).
    let mut cmd = common::bp_command(history.parent().expect("a folder"));
    cmd.env("BP_HISTORY", history)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    spawn_command(cmd, Some(TIMEOUT_MS))
}

/// Waits for a fresh prompt: one on a new line, not a redraw of the line being
/// edited (typing `name(` redraws it with a signature hint).
fn prompt(p: &mut PtySession) -> Result<(), Error> {
    p.exp_regex(r"\n[^\n]*bp> ").map(|_| ())
}

/// Waits for a fresh continuation prompt.
fn continuation(p: &mut PtySession) -> Result<(), Error> {
    p.exp_regex(r"\n[^\n]*\.\.\. ").map(|_| ())
}

#[test]
fn a_terminal_session() -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("bp-repl-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let history = dir.join("history");
    let mut p = start(&history)?;
    prompt(&mut p)?;

    // A function typed over several lines, each after the continuation prompt.
    p.send_line("fn sq(v) {")?;
    continuation(&mut p)?;
    p.send_line("  return v * v # ) not a bracket")?;
    continuation(&mut p)?;
    p.send_line("}")?;
    prompt(&mut p)?;
    p.send_line("sq(7)")?;
    p.exp_string("49")?;
    prompt(&mut p)?;

    // Ctrl-C stops a running loop; the bindings it changed are kept.
    p.send_line("n = 0")?;
    prompt(&mut p)?;
    // The loop prints 4001 once it runs (the typed line does not contain it), so
    // Ctrl-C is sent while it runs however slow the machine.
    p.send_line("while true { n = n + 1; if n == 1 { print(n + 4000) } }")?;
    p.exp_string("4001")?;
    p.send_control('c')?;
    p.exp_string("interrupted")?;
    prompt(&mut p)?;
    p.send_line("n > 0")?;
    p.exp_string("true")?;
    prompt(&mut p)?;

    // Ctrl-C at the prompt clears the line (and an unfinished entry).
    p.send("undefined_junk")?;
    p.send_control('c')?;
    prompt(&mut p)?;
    p.send_line("if true {")?;
    continuation(&mut p)?;
    p.send_control('c')?;
    prompt(&mut p)?;
    p.send_line("sq(12)")?;
    p.exp_string("144")?;
    prompt(&mut p)?;

    // Tab completes an attribute after a dot and a builtin.
    p.send_line("w = ones(2, grad)")?;
    prompt(&mut p)?;
    p.send("backward(su\t(w))")?;
    p.send_line("")?;
    prompt(&mut p)?;
    p.send("w.gr\t")?;
    p.send_line("")?;
    p.exp_string("tensor([1., 1.])")?;
    prompt(&mut p)?;

    // Ctrl-D leaves.
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('d')?;
    p.exp_eof()?;

    let saved = std::fs::read_to_string(&history)?;
    assert!(saved.contains("sq(12)"), "history: {saved}");
    assert!(!saved.contains("undefined_junk"), "history: {saved}");
    assert!(
        saved.contains("w.grad"),
        "completed text in history: {saved}"
    );

    // A new session recalls the history with the Up arrow; its bindings are new,
    // so the recalled `w.grad` names an unknown variable.
    let mut p = start(&history)?;
    prompt(&mut p)?;
    p.send("\x1b[A")?;
    p.send_line("")?;
    p.exp_string("unknown name 'w'")?;
    prompt(&mut p)?;
    // Give the line editor a moment to take the terminal back before Ctrl-D
    // (on a loaded 2-core CI machine the key could otherwise arrive first).
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('d')?;
    p.exp_eof()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn piped_standard_input_runs_as_a_script() -> std::io::Result<()> {
    let out = common::bp(&[])
        .stdin(b"x = 2\nx * 21\nprint(x * 21)\n")
        .output();
    assert!(out.status.success(), "{out:?}");
    // A script does not echo expression values, and shows no prompt.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
    Ok(())
}

/// Lines typed ahead or pasted without bracketed-paste markers all run, in order:
/// rustyline keeps the bytes it read past the first line (its `buffer-redux`
/// feature) for the next `readline`.
#[test]
fn a_pasted_block_runs_every_line_in_order() -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("bp-repl-paste-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut p = start(&dir.join("history"))?;
    prompt(&mut p)?;
    // Ten lines in one write; each depends on the one before. The typed text
    // never contains the printed text ("step 3 = 8"), so echo cannot match.
    let mut block = String::from("v = 1\n");
    for i in 1..10 {
        block.push_str(&format!("v = v + {i}; print(\"step\", {i}, \"=\", v)\n"));
    }
    p.send(&block)?;
    p.flush()?;
    let mut v = 1;
    for i in 1..10 {
        v += i;
        p.exp_string(&format!("step {i} = {v}"))?;
    }
    prompt(&mut p)?;
    p.send_line("print(\"final\", v * 2)")?;
    p.exp_string("final 92")?;
    p.send_control('d')?;
    p.exp_eof()?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
