//! hydra: login guessing against one service. Its descriptor ([`GRAMMAR`])
//! and what the crate and the server use of it.
//!
//! One host (IP or host name, pinned) and one service module from the
//! configured allowlist of real hydra module names. Credentials come from short
//! inline lists in typed fields, which the server writes into the run's private
//! working directory (mode 0600), or from lists under the configured roots, so
//! no password is ever on the command line (the argv is logged). HTTP module
//! options (path, form body, failure text) are typed fields rendered with
//! hydra's `\:` escaping. The server always adds `-I` (ignore restore files) and
//! `-o hydra.json -b json`; argv is in hydra's order: options, target, service,
//! module option (`render.rs`). `extra_args` options are the table in
//! `flags.rs`. The whole tool needs `security.allow_intrusive`. The limits,
//! fields and plan are in `types.rs`.
//!
//! Must not: start processes, read files, or put a password into argv.

mod flags;
mod grammar;
mod render;
#[cfg(test)]
mod tests;
mod types;

use crate::tools::descriptor::{Intrusive, RawSockets, ToolGrammar};
use crate::tools::id::ToolId;

pub(crate) use grammar::parse;
pub(crate) use render::render;
pub use types::{
    Credentials, DEFAULT_SERVICES, HydraFields, HydraLimits, HydraPlan, KNOWN_MODULES, Logins,
    MAX_INLINE_ENTRY_BYTES, NEVER_MODULES, PASSWORDS_FILE, RESULT_FILE, USERS_FILE, fields,
    service_config_error,
};

/// hydra's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Hydra,
    binary: "hydra",
    // hydra has no version flag; its help starts with `Hydra vX.Y`.
    version_probe: &["-h"],
    version_prefix: "Hydra v",
    raw_sockets: RawSockets::Never,
    intrusive: Intrusive::WholeTool,
    options: flags::options,
};
