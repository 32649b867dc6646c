//! The dig argument grammar: target, typed fields and `extra_args` tokens ->
//! [`DigPlan`]: one query (name or reverse address), one scope-checked
//! server, the record type and class, and allow-listed `+options`. Which
//! spellings exist comes from `flags.rs`.
//!
//! Must not: render argv (`render.rs` does) or do DNS.

use super::flags::{
    DASH, DashOpt, PLUS_NUMBERS, PLUS_REFUSED, PLUS_SWITCHES, REFUSED, SECOND_QUERY,
};
use super::types::{
    DigFields, DigLimits, DigPlan, DnsClass, FIELD_QUERY_CLASS, FIELD_QUERY_TYPE, FIELD_SERVER,
    PlusOpt, Query, RECORD_TYPES, RecordType,
};
use crate::address::{Hostname, Target, parse_target};
use crate::call::{Call, Fields, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field, internal};
use crate::grammar_util::{INPUT_CHARS, TOKEN_CHARS, shown, whole_number};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted dig options";
const SCOPE_HINT: &str =
    "query names inside security.allowed_targets (e.g. web.lab.internal), or ask the operator";
const MAX_NAME_LEN: usize = 253;
/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 5;

/// Chaos-class names that a server answers about itself (never recursed).
const CHAOS_NAMES: &[&str] = &[
    "version.bind",
    "hostname.bind",
    "id.server",
    "version.server",
];

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
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
    rules: &Rules<'_>,
    limits: &DigLimits,
    call: &Call<'_>,
    fields: Fields<'_, DigFields>,
) -> Result<Parsed<DigPlan>, Denied> {
    let empty = DigFields::default();
    let fields = match fields {
        Fields::Own(f) => f,
        Fields::Absent => &empty,
        Fields::Foreign => return Err(internal("dig got another tool's fields")),
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
    let mut rest = call.tokens.iter();
    while let Some(tok) = rest.next() {
        d.token(tok, &mut rest)?;
    }
    let query = query(call.target, &d)?;
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
    if rtype.is_zone_transfer() {
        rules.need_intrusive(field::EXTRA_ARGS, || {
            format!("{rtype} is intrusive (a zone transfer copies the whole zone)")
        })?;
    }
    let class = d.class.map_or(DnsClass::In, |(c, _)| c);
    check_query_scope(rules, limits, &query, class)?;
    let server = server_target(limits, &d)?;
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
        format!("'{}' is not an accepted record type", shown(t, TOKEN_CHARS)),
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
        format!("'{}' is not an accepted class", shown(c, TOKEN_CHARS)),
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
            shown(tok, TOKEN_CHARS)
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
                shown(tok, TOKEN_CHARS)
            )));
        }
        let Some(letter) = tok.get(1..2) else {
            return Err(bad(format!("unknown option '{}'", shown(tok, TOKEN_CHARS))));
        };
        let attached = &tok[2..];
        if let Some((_, why)) = REFUSED.iter().find(|(l, _)| *l == letter) {
            return Err(bad(format!("-{letter} is not accepted: {}", why.reason)));
        }
        let Some(dash) = DASH.iter().find(|d| d.letter == letter) else {
            let accepted: Vec<String> = DASH.iter().map(|d| d.usage()).collect();
            return Err(bad(format!(
                "unknown option '{}' (accepted: {})",
                shown(tok, TOKEN_CHARS),
                accepted.join(", ")
            )));
        };
        let name = dash.spelling;
        let mut value = || -> Result<String, Denied> {
            let v = attached.strip_prefix('=').unwrap_or(attached);
            if !v.is_empty() {
                return Ok(v.to_owned());
            }
            rest.next()
                .cloned()
                .ok_or_else(|| bad(format!("{name} needs a value")))
        };
        match dash.opt {
            DashOpt::Port => {
                let v = value()?;
                let port = whole_number(&v, name, 1, 65535, NUMBER_DIGITS).map_err(|_| {
                    bad(format!(
                        "-p needs a port from 1 to 65535, got '{}'",
                        shown(&v, TOKEN_CHARS)
                    ))
                })?;
                if self.port.replace(port as u16).is_some() {
                    return Err(bad("-p is given more than once".into()));
                }
                Ok(())
            }
            DashOpt::Type => {
                let v = value()?;
                let t = RecordType::parse(&v).ok_or_else(|| unknown_type(field::EXTRA_ARGS, &v))?;
                set_once(&mut self.rtype, t, field::EXTRA_ARGS, "the record type")
            }
            DashOpt::Class => {
                let v = value()?;
                let c = DnsClass::parse(&v).ok_or_else(|| unknown_class(field::EXTRA_ARGS, &v))?;
                set_once(&mut self.class, c, field::EXTRA_ARGS, "the class")
            }
            DashOpt::Reverse => {
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
        }
    }
}

fn plus_option(plus: &str) -> Result<PlusOpt, Denied> {
    let (name, value) = match plus.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (plus, None),
    };
    if let Some((_, why)) = PLUS_REFUSED.iter().find(|(n, _)| *n == name) {
        return Err(bad(format!("+{name} is not accepted: {}", why.reason)));
    }
    if let Some(v) = value {
        if let Some(&(n, min, max)) = PLUS_NUMBERS.iter().find(|(n, ..)| *n == name) {
            let num = whole_number(
                v,
                &format!("+{n}"),
                u64::from(min),
                u64::from(max),
                NUMBER_DIGITS,
            )
            .map_err(bad)?;
            return Ok(PlusOpt::Number(n, num as u32));
        }
    } else if let Some(s) = PLUS_SWITCHES.iter().find(|s| **s == name) {
        return Ok(PlusOpt::Switch(s));
    }
    Err(bad(format!(
        "unknown option '+{}' (accepted: +{}, +time=N, +tries=N, +retry=N, +bufsize=N)",
        shown(plus, TOKEN_CHARS),
        PLUS_SWITCHES.join(" +")
    )))
}

/// The query from the target (and any `-x`).
fn query(target: &str, d: &Draft) -> Result<Query, Denied> {
    let as_ip = parse_target(target).ok().and_then(|t| match t {
        Target::Ip(ip) => Some(ip),
        _ => None,
    });
    if let Some(v) = &d.reverse_value {
        let same = parse_target(v).ok() == as_ip.map(Target::Ip);
        if !same {
            return Err(bad(format!(
                "-x {}: {SECOND_QUERY}; give the address to look up as target",
                shown(v, TOKEN_CHARS)
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
                shown(target, INPUT_CHARS)
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
            format!(
                "query name '{}' is not accepted: {why}",
                shown(s, INPUT_CHARS)
            ),
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

fn check_query_scope(
    rules: &Rules<'_>,
    limits: &DigLimits,
    query: &Query,
    class: DnsClass,
) -> Result<(), Denied> {
    if !limits.query_names_in_scope {
        return Ok(());
    }
    match query {
        Query::Reverse(ip) => rules.scope.check_ip(*ip).map_err(|e| {
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
            rules.scope.check_name(&host).map_err(|e| {
                Denied::scope(
                    field::TARGET,
                    format!("query name {name}: {}", e.message),
                    SCOPE_HINT,
                )
            })
        }
    }
}

fn server_target(limits: &DigLimits, d: &Draft) -> Result<PlannedTarget, Denied> {
    let (requested, field_name) = match &d.server {
        Some((s, f)) => (s.clone(), *f),
        None => match limits.default_server {
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
