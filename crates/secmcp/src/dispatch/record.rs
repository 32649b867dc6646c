//! What a call leaves in the run store: [`Facts`] gathered along the pipeline
//! (target, pinned addresses, argv, raw output, timings) and
//! `Core::keep_record`, which writes them with the call's result before the
//! result goes back to the client. Secrets are redacted here, before the store
//! sees anything.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secmcp_policy::Permit;
use secmcp_store::{Decision, NewRun};

use super::state::{CallResult, Core};
use crate::config::Settings;
use crate::redact;
use crate::tools::{JsonObject, Tool};

/// What the pipeline learnt about a call, for its record.
#[derive(Debug)]
pub(super) struct Facts {
    /// Whether a record will be written at all (a store is attached).
    wanted: bool,
    arrived: SystemTime,
    clock: Instant,
    arguments: serde_json::Value,
    pub(super) target: String,
    pinned: Vec<String>,
    argv: Vec<String>,
    /// The tool was started.
    pub(super) accepted: bool,
    /// A dry run was answered (nothing started).
    pub(super) dry_run: bool,
    pub(super) run: Duration,
    pub(super) raw: Option<(Vec<u8>, bool)>,
}

impl Facts {
    /// A call arriving now; the arguments are redacted at once.
    pub(super) fn arriving(wanted: bool, tool: &dyn Tool, args: Option<&JsonObject>) -> Self {
        let (arguments, target) = if wanted {
            let target = args
                .and_then(|a| a.get("target"))
                .and_then(|t| t.as_str())
                .map(|t| redact::text(t).into_owned())
                .unwrap_or_default();
            (redact::arguments(tool.name(), args), target)
        } else {
            (serde_json::Value::Null, String::new())
        };
        Self {
            wanted,
            arrived: SystemTime::now(),
            clock: Instant::now(),
            arguments,
            target,
            pinned: Vec::new(),
            argv: Vec::new(),
            accepted: false,
            dry_run: false,
            run: Duration::ZERO,
            raw: None,
        }
    }

    /// The permit's pinned addresses and argv (redacted).
    pub(super) fn permitted(&mut self, tool: &dyn Tool, permit: &Permit) {
        if !self.wanted {
            return;
        }
        self.pinned = pinned_of(permit);
        self.argv = shown_argv(tool, permit);
    }
}

/// What a run may reach, as records, audit lines and approval requests name
/// it: each pinned address, or a CIDR target as written.
pub(super) fn pinned_of(permit: &Permit) -> Vec<String> {
    let mut pinned = Vec::new();
    for t in std::iter::once(permit.target()).chain(permit.extra_targets()) {
        if t.pinned.is_empty() {
            pinned.push(t.rendered.clone());
        } else {
            pinned.extend(t.pinned.iter().map(ToString::to_string));
        }
    }
    pinned.dedup();
    pinned
}

/// The argv as agents and logs see it: the tool's name, then the permit's
/// arguments (the server's path to the binary is not shown).
pub(super) fn effective_argv(tool: &dyn Tool, permit: &Permit) -> Vec<String> {
    let mut argv = Vec::with_capacity(permit.argv().len() + 1);
    argv.push(tool.name().to_owned());
    argv.extend(permit.argv().iter().cloned());
    argv
}

/// [`effective_argv`] with secrets masked: what is kept and shown to people.
pub(super) fn shown_argv(tool: &dyn Tool, permit: &Permit) -> Vec<String> {
    redact::argv(tool.name(), &effective_argv(tool, permit))
}

/// The raw output as kept: at most `max` bytes (the head), and whether
/// anything was cut (here or by the runner's capture).
pub(super) fn cap_raw(bytes: &[u8], already_cut: bool, max: usize) -> (Vec<u8>, bool) {
    if bytes.len() > max {
        (bytes[..max].to_vec(), true)
    } else {
        (bytes.to_vec(), already_cut)
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Core {
    /// Writes the call's record (when a store is attached) and notes in the
    /// result whether it was kept. Never fails the call.
    pub(super) async fn keep_record(
        &self,
        _settings: &Settings,
        tool: &'static dyn Tool,
        (client, owner): (&str, String),
        facts: Facts,
        mut done: CallResult,
    ) -> CallResult {
        let Some(recorder) = self.recorder().cloned() else {
            return done;
        };
        let (code, reason, outcome, summary, structured) = match &done.result {
            Ok(r) => (
                String::new(),
                String::new(),
                "ok".to_owned(),
                r.text.clone(),
                Some(r.structured.clone()),
            ),
            Err(e) => (
                e.code.as_str().to_owned(),
                redact::text(&e.message).into_owned(),
                e.code.as_str().to_owned(),
                redact::text(&e.to_text(&done.correlation_id)).into_owned(),
                // A stopped run (timeout, cancel) keeps what it had found.
                e.partial.clone(),
            ),
        };
        let (raw, raw_truncated) = facts.raw.unwrap_or_default();
        let run = NewRun {
            started_at_ms: facts.arrived.duration_since(UNIX_EPOCH).map_or(0, ms),
            duration_ms: ms(facts.clock.elapsed()),
            run_ms: ms(facts.run),
            client: client.to_owned(),
            owner,
            correlation_id: done.correlation_id.clone(),
            tool: tool.name().to_owned(),
            target: facts.target,
            arguments: facts.arguments,
            pinned: facts.pinned,
            argv: facts.argv,
            decision: if facts.dry_run {
                Decision::DryRun
            } else if facts.accepted {
                Decision::Accepted
            } else {
                Decision::Refused
            },
            code,
            reason,
            outcome,
            summary,
            structured,
            raw,
            raw_truncated,
        };
        let status = recorder.keep(&run, &self.metrics).await;
        recorder.clear_failure_if_recovered(&status);
        done.record = status;
        done
    }
}
