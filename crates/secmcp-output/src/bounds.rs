//! The caps every parser applies, and the marker a cut string ends with.

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
