//! Pure, bounded parsers that turn a security tool's real machine output into typed,
//! schema-described results.
//!
//! # Layout
//!
//! - [`Bounds`] — the caps every parser applies (hosts, ports, scripts, list items,
//!   bytes per string). What a cap drops is counted, never silently lost.
//! - [`nmap`] — nmap's XML (`-oX -`): [`nmap::parse`] to a [`nmap::NmapReport`] (its
//!   `JsonSchema` is the MCP tool's `outputSchema`) and [`nmap::summary`] for the short
//!   text content next to it.
//! - [`sqlmap`] — sqlmap's `log` file and stdout: [`sqlmap::parse`] to a
//!   [`sqlmap::SqlmapReport`] (injection points, DBMS, enumerated items) and
//!   [`sqlmap::summary`].
//! - [`gobuster`] — gobuster's text result lines: [`gobuster::parse`] to a
//!   [`gobuster::GobusterReport`] and [`gobuster::summary`].
//! - [`hydra`] — hydra's `-b json` result file plus its stdout/stderr:
//!   [`hydra::parse`] to a [`hydra::HydraReport`] and [`hydra::summary`].
//! - [`dig`] — dig's `+yaml` output: [`dig::parse`] to a [`dig::DigReport`]
//!   (status, flags, server, timing, answer/authority/additional records) and
//!   [`dig::summary`].
//! - [`masscan`] — masscan's `-oD`/`-oJ` JSON: [`masscan::parse`] to a
//!   [`masscan::MasscanReport`] (hosts, open ports, banners) and [`masscan::summary`].
//! - `text` (private) — lenient, bounded XML text decoding shared by the parsers.
//!
//! # What this crate must not do
//!
//! No I/O of any kind: no processes, files, sockets, clocks, environment or logging.
//! Parsers take bytes the runner already captured and return plain values. They never
//! panic and never fail: malformed or truncated input (a scan that timed out or was
//! cancelled) yields what was parsed so far, marked incomplete, with the reason as text.
//! Memory and output are bounded by [`Bounds`] and by the size of the input; parsing
//! is streaming (no DOM is built).

mod detail;
pub mod dig;
pub mod gobuster;
pub mod hydra;
pub mod masscan;
pub mod nmap;
pub mod sanitize;
pub mod sqlmap;
mod text;
pub mod untrusted;

pub use detail::Detail;

/// Caps applied while parsing, so a huge or hostile output cannot produce a huge result.
///
/// Whatever is dropped because of a cap is counted in the result (`*_omitted` fields),
/// and strings cut at `max_text_bytes` end with [`TRUNCATION_MARKER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Most hosts kept in a report (hosts that are up are preferred over others).
    pub max_hosts: usize,
    /// Most ports kept per host (open ports are preferred over others).
    pub max_ports_per_host: usize,
    /// Most NSE script results kept per port, per host and per pre/post-scan phase.
    pub max_scripts_per_port: usize,
    /// Most items kept in each small list: hostnames, addresses, CPEs, OS matches,
    /// extraports groups, scan infos, skipped targets.
    pub max_list_items: usize,
    /// Most bytes kept of any single string (script output, version strings, …),
    /// cut at a UTF-8 character boundary; the marker is added after the cut.
    pub max_text_bytes: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            max_hosts: 256,
            max_ports_per_host: 1024,
            max_scripts_per_port: 32,
            max_list_items: 16,
            max_text_bytes: 2048,
        }
    }
}

/// serde's `skip_serializing_if` for counters that are absent when zero.
pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Appended to a string that was cut at [`Bounds::max_text_bytes`].
pub const TRUNCATION_MARKER: &str = " [truncated]";
