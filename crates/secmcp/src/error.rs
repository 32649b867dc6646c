//! Errors an agent sees: a stable snake_case code, what was wrong, how to fix it.
//!
//! Every denial or failure of a tool call becomes a `ToolError`, rendered as an
//! `isError: true` result whose text starts with the code. Internal details
//! (paths, OS errors, stack traces) go to the log, never into a `ToolError`.

use std::fmt;

use secmcp_policy::{Denied, DenyCode};

/// The stable error codes (the original design's taxonomy plus two clearer ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The call's input is malformed or asks for something not allowed.
    ValidationError,
    /// A target (or a host it resolves to) is outside the configured scope.
    ScopeDenied,
    /// The option needs raw-socket privilege the server does not have.
    PrivilegeRequired,
    /// The tool's binary is not installed or not executable.
    NotFound,
    /// The tool ran past its timeout and was stopped.
    Timeout,
    /// The tool failed to run or exited with an error.
    ExecutionError,
    /// A limit (concurrency, rate, queue) was reached.
    ResourceExhausted,
    /// The tool's circuit breaker is open after repeated failures.
    CircuitBreakerOpen,
    /// The operator's policy does not allow this (an intrusive tool or
    /// option without `security.allow_intrusive`, a disabled feature).
    PolicyDenied,
    /// The call was cancelled (by the client, or by shutdown) and the tool
    /// stopped; partial results are kept where there were any.
    Cancelled,
    /// An intrusive run waits for a person's approval (`security.approval:
    /// elicit` on 2026-07-28: the client is asked to call again with it).
    ApprovalRequired,
    /// A person declined or denied the run, or nobody approved it in time.
    ApprovalDenied,
    /// The run needs approval and nobody can be asked: the client cannot
    /// elicit, or the run store that holds operator approvals is down.
    ApprovalUnavailable,
    /// Anything else.
    Unknown,
}

impl ErrorCode {
    /// All codes, for tests and docs.
    pub const ALL: [ErrorCode; 14] = [
        Self::ValidationError,
        Self::ScopeDenied,
        Self::PrivilegeRequired,
        Self::NotFound,
        Self::Timeout,
        Self::ExecutionError,
        Self::ResourceExhausted,
        Self::CircuitBreakerOpen,
        Self::PolicyDenied,
        Self::Cancelled,
        Self::ApprovalRequired,
        Self::ApprovalDenied,
        Self::ApprovalUnavailable,
        Self::Unknown,
    ];

    /// The stable wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationError => "validation_error",
            Self::ScopeDenied => "scope_denied",
            Self::PrivilegeRequired => "privilege_required",
            Self::NotFound => "not_found",
            Self::Timeout => "timeout",
            Self::ExecutionError => "execution_error",
            Self::ResourceExhausted => "resource_exhausted",
            Self::CircuitBreakerOpen => "circuit_breaker_open",
            Self::PolicyDenied => "policy_denied",
            Self::Cancelled => "cancelled",
            Self::ApprovalRequired => "approval_required",
            Self::ApprovalDenied => "approval_denied",
            Self::ApprovalUnavailable => "approval_unavailable",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed tool call, as the agent will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// Stable code.
    pub code: ErrorCode,
    /// Exactly what was wrong.
    pub message: String,
    /// How to fix the call.
    pub hint: String,
    /// What the tool had produced when it was stopped (timeout, cancel): the
    /// structured result of the partial output, kept in the run record.
    pub partial: Option<serde_json::Value>,
}

impl ToolError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: hint.into(),
            partial: None,
        }
    }

    /// This error with the partial structured result of a stopped run.
    #[must_use]
    pub fn with_partial(mut self, partial: Option<serde_json::Value>) -> Self {
        self.partial = partial;
        self
    }

    /// The text an agent reads: `code: message` then the hint and the call id.
    pub fn to_text(&self, correlation_id: &str) -> String {
        format!(
            "{}: {}\nHow to fix: {}\ncorrelation_id: {}",
            self.code, self.message, self.hint, correlation_id
        )
    }
}

impl From<Denied> for ToolError {
    fn from(d: Denied) -> Self {
        let code = match d.code {
            DenyCode::ValidationError => ErrorCode::ValidationError,
            DenyCode::ScopeDenied => ErrorCode::ScopeDenied,
            DenyCode::PrivilegeRequired => ErrorCode::PrivilegeRequired,
        };
        let message = format!("{}: {}", d.field, d.message);
        Self::new(code, message, d.hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate {s}");
        }
    }

    #[test]
    fn text_starts_with_code_and_carries_hint_and_id() {
        let e = ToolError::new(ErrorCode::Timeout, "nmap ran 5 s", "raise timeout_sec");
        let t = e.to_text("abc");
        assert!(t.starts_with("timeout: nmap ran 5 s\n"), "{t}");
        assert!(t.contains("How to fix: raise timeout_sec"));
        assert!(t.ends_with("correlation_id: abc"));
    }
}
