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
//! - `error`: the stable error codes agents see.
//! - `privilege`, `env_vars`, `cli`: process facts, env names, subcommands.

pub mod cli;
pub mod config;
pub mod dispatch;
pub mod env_vars;
pub mod error;
pub mod files;
pub mod privilege;
pub mod service;
pub mod tools;
pub mod transport;
