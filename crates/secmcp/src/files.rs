//! Files a plan needs (wordlists, credential lists): resolved by the server
//! against configured roots and aliases, with realpath, before `authorize_with`
//! checks them again.
//!
//! Must not: read file contents, accept absolute paths from callers, or follow
//! a path outside the configured roots.

use secmcp_policy::{FileRequest, ResolvedFile};

use crate::config::Settings;
use crate::error::{ErrorCode, ToolError};

/// Resolves one file request. No tool needs files yet, so every request is
/// refused; tools that do (gobuster, hydra) extend this with their roots.
pub fn resolve(_settings: &Settings, request: &FileRequest) -> Result<ResolvedFile, ToolError> {
    Err(ToolError::new(
        ErrorCode::ValidationError,
        format!(
            "{}: no file roots are configured for this tool",
            request.field
        ),
        "ask the operator to configure file roots, or omit the field",
    ))
}
