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
//!
//! Layout: `stdio` (the guarded stdin/stdout bridge), `http` (`/mcp` and the
//! listener), `ops` (the operations endpoints), `host` (the `Host` rules
//! both HTTP routers share).

mod host;
mod http;
mod ops;
mod stdio;

pub use http::{bind_http, http_router, mcp_router, serve_http};
pub use ops::{ops_router, serve_ops};
pub use stdio::serve_stdio;
