//! masscan's option table: every spelling the grammar knows, its value kind
//! and gate, and every refused spelling with its reason. The grammar
//! (`grammar.rs`) enforces these rows and [`options`] documents them.
//!
//! masscan itself matches names loosely (case-insensitive, ignoring `-`, `_`
//! and `.`); accepted spellings here are EXACT, and refused names are
//! compared the way masscan compares them, so `--Output_Format` is refused as
//! `--output-format` is.
//!
//! Must not: parse values (the grammar does) or render argv.

use super::types::{MAX_PORT_ITEMS, MAX_RETRIES, MAX_WAIT_SECS};
use crate::tools::id::ToolId;
use crate::tools::options::{Gate, Join, OptionDoc, ToolOptions, Why};

/// An accepted option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    Ports,
    Rate,
    Wait,
    Retries,
    Banners,
    Ping,
    /// nmap habits masscan ignores: `-sS`, `-Pn`, `-n`.
    NoOp,
}

/// The kind of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No value.
    Switch,
    /// A port list ([`super::parse_port_list`]).
    Ports,
    /// Packets per second, within the rate limits of `tools.masscan`.
    Rate,
    /// A whole number from 0 to this.
    UpTo(u32),
}

/// One accepted option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Every accepted spelling; the first is canonical.
    pub names: &'static [&'static str],
    pub opt: Opt,
    pub kind: Kind,
    pub gate: Gate,
    /// What makes it intrusive, for the refusal message ("--banners opens
    /// ... (intrusive)"); empty when it is not.
    pub why: &'static str,
    pub group: &'static str,
}

const fn spec(names: &'static [&'static str], opt: Opt, kind: Kind, group: &'static str) -> Spec {
    Spec {
        names,
        opt,
        kind,
        gate: Gate::Open,
        why: "",
        group,
    }
}

/// Every accepted option. `-p` also takes its list glued on (`-p80`).
pub(crate) const ACCEPTED: &[Spec] = &[
    spec(&["-p", "--ports"], Opt::Ports, Kind::Ports, "ports"),
    spec(&["--rate", "--max-rate"], Opt::Rate, Kind::Rate, "rate"),
    spec(&["--wait"], Opt::Wait, Kind::UpTo(MAX_WAIT_SECS), "timing"),
    spec(
        &["--retries"],
        Opt::Retries,
        Kind::UpTo(MAX_RETRIES),
        "timing",
    ),
    Spec {
        gate: Gate::Intrusive,
        why: "opens full TCP sessions to every open port",
        ..spec(&["--banners"], Opt::Banners, Kind::Switch, "probes")
    },
    spec(&["--ping"], Opt::Ping, Kind::Switch, "probes"),
    spec(
        &["-sS", "-Pn", "-n"],
        Opt::NoOp,
        Kind::Switch,
        "ignored (masscan always SYN-scans, no DNS)",
    ),
];

pub(crate) const OUTPUT: Why = Why {
    family: "output files",
    reason: "it writes output files or changes the output format; the server reads masscan's results itself (-oD -)",
};
const CONF: Why = Why {
    family: "config files",
    reason: "it reads or writes a masscan configuration file",
};
const FILES: Why = Why {
    family: "input files",
    reason: "it makes masscan read local files",
};
const SPOOF: Why = Why {
    family: "spoofing",
    reason: "source spoofing is not available",
};
const ADAPTER: Why = Why {
    family: "adapter settings",
    reason: "adapter and router settings come only from the server's config (tools.masscan)",
};
/// Why extra ranges and positional arguments are refused.
pub(crate) const RANGES: Why = Why {
    family: "other targets",
    reason: "targets come only from the target field (one IP or CIDR per call)",
};
const OTHER: Why = Why {
    family: "other modes",
    reason: "it is not available through this server",
};

/// Refused spellings and why; compared after [`normalized`].
pub(crate) const REFUSED: &[(&str, Why)] = &[
    ("--output-format", OUTPUT),
    ("--output-filename", OUTPUT),
    ("--output-file", OUTPUT),
    ("--append-output", OUTPUT),
    ("--output-append", OUTPUT),
    ("--rotate", OUTPUT),
    ("--rotate-dir", OUTPUT),
    ("--rotate-offset", OUTPUT),
    ("--rotate-size", OUTPUT),
    ("--stylesheet", OUTPUT),
    ("--echo", OUTPUT),
    ("--echo-all", OUTPUT),
    ("--echo-cidr", OUTPUT),
    ("--redis", OUTPUT),
    ("--redis-pwd", OUTPUT),
    ("--interactive", OUTPUT),
    (
        "--pcap",
        Why {
            family: OUTPUT.family,
            reason: "it writes a packet capture file",
        },
    ),
    ("-c", CONF),
    ("--conf", CONF),
    ("--config", CONF),
    ("--resume", CONF),
    ("--resume-index", CONF),
    ("--resume-count", CONF),
    ("--excludefile", FILES),
    ("--includefile", FILES),
    ("-iL", FILES),
    ("--readscan", FILES),
    ("--readrange", FILES),
    ("--readranges", FILES),
    ("--pcap-payloads", FILES),
    ("--nmap-payloads", FILES),
    ("--nmap-service-probes", FILES),
    ("--hello-file", FILES),
    ("--source-ip", SPOOF),
    ("--source-port", SPOOF),
    ("--source-mac", SPOOF),
    ("--spoof-mac", SPOOF),
    ("--ttl", SPOOF),
    ("--adapter", ADAPTER),
    ("--adapter-ip", ADAPTER),
    ("--adapter-mac", ADAPTER),
    ("--adapter-port", ADAPTER),
    ("--adapter-vlan", ADAPTER),
    ("--router-ip", ADAPTER),
    ("--router-mac", ADAPTER),
    ("--router-mac-ipv4", ADAPTER),
    ("--router-mac-ipv6", ADAPTER),
    ("--interface", ADAPTER),
    ("-e", ADAPTER),
    ("-i", ADAPTER),
    ("--range", RANGES),
    ("--ranges", RANGES),
    ("--include", RANGES),
    ("--exclude", RANGES),
    ("--exclude-range", RANGES),
    ("--exclude-ranges", RANGES),
    ("--target", RANGES),
    ("--targets", RANGES),
    ("--hello-string", OTHER),
    ("--hello", OTHER),
    ("--shard", OTHER),
    ("--shards", OTHER),
    ("--seed", OTHER),
    ("--infinite", OTHER),
    ("--offline", OTHER),
    ("--packet-trace", OTHER),
    ("--trace", OTHER),
    ("--heartbleed", OTHER),
    ("--ticketbleed", OTHER),
    ("--poodle", OTHER),
    ("--vuln", OTHER),
    ("--capture", OTHER),
    ("--nocapture", OTHER),
    ("--noreset", OTHER),
    ("--regress", OTHER),
    ("--selftest", OTHER),
    ("--benchmark", OTHER),
    ("--send-eth", OTHER),
    ("--badsum", OTHER),
    ("--script", OTHER),
    ("--toports", OTHER),
    ("--top-ports", OTHER),
];

/// Refused single-dash families with a value glued on (`-oJ`, `-oXfile`,
/// `-iLfile`, `-cfile`, `-eeth0`), and how much of the token names them.
const REFUSED_PREFIX: &[(&str, usize, Why)] = &[
    ("-o", 3, OUTPUT),
    ("-iL", 3, FILES),
    ("-c", 2, CONF),
    ("-e", 2, ADAPTER),
    ("-i", 2, ADAPTER),
];

/// A name the way masscan compares it: lower-case, without `-`, `_`, `.`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn refused(name: &str) -> Option<&'static str> {
    let n = normalized(name);
    REFUSED
        .iter()
        .find(|(r, _)| normalized(r) == n)
        .map(|(_, why)| why.reason)
}

/// What one token is.
pub(crate) enum Lookup<'a> {
    /// An accepted option: its spec, the spelling used, any attached value.
    Known(&'static Spec, &'static str, Option<&'a str>),
    /// A refused option, as typed without its value, and why.
    Refused(&'a str, &'static str),
    /// Not an option.
    Positional,
    /// An option nobody listed.
    Unknown,
}

/// Classifies one token (`-p 80`, `-p80`, `--rate=100`).
pub(crate) fn lookup(tok: &str) -> Lookup<'_> {
    if !tok.starts_with('-') || tok == "-" {
        return Lookup::Positional;
    }
    let (name, value) = match tok.split_once('=') {
        Some((n, v)) if tok.starts_with("--") => (n, Some(v)),
        _ => (tok, None),
    };
    for spec in ACCEPTED {
        if let Some(spelling) = spec.names.iter().find(|s| **s == name) {
            return Lookup::Known(spec, spelling, value);
        }
    }
    // `-p80`: the port list attached to -p.
    if let Some(v) = tok.strip_prefix("-p")
        && !v.is_empty()
        && !tok.starts_with("--")
        && let Some(spec) = ACCEPTED.iter().find(|s| s.opt == Opt::Ports)
    {
        return Lookup::Known(spec, "-p", Some(v));
    }
    if let Some(why) = refused(name.trim_start_matches('-')) {
        return Lookup::Refused(name, why);
    }
    if !tok.starts_with("--")
        && let Some((p, len, why)) = REFUSED_PREFIX.iter().find(|(p, ..)| tok.starts_with(p))
    {
        return Lookup::Refused(tok.get(..*len).unwrap_or(p), why.reason);
    }
    Lookup::Unknown
}

/// The docs of masscan's options, from [`ACCEPTED`], [`REFUSED`] and the
/// limits of `tools.masscan`.
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Masscan);
    for spec in ACCEPTED {
        let d = OptionDoc::new(spec.names.iter().copied()).gate(spec.gate);
        let d = match spec.kind {
            Kind::Switch => d,
            Kind::Ports => d
                .value("PORTS", Join::Separate, "80,443")
                .note(format!("22,80,8000-8100,U:53; max {MAX_PORT_ITEMS} items; also -p80")),
            Kind::Rate => d.value("N", Join::Separate, "100").note(
                "pps; default tools.masscan.default_rate_pps; over safe_rate_pps intrusive; max max_rate_pps",
            ),
            Kind::UpTo(max) => d.value("N", Join::Separate, "1").note(format!("0-{max}")),
        };
        o.add(spec.group, d);
    }
    for (name, why) in REFUSED {
        o.refuse(*why, *name);
    }
    // `-o*`: the prefix with anything glued on (`-oJ`, `-oXfile`).
    for (prefix, _, why) in REFUSED_PREFIX {
        o.refuse(*why, format!("{prefix}*"));
    }
    o.note(
        "Needs raw sockets. Target: one IP or CIDR, no names; over tools.masscan.max_cidr_addresses needs allow_intrusive, hard_max_cidr_addresses always applies. Ports are required (ports field or -p). addresses x ports / rate + wait must fit the call timeout; --wait defaults to tools.masscan.default_wait_secs. Always added: -oD -, the configured adapter.",
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_unique_and_refused_names_are_not_accepted() {
        let mut seen = std::collections::HashSet::new();
        for spec in ACCEPTED {
            for n in spec.names {
                assert!(seen.insert(normalized(n)), "{n} listed twice");
            }
        }
        for (n, _) in REFUSED {
            assert!(n.starts_with('-'), "{n}");
            assert!(seen.insert(normalized(n)), "{n} listed twice");
        }
    }
}
