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
use crate::service::Service;

/// Serves one client over stdin/stdout until stdin closes or `stop` fires.
pub async fn serve_stdio(core: Arc<Core>, stop: CancellationToken) -> anyhow::Result<()> {
    let _session = core.metrics().session();
    let running = match Service::stdio(core)
        .serve(rmcp::transport::io::stdio_pipes())
        .await
    {
        Ok(r) => r,
        Err(e) => {
            // The client closed stdin (or broke the handshake) before a session
            // existed: nothing to serve, nothing running.
            tracing::warn!(error = %e, "stdio client went away before the handshake");
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
    Ok(())
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

/// The `Host` values accepted on a loopback listener at `port`.
fn loopback_hosts(port: u16) -> Vec<String> {
    ["localhost", "127.0.0.1", "::1", "[::1]"]
        .iter()
        .flat_map(|h| [(*h).to_owned(), format!("{h}:{port}")])
        .collect()
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

fn host_ok(ops: &Ops, headers: &HeaderMap) -> bool {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| ops.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)))
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "forbidden: Host not allowed\n").into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn metrics(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if !host_ok(&ops, &headers) {
        return forbidden();
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
    if !host_ok(&ops, &headers) {
        return forbidden();
    }
    let report = ops.core.health();
    let status = StatusCode::from_u16(report.http_status()).unwrap_or(StatusCode::OK);
    json(status, serde_json::to_string(&report).unwrap_or_default())
}

async fn live(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if !host_ok(&ops, &headers) {
        return forbidden();
    }
    json(StatusCode::OK, r#"{"status":"alive"}"#.to_owned())
}

async fn ready(State(ops): State<Arc<Ops>>, headers: HeaderMap) -> Response {
    if !host_ok(&ops, &headers) {
        return forbidden();
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
