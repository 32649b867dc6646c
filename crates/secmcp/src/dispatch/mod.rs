//! The one call pipeline: input → rate → plan → resolve → authorize → binary →
//! breaker → limits → run → render → events (a dry run stops after binary and
//! answers the plan).
//!
//! Every tool call goes through `Core::call_with`, in this order and no other.
//! The policy core decides; this module only does the I/O around it (DNS,
//! binary lookup, the runner), applies the operations layer (circuit breaker,
//! concurrency and rate limits) and records what happened as typed events.
//! It knows nothing of rmcp.
//!
//! Settings are a `watch` of validated snapshots: a call takes one snapshot at
//! its start and uses it to the end; a reload swaps in a new one for the calls
//! that start afterwards.
//!
//! Layout: `state` holds [`Core`], the state shared by every transport and
//! session (settings snapshots, breakers, limits, metrics, health); the call
//! path itself is `pipeline`; `shutdown` drains and kills; `calls` counts the
//! calls in flight; `health_source` feeds the health checks from the core;
//! `audit` writes the call path's audit records; `progress` follows a run's
//! output for a client that asked for progress; `approval` holds an
//! intrusive run until a person approves it (`security.approval`);
//! `authorize` turns parsed input into a permit (for the call path and for
//! the plan an approval shows).

mod approval;
mod audit;
mod authorize;
mod calls;
mod health_source;
mod pipeline;
mod progress;
mod record;
mod shutdown;
mod state;
mod waiting;

pub use approval::{ApprovalRequest, Consent};
pub use health_source::CoreHealthSource;
pub use pipeline::{CallControl, Caller, intrusive_refused, new_correlation_id};
pub use progress::{MIN_INTERVAL as PROGRESS_INTERVAL, ProgressSender};
pub use shutdown::ShutdownOutcome;
pub use state::{CallResult, Core, binary_in, run_limits};
