//! The only code in secmcp that starts processes.
//!
//! Layout:
//! - [`spec`]: [`RunLimits`] (server-wide limits and environment) and
//!   [`RunSpec`], which can only be built from a policy [`secmcp_policy::Permit`];
//! - [`run()`]: spawns and supervises one tool, returning a [`RunOutcome`] or a
//!   [`RunError`];
//! - [`capture`]: [`Captured`], the bounded head + tail of an output stream;
//! - [`sandbox`]: [`Sandbox`], the kernel confinement of every child
//!   (resource limits, no_new_privs, user and capabilities, seccomp);
//! - [`egress`]: [`EgressFence`], the per-run nftables rules that drop
//!   packets to anything outside the permit.
//!
//! What a run guarantees: the program is executed directly with the permit's
//! argv (never through a shell); the environment is cleared, then only
//! allowlisted and configured variables are set; stdin is `/dev/null`; the tool
//! runs in its own process group and in a fresh temporary working directory
//! that is removed afterwards; stdout and stderr are read concurrently into
//! bounded buffers, so memory stays bounded and the tool never blocks on a full
//! pipe; at the timeout or on cancellation the whole group gets SIGTERM, then
//! SIGKILL after a grace period; the tool starts inside its [`Sandbox`]; when the tool exits, or the `run` future is
//! dropped, the group is killed so no background child survives the call.
//!
//! What this crate must not do: build argv or pick programs (the policy crate
//! and the tools do that), interpret output (the tools' `render` does that),
//! spawn anything except through [`run()`], or log argument values above debug
//! level (they may hold secrets).

pub mod capture;
mod cgroup;
mod child;
pub mod egress;
mod error;
mod run;
pub mod sandbox;
pub mod spec;
mod workdir;

pub use capture::Captured;
pub use cgroup::{Cgroup2Mount, CgroupParent};
pub use child::RunAs;
pub use egress::EgressFence;
pub use error::RunError;
pub use run::{RunOutcome, run};
pub use sandbox::{ResourceLimits, Sandbox, SandboxReport};
pub use spec::{OutputTap, RunLimits, RunSpec, Stream};
pub use workdir::{CollectedFile, MAX_COLLECTED_FILES};
