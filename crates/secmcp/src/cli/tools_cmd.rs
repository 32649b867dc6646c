//! `tools`: every tool with its input and output schema, as JSON.

use std::process::ExitCode;

use super::print::out;
use crate::config::Settings;
use crate::service;

/// Prints the tools exactly as `tools/list` offers them under the loaded
/// settings (intrusive tools only with allow_intrusive; each description
/// lists the options those settings allow).
pub(super) fn print_tools(settings: &Settings) -> ExitCode {
    let mut list: Vec<_> = crate::dispatch::Core::enabled_tools_in(settings)
        .map(|t| service::describe(t, settings))
        .collect();
    list.push(service::describe_health());
    match serde_json::to_string_pretty(&list) {
        Ok(json) => out(&json),
        Err(_) => ExitCode::FAILURE,
    }
}
