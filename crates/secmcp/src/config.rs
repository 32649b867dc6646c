//! Configuration: the raw file/env/CLI layers and the validated `Settings`.
//!
//! Raw structs mirror the file (`deny_unknown_fields`, documented defaults) and
//! are validated into `Settings`, the only form the rest of the server uses.
//! Precedence: embedded defaults < config file < environment < command line.
//! This module reads files and the environment; it never starts anything.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use secmcp_policy::gobuster::GobusterLimits;
use secmcp_policy::hydra::HydraLimits;
use secmcp_policy::{FileRoots, NmapLimits, Policy, Scope, ScopeEntry};

use crate::env_vars;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Transport and listener settings.
    pub server: ServerConfig,
    /// What the tools may reach and how far they may go.
    pub security: SecurityConfig,
    /// Limits shared by every tool.
    pub tool: ToolDefaults,
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
    /// Reserved for the persistence feature: absent or empty (`database: {}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<serde_json::Value>,
}

/// `server`: transport and listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// `stdio` (one client, the parent process) or `http` (Streamable HTTP at `/mcp`).
    pub transport: Transport,
    /// Address the HTTP listener binds. Only loopback addresses are accepted
    /// until authentication exists.
    pub host: String,
    /// Port the HTTP listener binds.
    pub port: u16,
    /// Extra browser origins allowed to call `/mcp` (the listener's own
    /// `http://localhost:PORT` and `http://127.0.0.1:PORT` are always allowed).
    pub allowed_origins: Vec<String>,
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
            shutdown_grace_secs: 10,
        }
    }
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
    /// `10.20.0.0/16`, a single address, or a domain suffix such as `.lab.internal`.
    /// An empty list denies everything.
    pub allowed_targets: Vec<String>,
    /// Targets that are always refused, in the same forms. Deny wins over allow.
    pub denied_targets: Vec<String>,
    /// Allow intrusive options (vuln/exploit/brute NSE categories, `-A`, `-T5`, ...).
    pub allow_intrusive: bool,
    /// Longest accepted `extra_args`, in bytes.
    pub max_args_bytes: usize,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            allowed_targets: vec!["RFC1918".into(), ".lab.internal".into()],
            denied_targets: Vec::new(),
            allow_intrusive: false,
            max_args_bytes: 2048,
        }
    }
}

/// `tool`: limits shared by every tool.
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
}

impl Default for ToolDefaults {
    fn default() -> Self {
        Self {
            default_timeout_secs: 300,
            max_timeout_secs: 1800,
            max_output_bytes: 8 * 1024 * 1024,
            max_stderr_bytes: 64 * 1024,
            kill_grace_ms: 2000,
        }
    }
}

/// `tools`: one section per tool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolsConfig {
    /// nmap.
    pub nmap: NmapConfig,
    /// masscan.
    pub masscan: MasscanConfig,
    /// gobuster.
    pub gobuster: GobusterConfig,
    /// hydra.
    pub hydra: HydraConfig,
    /// sqlmap.
    pub sqlmap: SqlmapConfig,
    /// dig.
    pub dig: DigConfig,
}

/// `tools.masscan`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MasscanConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the masscan binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Largest CIDR target without `security.allow_intrusive`, in addresses.
    pub max_cidr_addresses: u64,
    /// Largest CIDR target ever, in addresses (also with allow_intrusive).
    pub hard_max_cidr_addresses: u64,
    /// Send rate when a call sets none, in packets per second.
    pub default_rate_pps: u32,
    /// Highest rate without `security.allow_intrusive`, in packets per second.
    pub safe_rate_pps: u32,
    /// Highest rate ever, in packets per second (every spelling: --rate, --max-rate).
    pub max_rate_pps: u32,
    /// Seconds masscan waits for late replies when a call sets no --wait.
    pub default_wait_secs: u32,
    /// Network interface masscan sends on (`--adapter`); empty lets masscan pick
    /// the default route's interface. Callers can never set adapter options.
    pub adapter: String,
    /// Source address on that interface (`--adapter-ip`); empty = the interface's.
    pub adapter_ip: String,
    /// Source MAC (`--adapter-mac`, aa:bb:cc:dd:ee:ff); empty = the interface's.
    pub adapter_mac: String,
    /// Gateway masscan resolves by ARP (`--router-ip`); empty = the default route's.
    pub router_ip: String,
    /// Gateway MAC (`--router-mac`); empty = resolve it by ARP.
    pub router_mac: String,
}

impl Default for MasscanConfig {
    fn default() -> Self {
        let limits = secmcp_policy::masscan::MasscanLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_cidr_addresses: limits.max_cidr_addresses,
            hard_max_cidr_addresses: limits.hard_max_cidr_addresses,
            default_rate_pps: limits.default_rate_pps,
            safe_rate_pps: limits.safe_rate_pps,
            max_rate_pps: limits.max_rate_pps,
            default_wait_secs: limits.default_wait_secs,
            adapter: String::new(),
            adapter_ip: String::new(),
            adapter_mac: String::new(),
            router_ip: String::new(),
            router_mac: String::new(),
        }
    }
}

impl MasscanConfig {
    /// The validated limits for the policy core.
    fn limits(&self) -> Result<secmcp_policy::masscan::MasscanLimits, ConfigError> {
        use secmcp_policy::masscan::{AdapterSettings, normalize_mac, valid_interface_name};
        let f = |name: &str| format!("tools.masscan.{name}");
        range(
            &f("hard_max_cidr_addresses"),
            self.hard_max_cidr_addresses,
            1,
            1 << 24,
        )?;
        range(
            &f("max_cidr_addresses"),
            self.max_cidr_addresses,
            1,
            self.hard_max_cidr_addresses,
        )?;
        range(
            &f("max_rate_pps"),
            u64::from(self.max_rate_pps),
            1,
            1_000_000,
        )?;
        range(
            &f("safe_rate_pps"),
            u64::from(self.safe_rate_pps),
            1,
            u64::from(self.max_rate_pps),
        )?;
        range(
            &f("default_rate_pps"),
            u64::from(self.default_rate_pps),
            1,
            u64::from(self.safe_rate_pps),
        )?;
        range(
            &f("default_wait_secs"),
            u64::from(self.default_wait_secs),
            0,
            60,
        )?;
        let opt_ip = |name: &str, v: &str| -> Result<Option<IpAddr>, ConfigError> {
            if v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| invalid(f(name), format!("`{v}` is not an IP address")))
        };
        let opt_mac = |name: &str, v: &str| -> Result<Option<String>, ConfigError> {
            if v.is_empty() {
                return Ok(None);
            }
            normalize_mac(v).map(Some).ok_or_else(|| {
                invalid(
                    f(name),
                    format!("`{v}` is not a MAC address (aa:bb:cc:dd:ee:ff)"),
                )
            })
        };
        if !self.adapter.is_empty() && !valid_interface_name(&self.adapter) {
            return Err(invalid(
                f("adapter"),
                format!(
                    "`{}` is not an interface name (1-15 letters, digits, `-`, `_`, `.`)",
                    self.adapter
                ),
            ));
        }
        Ok(secmcp_policy::masscan::MasscanLimits {
            max_cidr_addresses: self.max_cidr_addresses,
            hard_max_cidr_addresses: self.hard_max_cidr_addresses,
            default_rate_pps: self.default_rate_pps,
            safe_rate_pps: self.safe_rate_pps,
            max_rate_pps: self.max_rate_pps,
            default_wait_secs: self.default_wait_secs,
            adapter: AdapterSettings {
                adapter: (!self.adapter.is_empty()).then(|| self.adapter.clone()),
                adapter_ip: opt_ip("adapter_ip", &self.adapter_ip)?,
                adapter_mac: opt_mac("adapter_mac", &self.adapter_mac)?,
                router_ip: opt_ip("router_ip", &self.router_ip)?,
                router_mac: opt_mac("router_mac", &self.router_mac)?,
            },
        })
    }
}

/// `tools.gobuster`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GobusterConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the gobuster binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Absolute directories callers may pick wordlists from (by relative path).
    pub wordlist_roots: Vec<String>,
    /// Wordlist aliases: name -> absolute file path.
    pub wordlist_aliases: BTreeMap<String, String>,
    /// The wordlist (alias or root-relative path) used when a call names none.
    pub default_wordlist: String,
    /// Largest wordlist accepted, in bytes.
    pub max_wordlist_bytes: u64,
    /// Threads used when a call gives no `-t`.
    pub default_threads: u32,
    /// Most threads a call may ask for.
    pub max_threads: u32,
    /// Minimum delay each thread waits between requests, in milliseconds.
    pub min_delay_ms: u64,
    /// DNS server for `dns` mode when a call gives no `-r` (`IP` or `IP:PORT`,
    /// must be in scope); empty means `-r` is required.
    pub dns_resolver: String,
}

impl Default for GobusterConfig {
    fn default() -> Self {
        let l = GobusterLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            wordlist_roots: l.wordlists.roots,
            wordlist_aliases: l.wordlists.aliases.into_iter().collect(),
            default_wordlist: l.default_wordlist,
            max_wordlist_bytes: l.wordlists.max_bytes,
            default_threads: l.default_threads,
            max_threads: l.max_threads,
            min_delay_ms: l.min_delay_ms,
            dns_resolver: l.dns_resolver,
        }
    }
}

/// `tools.hydra`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HydraConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the hydra binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Absolute directories callers may pick user/password lists from.
    pub list_roots: Vec<String>,
    /// List aliases: name -> absolute file path.
    pub list_aliases: BTreeMap<String, String>,
    /// Largest user/password list accepted, in bytes.
    pub max_list_bytes: u64,
    /// hydra service modules callers may use (real module names).
    pub services: Vec<String>,
    /// Parallel tasks (`-t`) when a call gives none.
    pub default_tasks: u32,
    /// Most parallel tasks a call may ask for.
    pub max_tasks: u32,
    /// Most entries in an inline `usernames` or `passwords` list.
    pub max_inline_entries: usize,
    /// Longest `-w`/`-W` a call may give, in seconds.
    pub max_wait_secs: u32,
}

impl Default for HydraConfig {
    fn default() -> Self {
        let l = HydraLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            list_roots: l.credentials.roots,
            list_aliases: l.credentials.aliases.into_iter().collect(),
            max_list_bytes: l.credentials.max_bytes,
            services: l.services,
            default_tasks: l.default_tasks,
            max_tasks: l.max_tasks,
            max_inline_entries: l.max_inline_entries,
            max_wait_secs: l.max_wait_secs,
        }
    }
}

/// `tools.sqlmap`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqlmapConfig {
    /// Offer the tool to clients (it also needs `security.allow_intrusive`).
    pub enabled: bool,
    /// Path of the sqlmap binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Highest `--risk` callers may ask for (1-3; 3 adds OR-based payloads that can
    /// change data).
    pub max_risk: u8,
    /// Highest `--level` callers may ask for (1-5).
    pub max_level: u8,
    /// Allow enumeration beyond fingerprinting (`--dbs`, `--tables`, `--dump`,
    /// `--users`, `--passwords`, ...); also needs `security.allow_intrusive`.
    pub allow_enumeration: bool,
    /// Highest `--threads` callers may ask for (1-10).
    pub max_threads: u8,
}

impl Default for SqlmapConfig {
    fn default() -> Self {
        let limits = secmcp_policy::sqlmap::SqlmapLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_risk: limits.max_risk,
            max_level: limits.max_level,
            allow_enumeration: limits.allow_enumeration,
            max_threads: limits.max_threads,
        }
    }
}

impl SqlmapConfig {
    /// The validated limits for the policy core.
    fn limits(&self) -> Result<secmcp_policy::sqlmap::SqlmapLimits, ConfigError> {
        range("tools.sqlmap.max_risk", u64::from(self.max_risk), 1, 3)?;
        range("tools.sqlmap.max_level", u64::from(self.max_level), 1, 5)?;
        range(
            "tools.sqlmap.max_threads",
            u64::from(self.max_threads),
            1,
            10,
        )?;
        Ok(secmcp_policy::sqlmap::SqlmapLimits {
            max_risk: self.max_risk,
            max_level: self.max_level,
            allow_enumeration: self.allow_enumeration,
            max_threads: self.max_threads,
        })
    }
}

/// `tools.dig`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the dig binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// DNS server (an IP address) asked when a call names none; it must be inside
    /// `security.allowed_targets` too. Empty: every call must name an in-scope
    /// server, so a lookup never goes to the host's own resolver.
    pub default_server: String,
    /// Query names (and reverse-lookup addresses) must be inside the scope too, so
    /// an in-scope recursive resolver cannot be used to look up, or leak data to,
    /// arbitrary domains.
    pub query_names_in_scope: bool,
}

impl Default for DigConfig {
    fn default() -> Self {
        let limits = secmcp_policy::dig::DigLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            default_server: String::new(),
            query_names_in_scope: limits.query_names_in_scope,
        }
    }
}

impl DigConfig {
    /// The validated limits for the policy core.
    fn limits(&self) -> Result<secmcp_policy::dig::DigLimits, ConfigError> {
        let default_server = if self.default_server.is_empty() {
            None
        } else {
            Some(self.default_server.parse::<IpAddr>().map_err(|_| {
                invalid(
                    "tools.dig.default_server",
                    format!("`{}` is not an IP address", self.default_server),
                )
            })?)
        };
        Ok(secmcp_policy::dig::DigLimits {
            default_server,
            query_names_in_scope: self.query_names_in_scope,
        })
    }
}

/// `tools.nmap`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NmapConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the nmap binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Largest CIDR target, in addresses.
    pub max_cidr_addresses: u64,
    /// Highest `--min-rate`/`--max-rate`, in packets per second.
    pub max_rate_pps: u32,
    /// The NSE scripts callers may select, by name or through a category
    /// (`-sC`, `--script default|safe|discovery|version`): names from
    /// secmcp's vetted catalog, or `vetted` for the whole catalog.
    pub scripts: Vec<String>,
}

impl Default for NmapConfig {
    fn default() -> Self {
        let limits = NmapLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_cidr_addresses: limits.max_cidr_addresses,
            max_rate_pps: limits.max_rate_pps,
            scripts: limits.script_allowlist,
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

/// A configuration problem, naming the field at fault.
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
    /// The file does not match the schema (unknown key, wrong type).
    #[error("{path}: {field}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Dotted key path, e.g. `security.allowed_targets[2]`.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{field}: {message}")]
    Invalid {
        /// Dotted key path.
        field: String,
        /// What was wrong and what is allowed.
        message: String,
    },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

impl Config {
    /// Reads a YAML or JSON file (by extension). Unknown keys are errors.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let parse_err = |field: String, message: String| ConfigError::Parse {
            path: path.to_owned(),
            field,
            message,
        };
        match ext {
            "yaml" | "yml" => {
                if text.trim().is_empty() {
                    return Ok(Self::default());
                }
                let de = yaml_serde::Deserializer::from_str(&text);
                serde_path_to_error::deserialize(de)
                    .map_err(|e| parse_err(field_path(e.path()), e.inner().to_string()))
            }
            "json" => {
                let mut de = serde_json::Deserializer::from_str(&text);
                serde_path_to_error::deserialize(&mut de)
                    .map_err(|e| parse_err(field_path(e.path()), e.inner().to_string()))
            }
            _ => Err(ConfigError::Extension(path.to_owned())),
        }
    }

    /// Applies the environment layer (see `env_vars`).
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Some((name, v)) = env_vars::get(env_vars::TRANSPORT) {
            self.server.transport = v.parse().map_err(|m: String| invalid(name, m))?;
        }
        if let Some((_, v)) = env_vars::get(env_vars::HOST) {
            self.server.host = v;
        }
        if let Some((name, v)) = env_vars::get(env_vars::PORT) {
            self.server.port = v
                .parse()
                .map_err(|_| invalid(name, format!("`{v}` is not a port (1-65535)")))?;
        }
        if let Some((_, v)) = env_vars::get(env_vars::LOG_LEVEL) {
            self.logging.level = v;
        }
        if let Some((name, v)) = env_vars::get(env_vars::LOG_FORMAT) {
            self.logging.format = match v.as_str() {
                "json" => LogFormat::Json,
                "human" => LogFormat::Human,
                _ => return Err(invalid(name, format!("`{v}` is not `human` or `json`"))),
            };
        }
        crate::ops_config::apply_env(self)
    }

    /// The config as YAML with secrets replaced (there are none yet; fields
    /// holding secrets must be redacted here when they are added).
    pub fn to_redacted_yaml(&self) -> String {
        yaml_serde::to_string(self).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}

fn field_path(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." { "(root)".into() } else { p }
}

/// The validated configuration every other module uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Transport to serve.
    pub transport: Transport,
    /// HTTP listener address (loopback only).
    pub listen: std::net::SocketAddr,
    /// Extra allowed browser origins.
    pub allowed_origins: Vec<String>,
    /// Grace period for in-flight calls on shutdown.
    pub shutdown_grace: Duration,
    /// The policy core's view of the scope and limits.
    pub policy: Policy,
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
    /// Per tool: enabled and binary override, keyed by tool name.
    pub tools: Vec<(&'static str, ToolSettings)>,
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
    /// The raw config these settings came from (for `config show`).
    pub raw: Config,
}

/// Per-tool settings after validation.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// Offered to clients.
    pub enabled: bool,
    /// Explicit binary path, or `None` for a `PATH` lookup.
    pub binary: Option<PathBuf>,
    /// Own concurrency cap, or `None` for `limits.max_concurrent_per_tool`.
    pub concurrency: Option<u32>,
}

impl Settings {
    /// Validates a raw config into settings. Every error names its field.
    pub fn from_config(mut raw: Config, raw_sockets: bool) -> Result<Self, ConfigError> {
        let host: IpAddr = raw.server.host.parse().map_err(|_| {
            invalid(
                "server.host",
                format!("`{}` is not an IP address", raw.server.host),
            )
        })?;
        if !host.is_loopback() {
            return Err(invalid(
                "server.host",
                format!(
                    "`{host}` is not a loopback address; the HTTP transport has no \
                     authentication yet, so it binds only 127.0.0.1 or ::1"
                ),
            ));
        }
        let scope = Scope::new(
            scope_entries("security.allowed_targets", &raw.security.allowed_targets)?,
            scope_entries("security.denied_targets", &raw.security.denied_targets)?,
        );
        // `config show` prints the entries as they are enforced.
        raw.security.allowed_targets = scope.allow().iter().map(ToString::to_string).collect();
        raw.security.denied_targets = scope.deny().iter().map(ToString::to_string).collect();
        let t = &raw.tool;
        range(
            "tool.default_timeout_secs",
            t.default_timeout_secs,
            1,
            86_400,
        )?;
        range("tool.max_timeout_secs", t.max_timeout_secs, 1, 86_400)?;
        if t.default_timeout_secs > t.max_timeout_secs {
            return Err(invalid(
                "tool.default_timeout_secs",
                format!(
                    "{} is above tool.max_timeout_secs ({})",
                    t.default_timeout_secs, t.max_timeout_secs
                ),
            ));
        }
        range(
            "tool.max_output_bytes",
            t.max_output_bytes as u64,
            4096,
            1 << 30,
        )?;
        range(
            "tool.max_stderr_bytes",
            t.max_stderr_bytes as u64,
            1024,
            16 << 20,
        )?;
        range("tool.kill_grace_ms", t.kill_grace_ms, 0, 60_000)?;
        range(
            "security.max_args_bytes",
            raw.security.max_args_bytes as u64,
            1,
            65_536,
        )?;
        let n = &raw.tools.nmap;
        range(
            "tools.nmap.max_cidr_addresses",
            n.max_cidr_addresses,
            1,
            65_536,
        )?;
        range(
            "tools.nmap.max_rate_pps",
            u64::from(n.max_rate_pps),
            1,
            1_000_000,
        )?;
        if let Err(m) = secmcp_policy::nmap::check_allowlist(&n.scripts) {
            return Err(invalid("tools.nmap.scripts", m));
        }
        let tools = crate::ops_config::validate(&raw, tool_settings(&raw.tools))?;
        if tracing_subscriber::EnvFilter::try_new(&raw.logging.level).is_err() {
            return Err(invalid(
                "logging.level",
                format!(
                    "`{}` is not a log filter; use e.g. `info`, `debug` or `secmcp=debug,warn`",
                    raw.logging.level
                ),
            ));
        }
        let policy = Policy {
            scope,
            allow_intrusive: raw.security.allow_intrusive,
            raw_sockets,
            max_args_bytes: raw.security.max_args_bytes,
            nmap: NmapLimits {
                max_cidr_addresses: n.max_cidr_addresses,
                max_rate_pps: n.max_rate_pps,
                script_allowlist: n.scripts.clone(),
            },
            gobuster: gobuster_limits(&raw.tools.gobuster)?,
            hydra: hydra_limits(&raw.tools.hydra)?,
            sqlmap: raw.tools.sqlmap.limits()?,
            masscan: raw.tools.masscan.limits()?,
            dig: raw.tools.dig.limits()?,
        };
        Ok(Self {
            transport: raw.server.transport,
            listen: std::net::SocketAddr::new(host, raw.server.port),
            allowed_origins: raw.server.allowed_origins.clone(),
            shutdown_grace: Duration::from_secs(raw.server.shutdown_grace_secs),
            policy,
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
            raw,
        })
    }
}

fn gobuster_limits(g: &GobusterConfig) -> Result<GobusterLimits, ConfigError> {
    let wordlists = file_roots(
        "tools.gobuster",
        ("wordlist_roots", &g.wordlist_roots),
        ("wordlist_aliases", &g.wordlist_aliases),
        ("max_wordlist_bytes", g.max_wordlist_bytes),
    )?;
    range(
        "tools.gobuster.max_threads",
        u64::from(g.max_threads),
        1,
        200,
    )?;
    range(
        "tools.gobuster.default_threads",
        u64::from(g.default_threads),
        1,
        u64::from(g.max_threads),
    )?;
    range("tools.gobuster.min_delay_ms", g.min_delay_ms, 0, 10_000)?;
    if g.default_wordlist.is_empty() {
        return Err(invalid(
            "tools.gobuster.default_wordlist",
            "must name an alias or a root-relative path",
        ));
    }
    if !g.dns_resolver.is_empty()
        && secmcp_policy::gobuster::check_resolver(&g.dns_resolver).is_err()
    {
        return Err(invalid(
            "tools.gobuster.dns_resolver",
            format!(
                "`{}` is not IP, IP:PORT, [IPv6]:PORT or NAME[:PORT]",
                g.dns_resolver
            ),
        ));
    }
    Ok(GobusterLimits {
        wordlists,
        default_wordlist: g.default_wordlist.clone(),
        default_threads: g.default_threads,
        max_threads: g.max_threads,
        min_delay_ms: g.min_delay_ms,
        dns_resolver: g.dns_resolver.clone(),
    })
}

fn hydra_limits(h: &HydraConfig) -> Result<HydraLimits, ConfigError> {
    let credentials = file_roots(
        "tools.hydra",
        ("list_roots", &h.list_roots),
        ("list_aliases", &h.list_aliases),
        ("max_list_bytes", h.max_list_bytes),
    )?;
    for (i, s) in h.services.iter().enumerate() {
        if let Some(why) = secmcp_policy::hydra::service_config_error(s) {
            return Err(invalid(format!("tools.hydra.services[{i}]"), why));
        }
    }
    range("tools.hydra.max_tasks", u64::from(h.max_tasks), 1, 64)?;
    range(
        "tools.hydra.default_tasks",
        u64::from(h.default_tasks),
        1,
        u64::from(h.max_tasks),
    )?;
    range(
        "tools.hydra.max_inline_entries",
        h.max_inline_entries as u64,
        1,
        10_000,
    )?;
    range(
        "tools.hydra.max_wait_secs",
        u64::from(h.max_wait_secs),
        1,
        600,
    )?;
    Ok(HydraLimits {
        credentials,
        services: h.services.clone(),
        default_tasks: h.default_tasks,
        max_tasks: h.max_tasks,
        max_inline_entries: h.max_inline_entries,
        max_wait_secs: h.max_wait_secs,
    })
}

/// Validates file roots and aliases (absolute, no `..`), canonicalizing each
/// one that exists now so the policy can compare canonical paths.
fn file_roots(
    section: &str,
    (roots_key, roots): (&str, &[String]),
    (aliases_key, aliases): (&str, &BTreeMap<String, String>),
    (max_key, max_bytes): (&str, u64),
) -> Result<FileRoots, ConfigError> {
    range(&format!("{section}.{max_key}"), max_bytes, 1, 1 << 32)?;
    let canonical = |key: String, p: &str| -> Result<String, ConfigError> {
        let path = Path::new(p);
        let plain = path.is_absolute() && !p.split('/').any(|c| c == "." || c == "..");
        if !plain || p.len() > 4096 {
            return Err(invalid(
                key,
                format!("`{p}` must be an absolute path without `.` or `..`"),
            ));
        }
        Ok(std::fs::canonicalize(path)
            .ok()
            .and_then(|c| c.to_str().map(str::to_owned))
            .unwrap_or_else(|| p.trim_end_matches('/').to_owned()))
    };
    let roots = roots
        .iter()
        .enumerate()
        .map(|(i, r)| canonical(format!("{section}.{roots_key}[{i}]"), r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (name, p) in aliases {
        let key = format!("{section}.{aliases_key}.{name}");
        if !secmcp_policy::files::is_alias_name(name) {
            return Err(invalid(
                key,
                "alias names are lower-case letters, digits, `.`, `_`, `-` (at most 64)",
            ));
        }
        out.push((name.clone(), canonical(key, p)?));
    }
    Ok(FileRoots {
        roots,
        aliases: out,
        max_bytes,
    })
}

fn tool_settings(t: &ToolsConfig) -> Vec<(&'static str, ToolSettings)> {
    let entry = |name, enabled, binary: &String| {
        let binary = (!binary.is_empty()).then(|| PathBuf::from(binary));
        (
            name,
            ToolSettings {
                enabled,
                binary,
                concurrency: None,
            },
        )
    };
    vec![
        entry("nmap", t.nmap.enabled, &t.nmap.binary),
        entry("masscan", t.masscan.enabled, &t.masscan.binary),
        entry("gobuster", t.gobuster.enabled, &t.gobuster.binary),
        entry("hydra", t.hydra.enabled, &t.hydra.binary),
        entry("sqlmap", t.sqlmap.enabled, &t.sqlmap.binary),
        entry("dig", t.dig.enabled, &t.dig.binary),
    ]
}

/// The config file: the `--config` flag, else the environment.
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| env_vars::get(env_vars::CONFIG_FILE).map(|(_, v)| v.into()))
}

/// Loads defaults < file < environment < `overrides` and validates them.
pub fn load(
    path: Option<PathBuf>,
    overrides: impl FnOnce(&mut Config),
) -> Result<Settings, ConfigError> {
    let path = config_path(path);
    let mut raw = match path {
        Some(p) => Config::from_file(&p)?,
        None => Config::default(),
    };
    raw.apply_env()?;
    overrides(&mut raw);
    Settings::from_config(raw, crate::privilege::has_raw_sockets())
}

impl Settings {
    /// The settings of the tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&ToolSettings> {
        self.tools.iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }
}

fn scope_entries(field: &str, items: &[String]) -> Result<Vec<ScopeEntry>, ConfigError> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parse::<ScopeEntry>()
                .map_err(|e| invalid(format!("{field}[{i}]"), e.to_string()))
        })
        .collect()
}

fn range(field: &str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{value} is out of range; allowed {min}..={max}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, body: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        (dir, path)
    }

    #[test]
    fn unknown_key_names_its_path() {
        let (_d, p) = write("c.yaml", "security:\n  allowed_target: [loopback]\n");
        let err = Config::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("security.allowed_target"), "{err}");
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn unknown_key_in_json_names_its_path() {
        let (_d, p) = write("c.json", r#"{"tools": {"nmap": {"binry": "/x"}}}"#);
        let err = Config::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("tools.nmap.binry"), "{err}");
    }

    #[test]
    fn bad_scope_entry_names_its_index() {
        let (_d, p) = write(
            "c.yaml",
            "security:\n  allowed_targets: [loopback, '10.0.0.1/8']\n",
        );
        let raw = Config::from_file(&p).unwrap();
        let err = Settings::from_config(raw, false).unwrap_err().to_string();
        assert!(err.starts_with("security.allowed_targets[1]"), "{err}");
        assert!(err.contains("write 10.0.0.0/8"), "{err}");
    }

    #[test]
    fn config_show_prints_the_scope_as_enforced() {
        let (_d, p) = write(
            "c.yaml",
            "security:\n  allowed_targets: ['10.0.0.5', '.Lab.Internal', 'Lab.Internal']\n  denied_targets: ['2001:db8::1']\n",
        );
        let s = Settings::from_config(Config::from_file(&p).unwrap(), false).unwrap();
        let shown = s.raw.to_redacted_yaml();
        for enforced in [
            "10.0.0.5/32",
            ".lab.internal",
            "- lab.internal",
            "2001:db8::1/128",
        ] {
            assert!(shown.contains(enforced), "{enforced} not in:\n{shown}");
        }
    }

    #[test]
    fn defaults_allow_rfc1918_and_lab_suffix_but_not_loopback() {
        let s = Settings::from_config(Config::default(), false).unwrap();
        assert_eq!(s.transport, Transport::Stdio);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.policy.scope.check_ip("10.1.2.3".parse().unwrap()).is_ok());
        assert!(
            s.policy
                .scope
                .check_ip("127.0.0.1".parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn non_loopback_bind_is_refused() {
        let mut c = Config::default();
        c.server.host = "0.0.0.0".into();
        let err = Settings::from_config(c, false).unwrap_err().to_string();
        assert!(err.starts_with("server.host"), "{err}");
        assert!(err.contains("loopback"), "{err}");
    }

    #[test]
    fn out_of_range_values_name_field_and_range() {
        let mut c = Config::default();
        c.tool.default_timeout_secs = 0;
        let err = Settings::from_config(c, false).unwrap_err().to_string();
        assert_eq!(
            err,
            "tool.default_timeout_secs: 0 is out of range; allowed 1..=86400"
        );
        let mut c = Config::default();
        c.tools.nmap.scripts = vec!["../evil".into()];
        let err = Settings::from_config(c.clone(), false)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("tools.nmap.scripts"), "{err}");
        // A real script that a lab run showed reaching other hosts is refused.
        c.tools.nmap.scripts = vec!["http-title".into(), "http-useragent-tester".into()];
        let err = Settings::from_config(c, false).unwrap_err().to_string();
        assert!(
            err.contains("'http-useragent-tester' is not in secmcp's vetted NSE catalog"),
            "{err}"
        );
    }

    #[test]
    fn example_config_is_valid_and_shows_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/secmcp.example.yaml");
        let example = Config::from_file(&path).unwrap();
        let defaults = Config::default();
        assert_eq!(
            yaml_serde::to_string(&example).unwrap(),
            yaml_serde::to_string(&defaults).unwrap(),
            "config/secmcp.example.yaml drifted from the embedded defaults"
        );
        Settings::from_config(example, false).unwrap();
    }

    #[test]
    fn masscan_and_dig_sections_are_validated_into_the_policy() {
        let s = Settings::from_config(Config::default(), true).unwrap();
        assert_eq!(
            s.policy.masscan,
            secmcp_policy::masscan::MasscanLimits::default()
        );
        assert_eq!(s.policy.dig, secmcp_policy::dig::DigLimits::default());
        let mut c = Config::default();
        c.tools.masscan.adapter = "msv0".into();
        c.tools.masscan.router_ip = "10.99.1.7".into();
        c.tools.masscan.router_mac = "02:AA:bb:cc:dd:ee".into();
        c.tools.dig.default_server = "10.99.0.53".into();
        let s = Settings::from_config(c, true).unwrap();
        let a = &s.policy.masscan.adapter;
        assert_eq!(a.adapter.as_deref(), Some("msv0"));
        assert_eq!(a.router_mac.as_deref(), Some("02-aa-bb-cc-dd-ee"));
        assert_eq!(
            s.policy.dig.default_server,
            Some("10.99.0.53".parse().unwrap())
        );
        type Edit = fn(&mut Config);
        let cases: [(Edit, &str); 8] = [
            (
                |c| c.tools.masscan.adapter = "-oJ".into(),
                "tools.masscan.adapter",
            ),
            (
                |c| c.tools.masscan.adapter_ip = "x".into(),
                "tools.masscan.adapter_ip",
            ),
            (
                |c| c.tools.masscan.router_mac = "zz".into(),
                "tools.masscan.router_mac",
            ),
            (
                |c| c.tools.masscan.max_rate_pps = 0,
                "tools.masscan.max_rate_pps",
            ),
            (
                |c| c.tools.masscan.safe_rate_pps = 20_000,
                "tools.masscan.safe_rate_pps",
            ),
            (
                |c| c.tools.masscan.max_cidr_addresses = 100_000,
                "tools.masscan.max_cidr_addresses",
            ),
            (
                |c| c.tools.masscan.default_wait_secs = 61,
                "tools.masscan.default_wait_secs",
            ),
            (
                |c| c.tools.dig.default_server = "ns.lab.internal".into(),
                "tools.dig.default_server",
            ),
        ];
        for (edit, field) in cases {
            let mut c = Config::default();
            edit(&mut c);
            let err = Settings::from_config(c, true).unwrap_err().to_string();
            assert!(err.starts_with(field), "{field}: {err}");
        }
    }

    #[test]
    fn gobuster_and_hydra_fields_are_validated_by_name() {
        type Edit = fn(&mut Config);
        let cases: &[(&str, Edit)] = &[
            ("tools.gobuster.wordlist_roots[0]", |c| {
                c.tools.gobuster.wordlist_roots = vec!["wordlists".into()]
            }),
            ("tools.gobuster.wordlist_aliases.Bad", |c| {
                c.tools.gobuster.wordlist_aliases = [("Bad".into(), "/x".into())].into()
            }),
            ("tools.gobuster.wordlist_aliases.x", |c| {
                c.tools.gobuster.wordlist_aliases = [("x".into(), "/a/../b".into())].into()
            }),
            ("tools.gobuster.max_threads", |c| {
                c.tools.gobuster.max_threads = 0
            }),
            ("tools.gobuster.default_threads", |c| {
                c.tools.gobuster.default_threads = 50
            }),
            ("tools.gobuster.dns_resolver", |c| {
                c.tools.gobuster.dns_resolver = "10.0.0.1:x".into()
            }),
            ("tools.hydra.services[0]", |c| {
                c.tools.hydra.services = vec!["sshkey".into()]
            }),
            ("tools.hydra.services[1]", |c| {
                c.tools.hydra.services = vec!["ssh".into(), "telnet2".into()]
            }),
            ("tools.hydra.list_roots[0]", |c| {
                c.tools.hydra.list_roots = vec!["/a/./b".into()]
            }),
            ("tools.hydra.default_tasks", |c| {
                c.tools.hydra.default_tasks = 0
            }),
        ];
        for (field, edit) in cases {
            let mut c = Config::default();
            edit(&mut c);
            let err = Settings::from_config(c, false).unwrap_err().to_string();
            assert!(err.starts_with(field), "{field}: {err}");
        }
    }

    #[test]
    fn wrong_extension_is_refused() {
        let (_d, p) = write("c.toml", "x = 1");
        assert!(matches!(
            Config::from_file(&p),
            Err(ConfigError::Extension(_))
        ));
    }
}
