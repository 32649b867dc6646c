//! From a tool's parsed input to a `Permit`: the call's timeout, the policy's
//! plan, each host name resolved once, each list resolved under its roots,
//! then the policy's scope check and rendering. Used by the call path and by
//! the approval round that shows a person the plan before it runs.

use std::net::IpAddr;
use std::time::Duration;

use secmcp_policy::{CallInput, Permit, Resolutions};

use crate::config::Settings;
use crate::error::{ErrorCode, ToolError};
use crate::files;
use crate::tools::{self, Tool};

/// How long the server waits for a host name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The permit for `parsed` under `s` (with `progress`, the plan asks the
/// tool for its progress flags), or why not.
pub(super) async fn authorize(
    s: &Settings,
    tool: &dyn Tool,
    parsed: &tools::ParsedInput,
    progress: bool,
) -> Result<Permit, ToolError> {
    let input = &parsed.common;
    let timeout = match input.timeout_sec {
        None => s.default_timeout,
        Some(secs) if secs >= 1 && u64::from(secs) <= s.max_timeout.as_secs() => {
            Duration::from_secs(u64::from(secs))
        }
        Some(secs) => {
            return Err(ToolError::new(
                ErrorCode::ValidationError,
                format!(
                    "timeout_sec: {secs} is outside 1..={}",
                    s.max_timeout.as_secs()
                ),
                "pass a timeout_sec within the range, or omit it for the default",
            ));
        }
    };
    let call = CallInput {
        target: &input.target,
        extra_args: &input.extra_args,
        timeout,
        fields: &parsed.fields,
    };
    let mut plan = secmcp_policy::plan(tool.id(), &s.policy, &call)?;
    if progress {
        plan.report_progress();
    }
    let mut res = Resolutions::default();
    for host in plan.hosts_to_resolve() {
        res.add_host(host.clone(), resolve(host.as_str()).await?);
    }
    for request in plan.files_to_resolve() {
        res.add_file(files::resolve(&s.policy, request)?);
    }
    Ok(secmcp_policy::authorize_with(&s.policy, plan, &res)?)
}
/// Resolves a host name once. Every address is returned (deduplicated, in
/// resolver order); the policy core checks them all and pins the first.
async fn resolve(host: &str) -> Result<Vec<IpAddr>, ToolError> {
    let lookup = tokio::net::lookup_host((host, 0));
    let fail = |why: &str| {
        ToolError::new(
            ErrorCode::ValidationError,
            format!("target: host name {host} {why}"),
            "check the name, or pass the address itself",
        )
    };
    let addrs = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Err(_) => return Err(fail("did not resolve within 5 s")),
        Ok(Err(_)) => return Err(fail("does not resolve")),
        Ok(Ok(addrs)) => addrs,
    };
    let mut out: Vec<IpAddr> = Vec::new();
    for a in addrs {
        if !out.contains(&a.ip()) {
            out.push(a.ip());
        }
    }
    if out.is_empty() {
        return Err(fail("has no addresses"));
    }
    Ok(out)
}
