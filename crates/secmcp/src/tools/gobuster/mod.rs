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

use super::{
    CommonInput, Hints, JsonObject, ParsedInput, RenderContext, Rendered, RunReport, TargetReport,
    Tool, ToolSpec, schema_object,
};
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
    /// What to enumerate: `dir` (paths), `vhost` (virtual hosts) or `dns` (subdomains).
    pub mode: ModeInput,
    /// dir/vhost: ONE URL, `http://HOST[:PORT][/PATH]` or `https://...`, whose host (a
    /// host name or an IP; IPv6 in brackets) must be inside the server's scope; a host
    /// name is resolved once by the server and gobuster is pinned to that address.
    /// dns: the domain to enumerate (corp.lab.internal), which must be under an allowed
    /// domain suffix.
    pub target: String,
    /// The wordlist: an alias configured by the operator (e.g. `common`) or a path
    /// relative to a configured wordlist directory (e.g. `dirb/small.txt`). Absolute
    /// paths and `..` are refused. Omit for the server's default wordlist.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wordlist: String,
    /// gobuster's own options as one string, e.g. `-x php,txt -t 5`. Quoting works as
    /// in a shell, but no shell runs. Only the options listed in the tool description
    /// are accepted, each as its own argument (`-t 5`, `--threads 5`, `--threads=5`).
    #[serde(default)]
    pub extra_args: String,
    /// Wall-clock limit for this call in seconds. Omit to use the server default.
    /// A stopped run reports `timeout` with whatever was found so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub timeout_sec: Option<u32>,
    /// Optional id of your choosing (1-128 characters: letters, digits, `.`, `_`, `:`,
    /// `-`) to tie this call to your own records. Echoed in the result and every log
    /// line; one is generated when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub correlation_id: Option<String>,
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

const DESCRIPTION: &str = "Brute-force discovery with gobuster against ONE in-scope web server \
or domain: hidden paths and files (mode dir), virtual hosts (mode vhost) or subdomains (mode \
dns), using a server-side wordlist. Results: each found path/host/subdomain with HTTP status, \
size, redirect target, or resolved addresses.\n\
\n\
This tool is intrusive (one request per wordlist entry) and only works when the operator set \
allow_intrusive. dir/vhost targets are one http(s):// URL; its host is resolved once and \
pinned (gobuster gets the address, vhost mode gets the name as --domain). dns targets are a \
domain under an allowed suffix; the DNS server must be given with -r ADDRESS[:PORT] (unless the \
operator configured one) and must itself be in scope. The wordlist is an operator alias or a \
path under the configured wordlist roots, never an arbitrary file. The server always adds \
-q -z --no-color, a thread count (default from config, capped) and a minimum --delay.\n\
\n\
extra_args accepts only: all modes: -t/--threads N, --delay D (e.g. 50ms; not below the \
server's minimum), --timeout D, -w/--wordlist NAME (same rules as the wordlist field), \
--no-error. dir: -x/--extensions php,txt, -s/--status-codes 200,301-302, \
-b/--status-codes-blacklist 404, -f/--add-slash, -e/--expanded, -n/--no-status, \
--hide-length, -d/--discover-backup. dir and vhost: -k/--no-tls-validation, --retry, \
--retry-attempts N, --random-agent, -a/--useragent UA, -m/--method GET|HEAD|POST|OPTIONS, \
--exclude-length N,N. vhost: --append-domain. dns: -r/--resolver ADDRESS[:PORT], \
-i/--show-ips, -c/--show-cname, --wildcard. Each option is its own argument (--threads 5 or \
--threads=5; -t5 is refused). Always refused: -o/--output, -p/--pattern, --proxy, \
-X/--extensions-file, client certificates, a second URL or domain (-u, -d/--domain), \
-r/--follow-redirect in dir mode (redirects can leave the scope), credentials, cookies and \
headers (they would end up in logs), other modes.\n\
\n\
Errors start with a stable code (validation_error, scope_denied, not_found, timeout, \
execution_error) followed by what to change.";

/// What the registry and clients know about gobuster.
static SPEC: ToolSpec = ToolSpec {
    id: ToolId::Gobuster,
    title: "gobuster path, vhost and subdomain discovery",
    description: DESCRIPTION,
    // Thousands of requests: not read-only toward the target (logs, load),
    // though it changes nothing by design.
    hints: Hints {
        read_only: false,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
};

impl Tool for Gobuster {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        schema_object::<GobusterInput>()
    }

    fn output_schema(&self) -> JsonObject {
        schema_object::<GobusterOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: GobusterInput = super::parse_typed(
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
            },
            fields: ToolFields::Gobuster(GobusterFields {
                mode,
                wordlist: input.wordlist,
            }),
        })
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
        super::check_stopped(
            "gobuster",
            ctx,
            outcome,
            || out::summary(&report),
            "raise timeout_sec, use a smaller wordlist, or fewer extensions",
        )?;
        if outcome.exit_code != Some(0) && report.found.is_empty() {
            let first = report
                .errors
                .first()
                .map_or("no error message", String::as_str);
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
        let text = format!(
            "{}\ncorrelation_id: {}",
            out::summary(&report),
            ctx.correlation_id
        );
        let output = GobusterOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report,
        };
        let structured = serde_json::to_value(&output).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise gobuster output");
            ToolError::new(
                ErrorCode::Unknown,
                "internal error rendering the result",
                "retry",
            )
        })?;
        Ok(Rendered { text, structured })
    }
}
