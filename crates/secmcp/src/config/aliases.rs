//! The original design's config keys (its `MCPConfig` sections), read as
//! aliases of ours: a config written for the Python server loads here.
//!
//! Each design key either names one of our settings (with the design's unit
//! converted: fractional seconds are rounded up, fractional percentages
//! rounded), or has no effect in secmcp and is accepted with a warning that
//! says why. The design's `tool` section is our `tool_defaults`. A key given
//! both ways with different values is an error. `config show` prints our
//! names only.

use serde_json::{Map, Value};

use super::env_vars::set_path;
use crate::validate::Problems;

/// What happens to one design key.
#[derive(Debug, Clone, Copy)]
enum Alias {
    /// The same setting under our name.
    Same(&'static str),
    /// Fractional seconds → our whole seconds (rounded up).
    Secs(&'static str),
    /// Fractional percent → our whole percent (rounded).
    Percent(&'static str),
    /// `false` turns our setting off; `true` leaves it.
    OffSwitch(&'static str),
    /// Our setting when the value is one of ours, else no effect.
    IfOneOf(&'static str, &'static [&'static str], &'static str),
    /// Accepted, no effect; the reason.
    NoEffect(&'static str),
}

/// (section, design key, what it becomes). Keys the design and secmcp share
/// unchanged (e.g. `server.port`) need no entry.
const ALIASES: &[(&str, &str, Alias)] = &[
    (
        "database",
        "pool_timeout",
        Alias::Secs("database.pool_timeout_secs"),
    ),
    (
        "database",
        "pool_recycle",
        Alias::Secs("database.pool_recycle_secs"),
    ),
    (
        "security",
        "max_args_length",
        Alias::Same("security.max_args_bytes"),
    ),
    (
        "security",
        "max_output_size",
        Alias::Same("tool_defaults.max_output_bytes"),
    ),
    (
        "security",
        "timeout_seconds",
        Alias::Secs("tool_defaults.default_timeout_secs"),
    ),
    (
        "security",
        "concurrency_limit",
        Alias::Same("limits.max_concurrent_per_tool"),
    ),
    (
        "circuit_breaker",
        "recovery_timeout",
        Alias::Secs("circuit_breaker.recovery_timeout_secs"),
    ),
    (
        "circuit_breaker",
        "expected_exceptions",
        Alias::NoEffect(
            "secmcp's breakers count tool failures (timeouts, crashes, non-zero exits), not exception types",
        ),
    ),
    (
        "health",
        "check_interval",
        Alias::Secs("health.check_interval_secs"),
    ),
    (
        "health",
        "cpu_threshold",
        Alias::Percent("health.cpu_threshold_percent"),
    ),
    (
        "health",
        "memory_threshold",
        Alias::Percent("health.memory_threshold_percent"),
    ),
    (
        "health",
        "disk_threshold",
        Alias::Percent("health.disk_threshold_percent"),
    ),
    (
        "health",
        "dependencies",
        Alias::NoEffect("every enabled tool is checked by running its version probe"),
    ),
    (
        "health",
        "timeout",
        Alias::NoEffect("version probes have a fixed 10 s limit"),
    ),
    (
        "metrics",
        "prometheus_enabled",
        Alias::OffSwitch("metrics.enabled"),
    ),
    (
        "metrics",
        "collection_interval",
        Alias::NoEffect("metrics are updated as events happen, not collected on an interval"),
    ),
    (
        "logging",
        "format",
        Alias::IfOneOf(
            "logging.format",
            &["human", "json"],
            "secmcp writes its own line format: choose `human` or `json`",
        ),
    ),
    ("logging", "file_path", Alias::Same("logging.file")),
    (
        "logging",
        "max_file_size",
        Alias::Same("logging.max_file_bytes"),
    ),
    ("logging", "backup_count", Alias::Same("logging.max_files")),
    (
        "server",
        "workers",
        Alias::NoEffect("one asynchronous process serves every client"),
    ),
    (
        "server",
        "max_connections",
        Alias::NoEffect("tool runs are bounded by the limits section instead"),
    ),
    (
        "server",
        "shutdown_grace_period",
        Alias::Secs("server.shutdown_grace_secs"),
    ),
    (
        "tool",
        "default_timeout",
        Alias::Secs("tool_defaults.default_timeout_secs"),
    ),
    (
        "tool",
        "default_concurrency",
        Alias::Same("limits.max_concurrent_per_tool"),
    ),
];

/// Rewrites the design's keys in `config` (a parsed file) into ours.
pub(super) fn apply(config: &mut Value, p: &mut Problems) {
    let Value::Object(root) = config else {
        return;
    };
    // The design's `tool` section is our `tool_defaults`.
    if let Some(tool) = root.remove("tool") {
        merge_section(root, "tool", "tool_defaults", tool, p);
    }
    let mut moves: Vec<(String, &'static str, Value)> = Vec::new();
    for &(section, key, alias) in ALIASES {
        let from = if section == "tool" {
            "tool_defaults"
        } else {
            section
        };
        let Some(Value::Object(sec)) = root.get_mut(from) else {
            continue;
        };
        let Some(value) = sec.remove(key) else {
            continue;
        };
        let design = format!("{section}.{key}");
        if let Some((ours, v)) = convert(alias, &design, value, p) {
            moves.push((design, ours, v));
        }
    }
    for (design, ours, value) in moves {
        match get_path(config, ours) {
            Some(existing) if *existing != value => p.error(
                design.clone(),
                format!(
                    "is the design's name of {ours}, which the config also sets to a different value; keep one"
                ),
            ),
            _ => set_path(config, ours, value),
        }
    }
}

fn convert(
    alias: Alias,
    design: &str,
    value: Value,
    p: &mut Problems,
) -> Option<(&'static str, Value)> {
    let number = |v: &Value| v.as_f64().filter(|f| f.is_finite() && *f >= 0.0);
    match alias {
        Alias::Same(ours) => Some((ours, value)),
        Alias::Secs(ours) => match number(&value) {
            Some(f) => Some((ours, Value::from(f.ceil() as u64))),
            None => {
                p.error(design, format!("{value} is not a number of seconds"));
                None
            }
        },
        Alias::Percent(ours) => match number(&value) {
            Some(f) => Some((ours, Value::from(f.round() as u64))),
            None => {
                p.error(design, format!("{value} is not a percentage"));
                None
            }
        },
        Alias::OffSwitch(ours) => match value {
            Value::Bool(false) => Some((ours, Value::Bool(false))),
            Value::Bool(true) => None,
            other => {
                p.error(design, format!("{other} is not true or false"));
                None
            }
        },
        Alias::IfOneOf(ours, allowed, why) => {
            if value.as_str().is_some_and(|s| allowed.contains(&s)) {
                Some((ours, value))
            } else {
                p.warn(design, format!("has no effect: {why}"));
                None
            }
        }
        Alias::NoEffect(why) => {
            p.warn(design, format!("has no effect in secmcp: {why}"));
            None
        }
    }
}

/// Moves the keys of the design's section into ours (a key set in both with
/// different values is an error).
fn merge_section(
    root: &mut Map<String, Value>,
    design: &str,
    ours: &str,
    section: Value,
    p: &mut Problems,
) {
    let Value::Object(from) = section else {
        p.error(design, "must be a section of `key: value` lines");
        return;
    };
    let into = root
        .entry(ours.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(into) = into else {
        return;
    };
    for (k, v) in from {
        match into.get(&k) {
            Some(existing) if *existing != v => p.error(
                format!("{design}.{k}"),
                format!("is also set as {ours}.{k}, to a different value; keep one"),
            ),
            _ => {
                into.insert(k, v);
            }
        }
    }
}

fn get_path<'a>(config: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(config, |at, part| at.get(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_keys_become_ours_with_their_units() {
        let mut c = serde_json::json!({
            "security": {"max_args_length": 4096, "timeout_seconds": 900},
            "circuit_breaker": {"recovery_timeout": 120.5, "expected_exceptions": ["Exception"]},
            "health": {"cpu_threshold": 79.6},
            "logging": {"file_path": "/var/log/mcp/server.log", "format": "%(message)s"},
            "server": {"workers": 4},
            "tool": {"default_timeout": 900, "default_concurrency": 5},
        });
        let mut p = Problems::default();
        apply(&mut c, &mut p);
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(c["security"]["max_args_bytes"], 4096);
        assert_eq!(
            c["tool_defaults"]["default_timeout_secs"], 900,
            "tool.default_timeout"
        );
        assert_eq!(c["circuit_breaker"]["recovery_timeout_secs"], 121);
        assert_eq!(c["health"]["cpu_threshold_percent"], 80);
        assert_eq!(c["logging"]["file"], "/var/log/mcp/server.log");
        assert_eq!(c["limits"]["max_concurrent_per_tool"], 5);
        assert!(c.get("tool").is_none());
        let warned: Vec<&str> = p.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(
            warned,
            [
                "circuit_breaker.expected_exceptions",
                "logging.format",
                "server.workers"
            ]
        );
        // security.timeout_seconds (600) and tool.default_timeout (900) set one
        // setting to two values.
        let mut c = serde_json::json!({"security": {"timeout_seconds": 600}, "tool": {"default_timeout": 900}});
        let mut p = Problems::default();
        apply(&mut c, &mut p);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    }
}
