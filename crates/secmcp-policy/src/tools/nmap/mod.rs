//! nmap: port and service discovery. Its descriptor ([`GRAMMAR`]) and what
//! the crate and the server use of it.
//!
//! `extra_args` tokens are parsed (`grammar.rs`, by the table in `flags.rs`)
//! into a plan of enums, integers and validated values; the argv is then
//! rendered from the plan alone (`render.rs`), so no user token ever reaches
//! nmap verbatim. NSE scripts are resolved to names from the vetted catalog
//! (`scripts.rs`, `nse.rs`); port lists and times are typed (`values.rs`);
//! the limits and the plan are in `types.rs`.
//!
//! Must not: start processes, resolve names, or hand nmap a script category
//! or expression.

mod flags;
mod grammar;
pub mod nse;
mod render;
mod scripts;
mod types;
mod values;

#[cfg(test)]
mod tests;

use crate::tools::descriptor::{Intrusive, RawSockets, ToolGrammar};
use crate::tools::id::ToolId;

pub(crate) use grammar::parse;
pub(crate) use render::render;
pub use render::render_argv;
pub use scripts::{ALL_VETTED, Category, MAX_SCRIPT_ITEMS, ScriptSelection, check_allowlist};
pub use types::{
    DEFAULT_SCRIPT_ALLOWLIST, DEFAULT_TIMING, DEFAULT_TOP_PORTS, MAX_DELAY_MS, MAX_VERBOSITY,
    NmapLimits, NmapPlan, PortSelection, Probe, ScanMode, ScanType,
};
pub use values::{MAX_PORT_ITEMS, NmapTime, PortItem, PortList, Proto};

/// nmap's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Nmap,
    binary: "nmap",
    version_probe: &["--version"],
    version_prefix: "Nmap version ",
    raw_sockets: RawSockets::SomeOptions,
    intrusive: Intrusive::SomeOptions,
    options: flags::options,
};
