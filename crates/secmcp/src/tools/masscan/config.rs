//! `tools.masscan`: the masscan section of the config, validated into the
//! policy core's limits for masscan.

use serde::{Deserialize, Serialize};

use secmcp_policy::Policy;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.masscan`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MasscanConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the masscan binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Largest CIDR target without `security.allow_intrusive`, in addresses.
    pub max_cidr_addresses: u64,
    /// Largest CIDR target ever, in addresses (also with allow_intrusive).
    pub hard_max_cidr_addresses: u64,
    /// Send rate when a call sets none, in packets per second.
    pub default_rate_pps: u32,
    /// Highest rate without `security.allow_intrusive`, in packets per second.
    pub safe_rate_pps: u32,
    /// Highest rate ever, in packets per second (every spelling: --rate, --max-rate).
    pub max_rate_pps: u32,
    /// Seconds masscan waits for late replies when a call sets no --wait.
    pub default_wait_secs: u32,
    /// Network interface masscan sends on (`--adapter`); empty lets masscan pick
    /// the default route's interface. Callers can never set adapter options.
    pub adapter: String,
    /// Source address on that interface (`--adapter-ip`); empty = the interface's.
    pub adapter_ip: String,
    /// Source MAC (`--adapter-mac`, aa:bb:cc:dd:ee:ff); empty = the interface's.
    pub adapter_mac: String,
    /// Gateway masscan resolves by ARP (`--router-ip`); empty = the default route's.
    pub router_ip: String,
    /// Gateway MAC (`--router-mac`); empty = resolve it by ARP.
    pub router_mac: String,
}

impl Default for MasscanConfig {
    fn default() -> Self {
        let limits = secmcp_policy::masscan::MasscanLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            max_cidr_addresses: limits.max_cidr_addresses,
            hard_max_cidr_addresses: limits.hard_max_cidr_addresses,
            default_rate_pps: limits.default_rate_pps,
            safe_rate_pps: limits.safe_rate_pps,
            max_rate_pps: limits.max_rate_pps,
            default_wait_secs: limits.default_wait_secs,
            adapter: String::new(),
            adapter_ip: String::new(),
            adapter_mac: String::new(),
            router_ip: String::new(),
            router_mac: String::new(),
        }
    }
}

impl ToolSection for MasscanConfig {
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
        use secmcp_policy::masscan::{
            AdapterSettings, MasscanLimits, normalize_mac, valid_interface_name,
        };
        let f = |name: &str| crate::validate::field(prefix, name);
        p.range(
            prefix,
            "hard_max_cidr_addresses",
            self.hard_max_cidr_addresses,
            1,
            1 << 24,
        );
        p.range(
            prefix,
            "max_cidr_addresses",
            self.max_cidr_addresses,
            1,
            self.hard_max_cidr_addresses,
        );
        p.range(
            prefix,
            "max_rate_pps",
            u64::from(self.max_rate_pps),
            1,
            1_000_000,
        );
        p.range(
            prefix,
            "safe_rate_pps",
            u64::from(self.safe_rate_pps),
            1,
            u64::from(self.max_rate_pps),
        );
        p.range(
            prefix,
            "default_rate_pps",
            u64::from(self.default_rate_pps),
            1,
            u64::from(self.safe_rate_pps),
        );
        p.range(
            prefix,
            "default_wait_secs",
            u64::from(self.default_wait_secs),
            0,
            60,
        );
        let mut opt_ip = |name: &str, v: &str| -> Option<std::net::IpAddr> {
            if v.is_empty() {
                return None;
            }
            let ip = v.parse().ok();
            if ip.is_none() {
                p.error(f(name), format!("`{v}` is not an IP address"));
            }
            ip
        };
        let adapter_ip = opt_ip("adapter_ip", &self.adapter_ip);
        let router_ip = opt_ip("router_ip", &self.router_ip);
        let mut opt_mac = |name: &str, v: &str| -> Option<String> {
            if v.is_empty() {
                return None;
            }
            let mac = normalize_mac(v);
            if mac.is_none() {
                p.error(
                    f(name),
                    format!("`{v}` is not a MAC address (aa:bb:cc:dd:ee:ff)"),
                );
            }
            mac
        };
        let adapter_mac = opt_mac("adapter_mac", &self.adapter_mac);
        let router_mac = opt_mac("router_mac", &self.router_mac);
        if !self.adapter.is_empty() && !valid_interface_name(&self.adapter) {
            p.error(
                f("adapter"),
                format!(
                    "`{}` is not an interface name (1-15 letters, digits, `-`, `_`, `.`)",
                    self.adapter
                ),
            );
        }
        policy.masscan = MasscanLimits {
            max_cidr_addresses: self.max_cidr_addresses,
            hard_max_cidr_addresses: self.hard_max_cidr_addresses,
            default_rate_pps: self.default_rate_pps,
            safe_rate_pps: self.safe_rate_pps,
            max_rate_pps: self.max_rate_pps,
            default_wait_secs: self.default_wait_secs,
            adapter: AdapterSettings {
                adapter: (!self.adapter.is_empty()).then(|| self.adapter.clone()),
                adapter_ip,
                adapter_mac,
                router_ip,
                router_mac,
            },
        };
    }
}
