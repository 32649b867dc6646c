//! The six tools, one module each with the same layout, and the registry
//! over them: [`grammar`], the one exhaustive match from [`ToolId`] to each
//! tool's descriptor ([`ToolGrammar`]), and [`ToolFields`]/[`ToolPlan`], the
//! typed fields and plan of any one tool.
//!
//! Below the tools, shared by all of them: `id.rs` ([`ToolId`]),
//! `options.rs` (the option-docs model) and `descriptor.rs` ([`ToolGrammar`]
//! and the privilege needs it states).
//!
//! Every tool module has:
//! - `mod.rs`: its descriptor `GRAMMAR` and what it hands on to the crate and
//!   the server (its public types, its `parse` and `render`);
//! - `types.rs`: its public types (`<Tool>Limits`, `<Tool>Fields`,
//!   `<Tool>Plan` and the values in them);
//! - `flags.rs`: its option table (every spelling the grammar knows, value
//!   kind, gate, refused spellings with reasons) and the [`ToolOptions`]
//!   built from it;
//! - `grammar.rs`: `parse`, target, typed fields and `extra_args` tokens ->
//!   plan, under the rules every tool obeys and its own limits;
//! - `render.rs`: `render`, plan + authorized targets -> argv, work files,
//!   collect;
//! - `tests.rs`; and helpers where they earn it (nmap `nse.rs`,
//!   `scripts.rs`, `values.rs`; gobuster and sqlmap `url.rs`).
//!
//! [`crate::plan`] and [`crate::authorize_with`] call each tool's `parse`
//! and `render` through one exhaustive match each, in `policy.rs`.
//!
//! Must not: do I/O, or know the `Policy` (each tool gets only the rules
//! every tool obeys and its own limits).

mod descriptor;
pub mod dig;
pub mod gobuster;
pub mod hydra;
mod id;
pub mod masscan;
pub mod nmap;
mod options;
pub mod sqlmap;

#[cfg(test)]
mod tests;

use crate::call::Fields;

pub use descriptor::{Intrusive, RawSockets, ToolGrammar};
pub use id::ToolId;
pub use options::{
    Gate, Join, OptionDoc, OptionGroup, RefusedFamily, Setting, ToolOptions, ValueDoc,
};

impl ToolId {
    /// The tool's descriptor.
    pub fn grammar(self) -> &'static ToolGrammar {
        grammar(self)
    }
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

impl ToolFields {
    /// The fields of the tool that takes `F`, as its grammar reads them.
    pub(crate) fn of<F: OwnFields>(&self) -> Fields<'_, F> {
        match F::pick(self) {
            Some(f) => Fields::Own(f),
            None if *self == ToolFields::None => Fields::Absent,
            None => Fields::Foreign,
        }
    }
}

/// A tool's typed input fields: one variant of [`ToolFields`].
pub(crate) trait OwnFields: Sized {
    /// These fields, when `carried` holds them.
    fn pick(carried: &ToolFields) -> Option<&Self>;
}

impl OwnFields for masscan::MasscanFields {
    fn pick(carried: &ToolFields) -> Option<&Self> {
        match carried {
            ToolFields::Masscan(f) => Some(f),
            _ => None,
        }
    }
}

impl OwnFields for gobuster::GobusterFields {
    fn pick(carried: &ToolFields) -> Option<&Self> {
        match carried {
            ToolFields::Gobuster(f) => Some(f),
            _ => None,
        }
    }
}

impl OwnFields for hydra::HydraFields {
    fn pick(carried: &ToolFields) -> Option<&Self> {
        match carried {
            ToolFields::Hydra(f) => Some(f),
            _ => None,
        }
    }
}

impl OwnFields for sqlmap::SqlmapFields {
    fn pick(carried: &ToolFields) -> Option<&Self> {
        match carried {
            ToolFields::Sqlmap(f) => Some(f),
            _ => None,
        }
    }
}

impl OwnFields for dig::DigFields {
    fn pick(carried: &ToolFields) -> Option<&Self> {
        match carried {
            ToolFields::Dig(f) => Some(f),
            _ => None,
        }
    }
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
