//! The top of the crate: [`Policy`] and the two entry points, [`plan`]
//! (everything checkable without DNS) and [`authorize`]/[`authorize_with`]
//! (the scope check with resolved addresses, then the `Permit`).
//!
//! The server calls `plan`, resolves [`Plan::hosts_to_resolve`] and
//! [`Plan::files_to_resolve`] itself (this crate never does DNS or file I/O),
//! then calls `authorize_with` with what it found. The target handed to the
//! tool is always an IP literal or CIDR that passed the scope check, so DNS
//! cannot change between check and use. `plan` hands a call to its tool's
//! `parse` and `authorize_with` an authorized plan to its tool's `render`,
//! each by one exhaustive match, with the rules every tool obeys (`Rules`)
//! and that tool's own limits: no tool sees the whole `Policy`.
//!
//! Must not: know any one tool's options, or build a `Permit` for a plan
//! whose every target did not pass the scope check.

use std::net::IpAddr;
use std::time::Duration;

use crate::address::{Hostname, Target};
use crate::call::{AuthorizedTarget, Call, Parsed, Rendering, Rules};
use crate::denied::{Denied, field, internal};
use crate::permit::Permit;
use crate::scope::Scope;
use crate::tokens::{DEFAULT_MAX_ARGS_BYTES, MAX_TOKENS, tokenize};
use crate::tools::nmap::NmapLimits;
use crate::tools::{Setting, ToolId, ToolPlan, dig, gobuster, hydra, masscan, nmap, sqlmap};

pub use crate::call::{FileKind, FileRequest, PlannedTarget, Resolutions, ResolvedFile};
pub use crate::tools::ToolFields;

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
    /// masscan limits.
    pub masscan: masscan::MasscanLimits,
    /// gobuster limits.
    pub gobuster: gobuster::GobusterLimits,
    /// hydra limits.
    pub hydra: hydra::HydraLimits,
    /// sqlmap limits.
    pub sqlmap: sqlmap::SqlmapLimits,
    /// dig limits.
    pub dig: dig::DigLimits,
}

impl Policy {
    /// The rules every tool obeys, out of this snapshot, with the intrusive
    /// gate as the operator set it or (`allow_intrusive: false`) closed.
    fn rules(&self, allow_intrusive: bool) -> Rules<'_> {
        Rules {
            scope: &self.scope,
            allow_intrusive: self.allow_intrusive && allow_intrusive,
            raw_sockets: self.raw_sockets,
        }
    }
}

impl Setting {
    /// Whether `policy` has it switched on.
    pub fn enabled(self, policy: &Policy) -> bool {
        match self {
            Setting::SqlmapEnumeration => policy.sqlmap.enables(self),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            scope: Scope::default(),
            allow_intrusive: false,
            raw_sockets: false,
            max_args_bytes: DEFAULT_MAX_ARGS_BYTES,
            nmap: NmapLimits::default(),
            masscan: Default::default(),
            gobuster: Default::default(),
            hydra: Default::default(),
            sqlmap: Default::default(),
            dig: Default::default(),
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
    /// The tool's typed input fields beyond target and extra_args.
    pub fields: &'a ToolFields,
}

/// A parsed, validated call that still needs its scope check.
///
/// Only [`plan`] builds one. `targets[0]` is the primary target, the one the
/// tool is pointed at; later tools may add more targets to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    tool: ToolId,
    targets: Vec<PlannedTarget>,
    files: Vec<FileRequest>,
    timeout: Duration,
    args: ToolPlan,
    intrusive: bool,
}

impl Plan {
    /// The tool.
    pub fn tool(&self) -> ToolId {
        self.tool
    }

    /// Asks the tool to report its progress while it runs, where it needs
    /// flags for that (nmap: `--stats-every`; gobuster: no `-q -z`); the other
    /// tools report it as they are. The caller's arguments can never add or
    /// remove these flags.
    pub fn report_progress(&mut self) {
        match &mut self.args {
            ToolPlan::Nmap(p) => p.progress = true,
            ToolPlan::Gobuster(p) => p.progress = true,
            _ => {}
        }
    }

    /// The host name the server must resolve before [`authorize`], if the
    /// primary target is one.
    pub fn host_to_resolve(&self) -> Option<&Hostname> {
        self.targets.first().and_then(|t| t.target().hostname())
    }

    /// Every host name the server must resolve before [`authorize_with`].
    pub fn hosts_to_resolve(&self) -> Vec<&Hostname> {
        let mut out: Vec<&Hostname> = Vec::new();
        for h in self.targets.iter().filter_map(|t| t.target().hostname()) {
            if !out.contains(&h) {
                out.push(h);
            }
        }
        out
    }

    /// Every file the server must resolve before [`authorize_with`].
    pub fn files_to_resolve(&self) -> &[FileRequest] {
        &self.files
    }

    /// Every target the scope check covers; the first is the primary.
    pub fn targets(&self) -> &[PlannedTarget] {
        &self.targets
    }

    /// The call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The tool's typed arguments.
    pub fn tool_plan(&self) -> &ToolPlan {
        &self.args
    }

    /// Whether the call passed only because `security.allow_intrusive` is
    /// on: an intrusive tool, or an option, range or rate that needs it.
    /// This is what `security.approval` asks a person about.
    pub fn intrusive(&self) -> bool {
        self.intrusive
    }
}

/// Parses and validates a call: target, timeout and tool arguments.
/// Everything that can be checked without DNS or the filesystem is checked here.
pub fn plan(tool: ToolId, policy: &Policy, input: &CallInput<'_>) -> Result<Plan, Denied> {
    check_timeout(input.timeout)?;
    let tokens = tokenize_args(policy, input.extra_args)?;
    let parsed = parse(tool, policy, input, &tokens, true)?;
    // Intrusive exactly when the same call fails with the gate closed: every
    // grammar asks the one gate, so no tool keeps its own list of what is.
    let intrusive = policy.allow_intrusive && parse(tool, policy, input, &tokens, false).is_err();
    let (args, targets, files) = (parsed.plan, parsed.targets, parsed.files);
    if targets.is_empty() {
        return Err(internal("a plan without a target"));
    }
    // A host name must be in scope by name before the server looks it up:
    // resolving a caller-chosen out-of-scope name would itself leak it (DNS
    // exfiltration) and tell the caller whether the name exists.
    for t in &targets {
        if let Some(h) = t.target().hostname() {
            policy
                .scope
                .check_name(h)
                .map_err(|e| Denied::scope(t.field(), e.message, SCOPE_HINT))?;
        }
    }
    Ok(Plan {
        tool,
        targets,
        files,
        timeout: input.timeout,
        args,
        intrusive,
    })
}

/// Hands a call to its tool's grammar, with the rules every tool obeys and
/// the tool's own limits and fields.
fn parse(
    tool: ToolId,
    policy: &Policy,
    input: &CallInput<'_>,
    tokens: &[String],
    allow_intrusive: bool,
) -> Result<Parsed<ToolPlan>, Denied> {
    let rules = policy.rules(allow_intrusive);
    let call = Call {
        target: input.target,
        timeout: input.timeout,
        tokens,
    };
    let fields = input.fields;
    Ok(match tool {
        ToolId::Nmap => nmap::parse(&rules, &policy.nmap, &call)?.map(ToolPlan::Nmap),
        ToolId::Masscan => {
            masscan::parse(&rules, &policy.masscan, &call, fields.of())?.map(ToolPlan::Masscan)
        }
        ToolId::Gobuster => {
            gobuster::parse(&rules, &policy.gobuster, &call, fields.of())?.map(ToolPlan::Gobuster)
        }
        ToolId::Hydra => {
            hydra::parse(&rules, &policy.hydra, &call, fields.of())?.map(ToolPlan::Hydra)
        }
        ToolId::Sqlmap => {
            sqlmap::parse(&rules, &policy.sqlmap, &call, fields.of())?.map(ToolPlan::Sqlmap)
        }
        ToolId::Dig => dig::parse(&rules, &policy.dig, &call, fields.of())?.map(ToolPlan::Dig),
    })
}

fn tokenize_args(policy: &Policy, extra_args: &str) -> Result<Vec<String>, Denied> {
    tokenize(extra_args, policy.max_args_bytes).map_err(|e| {
        Denied::validation(
            field::EXTRA_ARGS,
            e.to_string(),
            format!(
                "quote values with '...'; keep extra_args under {} bytes and {MAX_TOKENS} arguments",
                policy.max_args_bytes
            ),
        )
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

/// Scope-checks a plan whose only host name (if any) is the primary target,
/// with `resolved` the addresses the server resolved for it, and renders the
/// argv. For IP and CIDR targets `resolved` must be empty. See
/// [`authorize_with`] for plans with several hosts or files.
pub fn authorize(policy: &Policy, plan: Plan, resolved: &[IpAddr]) -> Result<Permit, Denied> {
    let primary = plan
        .targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let mut res = Resolutions::default();
    match primary.target().hostname() {
        Some(h) => res.add_host(h.clone(), resolved.to_vec()),
        None if !resolved.is_empty() => {
            return Err(internal(
                "resolved addresses were given for an IP or CIDR target",
            ));
        }
        None => {}
    }
    authorize_with(policy, plan, &res)
}

/// Scope-checks every target of `plan` (each host name with every address
/// the server resolved for it in `res`), checks the resolved files, pins each
/// host name to its FIRST resolved address, and renders the argv.
pub fn authorize_with(policy: &Policy, plan: Plan, res: &Resolutions) -> Result<Permit, Denied> {
    let mut authorized = Vec::with_capacity(plan.targets.len());
    for t in &plan.targets {
        let addrs = t.target().hostname().map_or(&[][..], |h| res.host(h));
        policy
            .scope
            .check(t.target(), addrs)
            .map_err(|e| Denied::scope(t.field(), e.message, SCOPE_HINT))?;
        authorized.push(pin(t, addrs)?);
    }
    let rendering = render(policy, &plan.args, &authorized, res)?;
    let raw_sockets = match &plan.args {
        ToolPlan::Nmap(p) => p.raw_sockets,
        ToolPlan::Masscan(_) => true,
        ToolPlan::Gobuster(_) | ToolPlan::Hydra(_) | ToolPlan::Sqlmap(_) | ToolPlan::Dig(_) => {
            false
        }
    };
    let mut targets = authorized.into_iter();
    let primary = targets
        .next()
        .ok_or_else(|| internal("a plan without a target"))?;
    Ok(
        Permit::new(plan.tool, rendering.argv, primary, plan.timeout)
            .with_extra_targets(targets.collect())
            .with_files(rendering.write_files)
            .with_collect(rendering.collect)
            .with_raw_sockets(raw_sockets)
            .with_net_admin(matches!(plan.args, ToolPlan::Masscan(_)))
            .with_intrusive(plan.intrusive),
    )
}

/// Hands an authorized plan to its tool's renderer, with what that renderer
/// reads: `targets` are the plan's targets in order, each scope-checked and
/// pinned.
fn render(
    policy: &Policy,
    plan: &ToolPlan,
    targets: &[AuthorizedTarget],
    res: &Resolutions,
) -> Result<Rendering, Denied> {
    match plan {
        ToolPlan::Nmap(p) => nmap::render(p, targets),
        ToolPlan::Masscan(p) => masscan::render(&policy.masscan, p, targets),
        ToolPlan::Gobuster(p) => gobuster::render(&policy.gobuster, p, targets, res),
        ToolPlan::Hydra(p) => hydra::render(&policy.hydra, p, targets, res),
        ToolPlan::Sqlmap(p) => sqlmap::render(p, targets),
        ToolPlan::Dig(p) => dig::render(p, targets),
    }
}

/// The literal handed to the tool; IPv4-mapped IPv6 becomes plain IPv4.
fn pin(t: &PlannedTarget, resolved: &[IpAddr]) -> Result<AuthorizedTarget, Denied> {
    let (hostname, pinned, rendered, address_count) = match t.target() {
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
        requested: t.requested().to_owned(),
        hostname,
        pinned,
        rendered,
        address_count,
    })
}

#[cfg(test)]
mod tests;
