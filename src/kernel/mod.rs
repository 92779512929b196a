//! The Jupyter kernel (SPEC §15): `bp kernel CONNECTION_FILE` speaks the Jupyter
//! messaging protocol 5.3 over ZeroMQ, and `bp kernel install` writes its kernelspec.
//!
//! Two threads. The session thread (the caller's, with its large stack) owns the one
//! [`crate::repl::Repl`] of the notebook and answers shell requests in order
//! ([`shell`]). The I/O thread runs the ZeroMQ sockets on a single-threaded tokio
//! runtime ([`io`]): heartbeat, control (interrupt and shutdown are answered there
//! at once, even while a cell runs), shell requests passed to the session thread,
//! and every outgoing message, signed ([`wire`]). The async runtime stays inside
//! this module; the interpreter never sees it.

pub mod install;
mod io;
mod shell;
pub mod wire;

use crate::Exit;
use jupyter_protocol::{ConnectionInfo, JupyterMessage, Stdio, Transport};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use install::{install, Location};

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

/// Set once a shutdown was asked for: the session thread stops before its next request.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// What the I/O thread hands to the session thread.
enum Request {
    /// A verified message from the shell socket.
    Shell(Box<JupyterMessage>),
    /// Stop serving (a shutdown request arrived on the control socket).
    Stop,
}

/// What the session thread (and the control handler) sends out.
enum Outgoing {
    Shell(JupyterMessage),
    Control(JupyterMessage),
    IoPub(JupyterMessage),
    /// Program output of the cell `parent`: merged with the output that follows it
    /// closely into one `stream` message.
    Stream {
        parent: Arc<JupyterMessage>,
        name: Stdio,
        text: String,
    },
    /// Acknowledged once everything queued before it has been sent.
    Flush(std::sync::mpsc::Sender<()>),
}

/// Runs the kernel for the connection file at `path` until it is shut down.
pub fn run(path: &Path) -> Exit {
    let info = match read_connection_file(path) {
        Ok(info) => info,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::SyntaxError;
        }
    };
    let (request_tx, request_rx) = std::sync::mpsc::channel();
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let ready = match io::start(info, request_tx, out_tx.clone(), out_rx) {
        Ok(ready) => ready,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::RuntimeError;
        }
    };
    // With interrupt_mode "signal" (and Ctrl-C in a terminal running the kernel),
    // SIGINT stops the running cell as the interrupt message does.
    let _ = ctrlc::set_handler(crate::eval::interrupt);
    watch_parent();
    shell::serve(request_rx, out_tx.clone());
    // Let the last replies and the final status leave before the process ends.
    let (ack_tx, ack_rx) = std::sync::mpsc::channel();
    if out_tx.send(Outgoing::Flush(ack_tx)).is_ok() {
        let _ = ack_rx.recv_timeout(std::time::Duration::from_secs(2));
    }
    drop(ready);
    Exit::Success
}

/// How often the kernel looks whether the process that started it is still there.
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// As ipykernel does: when `JPY_PARENT_PID` names the process that started the kernel
/// (the Jupyter server, `jupyter console`, nbclient), the kernel ends itself soon after
/// that process dies, rather than running on as an orphan.
fn watch_parent() {
    let Some(pid) = std::env::var("JPY_PARENT_PID")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&pid| pid > 1)
    else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("bp-parent".into())
        .spawn(move || {
            // The direct parent: when it dies the kernel is given to another process.
            #[cfg(unix)]
            let direct = std::os::unix::process::parent_id() == pid;
            #[cfg(not(unix))]
            let direct = false;
            // A stale variable (a process long gone, inherited through a shell) is
            // not watched.
            if !parent_alive(pid, direct) {
                return;
            }
            loop {
                std::thread::sleep(PARENT_POLL);
                if !parent_alive(pid, direct) {
                    eprintln!("bp kernel: the process that started it ({pid}) ended; stopping");
                    std::process::exit(Exit::Success as i32);
                }
            }
        });
}

/// Whether process `pid` still runs (when it is the direct parent, whether it still is).
fn parent_alive(pid: u32, direct: bool) -> bool {
    #[cfg(unix)]
    if direct {
        return std::os::unix::process::parent_id() == pid;
    }
    let _ = direct;
    let proc = Path::new("/proc");
    if proc.is_dir() {
        return proc.join(pid.to_string()).exists();
    }
    true
}

fn read_connection_file(path: &Path) -> Result<ConnectionInfo, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the connection file '{}': {e}", path.display()))?;
    let info: ConnectionInfo = serde_json::from_str(&text)
        .map_err(|e| format!("'{}' is not a Jupyter connection file: {e}", path.display()))?;
    if info.transport != Transport::TCP {
        return Err(format!(
            "'{}' asks for the {} transport; bp's kernel speaks tcp",
            path.display(),
            info.transport
        ));
    }
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        return Err(format!(
            "'{}' asks for the signature scheme '{}'; bp's kernel signs with hmac-sha256",
            path.display(),
            info.signature_scheme
        ));
    }
    Ok(info)
}

/// True once a shutdown was asked for.
fn shutting_down() -> bool {
    SHUTTING_DOWN.load(Ordering::SeqCst)
}
