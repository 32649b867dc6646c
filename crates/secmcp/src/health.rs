//! Health, readiness and liveness.
//!
//! Checks are pure functions over facts gathered elsewhere: each tool's binary
//! found *and* identified by its version probe (the probe's output is an input;
//! the runner produces it), raw-socket privilege for tools that need it,
//! circuit-breaker states, and CPU/memory/disk use against thresholds.
//! [`evaluate`] folds them into a [`HealthReport`]: unhealthy when the config
//! is not loaded or no tool is usable; degraded when anything else is wrong
//! (an unusable tool while others work, a breaker not closed, a failed reload,
//! resource pressure); healthy otherwise. Resource pressure never fails
//! readiness. [`HealthMonitor`] runs the checks in the background and keeps
//! the last report in a `watch`, so a request never waits for a check.
//!
//! This module reads `/proc` and `statvfs` (never starts a process: version
//! probes come in through [`HealthSource`]), and must not log or touch metrics.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::breaker::BreakerState;
use crate::validate::{InvalidField, range};

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
    pub fn validate(&self, prefix: &str) -> Result<(), InvalidField> {
        range(
            prefix,
            "check_interval_secs",
            self.check_interval_secs,
            1,
            3600,
        )?;
        for (name, v) in [
            ("cpu_threshold_percent", self.cpu_threshold_percent),
            ("memory_threshold_percent", self.memory_threshold_percent),
            ("disk_threshold_percent", self.disk_threshold_percent),
        ] {
            range(prefix, name, v.into(), 1, 100)?;
        }
        if self.disk_path.is_absolute() {
            Ok(())
        } else {
            Err(InvalidField {
                field: crate::validate::field(prefix, "disk_path"),
                message: format!("`{}` is not an absolute path", self.disk_path.display()),
            })
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
    /// Serving, with something wrong (a tool, a breaker, resource pressure).
    Degraded,
    /// Not able to serve tool calls.
    Unhealthy,
}

impl HealthStatus {
    /// The HTTP status the design uses: 200 healthy, 207 degraded, 503 unhealthy.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Healthy => 200,
            Self::Degraded => 207,
            Self::Unhealthy => 503,
        }
    }

    /// The stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
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
    /// The HTTP status of `/health`.
    pub fn http_status(&self) -> u16 {
        self.status.http_status()
    }

    /// The report before the first round of checks: not ready.
    pub fn pending() -> Self {
        Self {
            status: HealthStatus::Unhealthy,
            ready: false,
            checked_at_unix_secs: 0,
            tools: Vec::new(),
            components: vec![Component {
                name: "startup".into(),
                kind: ComponentKind::Config,
                status: HealthStatus::Unhealthy,
                message: "the first health check has not finished yet".into(),
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
        self.status = if !self.ready {
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
}

/// CPU, memory and disk use in percent (`None`: could not be read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResourceReadings {
    /// CPU use since the previous reading.
    pub cpu_percent: Option<f64>,
    /// Memory in use.
    pub memory_percent: Option<f64>,
    /// Disk in use at the configured path.
    pub disk_percent: Option<f64>,
}

/// Where the gathered facts come from (the server implements it over its
/// settings, the runner's version probes and the breakers).
pub trait HealthSource: Send + Sync + 'static {
    /// Gathers the facts for one round of checks.
    fn gather(&self) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + '_>>;
}

/// Reads resource use (the production reader is [`SystemResources`]).
pub trait ResourceProbe: Send + 'static {
    /// One reading.
    fn read(&mut self, disk_path: &std::path::Path) -> ResourceReadings;
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
    if !t.binary_found {
        let c = component(
            HealthStatus::Unhealthy,
            format!("the {} binary is not installed", t.name),
        );
        return (c, false, None);
    }
    let version = match &t.version_output {
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
        });
    }
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
    let status = if !ready {
        HealthStatus::Unhealthy
    } else if components.iter().any(|c| c.status != HealthStatus::Healthy) {
        HealthStatus::Degraded
    } else {
        HealthStatus::Healthy
    };
    if usable == 0 {
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

/// Cumulative CPU time from `/proc/stat`, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// Idle plus I/O wait.
    pub idle: u64,
    /// All states.
    pub total: u64,
}

/// The aggregate `cpu ` line of `/proc/stat`.
pub fn parse_proc_stat(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if fields.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    let total = fields.iter().take(8).sum();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some(CpuTimes { idle, total })
}

/// CPU use between two readings, in percent.
pub fn cpu_percent(prev: CpuTimes, cur: CpuTimes) -> Option<f64> {
    let total = cur.total.checked_sub(prev.total)?;
    let idle = cur.idle.checked_sub(prev.idle)?;
    if total == 0 {
        return None;
    }
    Some((total.saturating_sub(idle)) as f64 * 100.0 / total as f64)
}

/// Memory in use from `/proc/meminfo`, in percent (`MemTotal - MemAvailable`).
pub fn parse_meminfo(text: &str) -> Option<f64> {
    let kb = |key: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        line[key.len()..].split_whitespace().next()?.parse().ok()
    };
    let total = kb("MemTotal:")?;
    let available = kb("MemAvailable:")?;
    if total == 0 {
        return None;
    }
    Some(total.saturating_sub(available) as f64 * 100.0 / total as f64)
}

/// Disk use as `df` shows it: used / (used + available to users), in percent.
pub fn disk_used_percent(blocks: u64, blocks_free: u64, blocks_available: u64) -> Option<f64> {
    let used = blocks.checked_sub(blocks_free)?;
    let denominator = used + blocks_available;
    if denominator == 0 {
        return None;
    }
    Some(used as f64 * 100.0 / denominator as f64)
}

/// Reads `/proc/stat`, `/proc/meminfo` and `statvfs`. CPU needs two readings,
/// so the first one reports none.
#[derive(Debug, Default)]
pub struct SystemResources {
    last_cpu: Option<CpuTimes>,
}

impl ResourceProbe for SystemResources {
    fn read(&mut self, disk_path: &std::path::Path) -> ResourceReadings {
        let cpu = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|t| parse_proc_stat(&t));
        let cpu_percent = match (self.last_cpu, cpu) {
            (Some(prev), Some(cur)) => cpu_percent(prev, cur),
            _ => None,
        };
        self.last_cpu = cpu;
        let memory_percent = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| parse_meminfo(&t));
        // fsblkcnt_t is u64 on 64-bit Linux but not on every target.
        #[allow(clippy::unnecessary_cast)]
        let disk_percent = nix::sys::statvfs::statvfs(disk_path).ok().and_then(|s| {
            disk_used_percent(
                s.blocks() as u64,
                s.blocks_free() as u64,
                s.blocks_available() as u64,
            )
        });
        ResourceReadings {
            cpu_percent,
            memory_percent,
            disk_percent,
        }
    }
}

/// Runs the checks in the background and holds the last report.
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    report: watch::Receiver<Arc<HealthReport>>,
    config: Arc<watch::Sender<HealthConfig>>,
    wake: Arc<Notify>,
    task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl HealthMonitor {
    /// Starts the check loop: one round at once, then every
    /// `check_interval_secs`, until `shutdown` fires.
    pub fn spawn(
        config: HealthConfig,
        source: Arc<dyn HealthSource>,
        probe: Box<dyn ResourceProbe>,
        shutdown: CancellationToken,
    ) -> Self {
        let (report_tx, report) = watch::channel(Arc::new(HealthReport::pending()));
        let (config_tx, config_rx) = watch::channel(config);
        let wake = Arc::new(Notify::new());
        let task = tokio::spawn(check_loop(
            source,
            probe,
            config_rx,
            report_tx,
            wake.clone(),
            shutdown,
        ));
        Self {
            report,
            config: Arc::new(config_tx),
            wake,
            task: Arc::new(std::sync::Mutex::new(Some(task))),
        }
    }

    /// Waits (at most `limit`) for the check loop to end after `shutdown`
    /// fired, so that a version probe in progress is stopped and reaped rather
    /// than abandoned. Returns whether it ended.
    pub async fn stopped(&self, limit: Duration) -> bool {
        let task = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match task {
            Some(t) => tokio::time::timeout(limit, t).await.is_ok(),
            None => true,
        }
    }

    /// The last report (never waits for a check).
    pub fn latest(&self) -> Arc<HealthReport> {
        self.report.borrow().clone()
    }

    /// A receiver that sees each new report.
    pub fn subscribe(&self) -> watch::Receiver<Arc<HealthReport>> {
        self.report.clone()
    }

    /// Runs a round now (e.g. after a config reload) without waiting for it.
    pub fn check_now(&self) {
        self.wake.notify_one();
    }

    /// New thresholds and interval, used from the next round (which runs now).
    pub fn reconfigure(&self, config: HealthConfig) {
        self.config.send_replace(config);
    }
}

async fn check_loop(
    source: Arc<dyn HealthSource>,
    mut probe: Box<dyn ResourceProbe>,
    mut config: watch::Receiver<HealthConfig>,
    report: watch::Sender<Arc<HealthReport>>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        let cfg = config.borrow_and_update().clone();
        // Not raced against `shutdown`: a probe in progress sees the shutdown
        // itself (its run is cancelled, killed and reaped) and gather returns.
        let inputs = source.gather().await;
        if shutdown.is_cancelled() {
            return;
        }
        // statvfs may block on a slow filesystem: keep it off the async workers.
        let path = cfg.disk_path.clone();
        let read = tokio::task::spawn_blocking(move || {
            let r = probe.read(&path);
            (probe, r)
        })
        .await;
        let resources = match read {
            Ok((p, r)) => {
                probe = p;
                r
            }
            // The probe panicked: carry on without resource readings.
            Err(_) => {
                probe = Box::new(SystemResources::default());
                ResourceReadings::default()
            }
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        report.send_replace(Arc::new(evaluate(&cfg, &inputs, &resources, now)));
        let interval = Duration::from_secs(cfg.check_interval_secs.max(1));
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = wake.notified() => {}
            changed = config.changed() => if changed.is_err() { return },
            () = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const NMAP_OUT: &str =
        "Nmap version 7.93 ( https://nmap.org )\nPlatform: x86_64-pc-linux-gnu\n";

    fn nmap(found: bool, out: Option<Result<&str, &str>>) -> ToolFacts {
        ToolFacts {
            name: "nmap",
            binary_found: found,
            version_output: out.map(|r| r.map(str::to_owned).map_err(str::to_owned)),
            version_prefix: "Nmap version ",
            raw_sockets: RawSocketNeed::Optional,
        }
    }

    fn masscan(found: bool) -> ToolFacts {
        ToolFacts {
            name: "masscan",
            binary_found: found,
            version_output: Some(Ok("Masscan version 1.3.2 ( by Robert Graham )".into())),
            version_prefix: "Masscan version ",
            raw_sockets: RawSocketNeed::Required,
        }
    }

    fn inputs(tools: Vec<ToolFacts>) -> HealthInputs {
        HealthInputs {
            config_loaded: true,
            last_reload_error: None,
            has_raw_sockets: true,
            tools,
            breakers: Vec::new(),
        }
    }

    fn eval(i: &HealthInputs, r: ResourceReadings) -> HealthReport {
        evaluate(&HealthConfig::default(), i, &r, 1)
    }

    fn calm() -> ResourceReadings {
        ResourceReadings {
            cpu_percent: Some(10.0),
            memory_percent: Some(20.0),
            disk_percent: Some(30.0),
        }
    }

    #[test]
    fn config_defaults_match_the_design() {
        let c = HealthConfig::default();
        assert_eq!(c.check_interval_secs, 30);
        assert_eq!(
            (
                c.cpu_threshold_percent,
                c.memory_threshold_percent,
                c.disk_threshold_percent
            ),
            (80, 85, 90)
        );
        c.validate("health").unwrap();
        let e = HealthConfig {
            disk_threshold_percent: 101,
            ..c.clone()
        }
        .validate("health")
        .unwrap_err();
        assert_eq!(e.field, "health.disk_threshold_percent");
        let e = HealthConfig {
            disk_path: "tmp".into(),
            ..c
        }
        .validate("health")
        .unwrap_err();
        assert_eq!(e.field, "health.disk_path");
        assert!(serde_json::from_str::<HealthConfig>(r#"{"interval": 5}"#).is_err());
    }

    #[test]
    fn nmap_version_line_is_parsed() {
        assert_eq!(
            parse_version(NMAP_OUT, "Nmap version ").as_deref(),
            Some("7.93")
        );
        assert_eq!(
            parse_version(
                "\n  Nmap version 7.94SVN ( https://nmap.org )",
                "Nmap version "
            )
            .as_deref(),
            Some("7.94SVN")
        );
        for bad in [
            "",
            "nmap: command not found",
            "Platform: x\nNmap version 7.93",
            "Nmap version ( https://nmap.org )",
            "Nmap version ;rm-rf",
            "Nmap version",
        ] {
            assert_eq!(parse_version(bad, "Nmap version "), None, "{bad:?}");
        }
    }

    #[test]
    fn status_aggregation_table() {
        use HealthStatus::*;
        let open = |i: &mut HealthInputs, s| i.breakers.push(("nmap", s));
        #[allow(clippy::type_complexity)]
        let cases: Vec<(&str, Box<dyn Fn(&mut HealthInputs)>, HealthStatus, bool)> = vec![
            ("all good", Box::new(|_| {}), Healthy, true),
            (
                "config not loaded",
                Box::new(|i| i.config_loaded = false),
                Unhealthy,
                false,
            ),
            (
                "reload rejected",
                Box::new(|i| i.last_reload_error = Some("bad".into())),
                Degraded,
                true,
            ),
            (
                "one tool missing, another works",
                Box::new(|i| i.tools[1].binary_found = false),
                Degraded,
                true,
            ),
            (
                "every tool missing",
                Box::new(|i| i.tools.iter_mut().for_each(|t| t.binary_found = false)),
                Unhealthy,
                false,
            ),
            (
                "no tools enabled",
                Box::new(|i| i.tools.clear()),
                Unhealthy,
                false,
            ),
            (
                "impostor binary",
                Box::new(|i| i.tools[0].version_output = Some(Ok("GNU bash 5".into()))),
                Degraded,
                true,
            ),
            (
                "probe failed",
                Box::new(|i| i.tools[0].version_output = Some(Err("timed out".into()))),
                Degraded,
                true,
            ),
            (
                "not probed yet",
                Box::new(|i| i.tools[0].version_output = None),
                Degraded,
                true,
            ),
            (
                "no raw sockets: masscan unusable, nmap limited",
                Box::new(|i| i.has_raw_sockets = false),
                Degraded,
                true,
            ),
            (
                "breaker open",
                Box::new(move |i| open(i, BreakerState::Open)),
                Degraded,
                true,
            ),
            (
                "breaker half-open",
                Box::new(move |i| open(i, BreakerState::HalfOpen)),
                Degraded,
                true,
            ),
            (
                "every breaker open still only degrades",
                Box::new(|i| {
                    i.breakers = vec![
                        ("nmap", BreakerState::Open),
                        ("masscan", BreakerState::Open),
                    ]
                }),
                Degraded,
                true,
            ),
        ];
        for (name, change, want, ready) in cases {
            let mut i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT))), masscan(true)]);
            change(&mut i);
            let r = eval(&i, calm());
            assert_eq!(r.status, want, "{name}: {r:#?}");
            assert_eq!(r.ready, ready, "{name}");
            assert_eq!(r.http_status(), want.http_status(), "{name}");
        }
    }

    #[test]
    fn tool_details_for_agents() {
        let mut i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT))), masscan(true)]);
        i.has_raw_sockets = false;
        i.breakers = vec![("nmap", BreakerState::Open)];
        let r = eval(&i, calm());
        let nmap = &r.tools[0];
        assert_eq!(nmap.version.as_deref(), Some("7.93"));
        assert!(nmap.usable && !nmap.available);
        assert!(!r.tools[1].usable);
        assert_eq!(r.usable_tools().collect::<Vec<_>>(), ["nmap"]);
        let c = r.components.iter().find(|c| c.name == "tool:nmap").unwrap();
        assert_eq!(c.status, HealthStatus::Healthy);
        assert!(
            c.message.contains("raw sockets are refused"),
            "{}",
            c.message
        );
        let c = r
            .components
            .iter()
            .find(|c| c.name == "tool:masscan")
            .unwrap();
        assert_eq!(c.status, HealthStatus::Unhealthy);
        assert!(c.message.contains("CAP_NET_RAW"));
    }

    #[test]
    fn resource_thresholds_degrade_but_never_unready() {
        let i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))]);
        for (r, want) in [
            (calm(), HealthStatus::Healthy),
            (ResourceReadings::default(), HealthStatus::Healthy),
            (
                ResourceReadings {
                    cpu_percent: Some(80.0),
                    ..calm()
                },
                HealthStatus::Healthy,
            ),
            (
                ResourceReadings {
                    cpu_percent: Some(80.1),
                    ..calm()
                },
                HealthStatus::Degraded,
            ),
            (
                ResourceReadings {
                    memory_percent: Some(86.0),
                    ..calm()
                },
                HealthStatus::Degraded,
            ),
            (
                ResourceReadings {
                    disk_percent: Some(99.0),
                    ..calm()
                },
                HealthStatus::Degraded,
            ),
            (
                ResourceReadings {
                    cpu_percent: Some(100.0),
                    memory_percent: Some(100.0),
                    disk_percent: Some(100.0),
                },
                HealthStatus::Degraded,
            ),
        ] {
            let report = eval(&i, r);
            assert_eq!(report.status, want, "{r:?}");
            assert!(report.ready, "{r:?}");
        }
        let c = check_resource("disk", Some(95.25), 90);
        assert_eq!(c.message, "95.2% in use, above the 90% threshold");
    }

    #[test]
    fn readiness_and_liveness_rules() {
        assert!(readiness(true, 1));
        assert!(!readiness(true, 0));
        assert!(!readiness(false, 3));
        assert!(liveness());
        assert!(!HealthReport::pending().ready);
        assert_eq!(HealthReport::pending().http_status(), 503);
    }

    #[test]
    fn json_shape() {
        let i = inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))]);
        let r = eval(&i, calm());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["status"], "healthy");
        assert_eq!(v["ready"], true);
        assert_eq!(v["checked_at_unix_secs"], 1);
        assert_eq!(
            v["tools"][0],
            serde_json::json!({
                "name": "nmap", "usable": true, "available": true,
                "version": "7.93", "breaker": "closed"
            })
        );
        let names: Vec<_> = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "config",
                "tool:nmap",
                "breaker:nmap",
                "cpu",
                "memory",
                "disk"
            ]
        );
        assert_eq!(v["components"][1]["kind"], "tool");
        assert_eq!(v["components"][1]["status"], "healthy");
        assert_eq!(v["components"][1]["message"], "nmap 7.93");
        let back: HealthReport = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn proc_parsers() {
        let stat = "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\nintr 5\n";
        let a = parse_proc_stat(stat).unwrap();
        assert_eq!(
            a,
            CpuTimes {
                idle: 800,
                total: 1000
            }
        );
        let b = CpuTimes {
            idle: 850,
            total: 1200,
        };
        assert_eq!(cpu_percent(a, b), Some(75.0));
        assert_eq!(cpu_percent(a, a), None);
        assert_eq!(cpu_percent(b, a), None, "counters went backwards");
        assert_eq!(parse_proc_stat("cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_proc_stat("cpu  1 x 3 4\n"), None);
        let mem = "MemTotal:       1000 kB\nMemFree:   10 kB\nMemAvailable:    250 kB\n";
        assert_eq!(parse_meminfo(mem), Some(75.0));
        assert_eq!(parse_meminfo("MemTotal: 1000 kB\n"), None);
        assert_eq!(disk_used_percent(100, 20, 15), Some(80.0 * 100.0 / 95.0));
        assert_eq!(disk_used_percent(0, 0, 0), None);
        assert_eq!(disk_used_percent(10, 20, 0), None);
    }

    #[test]
    fn system_resources_read_this_machine() {
        let mut probe = SystemResources::default();
        let first = probe.read(std::path::Path::new("/"));
        assert_eq!(first.cpu_percent, None, "needs two readings");
        let m = first.memory_percent.expect("/proc/meminfo readable");
        assert!((0.0..=100.0).contains(&m));
        let d = first.disk_percent.expect("statvfs of /");
        assert!((0.0..=100.0).contains(&d));
        let second = probe.read(std::path::Path::new("/"));
        if let Some(c) = second.cpu_percent {
            assert!((0.0..=100.0).contains(&c));
        }
    }

    struct FakeSource {
        calls: AtomicUsize,
        inputs: Mutex<HealthInputs>,
    }

    impl HealthSource for FakeSource {
        fn gather(&self) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + '_>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let i = self.inputs.lock().unwrap().clone();
            Box::pin(async move { i })
        }
    }

    struct FixedProbe(ResourceReadings);

    impl ResourceProbe for FixedProbe {
        fn read(&mut self, _: &std::path::Path) -> ResourceReadings {
            self.0
        }
    }

    #[tokio::test(start_paused = true)]
    async fn monitor_checks_in_the_background_on_its_interval() {
        let source = Arc::new(FakeSource {
            calls: AtomicUsize::new(0),
            inputs: Mutex::new(inputs(vec![nmap(true, Some(Ok(NMAP_OUT)))])),
        });
        let shutdown = CancellationToken::new();
        let monitor = HealthMonitor::spawn(
            HealthConfig::default(),
            source.clone(),
            Box::new(FixedProbe(calm())),
            shutdown.clone(),
        );
        assert!(!monitor.latest().ready, "pending before the first round");
        let mut rx = monitor.subscribe();
        rx.changed().await.unwrap();
        assert_eq!(monitor.latest().status, HealthStatus::Healthy);
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        // Nothing more until the interval passes.
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        source.inputs.lock().unwrap().breakers = vec![("nmap", BreakerState::Open)];
        rx.changed().await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
        assert_eq!(monitor.latest().status, HealthStatus::Degraded);
        // check_now runs a round at once.
        source.inputs.lock().unwrap().breakers.clear();
        monitor.check_now();
        rx.changed().await.unwrap();
        assert_eq!(monitor.latest().status, HealthStatus::Healthy);
        // New thresholds apply at once.
        monitor.reconfigure(HealthConfig {
            cpu_threshold_percent: 5,
            ..HealthConfig::default()
        });
        rx.changed().await.unwrap();
        assert_eq!(monitor.latest().status, HealthStatus::Degraded);
        let calls = source.calls.load(Ordering::SeqCst);
        shutdown.cancel();
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(source.calls.load(Ordering::SeqCst), calls, "stopped");
    }
}
