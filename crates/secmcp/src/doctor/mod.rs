//! `secmcp doctor`: can this server do its job here? Each tool found,
//! identified and privileged enough; the lists; the config and its warnings;
//! the run store (data directory, free space, database and schema); the
//! TLS certificate and the OAuth issuer's keys (fetched once, as the server
//! would); the scope; the sandbox; the network a scan would use. Every
//! problem comes with its fix.
//!
//! The facts come from the server's own code (`gather`: the health source,
//! the privilege reading, the runner's cgroups, the file resolver); `checks`
//! turns them into findings without I/O; `net` reads interfaces and routes;
//! `report` holds the findings and the verdict.
//!
//! This module must not change anything: it creates only the cgroup parent
//! a server would (removed again) and runs only version probes. The run store
//! is looked at, never created or migrated: a missing data directory is only
//! checked for whether it could be created, and the database is opened
//! read-only (`secmcp_store::inspect`).

mod checks;
mod gather;
mod net;
mod report;

pub use checks::{LOW_DISK_BYTES, debian_package, findings, invalid_config};
pub use gather::{
    DirFacts, DirState, Facts, ListEntry, ListFact, STORE_TIMEOUT, StoreFacts, gather,
};
pub use net::{Interface, NetFacts, Route, parse_routes, route_to};
pub use report::{Finding, Report, Severity};

use crate::config::{ConfigError, Settings};

/// Examines `settings` (or the config error that stopped them loading).
pub async fn examine(loaded: Result<Settings, ConfigError>, config_source: String) -> Report {
    let findings = match loaded {
        Ok(settings) => findings(&gather(settings).await),
        Err(e) => invalid_config(&e),
    };
    Report {
        config_source,
        findings,
    }
}
