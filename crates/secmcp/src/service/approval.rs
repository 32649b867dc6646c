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

use std::time::Duration;

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
use crate::tools::Tool;

/// The key of the question in `inputRequests` / `inputResponses`.
const KEY: &str = "approval";

/// What the sealed `requestState` of an approval round holds.
#[derive(Debug, Serialize, Deserialize)]
struct Shown {
    owner: String,
    args_digest: String,
    pinned: Vec<String>,
}

/// What asking produced.
pub(super) enum Asked {
    /// Hand this to the pipeline.
    Consent(Consent),
    /// Answer the request with this (an `input_required` round).
    Answer(CallToolResponse),
}

/// Seals and opens the approval rounds' state (a key per process: a round
/// never outlives its server).
pub(super) struct Elicitation {
    codec: RequestStateCodec,
}

impl Elicitation {
    pub(super) fn new() -> Self {
        let mut key = Vec::with_capacity(32);
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self {
            codec: RequestStateCodec::try_new(key).expect("a 32-byte key is long enough"),
        }
    }

    /// Asks the person at the client, when `security.approval: elicit` and
    /// the call is an intrusive run. A forged, altered, expired or foreign
    /// `requestState` is -32602.
    pub(super) async fn ask(
        &self,
        core: &Core,
        settings: &Settings,
        tool: &'static dyn Tool,
        request: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
        who: &Identity,
    ) -> Result<Asked, McpError> {
        if settings.approval.mode != ApprovalMode::Elicit {
            return Ok(Asked::Consent(Consent::NotAsked));
        }
        let modern = context
            .protocol_version()
            .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
        if modern && let Some(sealed) = request.request_state.as_deref() {
            let shown: Shown = self
                .codec
                .open_json_with(sealed, tool.name().as_bytes())
                .map_err(|e| {
                    McpError::invalid_params(
                        format!("requestState rejected: {e}"),
                        Some(json!({ "reason": e.to_string() })),
                    )
                })?;
            if shown.owner != who.owner_key() {
                return Err(McpError::invalid_params(
                    "requestState rejected: it was issued to another caller",
                    None,
                ));
            }
            if let Some(consent) = answer(request, who, shown) {
                return Ok(Asked::Consent(consent));
            }
            // No usable answer: ask again below (a fresh plan and state).
        }
        let progress = context.meta.get_progress_token().is_some();
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
            return self.round(tool, who, plan).map(Asked::Answer);
        }
        Ok(Asked::Consent(elicit_now(context, who, plan).await))
    }

    /// The `input_required` answer asking for `plan`'s approval.
    fn round(
        &self,
        tool: &dyn Tool,
        who: &Identity,
        plan: ApprovalRequest,
    ) -> Result<CallToolResponse, McpError> {
        let shown = Shown {
            owner: who.owner_key(),
            args_digest: plan.args_digest.clone(),
            pinned: plan.pinned.clone(),
        };
        let options = SealOptions::new()
            .associated_data(tool.name().as_bytes())
            .ttl(plan.timeout);
        let state = self
            .codec
            .seal_json_with(&shown, &options)
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        let question = InputRequest::Elicitation(ElicitRequest::new(question(&plan)?));
        let requests: InputRequests = [(KEY.to_owned(), question)].into_iter().collect();
        Ok(InputRequiredResult::new(Some(requests), Some(state)).into())
    }
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
