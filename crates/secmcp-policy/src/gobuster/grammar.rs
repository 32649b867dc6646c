//! The gobuster `extra_args` grammar: exact spellings only (`-t 5`,
//! `--threads 5`, `--threads=5`); glued short forms (`-t5`, `-wfile`), bundles
//! and every unknown token are refused. Which options exist depends on the mode
//! (`-r` is the resolver in `dns`, follow-redirect in `dir`, which is refused).

use super::{DnsOptions, GobusterLimits, HttpOptions, Mode};
use crate::denied::{Denied, field};
use crate::address::Target;

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted gobuster options";
const MAX_DELAY_MS: u64 = 10_000;
const MAX_TIMEOUT_MS: u64 = 60_000;
const MAX_LIST_ITEMS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
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
    ShowIps,
    ShowCname,
    Wildcard,
    Resolver,
}

const ALL: &[Mode] = &[Mode::Dir, Mode::Dns, Mode::Vhost];
const HTTP: &[Mode] = &[Mode::Dir, Mode::Vhost];
const DIR: &[Mode] = &[Mode::Dir];
const DNS: &[Mode] = &[Mode::Dns];
const VHOST: &[Mode] = &[Mode::Vhost];

struct Spec {
    short: Option<&'static str>,
    long: &'static str,
    opt: Opt,
    value: bool,
    modes: &'static [Mode],
}

const fn s(
    short: Option<&'static str>,
    long: &'static str,
    opt: Opt,
    value: bool,
    modes: &'static [Mode],
) -> Spec {
    Spec {
        short,
        long,
        opt,
        value,
        modes,
    }
}

const SPECS: &[Spec] = &[
    s(Some("-t"), "--threads", Opt::Threads, true, ALL),
    s(None, "--delay", Opt::Delay, true, ALL),
    s(Some("-w"), "--wordlist", Opt::Wordlist, true, ALL),
    s(Some("-q"), "--quiet", Opt::Quiet, false, ALL),
    s(Some("-z"), "--no-progress", Opt::NoProgress, false, ALL),
    s(None, "--no-color", Opt::NoColor, false, ALL),
    s(None, "--no-error", Opt::NoError, false, ALL),
    s(None, "--timeout", Opt::Timeout, true, ALL),
    s(Some("-x"), "--extensions", Opt::Extensions, true, DIR),
    s(Some("-s"), "--status-codes", Opt::StatusCodes, true, DIR),
    s(
        Some("-b"),
        "--status-codes-blacklist",
        Opt::StatusBlacklist,
        true,
        DIR,
    ),
    s(Some("-f"), "--add-slash", Opt::AddSlash, false, DIR),
    s(Some("-e"), "--expanded", Opt::Expanded, false, DIR),
    s(Some("-n"), "--no-status", Opt::NoStatus, false, DIR),
    s(None, "--hide-length", Opt::HideLength, false, DIR),
    s(
        Some("-d"),
        "--discover-backup",
        Opt::DiscoverBackup,
        false,
        DIR,
    ),
    s(Some("-k"), "--no-tls-validation", Opt::NoTls, false, HTTP),
    s(None, "--retry", Opt::Retry, false, HTTP),
    s(None, "--retry-attempts", Opt::RetryAttempts, true, HTTP),
    s(None, "--random-agent", Opt::RandomAgent, false, HTTP),
    s(Some("-a"), "--useragent", Opt::UserAgent, true, HTTP),
    s(Some("-m"), "--method", Opt::Method, true, HTTP),
    s(None, "--exclude-length", Opt::ExcludeLength, true, HTTP),
    s(None, "--append-domain", Opt::AppendDomain, false, VHOST),
    s(Some("-i"), "--show-ips", Opt::ShowIps, false, DNS),
    s(Some("-c"), "--show-cname", Opt::ShowCname, false, DNS),
    s(None, "--wildcard", Opt::Wildcard, false, DNS),
    s(Some("-r"), "--resolver", Opt::Resolver, true, DNS),
];

const WRITES: &str = "it writes a local file; the server reads gobuster's output itself";
const READS: &str = "it makes gobuster read a local file";
const TARGET_ONLY: &str = "the URL or domain comes only from the target field (one per call)";
const SECRETS: &str =
    "credentials and headers on the command line end up in logs; this tool does not take them";

/// Refused spellings (any mode unless accepted above for the call's mode).
const REFUSED: &[(&[&str], &str)] = &[
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
        "proxies relay requests through another host, outside the scope check",
    ),
    (&["-u", "--url", "-d", "--domain"], TARGET_ONLY),
    (
        &["-r", "--follow-redirect"],
        "following redirects can lead gobuster to hosts outside the scope",
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
        "verbose output floods the result with misses",
    ),
    (&["-h", "--help"], "help text is not a scan"),
];

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

fn refused_reason(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(_, why)| *why)
}

fn find_spec(mode: Mode, name: &str) -> Option<&'static Spec> {
    SPECS
        .iter()
        .find(|sp| sp.modes.contains(&mode) && (sp.long == name || sp.short == Some(name)))
}

fn other_modes(name: &str) -> Vec<&'static str> {
    SPECS
        .iter()
        .filter(|sp| sp.long == name || sp.short == Some(name))
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
        shown(tok)
    )))
}

/// Parses the tokens for `mode`.
pub(crate) fn parse_tokens(
    mode: Mode,
    tokens: &[String],
    limits: &GobusterLimits,
) -> Result<Draft, Denied> {
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
                shown(tok)
            )));
        } else {
            return Err(bad(format!(
                "unexpected argument '{}': {TARGET_ONLY}",
                shown(tok)
            )));
        };
        let value = match (spec.value, attached) {
            (false, Some(v)) => {
                return Err(bad(format!(
                    "{} takes no value (got '{}')",
                    spec.long,
                    shown(v)
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
    if slot.is_some() {
        return Err(bad(format!("{name} is given more than once")));
    }
    *slot = Some(v);
    Ok(())
}

fn number(v: &str, name: &str, min: u64, max: u64) -> Result<u64, Denied> {
    let ok = !v.is_empty() && v.len() <= 12 && v.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| v.parse::<u64>().ok())
        .flatten()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "{name} needs a whole number from {min} to {max}, got '{}'",
                shown(v)
            ))
        })
}

/// A Go duration in the forms `250ms`, `2s`, `1m` (whole numbers only), in ms.
pub(crate) fn duration_ms(v: &str, name: &str, max_ms: u64) -> Result<u64, Denied> {
    let err = || {
        bad(format!(
            "{name} needs a duration such as 500ms, 2s or 1m (at most {max_ms} ms), got '{}'",
            shown(v)
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
            shown(v)
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
pub(crate) fn parse_resolver(v: &str) -> Result<(Target, u16), String> {
    if v.contains(':') && !v.starts_with('[') && v.matches(':').count() > 1 {
        // bare IPv6
        let ip: std::net::Ipv6Addr = v
            .parse()
            .map_err(|_| "it is not an IPv6 address (write [v6]:port for a port)".to_string())?;
        return Ok((Target::Ip(std::net::IpAddr::V6(ip)), 53));
    }
    let (t, port) = super::url::split_host_port(v)?;
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
                let ms = duration_ms(v, name, MAX_DELAY_MS)?;
                if ms < limits.min_delay_ms {
                    return Err(bad(format!(
                        "--delay {v} is below the server's minimum of {}ms",
                        limits.min_delay_ms
                    )));
                }
                once(&mut self.delay_ms, ms, name)?;
            }
            Opt::Timeout => {
                let ms = duration_ms(v, name, MAX_TIMEOUT_MS)?;
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
                        shown(v)
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
                let n = number(v, name, 1, 10)?;
                once(&mut h.retry_attempts, n as u8, name)?;
            }
            Opt::RandomAgent => h.random_agent = true,
            Opt::UserAgent => {
                let ok =
                    !v.is_empty() && v.len() <= 200 && v.bytes().all(|b| (0x20..0x7f).contains(&b));
                if !ok {
                    return Err(bad(format!(
                        "{name} needs 1-200 printable ASCII characters, got '{}'",
                        shown(v)
                    )));
                }
                once(&mut h.useragent, v.to_owned(), name)?;
            }
            Opt::Method => {
                let m = ["GET", "HEAD", "POST", "OPTIONS"]
                    .into_iter()
                    .find(|m| *m == v)
                    .ok_or_else(|| {
                        bad(format!(
                            "{name} accepts GET, HEAD, POST or OPTIONS, got '{}'",
                            shown(v)
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
            Opt::ShowIps => self.dns.show_ips = true,
            Opt::ShowCname => self.dns.show_cname = true,
            Opt::Wildcard => self.dns.wildcard = true,
            Opt::Resolver => {
                let r = parse_resolver(v)
                    .map_err(|why| bad(format!("{name} '{}' is not accepted: {why}", shown(v))))?;
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
