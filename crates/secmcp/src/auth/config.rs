//! The `auth` section: API keys, roles, the stdio caller's role and the
//! failed-attempt limit, validated into [`AuthSettings`] with every problem
//! reported at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use secmcp_policy::{Scope, ScopeEntry, ToolId};

use super::keys::{KEY_PREFIX, KeyTable, parse_digest};
use crate::validate::Problems;

/// `auth`: who may call over HTTP, and what each role may do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// API keys accepted as `Authorization: Bearer KEY` on HTTP. Each entry
    /// holds the key's SHA-256 digest, never the key (`secmcp auth new-key`
    /// prints both). With at least one key, every `/mcp` request needs one.
    pub api_keys: Vec<ApiKeyConfig>,
    /// Named roles that narrow the server's policy for the keys that name them.
    pub roles: BTreeMap<String, RoleConfig>,
    /// The role of the local OS user on stdio; empty: the server's policy.
    pub stdio_role: String,
    /// Requests with a missing or wrong key allowed per source address per
    /// minute; more get `429` until the budget refills.
    pub failed_attempts_per_minute: u32,
    /// Failed attempts a source address may make at once before the rate applies.
    pub failed_attempts_burst: u32,
    /// Accept OAuth 2.1 access tokens (JWTs) from one issuer, besides or
    /// instead of API keys.
    pub oauth: super::oauth::OAuthConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            api_keys: Vec::new(),
            roles: BTreeMap::new(),
            stdio_role: String::new(),
            failed_attempts_per_minute: 30,
            failed_attempts_burst: 10,
            oauth: super::oauth::OAuthConfig::default(),
        }
    }
}

/// One API key: its name, digest and role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiKeyConfig {
    /// Who holds the key (logged with every call, e.g. `alice` or `ci`).
    pub name: String,
    /// Lower-case hex SHA-256 digest of the key (64 characters).
    pub sha256: String,
    /// An `auth.roles` entry; empty: the server's whole policy.
    pub role: String,
}

/// `auth.roles.<name>`: a role can only narrow the server's policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleConfig {
    /// Tools this role sees in `tools/list` and may call (tool names);
    /// absent: every tool the server offers. `server_health` is always there.
    pub tools: Option<Vec<String>>,
    /// Targets this role may reach, in the forms of
    /// `security.allowed_targets`; each must lie inside the server's scope
    /// (else a config error). Absent: the server's scope.
    pub allowed_targets: Option<Vec<String>>,
    /// Targets this role may never reach, on top of `security.denied_targets`.
    pub denied_targets: Vec<String>,
    /// Intrusive tools and options, only if `security.allow_intrusive` is on too.
    pub allow_intrusive: bool,
    /// Tool runs per minute per identity of this role (0: only the server's
    /// per-client limit applies).
    pub rate_per_minute: u32,
    /// Runs an identity of this role may start at once before the rate applies.
    pub burst: u32,
    /// Read every stored run and task result (`scan_history`, `scan_diff`,
    /// `resources/*`); otherwise an identity reads only the runs it made.
    pub see_all_runs: bool,
}

/// A validated role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Tools the role may see and call.
    pub tools: Vec<ToolId>,
    /// The role's scope (the server's deny entries included), or `None` for
    /// the server's scope unchanged.
    pub scope: Option<Scope>,
    /// Intrusive runs allowed (already combined with the server's switch).
    pub allow_intrusive: bool,
    /// Runs per minute per identity (0: no role limit).
    pub rate_per_minute: u32,
    /// Burst for the role's rate.
    pub burst: u32,
    /// Reads every stored run, not only its identity's own.
    pub see_all_runs: bool,
}

impl Role {
    /// Whether the role may use `id`.
    pub fn allows_tool(&self, id: ToolId) -> bool {
        self.tools.contains(&id)
    }
}

/// The validated `auth` section.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// Configured key digests, in `names` order.
    pub keys: KeyTable,
    /// Each key's name and role, by the index [`KeyTable::find`] returns.
    pub key_names: Vec<(Arc<str>, Option<Arc<str>>)>,
    /// The roles by name.
    pub roles: BTreeMap<String, Role>,
    /// The stdio caller's role.
    pub stdio_role: Option<String>,
    /// Failed attempts per source address per minute.
    pub failed_attempts_per_minute: u32,
    /// Their burst.
    pub failed_attempts_burst: u32,
    /// Access tokens from an OAuth issuer, when configured.
    pub oauth: Option<Arc<super::oauth::OAuthSettings>>,
}

impl AuthSettings {
    /// Whether HTTP callers must authenticate.
    pub fn required(&self) -> bool {
        !self.keys.is_empty() || self.oauth.is_some()
    }
}

fn valid_name(s: &str, max: usize, extra: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

impl AuthConfig {
    /// Validates the section against the server's scope and intrusive switch.
    pub fn validate(
        &self,
        server: &Scope,
        server_intrusive: bool,
        p: &mut Problems,
    ) -> AuthSettings {
        let mut roles = BTreeMap::new();
        for (name, r) in &self.roles {
            let at = format!("auth.roles.{name}");
            if !valid_name(name, 32, b"_-") {
                p.error(
                    &at,
                    "a role name is 1-32 letters, digits, `_` or `-` (it is a metric label)",
                );
            }
            if let Some(role) = role(&at, r, server, server_intrusive, p) {
                roles.insert(name.clone(), role);
            }
        }
        let defined = || {
            if self.roles.is_empty() {
                "no roles are defined".to_owned()
            } else {
                let names: Vec<&str> = self.roles.keys().map(String::as_str).collect();
                format!("defined: {}", names.join(", "))
            }
        };
        let mut digests = Vec::new();
        let mut key_names = Vec::new();
        for (i, k) in self.api_keys.iter().enumerate() {
            let at = format!("auth.api_keys[{i}]");
            if !valid_name(&k.name, 64, b"_-.@") {
                p.error(
                    format!("{at}.name"),
                    "a key name is 1-64 letters, digits, `_`, `-`, `.` or `@` (it names the caller in the log)",
                );
            } else if key_names
                .iter()
                .any(|(n, _): &(Arc<str>, _)| **n == *k.name)
            {
                p.error(
                    format!("{at}.name"),
                    format!(
                        "`{}` names another key too; each key needs its own name",
                        k.name
                    ),
                );
            }
            let digest = if k.sha256.starts_with(KEY_PREFIX) {
                p.error(
                    format!("{at}.sha256"),
                    "holds a key, not its digest: the key is now exposed in this file; delete the entry, make a new key with `secmcp auth new-key` and paste the sha256 line it prints",
                );
                None
            } else {
                let d = parse_digest(&k.sha256);
                if d.is_none() {
                    p.error(
                        format!("{at}.sha256"),
                        "must be the 64-character hex SHA-256 digest of the key (`secmcp auth new-key` prints it)",
                    );
                }
                d
            };
            if let Some(d) = digest {
                if digests.contains(&d) {
                    p.error(
                        format!("{at}.sha256"),
                        "another key has the same digest: the same key is listed twice",
                    );
                }
                digests.push(d);
            }
            if !k.role.is_empty() && !self.roles.contains_key(&k.role) {
                p.error(
                    format!("{at}.role"),
                    format!("the role `{}` is not in auth.roles ({})", k.role, defined()),
                );
            }
            key_names.push((
                Arc::<str>::from(k.name.as_str()),
                (!k.role.is_empty()).then(|| Arc::<str>::from(k.role.as_str())),
            ));
        }
        if !self.stdio_role.is_empty() && !self.roles.contains_key(&self.stdio_role) {
            p.error(
                "auth.stdio_role",
                format!(
                    "the role `{}` is not in auth.roles ({})",
                    self.stdio_role,
                    defined()
                ),
            );
        }
        p.range(
            "auth",
            "failed_attempts_per_minute",
            self.failed_attempts_per_minute.into(),
            1,
            10_000,
        );
        p.range(
            "auth",
            "failed_attempts_burst",
            self.failed_attempts_burst.into(),
            1,
            10_000,
        );
        let oauth = if self.oauth.is_set() {
            self.oauth
                .validate(&|r| self.roles.contains_key(r), p)
                .map(Arc::new)
        } else {
            None
        };
        AuthSettings {
            oauth,
            keys: KeyTable::new(digests),
            key_names,
            roles,
            stdio_role: (!self.stdio_role.is_empty()).then(|| self.stdio_role.clone()),
            failed_attempts_per_minute: self.failed_attempts_per_minute,
            failed_attempts_burst: self.failed_attempts_burst,
        }
    }
}

fn role(
    at: &str,
    r: &RoleConfig,
    server: &Scope,
    server_intrusive: bool,
    p: &mut Problems,
) -> Option<Role> {
    let before = p.errors.len();
    let mut tools = Vec::new();
    match &r.tools {
        None => tools.extend(ToolId::ALL),
        Some(names) => {
            for (i, n) in names.iter().enumerate() {
                match ToolId::ALL.iter().find(|id| id.as_str() == n) {
                    Some(id) => tools.push(*id),
                    None => {
                        let known: Vec<&str> = ToolId::ALL.iter().map(|t| t.as_str()).collect();
                        p.error(
                            format!("{at}.tools[{i}]"),
                            format!("`{n}` is not a tool; use one of: {}", known.join(", ")),
                        );
                    }
                }
            }
        }
    }
    let parse = |key: &str, items: &[String], p: &mut Problems| -> Vec<ScopeEntry> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.parse::<ScopeEntry>() {
                Ok(e) => Some(e),
                Err(e) => {
                    p.error(format!("{at}.{key}[{i}]"), e.to_string());
                    None
                }
            })
            .collect()
    };
    let role_deny = parse("denied_targets", &r.denied_targets, p);
    let mut deny: Vec<ScopeEntry> = server.deny().to_vec();
    deny.extend(role_deny);
    let deny_key = format!("security.denied_targets or {at}.denied_targets");
    let scope = match &r.allowed_targets {
        None if r.denied_targets.is_empty() => None,
        None => Some(
            Scope::new(server.allow().to_vec(), deny)
                .labelled(secmcp_policy::scope::ALLOW_KEY, &deny_key),
        ),
        Some(items) => {
            let allow = parse("allowed_targets", items, p);
            for (i, e) in allow.iter().enumerate() {
                if !server.allow_covers(e) {
                    p.error(
                        format!("{at}.allowed_targets[{i}]"),
                        format!(
                            "`{e}` reaches beyond the server's scope (security.allowed_targets); a role can only narrow it: name a part of the server's scope, or widen the server's scope first"
                        ),
                    );
                }
            }
            if items.is_empty() {
                p.warn(
                    format!("{at}.allowed_targets"),
                    "is empty, so this role may reach no target",
                );
            }
            Some(Scope::new(allow, deny).labelled(&format!("{at}.allowed_targets"), &deny_key))
        }
    };
    if r.allow_intrusive && !server_intrusive {
        p.warn(
            format!("{at}.allow_intrusive"),
            "has no effect while security.allow_intrusive is off (a role can only narrow the server's policy)",
        );
    }
    if r.rate_per_minute != 0 {
        p.range(
            at,
            "rate_per_minute",
            r.rate_per_minute.into(),
            1,
            1_000_000,
        );
    }
    p.range(at, "burst", r.burst.into(), 0, 10_000);
    (p.errors.len() == before).then_some(Role {
        tools,
        scope,
        allow_intrusive: r.allow_intrusive && server_intrusive,
        rate_per_minute: r.rate_per_minute,
        burst: r.burst,
        see_all_runs: r.see_all_runs,
    })
}
