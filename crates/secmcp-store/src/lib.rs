//! Durable run records for secmcp: every tool call, accepted or refused, kept in
//! one schema on an embedded SQLite database (the default) or PostgreSQL.
//!
//! Layout:
//! - `store`    [`Store`]: open (pool, pragmas, migrations), insert, get, list, prune;
//!   tasks (`put_task`, `get_task`, `fail_unfinished_tasks`); `store/approvals`:
//!   approvals of intrusive runs and the copy of the audit records
//! - `config`   [`StoreConfig`], [`Backend`], URL redaction
//! - `record`   what is kept ([`NewRun`], [`TaskRow`]) and what is read back
//!   ([`RunRecord`], [`RunSummary`], [`ListQuery`], [`Page`], opaque cursors)
//! - `inspect`  [`inspect`]: the schema state of a database, read-only (for `doctor`)
//! - `schema`   the versioned migrations (`migrations/*.sql`, one set for both backends)
//! - `compress` bounded deflate of raw tool output
//! - `error`    [`StoreError`] with a stable code and a hint
//!
//! This crate knows nothing about MCP, tools or policy: callers hand it records
//! whose secrets are already redacted.

mod compress;
mod config;
mod error;
mod inspect;
mod record;
mod schema;
mod store;

pub use config::{Backend, StoreConfig, redact_url};
pub use error::StoreError;
pub use inspect::{SchemaState, inspect};
pub use record::{
    ApprovalRow, Decided, Decision, ListQuery, NewRun, Page, RunRecord, RunSummary, TaskRow,
    decode_cursor,
};
pub use store::{MIN_APPROVAL_PREFIX, PruneLimits, Store};
