//! `pactum serve`: the web workbench, a page and a JSON API over one library, on loopback.
//!
//! The answers are `api.rs`'s (plain functions over the library's public API); this module
//! is the HTTP layer (axum on tokio): routes, the page's files built into the binary
//! (`assets/`, listed by its `manifest.txt`), and what keeps a server safe: a cap on request
//! bodies, a time budget per request, a panic answered 500, `Host` checked against DNS
//! rebinding, POST bodies only as `application/json` (so that another site's page cannot
//! post to it without a CORS preflight, which is never granted), and nothing read from disk
//! after start. See `docs/workbench.md`.

mod api;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pactum::{Date, Diagnostic, Proposal, render_human};
use serde_json::Value;

use self::api::{ApiError, Example, Workbench};
use super::Exit;

// The page's files and the standard library's examples, which the binary embeds
// (src/main.rs).
use crate::{ASSETS, STANDARD_EXAMPLES};

/// The time one request may take before it is answered 503.
const BUDGET: Duration = Duration::from_secs(10);
/// The time a client has to send a request's headers (on a new connection or a kept-alive
/// one), and the longest a connection lives: then it is closed once its request is answered.
const HEADERS: Duration = Duration::from_secs(10);
const CONNECTION: Duration = Duration::from_secs(60);
/// Connections open at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 256;

/// Threads answering API requests at once: the machine's cores.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// Arguments of `pactum serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy library (default: the standard library built in); its examples are the
    /// proposals under DIR/examples/.
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// The port (0: any free port; the first line printed gives the address).
    #[arg(long, default_value_t = 7171)]
    port: u16,
    /// The address to listen on. Anything but a loopback address makes the workbench
    /// reachable by others on the network.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// The evaluation date of undated proposals when the page gives none (default: today,
    /// UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
}

struct Shared {
    wb: Workbench,
    /// Bound to loopback: requests must name a loopback host.
    loopback: bool,
    library: Vec<u8>,
    examples: Vec<u8>,
    /// The time one request may take.
    budget: Duration,
    /// One permit per worker thread answering API requests.
    workers: Arc<tokio::sync::Semaphore>,
}

/// Runs the workbench until interrupted (Ctrl-C or SIGTERM).
pub fn run(args: &Args) -> Exit {
    match start(args) {
        Ok(()) => Exit::Ok,
        Err(d) => {
            eprint!("{}", render_human(&[&*d], crate::cli::stderr_color()));
            Exit::Invalid
        }
    }
}

fn start(args: &Args) -> Result<(), Box<Diagnostic>> {
    let as_of = match args.as_of.as_deref() {
        None => None,
        Some(s) => Some(Date::parse(s).map_err(|_| Box::new(crate::cli::not_a_date(s)))?),
    };
    let (engine, name, examples) = match &args.policies {
        None => (
            pactum::Engine::standard(),
            "<std>".to_string(),
            standard_examples(),
        ),
        Some(dir) => {
            let engine = pactum::Engine::load(dir).map_err(|errors| {
                let errors = Vec::from(errors);
                let shown: Vec<&Diagnostic> = errors.iter().collect();
                eprint!("{}", render_human(&shown, crate::cli::stderr_color()));
                Box::new(
                    Diagnostic::bare(
                        pactum::Code::LibraryPath,
                        format!(
                            "cannot load the policy library `{}`",
                            pactum::printable(&dir.display().to_string())
                        ),
                    )
                    .with_help(
                        "fix the errors above (`pactum lint DIR` shows them all), then start again",
                    ),
                )
            })?;
            (engine, dir.display().to_string(), folder_examples(dir))
        }
    };
    let wb = Workbench::new(engine, name, as_of, examples);
    let shared = Arc::new(Shared {
        library: serde_json::to_vec(&wb.library()).unwrap_or_default(),
        examples: serde_json::to_vec(&wb.examples()).unwrap_or_default(),
        wb,
        loopback: args.bind.is_loopback(),
        budget: BUDGET,
        workers: Arc::new(tokio::sync::Semaphore::new(workers())),
    });
    if !args.bind.is_loopback() {
        eprintln!(
            "pactum serve: warning: listening on {}, not a loopback address: anyone who can reach it can use the workbench",
            args.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(8)
        .build()
        .map_err(|e| io_error(format!("cannot start the server: {e}"), "try again"))?;
    let served = runtime.block_on(serve(shared, SocketAddr::new(args.bind, args.port)));
    // An answer still running past its budget is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    served
}

fn io_error(message: String, help: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::bare(pactum::Code::Io, message).with_help(help))
}

async fn serve(shared: Arc<Shared>, addr: SocketAddr) -> Result<(), Box<Diagnostic>> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        io_error(
            format!("cannot listen on {addr}: {e}"),
            "choose another port with --port (0 picks a free one)",
        )
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| io_error(format!("cannot listen on {addr}: {e}"), "try again"))?;
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "pactum serve: listening on http://{local}/");
        let _ = out.flush();
    }
    let app = router(shared);
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    let stop = stopped();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait a little instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADERS);
            let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                () = tokio::time::sleep(CONNECTION) => conn.as_mut().graceful_shutdown(),
            }
            // Its request (if any) is answered within the budget; then it closes.
            let _ = tokio::time::timeout(BUDGET + HEADERS, conn).await;
        });
        // Forget the connections that ended.
        while tasks.try_join_next().is_some() {}
    }
    // Stopped: the connections under way get a moment to finish.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stopped() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

type Answer = fn(&Workbench, &api::Request) -> Result<Value, ApiError>;

/// A POST endpoint answering with `answer`.
macro_rules! endpoint {
    ($answer:expr) => {
        post(
            |State(s): State<Arc<Shared>>, headers: HeaderMap, body: Body| {
                handle(s, headers, body, $answer)
            },
        )
    };
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { asset_response("index.html") }))
        .route(
            "/assets/{name}",
            get(|Path(name): Path<String>| async move { asset_response(&name) }),
        )
        .route(
            "/api/library",
            get(|State(s): State<Arc<Shared>>| async move { json_bytes(s.library.clone()) }),
        )
        .route(
            "/api/examples",
            get(|State(s): State<Arc<Shared>>| async move { json_bytes(s.examples.clone()) }),
        )
        .route("/api/check", endpoint!(Workbench::check))
        .route("/api/explain", endpoint!(Workbench::explain))
        .route("/api/timeline", endpoint!(Workbench::timeline))
        .route("/api/format", endpoint!(Workbench::format))
        .fallback(|| async {
            error(&ApiError::new(
                404,
                "pactum::serve::not_found",
                "no such page or API",
                "the API is GET /api/library, GET /api/examples and POST /api/check, /api/explain, /api/timeline, /api/format",
            ))
        })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| error(&internal()),
        ))
        .with_state(shared)
}

async fn handle(shared: Arc<Shared>, headers: HeaderMap, body: Body, answer: Answer) -> Response {
    // The budget covers the whole request: reading the body, waiting for a free worker,
    // and the answer.
    let deadline = tokio::time::Instant::now() + shared.budget;
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return error(&ApiError::new(
            415,
            "pactum::serve::content_type",
            "the request body must be sent as `Content-Type: application/json`",
            "send the request as JSON with that header",
        ));
    }
    // A proposal at the input limit, every character escaped in JSON (`\u0000` is six
    // bytes), and the request's other fields.
    let limit = shared
        .wb
        .limits()
        .max_input_bytes
        .saturating_mul(6)
        .saturating_add(1 << 20);
    let too_large = || {
        error(&ApiError::new(
            413,
            "pactum::serve::too_large",
            format!("the request body is larger than {limit} bytes"),
            format!(
                "the workbench takes proposals of at most {} bytes; check larger ones with `pactum check`",
                shared.wb.limits().max_input_bytes
            ),
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let over_budget = |what: &str| {
        error(&ApiError::new(
            503,
            "pactum::serve::timeout",
            format!(
                "{what} took longer than the workbench's {} ms",
                shared.budget.as_millis()
            ),
            "try again; a proposal this slow to check is better checked with `pactum check`",
        ))
    };
    let bytes = match tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limit)).await {
        Err(_) => return over_budget("sending the request"),
        Ok(Err(_)) => return too_large(),
        Ok(Ok(b)) => b,
    };
    // At most one answer per worker at a time: what an answer that overran its budget still
    // holds (it runs to its end) is bounded, and so is the memory of many at once.
    let Ok(Ok(permit)) =
        tokio::time::timeout_at(deadline, shared.workers.clone().acquire_owned()).await
    else {
        return error(&ApiError::new(
            503,
            "pactum::serve::busy",
            format!(
                "the workbench was busy with other requests for {} ms",
                shared.budget.as_millis()
            ),
            "try again in a moment",
        ));
    };
    let work_on = shared.clone();
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let req = api::request(&bytes)?;
        answer(&work_on.wb, &req)
    });
    match tokio::time::timeout_at(deadline, work).await {
        Err(_) => over_budget("the answer"),
        Ok(Err(_panicked)) => error(&internal()),
        Ok(Ok(Err(e))) => error(&e),
        Ok(Ok(Ok(v))) => json_bytes(serde_json::to_vec(&v).unwrap_or_default()),
    }
}

fn internal() -> ApiError {
    ApiError::new(
        500,
        "pactum::serve::internal",
        "pactum failed on this request (a bug)",
        "please report it with the proposal that caused it",
    )
}

/// Refuses requests for another host (DNS rebinding) when bound to loopback, and adds the
/// headers every answer carries.
async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut response = if shared.loopback && !loopback_request(&req) {
        error(&ApiError::new(
            403,
            "pactum::serve::host",
            "this workbench answers only requests for localhost",
            "open it as http://127.0.0.1:PORT/ or http://localhost:PORT/",
        ))
    } else {
        next.run(req).await
    };
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The request is for a loopback host: exactly one `Host` header, naming one, and no other
/// host in the request line (`GET http://elsewhere/ HTTP/1.1`).
fn loopback_request(req: &Request) -> bool {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let named = host.to_str().is_ok_and(loopback_host);
    let target = req
        .uri()
        .authority()
        .is_none_or(|a| loopback_host(a.as_str()));
    named && target
}

/// A `Host` value names a loopback host (`localhost`, `127.0.0.1`, `[::1]`), any port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn json_bytes(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&e.body()).unwrap_or_default(),
    )
        .into_response()
}

/// A file of the page, by name; only those the manifest lists exist.
fn asset_response(name: &str) -> Response {
    match ASSETS.iter().find(|(n, _)| *n == name) {
        Some((n, bytes)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type(n))],
            *bytes,
        )
            .into_response(),
        None if name == "index.html" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>pactum</title><p>This pactum was built without the \
             workbench page (src/cli/serve/assets/); the API is at /api/.</p>",
        )
            .into_response(),
        None => error(&ApiError::new(
            404,
            "pactum::serve::not_found",
            "no such file",
            "the page's files are listed in src/cli/serve/assets/manifest.txt",
        )),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The standard library's examples (`policies/examples/`), built in.
fn standard_examples() -> Vec<Example> {
    STANDARD_EXAMPLES
        .iter()
        .filter_map(|(path, text)| {
            let name = path.rsplit('/').next().unwrap_or(path);
            example(name, text)
        })
        .collect()
}

/// The proposals under `DIR/examples/`, read as `pactum check` reads a folder (links
/// skipped, so nothing outside the library is read); those that do not parse are left out.
fn folder_examples(dir: &std::path::Path) -> Vec<Example> {
    let root = dir.join("examples");
    if !root.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    crate::cli::check::collect(&root, false, &mut files);
    let mut out: Vec<Example> = files
        .into_iter()
        .filter_map(|(path, source)| {
            let source = source.ok()?;
            let name = std::path::Path::new(&path)
                .strip_prefix(&root)
                .map_or(path.clone(), |p| p.display().to_string());
            example(&name, source.text())
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn example(name: &str, text: &str) -> Option<Example> {
    let proposal = Proposal::load_with(name, text, &pactum::Limits::default()).ok()?;
    let json = name.to_ascii_lowercase().ends_with(".json");
    Some(Example {
        name: name.to_string(),
        format: if json { "json" } else { "text" },
        title: proposal
            .title
            .as_ref()
            .map_or_else(|| proposal.id.node.clone(), |t| t.node.clone()),
        text: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        let request = |hosts: &[&str], uri: &str| {
            let mut r = axum::http::Request::builder().uri(uri);
            for h in hosts {
                r = r.header(header::HOST, *h);
            }
            loopback_request(&r.body(Body::empty()).unwrap())
        };
        let host = |h: &str| request(&[h], "/");
        assert!(host("127.0.0.1:7171"));
        assert!(host("localhost:7171"));
        assert!(host("LOCALHOST"));
        assert!(host("[::1]:80"));
        assert!(host("127.1.2.3"));
        assert!(!host("evil.example:7171"));
        assert!(!host("localhost.evil.example"));
        assert!(!host("[::2]:80"));
        assert!(!request(&[], "/"));
        assert!(!request(&["localhost", "evil.example"], "/"));
        assert!(!request(&["localhost"], "http://evil.example/api/library"));
        assert!(request(&["localhost"], "http://127.0.0.1:7171/api/library"));
    }

    fn shared(budget: Duration) -> Arc<Shared> {
        let wb = Workbench::new(pactum::Engine::standard(), "<std>".into(), None, Vec::new());
        Arc::new(Shared {
            wb,
            loopback: true,
            library: Vec::new(),
            examples: Vec::new(),
            budget,
            workers: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// Runs `answer` as an endpoint would, and gives the status and the error body.
    fn answered(answer: Answer, budget: Duration) -> (u16, Value) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = Body::from(r#"{"text": "proposal p {}"}"#);
        let response = runtime.block_on(handle(shared(budget), headers, body, answer));
        let status = response.status().as_u16();
        let bytes = runtime
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    #[allow(clippy::panic, reason = "the panic is what is tested")]
    fn a_panic_is_a_500_with_an_error_body() {
        let (status, body) = answered(|_, _| panic!("boom"), BUDGET);
        assert_eq!(status, 500);
        assert_eq!(body["error"]["code"], "pactum::serve::internal");
    }

    #[test]
    fn a_request_over_budget_is_a_503() {
        let (status, body) = answered(
            |_, _| {
                std::thread::sleep(Duration::from_millis(500));
                Ok(Value::Null)
            },
            Duration::from_millis(50),
        );
        assert_eq!(status, 503);
        assert_eq!(body["error"]["code"], "pactum::serve::timeout");
    }

    /// With one worker, an answer that overran its budget still holds it: the next request
    /// waits for it, and is told the workbench is busy, not that its own proposal is slow.
    #[test]
    fn an_answer_over_budget_keeps_its_worker_and_the_next_is_busy() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let shared = shared(Duration::from_millis(100));
        let request = |answer: Answer| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            handle(
                shared.clone(),
                headers,
                Body::from(r#"{"text": ""}"#),
                answer,
            )
        };
        let slow: Answer = |_, _| {
            std::thread::sleep(Duration::from_millis(600));
            Ok(Value::Null)
        };
        let first = runtime.block_on(request(slow));
        assert_eq!(first.status(), 503);
        let second = runtime.block_on(request(Workbench::check));
        let bytes = runtime
            .block_on(axum::body::to_bytes(second.into_body(), 1 << 20))
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "pactum::serve::busy");
    }

    #[test]
    fn an_answer_is_a_200() {
        let (status, body) = answered(Workbench::check, BUDGET);
        assert_eq!(status, 200);
        assert_eq!(body["report"]["compliant"], true);
    }

    #[test]
    fn the_standard_examples_are_built_in() {
        let examples = standard_examples();
        assert!(
            examples
                .iter()
                .any(|e| e.name == "caspian-shield.proposal" && e.format == "text")
        );
        assert!(
            examples
                .iter()
                .any(|e| e.name == "caspian-shield.json" && e.format == "json")
        );
        assert_eq!(examples.len(), STANDARD_EXAMPLES.len());
    }
}
