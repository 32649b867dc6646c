//! The root [`Config`] and the sections that belong to no one module
//! (server, security, tool defaults, logging, database), and [`ConfigError`].

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::storage::{DatabaseConfig, StorageConfig};
use crate::tools::ToolsConfig;
use crate::validate::Problem;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Transport and listener settings.
    pub server: ServerConfig,
    /// What the tools may reach and how far they may go.
    pub security: SecurityConfig,
    /// Limits shared by every tool, and which tools are offered.
    pub tool_defaults: ToolDefaults,
    /// Per-tool settings.
    pub tools: ToolsConfig,
    /// Log output.
    pub logging: LoggingConfig,
    /// Per-tool circuit breakers.
    pub circuit_breaker: crate::breaker::CircuitBreakerConfig,
    /// Concurrency caps and the per-client rate limit.
    pub limits: crate::limits::LimitsConfig,
    /// Prometheus metrics.
    pub metrics: crate::metrics::MetricsConfig,
    /// Background health checks.
    pub health: crate::health::HealthConfig,
    /// The kernel sandbox of every tool run.
    pub sandbox: crate::sandbox::SandboxConfig,
    /// The design's database settings: a `postgresql://` URL sends run
    /// records to PostgreSQL (pool_size, max_overflow = pool size and burst).
    pub database: DatabaseConfig,
    /// The tamper-evident audit log.
    pub audit: crate::audit::AuditConfig,
    /// Who may call over HTTP (API keys) and what each role may do.
    pub auth: crate::auth::AuthConfig,
    /// Run records: where (SQLite under `data_dir` unless `database.url`),
    /// how much is kept, and for how long.
    pub storage: StorageConfig,
}

/// `server`: transport and listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// `stdio` (one client, the parent process) or `http` (Streamable HTTP at `/mcp`).
    pub transport: Transport,
    /// Address the HTTP listener binds. A non-loopback address needs
    /// `auth.api_keys` and `behind_proxy: true` (TLS terminated in front).
    pub host: String,
    /// Port the HTTP listener binds.
    pub port: u16,
    /// Extra browser origins allowed to call `/mcp` (the listener's own
    /// `http://localhost:PORT` and `http://127.0.0.1:PORT` are always allowed).
    pub allowed_origins: Vec<String>,
    /// Extra `Host` header values accepted on HTTP besides the loopback
    /// names: the names clients use to reach this server (`lab1.example.net`
    /// accepts `lab1.example.net` and `lab1.example.net:PORT`).
    pub allowed_hosts: Vec<String>,
    /// A TLS-terminating reverse proxy sits in front of the listener, so a
    /// non-loopback address may be bound with plain HTTP (with `auth.api_keys`).
    pub behind_proxy: bool,
    /// HTTPS served by secmcp itself: a PEM certificate chain and its key,
    /// read again when either file changes.
    pub tls: TlsConfig,
    /// Seconds in-flight calls get to finish on shutdown before their tools are killed.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            transport: Transport::Stdio,
            host: "127.0.0.1".into(),
            port: 8080,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            behind_proxy: false,
            tls: TlsConfig::default(),
            shutdown_grace_secs: 10,
        }
    }
}

/// `server.tls`: both files or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain, the server's certificate first.
    pub cert_file: String,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: String,
}

/// The MCP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// JSON-RPC over stdin/stdout.
    Stdio,
    /// MCP Streamable HTTP.
    Http,
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "stdio" => Ok(Self::Stdio),
            "http" => Ok(Self::Http),
            other => Err(format!(
                "`{other}` is not a transport; use `stdio` or `http`"
            )),
        }
    }
}

/// `security`: the scope and the safety switches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Targets tools may reach: `RFC1918`, `loopback`, a CIDR such as
    /// `10.20.0.0/16` (host bits clear), a single address, a domain suffix such
    /// as `.lab.internal` (the names below it) or one host name. An empty list
    /// denies everything.
    pub allowed_targets: Vec<String>,
    /// Targets that are always refused, in the same forms. Deny wins over allow.
    pub denied_targets: Vec<String>,
    /// Allow intrusive tools and options (gobuster, hydra, sqlmap; `-A`, `-T5`, ...).
    pub allow_intrusive: bool,
    /// Accept allow entries wider than a /8 (IPv4) or /32 (IPv6), such as
    /// `0.0.0.0/0`: off, such a scope is refused as a likely mistake.
    pub allow_wide_scope: bool,
    /// Longest accepted `extra_args`, in bytes.
    pub max_args_bytes: usize,
    /// Who must approve an intrusive run before it starts: `none` (nobody),
    /// `elicit` (the person at the MCP client, asked through elicitation) or
    /// `operator` (an operator, out of band: `secmcp approvals approve ID`).
    pub approval: ApprovalMode,
    /// How long an intrusive run waits for its approval before it is refused.
    pub approval_timeout_secs: u64,
}

/// `security.approval`: who must say yes before an intrusive run starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalMode {
    /// Intrusive runs start once the policy allows them.
    #[default]
    None,
    /// The client asks its user (MCP elicitation, or an `input_required`
    /// result on 2026-07-28). A client can answer by itself: not a human
    /// guarantee.
    Elicit,
    /// The run waits until an operator approves it with `secmcp approvals`.
    Operator,
}

impl ApprovalMode {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Elicit => "elicit",
            Self::Operator => "operator",
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            allowed_targets: vec!["RFC1918".into(), ".lab.internal".into()],
            denied_targets: Vec::new(),
            allow_intrusive: false,
            allow_wide_scope: false,
            max_args_bytes: 2048,
            approval: ApprovalMode::None,
            approval_timeout_secs: 900,
        }
    }
}

/// `tool_defaults` (the design's `tool` section, still read under that
/// name): limits shared by every tool, and which tools are offered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolDefaults {
    /// Timeout used when a call gives no `timeout_sec`.
    pub default_timeout_secs: u64,
    /// Largest `timeout_sec` a call may ask for.
    pub max_timeout_secs: u64,
    /// Tool stdout kept per call (head and tail); the rest is counted and dropped.
    pub max_output_bytes: usize,
    /// Tool stderr kept per call.
    pub max_stderr_bytes: usize,
    /// Milliseconds between SIGTERM and SIGKILL when a tool is stopped.
    pub kill_grace_ms: u64,
    /// Tools offered when their name matches one of these patterns (`*` and `?`
    /// wildcards); a tool must also be enabled in its own section.
    pub include_patterns: Vec<String>,
    /// Tools never offered when their name matches one of these patterns.
    pub exclude_patterns: Vec<String>,
}

impl Default for ToolDefaults {
    fn default() -> Self {
        Self {
            default_timeout_secs: 300,
            max_timeout_secs: 1800,
            max_output_bytes: 8 * 1024 * 1024,
            max_stderr_bytes: 64 * 1024,
            kill_grace_ms: 2000,
            include_patterns: vec!["*".into()],
            exclude_patterns: Vec::new(),
        }
    }
}

/// `logging`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// Filter in tracing `EnvFilter` syntax, e.g. `info` or `secmcp=debug,warn`.
    pub level: String,
    /// `human` or `json`.
    pub format: LogFormat,
    /// Absolute path of a log file written instead of stderr; empty means stderr.
    pub file: String,
    /// Rotate the file when it reaches this size, in bytes (0: never by size).
    pub max_file_bytes: u64,
    /// Also rotate the file when the UTC date changes.
    pub rotate_daily: bool,
    /// Rotated files kept (`FILE.1` is the newest), 1..=100.
    pub max_files: u32,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Human,
            file: String::new(),
            max_file_bytes: 10 * 1024 * 1024,
            rotate_daily: false,
            max_files: 5,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file extension says neither YAML nor JSON.
    #[error("config file {0} must end in .yaml, .yml or .json")]
    Extension(PathBuf),
    /// One or more problems, each naming its field (or the file's line).
    #[error("{}", list(.problems))]
    Invalid {
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// Every problem, one per line, as an agent may read them (no path).
    pub fn problems(&self) -> Vec<String> {
        match self {
            ConfigError::Read { .. } => vec!["the config file cannot be read".into()],
            ConfigError::Extension(_) => {
                vec!["the config file must end in .yaml, .yml or .json".into()]
            }
            ConfigError::Invalid { problems } => problems.iter().map(ToString::to_string).collect(),
        }
    }
}

fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems:", many.len());
            for p in many {
                s.push_str("\n  - ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}

impl Config {
    /// The config as YAML, with the database URL's credentials masked.
    pub fn to_redacted_yaml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = crate::redact::text(&shown.database.url).into_owned();
        yaml_serde::to_string(&shown).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}
