//! `Permit`: the proof that a call was planned and authorized by this crate.
//!
//! A `Permit` has private fields and no public constructor, so the only way to
//! obtain one is `crate::authorize` (or [`version_probe`], whose argv is the
//! fixed one of the tool's descriptor). The runner builds its `RunSpec` only
//! from a `Permit`, which makes an unchecked execution path a compile error.
//! What it carries, [`AuthorizedTarget`] and [`WorkFile`], is defined with
//! the other call types in `call.rs` and re-exported here.
//!
//! Must not: offer a public constructor outside the `test-support` feature.

use std::time::Duration;

pub use crate::call::{AuthorizedTarget, WorkFile};
use crate::tools::{ToolId, grammar};

/// An authorized, fully rendered tool invocation.
#[derive(Debug, Clone)]
pub struct Permit {
    tool: ToolId,
    argv: Vec<String>,
    target: AuthorizedTarget,
    timeout: Duration,
    extra_targets: Vec<AuthorizedTarget>,
    write_files: Vec<WorkFile>,
    collect: Vec<String>,
    raw_sockets: bool,
    net_admin: bool,
    intrusive: bool,
}

impl Permit {
    pub(crate) fn new(
        tool: ToolId,
        argv: Vec<String>,
        target: AuthorizedTarget,
        timeout: Duration,
    ) -> Self {
        Self {
            tool,
            argv,
            target,
            timeout,
            extra_targets: Vec::new(),
            write_files: Vec::new(),
            collect: Vec::new(),
            raw_sockets: false,
            net_admin: false,
            intrusive: false,
        }
    }

    /// Marks a raw-socket run that also needs CAP_NET_ADMIN (masscan, which
    /// configures its adapter); every other raw plan gets CAP_NET_RAW alone.
    pub(crate) fn with_net_admin(mut self, net_admin: bool) -> Self {
        self.net_admin = net_admin;
        self
    }

    /// Marks the run as intrusive ([`crate::Plan::intrusive`]).
    pub(crate) fn with_intrusive(mut self, intrusive: bool) -> Self {
        self.intrusive = intrusive;
        self
    }

    /// Marks the run as needing raw sockets (CAP_NET_RAW): the runner grants
    /// the capability to this run only.
    pub(crate) fn with_raw_sockets(mut self, raw: bool) -> Self {
        self.raw_sockets = raw;
        self
    }

    /// Adds the other hosts the tool will touch (e.g. `dig @server`).
    pub(crate) fn with_extra_targets(mut self, targets: Vec<AuthorizedTarget>) -> Self {
        self.extra_targets = targets;
        self
    }

    /// Adds files the runner writes into the working directory first.
    pub(crate) fn with_files(mut self, files: Vec<WorkFile>) -> Self {
        self.write_files = files;
        self
    }

    /// Adds relative paths (files or directories) in the working directory
    /// that the runner reads back after the run (bounded), e.g. an output file.
    pub(crate) fn with_collect(mut self, paths: Vec<String>) -> Self {
        self.collect = paths;
        self
    }

    /// Builds a permit without any check, for tests of downstream crates only.
    /// The feature is enabled only through dev-dependencies, so it never exists
    /// in a release build of the server.
    #[cfg(feature = "test-support")]
    pub fn unchecked_files_for_tests(
        argv: Vec<String>,
        timeout: Duration,
        write_files: Vec<WorkFile>,
        collect: Vec<String>,
    ) -> Self {
        Self::unchecked_for_tests(argv, timeout)
            .with_files(write_files)
            .with_collect(collect)
    }

    /// [`Permit::unchecked_for_tests`] for a plan that opens raw sockets.
    #[cfg(feature = "test-support")]
    pub fn unchecked_raw_for_tests(argv: Vec<String>, timeout: Duration) -> Self {
        Self::unchecked_for_tests(argv, timeout).with_raw_sockets(true)
    }

    /// Builds a permit without any check, for tests of downstream crates only.
    #[cfg(feature = "test-support")]
    pub fn unchecked_for_tests(argv: Vec<String>, timeout: Duration) -> Self {
        Self::new(
            ToolId::Nmap,
            argv,
            AuthorizedTarget {
                requested: "127.0.0.1".into(),
                hostname: None,
                pinned: vec![std::net::IpAddr::from([127, 0, 0, 1])],
                rendered: "127.0.0.1".into(),
                address_count: 1,
            },
            timeout,
        )
    }

    /// Whether the run needs CAP_NET_ADMIN besides raw sockets (only
    /// masscan: a raw IP scanner with it could edit the firewall).
    pub fn net_admin(&self) -> bool {
        self.net_admin
    }

    /// Whether the run passed only because `security.allow_intrusive` is on
    /// (what `security.approval` asks a person about).
    pub fn intrusive(&self) -> bool {
        self.intrusive
    }

    /// The tool this permit is for.
    pub fn tool(&self) -> ToolId {
        self.tool
    }

    /// The arguments to pass after the program name, rendered from the typed plan.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The authorized target.
    pub fn target(&self) -> &AuthorizedTarget {
        &self.target
    }

    /// The wall-clock limit for the run.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Other authorized hosts the tool will touch, besides [`Permit::target`].
    pub fn extra_targets(&self) -> &[AuthorizedTarget] {
        &self.extra_targets
    }

    /// Files to write into the working directory before the tool starts.
    pub fn write_files(&self) -> &[WorkFile] {
        &self.write_files
    }

    /// Relative paths to read back from the working directory after the run.
    pub fn collect(&self) -> &[String] {
        &self.collect
    }

    /// Whether the plan opens raw sockets (nmap `-sS`/`-sU`/`-O`..., masscan):
    /// only such runs may hold CAP_NET_RAW / CAP_NET_ADMIN.
    pub fn raw_sockets(&self) -> bool {
        self.raw_sockets
    }
}

/// How long a version probe may run.
pub const VERSION_PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The permit for a tool's version probe (health checks identify each binary
/// by it): the fixed argv of the tool's descriptor
/// ([`ToolGrammar::version_probe`](crate::ToolGrammar::version_probe)), no
/// target, a short timeout. Nothing a caller sends reaches it.
pub fn version_probe(tool: ToolId) -> Permit {
    Permit::new(
        tool,
        grammar(tool)
            .version_probe
            .iter()
            .map(|a| (*a).to_owned())
            .collect(),
        AuthorizedTarget {
            requested: String::new(),
            hostname: None,
            pinned: Vec::new(),
            rendered: String::new(),
            address_count: 0,
        },
        VERSION_PROBE_TIMEOUT,
    )
}

#[cfg(test)]
mod version_probe_tests {
    use super::*;

    #[test]
    fn probes_touch_no_target_and_are_short() {
        for tool in ToolId::ALL {
            let p = version_probe(tool);
            assert_eq!(p.tool(), tool);
            assert_eq!(p.target().address_count, 0);
            assert!(p.target().pinned.is_empty());
            assert!(!p.argv().is_empty() && p.argv().len() <= 1, "{tool:?}");
            assert!(p.timeout() <= Duration::from_secs(10));
            assert!(p.write_files().is_empty() && p.collect().is_empty());
        }
    }
}
