//! [`ToolGrammar`]: the static facts of one tool (binary, version probe,
//! privilege and `allow_intrusive` needs, option docs), one value per tool
//! in the tool's own module.
//!
//! Must not: parse or render a call (`crate::plan` and
//! `crate::authorize_with` reach each tool's `parse` and `render` by one
//! exhaustive match each, not through its descriptor).

use super::id::ToolId;
use super::options::ToolOptions;

/// Whether a tool needs raw sockets (root or CAP_NET_RAW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawSockets {
    /// Never.
    Never,
    /// For some options only (each option's [`Gate`](super::options::Gate)
    /// says which).
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

/// Everything the crate and the server know about one tool, in one place.
/// Only this crate builds one (each tool's `GRAMMAR`).
#[derive(Debug)]
#[non_exhaustive]
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
}

impl ToolGrammar {
    /// Its options (see [`ToolOptions`]).
    pub fn options(&self) -> ToolOptions {
        (self.options)()
    }
}
