//! What a dry run answers: the plan of an authorized call — pinned targets,
//! the exact argv, the gates it passed, the limits and sandbox that would
//! hold — and the output-schema addition that lets every tool's
//! `structuredContent` carry it.
//!
//! Must not: start anything or decide anything; the pipeline builds a
//! [`DryRunPlan`] only from a `Permit` it already holds.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::render::TargetReport;
use super::schema::{JsonObject, schema_object};

/// The plan of a call that passed every check, returned instead of running it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DryRunPlan {
    /// Always true: the tool was not started.
    pub not_started: bool,
    /// Other hosts the tool would touch (a DNS server, a resolver, a safe URL),
    /// each scope-checked and pinned like the target.
    pub extra_targets: Vec<TargetReport>,
    /// The checks the call passed, in the order the server made them.
    pub gates: Vec<String>,
    /// Files the server would write into the run's private working directory
    /// before the start (names only).
    pub work_files: Vec<String>,
    /// The limits the run would have.
    pub limits: PlanLimits,
}

/// The limits a run would have.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanLimits {
    /// Wall-clock limit in seconds (timeout_sec or the server default).
    pub timeout_sec: u64,
    /// Most stdout bytes kept (head + tail).
    pub max_output_bytes: u64,
    /// Most stderr bytes kept.
    pub max_stderr_bytes: u64,
    /// Time between SIGTERM and SIGKILL when the run is stopped, in ms.
    pub kill_grace_ms: u64,
    /// The plan opens raw sockets, so the run would hold CAP_NET_RAW.
    pub raw_sockets: bool,
    /// The kernel sandbox the run would start in.
    pub sandbox: secmcp_runner::SandboxReport,
}

/// `structuredContent` of a dry run: the fields every tool's result shares,
/// and the plan under `dry_run`.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized target and the address(es) the tool would be pinned to.
    pub target: TargetReport,
    /// The exact argv the server would run, binary name first.
    pub argv: Vec<String>,
    /// The plan.
    pub dry_run: DryRunPlan,
}

/// The fields a dry run shares with a real result (dig's has no `target`).
const SHARED: [&str; 3] = ["correlation_id", "target", "argv"];

/// The output schema of a tool whose real result is `T`: `T`'s properties
/// plus `dry_run`; a result holds either every field `T` requires or, on a
/// dry run, the shared ones and `dry_run`.
pub fn output_schema<T: JsonSchema>() -> JsonObject {
    let mut schema = schema_object::<T>();
    // Kept short: every tool's schema carries it, and models read them all.
    let plan = serde_json::json!({
        "type": "object",
        "description": "Only on a dry run (nothing started): not_started, extra_targets, \
            gates (checks passed), work_files, limits (timeout_sec, output caps, \
            raw_sockets, sandbox).",
    });
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        props.insert("dry_run".into(), plan);
    }
    let required: Vec<Value> = match schema.remove("required") {
        Some(Value::Array(r)) => r,
        _ => Vec::new(),
    };
    let (shared, own): (Vec<Value>, Vec<Value>) = required
        .into_iter()
        .partition(|r| r.as_str().is_some_and(|r| SHARED.contains(&r)));
    schema.insert("required".into(), Value::Array(shared));
    schema.insert(
        "anyOf".into(),
        serde_json::json!([{ "required": own }, { "required": ["dry_run"] }]),
    );
    schema
}

/// The result of a dry run of `tool` for `permit`: a summary naming what
/// would run and a [`DryRunOutput`].
pub fn render(
    tool: &dyn super::tool::Tool,
    permit: &secmcp_policy::Permit,
    argv: Vec<String>,
    limits: &secmcp_runner::RunLimits,
    correlation_id: &str,
) -> Result<super::render::Rendered, crate::error::ToolError> {
    let target = TargetReport::from(permit.target());
    let mut gates = Vec::new();
    gates.push(format!(
        "arguments parsed by the {} grammar into a typed plan",
        tool.name()
    ));
    let grammar = secmcp_policy::grammar(tool.id());
    if grammar.intrusive == secmcp_policy::Intrusive::WholeTool {
        gates.push("security.allow_intrusive: on (the whole tool is intrusive)".into());
    }
    for t in std::iter::once(permit.target()).chain(permit.extra_targets()) {
        let pinned: Vec<String> = t.pinned.iter().map(ToString::to_string).collect();
        gates.push(if t.hostname.is_some() {
            format!(
                "scope: {} allowed by name, resolved once, every address in scope, pinned to {}",
                t.requested,
                pinned.join(", ")
            )
        } else {
            format!("scope: {} in scope", t.requested)
        });
    }
    if permit.raw_sockets() {
        gates.push("raw sockets: the server holds CAP_NET_RAW".into());
    }
    let work_files: Vec<String> = permit
        .write_files()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    if !work_files.is_empty() {
        gates.push("files: lists resolved under the configured roots (size-capped)".into());
    }
    let plan = DryRunPlan {
        not_started: true,
        extra_targets: permit
            .extra_targets()
            .iter()
            .map(TargetReport::from)
            .collect(),
        gates,
        work_files,
        limits: PlanLimits {
            timeout_sec: permit.timeout().as_secs(),
            max_output_bytes: limits.max_stdout_bytes as u64,
            max_stderr_bytes: limits.max_stderr_bytes as u64,
            kill_grace_ms: u64::try_from(limits.kill_grace.as_millis()).unwrap_or(u64::MAX),
            raw_sockets: permit.raw_sockets(),
            sandbox: limits
                .sandbox
                .report(permit.raw_sockets(), permit.net_admin()),
        },
    };
    let summary = format!(
        "dry run: nothing was started. {} would run as: {}\ntarget {} -> {}; timeout {} s",
        tool.name(),
        argv.join(" "),
        target.requested,
        target.rendered,
        plan.limits.timeout_sec,
    );
    let output = DryRunOutput {
        correlation_id: correlation_id.to_owned(),
        target,
        argv,
        dry_run: plan,
    };
    let structured = serde_json::to_value(&output).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a dry run");
        crate::error::ToolError::new(
            crate::error::ErrorCode::Unknown,
            "internal error rendering the plan",
            "retry",
        )
    })?;
    Ok(super::render::Rendered {
        text: format!("{summary}\ncorrelation_id: {correlation_id}"),
        structured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_schema_admits_a_result_or_a_dry_run() {
        for tool in super::super::REGISTRY {
            let schema = tool.output_schema();
            let mut shared: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            shared.sort_unstable();
            shared.retain(|f| *f != "target"); // dig's result has none
            assert_eq!(shared, ["argv", "correlation_id"], "{}", tool.name());
            let real = schema["anyOf"][0]["required"].as_array().unwrap();
            assert!(
                !real.is_empty(),
                "{}: a real result requires more",
                tool.name()
            );
            assert!(!real.contains(&Value::from("dry_run")), "{}", tool.name());
            assert_eq!(
                schema["anyOf"][1]["required"],
                serde_json::json!(["dry_run"])
            );
            assert_eq!(schema["properties"]["dry_run"]["type"], "object");
        }
    }
}
