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
//! Layout: `chain` (sealing and checking, pure), `log` (the file: append,
//! continue after a restart, rotate), `record` (the records' fields), this
//! file the `audit` config section.

pub mod chain;
mod log;
mod record;

use serde::{Deserialize, Serialize};

use crate::validate::Problems;

pub use log::{AuditLog, rotated};
pub use record::{Decided, Decision, Ended, utc_timestamp};

/// `audit`: where the audit records go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Absolute path of the audit file (JSON lines); empty: no audit log.
    pub file: String,
    /// Rotate when the file would grow past this many bytes; 0: never.
    pub max_file_bytes: u64,
    /// Rotated files kept (`FILE.1` newest ... `FILE.N` oldest).
    pub max_files: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            file: String::new(),
            max_file_bytes: 64 << 20,
            max_files: 10,
        }
    }
}

impl AuditConfig {
    /// Adds this section's problems to `p`.
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        if !self.file.is_empty() {
            let path = std::path::Path::new(&self.file);
            if !path.is_absolute() || path.file_name().is_none() {
                p.error(
                    format!("{prefix}.file"),
                    format!("`{}` is not an absolute file path", self.file),
                );
            }
        }
        if self.max_file_bytes != 0 {
            p.range(
                prefix,
                "max_file_bytes",
                self.max_file_bytes,
                65_536,
                1 << 40,
            );
        }
        p.range(prefix, "max_files", self.max_files.into(), 1, 1000);
    }
}
