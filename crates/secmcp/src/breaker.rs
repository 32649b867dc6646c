//! Per-tool circuit breakers: a pure state machine over an injected clock.
//!
//! Closed → Open after `failure_threshold` consecutive *tool* failures; Open
//! rejects at once with the time until retry; after the recovery timeout
//! (doubled per consecutive trip, capped, with jitter) HalfOpen lets at most
//! `half_open_max_calls` probes through at a time; `half_open_success_threshold`
//! probe successes close it (and reset the backoff), any probe failure re-opens.
//!
//! The caller classifies results: a crash, timeout or execution error is a
//! failure; a validation denial or "host down" is neutral (record nothing, or
//! `record_neutral`). An [`Admission`] dropped without a result releases its
//! probe slot, so an abandoned call cannot wedge a breaker in HalfOpen.
//!
//! This module must not read the clock (callers pass `now`), sleep, log or
//! touch metrics: transitions are returned so `events` can report them.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// How long a caller turned away by a busy HalfOpen breaker should wait.
const HALF_OPEN_BUSY_RETRY: Duration = Duration::from_secs(1);

/// `circuit_breaker`: when a tool that keeps failing is taken out of service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CircuitBreakerConfig {
    /// Use circuit breakers at all. When off, every call is admitted.
    pub enabled: bool,
    /// Consecutive tool failures (crash, timeout, execution error) that open the breaker.
    pub failure_threshold: u32,
    /// Seconds an open breaker rejects calls after its first trip.
    pub recovery_timeout_secs: u64,
    /// Upper bound, in seconds, of the recovery timeout as it doubles on each
    /// consecutive trip (a failed half-open probe is a consecutive trip).
    pub max_recovery_timeout_secs: u64,
    /// Random spread of each recovery timeout, in percent either way.
    pub jitter_percent: u32,
    /// Probe calls a half-open breaker lets through at the same time.
    pub half_open_max_calls: u32,
    /// Successful probes that close a half-open breaker.
    pub half_open_success_threshold: u32,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            failure_threshold: 5,
            recovery_timeout_secs: 60,
            max_recovery_timeout_secs: 600,
            jitter_percent: 10,
            half_open_max_calls: 1,
            half_open_success_threshold: 1,
        }
    }
}

impl CircuitBreakerConfig {
    /// Checks every field; `prefix` is the section's dotted path (e.g. `circuit_breaker`).
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        p.range(
            prefix,
            "failure_threshold",
            self.failure_threshold.into(),
            1,
            1000,
        );
        p.range(
            prefix,
            "recovery_timeout_secs",
            self.recovery_timeout_secs,
            1,
            86_400,
        );
        p.range(
            prefix,
            "max_recovery_timeout_secs",
            self.max_recovery_timeout_secs,
            self.recovery_timeout_secs,
            86_400,
        );
        p.range(prefix, "jitter_percent", self.jitter_percent.into(), 0, 50);
        p.range(
            prefix,
            "half_open_max_calls",
            self.half_open_max_calls.into(),
            1,
            100,
        );
        p.range(
            prefix,
            "half_open_success_threshold",
            self.half_open_success_threshold.into(),
            1,
            100,
        );
    }
}

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls flow; failures are counted.
    Closed,
    /// A limited number of probe calls test whether the tool works again.
    HalfOpen,
    /// Calls are rejected until the recovery timeout passes.
    Open,
}

impl BreakerState {
    /// The stable spelling (also a metric label value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::HalfOpen => "half_open",
            Self::Open => "open",
        }
    }

    /// The `circuit_breaker_state` gauge value: 0 closed, 1 half-open, 2 open.
    pub fn gauge_value(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state change, returned by the call that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// State before.
    pub from: BreakerState,
    /// State after.
    pub to: BreakerState,
    /// Consecutive failures counted when it happened.
    pub consecutive_failures: u32,
    /// Consecutive trips (0 once closed again).
    pub trips: u32,
    /// When `to` is `Open`: how long it stays open.
    pub open_for: Option<Duration>,
}

/// A call refused because the breaker is open (or half-open with every probe slot taken).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker is {state}; retry in {} s", retry_after.as_secs().max(1))]
pub struct OpenError {
    /// `Open`, or `HalfOpen` when all probe slots are busy.
    pub state: BreakerState,
    /// Time until a call may be admitted.
    pub retry_after: Duration,
}

/// A source of jitter: each sample is uniform in `[-1.0, 1.0]`.
pub trait JitterSource: Send + Sync {
    /// One sample in `[-1.0, 1.0]` (values outside are clamped).
    fn sample(&self) -> f64;
}

/// Jitter from a fast non-cryptographic generator (the production source).
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomJitter;

impl JitterSource for RandomJitter {
    fn sample(&self) -> f64 {
        fastrand::f64() * 2.0 - 1.0
    }
}

/// Always the same sample (for tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedJitter(pub f64);

impl JitterSource for FixedJitter {
    fn sample(&self) -> f64 {
        self.0
    }
}

/// Proof of one admission, spent by exactly one of `record_*` or `abandon`.
#[derive(Debug)]
#[must_use = "a ticket must be spent with record_success, record_failure, record_neutral or abandon"]
pub struct Ticket {
    epoch: u64,
    probe: bool,
}

impl Ticket {
    /// Whether this call is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

/// Lifetime totals of one breaker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BreakerCounts {
    /// Results recorded as success.
    pub successes: u64,
    /// Results recorded as failure.
    pub failures: u64,
    /// Calls refused while open or half-open-busy.
    pub rejections: u64,
    /// Admitted calls that ended with no result (dropped or neutral).
    pub no_result: u64,
    /// Times the breaker opened.
    pub opened: u64,
    /// State changes of any kind.
    pub transitions: u64,
}

/// A breaker's state and counts, for metrics and health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakerSnapshot {
    /// Current state.
    pub state: BreakerState,
    /// Consecutive failures so far.
    pub consecutive_failures: u32,
    /// Consecutive trips (drives the backoff).
    pub trips: u32,
    /// Probes running now (half-open only).
    pub probes_in_flight: u32,
    /// Probe successes so far (half-open only).
    pub probe_successes: u32,
    /// Open only: milliseconds until a probe may go through (0 when it may now).
    pub retry_after_ms: Option<u64>,
    /// Lifetime totals.
    pub counts: BreakerCounts,
}

/// One tool's breaker: the pure state machine.
pub struct Breaker {
    config: CircuitBreakerConfig,
    jitter: Arc<dyn JitterSource>,
    state: BreakerState,
    /// Bumped on every transition; tickets from an older epoch are stale.
    epoch: u64,
    consecutive_failures: u32,
    trips: u32,
    open_until: Option<Instant>,
    probes_in_flight: u32,
    probe_successes: u32,
    counts: BreakerCounts,
}

impl fmt::Debug for Breaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Breaker")
            .field("state", &self.state)
            .field("epoch", &self.epoch)
            .field("consecutive_failures", &self.consecutive_failures)
            .field("trips", &self.trips)
            .finish_non_exhaustive()
    }
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: CircuitBreakerConfig, jitter: Arc<dyn JitterSource>) -> Self {
        Self {
            config,
            jitter,
            state: BreakerState::Closed,
            epoch: 0,
            consecutive_failures: 0,
            trips: 0,
            open_until: None,
            probes_in_flight: 0,
            probe_successes: 0,
            counts: BreakerCounts::default(),
        }
    }

    /// The current state (an open breaker past its timeout turns half-open on
    /// the next `admit`).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Admits a call or refuses it. Also returns the transition the admission
    /// caused (Open → HalfOpen when the recovery timeout has passed).
    pub fn admit(&mut self, now: Instant) -> Result<(Ticket, Option<Transition>), OpenError> {
        if !self.config.enabled {
            return Ok((self.ticket(false), None));
        }
        let mut transition = None;
        if self.state == BreakerState::Open {
            let until = self.open_until.unwrap_or(now);
            if now < until {
                self.counts.rejections += 1;
                return Err(OpenError {
                    state: BreakerState::Open,
                    retry_after: until - now,
                });
            }
            transition = Some(self.go(BreakerState::HalfOpen, None));
        }
        match self.state {
            BreakerState::Closed => Ok((self.ticket(false), transition)),
            BreakerState::HalfOpen if self.probes_in_flight < self.config.half_open_max_calls => {
                self.probes_in_flight += 1;
                Ok((self.ticket(true), transition))
            }
            _ => {
                self.counts.rejections += 1;
                Err(OpenError {
                    state: BreakerState::HalfOpen,
                    retry_after: HALF_OPEN_BUSY_RETRY,
                })
            }
        }
    }

    /// Records a successful tool run.
    pub fn record_success(&mut self, ticket: Ticket, _now: Instant) -> Option<Transition> {
        self.counts.successes += 1;
        if !self.current(&ticket) {
            return None;
        }
        match self.state {
            BreakerState::Closed => {
                self.consecutive_failures = 0;
                None
            }
            BreakerState::HalfOpen => {
                self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
                self.probe_successes += 1;
                (self.probe_successes >= self.config.half_open_success_threshold).then(|| {
                    self.consecutive_failures = 0;
                    self.trips = 0;
                    self.go(BreakerState::Closed, None)
                })
            }
            BreakerState::Open => None,
        }
    }

    /// Records a tool failure (crash, timeout, execution error).
    pub fn record_failure(&mut self, ticket: Ticket, now: Instant) -> Option<Transition> {
        self.counts.failures += 1;
        if !self.current(&ticket) {
            return None;
        }
        match self.state {
            BreakerState::Closed => {
                self.consecutive_failures += 1;
                (self.consecutive_failures >= self.config.failure_threshold).then(|| self.trip(now))
            }
            BreakerState::HalfOpen => {
                self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
                self.consecutive_failures += 1;
                Some(self.trip(now))
            }
            BreakerState::Open => None,
        }
    }

    /// Ends an admitted call with no result (dropped, cancelled, or a neutral
    /// outcome such as a validation denial or "host down"): frees a probe slot.
    pub fn abandon(&mut self, ticket: Ticket) {
        self.counts.no_result += 1;
        if self.current(&ticket) && ticket.probe && self.state == BreakerState::HalfOpen {
            self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        }
    }

    /// State and counts at `now`.
    pub fn snapshot(&self, now: Instant) -> BreakerSnapshot {
        let retry_after_ms = match (self.state, self.open_until) {
            (BreakerState::Open, Some(until)) => {
                Some(until.saturating_duration_since(now).as_millis() as u64)
            }
            _ => None,
        };
        BreakerSnapshot {
            state: self.state,
            consecutive_failures: self.consecutive_failures,
            trips: self.trips,
            probes_in_flight: self.probes_in_flight,
            probe_successes: self.probe_successes,
            retry_after_ms,
            counts: self.counts,
        }
    }

    /// Applies a new config. The state is kept (a breaker open now stays open
    /// until its current timeout) unless breakers are switched off, which
    /// closes it.
    pub fn set_config(&mut self, config: CircuitBreakerConfig) -> Option<Transition> {
        let disable = !config.enabled && self.state != BreakerState::Closed;
        self.config = config;
        disable.then(|| {
            self.consecutive_failures = 0;
            self.trips = 0;
            self.go(BreakerState::Closed, None)
        })
    }

    /// The recovery timeout of trip number `trips` (1-based) before jitter.
    fn backoff(&self, trips: u32) -> Duration {
        let base = self.config.recovery_timeout_secs;
        let cap = self.config.max_recovery_timeout_secs.max(base);
        let factor = 1u64
            .checked_shl(trips.saturating_sub(1))
            .unwrap_or(u64::MAX);
        Duration::from_secs(base.saturating_mul(factor).min(cap))
    }

    fn trip(&mut self, now: Instant) -> Transition {
        self.trips = self.trips.saturating_add(1);
        let backoff = self.backoff(self.trips);
        let spread = f64::from(self.config.jitter_percent) / 100.0;
        let factor = 1.0 + spread * self.jitter.sample().clamp(-1.0, 1.0);
        let cap = Duration::from_secs(self.config.max_recovery_timeout_secs).max(backoff);
        let open_for = backoff.mul_f64(factor).min(cap);
        self.open_until = Some(now + open_for);
        self.counts.opened += 1;
        self.go(BreakerState::Open, Some(open_for))
    }

    fn go(&mut self, to: BreakerState, open_for: Option<Duration>) -> Transition {
        let from = self.state;
        self.state = to;
        self.epoch += 1;
        self.probes_in_flight = 0;
        self.probe_successes = 0;
        if to != BreakerState::Open {
            self.open_until = None;
        }
        self.counts.transitions += 1;
        Transition {
            from,
            to,
            consecutive_failures: self.consecutive_failures,
            trips: self.trips,
            open_for,
        }
    }

    fn ticket(&self, probe: bool) -> Ticket {
        Ticket {
            epoch: self.epoch,
            probe,
        }
    }

    /// Whether a ticket belongs to the current state (results of calls admitted
    /// before a transition are counted but change nothing).
    fn current(&self, ticket: &Ticket) -> bool {
        self.config.enabled && ticket.epoch == self.epoch
    }
}

/// Every tool's breaker, created on first use. Keys are the registry's static
/// tool names, so no caller-supplied string can become a key.
pub struct Breakers {
    config: Mutex<CircuitBreakerConfig>,
    jitter: Arc<dyn JitterSource>,
    map: Mutex<HashMap<&'static str, Arc<Mutex<Breaker>>>>,
}

impl fmt::Debug for Breakers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Breakers")
            .field("config", &*lock(&self.config))
            .finish_non_exhaustive()
    }
}

impl Breakers {
    /// Breakers with random jitter.
    pub fn new(config: CircuitBreakerConfig) -> Self {
        Self::with_jitter(config, Arc::new(RandomJitter))
    }

    /// Breakers with the given jitter source (tests pass [`FixedJitter`]).
    pub fn with_jitter(config: CircuitBreakerConfig, jitter: Arc<dyn JitterSource>) -> Self {
        Self {
            config: Mutex::new(config),
            jitter,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Admits a call of `tool` or refuses it with the time until retry.
    pub fn admit(&self, tool: &'static str, now: Instant) -> Result<Admission, OpenError> {
        let breaker = self.breaker(tool);
        let (ticket, transition) = lock(&breaker).admit(now)?;
        Ok(Admission {
            tool,
            breaker,
            probe: ticket.probe,
            ticket: Some(ticket),
            transition,
        })
    }

    /// The state of `tool`'s breaker (`Closed` if it has never been used).
    pub fn state(&self, tool: &str) -> BreakerState {
        lock(&self.map)
            .get(tool)
            .map_or(BreakerState::Closed, |b| lock(b).state())
    }

    /// Every used breaker's snapshot, sorted by tool name.
    pub fn snapshots(&self, now: Instant) -> Vec<(&'static str, BreakerSnapshot)> {
        let breakers: Vec<_> = lock(&self.map)
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let mut out: Vec<_> = breakers
            .into_iter()
            .map(|(k, b)| (k, lock(&b).snapshot(now)))
            .collect();
        out.sort_by_key(|(k, _)| *k);
        out
    }

    /// Applies a new config to every breaker (state kept); returns the
    /// transitions it caused (only when breakers are switched off).
    pub fn reconfigure(&self, config: CircuitBreakerConfig) -> Vec<(&'static str, Transition)> {
        *lock(&self.config) = config.clone();
        let breakers: Vec<_> = lock(&self.map)
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        breakers
            .into_iter()
            .filter_map(|(k, b)| lock(&b).set_config(config.clone()).map(|t| (k, t)))
            .collect()
    }

    fn breaker(&self, tool: &'static str) -> Arc<Mutex<Breaker>> {
        let mut map = lock(&self.map);
        map.entry(tool)
            .or_insert_with(|| {
                let config = lock(&self.config).clone();
                Arc::new(Mutex::new(Breaker::new(config, self.jitter.clone())))
            })
            .clone()
    }
}

/// One admitted call. Spend it with `record_success`, `record_failure` or
/// `record_neutral`; dropping it counts as "no result" and frees a probe slot.
#[must_use = "dropping an Admission records no result"]
pub struct Admission {
    tool: &'static str,
    breaker: Arc<Mutex<Breaker>>,
    ticket: Option<Ticket>,
    probe: bool,
    transition: Option<Transition>,
}

impl fmt::Debug for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admission")
            .field("tool", &self.tool)
            .field("probe", &self.probe)
            .field("transition", &self.transition)
            .finish_non_exhaustive()
    }
}

impl Admission {
    /// The tool admitted.
    pub fn tool(&self) -> &'static str {
        self.tool
    }

    /// Whether this call is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// The transition this admission caused (Open → HalfOpen), to report once.
    pub fn take_transition(&mut self) -> Option<Transition> {
        self.transition.take()
    }

    /// The tool ran and worked.
    pub fn record_success(mut self, now: Instant) -> Option<Transition> {
        let ticket = self.ticket.take()?;
        lock(&self.breaker).record_success(ticket, now)
    }

    /// The tool crashed, timed out or failed to execute.
    pub fn record_failure(mut self, now: Instant) -> Option<Transition> {
        let ticket = self.ticket.take()?;
        lock(&self.breaker).record_failure(ticket, now)
    }

    /// The call ended with a result that says nothing about the tool's health
    /// (a validation denial, "host down", a client cancellation).
    pub fn record_neutral(mut self) {
        if let Some(ticket) = self.ticket.take() {
            lock(&self.breaker).abandon(ticket);
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            lock(&self.breaker).abandon(ticket);
        }
    }
}

/// Locks a mutex, ignoring poisoning (every critical section leaves the
/// breaker consistent, so a panic elsewhere cannot corrupt it).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOL: &str = "nmap";

    fn config() -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            failure_threshold: 3,
            recovery_timeout_secs: 10,
            max_recovery_timeout_secs: 100,
            jitter_percent: 10,
            ..CircuitBreakerConfig::default()
        }
    }

    fn breakers(c: CircuitBreakerConfig) -> Breakers {
        Breakers::with_jitter(c, Arc::new(FixedJitter(0.0)))
    }

    fn fail(b: &Breakers, now: Instant) -> Option<Transition> {
        b.admit(TOOL, now).unwrap().record_failure(now)
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn defaults_match_the_design_and_validate() {
        let c = CircuitBreakerConfig::default();
        assert_eq!(c.failure_threshold, 5);
        assert_eq!(c.recovery_timeout_secs, 60);
        assert_eq!(c.max_recovery_timeout_secs, 600);
        assert_eq!(c.half_open_max_calls, 1);
        assert_eq!(c.half_open_success_threshold, 1);
        crate::validate::first_error(|p| c.validate("circuit_breaker", p)).unwrap();
        let bad = CircuitBreakerConfig {
            max_recovery_timeout_secs: 5,
            ..c.clone()
        };
        let e = crate::validate::first_error(|p| bad.validate("circuit_breaker", p)).unwrap_err();
        assert_eq!(e.field, "circuit_breaker.max_recovery_timeout_secs");
        assert!(e.message.contains("allowed 60..=86400"), "{e}");
        let zero = CircuitBreakerConfig {
            failure_threshold: 0,
            ..c
        };
        assert_eq!(
            crate::validate::first_error(|p| zero.validate("cb", p))
                .unwrap_err()
                .field,
            "cb.failure_threshold"
        );
    }

    #[test]
    fn config_rejects_unknown_fields_and_fills_defaults() {
        let c: CircuitBreakerConfig = serde_json::from_str(r#"{"failure_threshold": 2}"#).unwrap();
        assert_eq!(c.failure_threshold, 2);
        assert_eq!(c.recovery_timeout_secs, 60);
        assert!(serde_json::from_str::<CircuitBreakerConfig>(r#"{"threshold": 2}"#).is_err());
    }

    #[test]
    fn closed_opens_after_threshold_consecutive_failures_only() {
        let b = breakers(config());
        let t0 = Instant::now();
        assert!(fail(&b, t0).is_none());
        assert!(fail(&b, t0).is_none());
        // A success resets the run of failures.
        assert!(b.admit(TOOL, t0).unwrap().record_success(t0).is_none());
        assert!(fail(&b, t0).is_none());
        assert!(fail(&b, t0).is_none());
        assert_eq!(b.state(TOOL), BreakerState::Closed);
        let t = fail(&b, t0).expect("third consecutive failure opens");
        assert_eq!((t.from, t.to), (BreakerState::Closed, BreakerState::Open));
        assert_eq!(t.consecutive_failures, 3);
        assert_eq!(t.trips, 1);
        assert_eq!(t.open_for, Some(secs(10)));
        assert_eq!(b.state(TOOL), BreakerState::Open);
    }

    #[test]
    fn neutral_results_do_not_count() {
        let b = breakers(config());
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        for _ in 0..10 {
            b.admit(TOOL, t0).unwrap().record_neutral();
            drop(b.admit(TOOL, t0).unwrap());
        }
        assert_eq!(b.state(TOOL), BreakerState::Closed);
        let s = &b.snapshots(t0)[0].1;
        assert_eq!(s.consecutive_failures, 2);
        assert_eq!(s.counts.no_result, 20);
        assert!(fail(&b, t0).is_some(), "the run of failures continues");
    }

    #[test]
    fn open_rejects_with_retry_after_then_half_opens() {
        let b = breakers(config());
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let e = b.admit(TOOL, t0 + secs(4)).unwrap_err();
        assert_eq!(e.state, BreakerState::Open);
        assert_eq!(e.retry_after, secs(6));
        assert_eq!(e.to_string(), "circuit breaker is open; retry in 6 s");
        let snap = &b.snapshots(t0 + secs(4))[0].1;
        assert_eq!(snap.retry_after_ms, Some(6000));
        assert_eq!(snap.counts.rejections, 1);
        let mut probe = b.admit(TOOL, t0 + secs(10)).unwrap();
        assert!(probe.is_probe());
        let t = probe.take_transition().unwrap();
        assert_eq!((t.from, t.to), (BreakerState::Open, BreakerState::HalfOpen));
        assert!(probe.take_transition().is_none(), "reported once");
        assert_eq!(b.state(TOOL), BreakerState::HalfOpen);
        let t = probe.record_success(t0 + secs(11)).unwrap();
        assert_eq!(
            (t.from, t.to),
            (BreakerState::HalfOpen, BreakerState::Closed)
        );
        assert_eq!(t.trips, 0);
        assert_eq!(b.state(TOOL), BreakerState::Closed);
    }

    #[test]
    fn half_open_failure_reopens_with_doubled_backoff_capped() {
        let b = breakers(config());
        let mut now = Instant::now();
        for _ in 0..3 {
            fail(&b, now);
        }
        let mut expected = vec![];
        for trip in 2..=6u32 {
            now += secs(1000);
            let t = fail(&b, now).expect("probe failure re-opens");
            assert_eq!((t.from, t.to), (BreakerState::HalfOpen, BreakerState::Open));
            assert_eq!(t.trips, trip);
            expected.push(t.open_for.unwrap().as_secs());
        }
        assert_eq!(expected, [20, 40, 80, 100, 100]);
        // Success closes and resets the backoff: the next trip is back to 10 s.
        now += secs(1000);
        assert!(b.admit(TOOL, now).unwrap().record_success(now).is_some());
        for _ in 0..2 {
            fail(&b, now);
        }
        assert_eq!(fail(&b, now).unwrap().open_for, Some(secs(10)));
    }

    #[test]
    fn backoff_does_not_overflow_after_many_trips() {
        let b = breakers(CircuitBreakerConfig {
            failure_threshold: 1,
            ..config()
        });
        let mut now = Instant::now();
        for _ in 0..200 {
            let t = fail(&b, now).unwrap();
            assert!(t.open_for.unwrap() <= secs(100));
            now += secs(200);
        }
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_under_the_cap() {
        for (sample, want_ms) in [(1.0, 11_000), (-1.0, 9_000), (0.5, 10_500), (7.0, 11_000)] {
            let b = Breakers::with_jitter(
                CircuitBreakerConfig {
                    failure_threshold: 1,
                    ..config()
                },
                Arc::new(FixedJitter(sample)),
            );
            let t = fail(&b, Instant::now()).unwrap();
            assert_eq!(t.open_for.unwrap().as_millis(), want_ms, "sample {sample}");
        }
        // At the cap, jitter only shortens.
        let b = Breakers::with_jitter(
            CircuitBreakerConfig {
                failure_threshold: 1,
                recovery_timeout_secs: 100,
                ..config()
            },
            Arc::new(FixedJitter(1.0)),
        );
        assert_eq!(fail(&b, Instant::now()).unwrap().open_for, Some(secs(100)));
        // Real randomness stays within bounds.
        let b = Breakers::new(CircuitBreakerConfig {
            failure_threshold: 1,
            ..config()
        });
        let mut now = Instant::now();
        for _ in 0..200 {
            let d = fail(&b, now).unwrap().open_for.unwrap();
            assert!(d >= secs(9) && d <= secs(100), "{d:?}");
            now += secs(1000);
            b.admit(TOOL, now).unwrap().record_success(now).unwrap();
        }
    }

    #[test]
    fn half_open_admits_at_most_max_calls_concurrently() {
        let b = breakers(CircuitBreakerConfig {
            half_open_max_calls: 2,
            half_open_success_threshold: 3,
            ..config()
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let now = t0 + secs(10);
        let p1 = b.admit(TOOL, now).unwrap();
        let p2 = b.admit(TOOL, now).unwrap();
        assert!(p1.is_probe() && p2.is_probe());
        let e = b.admit(TOOL, now).unwrap_err();
        assert_eq!(e.state, BreakerState::HalfOpen);
        assert_eq!(e.retry_after, HALF_OPEN_BUSY_RETRY);
        assert!(p1.record_success(now).is_none(), "1 of 3 successes");
        let p3 = b.admit(TOOL, now).expect("a slot was freed");
        assert!(p2.record_success(now).is_none(), "2 of 3");
        assert_eq!(b.snapshots(now)[0].1.probe_successes, 2);
        let t = p3.record_success(now).expect("3 of 3 closes");
        assert_eq!(t.to, BreakerState::Closed);
    }

    #[test]
    fn dropped_probe_frees_its_slot() {
        let b = breakers(config());
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let now = t0 + secs(10);
        let probe = b.admit(TOOL, now).unwrap();
        assert!(b.admit(TOOL, now).is_err(), "the one slot is taken");
        drop(probe);
        assert_eq!(b.state(TOOL), BreakerState::HalfOpen);
        let probe = b.admit(TOOL, now).expect("not wedged");
        probe.record_neutral();
        let probe = b.admit(TOOL, now).expect("neutral frees it too");
        assert_eq!(probe.record_success(now).unwrap().to, BreakerState::Closed);
    }

    #[test]
    fn results_from_before_a_transition_change_nothing() {
        let b = breakers(config());
        let t0 = Instant::now();
        // Five calls admitted while closed; three fail and open the breaker.
        let early: Vec<_> = (0..5).map(|_| b.admit(TOOL, t0).unwrap()).collect();
        let mut early = early.into_iter();
        for _ in 0..3 {
            early.next().unwrap().record_failure(t0);
        }
        assert_eq!(b.state(TOOL), BreakerState::Open);
        // A late failure does not extend the open period...
        assert!(early.next().unwrap().record_failure(t0 + secs(5)).is_none());
        assert_eq!(
            b.admit(TOOL, t0 + secs(5)).unwrap_err().retry_after,
            secs(5)
        );
        // ...and a late success neither closes it nor counts as a probe.
        let probe = b.admit(TOOL, t0 + secs(10)).unwrap();
        assert!(
            early
                .next()
                .unwrap()
                .record_success(t0 + secs(10))
                .is_none()
        );
        assert_eq!(b.state(TOOL), BreakerState::HalfOpen);
        assert_eq!(probe.record_failure(t0 + secs(11)).unwrap().trips, 2);
        let counts = b.snapshots(t0)[0].1.counts;
        assert_eq!((counts.failures, counts.successes), (5, 1));
    }

    #[test]
    fn disabled_breaker_admits_everything_and_reconfigure_closes() {
        let b = breakers(config());
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let changes = b.reconfigure(CircuitBreakerConfig {
            enabled: false,
            ..config()
        });
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].1.to, BreakerState::Closed);
        for _ in 0..10 {
            assert!(fail(&b, t0).is_none());
        }
        assert_eq!(b.state(TOOL), BreakerState::Closed);
        // Re-enabled with a lower threshold: state kept, new threshold applies.
        assert!(
            b.reconfigure(CircuitBreakerConfig {
                failure_threshold: 1,
                ..config()
            })
            .is_empty()
        );
        assert_eq!(fail(&b, t0).unwrap().to, BreakerState::Open);
    }

    #[test]
    fn breakers_are_independent_per_tool_and_snapshots_sorted() {
        let b = breakers(config());
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        assert!(b.admit("masscan", t0).is_ok());
        assert_eq!(b.state("masscan"), BreakerState::Closed);
        assert_eq!(b.state("never-used"), BreakerState::Closed);
        let names: Vec<_> = b.snapshots(t0).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["masscan", "nmap"]);
    }

    #[test]
    fn state_labels_and_gauge_values() {
        assert_eq!(BreakerState::Closed.gauge_value(), 0);
        assert_eq!(BreakerState::HalfOpen.gauge_value(), 1);
        assert_eq!(BreakerState::Open.gauge_value(), 2);
        assert_eq!(
            serde_json::to_string(&BreakerState::HalfOpen).unwrap(),
            "\"half_open\""
        );
    }

    /// The time arithmetic against tokio's paused clock (no real sleeping).
    #[tokio::test(start_paused = true)]
    async fn recovery_with_a_paused_tokio_clock() {
        let b = breakers(CircuitBreakerConfig {
            failure_threshold: 1,
            ..config()
        });
        let now = || tokio::time::Instant::now().into_std();
        fail(&b, now());
        tokio::time::advance(secs(9)).await;
        let e = b.admit(TOOL, now()).unwrap_err();
        assert_eq!(e.retry_after, secs(1));
        tokio::time::sleep(e.retry_after).await;
        let probe = b.admit(TOOL, now()).unwrap();
        assert_eq!(
            probe.record_failure(now()).unwrap().open_for,
            Some(secs(20))
        );
        tokio::time::advance(secs(20)).await;
        assert!(
            b.admit(TOOL, now())
                .unwrap()
                .record_success(now())
                .is_some()
        );
        assert_eq!(b.state(TOOL), BreakerState::Closed);
    }
}
