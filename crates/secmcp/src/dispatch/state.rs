//! [`Core`]: the state shared by every transport and session (settings
//! snapshots, breakers, limits, metrics, health), and the lookups the call
//! path shares (run limits, a tool's binary).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use secmcp_runner::{CgroupParent, RunLimits};

use crate::breaker::{BreakerState, Breakers};
use crate::config::env_vars;
use crate::config::{Availability, Settings};
use crate::error::{ErrorCode, ToolError};
use crate::events::BreakerTransition;
use crate::health::probe::VersionProbes;
use crate::health::{HealthMonitor, HealthReport};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::tools::{self, Rendered, Tool};

use super::calls::CallCounter;

/// Shared server state behind every transport and session.
pub struct Core {
    pub(super) settings: watch::Sender<Arc<Settings>>,
    /// Fired after the shutdown grace (or when the client goes away): stops
    /// every running tool.
    pub(super) kill: CancellationToken,
    /// Fired when the server stops accepting calls.
    pub(super) draining: CancellationToken,
    pub(super) breakers: Breakers,
    pub(super) limits: Limits,
    pub(super) metrics: Arc<Metrics>,
    pub(super) calls: CallCounter,
    pub(super) tools_epoch: watch::Sender<u64>,
    pub(super) reload_error: Mutex<Option<String>>,
    pub(super) health: OnceLock<HealthMonitor>,
    pub(crate) probes: VersionProbes,
    /// Each run's own cgroup lives in here, so nothing a tool starts outlives
    /// it; `None` where this process may not create cgroups.
    pub(super) cgroups: Option<Arc<CgroupParent>>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("calls_in_flight", &self.calls.count())
            .field("draining", &self.draining.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// The outcome of one call, with its correlation id.
#[derive(Debug)]
pub struct CallResult {
    /// Echoed or generated id.
    pub correlation_id: String,
    /// The rendered result or the error the agent reads.
    pub result: Result<Rendered, ToolError>,
}

impl Core {
    /// A core over validated settings; `kill` stops every running tool.
    pub fn new(settings: Settings, kill: CancellationToken) -> Self {
        let metrics = Arc::new(Metrics::new(&settings.metrics.prefix));
        for t in tools::REGISTRY {
            metrics.set_breaker_state(t.name(), BreakerState::Closed);
            metrics.init_tool(t.name());
        }
        let limits = Limits::new(settings.limits.clone());
        limits.set_tool_caps(&tool_caps(&settings));
        let cgroups = match CgroupParent::create() {
            Ok(p) => Some(Arc::new(p)),
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "cannot create a cgroup per tool run; only the tool's process group is tracked, so a process that calls setsid() can outlive its run"
                );
                None
            }
        };
        Self {
            breakers: Breakers::new(settings.circuit_breaker.clone()),
            limits,
            metrics,
            settings: watch::Sender::new(Arc::new(settings)),
            kill,
            draining: CancellationToken::new(),
            calls: CallCounter::default(),
            tools_epoch: watch::Sender::new(0),
            reload_error: Mutex::new(None),
            health: OnceLock::new(),
            probes: VersionProbes::default(),
            cgroups,
        }
    }

    /// Whether every tool run gets its own cgroup (all its processes are
    /// tracked and killed with it).
    pub fn tracks_runs_by_cgroup(&self) -> bool {
        self.cgroups.is_some()
    }

    /// The runner limits of `s` for this server.
    pub fn run_limits(&self, s: &Settings) -> RunLimits {
        RunLimits {
            cgroups: self.cgroups.clone(),
            ..run_limits(s)
        }
    }

    /// The settings snapshot in force now (a call keeps the one it started with).
    pub fn snapshot(&self) -> Arc<Settings> {
        self.settings.borrow().clone()
    }

    /// Same as [`Core::snapshot`].
    pub fn settings(&self) -> Arc<Settings> {
        self.snapshot()
    }

    /// Sees every new settings snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Settings>> {
        self.settings.subscribe()
    }

    /// Bumped each time the set of enabled tools changes.
    pub fn tools_changed(&self) -> watch::Receiver<u64> {
        self.tools_epoch.subscribe()
    }

    /// A token that fires when running tools are to be killed (shutdown).
    pub(crate) fn kill_token(&self) -> CancellationToken {
        self.kill.child_token()
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The circuit breakers.
    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }

    /// The concurrency and rate limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The tools offered to clients in `settings` (enabled, and allowed by
    /// the security policy).
    pub fn enabled_tools_in(settings: &Settings) -> impl Iterator<Item = &'static dyn Tool> + '_ {
        tools::REGISTRY
            .iter()
            .copied()
            .filter(|t| settings.availability(t.id()) == Availability::Offered)
    }

    /// The offered tool called `name` in `settings`, if any.
    pub fn tool_in(settings: &Settings, name: &str) -> Option<&'static dyn Tool> {
        tools::find(name).filter(|t| settings.availability(t.id()) == Availability::Offered)
    }

    /// The tools offered to clients now.
    pub fn enabled_tools(&self) -> Vec<&'static dyn Tool> {
        Self::enabled_tools_in(&self.snapshot()).collect()
    }

    /// The enabled tool called `name` now, if any.
    pub fn tool(&self, name: &str) -> Option<&'static dyn Tool> {
        Self::tool_in(&self.snapshot(), name)
    }

    /// Swaps in a new validated snapshot (config reload): breakers, limits and
    /// health checks take the new settings, then calls that start afterwards
    /// see it. Returns whether the set of enabled tools changed.
    pub fn apply(&self, new: Settings) -> bool {
        let old = self.snapshot();
        let names = |s: &Settings| -> Vec<&'static str> {
            Self::enabled_tools_in(s).map(|t| t.name()).collect()
        };
        let tools_changed = names(&old) != names(&new);
        for (tool, t) in self.breakers.reconfigure(new.circuit_breaker.clone()) {
            BreakerTransition {
                tool,
                transition: &t,
                correlation_id: None,
            }
            .emit(&self.metrics);
        }
        if old.limits != new.limits {
            self.limits.reconfigure(new.limits.clone());
        }
        let caps = tool_caps(&new);
        if caps != tool_caps(&old) {
            self.limits.set_tool_caps(&caps);
        }
        if let Some(h) = self.health.get() {
            h.reconfigure(new.health.clone());
        }
        self.settings.send_replace(Arc::new(new));
        if tools_changed {
            self.tools_epoch.send_modify(|e| *e += 1);
        }
        if let Some(h) = self.health.get() {
            h.check_now();
        }
        tools_changed
    }

    /// Records the last reload's problem (`None` once a reload succeeds).
    pub fn set_reload_error(&self, problem: Option<String>) {
        *self
            .reload_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = problem;
        if let Some(h) = self.health.get() {
            h.check_now();
        }
    }

    /// The last reload's problem, if it was rejected.
    pub fn reload_error(&self) -> Option<String> {
        self.reload_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The last health report, with breaker states as they are now (never
    /// waits for a check). Not ready while the server is draining.
    pub fn health(&self) -> HealthReport {
        let report = match self.health.get() {
            Some(h) => (*h.latest()).clone(),
            None => HealthReport::pending(),
        };
        let states: Vec<_> = self
            .breakers
            .snapshots(Instant::now())
            .into_iter()
            .map(|(n, s)| (n, s.state))
            .collect();
        let mut report = report.with_breakers(&states);
        if self.draining.is_cancelled() {
            report = report.shutting_down();
        }
        report
    }

    /// After the kill token fired: waits (at most `limit`) for the health
    /// checks to stop, so no version probe is left behind.
    pub async fn health_stopped(&self, limit: Duration) -> bool {
        match self.health.get() {
            Some(h) => h.stopped(limit).await,
            None => true,
        }
    }
}

/// The runner limits of a snapshot, without a cgroup per run (see
/// [`Core::run_limits`]).
pub fn run_limits(s: &Settings) -> RunLimits {
    RunLimits {
        max_stdout_bytes: s.max_output_bytes,
        max_stderr_bytes: s.max_stderr_bytes,
        kill_grace: s.kill_grace,
        env_allowlist: env_vars::TOOL_ENV_ALLOWLIST
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        extra_env: Vec::new(),
        max_collect_bytes: s.max_output_bytes,
        cgroups: None,
        background: false,
    }
}
/// Each registry tool's own concurrency cap in `s`.
fn tool_caps(s: &Settings) -> Vec<(&'static str, u32)> {
    tools::REGISTRY
        .iter()
        .filter_map(|t| s.tool(t.id()).concurrency.map(|c| (t.name(), c)))
        .collect()
}

/// The tool's binary: the configured path, else the first match on `PATH`.
pub fn binary_in(settings: &Settings, tool: &dyn Tool) -> Result<PathBuf, ToolError> {
    let configured = settings.tool(tool.id()).binary.as_deref();
    crate::binaries::locate(configured, tool.name()).ok_or_else(|| {
        ToolError::new(
            ErrorCode::NotFound,
            format!("the {} binary is not installed on the server", tool.name()),
            format!(
                "ask the operator to install {} or set tools.{}.binary",
                tool.name(),
                tool.name()
            ),
        )
    })
}
