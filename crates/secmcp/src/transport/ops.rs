//! The operations endpoints: `/metrics`, `/health`, `/health/live`,
//! `/health/ready`, with the same `Host` check as `/mcp`. With API keys
//! configured, `/metrics` and `/health` (which show tool names, versions
//! and load) need a valid key too; `/health/live` and `/health/ready` stay
//! open for orchestrators (they say only alive/ready and the usable tools).

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
    fn admit(&self, request: &axum::extract::Request, path: &str) -> Option<Response> {
        if let Some(r) = check_host(&self.hosts, request.headers()) {
            return Some(r);
        }
        let peer = request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        self.gate
            .authenticate(request.headers(), peer, path)
            .err()
            .map(refusal)
    }
}

/// `/metrics`, `/health`, `/health/live` and `/health/ready`, with the same
/// `Host` check as `/mcp` (a DNS-rebinding page cannot read them).
pub fn ops_router(core: Arc<Core>, port: u16) -> axum::Router {
    let mut hosts = loopback_hosts(port);
    hosts.extend(core.snapshot().allowed_hosts.iter().cloned());
    let state = Arc::new(Ops {
        gate: Gate::new(core.clone()),
        core,
        hosts,
    });
    axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
}

async fn metrics(State(ops): State<Arc<Ops>>, request: axum::extract::Request) -> Response {
    if let Some(r) = ops.admit(&request, "/metrics") {
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
    if let Some(r) = ops.admit(&request, "/health") {
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
