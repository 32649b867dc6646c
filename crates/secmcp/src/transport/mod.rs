//! Transports: stdio and Streamable HTTP at `/mcp`, over one `Service`, plus
//! the operations endpoints `/metrics`, `/health`, `/health/live` and
//! `/health/ready`.
//!
//! stdio: stdout carries only protocol; logs go to stderr; the server exits when
//! stdin closes; with `metrics.prometheus_port` set, a loopback listener serves
//! the operations endpoints. HTTP: loopback only unless API keys are
//! configured and a TLS-terminating proxy is named (`server.behind_proxy`);
//! `Host` (loopback names plus `server.allowed_hosts`) and `Origin`
//! validated; `Authorization: Bearer KEY` checked when keys are configured
//! (`auth`); legacy sessions for `initialize`-era clients and stateless
//! requests for 2026-07-28; the operations endpoints share the listener, its
//! `Host` check and (for `/metrics` and `/health`) its authentication.
//!
//! Layout: `stdio` (the guarded stdin/stdout bridge), `http` (`/mcp` and the
//! listener), `ops` (the operations endpoints), `host` (the `Host` rules
//! both HTTP routers share), `auth` (API keys, failed-attempt limit, the
//! caller's `Identity` in the request extensions).

mod auth;
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
