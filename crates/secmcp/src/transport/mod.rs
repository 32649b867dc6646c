//! Transports: stdio and Streamable HTTP at `/mcp`, over one `Service`, plus
//! the operations endpoints `/metrics`, `/health`, `/health/live` and
//! `/health/ready`.
//!
//! stdio: stdout carries only protocol; logs go to stderr; the server exits when
//! stdin closes; with `metrics.prometheus_port` set, a loopback listener serves
//! the operations endpoints. HTTP: loopback only unless authentication (API
//! keys or OAuth) is configured and TLS is served (`server.tls`, or a proxy
//! named with `server.behind_proxy`); `Host` (loopback names plus
//! `server.allowed_hosts`) and `Origin` validated; `Authorization: Bearer`
//! checked when authentication is configured (`auth`); legacy sessions for
//! `initialize`-era clients and stateless requests for 2026-07-28; the
//! operations endpoints share the listener, its `Host` check and (for
//! `/metrics` and `/health`) its authentication.
//!
//! Layout: `stdio` (the guarded stdin/stdout bridge), `http` (`/mcp` and the
//! listener), `tls` (the HTTPS listener and its reloaded certificate), `ops`
//! (the operations endpoints and the RFC 9728 document), `host` (the `Host`
//! rules both HTTP routers share), `auth` (API keys and access tokens, the
//! failed-attempt limit, the caller's `Identity` in the request extensions),
//! `jwks` (the OAuth issuer's keys and the cache of checked tokens), `era`
//! (the 2025-11-25 tasks utility on the wire, for both transports).

/// The tools that accept task-augmented calls (every network tool but dig).
fn long_running_tools() -> Vec<&'static str> {
    crate::tools::REGISTRY
        .iter()
        .filter(|t| t.runs_long())
        .map(|t| t.name())
        .collect()
}

mod auth;
mod era;
mod host;
mod http;
mod jwks;
mod ops;
mod stdio;
mod tls;

pub use http::{bind_http, http_router, mcp_router, serve_http};
pub use jwks::probe_jwks;
pub use ops::{ops_router, serve_ops};
pub use stdio::serve_stdio;
pub use tls::probe_tls;
