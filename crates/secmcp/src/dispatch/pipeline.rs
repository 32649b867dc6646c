//! The call path: input → rate → plan → resolve → authorize → binary →
//! breaker → limits → run → render → events, in this order and no other.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use secmcp_policy::Permit;
use secmcp_runner::RunSpec;

use super::approval::{Consent, Gate, args_digest};
use super::audit::{Asker, RunKind};
use super::authorize::authorize;
use super::progress::{self, ProgressSender};
use super::record::{Facts, cap_raw, effective_argv};
use super::shutdown::shutting_down;
use super::state::{CallResult, Core, binary_in};
use crate::auth::Identity;
use crate::breaker::{Admission, BreakerState, OpenError};
use crate::config::Settings;
use crate::error::{ErrorCode, ToolError};
use crate::events::{
    BreakerTransition, LimitRejected, ToolCallDenied, ToolCallDryRun, ToolRunCompleted,
};
use crate::limits::{LimitError, LimitKind, TargetKey};
use crate::redact;
use crate::store::RecordStatus;
use crate::tools::{self, JsonObject, RenderContext, Rendered, Tool};

/// What a finished run says about the tool's health (breaker input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Success,
    Failure,
    Neutral,
}

/// Who is calling: the connection or session (the server's rate-limit key)
/// and the identity (named in logs and audit records; keys its role's rate).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The session or connection; never logged or used as a label.
    pub client: &'a str,
    /// Who made the request.
    pub identity: &'a Identity,
}

/// What a caller brings to its call besides the arguments: a way to cancel
/// it, where its progress goes, and the consent of the person at the client
/// (`security.approval: elicit`).
#[derive(Debug, Default)]
pub struct CallControl {
    /// Fires when the client cancels.
    pub cancel: CancellationToken,
    /// Receives the run's progress while it lasts (tools that report it).
    pub progress: Option<ProgressSender>,
    /// What the person at the client approved, if they were asked.
    pub consent: Consent,
}

/// Who asked, and when: what a call carries past its input.
struct Incoming<'a> {
    correlation_id: String,
    asker: Asker<'a>,
    owner: String,
    control: CallControl,
    args_digest: Option<String>,
    started: Instant,
}

/// An authorized call, ready to run.
struct Run<'a> {
    settings: &'a Settings,
    tool: &'static dyn Tool,
    permit: &'a Permit,
    correlation_id: &'a str,
    detail: secmcp_output::Detail,
}

struct Executed {
    result: Result<Rendered, ToolError>,
    truncated: bool,
    health: Health,
    /// The tool's standard output as captured (for the run record).
    raw: Option<(Vec<u8>, bool)>,
}

impl Core {
    /// Runs one call of an enabled tool on the current snapshot, as a local client.
    pub async fn call(
        &self,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        cancel: CancellationToken,
    ) -> CallResult {
        let local = Identity::os_user(None);
        let caller = Caller {
            client: "local",
            identity: &local,
        };
        self.call_with(self.snapshot(), tool, args, caller, cancel)
            .await
    }

    /// Runs one call of `tool` on the snapshot `settings` (already the view
    /// of `identity`'s role: [`Core::snapshot_for`]). `client` keys the
    /// server's rate limit (never logged or used as a label); `identity` is
    /// named in every log line and audit record of the call and keys its
    /// role's rate limit; `cancel` fires when the client cancels.
    pub async fn call_with(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        caller: Caller<'_>,
        cancel: CancellationToken,
    ) -> CallResult {
        let control = CallControl {
            cancel,
            ..CallControl::default()
        };
        self.call_reporting(settings, tool, args, caller, control)
            .await
    }

    /// [`Core::call_with`] with everything a client brings (see
    /// [`CallControl`]): the run's progress goes to `control.progress` while
    /// it lasts (for tools that report it; see `Tool::progress`); nothing is
    /// sent once this returns.
    pub async fn call_reporting(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        caller: Caller<'_>,
        control: CallControl,
    ) -> CallResult {
        let identity = caller.identity;
        let span = tracing::info_span!(
            "caller",
            identity = &*identity.name,
            role = identity.role_label(),
            auth = identity.source.as_str()
        );
        self.call_as(settings, tool, args, caller, control)
            .instrument(span)
            .await
    }

    async fn call_as(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        caller: Caller<'_>,
        control: CallControl,
    ) -> CallResult {
        let _call = self.calls.enter();
        let mut facts = Facts::arriving(self.recorder().is_some(), tool, args.as_ref());
        let done = self
            .call_inner(settings.clone(), tool, args, caller, control, &mut facts)
            .await;
        let who = (caller.client, caller.identity.owner_key());
        self.keep_record(&settings, tool, who, facts, done).await
    }

    async fn call_inner(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        args: Option<JsonObject>,
        caller: Caller<'_>,
        mut control: CallControl,
        facts: &mut Facts,
    ) -> CallResult {
        let started = Instant::now();
        let early_id = args
            .as_ref()
            .and_then(|a| a.get("correlation_id"))
            .and_then(|v| v.as_str())
            .and_then(|id| check_correlation_id(id).ok())
            .map_or_else(new_correlation_id, str::to_owned);
        let audit_args = self.audit_arguments(tool, args.as_ref());
        let asker = Asker {
            client: caller.client,
            identity: Some(caller.identity),
            args: audit_args.as_ref(),
        };
        if self.draining.is_cancelled() {
            return self.denied(tool, early_id, asker, shutting_down());
        }
        let args_digest = (settings.approval.mode == crate::config::ApprovalMode::Elicit)
            .then(|| args_digest(args.as_ref()));
        let input = match tool.parse_input(args) {
            Ok(input) => input,
            Err(e) => return self.denied(tool, early_id, asker, e),
        };
        facts.target = redact::text(&input.common.target).into_owned();
        let correlation_id = match input
            .common
            .correlation_id
            .as_deref()
            .map(check_correlation_id)
        {
            None => early_id,
            Some(Ok(id)) => id.to_owned(),
            Some(Err(e)) => return self.denied(tool, early_id, asker, e),
        };
        let span =
            tracing::info_span!("call", correlation_id = %correlation_id, tool = tool.name());
        control.progress = control.progress.filter(|_| tool.progress().is_some());
        let call = Incoming {
            correlation_id,
            asker,
            owner: caller.identity.owner_key(),
            control,
            args_digest,
            started,
        };
        self.authorized_call(settings, tool, input, call, facts)
            .instrument(span)
            .await
    }

    async fn authorized_call(
        &self,
        settings: Arc<Settings>,
        tool: &'static dyn Tool,
        input: tools::ParsedInput,
        call: Incoming<'_>,
        facts: &mut Facts,
    ) -> CallResult {
        let Incoming {
            correlation_id,
            asker,
            owner,
            control,
            args_digest,
            started,
        } = call;
        let CallControl {
            cancel,
            progress,
            consent,
        } = control;
        let permit = match authorize(&settings, tool, &input, progress.is_some()).await {
            Ok(p) => p,
            Err(e) => return self.denied(tool, correlation_id, asker, e),
        };
        facts.permitted(tool, &permit);
        let program = match binary_in(&settings, tool) {
            Ok(p) => p,
            Err(e) => return self.denied(tool, correlation_id, asker, e),
        };
        if input.common.dry_run {
            // Everything a run checks about the call has been checked; what
            // follows (rate, breaker, slots) is the server's load, not policy.
            facts.dry_run = true;
            self.audit_run(tool, &correlation_id, asker, &permit, RunKind::DryRun)
                .await
                .ok();
            return self.dry_run(&settings, tool, &permit, correlation_id);
        }
        // The rate limit counts runs the server would start: a call refused
        // for its input or by the policy costs the client nothing.
        if let Err(e) = self.limits.check_rate(asker.client) {
            return self.limited(tool, correlation_id, asker, &e, None);
        }
        if let Some(identity) = asker.identity
            && let Some(rate) = self.role_rate(identity)
            && let Err(e) = rate.check(&identity.name)
        {
            return self.limited(tool, correlation_id, asker, &e, None);
        }
        // A person approves an intrusive run after the rate limits (a client
        // cannot queue requests for the operator faster than it could run
        // them) and before the breaker and the slots: waiting holds no slot.
        let gate = Gate {
            consent: &consent,
            args_digest: args_digest.as_deref(),
            correlation_id: &correlation_id,
            owner,
            cancel: &cancel,
            progress: progress.as_ref(),
        };
        let approved_by = match self.approval(&settings, tool, &permit, gate).await {
            Ok(by) => by,
            Err(e) => return self.denied(tool, correlation_id, asker, e),
        };
        let mut admission = match self.breakers.admit(tool.name(), Instant::now()) {
            Ok(a) => a,
            Err(open) => {
                return self.denied(tool, correlation_id, asker, breaker_open(tool, &open));
            }
        };
        if let Some(t) = admission.take_transition() {
            self.transition(tool, &t, &correlation_id);
        }
        let target = permit.target().rendered.clone();
        let target_key = TargetKey::new(&target, &permit.target().address_ranges());
        let slots = tokio::select! {
            slots = self.limits.acquire(tool.name(), &target_key, permit.timeout()) => slots,
            () = cancel.cancelled() => {
                admission.record_neutral();
                return self.denied(tool, correlation_id, asker, cancelled_waiting(tool));
            }
            () = self.kill.cancelled() => {
                admission.record_neutral();
                return self.denied(tool, correlation_id, asker, shutting_down());
            }
        };
        let _slots = match slots {
            Ok(s) => s,
            Err(e) => {
                admission.record_neutral();
                return self.limited(tool, correlation_id, asker, &e, Some(&target));
            }
        };
        // The record of what is about to run is on disk before it starts.
        if let Err(e) = self
            .audit_run(
                tool,
                &correlation_id,
                asker,
                &permit,
                RunKind::Run {
                    approved_by: approved_by.as_deref(),
                },
            )
            .await
        {
            admission.record_neutral();
            return self.denied(tool, correlation_id, asker, e);
        }
        let _in_flight = self.metrics.in_flight(tool.name());
        let run_started = Instant::now();
        facts.accepted = true;
        let exec = self
            .execute(
                Run {
                    settings: &settings,
                    tool,
                    permit: &permit,
                    correlation_id: &correlation_id,
                    detail: input.common.detail,
                },
                program,
                cancel,
                progress,
            )
            .await;
        facts.run = run_started.elapsed();
        facts.raw = exec.raw;
        self.record(admission, tool, exec.health, &correlation_id);
        self.audit_ended(tool, &correlation_id, run_started.elapsed(), &exec.result);
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
            record: RecordStatus::Off,
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

    /// Refuses a call before it reaches the pipeline (e.g. a tool the policy
    /// hides), recorded like every other denial.
    pub async fn refuse(
        &self,
        tool: &'static dyn Tool,
        args: Option<&JsonObject>,
        caller: Caller<'_>,
        error: ToolError,
    ) -> CallResult {
        let facts = Facts::arriving(self.recorder().is_some(), tool, args);
        let audit_args = self.audit_arguments(tool, args);
        let asker = Asker {
            client: caller.client,
            identity: Some(caller.identity),
            args: audit_args.as_ref(),
        };
        let done = self.denied(tool, new_correlation_id(), asker, error);
        let who = (caller.client, caller.identity.owner_key());
        self.keep_record(&self.snapshot(), tool, who, facts, done)
            .await
    }

    fn denied(
        &self,
        tool: &'static dyn Tool,
        correlation_id: String,
        asker: Asker<'_>,
        error: ToolError,
    ) -> CallResult {
        self.audit_denied(tool, &correlation_id, asker, &error);
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
            record: RecordStatus::Off,
        }
    }

    fn limited(
        &self,
        tool: &'static dyn Tool,
        correlation_id: String,
        asker: Asker<'_>,
        e: &LimitError,
        target: Option<&str>,
    ) -> CallResult {
        LimitRejected {
            correlation_id: &correlation_id,
            tool: tool.name(),
            error: e,
        }
        .emit(&self.metrics);
        let error = limit_error(tool, e, target);
        self.audit_denied(tool, &correlation_id, asker, &error);
        CallResult {
            correlation_id,
            result: Err(error),
            record: RecordStatus::Off,
        }
    }

    async fn execute(
        &self,
        run: Run<'_>,
        program: PathBuf,
        cancel: CancellationToken,
        progress: Option<ProgressSender>,
    ) -> Executed {
        let Run {
            settings,
            tool,
            permit,
            correlation_id,
            detail,
        } = run;
        let argv = effective_argv(tool, permit);
        tracing::info!(
            event = "tool_run_started",
            argv = ?redact::argv(tool.name(), &argv)
        );
        let mut spec = RunSpec::from_permit(permit, program, &self.run_limits(settings, tool.id()));
        // Fired by the tap when the tool says it is done but does not exit.
        let done = CancellationToken::new();
        if let Some(kind) = tool.progress()
            && (progress.is_some() || kind.may_linger())
        {
            spec = spec
                .with_tap(progress::tap(kind, progress, done.clone()))
                .with_done(done.clone());
        }
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
        // The run is over: this ends the tap's exit timer, if one is waiting.
        done.cancel();
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
                    raw: None,
                };
            }
        };
        if outcome.lingered {
            tracing::warn!(
                event = "tool_lingered",
                tool = tool.name(),
                "the tool said it had finished but did not exit; it was stopped and its results kept"
            );
        }
        let truncated = outcome.stdout.truncated();
        let raw = self.recorder().map(|_| {
            cap_raw(
                outcome.stdout.bytes(),
                truncated,
                settings.storage.max_raw_bytes,
            )
        });
        let ctx = RenderContext {
            correlation_id,
            target: permit.target(),
            extra_targets: permit.extra_targets(),
            argv,
            timeout: permit.timeout(),
            detail,
        };
        if outcome.cancelled {
            // The tool's render reports a stopped run with what it had found.
            let stopped = tool.render(&ctx, &outcome).err();
            let error = if self.kill.is_cancelled() {
                ToolError::new(
                    ErrorCode::Cancelled,
                    format!(
                        "the server is shutting down; {} was stopped before it finished",
                        tool.name()
                    ),
                    "call again once the server is back",
                )
                .with_partial(stopped.and_then(|e| e.partial))
            } else {
                match stopped {
                    Some(e) if e.code == ErrorCode::Cancelled => e,
                    _ => ToolError::new(
                        ErrorCode::Cancelled,
                        format!("the call was cancelled and {} was stopped", tool.name()),
                        "call again if the results are still needed",
                    ),
                }
            };
            return Executed {
                result: Err(error),
                truncated,
                health: Health::Neutral,
                raw,
            };
        }
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
            raw,
        }
    }

    /// Answers a dry run: the plan of `permit`, nothing started.
    fn dry_run(
        &self,
        settings: &Settings,
        tool: &'static dyn Tool,
        permit: &Permit,
        correlation_id: String,
    ) -> CallResult {
        let argv = effective_argv(tool, permit);
        let limits = self.run_limits(settings, tool.id());
        ToolCallDryRun {
            correlation_id: &correlation_id,
            tool: tool.name(),
            target: &redact::text(&permit.target().rendered),
            argv: &redact::argv(tool.name(), &argv),
        }
        .emit(&self.metrics);
        let result = tools::dry_run::render(tool, permit, argv, &limits, &correlation_id);
        CallResult {
            correlation_id,
            result,
            record: RecordStatus::Off,
        }
    }

    /// The tool's binary in the current snapshot (see [`binary_in`]).
    pub fn binary(&self, tool: &dyn Tool) -> Result<PathBuf, ToolError> {
        binary_in(&self.snapshot(), tool)
    }
}

/// The refusal of a call to an intrusive tool while
/// `security.allow_intrusive` is off (the tool is not listed then).
pub fn intrusive_refused(tool: &dyn Tool) -> ToolError {
    ToolError::new(
        ErrorCode::PolicyDenied,
        format!(
            "{} is an intrusive tool and the operator has not enabled intrusive tools (security.allow_intrusive)",
            tool.name()
        ),
        "use the tools in tools/list, or ask the operator to set security.allow_intrusive: true",
    )
}

fn cancelled_waiting(tool: &dyn Tool) -> ToolError {
    ToolError::new(
        ErrorCode::Cancelled,
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
    let ms = e.retry_after.as_millis().max(1);
    let secs = e.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let (what, hint) = match e.which {
        LimitKind::Global => (
            "the server is running as many tool runs as it allows".to_owned(),
            format!("wait {ms} ms and call again, or make fewer calls at once"),
        ),
        LimitKind::Tool => (
            format!("{name} is running as many parallel runs as it allows"),
            format!("wait {ms} ms and call again, or make fewer calls at once"),
        ),
        LimitKind::Target => {
            let t = target.map_or_else(
                || "this target".to_owned(),
                |t| redact::text(t).into_owned(),
            );
            (
                format!(
                    "another run against {t} is in progress; it ends within {secs} s at the latest (its timeout)"
                ),
                format!(
                    "wait for that run (its result may already answer the question), call again within {secs} s, or choose another target"
                ),
            )
        }
        LimitKind::Rate => (
            "this client is starting tools faster than the server's rate limit".to_owned(),
            format!("wait {ms} ms and call again, or make fewer calls at once"),
        ),
        LimitKind::Queue => (
            "too many calls are already waiting for a slot".to_owned(),
            format!("wait {ms} ms and call again, or make fewer calls at once"),
        ),
    };
    let message = if e.which == LimitKind::Target {
        format!("{} limit reached: {what}", e.which.as_str())
    } else {
        format!(
            "{} limit reached: {what}; retry in {ms} ms",
            e.which.as_str()
        )
    };
    ToolError::new(ErrorCode::ResourceExhausted, message, hint)
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
            ErrorCode::Cancelled,
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
#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
}
