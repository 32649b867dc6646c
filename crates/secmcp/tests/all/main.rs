//! The server crate's integration tests, one binary: the MCP protocol end to
//! end (`protocol`), the operations layer under fault injection (`ops`),
//! the tool surface a client sees (`surface`), and target parsing checked
//! against `nmap -sL` (`nmap_targets`). Helpers are in `util`.
//!
//! Tools that run here target only 127.0.0.x (see shared LAB.md); fake tool
//! scripts stand in where a failure has to be provoked.

#![allow(clippy::disallowed_methods)] // the tests start the server binary

mod auth;
mod cli;
mod nmap_targets;
mod ops;
mod protocol;
mod store;
mod store_pg;
mod surface;
mod util;
