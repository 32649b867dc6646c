//! Streamable HTTP at `/mcp`: the listener (loopback, unless the settings
//! allow more), the rmcp service with `Host`/`Origin` validation,
//! authentication, and the guards in front of it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio_util::sync::CancellationToken;

use super::auth::{Gate, require_identity};
use super::host::{check_host, loopback_hosts, only_host};
use crate::dispatch::Core;
use crate::guard;
use crate::service::Service;

/// Binds the HTTP listener (call before announcing readiness). A
/// non-loopback address only with `public` (the settings require API keys
/// and a TLS-terminating proxy for that; see `config::settings`).
pub async fn bind_http(addr: SocketAddr, public: bool) -> anyhow::Result<tokio::net::TcpListener> {
    anyhow::ensure!(
        public || addr.ip().is_loopback(),
        "refusing to listen on {addr}: without authentication (auth.api_keys or auth.oauth) \
         and TLS (server.tls or server.behind_proxy) the HTTP transport binds only loopback \
         addresses"
    );
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

/// The axum router serving secmcp at `/mcp` plus the operations endpoints,
/// with the settings' extra hosts and authentication.
pub fn http_router(core: Arc<Core>, port: u16, shutdown: CancellationToken) -> axum::Router {
    let settings = core.settings();
    let origins = settings.allowed_origins.clone();
    let mut hosts = loopback_hosts(port);
    hosts.extend(settings.allowed_hosts.iter().cloned());
    let gate = Gate::new(core.clone());
    let ops = super::ops::with_gate(core.clone(), port, gate.clone());
    let shared = crate::service::Shared::default();
    let make = move || Service::shared(core.clone(), &shared);
    stack(make, hosts, &origins, shutdown, Some(gate), port).merge(ops)
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
    stack(
        make,
        loopback_hosts(port),
        extra_origins,
        shutdown,
        None,
        port,
    )
}

fn stack<S, F>(
    make: F,
    hosts: Vec<String>,
    extra_origins: &[String],
    shutdown: CancellationToken,
    gate: Option<Arc<Gate>>,
    port: u16,
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
    let guard_hosts: Arc<[String]> = hosts.clone().into();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        // A call that sends nothing before its result (no progress) is
        // answered as one plain JSON body instead of an event stream.
        .with_json_response(true)
        .with_cancellation_token(shutdown.child_token());
    let service: StreamableHttpService<S, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(make()), Arc::default(), config);
    let mut router = axum::Router::new().nest_service("/mcp", service);
    // Layers run outside-in: Host, then authentication, then the body checks.
    router = router
        .layer(axum::middleware::from_fn(json_rpc_parse_errors))
        .layer(axum::middleware::from_fn_with_state(
            guard_hosts.clone(),
            guard_http,
        ));
    if let Some(gate) = gate {
        router = router.layer(axum::middleware::from_fn_with_state(gate, require_identity));
    }
    router.layer(axum::middleware::from_fn_with_state(guard_hosts, only_host))
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
    if request.method() == axum::http::Method::DELETE {
        // rmcp answers a session's DELETE with 202; clients expect 200 or 204
        // (the Python SDK logs "Session termination failed: 202").
        let mut response = next.run(request).await;
        if response.status() == StatusCode::ACCEPTED {
            *response.status_mut() = StatusCode::NO_CONTENT;
        }
        return response;
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
    let seen = super::era::incoming(&bytes);
    let body = match seen.rewritten {
        Some(m) => axum::body::Body::from(m),
        None => axum::body::Body::from(bytes),
    };
    let response = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    match seen.answer {
        Some((_, answer)) => rewrite_answer(response, answer).await,
        None => response,
    }
}

/// The answer to an `initialize` or `tools/list` of an `initialize`-era
/// client with what the 2025-11-25 tasks utility adds (see `era`): a JSON
/// body, or each `data:` line of an event stream (read whole: these answers
/// end their stream).
async fn rewrite_answer(response: Response, answer: super::era::Answer) -> Response {
    const MAX_ANSWER_BYTES: usize = 16 << 20;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ANSWER_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "answer too large\n").into_response();
    };
    let long_running = super::long_running_tools();
    let sse = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let rewritten = if sse {
        let mut out = Vec::with_capacity(bytes.len() + 256);
        let mut changed = false;
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let data = line.strip_prefix(b"data: ").map(|d| d.trim_ascii_end());
            match data.and_then(|d| super::era::outgoing(d, answer, &long_running)) {
                Some(m) => {
                    out.extend_from_slice(b"data: ");
                    out.extend_from_slice(&m);
                    out.extend_from_slice(&line[line.trim_ascii_end().len()..]);
                    changed = true;
                }
                None => out.extend_from_slice(line),
            }
        }
        changed.then_some(out)
    } else {
        super::era::outgoing(&bytes, answer, &long_running)
    };
    let body = match rewritten {
        Some(m) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            axum::body::Body::from(m)
        }
        None => axum::body::Body::from(bytes),
    };
    Response::from_parts(parts, body)
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

/// Serves HTTP (HTTPS with `server.tls`) on a bound listener until
/// `shutdown` fires.
pub async fn serve_http(
    core: Arc<Core>,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let port = listener.local_addr()?.port();
    let tls = core.settings().tls.clone();
    let router = http_router(core, port, shutdown.clone());
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let stop = shutdown.clone();
    let done = async move { stop.cancelled_owned().await };
    if let Some(files) = tls {
        let cert = super::tls::Certificate::load(files)?;
        tracing::info!(addr = %listener.local_addr()?, "serving MCP Streamable HTTP over TLS at /mcp");
        let listener = super::tls::TlsListener::new(listener, cert, shutdown.child_token())?;
        // The tap does nothing (TCP_NODELAY is set before the handshake); it
        // gives the connection's address to `ConnectInfo`, which axum
        // provides for tapped listeners.
        let listener = axum::serve::ListenerExt::tap_io(listener, |_| {});
        axum::serve(listener, app)
            .with_graceful_shutdown(done)
            .await?;
        return Ok(());
    }
    tracing::info!(addr = %listener.local_addr()?, "serving MCP Streamable HTTP at /mcp");
    // Responses (SSE especially) go out in several small writes: without
    // TCP_NODELAY each waits for the client's delayed ACK (40 ms a call).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted socket");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(done)
        .await?;
    Ok(())
}
