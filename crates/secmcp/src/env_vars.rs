//! Every environment variable secmcp reads, in one place.
//!
//! Each setting has the original design's `MCP_*` name and a `SECMCP_*` twin
//! (the same name with `MCP_` replaced by `SECMCP_`); a few older short
//! `SECMCP_*` spellings stay accepted. The first set name of a list wins, so
//! the `SECMCP_*` forms win over `MCP_*`. Precedence against the other layers:
//! defaults < config file < environment < command line. This module only names
//! variables and reads them; `config` parses the values.

/// Transport to serve: `stdio` or `http`.
pub const TRANSPORT: [&str; 3] = [
    "SECMCP_SERVER_TRANSPORT",
    "SECMCP_TRANSPORT",
    "MCP_SERVER_TRANSPORT",
];
/// Address the HTTP transport binds (loopback only).
pub const HOST: [&str; 3] = ["SECMCP_SERVER_HOST", "SECMCP_HOST", "MCP_SERVER_HOST"];
/// Port the HTTP transport binds.
pub const PORT: [&str; 3] = ["SECMCP_SERVER_PORT", "SECMCP_PORT", "MCP_SERVER_PORT"];
/// Path of the YAML or JSON config file.
pub const CONFIG_FILE: [&str; 3] = ["SECMCP_CONFIG_FILE", "SECMCP_CONFIG", "MCP_CONFIG_FILE"];
/// Seconds in-flight calls get on shutdown (`server.shutdown_grace_secs`).
pub const SHUTDOWN_GRACE: [&str; 2] = ["SECMCP_SHUTDOWN_GRACE_SECS", "MCP_SHUTDOWN_GRACE_SECS"];
/// Log filter (tracing `EnvFilter` syntax, e.g. `info` or `secmcp=debug`).
pub const LOG_LEVEL: [&str; 4] = [
    "SECMCP_LOG_LEVEL",
    "SECMCP_LOG",
    "MCP_LOG_LEVEL",
    "LOG_LEVEL",
];
/// Log format: `human` or `json`.
pub const LOG_FORMAT: [&str; 3] = ["SECMCP_LOG_FORMAT", "MCP_LOG_FORMAT", "LOG_FORMAT"];
/// Log file (absolute path; empty means stderr).
pub const LOG_FILE: [&str; 2] = ["SECMCP_LOG_FILE", "MCP_LOG_FILE"];
/// Comma-separated scope entries replacing `security.allowed_targets`.
pub const ALLOWED_TARGETS: [&str; 2] = ["SECMCP_ALLOWED_TARGETS", "MCP_ALLOWED_TARGETS"];
/// Comma-separated scope entries replacing `security.denied_targets`.
pub const DENIED_TARGETS: [&str; 2] = ["SECMCP_DENIED_TARGETS", "MCP_DENIED_TARGETS"];
/// `true`/`false`: `security.allow_intrusive`.
pub const ALLOW_INTRUSIVE: [&str; 2] = ["SECMCP_ALLOW_INTRUSIVE", "MCP_ALLOW_INTRUSIVE"];
/// Seconds: `tool.default_timeout_secs`.
pub const TOOL_TIMEOUT: [&str; 2] = ["SECMCP_TOOL_TIMEOUT", "MCP_TOOL_TIMEOUT"];
/// Seconds: `tool.max_timeout_secs`.
pub const MAX_TIMEOUT: [&str; 2] = ["SECMCP_MAX_TIMEOUT", "MCP_MAX_TIMEOUT"];
/// Bytes: `tool.max_output_bytes`.
pub const MAX_OUTPUT_SIZE: [&str; 2] = ["SECMCP_MAX_OUTPUT_SIZE", "MCP_MAX_OUTPUT_SIZE"];
/// `true`/`false`: `circuit_breaker.enabled`.
pub const CIRCUIT_BREAKER_ENABLED: [&str; 2] = [
    "SECMCP_CIRCUIT_BREAKER_ENABLED",
    "MCP_CIRCUIT_BREAKER_ENABLED",
];
/// `circuit_breaker.failure_threshold`.
pub const CIRCUIT_BREAKER_FAILURE_THRESHOLD: [&str; 2] = [
    "SECMCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
    "MCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
];
/// Seconds: `circuit_breaker.recovery_timeout_secs`.
pub const CIRCUIT_BREAKER_RECOVERY_TIMEOUT: [&str; 2] = [
    "SECMCP_CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
    "MCP_CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
];
/// `limits.max_concurrent`.
pub const MAX_CONCURRENT: [&str; 2] = ["SECMCP_MAX_CONCURRENT", "MCP_MAX_CONCURRENT"];
/// `limits.rate_per_minute` (0 turns the rate limit off).
pub const RATE_LIMIT_PER_MINUTE: [&str; 2] =
    ["SECMCP_RATE_LIMIT_PER_MINUTE", "MCP_RATE_LIMIT_PER_MINUTE"];
/// `true`/`false`: `metrics.enabled`.
pub const METRICS_ENABLED: [&str; 2] = ["SECMCP_METRICS_ENABLED", "MCP_METRICS_ENABLED"];
/// `metrics.prefix`.
pub const METRICS_PREFIX: [&str; 2] = ["SECMCP_METRICS_PREFIX", "MCP_METRICS_PREFIX"];
/// `metrics.prometheus_port` (the metrics/health listener when serving stdio).
pub const PROMETHEUS_PORT: [&str; 2] = ["SECMCP_PROMETHEUS_PORT", "MCP_PROMETHEUS_PORT"];
/// Seconds: `health.check_interval_secs`.
pub const HEALTH_CHECK_INTERVAL: [&str; 2] =
    ["SECMCP_HEALTH_CHECK_INTERVAL", "MCP_HEALTH_CHECK_INTERVAL"];

/// Every setting's names, for documentation and tests.
pub const ALL: &[&[&str]] = &[
    &TRANSPORT,
    &HOST,
    &PORT,
    &CONFIG_FILE,
    &SHUTDOWN_GRACE,
    &LOG_LEVEL,
    &LOG_FORMAT,
    &LOG_FILE,
    &ALLOWED_TARGETS,
    &DENIED_TARGETS,
    &ALLOW_INTRUSIVE,
    &TOOL_TIMEOUT,
    &MAX_TIMEOUT,
    &MAX_OUTPUT_SIZE,
    &CIRCUIT_BREAKER_ENABLED,
    &CIRCUIT_BREAKER_FAILURE_THRESHOLD,
    &CIRCUIT_BREAKER_RECOVERY_TIMEOUT,
    &MAX_CONCURRENT,
    &RATE_LIMIT_PER_MINUTE,
    &METRICS_ENABLED,
    &METRICS_PREFIX,
    &PROMETHEUS_PORT,
    &HEALTH_CHECK_INTERVAL,
];

/// Environment variables a tool process may inherit from the server. Everything
/// else is cleared before a tool starts.
pub const TOOL_ENV_ALLOWLIST: &[&str] = &["PATH", "LANG", "LC_ALL", "TZ"];

/// The first set variable of a name list, if any (empty values count as unset).
pub fn get<const N: usize>(names: [&'static str; N]) -> Option<(&'static str, String)> {
    names.into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(|v| (name, v))
    })
}

/// Like [`get`], for a comma-separated list: a variable set to the empty
/// string counts (as an empty list), exactly like one holding only commas.
pub fn get_list<const N: usize>(names: [&'static str; N]) -> Option<(&'static str, String)> {
    names
        .into_iter()
        .find_map(|name| std::env::var(name).ok().map(|v| (name, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mcp_name_has_its_secmcp_twin_first() {
        for names in ALL {
            let mcp: Vec<_> = names.iter().filter(|n| n.starts_with("MCP_")).collect();
            assert_eq!(mcp.len(), 1, "{names:?}: one MCP_* name");
            let twin = format!("SECMCP_{}", &mcp[0][4..]);
            assert_eq!(names[0], twin, "{names:?}: the SECMCP_ twin comes first");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for n in ALL.iter().flat_map(|n| n.iter()) {
            assert!(seen.insert(n), "{n} used twice");
        }
    }
}
