//! `tools.sqlmap`: the sqlmap section of the config, validated into the
//! policy core's limits for sqlmap.

use serde::{Deserialize, Serialize};

use secmcp_policy::Policy;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.sqlmap`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqlmapConfig {
    /// Offer the tool to clients (it also needs `security.allow_intrusive`).
    pub enabled: bool,
    /// Path of the sqlmap binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Highest `--risk` callers may ask for (1-3; 3 adds OR-based payloads that can
    /// change data).
    pub max_risk: u8,
    /// Highest `--level` callers may ask for (1-5).
    pub max_level: u8,
    /// Allow enumeration beyond fingerprinting (`--dbs`, `--tables`, `--dump`,
    /// `--users`, `--passwords`, ...); also needs `security.allow_intrusive`.
    pub allow_enumeration: bool,
    /// Highest `--threads` callers may ask for (1-10).
    pub max_threads: u8,
}

impl Default for SqlmapConfig {
    fn default() -> Self {
        let limits = secmcp_policy::sqlmap::SqlmapLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_risk: limits.max_risk,
            max_level: limits.max_level,
            allow_enumeration: limits.allow_enumeration,
            max_threads: limits.max_threads,
        }
    }
}

impl ToolSection for SqlmapConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn binary(&self) -> &str {
        &self.binary
    }
    fn concurrency(&self) -> u32 {
        self.concurrency
    }
    fn apply(&self, prefix: &str, policy: &mut Policy, p: &mut Problems) {
        p.range(prefix, "max_risk", u64::from(self.max_risk), 1, 3);
        p.range(prefix, "max_level", u64::from(self.max_level), 1, 5);
        p.range(prefix, "max_threads", u64::from(self.max_threads), 1, 10);
        policy.sqlmap = secmcp_policy::sqlmap::SqlmapLimits {
            max_risk: self.max_risk,
            max_level: self.max_level,
            allow_enumeration: self.allow_enumeration,
            max_threads: self.max_threads,
        };
    }
}
