//! dig: DNS lookups against one in-scope server. Its descriptor
//! ([`GRAMMAR`]) and what the crate and the server use of it.
//!
//! The call's `target` is the query: a DNS name, or an IP address for a
//! reverse (PTR) lookup. The DNS server dig talks to comes from the typed
//! `server` field, an `@server` token, or `tools.dig.default_server`; it is the
//! host dig touches, so it is the plan's (only) scope-checked target and is
//! pinned to an address. dig is never run without a server, so lookups never
//! fall back to the host's own resolver. With `tools.dig.query_names_in_scope`
//! the query name (or reverse address) must be in scope too, so an in-scope
//! recursive resolver cannot be used to reach or leak to arbitrary domains.
//!
//! `extra_args` may hold record type and class words, `@server`, `-p PORT`,
//! `-t TYPE`, `-c CLASS`, `-x`, and allow-listed `+options` (`flags.rs`);
//! everything else is refused (`-f` batch files, `-k`/`-y` keys, `-b` source
//! binding, `-q` or a positional name that would add a second query, `+trace`,
//! `+nssearch`, ...). The argv is rendered from the plan alone (`render.rs`).
//! The limits, fields and plan are in `types.rs`.
//!
//! Must not: start processes, resolve names, or let dig ask any server but
//! the scope-checked one.

mod flags;
mod grammar;
mod render;
#[cfg(test)]
mod tests;
mod types;

use crate::tools::descriptor::{Intrusive, RawSockets, ToolGrammar};
use crate::tools::id::ToolId;

pub(crate) use grammar::parse;
pub use render::SERVER_FLAGS;
pub(crate) use render::render;
pub use types::{
    DigFields, DigLimits, DigPlan, DnsClass, FIELD_QUERY_CLASS, FIELD_QUERY_TYPE, FIELD_SERVER,
    PlusOpt, Query, RECORD_TYPES, RecordType,
};

/// dig's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Dig,
    binary: "dig",
    version_probe: &["-v"],
    version_prefix: "DiG ",
    raw_sockets: RawSockets::Never,
    intrusive: Intrusive::SomeOptions,
    options: flags::options,
};
