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

use super::{
    CommonInput, Hints, JsonObject, ParsedInput, RenderContext, Rendered, RunReport, TargetReport,
    Tool, ToolSpec, schema_object,
};
use crate::error::{ErrorCode, ToolError};

/// The dig tool.
pub struct Dig;

/// One dig call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DigInput {
    /// What to look up: ONE DNS name (web.lab.internal, _sip._tcp.lab.internal), or an
    /// IP address for a reverse (PTR) lookup. With the server's default policy the
    /// name must be under an allowed domain suffix (and a reverse address inside the
    /// allowed ranges).
    pub target: String,
    /// The DNS server to ask: an IP address or host name inside the server's scope
    /// (a name is resolved once and pinned). Required unless the operator configured a
    /// default server; `@SERVER` in extra_args works too (give it once).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server: String,
    /// Record type: A (default), AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA, DS,
    /// DNSKEY, RRSIG, NSEC, NSEC3PARAM, HINFO, NAPTR, SSHFP, TLSA, SVCB, HTTPS, ANY; or
    /// AXFR / IXFR=SERIAL (zone transfers; they need the operator's allow_intrusive).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query_type: String,
    /// Record class: IN (default) or CH (e.g. version.bind).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query_class: String,
    /// dig's own options as one string, e.g. `+tcp +norecurse -p 5353`. Quoting works
    /// as in a shell, but no shell runs. Only the options in the tool description are
    /// accepted. Leave empty for defaults.
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

const DESCRIPTION: &str = "Look up DNS records with dig, asking ONE in-scope DNS server, and get \
parsed results: response status (NOERROR, NXDOMAIN, REFUSED, ...), header flags (aa = \
authoritative), the answering server, query time, and the answer, authority and additional \
sections as records (name, ttl, class, type, data).\n\
\n\
target is the name to look up (web.lab.internal) or an IP address (reverse/PTR lookup). The \
DNS server comes from the server field or `@SERVER` in extra_args and must be inside the \
scope; it is required unless the operator configured a default lab resolver, so lookups never \
go to this machine's own resolver. By default the query name (or reverse address) must be in \
scope as well. The type and class come from query_type / query_class or as words in \
extra_args (`MX`, `CH`).\n\
\n\
extra_args accepts only: record type and class words, @SERVER, -t TYPE, -c CLASS, -p PORT, -x \
(reverse; the address is the target), and +tcp +vc +dnssec +norecurse +recurse +nsid \
+cdflag +adflag +aaflag +cookie +edns +noedns +ignore +besteffort +expire (and their +no \
forms), +time=1..30, +tries=1..5, +retry=0..4, +bufsize=N, +edns=0. AXFR and IXFR=SERIAL \
(zone transfers) need the operator's allow_intrusive switch. Always refused: +trace (walks \
the public root servers), +nssearch (asks servers that were not scope-checked), +short / \
+yaml (the server sets +yaml itself), DNS over HTTPS/TLS, -f (batch file), -k / -y (TSIG \
keys), -b (source address), -q or a second name (one query per call), -4 / -6. The server \
always adds -r (no ~/.digrc) and +yaml.\n\
\n\
Errors start with a stable code (validation_error, scope_denied, not_found, timeout, \
execution_error) followed by what to change.";

/// What the registry and clients know about dig.
static SPEC: ToolSpec = ToolSpec {
    id: ToolId::Dig,
    title: "dig DNS lookup",
    description: DESCRIPTION,
    hints: Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
};

impl Tool for Dig {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        schema_object::<DigInput>()
    }

    fn output_schema(&self) -> JsonObject {
        schema_object::<DigOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: DigInput = super::parse_typed(
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
            },
            fields: ToolFields::Dig(DigFields {
                query_type: some(input.query_type),
                query_class: some(input.query_class),
                server: some(input.server),
            }),
        })
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let report = out::parse(outcome.stdout.head(), &Bounds::default());
        super::check_stopped(
            "dig",
            ctx,
            outcome,
            || out::summary(&report),
            "raise timeout_sec, or lower +time / +tries",
        )?;
        if report.messages == 0 {
            let why = report.errors.first().cloned().unwrap_or_else(|| {
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
        let text = format!(
            "{}\ncorrelation_id: {}",
            out::summary(&report),
            ctx.correlation_id
        );
        let output = DigOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            query: query_of(ctx),
            dns_server: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report,
        };
        let structured = serde_json::to_value(&output).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise dig output");
            ToolError::new(
                ErrorCode::Unknown,
                "internal error rendering the result",
                "retry",
            )
        })?;
        Ok(Rendered { text, structured })
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
        let required = schema["required"].as_array().unwrap();
        let mut seen = std::collections::HashSet::new();
        for r in required {
            assert!(seen.insert(r.as_str().unwrap()), "duplicate {r}");
        }
        assert!(seen.contains("dns_server") && seen.contains("answers"));
        let input = Dig.input_schema();
        assert!(!serde_json::to_string(&input).unwrap().contains("null"));
    }
}
