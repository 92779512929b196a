//! The language server in process, over `lsp-server`'s in-memory connection: every
//! feature of SPEC §16, UTF-16 positions, and error responses to bad requests.

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};
use std::thread::JoinHandle;
use std::time::Duration;

struct Client {
    conn: Connection,
    server: Option<JoinHandle<Result<(), String>>>,
    next_id: i32,
}

const URI: &str = "file:///tmp/test.bp";

impl Client {
    fn start() -> Client {
        let (server, conn) = Connection::memory();
        let handle = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || bp::lsp::serve(&server).map_err(|e| e.to_string()))
            .expect("spawn the server");
        let mut c = Client {
            conn,
            server: Some(handle),
            next_id: 0,
        };
        let init = c.request("initialize", json!({ "capabilities": {} }));
        let init = init.response_result.expect("initialize result");
        let caps = &init["capabilities"];
        assert_eq!(caps["hoverProvider"], json!(true));
        assert_eq!(caps["textDocumentSync"], json!(1), "full sync");
        c.notify("initialized", json!({}));
        c
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("a message from the server")
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let req = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(req.into()).expect("send");
        loop {
            if let Message::Response(r) = self.recv() {
                assert_eq!(r.id, id);
                return r;
            }
        }
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        match r.response_result {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e:?}"),
        }
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(n.into()).expect("send");
    }

    /// Waits for the next published diagnostics.
    fn diagnostics(&self) -> Vec<Value> {
        loop {
            if let Message::Notification(n) = self.recv() {
                if n.method == "textDocument/publishDiagnostics" {
                    assert_eq!(n.params["uri"], json!(URI));
                    return n.params["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
    }

    fn open(&self, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": URI, "languageId": "bp", "version": 1, "text": text } }),
        );
        self.diagnostics()
    }

    fn change(&self, version: i32, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": URI, "version": version },
                    "contentChanges": [ { "text": text } ] }),
        );
        self.diagnostics()
    }

    fn at(&mut self, method: &str, line: u32, character: u32) -> Value {
        self.result(
            method,
            json!({ "textDocument": { "uri": URI },
                    "position": { "line": line, "character": character } }),
        )
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.response_result.is_ok());
        self.notify("exit", Value::Null);
        let server = self.server.take().expect("server thread");
        assert_eq!(server.join().expect("server thread ends"), Ok(()));
    }
}

fn range(line: u32, start: u32, end: u32) -> Value {
    json!({ "start": { "line": line, "character": start }, "end": { "line": line, "character": end } })
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn diagnostics_on_open_and_change_in_utf16() {
    let mut c = Client::start();
    // 'é' is one UTF-16 unit but two bytes, '😀' two units but four bytes: the range
    // must count units.
    let text = "weights = ones(2)\ns = \"é😀\"; print(s, weight)\n";
    let d = c.open(text);
    assert_eq!(d.len(), 1, "{d:?}");
    let col = "s = \"é😀\"; print(s, ".encode_utf16().count() as u32;
    assert_eq!(col, 20);
    assert_eq!(d[0]["range"], range(1, col, col + 6));
    assert_eq!(d[0]["severity"], json!(1));
    let msg = d[0]["message"].as_str().unwrap_or("");
    assert!(msg.starts_with("unknown name 'weight'"), "{msg}");
    assert!(msg.contains("did you mean 'weights'?"), "{msg}");

    // Fixed: no diagnostics.
    assert_eq!(
        c.change(2, "weights = ones(2)\ns = \"é😀\"; print(s, weights)\n"),
        Vec::<Value>::new()
    );
    // Two syntax errors: both reported.
    let d = c.change(3, "x = = 1\ny = 2 +\n");
    assert!(d.len() >= 2, "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], json!(0));
    // Wrong builtin arguments.
    let d = c.change(4, "x = ones(2)\ns = sum(x, axsi=0)\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"], range(1, 11, 17));
    let _ = c.at("textDocument/hover", 0, 0);
    c.shutdown();
}

#[test]
fn hover_shows_builtin_rows_and_definitions() {
    let mut c = Client::start();
    let text = "w = ones(3, grad)\nfn f(x) {\n  return sigmoid(x * w)\n}\nprint(f(w))\n";
    assert!(c.open(text).is_empty());
    // `sigmoid` on line 2.
    let h = c.at("textDocument/hover", 2, 11);
    let v = h["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(v.contains("sigmoid(x)"), "{v}");
    assert!(v.contains("derivative: "), "{v}");
    assert_eq!(h["range"], range(2, 9, 16));
    // `w` inside the function: its definition line.
    let v = c.at("textDocument/hover", 2, 22)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(v.contains("w = ones(3, grad)"), "{v}");
    assert!(v.contains("defined on line 1"), "{v}");
    // `f` in the call: the function's header line.
    let v = c.at("textDocument/hover", 4, 6)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(v.contains("fn f(x) {"), "{v}");
    assert!(v.contains("function"), "{v}");
    // The parameter `x`.
    let v = c.at("textDocument/hover", 2, 17)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(v.contains("parameter `x`"), "{v}");
    // Whitespace: nothing.
    assert_eq!(c.at("textDocument/hover", 3, 1), Value::Null);
    c.shutdown();
}

#[test]
fn completion_offers_builtins_keywords_names_and_attributes() {
    let mut c = Client::start();
    let text = "rate = 0.1\nfn step(param) {\n  \n}\nx = ones(2)\n";
    assert!(c.open(text).is_empty());
    let items = c.at("textDocument/completion", 2, 2);
    let names = labels(&items);
    for want in ["param", "step", "rate", "x", "sigmoid", "while", "no_grad"] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    let sig = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == json!("leaky_relu")))
        .map(|i| i["detail"].clone());
    assert_eq!(sig, Some(json!("leaky_relu(x, slope=0.01)")));
    // At the top level the parameter is not in scope.
    let top = labels(&c.at("textDocument/completion", 0, 0));
    assert!(!top.iter().any(|n| n == "param"), "{top:?}");
    // After `x.` (which does not parse yet): attributes and methods, no keywords.
    assert!(!c.change(2, &format!("{text}x.\n")).is_empty());
    let after_dot = labels(&c.at("textDocument/completion", 5, 2));
    for want in ["grad", "shape", "T", "sum", "step"] {
        assert!(after_dot.iter().any(|n| n == want), "{want}: {after_dot:?}");
    }
    assert!(!after_dot.iter().any(|n| n == "while"));
    // While the text does not parse (mid-edit), names come from the last version
    // that did.
    c.change(
        3,
        "rate = 0.1\nfn step(param) {\n  \n}\nx = ones(2)\ny = r\n(\n",
    );
    let names = labels(&c.at("textDocument/completion", 5, 5));
    assert!(names.iter().any(|n| n == "rate"), "{names:?}");
    c.shutdown();
}

/// The completion items as (label, sortText), in the order a client shows them.
fn sorted(items: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let label = i["label"].as_str().unwrap_or("").to_string();
                    let sort = i["sortText"].as_str().unwrap_or(&label).to_string();
                    (label, sort)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

#[test]
fn completion_after_a_dot_is_ranked_attributes_first_each_once() {
    let mut c = Client::start();
    let text = "fn step(p) {\n  return p\n}\nx = ones(2, grad)\n";
    assert!(c.open(text).is_empty());
    c.change(2, &format!("{text}x.\n"));
    let items = c.at("textDocument/completion", 4, 2);
    let order = sorted(&items);
    assert!(order.iter().all(|(_, s)| !s.is_empty()));
    let labels: Vec<&str> = order.iter().map(|(l, _)| l.as_str()).collect();
    // The seven tensor attributes lead, in their order.
    assert_eq!(
        &labels[..7],
        &[
            "grad",
            "shape",
            "T",
            "requires_grad",
            "ndim",
            "is_leaf",
            "data"
        ]
    );
    // `shape` (an attribute and a builtin) and `grad` are offered once.
    for once in ["shape", "grad"] {
        assert_eq!(labels.iter().filter(|l| **l == once).count(), 1, "{once}");
    }
    // Methods that take a tensor come before builtins that do not; creation
    // builtins (`zeros`, `randn`) are not offered as methods.
    let at = |name: &str| labels.iter().position(|l| *l == name);
    let (sum, print) = (at("sum").expect("sum"), at("print").expect("print"));
    assert!(sum < print, "{labels:?}");
    assert!(at("zeros").is_none(), "{labels:?}");
    assert!(at("step").is_some(), "{labels:?}");
    c.shutdown();
}

#[test]
fn hover_on_an_attribute_is_the_attribute() {
    let mut c = Client::start();
    let text = "x = ones(2, grad)\nbackward(sum(x * x))\nprint(x.grad, grad(sum(x), x))\n";
    assert!(c.open(text).is_empty());
    // `grad` in `x.grad`: the attribute.
    let v = c.at("textDocument/hover", 2, 9)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(v.contains("tensor attribute"), "{v}");
    assert!(!v.contains("derivative"), "{v}");
    // `grad(` called: the builtin.
    let v = c.at("textDocument/hover", 2, 16)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!v.contains("tensor attribute"), "{v}");
    assert!(v.contains("grad("), "{v}");
    c.shutdown();
}

#[test]
fn keyword_names_complete_inside_a_builtin_call() {
    let mut c = Client::start();
    c.open("x = ones(2, 3)\ns = sum(x, \n");
    let order = sorted(&c.at("textDocument/completion", 1, 11));
    assert_eq!(
        order.first().map(|(l, _)| l.as_str()),
        Some("x="),
        "{order:?}"
    );
    assert!(order.iter().any(|(l, _)| l == "axis="), "{order:?}");
    // After `(` of a method call the receiver is the first argument.
    c.change(2, "x = ones(2, 3)\ns = x.leaky_relu(\n");
    let order = sorted(&c.at("textDocument/completion", 1, 17));
    assert_eq!(
        order.first().map(|(l, _)| l.as_str()),
        Some("slope="),
        "{order:?}"
    );
    assert!(!order.iter().any(|(l, _)| l == "x="), "{order:?}");
    // Outside a call: no keyword names.
    c.change(3, "x = ones(2, 3)\ns = \n");
    let order = sorted(&c.at("textDocument/completion", 1, 4));
    assert!(!order.iter().any(|(l, _)| l.ends_with('=')), "{order:?}");
    c.shutdown();
}

#[test]
fn definition_of_functions_and_variables() {
    let mut c = Client::start();
    let text =
        "fn loss(p) {\n  return p * p\n}\nlr = 0.1\nfor i in range(3) {\n  print(loss(lr), i)\n}\n";
    c.open(text);
    let d = c.at("textDocument/definition", 5, 9);
    assert_eq!(d["uri"], json!(URI));
    assert_eq!(d["range"], range(0, 3, 7));
    let d = c.at("textDocument/definition", 5, 13);
    assert_eq!(d["range"], range(3, 0, 2));
    // A parameter, and the loop variable.
    assert_eq!(
        c.at("textDocument/definition", 1, 9)["range"],
        range(0, 8, 9)
    );
    assert_eq!(
        c.at("textDocument/definition", 5, 18)["range"],
        range(4, 4, 5)
    );
    // A builtin has no definition in the file.
    assert_eq!(c.at("textDocument/definition", 4, 10), Value::Null);
    c.shutdown();
}

#[test]
fn document_symbols_are_functions_and_top_level_bindings() {
    let mut c = Client::start();
    c.open("w = ones(2)\nfn train(n) {\n  local = n\n}\nw = w * 2\nsq = fn(x) { return x }\n");
    let s = c.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    let names: Vec<(String, i64)> = s
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["name"].as_str().unwrap_or("").to_string(),
                        i["kind"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // 12 is Function, 13 Variable.
    assert_eq!(
        names,
        vec![
            ("w".to_string(), 13),
            ("train".to_string(), 12),
            ("sq".to_string(), 12)
        ]
    );
    c.shutdown();
}

#[test]
fn malformed_requests_get_error_responses() {
    let mut c = Client::start();
    c.open("x = 1\n");
    let r = c.request("textDocument/hover", json!({ "bogus": true }));
    assert_eq!(r.response_result.err().map(|e| e.code), Some(-32602));
    let r = c.request("textDocument/hover", json!([1, 2, 3]));
    assert_eq!(r.response_result.err().map(|e| e.code), Some(-32602));
    let r = c.request("bp/unknown", json!({}));
    assert_eq!(r.response_result.err().map(|e| e.code), Some(-32601));
    // Positions past the end and documents never opened are answered, not fatal.
    assert_eq!(c.at("textDocument/hover", 999, 999), Value::Null);
    let r = c.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.bp" },
                "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(r, Value::Null);
    // A malformed notification is ignored; the server still answers.
    c.notify("textDocument/didOpen", json!({ "nope": 1 }));
    let h = c.at("textDocument/hover", 0, 0);
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .contains("x = 1"));
    c.shutdown();
}

#[test]
fn module_members_go_to_their_file() {
    let dir = std::env::temp_dir().join(format!("bp-lsp-modules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("layers.bp"),
        "# a module\nfn linear(x) {\n  return x * W\n}\nW = 2\n",
    )
    .expect("write the module");
    let main = dir.join("main.bp");
    let uri = format!("file://{}", main.display());
    let mut c = Client::start();
    let text = "import \"layers.bp\" as nn\nprint(nn.linear(1), nn.W)\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "bp", "version": 1, "text": text } }),
    );
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    // Skip the diagnostics (their URI is not the default one).
    loop {
        if let Message::Notification(n) = c.recv() {
            assert_eq!(n.params["diagnostics"], json!([]));
            break;
        }
    }
    let d = c.result("textDocument/definition", at(1, 10));
    let module_uri = format!("file://{}", dir.join("layers.bp").display());
    assert_eq!(d["uri"], json!(module_uri));
    assert_eq!(d["range"], range(1, 3, 9));
    let h = c.result("textDocument/hover", at(1, 23));
    let v = h["contents"]["value"].as_str().unwrap_or("");
    assert!(v.contains("W = 2") && v.contains("module `nn`"), "{v}");
    // The module's name itself goes to the import.
    let d = c.result("textDocument/definition", at(1, 6));
    assert_eq!(d["range"], range(0, 22, 24));
    // After `nn.`: the module's top-level bindings.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [ { "text": format!("{text}nn.\n") } ] }),
    );
    let items = c.result("textDocument/completion", at(2, 3));
    let names = labels(&items);
    assert!(names.contains(&"linear".to_string()) && names.contains(&"W".to_string()));
    assert!(!names.contains(&"sigmoid".to_string()), "{names:?}");
    // A member the module lacks and a file that is not there are reported (SPEC §22).
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 },
                "contentChanges": [ { "text": format!("{text}print(nn.lineer)\nimport \"gone.bp\" as g\n") } ] }),
    );
    let found = loop {
        if let Message::Notification(n) = c.recv() {
            break n.params["diagnostics"].clone();
        }
    };
    let found = found.as_array().cloned().unwrap_or_default();
    let messages: Vec<&str> = found.iter().filter_map(|d| d["message"].as_str()).collect();
    assert_eq!(found.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("module 'nn' has no name 'lineer'"),
        "{messages:?}"
    );
    assert!(
        messages[0].contains("did you mean 'linear'?"),
        "{messages:?}"
    );
    assert_eq!(found[0]["range"], range(2, 9, 15));
    assert!(
        messages[1].starts_with("cannot import \"gone.bp\""),
        "{messages:?}"
    );
    assert_eq!(found[1]["range"], range(3, 7, 16));
    let _ = std::fs::remove_dir_all(&dir);
    c.shutdown();
}

#[test]
fn the_grammar_highlights_the_builtins_of_the_table() {
    let grammar: Value = serde_json::from_str(
        &std::fs::read_to_string("editors/vscode/syntaxes/bp.tmLanguage.json")
            .expect("read the grammar"),
    )
    .expect("the grammar is JSON");
    let pattern = grammar["repository"]["builtin"]["match"]
        .as_str()
        .unwrap_or("");
    let listed: Vec<&str> = pattern
        .trim_start_matches("\\b(")
        .trim_end_matches(")\\b")
        .split('|')
        .collect();
    // The list is the table's, in its order: generated from it, and current.
    let table: Vec<&str> = bp::eval::resolve::builtins::all().map(|b| b.name).collect();
    assert!(
        listed == table,
        "editors/vscode/syntaxes/bp.tmLanguage.json's builtins are not the table's; set \
         repository.builtin.match to \\b({})\\b",
        table.join("|")
    );
}

#[test]
fn a_comprehension_s_variables_are_hovered_and_completed_inside_it() {
    let mut c = Client::start();
    let text = "total = 1\nys = [value * total for value in range(3)]\nprint(ys)\n";
    assert!(c.open(text).is_empty());
    // `value` in the element, read before the clause that binds it.
    let v = c.at("textDocument/hover", 1, 7)["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(v.contains("comprehension variable `value`"), "{v}");
    assert_eq!(
        c.at("textDocument/definition", 1, 7)["range"],
        range(1, 24, 29)
    );
    // Completion inside the comprehension offers it; after it, not.
    let inside = labels(&c.at("textDocument/completion", 1, 6));
    assert!(inside.contains(&"value".to_string()), "{inside:?}");
    let after = labels(&c.at("textDocument/completion", 2, 6));
    assert!(!after.contains(&"value".to_string()), "{after:?}");
    assert!(after.contains(&"total".to_string()), "{after:?}");
    c.shutdown();
}

#[test]
fn completion_after_self_offers_the_class_fields_and_methods_first() {
    let mut c = Client::start();
    let text = "class Layer {\n  fn init(self, n) {\n    self.W = ones(n, grad)\n    self.b = zeros(n)\n  }\n  fn norm2(self) {\n    return 0\n  }\n}\n";
    assert!(c.open(text).is_empty());
    // Typing `self.` on line 6 leaves the file unparsable: the last analysis serves.
    let edited = text.replace("    return 0\n", "    return self.\n");
    c.change(2, &edited);
    let order = sorted(&c.at("textDocument/completion", 6, 16));
    let labels: Vec<&str> = order.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(&labels[..3], &["W", "b", "norm2"], "{labels:?}");
    assert_eq!(labels[3], "grad", "{labels:?}");
}

/// The labels after `NAME.` typed on a new last line of `text`, in the order a client
/// shows them (`text` parses; the line with the dot does not, as when typing).
fn members_after(text: &str, name: &str) -> Vec<String> {
    let mut c = Client::start();
    assert!(c.open(text).is_empty(), "{text}");
    c.change(2, &format!("{text}{name}.\n"));
    let line = text.lines().count() as u32;
    let order = sorted(&c.at("textDocument/completion", line, name.len() as u32 + 1));
    c.shutdown();
    order.into_iter().map(|(l, _)| l).collect()
}

#[test]
fn completion_after_a_variable_offers_the_members_of_what_it_holds() {
    let class = "class Layer {\n  fn init(self, n) {\n    self.W = ones(n, grad)\n    self.b = zeros(n)\n  }\n  fn forward(self, x) {\n    return x @ self.W + self.b\n  }\n  fn show(self) {\n    return \"Layer\"\n  }\n}\n";
    // An object of a user class: its fields, then its methods (not init/show).
    let got = members_after(&format!("{class}layer = Layer(3)\n"), "layer");
    assert_eq!(got, ["W", "b", "forward"]);
    // A list (`list()` and a comprehension), a dict, a string, an optimizer.
    assert_eq!(members_after("xs = list()\n", "xs"), ["append", "pop"]);
    assert_eq!(
        members_after("xs = [i * 2 for i in range(3)]\n", "xs"),
        ["append", "pop"]
    );
    let dict = ["get", "keys", "values", "items", "pop"];
    assert_eq!(members_after("d = {\"a\": 1}\n", "d"), dict);
    assert_eq!(members_after("d = dict()\n", "d"), dict);
    let s = members_after("s = \"a,b\"\n", "s");
    assert_eq!(&s[..2], ["split", "join"]);
    assert!(!s.contains(&"grad".to_string()), "{s:?}");
    let opt = "p = ones(2, grad)\nopt = adam((p,), lr=0.1)\n";
    assert_eq!(members_after(opt, "opt"), ["step", "zero_grad", "lr"]);
    // Through another variable, and the latest assignment before the cursor counts.
    assert_eq!(
        members_after("a = list()\nb = a\nb = dict()\nc = a\n", "c"),
        ["append", "pop"]
    );
    assert_eq!(members_after("b = list()\nb = dict()\n", "b"), dict);
    // A tensor, and a value whose kind the assignment does not show: the tensor
    // attributes first, as before.
    for text in [
        "t = [1, 2]\n",
        "t = zeros(2)\n",
        "fn f() {\n  return 1\n}\nt = f()\n",
    ] {
        let got = members_after(text, "t");
        assert_eq!(&got[..2], ["grad", "shape"], "{text}: {got:?}");
    }
}

#[test]
fn completion_inside_a_function_sees_its_own_variables() {
    let text = "fn f() {\n  xs = list()\n  return xs\n}\nxs = \"text\"\n";
    let mut c = Client::start();
    assert!(c.open(text).is_empty());
    // `xs.` inside f (before `return`): the local list.
    let edited = text.replace("  return xs\n", "  xs.\n  return xs\n");
    c.change(2, &edited);
    let local: Vec<String> = sorted(&c.at("textDocument/completion", 2, 5))
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(local, ["append", "pop"]);
    c.shutdown();
    // At the top level: the global string.
    let global = members_after(text, "xs");
    assert_eq!(&global[..2], ["split", "join"], "{global:?}");
}
