//! Transports: stdio and Streamable HTTP at `/mcp`, over one `Service`, plus
//! the operations endpoints `/metrics`, `/health`, `/health/live` and
//! `/health/ready`.
//!
//! stdio: stdout carries only protocol; logs go to stderr; the server exits when
//! stdin closes; with `metrics.prometheus_port` set, a loopback listener serves
//! the operations endpoints. HTTP: loopback only (no authentication yet),
//! `Host` and `Origin` validated, legacy sessions for `initialize`-era clients
//! and stateless requests for 2026-07-28; the operations endpoints share the
//! listener and its `Host` check.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use rmcp::{ServerHandler, ServiceExt};
use tokio_util::sync::CancellationToken;

use crate::dispatch::Core;
use crate::guard;
use crate::service::Service;

/// Serves one client over stdin/stdout until stdin closes or `stop` fires.
///
/// Every line from stdin passes [`guard::check`] before rmcp reads it; a
/// refused line is answered with a JSON-RPC error on stdout, written whole
/// between rmcp's own lines.
pub async fn serve_stdio(core: Arc<Core>, stop: CancellationToken) -> anyhow::Result<()> {
    let _session = core.metrics().session();
    let (stdin, stdout) = rmcp::transport::io::stdio_pipes();
    let (to_rmcp, rmcp_in) = tokio::io::duplex(STDIO_PIPE_BYTES);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(STDIO_PIPE_BYTES);
    let stdout = Arc::new(tokio::sync::Mutex::new(stdout));
    let input = tokio::spawn(guard_stdin(stdin, to_rmcp, stdout.clone()));
    let output = tokio::spawn(copy_lines(from_rmcp, stdout));
    let running = match Service::stdio(core).serve((rmcp_in, rmcp_out)).await {
        Ok(r) => r,
        Err(e) => {
            // The client closed stdin (or broke the handshake) before a session
            // existed: nothing to serve, nothing running.
            tracing::warn!(error = %e, "stdio client went away before the handshake");
            input.abort();
            return Ok(());
        }
    };
    let cancel = running.cancellation_token();
    tokio::select! {
        quit = running.waiting() => {
            tracing::info!(reason = ?quit.ok(), "stdio client disconnected");
        }
        () = stop.cancelled() => {
            cancel.cancel();
        }
    }
    input.abort();
    // rmcp's side of the output pipe is gone: the copy ends at its last line.
    let _ = output.await;
    Ok(())
}

/// Size of the in-process pipes between the stdio guard and rmcp.
const STDIO_PIPE_BYTES: usize = 256 * 1024;

type SharedStdout = Arc<tokio::sync::Mutex<rmcp::transport::io::StdioWriter>>;

/// Reads stdin line by line (never buffering more than one message's worth),
/// passes the lines [`guard::check`] accepts to rmcp and answers the others.
async fn guard_stdin(
    stdin: rmcp::transport::io::StdioReader,
    mut to_rmcp: tokio::io::DuplexStream,
    stdout: SharedStdout,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, stdin);
    let mut line: Vec<u8> = Vec::new();
    let mut oversized = false;
    loop {
        let buf = match reader.fill_buf().await {
            Ok([]) | Err(_) => return,
            Ok(b) => b,
        };
        let (chunk, complete) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if !oversized && line.len() + n > guard::MAX_MESSAGE_BYTES + 2 {
            oversized = true;
            line = Vec::new();
        }
        if !oversized {
            line.extend_from_slice(chunk);
        }
        reader.consume(n);
        if !complete {
            continue;
        }
        let verdict = if oversized {
            Err(guard::Rejection::TooLarge)
        } else {
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            guard::check(body.strip_suffix(b"\r").unwrap_or(body))
        };
        match verdict {
            Ok(()) => {
                if to_rmcp.write_all(&line).await.is_err() {
                    return;
                }
            }
            Err(r) => {
                tracing::warn!(reason = %r, "refused a message before the protocol layer");
                let mut answer = guard::error_response(&line, &r).into_bytes();
                answer.push(b'\n');
                let mut out = stdout.lock().await;
                if out.write_all(&answer).await.is_err() || out.flush().await.is_err() {
                    return;
                }
            }
        }
        line.clear();
        oversized = false;
    }
}

/// Copies rmcp's output to stdout a whole line at a time, so that the guard's
/// answers never land inside one of rmcp's messages.
async fn copy_lines(from_rmcp: tokio::io::DuplexStream, stdout: SharedStdout) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, from_rmcp);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut out = stdout.lock().await;
        if out.write_all(&line).await.is_err() {
            return;
        }
        if out.flush().await.is_err() {
            return;
        }
    }
}

/// Binds the HTTP listener (call before announcing readiness).
pub async fn bind_http(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "refusing to listen on {addr}: the HTTP transport has no authentication yet, so it \
         binds only loopback addresses"
    );
    Ok(tokio::net::TcpListener::bind(addr).await?)
}

/// The axum router serving secmcp at `/mcp` plus the operations endpoints.
pub fn http_router(core: Arc<Core>, port: u16, shutdown: CancellationToken) -> axum::Router {
    let origins = core.settings().allowed_origins.clone();
    let ops = ops_router(core.clone(), port);
    mcp_router(move || Service::new(core.clone()), port, &origins, shutdown).merge(ops)
}

/// The `Host` values accepted on a loopback listener at `port`: a loopback
/// name with this listener's port (a bare name means port 80).
fn loopback_hosts(port: u16) -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .flat_map(|h| {
            let bare = (port == 80).then(|| (*h).to_owned());
            bare.into_iter().chain([format!("{h}:{port}")])
        })
        .collect()
}

/// Exactly one `Host` header, naming one of `hosts` (port included); else
/// the refusal to send.
fn check_host(hosts: &[String], headers: &HeaderMap) -> Option<Response> {
    let mut all = headers.get_all(header::HOST).iter();
    let (Some(host), None) = (all.next(), all.next()) else {
        return Some(
            (
                StatusCode::BAD_REQUEST,
                "bad request: send exactly one Host header\n",
            )
                .into_response(),
        );
    };
    let ok = host
        .to_str()
        .is_ok_and(|h| hosts.iter().any(|a| a.eq_ignore_ascii_case(h)));
    (!ok).then(forbidden)
}

struct Ops {
    core: Arc<Core>,
    hosts: Vec<String>,
}

/// `/metrics`, `/health`, `/health/live` and `/health/ready`, with the same
/// `Host` check as `/mcp` (a DNS-rebinding page cannot read them).
pub fn ops_router(core: Arc<Core>, port: u16) -> axum::Router {
    let state = Arc::new(Ops {
        core,
        hosts: loopback_hosts(port),
    });
    axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "forbidden: Host not allowed\n").into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn metrics(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if let Some(r) = check_host(&ops.hosts, &headers) {
        return r;
    }
    if !ops.core.snapshot().metrics.enabled {
        return (
            StatusCode::NOT_FOUND,
            "metrics are disabled (metrics.enabled)\n",
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        ops.core.metrics().encode(),
    )
        .into_response()
}

async fn health(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if let Some(r) = check_host(&ops.hosts, &headers) {
        return r;
    }
    let report = ops.core.health();
    let status = StatusCode::from_u16(report.http_status()).unwrap_or(StatusCode::OK);
    json(status, serde_json::to_string(&report).unwrap_or_default())
}

async fn live(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if let Some(r) = check_host(&ops.hosts, &headers) {
        return r;
    }
    json(StatusCode::OK, r#"{"status":"alive"}"#.to_owned())
}

async fn ready(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if let Some(r) = check_host(&ops.hosts, &headers) {
        return r;
    }
    let report = ops.core.health();
    let usable: Vec<&str> = report.usable_tools().collect();
    let body = serde_json::json!({"ready": report.ready, "usable_tools": usable}).to_string();
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, body)
}

/// Serves the operations endpoints on their own loopback listener (stdio
/// transport with `metrics.prometheus_port`) until `stop` fires.
pub async fn serve_ops(
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let port = listener.local_addr()?.port();
    tracing::info!(addr = %listener.local_addr()?, "serving /metrics and /health");
    axum::serve(listener, ops_router(core, port))
        .with_graceful_shutdown(async move { stop.cancelled_owned().await })
        .await?;
    Ok(())
}

/// The production Streamable HTTP stack for any handler: `/mcp` with `Host`
/// and `Origin` validation (loopback names and the listener's own origins,
/// plus `extra_origins`), legacy sessions and stateless 2026-07-28 requests.
pub fn mcp_router<S, F>(
    make: F,
    port: u16,
    extra_origins: &[String],
    shutdown: CancellationToken,
) -> axum::Router
where
    S: ServerHandler + Clone,
    F: Fn() -> S + Send + Sync + 'static,
{
    let mut origins: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .map(|h| format!("http://{h}:{port}"))
        .collect();
    origins.extend(extra_origins.iter().cloned());
    let hosts = loopback_hosts(port);
    let guard_hosts: Arc<[String]> = hosts.clone().into();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_cancellation_token(shutdown.child_token());
    let service: StreamableHttpService<S, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(make()), Arc::default(), config);
    axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(json_rpc_parse_errors))
        .layer(axum::middleware::from_fn_with_state(
            guard_hosts,
            guard_http,
        ))
}

/// How long a client has to send a request body.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// In front of rmcp on `/mcp`: one `Host` header naming this listener (port
/// included), a request body read whole within [`BODY_READ_TIMEOUT`], and
/// [`guard::check`] on it.
async fn guard_http(
    State(hosts): State<Arc<[String]>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(r) = check_host(&hosts, request.headers()) {
        return r;
    }
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, guard::MAX_MESSAGE_BYTES + 1);
    let bytes = match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "request timeout: the body did not arrive in time\n",
            )
                .into_response();
        }
        Ok(Err(_)) => {
            return json_rpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                b"",
                &guard::Rejection::TooLarge,
            );
        }
        Ok(Ok(b)) => b,
    };
    if let Err(r) = guard::check(&bytes) {
        return json_rpc_error(StatusCode::BAD_REQUEST, &bytes, &r);
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

fn json_rpc_error(status: StatusCode, message: &[u8], r: &guard::Rejection) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        guard::error_response(message, r),
    )
        .into_response()
}

/// rmcp answers a JSON body it cannot parse as JSON-RPC with `415` and a
/// plain-text message, even when the content type is right. For a request that
/// did say `application/json`, the right answer is `400` with a JSON-RPC parse
/// error (-32700); everything else (a real 415 included) passes through.
async fn json_rpc_parse_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let says_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let response = next.run(request).await;
    if !says_json || response.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return response;
    }
    let body = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: the body is not a valid JSON-RPC message"}}"#;
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Serves HTTP on a bound listener until `shutdown` fires.
pub async fn serve_http(
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let port = listener.local_addr()?.port();
    let router = http_router(core, port, shutdown.clone());
    tracing::info!(addr = %listener.local_addr()?, "serving MCP Streamable HTTP at /mcp");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
    .await?;
    Ok(())
}
