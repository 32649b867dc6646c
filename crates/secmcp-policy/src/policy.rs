//! The two entry points: [`plan`] (everything checkable without DNS) and
//! [`authorize`]/[`authorize_with`] (the scope check with resolved
//! addresses, then the `Permit`).
//!
//! The server calls `plan`, resolves [`Plan::hosts_to_resolve`] and
//! [`Plan::files_to_resolve`] itself (this crate never does DNS or file I/O),
//! then calls `authorize_with` with what it found. The target handed to the
//! tool is always an IP literal or CIDR that passed the scope check, so DNS
//! cannot change between check and use. Both reach a tool only through its
//! descriptor ([`crate::grammar`]): `parse` in `plan`, `render` in
//! `authorize_with`, the same way for every tool.
//!
//! Must not: know any one tool's options, or build a `Permit` for a plan
//! whose every target did not pass the scope check.

use std::net::IpAddr;
use std::time::Duration;

use crate::address::{Hostname, Target};
use crate::denied::{Denied, field};
use crate::permit::{AuthorizedTarget, Permit};
use crate::scope::Scope;
use crate::tokens::{DEFAULT_MAX_ARGS_BYTES, MAX_TOKENS, tokenize};
use crate::tools::nmap::NmapLimits;
use crate::tools::{ToolId, ToolPlan, dig, gobuster, grammar, hydra, masscan, sqlmap};

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

/// What the server looked up for a plan: host name addresses (DNS, once) and
/// files (canonical path and size, e.g. wordlists). This crate never does
/// either lookup itself; it checks what it is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolutions {
    hosts: Vec<(Hostname, Vec<IpAddr>)>,
    files: Vec<ResolvedFile>,
}

impl Resolutions {
    /// Records the addresses `host` resolved to (resolver order).
    pub fn add_host(&mut self, host: Hostname, addrs: Vec<IpAddr>) {
        self.hosts.push((host, addrs));
    }

    /// The addresses recorded for `host` (empty when none).
    pub fn host(&self, host: &Hostname) -> &[IpAddr] {
        self.hosts
            .iter()
            .find(|(h, _)| h == host)
            .map_or(&[], |(_, a)| a.as_slice())
    }

    /// Records a file the server resolved for a [`FileRequest`].
    pub fn add_file(&mut self, file: ResolvedFile) {
        self.files.push(file);
    }

    /// The resolution of the file requested as `requested`.
    pub fn file(&self, requested: &str) -> Option<&ResolvedFile> {
        self.files.iter().find(|f| f.requested == requested)
    }
}

/// A file the server resolved: canonical absolute path (symlinks and `..`
/// resolved with realpath) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFile {
    /// As the plan requested it (an alias or a relative path).
    pub requested: String,
    /// Canonical absolute path.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What kind of file a plan needs; the server picks the roots and aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A wordlist (gobuster).
    Wordlist,
    /// A list of user names (hydra).
    UserList,
    /// A list of passwords (hydra).
    PasswordList,
}

/// A file a plan needs the server to resolve before `authorize_with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    /// The input field it came from.
    pub field: &'static str,
    /// An alias or a path relative to a configured root.
    pub requested: String,
    /// What it is.
    pub kind: FileKind,
}

/// A target a plan must have scope-checked before it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTarget {
    field: &'static str,
    requested: String,
    target: Target,
}

impl PlannedTarget {
    /// A target to scope-check, from input `field`.
    pub(crate) fn new(field: &'static str, requested: impl Into<String>, target: Target) -> Self {
        Self {
            field,
            requested: requested.into(),
            target,
        }
    }

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

    /// Every host name the server must resolve before [`authorize_with`].
    pub fn hosts_to_resolve(&self) -> Vec<&Hostname> {
        let mut out: Vec<&Hostname> = Vec::new();
        for h in self.targets.iter().filter_map(|t| t.target.hostname()) {
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
}

/// Parses and validates a call: target, timeout and tool arguments.
/// Everything that can be checked without DNS or the filesystem is checked here.
pub fn plan(tool: ToolId, policy: &Policy, input: &CallInput<'_>) -> Result<Plan, Denied> {
    check_timeout(input.timeout)?;
    let tokens = tokenize_args(policy, input.extra_args)?;
    let parsed = (grammar(tool).parse)(policy, input, &tokens)?;
    let (args, targets, files) = (parsed.plan, parsed.targets, parsed.files);
    if targets.is_empty() {
        return Err(internal("a plan without a target"));
    }
    // A host name must be in scope by name before the server looks it up:
    // resolving a caller-chosen out-of-scope name would itself leak it (DNS
    // exfiltration) and tell the caller whether the name exists.
    for t in &targets {
        if let Some(h) = t.target.hostname() {
            policy
                .scope
                .check_name(h)
                .map_err(|e| Denied::scope(t.field, e.message, SCOPE_HINT))?;
        }
    }
    Ok(Plan {
        tool,
        targets,
        files,
        timeout: input.timeout,
        args,
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
    match primary.target.hostname() {
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
        let addrs = t.target.hostname().map_or(&[][..], |h| res.host(h));
        policy
            .scope
            .check(&t.target, addrs)
            .map_err(|e| Denied::scope(t.field, e.message, SCOPE_HINT))?;
        authorized.push(pin(t, addrs)?);
    }
    let rendering = (grammar(plan.tool).render)(policy, &plan.args, &authorized, res)?;
    let mut targets = authorized.into_iter();
    let primary = targets
        .next()
        .ok_or_else(|| internal("a plan without a target"))?;
    Ok(
        Permit::new(plan.tool, rendering.argv, primary, plan.timeout)
            .with_extra_targets(targets.collect())
            .with_files(rendering.write_files)
            .with_collect(rendering.collect),
    )
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

/// An internal inconsistency, reported as a validation error.
pub(crate) fn internal(what: &str) -> Denied {
    Denied::validation(
        field::TARGET,
        format!("internal error: {what}"),
        "report this to the operator",
    )
}

#[cfg(test)]
mod tests;
