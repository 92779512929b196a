//! The Jupyter kernel at the protocol level: `bp kernel CONNECTION_FILE` started as
//! Jupyter starts it, spoken to over ZeroMQ. A message signed with another key is
//! rejected and nothing of it runs; signed messages are answered.

mod common;

use bp::kernel::wire::{decode, encode, Signer};
use jupyter_protocol::{ExecuteRequest, JupyterMessage, JupyterMessageContent, ShutdownRequest};
use std::process::Child;
use std::time::Duration;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

const KEY: &str = "a-secret-shared-with-the-notebook-server";

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

struct Kernel {
    child: Child,
    /// The kernel's folder (its connection file), removed after the kernel is stopped.
    _dir: common::TempDir,
    shell: u16,
    iopub: u16,
    control: u16,
}

impl Drop for Kernel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_kernel() -> Kernel {
    let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
    // A folder per kernel: the tests of this binary run on parallel threads.
    let dir = common::TempDir::new("kernel");
    let file = dir.path().join("connection.json");
    let info = serde_json::json!({
        "ip": "127.0.0.1", "transport": "tcp",
        "shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
        "control_port": ports[3], "hb_port": ports[4],
        "key": KEY, "signature_scheme": "hmac-sha256", "kernel_name": "bp",
    });
    std::fs::write(&file, info.to_string()).unwrap();
    let child = common::bp_command(dir.path())
        .args(["kernel", file.to_str().unwrap()])
        .spawn()
        .unwrap();
    Kernel {
        child,
        _dir: dir,
        shell: ports[0],
        iopub: ports[1],
        control: ports[3],
    }
}

fn request(code: &str) -> JupyterMessage {
    JupyterMessage::new(ExecuteRequest::new(code.to_string()), None)
}

fn frames(msg: &JupyterMessage, signer: &Signer) -> ZmqMessage {
    ZmqMessage::try_from(encode(msg, signer).unwrap()).unwrap()
}

async fn connect<S: Socket>(mut socket: S, port: u16) -> S {
    // The kernel binds its sockets after it starts: retry for a while.
    for _ in 0..100 {
        if socket
            .connect(&format!("tcp://127.0.0.1:{port}"))
            .await
            .is_ok()
        {
            return socket;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not connect to the kernel on port {port}");
}

/// Receives until a message whose parent is `parent_id` satisfies `done`; gives
/// every message seen with that parent.
async fn until<S: SocketRecv>(
    socket: &mut S,
    parent_id: &str,
    mut done: impl FnMut(&JupyterMessage) -> bool,
) -> Vec<JupyterMessage> {
    let signer = Signer::new(KEY);
    let mut seen = Vec::new();
    loop {
        let raw = tokio::time::timeout(Duration::from_secs(60), socket.recv())
            .await
            .expect("the kernel did not answer in time")
            .unwrap();
        let msg = decode(raw.into_vec(), &signer).expect("the kernel signs with the key");
        let is_child = msg
            .parent_header
            .as_ref()
            .is_some_and(|h| h.msg_id == parent_id);
        if is_child {
            let stop = done(&msg);
            seen.push(msg);
            if stop {
                return seen;
            }
        }
    }
}

#[test]
fn a_badly_signed_message_is_rejected_and_nothing_runs() {
    let kernel = start_kernel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut shell = connect(zeromq::DealerSocket::new(), kernel.shell).await;
        let mut iopub = connect(zeromq::SubSocket::new(), kernel.iopub).await;
        iopub.subscribe("").await.unwrap();
        let mut control = connect(zeromq::DealerSocket::new(), kernel.control).await;
        let good = Signer::new(KEY);

        // Wait until the kernel answers (and IOPub is connected): a signed request
        // that binds nothing.
        let hello = request("1");
        shell.send(frames(&hello, &good)).await.unwrap();
        until(&mut shell, &hello.header.msg_id, |m| m.message_type() == "execute_reply").await;

        // Signed with another key: dropped.
        let forged = request("stolen = 1\nprint(\"ran the forged cell\")");
        shell
            .send(frames(&forged, &Signer::new("not the key")))
            .await
            .unwrap();
        // Signed with the key but tampered with after signing: dropped too.
        let mut tampered = frames(&request("also_stolen = 2"), &good).into_vec();
        let content = tampered.len() - 1;
        tampered[content] = bytes::Bytes::from(
            r#"{"code":"also_stolen = 3","silent":false,"store_history":true,"user_expressions":{},"allow_stdin":false,"stop_on_error":true}"#,
        );
        shell
            .send(ZmqMessage::try_from(tampered).unwrap())
            .await
            .unwrap();

        // A signed request: the forged cells never ran, so their names are unknown.
        let check = request("stolen");
        shell.send(frames(&check, &good)).await.unwrap();
        let replies = until(&mut shell, &check.header.msg_id, |m| {
            m.message_type() == "execute_reply"
        })
        .await;
        match &replies.last().unwrap().content {
            JupyterMessageContent::ExecuteReply(r) => {
                let error = r.error.as_ref().expect("the check fails");
                assert_eq!(error.evalue, "unknown name 'stolen'");
            }
            other => panic!("expected an execute_reply, got {}", other.message_type()),
        }
        let check2 = request("also_stolen");
        shell.send(frames(&check2, &good)).await.unwrap();
        let replies = until(&mut shell, &check2.header.msg_id, |m| {
            m.message_type() == "execute_reply"
        })
        .await;
        match &replies.last().unwrap().content {
            JupyterMessageContent::ExecuteReply(r) => {
                let error = r.error.as_ref().expect("the check fails");
                assert_eq!(error.evalue, "unknown name 'also_stolen'");
            }
            other => panic!("expected an execute_reply, got {}", other.message_type()),
        }
        // IOPub framed the signed cell in busy/idle and showed its error; the forged
        // cells published nothing (they have no execute_input, no stream).
        let published = until(&mut iopub, &check2.header.msg_id, |m| {
            matches!(&m.content, JupyterMessageContent::Status(s) if s.execution_state.as_str() == "idle")
        })
        .await;
        let kinds: Vec<&str> = published.iter().map(|m| m.message_type()).collect();
        assert_eq!(kinds, ["status", "execute_input", "error", "status"]);

        // A forged shutdown is ignored; a signed one stops the kernel.
        let forged_shutdown = JupyterMessage::new(ShutdownRequest { restart: false }, None);
        control
            .send(frames(&forged_shutdown, &Signer::new("wrong")))
            .await
            .unwrap();
        let alive = request("1 + 1");
        shell.send(frames(&alive, &good)).await.unwrap();
        until(&mut shell, &alive.header.msg_id, |m| m.message_type() == "execute_reply").await;
        let shutdown = JupyterMessage::new(ShutdownRequest { restart: false }, None);
        control.send(frames(&shutdown, &good)).await.unwrap();
        until(&mut control, &shutdown.header.msg_id, |m| {
            m.message_type() == "shutdown_reply"
        })
        .await;
    });
    let mut kernel = kernel;
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = kernel.child.try_wait().unwrap() {
            assert!(status.success(), "the kernel exits cleanly: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the kernel did not stop after shutdown_request"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
