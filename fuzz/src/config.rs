//! The config loader (`secmcp::config::load_from`): a file's text in YAML or
//! JSON, layered with an environment of the input's own.
//!
//! Input, as text:
//!
//! ```text
//! FORMAT [KNOBS]      `yaml`, `json` or `none` (no file); knob `r` = raw sockets
//! NAME=value          environment variables, one per line, until a line `%%`
//! %%
//! the file's text     (the rest, verbatim)
//! ```
//!
//! In the value of a database URL variable (`SECMCP_DATABASE_URL`,
//! `MCP_DATABASE_URL`), `$SECRET` stands for [`SECRET`].
//!
//! Invariants:
//! - loading is deterministic: the same input gives the same settings or the
//!   same problems;
//! - an error lists 1 to `MAX_PROBLEMS` problems, each on one line (no
//!   control character) and bounded (`MAX_FIELD_CHARS`, `MAX_MESSAGE_CHARS`);
//!   warnings too;
//! - a password written in a database URL variable (`scheme://user:PASSWORD@`,
//!   `user:PASSWORD@` without a scheme, or `password=PASSWORD`) appears in no
//!   problem, error or warning;
//! - accepted settings obey the validation rules: validating their own raw
//!   config again accepts it and gives the same config (a fixed point), every
//!   limit is within its documented bounds, the listener is loopback unless
//!   keys and a proxy are configured, an empty scope is warned about, a scope
//!   wider than a /8 needs `allow_wide_scope`, and the store is a `runs.db`
//!   at an absolute path or a PostgreSQL URL.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use secmcp::config::{
    ConfigError, Format, MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, MAX_PROBLEMS, Settings, Source,
    load_from,
};
use secmcp::validate::Problem;
use secmcp_policy::ScopeEntry;

/// The password that `$SECRET` stands for: text no message has of its own.
pub const SECRET: &str = "Zq7xS3cr3tPw9Vv";

/// The variables a secret may be written in.
const URL_VARS: [&str; 2] = ["SECMCP_DATABASE_URL", "MCP_DATABASE_URL"];

/// One fuzzed load.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file: its format and text (`None`: no file).
    pub file: Option<(Format, String)>,
    /// The environment.
    pub env: BTreeMap<String, String>,
    /// This process's raw-socket privilege.
    pub raw_sockets: bool,
}

impl Case {
    /// Reads a case; `None` when the bytes are not UTF-8.
    pub fn parse(data: &[u8]) -> Option<Case> {
        let text = std::str::from_utf8(data).ok()?;
        let (head, file) = match text.split_once("\n%%\n") {
            Some((h, f)) => (h, f),
            None => (text, ""),
        };
        let mut lines = head.split('\n');
        let first = lines.next().unwrap_or("");
        let (format, knobs) = first.split_once(' ').unwrap_or((first, ""));
        let format = match format {
            "json" => Some(Format::Json),
            "none" => None,
            _ => Some(Format::Yaml),
        };
        let mut env = BTreeMap::new();
        for line in lines {
            if let Some((name, value)) = line.split_once('=') {
                let value = if URL_VARS.contains(&name) {
                    value.replace("$SECRET", SECRET)
                } else {
                    value.to_owned()
                };
                env.insert(name.to_owned(), value);
            }
        }
        Some(Case {
            file: format.map(|f| (f, file.to_owned())),
            env,
            raw_sockets: knobs.contains('r'),
        })
    }

    /// Loads it as the server would.
    pub fn load(&self) -> Result<Settings, ConfigError> {
        let source = self.file.as_ref().map(|(format, text)| Source {
            name: "/etc/secmcp/fuzz.yaml",
            text,
            format: *format,
        });
        load_from(
            source,
            |names: &[&'static str], empty_counts: bool| {
                names.iter().find_map(|&name| {
                    self.env
                        .get(name)
                        .filter(|v| empty_counts || !v.is_empty())
                        .map(|v| (name, v.clone()))
                })
            },
            self.raw_sockets,
            |_| {},
        )
    }

    /// Whether the input wrote [`SECRET`] as a password in the database URL
    /// variable the loader reads (the first one set wins), and nowhere else
    /// (a copy in another place, e.g. as a host name, may rightly be shown).
    pub fn secret_is_a_password(&self) -> bool {
        let Some(url) = URL_VARS
            .iter()
            .find_map(|n| self.env.get(*n).filter(|v| !v.is_empty()))
        else {
            return false;
        };
        let everywhere = self
            .env
            .values()
            .map(|v| v.matches(SECRET).count())
            .sum::<usize>()
            + self
                .file
                .as_ref()
                .map_or(0, |(_, t)| t.matches(SECRET).count());
        if everywhere != 1 {
            return false;
        }
        url.find(SECRET)
            .is_some_and(|at| is_password_position(&url[..at], &url[at + SECRET.len()..]))
    }
}

/// `before` ends where a password starts and `after` starts where it ends:
/// `[scheme://]user:` then `@`, or `password=` then the end of the value.
fn is_password_position(before: &str, after: &str) -> bool {
    let userinfo_start = before.rfind("://").map_or(0, |i| i + 3);
    let userinfo = &before[userinfo_start..];
    let user_ok = before[..userinfo_start].trim_start().is_empty()
        || before[..userinfo_start - 3]
            .trim_start()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    let in_userinfo = user_ok
        && userinfo.ends_with(':')
        && !userinfo[..userinfo.len() - 1]
            .trim_start()
            .contains(|c: char| {
                c == ':' || c == '@' || c == '/' || c == '?' || c == '#' || c.is_whitespace()
            })
        && after.starts_with('@');
    let param = before.to_ascii_lowercase().ends_with("password=")
        && after
            .chars()
            .next()
            .is_none_or(|c| c == '&' || c == '#' || c.is_whitespace());
    in_userinfo || param
}

/// Every problem an outcome shows (errors, or the settings' warnings).
fn problems(r: &Result<Settings, ConfigError>) -> Vec<Problem> {
    match r {
        Ok(s) => s.warnings.clone(),
        Err(ConfigError::Invalid { problems }) => problems.clone(),
        Err(e) => panic!("load_from reads no file, yet: {e}"),
    }
}

/// What must be equal between two loads of the same input.
fn fingerprint(r: &Result<Settings, ConfigError>) -> String {
    match r {
        Ok(s) => format!(
            "ok {} {:?} {:?} {:?}",
            serde_json::to_value(&s.raw).expect("a config serializes"),
            s.warnings,
            s.storage,
            s.listen
        ),
        Err(e) => format!("err {:?}", e.problems()),
    }
}

/// Runs the checks on one input.
pub fn check(data: &[u8]) {
    let Some(case) = Case::parse(data) else {
        return;
    };
    let first = case.load();
    let again = case.load();
    assert_eq!(
        fingerprint(&first),
        fingerprint(&again),
        "{case:?}: two loads differ"
    );
    let shown = problems(&first);
    if first.is_err() {
        assert!(
            (1..=MAX_PROBLEMS).contains(&shown.len()),
            "{case:?}: {} problems",
            shown.len()
        );
    } else {
        assert!(
            shown.len() <= MAX_PROBLEMS,
            "{case:?}: {} warnings",
            shown.len()
        );
    }
    let secret = case.secret_is_a_password();
    for p in &shown {
        assert!(
            p.field.chars().count() <= MAX_FIELD_CHARS
                && p.message.chars().count() <= MAX_MESSAGE_CHARS,
            "{case:?}: an unbounded problem {p:?}"
        );
        let line = p.to_string();
        assert!(
            !line.chars().any(char::is_control),
            "{case:?}: a control character in {line:?}"
        );
        assert!(
            !(secret && line.contains(SECRET)),
            "{case:?}: the database password is in {line:?}"
        );
    }
    if let Err(e) = &first {
        assert!(!(secret && e.to_string().contains(SECRET)), "{case:?}: {e}");
    }
    if let Ok(s) = &first {
        accepted(&case, s);
    }
}

/// The rules every accepted config keeps.
fn accepted(case: &Case, s: &Settings) {
    let again = Settings::from_config(s.raw.clone(), case.raw_sockets)
        .unwrap_or_else(|e| panic!("{case:?}: its own config is refused: {e}"));
    assert_eq!(
        serde_json::to_value(&again.raw).unwrap(),
        serde_json::to_value(&s.raw).unwrap(),
        "{case:?}: validating again changes the config"
    );
    assert_eq!(again.storage, s.storage, "{case:?}");
    assert_eq!(again.listen, s.listen, "{case:?}");

    let within = |what: &str, v: u64, lo: u64, hi: u64| {
        assert!(
            (lo..=hi).contains(&v),
            "{case:?}: {what} = {v}, not in {lo}..={hi}"
        );
    };
    let secs = |d: Duration| d.as_secs();
    within("default timeout", secs(s.default_timeout), 1, 86_400);
    within("max timeout", secs(s.max_timeout), 1, 86_400);
    assert!(s.default_timeout <= s.max_timeout, "{case:?}");
    within("max_output_bytes", s.max_output_bytes as u64, 4096, 1 << 30);
    within(
        "max_stderr_bytes",
        s.max_stderr_bytes as u64,
        1024,
        16 << 20,
    );
    within("kill grace ms", s.kill_grace.as_millis() as u64, 0, 60_000);
    within("shutdown grace", secs(s.shutdown_grace), 0, 3600);
    within("max_args_bytes", s.policy.max_args_bytes as u64, 1, 65_536);
    let l = &s.limits;
    within("limits.max_concurrent", l.max_concurrent.into(), 1, 1024);
    within(
        "limits.max_concurrent_per_tool",
        l.max_concurrent_per_tool.into(),
        1,
        l.max_concurrent.into(),
    );
    within("limits.max_queued", l.max_queued.into(), 0, 10_000);
    let b = &s.circuit_breaker;
    within("failure_threshold", b.failure_threshold.into(), 1, 1000);
    within("recovery_timeout_secs", b.recovery_timeout_secs, 1, 86_400);
    for id in secmcp_policy::ToolId::ALL {
        if let Some(c) = s.tool(id).concurrency {
            within("tool concurrency", c.into(), 1, 1024);
        }
    }
    within("logging.max_files", s.logging.max_files.into(), 1, 100);
    within(
        "database.pool_size",
        s.raw.database.pool_size.into(),
        1,
        1000,
    );

    // The listener.
    assert_ne!(s.listen.port(), 0, "{case:?}");
    assert!(
        s.listen.ip().is_loopback() || (s.auth.required() && s.raw.server.behind_proxy),
        "{case:?}: listens on {} without keys and a proxy",
        s.listen
    );

    // The scope.
    let allow = s.policy.scope.allow();
    if allow.is_empty() {
        assert!(
            s.warnings
                .iter()
                .any(|w| w.field == "security.allowed_targets"),
            "{case:?}: an empty scope without a warning"
        );
    }
    for e in allow {
        if let ScopeEntry::Cidr(c) = e {
            let wide = match c.addr() {
                IpAddr::V4(_) => c.prefix() < 8,
                IpAddr::V6(_) => c.prefix() < 32,
            };
            assert!(
                !wide || s.raw.security.allow_wide_scope,
                "{case:?}: {c} without allow_wide_scope"
            );
        }
    }
    assert_eq!(
        s.raw.security.allowed_targets.len(),
        allow.len(),
        "{case:?}: an allow entry was lost or added"
    );

    // The store.
    let st = &s.storage;
    within("storage.max_raw_bytes", st.max_raw_bytes as u64, 0, 1 << 30);
    within(
        "storage.result_budget_bytes",
        st.result_budget_bytes as u64,
        1024,
        16 << 20,
    );
    within(
        "storage write timeout ms",
        st.write_timeout.as_millis() as u64,
        10,
        60_000,
    );
    if let Some(r) = st.retention {
        within("retention days", secs(r) / 86_400, 1, 36_500);
    }
    if let Some(m) = st.max_total_bytes {
        assert!(m >= 1 << 20, "{case:?}: max_total_bytes {m}");
    }
    match &st.backend {
        secmcp_store::Backend::Sqlite { path } => {
            assert!(
                path.is_absolute() && path.ends_with("runs.db"),
                "{case:?}: SQLite at {}",
                path.display()
            );
        }
        secmcp_store::Backend::Postgres { url, .. } => {
            assert!(
                url.starts_with("postgresql://") || url.starts_with("postgres://"),
                "{case:?}: a PostgreSQL store at a non-PostgreSQL URL"
            );
        }
    }
}
