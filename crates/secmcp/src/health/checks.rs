//! The checks themselves: pure functions over gathered facts (a tool's binary,
//! its version-probe output, raw-socket need and privilege, breaker states,
//! resource readings), folded by [`evaluate`] into a [`HealthReport`].
//! Nothing here does I/O.

use crate::breaker::BreakerState;

use super::report::{
    Component, ComponentKind, HealthConfig, HealthReport, HealthStatus, ToolHealth, check_breaker,
};
use super::system::ResourceReadings;

/// Whether a tool needs raw-socket privilege (CAP_NET_RAW).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawSocketNeed {
    /// Never.
    Never,
    /// For some options only (nmap: `-sS`, `-sU`, `-O`); without it those are refused.
    Optional,
    /// Always (without it the tool is unusable).
    Required,
}

/// What is known about one enabled tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFacts {
    /// Registry name.
    pub name: &'static str,
    /// The binary exists and is executable.
    pub binary_found: bool,
    /// The version probe's output, or why the probe failed (`None`: not probed).
    pub version_output: Option<Result<String, String>>,
    /// How the first line of the probe output starts, e.g. `Nmap version `.
    pub version_prefix: &'static str,
    /// Raw-socket need.
    pub raw_sockets: RawSocketNeed,
    /// Its version probe has not answered yet in the first round of checks.
    pub pending: bool,
    /// Why the operator's policy keeps it from clients, if it does.
    pub disabled_by_policy: Option<&'static str>,
}

/// Everything a round of checks looks at, except resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthInputs {
    /// A valid config is in force.
    pub config_loaded: bool,
    /// The last reload's problem, if it was rejected (the old config still holds).
    pub last_reload_error: Option<String>,
    /// The server holds CAP_NET_RAW.
    pub has_raw_sockets: bool,
    /// Every enabled tool.
    pub tools: Vec<ToolFacts>,
    /// Breaker state per tool (tools absent here are closed).
    pub breakers: Vec<(&'static str, BreakerState)>,
    /// The sandbox layers every tool run gets, and those it does not (each
    /// with the reason).
    pub sandbox: SandboxFacts,
}

/// Which sandbox layers tool runs get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxFacts {
    /// Active layers, e.g. `rlimits`, `no_new_privs`, `seccomp`.
    pub active: Vec<String>,
    /// Layers that are not active, with why.
    pub inactive: Vec<String>,
    /// The operator switched the sandbox off (`sandbox.enabled: false`).
    pub disabled: bool,
}

/// The `sandbox` component: healthy with its layers listed; degraded when
/// the operator switched it off.
pub fn check_sandbox(f: &SandboxFacts) -> Component {
    let mut message = format!("active: {}", f.active.join(", "));
    if f.active.is_empty() {
        message = "active: none".into();
    }
    if !f.inactive.is_empty() {
        message.push_str(&format!("; not active: {}", f.inactive.join("; ")));
    }
    Component {
        name: "sandbox".into(),
        kind: ComponentKind::Sandbox,
        status: if f.disabled {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        },
        message,
    }
}

/// The version in a probe's output: the token after `prefix` on the first
/// non-empty line (`Nmap version 7.93 ( https://nmap.org )` gives `7.93`).
pub fn parse_version(output: &str, prefix: &str) -> Option<String> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty())?;
    let token = line.strip_prefix(prefix)?.split_whitespace().next()?;
    // The version ends at the first character outside `[A-Za-z0-9.+_-]`
    // (sqlmap prints `1.7.2#stable`, Debian's dig `9.18.49-1~deb12u3-Debian`).
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_');
    let end = token.find(|c: char| !allowed(c)).unwrap_or(token.len());
    let (version, rest) = token.split_at(end);
    // A token that goes on with shell-ish punctuation is not a version.
    let ok = version.len() <= 32
        && version.starts_with(|c: char| c.is_ascii_digit())
        && (rest.is_empty() || rest.starts_with(['#', '~']));
    ok.then(|| version.to_owned())
}

/// A tool's component, whether it is usable, and its version.
pub fn check_tool(t: &ToolFacts, has_raw_sockets: bool) -> (Component, bool, Option<String>) {
    let component = |status, message: String| Component {
        name: format!("tool:{}", t.name),
        kind: ComponentKind::Tool,
        status,
        message,
    };
    if let Some(why) = t.disabled_by_policy {
        let c = component(
            HealthStatus::Healthy,
            format!("{} is disabled by policy: it {why}", t.name),
        );
        return (c, false, None);
    }
    if !t.binary_found {
        let c = component(
            HealthStatus::Unhealthy,
            format!("the {} binary is not installed", t.name),
        );
        return (c, false, None);
    }
    let version = match &t.version_output {
        None if t.pending => {
            let c = component(
                HealthStatus::Starting,
                format!("{} is being identified", t.name),
            );
            return (c, false, None);
        }
        None => {
            let c = component(
                HealthStatus::Unhealthy,
                format!("{} has not been identified yet", t.name),
            );
            return (c, false, None);
        }
        Some(Err(why)) => {
            let c = component(
                HealthStatus::Unhealthy,
                format!("{} did not answer its version probe: {why}", t.name),
            );
            return (c, false, None);
        }
        Some(Ok(out)) => match parse_version(out, t.version_prefix) {
            Some(v) => v,
            None => {
                let c = component(
                    HealthStatus::Unhealthy,
                    format!(
                        "the installed {} binary did not identify itself as {}",
                        t.name,
                        t.version_prefix.trim()
                    ),
                );
                return (c, false, None);
            }
        },
    };
    let (status, usable, note) = match (t.raw_sockets, has_raw_sockets) {
        (RawSocketNeed::Required, false) => (
            HealthStatus::Unhealthy,
            false,
            "; it needs raw-socket privilege (CAP_NET_RAW), which the server lacks",
        ),
        (RawSocketNeed::Optional, false) => (
            HealthStatus::Healthy,
            true,
            "; options needing raw sockets are refused (no CAP_NET_RAW)",
        ),
        _ => (HealthStatus::Healthy, true, ""),
    };
    let c = component(status, format!("{} {version}{note}", t.name));
    (c, usable, Some(version))
}

/// A resource's component: degraded above the threshold, healthy otherwise
/// (also when it cannot be read).
pub fn check_resource(name: &str, percent: Option<f64>, threshold_percent: u32) -> Component {
    let (status, message) = match percent {
        None => (HealthStatus::Healthy, "not measured".to_owned()),
        Some(p) if p > f64::from(threshold_percent) => (
            HealthStatus::Degraded,
            format!("{p:.1}% in use, above the {threshold_percent}% threshold"),
        ),
        Some(p) => (
            HealthStatus::Healthy,
            format!("{p:.1}% in use (threshold {threshold_percent}%)"),
        ),
    };
    Component {
        name: name.to_owned(),
        kind: ComponentKind::Resource,
        status,
        message,
    }
}

/// Ready: a config is loaded and at least one tool is usable.
pub fn readiness(config_loaded: bool, usable_tools: usize) -> bool {
    config_loaded && usable_tools > 0
}

/// Live: the process answers (if it can run this, it is).
pub fn liveness() -> bool {
    true
}

/// Folds one round of facts into a report.
pub fn evaluate(
    config: &HealthConfig,
    inputs: &HealthInputs,
    resources: &ResourceReadings,
    checked_at_unix_secs: u64,
) -> HealthReport {
    let mut components = Vec::new();
    components.push(Component {
        name: "config".into(),
        kind: ComponentKind::Config,
        status: match (inputs.config_loaded, &inputs.last_reload_error) {
            (false, _) => HealthStatus::Unhealthy,
            (true, Some(_)) => HealthStatus::Degraded,
            (true, None) => HealthStatus::Healthy,
        },
        message: match (inputs.config_loaded, &inputs.last_reload_error) {
            (false, _) => "no valid configuration is loaded".into(),
            (true, Some(e)) => {
                format!("the last reload was rejected ({e}); the previous config is in force")
            }
            (true, None) => "loaded".into(),
        },
    });
    let mut tools = Vec::new();
    for t in &inputs.tools {
        let (c, usable, version) = check_tool(t, inputs.has_raw_sockets);
        components.push(c);
        let breaker = inputs
            .breakers
            .iter()
            .find(|(name, _)| *name == t.name)
            .map_or(BreakerState::Closed, |(_, s)| *s);
        components.push(check_breaker(t.name, breaker));
        tools.push(ToolHealth {
            name: t.name.to_owned(),
            usable,
            available: usable && breaker != BreakerState::Open,
            version,
            breaker,
            disabled_by_policy: t.disabled_by_policy.unwrap_or_default().to_owned(),
        });
    }
    components.push(check_sandbox(&inputs.sandbox));
    components.push(check_resource(
        "cpu",
        resources.cpu_percent,
        config.cpu_threshold_percent,
    ));
    components.push(check_resource(
        "memory",
        resources.memory_percent,
        config.memory_threshold_percent,
    ));
    components.push(check_resource(
        "disk",
        resources.disk_percent,
        config.disk_threshold_percent,
    ));
    let usable = tools.iter().filter(|t| t.usable).count();
    let ready = readiness(inputs.config_loaded, usable);
    let starting = inputs
        .tools
        .iter()
        .any(|t| t.pending && t.version_output.is_none());
    let status = if starting {
        HealthStatus::Starting
    } else if !ready {
        HealthStatus::Unhealthy
    } else if components.iter().any(|c| c.status != HealthStatus::Healthy) {
        HealthStatus::Degraded
    } else {
        HealthStatus::Healthy
    };
    if usable == 0 && !starting {
        components.push(Component {
            name: "tools".into(),
            kind: ComponentKind::Tool,
            status: HealthStatus::Unhealthy,
            message: "no enabled tool is usable".into(),
        });
    }
    HealthReport {
        status,
        ready,
        checked_at_unix_secs,
        tools,
        components,
    }
}
