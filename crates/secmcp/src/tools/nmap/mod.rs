//! nmap: port and service discovery. The grammar lives in the policy core; this
//! file describes the tool to the model and renders nmap's XML into results.

mod config;

pub use config::NmapConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::{Bounds, nmap as xml};
use secmcp_policy::ToolId;
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::ToolError;

/// The nmap tool.
pub struct Nmap;

/// One nmap call: the common fields and a typed `ports`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NmapInput {
    /// One IP address, CIDR range or host name inside the server's scope (a name is
    /// resolved once and pinned).
    pub target: String,
    /// Ports to scan, as nmap's -p takes them: `22,80,443`, `1-1024`, `U:53,T:80`,
    /// `-` for all. Omit for the top 1000 (or give -p / --top-ports in extra_args).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ports: String,
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

/// A `ports` value may only hold what a port list holds, so it can never
/// carry a second option into `extra_args`.
fn is_port_spec(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b",-:TUSPtusp".contains(&b))
}

/// `structuredContent` of a finished nmap call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NmapOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized target and the address(es) nmap was pinned to.
    pub target: TargetReport,
    /// The exact argv the server ran, binary name first.
    pub argv: Vec<String>,
    /// How the nmap process ran.
    pub run: RunReport,
    /// nmap's parsed XML report.
    #[serde(flatten)]
    pub report: xml::NmapReport,
}

const SUMMARY: &str = "Scan one in-scope host, address or small CIDR range with nmap. Result: each host's state and names, its ports with state, reason and service (product, version, CPE), NSE script output and OS guesses.";

/// What the registry and clients know about nmap.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Nmap,
    "nmap network scan",
    SUMMARY,
    Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
);

impl Tool for Nmap {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<NmapInput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: NmapInput = super::input::parse_typed(
            args,
            "pass an object with `target` (string) and optionally `ports`, `extra_args` \
             (strings), `timeout_sec` (integer), `correlation_id`, `detail` (strings)",
        )?;
        let extra_args = if input.ports.is_empty() {
            input.extra_args
        } else if is_port_spec(&input.ports) {
            // The grammar checks it like any -p (and refuses a second one).
            format!("-p {} {}", input.ports, input.extra_args)
        } else {
            return Err(ToolError::new(
                crate::error::ErrorCode::ValidationError,
                format!(
                    "ports: `{}` is not a port list",
                    secmcp_output::sanitize::sanitize_line(&input.ports)
                        .chars()
                        .take(80)
                        .collect::<String>()
                ),
                "give ports like 22,80,443 or 1-1024 or U:53,T:80",
            ));
        };
        Ok(ParsedInput {
            common: CommonInput {
                target: input.target,
                extra_args,
                timeout_sec: input.timeout_sec,
                correlation_id: input.correlation_id,
                detail: input.detail,
                dry_run: input.dry_run,
            },
            fields: secmcp_policy::ToolFields::None,
        })
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<NmapOutput>()
    }

    fn progress(&self) -> Option<secmcp_output::progress::ProgressKind> {
        Some(secmcp_output::progress::ProgressKind::Nmap)
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let report = xml::parse(outcome.stdout.head(), &Bounds::default());
        let complete = report.complete;
        let output = NmapOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: annotate(report, ctx).project(ctx.detail),
        };
        super::render::check_stopped(
            "nmap",
            ctx,
            outcome,
            || {
                if output.report.hosts.is_empty() {
                    "no host had finished".to_owned()
                } else {
                    xml::summary(&output.report)
                }
            },
            &output,
            "raise timeout_sec (up to the server's tool.max_timeout_secs), scan fewer ports \
             (-p or --top-ports) or a smaller range",
        )?;
        if outcome.exit_code != Some(0) && !complete {
            return Err(super::render::tool_failed(
                "nmap",
                outcome.exit_code,
                outcome.stderr.head(),
            ));
        }
        let summary = xml::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}

/// Makes the report speak in the caller's terms: nmap's recorded command line
/// (which names the server's binary path) becomes the effective argv, and a
/// host reached through a host name carries that name (nmap ran with `-n` on
/// the pinned address, so it cannot know it).
fn annotate(mut report: xml::NmapReport, ctx: &RenderContext<'_>) -> xml::NmapReport {
    report.scanner.args = ctx.argv.join(" ");
    if let Some(name) = &ctx.target.hostname {
        let pinned: Vec<String> = ctx.target.pinned.iter().map(ToString::to_string).collect();
        for host in &mut report.hosts {
            if pinned.contains(&host.address) && !host.hostnames.iter().any(|h| &h.name == name) {
                host.hostnames.insert(
                    0,
                    xml::Hostname {
                        name: name.clone(),
                        kind: "user".into(),
                    },
                );
            }
        }
    }
    report
}
