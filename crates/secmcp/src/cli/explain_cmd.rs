//! `explain TOOL 'JSON-ARGS'`: a dry run from the command line, for operators
//! checking what their policy lets a call do. The call goes through the same
//! pipeline as an MCP call with `dry_run: true` (same checks, same refusals);
//! nothing is started.

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::args::ExplainArgs;
use super::print::out;
use crate::auth::Identity;
use crate::config::{Availability, Settings};
use crate::dispatch::{Caller, Core};

/// Prints the plan (summary, then the structured result as JSON) and exits 0,
/// or prints the refusal an agent would get and exits 1; exit 2 for an
/// unknown tool or arguments that are not a JSON object.
pub(super) fn explain(args: &ExplainArgs, settings: &Settings) -> ExitCode {
    let Some(tool) = crate::tools::find(&args.tool) else {
        let names: Vec<_> = Core::enabled_tools_in(settings).map(|t| t.name()).collect();
        eprintln!(
            "secmcp: unknown tool `{}`; available: {}",
            args.tool,
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let mut object = match serde_json::from_str::<Value>(&args.arguments) {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            eprintln!(
                "secmcp: the arguments must be a JSON object, e.g. '{{\"target\":\"10.0.0.5\"}}'"
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("secmcp: the arguments are not valid JSON: {e}");
            return ExitCode::from(2);
        }
    };
    object.insert("dry_run".into(), Value::Bool(true));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secmcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = Arc::new(settings.clone());
    let done = runtime.block_on(async {
        let core = Core::new((*settings).clone(), CancellationToken::new());
        // The operator at the terminal, with the server's whole policy.
        let me = Identity::os_user(None);
        let caller = Caller {
            client: "cli",
            identity: &me,
        };
        match settings.availability(tool.id()) {
            Availability::Offered => {
                core.call_with(
                    settings,
                    tool,
                    Some(object),
                    caller,
                    CancellationToken::new(),
                )
                .await
            }
            Availability::NeedsIntrusive => {
                let e = crate::dispatch::intrusive_refused(tool);
                core.refuse(tool, Some(&object), caller, e).await
            }
            Availability::Disabled => {
                let e = crate::error::ToolError::new(
                    crate::error::ErrorCode::PolicyDenied,
                    format!(
                        "{} is disabled (tools.{}.enabled: false)",
                        tool.name(),
                        tool.name()
                    ),
                    format!("set tools.{}.enabled: true", tool.name()),
                );
                core.refuse(tool, Some(&object), caller, e).await
            }
        }
    });
    match done.result {
        Ok(rendered) => {
            let json = serde_json::to_string_pretty(&rendered.structured).unwrap_or_default();
            out(&format!("{}\n{json}", rendered.text))
        }
        Err(e) => {
            let _ = out(&e.to_text(&done.correlation_id));
            ExitCode::FAILURE
        }
    }
}
