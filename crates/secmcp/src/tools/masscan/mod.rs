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

use super::{
    CommonInput, Hints, JsonObject, ParsedInput, RenderContext, Rendered, RunReport, TargetReport,
    Tool, ToolSpec, schema_object,
};
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
    /// The addresses to sweep: ONE IPv4/IPv6 address or CIDR range (10.0.0.0/24), inside
    /// the server's scope. Host names are not accepted (masscan does no DNS). Ranges
    /// above the server's cap (256 addresses by default) need the operator's
    /// allow_intrusive switch; a hard ceiling always applies.
    pub target: String,
    /// Ports to scan (required here or as -p in extra_args): `22,80,443`, `1-1024`,
    /// `U:53` for UDP; at most 64 comma-separated items.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ports: String,
    /// Packets per second. Omit for the server default (100). Above the safe rate
    /// (1000 by default) needs allow_intrusive; the server's maximum always applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub rate_pps: Option<u32>,
    /// Grab service banners from open TCP ports (intrusive: needs allow_intrusive).
    #[serde(default, skip_serializing_if = "is_false")]
    pub banners: bool,
    /// masscan's own options as one string, e.g. `-p 80,443 --rate 200 --wait 2`.
    /// Quoting works as in a shell, but no shell runs. Only the options in the tool
    /// description are accepted.
    #[serde(default)]
    pub extra_args: String,
    /// Wall-clock limit for this call in seconds. Omit to use the server default. The
    /// scan must fit: addresses x ports / rate + wait must be below it.
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

const DESCRIPTION: &str = "Sweep ONE in-scope IP address or small CIDR range for open ports \
with masscan (stateless SYN scanning at a fixed packet rate) and get parsed results: the hosts \
that answered and their open ports (port, protocol, reason, TTL), plus service banners when \
asked for. Ports that did not answer are not listed. Use nmap for service/version detection, \
host names, or a single host's full picture.\n\
\n\
target: an IPv4/IPv6 address or CIDR (no host names). Ranges above the server cap (256 \
addresses by default) need the operator's allow_intrusive switch; a hard ceiling always \
applies. Ports are required (ports field or -p). Rate: 100 packets/s by default; above the \
safe rate (1000 by default) needs allow_intrusive; the server maximum is absolute, whichever \
spelling is used. The whole sweep (addresses x ports / rate + wait) must fit in the call \
timeout. masscan needs raw-socket privilege (privilege_required otherwise).\n\
\n\
extra_args accepts only: -p/--ports LIST (also -p80 and --ports=LIST), --rate N / \
--max-rate N (also =N), --wait SECONDS (0..60, default 3), --retries N (0..3), --ping, \
--banners (intrusive), and -sS / -Pn / -n (ignored; masscan always SYN-scans without DNS). \
Always refused: output options (-oX/-oJ/-oD/-oL/-oG/-oB, --output-*; the server reads \
masscan's JSON itself), configuration and resume files (-c/--conf, --resume), \
--excludefile/--includefile/-iL, --readscan, --pcap, source spoofing (--source-ip, \
--source-port), adapter and router settings (--adapter*, --router-*, -e/-i; they come only \
from the operator's config), extra ranges (--range, --exclude, positional addresses), and \
anything else.\n\
\n\
Errors start with a stable code (validation_error, scope_denied, privilege_required, \
not_found, timeout, execution_error) followed by what to change.";

/// What the registry and clients know about masscan.
static SPEC: ToolSpec = ToolSpec {
    id: ToolId::Masscan,
    title: "masscan port sweep",
    description: DESCRIPTION,
    // A sweep sends packets to other hosts but changes nothing on them.
    hints: Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    },
};

impl Tool for Masscan {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn input_schema(&self) -> JsonObject {
        schema_object::<MasscanInput>()
    }

    fn output_schema(&self) -> JsonObject {
        schema_object::<MasscanOutput>()
    }

    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        let input: MasscanInput = super::parse_typed(
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
            },
            fields: ToolFields::Masscan(MasscanFields {
                ports: (!input.ports.is_empty()).then_some(input.ports),
                rate_pps: input.rate_pps,
                banners: input.banners,
            }),
        })
    }

    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError> {
        let report = out::parse(outcome.stdout.head(), &Bounds::default());
        super::check_stopped(
            "masscan",
            ctx,
            outcome,
            || out::summary(&report),
            "raise timeout_sec, scan fewer ports or a smaller range, or raise the rate",
        )?;
        if outcome.exit_code != Some(0) {
            return Err(failure(outcome));
        }
        let text = format!(
            "{}\ncorrelation_id: {}",
            out::summary(&report),
            ctx.correlation_id
        );
        let output = MasscanOutput {
            correlation_id: ctx.correlation_id.to_owned(),
            target: TargetReport::from(ctx.target),
            argv: ctx.argv.clone(),
            run: RunReport::from(outcome),
            report,
        };
        let structured = serde_json::to_value(&output).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise masscan output");
            ToolError::new(
                ErrorCode::Unknown,
                "internal error rendering the result",
                "retry",
            )
        })?;
        Ok(Rendered { text, structured })
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
        "check the options in extra_args against the tool description"
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
        let required = schema["required"].as_array().unwrap();
        let mut seen = std::collections::HashSet::new();
        for r in required {
            assert!(seen.insert(r.as_str().unwrap()), "duplicate {r}");
        }
        assert!(seen.contains("hosts") && seen.contains("target"));
    }
}
