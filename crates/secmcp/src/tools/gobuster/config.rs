//! `tools.gobuster`: the gobuster section of the config, validated into the
//! policy core's limits for gobuster.

use serde::{Deserialize, Serialize};

use secmcp_policy::Policy;
use std::collections::BTreeMap;

use secmcp_policy::gobuster::GobusterLimits;

use crate::files::file_roots;

use crate::tools::tool::ToolSection;
use crate::validate::Problems;

/// `tools.gobuster`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GobusterConfig {
    /// Offer the tool to clients.
    pub enabled: bool,
    /// Path of the gobuster binary; empty means look it up on `PATH`.
    pub binary: String,
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    pub concurrency: u32,
    /// Absolute directories callers may pick wordlists from (by relative path).
    pub wordlist_roots: Vec<String>,
    /// Wordlist aliases: name -> absolute file path. An alias named like a
    /// built-in list (`web-paths`, `vhosts`, `subdomains`, ...) replaces it.
    pub wordlist_aliases: BTreeMap<String, String>,
    /// The wordlist (alias, built-in list or root-relative path) used when a
    /// call names none; empty means the built-in list for the mode (dir:
    /// `web-paths`, vhost: `vhosts`, dns: `subdomains`).
    pub default_wordlist: String,
    /// Largest wordlist accepted, in bytes.
    pub max_wordlist_bytes: u64,
    /// Threads used when a call gives no `-t`.
    pub default_threads: u32,
    /// Most threads a call may ask for.
    pub max_threads: u32,
    /// Minimum delay each thread waits between requests, in milliseconds.
    pub min_delay_ms: u64,
    /// DNS server for `dns` mode when a call gives no `-r` (`IP` or `IP:PORT`,
    /// must be in scope); empty means `-r` is required.
    pub dns_resolver: String,
}

impl Default for GobusterConfig {
    fn default() -> Self {
        let l = GobusterLimits::default();
        Self {
            enabled: true,
            binary: String::new(),
            concurrency: 0,
            wordlist_roots: l.wordlists.roots,
            wordlist_aliases: l.wordlists.aliases.into_iter().collect(),
            default_wordlist: l.default_wordlist,
            max_wordlist_bytes: l.wordlists.max_bytes,
            default_threads: l.default_threads,
            max_threads: l.max_threads,
            min_delay_ms: l.min_delay_ms,
            dns_resolver: l.dns_resolver,
        }
    }
}

impl ToolSection for GobusterConfig {
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
        let wordlists = file_roots(
            prefix,
            ("wordlist_roots", &self.wordlist_roots),
            ("wordlist_aliases", &self.wordlist_aliases),
            ("max_wordlist_bytes", self.max_wordlist_bytes),
            p,
        );
        p.range(prefix, "max_threads", u64::from(self.max_threads), 1, 200);
        p.range(
            prefix,
            "default_threads",
            u64::from(self.default_threads),
            1,
            u64::from(self.max_threads),
        );
        p.range(prefix, "min_delay_ms", self.min_delay_ms, 0, 10_000);
        if !self.dns_resolver.is_empty()
            && secmcp_policy::gobuster::check_resolver(&self.dns_resolver).is_err()
        {
            p.error(
                crate::validate::field(prefix, "dns_resolver"),
                format!(
                    "`{}` is not IP, IP:PORT, [IPv6]:PORT or NAME[:PORT]",
                    self.dns_resolver
                ),
            );
        }
        policy.gobuster = GobusterLimits {
            wordlists,
            default_wordlist: self.default_wordlist.clone(),
            default_threads: self.default_threads,
            max_threads: self.max_threads,
            min_delay_ms: self.min_delay_ms,
            dns_resolver: self.dns_resolver.clone(),
        };
    }
}
