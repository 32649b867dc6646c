//! The operations part of the config: validation of the `circuit_breaker`,
//! `limits`, `metrics`, `health`, `logging` and reserved `database` sections and
//! of each tool's `concurrency`, and the environment layer for them.
//!
//! Kept apart from `config` so the sections owned by the tools and the
//! operations layer do not edit the same lines. Reads the environment; never
//! starts anything.

use std::path::Path;

use crate::config::{Config, ConfigError, ToolSettings};
use crate::env_vars;
use crate::validate::InvalidField;

impl From<InvalidField> for ConfigError {
    fn from(e: InvalidField) -> Self {
        ConfigError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn range(field: &str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    Ok(crate::validate::range("", field, value, min, max)?)
}

/// The configured `concurrency` of the tool called `name` (0: inherit).
fn concurrency_of(raw: &Config, name: &str) -> u32 {
    let t = &raw.tools;
    match name {
        "nmap" => t.nmap.concurrency,
        "masscan" => t.masscan.concurrency,
        "gobuster" => t.gobuster.concurrency,
        "hydra" => t.hydra.concurrency,
        "sqlmap" => t.sqlmap.concurrency,
        "dig" => t.dig.concurrency,
        _ => 0,
    }
}

/// Validates the operations sections and fills in each tool's concurrency.
pub(crate) fn validate(
    raw: &Config,
    mut tools: Vec<(&'static str, ToolSettings)>,
) -> Result<Vec<(&'static str, ToolSettings)>, ConfigError> {
    range(
        "server.shutdown_grace_secs",
        raw.server.shutdown_grace_secs,
        0,
        3600,
    )?;
    raw.circuit_breaker.validate("circuit_breaker")?;
    raw.limits.validate("limits")?;
    raw.metrics.validate("metrics")?;
    raw.health.validate("health")?;
    let l = &raw.logging;
    if !l.file.is_empty() {
        let p = Path::new(&l.file);
        if !p.is_absolute() || p.file_name().is_none() {
            return Err(invalid(
                "logging.file",
                format!("`{}` is not an absolute file path", l.file),
            ));
        }
    }
    if l.max_file_bytes != 0 {
        range("logging.max_file_bytes", l.max_file_bytes, 4096, 1 << 40)?;
    }
    range("logging.max_files", l.max_files.into(), 1, 100)?;
    match &raw.database {
        None => {}
        Some(serde_json::Value::Object(m)) if m.is_empty() => {}
        Some(serde_json::Value::Null) => {}
        Some(_) => {
            return Err(invalid(
                "database",
                "reserved for the persistence feature, which this version does not have; \
                 remove the section or leave it empty (`database: {}`)",
            ));
        }
    }
    for (name, s) in &mut tools {
        let c = concurrency_of(raw, name);
        if c != 0 {
            range(&format!("tools.{name}.concurrency"), c.into(), 1, 1024)?;
            s.concurrency = Some(c);
        }
    }
    Ok(tools)
}

fn parse<T: std::str::FromStr>(name: &str, v: &str, what: &str) -> Result<T, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| invalid(name, format!("`{v}` is not {what}")))
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, format!("`{v}` is not true or false"))),
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Applies the environment variables beyond transport, host, port and log
/// level/format (see `env_vars`).
pub(crate) fn apply_env(c: &mut Config) -> Result<(), ConfigError> {
    use env_vars as e;
    if let Some((n, v)) = e::get(e::SHUTDOWN_GRACE) {
        c.server.shutdown_grace_secs = parse(n, &v, "a number of seconds")?;
    }
    if let Some((_, v)) = e::get(e::LOG_FILE) {
        c.logging.file = v;
    }
    // A scope list that is set but empty ("" or " , ") is an empty list: an
    // empty allow list denies every target.
    if let Some((_, v)) = e::get_list(e::ALLOWED_TARGETS) {
        c.security.allowed_targets = list(&v);
    }
    if let Some((_, v)) = e::get_list(e::DENIED_TARGETS) {
        c.security.denied_targets = list(&v);
    }
    if let Some((n, v)) = e::get(e::ALLOW_INTRUSIVE) {
        c.security.allow_intrusive = parse_bool(n, &v)?;
    }
    if let Some((n, v)) = e::get(e::TOOL_TIMEOUT) {
        c.tool.default_timeout_secs = parse(n, &v, "a number of seconds")?;
    }
    if let Some((n, v)) = e::get(e::MAX_TIMEOUT) {
        c.tool.max_timeout_secs = parse(n, &v, "a number of seconds")?;
    }
    if let Some((n, v)) = e::get(e::MAX_OUTPUT_SIZE) {
        c.tool.max_output_bytes = parse(n, &v, "a number of bytes")?;
    }
    if let Some((n, v)) = e::get(e::CIRCUIT_BREAKER_ENABLED) {
        c.circuit_breaker.enabled = parse_bool(n, &v)?;
    }
    if let Some((n, v)) = e::get(e::CIRCUIT_BREAKER_FAILURE_THRESHOLD) {
        c.circuit_breaker.failure_threshold = parse(n, &v, "a count")?;
    }
    if let Some((n, v)) = e::get(e::CIRCUIT_BREAKER_RECOVERY_TIMEOUT) {
        c.circuit_breaker.recovery_timeout_secs = parse(n, &v, "a number of seconds")?;
    }
    if let Some((n, v)) = e::get(e::MAX_CONCURRENT) {
        c.limits.max_concurrent = parse(n, &v, "a count")?;
    }
    if let Some((n, v)) = e::get(e::RATE_LIMIT_PER_MINUTE) {
        c.limits.rate_per_minute = parse(n, &v, "a count")?;
    }
    if let Some((n, v)) = e::get(e::METRICS_ENABLED) {
        c.metrics.enabled = parse_bool(n, &v)?;
    }
    if let Some((_, v)) = e::get(e::METRICS_PREFIX) {
        c.metrics.prefix = v;
    }
    if let Some((n, v)) = e::get(e::PROMETHEUS_PORT) {
        c.metrics.prometheus_port = parse(n, &v, "a port (0-65535)")?;
    }
    if let Some((n, v)) = e::get(e::HEALTH_CHECK_INTERVAL) {
        c.health.check_interval_secs = parse(n, &v, "a number of seconds")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Settings};

    fn err(edit: impl FnOnce(&mut Config)) -> String {
        let mut c = Config::default();
        edit(&mut c);
        Settings::from_config(c, false).unwrap_err().to_string()
    }

    #[test]
    fn ops_sections_name_field_and_range() {
        assert_eq!(
            err(|c| c.circuit_breaker.failure_threshold = 0),
            "circuit_breaker.failure_threshold: 0 is out of range; allowed 1..=1000"
        );
        assert_eq!(
            err(|c| c.limits.max_concurrent = 0),
            "limits.max_concurrent: 0 is out of range; allowed 1..=1024"
        );
        assert!(err(|c| c.metrics.prefix = "9x".into()).starts_with("metrics.prefix: "));
        assert_eq!(
            err(|c| c.health.cpu_threshold_percent = 101),
            "health.cpu_threshold_percent: 101 is out of range; allowed 1..=100"
        );
        assert_eq!(
            err(|c| c.tools.nmap.concurrency = 5000),
            "tools.nmap.concurrency: 5000 is out of range; allowed 1..=1024"
        );
        assert!(err(|c| c.logging.file = "rel/log".into()).starts_with("logging.file: "));
        assert_eq!(
            err(|c| c.logging.max_files = 0),
            "logging.max_files: 0 is out of range; allowed 1..=100"
        );
    }

    #[test]
    fn database_is_reserved() {
        let e = err(|c| c.database = Some(serde_json::json!({"url": "sqlite://x"})));
        assert!(e.starts_with("database: reserved"), "{e}");
        let c = Config {
            database: Some(serde_json::json!({})),
            ..Config::default()
        };
        Settings::from_config(c, false).unwrap();
    }

    #[test]
    fn example_config_documents_every_ops_setting() {
        let example = crate::cli::EXAMPLE_CONFIG;
        let raw: Config = yaml_serde::from_str(example).unwrap();
        for (section, value) in [
            (
                "circuit_breaker",
                serde_json::to_value(&raw.circuit_breaker),
            ),
            ("limits", serde_json::to_value(&raw.limits)),
            ("metrics", serde_json::to_value(&raw.metrics)),
            ("health", serde_json::to_value(&raw.health)),
            ("logging", serde_json::to_value(&raw.logging)),
        ] {
            assert!(example.contains(&format!("\n{section}:\n")), "{section}");
            for key in value.unwrap().as_object().unwrap().keys() {
                assert!(
                    example.contains(&format!("\n  {key}: ")),
                    "{section}.{key} is not in the example"
                );
            }
        }
        assert_eq!(example.matches("\n    concurrency: 0\n").count(), 6);
        assert!(example.contains("# database: reserved"));
    }

    #[test]
    fn tool_concurrency_reaches_the_settings() {
        let mut c = Config::default();
        c.tools.nmap.concurrency = 3;
        let s = Settings::from_config(c, false).unwrap();
        assert_eq!(s.tool("nmap").unwrap().concurrency, Some(3));
        assert_eq!(s.tool("dig").unwrap().concurrency, None);
    }
}
