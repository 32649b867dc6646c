//! Layered concurrency caps and the per-client rate limit.
//!
//! A tool run holds one slot in each of three layers, taken most specific
//! first: its target (no two heavy scans of one target at once), its tool, and
//! the whole server. A call that cannot get a slot at once waits in a bounded
//! queue for at most `queue_timeout_ms`, then fails with a [`LimitError`] that
//! names the layer. The target layer is keyed on addresses, not on how the
//! target was written: a run holds every address its target covers (a CIDR
//! all of its network), and a run may start only while no address it covers
//! is already held by `max_concurrent_per_target` runs. Only runs that hold
//! slots are tracked, so nothing grows without bound.
//!
//! The rate limit (`governor`, GCRA, keyed by a client key) refuses at once.
//!
//! This module must not decide what a target or a client key is (callers pass
//! the authorized target's address ranges and a session or identity key),
//! start anything, log, or touch metrics.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::validate::Problems;

/// How often (in rate checks) idle client keys are pruned from the limiter.
const PRUNE_EVERY_CHECKS: u64 = 256;

/// `limits`: how much runs at once and how fast one client may call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Tool runs at once across the whole server.
    pub max_concurrent: u32,
    /// Runs of one tool at once (a tool's own `concurrency` setting overrides it).
    pub max_concurrent_per_tool: u32,
    /// Runs at once against one address (however the targets were written: a
    /// CIDR counts against every address it covers).
    pub max_concurrent_per_target: u32,
    /// Milliseconds a call waits for a free slot before `resource_exhausted`.
    pub queue_timeout_ms: u64,
    /// Calls that may wait for a slot at once; one more is refused at once.
    pub max_queued: u32,
    /// Calls one client may make per minute, sustained (0 turns the rate limit off).
    pub rate_per_minute: u32,
    /// Calls one client may make in a burst above the sustained rate.
    pub burst: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 8,
            max_concurrent_per_tool: 2,
            max_concurrent_per_target: 1,
            queue_timeout_ms: 5000,
            max_queued: 32,
            rate_per_minute: 60,
            burst: 16,
        }
    }
}

impl LimitsConfig {
    /// Checks every field; `prefix` is the section's dotted path (e.g. `limits`).
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        p.range(
            prefix,
            "max_concurrent",
            self.max_concurrent.into(),
            1,
            1024,
        );
        p.range(
            prefix,
            "max_concurrent_per_tool",
            self.max_concurrent_per_tool.into(),
            1,
            self.max_concurrent.into(),
        );
        p.range(
            prefix,
            "max_concurrent_per_target",
            self.max_concurrent_per_target.into(),
            1,
            1024,
        );
        p.range(
            prefix,
            "queue_timeout_ms",
            self.queue_timeout_ms,
            0,
            600_000,
        );
        p.range(prefix, "max_queued", self.max_queued.into(), 0, 10_000);
        p.range(
            prefix,
            "rate_per_minute",
            self.rate_per_minute.into(),
            0,
            1_000_000,
        );
        p.range(prefix, "burst", self.burst.into(), 1, 1_000_000);
    }

    fn queue_timeout(&self) -> Duration {
        Duration::from_millis(self.queue_timeout_ms)
    }
}

/// Which limit refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The server-wide concurrency cap.
    Global,
    /// The tool's concurrency cap.
    Tool,
    /// The target's concurrency cap.
    Target,
    /// The client's call rate.
    Rate,
    /// The wait queue is full.
    Queue,
}

impl LimitKind {
    /// The stable spelling (also the `reason` metric label, prefixed `limit_`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Tool => "tool",
            Self::Target => "target",
            Self::Rate => "rate",
            Self::Queue => "queue",
        }
    }

    /// The `tool_rejections_total` reason label.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Global => "limit_global",
            Self::Tool => "limit_tool",
            Self::Target => "limit_target",
            Self::Rate => "limit_rate",
            Self::Queue => "limit_queue",
        }
    }
}

/// A call refused by a limit (the agent sees `resource_exhausted`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} limit reached; retry in {} ms", which.as_str(), retry_after.as_millis())]
pub struct LimitError {
    /// The limit that refused the call.
    pub which: LimitKind,
    /// A hint: how long to wait before retrying.
    pub retry_after: Duration,
}

/// The three concurrency layers and the rate limiter.
#[derive(Clone)]
pub struct Limits {
    inner: Arc<Inner>,
}

struct Inner {
    layers: Mutex<Layers>,
    targets: Mutex<TargetTable>,
    /// Woken whenever a run gives its target addresses back.
    target_freed: Notify,
    queued: AtomicUsize,
    in_flight: Mutex<InFlight>,
    idle: Notify,
    rate: Mutex<Arc<RateLimiter>>,
}

struct Layers {
    config: LimitsConfig,
    global: Arc<Semaphore>,
    tools: HashMap<&'static str, Arc<Semaphore>>,
    tool_caps: HashMap<&'static str, u32>,
}

#[derive(Default)]
struct InFlight {
    total: usize,
    per_tool: HashMap<&'static str, usize>,
}

impl fmt::Debug for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limits")
            .field("config", &lock(&self.inner.layers).config)
            .field("in_flight", &self.in_flight())
            .field("queued", &self.queued())
            .finish_non_exhaustive()
    }
}

impl Limits {
    /// Limits with the given config.
    pub fn new(config: LimitsConfig) -> Self {
        let rate = RateLimiter::new(config.rate_per_minute, config.burst);
        Self {
            inner: Arc::new(Inner {
                layers: Mutex::new(Layers {
                    global: Arc::new(Semaphore::new(config.max_concurrent as usize)),
                    tools: HashMap::new(),
                    tool_caps: HashMap::new(),
                    config,
                }),
                targets: Mutex::new(TargetTable::default()),
                target_freed: Notify::new(),
                queued: AtomicUsize::new(0),
                in_flight: Mutex::new(InFlight::default()),
                idle: Notify::new(),
                rate: Mutex::new(Arc::new(rate)),
            }),
        }
    }

    /// Sets one tool's concurrency cap (its `concurrency` setting). Applies to
    /// calls that start afterwards.
    pub fn set_tool_cap(&self, tool: &'static str, cap: u32) {
        let mut layers = lock(&self.inner.layers);
        layers.tool_caps.insert(tool, cap.max(1));
        layers.tools.remove(tool);
    }

    /// Replaces every tool's own concurrency cap (tools not listed use
    /// `max_concurrent_per_tool`). Applies to calls that start afterwards.
    pub fn set_tool_caps(&self, caps: &[(&'static str, u32)]) {
        let mut layers = lock(&self.inner.layers);
        layers.tool_caps = caps.iter().map(|(t, c)| (*t, (*c).max(1))).collect();
        layers.tools.clear();
    }

    /// Applies a new config to calls that start afterwards; calls in flight
    /// keep the slots they hold (so during the switch a cap may be exceeded by
    /// the calls started under the old one). Rate-limit state is reset only
    /// if the rate settings changed.
    pub fn reconfigure(&self, config: LimitsConfig) {
        let mut layers = lock(&self.inner.layers);
        let rate_changed = (layers.config.rate_per_minute, layers.config.burst)
            != (config.rate_per_minute, config.burst);
        if rate_changed {
            *lock(&self.inner.rate) =
                Arc::new(RateLimiter::new(config.rate_per_minute, config.burst));
        }
        layers.global = Arc::new(Semaphore::new(config.max_concurrent as usize));
        layers.tools.clear();
        layers.config = config;
    }

    /// Checks the client's call rate; refuses at once when over it.
    pub fn check_rate(&self, client_key: &str) -> Result<(), LimitError> {
        let rate = lock(&self.inner.rate).clone();
        rate.check(client_key)
    }

    /// Takes a slot in the target, tool and global layers, in that order,
    /// waiting at most `queue_timeout_ms` in all. `run_timeout` bounds how
    /// long the run will hold its target (a call refused for the target
    /// learns when the runs in its way end at the latest).
    pub async fn acquire(
        &self,
        tool: &'static str,
        target_key: &TargetKey,
        run_timeout: Duration,
    ) -> Result<LimitPermit, LimitError> {
        let (global, tool_sem, config) = {
            let mut layers = lock(&self.inner.layers);
            let cap = layers
                .tool_caps
                .get(tool)
                .copied()
                .unwrap_or(layers.config.max_concurrent_per_tool);
            let tool_sem = layers
                .tools
                .entry(tool)
                .or_insert_with(|| Arc::new(Semaphore::new(cap as usize)))
                .clone();
            (layers.global.clone(), tool_sem, layers.config.clone())
        };
        let deadline = tokio::time::Instant::now() + config.queue_timeout();
        let mut waiting = Waiting {
            inner: &self.inner,
            max_queued: config.max_queued as usize,
            retry_after: config.queue_timeout().max(Duration::from_secs(1)),
            deadline,
            queued: false,
        };
        let target = waiting
            .take_target(
                &self.inner,
                target_key,
                config.max_concurrent_per_target,
                run_timeout,
            )
            .await?;
        let tool_permit = waiting.take(tool_sem, LimitKind::Tool).await?;
        let global_permit = waiting.take(global, LimitKind::Global).await?;
        drop(waiting);
        {
            let mut f = lock(&self.inner.in_flight);
            f.total += 1;
            *f.per_tool.entry(tool).or_default() += 1;
        }
        Ok(LimitPermit {
            inner: self.inner.clone(),
            tool,
            _global: global_permit,
            _tool: tool_permit,
            _target: target,
        })
    }

    /// Tool runs holding slots now.
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.in_flight).total
    }

    /// Runs of `tool` holding slots now.
    pub fn in_flight_for(&self, tool: &str) -> usize {
        lock(&self.inner.in_flight)
            .per_tool
            .get(tool)
            .copied()
            .unwrap_or(0)
    }

    /// Calls waiting for a slot now.
    pub fn queued(&self) -> usize {
        self.inner.queued.load(Ordering::SeqCst)
    }

    /// Runs holding target addresses now.
    pub fn tracked_targets(&self) -> usize {
        lock(&self.inner.targets).holders.len()
    }

    /// Client keys the rate limiter remembers.
    pub fn tracked_clients(&self) -> usize {
        lock(&self.inner.rate).clone().tracked_keys()
    }

    /// Waits until no run holds a slot, or `deadline`. Returns whether idle.
    pub async fn wait_idle(&self, deadline: tokio::time::Instant) -> bool {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.in_flight() == 0;
            }
        }
    }
}

/// One call's place in the queue and its deadline while it takes its slots.
struct Waiting<'a> {
    inner: &'a Inner,
    max_queued: usize,
    retry_after: Duration,
    deadline: tokio::time::Instant,
    queued: bool,
}

impl Waiting<'_> {
    async fn take(
        &mut self,
        sem: Arc<Semaphore>,
        which: LimitKind,
    ) -> Result<OwnedSemaphorePermit, LimitError> {
        match sem.clone().try_acquire_owned() {
            Ok(p) => return Ok(p),
            Err(TryAcquireError::Closed) => return Err(self.error(which)),
            Err(TryAcquireError::NoPermits) => {}
        }
        if !self.queued {
            let joined = self
                .inner
                .queued
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < self.max_queued).then_some(n + 1)
                });
            if joined.is_err() {
                return Err(self.error(LimitKind::Queue));
            }
            self.queued = true;
        }
        match tokio::time::timeout_at(self.deadline, sem.acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(self.error(which)),
        }
    }

    /// Holds `key`'s addresses once no address of it is held by `cap` runs.
    async fn take_target(
        &mut self,
        inner: &Arc<Inner>,
        key: &TargetKey,
        cap: u32,
        run_timeout: Duration,
    ) -> Result<TargetSlot, LimitError> {
        loop {
            let freed = inner.target_freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            // The run holds its target until its timeout at the latest
            // (counted from when it gets the slot, plus the kill grace slack).
            let until = tokio::time::Instant::now() + run_timeout + HOLD_SLACK;
            let blocked_until = match lock(&inner.targets).try_hold(key, cap as usize, until) {
                Ok(id) => {
                    return Ok(TargetSlot {
                        inner: inner.clone(),
                        id,
                        label: key.label.clone(),
                    });
                }
                Err(end) => end,
            };
            if !self.queued {
                let joined =
                    self.inner
                        .queued
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                            (n < self.max_queued).then_some(n + 1)
                        });
                if joined.is_err() {
                    return Err(self.error(LimitKind::Queue));
                }
                self.queued = true;
            }
            if tokio::time::timeout_at(self.deadline, freed).await.is_err() {
                let left = blocked_until.saturating_duration_since(tokio::time::Instant::now());
                return Err(LimitError {
                    which: LimitKind::Target,
                    retry_after: left.max(Duration::from_secs(1)),
                });
            }
        }
    }

    fn error(&self, which: LimitKind) -> LimitError {
        LimitError {
            which,
            retry_after: self.retry_after,
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.queued {
            self.inner.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// What a run targets: the address ranges it covers, and how to name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetKey {
    /// Inclusive ranges over one address space (IPv4 as IPv4-mapped IPv6).
    ranges: Vec<(u128, u128)>,
    /// The target as shown in messages.
    label: String,
}

impl TargetKey {
    /// A key over inclusive address ranges; `label` names it in messages.
    pub fn new(label: impl Into<String>, ranges: &[(IpAddr, IpAddr)]) -> Self {
        let bits = |ip: IpAddr| match ip.to_canonical() {
            IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
            IpAddr::V6(v6) => u128::from(v6),
        };
        Self {
            ranges: ranges
                .iter()
                .map(|&(lo, hi)| (bits(lo), bits(hi)))
                .collect(),
            label: label.into(),
        }
    }

    /// The key of one address or network written as text (`10.0.0.5`,
    /// `10.0.0.0/30`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let ip = s.parse::<IpAddr>().ok()?;
                (ip, if ip.is_ipv4() { 32 } else { 128 })
            }
        };
        let net = secmcp_policy::Cidr::new(addr, prefix)?;
        Some(Self::new(s, &[(net.addr(), net.last())]))
    }

    /// The target as shown in messages.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// Time a run may hold its target beyond its timeout (stopping it).
const HOLD_SLACK: Duration = Duration::from_secs(5);

/// The runs holding target addresses now.
#[derive(Default)]
struct TargetTable {
    holders: HashMap<u64, Holder>,
    next: u64,
}

struct Holder {
    ranges: Vec<(u128, u128)>,
    /// When the run's timeout ends it at the latest.
    until: tokio::time::Instant,
}

impl TargetTable {
    /// Registers `key` (held at most `until`) when no address it covers is
    /// held by `cap` runs already; returns the holder id, or when the first
    /// run in the way ends at the latest.
    fn try_hold(
        &mut self,
        key: &TargetKey,
        cap: usize,
        until: tokio::time::Instant,
    ) -> Result<u64, tokio::time::Instant> {
        // The parts of other runs' ranges that overlap this key, as +1/-1
        // events; the deepest point of their sweep is the most runs any one
        // address of this key already has.
        let mut events: Vec<(u128, i32)> = Vec::new();
        let mut first_end: Option<tokio::time::Instant> = None;
        for h in self.holders.values() {
            for &(lo, hi) in &h.ranges {
                for &(klo, khi) in &key.ranges {
                    let (a, b) = (lo.max(klo), hi.min(khi));
                    if a <= b {
                        events.push((a, 1));
                        events.push((b.saturating_add(1), -1));
                        first_end = Some(first_end.map_or(h.until, |e| e.min(h.until)));
                    }
                }
            }
        }
        // Ends sort before starts at the same point (a range ending at x-1
        // and one starting at x do not overlap).
        events.sort_unstable_by_key(|&(at, d)| (at, d));
        let mut depth = 0i32;
        for (_, d) in events {
            depth += d;
            if depth as usize >= cap {
                return Err(first_end.unwrap_or(until));
            }
        }
        let id = self.next;
        self.next += 1;
        self.holders.insert(
            id,
            Holder {
                ranges: key.ranges.clone(),
                until,
            },
        );
        Ok(id)
    }
}

/// One run's hold on its target addresses, given back on drop.
struct TargetSlot {
    inner: Arc<Inner>,
    id: u64,
    label: String,
}

impl Drop for TargetSlot {
    fn drop(&mut self) {
        lock(&self.inner.targets).holders.remove(&self.id);
        self.inner.target_freed.notify_waiters();
    }
}

/// Slots in all three layers, released on drop.
#[must_use = "the slots are released when the permit is dropped"]
pub struct LimitPermit {
    inner: Arc<Inner>,
    tool: &'static str,
    _global: OwnedSemaphorePermit,
    _tool: OwnedSemaphorePermit,
    _target: TargetSlot,
}

impl fmt::Debug for LimitPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimitPermit")
            .field("tool", &self.tool)
            .field("target", &self._target.label)
            .finish_non_exhaustive()
    }
}

impl Drop for LimitPermit {
    fn drop(&mut self) {
        let mut f = lock(&self.inner.in_flight);
        f.total = f.total.saturating_sub(1);
        if let Some(n) = f.per_tool.get_mut(self.tool) {
            *n = n.saturating_sub(1);
        }
        drop(f);
        self.inner.idle.notify_waiters();
    }
}

type KeyedGcra<C> =
    Gcra<String, HashMapStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A per-client rate limit (GCRA): `burst` calls at once, then
/// `rate_per_minute` sustained. Idle keys are pruned as it goes.
pub struct RateLimiter<C: Clock = MonotonicClock> {
    gcra: Option<KeyedGcra<C>>,
    checks: AtomicU64,
}

impl<C: Clock> fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("enabled", &self.gcra.is_some())
            .finish_non_exhaustive()
    }
}

impl RateLimiter<MonotonicClock> {
    /// A limiter on the monotonic clock; `rate_per_minute` 0 turns it off.
    pub fn new(rate_per_minute: u32, burst: u32) -> Self {
        Self::with_clock(rate_per_minute, burst, MonotonicClock)
    }
}

impl<C: Clock> RateLimiter<C> {
    /// A limiter on the given clock (tests pass governor's `FakeRelativeClock`).
    pub fn with_clock(rate_per_minute: u32, burst: u32, clock: C) -> Self {
        let gcra = NonZeroU32::new(rate_per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            Gcra::hashmap_with_clock(Quota::per_minute(rate).allow_burst(burst), clock)
        });
        Self {
            gcra,
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one call of `key`; refuses at once when over the rate.
    pub fn check(&self, key: &str) -> Result<(), LimitError> {
        let Some(gcra) = &self.gcra else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY_CHECKS
            == PRUNE_EVERY_CHECKS - 1
        {
            self.prune();
        }
        gcra.check_key(&key.to_owned())
            .map_err(|not_until| LimitError {
                which: LimitKind::Rate,
                retry_after: not_until
                    .wait_time_from(gcra.clock().now())
                    .max(Duration::from_millis(1)),
            })
    }

    /// Forgets keys whose state is indistinguishable from a fresh one.
    pub fn prune(&self) {
        if let Some(gcra) = &self.gcra {
            gcra.retain_recent();
            gcra.shrink_to_fit();
        }
    }

    /// Keys remembered now.
    pub fn tracked_keys(&self) -> usize {
        self.gcra.as_ref().map_or(0, |g| g.len())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    /// The timeout of the runs in these tests.
    const RUN: Duration = Duration::from_secs(30);

    /// A target key for an address or network literal.
    fn k(s: &str) -> TargetKey {
        TargetKey::parse(s).unwrap()
    }

    fn config() -> LimitsConfig {
        LimitsConfig {
            queue_timeout_ms: 50,
            ..LimitsConfig::default()
        }
    }

    #[test]
    fn defaults_and_validation() {
        let c = LimitsConfig::default();
        assert_eq!(
            (
                c.max_concurrent,
                c.max_concurrent_per_tool,
                c.max_concurrent_per_target
            ),
            (8, 2, 1)
        );
        assert_eq!((c.queue_timeout_ms, c.max_queued), (5000, 32));
        assert_eq!((c.rate_per_minute, c.burst), (60, 16));
        crate::validate::first_error(|p| c.validate("limits", p)).unwrap();
        let bad = LimitsConfig {
            max_concurrent_per_tool: 9,
            ..c.clone()
        };
        let e = crate::validate::first_error(|p| bad.validate("limits", p)).unwrap_err();
        assert_eq!(e.field, "limits.max_concurrent_per_tool");
        assert!(e.message.ends_with("allowed 1..=8"), "{e}");
        assert!(serde_json::from_str::<LimitsConfig>(r#"{"global": 1}"#).is_err());
    }

    /// 50 parallel calls across 4 tools and 10 targets: no layer's cap is ever
    /// exceeded, and every call eventually runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn caps_hold_under_a_burst() {
        let limits = Limits::new(LimitsConfig {
            max_concurrent: 5,
            max_concurrent_per_tool: 2,
            max_concurrent_per_target: 1,
            queue_timeout_ms: 30_000,
            max_queued: 100,
            ..LimitsConfig::default()
        });
        const TOOLS: [&str; 4] = ["a", "b", "c", "d"];
        #[derive(Default)]
        struct Seen {
            total: usize,
            max_total: usize,
            tools: HashMap<&'static str, usize>,
            max_tool: usize,
            targets: HashMap<String, usize>,
            max_target: usize,
        }
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut tasks = Vec::new();
        for i in 0..50 {
            let limits = limits.clone();
            let seen = seen.clone();
            tasks.push(tokio::spawn(async move {
                let tool = TOOLS[i % 4];
                let target = format!("10.0.0.{}", i % 10);
                let _p = limits.acquire(tool, &k(&target), RUN).await.unwrap();
                {
                    let mut s = lock(&seen);
                    s.total += 1;
                    s.max_total = s.max_total.max(s.total);
                    let t = s.tools.entry(tool).or_default();
                    *t += 1;
                    let t = *t;
                    s.max_tool = s.max_tool.max(t);
                    let g = s.targets.entry(target.clone()).or_default();
                    *g += 1;
                    let g = *g;
                    s.max_target = s.max_target.max(g);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                let mut s = lock(&seen);
                s.total -= 1;
                *s.tools.get_mut(tool).unwrap() -= 1;
                *s.targets.get_mut(&target).unwrap() -= 1;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let s = lock(&seen);
        assert!(s.max_total <= 5, "global {}", s.max_total);
        assert!(s.max_tool <= 2, "tool {}", s.max_tool);
        assert_eq!(s.max_target, 1);
        assert!(s.max_total >= 2, "ran in parallel at all");
        assert_eq!(limits.in_flight(), 0);
        assert_eq!(limits.queued(), 0);
        assert_eq!(limits.tracked_targets(), 0, "target map cleaned up");
    }

    #[tokio::test(start_paused = true)]
    async fn queue_timeout_names_the_layer() {
        let limits = Limits::new(LimitsConfig {
            max_concurrent: 2,
            max_concurrent_per_tool: 1,
            ..config()
        });
        let started = tokio::time::Instant::now();
        let held = limits.acquire("a", &k("10.0.1.1"), RUN).await.unwrap();
        // Same target: the target layer refuses, after the queue timeout.
        let e = limits.acquire("b", &k("10.0.1.1"), RUN).await.unwrap_err();
        assert_eq!(e.which, LimitKind::Target);
        assert_eq!(started.elapsed(), Duration::from_millis(50));
        // It learns when the run in its way ends at the latest: its timeout
        // (plus the slack to stop it), counted from when it took the slot.
        assert_eq!(e.retry_after, RUN + HOLD_SLACK - Duration::from_millis(50));
        // Same tool, other target: the tool layer refuses.
        assert_eq!(
            limits
                .acquire("a", &k("10.0.1.2"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Tool
        );
        // Other tool and target, but the global cap (2) is full.
        let _b = limits.acquire("b", &k("10.0.1.2"), RUN).await.unwrap();
        assert_eq!(
            limits
                .acquire("c", &k("10.0.1.3"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Global
        );
        assert_eq!((limits.in_flight(), limits.in_flight_for("a")), (2, 1));
        drop(held);
        let _c = limits.acquire("c", &k("10.0.1.3"), RUN).await.unwrap();
        assert_eq!(limits.in_flight_for("a"), 0);
        assert_eq!(limits.queued(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_call_gets_the_slot_when_freed() {
        let limits = Limits::new(config());
        let held = limits.acquire("a", &k("10.0.1.9"), RUN).await.unwrap();
        let l2 = limits.clone();
        let waiter =
            tokio::spawn(async move { l2.acquire("a", &k("10.0.1.9"), RUN).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(limits.queued(), 1);
        drop(held);
        waiter.await.unwrap().unwrap();
        assert_eq!(limits.queued(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn full_queue_refuses_at_once() {
        let limits = Limits::new(LimitsConfig {
            max_queued: 2,
            ..config()
        });
        let _held = limits.acquire("a", &k("10.0.1.9"), RUN).await.unwrap();
        let mut waiters = Vec::new();
        for _ in 0..2 {
            let l = limits.clone();
            waiters.push(tokio::spawn(async move {
                l.acquire("a", &k("10.0.1.9"), RUN).await.map(|_| ())
            }));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(limits.queued(), 2);
        let before = tokio::time::Instant::now();
        let e = limits.acquire("a", &k("10.0.1.9"), RUN).await.unwrap_err();
        assert_eq!(e.which, LimitKind::Queue);
        assert_eq!(before.elapsed(), Duration::ZERO);
        for w in waiters {
            assert_eq!(w.await.unwrap().unwrap_err().which, LimitKind::Target);
        }
        assert_eq!(limits.queued(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn targets_are_independent_and_cleaned_up() {
        let limits = Limits::new(LimitsConfig {
            max_concurrent_per_tool: 4,
            ..config()
        });
        let a = limits.acquire("nmap", &k("10.0.0.1"), RUN).await.unwrap();
        let b = limits.acquire("nmap", &k("10.0.0.2"), RUN).await.unwrap();
        assert_eq!(limits.tracked_targets(), 2);
        // A refused waiter does not leave its target behind either.
        assert!(limits.acquire("nmap", &k("10.0.0.1"), RUN).await.is_err());
        assert_eq!(limits.tracked_targets(), 2);
        drop(a);
        assert_eq!(limits.tracked_targets(), 1);
        drop(b);
        assert_eq!(limits.tracked_targets(), 0);
        for i in 0..1000 {
            drop(
                limits
                    .acquire("nmap", &k(&format!("10.1.{}.{}", i / 256, i % 256)), RUN)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(limits.tracked_targets(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn tool_cap_override_and_reconfigure() {
        let limits = Limits::new(config());
        limits.set_tool_cap("nmap", 1);
        let _a = limits.acquire("nmap", &k("10.0.1.1"), RUN).await.unwrap();
        assert_eq!(
            limits
                .acquire("nmap", &k("10.0.1.2"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Tool
        );
        let _b = limits.acquire("other", &k("10.0.1.2"), RUN).await.unwrap();
        let _c = limits.acquire("other", &k("10.0.1.3"), RUN).await.unwrap();
        limits.reconfigure(LimitsConfig {
            max_concurrent: 1,
            ..config()
        });
        // Calls in flight keep their slots; new calls see the new global cap.
        assert_eq!(limits.in_flight(), 3);
        let _d = limits.acquire("x", &k("10.0.1.4"), RUN).await.unwrap();
        assert_eq!(
            limits
                .acquire("y", &k("10.0.1.5"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Global
        );
    }

    #[tokio::test(start_paused = true)]
    async fn wait_idle_waits_for_the_last_permit_or_the_deadline() {
        let limits = Limits::new(config());
        assert!(limits.wait_idle(tokio::time::Instant::now()).await);
        let p = limits.acquire("a", &k("10.0.1.9"), RUN).await.unwrap();
        let soon = tokio::time::Instant::now() + Duration::from_secs(1);
        assert!(!limits.wait_idle(soon).await);
        let l = limits.clone();
        let idle = tokio::spawn(async move {
            l.wait_idle(tokio::time::Instant::now() + Duration::from_secs(60))
                .await
        });
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(p);
        assert!(idle.await.unwrap());
    }

    #[test]
    fn rate_limit_burst_then_refusal_then_recovery() {
        let clock = FakeRelativeClock::default();
        let rl = RateLimiter::with_clock(60, 10, clock.clone());
        for i in 0..10 {
            assert!(rl.check("session-1").is_ok(), "burst call {i}");
        }
        let e = rl.check("session-1").unwrap_err();
        assert_eq!(e.which, LimitKind::Rate);
        assert!(
            e.retry_after > Duration::ZERO && e.retry_after <= Duration::from_secs(1),
            "{e:?}"
        );
        // Another client is unaffected.
        assert!(rl.check("session-2").is_ok());
        // 60 per minute = one per second.
        clock.advance(Duration::from_secs(1));
        assert!(rl.check("session-1").is_ok());
        assert!(rl.check("session-1").is_err());
        // After a long idle, the whole burst is back and the keys can be pruned.
        clock.advance(Duration::from_secs(60));
        assert_eq!(rl.tracked_keys(), 2);
        rl.prune();
        assert_eq!(rl.tracked_keys(), 0);
        for _ in 0..10 {
            assert!(rl.check("session-1").is_ok());
        }
    }

    #[test]
    fn rate_zero_is_off_and_limits_check_rate_uses_the_config() {
        let rl = RateLimiter::new(0, 1);
        for _ in 0..1000 {
            rl.check("k").unwrap();
        }
        assert_eq!(rl.tracked_keys(), 0);
        let limits = Limits::new(LimitsConfig {
            rate_per_minute: 1,
            burst: 2,
            ..config()
        });
        assert!(limits.check_rate("c").is_ok());
        assert!(limits.check_rate("c").is_ok());
        let e = limits.check_rate("c").unwrap_err();
        assert_eq!(e.which, LimitKind::Rate);
        assert!(e.retry_after > Duration::from_secs(25), "{e:?}");
        assert_eq!(limits.tracked_clients(), 1);
        assert_eq!(e.to_string().split(';').next(), Some("rate limit reached"));
    }

    #[test]
    fn idle_keys_are_pruned_as_checks_go() {
        let clock = FakeRelativeClock::default();
        let rl = RateLimiter::with_clock(60, 1, clock.clone());
        for i in 0..(PRUNE_EVERY_CHECKS - 1) {
            rl.check(&format!("client-{i}")).unwrap();
        }
        assert_eq!(rl.tracked_keys(), (PRUNE_EVERY_CHECKS - 1) as usize);
        clock.advance(Duration::from_secs(10));
        rl.check("late").unwrap();
        assert_eq!(rl.tracked_keys(), 1, "only the fresh key is kept");
    }

    /// However a target is written, runs against one address are counted
    /// together: an address, its /32, and the networks around it all hold it.
    #[tokio::test(start_paused = true)]
    async fn target_layer_counts_addresses_not_spellings() {
        let limits = Limits::new(config());
        let held = limits.acquire("a", &k("10.0.0.5"), RUN).await.unwrap();
        for other in [
            "10.0.0.5/32",
            "10.0.0.4/31",
            "10.0.0.4/30",
            "10.0.0.0/24",
            "::ffff:10.0.0.5",
        ] {
            let e = limits.acquire("b", &k(other), RUN).await.unwrap_err();
            assert_eq!(e.which, LimitKind::Target, "{other}");
        }
        // Neighbours that do not cover it run.
        let n = limits.acquire("b", &k("10.0.0.6/31"), RUN).await.unwrap();
        drop((held, n));
        let net = limits.acquire("c", &k("10.0.0.0/29"), RUN).await.unwrap();
        assert_eq!(
            limits
                .acquire("d", &k("10.0.0.1"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Target
        );
        drop(net);
    }

    #[tokio::test(start_paused = true)]
    async fn target_cap_above_one_counts_the_deepest_address() {
        let limits = Limits::new(LimitsConfig {
            max_concurrent_per_target: 2,
            max_concurrent_per_tool: 8,
            ..config()
        });
        let _a = limits.acquire("a", &k("10.0.0.0/30"), RUN).await.unwrap();
        let _b = limits.acquire("a", &k("10.0.0.2/31"), RUN).await.unwrap();
        // 10.0.0.0/31 is held once: a second run fits.
        let _c = limits.acquire("a", &k("10.0.0.0/31"), RUN).await.unwrap();
        // 10.0.0.3 is held twice already.
        assert_eq!(
            limits
                .acquire("a", &k("10.0.0.3"), RUN)
                .await
                .unwrap_err()
                .which,
            LimitKind::Target
        );
    }
}
