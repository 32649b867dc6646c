//! masscan: stateless port sweeps at a fixed rate. Its descriptor
//! ([`GRAMMAR`]) and what the crate and the server use of it.
//!
//! Targets are IP addresses or CIDR ranges only (no host names: masscan does
//! no DNS, and a name would hide what is scanned). A range above
//! `tools.masscan.max_cidr_addresses` needs `security.allow_intrusive`, and
//! `hard_max_cidr_addresses` always applies. The send rate defaults to
//! `default_rate_pps`; above `safe_rate_pps` it needs `allow_intrusive`, and
//! `max_rate_pps` is an absolute ceiling, whichever spelling sets it
//! (`--rate N`, `--rate=N`, `--max-rate N`, `--max-rate=N`).
//!
//! masscan matches option names loosely (case-insensitive, ignoring `-`, `_`
//! and `.`), so only EXACT spellings listed in `flags.rs` are accepted;
//! everything else is refused, with a reason for the known dangerous
//! families: output and config files, include/exclude files, `--readscan`,
//! `--pcap`, `--resume`, source spoofing and adapter settings (those come
//! only from config), and extra ranges (`--range`, positional arguments). The
//! argv is rendered from the plan alone (`render.rs`). masscan always needs
//! raw sockets. The limits, fields, port lists and plan are in `types.rs`.
//!
//! Must not: start processes, or take a target, range or adapter setting
//! from anywhere but the target field and the operator's config.

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
    AdapterSettings, FIELD_PORTS, FIELD_RATE, MAX_PORT_ITEMS, MAX_RETRIES, MAX_WAIT_SECS,
    MasscanFields, MasscanLimits, MasscanPlan, PortList, PortProto, PortRange, normalize_mac,
    parse_port_list, valid_interface_name,
};

/// masscan's descriptor.
pub static GRAMMAR: ToolGrammar = ToolGrammar {
    id: ToolId::Masscan,
    binary: "masscan",
    version_probe: &["--version"],
    version_prefix: "Masscan version ",
    raw_sockets: RawSockets::Always,
    intrusive: Intrusive::SomeOptions,
    options: flags::options,
};
