//! sqlmap: SQL injection testing of one in-scope URL. The grammar lives in the
//! policy core; this file describes the tool to the model, parses its typed
//! input and renders sqlmap's log and stdout into results.

mod config;

pub use config::SqlmapConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::sqlmap as out;
use secmcp_policy::sqlmap::{OUTPUT_DIR, SqlmapFields};
use secmcp_policy::{ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::{ErrorCode, ToolError};

/// The sqlmap tool.
pub struct Sqlmap;

/// One sqlmap call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlmapInput {
    /// The one http(s) URL to test, with its parameters in the query string (mark a path
    /// injection point with `*`); printable ASCII, no user@ or #fragment.
    pub target: String,
    /// The POST body to send (and test), e.g. `user=alice&id=1`. Omit for a GET request.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data: String,
    // extra_args, timeout_sec, correlation_id, detail, dry_run: documented on CommonInput.
    #[serde(default)]
    pub extra_args: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub timeout_sec: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub detail: secmcp_output::Detail,
    #[serde(default)]
    pub dry_run: bool,
}

/// `structuredContent` of a finished sqlmap call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SqlmapOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized URL host and the address sqlmap was pinned to.
    pub target: TargetReport,
    /// The exact argv the server ran, binary name first.
    pub argv: Vec<String>,
    /// How the sqlmap process ran.
    pub run: RunReport,
    /// What sqlmap found.
    #[serde(flatten)]
    pub report: out::SqlmapReport,
}

const SUMMARY: &str = "Test one in-scope http(s) URL (parameters in the URL, a POST body in data) for SQL injection with sqlmap. Result: the injectable parameters, the techniques that work with a proving payload, the DBMS, fingerprint facts and, where the operator allows it, enumerated data. It sends attack payloads; keep runs short with --technique and a small --level.";

/// What the registry and clients know about sqlmap.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Sqlmap,
    "sqlmap SQL injection test",
    SUMMARY,
    Hints {
        read_only: false,
        destructive: true,
        idempotent: false,
        open_world: true,
    },
);

impl Tool for Sqlmap {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<SqlmapInput>()
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<SqlmapOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: SqlmapInput = super::input::parse_typed(
            args,
            "pass an object with `target` (an http(s) URL) and optionally `data`, \
             `extra_args` (strings), `timeout_sec` (integer), `correlation_id` (string)",
        )?;
        Ok(ParsedInput {
            common: CommonInput {
                target: input.target,
                extra_args: input.extra_args,
                timeout_sec: input.timeout_sec,
                correlation_id: input.correlation_id,
                detail: input.detail,
                dry_run: input.dry_run,
            },
            fields: ToolFields::Sqlmap(SqlmapFields { data: input.data }),
        })
    }

    fn progress(&self) -> Option<secmcp_output::progress::ProgressKind> {
        Some(secmcp_output::progress::ProgressKind::Sqlmap)
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        // sqlmap writes OUTPUT_DIR/<host>/log; there is one host per call.
        let log = outcome
            .files
            .iter()
            .find(|f| {
                f.path.starts_with(OUTPUT_DIR)
                    && f.path.ends_with("/log")
                    && f.path.matches('/').count() == 2
            })
            .map_or(&[][..], |f| f.contents.as_slice());
        let report = out::parse(&out::SqlmapInput {
            stdout: outcome.stdout.head(),
            log,
        });
        let injectable = report.injectable;
        let unreachable = report
            .errors
            .iter()
            .find(|e| e.starts_with("unable to connect") || e.contains("connection timed out"))
            .cloned();
        let no_errors = report.errors.is_empty();
        let output = SqlmapOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: report.project(ctx.detail),
        };
        super::render::check_stopped(
            "sqlmap",
            ctx,
            outcome,
            || out::summary(&output.report).replace('\n', "; "),
            &output,
            "raise timeout_sec, or narrow the test: --technique=BU, -p PARAM, a lower --level",
        )?;
        if !injectable && let Some(e) = unreachable {
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!("sqlmap could not reach the target: {e}"),
                "check the URL's host and port (the server pinned the address shown in target)",
            ));
        }
        if outcome.exit_code != Some(0) && !injectable && no_errors {
            return Err(super::render::tool_failed(
                "sqlmap",
                outcome.exit_code,
                outcome.stderr.head(),
            ));
        }
        let summary = out::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_input_fills_the_sqlmap_fields() {
        let args =
            serde_json::json!({"target": "http://10.0.0.5/s", "data": "a=1", "extra_args": "-b"});
        let p = Sqlmap.parse_input(args.as_object().cloned()).unwrap();
        assert_eq!(p.common.target, "http://10.0.0.5/s");
        assert_eq!(p.common.extra_args, "-b");
        assert_eq!(
            p.fields,
            ToolFields::Sqlmap(SqlmapFields { data: "a=1".into() })
        );
        let bad = serde_json::json!({"target": "http://10.0.0.5/s", "body": "a=1"});
        let e = Sqlmap.parse_input(bad.as_object().cloned()).unwrap_err();
        assert!(e.message.contains("unknown field `body`"), "{}", e.message);
    }

    #[test]
    fn schema_has_no_nullable_fields_and_requires_only_target() {
        let s = Sqlmap.input_schema();
        assert_eq!(s["required"], serde_json::json!(["target"]));
        assert!(!serde_json::to_string(&s).unwrap().contains("\"null\""));
        assert!(s["properties"]["data"].is_object());
    }
}
