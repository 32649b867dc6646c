//! nmap option spellings: which tokens name which option, and which options
//! are refused and why.
//!
//! Matching is EXACT. nmap's `getopt_long_only` accepts unambiguous prefixes
//! (`--script-ar`) and single-dash long options (`-top-ports`); here every
//! spelling not listed is unknown.

/// An accepted option, identified by its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    /// `-s<letters>`: scan types, `-sV`, `-sC`, `-sn`.
    ScanBundle,
    VersionIntensity,
    VersionLight,
    VersionAll,
    Ports,
    TopPorts,
    Fast,
    Sequential,
    Timing,
    MinRate,
    MaxRate,
    MaxRetries,
    HostTimeout,
    ScanDelay,
    MaxScanDelay,
    NoPing,
    PingSyn,
    PingAck,
    PingUdp,
    PingEcho,
    NoDns,
    Os,
    OsscanGuess,
    OsscanLimit,
    Open,
    Reason,
    /// `-v`, `-vv`: the count of `v`s.
    Verbose(u8),
    Script,
    Aggressive,
    Traceroute,
}

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// No value.
    Switch,
    /// A value: attached (`-p80`, `--top-ports=10`) or the next token.
    Value,
    /// An optional value that can only be attached (`-PS22,80`, `-sV`).
    Attached,
}

/// A token recognized as an option, with any value attached to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spelled<'a> {
    pub opt: Opt,
    /// The canonical spelling, for messages (`--top-ports`, `-p`).
    pub name: &'static str,
    pub arity: Arity,
    pub attached: Option<&'a str>,
}

const LONG: &[(&str, Opt, Arity)] = &[
    ("--version-intensity", Opt::VersionIntensity, Arity::Value),
    ("--version-light", Opt::VersionLight, Arity::Switch),
    ("--version-all", Opt::VersionAll, Arity::Switch),
    ("--top-ports", Opt::TopPorts, Arity::Value),
    ("--min-rate", Opt::MinRate, Arity::Value),
    ("--max-rate", Opt::MaxRate, Arity::Value),
    ("--max-retries", Opt::MaxRetries, Arity::Value),
    ("--host-timeout", Opt::HostTimeout, Arity::Value),
    ("--scan-delay", Opt::ScanDelay, Arity::Value),
    ("--max-scan-delay", Opt::MaxScanDelay, Arity::Value),
    ("--osscan-guess", Opt::OsscanGuess, Arity::Switch),
    ("--osscan-limit", Opt::OsscanLimit, Arity::Switch),
    ("--open", Opt::Open, Arity::Switch),
    ("--reason", Opt::Reason, Arity::Switch),
    ("--script", Opt::Script, Arity::Value),
    ("--traceroute", Opt::Traceroute, Arity::Switch),
];

const SHORT: &[(&str, Opt)] = &[
    ("-F", Opt::Fast),
    ("-r", Opt::Sequential),
    ("-Pn", Opt::NoPing),
    ("-PE", Opt::PingEcho),
    ("-n", Opt::NoDns),
    ("-O", Opt::Os),
    ("-A", Opt::Aggressive),
    ("-v", Opt::Verbose(1)),
    ("-vv", Opt::Verbose(2)),
];

/// Short options whose value follows directly or in the next token.
const SHORT_VALUE: &[(&str, Opt)] = &[("-p", Opt::Ports), ("-T", Opt::Timing)];

/// Short options whose optional value can only be attached.
const SHORT_ATTACHED: &[(&str, Opt)] = &[
    ("-PS", Opt::PingSyn),
    ("-PA", Opt::PingAck),
    ("-PU", Opt::PingUdp),
    ("-s", Opt::ScanBundle),
];

const READS_FILES: &str = "it makes nmap read local files";
const WRITES_FILES: &str = "it makes nmap write local files; the server collects XML output itself";
const TARGETS: &str = "targets come only from the target field";
const SPOOFS: &str = "source spoofing, evasion, proxies and interface selection are not available";

/// Refused option names (without dashes) and the reason for each.
const REFUSED: &[(&str, &str)] = &[
    (
        "iL",
        "it reads targets from a local file; targets come only from the target field",
    ),
    (
        "iR",
        "it scans random internet hosts; targets come only from the target field",
    ),
    ("exclude", TARGETS),
    ("excludefile", READS_FILES),
    ("resume", READS_FILES),
    ("datadir", READS_FILES),
    ("servicedb", READS_FILES),
    ("versiondb", READS_FILES),
    ("script-args-file", READS_FILES),
    (
        "script-args",
        "script arguments can name local files to read or write",
    ),
    ("oN", WRITES_FILES),
    ("oX", WRITES_FILES),
    ("oG", WRITES_FILES),
    ("oA", WRITES_FILES),
    ("oS", WRITES_FILES),
    ("oM", WRITES_FILES),
    ("append-output", WRITES_FILES),
    (
        "stylesheet",
        "it points the XML output at a stylesheet path or URL",
    ),
    ("webxml", "it points the XML output at a remote stylesheet"),
    ("script-updatedb", "it rewrites nmap's script database"),
    ("script-help", "it prints script help instead of scanning"),
    (
        "script-trace",
        "tracing floods the output and is not available",
    ),
    (
        "packet-trace",
        "tracing floods the output and is not available",
    ),
    ("D", SPOOFS),
    ("S", SPOOFS),
    ("e", SPOOFS),
    ("g", SPOOFS),
    ("source-port", SPOOFS),
    ("spoof-mac", SPOOFS),
    ("proxies", SPOOFS),
    ("proxy", SPOOFS),
    ("data", SPOOFS),
    ("data-string", SPOOFS),
    ("data-length", SPOOFS),
    ("ip-options", SPOOFS),
    ("ttl", SPOOFS),
    ("f", SPOOFS),
    ("ff", SPOOFS),
    ("mtu", SPOOFS),
    ("badsum", SPOOFS),
    ("send-eth", "the server chooses how packets are sent"),
    ("send-ip", "the server chooses how packets are sent"),
    (
        "privileged",
        "the server picks --privileged or --unprivileged from whether it holds CAP_NET_RAW",
    ),
    (
        "unprivileged",
        "the server picks --privileged or --unprivileged from whether it holds CAP_NET_RAW",
    ),
    ("b", "FTP bounce scans relay through third-party servers"),
    (
        "sI",
        "idle scans spoof traffic through a third-party zombie host",
    ),
    ("iflist", "it lists the server's interfaces and routes"),
    ("R", "the server always disables DNS resolution (-n)"),
    (
        "dns-servers",
        "the server always disables DNS resolution (-n)",
    ),
    (
        "system-dns",
        "the server always disables DNS resolution (-n)",
    ),
    (
        "6",
        "the target decides IPv6: give an IPv6 address and the server adds -6",
    ),
    ("h", "help output is not a scan"),
    ("help", "help output is not a scan"),
    ("V", "version output is not a scan"),
    ("version", "version output is not a scan"),
];

/// Prefixes of refused short options that take attached values
/// (`-oNfile`, `-iLlist`, `-Ddecoy`, `-S1.2.3.4`, `-eeth0`, `-g53`, `-bftp`).
const REFUSED_PREFIX: &[(&str, &str)] = &[
    ("-o", WRITES_FILES),
    ("-i", READS_FILES),
    ("-D", SPOOFS),
    ("-S", SPOOFS),
    ("-e", SPOOFS),
    ("-g", SPOOFS),
    ("-b", "FTP bounce scans relay through third-party servers"),
    ("-f", SPOOFS),
];

/// What a token is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// An accepted option.
    Known(Spelled<'a>),
    /// A refused option: its spelling as typed (without any value) and why.
    Refused(&'a str, &'static str),
    /// A single-dash spelling of an accepted long option.
    SingleDashLong(&'static str),
    /// Not an option nmap takes from us.
    Unknown,
    /// Not an option at all.
    Positional,
}

/// Classifies one token.
pub(crate) fn lookup(tok: &str) -> Lookup<'_> {
    if let Some(body) = tok.strip_prefix("--") {
        return lookup_long(tok, body);
    }
    if tok.len() > 1 && tok.starts_with('-') {
        return lookup_short(tok);
    }
    Lookup::Positional
}

fn lookup_long<'a>(tok: &'a str, body: &'a str) -> Lookup<'a> {
    let (name, value) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    if let Some(&(name, opt, arity)) = find_long(name) {
        return Lookup::Known(Spelled {
            opt,
            name,
            arity,
            attached: value,
        });
    }
    match refused(name) {
        Some(why) => Lookup::Refused(&tok[..2 + name.len()], why),
        None => Lookup::Unknown,
    }
}

fn lookup_short(tok: &str) -> Lookup<'_> {
    if let Some(&(name, opt)) = SHORT.iter().find(|(s, _)| *s == tok) {
        return Lookup::Known(Spelled {
            opt,
            name,
            arity: Arity::Switch,
            attached: None,
        });
    }
    let body = &tok[1..];
    let name = body.split_once('=').map_or(body, |(n, _)| n);
    if let Some(why) = refused(name) {
        return Lookup::Refused(&tok[..1 + name.len()], why);
    }
    if let Some(&(spelling, ..)) = find_long(name) {
        return Lookup::SingleDashLong(spelling);
    }
    if body.bytes().all(|b| b == b'v') {
        let n = u8::try_from(body.len()).unwrap_or(u8::MAX);
        return Lookup::Known(Spelled {
            opt: Opt::Verbose(n),
            name: "-v",
            arity: Arity::Switch,
            attached: None,
        });
    }
    lookup_short_prefixed(tok)
}

fn lookup_short_prefixed(tok: &str) -> Lookup<'_> {
    let tables = [
        (SHORT_VALUE, Arity::Value),
        (SHORT_ATTACHED, Arity::Attached),
    ];
    for (table, arity) in tables {
        if let Some(&(name, opt)) = table.iter().find(|(p, _)| tok.starts_with(p)) {
            let rest = &tok[name.len()..];
            let attached = (!rest.is_empty()).then_some(rest);
            return Lookup::Known(Spelled {
                opt,
                name,
                arity,
                attached,
            });
        }
    }
    match REFUSED_PREFIX.iter().find(|(p, _)| tok.starts_with(p)) {
        Some(&(p, why)) => Lookup::Refused(shown_prefix(tok, p), why),
        None => Lookup::Unknown,
    }
}

fn refused(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, why)| why)
}

fn find_long(name: &str) -> Option<&'static (&'static str, Opt, Arity)> {
    LONG.iter().find(|(s, ..)| &s[2..] == name)
}

/// The refused option as typed, without its attached value: `-oN` of
/// `-oNfile`, `-iL` of `-iLlist`; just the prefix for one-letter options.
fn shown_prefix<'a>(tok: &'a str, prefix: &'static str) -> &'a str {
    if !matches!(prefix, "-o" | "-i") {
        return &tok[..prefix.len()];
    }
    tok.char_indices().nth(3).map_or(tok, |(i, _)| &tok[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_options_are_spelled_with_two_dashes() {
        for (s, ..) in LONG {
            assert!(s.starts_with("--") && !s[2..].starts_with('-'), "{s}");
        }
    }

    #[test]
    fn refused_entries_are_not_also_accepted() {
        for (n, _) in REFUSED {
            assert!(find_long(n).is_none(), "{n}");
            assert!(!SHORT.iter().any(|(s, _)| &s[1..] == *n), "{n}");
        }
    }
}
