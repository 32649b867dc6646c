//! gobuster's option table: every spelling the grammar knows, the modes it
//! belongs to, its value kind, and every refused spelling with its reason.
//! The grammar (`grammar.rs`) enforces these rows and [`options`] documents
//! them.
//!
//! Must not: parse values (the grammar does) or render argv.

use super::types::Mode;
use crate::call::FileKind;
use crate::lists;
use crate::tools::id::ToolId;
use crate::tools::options::{Join, OptionDoc, ToolOptions, Why};

/// An accepted option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    Threads,
    Delay,
    Wordlist,
    Quiet,
    NoProgress,
    NoColor,
    NoError,
    Timeout,
    Extensions,
    StatusCodes,
    StatusBlacklist,
    AddSlash,
    NoTls,
    Expanded,
    NoStatus,
    HideLength,
    DiscoverBackup,
    Retry,
    RetryAttempts,
    RandomAgent,
    UserAgent,
    Method,
    ExcludeLength,
    AppendDomain,
    Domain,
    ShowIps,
    ShowCname,
    Wildcard,
    Resolver,
}

/// The kind of an option's value: what the grammar checks and the docs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No value.
    Switch,
    /// Threads: 1 to `tools.gobuster.max_threads`.
    Threads,
    /// A Go duration (`500ms`, `2s`, `1m`) of at most this many milliseconds.
    Duration(u64),
    /// A wordlist: an alias, a built-in list or a path under the configured roots.
    Wordlist,
    /// File extensions: `php,txt`.
    Extensions,
    /// HTTP status codes and ranges: `200,301-302`.
    Statuses,
    /// A whole number in this range.
    Int(u64, u64),
    /// Printable ASCII text.
    Text,
    /// One of these words (exact).
    OneOf(&'static [&'static str]),
    /// Comma-separated response lengths.
    Lengths,
    /// A DNS server: `IP`, `IP:PORT`, `[v6]:PORT`, `NAME[:PORT]`.
    Resolver,
    /// A DNS name the scope allows (checked by name; it is only sent as the
    /// Host header's domain, never resolved).
    Domain,
}

/// One accepted option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub short: Option<&'static str>,
    pub long: &'static str,
    pub opt: Opt,
    pub kind: Kind,
    pub modes: &'static [Mode],
}

impl Spec {
    /// Its spellings, short first.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'static str> {
        self.short.into_iter().chain([self.long])
    }
}

const ALL: &[Mode] = &[Mode::Dir, Mode::Dns, Mode::Vhost];
const HTTP: &[Mode] = &[Mode::Dir, Mode::Vhost];
const DIR: &[Mode] = &[Mode::Dir];
const DNS: &[Mode] = &[Mode::Dns];
const VHOST: &[Mode] = &[Mode::Vhost];

/// The longest `--delay`, in milliseconds.
pub(crate) const MAX_DELAY_MS: u64 = 10_000;
/// The longest `--timeout`, in milliseconds.
pub(crate) const MAX_TIMEOUT_MS: u64 = 60_000;
/// The methods `-m` accepts.
pub(crate) const METHODS: &[&str] = &["GET", "HEAD", "POST", "OPTIONS"];

const fn s(
    short: Option<&'static str>,
    long: &'static str,
    opt: Opt,
    kind: Kind,
    modes: &'static [Mode],
) -> Spec {
    Spec {
        short,
        long,
        opt,
        kind,
        modes,
    }
}

/// Every accepted option, in the order the docs list them.
pub(crate) const SPECS: &[Spec] = &[
    s(Some("-t"), "--threads", Opt::Threads, Kind::Threads, ALL),
    s(
        None,
        "--delay",
        Opt::Delay,
        Kind::Duration(MAX_DELAY_MS),
        ALL,
    ),
    s(Some("-w"), "--wordlist", Opt::Wordlist, Kind::Wordlist, ALL),
    s(Some("-q"), "--quiet", Opt::Quiet, Kind::Switch, ALL),
    s(
        Some("-z"),
        "--no-progress",
        Opt::NoProgress,
        Kind::Switch,
        ALL,
    ),
    s(None, "--no-color", Opt::NoColor, Kind::Switch, ALL),
    s(None, "--no-error", Opt::NoError, Kind::Switch, ALL),
    s(
        None,
        "--timeout",
        Opt::Timeout,
        Kind::Duration(MAX_TIMEOUT_MS),
        ALL,
    ),
    s(
        Some("-x"),
        "--extensions",
        Opt::Extensions,
        Kind::Extensions,
        DIR,
    ),
    s(
        Some("-s"),
        "--status-codes",
        Opt::StatusCodes,
        Kind::Statuses,
        DIR,
    ),
    s(
        Some("-b"),
        "--status-codes-blacklist",
        Opt::StatusBlacklist,
        Kind::Statuses,
        DIR,
    ),
    s(Some("-f"), "--add-slash", Opt::AddSlash, Kind::Switch, DIR),
    s(Some("-e"), "--expanded", Opt::Expanded, Kind::Switch, DIR),
    s(Some("-n"), "--no-status", Opt::NoStatus, Kind::Switch, DIR),
    s(None, "--hide-length", Opt::HideLength, Kind::Switch, DIR),
    s(
        Some("-d"),
        "--discover-backup",
        Opt::DiscoverBackup,
        Kind::Switch,
        DIR,
    ),
    s(
        Some("-k"),
        "--no-tls-validation",
        Opt::NoTls,
        Kind::Switch,
        HTTP,
    ),
    s(None, "--retry", Opt::Retry, Kind::Switch, HTTP),
    s(
        None,
        "--retry-attempts",
        Opt::RetryAttempts,
        Kind::Int(1, 10),
        HTTP,
    ),
    s(None, "--random-agent", Opt::RandomAgent, Kind::Switch, HTTP),
    s(Some("-a"), "--useragent", Opt::UserAgent, Kind::Text, HTTP),
    s(
        Some("-m"),
        "--method",
        Opt::Method,
        Kind::OneOf(METHODS),
        HTTP,
    ),
    s(
        None,
        "--exclude-length",
        Opt::ExcludeLength,
        Kind::Lengths,
        HTTP,
    ),
    s(
        None,
        "--append-domain",
        Opt::AppendDomain,
        Kind::Switch,
        VHOST,
    ),
    s(None, "--domain", Opt::Domain, Kind::Domain, VHOST),
    s(Some("-i"), "--show-ips", Opt::ShowIps, Kind::Switch, DNS),
    s(
        Some("-c"),
        "--show-cname",
        Opt::ShowCname,
        Kind::Switch,
        DNS,
    ),
    s(None, "--wildcard", Opt::Wildcard, Kind::Switch, DNS),
    s(Some("-r"), "--resolver", Opt::Resolver, Kind::Resolver, DNS),
];

const WRITES: Why = Why {
    family: "output files",
    reason: "it writes a local file; the server reads gobuster's output itself",
};
const READS: Why = Why {
    family: "input files",
    reason: "it makes gobuster read a local file",
};
/// Why a second URL, domain or positional argument is refused.
pub(crate) const TARGET_ONLY: &str =
    "the URL or domain comes only from the target field (one per call)";
const SECRETS: Why = Why {
    family: "credentials, cookies, headers",
    reason: "credentials and headers on the command line end up in logs; this tool does not take them",
};

/// Refused spellings (any mode unless accepted above for the call's mode).
pub(crate) const REFUSED: &[(&[&str], Why)] = &[
    (&["-o", "--output"], WRITES),
    (&["-p", "--pattern"], READS),
    (&["-X", "--extensions-file"], READS),
    (
        &[
            "--client-cert-p12",
            "--client-cert-p12-password",
            "--client-cert-pem",
            "--client-cert-pem-key",
        ],
        READS,
    ),
    (
        &["--proxy"],
        Why {
            family: "proxies and redirects",
            reason: "proxies relay requests through another host, outside the scope check",
        },
    ),
    (
        &["-u", "--url", "-d", "--domain"],
        Why {
            family: "other targets",
            reason: TARGET_ONLY,
        },
    ),
    (
        &["-r", "--follow-redirect"],
        Why {
            family: "proxies and redirects",
            reason: "following redirects can lead gobuster to hosts outside the scope",
        },
    ),
    (
        &[
            "-U",
            "--username",
            "-P",
            "--password",
            "-c",
            "--cookies",
            "-H",
            "--headers",
        ],
        SECRETS,
    ),
    (&["--no-canonicalize-headers"], SECRETS),
    (
        &["-v", "--verbose"],
        Why {
            family: "verbose, help",
            reason: "verbose output floods the result with misses",
        },
    ),
    (
        &["-h", "--help"],
        Why {
            family: "verbose, help",
            reason: "help text is not a scan",
        },
    ),
];

/// The docs group of a set of modes.
fn group(modes: &[Mode]) -> &'static str {
    match modes {
        [_, _, _] => "all modes",
        [Mode::Dir, Mode::Vhost] => "dir and vhost",
        [Mode::Dir] => "dir",
        [Mode::Vhost] => "vhost",
        [Mode::Dns] => "dns",
        _ => "other modes",
    }
}

/// The docs of gobuster's options, from [`SPECS`] and [`REFUSED`].
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Gobuster);
    for spec in SPECS {
        let modes: Vec<&'static str> = spec.modes.iter().map(|m| m.as_str()).collect();
        let d = OptionDoc::new(spec.names()).modes(&modes);
        let d = match spec.kind {
            Kind::Switch if matches!(spec.opt, Opt::Quiet | Opt::NoProgress | Opt::NoColor) => {
                d.note("always added")
            }
            Kind::Switch => d,
            Kind::Threads => d
                .value("N", Join::Separate, "5")
                .note("max tools.gobuster.max_threads"),
            Kind::Duration(max) if spec.opt == Opt::Delay => {
                d.value("D", Join::Separate, "50ms").note(format!(
                    "min tools.gobuster.min_delay_ms, max {}s",
                    max / 1000
                ))
            }
            Kind::Duration(max) => d
                .value("D", Join::Separate, "10s")
                .note(format!("max {}s", max / 1000)),
            Kind::Wordlist => d
                .value("NAME", Join::Separate, "web-paths")
                .note("as the wordlist field"),
            Kind::Extensions => d.value("EXTS", Join::Separate, "php,txt"),
            Kind::Statuses => d.value("CODES", Join::Separate, "200,301-302"),
            Kind::Int(min, max) => d
                .value("N", Join::Separate, &min.to_string())
                .note(format!("{min}-{max}")),
            Kind::Text => d.value("UA", Join::Separate, "secmcp"),
            Kind::OneOf(words) => d.value(words.join("|"), Join::Separate, words[0]),
            Kind::Lengths => d.value("N,N", Join::Separate, "0,42"),
            Kind::Resolver => d
                .value("ADDR[:PORT]", Join::Separate, "10.0.0.53")
                .note("in scope; needed unless tools.gobuster.dns_resolver is set"),
            Kind::Domain => d
                .value("NAME", Join::Separate, "corp.lab.internal")
                .note("in scope by name; default the URL's host"),
        };
        o.add(group(spec.modes), d);
    }
    for (names, why) in REFUSED {
        for n in *names {
            o.refuse(*why, *n);
        }
    }
    o.note(format!(
        "Built-in wordlists: {}.",
        lists::names_for(FileKind::Wordlist).join(", ")
    ));
    o.note(
        "Needs allow_intrusive. Target: one http(s) URL (dir, vhost) or an in-scope domain (dns). Write -t 5 or --threads=5, never -t5. Always added: -q -z --no-color, -t (default tools.gobuster.default_threads), --delay.",
    );
    o
}
