//! What a health check reports: the `health` config section, statuses,
//! components, per-tool health and the whole report with its readiness rule.
//! Plain data; nothing here reads or starts anything.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::breaker::BreakerState;
use crate::validate::Problems;

/// `health`: how often checks run and when resource use counts as pressure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthConfig {
    /// Seconds between background health checks.
    pub check_interval_secs: u64,
    /// CPU use (percent of all cores, averaged since the last check) above
    /// which health is degraded.
    pub cpu_threshold_percent: u32,
    /// Memory use (percent of total, by `MemAvailable`) above which health is degraded.
    pub memory_threshold_percent: u32,
    /// Use of the filesystem at `disk_path` (percent) above which health is degraded.
    pub disk_threshold_percent: u32,
    /// A path on the filesystem whose use is checked.
    pub disk_path: PathBuf,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            check_interval_secs: 30,
            cpu_threshold_percent: 80,
            memory_threshold_percent: 85,
            disk_threshold_percent: 90,
            disk_path: PathBuf::from("/"),
        }
    }
}

impl HealthConfig {
    /// Checks every field; `prefix` is the section's dotted path (e.g. `health`).
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        p.range(
            prefix,
            "check_interval_secs",
            self.check_interval_secs,
            1,
            3600,
        );
        for (name, v) in [
            ("cpu_threshold_percent", self.cpu_threshold_percent),
            ("memory_threshold_percent", self.memory_threshold_percent),
            ("disk_threshold_percent", self.disk_threshold_percent),
        ] {
            p.range(prefix, name, v.into(), 1, 100);
        }
        if !self.disk_path.is_absolute() {
            p.error(
                crate::validate::field(prefix, "disk_path"),
                format!("`{}` is not an absolute path", self.disk_path.display()),
            );
        }
    }
}

/// Overall or per-component status.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Everything works.
    Healthy,
    /// The first round of checks is still running (tools are being
    /// identified); ready as soon as one tool is.
    Starting,
    /// Serving, with something wrong (a tool, a breaker, resource pressure).
    Degraded,
    /// Not able to serve tool calls.
    Unhealthy,
}

impl HealthStatus {
    /// The HTTP status the design uses: 200 healthy, 207 degraded, 503
    /// unhealthy; 503 while starting.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Healthy => 200,
            Self::Starting => 503,
            Self::Degraded => 207,
            Self::Unhealthy => 503,
        }
    }

    /// The stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Starting => "starting",
            Self::Degraded => "degraded",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    /// The loaded configuration.
    Config,
    /// A tool's binary and privilege.
    Tool,
    /// A tool's circuit breaker.
    Breaker,
    /// CPU, memory or disk.
    Resource,
    /// The kernel sandbox of tool runs: which layers are active.
    Sandbox,
}

/// One checked thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Component {
    /// e.g. `config`, `tool:nmap`, `breaker:nmap`, `cpu`.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Its status.
    pub status: HealthStatus,
    /// What was found, for a person or an agent (never a filesystem path).
    pub message: String,
}

/// A tool as an agent needs to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolHealth {
    /// Tool name.
    pub name: String,
    /// Installed, identified and privileged enough to run.
    pub usable: bool,
    /// Usable and its breaker lets calls through now.
    pub available: bool,
    /// The version its probe reported.
    pub version: Option<String>,
    /// Its circuit breaker's state.
    pub breaker: BreakerState,
    /// Why the operator's policy keeps it from clients (empty when it does
    /// not), e.g. `needs security.allow_intrusive`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub disabled_by_policy: String,
}

/// The result of one round of checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthReport {
    /// Overall status.
    pub status: HealthStatus,
    /// Config loaded and at least one tool usable.
    pub ready: bool,
    /// Seconds since the Unix epoch when the checks ran.
    pub checked_at_unix_secs: u64,
    /// Per tool.
    pub tools: Vec<ToolHealth>,
    /// Every check.
    pub components: Vec<Component>,
}

impl HealthReport {
    /// The HTTP status of `/health` (starting but already ready is 200).
    pub fn http_status(&self) -> u16 {
        match self.status {
            HealthStatus::Starting if self.ready => 200,
            s => s.http_status(),
        }
    }

    /// The report before the first round of checks: starting, not ready.
    pub fn pending() -> Self {
        Self {
            status: HealthStatus::Starting,
            ready: false,
            checked_at_unix_secs: 0,
            tools: Vec::new(),
            components: vec![Component {
                name: "startup".into(),
                kind: ComponentKind::Config,
                status: HealthStatus::Starting,
                message: "the tools are being identified".into(),
            }],
        }
    }

    /// The report with breaker states replaced by `states` (tools absent
    /// there are closed): tool availability, breaker components and the
    /// overall status follow. Cheap; used to show live breaker states between
    /// rounds of checks.
    pub fn with_breakers(mut self, states: &[(&'static str, BreakerState)]) -> Self {
        let state_of = |name: &str| {
            states
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(BreakerState::Closed, |(_, s)| *s)
        };
        for t in &mut self.tools {
            t.breaker = state_of(&t.name);
            t.available = t.usable && t.breaker != BreakerState::Open;
        }
        for c in &mut self.components {
            if let Some(tool) = c.name.strip_prefix("breaker:").map(str::to_owned) {
                *c = check_breaker(&tool, state_of(&tool));
            }
        }
        self.restate();
        self
    }

    /// Adds a live component (e.g. the run store) and restates the status.
    pub fn with_component(mut self, c: Component) -> Self {
        self.components.push(c);
        self.restate();
        self
    }

    /// The report of a server that is shutting down: not ready, unhealthy.
    pub fn shutting_down(mut self) -> Self {
        self.ready = false;
        self.status = HealthStatus::Unhealthy;
        self.components.push(Component {
            name: "server".into(),
            kind: ComponentKind::Config,
            status: HealthStatus::Unhealthy,
            message: "shutting down: no new calls are accepted".into(),
        });
        self
    }

    /// Recomputes the overall status from readiness and the components.
    fn restate(&mut self) {
        self.status = if self
            .components
            .iter()
            .any(|c| c.status == HealthStatus::Starting)
        {
            HealthStatus::Starting
        } else if !self.ready {
            HealthStatus::Unhealthy
        } else if self
            .components
            .iter()
            .any(|c| c.status != HealthStatus::Healthy)
        {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
    }

    /// Names of the usable tools.
    pub fn usable_tools(&self) -> impl Iterator<Item = &str> {
        self.tools
            .iter()
            .filter(|t| t.usable)
            .map(|t| t.name.as_str())
    }
}

/// A breaker's component: closed is healthy, half-open and open are degraded.
pub fn check_breaker(tool: &str, state: BreakerState) -> Component {
    let (status, message) = match state {
        BreakerState::Closed => (HealthStatus::Healthy, "closed".to_owned()),
        BreakerState::HalfOpen => (
            HealthStatus::Degraded,
            format!("half-open: probing whether {tool} works again"),
        ),
        BreakerState::Open => (
            HealthStatus::Degraded,
            format!("open: {tool} failed repeatedly; calls are refused until it recovers"),
        ),
    };
    Component {
        name: format!("breaker:{tool}"),
        kind: ComponentKind::Breaker,
        status,
        message,
    }
}
