//! The two entry points: [`plan`] (everything checkable without DNS) and
//! [`authorize`] (the scope check with resolved addresses, then the `Permit`).
//!
//! The server calls `plan`, resolves [`Plan::host_to_resolve`] itself (this
//! crate never does DNS), then calls `authorize` with the addresses. The
//! target handed to the tool is always an IP literal or CIDR that passed the
//! scope check, so DNS cannot change between check and use.

use std::net::IpAddr;
use std::time::Duration;

use crate::ToolId;
use crate::denied::{Denied, field};
use crate::nmap::{self, NmapLimits, NmapPlan};
use crate::permit::{AuthorizedTarget, Permit};
use crate::scope::Scope;
use crate::target::{Hostname, Target, parse_target};
use crate::tokens::{DEFAULT_MAX_ARGS_BYTES, MAX_TOKENS, tokenize};

const SCOPE_HINT: &str =
    "choose a target inside security.allowed_targets; only the operator can change the scope";

/// One validated snapshot of the security configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Which targets may be scanned.
    pub scope: Scope,
    /// Allows intrusive options (`-A`, `--traceroute`, `-T5`, intrusive script categories).
    pub allow_intrusive: bool,
    /// Whether the server can open raw sockets (root or cap_net_raw).
    pub raw_sockets: bool,
    /// The longest `extra_args` accepted, in bytes.
    pub max_args_bytes: usize,
    /// nmap limits.
    pub nmap: NmapLimits,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            scope: Scope::default(),
            allow_intrusive: false,
            raw_sockets: false,
            max_args_bytes: DEFAULT_MAX_ARGS_BYTES,
            nmap: NmapLimits::default(),
        }
    }
}

/// One tool call's raw input.
#[derive(Debug, Clone, Copy)]
pub struct CallInput<'a> {
    /// The target as the caller wrote it.
    pub target: &'a str,
    /// Extra tool arguments, shell-style (no shell is run).
    pub extra_args: &'a str,
    /// The wall-clock limit for the run.
    pub timeout: Duration,
}

/// A target a plan must have scope-checked before it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTarget {
    field: &'static str,
    requested: String,
    target: Target,
}

impl PlannedTarget {
    /// The input field it came from (`"target"`, or e.g. `"extra_args"` for a
    /// future `dig @server`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// As the caller wrote it.
    pub fn requested(&self) -> &str {
        &self.requested
    }

    /// The parsed target.
    pub fn target(&self) -> &Target {
        &self.target
    }
}

/// The typed arguments of one tool.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ToolPlan {
    Nmap(NmapPlan),
}

/// A parsed, validated call that still needs its scope check.
///
/// Only [`plan`] builds one. `targets[0]` is the primary target, the one the
/// tool is pointed at; later tools may add more targets to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    tool: ToolId,
    targets: Vec<PlannedTarget>,
    timeout: Duration,
    args: ToolPlan,
}

impl Plan {
    /// The tool.
    pub fn tool(&self) -> ToolId {
        self.tool
    }

    /// The host name the server must resolve before [`authorize`], if the
    /// primary target is one.
    pub fn host_to_resolve(&self) -> Option<&Hostname> {
        self.targets.first().and_then(|t| t.target.hostname())
    }

    /// Every target the scope check covers; the first is the primary.
    pub fn targets(&self) -> &[PlannedTarget] {
        &self.targets
    }

    /// The call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The nmap plan, for an nmap call.
    pub fn nmap(&self) -> Option<&NmapPlan> {
        match &self.args {
            ToolPlan::Nmap(p) => Some(p),
        }
    }
}

/// Parses and validates a call: target, timeout and tool arguments.
/// Everything that can be checked without DNS is checked here.
pub fn plan(tool: ToolId, policy: &Policy, input: &CallInput<'_>) -> Result<Plan, Denied> {
    check_timeout(input.timeout)?;
    let target = parse_target(input.target)?;
    let tokens = tokenize(input.extra_args, policy.max_args_bytes).map_err(|e| {
        Denied::validation(
            field::EXTRA_ARGS,
            e.to_string(),
            format!("quote values with '...'; keep extra_args under {} bytes and {MAX_TOKENS} arguments", policy.max_args_bytes),
        )
    })?;
    let args = match tool {
        ToolId::Nmap => {
            check_cidr_size(&target, policy.nmap.max_cidr_addresses)?;
            ToolPlan::Nmap(nmap::parse_args(&tokens, policy, input.timeout)?)
        }
    };
    let primary = PlannedTarget {
        field: field::TARGET,
        requested: input.target.to_string(),
        target,
    };
    Ok(Plan {
        tool,
        targets: vec![primary],
        timeout: input.timeout,
        args,
    })
}

fn check_timeout(timeout: Duration) -> Result<(), Denied> {
    if timeout < Duration::from_secs(1) {
        return Err(Denied::validation(
            field::TIMEOUT,
            format!(
                "the timeout must be at least 1 second (got {} ms)",
                timeout.as_millis()
            ),
            "give timeout_sec of 1 or more",
        ));
    }
    Ok(())
}

fn check_cidr_size(target: &Target, max: u64) -> Result<(), Denied> {
    let Target::Cidr(c) = target else {
        return Ok(());
    };
    if c.size() <= u128::from(max) {
        return Ok(());
    }
    Err(Denied::validation(
        field::TARGET,
        format!(
            "{c} covers {} addresses; this tool scans at most {max} per call",
            c.size()
        ),
        "split the range into smaller CIDRs (e.g. /24 = 256 addresses)",
    ))
}

/// Scope-checks every target of `plan` (host names with `resolved`, the
/// addresses the server resolved for [`Plan::host_to_resolve`]) and renders the
/// argv. A host name is pinned to its FIRST resolved address. For IP and CIDR
/// targets `resolved` must be empty.
pub fn authorize(policy: &Policy, plan: Plan, resolved: &[IpAddr]) -> Result<Permit, Denied> {
    let primary = plan
        .targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    if primary.target.hostname().is_none() && !resolved.is_empty() {
        return Err(internal(
            "resolved addresses were given for an IP or CIDR target",
        ));
    }
    for (i, t) in plan.targets.iter().enumerate() {
        let addrs = if i == 0 { resolved } else { &[] };
        policy
            .scope
            .check(&t.target, addrs)
            .map_err(|e| Denied::scope(t.field, e.message, SCOPE_HINT))?;
    }
    let authorized = pin(primary, resolved)?;
    let ipv6 = authorized.rendered.contains(':');
    let argv = match &plan.args {
        ToolPlan::Nmap(p) => nmap::render_argv(p, &authorized.rendered, ipv6),
    };
    Ok(Permit::new(plan.tool, argv, authorized, plan.timeout))
}

/// The literal handed to the tool; IPv4-mapped IPv6 becomes plain IPv4.
fn pin(t: &PlannedTarget, resolved: &[IpAddr]) -> Result<AuthorizedTarget, Denied> {
    let (hostname, pinned, rendered, address_count) = match &t.target {
        Target::Ip(ip) => {
            let ip = ip.to_canonical();
            (None, vec![ip], ip.to_string(), 1)
        }
        Target::Cidr(c) => (None, vec![], c.to_canonical().to_string(), c.size_u64()),
        Target::Host(h) => {
            let first = resolved
                .first()
                .ok_or_else(|| internal("no resolved address to pin"))?;
            let ip = first.to_canonical();
            (Some(h.to_string()), vec![ip], ip.to_string(), 1)
        }
    };
    Ok(AuthorizedTarget {
        requested: t.requested.clone(),
        hostname,
        pinned,
        rendered,
        address_count,
    })
}

fn internal(what: &str) -> Denied {
    Denied::validation(
        field::TARGET,
        format!("internal error: {what}"),
        "report this to the operator",
    )
}

#[cfg(test)]
mod tests;
