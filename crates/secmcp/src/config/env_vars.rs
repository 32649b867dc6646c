//! Every environment variable secmcp reads, in one table.
//!
//! Each setting has a `SECMCP_*` name and the original design's `MCP_*`
//! name(s); where one setting has several names, the first one set wins
//! (`SECMCP_*` first). The table maps each to a config key and a kind; the
//! loader writes the value into the config before it is deserialized, so an
//! environment value is checked exactly like the same value in the file
//! (and a problem names the variable). README's environment table is tested
//! against this one.

use serde_json::Value;

use crate::validate::Problems;

/// How a variable's text becomes a config value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text as given.
    Text,
    /// A whole number.
    Int,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Bool,
    /// A number of seconds; fractions are rounded up (the design used floats).
    Secs,
    /// A percentage; fractions are rounded (the design used floats).
    Percent,
    /// Comma-separated; set but empty (`""` or `" , "`) is an empty list.
    List,
}

/// One setting's variables.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// The names, in precedence order.
    pub names: &'static [&'static str],
    /// The dotted config key it sets.
    pub key: &'static str,
    /// How the value is read.
    pub kind: Kind,
}

const fn var(names: &'static [&'static str], key: &'static str, kind: Kind) -> EnvVar {
    EnvVar { names, key, kind }
}

/// The config file's path (read before everything else, not a config key).
pub const CONFIG_FILE: &[&str] = &["SECMCP_CONFIG_FILE", "SECMCP_CONFIG", "MCP_CONFIG_FILE"];

/// Every variable that sets a config key.
pub const VARS: &[EnvVar] = &[
    var(
        &[
            "SECMCP_SERVER_TRANSPORT",
            "SECMCP_TRANSPORT",
            "MCP_SERVER_TRANSPORT",
        ],
        "server.transport",
        Kind::Text,
    ),
    var(
        &["SECMCP_SERVER_HOST", "SECMCP_HOST", "MCP_SERVER_HOST"],
        "server.host",
        Kind::Text,
    ),
    var(
        &["SECMCP_SERVER_PORT", "SECMCP_PORT", "MCP_SERVER_PORT"],
        "server.port",
        Kind::Int,
    ),
    var(
        &["SECMCP_SHUTDOWN_GRACE_SECS", "MCP_SHUTDOWN_GRACE_SECS"],
        "server.shutdown_grace_secs",
        Kind::Secs,
    ),
    var(
        &["SECMCP_SERVER_ALLOWED_HOSTS", "MCP_SERVER_ALLOWED_HOSTS"],
        "server.allowed_hosts",
        Kind::List,
    ),
    var(
        &["SECMCP_SERVER_BEHIND_PROXY", "MCP_SERVER_BEHIND_PROXY"],
        "server.behind_proxy",
        Kind::Bool,
    ),
    var(
        &["SECMCP_SERVER_TLS_CERT_FILE", "MCP_SERVER_TLS_CERT_FILE"],
        "server.tls.cert_file",
        Kind::Text,
    ),
    var(
        &["SECMCP_SERVER_TLS_KEY_FILE", "MCP_SERVER_TLS_KEY_FILE"],
        "server.tls.key_file",
        Kind::Text,
    ),
    var(
        &["SECMCP_AUTH_STDIO_ROLE", "MCP_AUTH_STDIO_ROLE"],
        "auth.stdio_role",
        Kind::Text,
    ),
    var(
        &[
            "SECMCP_AUTH_FAILED_ATTEMPTS_PER_MINUTE",
            "MCP_AUTH_FAILED_ATTEMPTS_PER_MINUTE",
        ],
        "auth.failed_attempts_per_minute",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_LOG_LEVEL",
            "SECMCP_LOG",
            "MCP_LOGGING_LEVEL",
            "MCP_LOG_LEVEL",
            "LOG_LEVEL",
        ],
        "logging.level",
        Kind::Text,
    ),
    var(
        &["SECMCP_LOG_FORMAT", "MCP_LOG_FORMAT", "LOG_FORMAT"],
        "logging.format",
        Kind::Text,
    ),
    var(
        &["SECMCP_LOG_FILE", "MCP_LOGGING_FILE_PATH", "MCP_LOG_FILE"],
        "logging.file",
        Kind::Text,
    ),
    var(
        &["SECMCP_AUDIT_FILE", "MCP_AUDIT_FILE"],
        "audit.file",
        Kind::Text,
    ),
    var(
        &["SECMCP_ALLOWED_TARGETS", "MCP_ALLOWED_TARGETS"],
        "security.allowed_targets",
        Kind::List,
    ),
    var(
        &["SECMCP_DENIED_TARGETS", "MCP_DENIED_TARGETS"],
        "security.denied_targets",
        Kind::List,
    ),
    var(
        &["SECMCP_ALLOW_INTRUSIVE", "MCP_ALLOW_INTRUSIVE"],
        "security.allow_intrusive",
        Kind::Bool,
    ),
    var(
        &["SECMCP_APPROVAL", "MCP_SECURITY_APPROVAL"],
        "security.approval",
        Kind::Text,
    ),
    var(
        &[
            "SECMCP_APPROVAL_TIMEOUT",
            "MCP_SECURITY_APPROVAL_TIMEOUT_SECS",
        ],
        "security.approval_timeout_secs",
        Kind::Secs,
    ),
    var(
        &[
            "SECMCP_MAX_ARGS_BYTES",
            "MCP_SECURITY_MAX_ARGS_LENGTH",
            "MCP_MAX_ARGS_LEN",
        ],
        "security.max_args_bytes",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_TOOL_TIMEOUT",
            "MCP_TOOL_DEFAULT_TIMEOUT",
            "MCP_SECURITY_TIMEOUT_SECONDS",
            "MCP_DEFAULT_TIMEOUT_SEC",
            "MCP_TOOL_TIMEOUT",
        ],
        "tool_defaults.default_timeout_secs",
        Kind::Secs,
    ),
    var(
        &["SECMCP_MAX_TIMEOUT", "MCP_MAX_TIMEOUT"],
        "tool_defaults.max_timeout_secs",
        Kind::Secs,
    ),
    var(
        &[
            "SECMCP_MAX_OUTPUT_SIZE",
            "MCP_MAX_OUTPUT_SIZE",
            "MCP_MAX_STDOUT_BYTES",
        ],
        "tool_defaults.max_output_bytes",
        Kind::Int,
    ),
    var(
        &["SECMCP_MAX_STDERR_BYTES", "MCP_MAX_STDERR_BYTES"],
        "tool_defaults.max_stderr_bytes",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_CIRCUIT_BREAKER_ENABLED",
            "MCP_CIRCUIT_BREAKER_ENABLED",
        ],
        "circuit_breaker.enabled",
        Kind::Bool,
    ),
    var(
        &[
            "SECMCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
            "MCP_CIRCUIT_BREAKER_FAILURE_THRESHOLD",
        ],
        "circuit_breaker.failure_threshold",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
            "MCP_CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
        ],
        "circuit_breaker.recovery_timeout_secs",
        Kind::Secs,
    ),
    var(
        &["SECMCP_MAX_CONCURRENT", "MCP_MAX_CONCURRENT"],
        "limits.max_concurrent",
        Kind::Int,
    ),
    var(
        &["SECMCP_DEFAULT_CONCURRENCY", "MCP_DEFAULT_CONCURRENCY"],
        "limits.max_concurrent_per_tool",
        Kind::Int,
    ),
    var(
        &["SECMCP_RATE_LIMIT_PER_MINUTE", "MCP_RATE_LIMIT_PER_MINUTE"],
        "limits.rate_per_minute",
        Kind::Int,
    ),
    var(
        &["SECMCP_METRICS_ENABLED", "MCP_METRICS_ENABLED"],
        "metrics.enabled",
        Kind::Bool,
    ),
    var(
        &["SECMCP_METRICS_PREFIX", "MCP_METRICS_PREFIX"],
        "metrics.prefix",
        Kind::Text,
    ),
    var(
        &[
            "SECMCP_PROMETHEUS_PORT",
            "MCP_METRICS_PROMETHEUS_PORT",
            "MCP_PROMETHEUS_PORT",
        ],
        "metrics.prometheus_port",
        Kind::Int,
    ),
    var(
        &["SECMCP_HEALTH_CHECK_INTERVAL", "MCP_HEALTH_CHECK_INTERVAL"],
        "health.check_interval_secs",
        Kind::Secs,
    ),
    var(
        &["SECMCP_HEALTH_CPU_THRESHOLD", "MCP_HEALTH_CPU_THRESHOLD"],
        "health.cpu_threshold_percent",
        Kind::Percent,
    ),
    var(
        &["SECMCP_DATABASE_URL", "MCP_DATABASE_URL"],
        "database.url",
        Kind::Text,
    ),
    var(
        &["SECMCP_DATABASE_POOL_SIZE", "MCP_DATABASE_POOL_SIZE"],
        "database.pool_size",
        Kind::Int,
    ),
    var(
        &["SECMCP_DATABASE_MAX_OVERFLOW", "MCP_DATABASE_MAX_OVERFLOW"],
        "database.max_overflow",
        Kind::Int,
    ),
    var(
        &["SECMCP_STORAGE_ENABLED", "MCP_STORAGE_ENABLED"],
        "storage.enabled",
        Kind::Bool,
    ),
    var(
        &["SECMCP_DATA_DIR", "MCP_DATA_DIR", "MCP_STORAGE_DATA_DIR"],
        "storage.data_dir",
        Kind::Text,
    ),
    var(
        &["SECMCP_STORAGE_MAX_RAW_BYTES", "MCP_STORAGE_MAX_RAW_BYTES"],
        "storage.max_raw_bytes",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_STORAGE_RESULT_BUDGET_BYTES",
            "MCP_STORAGE_RESULT_BUDGET_BYTES",
        ],
        "storage.result_budget_bytes",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_STORAGE_RETENTION_DAYS",
            "MCP_STORAGE_RETENTION_DAYS",
        ],
        "storage.retention_days",
        Kind::Int,
    ),
    var(
        &[
            "SECMCP_STORAGE_MAX_TOTAL_BYTES",
            "MCP_STORAGE_MAX_TOTAL_BYTES",
        ],
        "storage.max_total_bytes",
        Kind::Int,
    ),
    var(
        &["SECMCP_SANDBOX_LANDLOCK", "MCP_SANDBOX_LANDLOCK"],
        "sandbox.landlock",
        Kind::Bool,
    ),
    var(
        &["SECMCP_SANDBOX_RUN_AS_USER", "MCP_SANDBOX_RUN_AS_USER"],
        "sandbox.run_as_user",
        Kind::Text,
    ),
    var(
        &["SECMCP_SANDBOX_EGRESS", "MCP_SANDBOX_EGRESS"],
        "sandbox.egress",
        Kind::Text,
    ),
];

/// Where per-user data goes (the default `storage.data_dir`), read, never written.
pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
/// The user's home (the default `storage.data_dir` without `XDG_DATA_HOME`).
pub const HOME: &str = "HOME";

/// Environment variables a tool process may inherit from the server. Everything
/// else is cleared before a tool starts.
pub const TOOL_ENV_ALLOWLIST: &[&str] = &["PATH", "LANG", "LC_ALL", "TZ"];

/// The first set variable of `names`, if any. Empty values count as unset
/// unless `empty_counts` (lists: an empty list is a value).
pub fn first_set(names: &[&'static str], empty_counts: bool) -> Option<(&'static str, String)> {
    names.iter().find_map(|&name| {
        std::env::var(name)
            .ok()
            .filter(|v| empty_counts || !v.is_empty())
            .map(|v| (name, v))
    })
}

/// Writes every set variable into `config` at its key, the environment read
/// through `get` ([`first_set`] for the process's; tests and the fuzz target
/// pass a map). Returns which keys came from which variable, so problems
/// with them name the variable.
pub fn apply_from(
    config: &mut Value,
    p: &mut Problems,
    get: impl Fn(&[&'static str], bool) -> Option<(&'static str, String)>,
) -> Vec<(&'static str, &'static str)> {
    let mut origins = Vec::new();
    for v in VARS {
        let Some((name, text)) = get(v.names, v.kind == Kind::List) else {
            continue;
        };
        match parse(v.kind, &text) {
            Ok(value) => {
                set_path(config, v.key, value);
                origins.push((v.key, name));
            }
            Err(what) => p.error(name, format!("`{text}` is not {what} (it sets {})", v.key)),
        }
    }
    origins
}

fn parse(kind: Kind, text: &str) -> Result<Value, &'static str> {
    let t = text.trim();
    match kind {
        Kind::Text => Ok(Value::from(t)),
        Kind::Int => t
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| "a whole number"),
        Kind::Bool => match t.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Value::Bool(true)),
            "0" | "false" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err("true or false"),
        },
        Kind::Secs => match t.parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 => Ok(Value::from(f.ceil() as u64)),
            _ => Err("a number of seconds"),
        },
        Kind::Percent => match t.parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 => Ok(Value::from(f.round() as u64)),
            _ => Err("a percentage"),
        },
        Kind::List => Ok(Value::Array(
            t.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Value::from)
                .collect(),
        )),
    }
}

/// Sets `a.b.c` in `config`, creating objects on the way (a non-object in
/// the way is replaced: the deserializer reports the key then).
pub(super) fn set_path(config: &mut Value, key: &str, value: Value) {
    let mut at = config;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if !at.is_object() {
            *at = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = at else { return };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        at = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_secmcp_names_come_first() {
        let mut seen = std::collections::HashSet::new();
        for v in VARS {
            assert!(v.names[0].starts_with("SECMCP_"), "{:?}", v.names);
            for n in v.names {
                assert!(seen.insert(*n), "{n} is listed twice");
            }
        }
    }

    #[test]
    fn values_are_typed_and_lists_may_be_empty() {
        assert_eq!(parse(Kind::Secs, "120.5"), Ok(Value::from(121)));
        assert_eq!(parse(Kind::Percent, "79.6"), Ok(Value::from(80)));
        assert_eq!(parse(Kind::Bool, "ON"), Ok(Value::Bool(true)));
        assert_eq!(parse(Kind::Int, "x"), Err("a whole number"));
        assert_eq!(parse(Kind::List, ""), Ok(Value::Array(vec![])));
        assert_eq!(parse(Kind::List, " , "), Ok(Value::Array(vec![])));
        assert_eq!(
            parse(Kind::List, "10.0.0.0/8, .lab.internal"),
            Ok(serde_json::json!(["10.0.0.0/8", ".lab.internal"]))
        );
    }
}
