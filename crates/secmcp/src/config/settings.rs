//! The validated configuration: every section checked, every problem
//! collected, and the result in the form the rest of the server uses.
//!
//! Errors refuse the config (all of them are reported at once); warnings
//! (an empty scope, a tool whose binary is missing, a setting with no
//! effect) are kept on the [`Settings`] for `config check`, `doctor` and the
//! startup log.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use secmcp_policy::{Policy, Scope, ScopeEntry, ToolId};

use super::model::{Config, ConfigError, LoggingConfig, Transport};
use crate::tools::{self, PerTool};
use crate::validate::{Problem, Problems};

/// The validated configuration every other module uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Transport to serve.
    pub transport: Transport,
    /// HTTP listener address (loopback, unless authenticated behind a proxy).
    pub listen: SocketAddr,
    /// Extra allowed browser origins.
    pub allowed_origins: Vec<String>,
    /// Extra allowed `Host` header values (each as written and with the port).
    pub allowed_hosts: Vec<String>,
    /// API keys and roles.
    pub auth: crate::auth::AuthSettings,
    /// HTTPS certificate and key files, when secmcp serves TLS itself.
    pub tls: Option<super::tls::TlsFiles>,
    /// Grace period for in-flight calls on shutdown.
    pub shutdown_grace: Duration,
    /// The policy core's view of the scope and limits.
    pub policy: Policy,
    /// Who approves intrusive runs, and how long a run waits for it.
    pub approval: Approval,
    /// Default per-call timeout.
    pub default_timeout: Duration,
    /// Largest per-call timeout.
    pub max_timeout: Duration,
    /// Runner output caps and kill grace.
    pub max_output_bytes: usize,
    /// Runner stderr cap.
    pub max_stderr_bytes: usize,
    /// SIGTERM→SIGKILL grace.
    pub kill_grace: Duration,
    /// Per tool: offered, binary override, concurrency.
    pub tools: PerTool<ToolSettings>,
    /// Log filter and format.
    pub logging: LoggingConfig,
    /// Per-tool circuit breaker settings.
    pub circuit_breaker: crate::breaker::CircuitBreakerConfig,
    /// Concurrency caps and rate limit.
    pub limits: crate::limits::LimitsConfig,
    /// Metrics name prefix and listener.
    pub metrics: crate::metrics::MetricsConfig,
    /// Health check interval and thresholds.
    pub health: crate::health::HealthConfig,
    /// The audit log (opened at start; changes need a restart).
    pub audit: crate::audit::AuditConfig,
    /// Run records: backend, caps, retention.
    pub storage: super::storage::StorageSettings,
    /// The sandbox each tool's runs start in.
    pub sandbox: PerTool<secmcp_runner::Sandbox>,
    /// What was accepted but is probably not what was meant.
    pub warnings: Vec<Problem>,
    /// The raw config these settings came from (for `config show`), with the
    /// scope entries as they are enforced.
    pub raw: Config,
}

/// `security.approval` and `approval_timeout_secs`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    /// Who must approve an intrusive run.
    pub mode: super::model::ApprovalMode,
    /// How long a run waits for the decision.
    pub timeout: Duration,
}

/// Whether a tool is offered, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// In `tools/list` and callable.
    Offered,
    /// Switched off in its section or by the include/exclude patterns: the
    /// server does not know it.
    Disabled,
    /// An intrusive tool while `security.allow_intrusive` is off: hidden
    /// from `tools/list`; a call gets `policy_denied`.
    NeedsIntrusive,
}

/// Per-tool settings after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolSettings {
    /// Offered to clients (enabled in its section and matched by the
    /// include/exclude patterns).
    pub enabled: bool,
    /// Explicit binary path, or `None` for a `PATH` lookup.
    pub binary: Option<PathBuf>,
    /// Own concurrency cap, or `None` for `limits.max_concurrent_per_tool`.
    pub concurrency: Option<u32>,
}

impl Settings {
    /// Validates a raw config into settings; the error lists every problem.
    pub fn from_config(raw: Config, raw_sockets: bool) -> Result<Self, ConfigError> {
        Self::validate(raw, raw_sockets, Problems::default())
    }

    /// The settings of one tool.
    pub fn tool(&self, id: ToolId) -> &ToolSettings {
        self.tools.get(id)
    }

    /// Whether a tool is offered to clients, and if not, why.
    pub fn availability(&self, id: ToolId) -> Availability {
        if !self.tool(id).enabled {
            return Availability::Disabled;
        }
        let whole_tool =
            secmcp_policy::grammar(id).intrusive == secmcp_policy::tools::Intrusive::WholeTool;
        if whole_tool && !self.policy.allow_intrusive {
            return Availability::NeedsIntrusive;
        }
        Availability::Offered
    }

    /// Whether the HTTP listener may bind a non-loopback address:
    /// authentication is configured and TLS is served, by secmcp or by a
    /// proxy named in front.
    pub fn may_listen_publicly(&self) -> bool {
        self.auth.required() && (self.raw.server.behind_proxy || self.tls.is_some())
    }

    /// These settings as `role` sees them: only its tools, its scope, and
    /// intrusive runs only if both the server and the role allow them. An
    /// unknown role sees no tool at all (never the whole policy).
    pub fn for_role(&self, role: &str) -> Settings {
        let mut s = self.clone();
        match self.auth.roles.get(role) {
            Some(r) => {
                for id in ToolId::ALL {
                    if !r.allows_tool(id) {
                        s.tools.get_mut(id).enabled = false;
                    }
                }
                if let Some(scope) = &r.scope {
                    s.policy.scope = scope.clone();
                }
                s.policy.allow_intrusive = r.allow_intrusive;
            }
            None => {
                for id in ToolId::ALL {
                    s.tools.get_mut(id).enabled = false;
                }
            }
        }
        s
    }

    /// [`Settings::from_config`], adding to the problems already found while
    /// loading.
    pub(super) fn validate(
        mut raw: Config,
        raw_sockets: bool,
        mut p: Problems,
    ) -> Result<Self, ConfigError> {
        let listen = listen_address(&raw, &mut p);
        let scope = scope(&raw, &mut p);
        let auth = raw
            .auth
            .validate(&scope, raw.security.allow_intrusive, &mut p);
        let tls = super::tls::TlsFiles::validate(&raw.server.tls, &mut p);
        let tls_served = tls.is_some() || raw.server.behind_proxy;
        if !(listen.ip().is_loopback() || auth.required() && tls_served) {
            p.error(
                "server.host",
                format!(
                    "`{}` is not a loopback address; a non-loopback listener needs authentication (auth.api_keys or auth.oauth) and TLS: server.tls (cert_file, key_file) or server.behind_proxy: true with a TLS-terminating proxy in front; else bind 127.0.0.1 or ::1",
                    listen.ip()
                ),
            );
        }
        let allowed_hosts = allowed_hosts(&raw, &mut p);
        // `config show` prints the entries as they are enforced.
        raw.security.allowed_targets = scope.allow().iter().map(ToString::to_string).collect();
        raw.security.denied_targets = scope.deny().iter().map(ToString::to_string).collect();
        let t = &raw.tool_defaults;
        let prefix = "tool_defaults";
        p.range(
            prefix,
            "default_timeout_secs",
            t.default_timeout_secs,
            1,
            86_400,
        );
        p.range(prefix, "max_timeout_secs", t.max_timeout_secs, 1, 86_400);
        if t.default_timeout_secs > t.max_timeout_secs {
            p.error(
                "tool_defaults.default_timeout_secs",
                format!(
                    "{} is above tool_defaults.max_timeout_secs ({})",
                    t.default_timeout_secs, t.max_timeout_secs
                ),
            );
        }
        p.range(
            prefix,
            "max_output_bytes",
            t.max_output_bytes as u64,
            4096,
            1 << 30,
        );
        p.range(
            prefix,
            "max_stderr_bytes",
            t.max_stderr_bytes as u64,
            1024,
            16 << 20,
        );
        p.range(prefix, "kill_grace_ms", t.kill_grace_ms, 0, 60_000);
        for (key, patterns) in [
            ("include_patterns", &t.include_patterns),
            ("exclude_patterns", &t.exclude_patterns),
        ] {
            for (i, pat) in patterns.iter().enumerate() {
                if pat.is_empty() || pat.len() > 64 {
                    p.error(
                        format!("tool_defaults.{key}[{i}]"),
                        "a pattern is 1-64 characters",
                    );
                }
            }
        }
        p.range(
            "security",
            "max_args_bytes",
            raw.security.max_args_bytes as u64,
            1,
            65_536,
        );
        let approval = approval(&raw, &mut p);
        let mut policy = Policy {
            scope,
            allow_intrusive: raw.security.allow_intrusive,
            raw_sockets,
            max_args_bytes: raw.security.max_args_bytes,
            ..Policy::default()
        };
        for id in ToolId::ALL {
            let section = raw.tools.section(id);
            section.apply(&format!("tools.{}", id.as_str()), &mut policy, &mut p);
            let c = section.concurrency();
            if c != 0 {
                p.range(
                    &format!("tools.{}", id.as_str()),
                    "concurrency",
                    c.into(),
                    1,
                    1024,
                );
            }
        }
        let tools = PerTool::from_fn(|id| tool_settings(&raw, id));
        operations(&raw, &mut p);
        let storage = super::storage::validate(&raw.storage, &raw.database, &mut p);
        warn_about_tools(&tools, &raw, &mut p);
        let sandbox = raw.sandbox.resolve(&mut p);
        if !p.is_ok() {
            return Err(ConfigError::Invalid {
                problems: crate::validate::tidy(p.errors),
            });
        }
        let t = &raw.tool_defaults;
        Ok(Self {
            transport: raw.server.transport,
            listen,
            allowed_origins: raw.server.allowed_origins.clone(),
            allowed_hosts,
            auth,
            tls,
            shutdown_grace: Duration::from_secs(raw.server.shutdown_grace_secs),
            policy,
            approval,
            default_timeout: Duration::from_secs(t.default_timeout_secs),
            max_timeout: Duration::from_secs(t.max_timeout_secs),
            max_output_bytes: t.max_output_bytes,
            max_stderr_bytes: t.max_stderr_bytes,
            kill_grace: Duration::from_millis(t.kill_grace_ms),
            tools,
            logging: raw.logging.clone(),
            circuit_breaker: raw.circuit_breaker.clone(),
            limits: raw.limits.clone(),
            metrics: raw.metrics.clone(),
            health: raw.health.clone(),
            audit: raw.audit.clone(),
            storage,
            sandbox,
            warnings: crate::validate::tidy(p.warnings),
            raw,
        })
    }
}

fn listen_address(raw: &Config, p: &mut Problems) -> SocketAddr {
    let fallback = SocketAddr::from(([127, 0, 0, 1], raw.server.port));
    if raw.server.port == 0 {
        p.error(
            "server.port",
            "0 is not a port the server can be reached at; use 1-65535",
        );
    }
    let Ok(host) = raw.server.host.parse::<IpAddr>() else {
        p.error(
            "server.host",
            format!("`{}` is not an IP address", raw.server.host),
        );
        return fallback;
    };
    SocketAddr::new(host, raw.server.port)
}

/// `server.allowed_hosts`, each as written and with the listener's port.
fn allowed_hosts(raw: &Config, p: &mut Problems) -> Vec<String> {
    let mut out = Vec::new();
    for (i, h) in raw.server.allowed_hosts.iter().enumerate() {
        let name =
            h.rsplit_once(':').map_or(
                h.as_str(),
                |(n, port)| {
                    if port.parse::<u16>().is_ok() { n } else { h }
                },
            );
        let ok = !name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b".-[]:".contains(&c));
        if !ok {
            p.error(
                format!("server.allowed_hosts[{i}]"),
                format!("`{h}` is not a host name or address (optionally with :port)"),
            );
            continue;
        }
        out.push(h.to_ascii_lowercase());
        if name == h {
            out.push(format!("{}:{}", h.to_ascii_lowercase(), raw.server.port));
        }
    }
    out
}

/// The scope, with every bad entry reported; an empty allow list and very
/// wide entries are pointed out.
fn scope(raw: &Config, p: &mut Problems) -> Scope {
    let mut parse = |key: &str, items: &[String]| -> Vec<ScopeEntry> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.parse::<ScopeEntry>() {
                Ok(e) => Some(e),
                Err(e) => {
                    p.error(format!("security.{key}[{i}]"), e.to_string());
                    None
                }
            })
            .collect()
    };
    let allow = parse("allowed_targets", &raw.security.allowed_targets);
    let deny = parse("denied_targets", &raw.security.denied_targets);
    if raw.security.allowed_targets.is_empty() {
        p.warn(
            "security.allowed_targets",
            "is empty, so every target is denied",
        );
    }
    for (i, s) in raw.security.allowed_targets.iter().enumerate() {
        let Ok(ScopeEntry::Cidr(c)) = s.parse::<ScopeEntry>() else {
            continue;
        };
        let wide = if c.addr().is_ipv4() {
            c.prefix() < 8
        } else {
            c.prefix() < 32
        };
        if wide && !raw.security.allow_wide_scope {
            p.error(
                format!("security.allowed_targets[{i}]"),
                format!(
                    "{c} covers more than a /8 (IPv4) or /32 (IPv6) network, which is rarely an authorised scope; narrow it, or set security.allow_wide_scope: true"
                ),
            );
        }
    }
    Scope::new(allow, deny)
}

fn tool_settings(raw: &Config, id: ToolId) -> ToolSettings {
    let section = raw.tools.section(id);
    let name = id.as_str();
    let t = &raw.tool_defaults;
    let included = t.include_patterns.iter().any(|pat| glob(pat, name));
    let excluded = t.exclude_patterns.iter().any(|pat| glob(pat, name));
    ToolSettings {
        enabled: section.enabled() && included && !excluded,
        binary: (!section.binary().is_empty()).then(|| PathBuf::from(section.binary())),
        concurrency: (section.concurrency() != 0).then(|| section.concurrency()),
    }
}

/// The operations sections and the logging and database settings.
fn operations(raw: &Config, p: &mut Problems) {
    p.range(
        "server",
        "shutdown_grace_secs",
        raw.server.shutdown_grace_secs,
        0,
        3600,
    );
    raw.circuit_breaker.validate("circuit_breaker", p);
    raw.limits.validate("limits", p);
    raw.metrics.validate("metrics", p);
    raw.health.validate("health", p);
    raw.audit.validate("audit", p);
    let l = &raw.logging;
    if !is_log_filter(&l.level) {
        p.error(
            "logging.level",
            format!(
                "`{}` is not a log level or filter; use error, warn, info, debug or trace (or a filter such as `secmcp=debug,warn`)",
                l.level
            ),
        );
    }
    if !l.file.is_empty() {
        let path = std::path::Path::new(&l.file);
        if !path.is_absolute() || path.file_name().is_none() {
            p.error(
                "logging.file",
                format!("`{}` is not an absolute file path", l.file),
            );
        }
    }
    if l.max_file_bytes != 0 {
        p.range("logging", "max_file_bytes", l.max_file_bytes, 4096, 1 << 40);
    }
    p.range("logging", "max_files", l.max_files.into(), 1, 100);
    let d = &raw.database;
    p.range("database", "pool_size", d.pool_size.into(), 1, 1000);
    p.range("database", "max_overflow", d.max_overflow.into(), 0, 1000);
}

/// Enabled tools whose binary is missing, and a default wordlist that does
/// not exist: each works at startup but fails at call time.
fn warn_about_tools(tools: &PerTool<ToolSettings>, raw: &Config, p: &mut Problems) {
    for t in tools::REGISTRY {
        let s = tools.get(t.id());
        if !s.enabled {
            continue;
        }
        if crate::binaries::locate(s.binary.as_deref(), t.name()).is_none() {
            p.warn(
                format!("tools.{}", t.name()),
                format!(
                    "the {} binary is not installed (or tools.{}.binary is wrong): its calls will fail with not_found",
                    t.name(),
                    t.name()
                ),
            );
        }
    }
    let g = &raw.tools.gobuster;
    if g.enabled
        && let Some(path) = g.wordlist_aliases.get(&g.default_wordlist)
        && !std::path::Path::new(path).is_file()
    {
        p.warn(
            "tools.gobuster.default_wordlist",
            format!(
                "the alias `{}` points at {path}, which does not exist: gobuster calls without a wordlist will fail",
                g.default_wordlist
            ),
        );
    }
}

/// A level (`info`), or directives each naming a level (`secmcp=debug,warn`);
/// a bare word that is not a level (which tracing would read as a target
/// name, turning every level of it on) is refused.
fn is_log_filter(spec: &str) -> bool {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s.trim()));
    !spec.trim().is_empty()
        && spec.split(',').all(|d| match d.split_once('=') {
            Some((target, lvl)) => !target.trim().is_empty() && level(lvl),
            None => level(d),
        })
        && tracing_subscriber::EnvFilter::try_new(spec).is_ok()
}

/// `*` matches any run of characters, `?` one character.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `security.approval`: the timeout's range; `operator` keeps its requests in
/// the run store, so it needs one; without intrusive runs it has no effect.
fn approval(raw: &Config, p: &mut Problems) -> Approval {
    use super::model::ApprovalMode;
    let s = &raw.security;
    p.range(
        "security",
        "approval_timeout_secs",
        s.approval_timeout_secs,
        10,
        86_400,
    );
    if s.approval == ApprovalMode::Operator && !raw.storage.enabled {
        p.error(
            "security.approval",
            "`operator` keeps each request in the run store, where `secmcp approvals` decides it; set storage.enabled: true, or use `elicit` or `none`",
        );
    }
    if s.approval != ApprovalMode::None && !s.allow_intrusive {
        p.warn(
            "security.approval",
            format!(
                "`{}` has no effect while security.allow_intrusive is off (no intrusive run can start)",
                s.approval.as_str()
            ),
        );
    }
    Approval {
        mode: s.approval,
        timeout: Duration::from_secs(s.approval_timeout_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::{glob, is_log_filter};

    #[test]
    fn log_filters_name_levels() {
        for ok in ["info", "DEBUG", "secmcp=debug,warn", "warn,rmcp=info"] {
            assert!(is_log_filter(ok), "{ok}");
        }
        for bad in ["loud", "", "secmcp", "secmcp=loud", "info,verbose"] {
            assert!(!is_log_filter(bad), "{bad}");
        }
    }

    #[test]
    fn globs() {
        for (pat, name, want) in [
            ("*", "nmap", true),
            ("n*", "nmap", true),
            ("*map", "nmap", true),
            ("?map", "nmap", true),
            ("m*", "nmap", false),
            ("nmap", "nmap", true),
            ("nmap?", "nmap", false),
            ("*a*", "masscan", true),
        ] {
            assert_eq!(glob(pat, name), want, "{pat} {name}");
        }
    }
}
