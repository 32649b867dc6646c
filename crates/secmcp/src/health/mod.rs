//! Health, readiness and liveness.
//!
//! Checks are pure functions over facts gathered elsewhere: each tool's binary
//! found *and* identified by its version probe (the probe's output is an input;
//! the runner produces it), raw-socket privilege for tools that need it,
//! circuit-breaker states, and CPU/memory/disk use against thresholds.
//! [`evaluate`] folds them into a [`HealthReport`]: unhealthy when the config
//! is not loaded or no tool is usable; degraded when anything else is wrong
//! (an unusable tool while others work, a breaker not closed, a failed reload,
//! resource pressure); healthy otherwise. Resource pressure never fails
//! readiness. [`HealthMonitor`] runs the checks in the background and keeps
//! the last report in a `watch`, so a request never waits for a check.
//!
//! Layout: `report` (the config section and report types), `checks` (pure
//! checks), `system` (`/proc` and `statvfs` readings), `monitor` (the loop),
//! `probe` (version probes, cached, run through the runner).
//!
//! This module must not log or touch metrics.

mod checks;
mod monitor;
pub mod probe;
mod report;
mod system;

pub use checks::*;
pub use monitor::*;
pub use report::*;
pub use system::*;

#[cfg(test)]
mod tests;
