//! Telemetry as typed events: one struct per happening whose `emit` writes the
//! structured log line and updates the metrics together, so they never drift.
//!
//! Log lines may carry the target and the correlation id (the audit trail
//! needs them); metric labels never do (see `metrics`). Caller-supplied text
//! (targets, denial reasons) passes through `redact` on its way to the log.
//! This module must not decide anything: callers build an event from what already happened.

use std::time::Duration;

use crate::breaker::{BreakerState, Transition};
use crate::error::ErrorCode;
use crate::limits::LimitError;
use crate::metrics::Metrics;

/// A call refused before its tool ran: bad input, out of scope, missing
/// privilege, tool not found, or an open circuit breaker.
#[derive(Debug, Clone, Copy)]
pub struct ToolCallDenied<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The tool called.
    pub tool: &'static str,
    /// Why, as the stable code the agent sees.
    pub code: ErrorCode,
    /// The message the agent sees.
    pub reason: &'a str,
}

impl ToolCallDenied<'_> {
    /// Logs the denial and counts it (`tool_rejections_total{reason=code}`, `errors_total`).
    pub fn emit(&self, metrics: &Metrics) {
        tracing::info!(
            event = "tool_call_denied",
            correlation_id = self.correlation_id,
            tool = self.tool,
            code = self.code.as_str(),
            reason = %crate::redact::text(self.reason),
        );
        metrics.rejection(self.tool, self.code.as_str());
        metrics.error(self.code.as_str());
    }
}

/// A call passed every check and was answered with its plan (`dry_run`):
/// nothing was started.
#[derive(Debug, Clone, Copy)]
pub struct ToolCallDryRun<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The tool called.
    pub tool: &'static str,
    /// The canonical target, redacted.
    pub target: &'a str,
    /// The argv a run would have had, redacted.
    pub argv: &'a [String],
}

impl ToolCallDryRun<'_> {
    /// Logs the dry run (`event = tool_call_dry_run`, the audit record). No
    /// metric counts it: nothing ran, and the run metrics count runs.
    pub fn emit(&self, _metrics: &Metrics) {
        tracing::info!(
            event = "tool_call_dry_run",
            correlation_id = self.correlation_id,
            tool = self.tool,
            target = %crate::redact::text(self.target),
            argv = ?self.argv,
        );
    }
}

/// A tool run finished (whatever its outcome).
#[derive(Debug, Clone, Copy)]
pub struct ToolRunCompleted<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The tool run.
    pub tool: &'static str,
    /// The canonical target (logged for the audit trail, never a metric label).
    pub target: &'a str,
    /// `Ok` or the error code the agent sees.
    pub outcome: Result<(), ErrorCode>,
    /// Wall time of the run.
    pub duration: Duration,
    /// Whether the tool's output went over the cap and was cut.
    pub output_truncated: bool,
}

impl ToolRunCompleted<'_> {
    /// The `outcome` label: `ok` or the error code.
    pub fn outcome_label(&self) -> &'static str {
        match self.outcome {
            Ok(()) => "ok",
            Err(code) => code.as_str(),
        }
    }

    /// Logs the run and counts it (executions, duration, timeouts, truncations, errors).
    pub fn emit(&self, metrics: &Metrics) {
        let outcome = self.outcome_label();
        let duration_ms = self.duration.as_millis() as u64;
        if self.outcome.is_ok() {
            tracing::info!(
                event = "tool_run_completed",
                correlation_id = self.correlation_id,
                tool = self.tool,
                target = %crate::redact::text(self.target),
                outcome,
                duration_ms,
                output_truncated = self.output_truncated,
            );
        } else {
            tracing::warn!(
                event = "tool_run_completed",
                correlation_id = self.correlation_id,
                tool = self.tool,
                target = %crate::redact::text(self.target),
                outcome,
                duration_ms,
                output_truncated = self.output_truncated,
            );
        }
        metrics.execution(self.tool, outcome, self.duration);
        if self.outcome == Err(ErrorCode::Timeout) {
            metrics.timeout(self.tool);
        }
        if self.output_truncated {
            metrics.truncated(self.tool);
        }
        if let Err(code) = self.outcome {
            metrics.error(code.as_str());
        }
    }
}

/// A circuit breaker changed state.
#[derive(Debug, Clone, Copy)]
pub struct BreakerTransition<'a> {
    /// The tool whose breaker it is.
    pub tool: &'static str,
    /// What changed.
    pub transition: &'a Transition,
    /// The call whose result or admission caused it, if any.
    pub correlation_id: Option<&'a str>,
}

impl BreakerTransition<'_> {
    /// Logs the change (warn when opening) and updates the state gauge and transition count.
    pub fn emit(&self, metrics: &Metrics) {
        let t = self.transition;
        let open_for_ms = t.open_for.map(|d| d.as_millis() as u64);
        if t.to == BreakerState::Open {
            tracing::warn!(
                event = "circuit_breaker_transition",
                correlation_id = self.correlation_id,
                tool = self.tool,
                from = t.from.as_str(),
                to = t.to.as_str(),
                consecutive_failures = t.consecutive_failures,
                trips = t.trips,
                open_for_ms,
            );
        } else {
            tracing::info!(
                event = "circuit_breaker_transition",
                correlation_id = self.correlation_id,
                tool = self.tool,
                from = t.from.as_str(),
                to = t.to.as_str(),
                consecutive_failures = t.consecutive_failures,
                trips = t.trips,
            );
        }
        metrics.breaker_transition(self.tool, t.to);
    }
}

/// A call refused by a concurrency cap, the queue or the rate limit.
#[derive(Debug, Clone, Copy)]
pub struct LimitRejected<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The tool called.
    pub tool: &'static str,
    /// Which limit and the retry hint.
    pub error: &'a LimitError,
}

impl LimitRejected<'_> {
    /// Logs the refusal and counts it (`tool_rejections_total{reason=limit_*}`,
    /// `errors_total{code=resource_exhausted}`).
    pub fn emit(&self, metrics: &Metrics) {
        tracing::info!(
            event = "limit_rejected",
            correlation_id = self.correlation_id,
            tool = self.tool,
            limit = self.error.which.as_str(),
            retry_after_ms = self.error.retry_after.as_millis() as u64,
        );
        metrics.rejection(self.tool, self.error.which.reason());
        metrics.error(ErrorCode::ResourceExhausted.as_str());
    }
}

/// What started a config reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadTrigger {
    /// The config file changed.
    FileChanged,
    /// SIGHUP.
    Signal,
}

impl ReloadTrigger {
    /// The stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FileChanged => "file_changed",
            Self::Signal => "sighup",
        }
    }
}

/// An audit record was appended, or could not be.
#[derive(Debug, Clone, Copy)]
pub struct AuditAppended<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// `call_decided` or `call_ended`.
    pub record: &'static str,
    /// The write's result.
    pub result: Result<(), &'a std::io::Error>,
}

impl AuditAppended<'_> {
    /// Counts the record by result; logs a failure (the file, not the
    /// record, is the audit trail: a record lost is an error).
    pub fn emit(&self, metrics: &Metrics) {
        if let Err(e) = self.result {
            tracing::error!(
                event = "audit_write_failed",
                correlation_id = self.correlation_id,
                record = self.record,
                error = %e,
                "cannot write an audit record",
            );
        }
        metrics.audit_record(self.result.is_ok());
    }
}

/// A config reload was attempted.
#[derive(Debug, Clone, Copy)]
pub struct ConfigReloaded<'a> {
    /// What started it.
    pub trigger: ReloadTrigger,
    /// `Ok(tools_changed)` when the new snapshot is in force (and whether the
    /// set of enabled tools changed); `Err(problem)` when it was rejected and
    /// the old one kept.
    pub result: Result<bool, &'a str>,
}

impl ConfigReloaded<'_> {
    /// Logs the reload (error when rejected) and counts it by result.
    pub fn emit(&self, metrics: &Metrics) {
        match self.result {
            Ok(tools_changed) => tracing::info!(
                event = "config_reloaded",
                trigger = self.trigger.as_str(),
                result = "ok",
                tools_changed,
            ),
            Err(problem) => tracing::error!(
                event = "config_reloaded",
                trigger = self.trigger.as_str(),
                result = "failed",
                problem,
                "config reload rejected; the previous config stays in force",
            ),
        }
        metrics.config_reload(self.result.is_ok());
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Once;

    use super::*;
    use crate::limits::LimitKind;
    use crate::metrics::text::{Sample, parse, value};

    thread_local! {
        static LINES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    /// Writes into this thread's buffer.
    struct ThreadBuf;

    impl Write for ThreadBuf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            LINES.with(|l| l.borrow_mut().extend_from_slice(b));
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Runs `f` and returns the JSON log lines it wrote on this thread. The
    /// subscriber is set up as `logging::init` does (flattened, no
    /// `target` metadata: our `target` field is the scan target). It is the
    /// global default, installed once: a scoped one races with tests on other
    /// threads over tracing's per-callsite interest cache and loses lines.
    fn logs(f: impl FnOnce()) -> Vec<serde_json::Value> {
        static INIT: Once = Once::new();
        INIT.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .json()
                .flatten_event(true)
                .with_target(false)
                .with_writer(|| ThreadBuf)
                .with_max_level(tracing::Level::DEBUG)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber");
        });
        LINES.with(|l| l.borrow_mut().clear());
        f();
        let bytes = LINES.with(|l| std::mem::take(&mut *l.borrow_mut()));
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    const TARGET: &str = "10.20.30.40";
    const CLIENT: &str = "session-7f3a";

    fn run(
        outcome: Result<(), ErrorCode>,
        secs: u64,
        truncated: bool,
    ) -> ToolRunCompleted<'static> {
        ToolRunCompleted {
            correlation_id: "c-1",
            tool: "nmap",
            target: TARGET,
            outcome,
            duration: Duration::from_secs(secs),
            output_truncated: truncated,
        }
    }

    /// A fixed sequence of events and the exact counters it must produce.
    fn sequence(m: &Metrics) {
        run(Ok(()), 2, false).emit(m);
        run(Ok(()), 20, true).emit(m);
        run(Err(ErrorCode::Timeout), 300, false).emit(m);
        run(Err(ErrorCode::ExecutionError), 1, false).emit(m);
        ToolCallDenied {
            correlation_id: "c-2",
            tool: "nmap",
            code: ErrorCode::ScopeDenied,
            reason: "target: 8.8.8.8 is outside the allowed scope",
        }
        .emit(m);
        ToolCallDenied {
            correlation_id: "c-3",
            tool: "nmap",
            code: ErrorCode::CircuitBreakerOpen,
            reason: "circuit breaker is open; retry in 30 s",
        }
        .emit(m);
        let limit = LimitError {
            which: LimitKind::Target,
            retry_after: Duration::from_secs(5),
        };
        LimitRejected {
            correlation_id: CLIENT,
            tool: "nmap",
            error: &limit,
        }
        .emit(m);
        let open = Transition {
            from: BreakerState::Closed,
            to: BreakerState::Open,
            consecutive_failures: 5,
            trips: 1,
            open_for: Some(Duration::from_secs(60)),
        };
        BreakerTransition {
            tool: "nmap",
            transition: &open,
            correlation_id: Some("c-1"),
        }
        .emit(m);
        let half = Transition {
            from: BreakerState::Open,
            to: BreakerState::HalfOpen,
            consecutive_failures: 5,
            trips: 1,
            open_for: None,
        };
        BreakerTransition {
            tool: "nmap",
            transition: &half,
            correlation_id: None,
        }
        .emit(m);
        ConfigReloaded {
            trigger: ReloadTrigger::Signal,
            result: Ok(false),
        }
        .emit(m);
        ConfigReloaded {
            trigger: ReloadTrigger::FileChanged,
            result: Err("security.allowed_targets[0]: bad CIDR"),
        }
        .emit(m);
    }

    fn counters(m: &Metrics) -> Vec<Sample> {
        parse(&m.encode())
    }

    #[test]
    fn counters_match_the_events_exactly() {
        let m = Metrics::new("secmcp");
        sequence(&m);
        let s = counters(&m);
        let v = |name: &str, labels: &[(&str, &str)]| value(&s, name, labels);
        let ex = "secmcp_tool_executions_total";
        assert_eq!(v(ex, &[("tool", "nmap"), ("outcome", "ok")]), Some(2.0));
        assert_eq!(
            v(ex, &[("tool", "nmap"), ("outcome", "timeout")]),
            Some(1.0)
        );
        assert_eq!(
            v(ex, &[("tool", "nmap"), ("outcome", "execution_error")]),
            Some(1.0)
        );
        assert_eq!(
            v("secmcp_tool_duration_seconds_count", &[("tool", "nmap")]),
            Some(4.0)
        );
        assert_eq!(
            v("secmcp_tool_duration_seconds_sum", &[("tool", "nmap")]),
            Some(323.0)
        );
        assert_eq!(
            v("secmcp_tool_timeouts_total", &[("tool", "nmap")]),
            Some(1.0)
        );
        assert_eq!(
            v("secmcp_tool_output_truncated_total", &[("tool", "nmap")]),
            Some(1.0)
        );
        let rej = "secmcp_tool_rejections_total";
        assert_eq!(
            v(rej, &[("tool", "nmap"), ("reason", "scope_denied")]),
            Some(1.0)
        );
        assert_eq!(
            v(rej, &[("tool", "nmap"), ("reason", "circuit_breaker_open")]),
            Some(1.0)
        );
        assert_eq!(
            v(rej, &[("tool", "nmap"), ("reason", "limit_target")]),
            Some(1.0)
        );
        let err = "secmcp_errors_total";
        for (code, n) in [
            ("timeout", 1.0),
            ("execution_error", 1.0),
            ("scope_denied", 1.0),
            ("circuit_breaker_open", 1.0),
            ("resource_exhausted", 1.0),
        ] {
            assert_eq!(v(err, &[("code", code)]), Some(n), "{code}");
        }
        assert_eq!(s.iter().filter(|x| x.name == err).count(), 5);
        assert_eq!(
            v("secmcp_circuit_breaker_state", &[("tool", "nmap")]),
            Some(1.0),
            "half-open after the last transition"
        );
        let tr = "secmcp_circuit_breaker_transitions_total";
        assert_eq!(v(tr, &[("tool", "nmap"), ("to", "open")]), Some(1.0));
        assert_eq!(v(tr, &[("tool", "nmap"), ("to", "half_open")]), Some(1.0));
        let rl = "secmcp_config_reloads_total";
        assert_eq!(v(rl, &[("result", "ok")]), Some(1.0));
        assert_eq!(v(rl, &[("result", "failed")]), Some(1.0));
        // Emitting again doubles every counter: nothing is counted twice per event.
        sequence(&m);
        let s = counters(&m);
        assert_eq!(
            value(&s, ex, &[("tool", "nmap"), ("outcome", "ok")]),
            Some(4.0)
        );
        assert_eq!(value(&s, err, &[("code", "timeout")]), Some(2.0));
    }

    #[test]
    fn no_target_or_client_identity_in_any_label() {
        let m = Metrics::new("secmcp");
        sequence(&m);
        let text = m.encode();
        for needle in [TARGET, CLIENT, "8.8.8.8", "c-1", "c-2", "allowed_targets"] {
            assert!(
                !text.contains(needle),
                "{needle} leaked into metrics:\n{text}"
            );
        }
        let allowed = [
            "tool", "outcome", "reason", "to", "method", "code", "result", "le",
        ];
        for s in parse(&text) {
            for k in s.labels.keys() {
                assert!(allowed.contains(&k.as_str()), "unexpected label {k}");
            }
        }
    }

    #[test]
    fn each_event_writes_one_structured_line_with_its_correlation_id() {
        let m = Metrics::new("secmcp");
        let lines = logs(|| sequence(&m));
        assert_eq!(lines.len(), 11);
        let first = &lines[0];
        assert_eq!(first["event"], "tool_run_completed");
        assert_eq!(first["correlation_id"], "c-1");
        assert_eq!(first["target"], TARGET, "the audit log keeps the target");
        assert_eq!(first["outcome"], "ok");
        assert_eq!(first["duration_ms"], 2000);
        assert_eq!(first["level"], "INFO");
        assert_eq!(lines[2]["level"], "WARN");
        assert_eq!(lines[2]["outcome"], "timeout");
        assert_eq!(lines[4]["event"], "tool_call_denied");
        assert_eq!(lines[4]["code"], "scope_denied");
        assert_eq!(lines[4]["correlation_id"], "c-2");
        assert_eq!(lines[6]["event"], "limit_rejected");
        assert_eq!(lines[6]["limit"], "target");
        assert_eq!(lines[6]["retry_after_ms"], 5000);
        assert_eq!(lines[7]["event"], "circuit_breaker_transition");
        assert_eq!(lines[7]["to"], "open");
        assert_eq!(lines[7]["open_for_ms"], 60_000);
        assert_eq!(lines[7]["level"], "WARN");
        assert_eq!(lines[9]["event"], "config_reloaded");
        assert_eq!(lines[9]["trigger"], "sighup");
        assert_eq!(lines[10]["result"], "failed");
        assert_eq!(lines[10]["level"], "ERROR");
    }
}

/// An HTTP request refused by authentication (no key, a wrong key, or too
/// many failed attempts from one address).
#[derive(Debug, Clone, Copy)]
pub struct AuthRefused<'a> {
    /// `missing_credentials`, `invalid_key` or `too_many_attempts`.
    pub reason: &'static str,
    /// The source address (logged, never a metric label).
    pub source: &'a str,
    /// The path asked for.
    pub path: &'a str,
}

impl AuthRefused<'_> {
    /// Logs the refusal (warn: someone may be guessing keys) and counts it
    /// (`auth_failures_total{reason}`).
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            event = "auth_refused",
            reason = self.reason,
            source = self.source,
            path = self.path,
        );
        metrics.auth_failure(self.reason);
    }
}
