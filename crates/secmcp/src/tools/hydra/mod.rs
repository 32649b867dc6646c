//! hydra: online login guessing against one in-scope service. The grammar
//! lives in the policy core (`secmcp_policy::hydra`); this file describes the
//! tool to the model, parses its typed input and renders hydra's JSON result
//! file and output into results.
//!
//! Passwords: inline passwords travel only in the typed input, the permit's
//! work files (written 0600 into the run's private directory) and, when found,
//! the structured result. They are never in argv (which is logged), never in
//! an error message, and `HydraFields`' Debug redacts them.

mod config;

pub use config::HydraConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use secmcp_output::hydra as out;
use secmcp_policy::hydra::{HydraFields, RESULT_FILE};
use secmcp_policy::{ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use super::input::{CommonInput, ParsedInput, input_schema};
use super::render::{RenderContext, Rendered, RunReport, TargetReport};
use super::schema::JsonObject;
use super::tool::{Hints, Tool, ToolSpec};
use crate::error::{ErrorCode, ToolError};

/// The hydra tool.
pub struct Hydra;

/// One hydra call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HydraInput {
    /// One IP address or host name inside the server's scope (no ranges, no URLs).
    pub target: String,
    /// The hydra module (`http-get` is basic auth).
    pub service: String,
    /// The port, if not the service's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u16", range(min = 1))]
    pub port: Option<u16>,
    /// User names to try, inline. Or `user_list`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    /// Passwords to try, inline (never logged). Or `password_list`, or `-e nsr`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passwords: Vec<String>,
    /// A user list: the built-in `usernames`, an operator alias or a path under a list
    /// directory.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_list: String,
    /// A password list: the built-in `passwords`, an operator alias or a path under a list
    /// directory.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password_list: String,
    /// http and *-form services: the page path (default `/`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// *-form services: the form body with ^USER^ and ^PASS^, e.g.
    /// `user=^USER^&pass=^PASS^`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub form: String,
    /// *-form services: text of a FAILED login reply, e.g. `Login failed`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub failure: String,
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

/// `structuredContent` of a finished hydra call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HydraOutput {
    /// The call's correlation id.
    pub correlation_id: String,
    /// The authorized host and the address hydra was pinned to.
    pub target: TargetReport,
    /// The exact argv the server ran, binary name first (no passwords: lists are files).
    pub argv: Vec<String>,
    /// How the hydra process ran.
    pub run: RunReport,
    /// What hydra found.
    #[serde(flatten)]
    pub report: out::HydraReport,
}

const SUMMARY: &str = "Guess logins with hydra against one in-scope host and service (a hydra module from the operator's allowlist: ssh, ftp, http-get, http-post-form, ...). Credentials: short inline lists (usernames/passwords; never put on a command line or in logs) or list names (user_list/password_list; built-in: usernames, passwords). Result: the valid logins found and the attempts planned. It can lock accounts.";

/// What the registry and clients know about hydra.
static SPEC: ToolSpec = ToolSpec::new(
    ToolId::Hydra,
    "hydra login guessing",
    SUMMARY,
    Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: true,
    },
);

impl Tool for Hydra {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        input_schema::<HydraInput>()
    }

    fn output_schema(&self) -> JsonObject {
        super::dry_run::output_schema::<HydraOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let mut args = args.unwrap_or_default();
        // Passwords are checked here first, so that no serde message (which quotes
        // offending values, and reaches the log) can ever contain one.
        let passwords = take_passwords(&mut args)?;
        let input: HydraInput = super::input::parse_typed(
            Some(args),
            "pass an object with `target` and `service` (strings), optionally `port` \
             (integer), `usernames`/`passwords` (arrays of strings), `user_list`, \
             `password_list`, `path`, `form`, `failure`, `extra_args` (strings), \
             `timeout_sec` (integer), `correlation_id` (string)",
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
            fields: ToolFields::Hydra(HydraFields {
                service: input.service,
                port: input.port,
                usernames: input.usernames,
                passwords,
                user_list: input.user_list,
                password_list: input.password_list,
                path: input.path,
                form: input.form,
                failure: input.failure,
            }),
        })
    }

    fn specialize_schema(&self, schema: &mut JsonObject, policy: &secmcp_policy::Policy) {
        // The operator's allowlist: the only modules a call may name.
        super::schema::set_enum(schema, "service", &policy.hydra.services);
    }

    fn progress(&self) -> Option<secmcp_output::progress::ProgressKind> {
        Some(secmcp_output::progress::ProgressKind::Hydra)
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let json = outcome
            .files
            .iter()
            .find(|f| f.path == RESULT_FILE)
            .map(|f| f.contents.as_slice());
        let report = out::parse(
            json,
            outcome.stdout.head(),
            outcome.stderr.head(),
            out::DEFAULT_MAX_CREDENTIALS,
        );
        let (none_found, first_error) = (
            report.credentials.is_empty(),
            report.errors.first().cloned(),
        );
        let output = HydraOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report: report.project(ctx.detail),
        };
        super::render::check_stopped(
            "hydra",
            ctx,
            outcome,
            || out::summary(&output.report),
            &output,
            "raise timeout_sec, try fewer credentials, or raise -t",
        )?;
        if outcome.exit_code != Some(0) && none_found {
            let first = first_error.as_deref().unwrap_or("no error message");
            let first: String = first.chars().take(300).collect();
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!(
                    "hydra exited with code {}: {first}",
                    outcome.exit_code.unwrap_or(-1)
                ),
                "check that the service answers on that port and the fields match the service",
            ));
        }
        let summary = out::summary(&output.report);
        super::render::finish(ctx, summary, &output)
    }
}

/// Removes `passwords` from the raw arguments and checks its shape without
/// ever quoting a value.
fn take_passwords(args: &mut JsonObject) -> Result<Vec<String>, ToolError> {
    let bad = || {
        ToolError::new(
            ErrorCode::ValidationError,
            "arguments: passwords must be an array of strings",
            "e.g. \"passwords\": [\"123456\", \"password\"]",
        )
    };
    match args.remove("passwords") {
        None => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => Ok(s),
                _ => Err(bad()),
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_shape_errors_never_quote_values() {
        for args in [
            serde_json::json!({"target": "10.0.0.5", "service": "ssh", "usernames": ["a"], "passwords": [987654321]}),
            serde_json::json!({"target": "10.0.0.5", "service": "ssh", "passwords": "hunter987654321"}),
        ] {
            let e = Hydra.parse_input(args.as_object().cloned()).unwrap_err();
            assert!(!e.message.contains("987654321"), "{}", e.message);
        }
        let ok = serde_json::json!({"target": "10.0.0.5", "service": "ssh", "usernames": ["a"], "passwords": ["hunter2"]});
        let p = Hydra.parse_input(ok.as_object().cloned()).unwrap();
        let ToolFields::Hydra(f) = &p.fields else {
            panic!("fields")
        };
        assert_eq!(f.passwords, ["hunter2"]);
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
