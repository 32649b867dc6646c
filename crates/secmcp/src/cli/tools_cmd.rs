//! `tools`: every tool with its input and output schema, as JSON.

use std::process::ExitCode;

use super::out;
use crate::{service, tools};

/// Prints every tool's MCP description.
pub(super) fn print_tools() -> ExitCode {
    let list: Vec<_> = tools::REGISTRY
        .iter()
        .map(|t| service::describe(*t))
        .collect();
    match serde_json::to_string_pretty(&list) {
        Ok(json) => out(&json),
        Err(_) => ExitCode::FAILURE,
    }
}
