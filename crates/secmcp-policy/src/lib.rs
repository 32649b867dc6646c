//! secmcp's policy core. PURE: no I/O, no tokio, no filesystem, no DNS, no
//! processes, no rmcp.
//!
//! Flow: [`plan`] parses a call (target, timeout, tool arguments) into a typed
//! [`Plan`]; the server resolves [`Plan::hosts_to_resolve`] and
//! [`Plan::files_to_resolve`]; [`authorize_with`] scope-checks every target
//! and address and returns a [`Permit`] whose argv was rendered from the typed
//! plan, or a [`Denied`] with code, field, message and hint.
//!
//! Every tool is one descriptor, [`ToolGrammar`] (from [`grammar`]): binary,
//! version probe, raw-socket and `allow_intrusive` needs, and its option docs
//! ([`options`], generated from the grammar's own tables, with
//! [`ToolOptions::render_compact`] for tool descriptions). Its `parse` and
//! `render` are reached from `plan` and `authorize_with` by one exhaustive
//! match each, with only the rules every tool obeys and its own limits.
//!
//! Layout, from the ground up (a module imports only modules above it in
//! this list):
//! - `denied`: `Denied`, its stable codes, and the internal-error refusal.
//! - `tokens`: shell-style tokenising of `extra_args` (no shell is ever run).
//! - `grammar_util`: what every grammar shares (showing untrusted text in a
//!   message, plain numbers, "given more than once", the intrusive hint).
//! - `address`: parsing of caller targets (canonical IPv4, IPv6, CIDR, host
//!   names). (Not called `target`: that is Cargo's build folder, which tools
//!   and ignore files skip.)
//! - `scope`: allow/deny entries and the scope check.
//! - `call`: what a tool's grammar and renderer are called with and answer:
//!   the rules every tool obeys, planned targets, file requests, the server's
//!   resolutions, authorized targets, work files.
//! - `lists`: the built-in lists (web paths, virtual hosts, subdomains, user
//!   names, passwords) compiled into the binary.
//! - `files`: caller file names (wordlists, credential lists): an alias, a
//!   built-in list or a path, and the re-check of what the server resolved
//!   them to.
//! - `tools`: [`ToolId`], the option-docs model and the descriptor type
//!   below the tools; one module per tool (`nmap`, `masscan`, `gobuster`,
//!   `hydra`, `sqlmap`, `dig`, re-exported at the root), each laid out as
//!   `mod.rs` (`GRAMMAR`, what it hands on), `types.rs` (limits, fields,
//!   plan), `flags.rs` (option table, refusals, docs), `grammar.rs`
//!   (-> plan), `render.rs` (-> argv), `tests.rs`; above them the registry
//!   ([`grammar`]), [`ToolFields`] and [`ToolPlan`].
//! - `permit`: the `Permit` type that only `authorize` can construct, and the
//!   version-probe permits.
//! - `policy`: `Policy`, `plan()` and `authorize()`/`authorize_with()`, and
//!   the dispatch to each tool's `parse` and `render`.
//!
//! Must not: do I/O, resolve names, start processes, or let a caller's token
//! reach argv verbatim.

pub mod address;
mod call;
pub mod denied;
pub mod files;
mod grammar_util;
pub mod lists;
pub mod permit;
pub mod policy;
pub mod scope;
pub mod tokens;
pub mod tools;

pub use address::{
    Cidr, CidrIter, Hostname, MAX_HOSTNAME_LEN, MAX_TARGET_LEN, Target, parse_canonical_ipv4,
    parse_target,
};
pub use call::{
    AuthorizedTarget, FileKind, FileRequest, PlannedTarget, Resolutions, ResolvedFile, WorkFile,
};
pub use denied::{Denied, DenyCode};
pub use files::{FileRoots, ListSource};
pub use lists::{BUILTIN, BuiltinList};
pub use nmap::NmapLimits;
pub use permit::Permit;
pub use policy::{CallInput, Plan, Policy, authorize, authorize_with, plan};
pub use scope::{Scope, ScopeEntry};
pub use tools::{
    Gate, Intrusive, Join, OptionDoc, OptionGroup, RawSockets, RefusedFamily, Setting, ToolFields,
    ToolGrammar, ToolId, ToolOptions, ToolPlan, ValueDoc, dig, gobuster, grammar, hydra, masscan,
    nmap, options, sqlmap,
};
