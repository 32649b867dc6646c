//! sqlmap: SQL injection tests of one URL. Its descriptor ([`GRAMMAR`]) and
//! what the crate and the server use of it.
//!
//! The whole tool needs `security.allow_intrusive`. The target is exactly one
//! `http(s)://` URL (`url.rs`) whose host is scope-checked and pinned: sqlmap
//! is given the URL with the pinned address and the original name as its
//! `Host` header (`--host`), so it never resolves the name itself.
//! `--safe-url` hosts are scope-checked and pinned the same way. `extra_args`
//! tokens are checked against the exact spellings in `flags.rs`
//! (`grammar.rs`); the argv is rendered from the plan (`render.rs`), each long
//! option as ONE `--name=value` token, so no value can ever be read by sqlmap
//! as an option of its own. The limits, fields and plan are in `types.rs`.
//!
//! Must not: start processes, resolve names, or let sqlmap follow a
//! redirect, read or write a file of its choosing, or run caller code.

mod flags;
mod grammar;
mod render;
mod types;
mod url;

#[cfg(test)]
mod tests;

use crate::tools::descriptor::{Intrusive, RawSockets, ToolGrammar};
use crate::tools::id::ToolId;

pub(crate) use grammar::parse;
pub(crate) use render::render;
pub use types::{ANSWERS, OUTPUT_DIR, SERVER_FLAGS, SqlmapFields, SqlmapLimits, SqlmapPlan};
pub use url::{HttpUrl, MAX_URL_LEN};

/// sqlmap's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Sqlmap,
    binary: "sqlmap",
    version_probe: &["--version"],
    // sqlmap prints a bare version (`1.7.2#stable`).
    version_prefix: "",
    raw_sockets: RawSockets::Never,
    intrusive: Intrusive::WholeTool,
    options: flags::options,
};
