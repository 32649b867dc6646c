//! `security.approval`: a person says yes before an intrusive run starts.
//!
//! A run is intrusive when it passed only because `security.allow_intrusive`
//! is on (`Permit::intrusive`). With `elicit`, the transport asks the person
//! at the client before the call reaches the pipeline (it shows the plan
//! from [`Core::approval_request`]) and hands the answer in as a [`Consent`];
//! the pipeline runs only what was shown: the same arguments and the same
//! pinned addresses. With `operator`, the pipeline itself keeps a request in
//! the run store and waits until `secmcp approvals approve|deny` decides it,
//! it expires, or the call is cancelled. Dry runs are never asked about:
//! nothing starts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use secmcp_policy::Permit;
use secmcp_store::ApprovalRow;

use super::progress::ProgressSender;
use super::record::{pinned_of, shown_argv};
use super::state::Core;
use super::waiting::MAX_WAITING_PER_OWNER;
use crate::config::{ApprovalMode, Settings};
use crate::error::{ErrorCode, ToolError};
use crate::history::now_ms;
use crate::tools::{self, JsonObject, Tool};

/// How often a waiting run reads its request's state.
const POLL: Duration = Duration::from_millis(250);

/// What a person is asked to approve: exactly what will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    /// The tool.
    pub tool: &'static str,
    /// The addresses the run may reach.
    pub pinned: Vec<String>,
    /// The argv, program first, secrets masked.
    pub argv: Vec<String>,
    /// [`args_digest`] of the call's arguments.
    pub args_digest: String,
    /// How long the person has to answer.
    pub timeout: Duration,
}

impl ApprovalRequest {
    /// The text a person reads before deciding.
    pub fn describe(&self) -> String {
        format!(
            "Approve this intrusive run?\ntool: {}\ntargets (pinned): {}\ncommand: {}\nNothing runs unless you approve; without an answer within {} s it is refused.",
            self.tool,
            self.pinned.join(", "),
            self.argv.join(" "),
            self.timeout.as_secs()
        )
    }
}

/// The client's answer to an [`ApprovalRequest`], handed to the pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Consent {
    /// Nobody was asked (not needed, or the client cannot be asked).
    #[default]
    NotAsked,
    /// The person at the client approved a plan.
    Given {
        /// Who, as the log and audit record name them.
        by: String,
        /// [`args_digest`] of the arguments they saw.
        args_digest: String,
        /// The pinned addresses they saw.
        pinned: Vec<String>,
    },
    /// The person declined, cancelled or did not answer in time.
    Declined {
        /// What happened, for the refusal's message.
        why: String,
    },
}

/// A digest of a call's arguments (everything but `correlation_id`, which a
/// client may change between asking and calling again): what a consent is
/// bound to.
pub fn args_digest(args: Option<&JsonObject>) -> String {
    let ordered: BTreeMap<&String, &Value> = args
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "correlation_id")
        .collect();
    let canonical = serde_json::to_string(&ordered).unwrap_or_default();
    hex(&Sha256::digest(canonical.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who may start a run, as the pipeline learns it.
pub(super) struct Gate<'a> {
    pub consent: &'a Consent,
    pub args_digest: Option<&'a str>,
    pub correlation_id: &'a str,
    pub owner: String,
    pub cancel: &'a CancellationToken,
    pub progress: Option<&'a ProgressSender>,
}

impl Core {
    /// With `security.approval: elicit`: the plan the person at the client
    /// must approve before `args` may run, or `None` when nothing needs
    /// approval (not intrusive, a dry run, another mode) or the call will be
    /// refused anyway (the pipeline then says why).
    pub async fn approval_request(
        &self,
        settings: &Settings,
        tool: &'static dyn Tool,
        args: Option<&JsonObject>,
        progress: bool,
    ) -> Option<ApprovalRequest> {
        if settings.approval.mode != ApprovalMode::Elicit {
            return None;
        }
        let input: tools::ParsedInput = tool.parse_input(args.cloned()).ok()?;
        if input.common.dry_run {
            return None;
        }
        let permit = super::authorize::authorize(settings, tool, &input, progress)
            .await
            .ok()?;
        permit.intrusive().then(|| ApprovalRequest {
            tool: tool.name(),
            pinned: pinned_of(&permit),
            argv: shown_argv(tool, &permit),
            args_digest: args_digest(args),
            timeout: settings.approval.timeout,
        })
    }

    /// Whether an authorized run may start: `Ok(None)` when nobody needs to
    /// approve it, `Ok(Some(who))` when someone did, else why not.
    pub(super) async fn approval(
        &self,
        settings: &Settings,
        tool: &'static dyn Tool,
        permit: &Permit,
        gate: Gate<'_>,
    ) -> Result<Option<String>, ToolError> {
        if !permit.intrusive() {
            return Ok(None);
        }
        match settings.approval.mode {
            ApprovalMode::None => Ok(None),
            ApprovalMode::Elicit => consented(tool, permit, &gate).map(Some),
            ApprovalMode::Operator => self
                .operator_approval(settings, tool, permit, gate)
                .await
                .map(Some),
        }
    }

    /// Keeps a request in the run store and waits for its decision.
    async fn operator_approval(
        &self,
        settings: &Settings,
        tool: &'static dyn Tool,
        permit: &Permit,
        gate: Gate<'_>,
    ) -> Result<String, ToolError> {
        let Some(recorder) = self.recorder() else {
            return Err(unavailable(
                "the run store, where operators decide approvals, is not open",
            ));
        };
        let full = || {
            ToolError::new(
                ErrorCode::ResourceExhausted,
                format!(
                    "{MAX_WAITING_PER_OWNER} runs of this caller already wait for an operator's approval; nothing ran"
                ),
                "wait until the operator decides them (secmcp approvals list), then call again",
            )
        };
        // Exact in this process; the store's count bounds the caller on
        // every server that shares it.
        let Some(_ticket) = self.waiting.enter(&gate.owner) else {
            return Err(full());
        };
        let store = recorder.store();
        let created = now_ms();
        match store.waiting_approvals(&gate.owner, created).await {
            Ok(n) if n >= i64::try_from(MAX_WAITING_PER_OWNER).unwrap_or(i64::MAX) => {
                return Err(full());
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "waiting approvals not countable");
                return Err(unavailable("the run store does not answer"));
            }
        }
        let timeout_ms = i64::try_from(settings.approval.timeout.as_millis()).unwrap_or(i64::MAX);
        let row = ApprovalRow {
            id: uuid::Uuid::new_v4().hyphenated().to_string(),
            owner: gate.owner,
            correlation_id: gate.correlation_id.to_owned(),
            tool: tool.name().to_owned(),
            pinned: pinned_of(permit),
            argv: shown_argv(tool, permit),
            status: "pending".into(),
            decided_by: String::new(),
            reason: String::new(),
            created_at_ms: created,
            expires_at_ms: created.saturating_add(timeout_ms),
            decided_at_ms: None,
        };
        if let Err(e) = store.put_approval(&row).await {
            tracing::warn!(error = %e, "an approval request could not be kept");
            return Err(unavailable(
                "the approval request could not be kept in the run store",
            ));
        }
        let id = row.id;
        // If the store stops answering, the wait still ends.
        let give_up =
            std::time::Instant::now() + settings.approval.timeout + Duration::from_secs(30);
        tracing::info!(approval_id = %id, "intrusive run waits for an operator's approval");
        if let Some(p) = gate.progress {
            let _ = p.try_send(secmcp_output::progress::Progress {
                progress: 0.0,
                total: None,
                message: format!(
                    "waiting for an operator: secmcp approvals approve {}",
                    &id[..secmcp_store::MIN_APPROVAL_PREFIX]
                ),
            });
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = gate.cancel.cancelled() => {
                    let _ = store.close_approval(&id, "withdrawn", now_ms()).await;
                    return Err(ToolError::new(
                        ErrorCode::Cancelled,
                        "the call was cancelled while it waited for an operator's approval; nothing ran",
                        "call again if the run is still needed",
                    ));
                }
                () = self.draining.cancelled() => {
                    let _ = store.close_approval(&id, "withdrawn", now_ms()).await;
                    return Err(super::shutdown::shutting_down());
                }
            }
            let now = now_ms();
            let row = match store.get_approval(&id).await {
                Ok(Some(row)) if row.status == "pending" && now >= row.expires_at_ms => {
                    match store.close_approval(&id, "expired", now).await {
                        Ok(Some(row)) => row,
                        _ if std::time::Instant::now() < give_up => continue,
                        _ => {
                            return Err(unavailable(
                                "the run store stopped answering while the run waited",
                            ));
                        }
                    }
                }
                Ok(Some(row)) => row,
                Ok(None) => {
                    return Err(unavailable(
                        "the approval request vanished from the run store",
                    ));
                }
                Err(e) if std::time::Instant::now() < give_up => {
                    // A store blip: the request is still there; read it again.
                    tracing::debug!(error = %e, "approval state not readable");
                    continue;
                }
                Err(_) => {
                    return Err(unavailable(
                        "the run store stopped answering while the run waited",
                    ));
                }
            };
            match row.status.as_str() {
                "pending" => {}
                "approved" => {
                    tracing::info!(approval_id = %id, by = %row.decided_by, "run approved");
                    return Ok(row.decided_by);
                }
                "denied" => {
                    return Err(denied(format!(
                        "an operator ({}) denied this run{}; nothing ran",
                        row.decided_by,
                        if row.reason.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", row.reason)
                        }
                    )));
                }
                _ => {
                    return Err(denied(format!(
                        "no operator approved this run within {} s (request {}); nothing ran",
                        settings.approval.timeout.as_secs(),
                        id
                    )));
                }
            }
        }
    }
}

/// `elicit`: the consent must be for exactly this run.
fn consented(tool: &dyn Tool, permit: &Permit, gate: &Gate<'_>) -> Result<String, ToolError> {
    match gate.consent {
        Consent::NotAsked => Err(ToolError::new(
            ErrorCode::ApprovalUnavailable,
            format!(
                "this {} run is intrusive and the server asks the person at the client to approve such runs (MCP elicitation), but this client cannot be asked; nothing ran",
                tool.name()
            ),
            "use a client that supports elicitation (or input_required results on 2026-07-28), or ask the operator",
        )),
        Consent::Given {
            by,
            args_digest,
            pinned,
        } => {
            if Some(args_digest.as_str()) != gate.args_digest || *pinned != pinned_of(permit) {
                return Err(ToolError::new(
                    ErrorCode::ApprovalDenied,
                    "the run differs from the one that was approved (its arguments, or the addresses its target resolves to, changed); nothing ran",
                    "call again: the person at the client is then asked about the run as it is now",
                ));
            }
            Ok(by.clone())
        }
        Consent::Declined { why } => Err(denied(format!(
            "the person at the client did not approve this {} run ({why}); nothing ran",
            tool.name()
        ))),
    }
}

fn denied(message: String) -> ToolError {
    ToolError::new(
        ErrorCode::ApprovalDenied,
        message,
        "do not retry the same run unless the person who decides agrees",
    )
}

fn unavailable(why: &str) -> ToolError {
    ToolError::new(
        ErrorCode::ApprovalUnavailable,
        format!("this intrusive run needs an operator's approval, but {why}; nothing ran"),
        "ask the operator to check the run store (secmcp doctor), then call again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_digest_ignores_key_order_and_correlation_id_only() {
        let a = obj(json!({"target": "10.0.0.5", "extra_args": "-A", "correlation_id": "x1"}));
        let b = obj(json!({"correlation_id": "y2", "extra_args": "-A", "target": "10.0.0.5"}));
        let c = obj(json!({"target": "10.0.0.6", "extra_args": "-A"}));
        assert_eq!(args_digest(Some(&a)), args_digest(Some(&b)));
        assert_ne!(args_digest(Some(&a)), args_digest(Some(&c)));
        assert_ne!(args_digest(Some(&a)), args_digest(None));
    }
}
