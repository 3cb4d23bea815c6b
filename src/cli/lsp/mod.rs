//! `pactum lsp`: the language server, over standard input and output.
//!
//! A reader thread reads the messages; the main thread handles each in order and writes
//! what it gives (responses, `publishDiagnostics`). Building a library again after an edit
//! of one of its policy files (parse, compile, then lint) runs on a builder thread once
//! the typing pauses, and a newer edit cancels it: requests are answered meanwhile from
//! the last build (see [`run`]). Every handler runs under `catch_unwind`: a panic is
//! logged on standard error and answered with an error response, and the server goes on.
//! A message that is not JSON-RPC is answered with a parse error and skipped. See
//! docs/lsp.md.
//!
//! The modules, one per concern: `position` (UTF-16 and UTF-8 positions, edits),
//! `documents` (the open files), `workspace` (library discovery, building and caching
//! libraries), `index` (what a library declares and where names are written),
//! `diagnostics`, `hover`, `completion`, `navigation` (definition, references, rename),
//! `actions` (quick fixes), `symbols`, `formatting`.

mod actions;
mod completion;
mod diagnostics;
mod documents;
mod formatting;
mod hover;
mod index;
mod navigation;
pub(crate) mod position;
mod symbols;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender, TryRecvError, channel};
use std::time::Duration;

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification as notif, request as req};
use serde_json::Value;

use documents::{DocKind, Document};
use position::Encoding;
use workspace::{Cache, LibKey, Library, LintState};

use super::Exit;

/// The name and version the server gives at startup and in `initialize`.
pub const NAME: &str = "pactum-lsp";

/// A handler's failure: a JSON-RPC error code and message.
type Failure = (i32, String);

fn invalid_params(e: impl std::fmt::Display) -> Failure {
    (ErrorCode::InvalidParams as i32, e.to_string())
}

/// Arguments of `pactum lsp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy library of every document (default: each document's own, found from its
    /// path: a `pactum.toml`, the nearest folder of `.policy` files, else the standard
    /// library).
    #[arg(long, value_name = "DIR")]
    policies: Option<std::path::PathBuf>,
}

/// How long the input must be quiet before the checks that edits call for start: the
/// keystrokes of a word are one rebuild, not one each.
const DEBOUNCE: Duration = Duration::from_millis(60);

/// What the main loop waits for: a message read (by the reader thread), or a library
/// built or linted (by a builder thread).
enum Event {
    Input(Read),
    Built {
        key: LibKey,
        generation: u64,
        lib: Option<Library>,
    },
    Linted {
        key: LibKey,
        generation: u64,
        lint: Option<(Vec<pactum::Diagnostic>, LintState)>,
    },
}

/// A builder thread at work on a library.
struct Job {
    generation: u64,
    cancel: Arc<AtomicBool>,
}

/// Runs the server on standard input and output until `exit`.
///
/// A reader thread reads the messages as they come; this thread handles them in order.
/// An edit of a proposal is checked once every message already sent is handled (ten
/// keystrokes in the pipe: one check). An edit of a policy file only marks its library
/// stale: once the input has been quiet for [`DEBOUNCE`] (requests answered from the last
/// build meanwhile, edits applied), a builder thread builds the library from the newest
/// buffers, sends it, then lints it; a newer edit cancels it.
pub fn run(args: &Args) -> Exit {
    eprintln!("{NAME} {}", env!("CARGO_PKG_VERSION"));
    let stdout = std::io::stdout();
    let (tx, rx) = channel::<Event>();
    let mut server = Server::new(tx.clone());
    server.fixed = args.policies.as_deref().map(|d| {
        let dir = std::env::current_dir().map_or_else(|_| d.to_path_buf(), |cwd| cwd.join(d));
        LibKey::Dir(workspace::canonical(&dir))
    });
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            let read = read_message(&mut input);
            let end = matches!(read, Read::End);
            if tx.send(Event::Input(read)).is_err() || end {
                return;
            }
        }
    });
    loop {
        let event = match rx.try_recv() {
            Ok(e) => Some(e),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                // Every message sent so far is handled: the proposals edited are checked
                // now, once each.
                if !server.unchecked.is_empty() {
                    server.check_edited();
                    if server.flush(&mut stdout.lock()).is_err() {
                        return Exit::Invalid;
                    }
                }
                if server.stale.is_empty() {
                    rx.recv().ok()
                } else {
                    match rx.recv_timeout(DEBOUNCE) {
                        Ok(e) => Some(e),
                        Err(RecvTimeoutError::Timeout) => {
                            server.start_stale();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => None,
                    }
                }
            }
        };
        let read = match event {
            Some(Event::Input(read)) => read,
            Some(Event::Built {
                key,
                generation,
                lib,
            }) => {
                server.built(key, generation, lib);
                if server.flush(&mut stdout.lock()).is_err() {
                    return Exit::Invalid;
                }
                continue;
            }
            Some(Event::Linted {
                key,
                generation,
                lint,
            }) => {
                server.linted(&key, generation, lint);
                if server.flush(&mut stdout.lock()).is_err() {
                    return Exit::Invalid;
                }
                continue;
            }
            None => return Exit::Invalid,
        };
        let msg = match read {
            Read::Message(m) => m,
            Read::Invalid(code, why) => {
                eprintln!("{NAME}: {}", pactum::printable(&why));
                let error = serde_json::json!({
                    "jsonrpc": "2.0", "id": null,
                    "error": { "code": code, "message": why },
                });
                let mut out = stdout.lock();
                let _ = write_raw(&mut out, &error.to_string());
                continue;
            }
            Read::End => return Exit::Invalid,
        };
        let exit = matches!(&msg, Message::Notification(n) if n.method == notif::Exit::METHOD);
        server.handle(msg);
        if server.flush(&mut stdout.lock()).is_err() {
            return Exit::Invalid;
        }
        if exit {
            return if server.shutdown {
                Exit::Ok
            } else {
                Exit::Invalid
            };
        }
    }
}

enum Read {
    Message(Message),
    /// The error code to answer with, and why.
    Invalid(i32, String),
    End,
}

/// The largest message accepted (a document of up to the limits, JSON-escaped).
const MAX_MESSAGE: usize = 256 << 20;

/// Reads one framed message. A frame whose body is not a JSON-RPC message is `Invalid`
/// (and consumed); a header that cannot be read ends the stream only at end of input; a
/// frame with a wrong Content-Length costs that frame (and, if too long, the next), not
/// the session.
fn read_message(input: &mut impl BufRead) -> Read {
    let mut length: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return Read::End,
            Ok(_) => {}
        }
        let mut header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        // After a frame whose Content-Length was wrong, the rest of a body (which ends
        // without a line break) runs into the next header: read from the header's start,
        // so that the frames after it are read again.
        if let Some(at) = header.to_ascii_lowercase().rfind("content-length:") {
            header = header.get(at..).unwrap_or(header);
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        return Read::Invalid(
            ErrorCode::ParseError as i32,
            "a message without a valid Content-Length".to_string(),
        );
    };
    if length > MAX_MESSAGE {
        // Skipped whole, so that the next frame is read from its start.
        let skipped = std::io::copy(
            &mut std::io::Read::take(&mut *input, length as u64),
            &mut std::io::sink(),
        );
        return match skipped {
            Ok(n) if n == length as u64 => Read::Invalid(
                ErrorCode::ParseError as i32,
                format!("a message of {length} bytes, more than {MAX_MESSAGE}"),
            ),
            _ => Read::End,
        };
    }
    let mut body = vec![0u8; length];
    if input.read_exact(&mut body).is_err() {
        return Read::End;
    }
    match serde_json::from_slice::<Message>(&body) {
        Ok(m) => Read::Message(m),
        // JSON, but not a request, response or notification (a batch, a number): an
        // invalid request; not JSON at all: a parse error.
        Err(e) if serde_json::from_slice::<serde_json::Value>(&body).is_ok() => Read::Invalid(
            ErrorCode::InvalidRequest as i32,
            format!("not a JSON-RPC message: {e}"),
        ),
        Err(e) => Read::Invalid(
            ErrorCode::ParseError as i32,
            format!("not a JSON-RPC message: {e}"),
        ),
    }
}

fn write_raw(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}

/// The server's state.
pub struct Server {
    /// How positions count columns (negotiated in `initialize`).
    pub enc: Encoding,
    /// Open documents by URI.
    pub docs: BTreeMap<String, Document>,
    /// Built libraries.
    pub libs: BTreeMap<LibKey, Library>,
    /// Embedded files written for the editor to open.
    pub cache: Cache,
    /// The date "today" for hovers and checks.
    pub today: pactum::Date,
    /// `--policies DIR`: the library of every document.
    pub fixed: Option<LibKey>,
    initialized: bool,
    shutdown: bool,
    /// The client can be asked to report changes of files on disk.
    watch: bool,
    outbox: Vec<Message>,
    /// Where builder threads report.
    events: Sender<Event>,
    /// Per library: the generation of its newest wanted build (one more per edit).
    generation: BTreeMap<LibKey, u64>,
    /// Per library: the generation of the build installed.
    installed: BTreeMap<LibKey, u64>,
    /// Libraries to build once the input is quiet.
    stale: BTreeSet<LibKey>,
    /// Proposals to check again once the input is quiet.
    unchecked: BTreeSet<String>,
    /// The builder thread of each library being built or linted.
    jobs: BTreeMap<LibKey, Job>,
}

impl Server {
    fn new(events: Sender<Event>) -> Server {
        Server {
            enc: Encoding::Utf16,
            docs: BTreeMap::new(),
            libs: BTreeMap::new(),
            cache: Cache::default(),
            today: super::today(),
            fixed: None,
            initialized: false,
            shutdown: false,
            watch: false,
            outbox: Vec::new(),
            events,
            generation: BTreeMap::new(),
            installed: BTreeMap::new(),
            stale: BTreeSet::new(),
            unchecked: BTreeSet::new(),
            jobs: BTreeMap::new(),
        }
    }

    /// Writes what is to be sent.
    fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        for m in self.outbox.drain(..) {
            m.write(out)?;
        }
        Ok(())
    }

    /// Checks the proposals edited since they were last checked.
    fn check_edited(&mut self) {
        for uri in std::mem::take(&mut self.unchecked) {
            self.publish(&uri);
        }
    }

    /// The input is quiet: start the builds wanted (a library whose builder is still at
    /// work, cancelled, waits for it to finish).
    fn start_stale(&mut self) {
        let start: Vec<LibKey> = self
            .stale
            .iter()
            .filter(|k| !self.jobs.contains_key(*k))
            .cloned()
            .collect();
        for key in start {
            self.stale.remove(&key);
            self.start_build(key);
        }
    }

    /// Builds a library again (after the input is quiet), and then re-publishes every open
    /// document that uses it; a build already under way is cancelled.
    fn rebuild(&mut self, key: &LibKey) {
        if !self.libs.contains_key(key) && !self.jobs.contains_key(key) {
            self.ensure_library(key);
            self.publish_library(key);
            return;
        }
        *self.generation.entry(key.clone()).or_default() += 1;
        if let Some(job) = self.jobs.get(key) {
            job.cancel.store(true, Ordering::Relaxed);
        }
        self.stale.insert(key.clone());
    }

    /// Brings a document's library, and the document's diagnostics, up to date with the
    /// buffers now, instead of after the pause in typing (the lint still runs in the
    /// background).
    fn current(&mut self, uri: &str) {
        if self.unchecked.remove(uri) {
            self.publish(uri);
        }
        let Some(key) = self.docs.get(uri).map(|d| d.lib.clone()) else {
            return;
        };
        let newest = self.generation.get(&key).copied();
        if newest.is_none() || self.installed.get(&key).copied() == newest {
            return;
        }
        if let Some(job) = self.jobs.get(&key) {
            job.cancel.store(true, Ordering::Relaxed);
        }
        let previous = self.libs.get(&key).map(|l| Arc::clone(&l.index));
        let never = AtomicBool::new(false);
        let buffers = self.buffers(&key);
        if let Some(lib) = Library::build(&key, &buffers, &self.cache, previous.as_deref(), &never)
        {
            let generation = newest.unwrap_or_default();
            let engine = lib.engine.clone();
            self.stale.remove(&key);
            self.built(key.clone(), generation, Some(lib));
            if self.jobs.contains_key(&key) {
                // Linted after the pause (by a build of the same text) once the cancelled
                // builder is done.
                self.stale.insert(key);
            } else {
                self.start_job(key, engine);
            }
        }
    }

    /// A builder thread: builds the library, sends it, lints it, sends the findings.
    fn start_build(&mut self, key: LibKey) {
        self.start_job(key, None);
    }

    /// A builder thread: with `built` (the engine of the build installed), only its lint.
    fn start_job(&mut self, key: LibKey, built: Option<Arc<pactum::Engine>>) {
        let generation = self.generation.get(&key).copied().unwrap_or_default();
        let cancel = Arc::new(AtomicBool::new(false));
        self.jobs.insert(
            key.clone(),
            Job {
                generation,
                cancel: Arc::clone(&cancel),
            },
        );
        let buffers = self.buffers(&key);
        let cache = self.cache.clone();
        let previous = self.libs.get(&key).map(|l| Arc::clone(&l.index));
        let events = self.events.clone();
        let lint_only = built.is_some();
        std::thread::spawn(move || {
            let engine = if lint_only {
                built
            } else {
                let lib = catch_unwind(AssertUnwindSafe(|| {
                    Library::build(&key, &buffers, &cache, previous.as_deref(), &cancel)
                }))
                .unwrap_or_else(|_| {
                    eprintln!("{NAME}: internal error while building a library");
                    None
                });
                let engine = lib.as_ref().and_then(|l| l.engine.clone());
                let _ = events.send(Event::Built {
                    key: key.clone(),
                    generation,
                    lib,
                });
                engine
            };
            let lint = engine.and_then(|engine| {
                catch_unwind(AssertUnwindSafe(|| Library::lint(&engine, &cancel))).unwrap_or_else(
                    |_| {
                        eprintln!("{NAME}: internal error while linting a library");
                        None
                    },
                )
            });
            let _ = events.send(Event::Linted {
                key,
                generation,
                lint,
            });
        });
    }

    /// A build is done: installed, unless a newer one is wanted; every open document of
    /// the library re-published.
    fn built(&mut self, key: LibKey, generation: u64, lib: Option<Library>) {
        let newest = self.generation.get(&key).copied().unwrap_or_default();
        let Some(lib) = lib.filter(|_| generation == newest) else {
            return;
        };
        self.libs.insert(key.clone(), lib);
        self.installed.insert(key.clone(), generation);
        self.publish_library(&key);
    }

    /// A lint is done (or was cancelled): its findings join the build they are of, and the
    /// library's policy files are re-published.
    fn linted(
        &mut self,
        key: &LibKey,
        generation: u64,
        lint: Option<(Vec<pactum::Diagnostic>, LintState)>,
    ) {
        if self
            .jobs
            .get(key)
            .is_some_and(|j| j.generation == generation)
        {
            self.jobs.remove(key);
        }
        let Some((lints, state)) = lint else {
            return;
        };
        if self.installed.get(key) != Some(&generation) {
            return;
        }
        if let Some(lib) = self.libs.get_mut(key) {
            lib.lints = lints;
            lib.lint = state;
        }
        // Edited since that build: its findings would carry the version of a newer text;
        // the build of that text publishes.
        if self.generation.get(key) != Some(&generation) {
            return;
        }
        let uris: Vec<String> = self
            .docs
            .values()
            .filter(|d| d.lib == *key && d.kind == DocKind::Policy)
            .map(|d| d.uri.clone())
            .collect();
        for uri in uris {
            self.publish(&uri);
        }
    }

    /// Re-publishes every open document of a library (its repairs computed again when
    /// asked).
    fn publish_library(&mut self, key: &LibKey) {
        let uris: Vec<String> = self
            .docs
            .values()
            .filter(|d| d.lib == *key)
            .map(|d| d.uri.clone())
            .collect();
        for uri in uris {
            if let Some(d) = self.docs.get_mut(&uri) {
                d.fixes = None;
            }
            self.unchecked.remove(&uri);
            self.publish(&uri);
        }
    }

    fn handle(&mut self, msg: Message) {
        match msg {
            Message::Request(r) => {
                let id = r.id.clone();
                let method = r.method.clone();
                let result = catch_unwind(AssertUnwindSafe(|| self.request(r)));
                let response = match result {
                    Ok(Ok(value)) => Response {
                        id,
                        result: Some(value),
                        error: None,
                    },
                    Ok(Err((code, message))) => Response::new_err(id, code, message),
                    Err(_) => {
                        eprintln!(
                            "{NAME}: internal error while handling `{}`",
                            pactum::printable(&method)
                        );
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!(
                                "{NAME}: internal error while handling `{method}` (a bug; the server goes on)"
                            ),
                        )
                    }
                };
                self.outbox.push(Message::Response(response));
            }
            Message::Notification(n) => {
                let method = n.method.clone();
                if catch_unwind(AssertUnwindSafe(|| self.notification(n))).is_err() {
                    eprintln!(
                        "{NAME}: internal error while handling `{}`",
                        pactum::printable(&method)
                    );
                }
            }
            Message::Response(_) => {}
        }
    }

    /// In a debug build, `PACTUM_LSP_PANIC=METHOD` makes that method's handler panic, so
    /// that the tests can see a panic caught.
    fn test_panic(method: &str) {
        #[cfg(debug_assertions)]
        if std::env::var("PACTUM_LSP_PANIC").is_ok_and(|m| m == method) {
            #[expect(clippy::panic, reason = "the test hook of catch_unwind")]
            {
                panic!("PACTUM_LSP_PANIC: {method}");
            }
        }
        let _ = method;
    }

    fn request(&mut self, r: Request) -> Result<Value, Failure> {
        if r.method == req::Initialize::METHOD {
            return self.initialize(r.params);
        }
        if !self.initialized {
            return Err((
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized".to_string(),
            ));
        }
        Self::test_panic(&r.method);
        if self.shutdown {
            return Err((
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            ));
        }
        fn params<P: serde::de::DeserializeOwned>(v: Value) -> Result<P, Failure> {
            serde_json::from_value(v).map_err(invalid_params)
        }
        // What edits or points into the library's files needs the build of the newest
        // text: one waiting for a pause in typing is done now.
        let exact = [
            req::GotoDefinition::METHOD,
            req::References::METHOD,
            req::PrepareRenameRequest::METHOD,
            req::Rename::METHOD,
            req::CodeActionRequest::METHOD,
            req::DocumentSymbolRequest::METHOD,
        ];
        if exact.contains(&r.method.as_str()) {
            if let Some(uri) = r
                .params
                .get("textDocument")
                .and_then(|t| t.get("uri"))
                .and_then(Value::as_str)
            {
                self.current(uri);
            }
        }
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
        };
        match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            req::HoverRequest::METHOD => {
                json(serde_json::to_value(hover::hover(self, &params(r.params)?)))
            }
            req::Completion::METHOD => json(serde_json::to_value(completion::complete(
                self,
                &params(r.params)?,
            ))),
            req::GotoDefinition::METHOD => json(serde_json::to_value(navigation::definition(
                self,
                &params(r.params)?,
            ))),
            req::References::METHOD => json(serde_json::to_value(navigation::references(
                self,
                &params(r.params)?,
            ))),
            req::PrepareRenameRequest::METHOD => {
                navigation::prepare_rename(self, &params(r.params)?)
                    .and_then(|v| json(serde_json::to_value(v)))
            }
            req::Rename::METHOD => navigation::rename(self, &params(r.params)?)
                .and_then(|v| json(serde_json::to_value(v))),
            req::CodeActionRequest::METHOD => json(serde_json::to_value(actions::code_actions(
                self,
                &params(r.params)?,
            ))),
            req::Formatting::METHOD => formatting::format(self, &params(r.params)?)
                .and_then(|v| json(serde_json::to_value(v))),
            req::DocumentSymbolRequest::METHOD => json(serde_json::to_value(
                symbols::document_symbols(self, &params(r.params)?),
            )),
            other => Err((
                ErrorCode::MethodNotFound as i32,
                format!("{NAME} does not handle `{other}`"),
            )),
        }
    }

    fn initialize(&mut self, params: Value) -> Result<Value, Failure> {
        let p: lsp_types::InitializeParams =
            serde_json::from_value(params).map_err(invalid_params)?;
        let utf8 = p
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&lsp_types::PositionEncodingKind::UTF8));
        self.enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        self.watch = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.initialized = true;
        self.cache = Cache::create();
        let result = lsp_types::InitializeResult {
            capabilities: capabilities(self.enc),
            server_info: Some(lsp_types::ServerInfo {
                name: NAME.to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
    }

    fn notification(&mut self, n: Notification) {
        Self::test_panic(&n.method);
        if !self.initialized {
            return;
        }
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            match serde_json::from_value(n.params) {
                Ok(p) => Some(p),
                Err(e) => {
                    eprintln!(
                        "{NAME}: invalid `{}`: {}",
                        pactum::printable(&n.method),
                        pactum::printable(&e.to_string())
                    );
                    None
                }
            }
        }
        match n.method.as_str() {
            notif::Initialized::METHOD if self.watch => self.register_watchers(),
            notif::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(n) {
                    self.open(p.text_document);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(n) {
                    self.change(p);
                }
            }
            // A save writes the buffer the library was built from: nothing to re-check.
            notif::DidSaveTextDocument::METHOD => {}
            notif::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(n) {
                    let uri = p.text_document.uri.as_str().to_string();
                    if let Some(doc) = self.docs.remove(&uri) {
                        self.publish_empty(&uri);
                        // The file on disk counts again, if it differs from the buffer.
                        let on_disk = doc
                            .path
                            .as_ref()
                            .and_then(|p| std::fs::read_to_string(p).ok());
                        if doc.kind == DocKind::Policy
                            && on_disk.as_deref() != Some(doc.text.as_str())
                        {
                            self.rebuild(&doc.lib);
                        }
                    }
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeWatchedFilesParams>(n) {
                    self.files_changed(&p);
                }
            }
            _ => {}
        }
    }

    /// Asks the client to report changes of policy files and `pactum.toml` on disk (the
    /// answer is not needed).
    fn register_watchers(&mut self) {
        use lsp_types::{
            DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
        };
        let watchers = ["**/*.policy", "**/pactum.toml"]
            .iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = lsp_types::RegistrationParams {
            registrations: vec![Registration {
                id: "pactum-watch".to_string(),
                method: notif::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.outbox.push(Message::Request(Request::new(
            lsp_server::RequestId::from("pactum-watch".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            params,
        )));
    }

    fn open(&mut self, item: lsp_types::TextDocumentItem) {
        let uri = item.uri.as_str().to_string();
        let Some(kind) = DocKind::of(&uri, &item.language_id) else {
            return;
        };
        // Canonical (a file opened through a link is the library's file).
        let path = workspace::uri_to_path(&uri).map(|p| workspace::canonical(&p));
        let lib = self.library_of(path.as_deref(), kind);
        let mut doc = Document {
            uri: uri.clone(),
            path,
            kind,
            text: item.text,
            version: item.version,
            lines: position::LineIndex::default(),
            lib: lib.clone(),
            proposal: None,
            last_good: None,
            published: Vec::new(),
            fixes: None,
        };
        doc.reparse();
        let path = doc.path.clone();
        let unchanged = kind == DocKind::Policy
            && path
                .as_deref()
                .is_some_and(|p| self.built_from(&lib, p, &doc.text));
        self.docs.insert(uri.clone(), doc);
        if kind == DocKind::Policy && !unchanged {
            self.rebuild(&lib);
        } else {
            self.ensure_library(&lib);
            self.publish(&uri);
        }
    }

    /// The library of a document: `--policies`, else found from its path.
    fn library_of(&self, path: Option<&std::path::Path>, kind: DocKind) -> LibKey {
        if let Some(fixed @ LibKey::Dir(dir)) = &self.fixed {
            // A policy file outside that folder is in its own library.
            let outside = kind == DocKind::Policy && path.is_some_and(|p| !p.starts_with(dir));
            if !outside {
                return fixed.clone();
            }
        }
        path.map_or(LibKey::Standard, |p| {
            workspace::discover(p, kind == DocKind::Policy)
        })
    }

    fn change(&mut self, p: lsp_types::DidChangeTextDocumentParams) {
        let uri = p.text_document.uri.as_str().to_string();
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&uri) else {
            return;
        };
        for c in p.content_changes {
            position::apply_change(&mut doc.text, c.range, &c.text, enc);
        }
        doc.version = p.text_document.version;
        doc.reparse();
        if doc.kind == DocKind::Policy {
            self.policy_changed(&uri);
        } else {
            // Only this document is re-checked, once the input is quiet.
            self.unchecked.insert(uri);
        }
    }

    fn policy_changed(&mut self, uri: &str) {
        if let Some(lib) = self.docs.get(uri).map(|d| d.lib.clone()) {
            self.rebuild(&lib);
        }
    }

    fn files_changed(&mut self, p: &lsp_types::DidChangeWatchedFilesParams) {
        let mut stale: Vec<LibKey> = Vec::new();
        let mut rediscover = false;
        for change in &p.changes {
            let Some(path) = workspace::uri_to_path(change.uri.as_str()) else {
                continue;
            };
            // A deleted file has no canonical form: its folder has.
            let path = match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => workspace::canonical(dir).join(name),
                _ => path,
            };
            if path.file_name().is_some_and(|n| n == "pactum.toml") {
                rediscover = true;
            }
            let is_policy = path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("policy"));
            if is_policy {
                for lib in self.libs.values() {
                    if lib.contains(&path) && !stale.contains(&lib.key) {
                        stale.push(lib.key.clone());
                    }
                }
                rediscover = true;
            }
        }
        if rediscover {
            // A new `pactum.toml` or policy folder can move documents to another library.
            let moved: Vec<(String, LibKey)> = self
                .docs
                .values()
                .map(|d| (d.uri.clone(), self.library_of(d.path.as_deref(), d.kind)))
                .filter(|(uri, key)| self.docs.get(uri).is_some_and(|d| d.lib != *key))
                .collect();
            for (uri, key) in moved {
                if let Some(doc) = self.docs.get_mut(&uri) {
                    stale.push(key.clone());
                    doc.lib = key;
                }
            }
        }
        for key in stale {
            self.rebuild(&key);
        }
    }

    /// Whether library `key` is built, with `text` as the policy file at `path`.
    fn built_from(&self, key: &LibKey, path: &std::path::Path, text: &str) -> bool {
        self.libs.get(key).is_some_and(|lib| {
            lib.paths.iter().any(|(name, p)| {
                p == path
                    && lib
                        .index
                        .files
                        .iter()
                        .any(|f| f.source.name() == name && f.source.text() == text)
            })
        })
    }

    /// The open `.policy` buffers of a library (path, text).
    fn buffers(&self, key: &LibKey) -> Vec<(std::path::PathBuf, String)> {
        self.docs
            .values()
            .filter(|d| d.kind == DocKind::Policy && d.lib == *key)
            .filter_map(|d| Some((d.path.clone()?, d.text.clone())))
            .collect()
    }

    /// Builds a library not built yet: the standard library at once (it is small, and
    /// the requests that follow find it), a folder's in the background.
    fn ensure_library(&mut self, key: &LibKey) {
        if self.libs.contains_key(key) {
            return;
        }
        // Built at once (the requests that follow find it), linted in the background.
        let generation = self.generation.get(key).copied().unwrap_or_default();
        self.generation.insert(key.clone(), generation);
        let never = AtomicBool::new(false);
        let buffers = self.buffers(key);
        if let Some(lib) = Library::build(key, &buffers, &self.cache, None, &never) {
            let engine = lib.engine.clone();
            self.libs.insert(key.clone(), lib);
            self.installed.insert(key.clone(), generation);
            self.stale.remove(key);
            self.start_job(key.clone(), engine);
        }
    }

    fn publish(&mut self, uri: &str) {
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        let Some(lib) = self.libs.get(&doc.lib) else {
            return;
        };
        let (lsp, published) = diagnostics::compute(self, doc, lib);
        let version = doc.version;
        if let Some(d) = self.docs.get_mut(uri) {
            d.published = published;
        }
        self.notify_diagnostics(uri, lsp, Some(version));
    }

    fn publish_empty(&mut self, uri: &str) {
        self.notify_diagnostics(uri, Vec::new(), None);
    }

    fn notify_diagnostics(
        &mut self,
        uri: &str,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) {
        let Ok(uri) = uri.parse::<lsp_types::Uri>() else {
            return;
        };
        let params = lsp_types::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.outbox.push(Message::Notification(Notification::new(
            notif::PublishDiagnostics::METHOD.to_string(),
            params,
        )));
    }

    /// The document and its library, for a request on `uri`.
    pub fn doc(&self, uri: &lsp_types::Uri) -> Option<(&Document, &Library)> {
        let doc = self.docs.get(uri.as_str())?;
        let lib = self.libs.get(&doc.lib)?;
        Some((doc, lib))
    }

    /// The URI of a source of a library (a library file, or an open document's own name).
    pub fn uri_of(&self, lib: &Library, name: &str) -> Option<lsp_types::Uri> {
        if let Some(d) = self.docs.values().find(|d| d.name() == name) {
            return d.uri.parse().ok();
        }
        let path = lib.paths.get(name)?;
        workspace::path_to_uri(path).parse().ok()
    }

    /// The open document at a path, if any.
    pub fn doc_at(&self, path: &std::path::Path) -> Option<&Document> {
        self.docs.values().find(|d| d.path.as_deref() == Some(path))
    }
}

/// What the server offers.
fn capabilities(enc: Encoding) -> lsp_types::ServerCapabilities {
    use lsp_types::*;
    ServerCapabilities {
        position_encoding: Some(match enc {
            position::Encoding::Utf8 => PositionEncodingKind::UTF8,
            position::Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                [":", " ", "[", ",", "\""]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}
