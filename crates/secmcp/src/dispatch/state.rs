//! [`Core`]: the state shared by every transport and session (settings
//! snapshots, breakers, limits, metrics, health), and the lookups the call
//! path shares (run limits, a tool's binary).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use secmcp_policy::ToolId;
use secmcp_runner::{CgroupParent, EgressFence, RunLimits};

use crate::audit::AuditLog;
use crate::auth::Identity;
use crate::breaker::{BreakerState, Breakers};
use crate::config::env_vars;
use crate::config::{Availability, Settings};
use crate::error::{ErrorCode, ToolError};
use crate::events::BreakerTransition;
use crate::health::probe::VersionProbes;
use crate::health::{HealthMonitor, HealthReport};
use crate::limits::{Limits, RateLimiter};
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
    pub(super) recorder: OnceLock<Arc<crate::store::Recorder>>,
    pub(crate) probes: VersionProbes,
    /// Each run's own cgroup lives in here, so nothing a tool starts outlives
    /// it; `None` where this process may not create cgroups.
    pub(super) cgroups: Option<Arc<CgroupParent>>,
    /// The per-run egress rules, or why runs have none (set once at start).
    egress: OnceLock<Result<Arc<EgressFence>, String>>,
    /// The audit log, when `audit.file` is set (see [`Core::attach_audit`]).
    pub(super) audit: OnceLock<Arc<AuditLog>>,
    /// Each role's view of the settings and its own rate limiter.
    pub(super) roles: RwLock<Arc<RoleViews>>,
    /// The runs waiting for an operator's approval, per owner.
    pub(super) waiting: super::waiting::Waiting,
}

/// The settings as each role sees them, and each role's rate limiter (per
/// identity of the role), rebuilt with every snapshot.
#[derive(Debug, Default)]
pub(super) struct RoleViews {
    settings: HashMap<String, Arc<Settings>>,
    pub(super) rates: HashMap<String, (u32, u32, Arc<RateLimiter>)>,
}

impl RoleViews {
    /// The views of `s`, keeping `old`'s limiters whose rate did not change
    /// (a reload does not hand out fresh budgets).
    fn build(s: &Settings, old: Option<&RoleViews>) -> Self {
        let mut views = Self::default();
        for (name, role) in &s.auth.roles {
            views
                .settings
                .insert(name.clone(), Arc::new(s.for_role(name)));
            if role.rate_per_minute == 0 {
                continue;
            }
            let kept = old
                .and_then(|o| o.rates.get(name))
                .filter(|(r, b, _)| (*r, *b) == (role.rate_per_minute, role.burst))
                .map(|(_, _, l)| l.clone());
            let limiter = kept
                .unwrap_or_else(|| Arc::new(RateLimiter::new(role.rate_per_minute, role.burst)));
            views
                .rates
                .insert(name.clone(), (role.rate_per_minute, role.burst, limiter));
        }
        views
    }
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
    /// Whether the call's record was kept, and under which run id.
    pub record: crate::store::RecordStatus,
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
        let roles = RwLock::new(Arc::new(RoleViews::build(&settings, None)));
        Self {
            roles,
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
            recorder: OnceLock::new(),
            probes: VersionProbes::default(),
            cgroups,
            egress: OnceLock::new(),
            audit: OnceLock::new(),
            waiting: super::waiting::Waiting::default(),
        }
    }

    /// Holds every run from now on to its permit's addresses with `fence`,
    /// or records why runs are not (once; later calls are ignored).
    pub fn attach_egress(&self, fence: Result<EgressFence, String>) {
        let _ = self.egress.set(fence.map(Arc::new));
    }

    /// The nftables table holding runs to their permits, or why there is none.
    pub fn egress(&self) -> Result<&str, &str> {
        match self.egress.get() {
            Some(Ok(f)) => Ok(f.table()),
            Some(Err(why)) => Err(why),
            None => Err("not set up by this process"),
        }
    }

    /// Sends every decision and run end to `log` from now on (once; later
    /// calls are ignored and return `false`).
    pub fn attach_audit(&self, log: AuditLog) -> bool {
        self.audit.set(Arc::new(log)).is_ok()
    }

    /// Whether every tool run gets its own cgroup (all its processes are
    /// tracked and killed with it).
    pub fn tracks_runs_by_cgroup(&self) -> bool {
        self.cgroups.is_some()
    }

    /// The runner limits of `tool`'s runs under `s` for this server.
    pub fn run_limits(&self, s: &Settings, tool: ToolId) -> RunLimits {
        RunLimits {
            cgroups: self.cgroups.clone(),
            egress: self.egress.get().and_then(|e| e.as_ref().ok().cloned()),
            ..run_limits(s, tool)
        }
    }

    /// The settings snapshot in force now (a call keeps the one it started with).
    pub fn snapshot(&self) -> Arc<Settings> {
        self.settings.borrow().clone()
    }

    /// The snapshot as `who` sees it: the whole snapshot without a role,
    /// else the role's view of it (its tools, its scope, its intrusive switch).
    pub fn snapshot_for(&self, who: &Identity) -> Arc<Settings> {
        let Some(role) = who.role.as_deref() else {
            return self.snapshot();
        };
        let views = self.roles.read().unwrap_or_else(PoisonError::into_inner);
        match views.settings.get(role) {
            Some(s) => s.clone(),
            // A role that a reload removed: nothing, never everything.
            None => Arc::new(self.snapshot().for_role(role)),
        }
    }

    /// The rate limiter of `who`'s role, if the role has its own rate.
    pub(super) fn role_rate(&self, who: &Identity) -> Option<Arc<RateLimiter>> {
        let role = who.role.as_deref()?;
        let views = self.roles.read().unwrap_or_else(PoisonError::into_inner);
        views.rates.get(role).map(|(_, _, l)| l.clone())
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
        {
            let mut views = self.roles.write().unwrap_or_else(PoisonError::into_inner);
            let built = RoleViews::build(&new, Some(&views));
            *views = Arc::new(built);
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

    /// Records every call from now on in `recorder` (set once, at start).
    pub fn attach_recorder(&self, recorder: Arc<crate::store::Recorder>) {
        let _ = self.recorder.set(recorder);
    }

    /// The run store, when records are kept.
    pub fn recorder(&self) -> Option<&Arc<crate::store::Recorder>> {
        self.recorder.get()
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
        if let Some(r) = self.recorder.get() {
            report = report.with_component(r.health());
        }
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

/// The runner limits of `tool`'s runs in a snapshot, without a cgroup per
/// run (see [`Core::run_limits`]).
pub fn run_limits(s: &Settings, tool: ToolId) -> RunLimits {
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
        sandbox: s.sandbox.get(tool).clone(),
        egress: None,
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
