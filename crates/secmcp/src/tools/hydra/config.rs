//! `tools.hydra`: the hydra section of the config, validated into the
//! policy core's limits for hydra.

use serde::{Deserialize, Serialize};

use secmcp_policy::Policy;
use std::collections::BTreeMap;

use secmcp_policy::hydra::HydraLimits;

use crate::files::file_roots;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.hydra`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HydraConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the hydra binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Absolute directories callers may pick user/password lists from.
    pub list_roots: Vec<String>,
    /// List aliases: name -> absolute file path. An alias named like a
    /// built-in list (`usernames`, `passwords`, ...) replaces it.
    pub list_aliases: BTreeMap<String, String>,
    /// Largest user/password list accepted, in bytes.
    pub max_list_bytes: u64,
    /// hydra service modules callers may use (real module names).
    pub services: Vec<String>,
    /// Parallel tasks (`-t`) when a call gives none.
    pub default_tasks: u32,
    /// Most parallel tasks a call may ask for.
    pub max_tasks: u32,
    /// Most entries in an inline `usernames` or `passwords` list.
    pub max_inline_entries: usize,
    /// Longest `-w`/`-W` a call may give, in seconds.
    pub max_wait_secs: u32,
}

impl Default for HydraConfig {
    fn default() -> Self {
        let l = HydraLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            list_roots: l.credentials.roots,
            list_aliases: l.credentials.aliases.into_iter().collect(),
            max_list_bytes: l.credentials.max_bytes,
            services: l.services,
            default_tasks: l.default_tasks,
            max_tasks: l.max_tasks,
            max_inline_entries: l.max_inline_entries,
            max_wait_secs: l.max_wait_secs,
        }
    }
}

impl ToolSection for HydraConfig {
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
        let credentials = file_roots(
            prefix,
            ("list_roots", &self.list_roots),
            ("list_aliases", &self.list_aliases),
            ("max_list_bytes", self.max_list_bytes),
            p,
        );
        for (i, s) in self.services.iter().enumerate() {
            if let Some(why) = secmcp_policy::hydra::service_config_error(s) {
                p.error(format!("{prefix}.services[{i}]"), why);
            }
        }
        p.range(prefix, "max_tasks", u64::from(self.max_tasks), 1, 64);
        p.range(
            prefix,
            "default_tasks",
            u64::from(self.default_tasks),
            1,
            u64::from(self.max_tasks),
        );
        p.range(
            prefix,
            "max_inline_entries",
            self.max_inline_entries as u64,
            1,
            10_000,
        );
        p.range(
            prefix,
            "max_wait_secs",
            u64::from(self.max_wait_secs),
            1,
            600,
        );
        policy.hydra = HydraLimits {
            credentials,
            services: self.services.clone(),
            default_tasks: self.default_tasks,
            max_tasks: self.max_tasks,
            max_inline_entries: self.max_inline_entries,
            max_wait_secs: self.max_wait_secs,
        };
    }
}
