//! The pure half of `doctor`: facts in, findings out. Tool usability comes
//! from the health checks' own [`check_tool`]; this module adds the fix for
//! each problem.

use std::net::{IpAddr, Ipv4Addr};

use secmcp_policy::{Cidr, ScopeEntry, ToolId};

use super::gather::{DirState, Facts, ListEntry, ListFact, STORE_TIMEOUT, StoreFacts};
use super::net::{NetFacts, route_to};
use super::report::{Finding, Severity};
use crate::config::{Availability, ConfigError};
use crate::health::{RawSocketNeed, ToolFacts, check_tool, parse_version};
use crate::privilege::RawSocketPrivilege;
use crate::tools;

/// Where Debian's `dirb` package puts its lists.
const DIRB_LISTS: &str = secmcp_policy::gobuster::DIRB_LISTS;

/// Config warnings that a section below reports itself, with its fix.
fn covered_elsewhere(field: &str) -> bool {
    field == "security.allowed_targets"
        || field == "tools.gobuster.default_wordlist"
        || tools::REGISTRY
            .iter()
            .any(|t| field.strip_prefix("tools.") == Some(t.name()))
}

/// The Debian package a tool comes in.
pub fn debian_package(id: ToolId) -> &'static str {
    match id {
        ToolId::Nmap => "nmap",
        ToolId::Masscan => "masscan",
        ToolId::Gobuster => "gobuster",
        ToolId::Hydra => "hydra",
        ToolId::Sqlmap => "sqlmap",
        ToolId::Dig => "bind9-dnsutils",
    }
}

/// Findings for a config that did not load.
pub fn invalid_config(e: &ConfigError) -> Vec<Finding> {
    match e {
        ConfigError::Invalid { problems } => problems
            .iter()
            .map(|p| {
                Finding::new("config", Severity::Fail, p.to_string()).fix(format!(
                    "correct `{}` in the config file; `secmcp config check` re-checks it",
                    p.field
                ))
            })
            .collect(),
        other => vec![Finding::new("config", Severity::Fail, other.to_string()).fix(
            "give a readable .yaml, .yml or .json file (`secmcp config init PATH` writes a commented one)",
        )],
    }
}

/// Every finding, in report order.
pub fn findings(f: &Facts) -> Vec<Finding> {
    let mut out = config(f);
    out.extend(listener(f));
    out.extend(store(&f.store));
    out.extend(scope(f));
    out.extend(privilege(&f.privilege));
    out.extend(tool_findings(f));
    out.extend(lists(f));
    out.extend(sandbox(f));
    out.extend(network(f));
    out
}

fn config(f: &Facts) -> Vec<Finding> {
    let s = &f.settings;
    let mut out = vec![Finding::new(
        "config",
        Severity::Ok,
        format!(
            "valid: transport {}, {} allowed and {} denied scope entries",
            match s.transport {
                crate::config::Transport::Stdio => "stdio",
                crate::config::Transport::Http => "http",
            },
            s.policy.scope.allow().len(),
            s.policy.scope.deny().len()
        ),
    )];
    for w in s.warnings.iter().filter(|w| !covered_elsewhere(&w.field)) {
        out.push(
            Finding::new("config", Severity::Warn, w.to_string()).fix(format!(
                "change or remove `{}` in the config file (`secmcp config show` prints what is in force)",
                w.field
            )),
        );
    }
    if let Some((dir, writable)) = &f.log_dir {
        out.push(if *writable {
            Finding::new("config", Severity::Ok, format!("log directory {} is writable", dir.display()))
        } else {
            Finding::new(
                "config",
                Severity::Fail,
                format!("logging.file is in {}, which this user cannot write: `serve` will not start", dir.display()),
            )
            .fix("create the directory and give the server's user write access, or change logging.file")
        });
    }
    out
}

/// What HTTP clients meet: the TLS certificate secmcp serves and the OAuth
/// issuer's keys tokens are checked with.
fn listener(f: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(result), Some(files)) = (&f.tls, &f.settings.tls) {
        out.push(match result {
            Ok(()) => Finding::new(
                "auth",
                Severity::Ok,
                format!(
                    "TLS: {} and its key match; HTTP is served over TLS",
                    files.cert_file.display()
                ),
            ),
            Err(e) => Finding::new(
                "auth",
                Severity::Fail,
                format!("TLS: {e}: `serve` will not start"),
            )
            .fix("point server.tls.cert_file and key_file at a PEM chain and the key it was issued for"),
        });
    }
    if let Some((source, result)) = &f.jwks {
        out.push(match result {
            Ok(0) => Finding::new(
                "auth",
                Severity::Fail,
                format!("OAuth: the issuer's key set at {source} is empty: no token can pass"),
            )
            .fix("check auth.oauth.jwks_url (or jwks_file) against the issuer's published keys"),
            Ok(n) => Finding::new(
                "auth",
                Severity::Ok,
                format!("OAuth: {n} issuer key(s) loaded from {source}"),
            ),
            Err(e) => Finding::new(
                "auth",
                Severity::Fail,
                format!("OAuth: the issuer's keys cannot be loaded ({e}): every token would get 503"),
            )
            .fix("make auth.oauth.jwks_url reachable from this host (HTTPS, no redirect) or point jwks_file at a copy of the issuer's JWKS"),
        });
    }
    out
}

/// Free space under which the data directory's filesystem gets a warning.
pub const LOW_DISK_BYTES: u64 = 100 * 1024 * 1024;

/// How to point the server at another data directory.
const OTHER_DIR: &str =
    "choose another directory with --data-dir, MCP_DATA_DIR or storage.data_dir";

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// The fix for a data directory (or its parent) that refused a write.
fn dir_fix(dir: &std::path::Path, at: &std::path::Path, reason: &str) -> String {
    if reason == "is not a directory" {
        format!(
            "{} is not a directory: move it away, or {OTHER_DIR}",
            at.display()
        )
    } else if reason.contains("Read-only file system") {
        format!(
            "{} is on a read-only filesystem: {OTHER_DIR} on a writable one",
            at.display()
        )
    } else if at == dir {
        format!(
            "give the server's user write access to {} (e.g. `chown USER {}`), or {OTHER_DIR}",
            dir.display(),
            dir.display()
        )
    } else {
        format!(
            "create it for the server's user (`mkdir -p {} && chown USER {}`), or {OTHER_DIR}",
            dir.display(),
            dir.display()
        )
    }
}

/// The run store: where it is, whether the server's user can write there, how
/// much room is left, and whether the database opens with a schema this build
/// can use.
fn store(s: &StoreFacts) -> Vec<Finding> {
    if !s.enabled {
        return vec![Finding::new(
            "store",
            Severity::Info,
            "storage.enabled is false: no run records are kept and no runs are offered as resources",
        )];
    }
    let uid = s.uid;
    let mut out = Vec::new();
    if let Some(d) = &s.dir {
        let free = d
            .free_bytes
            .map(|b| format!(", {} free", mib(b)))
            .unwrap_or_default();
        out.push(match &d.state {
            DirState::Writable => Finding::new(
                "store",
                Severity::Ok,
                format!("data directory {} is writable by this user (uid {uid}){free}", d.path.display()),
            ),
            DirState::Creatable { ancestor } => Finding::new(
                "store",
                Severity::Ok,
                format!(
                    "data directory {} does not exist yet: `serve` creates it (mode 0700) in {}{free}",
                    d.path.display(),
                    ancestor.display()
                ),
            ),
            DirState::NotWritable(reason) => Finding::new(
                "store",
                Severity::Fail,
                format!(
                    "data directory {}: this user (uid {uid}) cannot create files in it ({reason}): `serve` will not start",
                    d.path.display()
                ),
            )
            .fix(dir_fix(&d.path, &d.path, reason)),
            DirState::NotCreatable { ancestor, reason } => Finding::new(
                "store",
                Severity::Fail,
                format!(
                    "data directory {} does not exist and this user (uid {uid}) cannot create it: {} {reason}: `serve` will not start",
                    d.path.display(),
                    ancestor.display()
                ),
            )
            .fix(dir_fix(&d.path, ancestor, reason)),
        });
        if let Some(free) = d.free_bytes.filter(|b| *b < LOW_DISK_BYTES) {
            out.push(
                Finding::new(
                    "store",
                    Severity::Warn,
                    format!(
                        "only {} free on the filesystem of {} (under {}): run records fail once it is full",
                        mib(free),
                        d.path.display(),
                        mib(LOW_DISK_BYTES)
                    ),
                )
                .fix(format!(
                    "free space there, or {OTHER_DIR} on a larger filesystem; storage.max_total_bytes caps what the store keeps"
                )),
            );
        }
        if let Some(reason) = &d.db_not_writable {
            out.push(
                Finding::new(
                    "store",
                    Severity::Fail,
                    format!("{}: this user (uid {uid}) cannot write it ({reason}): `serve` will not start", s.display),
                )
                .fix(format!(
                    "give the server's user write access to {} (and its -wal and -shm files), or {OTHER_DIR}",
                    s.display
                )),
            );
        }
    }
    let latest = secmcp_store::Store::schema_version();
    let Some(db) = &s.database else {
        return out;
    };
    let kind = s.kind;
    out.push(match db {
        Ok(state) => schema_finding(kind, &s.display, state, latest),
        Err((code, message, hint)) => {
            let fix = match (kind, *code) {
                ("postgresql", "store_timeout") => format!(
                    "PostgreSQL did not answer within {} s: check host and port in database.url and that this host reaches them (a firewall that drops packets looks like this)",
                    STORE_TIMEOUT.as_secs()
                ),
                ("postgresql", _) => "check database.url (host, port, database, user, password) and that PostgreSQL is running and accepts connections from this host and user (pg_hba.conf); or leave database.url empty for the embedded SQLite store".to_owned(),
                ("sqlite", "store_unavailable") => format!(
                    "{} is not a readable SQLite database (damaged, or another program's file): move it aside and `serve` creates a fresh one, or {OTHER_DIR}",
                    s.display
                ),
                _ => (*hint).to_owned(),
            };
            Finding::new(
                "store",
                Severity::Fail,
                format!("{kind} run database: {message} ({code}): `serve` will not start"),
            )
            .fix(fix)
        }
    });
    out
}

fn schema_finding(
    kind: &str,
    display: &str,
    state: &secmcp_store::SchemaState,
    latest: i64,
) -> Finding {
    use secmcp_store::SchemaState as S;
    let at = format!("{kind} run database {display}");
    let fresh = "or point the server at a fresh database (another --data-dir, or another database in database.url)";
    match state {
        S::NoDatabase => Finding::new(
            "store",
            Severity::Ok,
            format!("{at} does not exist yet: `serve` creates it (schema version {latest})"),
        ),
        S::Empty => Finding::new(
            "store",
            Severity::Ok,
            format!("{at} opens and holds no schema yet: `serve` creates it (version {latest})"),
        ),
        S::Current { version } => Finding::new(
            "store",
            Severity::Ok,
            format!("{at} opens; schema version {version} is current"),
        ),
        S::Behind { version, latest } => Finding::new(
            "store",
            Severity::Info,
            format!("{at} opens; schema version {version}: `serve` migrates it to {latest} at start"),
        ),
        S::Ahead { version, latest } => Finding::new(
            "store",
            Severity::Fail,
            format!(
                "{at} has schema version {version}, newer than this build's {latest} (a newer secmcp wrote it): `serve` will not start"
            ),
        )
        .fix(format!("run the secmcp version that wrote it, {fresh}")),
        S::Mismatch { version, what } => Finding::new(
            "store",
            Severity::Fail,
            format!("{at}: applied migration {version} {what}: `serve` will not start"),
        )
        .fix(format!(
            "the schema was changed outside this build: restore the database from a backup, or run the secmcp build that applied it, {fresh}"
        )),
    }
}

/// Networks of an allow entry that IPv4 routing can be checked for.
fn ipv4_networks(e: &ScopeEntry) -> Vec<(Ipv4Addr, u8)> {
    match e {
        ScopeEntry::Rfc1918 => vec![
            (Ipv4Addr::new(10, 0, 0, 0), 8),
            (Ipv4Addr::new(172, 16, 0, 0), 12),
            (Ipv4Addr::new(192, 168, 0, 0), 16),
        ],
        ScopeEntry::Loopback => vec![(Ipv4Addr::LOCALHOST, 8)],
        ScopeEntry::Cidr(c) => match c.addr() {
            IpAddr::V4(a) => vec![(a, c.prefix())],
            IpAddr::V6(_) => Vec::new(),
        },
        ScopeEntry::Suffix(_) | ScopeEntry::Name(_) => Vec::new(),
    }
}

/// Whether `c` lies in address space that is not routed on the Internet.
fn is_internal(c: &Cidr) -> bool {
    match c.addr() {
        IpAddr::V4(a) => {
            let inside = |net: [u8; 4], len: u8| {
                Cidr::new(IpAddr::V4(Ipv4Addr::from(net)), len)
                    .is_some_and(|n| n.contains(IpAddr::V4(a)) && c.prefix() >= len)
            };
            inside([10, 0, 0, 0], 8)
                || inside([172, 16, 0, 0], 12)
                || inside([192, 168, 0, 0], 16)
                || inside([127, 0, 0, 0], 8)
                || inside([169, 254, 0, 0], 16)
                || inside([100, 64, 0, 0], 10)
        }
        IpAddr::V6(a) => {
            let seg = a.segments()[0];
            a.is_loopback()
                || (seg & 0xfe00 == 0xfc00 && c.prefix() >= 7)
                || (seg & 0xffc0 == 0xfe80 && c.prefix() >= 10)
        }
    }
}

fn scope(f: &Facts) -> Vec<Finding> {
    let s = &f.settings;
    let allow = s.policy.scope.allow();
    if allow.is_empty() {
        return vec![
            Finding::new("scope", Severity::Fail, "security.allowed_targets is empty: every target is denied")
                .fix("list the networks and names you are authorised to test in security.allowed_targets (e.g. `10.20.0.0/24`, `.lab.internal`)"),
        ];
    }
    let mut v4: u128 = 0;
    let mut names = Vec::new();
    let mut out = Vec::new();
    for e in allow {
        for (_, len) in ipv4_networks(e) {
            v4 += 1u128 << (32 - u32::from(len));
        }
        match e {
            ScopeEntry::Suffix(_) | ScopeEntry::Name(_) => names.push(e.to_string()),
            ScopeEntry::Cidr(c) if !is_internal(c) => {
                let wide = if c.addr().is_ipv4() {
                    c.prefix() < 24
                } else {
                    c.prefix() < 48
                };
                if wide {
                    out.push(
                        Finding::new(
                            "scope",
                            Severity::Warn,
                            format!("{c} is a public network of {} addresses", c.size()),
                        )
                        .fix("make sure you hold written authorisation for all of it, or narrow the entry"),
                    );
                }
            }
            _ => {}
        }
        // Only accepted with security.allow_wide_scope.
        if let ScopeEntry::Cidr(c) = e
            && c.addr().is_ipv4()
            && c.prefix() < 8
        {
            out.push(
                Finding::new("scope", Severity::Warn, format!("{c} is wider than a /8"))
                    .fix("narrow it to the networks under test, then set security.allow_wide_scope: false"),
            );
        }
    }
    let summary = format!(
        "allows {} ({v4} IPv4 addresses{}){}; denies {}",
        allow
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        if names.is_empty() {
            String::new()
        } else {
            format!(", names under {}", names.join(", "))
        },
        if s.policy.allow_intrusive {
            "; intrusive tools and options allowed"
        } else {
            ""
        },
        match s.policy.scope.deny() {
            [] => "nothing".to_owned(),
            d => d
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    );
    out.insert(0, Finding::new("scope", Severity::Ok, summary));
    out
}

/// How to give the tools raw sockets, given what this process holds.
fn privilege_fix(p: &RawSocketPrivilege) -> &'static str {
    if p.effective && !p.tools_have_raw_sockets() {
        "secmcp holds CAP_NET_RAW but could not pass it to its tools (the kernel refused to make it ambient, e.g. SECBIT_NO_CAP_AMBIENT_RAISE): grant CAP_NET_RAW and CAP_NET_ADMIN as ambient capabilities from outside (deploy/systemd/secmcp.service: AmbientCapabilities=), or run secmcp as root"
    } else {
        "give secmcp CAP_NET_RAW and CAP_NET_ADMIN: deploy/systemd/secmcp.service does (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN), or `setcap cap_net_raw,cap_net_admin+ep` on the secmcp binary (it passes them on to its tools), or run secmcp as root"
    }
}

fn privilege(p: &RawSocketPrivilege) -> Vec<Finding> {
    let msg = match (p.tools_have_raw_sockets(), p.root, p.ambient) {
        (true, true, _) => "running as root: the tools can open raw sockets".to_owned(),
        (true, false, _) => "CAP_NET_RAW is in the ambient set: the tools inherit it".to_owned(),
        (false, _, _) if p.effective => {
            "CAP_NET_RAW is effective but not ambient: the tools would not inherit it".to_owned()
        }
        (false, _, _) => {
            "no CAP_NET_RAW: raw-socket scans (nmap -sS/-sU/-O, masscan) are refused".to_owned()
        }
    };
    let sev = if p.tools_have_raw_sockets() {
        Severity::Ok
    } else {
        Severity::Info
    };
    let mut out = vec![Finding::new("privilege", sev, msg)];
    if p.tools_have_raw_sockets() && !p.net_admin {
        out.push(Finding::new(
            "privilege",
            Severity::Info,
            "CAP_NET_ADMIN is not effective (masscan may need it to use some interfaces)",
        ));
    }
    out
}

fn tool_findings(f: &Facts) -> Vec<Finding> {
    let s = &f.settings;
    let has_raw = f.health.has_raw_sockets;
    let mut out = Vec::new();
    for t in tools::REGISTRY {
        let (id, name) = (t.id(), t.name());
        let path = f
            .binaries
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, p)| p.as_ref());
        if s.availability(id) == Availability::Disabled {
            out.push(Finding::new(
                "tools",
                Severity::Info,
                format!("{name}: switched off (tools.{name}.enabled or tool_defaults include/exclude patterns)"),
            ));
            continue;
        }
        let Some(facts) = f.health.tools.iter().find(|t| t.name == name) else {
            continue;
        };
        out.push(tool_finding(
            facts,
            id,
            path,
            s.tool(id).binary.as_deref(),
            has_raw,
            &f.privilege,
        ));
    }
    out
}

fn tool_finding(
    t: &ToolFacts,
    id: ToolId,
    path: Option<&std::path::PathBuf>,
    configured: Option<&std::path::Path>,
    has_raw: bool,
    privilege: &RawSocketPrivilege,
) -> Finding {
    let name = t.name;
    if let Some(why) = t.disabled_by_policy {
        let mut note = format!("{name}: not offered to clients: it {why}");
        if let Some(p) = path {
            note.push_str(&format!(" (installed: {})", p.display()));
        }
        return Finding::new("tools", Severity::Info, note)
            .fix("set security.allow_intrusive: true to offer it (for authorised intrusive testing only)");
    }
    let (component, usable, version) = check_tool(t, has_raw);
    let at = path
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default();
    if !t.binary_found {
        let fix = match configured {
            Some(p) => format!(
                "tools.{name}.binary is {}, which is not an executable file: correct it, or remove it to look {name} up on PATH",
                p.display()
            ),
            None => format!(
                "install it (`apt-get install {}`), or set tools.{name}.binary to where it is",
                debian_package(id)
            ),
        };
        return Finding::new("tools", Severity::Fail, component.message).fix(fix);
    }
    let identified = matches!(&t.version_output, Some(Ok(out)) if parse_version(out, t.version_prefix).is_some());
    if !identified {
        return Finding::new("tools", Severity::Fail, format!("{}{at}", component.message)).fix(format!(
            "check that the file is {name} and runs for the server's user (tools.{name}.binary; `apt-get install {}` installs a working one)",
            debian_package(id)
        ));
    }
    let version = version.unwrap_or_default();
    match (t.raw_sockets, has_raw, usable) {
        (RawSocketNeed::Required, false, _) | (_, _, false) => {
            Finding::new("tools", Severity::Fail, format!("{}{at}", component.message))
                .fix(privilege_fix(privilege))
        }
        (RawSocketNeed::Optional, false, true) => Finding::new(
            "tools",
            Severity::Warn,
            format!("{name} {version}{at}: options needing raw sockets (-sS, -sU, -O) are refused; -sT scans work"),
        )
        .fix(privilege_fix(privilege)),
        (RawSocketNeed::Never, _, true) => {
            Finding::new("tools", Severity::Ok, format!("{name} {version}{at}"))
        }
        (_, true, true) => Finding::new(
            "tools",
            Severity::Ok,
            format!("{name} {version}{at}; raw-socket modes allowed"),
        ),
    }
}

fn lists(f: &Facts) -> Vec<Finding> {
    let s = &f.settings;
    let builtin = secmcp_policy::BUILTIN
        .iter()
        .map(|l| format!("{} ({})", l.name, l.entries()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = vec![Finding::new(
        "wordlists",
        Severity::Ok,
        format!("built into the binary: {builtin}"),
    )];
    let mut any_missing = false;
    for l in &f.lists {
        let offered = s.availability(l.tool) == Availability::Offered;
        // A problem with a tool that is not offered cannot fail a call yet.
        let bad = |sev: Severity| if offered { sev } else { Severity::Info };
        out.push(list_finding(l, &bad, &mut any_missing));
    }
    if any_missing {
        out.push(Finding::new(
            "wordlists",
            Severity::Info,
            "more lists: Debian's dirb lists (`apt-get install dirb`: /usr/share/dirb/wordlists, aliases dirb-common, dirb-big, dirb-small), or SecLists (`git clone --depth 1 https://github.com/danielmiessler/SecLists /usr/share/seclists`, then add /usr/share/seclists to tools.gobuster.wordlist_roots and name files in tools.gobuster.wordlist_aliases)",
        ));
    }
    out
}

fn list_finding(
    l: &ListFact,
    bad: &dyn Fn(Severity) -> Severity,
    any_missing: &mut bool,
) -> Finding {
    let tool = l.tool.as_str();
    match (&l.entry, &l.resolved) {
        (ListEntry::Root(root), Ok(_)) => {
            Finding::new("wordlists", Severity::Ok, format!("{}: {root}", l.key))
        }
        (ListEntry::Root(root), Err(why)) => {
            *any_missing = true;
            let fix = if root == DIRB_LISTS {
                "`apt-get install dirb` creates it".to_owned()
            } else {
                format!("create it and put lists in it, or remove it from {}", l.key)
            };
            Finding::new(
                "wordlists",
                Severity::Info,
                format!("{}: {root} {why}: no list can be named under it", l.key),
            )
            .fix(fix)
        }
        (ListEntry::Alias { name, path }, Ok(bytes)) => Finding::new(
            "wordlists",
            Severity::Ok,
            format!("{tool} alias {name}: {path} ({bytes} bytes)"),
        ),
        (ListEntry::Alias { name, path }, Err(why)) => {
            *any_missing = true;
            let fix = if path.starts_with(DIRB_LISTS) {
                "`apt-get install dirb` installs it".to_owned()
            } else {
                format!("put the list at {path}, or remove `{name}` from {}", l.key)
            };
            Finding::new(
                "wordlists",
                bad(Severity::Warn),
                format!("{tool} alias {name} -> {path}: {why}; calls naming `{name}` fail"),
            )
            .fix(fix)
        }
        (ListEntry::Default(name), Ok(_)) => {
            Finding::new("wordlists", Severity::Ok, format!("{}: {name}", l.key))
        }
        (ListEntry::Default(name), Err(why)) => {
            *any_missing = true;
            Finding::new(
                "wordlists",
                bad(Severity::Fail),
                format!("{}: `{name}` {why}; every {tool} call that names no wordlist fails", l.key),
            )
            .fix(format!(
                "install the list `{name}` names, or set {} to a built-in list ({}) or to \"\" (the mode's built-in list)",
                l.key,
                secmcp_policy::lists::names_for(secmcp_policy::FileKind::Wordlist).join(", ")
            ))
        }
    }
}

fn sandbox(f: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    out.push(match &f.egress {
        None => Finding::new(
            "sandbox",
            Severity::Warn,
            "egress confinement is off (sandbox.egress: off): a run's packets are held to its permit by the argv alone",
        )
        .fix("set sandbox.egress: auto (as root, with nftables installed)"),
        Some((_, Ok(_))) => Finding::new(
            "sandbox",
            Severity::Ok,
            "egress confinement works here: each run's sockets reach only its permit's addresses (nftables, a group id per run)",
        ),
        Some((mode, Err(why))) => Finding::new(
            "sandbox",
            if *mode == crate::sandbox::EgressMode::Required {
                Severity::Fail
            } else {
                Severity::Warn
            },
            format!("egress confinement is not possible here: {why}"),
        )
        .fix("run the server as root with Debian's nftables installed (apt install nftables); sandbox.egress: required refuses to start without it"),
    });
    if f.runs_in_cgroups {
        out.push(Finding::new(
            "sandbox",
            Severity::Ok,
            "each tool run gets its own cgroup: everything it starts is killed with it",
        ));
    } else {
        out.push(
            Finding::new(
                "sandbox",
                Severity::Warn,
                "no cgroup per run (no writable cgroup v2 here): a tool process that calls setsid() can outlive its run",
            )
            .fix("run secmcp where it may create cgroups below its own (deploy/systemd/secmcp.service sets Delegate=yes; as root any cgroup v2 host works)"),
        );
    }
    if let (true, Some(m)) = (f.runs_in_cgroups, &f.cgroup_mount) {
        out.push(if m.favors_dynamic_mods() {
            Finding::new(
                "sandbox",
                Severity::Info,
                format!("cgroup2 at {} is mounted with favordynmods: joining a run's cgroup is cheap", m.path.display()),
            )
        } else {
            Finding::new(
                "sandbox",
                Severity::Info,
                format!(
                    "cgroup2 at {} is mounted without favordynmods: each run's cgroup join waits for an RCU grace period (measured on a dev VM: ~10 ms, against ~0.05 ms with it)",
                    m.path.display()
                ),
            )
            .fix(format!("for many short runs: `mount -o remount,favordynmods {}` (Linux 6.0+)", m.path.display()))
        });
    }
    out
}

fn network(f: &Facts) -> Vec<Finding> {
    let n: &NetFacts = &f.net;
    let mut out = Vec::new();
    if let Some(ns) = &n.namespace {
        let which = match n.host_namespace {
            Some(true) => " (PID 1's: the host's, or the container's)",
            Some(false) => " (not PID 1's: a namespace of its own)",
            None => "",
        };
        out.push(Finding::new(
            "network",
            Severity::Info,
            format!("network namespace {ns}{which}"),
        ));
    }
    let shown: Vec<String> = n
        .interfaces
        .iter()
        .map(|i| {
            let addrs = i
                .addresses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            format!("{}{} {}", i.name, if i.up { "" } else { " (down)" }, addrs)
                .trim_end()
                .to_owned()
        })
        .collect();
    out.push(Finding::new(
        "network",
        Severity::Info,
        format!(
            "interfaces: {}",
            if shown.is_empty() {
                "none readable".into()
            } else {
                shown.join("; ")
            }
        ),
    ));
    let routes = n.routes();
    for e in f.settings.policy.scope.allow() {
        for (net, len) in ipv4_networks(e) {
            let shown = format!("{net}/{len}");
            let local = n.interfaces.iter().filter(|i| i.up).find(|i| {
                i.addresses
                    .iter()
                    .any(|a| Cidr::new(IpAddr::V4(net), len).is_some_and(|c| c.contains(*a)))
            });
            if let Some(i) = local {
                out.push(Finding::new(
                    "network",
                    Severity::Ok,
                    format!("{shown}: on {} (a local address is in it)", i.name),
                ));
            } else if let Some(r) = route_to(&routes, net) {
                let via = if u32::from(r.mask) == 0 {
                    format!("via the default route ({} on {})", r.gateway, r.interface)
                } else if r.gateway.is_unspecified() {
                    format!("on {}", r.interface)
                } else {
                    format!("via {} on {}", r.gateway, r.interface)
                };
                out.push(Finding::new(
                    "network",
                    Severity::Ok,
                    format!("{shown}: {via}"),
                ));
            } else {
                out.push(
                    Finding::new(
                        "network",
                        Severity::Warn,
                        format!("{shown} (allowed by `{e}`) has no route here: scans of it fail with network unreachable"),
                    )
                    .fix("run secmcp on a host (or in a namespace) that reaches it, or remove it from security.allowed_targets"),
                );
            }
        }
    }
    let masscan_offered = f.settings.availability(ToolId::Masscan) == Availability::Offered;
    let default_route = routes.iter().any(|r| u32::from(r.mask) == 0);
    if masscan_offered && !default_route {
        out.push(
            Finding::new(
                "network",
                Severity::Warn,
                "no IPv4 default route: masscan finds its router by ARP for the default gateway and cannot send without one",
            )
            .fix("add a default route on the scanning interface (in a lab: `ip route add default via <lab address>`)"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use secmcp_store::SchemaState;

    use super::*;
    use crate::doctor::gather::DirFacts;

    fn sqlite(state: DirState, free: u64, db: Result<SchemaState, &'static str>) -> StoreFacts {
        StoreFacts {
            enabled: true,
            uid: 1000,
            kind: "sqlite",
            display: "/srv/secmcp/runs.db".into(),
            dir: Some(DirFacts {
                path: PathBuf::from("/srv/secmcp"),
                state,
                free_bytes: Some(free),
                db_not_writable: None,
            }),
            database: Some(db.map_err(|code| (code, format!("cannot open: {code}"), "a hint"))),
        }
    }

    fn worst(f: &[Finding]) -> Severity {
        f.iter().map(|f| f.severity).max().unwrap()
    }

    const GB: u64 = 1 << 30;

    #[test]
    fn a_writable_dir_with_a_current_schema_is_ok() {
        let f = store(&sqlite(
            DirState::Writable,
            GB,
            Ok(SchemaState::Current { version: 1 }),
        ));
        assert_eq!(worst(&f), Severity::Ok, "{f:?}");
        assert!(
            f[0].message
                .contains("writable by this user (uid 1000), 1024 MiB free")
        );
        assert!(f[1].message.contains("schema version 1 is current"));
        // Nothing yet: the server creates both.
        let f = store(&sqlite(
            DirState::Creatable {
                ancestor: "/srv".into(),
            },
            GB,
            Ok(SchemaState::NoDatabase),
        ));
        assert_eq!(worst(&f), Severity::Ok, "{f:?}");
        assert!(f[0].message.contains("creates it (mode 0700) in /srv"));
    }

    #[test]
    fn every_store_problem_fails_or_warns_with_its_own_fix() {
        let ok = || Ok(SchemaState::Current { version: 1 });
        let cases: Vec<(StoreFacts, Severity, &str, &str)> = vec![
            (
                sqlite(DirState::NotWritable("Permission denied".into()), GB, ok()),
                Severity::Fail,
                "cannot create files in it (Permission denied)",
                "chown USER /srv/secmcp",
            ),
            (
                sqlite(
                    DirState::NotWritable("Read-only file system".into()),
                    GB,
                    ok(),
                ),
                Severity::Fail,
                "Read-only file system",
                "read-only filesystem: choose another directory with --data-dir",
            ),
            (
                sqlite(
                    DirState::NotCreatable {
                        ancestor: "/srv".into(),
                        reason: "is not a directory".into(),
                    },
                    GB,
                    ok(),
                ),
                Severity::Fail,
                "cannot create it: /srv is not a directory",
                "/srv is not a directory: move it away, or choose another directory",
            ),
            (
                sqlite(
                    DirState::NotCreatable {
                        ancestor: "/srv".into(),
                        reason: "Permission denied".into(),
                    },
                    GB,
                    ok(),
                ),
                Severity::Fail,
                "cannot create it: /srv Permission denied",
                "mkdir -p /srv/secmcp && chown USER /srv/secmcp",
            ),
            (
                sqlite(DirState::Writable, LOW_DISK_BYTES - 1, ok()),
                Severity::Warn,
                "only 99 MiB free",
                "storage.max_total_bytes",
            ),
            (
                sqlite(
                    DirState::Writable,
                    GB,
                    Ok(SchemaState::Ahead {
                        version: 3,
                        latest: 1,
                    }),
                ),
                Severity::Fail,
                "schema version 3, newer than this build's 1",
                "run the secmcp version that wrote it",
            ),
            (
                sqlite(
                    DirState::Writable,
                    GB,
                    Ok(SchemaState::Mismatch {
                        version: 1,
                        what: "differs from this build's (checksum)",
                    }),
                ),
                Severity::Fail,
                "applied migration 1 differs",
                "restore the database from a backup",
            ),
            (
                sqlite(DirState::Writable, GB, Err("store_unavailable")),
                Severity::Fail,
                "(store_unavailable): `serve` will not start",
                "/srv/secmcp/runs.db is not a readable SQLite database",
            ),
        ];
        for (facts, sev, message, fix) in cases {
            let f = store(&facts);
            let bad = f
                .iter()
                .find(|f| f.severity == sev)
                .unwrap_or_else(|| panic!("no {sev:?} in {f:?}"));
            assert!(bad.message.contains(message), "{bad:?}");
            assert!(bad.fix.as_deref().unwrap_or("").contains(fix), "{bad:?}");
            assert_eq!(worst(&f), sev, "{f:?}");
        }
    }

    #[test]
    fn a_behind_schema_is_migrated_by_the_server_and_storage_off_is_info() {
        let f = store(&sqlite(
            DirState::Writable,
            GB,
            Ok(SchemaState::Behind {
                version: 1,
                latest: 2,
            }),
        ));
        assert_eq!(worst(&f), Severity::Info, "{f:?}");
        assert!(f[1].message.contains("migrates it to 2 at start"));
        let mut off = sqlite(DirState::Writable, GB, Ok(SchemaState::NoDatabase));
        off.enabled = false;
        let f = store(&off);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn postgresql_failures_name_the_masked_url_and_a_fix() {
        let facts = |code| StoreFacts {
            enabled: true,
            uid: 0,
            kind: "postgresql",
            display: "postgresql://u:***@db:5432/runs".into(),
            dir: None,
            database: Some(Err((
                code,
                "cannot open the run database postgresql://u:***@db:5432/runs: refused".into(),
                "hint",
            ))),
        };
        let f = store(&facts("store_unavailable"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Fail);
        assert!(f[0].message.contains("postgresql://u:***@db:5432/runs"));
        assert!(f[0].fix.as_deref().unwrap().contains("pg_hba.conf"));
        let f = store(&facts("store_timeout"));
        assert!(
            f[0].fix
                .as_deref()
                .unwrap()
                .contains("did not answer within 5 s")
        );
    }
}
