//! dig's option table: the `-x` options, the `+options` (switches and
//! numbers), the words (`MX`, `CH`, `@server`), and every refused spelling
//! with its reason. The grammar (`grammar.rs`) enforces these tables and
//! [`options`] documents them.
//!
//! Must not: parse values (the grammar does) or render argv.

use super::types::{DnsClass, RECORD_TYPES};
use crate::tools::id::ToolId;
use crate::tools::options::{Join, OptionDoc, ToolOptions, Why};

/// A single-dash option dig takes from a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DashOpt {
    Port,
    Type,
    Class,
    Reverse,
}

/// One accepted single-dash option: `-p PORT` (or `-p53`, `-p=53`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dash {
    pub letter: &'static str,
    pub spelling: &'static str,
    pub opt: DashOpt,
    /// The value placeholder; empty for `-x`, whose address is the target.
    pub value: &'static str,
    pub example: &'static str,
    pub group: &'static str,
}

impl Dash {
    /// `-p PORT`, `-x`.
    pub(crate) fn usage(&self) -> String {
        if self.value.is_empty() {
            self.spelling.to_owned()
        } else {
            format!("{} {}", self.spelling, self.value)
        }
    }
}

const QUERY: &str = "query";
const SERVER: &str = "server";
const PLUS: &str = "+options";

/// The accepted single-dash options.
pub(crate) const DASH: &[Dash] = &[
    Dash {
        letter: "p",
        spelling: "-p",
        opt: DashOpt::Port,
        value: "PORT",
        example: "53",
        group: SERVER,
    },
    Dash {
        letter: "t",
        spelling: "-t",
        opt: DashOpt::Type,
        value: "TYPE",
        example: "MX",
        group: QUERY,
    },
    Dash {
        letter: "c",
        spelling: "-c",
        opt: DashOpt::Class,
        value: "CLASS",
        example: "IN",
        group: QUERY,
    },
    Dash {
        letter: "x",
        spelling: "-x",
        opt: DashOpt::Reverse,
        value: "",
        example: "",
        group: QUERY,
    },
];

/// `+switch` options (exact spellings, without the `+`).
pub(crate) const PLUS_SWITCHES: &[&str] = &[
    "tcp",
    "notcp",
    "vc",
    "novc",
    "dnssec",
    "nodnssec",
    "recurse",
    "norecurse",
    "nsid",
    "nonsid",
    "cdflag",
    "nocdflag",
    "adflag",
    "noadflag",
    "aaflag",
    "noaaflag",
    "cookie",
    "nocookie",
    "edns",
    "noedns",
    "ignore",
    "noignore",
    "besteffort",
    "nobesteffort",
    "expire",
    "noexpire",
    "notrace",
];

/// `+name=N` options and their accepted ranges.
pub(crate) const PLUS_NUMBERS: &[(&str, u32, u32)] = &[
    ("time", 1, 30),
    ("tries", 1, 5),
    ("retry", 0, 4),
    ("bufsize", 0, 65535),
    ("edns", 0, 0),
];

const DOH: Why = Why {
    family: "DNS over HTTPS/TLS",
    reason: "DNS over HTTPS/TLS is not available; plain DNS to the in-scope server only",
};
const SEARCH: Why = Why {
    family: "search lists",
    reason: "search lists come from the server's resolv.conf; give the full name as target",
};
const YAML: Why = Why {
    family: "output format",
    reason: "the server always sets +yaml itself",
};
const OTHER_SERVERS: &str = "other servers";

/// Refused `+options` (without the `+`) and why.
pub(crate) const PLUS_REFUSED: &[(&str, Why)] = &[
    (
        "trace",
        Why {
            family: OTHER_SERVERS,
            reason: "it walks the public DNS tree from the root servers, far outside the scope",
        },
    ),
    (
        "nssearch",
        Why {
            family: OTHER_SERVERS,
            reason: "it queries every authoritative server of the zone, hosts that were not scope-checked",
        },
    ),
    (
        "short",
        Why {
            family: YAML.family,
            reason: "the server needs dig's full answer (+yaml) to parse it",
        },
    ),
    ("yaml", YAML),
    ("noyaml", YAML),
    ("https", DOH),
    ("https-get", DOH),
    ("http-plain", DOH),
    ("tls", DOH),
    ("search", SEARCH),
    ("domain", SEARCH),
    (
        "subnet",
        Why {
            family: "client subnet",
            reason: "EDNS client-subnet options are not available",
        },
    ),
];

/// Why a second query name is refused.
pub(crate) const SECOND_QUERY: &str =
    "it adds a second query name; the one name to look up goes in target";
const FILES_KEYS: &str = "files and keys";
const SERVER_SET: &str = "server-set options";
const FAMILY: Why = Why {
    family: SERVER_SET,
    reason: "the server's address decides the address family; give an IPv4 or IPv6 server",
};
const OTHER: &str = "help, debugging";

/// Refused single-dash options (by their letter) and why.
pub(crate) const REFUSED: &[(&str, Why)] = &[
    (
        "f",
        Why {
            family: FILES_KEYS,
            reason: "it makes dig read local files",
        },
    ),
    (
        "k",
        Why {
            family: FILES_KEYS,
            reason: "it makes dig read a local TSIG key file",
        },
    ),
    (
        "y",
        Why {
            family: FILES_KEYS,
            reason: "TSIG secrets must not appear in arguments (they would be logged)",
        },
    ),
    (
        "b",
        Why {
            family: SERVER_SET,
            reason: "binding a source address or port is not available; the server picks the source",
        },
    ),
    (
        "q",
        Why {
            family: "a second query",
            reason: SECOND_QUERY,
        },
    ),
    ("4", FAMILY),
    ("6", FAMILY),
    (
        "r",
        Why {
            family: SERVER_SET,
            reason: "the server always passes -r (no ~/.digrc) itself",
        },
    ),
    (
        "m",
        Why {
            family: OTHER,
            reason: "dig's memory debugging is not available",
        },
    ),
    (
        "i",
        Why {
            family: OTHER,
            reason: "obsolete IP6.INT reverse lookups are not available",
        },
    ),
    (
        "u",
        Why {
            family: OTHER,
            reason: "the server reports times itself",
        },
    ),
    (
        "h",
        Why {
            family: OTHER,
            reason: "help output is not a lookup",
        },
    ),
    (
        "v",
        Why {
            family: OTHER,
            reason: "version output is not a lookup",
        },
    ),
];

/// The docs of dig's options, from the tables above and the record types.
pub(crate) fn options() -> ToolOptions {
    let mut o = ToolOptions::new(ToolId::Dig);
    o.add(
        QUERY,
        OptionDoc::new(["TYPE"])
            .value("TYPE", Join::Word, "MX")
            .note(format!(
                "{}; AXFR and IXFR=SERIAL need allow_intrusive",
                RECORD_TYPES.join(" ")
            )),
    );
    let classes: Vec<&str> = [DnsClass::In, DnsClass::Ch].map(DnsClass::as_str).to_vec();
    o.add(
        QUERY,
        OptionDoc::new(["CLASS"])
            .value("CLASS", Join::Word, "IN")
            .note(classes.join(" ")),
    );
    for d in DASH {
        let mut doc = OptionDoc::new([d.spelling]);
        if !d.value.is_empty() {
            doc = doc.value(d.value, Join::Separate, d.example);
        }
        if d.opt == DashOpt::Reverse {
            doc = doc.note("reverse; the address is the target");
        }
        o.add(d.group, doc);
    }
    o.add(
        SERVER,
        OptionDoc::new(["@"])
            .value("@SERVER", Join::Word, "@10.0.0.53")
            .note("instead of the server field"),
    );
    // `+x` and its `+nox` are one option.
    for s in PLUS_SWITCHES {
        let paired = s
            .strip_prefix("no")
            .is_some_and(|rest| PLUS_SWITCHES.contains(&rest));
        if paired {
            continue;
        }
        let no = format!("no{s}");
        let mut names = vec![format!("+{s}")];
        if PLUS_SWITCHES.contains(&no.as_str()) {
            names.push(format!("+{no}"));
        }
        o.add(PLUS, OptionDoc::new(names));
    }
    for (name, min, max) in PLUS_NUMBERS {
        let range = if min == max {
            min.to_string()
        } else {
            format!("{min}-{max}")
        };
        o.add(
            PLUS,
            OptionDoc::new([format!("+{name}")])
                .value("N", Join::Equals, &max.to_string())
                .note(range),
        );
    }
    for (letter, why) in REFUSED {
        o.refuse(*why, format!("-{letter}"));
    }
    for (name, why) in PLUS_REFUSED {
        o.refuse(*why, format!("+{name}"));
    }
    o.note(
        "The DNS server (server field, @SERVER or tools.dig.default_server) must be in scope; with tools.dig.query_names_in_scope so must the query name. An IP target is a reverse lookup. Always added: -r +yaml.",
    );
    o
}
