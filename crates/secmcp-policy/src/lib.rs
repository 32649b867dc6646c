//! secmcp's policy core. PURE: no I/O, no tokio, no filesystem, no DNS, no
//! processes, no rmcp.
//!
//! Flow: [`plan`] parses a call (target, timeout, tool arguments) into a typed
//! [`Plan`]; the server resolves [`Plan::host_to_resolve`]; [`authorize`]
//! scope-checks every target and address and returns a [`Permit`] whose argv
//! was rendered from the typed plan, or a [`Denied`] with code, field, message
//! and hint.
//!
//! Layout:
//! - `address`: parsing of caller targets (canonical IPv4, IPv6, CIDR, host names).
//!   (Not called `target`: that is Cargo's build folder, which tools skip.)
//! - `scope`: allow/deny entries and the scope check.
//! - `tokens`: shell-style tokenising of `extra_args` (no shell is ever run).
//! - `nmap`, `masscan`, `gobuster`, `hydra`, `sqlmap`, `dig`: one module per
//!   tool: its argument grammar, typed plan and argv rendering.
//! - `files`: caller file names (wordlists, credential lists) and the re-check
//!   of what the server resolved them to.
//! - `policy`: `Policy`, `plan()` and `authorize()`.
//! - `denied`: `Denied` and its stable codes.
//! - `permit`: the `Permit` type that only `authorize` can construct.

pub mod address;
pub mod denied;
pub mod dig;
pub mod files;
pub mod gobuster;
pub mod hydra;
pub mod masscan;
pub mod nmap;
pub mod permit;
pub mod policy;
pub mod scope;
pub mod sqlmap;
pub mod tokens;

pub use denied::{Denied, DenyCode};
pub use files::FileRoots;
pub use nmap::NmapLimits;
pub use permit::{AuthorizedTarget, Permit, WorkFile};
pub use policy::{
    CallInput, FileKind, FileRequest, Plan, PlannedTarget, Policy, Resolutions, ResolvedFile,
    ToolFields, authorize, authorize_with, plan,
};
pub use scope::{Scope, ScopeEntry};
pub use address::{
    Cidr, CidrIter, Hostname, MAX_HOSTNAME_LEN, MAX_TARGET_LEN, Target, parse_canonical_ipv4,
    parse_target,
};

/// The tools the policy core knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolId {
    /// nmap
    Nmap,
    /// masscan
    Masscan,
    /// gobuster
    Gobuster,
    /// hydra
    Hydra,
    /// sqlmap
    Sqlmap,
    /// dig
    Dig,
}

impl ToolId {
    /// Every tool, in registry order.
    pub const ALL: [ToolId; 6] = [
        ToolId::Nmap,
        ToolId::Masscan,
        ToolId::Gobuster,
        ToolId::Hydra,
        ToolId::Sqlmap,
        ToolId::Dig,
    ];

    /// The tool's wire name (also its binary's usual name).
    pub fn as_str(self) -> &'static str {
        match self {
            ToolId::Nmap => "nmap",
            ToolId::Masscan => "masscan",
            ToolId::Gobuster => "gobuster",
            ToolId::Hydra => "hydra",
            ToolId::Sqlmap => "sqlmap",
            ToolId::Dig => "dig",
        }
    }
}
