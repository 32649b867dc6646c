//! The render path every tool shares: what the caller is told about the
//! target and the run, the endings every tool reports alike (timeout,
//! cancel, signal, a failing tool), and the result assembly.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use secmcp_output::Detail;
use secmcp_policy::AuthorizedTarget;
use secmcp_runner::RunOutcome;

use crate::error::{ErrorCode, ToolError};

/// What the target became after authorization, as reported back to the caller.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetReport {
    /// The target exactly as requested.
    pub requested: String,
    /// The host name when one was given, else empty.
    pub hostname: String,
    /// The address(es) the tool was pinned to (host names are resolved once by the
    /// server; the tool never resolves them again).
    pub pinned: Vec<String>,
    /// The literal handed to the tool.
    pub rendered: String,
}

impl From<&AuthorizedTarget> for TargetReport {
    fn from(t: &AuthorizedTarget) -> Self {
        Self {
            requested: t.requested.clone(),
            hostname: t.hostname.clone().unwrap_or_default(),
            pinned: t.pinned.iter().map(ToString::to_string).collect(),
            rendered: t.rendered.clone(),
        }
    }
}

/// How the tool process ran.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunReport {
    /// The process exit code; -1 when it was ended by a signal.
    pub exit_code: i32,
    /// The run was stopped at its timeout.
    pub timed_out: bool,
    /// Said it was done but did not exit, so it was interrupted; results whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped_after_finishing: bool,
    /// The output was larger than the server keeps; the middle was dropped.
    pub truncated: bool,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
}

impl From<&RunOutcome> for RunReport {
    fn from(o: &RunOutcome) -> Self {
        Self {
            exit_code: o.exit_code.unwrap_or(-1),
            timed_out: o.timed_out,
            stopped_after_finishing: o.lingered,
            truncated: o.stdout.truncated(),
            duration_ms: u64::try_from(o.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Everything `render` needs besides the outcome.
pub struct RenderContext<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The authorized target.
    pub target: &'a AuthorizedTarget,
    /// Other authorized hosts the tool was allowed to touch (e.g. a DNS server).
    pub extra_targets: &'a [AuthorizedTarget],
    /// The effective argv, binary name first.
    pub argv: Vec<String>,
    /// The timeout the run had.
    pub timeout: Duration,
    /// How much of the parsed result to return.
    pub detail: Detail,
}

/// A successful tool result.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Short human summary.
    pub text: String,
    /// Structured content matching the tool's output schema.
    pub structured: Value,
}

/// The endings every tool reports alike, checked in this order: stopped at the
/// call's timeout, cancelled by the client or shutdown, ended by a signal.
/// A stopped run keeps what it had found: `summary` (run only when stopped)
/// says it in the text, and `output` (the tool's result built from the
/// partial output) goes with the error into the run record.
/// `timeout_hint` says how to make the call fit.
pub fn check_stopped(
    tool: &str,
    ctx: &RenderContext<'_>,
    outcome: &RunOutcome,
    summary: impl FnOnce() -> String,
    output: &impl Serialize,
    timeout_hint: &str,
) -> Result<(), ToolError> {
    let partial = || serde_json::to_value(output).ok();
    if outcome.timed_out {
        return Err(ToolError::new(
            ErrorCode::Timeout,
            format!(
                "{tool} was stopped after {} s (timeout_sec); partial results: {}",
                ctx.timeout.as_secs(),
                summary()
            ),
            timeout_hint,
        )
        .with_partial(partial()));
    }
    if outcome.cancelled {
        return Err(ToolError::new(
            ErrorCode::Cancelled,
            format!(
                "the call was cancelled and {tool} was stopped; partial results: {}",
                summary()
            ),
            "call again if the results are still needed; the run's record keeps what was found",
        )
        .with_partial(partial()));
    }
    if let (Some(signal), true) = (outcome.signal, outcome.lingered) {
        return Err(ToolError::new(
            ErrorCode::ExecutionError,
            format!(
                "{tool} finished its work but did not exit, even when interrupted; it was \
                 ended by signal {signal} and what it had not written out is lost"
            ),
            "retry; if it repeats, ask the operator to check the server log",
        ));
    }
    if let Some(signal) = outcome.signal {
        return Err(ToolError::new(
            ErrorCode::ExecutionError,
            format!("{tool} was ended by signal {signal} before it finished"),
            format!("retry; if it repeats, ask the operator to check the {tool} installation"),
        ));
    }
    Ok(())
}

/// A tool that exited with an error after the server accepted its options:
/// the options passed the grammar, so the hint does not send the agent back
/// to them; the tool's own first stderr line (sanitized, bounded) says what
/// went wrong.
pub fn tool_failed(tool: &str, exit_code: Option<i32>, stderr: &[u8]) -> ToolError {
    let text = String::from_utf8_lossy(stderr);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no error message");
    let first: String = secmcp_output::sanitize::sanitize_line(first)
        .chars()
        .take(300)
        .collect();
    ToolError::new(
        ErrorCode::ExecutionError,
        format!(
            "{tool} exited with code {}: \"{first}\"",
            exit_code.unwrap_or(-1)
        ),
        format!(
            "the options passed the server's checks, so this is {tool}'s own complaint: retry; if it repeats, ask the operator to check the server log"
        ),
    )
}

/// The end every successful render shares: the summary with the correlation
/// id as the text, and the tool's output as `structuredContent`.
pub fn finish(
    ctx: &RenderContext<'_>,
    summary: String,
    output: &impl Serialize,
) -> Result<Rendered, ToolError> {
    let structured = serde_json::to_value(output).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a tool's output");
        ToolError::new(
            ErrorCode::Unknown,
            "internal error rendering the result",
            "retry",
        )
    })?;
    Ok(Rendered {
        text: format!("{summary}\ncorrelation_id: {}", ctx.correlation_id),
        structured,
    })
}
