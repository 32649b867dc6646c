//! The one `http(s)://` URL a sqlmap call tests (and `--safe-url`): parsed into
//! scheme, host (a [`Target`]), optional port and path+query, so the server can
//! scope-check the host and render the URL again with the pinned address.
//!
//! Refused: other schemes, user info (`user@host`), fragments, a missing host,
//! CIDRs, non-decimal ports, and any byte outside printable ASCII (sqlmap
//! rewrites Unicode dashes and quotes in its arguments; percent-encode instead).

use crate::address::{Target, parse_target};

/// The longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// A parsed `http(s)://` URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl {
    pub(crate) https: bool,
    pub(crate) host: Target,
    /// The host as written (lower-cased), for messages.
    pub(crate) host_text: String,
    pub(crate) port: Option<u16>,
    /// Path and query, starting with `/` (or empty).
    pub(crate) rest: String,
}

impl HttpUrl {
    /// Parses `s`; the error says exactly why it was refused.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() > MAX_URL_LEN {
            return Err(format!("the URL is longer than {MAX_URL_LEN} bytes"));
        }
        if let Some(b) = s.bytes().find(|b| !(0x21..=0x7e).contains(b)) {
            return Err(format!(
                "the URL contains the byte 0x{b:02x}; only printable ASCII without spaces is accepted (percent-encode the rest)"
            ));
        }
        let (scheme, after) = s
            .split_once("://")
            .ok_or("the URL must start with http:// or https://")?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(format!(
                    "the scheme '{scheme}' is not accepted; use http or https"
                ));
            }
        };
        if after.contains('#') {
            return Err("the URL has a fragment (#...); remove it".into());
        }
        let split = after.find(['/', '?']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(split);
        if authority.contains('@') {
            return Err("user info (user@host) in the URL is not accepted".into());
        }
        let (host_text, port) = split_host_port(authority)?;
        if host_text.is_empty() {
            return Err("the URL has no host".into());
        }
        let host = match parse_target(host_text) {
            Ok(Target::Cidr(_)) => return Err("the URL host must be one host, not a CIDR".into()),
            Ok(t) => t,
            Err(d) => return Err(format!("the URL host: {}", d.message)),
        };
        let rest = if rest.starts_with('?') {
            format!("/{rest}")
        } else {
            rest.to_owned()
        };
        Ok(Self {
            https,
            host,
            host_text: host_text.to_ascii_lowercase(),
            port,
            rest,
        })
    }

    /// The host.
    pub fn host(&self) -> &Target {
        &self.host
    }

    /// Whether there is a non-empty query string.
    pub fn has_query(&self) -> bool {
        self.rest
            .split_once('?')
            .is_some_and(|(_, q)| !q.is_empty())
    }

    /// The URL with `host` (an IP literal or name) in place of the host.
    pub fn with_host(&self, host: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        match self.port {
            Some(p) => format!("{scheme}://{host}:{p}{}", self.rest),
            None => format!("{scheme}://{host}{}", self.rest),
        }
    }

    /// The `Host` header a client would send for this URL.
    pub(crate) fn host_header(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host_text),
            None => self.host_text.clone(),
        }
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or("the URL has an unterminated [IPv6] host")?;
        match after {
            "" => (h, None),
            p if p.starts_with(':') => (h, Some(&p[1..])),
            _ => return Err("unexpected text after the [IPv6] host".into()),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => {
            let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
            match p.parse::<u16>() {
                Ok(n) if ok && n > 0 => Some(n),
                _ => {
                    return Err(format!(
                        "the URL port '{p}' is not a number from 1 to 65535"
                    ));
                }
            }
        }
    };
    Ok((host, port))
}
