//! `Permit`: the proof that a call was planned and authorized by this crate.
//!
//! A `Permit` has private fields and no public constructor, so the only way to
//! obtain one is `crate::authorize`. The runner builds its `RunSpec` only from a
//! `Permit`, which makes an unchecked execution path a compile error.

use std::net::IpAddr;
use std::time::Duration;

use crate::ToolId;

/// What the scope check approved, as the tool will be given it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedTarget {
    /// The target exactly as the caller wrote it (already validated).
    pub requested: String,
    /// The host name, when the caller gave one (lower-cased, no trailing dot).
    pub hostname: Option<String>,
    /// The addresses the tool is pinned to (one address for a host name or IP).
    pub pinned: Vec<IpAddr>,
    /// The canonical form handed to the tool (IP literal or network/prefix).
    pub rendered: String,
    /// How many addresses the target covers.
    pub address_count: u64,
}

/// An authorized, fully rendered tool invocation.
#[derive(Debug, Clone)]
pub struct Permit {
    tool: ToolId,
    argv: Vec<String>,
    target: AuthorizedTarget,
    timeout: Duration,
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
        }
    }

    /// Builds a permit without any check, for tests of downstream crates only.
    /// The feature is enabled only through dev-dependencies, so it never exists
    /// in a release build of the server.
    #[cfg(feature = "test-support")]
    pub fn unchecked_for_tests(argv: Vec<String>, timeout: Duration) -> Self {
        Self::new(
            ToolId::Nmap,
            argv,
            AuthorizedTarget {
                requested: "127.0.0.1".into(),
                hostname: None,
                pinned: vec![IpAddr::from([127, 0, 0, 1])],
                rendered: "127.0.0.1".into(),
                address_count: 1,
            },
            timeout,
        )
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
}
