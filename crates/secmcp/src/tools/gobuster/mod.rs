//! gobuster: brute-force discovery of web paths, virtual hosts and subdomains.
//! The grammar lives in the policy core (`secmcp_policy::gobuster`); this file
//! describes the tool to the model, parses its typed input and renders
//! gobuster's text lines into results.

mod config;

pub use config::GobusterConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::gobuster as out;
use secmcp_policy::ToolId;
use secmcp_policy::gobuster::{GobusterFields, Mode};
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::{ErrorCode, ToolError};
use secmcp_policy::ToolFields;

/// The gobuster tool.
pub struct Gobuster;

/// gobuster's mode.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeInput {
    /// Find paths and files on a web server (target: an http(s) URL).
    Dir,
    /// Find subdomains of a domain through a DNS server (target: the domain; the DNS
    /// server comes from `-r ADDRESS[:PORT]` in extra_args or the server config).
    Dns,
    /// Find virtual hosts on a web server by varying the Host header (target: an
    /// http(s) URL; with `--append-domain` each word is prefixed to the URL's host name).
    Vhost,
}

/// One gobuster call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GobusterInput {
    /// `dir` (paths), `vhost` (virtual hosts) or `dns` (subdomains).
    pub mode: ModeInput,
    /// dir/vhost: one http(s) URL whose host is in scope; dns: the domain to enumerate.
    pub target: String,
    /// A built-in list (`web-paths`, `vhosts`, `subdomains`), an operator alias or a path
    /// under a wordlist directory. Omitted: the operator's default, else the mode's built-in
    /// (dir `web-paths`, vhost `vhosts`, dns `subdomains`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wordlist: String,
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

/// `structuredContent` of a finished gobuster call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GobusterOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized host gobuster was pointed at (dir/vhost: the URL's host; dns:
    /// the DNS server) and the address it was pinned to.
    pub target: TargetReport,
    /// The exact argv the server ran, binary name first.
    pub argv: Vec<String>,
    /// How the gobuster process ran.
    pub run: RunReport,
    /// What gobuster found.
    #[serde(flatten)]
    pub report: out::GobusterReport,
}

const SUMMARY: &str = "Brute-force discovery with gobuster against one in-scope web server or domain: hidden paths (mode dir), virtual hosts (vhost) or subdomains (dns), from a wordlist (a built-in list, an operator alias or a path under the wordlist roots). Result: each find with status, size, redirect or addresses. One request per wordlist entry.";

/// What the registry and clients know about gobuster.
// Thousands of requests: not read-only toward the target (logs, load),
// though it changes nothing by design.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Gobuster,
    "gobuster path, vhost and subdomain discovery",
    SUMMARY,
    Hints {
        read_only: false,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
);

impl Tool for Gobuster {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<GobusterInput>()
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<GobusterOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: GobusterInput = super::input::parse_typed(
            args,
            "pass an object with `mode` (dir|dns|vhost) and `target` (strings), and \
             optionally `wordlist`, `extra_args` (strings), `timeout_sec` (integer), \
             `correlation_id` (string)",
        )?;
        let mode = match input.mode {
            ModeInput::Dir => Mode::Dir,
            ModeInput::Dns => Mode::Dns,
            ModeInput::Vhost => Mode::Vhost,
        };
        Ok(ParsedInput {
            common: CommonInput {
                target: input.target,
                extra_args: input.extra_args,
                timeout_sec: input.timeout_sec,
                correlation_id: input.correlation_id,
                detail: input.detail,
                dry_run: input.dry_run,
            },
            fields: ToolFields::Gobuster(GobusterFields {
                mode,
                wordlist: input.wordlist,
            }),
        })
    }

    fn progress(&self) -> Option<secmcp_output::progress::ProgressKind> {
        Some(secmcp_output::progress::ProgressKind::Gobuster)
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        // argv[1] is the mode the server rendered.
        let mode = ctx.argv.get(1).map_or("dir", String::as_str);
        let report = out::parse(
            mode,
            outcome.stdout.head(),
            outcome.stderr.head(),
            out::DEFAULT_MAX_FINDINGS,
        );
        let (none_found, first_error) = (report.found.is_empty(), report.errors.first().cloned());
        let output = GobusterOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: report.project(ctx.detail),
        };
        super::render::check_stopped(
            "gobuster",
            ctx,
            outcome,
            || out::summary(&output.report),
            &output,
            "raise timeout_sec, use a smaller wordlist, or fewer extensions",
        )?;
        if outcome.exit_code != Some(0) && none_found {
            let first = first_error.as_deref().unwrap_or("no error message");
            let first: String = first.chars().take(300).collect();
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!(
                    "gobuster exited with code {}: {first}",
                    outcome.exit_code.unwrap_or(-1)
                ),
                "check that the target answers (URL, port, scheme) and the options against \
                 the tool description",
            ));
        }
        let summary = out::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}
