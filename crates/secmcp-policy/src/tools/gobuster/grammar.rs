//! The gobuster grammar: target, typed fields and `extra_args` tokens ->
//! [`GobusterPlan`]. Exact spellings only (`-t 5`, `--threads 5`,
//! `--threads=5`); glued short forms (`-t5`, `-wfile`), bundles and every
//! unknown token are refused. Which options exist depends on the mode
//! (`flags.rs`: `-r` is the resolver in `dns`, follow-redirect in `dir`,
//! which is refused).
//!
//! Must not: render argv (`render.rs` does) or read the wordlist.

use super::flags::{Kind, Opt, REFUSED, SPECS, Spec, TARGET_ONLY};
use super::types::{
    DnsOptions, FIELD_WORDLIST, GobusterFields, GobusterLimits, GobusterPlan, GobusterTarget,
    HttpOptions, Mode,
};
use super::url;
use crate::address::{Hostname, Target};
use crate::call::{Call, Fields, FileKind, FileRequest, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field, internal};
use crate::files::{self, ListSource};
use crate::grammar_util::{INPUT_CHARS, TOKEN_CHARS, shown, whole_number};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted gobuster options";
/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 12;
const MAX_LIST_ITEMS: usize = 20;

const INTRUSIVE_HINT: &str =
    "ask the operator to set security.allow_intrusive: true; only then can gobuster run";

/// Parses a gobuster call into its plan, targets and file requests.
pub(crate) fn parse(
    rules: &Rules<'_>,
    limits: &GobusterLimits,
    call: &Call<'_>,
    fields: Fields<'_, GobusterFields>,
) -> Result<Parsed<GobusterPlan>, Denied> {
    if !rules.allow_intrusive {
        return Err(Denied::validation(
            field::TARGET,
            "gobuster is intrusive (it sends one request per wordlist entry) and needs security.allow_intrusive",
            INTRUSIVE_HINT,
        ));
    }
    let fields = match fields {
        Fields::Own(f) => f.clone(),
        Fields::Absent => GobusterFields::default(),
        Fields::Foreign => return Err(internal("gobuster called with another tool's fields")),
    };
    let draft = parse_tokens(fields.mode, call.tokens, limits)?;

    let wordlist = match (fields.wordlist.as_str(), &draft.wordlist) {
        ("", Some(w)) => w.clone(),
        ("", None) if limits.default_wordlist.is_empty() => fields.mode.builtin_list().to_owned(),
        ("", None) => limits.default_wordlist.clone(),
        (f, None) => f.to_owned(),
        (_, Some(_)) => {
            return Err(Denied::validation(
                FIELD_WORDLIST,
                "the wordlist is given twice (the wordlist field and -w in extra_args)",
                "give it once, preferably in the wordlist field",
            ));
        }
    };
    let mut files = Vec::new();
    let wordlist = files::choose(
        FIELD_WORDLIST,
        &limits.wordlists,
        &wordlist,
        FileKind::Wordlist,
        "wordlist",
        &mut files,
    )?;

    let (target, targets) = match fields.mode {
        Mode::Dir | Mode::Vhost => {
            if let Some(domain) = &draft.http.domain {
                rules.scope.check_name(domain).map_err(|e| {
                    Denied::scope(
                        field::EXTRA_ARGS,
                        format!("--domain {domain}: {}", e.message),
                        "give a domain under a suffix in security.allowed_targets (it becomes the Host header of every guess)",
                    )
                })?;
            }
            let url = url::parse(call.target)?;
            let host = PlannedTarget::new(field::TARGET, call.target, url.host.clone());
            (GobusterTarget::Url(url), vec![host])
        }
        Mode::Dns => {
            let domain = parse_domain(rules, call.target)?;
            let ((resolver, port), from) = match (&draft.resolver, limits.dns_resolver.as_str()) {
                (Some(r), _) => (r.clone(), field::EXTRA_ARGS),
                (None, "") => {
                    return Err(Denied::validation(
                        field::EXTRA_ARGS,
                        "dns mode needs the DNS server to ask: give -r ADDRESS[:PORT] (it must be in scope)",
                        "add e.g. -r 10.0.0.53 to extra_args; the host's own resolver is never used",
                    ));
                }
                (None, configured) => (
                    parse_resolver(configured)
                        .map_err(|e| internal(&format!("tools.gobuster.dns_resolver: {e}")))?,
                    "tools.gobuster.dns_resolver",
                ),
            };
            let planned = PlannedTarget::new(from, resolver.to_string(), resolver);
            let mut dns = draft.dns.clone();
            dns.resolver_port = port;
            let target = GobusterTarget::Domain(domain);
            return finish(
                fields.mode,
                target,
                vec![planned],
                (wordlist, files),
                draft,
                dns,
                limits,
            );
        }
    };
    let dns = draft.dns.clone();
    finish(
        fields.mode,
        target,
        targets,
        (wordlist, files),
        draft,
        dns,
        limits,
    )
}

/// `wordlist` is where the list comes from and the file requests it makes.
fn finish(
    mode: Mode,
    target: GobusterTarget,
    targets: Vec<PlannedTarget>,
    (wordlist, files): (ListSource, Vec<FileRequest>),
    draft: Draft,
    dns: DnsOptions,
    limits: &GobusterLimits,
) -> Result<Parsed<GobusterPlan>, Denied> {
    let plan = GobusterPlan {
        mode,
        target,
        wordlist,
        threads: draft.threads.unwrap_or(limits.default_threads),
        delay_ms: draft
            .delay_ms
            .unwrap_or(limits.min_delay_ms)
            .max(limits.min_delay_ms),
        timeout_ms: draft.timeout_ms,
        no_error: draft.no_error,
        http: draft.http,
        dns,
        progress: false,
    };
    Ok(Parsed {
        plan,
        targets,
        files,
    })
}

fn parse_domain(rules: &Rules<'_>, target: &str) -> Result<Hostname, Denied> {
    let domain = Hostname::parse(target).map_err(|why| {
        Denied::validation(
            field::TARGET,
            format!(
                "dns mode needs a domain as target; '{}' is not one: {why}",
                shown(target, INPUT_CHARS)
            ),
            "give a domain such as corp.lab.internal (no URL, no address)",
        )
    })?;
    rules.scope.check_name(&domain).map_err(|e| {
        Denied::scope(
            field::TARGET,
            e.message,
            "choose a domain under a suffix in security.allowed_targets",
        )
    })?;
    Ok(domain)
}

/// Options seen so far.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) threads: Option<u32>,
    pub(crate) delay_ms: Option<u64>,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) wordlist: Option<String>,
    pub(crate) no_error: bool,
    pub(crate) resolver: Option<(Target, u16)>,
    pub(crate) http: HttpOptions,
    pub(crate) dns: DnsOptions,
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

fn refused_reason(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(_, why)| why.reason)
}

fn find_spec(mode: Mode, name: &str) -> Option<&'static Spec> {
    SPECS
        .iter()
        .find(|sp| sp.modes.contains(&mode) && sp.names().any(|n| n == name))
}

fn other_modes(name: &str) -> Vec<&'static str> {
    SPECS
        .iter()
        .filter(|sp| sp.names().any(|n| n == name))
        .flat_map(|sp| sp.modes.iter().map(|m| m.as_str()))
        .collect()
}

/// Looks a name up for `mode`: the spec, or the refusal.
fn lookup(mode: Mode, name: &str, tok: &str) -> Result<&'static Spec, Denied> {
    if let Some(sp) = find_spec(mode, name) {
        return Ok(sp);
    }
    if let Some(why) = refused_reason(name) {
        return Err(bad(format!("{name} is not accepted: {why}")));
    }
    let elsewhere = other_modes(name);
    if !elsewhere.is_empty() {
        return Err(bad(format!(
            "{name} is not an option of {} mode (only of: {})",
            mode.as_str(),
            elsewhere.join(", ")
        )));
    }
    Err(bad(format!(
        "unknown option '{}' (abbreviations are not accepted)",
        shown(tok, TOKEN_CHARS)
    )))
}

/// Parses the tokens for `mode`.
fn parse_tokens(mode: Mode, tokens: &[String], limits: &GobusterLimits) -> Result<Draft, Denied> {
    let mut d = Draft::default();
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let (spec, attached) = if let Some(long) = tok.strip_prefix("--") {
            let (name, v) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let name = &tok[..name.len() + 2];
            (lookup(mode, name, tok)?, v)
        } else if tok.starts_with('-') && tok.len() == 2 {
            (lookup(mode, tok, tok)?, None)
        } else if tok.starts_with('-') && tok.len() > 2 && tok.is_char_boundary(2) {
            // -t5, -wlist, -qz, -t=5: glued values and bundles are refused.
            let short = &tok[..2];
            if let Some(why) = refused_reason(short).filter(|_| find_spec(mode, short).is_none()) {
                return Err(bad(format!("{short} is not accepted: {why}")));
            }
            return Err(bad(format!(
                "unknown option '{}': give each option separately and its value as the next argument (e.g. -t 5)",
                shown(tok, TOKEN_CHARS)
            )));
        } else {
            return Err(bad(format!(
                "unexpected argument '{}': {TARGET_ONLY}",
                shown(tok, TOKEN_CHARS)
            )));
        };
        let value = match (spec.kind != Kind::Switch, attached) {
            (false, Some(v)) => {
                return Err(bad(format!(
                    "{} takes no value (got '{}')",
                    spec.long,
                    shown(v, TOKEN_CHARS)
                )));
            }
            (false, None) => None,
            (true, Some(v)) => Some(v),
            (true, None) => Some(
                rest.next()
                    .map(String::as_str)
                    .ok_or_else(|| bad(format!("{} needs a value", spec.long)))?,
            ),
        };
        d.apply(spec, value.unwrap_or(""), limits)?;
    }
    Ok(d)
}

fn once<T>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), Denied> {
    crate::grammar_util::once(slot, v, name).map_err(bad)
}

fn number(v: &str, name: &str, min: u64, max: u64) -> Result<u64, Denied> {
    whole_number(v, name, min, max, NUMBER_DIGITS).map_err(bad)
}

/// The upper bound of a kind with one (durations, number ranges).
fn max_of(sp: &Spec) -> u64 {
    match sp.kind {
        Kind::Duration(max) | Kind::Int(_, max) => max,
        _ => 0,
    }
}

/// The lower bound of a number range.
fn min_of(sp: &Spec) -> u64 {
    match sp.kind {
        Kind::Int(min, _) => min,
        _ => 0,
    }
}

/// A Go duration in the forms `250ms`, `2s`, `1m` (whole numbers only), in ms.
fn duration_ms(v: &str, name: &str, max_ms: u64) -> Result<u64, Denied> {
    let err = || {
        bad(format!(
            "{name} needs a duration such as 500ms, 2s or 1m (at most {max_ms} ms), got '{}'",
            shown(v, TOKEN_CHARS)
        ))
    };
    let (digits, mult) = if let Some(d) = v.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = v.strip_suffix('s') {
        (d, 1000)
    } else if let Some(d) = v.strip_suffix('m') {
        (d, 60_000)
    } else {
        return Err(err());
    };
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let ms = digits.parse::<u64>().map_err(|_| err())? * mult;
    if ms > max_ms {
        return Err(err());
    }
    Ok(ms)
}

/// A comma list of status codes and ranges: `200,301-302`.
fn status_list(v: &str, name: &str) -> Result<String, Denied> {
    let err = || {
        bad(format!(
            "{name} needs status codes or ranges from 100 to 599 such as 200,301-302, got '{}'",
            shown(v, TOKEN_CHARS)
        ))
    };
    if v.is_empty() {
        return Ok(String::new());
    }
    let items: Vec<&str> = v.split(',').collect();
    if items.len() > MAX_LIST_ITEMS {
        return Err(err());
    }
    for item in items {
        let code = |c: &str| {
            (c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
                .then(|| c.parse::<u16>().ok())
                .flatten()
                .filter(|n| (100..=599).contains(n))
        };
        let ok = match item.split_once('-') {
            Some((a, b)) => matches!((code(a), code(b)), (Some(x), Some(y)) if x <= y),
            None => code(item).is_some(),
        };
        if !ok {
            return Err(err());
        }
    }
    Ok(v.to_owned())
}

/// `IP`, `IP:PORT`, `[v6]:PORT`, `name`, `name:PORT` -> target and port (53).
/// Checks a configured resolver (`tools.gobuster.dns_resolver`): `IP`,
/// `IP:PORT`, `[IPv6]:PORT`, `NAME` or `NAME:PORT`.
pub fn check_resolver(s: &str) -> Result<(), String> {
    parse_resolver(s).map(|_| ())
}

pub(crate) fn parse_resolver(v: &str) -> Result<(Target, u16), String> {
    if v.contains(':') && !v.starts_with('[') && v.matches(':').count() > 1 {
        // bare IPv6
        let ip: std::net::Ipv6Addr = v
            .parse()
            .map_err(|_| "it is not an IPv6 address (write [v6]:port for a port)".to_string())?;
        return Ok((Target::Ip(std::net::IpAddr::V6(ip)), 53));
    }
    let (t, port) = url::split_host_port(v)?;
    Ok((t, port.unwrap_or(53)))
}

impl Draft {
    fn apply(&mut self, sp: &Spec, v: &str, limits: &GobusterLimits) -> Result<(), Denied> {
        let name = sp.long;
        let h = &mut self.http;
        match sp.opt {
            Opt::Threads => {
                let n = number(v, name, 1, u64::from(limits.max_threads))?;
                once(&mut self.threads, n as u32, name)?;
            }
            Opt::Delay => {
                let ms = duration_ms(v, name, max_of(sp))?;
                if ms < limits.min_delay_ms {
                    return Err(bad(format!(
                        "--delay {v} is below the server's minimum of {}ms",
                        limits.min_delay_ms
                    )));
                }
                once(&mut self.delay_ms, ms, name)?;
            }
            Opt::Timeout => {
                let ms = duration_ms(v, name, max_of(sp))?;
                if ms == 0 {
                    return Err(bad("--timeout must be more than 0".into()));
                }
                once(&mut self.timeout_ms, ms, name)?;
            }
            Opt::Wordlist => once(&mut self.wordlist, v.to_owned(), name)?,
            // The server always passes -q -z --no-color.
            Opt::Quiet | Opt::NoProgress | Opt::NoColor => {}
            Opt::NoError => self.no_error = true,
            Opt::Extensions => {
                let items: Vec<String> = v
                    .split(',')
                    .map(|e| e.trim_start_matches('.').to_owned())
                    .collect();
                let ok = items.len() <= MAX_LIST_ITEMS
                    && items.iter().all(|e| {
                        !e.is_empty()
                            && e.len() <= 10
                            && e.bytes().all(|b| b.is_ascii_alphanumeric())
                    });
                if !ok || !h.extensions.is_empty() {
                    return Err(bad(format!(
                        "{name} needs one list of extensions such as php,txt,html (letters and digits), got '{}'",
                        shown(v, TOKEN_CHARS)
                    )));
                }
                h.extensions = items;
            }
            Opt::StatusCodes => {
                let list = status_list(v, name)?;
                once(&mut h.status_codes, list, name)?;
            }
            Opt::StatusBlacklist => {
                let list = status_list(v, name)?;
                once(&mut h.status_blacklist, list, name)?;
            }
            Opt::AddSlash => h.add_slash = true,
            Opt::NoTls => h.no_tls_validation = true,
            Opt::Expanded => h.expanded = true,
            Opt::NoStatus => h.no_status = true,
            Opt::HideLength => h.hide_length = true,
            Opt::DiscoverBackup => h.discover_backup = true,
            Opt::Retry => h.retry = true,
            Opt::RetryAttempts => {
                let n = number(v, name, min_of(sp), max_of(sp))?;
                once(&mut h.retry_attempts, n as u8, name)?;
            }
            Opt::RandomAgent => h.random_agent = true,
            Opt::UserAgent => {
                let ok =
                    !v.is_empty() && v.len() <= 200 && v.bytes().all(|b| (0x20..0x7f).contains(&b));
                if !ok {
                    return Err(bad(format!(
                        "{name} needs 1-200 printable ASCII characters, got '{}'",
                        shown(v, TOKEN_CHARS)
                    )));
                }
                once(&mut h.useragent, v.to_owned(), name)?;
            }
            Opt::Method => {
                let words = match sp.kind {
                    Kind::OneOf(words) => words,
                    _ => &[],
                };
                let m = words.iter().copied().find(|m| *m == v).ok_or_else(|| {
                    let (last, rest) = words.split_last().unwrap_or((&"", &[]));
                    bad(format!(
                        "{name} accepts {} or {last}, got '{}'",
                        rest.join(", "),
                        shown(v, TOKEN_CHARS)
                    ))
                })?;
                once(&mut h.method, m, name)?;
            }
            Opt::ExcludeLength => {
                for item in v.split(',') {
                    let n = number(item, name, 0, 1 << 40)?;
                    if h.exclude_length.len() >= MAX_LIST_ITEMS {
                        return Err(bad(format!("{name}: at most {MAX_LIST_ITEMS} lengths")));
                    }
                    h.exclude_length.push(n);
                }
            }
            Opt::AppendDomain => h.append_domain = true,
            Opt::Domain => {
                let d = Hostname::parse(v).map_err(|why| {
                    bad(format!(
                        "{name} needs a DNS name such as lab.internal; '{}' is not one: {why}",
                        shown(v, TOKEN_CHARS)
                    ))
                })?;
                once(&mut h.domain, d, name)?;
            }
            Opt::ShowIps => self.dns.show_ips = true,
            Opt::ShowCname => self.dns.show_cname = true,
            Opt::Wildcard => self.dns.wildcard = true,
            Opt::Resolver => {
                let r = parse_resolver(v).map_err(|why| {
                    bad(format!(
                        "{name} '{}' is not accepted: {why}",
                        shown(v, TOKEN_CHARS)
                    ))
                })?;
                once(&mut self.resolver, r, name)?;
            }
        }
        if self.dns.show_ips && self.dns.show_cname {
            return Err(bad(
                "-i and -c cannot be combined (gobuster refuses it)".into()
            ));
        }
        Ok(())
    }
}
