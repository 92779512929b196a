//! The session thread of the kernel: one [`Repl`] for the notebook, answering shell
//! requests in order. Each request is framed by `status: busy` and `status: idle`
//! on IOPub; a cell's `print` output streams as it is written.

use super::{shutting_down, Outgoing, Request, PROTOCOL_VERSION};
use crate::diagnostic::Severity;
use crate::eval::Value;
use crate::picture::Picture;
use crate::repl::helper::{complete_with, KEYWORDS};
use crate::repl::Repl;
use jupyter_protocol::{
    CommInfoReply, CompleteReply, CompleteRequest, DisplayData, ErrorOutput, ExecuteInput,
    ExecuteReply, ExecuteRequest, ExecuteResult, ExecutionCount, HelpLink, HistoryReply,
    InspectReply, InspectRequest, IsCompleteReply, JupyterMessage, JupyterMessageContent,
    KernelInfoReply, LanguageInfo, Media, MediaType, ReplyError, ReplyStatus, ShutdownReply,
    Status, Stdio, Transient,
};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::UnboundedSender;

/// This kernel's session id, in the header of every message it sends.
fn session_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| JupyterMessage::new(Status::starting(), None).header.msg_id)
}

/// A message with `content`, in reply to (or caused by) `parent`.
pub(super) fn reply(
    content: impl Into<JupyterMessageContent>,
    parent: &JupyterMessage,
) -> JupyterMessage {
    let mut msg = JupyterMessage::new(content, Some(parent));
    msg.header.username = "bp".into();
    msg.header.session = session_id().into();
    msg
}

/// The answer to `kernel_info_request`.
pub(super) fn kernel_info() -> KernelInfoReply {
    let version = env!("CARGO_PKG_VERSION").to_string();
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: PROTOCOL_VERSION.into(),
        implementation: "bp".into(),
        implementation_version: version.clone(),
        language_info: LanguageInfo {
            name: "bp".into(),
            version,
            mimetype: Some("text/x-bp".into()),
            file_extension: Some(".bp".into()),
            // `bp kernel install` installs a Pygments lexer named `bplang` (Pygments'
            // own `bp` is Android Blueprint). JupyterLab has no bp mode: Python's
            // highlights bp's comments, strings, numbers and keywords alike.
            pygments_lexer: Some("bplang".into()),
            codemirror_mode: Some(jupyter_protocol::CodeMirrorMode::Simple("python".into())),
            nbconvert_exporter: None,
        },
        banner: format!(
            "bp {} — a small differentiable language with PyTorch's autograd.\n\
             :help lists the commands; Tab completes, Shift-Tab shows help.",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![HelpLink {
            text: "bp commands (:help)".into(),
            url: "https://pytorch.org/docs/stable/autograd.html".into(),
        }],
        debugger: false,
        error: None,
    }
}

/// The cell's output writer: every write becomes `stream` output of the request
/// being answered (the I/O thread merges writes that follow closely).
struct StreamOut {
    queue: UnboundedSender<Outgoing>,
    parent: Rc<RefCell<Option<Arc<JupyterMessage>>>>,
}

impl Write for StreamOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(parent) = self.parent.borrow().as_ref() {
            let _ = self.queue.send(Outgoing::Stream {
                parent: parent.clone(),
                name: Stdio::Stdout,
                text: String::from_utf8_lossy(buf).into_owned(),
            });
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The notebook's session and what it needs to answer.
struct Session {
    repl: Repl,
    queue: UnboundedSender<Outgoing>,
    /// The request being answered, for the output writer.
    parent: Rc<RefCell<Option<Arc<JupyterMessage>>>>,
    execution_count: usize,
}

/// Answers shell requests until the channel closes or a shutdown is asked for.
pub(super) fn serve(requests: Receiver<Request>, queue: UnboundedSender<Outgoing>) {
    let parent = Rc::new(RefCell::new(None));
    let out = StreamOut {
        queue: queue.clone(),
        parent: parent.clone(),
    };
    let mut session = Session {
        repl: Repl::with_output(Box::new(out), true),
        queue,
        parent,
        execution_count: 0,
    };
    // plot, scatter and draw (without file=) show inline: SVG, a PNG of it (JupyterLab
    // shows no SVG from an untrusted notebook, SPEC §22) and a text fallback.
    let sink_queue = session.queue.clone();
    let sink_parent = session.parent.clone();
    session
        .repl
        .interpreter_mut()
        .set_picture_sink(Some(Box::new(move |picture: &Picture| {
            if let Some(parent) = sink_parent.borrow().as_ref() {
                let svg = picture.to_svg();
                let png = crate::picture::png::svg_to_png_base64(&svg);
                let mut media = vec![MediaType::Svg(svg)];
                media.extend(png.map(MediaType::Png));
                media.push(MediaType::Plain(picture.to_text()));
                let data = Media::new(media);
                let msg = reply(DisplayData::new(data), parent);
                let _ = sink_queue.send(Outgoing::IoPub(msg));
            }
        })));
    session.iopub_status(Status::starting(), None);
    while let Ok(request) = requests.recv() {
        if shutting_down() {
            break;
        }
        let msg = match request {
            Request::Shell(msg) => *msg,
            Request::Stop => break,
        };
        let queued = session.handle(msg, Some(&requests));
        if shutting_down() {
            break;
        }
        session.abort(queued);
    }
}

impl Session {
    fn send(&self, item: Outgoing) {
        let _ = self.queue.send(item);
    }

    fn iopub(&self, content: impl Into<JupyterMessageContent>, parent: &JupyterMessage) {
        self.send(Outgoing::IoPub(reply(content, parent)));
    }

    fn iopub_status(&self, status: Status, parent: Option<&JupyterMessage>) {
        match parent {
            Some(p) => self.iopub(status, p),
            None => {
                let mut msg = JupyterMessage::new(status, None);
                msg.header.username = "bp".into();
                msg.header.session = session_id().into();
                self.send(Outgoing::IoPub(msg));
            }
        }
    }

    fn stream(&self, name: Stdio, text: String, parent: &Arc<JupyterMessage>) {
        if !text.is_empty() {
            self.send(Outgoing::Stream {
                parent: parent.clone(),
                name,
                text,
            });
        }
    }

    /// Answers one shell request. For a cell that failed, gives its `stop_on_error`.
    /// Answers one request. After a cell that failed with `stop_on_error`, gives the
    /// requests that were queued behind it before its reply went out, to be aborted
    /// (those sent after the client saw the error run as usual).
    fn handle(
        &mut self,
        msg: JupyterMessage,
        requests: Option<&Receiver<Request>>,
    ) -> Vec<Request> {
        let msg = Arc::new(msg);
        self.iopub_status(Status::busy(), Some(&msg));
        let mut queued = Vec::new();
        let answer: Option<JupyterMessageContent> = match &msg.content {
            JupyterMessageContent::KernelInfoRequest(_) => Some(kernel_info().into()),
            JupyterMessageContent::ExecuteRequest(req) => {
                let (answer, ok) = self.execute(req, &msg);
                if let (false, true, Some(requests)) = (ok, req.stop_on_error, requests) {
                    queued = requests.try_iter().collect();
                }
                Some(answer.into())
            }
            JupyterMessageContent::CompleteRequest(req) => Some(self.complete(req).into()),
            JupyterMessageContent::InspectRequest(req) => Some(self.inspect(req).into()),
            JupyterMessageContent::IsCompleteRequest(req) => Some(is_complete(&req.code).into()),
            JupyterMessageContent::HistoryRequest(_) => Some(HistoryReply::default().into()),
            JupyterMessageContent::CommInfoRequest(_) => Some(CommInfoReply::default().into()),
            JupyterMessageContent::ShutdownRequest(req) => {
                super::SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
                Some(
                    ShutdownReply {
                        restart: req.restart,
                        ..Default::default()
                    }
                    .into(),
                )
            }
            other => {
                eprintln!("bp kernel: no answer to {}", other.message_type());
                None
            }
        };
        if let Some(content) = answer {
            self.send(Outgoing::Shell(reply(content, &msg)));
        }
        self.iopub_status(Status::idle(), Some(&msg));
        queued
    }

    /// Runs a cell: `execute_input`, then its output as it comes, then its result
    /// or its error. Gives the reply and whether the cell succeeded.
    fn execute(&mut self, req: &ExecuteRequest, msg: &Arc<JupyterMessage>) -> (ExecuteReply, bool) {
        if !req.silent && req.store_history {
            self.execution_count += 1;
        }
        let count = ExecutionCount::new(self.execution_count);
        if !req.silent {
            let input = ExecuteInput {
                code: req.code.clone(),
                execution_count: count,
            };
            self.iopub(input, msg);
        }
        *self.parent.borrow_mut() = Some(msg.clone());
        let cell = self.repl.run_cell(&req.code, self.execution_count);
        *self.parent.borrow_mut() = None;

        let mut error: Option<ReplyError> = None;
        for d in &cell.diagnostics {
            match d.severity {
                Severity::Warning => self.stream(Stdio::Stderr, self.repl.render(d, true), msg),
                Severity::Error => {
                    let report = self.repl.render(d, true);
                    let e = error.get_or_insert_with(|| ReplyError {
                        ename: error_name(&d.message).into(),
                        evalue: d.message.clone(),
                        traceback: Vec::new(),
                    });
                    e.traceback
                        .extend(report.trim_end().lines().map(str::to_string));
                }
            }
        }
        if cell.quit {
            self.stream(
                Stdio::Stderr,
                ":quit does not stop a notebook's kernel; use the notebook's \
                 Kernel menu to shut it down\n"
                    .into(),
                msg,
            );
        }
        if let Some(e) = error {
            if !req.silent {
                let output = ErrorOutput {
                    ename: e.ename.clone(),
                    evalue: e.evalue.clone(),
                    traceback: e.traceback.clone(),
                };
                self.iopub(output, msg);
            }
            let answer = ExecuteReply {
                status: ReplyStatus::Error,
                execution_count: count,
                payload: Vec::new(),
                user_expressions: None,
                error: Some(Box::new(e)),
            };
            return (answer, false);
        }
        if let (Some(value), false) = (&cell.value, req.silent) {
            let text = self.repl.repr_of(value);
            let mut result = ExecuteResult::new(count, Media::new(vec![MediaType::Plain(text)]));
            // The schema wants an object here, not null.
            result.transient = Some(Transient { display_id: None });
            self.iopub(result, msg);
        }
        let answer = ExecuteReply {
            status: ReplyStatus::Ok,
            execution_count: count,
            payload: Vec::new(),
            user_expressions: Some(Default::default()),
            error: None,
        };
        (answer, true)
    }

    /// After a failed cell with `stop_on_error`, the cells queued behind it are not
    /// run ("Run All" stops at the first error): they are answered `aborted`.
    fn abort(&mut self, queued: Vec<Request>) {
        for request in queued {
            match request {
                Request::Shell(msg)
                    if matches!(msg.content, JupyterMessageContent::ExecuteRequest(_)) =>
                {
                    self.iopub_status(Status::busy(), Some(&msg));
                    let answer = ExecuteReply {
                        status: ReplyStatus::Aborted,
                        execution_count: ExecutionCount::new(self.execution_count),
                        ..Default::default()
                    };
                    self.send(Outgoing::Shell(reply(answer, &msg)));
                    self.iopub_status(Status::idle(), Some(&msg));
                }
                Request::Shell(msg) => {
                    self.handle(*msg, None);
                }
                Request::Stop => {
                    super::SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
            }
        }
    }

    fn variables(&self) -> Vec<String> {
        self.repl.variable_names()
    }

    /// Tab: builtins, keywords, `:` commands, variables, what a value offers after a dot
    /// (by its type), and keyword names inside a builtin's call.
    fn complete(&self, req: &CompleteRequest) -> CompleteReply {
        let pos = byte_offset(&req.code, req.cursor_pos);
        let line_start = req.code[..pos].rfind('\n').map_or(0, |i| i + 1);
        let line = &req.code[line_start..];
        let line_end = line.find('\n').unwrap_or(line.len());
        let line = &line[..line_end];
        let variables = self.variables();
        let (start, matches) = complete_with(line, pos - line_start, &variables, &|w| {
            self.repl.members_of(w)
        });
        let types: Vec<serde_json::Value> = matches
            .iter()
            .map(|m| {
                let (kind, signature) = if m.starts_with(':') {
                    ("magic", String::new())
                } else if m.ends_with('=') {
                    ("param", String::new())
                } else if variables.contains(m) {
                    ("instance", String::new())
                } else if let Some(b) = crate::eval::builtins::lookup(m) {
                    ("function", b.signature().to_string())
                } else if KEYWORDS.contains(&m.as_str()) {
                    ("keyword", String::new())
                } else {
                    ("property", String::new())
                };
                serde_json::json!({ "text": m, "type": kind, "signature": signature })
            })
            .collect();
        let mut metadata = serde_json::Map::new();
        metadata.insert("_jupyter_types_experimental".into(), types.into());
        CompleteReply {
            matches,
            cursor_start: char_offset(&req.code, line_start + start),
            cursor_end: req.cursor_pos.min(req.code.chars().count()),
            metadata,
            status: ReplyStatus::Ok,
            error: None,
        }
    }

    /// Shift-Tab: the builtin's help, or a variable's summary.
    fn inspect(&self, req: &InspectRequest) -> InspectReply {
        let pos = byte_offset(&req.code, req.cursor_pos);
        // Inside a call's parentheses (`sigmoid(|`, `sum(x, axis=|0)`), the function
        // being called, as IPython does; elsewhere the name at the cursor.
        let line_start = req.code[..pos].rfind('\n').map_or(0, |i| i + 1);
        let called =
            crate::syntax::calls::enclosing_call(&req.code[line_start..pos]).map(|(n, _)| n);
        let about = |name: &str| match self.repl.interpreter().global(name) {
            Some(value) => Some(describe(name, value)),
            None => crate::eval::builtins::help::describe_name(name).ok(),
        };
        let text = called
            .and_then(about)
            .or_else(|| word_at(&req.code, pos).and_then(about));
        match text {
            Some(text) => InspectReply {
                found: true,
                data: Media::new(vec![MediaType::Plain(text)]),
                ..Default::default()
            },
            None => InspectReply::default(),
        }
    }
}

/// The `ename` of an error report.
fn error_name(message: &str) -> &'static str {
    if message.starts_with("interrupted") {
        "Interrupted"
    } else {
        "Error"
    }
}

/// A variable's summary for inspection: its type, shape and gradient state, then
/// its value as the REPL shows it.
fn describe(name: &str, value: &Value) -> String {
    let head = match value {
        Value::Tensor(t) => {
            let dims: Vec<String> = t.shape().iter().map(usize::to_string).collect();
            let grad = match t.grad() {
                Some(_) => "has .grad",
                None => "no .grad",
            };
            format!(
                "{name}: tensor of shape [{}], requires_grad={}, {grad}",
                dims.join(", "),
                t.requires_grad()
            )
        }
        other => format!("{name}: {}", other.type_name()),
    };
    format!("{head}\n{}\n", value.to_repr())
}

/// `is_complete_request`: the parser's verdict on the cell (its `:` lines left out).
pub(super) fn is_complete(code: &str) -> IsCompleteReply {
    let source: String = code
        .lines()
        .map(|l| {
            if l.trim_start().starts_with(':') {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let parsed = crate::syntax::parse(&source, Default::default());
    if parsed.incomplete {
        IsCompleteReply::incomplete("    ".into())
    } else if !parsed.diagnostics.is_empty() {
        IsCompleteReply::invalid()
    } else {
        IsCompleteReply::complete()
    }
}

/// The byte offset of the `chars`-th character (Jupyter counts cursor positions in
/// characters), clamped to the text.
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The number of characters before byte `at`.
fn char_offset(text: &str, at: usize) -> usize {
    text.get(..at).map_or(0, |s| s.chars().count())
}

/// The name under (or just before) the cursor.
fn word_at(code: &str, pos: usize) -> Option<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = code[..pos]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(pos, |(i, _)| i);
    let end = code[pos..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(code.len(), |(i, _)| pos + i);
    let word = &code[start..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::IsCompleteReplyStatus;

    #[test]
    fn is_complete_follows_the_parser() {
        assert_eq!(is_complete("x = 1").status, IsCompleteReplyStatus::Complete);
        assert_eq!(
            is_complete("fn f(x) {").status,
            IsCompleteReplyStatus::Incomplete
        );
        assert_eq!(
            is_complete("y = (1 +").status,
            IsCompleteReplyStatus::Incomplete
        );
        assert_eq!(
            is_complete("x = = 2").status,
            IsCompleteReplyStatus::Invalid
        );
        assert_eq!(
            is_complete(":vars\nx = 1").status,
            IsCompleteReplyStatus::Complete
        );
    }

    #[test]
    fn offsets_count_characters() {
        let text = "é = 1\nzer";
        assert_eq!(byte_offset(text, 1), 2);
        assert_eq!(char_offset(text, 2), 1);
        assert_eq!(byte_offset(text, 100), text.len());
    }

    #[test]
    fn the_call_around_the_cursor() {
        fn call(code: &str) -> Option<&str> {
            crate::syntax::calls::enclosing_call(code).map(|(n, _)| n)
        }
        assert_eq!(call("sigmoid("), Some("sigmoid"));
        assert_eq!(call("y = sum(x, axis="), Some("sum"));
        assert_eq!(call("y = sum(f(x), "), Some("sum"));
        assert_eq!(call("y = x.mean("), Some("mean"));
        assert_eq!(call("print(\"(\", "), Some("print"));
        assert_eq!(call("y = sum(x)"), None);
    }

    #[test]
    fn the_word_at_the_cursor() {
        assert_eq!(word_at("y = sigmoid(x)", 6), Some("sigmoid"));
        assert_eq!(word_at("y = sigmoid(x)", 11), Some("sigmoid"));
        assert_eq!(word_at("y = sigmoid(x)", 12), Some("x"));
        assert_eq!(word_at("1 + 2", 1), None);
        assert_eq!(word_at("", 0), None);
    }
}
