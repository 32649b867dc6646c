//! sqlmap's option table (from sqlmap 1.7's `lib/parse/cmdline.py`): which
//! tokens name which accepted option, what value it takes and what it needs,
//! and which options are refused and why. The grammar (`grammar.rs`)
//! enforces these rows and [`options`] documents them. Matching is EXACT:
//! argparse's prefix abbreviations (`--dum`) and sqlmap's single-dash long
//! options (`-dump`) are unknown here.
//!
//! Must not: parse values (the grammar does) or render argv.

use crate::tools::id::ToolId;
use crate::tools::options::{Gate, Join, OptionDoc, Setting, ToolOptions, Why};

/// How an accepted option's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No value.
    Switch,
    /// Printable ASCII text (spaces allowed), at most [`MAX_TEXT`] bytes.
    Text,
    /// Comma-separated names (parameters, databases, tables, columns).
    Names,
    /// A whole number in a range.
    Int(u32, u32),
    /// A decimal number of seconds in a range (`0.5`).
    Seconds(u32, u32),
    /// Comma-separated HTTP status codes.
    Codes,
    /// One of these words (case-insensitive, rendered as listed).
    OneOf(&'static [&'static str]),
    /// A comma-separated subset of these words.
    SubsetOf(&'static [&'static str]),
    /// One character of these.
    CharOf(&'static str),
    /// `--level`: 1-5, capped by `tools.sqlmap.max_level`.
    Level,
    /// `--risk`: 1-3, capped by `tools.sqlmap.max_risk`.
    Risk,
    /// `--threads`: capped by `tools.sqlmap.max_threads`.
    Threads,
    /// `--technique`: letters of BEUSTQ.
    Technique,
    /// `--union-cols`: `N` or `N-M`.
    UnionCols,
    /// `-H`/`--header`: `Name: value`.
    Header,
    /// `--safe-url`: an in-scope URL.
    SafeUrl,
    /// Letters, digits, `-`, `_` (encodings, charsets).
    Word,
}

/// One accepted option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Every accepted spelling; the first is the one rendered.
    pub names: &'static [&'static str],
    pub kind: Kind,
    pub gate: Gate,
    /// Rendered as `NAME VALUE` (two tokens) instead of `NAME=VALUE`: sqlmap
    /// refuses `-p=x`, and gluing (`-px`) lets a value like `roxy=..` turn
    /// `-p` into `--proxy` through sqlmap's single-dash rewriting.
    pub short: bool,
}

/// Enumeration beyond fingerprinting: `tools.sqlmap.allow_enumeration`, on
/// top of the tool's own `security.allow_intrusive`.
const ENUMERATION: Gate = Gate::Setting(Setting::SqlmapEnumeration);

/// The longest accepted text value, in bytes.
pub(crate) const MAX_TEXT: usize = 512;

const DBMS: &[&str] = &[
    "MySQL",
    "Oracle",
    "PostgreSQL",
    "Microsoft SQL Server",
    "Microsoft Access",
    "IBM DB2",
    "SQLite",
    "Firebird",
    "Sybase",
    "SAP MaxDB",
    "Informix",
    "MariaDB",
    "HSQLDB",
    "H2",
    "MonetDB",
    "Apache Derby",
    "Vertica",
    "Mckoi",
    "Presto",
    "Altibase",
    "MimerSQL",
    "CrateDB",
    "Cubrid",
    "InterSystems Cache",
    "eXtremeDB",
    "FrontBase",
    "Raima Database Manager",
    "Virtuoso",
    "ClickHouse",
];

const fn s(names: &'static [&'static str], kind: Kind) -> Spec {
    Spec {
        names,
        kind,
        gate: Gate::Open,
        short: false,
    }
}

const fn short(names: &'static [&'static str], kind: Kind, gate: Gate) -> Spec {
    Spec {
        names,
        kind,
        gate,
        short: true,
    }
}

const fn e(names: &'static [&'static str], kind: Kind) -> Spec {
    Spec {
        names,
        kind,
        gate: ENUMERATION,
        short: false,
    }
}

/// Every accepted option, by docs group.
pub(crate) const SECTIONS: &[(&str, &[Spec])] = &[
    (
        "request",
        &[
            s(&["--user-agent", "-A"], Kind::Text),
            s(&["--header", "-H"], Kind::Header),
            s(&["--method"], Kind::OneOf(&["GET", "POST", "PUT", "PATCH"])),
            s(&["--param-del"], Kind::CharOf("&;,|")),
            s(&["--cookie"], Kind::Text),
            s(&["--cookie-del"], Kind::CharOf(";&,|")),
            s(&["--drop-set-cookie"], Kind::Switch),
            s(&["--mobile"], Kind::Switch),
            s(&["--random-agent"], Kind::Switch),
            s(&["--referer"], Kind::Text),
            s(&["--abort-code"], Kind::Codes),
            s(&["--ignore-code"], Kind::Codes),
            s(&["--ignore-timeouts"], Kind::Switch),
            s(&["--delay"], Kind::Seconds(0, 10)),
            s(&["--timeout"], Kind::Seconds(1, 120)),
            s(&["--retries"], Kind::Int(0, 10)),
            s(&["--randomize"], Kind::Names),
            s(&["--safe-url"], Kind::SafeUrl),
            s(&["--safe-post"], Kind::Text),
            s(&["--safe-freq"], Kind::Int(1, 100)),
            s(&["--skip-urlencode"], Kind::Switch),
            s(&["--csrf-token"], Kind::Names),
            s(&["--force-ssl"], Kind::Switch),
            s(&["--chunked"], Kind::Switch),
            s(&["--hpp"], Kind::Switch),
        ],
    ),
    (
        "optimization",
        &[
            s(&["--predict-output"], Kind::Switch),
            s(&["--keep-alive"], Kind::Switch),
            s(&["--null-connection"], Kind::Switch),
            s(&["--threads"], Kind::Threads),
        ],
    ),
    (
        "injection",
        &[
            short(&["-p"], Kind::Names, Gate::Open),
            s(&["--skip"], Kind::Names),
            s(&["--skip-static"], Kind::Switch),
            s(&["--param-exclude"], Kind::Text),
            s(
                &["--param-filter"],
                Kind::SubsetOf(&["GET", "POST", "COOKIE", "URI"]),
            ),
            s(&["--dbms"], Kind::OneOf(DBMS)),
            s(&["--os"], Kind::OneOf(&["Linux", "Windows"])),
            s(&["--invalid-bignum"], Kind::Switch),
            s(&["--invalid-logical"], Kind::Switch),
            s(&["--invalid-string"], Kind::Switch),
            s(&["--no-cast"], Kind::Switch),
            s(&["--no-escape"], Kind::Switch),
            s(&["--prefix"], Kind::Text),
            s(&["--suffix"], Kind::Text),
        ],
    ),
    (
        "detection",
        &[
            s(&["--level"], Kind::Level),
            s(&["--risk"], Kind::Risk),
            s(&["--string"], Kind::Text),
            s(&["--not-string"], Kind::Text),
            s(&["--regexp"], Kind::Text),
            s(&["--code"], Kind::Int(100, 599)),
            s(&["--smart"], Kind::Switch),
            s(&["--text-only"], Kind::Switch),
            s(&["--titles"], Kind::Switch),
        ],
    ),
    (
        "techniques",
        &[
            s(&["--technique"], Kind::Technique),
            s(&["--time-sec"], Kind::Int(1, 30)),
            s(&["--union-cols"], Kind::UnionCols),
            s(&["--union-char"], Kind::Text),
            s(&["--union-from"], Kind::Names),
        ],
    ),
    (
        "fingerprint",
        &[
            s(&["--fingerprint", "-f"], Kind::Switch),
            s(&["--banner", "-b"], Kind::Switch),
            s(&["--current-user"], Kind::Switch),
            s(&["--current-db"], Kind::Switch),
            s(&["--hostname"], Kind::Switch),
            s(&["--is-dba"], Kind::Switch),
        ],
    ),
    (
        "enumeration",
        &[
            e(&["--all", "-a"], Kind::Switch),
            e(&["--users"], Kind::Switch),
            e(&["--passwords"], Kind::Switch),
            e(&["--privileges"], Kind::Switch),
            e(&["--roles"], Kind::Switch),
            e(&["--dbs"], Kind::Switch),
            e(&["--tables"], Kind::Switch),
            e(&["--columns"], Kind::Switch),
            e(&["--schema"], Kind::Switch),
            e(&["--count"], Kind::Switch),
            e(&["--dump"], Kind::Switch),
            e(&["--dump-all"], Kind::Switch),
            e(&["--search"], Kind::Switch),
            e(&["--comments"], Kind::Switch),
            e(&["--statements"], Kind::Switch),
            short(&["-D"], Kind::Names, ENUMERATION),
            short(&["-T"], Kind::Names, ENUMERATION),
            short(&["-C"], Kind::Names, ENUMERATION),
            short(&["-X"], Kind::Names, ENUMERATION),
            short(&["-U"], Kind::Names, ENUMERATION),
            e(&["--exclude-sysdbs"], Kind::Switch),
            e(&["--pivot-column"], Kind::Names),
            e(&["--where"], Kind::Text),
            e(&["--start"], Kind::Int(1, 1_000_000)),
            e(&["--stop"], Kind::Int(1, 1_000_000)),
            e(&["--first"], Kind::Int(1, 10_000)),
            e(&["--last"], Kind::Int(1, 10_000)),
            e(&["--common-tables"], Kind::Switch),
            e(&["--common-columns"], Kind::Switch),
        ],
    ),
    (
        "general",
        &[
            s(&["--abort-on-empty"], Kind::Switch),
            s(&["--base64"], Kind::Names),
            s(&["--base64-safe"], Kind::Switch),
            s(&["--binary-fields"], Kind::Names),
            s(&["--charset"], Kind::Word),
            s(&["--encoding"], Kind::Word),
            s(&["--fresh-queries"], Kind::Switch),
            s(&["--hex"], Kind::Switch),
            s(&["--parse-errors"], Kind::Switch),
            s(&["--repair"], Kind::Switch),
            s(&["--skip-heuristics"], Kind::Switch),
            s(&["--skip-waf"], Kind::Switch),
            s(&["--test-filter"], Kind::Text),
            s(&["--test-skip"], Kind::Text),
            short(&["-v"], Kind::Int(0, 3), Gate::Open),
        ],
    ),
];

/// Every accepted option.
pub(crate) fn accepted() -> impl Iterator<Item = &'static Spec> {
    SECTIONS.iter().flat_map(|(_, specs)| specs.iter())
}

/// Spellings the server always renders itself; accepted and ignored.
pub(crate) const SERVER_OWNED: &[&str] = &["--batch", "--disable-coloring", "--flush-session"];

const READS_FILES: Why = Why {
    family: "input files",
    reason: "it makes sqlmap read local files",
};
const WRITES_FILES: Why = Why {
    family: "output files",
    reason: "it makes sqlmap write local files; the server keeps sqlmap's output in a private per-call directory and parses it itself",
};
const RUNS_CODE: Why = Why {
    family: "code execution",
    reason: "it runs code (Python, shell or SQL) chosen by the caller",
};
const TAKEOVER: Why = Why {
    family: "DB server takeover",
    reason: "it reads or writes files on, or runs commands on, the database server",
};
const OTHER_HOSTS: Why = Why {
    family: "other hosts",
    reason: "it sends traffic to hosts other than the scope-checked target",
};
const TARGETS: Why = Why {
    family: "other targets",
    reason: "the one URL comes only from the target field",
};
const NOT_A_SCAN: Why = Why {
    family: "not a test",
    reason: "it does not test the target",
};

/// Refused spellings (exact, with dashes) and the reason for each.
pub(crate) const REFUSED: &[(&str, Why)] = &[
    ("-u", TARGETS),
    (
        "-o",
        Why {
            family: "server-set options",
            reason: "it also turns on 3 threads, above tools.sqlmap.max_threads; pass --keep-alive --null-connection --predict-output instead (and --threads within the limit)",
        },
    ),
    ("--url", TARGETS),
    (
        "-d",
        Why {
            family: TARGETS.family,
            reason: "it connects to a database directly instead of testing the URL",
        },
    ),
    ("-l", READS_FILES),
    ("-m", READS_FILES),
    ("-r", READS_FILES),
    (
        "-g",
        Why {
            family: TARGETS.family,
            reason: "it searches Google for targets; the one URL comes only from the target field",
        },
    ),
    ("-c", READS_FILES),
    (
        "--data",
        Why {
            family: "server-set options",
            reason: "use the `data` input field for a POST body",
        },
    ),
    (
        "--host",
        Why {
            family: "server-set options",
            reason: "the server sets the Host header itself from the target URL (it pins the address)",
        },
    ),
    (
        "--headers",
        Why {
            family: "server-set options",
            reason: "give each header with -H 'Name: value'",
        },
    ),
    ("--live-cookies", READS_FILES),
    ("--load-cookies", READS_FILES),
    (
        "--auth-type",
        Why {
            family: NOT_A_SCAN.family,
            reason: "HTTP authentication is not available",
        },
    ),
    (
        "--auth-cred",
        Why {
            family: NOT_A_SCAN.family,
            reason: "HTTP authentication is not available (credentials would be logged)",
        },
    ),
    ("--auth-file", READS_FILES),
    (
        "--ignore-proxy",
        Why {
            family: "server-set options",
            reason: "no proxy is ever used",
        },
    ),
    (
        "--ignore-redirects",
        Why {
            family: "server-set options",
            reason: "the server always adds it: redirects are never followed",
        },
    ),
    ("--proxy", OTHER_HOSTS),
    ("--proxy-cred", OTHER_HOSTS),
    ("--proxy-file", READS_FILES),
    ("--proxy-freq", OTHER_HOSTS),
    ("--tor", OTHER_HOSTS),
    ("--tor-port", OTHER_HOSTS),
    ("--tor-type", OTHER_HOSTS),
    ("--check-tor", OTHER_HOSTS),
    (
        "--retry-on",
        Why {
            family: NOT_A_SCAN.family,
            reason: "not available",
        },
    ),
    ("--safe-req", READS_FILES),
    ("--csrf-url", OTHER_HOSTS),
    (
        "--csrf-method",
        Why {
            family: OTHER_HOSTS.family,
            reason: "only --csrf-token (read from the target page) is available",
        },
    ),
    (
        "--csrf-data",
        Why {
            family: OTHER_HOSTS.family,
            reason: "only --csrf-token (read from the target page) is available",
        },
    ),
    (
        "--csrf-retries",
        Why {
            family: OTHER_HOSTS.family,
            reason: "only --csrf-token (read from the target page) is available",
        },
    ),
    ("--eval", RUNS_CODE),
    (
        "--dbms-cred",
        Why {
            family: TAKEOVER.family,
            reason: "it runs privileged SQL with database credentials",
        },
    ),
    (
        "--tamper",
        Why {
            family: RUNS_CODE.family,
            reason: "tamper scripts are Python code that sqlmap loads (a path runs arbitrary code)",
        },
    ),
    (
        "--dns-domain",
        Why {
            family: OTHER_HOSTS.family,
            reason: "DNS exfiltration runs a DNS server and reaches other hosts",
        },
    ),
    ("--second-url", OTHER_HOSTS),
    ("--second-req", READS_FILES),
    ("--sql-query", RUNS_CODE),
    ("--sql-shell", RUNS_CODE),
    ("--sql-file", RUNS_CODE),
    ("--common-files", TAKEOVER),
    ("--udf-inject", TAKEOVER),
    ("--shared-lib", TAKEOVER),
    ("--file-read", TAKEOVER),
    ("--file-write", TAKEOVER),
    ("--file-dest", TAKEOVER),
    ("--os-cmd", TAKEOVER),
    ("--os-shell", TAKEOVER),
    ("--os-pwn", TAKEOVER),
    ("--os-smbrelay", TAKEOVER),
    ("--os-bof", TAKEOVER),
    ("--priv-esc", TAKEOVER),
    ("--msf-path", TAKEOVER),
    ("--tmp-path", TAKEOVER),
    ("--reg-read", TAKEOVER),
    ("--reg-add", TAKEOVER),
    ("--reg-del", TAKEOVER),
    ("--reg-key", TAKEOVER),
    ("--reg-value", TAKEOVER),
    ("--reg-data", TAKEOVER),
    ("--reg-type", TAKEOVER),
    ("-s", READS_FILES),
    ("-t", WRITES_FILES),
    (
        "--answers",
        Why {
            family: "server-set options",
            reason: "the server answers sqlmap's questions itself (--batch)",
        },
    ),
    ("--check-internet", OTHER_HOSTS),
    (
        "--cleanup",
        Why {
            family: TAKEOVER.family,
            reason: "it changes the database (drops sqlmap's UDFs and tables)",
        },
    ),
    (
        "--crawl",
        Why {
            family: OTHER_HOSTS.family,
            reason: "crawling tests other pages than the one URL (and may leave the host)",
        },
    ),
    (
        "--crawl-exclude",
        Why {
            family: OTHER_HOSTS.family,
            reason: "crawling is not available",
        },
    ),
    ("--csv-del", WRITES_FILES),
    ("--dump-file", WRITES_FILES),
    ("--dump-format", WRITES_FILES),
    (
        "--eta",
        Why {
            family: NOT_A_SCAN.family,
            reason: "progress output is not available",
        },
    ),
    (
        "--forms",
        Why {
            family: OTHER_HOSTS.family,
            reason: "form actions can point at other pages and hosts; give the form's URL and `data` instead",
        },
    ),
    (
        "--gpage",
        Why {
            family: TARGETS.family,
            reason: "Google dorking is not available",
        },
    ),
    ("--har", WRITES_FILES),
    ("--output-dir", WRITES_FILES),
    ("--preprocess", RUNS_CODE),
    ("--postprocess", RUNS_CODE),
    ("--save", WRITES_FILES),
    ("--scope", TARGETS),
    ("--table-prefix", TAKEOVER),
    ("--web-root", TAKEOVER),
    (
        "-z",
        Why {
            family: "server-set options",
            reason: "mnemonics expand to arbitrary options; spell options out",
        },
    ),
    (
        "--alert",
        Why {
            family: RUNS_CODE.family,
            reason: "it runs a command on the server",
        },
    ),
    ("--beep", NOT_A_SCAN),
    ("--dependencies", NOT_A_SCAN),
    ("--list-tampers", NOT_A_SCAN),
    (
        "--no-logging",
        Why {
            family: "server-set options",
            reason: "the server needs sqlmap's log to report results",
        },
    ),
    (
        "--offline",
        Why {
            family: "server-set options",
            reason: "each call has a fresh session; offline mode has nothing to read",
        },
    ),
    (
        "--purge",
        Why {
            family: NOT_A_SCAN.family,
            reason: "it deletes sqlmap's data directory on the server",
        },
    ),
    ("--results-file", WRITES_FILES),
    (
        "--shell",
        Why {
            family: NOT_A_SCAN.family,
            reason: "interactive shells are not available",
        },
    ),
    ("--tmp-dir", WRITES_FILES),
    (
        "--unstable",
        Why {
            family: NOT_A_SCAN.family,
            reason: "not available",
        },
    ),
    (
        "--update",
        Why {
            family: NOT_A_SCAN.family,
            reason: "it updates sqlmap over the internet",
        },
    ),
    (
        "--wizard",
        Why {
            family: NOT_A_SCAN.family,
            reason: "interactive mode is not available",
        },
    ),
    ("--crack", NOT_A_SCAN),
    (
        "--api",
        Why {
            family: NOT_A_SCAN.family,
            reason: "API mode is not available",
        },
    ),
    (
        "--gui",
        Why {
            family: NOT_A_SCAN.family,
            reason: "interactive mode is not available",
        },
    ),
    (
        "--ignore-stdin",
        Why {
            family: "server-set options",
            reason: "the server always adds it",
        },
    ),
    (
        "--non-interactive",
        Why {
            family: "server-set options",
            reason: "the server always runs sqlmap with --batch",
        },
    ),
    ("-h", NOT_A_SCAN),
    ("-hh", NOT_A_SCAN),
    ("--help", NOT_A_SCAN),
    ("--version", NOT_A_SCAN),
];

/// What a token is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// An accepted option, with any `=value` attached.
    Known(&'static Spec, Option<&'a str>),
    /// A spelling the server renders itself.
    ServerOwned(&'static str),
    /// A refused option (as spelled, without a value) and why.
    Refused(&'a str, &'static str),
    /// Not an option sqlmap takes from us.
    Unknown,
    /// Not an option at all.
    Positional,
}

/// Classifies one token (`--name`, `--name=value`, `-x`, `-x=value`).
pub(crate) fn lookup(tok: &str) -> Lookup<'_> {
    if !tok.starts_with('-') || tok.len() < 2 {
        return Lookup::Positional;
    }
    let (name, value) = match tok.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (tok, None),
    };
    if let Some(spec) = accepted().find(|s| s.names.contains(&name)) {
        return Lookup::Known(spec, value);
    }
    if let Some(owned) = SERVER_OWNED.iter().find(|s| **s == name) {
        return Lookup::ServerOwned(owned);
    }
    match REFUSED.iter().find(|(n, _)| *n == name) {
        Some((_, why)) => Lookup::Refused(name, why.reason),
        None => Lookup::Unknown,
    }
}

/// The docs of sqlmap's options, from [`SECTIONS`], [`SERVER_OWNED`] and
/// [`REFUSED`].
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Sqlmap);
    for (group, specs) in SECTIONS {
        for spec in *specs {
            o.add(group, doc(spec));
        }
    }
    o.add(
        "ignored (set by the server)",
        OptionDoc::new(SERVER_OWNED.iter().copied()),
    );
    for (name, why) in REFUSED {
        o.refuse(*why, *name);
    }
    o.note(
        "Needs allow_intrusive. Target: one http(s) URL with the parameters to test (POST body in `data`). --safe-post/--safe-freq need --safe-url. Always added: --batch --ignore-stdin --disable-coloring --ignore-redirects, a private --output-dir.",
    );
    o
}

fn doc(spec: &Spec) -> OptionDoc {
    let d = OptionDoc::new(spec.names.iter().copied()).gate(spec.gate);
    let (placeholder, example, note): (String, &str, String) = match spec.kind {
        Kind::Switch => return d,
        Kind::Text => ("TEXT".into(), "x", String::new()),
        Kind::Names => ("NAMES".into(), "id", String::new()),
        Kind::Int(min, max) => (
            "N".into(),
            if min == 0 { "1" } else { "" },
            format!("{min}-{max}"),
        ),
        Kind::Seconds(min, max) => ("S".into(), "1", format!("{min}-{max}")),
        Kind::Codes => ("CODES".into(), "500", String::new()),
        Kind::OneOf(words) if words.len() <= 4 => (words.join("|"), words[0], String::new()),
        Kind::OneOf(words) => ("NAME".into(), words[0], String::new()),
        Kind::SubsetOf(words) => (words.join(","), words[0], "a subset".into()),
        Kind::CharOf(chars) => (format!("[{chars}]"), &chars[..1], String::new()),
        Kind::Level => ("N".into(), "1", "max tools.sqlmap.max_level".into()),
        Kind::Risk => ("N".into(), "1", "max tools.sqlmap.max_risk".into()),
        Kind::Threads => ("N".into(), "1", "max tools.sqlmap.max_threads".into()),
        Kind::Technique => ("BEUSTQ".into(), "BU", String::new()),
        Kind::UnionCols => ("N-M".into(), "1-10", String::new()),
        Kind::Header => ("'Name: value'".into(), "X-Test: 1", "not Host".into()),
        Kind::SafeUrl => ("URL".into(), "http://10.0.0.5/", "in scope".into()),
        Kind::Word => ("WORD".into(), "utf8", String::new()),
    };
    let example = match spec.kind {
        Kind::Int(min, _) if example.is_empty() => min.to_string(),
        _ => example.to_owned(),
    };
    d.value(placeholder, Join::Separate, &example).note(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_unique_and_not_both_accepted_and_refused() {
        let mut seen = std::collections::HashSet::new();
        let all = accepted()
            .flat_map(|s| s.names.iter().copied())
            .chain(SERVER_OWNED.iter().copied())
            .chain(REFUSED.iter().map(|(n, _)| *n));
        for n in all {
            assert!(seen.insert(n), "{n} listed twice");
            assert!(n.starts_with('-') && !n.contains('='), "{n}");
        }
    }

    #[test]
    fn short_rendered_options_are_single_letters() {
        for spec in accepted().filter(|s| s.short) {
            assert_eq!(spec.names[0].len(), 2, "{:?}", spec.names);
        }
    }
}
