//! A small JSON-RPC client for `pactum lsp`: starts the real binary, frames messages, and
//! reads responses and notifications on a thread (so that a server that stops answering
//! fails the test after a generous wait instead of hanging it; nothing is timed).
#![allow(
    clippy::indexing_slicing,
    reason = "JSON values and test texts are indexed; a missing key is a failed test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// How long to wait for a message before deciding the server is stuck (a hang guard, not
/// an assertion on speed).
const STUCK: Duration = Duration::from_secs(120);

/// A running `pactum lsp`.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub notifications: Vec<Value>,
    /// The newest version sent of each document (`didOpen`, `didChange`).
    versions: std::collections::HashMap<String, i64>,
}

impl Client {
    /// Starts `pactum lsp` in the crate root with extra environment variables.
    pub fn start(env: &[(&str, &str)]) -> Client {
        Client::start_with(&[], env)
    }

    /// Starts `pactum lsp ARGS...` in the crate root with extra environment variables.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Client {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pactum"));
        cmd.arg("lsp")
            .args(args)
            .current_dir(super::root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The standard library's files are written under the cache folder: a scratch one
        // per server (the tests of a crate run at once).
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let cache = super::scratch("lsp-cache", &format!("{}-{n}", std::process::id()));
        cmd.env("XDG_CACHE_HOME", &cache);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("pactum lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
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
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("a Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
            notifications: Vec::new(),
            versions: std::collections::HashMap::new(),
        }
    }

    /// Writes bytes as they are (for hostile input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// The next message from the server.
    pub fn recv(&mut self) -> Value {
        self.incoming
            .recv_timeout(STUCK)
            .expect("the server answers")
    }

    /// Sends a request and returns its response (the whole message: `result` or `error`),
    /// keeping the notifications that come first.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m.get("id") == Some(&json!(id)) {
                return m;
            }
            if m.get("method").is_some() {
                self.notifications.push(m);
            }
        }
    }

    /// A request's `result` (panics on an error response).
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        if method == "textDocument/didOpen" || method == "textDocument/didChange" {
            let doc = &params["textDocument"];
            if let (Some(uri), Some(v)) = (doc["uri"].as_str(), doc["version"].as_i64()) {
                self.versions.insert(uri.to_string(), v);
            }
        }
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// `initialize` (with these client capabilities) and `initialized`.
    pub fn initialize(&mut self, capabilities: Value) -> Value {
        let r = self.result(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": capabilities}),
        );
        self.notify("initialized", json!({}));
        r
    }

    /// Opens a document.
    pub fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    /// The next `publishDiagnostics` for `uri` (taken from those already received first)
    /// of the newest version sent: those of older versions (the lint of a library, done
    /// after an edit was sent) are skipped.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let newest = self.versions.get(uri).copied();
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && match (m["params"]["version"].as_i64(), newest) {
                    (Some(v), Some(n)) => v >= n,
                    _ => true,
                }
        };
        self.notifications.retain(|m| {
            !(m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && !is_for(m))
        });
        if let Some(i) = self.notifications.iter().position(is_for) {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        loop {
            let m = self.recv();
            if is_for(&m) {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.notifications.push(m);
        }
    }

    /// Drops the notifications received so far.
    pub fn forget(&mut self) {
        self.notifications.clear();
    }

    /// `shutdown`, `exit`, and the exit code.
    pub fn shutdown(mut self) -> (i32, String) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let out = self.child.wait_with_output().expect("the server exits");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Closes standard input and waits: the exit code and standard error.
    pub fn close(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let out = self.child.wait_with_output().expect("the server exits");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The UTF-16 length of a text (an LSP column).
pub fn utf16(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}

/// The LSP position (UTF-16) of a byte offset.
pub fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = utf16(&before[before.rfind('\n').map_or(0, |i| i + 1)..]);
    json!({"line": line, "character": col})
}

/// The LSP position of the first occurrence of `needle` (plus `delta` bytes).
pub fn position_of(text: &str, needle: &str, delta: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in the text"));
    position(text, at + delta)
}

/// The byte offset of an LSP position (UTF-16).
pub fn offset(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap() as usize;
    let col = pos["character"].as_u64().unwrap();
    let start = text
        .split_inclusive('\n')
        .take(line)
        .map(str::len)
        .sum::<usize>();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= col || c == '\n' {
            return start + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

/// Applies LSP text edits (of one document) to a text.
pub fn apply(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (a, b, t) in spans {
        out.replace_range(a..b, &t);
    }
    out
}

/// The `file://` URI of a path (the test paths are plain ASCII).
pub fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}
