//! `bp lsp` as a process: framed JSON-RPC over its standard input and output, the
//! way an editor drives it (initialize, open a file with an error, hover, completion,
//! definition, shutdown, exit).

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

fn send(stdin: &mut impl Write, msg: &Value) {
    let body = msg.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to bp lsp");
    stdin.flush().expect("flush");
}

/// Reads framed messages from the server's stdout onto a channel.
fn reader(stdout: impl Read + Send + 'static) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    len = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.unwrap_or(0)];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            if let Ok(v) = serde_json::from_slice(&body) {
                if tx.send(v).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

fn next(rx: &mpsc::Receiver<Value>, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let v = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a message from bp lsp");
        if pred(&v) {
            return v;
        }
    }
}

#[test]
fn a_session_over_stdio() {
    let dir = common::TempDir::new("lsp");
    let mut child = common::bp_command(dir.path())
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bp lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let rx = reader(child.stdout.take().expect("stdout"));
    let response = |id: i64| move |v: &Value| v["id"] == json!(id);

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    let init = next(&rx, response(1));
    assert_eq!(
        init["result"]["capabilities"]["definitionProvider"],
        json!(true)
    );
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );

    // A frame whose body is not JSON gets a parse error; the session goes on.
    let junk = "{not json";
    write!(stdin, "Content-Length: {}\r\n\r\n{junk}", junk.len()).expect("write");
    stdin.flush().expect("flush");
    let parse_error = next(&rx, |v| v.get("error").is_some());
    assert_eq!(parse_error["error"]["code"], json!(-32700));
    assert_eq!(parse_error["id"], Value::Null);

    let uri = "file:///work/demo.bp";
    // "π" and "→" are one UTF-16 unit each but two and three bytes.
    let text = "# π → ∞\nrate = 0.5\nfn step(w) {\n  return w - rate * w\n}\nprint(\"π→\", step(3), rte)\n";
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "bp", "version": 1, "text": text}}}),
    );
    let diags = next(&rx, |v| {
        v["method"] == json!("textDocument/publishDiagnostics")
    });
    let d = &diags["params"]["diagnostics"];
    assert_eq!(d.as_array().map(Vec::len), Some(1), "{d}");
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 5, "character": 21}, "end": {"line": 5, "character": 24}})
    );
    assert!(d[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("did you mean 'rate'?"));

    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": at(5, 2)}),
    );
    let hover = next(&rx, response(2));
    // The builtin's row: signature, description, example.
    let v = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        v.starts_with("```bp\nprint(*values, sep=\" \", end=\"\\n\")\n```"),
        "{v}"
    );
    assert!(v.contains("example: `print("), "{v}");

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": at(3, 2)}),
    );
    let items = next(&rx, response(3));
    let labels: Vec<&str> = items["result"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    for want in ["w", "rate", "step", "sigmoid", "return"] {
        assert!(labels.contains(&want), "{want}: {labels:?}");
    }

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition", "params": at(5, 13)}),
    );
    let def = next(&rx, response(4));
    assert_eq!(def["result"]["uri"], json!(uri));
    assert_eq!(
        def["result"]["range"],
        json!({"start": {"line": 2, "character": 3}, "end": {"line": 2, "character": 7}})
    );

    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown", "params": null}),
    );
    let bye = next(&rx, response(5));
    assert_eq!(bye["result"], Value::Null);
    assert!(bye.get("error").is_none());
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "exit", "params": null}),
    );
    drop(stdin);
    let status = child.wait().expect("bp lsp exits");
    assert!(status.success(), "{status:?}");
}
