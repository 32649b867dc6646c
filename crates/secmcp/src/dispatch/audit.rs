//! The call path's audit records (see [`crate::audit`]): a decision for
//! every call that reaches one, and the end of every run. Nothing here runs
//! when no audit file is configured.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use secmcp_policy::Permit;

use super::record::{pinned_of, shown_argv};
use super::state::Core;
use crate::audit::{Appended, Decided, Decision, Ended, chain};
use crate::auth::Identity;
use crate::error::{ErrorCode, ToolError};
use crate::events::AuditAppended;
use crate::redact;
use crate::tools::{Rendered, Tool};

/// What an allowed call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunKind<'a> {
    /// The tool runs; an intrusive run names who approved it, when
    /// `security.approval` asked someone.
    Run { approved_by: Option<&'a str> },
    /// The plan is answered; nothing starts.
    DryRun,
}

/// Who asked, as the audit record names them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Asker<'a> {
    /// The session or connection (also the rate-limit key).
    pub client: &'a str,
    /// Who made the request, when known.
    pub identity: Option<&'a Identity>,
    /// The call's arguments, secrets masked (only when auditing).
    pub args: Option<&'a Value>,
}

impl Core {
    /// The call's arguments as the audit log keeps them; `None` without an
    /// audit log (so nothing is copied).
    pub(super) fn audit_arguments(
        &self,
        tool: &dyn Tool,
        args: Option<&serde_json::Map<String, Value>>,
    ) -> Option<Value> {
        self.audit.get()?;
        args.map(|a| redact::arguments(tool.name(), Some(a)))
    }

    /// Records a refusal (written at once, not synced: no tool depends on it).
    pub(super) fn audit_denied(
        &self,
        tool: &dyn Tool,
        correlation_id: &str,
        asker: Asker<'_>,
        error: &ToolError,
    ) {
        let Some(a) = self.audit.get() else { return };
        let record = Decided {
            correlation_id,
            identity: asker.identity.map_or("unknown", |i| &*i.name),
            role: asker.identity.and_then(|i| i.role.as_deref()),
            client: asker.client,
            tool: tool.name(),
            arguments: asker.args,
            decision: Decision::Denied {
                code: error.code,
                reason: redact::text(&error.message).into_owned(),
            },
        };
        let written = a.append(record.fields(SystemTime::now()), false);
        AuditAppended {
            correlation_id,
            record: "call_decided",
            result: written.as_ref().map(|_| ()),
        }
        .emit(&self.metrics);
        self.copy_to_store(written.ok());
    }

    /// Keeps a copy of a written record in the run store, in the background:
    /// the file is the original (synced before a tool starts); the copy,
    /// kept apart from it, shows records cut from the file's end.
    fn copy_to_store(&self, written: Option<Appended>) {
        let (Some(w), Some(recorder)) = (written, self.recorder()) else {
            return;
        };
        let store = recorder.store().clone();
        let seq = i64::try_from(w.seq).unwrap_or(i64::MAX);
        tokio::spawn(async move {
            let at = crate::history::now_ms();
            if let Err(e) = store.keep_audit_record(seq, &w.hash, &w.line, at).await {
                tracing::warn!(error = %e, seq, "the audit record's copy was not kept in the run store");
            }
        });
    }

    /// Records an allowed run and waits until the record is on disk (the
    /// tool must not start when this fails), or a dry run's plan (written,
    /// not waited for: nothing starts).
    pub(super) async fn audit_run(
        &self,
        tool: &dyn Tool,
        correlation_id: &str,
        asker: Asker<'_>,
        permit: &Permit,
        kind: RunKind<'_>,
    ) -> Result<(), ToolError> {
        let Some(a) = self.audit.get() else {
            return Ok(());
        };
        let target = permit.target();
        let (durable, approved_by) = match kind {
            RunKind::Run { approved_by } => (true, approved_by),
            RunKind::DryRun => (false, None),
        };
        let record = Decided {
            correlation_id,
            identity: asker.identity.map_or("unknown", |i| &*i.name),
            role: asker.identity.and_then(|i| i.role.as_deref()),
            client: asker.client,
            tool: tool.name(),
            arguments: asker.args,
            decision: Decision::Allowed {
                target: &target.rendered,
                pinned: pinned_of(permit),
                argv: shown_argv(tool, permit),
                dry_run: !durable,
                approved_by,
            },
        };
        let (synced, written) = match a.append(record.fields(SystemTime::now()), durable) {
            Ok(mut w) => {
                let synced = match w.file.take() {
                    Some(file) => tokio::task::spawn_blocking(move || file.sync_data())
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e))),
                    None => Ok(()),
                };
                (synced, Some(w))
            }
            Err(e) => (Err(e), None),
        };
        self.copy_to_store(written);
        AuditAppended {
            correlation_id,
            record: "call_decided",
            result: synced.as_ref().map(|_| ()),
        }
        .emit(&self.metrics);
        synced.map_err(|e| {
            ToolError::new(
                ErrorCode::ResourceExhausted,
                format!(
                    "the audit record of this run could not be written ({e}), so {} was not started",
                    tool.name()
                ),
                "the operator must make the audit file writable (disk space, permissions); call again after that",
            )
        })
    }

    /// Records how a run ended, with a digest of what the client received.
    pub(super) fn audit_ended(
        &self,
        tool: &dyn Tool,
        correlation_id: &str,
        duration: Duration,
        result: &Result<Rendered, ToolError>,
    ) {
        let Some(a) = self.audit.get() else { return };
        let (outcome, result_sha256) = match result {
            Ok(r) => (
                "ok",
                chain::digest(&serde_json::to_vec(&r.structured).unwrap_or_default()),
            ),
            Err(e) => (e.code.as_str(), chain::digest(e.message.as_bytes())),
        };
        let record = Ended {
            correlation_id,
            tool: tool.name(),
            outcome,
            duration,
            result_sha256,
        };
        let written = a.append(record.fields(SystemTime::now()), false);
        AuditAppended {
            correlation_id,
            record: "call_ended",
            result: written.as_ref().map(|_| ()),
        }
        .emit(&self.metrics);
        self.copy_to_store(written.ok());
    }
}
