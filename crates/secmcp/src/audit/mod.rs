//! The audit log: a tamper-evident record of every call, in JSON lines.
//!
//! Two records per call that reaches a decision: `call_decided` (who asked,
//! the tool, the arguments with secrets masked, and either the pinned
//! targets and exact argv of an allowed run or the refusal's code and
//! reason) and, for a run, `call_ended` (outcome, duration and the SHA-256 of
//! the result the client received). Each line carries the hash of the one
//! before it (see [`chain`]), so `secmcp audit verify` finds the first
//! record that was edited, removed or moved. The `call_decided` record of an
//! allowed run is on disk (`fdatasync`) before the tool starts; if it cannot
//! be written the tool does not start.
//!
//! Layout: `chain` (sealing and checking, pure), `copy` (the files against
//! the run store's copy, by links, pure), `log` (the file: append,
//! continue after a restart, rotate), `record` (the records' fields),
//! `config` (the `audit` config section).

pub mod chain;
mod config;
pub mod copy;
mod log;
mod record;

pub use config::AuditConfig;
pub use log::{Appended, AuditLog, rotated};
pub use record::{Decided, Decision, Ended, utc_timestamp};
