//! One fuzzed tool call, written as text so seeds are readable:
//!
//! ```text
//! KNOBS            letters: i = allow_intrusive, r = raw sockets, t = a zero timeout,
//!                  S<d> = scope d (0-3), A<d...> = what every host name resolves to
//!                  (indexes into ADDRESS_POOL; `A` alone = nothing),
//!                  F<d> = how the server resolves requested files (FileMode)
//! TARGET           the call's target, verbatim
//! EXTRA_ARGS       verbatim
//! key=value        the tool's typed fields, one per line (see `fields`)
//! ```
//!
//! Missing lines are empty; bytes that are not UTF-8 end the case.

use std::net::IpAddr;
use std::time::Duration;

use secmcp_policy::dig::{DigFields, DigLimits};
use secmcp_policy::gobuster::{GobusterFields, Mode};
use secmcp_policy::hydra::HydraFields;
use secmcp_policy::masscan::MasscanFields;
use secmcp_policy::sqlmap::SqlmapFields;
use secmcp_policy::{FileRoots, Policy, Scope, ToolFields, ToolId};

/// Addresses a fuzzed "DNS answer" is made of: in scope, denied, public,
/// loopback, IPv4-mapped, metadata, IPv6, multicast, unspecified, link-local.
pub const ADDRESS_POOL: [&str; 10] = [
    "10.0.0.5",
    "10.0.0.200",
    "8.8.8.8",
    "127.0.0.1",
    "::ffff:10.0.0.5",
    "169.254.169.254",
    "2001:db8::5",
    "224.0.0.1",
    "0.0.0.0",
    "fe80::1",
];

/// The one root list files may come from in the fuzzed policy.
pub const LIST_ROOT: &str = "/srv/lists";
/// The one alias, and its file.
pub const LIST_ALIAS: (&str, &str) = ("common", "/srv/alias/common.txt");
/// The size cap of listed files.
pub const LIST_MAX_BYTES: u64 = 1_000_000;

/// The scopes a case may pick: (allow, deny).
pub const SCOPES: [(&[&str], &[&str]); 4] = [
    (&["rfc1918", ".lab.internal"], &[]),
    (
        &[
            "10.0.0.0/24",
            "loopback",
            "2001:db8::/120",
            ".lab.internal",
            "web.example.test",
        ],
        &["10.0.0.200", ".bad.lab.internal"],
    ),
    (&["169.254.169.254/32", "10.0.0.5", "172.16.0.0/12"], &[]),
    (&[], &[]),
];

/// How the fuzzed "server" resolves a requested file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// The alias's file, or the request under the root (what a good server does).
    Honest,
    /// Somewhere else entirely.
    Outside,
    /// A non-canonical path that climbs out of the root.
    DotDot,
    /// Under the root but over the size cap.
    TooBig,
    /// A sibling directory whose name starts with the root's.
    PrefixTwin,
}

/// One call.
#[derive(Debug, Clone)]
pub struct Case {
    /// The policy snapshot.
    pub policy: Policy,
    /// The call's target.
    pub target: String,
    /// `extra_args`.
    pub extra_args: String,
    /// The typed fields.
    pub fields: ToolFields,
    /// The call timeout.
    pub timeout: Duration,
    /// What every host name resolves to.
    pub resolved: Vec<IpAddr>,
    /// How files resolve.
    pub file_mode: FileMode,
}

/// The policy of scope `index` (mod 4) with the fuzz limits.
pub fn policy(scope_index: usize, intrusive: bool, raw: bool) -> Policy {
    let (allow, deny) = SCOPES[scope_index % SCOPES.len()];
    let scope = Scope::parse(allow, deny).expect("the fuzz scopes are valid");
    let roots = FileRoots {
        roots: vec![LIST_ROOT.into()],
        aliases: vec![(LIST_ALIAS.0.into(), LIST_ALIAS.1.into())],
        max_bytes: LIST_MAX_BYTES,
    };
    let mut p = Policy {
        scope,
        allow_intrusive: intrusive,
        raw_sockets: raw,
        ..Policy::default()
    };
    p.gobuster.wordlists = roots.clone();
    p.hydra.credentials = roots;
    p.dig = DigLimits {
        default_server: Some(IpAddr::from([10, 0, 0, 53])),
        ..DigLimits::default()
    };
    p
}

impl Case {
    /// Reads a case for `tool`; `None` when the bytes are not UTF-8.
    pub fn parse(tool: ToolId, data: &[u8]) -> Option<Case> {
        let text = std::str::from_utf8(data).ok()?;
        let mut lines = text.split('\n');
        let knobs = lines.next().unwrap_or("");
        let target = lines.next().unwrap_or("").to_owned();
        let extra_args = lines.next().unwrap_or("").to_owned();
        let pairs: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once('=')).collect();

        let (mut intrusive, mut raw, mut zero_timeout) = (false, false, false);
        let mut scope = 0usize;
        let mut resolved: Option<Vec<IpAddr>> = None;
        let mut file_mode = FileMode::Honest;
        let mut chars = knobs.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                'i' => intrusive = true,
                'r' => raw = true,
                't' => zero_timeout = true,
                'S' => {
                    if let Some(d) = chars.next().and_then(|d| d.to_digit(10)) {
                        scope = d as usize;
                    }
                }
                'A' => {
                    let list = resolved.get_or_insert_with(Vec::new);
                    while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                        chars.next();
                        if let Ok(ip) = ADDRESS_POOL[d as usize].parse() {
                            list.push(ip);
                        }
                    }
                }
                'F' => {
                    file_mode = match chars.next() {
                        Some('1') => FileMode::Outside,
                        Some('2') => FileMode::DotDot,
                        Some('3') => FileMode::TooBig,
                        Some('4') => FileMode::PrefixTwin,
                        _ => FileMode::Honest,
                    }
                }
                _ => {}
            }
        }
        Some(Case {
            policy: policy(scope, intrusive, raw),
            target,
            extra_args,
            fields: fields(tool, &pairs),
            timeout: if zero_timeout {
                Duration::ZERO
            } else {
                Duration::from_secs(60)
            },
            resolved: resolved.unwrap_or_else(|| vec![IpAddr::from([10, 0, 0, 5])]),
            file_mode,
        })
    }
}

/// The typed fields of `tool` from `key=value` pairs (unknown keys are
/// ignored; a `fields=none` pair sends no fields at all, `fields=nmap` the
/// fields of another tool).
pub fn fields(tool: ToolId, pairs: &[(&str, &str)]) -> ToolFields {
    let get = |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| *key == k)
            .map(|(_, v)| (*v).to_owned())
            .collect()
    };
    match get("fields") {
        Some("none") => return ToolFields::None,
        Some("foreign") if tool != ToolId::Sqlmap => {
            return ToolFields::Sqlmap(SqlmapFields::default());
        }
        Some("foreign") => return ToolFields::Dig(DigFields::default()),
        _ => {}
    }
    let text = |k: &str| get(k).unwrap_or("").to_owned();
    match tool {
        ToolId::Nmap => ToolFields::None,
        ToolId::Masscan => ToolFields::Masscan(MasscanFields {
            ports: get("ports").map(str::to_owned),
            rate_pps: get("rate").and_then(|r| r.parse().ok()),
            banners: get("banners").is_some(),
        }),
        ToolId::Gobuster => ToolFields::Gobuster(GobusterFields {
            mode: get("mode").and_then(Mode::parse).unwrap_or_default(),
            wordlist: text("wordlist"),
        }),
        ToolId::Hydra => ToolFields::Hydra(HydraFields {
            service: text("service"),
            port: get("port").and_then(|p| p.parse().ok()),
            usernames: all("user"),
            passwords: all("pass"),
            user_list: text("user_list"),
            password_list: text("password_list"),
            path: text("path"),
            form: text("form"),
            failure: text("failure"),
        }),
        ToolId::Sqlmap => ToolFields::Sqlmap(SqlmapFields { data: text("data") }),
        ToolId::Dig => ToolFields::Dig(DigFields {
            query_type: get("type").map(str::to_owned),
            query_class: get("class").map(str::to_owned),
            server: get("server").map(str::to_owned),
        }),
    }
}
