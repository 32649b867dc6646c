//! The sqlmap grammar: the URL target, the `data` field and `extra_args`
//! tokens -> [`SqlmapPlan`]. Spellings, value kinds and gates come from the
//! table in `flags.rs`; each value is checked here into the form it will be
//! rendered in.
//!
//! Must not: render argv (`render.rs` does) or resolve names.

use super::flags::{Kind, Lookup, MAX_TEXT, Spec, lookup};
use super::types::{Arg, SqlmapFields, SqlmapLimits, SqlmapPlan};
use super::url::HttpUrl;
use crate::address::Target;
use crate::call::{Call, Fields, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field, internal};
use crate::grammar_util::{INPUT_CHARS, TOKEN_CHARS, shown, whole_number};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted sqlmap options";
const INTRUSIVE_HINT: &str =
    "sqlmap sends attack payloads; ask the operator to set security.allow_intrusive: true";
const ENUM_HINT: &str = "test for injection and fingerprint first; enumeration needs the operator to set tools.sqlmap.allow_enumeration: true";

/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 7;

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

/// Parses a sqlmap call into its plan, targets and file requests.
pub(crate) fn parse(
    rules: &Rules<'_>,
    limits: &SqlmapLimits,
    call: &Call<'_>,
    fields: Fields<'_, SqlmapFields>,
) -> Result<Parsed<SqlmapPlan>, Denied> {
    if !rules.allow_intrusive {
        return Err(Denied::validation(
            field::TARGET,
            "sqlmap is intrusive (it sends SQL injection payloads to the target) and needs security.allow_intrusive",
            INTRUSIVE_HINT,
        ));
    }
    let url = HttpUrl::parse(call.target).map_err(|why| {
        Denied::validation(
            field::TARGET,
            format!("'{}': {why}", shown(call.target, INPUT_CHARS)),
            "give one http:// or https:// URL with a query string, e.g. http://web.lab.internal/item?id=1 (a POST body goes in `data`)",
        )
    })?;
    let data = match fields {
        Fields::Own(f) => f.data.clone(),
        Fields::Absent => String::new(),
        Fields::Foreign => return Err(internal("sqlmap called with another tool's fields")),
    };
    check_text(&data, "data", 8192).map_err(|m| {
        Denied::validation(
            "data",
            m,
            "give the POST body as printable ASCII (percent-encode the rest), at most 8192 bytes",
        )
    })?;
    if !url.has_query() && data.is_empty() && !url.rest.contains('*') {
        return Err(Denied::validation(
            field::TARGET,
            "the URL has no query string and there is no `data` body: sqlmap would have no parameter to test",
            "add the parameters to test, e.g. ?id=1, or give a POST body in `data` (mark a path injection point with *)",
        ));
    }
    let mut targets = vec![PlannedTarget::new(
        field::TARGET,
        call.target,
        url.host.clone(),
    )];
    let mut args: Vec<Arg> = Vec::new();
    let mut safe_url = None;
    let mut rest = call.tokens.iter();
    while let Some(tok) = rest.next() {
        let (spec, attached) = match lookup(tok) {
            Lookup::Known(spec, v) => (spec, v),
            Lookup::ServerOwned(name) => {
                if tok.contains('=') {
                    return Err(bad(format!("{name} takes no value")));
                }
                continue;
            }
            Lookup::Refused(name, why) => {
                return Err(bad(format!(
                    "{} is not accepted: {why}",
                    shown(name, TOKEN_CHARS)
                )));
            }
            Lookup::Unknown => {
                return Err(bad(format!(
                    "unknown option '{}' (options must be spelled exactly; abbreviations are not accepted)",
                    shown(tok, TOKEN_CHARS)
                )));
            }
            Lookup::Positional => {
                return Err(bad(format!(
                    "unexpected argument '{}': the URL goes in the target field (exactly one per call) and a POST body in `data`",
                    shown(tok, TOKEN_CHARS)
                )));
            }
        };
        let name = spec.names[0];
        let value = match (spec.kind, attached) {
            (Kind::Switch, Some(_)) => return Err(bad(format!("{name} takes no value"))),
            (Kind::Switch, None) => None,
            (_, Some(v)) => Some(v),
            (_, None) => Some(
                rest.next()
                    .map(String::as_str)
                    .ok_or_else(|| bad(format!("{name} needs a value")))?,
            ),
        };
        if let Some(setting) = spec.gate.setting()
            && !limits.enables(setting)
        {
            return Err(Denied::validation(
                field::EXTRA_ARGS,
                format!(
                    "{name} enumerates the database beyond fingerprinting, which this server does not allow"
                ),
                ENUM_HINT,
            ));
        }
        if spec.name_is_repeatable() {
            // -H may repeat; everything else once.
        } else if args.iter().any(|a| a.name == name)
            || (name == "--safe-url" && safe_url.is_some())
        {
            return Err(bad(format!("{name} is given more than once")));
        }
        let value = match value {
            None => None,
            Some(v) => Some(check_value(limits, spec, v)?),
        };
        if spec.kind == Kind::SafeUrl {
            let v = value.unwrap_or_default();
            let safe = HttpUrl::parse(&v).map_err(|why| bad(format!("--safe-url: {why}")))?;
            if let (Target::Host(a), Target::Host(b)) = (&safe.host, &url.host)
                && a != b
            {
                return Err(bad(format!(
                    "--safe-url host {a} differs from the target's host {b}; sqlmap sends one Host header, so use the target's host or an IP address"
                )));
            }
            targets.push(PlannedTarget::new(field::EXTRA_ARGS, v, safe.host.clone()));
            safe_url = Some(safe);
            continue;
        }
        args.push(Arg {
            name,
            value,
            short: spec.short,
        });
    }
    if args.iter().any(|a| a.name == "--safe-freq") && safe_url.is_none() {
        return Err(bad("--safe-freq needs --safe-url".into()));
    }
    if args.iter().any(|a| a.name == "--safe-post") && safe_url.is_none() {
        return Err(bad("--safe-post needs --safe-url".into()));
    }
    Ok(Parsed {
        plan: SqlmapPlan {
            url,
            data,
            safe_url,
            args,
        },
        targets,
        files: Vec::new(),
    })
}

impl Spec {
    fn name_is_repeatable(&self) -> bool {
        self.kind == Kind::Header
    }
}

/// Printable ASCII, spaces allowed, bounded.
fn check_text(v: &str, name: &str, max: usize) -> Result<(), String> {
    if v.len() > max {
        return Err(format!("{name} is longer than {max} bytes"));
    }
    if let Some(c) = v.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(format!(
            "{name} contains {:?}; only printable ASCII is accepted",
            c
        ));
    }
    Ok(())
}

fn check_value(lim: &SqlmapLimits, spec: &Spec, v: &str) -> Result<String, Denied> {
    let name = spec.names[0];
    let err = |what: &str| {
        bad(format!(
            "{name} needs {what}, got '{}'",
            shown(v, TOKEN_CHARS)
        ))
    };
    check_text(v, name, MAX_TEXT).map_err(bad)?;
    match spec.kind {
        Kind::Switch => Err(bad(format!("{name} takes no value"))),
        Kind::Text => Ok(v.to_owned()),
        Kind::SafeUrl => Ok(v.to_owned()),
        Kind::Names => {
            let ok = !v.is_empty()
                && !v.starts_with('-')
                && v.split(',').all(|n| {
                    !n.is_empty()
                        && !n.starts_with('-')
                        && n.bytes().all(|b| {
                            b.is_ascii_alphanumeric()
                                || matches!(
                                    b,
                                    b'_' | b'-' | b'.' | b'$' | b'[' | b']' | b'<' | b'>'
                                )
                        })
                });
            if ok {
                Ok(v.to_owned())
            } else {
                Err(err(
                    "comma-separated names (letters, digits, _ - . $ [ ]), not starting with -",
                ))
            }
        }
        Kind::Word => {
            let ok = !v.is_empty()
                && !v.starts_with('-')
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
            if ok {
                Ok(v.to_owned())
            } else {
                Err(err("letters, digits, _ or -"))
            }
        }
        Kind::Int(min, max) => int(v, min, max)
            .map(|n| n.to_string())
            .ok_or_else(|| err(&format!("a whole number from {min} to {max}"))),
        Kind::Seconds(min, max) => {
            let (whole, frac) = v.split_once('.').unwrap_or((v, "0"));
            let ok = !whole.is_empty()
                && whole.len() <= 4
                && !frac.is_empty()
                && frac.len() <= 3
                && whole
                    .bytes()
                    .chain(frac.bytes())
                    .all(|b| b.is_ascii_digit());
            let n: u32 = whole.parse().unwrap_or(u32::MAX);
            let over = n > max || (n == max && frac.bytes().any(|b| b != b'0'));
            if ok && n >= min && !over {
                Ok(v.to_owned())
            } else {
                Err(err(&format!("seconds from {min} to {max} (e.g. 0.5)")))
            }
        }
        Kind::Codes => {
            let ok = v.split(',').all(|c| int(c, 100, 599).is_some()) && v.split(',').count() <= 32;
            if ok {
                Ok(v.to_owned())
            } else {
                Err(err("comma-separated HTTP status codes (100-599)"))
            }
        }
        Kind::OneOf(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(v))
            .map(|w| (*w).to_owned())
            .ok_or_else(|| err(&format!("one of: {}", words.join(", ")))),
        Kind::SubsetOf(words) => {
            let mut out = Vec::new();
            for part in v.split(',') {
                let w = words
                    .iter()
                    .find(|w| w.eq_ignore_ascii_case(part))
                    .ok_or_else(|| {
                        err(&format!("a comma-separated list of: {}", words.join(", ")))
                    })?;
                if !out.contains(w) {
                    out.push(*w);
                }
            }
            Ok(out.join(","))
        }
        Kind::CharOf(chars) => {
            if v.len() == 1 && chars.contains(v) {
                Ok(v.to_owned())
            } else {
                Err(err(&format!("one character of {chars}")))
            }
        }
        Kind::Level => capped(v, name, 5, lim.max_level, "tools.sqlmap.max_level"),
        Kind::Risk => capped(v, name, 3, lim.max_risk, "tools.sqlmap.max_risk"),
        Kind::Threads => capped(v, name, 10, lim.max_threads, "tools.sqlmap.max_threads"),
        Kind::Technique => {
            let up = v.to_ascii_uppercase();
            let mut seen = String::new();
            for c in up.chars() {
                if !"BEUSTQ".contains(c) || seen.contains(c) {
                    return Err(err(
                        "letters of BEUSTQ (B boolean, E error, U union, S stacked, T time, Q inline), each once",
                    ));
                }
                seen.push(c);
            }
            if seen.is_empty() {
                return Err(err("letters of BEUSTQ"));
            }
            Ok(seen)
        }
        Kind::UnionCols => {
            let (a, b) = v.split_once('-').unwrap_or((v, v));
            match (int(a, 1, 100), int(b, 1, 100)) {
                (Some(x), Some(y)) if x <= y => Ok(v.to_owned()),
                _ => Err(err("a column count N or range N-M within 1-100")),
            }
        }
        Kind::Header => {
            let (hname, hval) = v.split_once(':').ok_or_else(|| err("'Name: value'"))?;
            let name_ok = !hname.is_empty()
                && hname.len() <= 64
                && hname
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !name_ok {
                return Err(err(
                    "'Name: value' with a header name of letters, digits and -",
                ));
            }
            let lower = hname.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "host" | "content-length" | "transfer-encoding"
            ) {
                return Err(bad(format!(
                    "-H {hname}: the server sets this header itself (Host comes from the target URL)"
                )));
            }
            Ok(format!("{hname}:{hval}"))
        }
    }
}

fn int(v: &str, min: u32, max: u32) -> Option<u32> {
    whole_number(v, "", u64::from(min), u64::from(max), NUMBER_DIGITS)
        .ok()
        .map(|n| n as u32)
}

fn capped(v: &str, name: &str, hard: u8, cap: u8, config: &str) -> Result<String, Denied> {
    let n = int(v, 1, u32::from(hard)).ok_or_else(|| {
        bad(format!(
            "{name} needs a whole number from 1 to {hard}, got '{}'",
            shown(v, TOKEN_CHARS)
        ))
    })?;
    if n > u32::from(cap) {
        return Err(Denied::validation(
            field::EXTRA_ARGS,
            format!("{name} {n} is above this server's limit of {cap}"),
            format!("use {name} {cap} or lower; only the operator can raise {config}"),
        ));
    }
    Ok(n.to_string())
}
