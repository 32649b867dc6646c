//! gobuster: wordlist discovery of paths, virtual hosts and subdomains. Its
//! descriptor ([`GRAMMAR`]) and what the crate and the server use of it.
//!
//! Modes `dir`, `vhost` (target: one `http(s)://` URL whose host is scope-checked
//! and pinned, `url.rs`) and `dns` (target: a domain inside the scope's name
//! suffixes; the DNS server it asks, `-r` or the configured resolver, is
//! scope-checked and pinned). The wordlist is an alias or a path under the
//! configured roots, re-checked after the server resolved it, or a built-in
//! list handed over as a work file (without any, the mode's built-in). Threads
//! are capped and a minimum delay is always rendered. Which options exist in
//! which mode is the table in `flags.rs`. The whole tool needs
//! `security.allow_intrusive`. The limits, fields and plan are in `types.rs`.
//!
//! Must not: start processes, read files, or follow redirects.

mod flags;
mod grammar;
mod render;
mod types;
mod url;

#[cfg(test)]
mod tests;

use crate::tools::descriptor::{Intrusive, RawSockets, ToolGrammar};
use crate::tools::id::ToolId;

pub use grammar::check_resolver;
pub(crate) use grammar::parse;
pub(crate) use render::render;
pub use types::{
    DIRB_LISTS, DnsOptions, FIELD_MODE, FIELD_WORDLIST, GobusterFields, GobusterLimits,
    GobusterPlan, GobusterTarget, HttpOptions, Mode,
};
pub use url::{HttpUrl, parse as parse_url};

/// gobuster's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Gobuster,
    binary: "gobuster",
    version_probe: &["version"],
    // gobuster prints a bare version (`3.5`).
    version_prefix: "",
    raw_sockets: RawSockets::Never,
    intrusive: Intrusive::WholeTool,
    options: flags::options,
};
