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

use super::{
    CommonInput, Hints, JsonObject, ParsedInput, RenderContext, Rendered, RunReport, TargetReport,
    Tool, ToolSpec, schema_object,
};
use crate::error::{ErrorCode, ToolError};

/// The hydra tool.
pub struct Hydra;

/// One hydra call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HydraInput {
    /// The ONE host to attack: an IPv4 address (10.0.0.5), an IPv6 address or a host
    /// name (web.lab.internal). It must be inside the server's scope; a host name is
    /// resolved once and hydra is pinned to that address. No ranges, no URLs.
    pub target: String,
    /// The hydra service module, by its real name: e.g. `ssh`, `ftp`, `http-get`
    /// (HTTP basic auth on `path`), `http-post-form` (a login form), `mysql`. Only the
    /// modules the operator enabled are accepted; an error lists them.
    pub service: String,
    /// The port, when the service does not run on its default port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u16", range(min = 1))]
    pub port: Option<u16>,
    /// User names to try, inline (short lists; the server writes them to a private
    /// file). Give this or `user_list`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    /// Passwords to try, inline (short lists; the server writes them to a private file
    /// and never logs them). Give this or `password_list` (or `-e nsr` in extra_args).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passwords: Vec<String>,
    /// A user name list on the server: an alias configured by the operator or a path
    /// relative to a configured list directory. Absolute paths and `..` are refused.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_list: String,
    /// A password list on the server, named like `user_list`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password_list: String,
    /// http(s)-get/head/post and *-form services: the page path, e.g. `/admin` or
    /// `/login.php` (default `/`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// *-form services: the form body with the placeholders ^USER^ and ^PASS^, e.g.
    /// `user=^USER^&pass=^PASS^`. Write `&` and `:` as they are; the server escapes
    /// them for hydra.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub form: String,
    /// *-form services: text that appears in the reply when a login FAILED, e.g.
    /// `Login failed` (without hydra's `F=`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub failure: String,
    /// hydra's own options as one string, e.g. `-t 4 -f`. Only the options listed in
    /// the tool description are accepted, each with its value as the next argument.
    #[serde(default)]
    pub extra_args: String,
    /// Wall-clock limit for this call in seconds. Omit to use the server default.
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

const DESCRIPTION: &str = "Guess logins with hydra against ONE in-scope host and service \
(ssh, ftp, HTTP basic auth via http-get, web login forms via http-post-form, databases, mail, \
...) and get the valid credentials found (host, port, service, login, password), the number of \
attempts planned and whether hydra finished.\n\
\n\
This tool is intrusive (it tries many logins against a live service and can lock accounts) and \
only works when the operator set allow_intrusive. The target is one IP or host name (resolved \
once and pinned). service is a real hydra module name from the operator's allowlist. \
Credentials: short inline lists in usernames/passwords (written by the server to private \
files, never put on a command line or in logs) or list names in user_list/password_list (an \
operator alias or a path under the configured list directories). HTTP pages and forms use the \
typed fields path, form (with ^USER^ and ^PASS^) and failure (text of a failed login). The \
server always adds -I (ignore restore files), -o hydra.json -b json and a task count \
(default from config, capped).\n\
\n\
extra_args accepts only: -t N (tasks, capped), -w N (response wait, s), -W N (wait between \
connects, s), -f/-F (stop at the first valid pair), -u (loop around users), -e nsr (also try \
empty password, login as password, reversed login), -S (SSL), -K (no redo), -q, -s PORT \
(same as port), -L NAME / -P NAME / -C NAME (lists, same rules as user_list/password_list; -C \
is a login:password list). Each option and its value are separate arguments (-t 4, not -t4). \
Always refused: -l/-p (inline secrets belong in the typed fields), -M (target files), -R \
(restore), -o/-b (output), -x/-y/-r (unbounded generation), -m (use path/form/failure), \
-4/-6 (the target decides), -v/-V/-d (they print passwords), -O, -T, -U, -h.\n\
\n\
Errors start with a stable code (validation_error, scope_denied, not_found, timeout, \
execution_error) followed by what to change.";

/// What the registry and clients know about hydra.
static SPEC: ToolSpec = ToolSpec {
    id: ToolId::Hydra,
    title: "hydra login guessing",
    description: DESCRIPTION,
    // Login attempts are logged by the target and can lock accounts.
    hints: Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: true,
    },
};

impl Tool for Hydra {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        schema_object::<HydraInput>()
    }

    fn output_schema(&self) -> JsonObject {
        schema_object::<HydraOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let mut args = args.unwrap_or_default();
        // Passwords are checked here first, so that no serde message (which quotes
        // offending values, and reaches the log) can ever contain one.
        let passwords = take_passwords(&mut args)?;
        let input: HydraInput = super::parse_typed(
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
        super::check_stopped(
            "hydra",
            ctx,
            outcome,
            || out::summary(&report),
            "raise timeout_sec, try fewer credentials, or raise -t",
        )?;
        if outcome.exit_code != Some(0) && report.credentials.is_empty() {
            let first = report
                .errors
                .first()
                .map_or("no error message", String::as_str);
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
        let text = format!(
            "{}\ncorrelation_id: {}",
            out::summary(&report),
            ctx.correlation_id
        );
        let output = HydraOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report,
        };
        let structured = serde_json::to_value(&output).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise hydra output");
            ToolError::new(
                ErrorCode::Unknown,
                "internal error rendering the result",
                "retry",
            )
        })?;
        Ok(Rendered { text, structured })
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
