//! nmap's option table: every spelling the grammar knows, how its value is
//! written and checked, its gate, and every refused spelling with its reason.
//! The grammar (`grammar.rs`) enforces these rows and [`options`] documents
//! them; nothing else lists nmap options.
//!
//! Matching is EXACT. nmap's `getopt_long_only` accepts unambiguous prefixes
//! (`--script-ar`) and single-dash long options (`-top-ports`); here every
//! spelling not listed is unknown.
//!
//! Must not: parse values (the grammar does) or render argv.

use super::render::SERVER_FLAGS;
use super::scripts::{CATEGORIES, MAX_SCRIPT_ITEMS};
use super::types::{DEFAULT_TIMING, DEFAULT_TOP_PORTS, MAX_DELAY_MS, ScanType};
use super::values::MAX_PORT_ITEMS;
use crate::tools::id::ToolId;
use crate::tools::options::{Gate, Join, OptionDoc, ToolOptions, Why};

/// An accepted option, identified by its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    /// `-s<letters>`: scan types, `-sV`, `-sC`, `-sn` ([`SCAN_LETTERS`]).
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

/// How an option is spelled and where its value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `--name`, `--name VALUE` or `--name=VALUE`.
    Long,
    /// Exactly this token (`-F`).
    Short,
    /// `-p PORTS` or `-p80`.
    ShortValue,
    /// `-PS` or `-PS22,80`: an optional value, glued on only.
    ShortGlued,
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

/// The kind of an option's value: what the grammar checks and the docs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No value.
    Switch,
    /// A whole number in this range.
    Int(u64, u64),
    /// Packets per second, 1 to `tools.nmap.max_rate_pps`.
    Rate,
    /// A port list (`22,80,1-1024,U:53`, `-`).
    Ports,
    /// A port list without protocol prefixes, glued on (`-PS22,80`).
    ProbePorts,
    /// A timing template: 0-5 or its name.
    Timing,
    /// An nmap time (`90s`), at most the call timeout.
    HostTime,
    /// An nmap time of at most [`MAX_DELAY_MS`].
    Delay,
    /// A comma list of vetted script names or categories.
    Scripts,
    /// Scan letters ([`SCAN_LETTERS`]).
    Letters,
}

/// The names of `-T0` to `-T5`.
pub(crate) const TIMING_NAMES: [&str; 6] = [
    "paranoid",
    "sneaky",
    "polite",
    "normal",
    "aggressive",
    "insane",
];

/// The timing template that needs `security.allow_intrusive`.
pub(crate) const INTRUSIVE_TIMING: u8 = 5;

/// One accepted option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub spelling: &'static str,
    pub opt: Opt,
    pub form: Form,
    pub kind: Kind,
    pub gate: Gate,
    /// Why it is intrusive, for the refusal message (empty when it is not).
    pub why: &'static str,
    /// What the raw-socket refusal adds after the spelling, e.g. `-A`'s
    /// " (it includes -O and --traceroute)" (empty for most).
    pub raw_why: &'static str,
    /// Its group in the docs.
    pub group: &'static str,
}

impl Spec {
    /// How it takes its value.
    pub(crate) fn arity(&self) -> Arity {
        match (self.form, self.kind) {
            (Form::Long | Form::Short, Kind::Switch) | (Form::Short, _) => Arity::Switch,
            (Form::Long | Form::ShortValue, _) => Arity::Value,
            (Form::ShortGlued, _) => Arity::Attached,
        }
    }
}

const SCAN: &str = "scan types (letters combine: -sSV)";
const DETECT: &str = "detection";
const SCRIPTS: &str = "scripts";
const PORTS: &str = "ports";
const DISCOVERY: &str = "host discovery";
const TIMING: &str = "timing";
const OUTPUT: &str = "output";
const AGGRESSIVE: &str = "aggressive";
const IGNORED: &str = "ignored (always added)";

const fn spec(
    spelling: &'static str,
    opt: Opt,
    form: Form,
    kind: Kind,
    group: &'static str,
) -> Spec {
    Spec {
        spelling,
        opt,
        form,
        kind,
        gate: Gate::Open,
        why: "",
        raw_why: "",
        group,
    }
}

const fn raw(spelling: &'static str, opt: Opt, form: Form, group: &'static str) -> Spec {
    Spec {
        gate: Gate::RawSockets,
        ..spec(spelling, opt, form, Kind::Switch, group)
    }
}

const fn intrusive(spelling: &'static str, opt: Opt, form: Form, why: &'static str) -> Spec {
    Spec {
        gate: Gate::RawSocketsAndIntrusive,
        why,
        ..spec(spelling, opt, form, Kind::Switch, AGGRESSIVE)
    }
}

/// Every accepted option, in the order the docs list them. The scan letters
/// of `-s` are in [`SCAN_LETTERS`].
pub(crate) const SPECS: &[Spec] = &[
    spec("-s", Opt::ScanBundle, Form::ShortGlued, Kind::Letters, SCAN),
    spec(
        "--version-intensity",
        Opt::VersionIntensity,
        Form::Long,
        Kind::Int(0, 9),
        DETECT,
    ),
    spec(
        "--version-light",
        Opt::VersionLight,
        Form::Long,
        Kind::Switch,
        DETECT,
    ),
    spec(
        "--version-all",
        Opt::VersionAll,
        Form::Long,
        Kind::Switch,
        DETECT,
    ),
    raw("-O", Opt::Os, Form::Short, DETECT),
    spec(
        "--osscan-guess",
        Opt::OsscanGuess,
        Form::Long,
        Kind::Switch,
        DETECT,
    ),
    spec(
        "--osscan-limit",
        Opt::OsscanLimit,
        Form::Long,
        Kind::Switch,
        DETECT,
    ),
    spec("--script", Opt::Script, Form::Long, Kind::Scripts, SCRIPTS),
    spec("-p", Opt::Ports, Form::ShortValue, Kind::Ports, PORTS),
    spec(
        "--top-ports",
        Opt::TopPorts,
        Form::Long,
        Kind::Int(1, 65535),
        PORTS,
    ),
    spec("-F", Opt::Fast, Form::Short, Kind::Switch, PORTS),
    spec("-r", Opt::Sequential, Form::Short, Kind::Switch, PORTS),
    spec("-Pn", Opt::NoPing, Form::Short, Kind::Switch, DISCOVERY),
    spec(
        "-PS",
        Opt::PingSyn,
        Form::ShortGlued,
        Kind::ProbePorts,
        DISCOVERY,
    ),
    Spec {
        gate: Gate::RawSockets,
        ..spec(
            "-PA",
            Opt::PingAck,
            Form::ShortGlued,
            Kind::ProbePorts,
            DISCOVERY,
        )
    },
    Spec {
        gate: Gate::RawSockets,
        ..spec(
            "-PU",
            Opt::PingUdp,
            Form::ShortGlued,
            Kind::ProbePorts,
            DISCOVERY,
        )
    },
    raw("-PE", Opt::PingEcho, Form::Short, DISCOVERY),
    spec("-T", Opt::Timing, Form::ShortValue, Kind::Timing, TIMING),
    spec("--min-rate", Opt::MinRate, Form::Long, Kind::Rate, TIMING),
    spec("--max-rate", Opt::MaxRate, Form::Long, Kind::Rate, TIMING),
    spec(
        "--max-retries",
        Opt::MaxRetries,
        Form::Long,
        Kind::Int(0, 10),
        TIMING,
    ),
    spec(
        "--host-timeout",
        Opt::HostTimeout,
        Form::Long,
        Kind::HostTime,
        TIMING,
    ),
    spec(
        "--scan-delay",
        Opt::ScanDelay,
        Form::Long,
        Kind::Delay,
        TIMING,
    ),
    spec(
        "--max-scan-delay",
        Opt::MaxScanDelay,
        Form::Long,
        Kind::Delay,
        TIMING,
    ),
    spec("--open", Opt::Open, Form::Long, Kind::Switch, OUTPUT),
    spec("--reason", Opt::Reason, Form::Long, Kind::Switch, OUTPUT),
    spec("-v", Opt::Verbose(1), Form::Short, Kind::Switch, OUTPUT),
    spec("-vv", Opt::Verbose(2), Form::Short, Kind::Switch, OUTPUT),
    Spec {
        raw_why: " (it includes -O and --traceroute)",
        ..intrusive(
            "-A",
            Opt::Aggressive,
            Form::Short,
            "it adds OS detection, default scripts and traceroute",
        )
    },
    intrusive(
        "--traceroute",
        Opt::Traceroute,
        Form::Long,
        "it probes every router on the path",
    ),
    spec("-n", Opt::NoDns, Form::Short, Kind::Switch, IGNORED),
];

/// What a scan letter of `-s` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Letter {
    /// A port scan technique.
    Scan(ScanType),
    /// `-sV`
    Version,
    /// `-sC`
    DefaultScripts,
    /// `-sn`
    DiscoveryOnly,
}

/// One accepted letter of `-s`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanLetter {
    pub letter: char,
    pub spelling: &'static str,
    pub what: Letter,
    pub gate: Gate,
    pub group: &'static str,
}

const fn letter(
    letter: char,
    spelling: &'static str,
    what: Letter,
    gate: Gate,
    group: &'static str,
) -> ScanLetter {
    ScanLetter {
        letter,
        spelling,
        what,
        gate,
        group,
    }
}

/// The letters `-s` accepts (`-sT`, or bundled: `-sSV`).
pub(crate) const SCAN_LETTERS: &[ScanLetter] = &[
    letter(
        'T',
        "-sT",
        Letter::Scan(ScanType::Connect),
        Gate::Open,
        SCAN,
    ),
    letter(
        'S',
        "-sS",
        Letter::Scan(ScanType::Syn),
        Gate::RawSockets,
        SCAN,
    ),
    letter(
        'U',
        "-sU",
        Letter::Scan(ScanType::Udp),
        Gate::RawSockets,
        SCAN,
    ),
    letter(
        'A',
        "-sA",
        Letter::Scan(ScanType::Ack),
        Gate::RawSockets,
        SCAN,
    ),
    letter(
        'F',
        "-sF",
        Letter::Scan(ScanType::Fin),
        Gate::RawSockets,
        SCAN,
    ),
    letter(
        'N',
        "-sN",
        Letter::Scan(ScanType::Null),
        Gate::RawSockets,
        SCAN,
    ),
    letter(
        'X',
        "-sX",
        Letter::Scan(ScanType::Xmas),
        Gate::RawSockets,
        SCAN,
    ),
    letter('n', "-sn", Letter::DiscoveryOnly, Gate::Open, SCAN),
    letter('V', "-sV", Letter::Version, Gate::Open, DETECT),
    letter('C', "-sC", Letter::DefaultScripts, Gate::Open, SCRIPTS),
];

const READS_FILES: Why = Why {
    family: "input files, targets",
    reason: "it makes nmap read local files",
};
const TARGETS: Why = Why {
    family: "input files, targets",
    reason: "targets come only from the target field",
};
const WRITES_FILES: Why = Why {
    family: "output files",
    reason: "it makes nmap write local files; the server collects XML output itself",
};
const SPOOFS: Why = Why {
    family: "spoofing, proxies, interfaces",
    reason: "source spoofing, evasion, proxies and interface selection are not available",
};
const SCRIPT_FILES: &str = "script args";
const HELP: &str = "help, tracing";
const SERVER_SET: &str = "server-set options";
const TRACING: Why = Why {
    family: HELP,
    reason: "tracing floods the output and is not available",
};
const PACKETS: Why = Why {
    family: SERVER_SET,
    reason: "the server chooses how packets are sent",
};
const PRIVILEGE: Why = Why {
    family: SERVER_SET,
    reason: "the server picks --privileged or --unprivileged from whether it holds CAP_NET_RAW",
};
const NO_DNS: Why = Why {
    family: SERVER_SET,
    reason: "the server always disables DNS resolution (-n)",
};
const BOUNCE: Why = Why {
    family: "relay scans",
    reason: "FTP bounce scans relay through third-party servers",
};
/// Why `-sI` (also as a letter of a bundle) is refused.
pub(crate) const IDLE: Why = Why {
    family: "relay scans",
    reason: "idle scans spoof traffic through a third-party zombie host",
};
const NOT_A_SCAN_HELP: Why = Why {
    family: HELP,
    reason: "help output is not a scan",
};
const NOT_A_SCAN_VERSION: Why = Why {
    family: HELP,
    reason: "version output is not a scan",
};

/// Refused option names (without dashes; `-name` and `--name` both match)
/// and the reason for each.
pub(crate) const REFUSED: &[(&str, Why)] = &[
    (
        "iL",
        Why {
            family: TARGETS.family,
            reason: "it reads targets from a local file; targets come only from the target field",
        },
    ),
    (
        "iR",
        Why {
            family: TARGETS.family,
            reason: "it scans random internet hosts; targets come only from the target field",
        },
    ),
    ("exclude", TARGETS),
    ("excludefile", READS_FILES),
    ("resume", READS_FILES),
    ("datadir", READS_FILES),
    ("servicedb", READS_FILES),
    ("versiondb", READS_FILES),
    (
        "script-args-file",
        Why {
            family: SCRIPT_FILES,
            reason: READS_FILES.reason,
        },
    ),
    (
        "script-args",
        Why {
            family: SCRIPT_FILES,
            reason: "script arguments can name local files to read or write",
        },
    ),
    (
        "script-updatedb",
        Why {
            family: SCRIPT_FILES,
            reason: "it rewrites nmap's script database",
        },
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
        Why {
            family: WRITES_FILES.family,
            reason: "it points the XML output at a stylesheet path or URL",
        },
    ),
    (
        "webxml",
        Why {
            family: WRITES_FILES.family,
            reason: "it points the XML output at a remote stylesheet",
        },
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
    (
        "iflist",
        Why {
            family: SPOOFS.family,
            reason: "it lists the server's interfaces and routes",
        },
    ),
    ("b", BOUNCE),
    ("sI", IDLE),
    ("send-eth", PACKETS),
    ("send-ip", PACKETS),
    ("privileged", PRIVILEGE),
    ("unprivileged", PRIVILEGE),
    ("R", NO_DNS),
    ("dns-servers", NO_DNS),
    ("system-dns", NO_DNS),
    (
        "6",
        Why {
            family: SERVER_SET,
            reason: "the target decides IPv6: give an IPv6 address and the server adds -6",
        },
    ),
    (
        "script-help",
        Why {
            family: HELP,
            reason: "it prints script help instead of scanning",
        },
    ),
    ("script-trace", TRACING),
    ("packet-trace", TRACING),
    ("h", NOT_A_SCAN_HELP),
    ("help", NOT_A_SCAN_HELP),
    ("V", NOT_A_SCAN_VERSION),
    ("version", NOT_A_SCAN_VERSION),
];

/// Prefixes of refused short options that take attached values
/// (`-oNfile`, `-iLlist`, `-Ddecoy`, `-S1.2.3.4`, `-eeth0`, `-g53`, `-bftp`).
const REFUSED_PREFIX: &[(&str, Why)] = &[
    ("-o", WRITES_FILES),
    ("-i", READS_FILES),
    ("-D", SPOOFS),
    ("-S", SPOOFS),
    ("-e", SPOOFS),
    ("-g", SPOOFS),
    ("-b", BOUNCE),
    ("-f", SPOOFS),
];

/// A token recognized as an option, with any value attached to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spelled<'a> {
    pub spec: &'static Spec,
    pub opt: Opt,
    /// The canonical spelling, for messages (`--top-ports`, `-p`).
    pub name: &'static str,
    pub arity: Arity,
    pub attached: Option<&'a str>,
}

impl<'a> Spelled<'a> {
    fn new(spec: &'static Spec, attached: Option<&'a str>) -> Self {
        Self {
            spec,
            opt: spec.opt,
            name: spec.spelling,
            arity: spec.arity(),
            attached,
        }
    }
}

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

fn of_form(form: Form) -> impl Iterator<Item = &'static Spec> {
    SPECS.iter().filter(move |s| s.form == form)
}

fn lookup_long<'a>(tok: &'a str, body: &'a str) -> Lookup<'a> {
    let (name, value) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    if let Some(spec) = find_long(name) {
        return Lookup::Known(Spelled::new(spec, value));
    }
    match refused(name) {
        Some(why) => Lookup::Refused(&tok[..2 + name.len()], why),
        None => Lookup::Unknown,
    }
}

fn lookup_short(tok: &str) -> Lookup<'_> {
    if let Some(spec) = of_form(Form::Short).find(|s| s.spelling == tok) {
        return Lookup::Known(Spelled::new(spec, None));
    }
    let body = &tok[1..];
    let name = body.split_once('=').map_or(body, |(n, _)| n);
    if let Some(why) = refused(name) {
        return Lookup::Refused(&tok[..1 + name.len()], why);
    }
    if let Some(spec) = find_long(name) {
        return Lookup::SingleDashLong(spec.spelling);
    }
    if body.bytes().all(|b| b == b'v') {
        // -vvv and more: counted here, refused by the grammar's limit.
        let n = u8::try_from(body.len()).unwrap_or(u8::MAX);
        let verbose = of_form(Form::Short).find(|s| s.opt == Opt::Verbose(1));
        if let Some(spec) = verbose {
            return Lookup::Known(Spelled {
                opt: Opt::Verbose(n),
                ..Spelled::new(spec, None)
            });
        }
    }
    lookup_short_prefixed(tok)
}

fn lookup_short_prefixed(tok: &str) -> Lookup<'_> {
    for form in [Form::ShortValue, Form::ShortGlued] {
        if let Some(spec) = of_form(form).find(|s| tok.starts_with(s.spelling)) {
            let rest = &tok[spec.spelling.len()..];
            return Lookup::Known(Spelled::new(spec, (!rest.is_empty()).then_some(rest)));
        }
    }
    match REFUSED_PREFIX.iter().find(|(p, _)| tok.starts_with(p)) {
        Some(&(p, why)) => Lookup::Refused(shown_prefix(tok, p), why.reason),
        None => Lookup::Unknown,
    }
}

fn refused(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| why.reason)
}

fn find_long(name: &str) -> Option<&'static Spec> {
    of_form(Form::Long).find(|s| &s.spelling[2..] == name)
}

/// The refused option as typed, without its attached value: `-oN` of
/// `-oNfile`, `-iL` of `-iLlist`; just the prefix for one-letter options.
fn shown_prefix<'a>(tok: &'a str, prefix: &'static str) -> &'a str {
    if !matches!(prefix, "-o" | "-i") {
        return &tok[..prefix.len()];
    }
    tok.char_indices().nth(3).map_or(tok, |(i, _)| &tok[..i])
}

/// The docs of nmap's options, from [`SPECS`], [`SCAN_LETTERS`], [`REFUSED`]
/// and the grammar's consts.
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Nmap);
    for spec in SPECS {
        if spec.opt == Opt::ScanBundle {
            for l in SCAN_LETTERS {
                o.add(l.group, OptionDoc::new([l.spelling]).gate(l.gate));
            }
            continue;
        }
        o.add(spec.group, doc(spec));
    }
    for (name, why) in REFUSED {
        let dashes = if name.len() <= 2 { "-" } else { "--" };
        o.refuse(*why, format!("{dashes}{name}"));
    }
    // `-o*`: the prefix with anything glued on (`-oNfile`).
    for (prefix, why) in REFUSED_PREFIX {
        o.refuse(*why, format!("{prefix}*"));
    }
    let categories: Vec<&str> = CATEGORIES
        .iter()
        .filter(|(_, c)| c.is_intrusive())
        .map(|(n, _)| *n)
        .collect();
    o.note(format!(
        "Target: one IP, host name or CIDR of up to tools.nmap.max_cidr_addresses. Defaults: -sT (-sS with raw sockets), --top-ports {DEFAULT_TOP_PORTS}, -T{DEFAULT_TIMING}, --host-timeout = call timeout. Always added: {} --privileged --send-ip|--unprivileged.",
        SERVER_FLAGS.join(" ")
    ));
    o.note(format!(
        "Scripts: vetted names (tools.nmap.scripts) or default/safe/discovery/version, expanded to vetted scripts that contact only the target; {} need allow_intrusive and select nothing.",
        categories.join("/")
    ));
    o
}

fn doc(spec: &Spec) -> OptionDoc {
    let d = OptionDoc::new([spec.spelling]).gate(spec.gate);
    let join = match spec.form {
        Form::Long | Form::ShortValue => Join::Separate,
        Form::Short => return d,
        Form::ShortGlued => Join::OptionalGlued,
    };
    match spec.kind {
        Kind::Switch | Kind::Letters => d,
        Kind::Int(min, max) => d
            .value("N", join, &min.max(1).to_string())
            .note(format!("{min}-{max}")),
        Kind::Rate => d
            .value("N", join, "100")
            .note("pps, max tools.nmap.max_rate_pps"),
        Kind::Ports => d.value("PORTS", join, "22,80,443").note(format!(
            "e.g. 22,80 1-1024 U:53,T:80, - for all; max {MAX_PORT_ITEMS} items"
        )),
        Kind::ProbePorts => d.value("PORTS", join, "22,80"),
        Kind::Timing => d.value("<0-5>", Join::Glued, "3").note(format!(
            "or {}..{}; {INTRUSIVE_TIMING} intrusive",
            TIMING_NAMES[0],
            TIMING_NAMES[TIMING_NAMES.len() - 1]
        )),
        Kind::HostTime => d
            .value("TIME", join, "60s")
            .note("500ms 90s 5m; max = call timeout"),
        Kind::Delay => d
            .value("TIME", join, "100ms")
            .note(format!("max {}s", MAX_DELAY_MS / 1000)),
        Kind::Scripts => d
            .value("NAMES", join, "banner,http-title")
            .note(format!("comma-separated, max {MAX_SCRIPT_ITEMS}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_options_are_spelled_with_two_dashes() {
        for s in of_form(Form::Long) {
            let name = s.spelling;
            assert!(
                name.starts_with("--") && !name[2..].starts_with('-'),
                "{name}"
            );
        }
        for s in SPECS.iter().filter(|s| s.form != Form::Long) {
            assert!(!s.spelling.starts_with("--"), "{}", s.spelling);
        }
    }

    #[test]
    fn refused_entries_are_not_also_accepted() {
        for (n, _) in REFUSED {
            assert!(find_long(n).is_none(), "{n}");
            assert!(!of_form(Form::Short).any(|s| &s.spelling[1..] == *n), "{n}");
        }
    }

    #[test]
    fn scan_letters_are_spelled_as_dash_s_letter() {
        for l in SCAN_LETTERS {
            assert_eq!(l.spelling, format!("-s{}", l.letter));
            if let Letter::Scan(t) = l.what {
                assert_eq!(t.flag(), l.spelling);
                // Only the connect scan works without raw sockets.
                assert_eq!(l.gate.needs_raw_sockets(), t != ScanType::Connect);
            }
        }
    }

    #[test]
    fn gated_options_say_why_they_are_intrusive() {
        for s in SPECS {
            assert_eq!(
                s.gate.needs_intrusive(),
                !s.why.is_empty(),
                "{}",
                s.spelling
            );
        }
    }
}
