//! The vetted NSE catalog: the nmap 7.93 scripts (Debian) that a canary lab
//! run showed to contact nothing but the scanned host, and whose code reading
//! found no way to reach another one. `--script` names and categories are
//! expanded to these names server-side; nmap is never handed a category or an
//! expression.
//!
//! How a script got here (the whole method is in docs/SECURITY.md, "NSE"): it
//! is in `default`, `safe`, `discovery` or `version` and in none of
//! `external`, `broadcast`, `intrusive`, `dos`, `exploit`, `brute`, `fuzzer`,
//! `vuln`, `malware`; it ran in the canary lab against a fixture of its
//! service (an in-scope web server redirecting to 8.8.8.8, 169.254.169.254
//! and a host name; canary listeners on those; every DNS query logged) and
//! produced output with 0 packets to any other address and 0 DNS queries; and
//! its source and the nselib code it calls were read for redirect closures,
//! spidering, `dns.query`, `nmap.resolve`, `target.add` and hosts taken from
//! responses. Scripts that need credentials or change the target (port
//! mappings, code injection) were left out even where they stay on target.
//! Rejected examples: `http-useragent-tester`, `http-mobileversion-checker`,
//! `http-security-headers` (redirects to any host), `http-favicon` (a domain
//! comparison that admits other hosts), `dns-service-discovery`, `dns-nsid`
//! and `nbns-interfaces` (follow DNS referrals to glue addresses), the
//! httpspider-based scripts (on a port other than 80/443 they crawl any host
//! on the same port).
//!
//! Data, generated from the vetting run; the canary regression test in
//! `tests/e2e/test_nse_canary.py` runs every category against the lab.

/// What a vetted script talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing on the network (it reads nmap's own results).
    Nothing,
    /// The scanned port of the target only.
    ScannedPort,
    /// Other ports of the target too (e.g. SMB scripts also use UDP/137).
    AnyPortOfTarget,
}

/// One vetted script.
#[derive(Debug, Clone, Copy)]
pub struct Vetted {
    /// The script's name, as `--script` takes it.
    pub name: &'static str,
    /// Its nmap categories (bits of [`cat`]).
    pub categories: u8,
    /// What it contacts.
    pub reach: Reach,
}

/// Category bits.
pub mod cat {
    /// `default` (what `-sC` runs)
    pub const DEFAULT: u8 = 1;
    /// `safe`
    pub const SAFE: u8 = 2;
    /// `discovery`
    pub const DISCOVERY: u8 = 4;
    /// `version` (what `-sV` runs by itself)
    pub const VERSION: u8 = 8;
    /// `auth`
    pub const AUTH: u8 = 16;
}

use Reach::{AnyPortOfTarget, Nothing, ScannedPort};
use cat::*;

/// Every vetted script, sorted by name.
pub const CATALOG: &[Vetted] = &[
    v("ajp-headers", DISCOVERY | SAFE, ScannedPort),
    v("ajp-methods", DEFAULT | SAFE, ScannedPort),
    v("ajp-request", DISCOVERY | SAFE, ScannedPort),
    v(
        "amqp-info",
        DEFAULT | DISCOVERY | SAFE | VERSION,
        ScannedPort,
    ),
    v("auth-owners", DEFAULT | SAFE, AnyPortOfTarget),
    v("banner", DISCOVERY | SAFE, ScannedPort),
    v("bitcoin-getaddr", DISCOVERY | SAFE, ScannedPort),
    v("bitcoin-info", DISCOVERY | SAFE, ScannedPort),
    v("bitcoinrpc-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("cassandra-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("clock-skew", DEFAULT | SAFE, Nothing),
    v("couchdb-databases", DISCOVERY | SAFE, ScannedPort),
    v("couchdb-stats", DISCOVERY | SAFE, ScannedPort),
    v("daytime", DISCOVERY | SAFE, ScannedPort),
    v("dicom-ping", AUTH | DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("dict-info", DISCOVERY | SAFE, ScannedPort),
    v("dns-recursion", DEFAULT | SAFE, ScannedPort),
    v("epmd-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("finger", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("fingerprint-strings", VERSION, ScannedPort),
    v("ftp-anon", AUTH | DEFAULT | SAFE, ScannedPort),
    v("ftp-syst", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("ganglia-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("giop-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("gkrellm-info", DISCOVERY | SAFE, ScannedPort),
    v("gopher-ls", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("hddtemp-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("http-bigip-cookie", DISCOVERY | SAFE, ScannedPort),
    v("http-generator", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("http-headers", DISCOVERY | SAFE, ScannedPort),
    v("http-methods", DEFAULT | SAFE, ScannedPort),
    v("http-robots.txt", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("http-server-header", VERSION, ScannedPort),
    v("http-title", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("http-traceroute", DISCOVERY | SAFE, ScannedPort),
    v("icap-info", DISCOVERY | SAFE, ScannedPort),
    v("imap-capabilities", DEFAULT | SAFE, ScannedPort),
    v("ipidseq", DISCOVERY | SAFE, AnyPortOfTarget),
    v("maxdb-info", DEFAULT | SAFE | VERSION, ScannedPort),
    v("mcafee-epo-agent", SAFE | VERSION, ScannedPort),
    v("memcached-info", DISCOVERY | SAFE, ScannedPort),
    v("mqtt-subscribe", DISCOVERY | SAFE | VERSION, ScannedPort),
    v("msrpc-enum", DISCOVERY | SAFE, AnyPortOfTarget),
    v("mysql-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("nbstat", DEFAULT | DISCOVERY | SAFE, AnyPortOfTarget),
    v("ncp-enum-users", AUTH | SAFE, ScannedPort),
    v("ncp-serverinfo", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("ndmp-fs-info", DISCOVERY | SAFE, ScannedPort),
    v("ndmp-version", VERSION, ScannedPort),
    v("nfs-ls", DISCOVERY | SAFE, AnyPortOfTarget),
    v("nfs-showmount", DISCOVERY | SAFE, AnyPortOfTarget),
    v("nfs-statfs", DISCOVERY | SAFE, AnyPortOfTarget),
    v("ntp-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("p2p-conficker", DEFAULT | SAFE, AnyPortOfTarget),
    v("pop3-capabilities", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("port-states", SAFE, Nothing),
    v("qscan", DISCOVERY | SAFE, AnyPortOfTarget),
    v(
        "quake1-info",
        DEFAULT | DISCOVERY | SAFE | VERSION,
        ScannedPort,
    ),
    v("rdp-enum-encryption", DISCOVERY | SAFE, ScannedPort),
    v("redis-info", DISCOVERY | SAFE, ScannedPort),
    v("reverse-index", SAFE, Nothing),
    v("rfc868-time", DISCOVERY | SAFE | VERSION, ScannedPort),
    v("rmi-dumpregistry", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("rpcap-info", DISCOVERY | SAFE, ScannedPort),
    v(
        "rpcinfo",
        DEFAULT | DISCOVERY | SAFE | VERSION,
        AnyPortOfTarget,
    ),
    v("rsync-list-modules", DISCOVERY | SAFE, ScannedPort),
    v("rtsp-methods", DEFAULT | SAFE, ScannedPort),
    v("servicetags", DEFAULT | DISCOVERY | SAFE, AnyPortOfTarget),
    v("sip-methods", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v(
        "smb-os-discovery",
        DEFAULT | DISCOVERY | SAFE,
        AnyPortOfTarget,
    ),
    v("smb-protocols", DISCOVERY | SAFE, AnyPortOfTarget),
    v(
        "smb-security-mode",
        DEFAULT | DISCOVERY | SAFE,
        AnyPortOfTarget,
    ),
    v("smb2-capabilities", DISCOVERY | SAFE, AnyPortOfTarget),
    v(
        "smb2-security-mode",
        DEFAULT | DISCOVERY | SAFE,
        AnyPortOfTarget,
    ),
    v("smb2-time", DEFAULT | DISCOVERY | SAFE, AnyPortOfTarget),
    v("smtp-commands", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("snmp-info", DEFAULT | SAFE | VERSION, ScannedPort),
    v("snmp-interfaces", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("snmp-netstat", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("snmp-processes", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("snmp-sysdescr", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v(
        "snmp-win32-software",
        DEFAULT | DISCOVERY | SAFE,
        ScannedPort,
    ),
    v("socks-auth-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("ssh-hostkey", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("ssh2-enum-algos", DISCOVERY | SAFE, ScannedPort),
    v("ssl-cert", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("ssl-date", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("stun-info", DISCOVERY | SAFE, ScannedPort),
    v("stun-version", VERSION, ScannedPort),
    v("telnet-encryption", DISCOVERY | SAFE, ScannedPort),
    v("unusual-port", SAFE, Nothing),
    v("upnp-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("uptime-agent-info", DEFAULT | SAFE, ScannedPort),
    v("versant-info", DISCOVERY | SAFE, ScannedPort),
    v("vnc-info", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("voldemort-info", DISCOVERY | SAFE, ScannedPort),
    v("vuze-dht-info", DISCOVERY | SAFE, ScannedPort),
    v("wsdd-discover", DEFAULT | DISCOVERY | SAFE, ScannedPort),
    v("xdmcp-discover", DISCOVERY | SAFE, ScannedPort),
    v(
        "xmpp-info",
        DEFAULT | DISCOVERY | SAFE | VERSION,
        ScannedPort,
    ),
];

const fn v(name: &'static str, categories: u8, reach: Reach) -> Vetted {
    Vetted {
        name,
        categories,
        reach,
    }
}

/// The vetted script called `name`.
pub fn find(name: &str) -> Option<&'static Vetted> {
    CATALOG
        .binary_search_by(|v| v.name.cmp(name))
        .ok()
        .map(|i| &CATALOG[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_findable() {
        assert!(CATALOG.windows(2).all(|w| w[0].name < w[1].name));
        for v in CATALOG {
            assert_eq!(find(v.name).map(|f| f.name), Some(v.name));
            assert_ne!(v.categories, 0, "{}", v.name);
        }
        for leaky in [
            "http-useragent-tester",
            "http-mobileversion-checker",
            "http-security-headers",
            "http-favicon",
            "dns-service-discovery",
            "fcrdns",
            "ftp-bounce",
            "ssl-heartbleed",
            "smb-vuln-ms17-010",
            "jdwp-info",
        ] {
            assert!(find(leaky).is_none(), "{leaky} must not be vetted");
        }
    }
}
