//! Transports: stdio and Streamable HTTP at `/mcp`, over one `Service`.
//!
//! stdio: stdout carries only protocol; logs go to stderr; the server exits when
//! stdin closes. HTTP: loopback only (no authentication yet), `Host` and
//! `Origin` validated, legacy sessions for `initialize`-era clients and
//! stateless requests for 2026-07-28.

use std::net::SocketAddr;
use std::sync::Arc;

use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use axum::response::IntoResponse;
use rmcp::{ServerHandler, ServiceExt};
use tokio_util::sync::CancellationToken;

use crate::dispatch::Core;
use crate::service::Service;

/// Serves one client over stdin/stdout until stdin closes or `shutdown` fires.
pub async fn serve_stdio(core: Arc<Core>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let running = Service::new(core)
        .serve(rmcp::transport::io::stdio_pipes())
        .await?;
    let stop = running.cancellation_token();
    tokio::select! {
        quit = running.waiting() => {
            tracing::info!(reason = ?quit.ok(), "stdio client disconnected");
        }
        () = shutdown.cancelled() => {
            stop.cancel();
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

/// The axum router serving secmcp at `/mcp`.
pub fn http_router(core: Arc<Core>, port: u16, shutdown: CancellationToken) -> axum::Router {
    let origins = core.settings().allowed_origins.clone();
    mcp_router(move || Service::new(core.clone()), port, &origins, shutdown)
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
    let hosts: Vec<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]
        .iter()
        .flat_map(|h| [(*h).to_owned(), format!("{h}:{port}")])
        .collect();
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
    use axum::http::{StatusCode, header};
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
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
        .await?;
    Ok(())
}
