//! `security.approval: elicit` on the wire: the person at the client is
//! asked to approve an intrusive run before the call reaches the pipeline.
//!
//! On an `initialize`-era session the server sends `elicitation/create` and
//! waits (up to `approval_timeout_secs`). On 2026-07-28, where a server may
//! not send requests, the call is answered with an `input_required` result
//! asking the same question, and a sealed `requestState` (HMAC, bound to the
//! tool and to `approval_timeout_secs`) that names the caller, the
//! arguments' digest and the pinned addresses shown; the client calls again
//! with the answer and that state. Either way the pipeline gets a
//! [`Consent`] and runs only the plan that was shown.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ElicitRequest, ElicitRequestParams, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequests, InputRequiredResult, ProtocolVersion,
    RequestStateCodec, SealOptions,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Identity;
use crate::config::{ApprovalMode, Settings};
use crate::dispatch::{ApprovalRequest, Consent, Core};
use crate::history::now_ms;
use crate::tools::Tool;

/// The key of the question in `inputRequests` / `inputResponses`.
const KEY: &str = "approval";

/// What the sealed `requestState` of an approval round holds.
#[derive(Debug, Serialize, Deserialize)]
struct Shown {
    owner: String,
    args_digest: String,
    pinned: Vec<String>,
    /// Makes each round's state single-use: an answer cannot be replayed.
    nonce: String,
    /// When the state stops opening (ms since the epoch): its nonce is kept
    /// until then (and a margin for clocks), whatever the server that takes
    /// the answer has for a timeout.
    expires_at_ms: i64,
}

/// How much longer than its state a used nonce is kept: the servers on one
/// store may not agree on the time.
const CLOCK_MARGIN_MS: i64 = 5 * 60 * 1000;

/// The call a person may be asked about.
pub(super) struct Pending<'a> {
    /// The core that plans it.
    pub core: &'a Core,
    /// The snapshot it runs on.
    pub settings: &'a Settings,
    /// The tool.
    pub tool: &'static dyn Tool,
    /// Whether its run follows its progress (the plan then has the tool's
    /// progress flags).
    pub progress: bool,
}

/// What asking produced.
pub(super) enum Asked {
    /// Hand this to the pipeline.
    Consent(Consent),
    /// Answer the request with this (an `input_required` round).
    Answer(CallToolResponse),
}

/// The name of the sealing key in the run store's `server_keys`.
const SEAL_KEY: &str = "approval_request_state";

/// Seals and opens the approval rounds' state, and remembers which rounds
/// were answered. With a run store, the key and the answered rounds live in
/// it, so every server on one store understands a round that another began
/// (a load balancer may send the answer anywhere) and a round runs one call
/// on all of them; without one (or while it does not answer), a key of this
/// process and its memory serve.
pub(super) struct Elicitation {
    local: RequestStateCodec,
    shared: tokio::sync::OnceCell<RequestStateCodec>,
    /// Nonces of states answered here, until they would have expired.
    used: Mutex<HashMap<String, Instant>>,
}

impl Elicitation {
    pub(super) fn new() -> Self {
        Self {
            local: RequestStateCodec::try_new(fresh_secret().into_bytes())
                .expect("a 64-byte key is long enough"),
            shared: tokio::sync::OnceCell::new(),
            used: Mutex::default(),
        }
    }

    /// The codec that seals new rounds: the store's shared key once it has
    /// answered, else this process's.
    async fn sealer(&self, core: &Core) -> &RequestStateCodec {
        let Some(recorder) = core.recorder() else {
            return &self.local;
        };
        let shared = self
            .shared
            .get_or_try_init(|| async {
                let key = recorder
                    .store()
                    .server_key(SEAL_KEY, &fresh_secret(), now_ms())
                    .await
                    .map_err(|e| e.to_string())?;
                RequestStateCodec::try_new(key.into_bytes()).map_err(|e| e.to_string())
            })
            .await;
        match shared {
            Ok(codec) => codec,
            Err(e) => {
                tracing::warn!(error = %e, "the run store's sealing key is not readable; approval rounds use this process's key");
                &self.local
            }
        }
    }

    /// Opens a round's state with the shared key or, for a round begun while
    /// the store did not answer, this process's.
    async fn open(&self, core: &Core, sealed: &str, tool: &str) -> Result<Shown, McpError> {
        let sealer = self.sealer(core).await;
        let opened = sealer
            .open_json_with::<Shown>(sealed, tool.as_bytes())
            .or_else(|e| {
                if std::ptr::eq(sealer, &self.local) {
                    Err(e)
                } else {
                    self.local
                        .open_json_with(sealed, tool.as_bytes())
                        .map_err(|_| e)
                }
            });
        opened.map_err(|e| {
            McpError::invalid_params(
                format!("requestState rejected: {e}"),
                Some(json!({ "reason": e.to_string() })),
            )
        })
    }

    /// Marks the nonce of a state that opens until `expires_at_ms` used,
    /// here and in the run store; `false` when it already was, by this
    /// server or another.
    async fn first_use(
        &self,
        core: &Core,
        nonce: &str,
        expires_at_ms: i64,
    ) -> Result<bool, McpError> {
        let now = now_ms();
        let until = expires_at_ms.saturating_add(CLOCK_MARGIN_MS);
        let keep = Duration::from_millis(u64::try_from(until.saturating_sub(now)).unwrap_or(0));
        if !self.first_use_here(nonce, keep) {
            return Ok(false);
        }
        let Some(recorder) = core.recorder() else {
            return Ok(true);
        };
        recorder
            .store()
            .first_use(nonce, until, now)
            .await
            .map_err(|e| {
                McpError::internal_error(
                    format!("cannot check in the run store that this approval was not used before ({e}); call again without requestState to be asked again"),
                    None,
                )
            })
    }

    /// The in-process half of [`Elicitation::first_use`].
    fn first_use_here(&self, nonce: &str, keep: Duration) -> bool {
        let now = Instant::now();
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, until| *until > now);
        used.insert(nonce.to_owned(), now + keep).is_none()
    }

    /// Asks the person at the client, when `security.approval: elicit` and
    /// the call is an intrusive run (`progress`: the run will report its
    /// progress, which adds the tool's progress flags to the plan shown). A
    /// forged, altered, expired, replayed or foreign `requestState` is -32602.
    pub(super) async fn ask(
        &self,
        call: Pending<'_>,
        request: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
        who: &Identity,
    ) -> Result<Asked, McpError> {
        let Pending {
            core,
            settings,
            tool,
            progress,
        } = call;
        if settings.approval.mode != ApprovalMode::Elicit {
            return Ok(Asked::Consent(Consent::NotAsked));
        }
        let modern = context
            .protocol_version()
            .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
        if modern && let Some(sealed) = request.request_state.as_deref() {
            let shown = self.open(core, sealed, tool.name()).await?;
            if shown.owner != who.owner_key() {
                return Err(McpError::invalid_params(
                    "requestState rejected: it was issued to another caller",
                    None,
                ));
            }
            let (nonce, until) = (shown.nonce.clone(), shown.expires_at_ms);
            if let Some(consent) = answer(request, who, shown) {
                // Only a yes runs something: only a yes uses the state up.
                if matches!(consent, Consent::Given { .. })
                    && !self.first_use(core, &nonce, until).await?
                {
                    return Err(McpError::invalid_params(
                        "requestState rejected: this approval was already used; each approval runs one call",
                        None,
                    ));
                }
                return Ok(Asked::Consent(consent));
            }
            // No usable answer: ask again below (a fresh plan and state).
        }
        let Some(plan) = core
            .approval_request(settings, tool, request.arguments.as_ref(), progress)
            .await
        else {
            return Ok(Asked::Consent(Consent::NotAsked));
        };
        let can_elicit = context
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        if !can_elicit {
            return Ok(Asked::Consent(Consent::NotAsked));
        }
        if modern {
            let sealer = self.sealer(core).await;
            return round(sealer, tool, who, plan).map(Asked::Answer);
        }
        Ok(Asked::Consent(elicit_now(context, who, plan).await))
    }
}

/// The `input_required` answer asking for `plan`'s approval, its state
/// sealed by `sealer`.
fn round(
    sealer: &RequestStateCodec,
    tool: &dyn Tool,
    who: &Identity,
    plan: ApprovalRequest,
) -> Result<CallToolResponse, McpError> {
    let shown = Shown {
        owner: who.owner_key(),
        args_digest: plan.args_digest.clone(),
        pinned: plan.pinned.clone(),
        nonce: uuid::Uuid::new_v4().simple().to_string(),
        expires_at_ms: now_ms()
            .saturating_add(i64::try_from(plan.timeout.as_millis()).unwrap_or(i64::MAX)),
    };
    let options = SealOptions::new()
        .associated_data(tool.name().as_bytes())
        .ttl(plan.timeout);
    let state = sealer
        .seal_json_with(&shown, &options)
        .map_err(|e| McpError::internal_error(e.to_string(), None))?;
    let question = InputRequest::Elicitation(ElicitRequest::new(question(&plan)?));
    let requests: InputRequests = [(KEY.to_owned(), question)].into_iter().collect();
    Ok(InputRequiredResult::new(Some(requests), Some(state)).into())
}

/// Two random UUIDs (244 random bits) as hex: a sealing key.
fn fresh_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The consent in a 2026 round's `inputResponses`, or `None` when there is no
/// well-formed answer (then the client is asked again).
fn answer(request: &CallToolRequestParams, who: &Identity, shown: Shown) -> Option<Consent> {
    let response = request.input_responses.as_ref()?.get(KEY)?;
    let action: ElicitationAction = serde_json::from_value(response.get("action")?.clone()).ok()?;
    Some(decide(action, response.get("content"), who, shown))
}

fn decide(
    action: ElicitationAction,
    content: Option<&Value>,
    who: &Identity,
    shown: Shown,
) -> Consent {
    let approve = content
        .and_then(|c| c.get("approve"))
        .and_then(Value::as_bool)
        == Some(true);
    match action {
        ElicitationAction::Accept if approve => Consent::Given {
            by: format!("{} (at the client)", who.owner_key()),
            args_digest: shown.args_digest,
            pinned: shown.pinned,
        },
        ElicitationAction::Accept => Consent::Declined {
            why: "answered no".into(),
        },
        ElicitationAction::Decline => Consent::Declined {
            why: "declined".into(),
        },
        ElicitationAction::Cancel => Consent::Declined {
            why: "cancelled".into(),
        },
        _ => Consent::Declined {
            why: "an answer this server does not know".into(),
        },
    }
}

/// Asks on an `initialize`-era session with `elicitation/create` and waits.
async fn elicit_now(
    context: &RequestContext<RoleServer>,
    who: &Identity,
    plan: ApprovalRequest,
) -> Consent {
    let params = match question(&plan) {
        Ok(p) => p,
        Err(_) => return Consent::NotAsked,
    };
    let timeout: Duration = plan.timeout;
    let asked = tokio::select! {
        r = context.peer.create_elicitation_with_timeout(params, Some(timeout)) => r,
        () = context.ct.cancelled() => {
            return Consent::Declined { why: "the call was cancelled while asking".into() };
        }
    };
    match asked {
        Ok(result) => {
            let shown = Shown {
                owner: who.owner_key(),
                args_digest: plan.args_digest,
                pinned: plan.pinned,
                nonce: String::new(),
                expires_at_ms: 0,
            };
            decide(result.action, result.content.as_ref(), who, shown)
        }
        Err(e) => {
            tracing::info!(error = %e, "approval elicitation got no answer");
            Consent::Declined {
                why: format!("no answer within {} s", timeout.as_secs()),
            }
        }
    }
}

/// The form: the plan as text, and one yes/no field.
fn question(plan: &ApprovalRequest) -> Result<ElicitRequestParams, McpError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "approve": {
                "type": "boolean",
                "title": "Run it",
                "description": "true runs exactly this command; anything else refuses it"
            }
        },
        "required": ["approve"]
    });
    let requested_schema: ElicitationSchema = serde_json::from_value(schema)
        .map_err(|e| McpError::internal_error(e.to_string(), None))?;
    Ok(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: plan.describe(),
        requested_schema,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answered_state_cannot_be_used_again() {
        let e = Elicitation::new();
        let keep = Duration::from_secs(60);
        assert!(e.first_use_here("n1", keep));
        assert!(!e.first_use_here("n1", keep), "a replayed state is refused");
        assert!(e.first_use_here("n2", keep));
        // Forgotten only once it could no longer be opened anyway.
        assert!(e.first_use_here("n3", Duration::ZERO));
        assert!(e.first_use_here("n3", keep), "an expired entry is pruned");
    }
}
