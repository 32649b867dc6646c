//! nmap's public types: its limits and defaults, and its plan (scan mode,
//! port selection, discovery probes).
//!
//! Must not: parse `extra_args` (`grammar.rs`) or render argv (`render.rs`).

use super::scripts::{ALL_VETTED, ScriptSelection};
use super::values::{NmapTime, PortList};

/// The ports scanned when a call selects none (`--top-ports`).
pub const DEFAULT_TOP_PORTS: u32 = 1000;
/// The timing template when a call gives no `-T`.
pub const DEFAULT_TIMING: u8 = 4;
/// The longest `--scan-delay` / `--max-scan-delay`, in milliseconds.
pub const MAX_DELAY_MS: u64 = 10_000;
/// The most `-v`s.
pub const MAX_VERBOSITY: u8 = 2;

/// Per-tool limits for nmap (`policy.nmap` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NmapLimits {
    /// The most addresses a CIDR target may cover.
    pub max_cidr_addresses: u64,
    /// The highest `--min-rate` / `--max-rate`, in packets per second.
    pub max_rate_pps: u32,
    /// The vetted NSE scripts `--script` (and `-sC`) may select: names from
    /// [`super::nse::CATALOG`], or `vetted` for all of them.
    pub script_allowlist: Vec<String>,
}

/// The scripts allowed by default: the whole vetted catalog.
pub const DEFAULT_SCRIPT_ALLOWLIST: &[&str] = &[ALL_VETTED];

impl Default for NmapLimits {
    fn default() -> Self {
        Self {
            max_cidr_addresses: 1024,
            max_rate_pps: 1000,
            script_allowlist: DEFAULT_SCRIPT_ALLOWLIST
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// A port scan technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScanType {
    /// `-sT` TCP connect (no raw sockets needed).
    Connect,
    /// `-sS` TCP SYN.
    Syn,
    /// `-sA` TCP ACK.
    Ack,
    /// `-sF` TCP FIN.
    Fin,
    /// `-sN` TCP null.
    Null,
    /// `-sX` TCP Xmas.
    Xmas,
    /// `-sU` UDP.
    Udp,
}

impl ScanType {
    /// The nmap flag.
    pub fn flag(self) -> &'static str {
        match self {
            ScanType::Connect => "-sT",
            ScanType::Syn => "-sS",
            ScanType::Ack => "-sA",
            ScanType::Fin => "-sF",
            ScanType::Null => "-sN",
            ScanType::Xmas => "-sX",
            ScanType::Udp => "-sU",
        }
    }

    /// Whether it is a TCP technique (nmap runs at most one).
    pub fn is_tcp(self) -> bool {
        self != ScanType::Udp
    }
}

/// What the scan does after host discovery.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScanMode {
    /// Port scan with these techniques (sorted, deduplicated).
    Ports(Vec<ScanType>),
    /// `-sn`: host discovery only.
    DiscoveryOnly,
}

/// Which ports to scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortSelection {
    /// `-p <list>`
    List(PortList),
    /// `--top-ports N`
    Top(u32),
    /// `-F` (top 100)
    Fast,
    /// No port scan (`-sn`).
    None,
}

/// A host discovery probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Probe {
    /// `-Pn`: skip discovery.
    NoPing,
    /// `-PS[ports]`
    Syn(Option<PortList>),
    /// `-PA[ports]`
    Ack(Option<PortList>),
    /// `-PU[ports]`
    Udp(Option<PortList>),
    /// `-PE`
    Echo,
}

/// A fully validated nmap invocation, minus the target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NmapPlan {
    pub(crate) raw_sockets: bool,
    pub(crate) scan: ScanMode,
    pub(crate) version: bool,
    pub(crate) version_intensity: Option<u8>,
    pub(crate) scripts: ScriptSelection,
    pub(crate) os: bool,
    pub(crate) osscan_guess: bool,
    pub(crate) osscan_limit: bool,
    pub(crate) traceroute: bool,
    pub(crate) probes: Vec<Probe>,
    pub(crate) ports: PortSelection,
    pub(crate) sequential: bool,
    pub(crate) timing: u8,
    pub(crate) min_rate: Option<u32>,
    pub(crate) max_rate: Option<u32>,
    pub(crate) max_retries: Option<u8>,
    pub(crate) host_timeout: NmapTime,
    pub(crate) scan_delay: Option<NmapTime>,
    pub(crate) max_scan_delay: Option<NmapTime>,
    pub(crate) open: bool,
    pub(crate) reason: bool,
    pub(crate) verbosity: u8,
    /// The server follows the scan's progress: `--stats-every` is added
    /// (never from the caller's arguments, which cannot name it).
    pub(crate) progress: bool,
}

impl NmapPlan {
    /// The scan mode.
    pub fn scan(&self) -> &ScanMode {
        &self.scan
    }

    /// The port selection.
    pub fn ports(&self) -> &PortSelection {
        &self.ports
    }

    /// The timing template (0..=5).
    pub fn timing(&self) -> u8 {
        self.timing
    }

    /// The per-host timeout handed to nmap.
    pub fn host_timeout(&self) -> NmapTime {
        self.host_timeout
    }

    /// Whether service/version detection (`-sV`) runs.
    pub fn version_detection(&self) -> bool {
        self.version
    }

    /// The NSE selection (empty when no scripts run).
    pub fn scripts(&self) -> &ScriptSelection {
        &self.scripts
    }
}
