//! The URL parsers: gobuster's strict `http(s)://HOST[:PORT][/PATH]` and
//! sqlmap's (path and query).
//!
//! Invariants: an accepted URL is printable ASCII without user info or a
//! fragment; its host is a target the policy accepts (never a CIDR); the URL
//! rendered with a pinned address in place of the host parses again to the
//! same scheme, port and path with exactly that address as host, so the tool
//! can only ever be pointed at the pinned address.

use std::net::IpAddr;

use secmcp_policy::{Target, gobuster, sqlmap};

/// Addresses a URL is re-rendered with.
const PINS: [&str; 3] = ["10.0.0.5", "2001:db8::5", "::ffff:10.0.0.5"];

/// Runs the URL checks on one input (the whole input is the URL).
pub fn check(data: &[u8]) {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(u) = gobuster::parse_url(url) {
        shape(url);
        assert!(!matches!(u.host, Target::Cidr(_)), "{url:?}: a CIDR host");
        if let Target::Ip(ip) = &u.host {
            crate::policy::check_accepted(&ip.to_string(), &u.host);
        }
        assert!(u.path.starts_with('/'), "{url:?}: path {:?}", u.path);
        for pin in PINS {
            let ip: IpAddr = pin.parse().expect("pins are addresses");
            let ip = ip.to_canonical();
            let out = u.render(&ip.to_string());
            // A longer pinned host can push a URL near the cap past it; the
            // cap bounds what callers send, not what the server renders (both
            // parsers cap at 2048 bytes).
            if out.len() > sqlmap::MAX_URL_LEN {
                continue;
            }
            let again = gobuster::parse_url(&out)
                .unwrap_or_else(|e| panic!("{url:?}: rendered {out:?} is refused: {e:?}"));
            assert_eq!(
                again.host,
                Target::Ip(ip),
                "{url:?}: rendered {out:?} has another host"
            );
            assert_eq!(
                (again.https, again.port, &again.path),
                (u.https, u.port, &u.path)
            );
        }
    }
    if let Ok(u) = sqlmap::HttpUrl::parse(url) {
        shape(url);
        assert!(!matches!(u.host(), Target::Cidr(_)), "{url:?}: a CIDR host");
        for pin in PINS {
            let ip: IpAddr = pin.parse().expect("pins are addresses");
            let ip = ip.to_canonical();
            let out = u.with_host(&ip.to_string());
            if out.len() > sqlmap::MAX_URL_LEN {
                continue;
            }
            let again = sqlmap::HttpUrl::parse(&out)
                .unwrap_or_else(|e| panic!("{url:?}: rendered {out:?} is refused: {e}"));
            assert_eq!(
                again.host(),
                &Target::Ip(ip),
                "{url:?}: rendered {out:?} has another host"
            );
            assert_eq!(again.has_query(), u.has_query());
            assert_eq!(
                again.with_host(&ip.to_string()),
                out,
                "{url:?}: not a fixed point"
            );
        }
    }
}

fn shape(url: &str) {
    assert!(
        url.bytes().all(|b| (0x21..=0x7e).contains(&b)),
        "{url:?}: not printable ASCII"
    );
    assert!(!url.contains('#'), "{url:?}: a fragment");
    let authority = url.split_once("://").map_or("", |(_, r)| r);
    let authority = authority.split(['/', '?']).next().unwrap_or("");
    assert!(!authority.contains('@'), "{url:?}: user info");
}
