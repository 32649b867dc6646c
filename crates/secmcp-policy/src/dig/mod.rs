//! dig: the argument grammar, the typed [`DigPlan`], and argv rendering.
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
//! `-t TYPE`, `-c CLASS`, `-x`, and allow-listed `+options`; everything else is
//! refused (`-f` batch files, `-k`/`-y` keys, `-b` source binding, `-q` or a
//! positional name that would add a second query, `+trace`, `+nssearch`, ...).
//! The argv is rendered from the plan alone. Pure: no process, no DNS.

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;

use crate::denied::{Denied, field};
use crate::permit::AuthorizedTarget;
use crate::policy::{CallInput, Parsed, PlannedTarget, Policy, Rendering, Resolutions, internal};
use crate::address::{Hostname, Target, parse_target};

/// The input field of the typed DNS server.
pub const FIELD_SERVER: &str = "server";
/// The input field of the typed record type.
pub const FIELD_QUERY_TYPE: &str = "query_type";
/// The input field of the typed record class.
pub const FIELD_QUERY_CLASS: &str = "query_class";

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted dig options";
const INTRUSIVE_HINT: &str = "remove it, or ask the operator to set security.allow_intrusive: true";
const SCOPE_HINT: &str =
    "query names inside security.allowed_targets (e.g. web.lab.internal), or ask the operator";
const MAX_NAME_LEN: usize = 253;

/// dig's limits (`tools.dig` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigLimits {
    /// The DNS server used when a call names none (it is still scope-checked).
    /// `None`: every call must name an in-scope server.
    pub default_server: Option<IpAddr>,
    /// The query name (or reverse address) must be inside the scope too.
    pub query_names_in_scope: bool,
}

impl Default for DigLimits {
    fn default() -> Self {
        Self {
            default_server: None,
            query_names_in_scope: true,
        }
    }
}

/// dig's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigFields {
    /// Record type (`A`, `MX`, `AXFR`, `IXFR=serial`, ...).
    pub query_type: Option<String>,
    /// Record class (`IN`, `CH`).
    pub query_class: Option<String>,
    /// The DNS server: an IP address or host name.
    pub server: Option<String>,
}

/// Record types a caller may ask for (zone transfers are separate).
pub const RECORD_TYPES: &[&str] = &[
    "A",
    "AAAA",
    "ANY",
    "CAA",
    "CNAME",
    "DNSKEY",
    "DS",
    "HINFO",
    "HTTPS",
    "MX",
    "NAPTR",
    "NS",
    "NSEC",
    "NSEC3PARAM",
    "PTR",
    "RRSIG",
    "SOA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
];

/// A record type to query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// One of [`RECORD_TYPES`].
    Plain(&'static str),
    /// A full zone transfer (intrusive).
    Axfr,
    /// An incremental zone transfer from this serial (intrusive).
    Ixfr(u32),
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordType::Plain(t) => f.write_str(t),
            RecordType::Axfr => f.write_str("AXFR"),
            RecordType::Ixfr(serial) => write!(f, "IXFR={serial}"),
        }
    }
}

impl RecordType {
    /// Parses a type word, case-insensitively. `None`: not a known type.
    fn parse(word: &str) -> Option<Self> {
        let up = word.to_ascii_uppercase();
        if up == "AXFR" {
            return Some(RecordType::Axfr);
        }
        if up == "IXFR" {
            return Some(RecordType::Ixfr(0));
        }
        if let Some(serial) = up.strip_prefix("IXFR=") {
            return parse_decimal(serial, 10)
                .and_then(|n| u32::try_from(n).ok())
                .map(RecordType::Ixfr);
        }
        RECORD_TYPES
            .iter()
            .find(|t| **t == up)
            .map(|t| RecordType::Plain(t))
    }
}

/// A DNS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsClass {
    /// Internet.
    In,
    /// Chaos (server identity: `version.bind`, `id.server`, ...).
    Ch,
}

impl DnsClass {
    fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_uppercase().as_str() {
            "IN" => Some(DnsClass::In),
            "CH" | "CHAOS" => Some(DnsClass::Ch),
            _ => None,
        }
    }

    /// dig's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DnsClass::In => "IN",
            DnsClass::Ch => "CH",
        }
    }
}

/// Chaos-class names that a server answers about itself (never recursed).
const CHAOS_NAMES: &[&str] = &[
    "version.bind",
    "hostname.bind",
    "id.server",
    "version.server",
];

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// A name (normalized: lower-case, no trailing dot).
    Name(String),
    /// `-x ADDR`: the PTR record of an address.
    Reverse(IpAddr),
}

/// A `+option` dig may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlusOpt {
    /// A switch such as `+tcp` or `+norecurse` (the exact spelling).
    Switch(&'static str),
    /// `+name=N` with a checked number.
    Number(&'static str, u32),
}

impl fmt::Display for PlusOpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlusOpt::Switch(s) => write!(f, "+{s}"),
            PlusOpt::Number(s, n) => write!(f, "+{s}={n}"),
        }
    }
}

const PLUS_SWITCHES: &[&str] = &[
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
const PLUS_NUMBERS: &[(&str, u32, u32)] = &[
    ("time", 1, 30),
    ("tries", 1, 5),
    ("retry", 0, 4),
    ("bufsize", 0, 65535),
    ("edns", 0, 0),
];

const PLUS_REFUSED: &[(&str, &str)] = &[
    (
        "trace",
        "it walks the public DNS tree from the root servers, far outside the scope",
    ),
    (
        "nssearch",
        "it queries every authoritative server of the zone, hosts that were not scope-checked",
    ),
    (
        "short",
        "the server needs dig's full answer (+yaml) to parse it",
    ),
    ("yaml", "the server always sets +yaml itself"),
    ("noyaml", "the server always sets +yaml itself"),
    (
        "https",
        "DNS over HTTPS/TLS is not available; plain DNS to the in-scope server only",
    ),
    (
        "https-get",
        "DNS over HTTPS/TLS is not available; plain DNS to the in-scope server only",
    ),
    (
        "http-plain",
        "DNS over HTTPS/TLS is not available; plain DNS to the in-scope server only",
    ),
    (
        "tls",
        "DNS over HTTPS/TLS is not available; plain DNS to the in-scope server only",
    ),
    (
        "search",
        "search lists come from the server's resolv.conf; give the full name as target",
    ),
    (
        "domain",
        "search lists come from the server's resolv.conf; give the full name as target",
    ),
    ("subnet", "EDNS client-subnet options are not available"),
];

const READS_FILES: &str = "it makes dig read local files";
const SECOND_QUERY: &str = "it adds a second query name; the one name to look up goes in target";

/// Refused single-dash options (by their letter) and why.
const REFUSED: &[(&str, &str)] = &[
    ("f", READS_FILES),
    ("k", "it makes dig read a local TSIG key file"),
    (
        "y",
        "TSIG secrets must not appear in arguments (they would be logged)",
    ),
    (
        "b",
        "binding a source address or port is not available; the server picks the source",
    ),
    ("q", SECOND_QUERY),
    (
        "4",
        "the server's address decides the address family; give an IPv4 or IPv6 server",
    ),
    (
        "6",
        "the server's address decides the address family; give an IPv4 or IPv6 server",
    ),
    ("m", "dig's memory debugging is not available"),
    ("r", "the server always passes -r (no ~/.digrc) itself"),
    ("i", "obsolete IP6.INT reverse lookups are not available"),
    ("u", "the server reports times itself"),
    ("h", "help output is not a lookup"),
    ("v", "version output is not a lookup"),
];

/// A validated dig invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigPlan {
    pub(crate) query: Query,
    pub(crate) rtype: RecordType,
    pub(crate) class: DnsClass,
    pub(crate) port: Option<u16>,
    pub(crate) options: Vec<PlusOpt>,
}

impl DigPlan {
    /// What is looked up.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The record type (PTR for a reverse lookup).
    pub fn record_type(&self) -> RecordType {
        self.rtype
    }

    /// The class.
    pub fn class(&self) -> DnsClass {
        self.class
    }

    /// The `+options` in the order given.
    pub fn options(&self) -> &[PlusOpt] {
        &self.options
    }
}

/// A plain decimal number of at most `max_digits` digits (no sign, no spaces).
fn parse_decimal(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

/// A user token for a message: escaped, at most 64 characters.
fn shown(tok: &str) -> String {
    let mut s: String = tok
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect();
    if tok.chars().count() > 64 {
        s.push('…');
    }
    s
}

#[derive(Default)]
struct Draft {
    rtype: Option<(RecordType, &'static str)>,
    class: Option<(DnsClass, &'static str)>,
    server: Option<(String, &'static str)>,
    port: Option<u16>,
    reverse_flag: bool,
    reverse_value: Option<String>,
    options: Vec<PlusOpt>,
}

fn set_once<T>(
    slot: &mut Option<(T, &'static str)>,
    value: T,
    from: &'static str,
    what: &str,
) -> Result<(), Denied> {
    if let Some((_, prev)) = slot {
        return Err(bad(format!(
            "{what} is given more than once (in {prev} and {from}); one query per call"
        )));
    }
    *slot = Some((value, from));
    Ok(())
}

/// Parses a dig call into its plan, targets and file requests.
pub(crate) fn parse(
    policy: &Policy,
    input: &CallInput<'_>,
    tokens: &[String],
) -> Result<Parsed<DigPlan>, Denied> {
    let empty = crate::dig::DigFields::default();
    let fields = match input.fields {
        crate::policy::ToolFields::Dig(f) => f,
        crate::policy::ToolFields::None => &empty,
        _ => return Err(internal("dig got another tool's fields")),
    };
    let mut d = Draft::default();
    if let Some(t) = &fields.query_type {
        let rtype = RecordType::parse(t).ok_or_else(|| unknown_type(FIELD_QUERY_TYPE, t))?;
        set_once(&mut d.rtype, rtype, FIELD_QUERY_TYPE, "the record type")?;
    }
    if let Some(c) = &fields.query_class {
        let class = DnsClass::parse(c).ok_or_else(|| unknown_class(FIELD_QUERY_CLASS, c))?;
        set_once(&mut d.class, class, FIELD_QUERY_CLASS, "the class")?;
    }
    if let Some(s) = &fields.server {
        d.server = Some((s.clone(), FIELD_SERVER));
    }
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        d.token(tok, &mut rest)?;
    }
    let query = query(policy, input.target, &d)?;
    let rtype = match (&query, d.rtype) {
        (Query::Reverse(_), Some((RecordType::Plain("PTR"), _)) | None) => RecordType::Plain("PTR"),
        (Query::Reverse(ip), Some((t, _))) => {
            return Err(bad(format!(
                "a reverse lookup of {ip} asks for PTR records; type {t} cannot be combined with it"
            )));
        }
        (_, Some((t, _))) => t,
        (_, None) => RecordType::Plain("A"),
    };
    if matches!(rtype, RecordType::Axfr | RecordType::Ixfr(_)) && !policy.allow_intrusive {
        return Err(Denied::validation(
            field::EXTRA_ARGS,
            format!(
                "{rtype} is intrusive (a zone transfer copies the whole zone) and needs security.allow_intrusive"
            ),
            INTRUSIVE_HINT,
        ));
    }
    let class = d.class.map_or(DnsClass::In, |(c, _)| c);
    check_query_scope(policy, &query, class)?;
    let server = server_target(policy, &d)?;
    Ok(Parsed {
        plan: DigPlan {
            query,
            rtype,
            class,
            port: d.port,
            options: d.options,
        },
        targets: vec![server],
        files: Vec::new(),
    })
}

fn unknown_type(from: &'static str, t: &str) -> Denied {
    Denied::validation(
        if from == FIELD_QUERY_TYPE {
            FIELD_QUERY_TYPE
        } else {
            field::EXTRA_ARGS
        },
        format!("'{}' is not an accepted record type", shown(t)),
        format!(
            "use one of {}, or AXFR / IXFR=serial (zone transfers need allow_intrusive)",
            RECORD_TYPES.join(" ")
        ),
    )
}

fn unknown_class(from: &'static str, c: &str) -> Denied {
    Denied::validation(
        if from == FIELD_QUERY_CLASS {
            FIELD_QUERY_CLASS
        } else {
            field::EXTRA_ARGS
        },
        format!("'{}' is not an accepted class", shown(c)),
        "use IN (the default) or CH",
    )
}

impl Draft {
    fn token<'a>(
        &mut self,
        tok: &'a str,
        rest: &mut impl Iterator<Item = &'a String>,
    ) -> Result<(), Denied> {
        if let Some(server) = tok.strip_prefix('@') {
            if let Some((_, prev)) = &self.server {
                return Err(bad(format!(
                    "the DNS server is given more than once (in {prev} and extra_args); dig asks one server per call"
                )));
            }
            self.server = Some((server.to_owned(), field::EXTRA_ARGS));
            return Ok(());
        }
        if let Some(plus) = tok.strip_prefix('+') {
            let opt = plus_option(plus)?;
            if !self.options.contains(&opt) {
                self.options.push(opt);
            }
            return Ok(());
        }
        if tok.len() > 1 && tok.starts_with('-') {
            return self.dash(tok, rest);
        }
        let is_ip = matches!(parse_target(tok), Ok(Target::Ip(_)));
        if self.reverse_flag && self.reverse_value.is_none() && is_ip {
            // `-x ADDR`: the address that follows -x.
            self.reverse_value = Some(tok.to_owned());
            return Ok(());
        }
        if let Some(t) = RecordType::parse(tok) {
            return set_once(&mut self.rtype, t, field::EXTRA_ARGS, "the record type");
        }
        if let Some(c) = DnsClass::parse(tok) {
            return set_once(&mut self.class, c, field::EXTRA_ARGS, "the class");
        }
        Err(bad(format!(
            "unexpected argument '{}': {SECOND_QUERY} (extra_args takes only record types, classes, @server, -p, -x and +options)",
            shown(tok)
        )))
    }

    fn dash<'a>(
        &mut self,
        tok: &'a str,
        rest: &mut impl Iterator<Item = &'a String>,
    ) -> Result<(), Denied> {
        if tok.starts_with("--") {
            return Err(bad(format!(
                "unknown option '{}': dig has no long options (use +options)",
                shown(tok)
            )));
        }
        let Some(letter) = tok.get(1..2) else {
            return Err(bad(format!("unknown option '{}'", shown(tok))));
        };
        let attached = &tok[2..];
        if let Some((_, why)) = REFUSED.iter().find(|(l, _)| *l == letter) {
            return Err(bad(format!("-{letter} is not accepted: {why}")));
        }
        let mut value = |name: &str| -> Result<String, Denied> {
            let v = attached.strip_prefix('=').unwrap_or(attached);
            if !v.is_empty() {
                return Ok(v.to_owned());
            }
            rest.next()
                .cloned()
                .ok_or_else(|| bad(format!("{name} needs a value")))
        };
        match letter {
            "p" => {
                let v = value("-p")?;
                let port = parse_decimal(&v, 5)
                    .filter(|n| (1..=65535).contains(n))
                    .ok_or_else(|| {
                        bad(format!(
                            "-p needs a port from 1 to 65535, got '{}'",
                            shown(&v)
                        ))
                    })?;
                if self.port.replace(port as u16).is_some() {
                    return Err(bad("-p is given more than once".into()));
                }
                Ok(())
            }
            "t" => {
                let v = value("-t")?;
                let t = RecordType::parse(&v).ok_or_else(|| unknown_type(field::EXTRA_ARGS, &v))?;
                set_once(&mut self.rtype, t, field::EXTRA_ARGS, "the record type")
            }
            "c" => {
                let v = value("-c")?;
                let c = DnsClass::parse(&v).ok_or_else(|| unknown_class(field::EXTRA_ARGS, &v))?;
                set_once(&mut self.class, c, field::EXTRA_ARGS, "the class")
            }
            "x" => {
                if self.reverse_flag {
                    return Err(bad("-x is given more than once".into()));
                }
                self.reverse_flag = true;
                let v = attached.strip_prefix('=').unwrap_or(attached);
                if !v.is_empty() {
                    self.reverse_value = Some(v.to_owned());
                }
                Ok(())
            }
            _ => Err(bad(format!(
                "unknown option '{}' (accepted: -p PORT, -t TYPE, -c CLASS, -x)",
                shown(tok)
            ))),
        }
    }
}

fn plus_option(plus: &str) -> Result<PlusOpt, Denied> {
    let (name, value) = match plus.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (plus, None),
    };
    if let Some((_, why)) = PLUS_REFUSED.iter().find(|(n, _)| *n == name) {
        return Err(bad(format!("+{name} is not accepted: {why}")));
    }
    if let Some(v) = value {
        if let Some(&(n, min, max)) = PLUS_NUMBERS.iter().find(|(n, ..)| *n == name) {
            let num = parse_decimal(v, 5)
                .filter(|x| (u64::from(min)..=u64::from(max)).contains(x))
                .ok_or_else(|| {
                    bad(format!(
                        "+{n} needs a whole number from {min} to {max}, got '{}'",
                        shown(v)
                    ))
                })?;
            return Ok(PlusOpt::Number(n, num as u32));
        }
    } else if let Some(s) = PLUS_SWITCHES.iter().find(|s| **s == name) {
        return Ok(PlusOpt::Switch(s));
    }
    Err(bad(format!(
        "unknown option '+{}' (accepted: +{}, +time=N, +tries=N, +retry=N, +bufsize=N)",
        shown(plus),
        PLUS_SWITCHES.join(" +")
    )))
}

/// The query from the target (and any `-x`).
fn query(_policy: &Policy, target: &str, d: &Draft) -> Result<Query, Denied> {
    let as_ip = parse_target(target).ok().and_then(|t| match t {
        Target::Ip(ip) => Some(ip),
        _ => None,
    });
    if let Some(v) = &d.reverse_value {
        let same = parse_target(v).ok() == as_ip.map(Target::Ip);
        if !same {
            return Err(bad(format!(
                "-x {}: {SECOND_QUERY}; give the address to look up as target",
                shown(v)
            )));
        }
    }
    if let Some(ip) = as_ip {
        return Ok(Query::Reverse(ip.to_canonical()));
    }
    if d.reverse_flag {
        return Err(Denied::validation(
            field::TARGET,
            format!(
                "-x (reverse lookup) needs an IP address as target, got '{}'",
                shown(target)
            ),
            "give the address (e.g. 10.0.0.5) as target; an address target is looked up in reverse automatically",
        ));
    }
    dns_name(target).map(Query::Name)
}

/// Validates a DNS query name: letters, digits, `-` and `_` in dot-separated
/// labels of 1..=63 bytes; no label starts or ends with `-`. Lower-cased; one
/// trailing dot is dropped.
fn dns_name(s: &str) -> Result<String, Denied> {
    let reject = |why: &str| {
        Denied::validation(
            field::TARGET,
            format!("query name '{}' is not accepted: {why}", shown(s)),
            "give one DNS name (web.lab.internal, _sip._tcp.lab.internal) or an IP address for a reverse lookup",
        )
    };
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.is_empty() {
        return Err(reject(
            "it is empty (the root zone is not a query target here)",
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(reject(&format!("it is longer than {MAX_NAME_LEN} bytes")));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(reject("every label must be 1 to 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(reject("only letters, digits, '-', '_' and '.' are allowed"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(reject("a label cannot start or end with '-'"));
        }
    }
    Ok(name.to_ascii_lowercase())
}

fn check_query_scope(policy: &Policy, query: &Query, class: DnsClass) -> Result<(), Denied> {
    if !policy.dig.query_names_in_scope {
        return Ok(());
    }
    match query {
        Query::Reverse(ip) => policy.scope.check_ip(*ip).map_err(|e| {
            Denied::scope(
                field::TARGET,
                format!("reverse lookup of {ip}: {}", e.message),
                SCOPE_HINT,
            )
        }),
        Query::Name(name) if class == DnsClass::Ch && CHAOS_NAMES.contains(&name.as_str()) => {
            Ok(())
        }
        Query::Name(name) => {
            // Underscore labels (_sip._tcp) are not host names; the scope is
            // judged on the longest suffix that is one.
            let labels: Vec<&str> = name.split('.').collect();
            let host = (0..labels.len())
                .map(|i| labels[i..].join("."))
                .find_map(|s| Hostname::parse(&s).ok())
                .ok_or_else(|| {
                    Denied::scope(
                        field::TARGET,
                        format!("query name {name} is not under any in-scope domain"),
                        SCOPE_HINT,
                    )
                })?;
            policy.scope.check_name(&host).map_err(|e| {
                Denied::scope(
                    field::TARGET,
                    format!("query name {name}: {}", e.message),
                    SCOPE_HINT,
                )
            })
        }
    }
}

fn server_target(policy: &Policy, d: &Draft) -> Result<PlannedTarget, Denied> {
    let (requested, field_name) = match &d.server {
        Some((s, f)) => (s.clone(), *f),
        None => match policy.dig.default_server {
            Some(ip) => {
                return Ok(PlannedTarget::new(
                    FIELD_SERVER,
                    ip.to_string(),
                    Target::Ip(ip),
                ));
            }
            None => {
                return Err(Denied::validation(
                    FIELD_SERVER,
                    "dig needs a DNS server to ask: no server was given and the operator configured no default (tools.dig.default_server)",
                    "give server (an in-scope DNS server such as 10.0.0.53) or @10.0.0.53 in extra_args",
                ));
            }
        },
    };
    let target = parse_target(&requested).map_err(|e| {
        Denied::validation(
            field_name,
            format!("DNS server: {}", e.message),
            "give the server as an IP address (10.0.0.53, fd00::53) or host name; ports go in -p",
        )
    })?;
    if let Target::Cidr(c) = target {
        return Err(Denied::validation(
            field_name,
            format!("DNS server {c} is a range; dig asks one server"),
            "give one server address",
        ));
    }
    Ok(PlannedTarget::new(field_name, requested, target))
}

/// Flags the server always passes first: no ~/.digrc, YAML output.
pub const SERVER_FLAGS: [&str; 2] = ["-r", "+yaml"];

/// Renders the argv of an authorized dig plan.
pub(crate) fn render(
    _policy: &Policy,
    plan: &DigPlan,
    targets: &[AuthorizedTarget],
    _res: &Resolutions,
) -> Result<Rendering, Denied> {
    let server = targets
        .first()
        .ok_or_else(|| internal("dig without a server"))?;
    let mut a: Vec<String> = SERVER_FLAGS.iter().map(|s| s.to_string()).collect();
    a.extend(plan.options.iter().map(ToString::to_string));
    if let Some(p) = plan.port {
        a.push("-p".into());
        a.push(p.to_string());
    }
    a.push(format!("@{}", server.rendered));
    a.push("-c".into());
    a.push(plan.class.as_str().into());
    match &plan.query {
        Query::Reverse(ip) => {
            a.push("-x".into());
            a.push(ip.to_string());
        }
        Query::Name(name) => {
            a.push("-t".into());
            a.push(plan.rtype.to_string());
            a.push("-q".into());
            a.push(name.clone());
        }
    }
    Ok(Rendering::argv(a))
}
