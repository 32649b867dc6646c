//! The operations endpoints: `/metrics`, `/health`, `/health/live`,
//! `/health/ready`, with the same `Host` check as `/mcp`. With API keys
//! configured, `/metrics` and `/health` (which show tool names, versions
//! and load) need a valid key too; `/health/live` and `/health/ready` stay
//! open for orchestrators (they say only alive/ready and the usable tools).
//! With `auth.oauth`, `/.well-known/oauth-protected-resource` (and its
//! `/mcp` form) serves the RFC 9728 document, unauthenticated.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use super::auth::{Gate, refusal};
use super::host::{check_host, json, loopback_hosts};
use crate::dispatch::Core;

struct Ops {
    core: Arc<Core>,
    hosts: Vec<String>,
    gate: Arc<Gate>,
}

impl Ops {
    /// The Host check, then (for the detailed endpoints) authentication.
    async fn admit(&self, request: axum::extract::Request, path: &str) -> Option<Response> {
        let (parts, _) = request.into_parts();
        if let Some(r) = check_host(&self.hosts, &parts.headers) {
            return Some(r);
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let refused = self
            .gate
            .authenticate(&parts.headers, peer, path)
            .await
            .err()?;
        Some(refusal(refused, self.gate.oauth().as_deref()))
    }
}

/// `/metrics`, `/health`, `/health/live` and `/health/ready`, with the same
/// `Host` check as `/mcp` (a DNS-rebinding page cannot read them).
pub fn ops_router(core: Arc<Core>, port: u16) -> axum::Router {
    let gate = Gate::new(core.clone());
    with_gate(core, port, gate)
}

/// [`ops_router`] sharing `gate` (and so its failure budget and the OAuth
/// issuer's keys) with `/mcp`, plus the RFC 9728 metadata document.
pub(super) fn with_gate(core: Arc<Core>, port: u16, gate: Arc<Gate>) -> axum::Router {
    let mut hosts = loopback_hosts(port);
    hosts.extend(core.snapshot().allowed_hosts.iter().cloned());
    let metadata = axum::Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(super::auth::resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(super::auth::resource_metadata),
        )
        .with_state(gate.clone())
        .layer(axum::middleware::from_fn_with_state(
            Arc::<[String]>::from(hosts.clone()),
            super::host::only_host,
        ));
    let state = Arc::new(Ops { gate, core, hosts });
    axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
        .merge(metadata)
}

async fn metrics(State(ops): State<Arc<Ops>>, request: axum::extract::Request) -> Response {
    if let Some(r) = ops.admit(request, "/metrics").await {
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
        {
            let metrics = ops.core.metrics();
            metrics.set_health(&ops.core.health());
            metrics.encode()
        },
    )
        .into_response()
}

async fn health(State(ops): State<Arc<Ops>>, request: axum::extract::Request) -> Response {
    if let Some(r) = ops.admit(request, "/health").await {
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
    axum::serve(
        listener,
        ops_router(core, port).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stop.cancelled_owned().await })
    .await?;
    Ok(())
}
