//! dig: DNS lookups against one in-scope DNS server. The grammar lives in the
//! policy core (`secmcp_policy::dig`); this file describes the tool to the
//! model, parses its typed input and renders dig's `+yaml` output into results.

mod config;

pub use config::DigConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::{Bounds, dig as out};
use secmcp_policy::dig::DigFields;
use secmcp_policy::{ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::{ErrorCode, ToolError};

/// The dig tool.
pub struct Dig;

/// One dig call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DigInput {
    /// The DNS name to look up, or an IP address for a reverse lookup.
    pub target: String,
    /// The in-scope DNS server (IP or name); required unless the operator set a default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server: String,
    /// Record type (default A); AXFR and IXFR=SERIAL need allow_intrusive.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query_type: String,
    /// `IN` (default) or `CH`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query_class: String,
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

/// `structuredContent` of a finished dig call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DigOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The name (normalized: lower case, no trailing dot) or address that was looked up.
    pub query: String,
    /// The authorized DNS server as requested, and the address dig was pinned to
    /// (`server` below is the address that actually answered).
    pub dns_server: TargetReport,
    /// The exact argv the server ran, binary name first.
    pub argv: Vec<String>,
    /// How the dig process ran.
    pub run: RunReport,
    /// dig's parsed answer.
    #[serde(flatten)]
    pub report: out::DigReport,
}

const SUMMARY: &str = "Look up DNS records with dig, asking one in-scope DNS server (the server field or @SERVER; required unless the operator set a default). target is a name, or an IP address for a reverse lookup. Result: status, flags, the answering server, query time and the answer, authority and additional records.";

/// What the registry and clients know about dig.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Dig,
    "dig DNS lookup",
    SUMMARY,
    Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
);

impl Tool for Dig {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<DigInput>()
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<DigOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: DigInput = super::input::parse_typed(
            args,
            "pass an object with `target` (the name or address to look up) and optionally \
             `server`, `query_type`, `query_class`, `extra_args` (strings), `timeout_sec` \
             (integer), `correlation_id` (string)",
        )?;
        let some = |s: String| (!s.is_empty()).then_some(s);
        Ok(ParsedInput {
            common: CommonInput {
                target: input.target,
                extra_args: input.extra_args,
                timeout_sec: input.timeout_sec,
                correlation_id: input.correlation_id,
                detail: input.detail,
                dry_run: input.dry_run,
            },
            fields: ToolFields::Dig(DigFields {
                query_type: some(input.query_type),
                query_class: some(input.query_class),
                server: some(input.server),
            }),
        })
    }

    fn specialize_schema(&self, schema: &mut JsonObject, policy: &secmcp_policy::Policy) {
        let mut types: Vec<&str> = secmcp_policy::dig::RECORD_TYPES.to_vec();
        if policy.allow_intrusive {
            // Zone transfers; IXFR=SERIAL goes in extra_args.
            types.extend(["AXFR", "IXFR"]);
        }
        super::schema::set_enum(schema, "query_type", &types);
        super::schema::set_enum(schema, "query_class", &["IN", "CH"]);
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let report = out::parse(outcome.stdout.head(), &Bounds::default());
        let (messages, first_error) = (report.messages, report.errors.first().cloned());
        let output = DigOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            query: query_of(ctx),
            dns_server: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: report.project(ctx.detail),
        };
        super::render::check_stopped(
            "dig",
            ctx,
            outcome,
            || out::summary(&output.report),
            &output,
            "raise timeout_sec, or lower +time / +tries",
        )?;
        if messages == 0 {
            let why = first_error.unwrap_or_else(|| {
                first_line(outcome.stderr.head()).unwrap_or_else(|| "no answer".into())
            });
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!(
                    "dig got no response from {} (exit code {}): {why}",
                    ctx.target.rendered,
                    outcome.exit_code.unwrap_or(-1)
                ),
                "check that the DNS server address and port are right and that it answers \
                 (try +tcp, or a longer +time)",
            ));
        }
        let summary = out::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}

/// The looked-up name or address, from the rendered argv (`-q NAME` / `-x ADDR`).
fn query_of(ctx: &RenderContext<'_>) -> String {
    ctx.argv
        .windows(2)
        .find(|w| w[0] == "-q" || w[0] == "-x")
        .map(|w| w[1].clone())
        .unwrap_or_default()
}

fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_schema_has_unique_properties() {
        let schema = Dig.output_schema();
        // A real result needs the shared fields and those of the first anyOf
        // branch (the second is a dry run's).
        let required = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .chain(schema["anyOf"][0]["required"].as_array().unwrap());
        let mut seen = std::collections::HashSet::new();
        for r in required {
            assert!(seen.insert(r.as_str().unwrap()), "duplicate {r}");
        }
        assert!(seen.contains("dns_server") && seen.contains("answers"));
        let input = Dig.input_schema();
        assert!(!serde_json::to_string(&input).unwrap().contains("null"));
    }
}
