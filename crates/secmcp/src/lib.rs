//! secmcp: a Model Context Protocol server that runs network-security tools
//! safely for AI agents.
//!
//! Layout (one call flows top to bottom):
//! - `transport`: stdio and Streamable HTTP (`/mcp`) on rmcp.
//! - `service`: the one rmcp `ServerHandler`; translates MCP ⇄ our types.
//! - `dispatch`: the call pipeline: input → `secmcp_policy::plan` → DNS →
//!   `secmcp_policy::authorize` → `secmcp_runner::run` → `Tool::render`.
//! - `tools`: one file per tool (schemas, description, rendering).
//! - `config`: file/env/CLI layers validated into `Settings`.
//! - `auth`: who is calling (`Identity`), API keys, roles.
//! - `error`: the stable error codes agents see.
//! - `privilege`, `env_vars`, `cli`: process facts, env names, subcommands.
//! - `doctor` (`secmcp doctor`: the server's own checks with a fix per problem),
//!   `clients` (MCP clients' config files for `secmcp client-config`).
//! - Operations (between `authorize` and `run`, and around the server):
//!   `breaker` (per-tool circuit breakers), `limits` (concurrency caps, rate
//!   limit), `metrics` + `events` (typed telemetry: log line and metric
//!   together), `health` + `probe` (background checks, version probes),
//!   `reload` (config hot reload), `logging` + `redact` (log setup, secret
//!   redaction), `ops_config` + `validate` (operations config checks),
//!   `audit` (the hash-chained record of every decision and run),
//!   `sandbox` (the `sandbox` section: limits, seccomp, user of every tool run).
//! - `store`: run records (SQLite or PostgreSQL via `secmcp-store`), served as
//!   `secmcp://runs/{id}` resources; `output_budget` keeps large results in budget.
//! - `history`: over the store, the `scan_history`/`scan_diff` tools, `runs
//!   diff` and the engagement report (`secmcp report`).

pub mod audit;
pub mod auth;
pub mod binaries;
pub mod breaker;
pub mod cli;
pub mod clients;
pub mod config;
pub mod dispatch;
pub mod doctor;
pub mod error;
pub mod events;
pub mod files;
pub mod guard;
pub mod health;
pub mod history;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod output_budget;
pub mod privilege;
pub mod redact;
pub mod reload;
pub mod sandbox;
pub mod server;
pub mod service;
pub mod store;
pub mod tools;
pub mod transport;
pub mod validate;
