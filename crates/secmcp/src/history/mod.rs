//! History over the run store: which runs a target filter means, what a run
//! found (one shape for every tool), what changed between two runs, and the
//! engagement report. Serves the `scan_history` and `scan_diff` tools and the
//! `runs diff` and `report` commands.
//!
//! Layout: `time` (UTC text), `filter` (target filters and coverage),
//! `access` (which runs a caller may read: every run, or its own),
//! `observe` (a stored result → findings), `diff` and `report` (pure, on
//! records), `calls` (the two tools' arguments and results, reading the
//! store). Must not: start tools, write records, or know rmcp types.

mod access;
mod calls;
mod diff;
mod filter;
mod observe;
mod report;
mod time;

#[cfg(test)]
mod tests;

pub use access::Access;
pub use calls::{
    DiffArgs, HistoryArgs, SCAN_DIFF, SCAN_HISTORY, ServerTool, TOOLS, apply_target, compare,
    history,
};
pub use diff::{Change, ChangeKind, Counts, RunDiff, diff};
pub use report::Report;
pub use time::{now_ms, parse_utc, utc};
