//! The six tools, one module each with the same layout, and the one
//! descriptor per tool ([`ToolGrammar`]) that the rest of the crate and the
//! server read.
//!
//! Every tool module has:
//! - `mod.rs`: its public types (`<Tool>Limits`, `<Tool>Fields`, `<Tool>Plan`
//!   and the values in them) and its `GRAMMAR` descriptor;
//! - `flags.rs`: its option table (every spelling the grammar knows, value
//!   kind, gate, refused spellings with reasons) and the [`ToolOptions`]
//!   built from it;
//! - `grammar.rs`: target, typed fields and `extra_args` tokens -> plan;
//! - `render.rs`: plan + authorized targets -> argv, work files, collect;
//! - `tests.rs`; and helpers where they earn it (nmap `nse.rs`,
//!   `scripts.rs`, `values.rs`; gobuster and sqlmap `url.rs`).
//!
//! [`crate::plan`] and [`crate::authorize_with`] reach a tool only through
//! its descriptor's `parse` and `render`, which have the same signature for
//! every tool; [`grammar`] is the one exhaustive match over [`ToolId`].
//!
//! Must not: do I/O, or let a tool be reached any other way than through
//! its descriptor.

pub mod dig;
pub mod gobuster;
pub mod hydra;
pub mod masscan;
pub mod nmap;
mod options;
pub mod sqlmap;

#[cfg(test)]
mod tests;

use crate::denied::Denied;
use crate::permit::{AuthorizedTarget, WorkFile};
use crate::policy::{CallInput, FileRequest, PlannedTarget, Policy, Resolutions};

pub use options::{
    Gate, Join, OptionDoc, OptionGroup, RefusedFamily, Setting, ToolOptions, ValueDoc,
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

    /// The tool's descriptor.
    pub fn grammar(self) -> &'static ToolGrammar {
        grammar(self)
    }
}

/// Whether a tool needs raw sockets (root or CAP_NET_RAW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawSockets {
    /// Never.
    Never,
    /// For some options only (each option's [`Gate`] says which).
    SomeOptions,
    /// For every run.
    Always,
}

/// Whether a tool needs `security.allow_intrusive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrusive {
    /// Never.
    Never,
    /// For some options or values only (gates and notes say which).
    SomeOptions,
    /// For every run: the whole tool is an attack.
    WholeTool,
}

/// Typed input fields of the tools that have them (nmap has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ToolFields {
    /// No typed fields.
    #[default]
    None,
    /// masscan's fields.
    Masscan(masscan::MasscanFields),
    /// gobuster's fields.
    Gobuster(gobuster::GobusterFields),
    /// hydra's fields.
    Hydra(hydra::HydraFields),
    /// sqlmap's fields.
    Sqlmap(sqlmap::SqlmapFields),
    /// dig's fields.
    Dig(dig::DigFields),
}

/// The typed arguments of one tool's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolPlan {
    /// nmap
    Nmap(nmap::NmapPlan),
    /// masscan
    Masscan(masscan::MasscanPlan),
    /// gobuster
    Gobuster(gobuster::GobusterPlan),
    /// hydra
    Hydra(hydra::HydraPlan),
    /// sqlmap
    Sqlmap(sqlmap::SqlmapPlan),
    /// dig
    Dig(dig::DigPlan),
}

/// What a tool grammar makes of a call: its typed plan, every target it will
/// touch (the first is the one the tool is pointed at) and the files the
/// server must resolve.
pub(crate) struct Parsed {
    pub(crate) plan: ToolPlan,
    pub(crate) targets: Vec<PlannedTarget>,
    pub(crate) files: Vec<FileRequest>,
}

/// What a tool renderer produces from an authorized plan.
pub(crate) struct Rendering {
    pub(crate) argv: Vec<String>,
    pub(crate) write_files: Vec<WorkFile>,
    pub(crate) collect: Vec<String>,
}

impl Rendering {
    /// Just an argv.
    pub(crate) fn argv(argv: Vec<String>) -> Self {
        Self {
            argv,
            write_files: Vec::new(),
            collect: Vec::new(),
        }
    }
}

/// A tool's parser: target, typed fields and `extra_args` tokens -> plan.
pub(crate) type ParseFn = fn(&Policy, &CallInput<'_>, &[String]) -> Result<Parsed, Denied>;

/// A tool's renderer: its authorized plan -> argv, work files, collect.
/// `targets` are the plan's targets in order, each scope-checked and pinned.
pub(crate) type RenderFn =
    fn(&Policy, &ToolPlan, &[AuthorizedTarget], &Resolutions) -> Result<Rendering, Denied>;

/// Everything the crate and the server know about one tool, in one place.
#[derive(Debug)]
pub struct ToolGrammar {
    /// The tool.
    pub id: ToolId,
    /// The program name looked up on `PATH` (unless configured).
    pub binary: &'static str,
    /// The fixed argv that makes the binary print its version.
    pub version_probe: &'static [&'static str],
    /// How the probe's output starts (`Nmap version `); empty when the tool
    /// prints a bare version.
    pub version_prefix: &'static str,
    /// Whether the tool needs raw sockets.
    pub raw_sockets: RawSockets,
    /// Whether the tool needs `security.allow_intrusive`.
    pub intrusive: Intrusive,
    /// Its options, documented from its grammar's own tables.
    pub options: fn() -> ToolOptions,
    pub(crate) parse: ParseFn,
    pub(crate) render: RenderFn,
}

impl ToolGrammar {
    /// Its options (see [`ToolOptions`]).
    pub fn options(&self) -> ToolOptions {
        (self.options)()
    }
}

/// The descriptor of `id`.
///
/// ```
/// use secmcp_policy::{RawSockets, ToolId, grammar};
///
/// let masscan = grammar(ToolId::Masscan);
/// assert_eq!(masscan.binary, "masscan");
/// assert_eq!(masscan.version_probe, ["--version"]);
/// assert_eq!(masscan.raw_sockets, RawSockets::Always);
/// ```
pub fn grammar(id: ToolId) -> &'static ToolGrammar {
    match id {
        ToolId::Nmap => &nmap::GRAMMAR,
        ToolId::Masscan => &masscan::GRAMMAR,
        ToolId::Gobuster => &gobuster::GRAMMAR,
        ToolId::Hydra => &hydra::GRAMMAR,
        ToolId::Sqlmap => &sqlmap::GRAMMAR,
        ToolId::Dig => &dig::GRAMMAR,
    }
}

/// The options of `id`, documented from its grammar's own tables.
///
/// ```
/// use secmcp_policy::{Gate, ToolId, options};
///
/// let nmap = options(ToolId::Nmap);
/// let syn = nmap.accepted().find(|o| o.spellings == ["-sS"]).unwrap();
/// assert_eq!(syn.gate, Gate::RawSockets);
/// assert!(nmap.refused_spellings().any(|s| s == "-oN"));
/// // The text a tool description embeds.
/// let text = nmap.render_compact();
/// assert!(text.contains("--top-ports N (1-65535)"));
/// ```
pub fn options(id: ToolId) -> ToolOptions {
    grammar(id).options()
}
