//! `Denied`: why a call was refused, in words an agent can act on.
//!
//! Every refusal carries a stable snake_case code, the input field at fault, a
//! message that names exactly what was wrong, and a recovery hint.

/// The stable category of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenyCode {
    /// The input is malformed, unknown, over a limit, or needs `security.allow_intrusive`.
    ValidationError,
    /// The target (or an address it resolves to) is outside the configured scope.
    ScopeDenied,
    /// The request needs raw sockets, which the server does not have.
    PrivilegeRequired,
}

impl DenyCode {
    /// The snake_case code reported to agents and used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyCode::ValidationError => "validation_error",
            DenyCode::ScopeDenied => "scope_denied",
            DenyCode::PrivilegeRequired => "privilege_required",
        }
    }
}

impl std::fmt::Display for DenyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused call: what was wrong, in which field, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {field}: {message}")]
pub struct Denied {
    /// The stable category.
    pub code: DenyCode,
    /// The input field at fault: `"target"`, `"extra_args"` or `"timeout_sec"`.
    pub field: &'static str,
    /// Exactly what was refused and why.
    pub message: String,
    /// How to recover.
    pub hint: String,
}

/// The input field names used in [`Denied::field`].
pub mod field {
    /// The `target` input.
    pub const TARGET: &str = "target";
    /// The `extra_args` input.
    pub const EXTRA_ARGS: &str = "extra_args";
    /// The `timeout_sec` input.
    pub const TIMEOUT: &str = "timeout_sec";
}

impl Denied {
    /// A `validation_error`.
    pub fn validation(
        field: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(DenyCode::ValidationError, field, message, hint)
    }

    /// A `scope_denied`.
    pub fn scope(field: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(DenyCode::ScopeDenied, field, message, hint)
    }

    /// A `privilege_required`.
    pub fn privilege(
        field: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::new(DenyCode::PrivilegeRequired, field, message, hint)
    }

    fn new(
        code: DenyCode,
        field: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            code,
            field,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// An internal inconsistency (a plan that cannot happen), reported as a
/// validation error.
pub(crate) fn internal(what: &str) -> Denied {
    Denied::validation(
        field::TARGET,
        format!("internal error: {what}"),
        "report this to the operator",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case() {
        assert_eq!(DenyCode::ValidationError.as_str(), "validation_error");
        assert_eq!(DenyCode::ScopeDenied.as_str(), "scope_denied");
        assert_eq!(DenyCode::PrivilegeRequired.as_str(), "privilege_required");
    }

    #[test]
    fn display_names_code_field_and_message() {
        let d = Denied::scope(field::TARGET, "8.8.8.8 is out", "pick another");
        assert_eq!(d.to_string(), "scope_denied: target: 8.8.8.8 is out");
    }
}
