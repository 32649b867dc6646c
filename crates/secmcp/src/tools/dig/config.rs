//! `tools.dig`: the dig section of the config, validated into the
//! policy core's limits for dig.

use serde::{Deserialize, Serialize};

use secmcp_policy::Policy;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.dig`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the dig binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// DNS server (an IP address) asked when a call names none; it must be inside
    /// `security.allowed_targets` too. Empty: every call must name an in-scope
    /// server, so a lookup never goes to the host's own resolver.
    pub default_server: String,
    /// Query names (and reverse-lookup addresses) must be inside the scope too, so
    /// an in-scope recursive resolver cannot be used to look up, or leak data to,
    /// arbitrary domains.
    pub query_names_in_scope: bool,
}

impl Default for DigConfig {
    fn default() -> Self {
        let limits = secmcp_policy::dig::DigLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            default_server: String::new(),
            query_names_in_scope: limits.query_names_in_scope,
        }
    }
}

impl ToolSection for DigConfig {
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
        let default_server = if self.default_server.is_empty() {
            None
        } else {
            match self.default_server.parse::<std::net::IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    p.error(
                        crate::validate::field(prefix, "default_server"),
                        format!("`{}` is not an IP address", self.default_server),
                    );
                    None
                }
            }
        };
        policy.dig = secmcp_policy::dig::DigLimits {
            default_server,
            query_names_in_scope: self.query_names_in_scope,
        };
    }
}
