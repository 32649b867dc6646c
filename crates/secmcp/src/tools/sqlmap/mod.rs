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

use super::{
    CommonInput, Hints, JsonObject, ParsedInput, RenderContext, Rendered, RunReport, TargetReport,
    Tool, ToolSpec, schema_object,
};
use crate::error::{ErrorCode, ToolError};

/// The sqlmap tool.
pub struct Sqlmap;

/// One sqlmap call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlmapInput {
    /// The one URL to test: `http://` or `https://`, with the parameters to test in its
    /// query string (http://web.lab.internal/item?id=1), or with a POST body in `data`.
    /// Its host must be inside the server's configured scope; a host name is resolved
    /// once by the server and sqlmap is pinned to that address. Printable ASCII only
    /// (percent-encode the rest); no user@ part, no #fragment. Mark a path injection
    /// point with `*`.
    pub target: String,
    /// The POST body to send (and test), e.g. `user=alice&id=1`. Omit for a GET request.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data: String,
    /// sqlmap's own options as one string, e.g. `--technique=BU --level 2 -p id`.
    /// Quoting works as in a shell, but no shell runs. Only the options listed in the
    /// tool description are accepted. Leave empty for sqlmap's defaults.
    #[serde(default)]
    pub extra_args: String,
    /// Wall-clock limit for this call in seconds. Omit to use the server default.
    /// A stopped run reports `timeout` with whatever partial results exist.
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

const DESCRIPTION: &str = "Test one in-scope http(s) URL for SQL injection with sqlmap and \
get parsed results: the injectable parameters (name, place such as GET/POST), the \
techniques that work on each (type, title, a proving payload), the back-end DBMS, \
fingerprint facts (banner, current user/database) and, where the operator allows it, \
enumerated databases, tables and dumped rows.\n\
\n\
sqlmap is INTRUSIVE: it sends attack payloads to the target, so the server offers it only \
when the operator set allow_intrusive. Give the URL with its parameters in `target` \
(http://host/item?id=1) and a POST body in `data`. The server always runs --batch (sqlmap's \
default answers), never follows redirects, pins the host's address (the name goes in the \
Host header) and keeps sqlmap's session in a private per-call directory, so nothing carries \
over between calls. Keep runs short with --technique (e.g. BU) and a small --level.\n\
\n\
extra_args accepts only: --technique LETTERS (BEUSTQ), --level N (1-5, capped by the \
server, default cap 3), --risk N (1-3, default cap 2), -p PARAMS, --skip PARAMS, \
--skip-static, --param-exclude RE, --param-filter GET,POST,COOKIE,URI, --dbms NAME, --os, \
--prefix, --suffix, --string, --not-string, --regexp, --code N, --smart, --text-only, \
--titles, --time-sec N, --union-cols N-M, --union-char, --union-from, --invalid-bignum, \
--invalid-logical, --invalid-string, --no-cast, --no-escape, -A/--user-agent, \
-H/--header 'Name: value' (not Host), --method GET|POST|PUT|PATCH, --cookie, --cookie-del, \
--param-del, --referer, --random-agent, --mobile, --drop-set-cookie, --abort-code, \
--ignore-code, --ignore-timeouts, --delay S, --timeout S, --retries N, --randomize, \
--safe-url URL (in scope, same host name or an IP), --safe-post, --safe-freq, \
--skip-urlencode, --csrf-token, --force-ssl, --chunked, --hpp, -o, --keep-alive, \
--null-connection, --predict-output, --threads N (capped), -f/--fingerprint, -b/--banner, \
--current-user, --current-db, --hostname, --is-dba, --base64, --base64-safe, \
--binary-fields, --charset, --encoding, --fresh-queries, --hex, --parse-errors, --repair, \
--skip-heuristics, --skip-waf, --test-filter, --test-skip, --abort-on-empty, -v N (0-3). \
Enumeration beyond fingerprinting (--dbs, --tables, --columns, --schema, --count, --dump, \
--dump-all, --users, --passwords, --privileges, --roles, --search, --comments, \
--statements, --all, -D/-T/-C/-X/-U, --where, --start/--stop/--first/--last, \
--common-tables/--common-columns) also needs the operator's tools.sqlmap.allow_enumeration. \
Always refused: anything that reads or writes files or runs code (-r, -l, -m, -c, -s, -t, \
--eval, --tamper, --os-*, --file-*, --sql-query/--sql-shell/--sql-file, --reg-*, \
--pre/postprocess, --output-dir, --load-cookies), anything that reaches other hosts \
(-g, --proxy, --tor, --crawl, --forms, --csrf-url, --second-url, --dns-domain) and a \
second URL (-u).\n\
\n\
Errors start with a stable code (validation_error, scope_denied, not_found, timeout, \
execution_error) followed by what to change.";

/// What the registry and clients know about sqlmap.
static SPEC: ToolSpec = ToolSpec {
    id: ToolId::Sqlmap,
    title: "sqlmap SQL injection test",
    description: DESCRIPTION,
    // Attack payloads can change data on the target (risk 3, stacked queries).
    hints: Hints {
        read_only: false,
        destructive: true,
        idempotent: false,
        open_world: true,
    },
};

impl Tool for Sqlmap {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        schema_object::<SqlmapInput>()
    }

    fn output_schema(&self) -> JsonObject {
        schema_object::<SqlmapOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: SqlmapInput = super::parse_typed(
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
            },
            fields: ToolFields::Sqlmap(SqlmapFields { data: input.data }),
        })
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
        super::check_stopped(
            "sqlmap",
            ctx,
            outcome,
            || out::summary(&report).replace('\n', "; "),
            "raise timeout_sec, or narrow the test: --technique=BU, -p PARAM, a lower --level",
        )?;
        if !report.injectable
            && let Some(e) = report
                .errors
                .iter()
                .find(|e| e.starts_with("unable to connect") || e.contains("connection timed out"))
        {
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!("sqlmap could not reach the target: {e}"),
                "check the URL's host and port (the server pinned the address shown in target)",
            ));
        }
        if outcome.exit_code != Some(0) && !report.injectable && report.errors.is_empty() {
            let stderr = String::from_utf8_lossy(outcome.stderr.head());
            let first: String = stderr
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no error message")
                .chars()
                .take(300)
                .collect();
            return Err(ToolError::new(
                ErrorCode::ExecutionError,
                format!(
                    "sqlmap exited with code {}: {first}",
                    outcome.exit_code.unwrap_or(-1)
                ),
                "check the options in extra_args against the tool description",
            ));
        }
        let text = format!(
            "{}\ncorrelation_id: {}",
            out::summary(&report),
            ctx.correlation_id
        );
        let output = SqlmapOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report,
        };
        let structured = serde_json::to_value(&output).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise sqlmap output");
            ToolError::new(
                ErrorCode::Unknown,
                "internal error rendering the result",
                "retry",
            )
        })?;
        Ok(Rendered { text, structured })
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
