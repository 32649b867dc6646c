//! `tools.nmap`: the nmap section of the config, validated into the
//! policy core's limits for nmap.

use serde::{Deserialize, Serialize};

use secmcp_policy::NmapLimits;
use secmcp_policy::Policy;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.nmap`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NmapConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the nmap binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Largest CIDR target, in addresses.
    pub max_cidr_addresses: u64,
    /// Highest `--min-rate`/`--max-rate`, in packets per second.
    pub max_rate_pps: u32,
    /// The NSE scripts callers may select, by name or through a category
    /// (`-sC`, `--script default|safe|discovery|version`): names from
    /// secmcp's vetted catalog, or `vetted` for the whole catalog.
    pub scripts: Vec<String>,
}

impl Default for NmapConfig {
    fn default() -> Self {
        let limits = NmapLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_cidr_addresses: limits.max_cidr_addresses,
            max_rate_pps: limits.max_rate_pps,
            scripts: limits.script_allowlist,
        }
    }
}

impl ToolSection for NmapConfig {
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
        p.range(
            prefix,
            "max_cidr_addresses",
            self.max_cidr_addresses,
            1,
            65_536,
        );
        p.range(
            prefix,
            "max_rate_pps",
            u64::from(self.max_rate_pps),
            1,
            1_000_000,
        );
        if let Err(m) = secmcp_policy::nmap::check_allowlist(&self.scripts) {
            p.error(crate::validate::field(prefix, "scripts"), m);
        }
        policy.nmap = NmapLimits {
            max_cidr_addresses: self.max_cidr_addresses,
            max_rate_pps: self.max_rate_pps,
            script_allowlist: self.scripts.clone(),
        };
    }
}
