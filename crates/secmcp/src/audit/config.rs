//! The `audit` config section.

use serde::{Deserialize, Serialize};

use crate::validate::Problems;

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
