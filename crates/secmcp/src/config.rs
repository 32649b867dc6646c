//! Configuration: the raw file/env/CLI layers and the validated `Settings`.
//!
//! Raw structs mirror the file (`deny_unknown_fields`, documented defaults) and
//! are validated into `Settings`, the only form the rest of the server uses.
//! Precedence: embedded defaults < config file < environment < command line.
//! This module reads files and the environment; it never starts anything.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use secmcp_policy::{NmapLimits, Policy, Scope, ScopeEntry};

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
}

impl Default for MasscanConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            binary: String::new(),
        }
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
}

impl Default for GobusterConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            binary: String::new(),
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
}

impl Default for HydraConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            binary: String::new(),
        }
    }
}

/// `tools.sqlmap`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqlmapConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the sqlmap binary; empty means look it up on `PATH`.
    pub binary: String,
}

impl Default for SqlmapConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            binary: String::new(),
        }
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
}

impl Default for DigConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            binary: String::new(),
        }
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
    /// Largest CIDR target, in addresses.
    pub max_cidr_addresses: u64,
    /// Highest `--min-rate`/`--max-rate`, in packets per second.
    pub max_rate_pps: u32,
    /// NSE script names callers may request by name (categories are fixed by policy).
    pub scripts: Vec<String>,
}

impl Default for NmapConfig {
    fn default() -> Self {
        let limits = NmapLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
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
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Human,
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
        Ok(())
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
}

impl Settings {
    /// Validates a raw config into settings. Every error names its field.
    pub fn from_config(raw: Config, raw_sockets: bool) -> Result<Self, ConfigError> {
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
        for (i, s) in n.scripts.iter().enumerate() {
            let ok = !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(invalid(
                    format!("tools.nmap.scripts[{i}]"),
                    format!("`{s}` is not an NSE script name (lower-case letters, digits, `-`)"),
                ));
            }
        }
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
            ..Policy::default()
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
            tools: tool_settings(&raw.tools),
            logging: raw.logging.clone(),
            raw,
        })
    }
}

fn tool_settings(t: &ToolsConfig) -> Vec<(&'static str, ToolSettings)> {
    let entry = |name, enabled, binary: &String| {
        let binary = (!binary.is_empty()).then(|| PathBuf::from(binary));
        (name, ToolSettings { enabled, binary })
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
            "security:\n  allowed_targets: [loopback, 'lab.internal']\n",
        );
        let raw = Config::from_file(&p).unwrap();
        let err = Settings::from_config(raw, false).unwrap_err().to_string();
        assert!(err.starts_with("security.allowed_targets[1]"), "{err}");
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
        let err = Settings::from_config(c, false).unwrap_err().to_string();
        assert!(err.starts_with("tools.nmap.scripts[0]"), "{err}");
    }

    #[test]
    fn example_config_is_valid_and_shows_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/secmcp.example.yaml");
        let example = Config::from_file(&path).unwrap();
        let mut scripts = Config::default().tools.nmap.scripts;
        scripts.sort();
        let mut defaults = Config::default();
        defaults.tools.nmap.scripts = scripts;
        assert_eq!(
            yaml_serde::to_string(&example).unwrap(),
            yaml_serde::to_string(&defaults).unwrap(),
            "config/secmcp.example.yaml drifted from the embedded defaults"
        );
        Settings::from_config(example, false).unwrap();
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
