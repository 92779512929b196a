//! The kernel's ZeroMQ side, on its own thread with a single-threaded tokio runtime:
//! one task per inbound socket (heartbeat, control, shell, stdin) and one task that
//! sends everything outbound, in order, signed.
//!
//! A message whose signature does not verify is dropped where it arrives, with a line
//! on standard error (the Jupyter server's log): nothing reads its content.

use super::wire::{self, Signer};
use super::{shell, Outgoing, Request, SHUTTING_DOWN};
use bytes::Bytes;
use jupyter_protocol::{
    ConnectionInfo, InterruptReply, JupyterMessage, JupyterMessageContent, ShutdownReply, Stdio,
    StreamContent,
};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// Output of one cell closer together than this is sent as one `stream` message.
const STREAM_INTERVAL: Duration = Duration::from_millis(50);

/// After a shutdown request, the process ends within this time even if the running
/// cell does not stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The I/O thread, running until the process ends.
pub(super) struct IoThread {
    _handle: std::thread::JoinHandle<()>,
}

/// Binds every socket of `info` on a new thread and starts serving them; returns
/// once they are bound (or why they could not be).
pub(super) fn start(
    info: ConnectionInfo,
    requests: Sender<Request>,
    out_tx: UnboundedSender<Outgoing>,
    out_rx: UnboundedReceiver<Outgoing>,
) -> Result<IoThread, String> {
    let (bound_tx, bound_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let handle = std::thread::Builder::new()
        .name("bp-kernel-io".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = bound_tx.send(Err(format!("cannot start the kernel's I/O: {e}")));
                    return;
                }
            };
            runtime.block_on(serve(info, requests, out_tx, out_rx, bound_tx));
        })
        .map_err(|e| format!("cannot start the kernel's I/O thread: {e}"))?;
    match bound_rx.recv() {
        Ok(Ok(())) => Ok(IoThread { _handle: handle }),
        Ok(Err(msg)) => Err(msg),
        Err(_) => Err("the kernel's I/O thread stopped while starting".into()),
    }
}

async fn bind<S: Socket>(mut socket: S, info: &ConnectionInfo, port: u16) -> Result<S, String> {
    let endpoint = format!("tcp://{}:{}", info.ip, port);
    socket
        .bind(&endpoint)
        .await
        .map_err(|e| format!("cannot listen on {endpoint}: {e}"))?;
    Ok(socket)
}

async fn serve(
    info: ConnectionInfo,
    requests: Sender<Request>,
    out_tx: UnboundedSender<Outgoing>,
    out_rx: UnboundedReceiver<Outgoing>,
    bound: Sender<Result<(), String>>,
) {
    let sockets = async {
        Ok::<_, String>((
            bind(zeromq::RepSocket::new(), &info, info.hb_port).await?,
            bind(zeromq::RouterSocket::new(), &info, info.control_port).await?,
            bind(zeromq::RouterSocket::new(), &info, info.shell_port).await?,
            bind(zeromq::RouterSocket::new(), &info, info.stdin_port).await?,
            bind(zeromq::PubSocket::new(), &info, info.iopub_port).await?,
        ))
    };
    let (heartbeat, control, shell, stdin, iopub) = match sockets.await {
        Ok(s) => s,
        Err(msg) => {
            let _ = bound.send(Err(msg));
            return;
        }
    };
    let _ = bound.send(Ok(()));
    let signer = Signer::new(&info.key);
    let (control_tx, control_rx) = control.split();
    let (shell_tx, shell_rx) = shell.split();

    tokio::spawn(echo_heartbeat(heartbeat));
    tokio::spawn(drain_stdin(stdin));
    tokio::spawn(serve_control(
        control_rx,
        signer.clone(),
        out_tx,
        requests.clone(),
    ));
    tokio::spawn(receive_shell(shell_rx, signer.clone(), requests));
    send_outgoing(out_rx, shell_tx, control_tx, iopub, signer).await;
}

/// The heartbeat: every message comes straight back.
async fn echo_heartbeat(mut socket: zeromq::RepSocket) {
    while let Ok(msg) = socket.recv().await {
        if socket.send(msg).await.is_err() {
            break;
        }
    }
}

/// bp never asks for input; the stdin socket is bound so that clients can connect.
async fn drain_stdin(mut socket: zeromq::RouterSocket) {
    while socket.recv().await.is_ok() {}
}

/// Receives one message and checks it; `None` when the socket is closed. A message
/// that fails the check is logged and skipped.
async fn receive(
    socket: &mut zeromq::RouterRecvHalf,
    signer: &Signer,
    channel: &str,
) -> Option<JupyterMessage> {
    loop {
        let frames = socket.recv().await.ok()?.into_vec();
        match wire::decode(frames, signer) {
            Ok(msg) => return Some(msg),
            Err(e) => eprintln!("bp kernel: dropped a message on {channel}: {e}"),
        }
    }
}

/// Shell requests go to the session thread, in the order they arrive.
async fn receive_shell(
    mut socket: zeromq::RouterRecvHalf,
    signer: Signer,
    requests: Sender<Request>,
) {
    while let Some(msg) = receive(&mut socket, &signer, "shell").await {
        if requests.send(Request::Shell(Box::new(msg))).is_err() {
            break;
        }
    }
}

/// Control requests are answered here at once, even while a cell runs.
async fn serve_control(
    mut socket: zeromq::RouterRecvHalf,
    signer: Signer,
    out: UnboundedSender<Outgoing>,
    requests: Sender<Request>,
) {
    while let Some(msg) = receive(&mut socket, &signer, "control").await {
        let reply = match &msg.content {
            JupyterMessageContent::InterruptRequest(_) => {
                crate::eval::interrupt();
                shell::reply(InterruptReply::new(), &msg)
            }
            JupyterMessageContent::ShutdownRequest(req) => {
                SHUTTING_DOWN.store(true, Ordering::SeqCst);
                crate::eval::interrupt();
                let reply = ShutdownReply {
                    restart: req.restart,
                    ..Default::default()
                };
                let _ = out.send(Outgoing::Control(shell::reply(reply, &msg)));
                let _ = requests.send(Request::Stop);
                tokio::spawn(async {
                    tokio::time::sleep(SHUTDOWN_GRACE).await;
                    std::process::exit(0);
                });
                continue;
            }
            JupyterMessageContent::KernelInfoRequest(_) => shell::reply(shell::kernel_info(), &msg),
            other => {
                eprintln!(
                    "bp kernel: no answer to {} on control",
                    other.message_type()
                );
                continue;
            }
        };
        let _ = out.send(Outgoing::Control(reply));
    }
}

/// Output waiting to be sent as one `stream` message.
struct PendingStream {
    parent: Arc<JupyterMessage>,
    name: Stdio,
    text: String,
}

impl PendingStream {
    fn message(self) -> JupyterMessage {
        let content = StreamContent {
            name: self.name,
            text: self.text,
        };
        shell::reply(content, &self.parent)
    }
}

fn same_stream(a: &Stdio, b: &Stdio) -> bool {
    matches!(
        (a, b),
        (Stdio::Stdout, Stdio::Stdout) | (Stdio::Stderr, Stdio::Stderr)
    )
}

/// Sends every outgoing message in the order it was queued; program output that
/// follows closely is merged into one `stream` message (at most one every
/// [`STREAM_INTERVAL`] while a cell prints, at once after a quiet spell).
async fn send_outgoing(
    mut queue: UnboundedReceiver<Outgoing>,
    mut shell: zeromq::RouterSendHalf,
    mut control: zeromq::RouterSendHalf,
    mut iopub: zeromq::PubSocket,
    signer: Signer,
) {
    let mut pending: Option<PendingStream> = None;
    let mut last_stream = Instant::now() - STREAM_INTERVAL;
    loop {
        let next = match &pending {
            Some(_) => {
                let due = last_stream + STREAM_INTERVAL;
                tokio::select! {
                    biased;
                    _ = tokio::time::sleep_until(due) => None,
                    item = queue.recv() => Some(item),
                }
            }
            None => Some(queue.recv().await),
        };
        let item = match next {
            // The interval is over: send the output gathered so far.
            None => {
                if let Some(p) = pending.take() {
                    publish(&mut iopub, p.message(), &signer).await;
                    last_stream = Instant::now();
                }
                continue;
            }
            Some(None) => break,
            Some(Some(item)) => item,
        };
        if let Outgoing::Stream { parent, name, text } = item {
            match &mut pending {
                Some(p) if Arc::ptr_eq(&p.parent, &parent) && same_stream(&p.name, &name) => {
                    p.text.push_str(&text)
                }
                _ => {
                    if let Some(p) = pending.replace(PendingStream { parent, name, text }) {
                        publish(&mut iopub, p.message(), &signer).await;
                        last_stream = Instant::now();
                    }
                }
            }
            continue;
        }
        // Anything else comes after the output before it.
        if let Some(p) = pending.take() {
            publish(&mut iopub, p.message(), &signer).await;
            last_stream = Instant::now();
        }
        match item {
            Outgoing::Shell(msg) => send_routed(&mut shell, msg, &signer).await,
            Outgoing::Control(msg) => send_routed(&mut control, msg, &signer).await,
            Outgoing::IoPub(msg) => publish(&mut iopub, msg, &signer).await,
            Outgoing::Flush(ack) => {
                let _ = ack.send(());
            }
            Outgoing::Stream { .. } => {}
        }
    }
}

fn frames(msg: &JupyterMessage, signer: &Signer) -> Option<ZmqMessage> {
    match wire::encode(msg, signer) {
        Ok(frames) => ZmqMessage::try_from(frames).ok(),
        Err(e) => {
            eprintln!("bp kernel: cannot encode {}: {e}", msg.message_type());
            None
        }
    }
}

async fn send_routed(socket: &mut zeromq::RouterSendHalf, msg: JupyterMessage, signer: &Signer) {
    if let Some(frames) = frames(&msg, signer) {
        if let Err(e) = socket.send(frames).await {
            eprintln!("bp kernel: cannot send {}: {e}", msg.message_type());
        }
    }
}

/// Publishes on IOPub, with the message type as the topic.
async fn publish(socket: &mut zeromq::PubSocket, mut msg: JupyterMessage, signer: &Signer) {
    let topic = format!("kernel.bp.{}", msg.message_type());
    msg.zmq_identities = vec![Bytes::from(topic)];
    if let Some(frames) = frames(&msg, signer) {
        let _ = socket.send(frames).await;
    }
}
