//! Shutdown: stop accepting calls, let those in flight finish for the grace
//! period, then kill the tools still running.

use std::time::Duration;

use super::state::Core;
use crate::error::{ErrorCode, ToolError};

/// Extra time, after the kill grace, that killed runs get to report back.
const KILL_REPORT_SLACK: Duration = Duration::from_secs(5);

/// How a shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownOutcome {
    /// Every call in flight finished within the grace period.
    Drained,
    /// This many calls were still running at the end of the grace period;
    /// their tools were killed.
    Killed(usize),
}

impl Core {
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
}

/// The refusal of a call that arrives (or waits) while the server shuts down.
pub(super) fn shutting_down() -> ToolError {
    ToolError::new(
        ErrorCode::ResourceExhausted,
        "the server is shutting down and accepts no new calls",
        "call again once the server is back (or on another instance)",
    )
}
