//! The one call pipeline: input → rate → plan → resolve → authorize → binary →
//! breaker → limits → run → render → events.
//!
//! Every tool call goes through `Core::call_with`, in this order and no other.
//! The policy core decides; this module only does the I/O around it (DNS,
//! binary lookup, the runner), applies the operations layer (circuit breaker,
//! concurrency and rate limits) and records what happened as typed events.
//! It knows nothing of rmcp.
//!
//! Settings are a `watch` of validated snapshots: a call takes one snapshot at
//! its start and uses it to the end; a reload swaps in a new one for the calls
//! that start afterwards.

use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use secmcp_policy::{CallInput, Permit, Resolutions};
use secmcp_runner::{CgroupParent, RunLimits, RunSpec};

use crate::breaker::{Admission, BreakerState, Breakers, OpenError};
use crate::config::Settings;
use crate::config::env_vars;
use crate::error::{ErrorCode, ToolError};
use crate::events::{BreakerTransition, LimitRejected, ToolCallDenied, ToolRunCompleted};
use crate::files;
use crate::health::probe::{VersionProbes, raw_socket_need, version_prefix};
use crate::health::{HealthInputs, HealthSource, ToolFacts};
use crate::health::{HealthMonitor, HealthReport, ResourceProbe};
use crate::limits::{LimitError, LimitKind, Limits, TargetKey};
use crate::metrics::Metrics;
use crate::redact;
use crate::tools::{self, JsonObject, RenderContext, Rendered, Tool};

/// How long the server waits for a host name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Extra time, after the kill grace, that killed runs get to report back.
const KILL_REPORT_SLACK: Duration = Duration::from_secs(5);

/// Shared server state behind every transport and session.
pub struct Core {
    settings: watch::Sender<Arc<Settings>>,
    /// Fired after the shutdown grace (or when the client goes away): stops
    /// every running tool.
    kill: CancellationToken,
    /// Fired when the server stops accepting calls.
    draining: CancellationToken,
    breakers: Breakers,
    limits: Limits,
    metrics: Arc<Metrics>,
    calls: CallCounter,
    tools_epoch: watch::Sender<u64>,
    reload_error: Mutex<Option<String>>,
    health: OnceLock<HealthMonitor>,
    pub(crate) probes: VersionProbes,
    /// Each run's own cgroup lives in here, so nothing a tool starts outlives
    /// it; `None` where this process may not create cgroups.
    cgroups: Option<Arc<CgroupParent>>,
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

/// How a shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownOutcome {
    /// Every call in flight finished within the grace period.
    Drained,
    /// This many calls were still running at the end of the grace period;
    /// their tools were killed.
    Killed(usize),
}

/// What a finished run says about the tool's health (breaker input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Success,
    Failure,
    Neutral,
}

struct Executed {
    result: Result<Rendered, ToolError>,
    truncated: bool,
    health: Health,
}

impl Core {
    /// A core over validated settings; `kill` stops every running tool.
    pub fn new(settings: Settings, kill: CancellationToken) -> Self {
        let metrics = Arc::new(Metrics::new(&settings.metrics.prefix));
        for t in tools::REGISTRY {
            metrics.set_breaker_state(t.name(), BreakerState::Closed);
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

    /// The tools enabled in `settings`.
    pub fn enabled_tools_in(settings: &Settings) -> impl Iterator<Item = &'static dyn Tool> + '_ {
        tools::REGISTRY
            .iter()
            .copied()
            .filter(|t| settings.tool(t.id()).enabled)
    }

    /// The enabled tool called `name` in `settings`, if any.
    pub fn tool_in(settings: &Settings, name: &str) -> Option<&'static dyn Tool> {
        tools::find(name).filter(|t| settings.tool(t.id()).enabled)
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

    /// Starts the background health checks (once).
    pub fn start_health(self: &Arc<Self>, probe: Box<dyn ResourceProbe>) {
        let source = Arc::new(CoreHealthSource::new(Arc::downgrade(self)));
        let monitor = HealthMonitor::spawn(
            self.snapshot().health.clone(),
            source,
            probe,
            self.kill.clone(),
        );
        let _ = self.health.set(monitor);
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

    /// Whether the server has stopped accepting calls.
    pub fn is_draining(&self) -> bool {
        self.draining.is_cancelled()
    }

    /// Tool calls in progress (from acceptance to result).
    pub fn calls_in_flight(&self) -> usize {
        self.calls.count()
    }

    /// Stops accepting calls, lets the ones in flight finish for up to
    /// `grace`, then kills the tools of those still running.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownOutcome {
        self.draining.cancel();
        let deadline = tokio::time::Instant::now() + grace;
        if self.calls.wait_idle(deadline).await {
            return ShutdownOutcome::Drained;
        }
        let left = self.calls.count();
        tracing::warn!(
            calls = left,
            grace_secs = grace.as_secs(),
            "shutdown grace period over; killing the tools still running"
        );
        self.kill.cancel();
        let kill_grace = self.snapshot().kill_grace;
        let deadline = tokio::time::Instant::now() + kill_grace + KILL_REPORT_SLACK;
        self.calls.wait_idle(deadline).await;
        ShutdownOutcome::Killed(left)
    }

    /// Runs one call of an enabled tool on the current snapshot, as a local client.
    pub async fn call(
        &self,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        cancel: CancellationToken,
    ) -> CallResult {
        self.call_with(self.snapshot(), tool, args, "local", cancel)
            .await
    }

    /// Runs one call of `tool` on the snapshot `settings`. `client` keys the
    /// rate limit (session or connection; never logged or used as a label);
    /// `cancel` fires when the client cancels.
    pub async fn call_with(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        client: &str,
        cancel: CancellationToken,
    ) -> CallResult {
        let _call = self.calls.enter();
        let started = Instant::now();
        let early_id = args
            .as_ref()
            .and_then(|a| a.get("correlation_id"))
            .and_then(|v| v.as_str())
            .and_then(|id| check_correlation_id(id).ok())
            .map_or_else(new_correlation_id, str::to_owned);
        if self.draining.is_cancelled() {
            return self.denied(tool, early_id, shutting_down());
        }
        if let Err(e) = self.limits.check_rate(client) {
            return self.limited(tool, early_id, &e, None);
        }
        let input = match tool.parse_input(args) {
            Ok(input) => input,
            Err(e) => return self.denied(tool, early_id, e),
        };
        let correlation_id = match input
            .common
            .correlation_id
            .as_deref()
            .map(check_correlation_id)
        {
            None => early_id,
            Some(Ok(id)) => id.to_owned(),
            Some(Err(e)) => return self.denied(tool, early_id, e),
        };
        let span =
            tracing::info_span!("call", correlation_id = %correlation_id, tool = tool.name());
        self.authorized_call(settings, tool, input, correlation_id, cancel, started)
            .instrument(span)
            .await
    }

    async fn authorized_call(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        input: tools::ParsedInput,
        correlation_id: String,
        cancel: CancellationToken,
        started: Instant,
    ) -> CallResult {
        let permit = match authorize(&settings, tool, &input).await {
            Ok(p) => p,
            Err(e) => return self.denied(tool, correlation_id, e),
        };
        let program = match binary_in(&settings, tool) {
            Ok(p) => p,
            Err(e) => return self.denied(tool, correlation_id, e),
        };
        let mut admission = match self.breakers.admit(tool.name(), Instant::now()) {
            Ok(a) => a,
            Err(open) => return self.denied(tool, correlation_id, breaker_open(tool, &open)),
        };
        if let Some(t) = admission.take_transition() {
            self.transition(tool, &t, &correlation_id);
        }
        let target = permit.target().rendered.clone();
        let target_key = TargetKey::new(&target, &permit.target().address_ranges());
        let slots = tokio::select! {
            slots = self.limits.acquire(tool.name(), &target_key) => slots,
            () = cancel.cancelled() => {
                admission.record_neutral();
                return self.denied(tool, correlation_id, cancelled_waiting(tool));
            }
            () = self.kill.cancelled() => {
                admission.record_neutral();
                return self.denied(tool, correlation_id, shutting_down());
            }
        };
        let _slots = match slots {
            Ok(s) => s,
            Err(e) => {
                admission.record_neutral();
                return self.limited(tool, correlation_id, &e, Some(&target));
            }
        };
        let _in_flight = self.metrics.in_flight(tool.name());
        let run_started = Instant::now();
        let exec = self
            .execute(&settings, tool, &permit, program, &correlation_id, cancel)
            .await;
        self.record(admission, tool, exec.health, &correlation_id);
        ToolRunCompleted {
            correlation_id: &correlation_id,
            tool: tool.name(),
            target: &redact::text(&target),
            outcome: exec.result.as_ref().map(|_| ()).map_err(|e| e.code),
            duration: run_started.elapsed(),
            output_truncated: exec.truncated,
        }
        .emit(&self.metrics);
        tracing::debug!(total_ms = started.elapsed().as_millis() as u64, "call done");
        CallResult {
            correlation_id,
            result: exec.result,
        }
    }

    fn record(&self, admission: Admission, tool: &'static dyn Tool, h: Health, id: &str) {
        let now = Instant::now();
        let transition = match h {
            Health::Success => admission.record_success(now),
            Health::Failure => admission.record_failure(now),
            Health::Neutral => {
                admission.record_neutral();
                None
            }
        };
        if let Some(t) = transition {
            self.transition(tool, &t, id);
        }
    }

    fn transition(&self, tool: &'static dyn Tool, t: &crate::breaker::Transition, id: &str) {
        BreakerTransition {
            tool: tool.name(),
            transition: t,
            correlation_id: Some(id),
        }
        .emit(&self.metrics);
    }

    fn denied(
        &self,
        tool: &'static dyn Tool,
        correlation_id: String,
        error: ToolError,
    ) -> CallResult {
        ToolCallDenied {
            correlation_id: &correlation_id,
            tool: tool.name(),
            code: error.code,
            reason: &error.message,
        }
        .emit(&self.metrics);
        CallResult {
            correlation_id,
            result: Err(error),
        }
    }

    fn limited(
        &self,
        tool: &'static dyn Tool,
        correlation_id: String,
        e: &LimitError,
        target: Option<&str>,
    ) -> CallResult {
        LimitRejected {
            correlation_id: &correlation_id,
            tool: tool.name(),
            error: e,
        }
        .emit(&self.metrics);
        CallResult {
            correlation_id,
            result: Err(limit_error(tool, e, target)),
        }
    }

    async fn execute(
        &self,
        settings: &Settings,
        tool: &'static dyn Tool,
        permit: &Permit,
        program: PathBuf,
        correlation_id: &str,
        cancel: CancellationToken,
    ) -> Executed {
        let mut argv = Vec::with_capacity(permit.argv().len() + 1);
        argv.push(tool.name().to_owned());
        argv.extend(permit.argv().iter().cloned());
        tracing::info!(
            event = "tool_run_started",
            argv = ?redact::argv(tool.name(), &argv)
        );
        let spec = RunSpec::from_permit(permit, program, &self.run_limits(settings));
        // One token for this run: fired by the client's cancellation or by shutdown.
        let run_token = self.kill.child_token();
        let run = secmcp_runner::run(spec, run_token.clone());
        tokio::pin!(run);
        let outcome = tokio::select! {
            out = &mut run => out,
            () = cancel.cancelled() => {
                run_token.cancel();
                run.await
            }
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                let health = match e {
                    secmcp_runner::RunError::NotFound { .. }
                    | secmcp_runner::RunError::Cancelled => Health::Neutral,
                    _ => Health::Failure,
                };
                return Executed {
                    result: Err(run_error(tool, e, self.kill.is_cancelled())),
                    truncated: false,
                    health,
                };
            }
        };
        let truncated = outcome.stdout.truncated();
        if outcome.cancelled {
            let error = if self.kill.is_cancelled() {
                ToolError::new(
                    ErrorCode::ExecutionError,
                    format!(
                        "the server is shutting down; {} was stopped before it finished",
                        tool.name()
                    ),
                    "call again once the server is back",
                )
            } else {
                ToolError::new(
                    ErrorCode::ExecutionError,
                    format!("the call was cancelled and {} was stopped", tool.name()),
                    "call again if the results are still needed",
                )
            };
            return Executed {
                result: Err(error),
                truncated,
                health: Health::Neutral,
            };
        }
        let ctx = RenderContext {
            correlation_id,
            target: permit.target(),
            extra_targets: permit.extra_targets(),
            argv,
            timeout: permit.timeout(),
        };
        let result = tool.render(&ctx, &outcome);
        let health = match &result {
            Ok(_) => Health::Success,
            Err(e) => match e.code {
                ErrorCode::Timeout | ErrorCode::ExecutionError | ErrorCode::Unknown => {
                    Health::Failure
                }
                _ => Health::Neutral,
            },
        };
        Executed {
            result,
            truncated,
            health,
        }
    }

    /// The tool's binary in the current snapshot (see [`binary_in`]).
    pub fn binary(&self, tool: &dyn Tool) -> Result<PathBuf, ToolError> {
        binary_in(&self.snapshot(), tool)
    }
}

async fn authorize(
    s: &Settings,
    tool: &dyn Tool,
    parsed: &tools::ParsedInput,
) -> Result<Permit, ToolError> {
    let input = &parsed.common;
    let timeout = match input.timeout_sec {
        None => s.default_timeout,
        Some(secs) if secs >= 1 && u64::from(secs) <= s.max_timeout.as_secs() => {
            Duration::from_secs(u64::from(secs))
        }
        Some(secs) => {
            return Err(ToolError::new(
                ErrorCode::ValidationError,
                format!(
                    "timeout_sec: {secs} is outside 1..={}",
                    s.max_timeout.as_secs()
                ),
                "pass a timeout_sec within the range, or omit it for the default",
            ));
        }
    };
    let call = CallInput {
        target: &input.target,
        extra_args: &input.extra_args,
        timeout,
        fields: &parsed.fields,
    };
    let plan = secmcp_policy::plan(tool.id(), &s.policy, &call)?;
    let mut res = Resolutions::default();
    for host in plan.hosts_to_resolve() {
        res.add_host(host.clone(), resolve(host.as_str()).await?);
    }
    for request in plan.files_to_resolve() {
        res.add_file(files::resolve(s, request)?);
    }
    Ok(secmcp_policy::authorize_with(&s.policy, plan, &res)?)
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
    let configured = settings.tool(tool.id()).binary.clone();
    let found = match configured {
        Some(path) => is_executable(&path).then_some(path),
        None => find_on_path(tool.name()),
    };
    found.ok_or_else(|| {
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

fn shutting_down() -> ToolError {
    ToolError::new(
        ErrorCode::ResourceExhausted,
        "the server is shutting down and accepts no new calls",
        "call again once the server is back (or on another instance)",
    )
}

fn cancelled_waiting(tool: &dyn Tool) -> ToolError {
    ToolError::new(
        ErrorCode::ExecutionError,
        format!(
            "the call was cancelled while waiting for a free {} slot",
            tool.name()
        ),
        "call again if the results are still needed",
    )
}

fn breaker_open(tool: &dyn Tool, e: &OpenError) -> ToolError {
    let secs = e.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let name = tool.name();
    let message = match e.state {
        BreakerState::HalfOpen => format!(
            "{name} is being re-tested after repeated failures (circuit breaker half-open) and \
             its probe slots are busy; retry in {secs} s"
        ),
        _ => format!(
            "{name} is temporarily disabled after repeated tool failures (circuit breaker \
             open); retry in {secs} s"
        ),
    };
    ToolError::new(
        ErrorCode::CircuitBreakerOpen,
        message,
        format!(
            "wait {secs} s and call again; the server_health tool shows when {name} is available"
        ),
    )
}

fn limit_error(tool: &dyn Tool, e: &LimitError, target: Option<&str>) -> ToolError {
    let name = tool.name();
    let what = match e.which {
        LimitKind::Global => "the server is running as many tool runs as it allows".to_owned(),
        LimitKind::Tool => format!("{name} is running as many parallel runs as it allows"),
        LimitKind::Target => match target {
            Some(t) => format!("another run against {} is in progress", redact::text(t)),
            None => "another run against this target is in progress".to_owned(),
        },
        LimitKind::Rate => "this client is calling faster than the server's rate limit".to_owned(),
        LimitKind::Queue => "too many calls are already waiting for a slot".to_owned(),
    };
    let ms = e.retry_after.as_millis().max(1);
    ToolError::new(
        ErrorCode::ResourceExhausted,
        format!(
            "{} limit reached: {what}; retry in {ms} ms",
            e.which.as_str()
        ),
        format!("wait {ms} ms and call again, or make fewer calls at once"),
    )
}

fn run_error(tool: &dyn Tool, e: secmcp_runner::RunError, shutting_down_now: bool) -> ToolError {
    match e {
        secmcp_runner::RunError::NotFound { .. } => {
            tracing::error!(tool = tool.name(), error = %e, "tool could not be started");
            ToolError::new(
                ErrorCode::NotFound,
                format!("the {} binary is not installed on the server", tool.name()),
                format!("ask the operator to install {}", tool.name()),
            )
        }
        secmcp_runner::RunError::Cancelled if shutting_down_now => shutting_down(),
        secmcp_runner::RunError::Cancelled => ToolError::new(
            ErrorCode::ExecutionError,
            format!("the call was cancelled before {} started", tool.name()),
            "call again if the results are still needed",
        ),
        _ => {
            tracing::error!(tool = tool.name(), error = %e, "tool could not be started");
            ToolError::new(
                ErrorCode::ExecutionError,
                format!("{} could not be started", tool.name()),
                "retry; if it repeats, ask the operator to check the server log",
            )
        }
    }
}

/// Counts calls from acceptance to result, and wakes waiters when none is left.
#[derive(Default)]
struct CallCounter {
    n: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

struct CallGuard {
    n: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.n.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl CallCounter {
    fn enter(&self) -> CallGuard {
        self.n.fetch_add(1, Ordering::SeqCst);
        CallGuard {
            n: self.n.clone(),
            idle: self.idle.clone(),
        }
    }

    fn count(&self) -> usize {
        self.n.load(Ordering::SeqCst)
    }

    async fn wait_idle(&self, deadline: tokio::time::Instant) -> bool {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count() == 0;
            }
        }
    }
}

/// Resolves a host name once. Every address is returned (deduplicated, in
/// resolver order); the policy core checks them all and pins the first.
async fn resolve(host: &str) -> Result<Vec<IpAddr>, ToolError> {
    let lookup = tokio::net::lookup_host((host, 0));
    let fail = |why: &str| {
        ToolError::new(
            ErrorCode::ValidationError,
            format!("target: host name {host} {why}"),
            "check the name, or pass the address itself",
        )
    };
    let addrs = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Err(_) => return Err(fail("did not resolve within 5 s")),
        Ok(Err(_)) => return Err(fail("does not resolve")),
        Ok(Ok(addrs)) => addrs,
    };
    let mut out: Vec<IpAddr> = Vec::new();
    for a in addrs {
        if !out.contains(&a.ip()) {
            out.push(a.ip());
        }
    }
    if out.is_empty() {
        return Err(fail("has no addresses"));
    }
    Ok(out)
}

/// The first executable called `name` on the server's `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Whether `path` is an executable regular file.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A fresh correlation id.
pub fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Accepts 1-128 characters of `[A-Za-z0-9._:-]` (they reach logs verbatim).
fn check_correlation_id(id: &str) -> Result<&str, ToolError> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(id)
    } else {
        Err(ToolError::new(
            ErrorCode::ValidationError,
            "correlation_id: must be 1-128 characters of letters, digits, `.`, `_`, `:`, `-`",
            "pass a simple id such as `scan-42`, or omit it",
        ))
    }
}

/// Gathers health facts from the core: the snapshot's enabled tools, their
/// binaries and version probes, privilege, breaker states, the last reload.
#[derive(Debug)]
pub struct CoreHealthSource {
    core: Weak<Core>,
}

impl CoreHealthSource {
    /// A source over a core that may go away.
    pub fn new(core: Weak<Core>) -> Self {
        Self { core }
    }
}

impl HealthSource for CoreHealthSource {
    fn gather(&self) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + '_>> {
        Box::pin(async move {
            let Some(core) = self.core.upgrade() else {
                return HealthInputs::default();
            };
            let settings = core.snapshot();
            let limits = core.run_limits(&settings);
            let mut tools = Vec::new();
            for t in Core::enabled_tools_in(&settings) {
                let (binary_found, version_output) = match binary_in(&settings, t) {
                    Ok(path) => {
                        let cancel = core.kill_token();
                        let out = core.probes.probe(t.id(), &path, &limits, cancel).await;
                        (true, Some(out))
                    }
                    Err(_) => (false, None),
                };
                tools.push(ToolFacts {
                    name: t.name(),
                    binary_found,
                    version_output,
                    version_prefix: version_prefix(t.id()),
                    raw_sockets: raw_socket_need(t.id()),
                });
            }
            let breakers = core
                .breakers()
                .snapshots(Instant::now())
                .into_iter()
                .map(|(n, s)| (n, s.state))
                .collect();
            HealthInputs {
                config_loaded: true,
                last_reload_error: core.reload_error(),
                has_raw_sockets: settings.policy.raw_sockets,
                tools,
                breakers,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_are_checked() {
        assert!(check_correlation_id("scan-42:a.b_c").is_ok());
        for bad in ["", "a b", "x\ny", "é", &"a".repeat(129)] {
            assert!(check_correlation_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_pass_our_own_check() {
        assert!(check_correlation_id(&new_correlation_id()).is_ok());
    }

    #[test]
    fn limit_and_breaker_errors_carry_a_retry_hint() {
        let e = limit_error(
            &crate::tools::nmap::Nmap,
            &LimitError {
                which: LimitKind::Rate,
                retry_after: Duration::from_millis(1500),
            },
            None,
        );
        assert_eq!(e.code, ErrorCode::ResourceExhausted);
        assert!(e.message.contains("retry in 1500 ms"), "{}", e.message);
        let b = breaker_open(
            &crate::tools::nmap::Nmap,
            &OpenError {
                state: BreakerState::Open,
                retry_after: Duration::from_millis(2100),
            },
        );
        assert_eq!(b.code, ErrorCode::CircuitBreakerOpen);
        assert!(b.message.contains("retry in 3 s"), "{}", b.message);
    }

    #[tokio::test]
    async fn call_counter_waits_for_idle() {
        let c = CallCounter::default();
        let g = c.enter();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(!c.wait_idle(deadline).await);
        drop(g);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(c.wait_idle(deadline).await);
    }
}
