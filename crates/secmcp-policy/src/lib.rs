//! secmcp's policy core. PURE: no I/O, no tokio, no filesystem, no rmcp.
//!
//! Layout:
//! - `target`: parsing of caller targets (canonical IPv4, IPv6, CIDR, host names).
//! - `scope`: allow/deny entries and the scope check.
//! - `tokens`: shell-style tokenising of `extra_args` (no shell is ever run).
//! - `nmap`: nmap's argument grammar, typed plan and argv rendering.
//! - `permit`: the `Permit` type that only `authorize` can construct.

pub mod permit;

pub use permit::{AuthorizedTarget, Permit};

/// The tools the policy core knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolId {
    /// nmap
    Nmap,
}
