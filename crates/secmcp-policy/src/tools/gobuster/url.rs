//! The strict `http(s)://` URL accepted as a `dir`/`vhost` target.
//!
//! Shape: `http[s]://HOST[:PORT][/PATH]` where HOST is a host name, a canonical
//! IPv4 address or a bracketed IPv6 address, and PATH uses only unreserved
//! characters, `/` and `%XX`. No user info, query, fragment or second URL. The
//! host is scope-checked and pinned; the URL is rendered again from its parts
//! with the pinned address.

use std::net::IpAddr;

use crate::address::{Hostname, Target, parse_canonical_ipv4};
use crate::denied::{Denied, field};
use crate::grammar_util::{TOKEN_CHARS, shown};

/// The longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// How much of a refused URL a message shows.
const URL_CHARS: usize = 100;

const URL_HINT: &str = "give one URL such as http://web.lab.internal:8080/ or https://10.0.0.5/app/ (no user info, query or fragment)";

/// A validated `http(s)` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// `https` rather than `http`.
    pub https: bool,
    /// The host (an IP or a host name; never a CIDR).
    pub host: Target,
    /// The explicit port, if any.
    pub port: Option<u16>,
    /// The path, starting with `/` (`/` when none was given).
    pub path: String,
}

impl HttpUrl {
    /// The URL with `ip` (an authorized literal) in place of the host.
    pub fn render(&self, ip: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_owned()
        };
        match self.port {
            Some(p) => format!("{scheme}://{host}:{p}{}", self.path),
            None => format!("{scheme}://{host}{}", self.path),
        }
    }
}

fn bad(url: &str, why: &str) -> Denied {
    Denied::validation(
        field::TARGET,
        format!("target '{}' is not accepted: {why}", shown(url, URL_CHARS)),
        URL_HINT,
    )
}

/// Parses a caller's URL.
pub fn parse(url: &str) -> Result<HttpUrl, Denied> {
    if url.len() > MAX_URL_LEN {
        return Err(bad(url, "the URL is too long"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(url, "it contains whitespace or control characters"));
    }
    let (https, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err(bad(
            url,
            "this mode needs an http:// or https:// URL (lower-case scheme)",
        ));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return Err(bad(url, "user info (user@host) is not accepted"));
    }
    if path.contains("://") {
        return Err(bad(url, "a second URL inside the path is not accepted"));
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_' | '~' | '%')))
    {
        return Err(bad(
            url,
            &format!(
                "the character '{}' is not allowed in the path (no query or fragment)",
                c.escape_default()
            ),
        ));
    }
    check_percent(path).map_err(|why| bad(url, why))?;
    let (host, port) = split_host_port(authority).map_err(|why| bad(url, &why))?;
    Ok(HttpUrl {
        https,
        host,
        port,
        path: path.to_owned(),
    })
}

fn check_percent(path: &str) -> Result<(), &'static str> {
    let b = path.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'%'
            && !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
        {
            return Err("a '%' in the path must start a %XX escape");
        }
    }
    Ok(())
}

/// Splits `host[:port]` / `[v6][:port]` and parses both parts.
pub(crate) fn split_host_port(authority: &str) -> Result<(Target, Option<u16>), String> {
    if authority.is_empty() {
        return Err("the host is empty".into());
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| "an IPv6 address needs a closing ']'".to_string())?;
        let v6 = &rest[..end];
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| "only ':PORT' may follow ']'".to_string())?,
            ),
        };
        let ip: std::net::Ipv6Addr = v6
            .parse()
            .map_err(|_| "the bracketed part is not an IPv6 address".to_string())?;
        (Target::Ip(IpAddr::V6(ip)), port)
    } else {
        let (h, p) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        (parse_host(h)?, p)
    };
    let port = port.map(parse_port).transpose()?;
    Ok((host, port))
}

fn parse_host(h: &str) -> Result<Target, String> {
    if h.is_empty() {
        return Err("the host is empty".into());
    }
    let trimmed = h.strip_suffix('.').unwrap_or(h);
    let last = trimmed.rsplit('.').next().unwrap_or(trimmed);
    if last.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Hostname::parse(h).map(Target::Host);
    }
    parse_canonical_ipv4(h)
        .map(|v4| Target::Ip(IpAddr::V4(v4)))
        .map_err(|why| {
            format!("the host is neither a host name nor a canonical IPv4 address: {why}")
        })
}

/// A decimal port 1..=65535 without leading zeros.
pub(crate) fn parse_port(p: &str) -> Result<u16, String> {
    let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if !ok || (p.len() > 1 && p.starts_with('0')) {
        return Err(format!(
            "the port '{}' must be a decimal number from 1 to 65535",
            shown(p, TOKEN_CHARS)
        ));
    }
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("the port {p} is outside 1..=65535")),
    }
}
