//! masscan: fast stateless port sweeps of in-scope addresses and small ranges.
//! The grammar lives in the policy core (`secmcp_policy::masscan`); this file
//! describes the tool to the model, parses its typed input and renders
//! masscan's NDJSON (`-oD -`) into results.

mod config;

pub use config::MasscanConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::{Bounds, masscan as out};
use secmcp_policy::masscan::MasscanFields;
use secmcp_policy::{ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::{ErrorCode, ToolError};

/// The masscan tool.
pub struct Masscan;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One masscan call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MasscanInput {
    /// One IP address or CIDR range inside the server's scope (no host names).
    pub target: String,
    /// Ports (required, here or -p): `22,80,443`, `1-1024`, `U:53`; at most 64 items.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ports: String,
    /// Packets per second (default 100; above the safe rate needs allow_intrusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub rate_pps: Option<u32>,
    /// Grab banners from open TCP ports (needs allow_intrusive).
    #[serde(default, skip_serializing_if = "is_false")]
    pub banners: bool,
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

/// `structuredContent` of a finished masscan call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MasscanOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized target as masscan was given it.
    pub target: TargetReport,
    /// The exact argv the server ran, binary name first.
    pub argv: Vec<String>,
    /// How the masscan process ran.
    pub run: RunReport,
    /// masscan's parsed results.
    #[serde(flatten)]
    pub report: out::MasscanReport,
}

const SUMMARY: &str = "Sweep one in-scope address or small CIDR range for open ports with masscan (stateless SYN scan at a fixed packet rate). Result: the hosts that answered and their open ports (port, protocol, reason, TTL), with banners when asked. Closed ports are not listed; use nmap for service versions or one host's full picture.";

/// What the registry and clients know about masscan.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Masscan,
    "masscan port sweep",
    SUMMARY,
    Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
);

impl Tool for Masscan {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<MasscanInput>()
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<MasscanOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: MasscanInput = super::input::parse_typed(
            args,
            "pass an object with `target` (an IP or CIDR) and optionally `ports`, \
             `extra_args` (strings), `rate_pps`, `timeout_sec` (integers), `banners` \
             (boolean), `correlation_id` (string)",
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
            fields: ToolFields::Masscan(MasscanFields {
                ports: (!input.ports.is_empty()).then_some(input.ports),
                rate_pps: input.rate_pps,
                banners: input.banners,
            }),
        })
    }

    fn progress(&self) -> Option<secmcp_output::progress::ProgressKind> {
        Some(secmcp_output::progress::ProgressKind::Masscan)
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let report = out::parse(outcome.stdout.head(), &Bounds::default());
        let output = MasscanOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: report.project(ctx.detail),
        };
        super::render::check_stopped(
            "masscan",
            ctx,
            outcome,
            || out::summary(&output.report),
            &output,
            "raise timeout_sec, scan fewer ports or a smaller range, or raise the rate",
        )?;
        // Interrupted after saying it was done, it exits 1 with its results
        // written out (killed, it fails in check_stopped).
        if outcome.exit_code != Some(0) && !outcome.lingered {
            return Err(failure(outcome));
        }
        let summary = out::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}

/// masscan's own failure, explained: its `FAIL:` line, mapped to a cause.
fn failure(outcome: &RunOutcome) -> ToolError {
    let stderr = String::from_utf8_lossy(outcome.stderr.head());
    let fail = stderr
        .split(['\n', '\r'])
        .map(str::trim)
        .find(|l| l.contains("FAIL") || l.contains("permission denied"))
        .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no error message");
    let fail: String = fail.chars().take(300).collect();
    let code = outcome.exit_code.unwrap_or(-1);
    let lower = fail.to_ascii_lowercase();
    if lower.contains("permission denied") || lower.contains("operation not permitted") {
        return ToolError::new(
            ErrorCode::PrivilegeRequired,
            format!("masscan could not open a raw socket (exit code {code}): {fail}"),
            "ask the operator to run the server as root or with CAP_NET_RAW, or use the nmap tool",
        );
    }
    let hint = if lower.contains("interface") || lower.contains("router") || lower.contains("arp") {
        "masscan could not work out the network adapter or router; ask the operator to set \
         tools.masscan.adapter / router_ip (or router_mac) in the server config"
    } else {
        "the options passed the server's checks, so this is masscan's own complaint: retry; if it repeats, ask the operator to check the server log"
    };
    ToolError::new(
        ErrorCode::ExecutionError,
        format!("masscan exited with code {code}: {fail}"),
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_schema_has_unique_properties() {
        let schema = Masscan.output_schema();
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
        assert!(seen.contains("hosts") && seen.contains("target"));
    }
}
