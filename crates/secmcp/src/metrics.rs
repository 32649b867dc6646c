//! Prometheus metrics (OpenMetrics text via `prometheus-client`).
//!
//! Per tool: executions by outcome, duration, in-flight, rejections by
//! reason, timeouts, truncations, breaker state and transitions. System:
//! uptime, requests by method, errors by code, active sessions, config
//! reloads by result. The name prefix is configurable.
//!
//! Every label value is a `&'static str` (a registry tool name, an outcome or
//! error code, a reason, a state), so no target, host name, client identity or
//! other caller-supplied text can become a label. Counters are changed only by
//! `events` (so log line and metric stay together); the gauges that follow a
//! scope (`in_flight`, `session`) are RAII guards. This module must not log or
//! serve HTTP; the transports serve [`Metrics::encode`].

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use serde::{Deserialize, Serialize};

use crate::breaker::BreakerState;
use crate::health::HealthReport;
use crate::validate::{Problems, field};

/// The `Content-Type` of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Tool duration buckets, in seconds: sub-second checks up to 30-minute scans.
const DURATION_BUCKETS_SECS: [f64; 12] = [
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

/// `metrics`: what is measured and where it is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve metrics (`/metrics` on the HTTP transport, and the listener below).
    pub enabled: bool,
    /// Prefix of every metric name, e.g. `secmcp` gives `secmcp_uptime_seconds`.
    pub prefix: String,
    /// Port of a loopback `/metrics` listener when serving stdio; 0 means none.
    pub prometheus_port: u16,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            prefix: "secmcp".into(),
            prometheus_port: 0,
        }
    }
}

impl MetricsConfig {
    /// Checks every field; `prefix` is the section's dotted path (e.g. `metrics`).
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let b = self.prefix.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= 64
            && (b[0].is_ascii_alphabetic() || b[0] == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if !ok {
            p.error(
                field(prefix, "prefix"),
                format!(
                    "`{}` is not a metric name prefix; use 1-64 letters, digits and `_`, \
                     not starting with a digit",
                    self.prefix
                ),
            );
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    tool: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    tool: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    tool: &'static str,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransitionLabels {
    tool: &'static str,
    to: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabels {
    role: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuthLabels {
    reason: &'static str,
}

type HistogramFamily = Family<ToolLabels, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS_SECS)
}

/// All of secmcp's metrics and the registry that encodes them.
pub struct Metrics {
    registry: Registry,
    started: Instant,
    executions: Family<OutcomeLabels, Counter>,
    duration: HistogramFamily,
    in_flight: Family<ToolLabels, Gauge>,
    rejections: Family<ReasonLabels, Counter>,
    timeouts: Family<ToolLabels, Counter>,
    truncated: Family<ToolLabels, Counter>,
    breaker_state: Family<ToolLabels, Gauge>,
    breaker_transitions: Family<TransitionLabels, Counter>,
    uptime: Gauge<f64, AtomicU64>,
    requests: Family<MethodLabels, Counter>,
    errors: Family<CodeLabels, Counter>,
    active_sessions: Gauge,
    config_reloads: Family<ResultLabels, Counter>,
    audit_records: Family<ResultLabels, Counter>,
    role_calls: Family<RoleLabels, Counter>,
    auth_failures: Family<AuthLabels, Counter>,
    run_records: Family<ResultLabels, Counter>,
    tool_usable: Family<ToolLabels, Gauge>,
    ready: Gauge,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every metric under `prefix` (validated by [`MetricsConfig::validate`]).
    pub fn new(prefix: &str) -> Self {
        let mut registry = Registry::with_prefix(prefix);
        let m = Self {
            registry: Registry::default(),
            started: Instant::now(),
            executions: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
            in_flight: Family::default(),
            rejections: Family::default(),
            timeouts: Family::default(),
            truncated: Family::default(),
            breaker_state: Family::default(),
            breaker_transitions: Family::default(),
            uptime: Gauge::default(),
            requests: Family::default(),
            errors: Family::default(),
            active_sessions: Gauge::default(),
            config_reloads: Family::default(),
            audit_records: Family::default(),
            role_calls: Family::default(),
            auth_failures: Family::default(),
            run_records: Family::default(),
            tool_usable: Family::default(),
            ready: Gauge::default(),
        };
        let r = &mut registry;
        r.register(
            "tool_executions",
            "Tool runs by tool and outcome (ok or an error code)",
            m.executions.clone(),
        );
        r.register_with_unit(
            "tool_duration",
            "Tool run duration",
            Unit::Seconds,
            m.duration.clone(),
        );
        r.register(
            "tool_in_flight",
            "Tool runs in progress",
            m.in_flight.clone(),
        );
        r.register(
            "tool_rejections",
            "Calls refused before running, by tool and reason",
            m.rejections.clone(),
        );
        r.register(
            "tool_timeouts",
            "Tool runs stopped at their timeout",
            m.timeouts.clone(),
        );
        r.register(
            "tool_output_truncated",
            "Tool runs whose output exceeded the cap",
            m.truncated.clone(),
        );
        r.register(
            "circuit_breaker_state",
            "Breaker state per tool: 0 closed, 1 half-open, 2 open",
            m.breaker_state.clone(),
        );
        r.register(
            "circuit_breaker_transitions",
            "Breaker state changes by tool and new state",
            m.breaker_transitions.clone(),
        );
        r.register_with_unit(
            "uptime",
            "Time since the server started",
            Unit::Seconds,
            m.uptime.clone(),
        );
        r.register("requests", "MCP requests by method", m.requests.clone());
        r.register(
            "errors",
            "Failed tool calls by error code",
            m.errors.clone(),
        );
        r.register(
            "active_sessions",
            "Connected MCP sessions",
            m.active_sessions.clone(),
        );
        r.register(
            "config_reloads",
            "Config reloads by result (ok or failed)",
            m.config_reloads.clone(),
        );
        r.register(
            "audit_records",
            "Audit records by result (written or failed)",
            m.audit_records.clone(),
        );
        r.register(
            "role_calls",
            "Tool calls by the caller's role (`none` without one) and outcome (ok or an error code)",
            m.role_calls.clone(),
        );
        r.register(
            "auth_failures",
            "HTTP requests refused by authentication, by reason",
            m.auth_failures.clone(),
        );
        r.register(
            "run_records",
            "Call records written to the run store, by result (ok or failed)",
            m.run_records.clone(),
        );
        r.register(
            "tool_usable",
            "Per tool offered to clients: 1 when installed, identified and privileged enough (the last health check), else 0",
            m.tool_usable.clone(),
        );
        r.register(
            "ready",
            "1 when the server is ready (a config loaded and a tool usable), else 0",
            m.ready.clone(),
        );
        // Series an alert compares over time start at 0, so the first
        // failure is an increase (a series born at 1 shows none): config
        // reloads (SecmcpConfigReloadFailed) and run records (SecmcpStoreErrors;
        // with storage off they stay at 0: nothing was kept, nothing failed).
        for result in ["ok", "failed"] {
            m.config_reloads
                .get_or_create_owned(&ResultLabels { result });
            m.run_records.get_or_create_owned(&ResultLabels { result });
        }
        Self { registry, ..m }
    }

    /// Creates a tool's series at zero (runs, duration, in flight, timeouts,
    /// truncations, breaker trips), so dashboards and alerts see every
    /// offered tool from the first scrape.
    pub fn init_tool(&self, tool: &'static str) {
        self.executions.get_or_create_owned(&OutcomeLabels {
            tool,
            outcome: "ok",
        });
        self.duration.get_or_create_owned(&ToolLabels { tool });
        self.in_flight.get_or_create_owned(&ToolLabels { tool });
        self.timeouts.get_or_create_owned(&ToolLabels { tool });
        self.truncated.get_or_create_owned(&ToolLabels { tool });
        self.breaker_transitions
            .get_or_create_owned(&TransitionLabels {
                tool,
                to: BreakerState::Open.as_str(),
            });
    }

    /// Sets `tool_usable` and `ready` from a health report (at each scrape:
    /// the report is the last background check, so this never waits). Tools
    /// the policy keeps from clients have no `tool_usable` series.
    pub fn set_health(&self, report: &HealthReport) {
        for t in &report.tools {
            let Some(tool) = crate::tools::find(&t.name).map(|t| t.name()) else {
                continue;
            };
            if t.disabled_by_policy.is_empty() {
                self.tool_usable
                    .get_or_create(&ToolLabels { tool })
                    .set(i64::from(t.usable));
            } else {
                self.tool_usable.remove(&ToolLabels { tool });
            }
        }
        self.ready.set(i64::from(report.ready));
    }

    /// The metrics in OpenMetrics text (serve with [`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        self.uptime.set(self.started.elapsed().as_secs_f64());
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Counts one tool call by the caller's role (an operator-defined name,
    /// never a key or an identity) and its outcome.
    pub fn role_call(&self, role: &str, outcome: &'static str) {
        self.role_calls
            .get_or_create(&RoleLabels {
                role: role.to_owned(),
                outcome,
            })
            .inc();
    }

    /// Counts one request refused by authentication.
    pub fn auth_failure(&self, reason: &'static str) {
        self.auth_failures
            .get_or_create(&AuthLabels { reason })
            .inc();
    }

    /// Counts one MCP request; `method` is the protocol method name.
    pub fn request(&self, method: &'static str) {
        self.requests.get_or_create(&MethodLabels { method }).inc();
    }

    /// Marks a tool run in progress until the guard drops.
    pub fn in_flight(&self, tool: &'static str) -> InFlightGuard {
        let gauge = self.in_flight.get_or_create_owned(&ToolLabels { tool });
        gauge.inc();
        InFlightGuard { gauge }
    }

    /// Counts a connected session until the guard drops.
    pub fn session(&self) -> SessionGuard {
        self.active_sessions.inc();
        SessionGuard {
            gauge: self.active_sessions.clone(),
        }
    }

    /// Sets a tool's breaker-state gauge (e.g. at startup, before any transition).
    pub fn set_breaker_state(&self, tool: &'static str, state: BreakerState) {
        self.breaker_state
            .get_or_create(&ToolLabels { tool })
            .set(state.gauge_value());
    }

    pub(crate) fn execution(&self, tool: &'static str, outcome: &'static str, took: Duration) {
        self.executions
            .get_or_create(&OutcomeLabels { tool, outcome })
            .inc();
        self.duration
            .get_or_create(&ToolLabels { tool })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn rejection(&self, tool: &'static str, reason: &'static str) {
        self.rejections
            .get_or_create(&ReasonLabels { tool, reason })
            .inc();
    }

    pub(crate) fn timeout(&self, tool: &'static str) {
        self.timeouts.get_or_create(&ToolLabels { tool }).inc();
    }

    pub(crate) fn truncated(&self, tool: &'static str) {
        self.truncated.get_or_create(&ToolLabels { tool }).inc();
    }

    pub(crate) fn run_record(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.run_records
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    pub(crate) fn error(&self, code: &'static str) {
        self.errors.get_or_create(&CodeLabels { code }).inc();
    }

    pub(crate) fn breaker_transition(&self, tool: &'static str, to: BreakerState) {
        self.set_breaker_state(tool, to);
        self.breaker_transitions
            .get_or_create(&TransitionLabels {
                tool,
                to: to.as_str(),
            })
            .inc();
    }

    pub(crate) fn audit_record(&self, ok: bool) {
        let result = if ok { "written" } else { "failed" };
        self.audit_records
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    pub(crate) fn config_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.config_reloads
            .get_or_create(&ResultLabels { result })
            .inc();
    }
}

/// A tool run in progress; decrements `tool_in_flight` on drop.
#[derive(Debug)]
#[must_use = "the run counts as in flight only while the guard lives"]
pub struct InFlightGuard {
    gauge: Gauge,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// A connected session; decrements `active_sessions` on drop.
#[derive(Debug)]
#[must_use = "the session counts only while the guard lives"]
pub struct SessionGuard {
    gauge: Gauge,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// A tiny OpenMetrics text reader for tests: `(name, labels, value)` per sample.
#[cfg(test)]
pub(crate) mod text {
    use std::collections::BTreeMap;

    /// One sample line.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Sample {
        pub name: String,
        pub labels: BTreeMap<String, String>,
        pub value: f64,
    }

    /// Parses every sample line; panics on a malformed one.
    pub fn parse(text: &str) -> Vec<Sample> {
        assert!(text.ends_with("# EOF\n"), "no EOF marker:\n{text}");
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|line| {
                let (head, value) = line.rsplit_once(' ').expect(line);
                let (name, labels) = match head.split_once('{') {
                    None => (head.to_owned(), BTreeMap::new()),
                    Some((name, rest)) => {
                        let body = rest.strip_suffix('}').expect(line);
                        let labels = body
                            .split(',')
                            .filter(|kv| !kv.is_empty())
                            .map(|kv| {
                                let (k, v) = kv.split_once('=').expect(line);
                                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                                (k.to_owned(), v.expect(line).to_owned())
                            })
                            .collect();
                        (name.to_owned(), labels)
                    }
                };
                let value = match value {
                    "+Inf" => f64::INFINITY,
                    v => v.parse().expect(line),
                };
                Sample {
                    name,
                    labels,
                    value,
                }
            })
            .collect()
    }

    /// The value of the one sample with this name and exactly these labels.
    pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut hits = samples
            .iter()
            .filter(|s| s.name == name && s.labels == want);
        let hit = hits.next()?;
        assert!(hits.next().is_none(), "duplicate sample {name} {labels:?}");
        Some(hit.value)
    }
}

#[cfg(test)]
mod tests {
    use super::text::{parse, value};
    use super::*;

    #[test]
    fn config_defaults_and_prefix_validation() {
        let c = MetricsConfig::default();
        assert!(c.enabled);
        assert_eq!(c.prefix, "secmcp");
        assert_eq!(c.prometheus_port, 0);
        crate::validate::first_error(|p| c.validate("metrics", p)).unwrap();
        for bad in ["", "9x", "a-b", "a:b", "a b", &"a".repeat(65)] {
            let c = MetricsConfig {
                prefix: bad.into(),
                ..MetricsConfig::default()
            };
            assert_eq!(
                crate::validate::first_error(|p| c.validate("metrics", p))
                    .unwrap_err()
                    .field,
                "metrics.prefix"
            );
        }
        assert!(serde_json::from_str::<MetricsConfig>(r#"{"port": 1}"#).is_err());
    }

    #[test]
    fn names_carry_the_prefix_and_units() {
        let m = Metrics::new("lab_mcp");
        m.request("tools/call");
        m.execution("nmap", "ok", Duration::from_millis(1500));
        let text = m.encode();
        let samples = parse(&text);
        assert!(!samples.is_empty());
        for s in &samples {
            assert!(s.name.starts_with("lab_mcp_"), "{}", s.name);
        }
        assert!(value(&samples, "lab_mcp_uptime_seconds", &[]).is_some());
        assert_eq!(
            value(
                &samples,
                "lab_mcp_requests_total",
                &[("method", "tools/call")]
            ),
            Some(1.0)
        );
        assert_eq!(
            value(
                &samples,
                "lab_mcp_tool_duration_seconds_bucket",
                &[("tool", "nmap"), ("le", "2.5")]
            ),
            Some(1.0)
        );
        assert_eq!(
            value(
                &samples,
                "lab_mcp_tool_duration_seconds_bucket",
                &[("tool", "nmap"), ("le", "1.0")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(
                &samples,
                "lab_mcp_tool_duration_seconds_sum",
                &[("tool", "nmap")]
            ),
            Some(1.5)
        );
        assert!(
            text.contains("# TYPE lab_mcp_tool_executions counter\n"),
            "{text}"
        );
    }

    /// The counters an alert takes `increase()` of are in the first scrape,
    /// at 0, so the first failure counts as one.
    #[test]
    fn alerted_counters_start_at_zero_before_the_first_event() {
        let m = Metrics::new("secmcp");
        let samples = parse(&m.encode());
        for name in ["secmcp_run_records_total", "secmcp_config_reloads_total"] {
            for result in ["ok", "failed"] {
                assert_eq!(
                    value(&samples, name, &[("result", result)]),
                    Some(0.0),
                    "{name}{{result={result}}}"
                );
            }
        }
        m.run_record(false);
        m.run_record(true);
        m.run_record(true);
        let samples = parse(&m.encode());
        let records = |result| value(&samples, "secmcp_run_records_total", &[("result", result)]);
        assert_eq!((records("ok"), records("failed")), (Some(2.0), Some(1.0)));
    }

    #[test]
    fn guards_move_the_gauges_both_ways() {
        let m = Metrics::new("secmcp");
        let a = m.in_flight("nmap");
        let b = m.in_flight("nmap");
        let s = m.session();
        let samples = parse(&m.encode());
        assert_eq!(
            value(&samples, "secmcp_tool_in_flight", &[("tool", "nmap")]),
            Some(2.0)
        );
        assert_eq!(value(&samples, "secmcp_active_sessions", &[]), Some(1.0));
        drop((a, b, s));
        let samples = parse(&m.encode());
        assert_eq!(
            value(&samples, "secmcp_tool_in_flight", &[("tool", "nmap")]),
            Some(0.0)
        );
        assert_eq!(value(&samples, "secmcp_active_sessions", &[]), Some(0.0));
    }

    #[test]
    fn breaker_state_gauge_can_be_seeded() {
        let m = Metrics::new("secmcp");
        m.set_breaker_state("nmap", BreakerState::Closed);
        let samples = parse(&m.encode());
        assert_eq!(
            value(
                &samples,
                "secmcp_circuit_breaker_state",
                &[("tool", "nmap")]
            ),
            Some(0.0)
        );
    }
}
