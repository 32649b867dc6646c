//! `tools`: every tool with its input and output schema, as JSON.

use std::process::ExitCode;

use super::out;
use crate::config::Settings;
use crate::{service, tools};

/// Prints every tool's MCP description under the loaded settings (the
/// options a description lists depend on them).
pub(super) fn print_tools(settings: &Settings) -> ExitCode {
    let list: Vec<_> = tools::REGISTRY
        .iter()
        .map(|t| service::describe(*t, settings))
        .collect();
    match serde_json::to_string_pretty(&list) {
        Ok(json) => out(&json),
        Err(_) => ExitCode::FAILURE,
    }
}
