//! `bp lsp`: a language server (LSP 3.17) over any [`lsp_server::Connection`].
//!
//! It only uses the front end (parse, resolve, check; SPEC §16): diagnostics on open
//! and on every change (full sync), hover, completion, go to definition and document
//! symbols. Positions are UTF-16 as the protocol counts ([`line_index`]). A request it
//! cannot read gets an error response; nothing a client sends ends the server except
//! `shutdown` + `exit` or a closed connection.

pub mod line_index;

use crate::diagnostic::{Diagnostic as BpDiagnostic, Severity};
use crate::eval::resolve::{self, builtins, Analysis, DefKind, Resolution, Target};
use crate::eval::value::Group;
use crate::source::SourceId;
use crate::syntax::ast::{ExprKind, StmtKind};
use line_index::LineIndex;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::HashMap;
use std::rc::Rc;

/// An error that ends the server: the connection failed.
pub type ServerError = Box<dyn std::error::Error + Send + Sync>;

/// The words a script may start a statement or an expression with.
pub const KEYWORDS: &[&str] = crate::syntax::KEYWORDS;

/// Runs the server on standard input and output until the client says `exit`.
///
/// The framing is read here rather than by `lsp-server`'s own stdio transport, which
/// stops at the first message that is not valid JSON: a frame whose body cannot be
/// read gets a JSON-RPC parse error (id null) and the session goes on.
pub fn run_stdio() -> Result<(), ServerError> {
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    let (server, client) = Connection::memory();
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let out = Arc::clone(&stdout);
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    let writer = std::thread::spawn(move || {
        for msg in from_server {
            let Ok(mut w) = out.lock() else { return };
            if msg.write(&mut *w).is_err() {
                return;
            }
        }
    });
    // The reader is not joined: it may be blocked reading standard input when the
    // client has said `exit`.
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match Message::read(&mut input) {
                Ok(Some(msg)) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if to_server.send(msg).is_err() || exit {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let body = serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": null,
                        "error": { "code": ErrorCode::ParseError as i32, "message": e.to_string() },
                    })
                    .to_string();
                    let Ok(mut w) = stdout.lock() else { return };
                    let sent = write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())
                        .and_then(|()| w.flush());
                    if sent.is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    let result = serve(&server);
    drop(server);
    let _ = writer.join();
    result
}

/// What the server offers, sent in the `initialize` response.
pub fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..lsp::CompletionOptions::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        ..lsp::ServerCapabilities::default()
    }
}

/// Answers `initialize`, then serves requests until `shutdown` and `exit`.
pub fn serve(connection: &Connection) -> Result<(), ServerError> {
    let caps = serde_json::to_value(capabilities())?;
    connection.initialize(caps)?;
    let mut server = Server::default();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = server.request(req);
                connection.sender.send(Message::Response(resp))?;
            }
            Message::Notification(note) => {
                for out in server.notification(note) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// One open document.
struct Document {
    text: String,
    analysis: Analysis,
    /// The resolution of the last version that parsed and that version's text, for
    /// completion while the current text has a syntax error (as it has mid-word).
    last_good: Option<(Resolution, Rc<str>)>,
}

impl Document {
    fn new(text: String, previous: Option<(Resolution, Rc<str>)>, uri: &lsp::Uri) -> Document {
        // A document on disk: its imports are checked against its folder.
        let analysis = match uri_path(uri).as_deref().and_then(std::path::Path::parent) {
            Some(dir) => resolve::analyze_in(&text, SourceId(0), dir),
            None => resolve::analyze(&text, SourceId(0)),
        };
        let last_good = match &analysis.resolution {
            Some(r) => Some((r.clone(), Rc::from(text.as_str()))),
            None => previous,
        };
        Document {
            text,
            analysis,
            last_good,
        }
    }

    /// The resolution completion uses, with the text it was made from: the current
    /// one, else the last that parsed.
    fn resolution(&self) -> Option<(&Resolution, &str)> {
        match &self.analysis.resolution {
            Some(r) => Some((r, &self.text)),
            None => self.last_good.as_ref().map(|(r, t)| (r, &**t)),
        }
    }
}

/// The open documents, by URI.
#[derive(Default)]
struct Server {
    docs: HashMap<String, Document>,
}

fn invalid_params(req: &Request, e: impl std::fmt::Display) -> Response {
    Response::new_err(
        req.id.clone(),
        ErrorCode::InvalidParams as i32,
        format!("invalid parameters for {}: {e}", req.method),
    )
}

impl Server {
    fn request(&mut self, req: Request) -> Response {
        macro_rules! handle {
            ($ty:ty, $f:ident) => {
                match serde_json::from_value::<<$ty as lsp::request::Request>::Params>(
                    req.params.clone(),
                ) {
                    Ok(p) => Response::new_ok(req.id.clone(), self.$f(p)),
                    Err(e) => invalid_params(&req, e),
                }
            };
        }
        match req.method.as_str() {
            lsp::request::HoverRequest::METHOD => handle!(lsp::request::HoverRequest, hover),
            lsp::request::Completion::METHOD => handle!(lsp::request::Completion, completion),
            lsp::request::GotoDefinition::METHOD => {
                handle!(lsp::request::GotoDefinition, definition)
            }
            lsp::request::DocumentSymbolRequest::METHOD => {
                handle!(lsp::request::DocumentSymbolRequest, symbols)
            }
            other => Response::new_err(
                req.id.clone(),
                ErrorCode::MethodNotFound as i32,
                format!("unknown method '{other}'"),
            ),
        }
    }

    /// Handles a notification; returns the notifications to send back.
    fn notification(&mut self, note: Notification) -> Vec<Notification> {
        use lsp::notification::{DidChangeTextDocument, DidCloseTextDocument};
        use lsp::notification::{DidOpenTextDocument, PublishDiagnostics};
        let uri = match note.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(note.params)
                else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                self.docs.insert(
                    key,
                    Document::new(p.text_document.text, None, &p.text_document.uri),
                );
                p.text_document.uri
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(note.params)
                else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                let previous = self.docs.remove(&key).and_then(|d| d.last_good);
                self.docs.insert(
                    key,
                    Document::new(change.text, previous, &p.text_document.uri),
                );
                p.text_document.uri
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp::DidCloseTextDocumentParams>(note.params)
                {
                    self.docs.remove(p.text_document.uri.as_str());
                    let params =
                        lsp::PublishDiagnosticsParams::new(p.text_document.uri, Vec::new(), None);
                    return vec![Notification::new(
                        PublishDiagnostics::METHOD.to_string(),
                        params,
                    )];
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let Some(doc) = self.docs.get(uri.as_str()) else {
            return Vec::new();
        };
        let params = lsp::PublishDiagnosticsParams::new(uri, diagnostics(doc), None);
        vec![Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )]
    }

    fn doc(&self, uri: &lsp::Uri) -> Option<&Document> {
        self.docs.get(uri.as_str())
    }

    fn hover(&self, p: lsp::HoverParams) -> Option<lsp::Hover> {
        let pos = p.text_document_position_params;
        let doc = self.doc(&pos.text_document.uri)?;
        let index = LineIndex::new(&doc.text);
        let offset = index.offset(pos.position);
        let (word, start, end) = word_at(&doc.text, offset)?;
        let range = lsp::Range::new(index.position(start), index.position(end));
        let res = doc.analysis.resolution.as_ref();
        if let Some(m) = res.and_then(|r| member_definition(&pos.text_document.uri, r, offset)) {
            let at = m.res.defs[m.def].statement.start as usize;
            let mindex = LineIndex::new(&m.text);
            return Some(lsp::Hover {
                contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: format!(
                        "```bp\n{}\n```\n`{word}` of module `{}`, line {}",
                        mindex.line_text(at).trim(),
                        m.module,
                        mindex.position(at).line + 1
                    ),
                }),
                range: Some(range),
            });
        }
        // `x.grad`, `x.shape`, ...: the attribute, not the builtin of the same name
        // (a call `x.sum()` is the builtin).
        let attribute = TENSOR_ATTRIBUTE_DOCS.iter().find(|(a, _)| *a == word);
        let after_dot = doc.text[..start].trim_end().ends_with('.');
        let called = doc.text[end..].trim_start().starts_with('(');
        if let (Some((name, what)), true, false) = (attribute, after_dot, called) {
            return Some(lsp::Hover {
                contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                    kind: lsp::MarkupKind::Markdown,
                    value: format!("```bp\nx.{name}\n```\ntensor attribute: {what}"),
                }),
                range: Some(range),
            });
        }
        let target = res.and_then(|r| r.use_at(offset)).map(|u| u.target);
        let def = match target {
            Some(Target::Def(d)) => Some(d),
            Some(_) => None,
            None => res.and_then(|r| r.def_at(offset)),
        };
        let text = match (def, res) {
            (Some(d), Some(r)) => {
                let def = &r.defs[d];
                let what = match def.kind {
                    DefKind::Function => "function",
                    DefKind::Variable => "variable",
                    DefKind::Parameter => "parameter",
                    DefKind::LoopVariable if r.scopes[def.scope].comprehension => {
                        "comprehension variable"
                    }
                    DefKind::LoopVariable => "loop variable",
                    DefKind::Module => "module",
                };
                let at = def.statement.start as usize;
                format!(
                    "```bp\n{}\n```\n{what} `{}`, defined on line {}",
                    index.line_text(at).trim(),
                    def.name,
                    index.position(at).line + 1
                )
            }
            _ => {
                // A builtin, or (while the text does not parse) a word that names one.
                let name = match target {
                    Some(Target::Builtin(b)) => b,
                    _ => builtins::info(word)?.name,
                };
                builtin_help(name)?
            }
        };
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: text,
            }),
            range: Some(range),
        })
    }

    fn completion(&self, p: lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
        let pos = p.text_document_position;
        let doc = self.doc(&pos.text_document.uri)?;
        let index = LineIndex::new(&doc.text);
        let offset = index.offset(pos.position);
        let before = doc.text.get(..offset)?;
        let stem = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
        let resolved = doc.resolution();
        let res = resolved.map(|(r, _)| r);
        let mut items = Vec::new();
        let builtin_items = || {
            builtins::all().map(|b| lsp::CompletionItem {
                label: b.name.to_string(),
                kind: Some(lsp::CompletionItemKind::FUNCTION),
                detail: Some(b.signature()),
                documentation: Some(lsp::Documentation::String(b.row.doc.to_string())),
                ..lsp::CompletionItem::default()
            })
        };
        let receiver = stem
            .strip_suffix('.')
            .map(|s| {
                let w = s.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
                &s[w.len()..]
            })
            .unwrap_or("");
        let module = res.and_then(|r| {
            let d = r
                .visible_at(offset)
                .into_iter()
                .find(|&d| &*r.defs[d].name == receiver)?;
            (r.defs[d].kind == DefKind::Module)
                .then(|| load_module(&pos.text_document.uri, r, d))
                .flatten()
        });
        if let Some(m) = module {
            // After `nn.`: the module's top-level bindings.
            let mindex = LineIndex::new(&m.text);
            items.extend(
                m.res
                    .visible_at(0)
                    .into_iter()
                    .map(|d| ranked(def_item(&m.res, d, &mindex), Rank::Name)),
            );
        } else if let Some(held) = resolved
            .filter(|_| stem.ends_with('.') && !receiver.is_empty())
            .and_then(|(r, text)| held_by(r, text, receiver, offset, 0))
            .filter(|h| *h != Held::Tensor)
        {
            // After `x.` where `x` was assigned a list, a dict, a string, an optimizer
            // or an object: that value's members, in their order.
            items.extend(held_members(&held, res));
        } else if stem.ends_with('.') {
            // After `self.` inside a class: its fields and methods first.
            let class = res.and_then(|r| {
                r.classes
                    .iter()
                    .filter(|c| c.span.start as usize <= offset && offset <= c.span.end as usize)
                    .min_by_key(|c| c.span.end - c.span.start)
            });
            if let Some(c) = class.filter(|_| receiver == "self") {
                let fields = c
                    .fields
                    .iter()
                    .map(|f| (f, lsp::CompletionItemKind::FIELD, "field"));
                let methods = c
                    .methods
                    .iter()
                    .map(|m| (m, lsp::CompletionItemKind::METHOD, "method"));
                for (i, (name, kind, what)) in fields.chain(methods).enumerate() {
                    let mut item = ranked(
                        lsp::CompletionItem {
                            label: name.to_string(),
                            kind: Some(kind),
                            detail: Some(format!("{what} of {}", c.name)),
                            ..lsp::CompletionItem::default()
                        },
                        Rank::Keyword,
                    );
                    item.sort_text = Some(format!("{}{i:02}", Rank::Keyword as u8));
                    items.push(item);
                }
            }
            // After `x.`: the tensor attributes first, then the builtins that take a
            // tensor first (a method call `x.f()` is `f(x)`), the script's functions,
            // and last the other builtins. An attribute that is also a builtin
            // (`shape`, `grad`) is offered once, as the attribute.
            for (i, (a, doc)) in TENSOR_ATTRIBUTE_DOCS.iter().enumerate() {
                let mut item = ranked(
                    lsp::CompletionItem {
                        label: a.to_string(),
                        kind: Some(lsp::CompletionItemKind::FIELD),
                        detail: Some("tensor attribute".to_string()),
                        documentation: Some(lsp::Documentation::String(doc.to_string())),
                        ..lsp::CompletionItem::default()
                    },
                    Rank::Attribute,
                );
                // In the table's order (`grad` first), not alphabetical.
                item.sort_text = Some(format!("{}{i:02}", Rank::Attribute as u8));
                items.push(item);
            }
            for b in builtins::all() {
                if is_tensor_attribute(b.name) || b.row.group == Group::Creation {
                    continue;
                }
                let rank = if crate::eval::members::takes_a_tensor_first(b.row) {
                    Rank::Method
                } else {
                    Rank::Other
                };
                items.push(ranked(
                    lsp::CompletionItem {
                        label: b.name.to_string(),
                        kind: Some(lsp::CompletionItemKind::METHOD),
                        detail: Some(b.signature()),
                        documentation: Some(lsp::Documentation::String(b.row.doc.to_string())),
                        ..lsp::CompletionItem::default()
                    },
                    rank,
                ));
            }
            if let Some(r) = res {
                for d in r.visible_at(offset) {
                    let def = &r.defs[d];
                    if def.kind == DefKind::Function {
                        items.push(ranked(def_item(r, d, &index), Rank::Name));
                    }
                }
            }
        } else {
            // Inside a builtin's call, after `(` or `,`: its keyword names first.
            if let Some((name, method)) = crate::syntax::calls::call_at(before) {
                if let Some(b) = builtins::info(name) {
                    let names = crate::eval::members::keyword_names(b.row, method);
                    for (i, param) in names.enumerate() {
                        let mut item = ranked(
                            lsp::CompletionItem {
                                label: format!("{param}="),
                                kind: Some(lsp::CompletionItemKind::PROPERTY),
                                detail: Some(b.signature()),
                                insert_text: Some(format!("{param}=")),
                                filter_text: Some(param.to_string()),
                                ..lsp::CompletionItem::default()
                            },
                            Rank::Keyword,
                        );
                        // In the signature's order.
                        item.sort_text = Some(format!("{}{i:02}", Rank::Keyword as u8));
                        items.push(item);
                    }
                }
            }
            if let Some(r) = res {
                items.extend(
                    r.visible_at(offset)
                        .into_iter()
                        .map(|d| ranked(def_item(r, d, &index), Rank::Name)),
                );
            }
            items.extend(builtin_items().map(|i| ranked(i, Rank::Method)));
            items.extend(KEYWORDS.iter().map(|k| {
                ranked(
                    lsp::CompletionItem {
                        label: k.to_string(),
                        kind: Some(lsp::CompletionItemKind::KEYWORD),
                        ..lsp::CompletionItem::default()
                    },
                    Rank::Other,
                )
            }));
        }
        Some(lsp::CompletionResponse::Array(items))
    }

    fn definition(&self, p: lsp::GotoDefinitionParams) -> Option<lsp::GotoDefinitionResponse> {
        let pos = p.text_document_position_params;
        let doc = self.doc(&pos.text_document.uri)?;
        let index = LineIndex::new(&doc.text);
        let offset = index.offset(pos.position);
        let res = doc.analysis.resolution.as_ref()?;
        if let Some(m) = member_definition(&pos.text_document.uri, res, offset) {
            let span = m.res.defs[m.def].span;
            let mindex = LineIndex::new(&m.text);
            return Some(lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(
                m.uri,
                lsp::Range::new(
                    mindex.position(span.start as usize),
                    mindex.position(span.end as usize),
                ),
            )));
        }
        let d = res.definition_at(offset)?;
        let span = res.defs[d].span;
        Some(lsp::GotoDefinitionResponse::Scalar(lsp::Location::new(
            pos.text_document.uri,
            lsp::Range::new(
                index.position(span.start as usize),
                index.position(span.end as usize),
            ),
        )))
    }

    fn symbols(&self, p: lsp::DocumentSymbolParams) -> Option<lsp::DocumentSymbolResponse> {
        let doc = self.doc(&p.text_document.uri)?;
        let index = LineIndex::new(&doc.text);
        let res = doc.analysis.resolution.as_ref()?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for def in &res.defs {
            let top = def.scope == resolve::GLOBAL;
            let wanted = def.kind == DefKind::Function
                || (top && matches!(def.kind, DefKind::Variable | DefKind::LoopVariable));
            if !wanted || !seen.insert((def.scope, def.name.clone())) {
                continue;
            }
            let range = |s: crate::source::Span| {
                lsp::Range::new(
                    index.position(s.start as usize),
                    index.position(s.end as usize),
                )
            };
            #[allow(deprecated)] // `deprecated` is a field every literal must name.
            out.push(lsp::DocumentSymbol {
                name: def.name.to_string(),
                detail: Some(
                    index
                        .line_text(def.statement.start as usize)
                        .trim()
                        .to_string(),
                ),
                kind: if def.kind == DefKind::Function {
                    lsp::SymbolKind::FUNCTION
                } else {
                    lsp::SymbolKind::VARIABLE
                },
                tags: None,
                deprecated: None,
                range: range(def.statement),
                selection_range: range(def.span),
                children: None,
            });
        }
        Some(lsp::DocumentSymbolResponse::Nested(out))
    }
}

/// An imported module's source, read and resolved.
struct Module {
    /// The name it is bound to.
    module: String,
    uri: lsp::Uri,
    text: String,
    res: Resolution,
    /// The member asked for, when there is one.
    def: resolve::DefId,
}

/// The file path of a `file:` URI (percent-decoded).
fn uri_path(uri: &lsp::Uri) -> Option<std::path::PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(std::path::PathBuf::from)
}

/// The `file:` URI of an absolute path.
fn path_uri(path: &std::path::Path) -> Option<lsp::Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

/// Reads and resolves the module that binding `d` of the document at `uri` imports
/// (paths are relative to the importing file, SPEC §13).
fn load_module(uri: &lsp::Uri, res: &Resolution, d: resolve::DefId) -> Option<Module> {
    let rel = res.import_path(d)?;
    let dir = uri_path(uri)?.parent()?.to_path_buf();
    let path = dir.join(&**rel);
    let text = std::fs::read_to_string(&path).ok()?;
    let analysis = resolve::analyze(&text, SourceId(0));
    Some(Module {
        module: res.defs[d].name.to_string(),
        uri: path_uri(&path)?,
        text,
        res: analysis.resolution?,
        def: 0,
    })
}

/// The definition of the module member (`nn.linear`) at `offset`, in its file.
fn member_definition(uri: &lsp::Uri, res: &Resolution, offset: usize) -> Option<Module> {
    let (module, member) = res.member_at(offset)?;
    let mut m = load_module(uri, res, *module)?;
    m.def = m.res.global(&member.name)?;
    Some(m)
}

/// What a variable holds, as its assignment shows (for completion after `x.`).
#[derive(Clone, Debug, PartialEq)]
enum Held {
    Tensor,
    List,
    Dict,
    Str,
    Optimizer,
    /// An object of the class with this name (in [`Resolution::classes`]).
    Object(crate::syntax::ast::Name),
}

/// How many `x = y` steps [`held_by`] follows.
const MAX_ALIASES: usize = 8;

/// What `name`, read at `offset` of `text` (the text `r` was made from), holds: the
/// kind of value its latest assignment before `offset` (in the scope that a read there
/// sees) makes, when the assigned expression shows it: a constructor call of a class,
/// a list, dict or string literal or comprehension, `list()`/`dict()`/`str()`, an
/// optimizer (`sgd(...)`), a tensor (`[1, 2]`, `zeros(...)`), or another such variable.
fn held_by(r: &Resolution, text: &str, name: &str, offset: usize, depth: usize) -> Option<Held> {
    if depth > MAX_ALIASES {
        return None;
    }
    let visible = r
        .visible_at(offset)
        .into_iter()
        .find(|&d| &*r.defs[d].name == name)?;
    let scope = r.defs[visible].scope;
    let def = r
        .defs
        .iter()
        .filter(|d| d.scope == scope && &*d.name == name && d.kind == DefKind::Variable)
        .filter(|d| (d.statement.start as usize) < offset)
        .max_by_key(|d| d.statement.start)?;
    let statement = text.get(def.statement.range())?;
    let parsed = crate::syntax::parse(statement, SourceId(0)).program?;
    let value = match &parsed.first()?.kind {
        StmtKind::Assign { target, value } if &*target.name == name => value,
        _ => return None,
    };
    match &value.kind {
        ExprKind::Str(_) | ExprKind::FString(_) => Some(Held::Str),
        ExprKind::Dict(_) => Some(Held::Dict),
        ExprKind::Comprehension(c) if c.value.is_some() => Some(Held::Dict),
        ExprKind::Comprehension(_) => Some(Held::List),
        ExprKind::TensorLit(_) | ExprKind::Numbers(_) => Some(Held::Tensor),
        ExprKind::Name(other) => held_by(r, text, other, def.statement.start as usize, depth + 1),
        ExprKind::Call(call) => {
            let ExprKind::Name(f) = &call.callee.kind else {
                return None;
            };
            if let Some(c) = r.classes.iter().find(|c| c.name == **f) {
                return Some(Held::Object(c.name.clone()));
            }
            let b = builtins::info(f)?;
            match b.name {
                "list" => Some(Held::List),
                "dict" => Some(Held::Dict),
                "str" => Some(Held::Str),
                _ if b.row.torch.starts_with("torch.optim.") => Some(Held::Optimizer),
                _ if b.row.group == Group::Creation => Some(Held::Tensor),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The completion items after `x.` for a value `x` holds: its members in their order
/// (fields before methods), each once.
fn held_members(held: &Held, res: Option<&Resolution>) -> Vec<lsp::CompletionItem> {
    use lsp::CompletionItemKind as K;
    let builtin = |name: &str| builtins::info(name).map(|b| b.signature());
    let members: Vec<(String, K, Option<String>)> = match held {
        Held::Tensor => Vec::new(),
        Held::List => crate::eval::members::LIST_METHODS
            .iter()
            .map(|m| (m.to_string(), K::METHOD, builtin(m)))
            .collect(),
        Held::Dict => crate::eval::collections::DICT_METHODS
            .iter()
            .map(|m| (m.to_string(), K::METHOD, Some("dict method".to_string())))
            .collect(),
        Held::Str => crate::eval::collections::STRING_METHODS
            .iter()
            .map(|m| (m.to_string(), K::METHOD, Some("string method".to_string())))
            .collect(),
        Held::Optimizer => crate::eval::members::OPTIMIZER_MEMBERS
            .iter()
            .map(|(m, doc)| {
                let kind = if *m == "lr" { K::FIELD } else { K::METHOD };
                (m.to_string(), kind, Some(doc.to_string()))
            })
            .collect(),
        Held::Object(class) => {
            let Some(c) = res.and_then(|r| r.classes.iter().find(|c| c.name == *class)) else {
                return Vec::new();
            };
            let fields = c.fields.iter().map(|f| {
                (
                    f.to_string(),
                    K::FIELD,
                    Some(format!("field of {}", c.name)),
                )
            });
            let methods = c
                .methods
                .iter()
                .filter(|m| !crate::eval::members::is_hidden_method(m))
                .map(|m| {
                    (
                        m.to_string(),
                        K::METHOD,
                        Some(format!("method of {}", c.name)),
                    )
                });
            let mut out: Vec<(String, K, Option<String>)> = Vec::new();
            for m in fields.chain(methods) {
                if !out.iter().any(|o| o.0 == m.0) {
                    out.push(m);
                }
            }
            out
        }
    };
    members
        .into_iter()
        .enumerate()
        .map(|(i, (label, kind, detail))| lsp::CompletionItem {
            label,
            kind: Some(kind),
            detail,
            // In the members' order, not alphabetical.
            sort_text: Some(format!("{}{i:02}", Rank::Attribute as u8)),
            ..lsp::CompletionItem::default()
        })
        .collect()
}

/// A completion item for a binding of the script.
fn def_item(r: &Resolution, d: resolve::DefId, index: &LineIndex) -> lsp::CompletionItem {
    let def = &r.defs[d];
    lsp::CompletionItem {
        label: def.name.to_string(),
        kind: Some(match def.kind {
            DefKind::Function => lsp::CompletionItemKind::FUNCTION,
            _ => lsp::CompletionItemKind::VARIABLE,
        }),
        detail: Some(
            index
                .line_text(def.statement.start as usize)
                .trim()
                .to_string(),
        ),
        ..lsp::CompletionItem::default()
    }
}

/// A builtin's row of the table as Markdown: signature, description, derivative,
/// example and PyTorch equivalent (what `bp help NAME` shows).
pub fn builtin_help(name: &str) -> Option<String> {
    let b = builtins::info(name)?;
    let row = b.row;
    let mut s = format!("```bp\n{}\n```\n{}", b.signature(), row.doc);
    if let Some(d) = row.derivative {
        s.push_str(&format!("\n\nderivative: {d}"));
    }
    s.push_str(&format!(
        "\n\nexample: `{}`\n\nPyTorch: `{}`",
        row.example, row.torch
    ));
    Some(s)
}

/// The identifier around byte `offset` (a cursor just after it counts), with its
/// byte range.
fn word_at(text: &str, offset: usize) -> Option<(&str, usize, usize)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let offset = offset.min(text.len());
    let head = text.get(..offset)?;
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let tail = text.get(offset..)?;
    let end = offset + tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
    let word = text.get(start..end)?;
    (!word.is_empty()).then_some((word, start, end))
}

/// The tensor attributes (SPEC §5, §19), in the order completion offers them, with
/// what each is.
pub const TENSOR_ATTRIBUTE_DOCS: &[(&str, &str)] = &[
    (
        "grad",
        "the gradient that backward accumulated into this tensor, or none",
    ),
    ("shape", "the tensor's shape, a tuple of numbers"),
    ("T", "the transpose (the axes reversed)"),
    (
        "requires_grad",
        "whether operations on this tensor are recorded for backward",
    ),
    ("ndim", "the number of axes"),
    (
        "is_leaf",
        "true for a tensor made directly (not by a recorded operation)",
    ),
    (
        "data",
        "the values without the graph (`p.data -= lr * p.grad` updates in place)",
    ),
];

fn is_tensor_attribute(name: &str) -> bool {
    TENSOR_ATTRIBUTE_DOCS.iter().any(|(a, _)| *a == name)
}

/// The order of completion items (`sortText`): what fits best first.
#[derive(Clone, Copy)]
enum Rank {
    /// A keyword argument name inside a call.
    Keyword,
    /// A tensor attribute after `x.`.
    Attribute,
    /// The script's names (and a module's).
    Name,
    /// A builtin that applies (after `x.`: one that takes a tensor first).
    Method,
    /// Everything else (keywords, builtins that do not take a tensor).
    Other,
}

/// `item` with a `sortText` that puts its rank first, then its label.
fn ranked(mut item: lsp::CompletionItem, rank: Rank) -> lsp::CompletionItem {
    item.sort_text = Some(format!("{}{}", rank as u8, item.label));
    item
}

/// The document's diagnostics as the protocol has them.
fn diagnostics(doc: &Document) -> Vec<lsp::Diagnostic> {
    let index = LineIndex::new(&doc.text);
    doc.analysis
        .diagnostics
        .iter()
        .map(|d| to_lsp(d, &index))
        .collect()
}

/// One diagnostic: its range is the primary label's; the label's text and the hint
/// follow the message.
pub fn to_lsp(d: &BpDiagnostic, index: &LineIndex) -> lsp::Diagnostic {
    let range = match d.primary_span() {
        Some(s) => lsp::Range::new(
            index.position(s.start as usize),
            index.position(s.end as usize),
        ),
        None => lsp::Range::default(),
    };
    let mut message = d.message.clone();
    if let Some(l) = d.labels.first() {
        if !l.message.is_empty() {
            message.push_str(&format!("\n{}", l.message));
        }
    }
    if let Some(h) = &d.hint {
        message.push_str(&format!("\nhelp: {h}"));
    }
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        source: Some("bp".to_string()),
        message,
        ..lsp::Diagnostic::default()
    }
}
