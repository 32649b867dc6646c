//! What is kept for a call and what is read back. Callers redact secrets before
//! building a [`NewRun`]: the store writes what it is given.

use serde::Serialize;

/// Whether the call was allowed to start its tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Authorized: the tool was (or would have been) started.
    Accepted,
    /// Refused before the tool started (input, policy, limits, breaker...).
    Refused,
    /// A dry run: authorized exactly as a run, answered with the plan, and
    /// nothing started.
    DryRun,
}

impl Decision {
    /// `accepted`, `refused` or `dry_run`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::DryRun => "dry_run",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "accepted" => Self::Accepted,
            "dry_run" => Self::DryRun,
            _ => Self::Refused,
        }
    }
}

/// A call to keep.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Unix time in ms when the call arrived.
    pub started_at_ms: i64,
    /// Arrival to answer, ms.
    pub duration_ms: i64,
    /// Tool run time, ms (0 when nothing ran).
    pub run_ms: i64,
    /// `stdio`, or the HTTP peer.
    pub client: String,
    /// Who made the call (`source:name` of its identity).
    pub owner: String,
    /// The call's correlation id.
    pub correlation_id: String,
    /// Tool name.
    pub tool: String,
    /// The target as given (redacted).
    pub target: String,
    /// The call's arguments (secrets redacted).
    pub arguments: serde_json::Value,
    /// The addresses the tool was pinned to.
    pub pinned: Vec<String>,
    /// The argv the tool got (secrets redacted); empty when refused.
    pub argv: Vec<String>,
    /// Accepted or refused.
    pub decision: Decision,
    /// The error code, empty when the run succeeded.
    pub code: String,
    /// The message the agent read on error.
    pub reason: String,
    /// `ok` or an error code.
    pub outcome: String,
    /// The text the agent read.
    pub summary: String,
    /// The structured result, if any.
    pub structured: Option<serde_json::Value>,
    /// The tool's machine output (already cut to `storage.max_raw_bytes`).
    pub raw: Vec<u8>,
    /// Whether the cut removed anything.
    pub raw_truncated: bool,
}

/// One run as listed (no payloads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run id (a UUIDv7: sorts by time).
    pub id: String,
    /// Unix time in ms when the call arrived.
    pub started_at_ms: i64,
    /// Arrival to answer, ms.
    pub duration_ms: i64,
    /// Tool name.
    pub tool: String,
    /// The target as given.
    pub target: String,
    /// Accepted or refused.
    pub decision: Decision,
    /// `ok` or an error code.
    pub outcome: String,
    /// The text the agent read (a tool's summary, or the refusal).
    pub summary: String,
    /// The addresses (or networks) the tool was pinned to.
    pub pinned: Vec<String>,
    /// Who made the call (`source:name`; empty for runs kept before owners).
    pub owner: String,
}

/// One run with everything kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// The run id.
    pub id: String,
    /// Unix time in ms when the call arrived.
    pub started_at_ms: i64,
    /// Arrival to answer, ms.
    pub duration_ms: i64,
    /// Tool run time, ms.
    pub run_ms: i64,
    /// `stdio`, or the HTTP peer.
    pub client: String,
    /// Who made the call (`source:name`; empty for runs kept before owners).
    pub owner: String,
    /// The call's correlation id.
    pub correlation_id: String,
    /// Tool name.
    pub tool: String,
    /// The target as given.
    pub target: String,
    /// Arguments (secrets redacted).
    pub arguments: serde_json::Value,
    /// Addresses the tool was pinned to.
    pub pinned: Vec<String>,
    /// argv (secrets redacted).
    pub argv: Vec<String>,
    /// Accepted or refused.
    pub decision: Decision,
    /// Error code, empty on success.
    pub code: String,
    /// Error message, empty on success.
    pub reason: String,
    /// `ok` or an error code.
    pub outcome: String,
    /// The text the agent read.
    pub summary: String,
    /// The structured result.
    pub structured: Option<serde_json::Value>,
    /// Uncompressed length of the kept raw output.
    pub raw_bytes: i64,
    /// Whether `storage.max_raw_bytes` cut the raw output.
    pub raw_truncated: bool,
}

/// A task-augmented call as kept (its result is the run `run_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRow {
    /// The task id.
    pub id: String,
    /// Who created it (`source:name`).
    pub owner: String,
    /// The tool called.
    pub tool: String,
    /// `working`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Why it failed; empty otherwise.
    pub message: String,
    /// The run holding its result, when one was kept.
    pub run_id: Option<String>,
    /// Unix ms of creation.
    pub created_at_ms: i64,
    /// Unix ms of the last change.
    pub updated_at_ms: i64,
    /// Readable until `updated_at_ms + ttl_ms`.
    pub ttl_ms: i64,
}

/// An intrusive run waiting for (or past) a person's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalRow {
    /// Random id, shown to the operator.
    pub id: String,
    /// Who asked for the run (`source:name`).
    pub owner: String,
    /// The call's correlation id.
    pub correlation_id: String,
    /// The tool.
    pub tool: String,
    /// The pinned addresses the run may reach.
    pub pinned: Vec<String>,
    /// The exact argv (program first), secrets masked.
    pub argv: Vec<String>,
    /// `pending`, `approved`, `denied`, `expired` or `withdrawn`.
    pub status: String,
    /// Who decided (empty while pending or when the server closed it).
    pub decided_by: String,
    /// The reason given with a denial.
    pub reason: String,
    /// Unix ms of the request.
    pub created_at_ms: i64,
    /// Unix ms after which nobody can approve it.
    pub expires_at_ms: i64,
    /// Unix ms of the decision.
    pub decided_at_ms: Option<i64>,
}

/// What deciding an approval did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Decided now; the row as it stands.
    Done(ApprovalRow),
    /// It was no longer pending (decided, expired or withdrawn before).
    AlreadyClosed(ApprovalRow),
    /// No approval has that id (or prefix).
    NotFound,
    /// The prefix names more than one approval.
    Ambiguous,
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only this tool.
    pub tool: Option<String>,
    /// Only runs whose target (as given) is exactly this.
    pub target: Option<String>,
    /// Only runs pinned to one of these entries (addresses, or networks as
    /// kept), or whose target as given is one of them (a refused call pins
    /// nothing); at most 4096 are used.
    pub addresses: Option<Vec<String>>,
    /// Only runs that arrived at or after this time (Unix ms).
    pub since_ms: Option<i64>,
    /// Only runs that arrived before this time (Unix ms).
    pub until_ms: Option<i64>,
    /// Only accepted runs.
    pub accepted_only: bool,
    /// Only runs made by this owner (`source:name`).
    pub owner: Option<String>,
    /// Continue after this cursor (from a previous [`Page`]).
    pub cursor: Option<String>,
    /// At most this many (clamped to 1..=1000).
    pub limit: u32,
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// The runs, newest first.
    pub runs: Vec<RunSummary>,
    /// Pass back in [`ListQuery::cursor`] for the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

const CURSOR_PREFIX: &str = "r1";

/// An opaque cursor for the run after which the next page starts.
pub(crate) fn encode_cursor(id: &str) -> String {
    let mut s = String::with_capacity(CURSOR_PREFIX.len() + id.len() * 2);
    s.push_str(CURSOR_PREFIX);
    for b in id.bytes() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The run id inside a cursor, or `None` when it is not one this store made.
#[must_use]
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    if hex.len() % 2 != 0 || hex.len() > 128 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    let id = String::from_utf8(bytes?).ok()?;
    is_run_id(&id).then_some(id)
}

/// A run id as this store makes them: a hyphenated lowercase UUID.
#[must_use]
pub(crate) fn is_run_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = "0190a3b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b";
        assert_eq!(decode_cursor(&encode_cursor(id)).as_deref(), Some(id));
        for bad in ["", "r1", "r1zz", "x", "r1303", &encode_cursor("not-an-id")] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
