//! `secmcp-conformance-fixture`: a **test fixture**, not shipped with secmcp.
//!
//! The official MCP conformance suite (`@modelcontextprotocol/conformance`)
//! calls tools, resources and prompts by fixed names (`test_simple_text`,
//! `test://static-text`, `test_simple_prompt`, …). secmcp itself only has
//! network-security tools, so this binary mounts the suite's fixture surface on
//! the **production** Streamable HTTP stack ([`secmcp::transport::mcp_router`]:
//! the same `Host`/`Origin` validation, legacy sessions and stateless
//! 2026-07-28 handling as `secmcp serve --transport http`). A scenario that
//! passes here shows the transport is spec-correct; one that fails points at the
//! transport, the rmcp SDK or the suite (see `tests/conformance/`).
//!
//! Usage: `secmcp-conformance-fixture --port N` (listens on `127.0.0.1:N/mcp`).
//! Driven by `tests/conformance/run.sh`; scenario inventory and the exact
//! strings below come from `tests/conformance/SCENARIOS.md` and
//! `tests/conformance/describe.py`.
//!
//! Layout: shared state → the `ServerHandler` → tools (simple, legacy
//! server→client requests, 2026 diagnostics, MRTR) → resources → prompts →
//! `main`.

// Logging, sampling and roots are deprecated by SEP-2577 in the rmcp API, but
// the 2025-11-25 scenarios exercise exactly those, so the fixture uses them.
#![allow(deprecated)]

use std::borrow::Cow;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities,
    CompleteRequestParams, CompleteResult, CompletionInfo, ContentBlock, CreateMessageRequest,
    CreateMessageRequestParams, ElicitRequest, ElicitRequestParams, ElicitationSchema,
    GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation, InputRequest,
    InputRequests, InputRequiredResult, InputResponses, JsonObject, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListRootsRequest, ListToolsResult,
    LoggingLevel, LoggingMessageNotificationParam, PaginatedRequestParams,
    ProgressNotificationParam, Prompt, PromptArgument, PromptMessage, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference,
    RequestStateCodec, ResourceContents, Role, SamplingMessage, SealOptions, ServerCapabilities,
    ServerConfig, SetLevelRequestParams, SubscribeRequestParams, SubscriptionFilter, Tool,
    UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[path = "conformance_fixture/tasks.rs"]
mod tasks;

// =============================================================================
// Fixture data
// =============================================================================

/// A valid 1×1 PNG (base64).
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
/// A valid mono 16-bit WAV holding 8 silent samples (base64).
const WAV_BASE64: &str =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Protocol revisions the fixture (like secmcp) speaks.
const SUPPORTED_VERSIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2026_07_28,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_03_26,
];

/// Freshness hint on every list/read result (SEP-2549). Nothing here depends
/// on who asks, so results are `public`.
const CACHE_TTL_MS: u64 = 60_000;

/// How long a sealed MRTR `requestState` stays valid.
const REQUEST_STATE_TTL: Duration = Duration::from_secs(600);

/// Name of the tool `test_trigger_tool_change` adds/removes.
const DYNAMIC_TOOL: &str = "test_dynamic_tool";
/// Name of the prompt `test_trigger_prompt_change` adds/removes.
const DYNAMIC_PROMPT: &str = "test_dynamic_prompt";

/// A list that changed, fanned out to every `subscriptions/listen` stream.
#[derive(Clone, Copy, Debug)]
enum ListChange {
    Tools,
    Prompts,
}

/// State shared by every session / stateless request of one process.
struct Shared {
    /// Seals MRTR `requestState` (HMAC-SHA256, bound to the tool name, TTL).
    codec: RequestStateCodec,
    /// List-change fan-out for `subscriptions/listen`.
    changes: broadcast::Sender<ListChange>,
    /// Whether [`DYNAMIC_TOOL`] is currently listed.
    dynamic_tool: AtomicBool,
    /// Whether [`DYNAMIC_PROMPT`] is currently listed.
    dynamic_prompt: AtomicBool,
    /// Tasks of the tasks-extension tools (SEP-2663).
    tasks: rmcp::task_manager::TaskManager,
}

impl Shared {
    fn new() -> Self {
        // A per-process random key: states never outlive the process anyway.
        let mut key = Vec::with_capacity(32);
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        let codec = RequestStateCodec::try_new(key).expect("32-byte key is long enough");
        Self {
            codec,
            changes: broadcast::channel(64).0,
            dynamic_tool: AtomicBool::new(false),
            dynamic_prompt: AtomicBool::new(false),
            tasks: rmcp::task_manager::TaskManager::new(),
        }
    }
}

// =============================================================================
// The handler
// =============================================================================

/// One handler per legacy session (or stateless request); `log_level` is the
/// session's `logging/setLevel` value, everything else is process-wide.
#[derive(Clone)]
struct Fixture {
    shared: Arc<Shared>,
    log_level: Arc<Mutex<Option<LoggingLevel>>>,
}

impl Fixture {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            log_level: Arc::default(),
        }
    }
}

/// Whether the request uses the 2026-07-28 (stateless, MRTR) lifecycle.
fn is_modern(cx: &RequestContext<RoleServer>) -> bool {
    cx.protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}

/// Severity rank (`debug` = 0 … `emergency` = 7) for level filtering.
fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

fn json_object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("fixture bug: expected a JSON object, got {other}"),
    }
}

fn text_result(text: impl Into<String>) -> CallToolResponse {
    CallToolResult::success(vec![ContentBlock::text(text)]).into()
}

fn internal(error: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(format!("fixture error: {error}"), None)
}

impl ServerHandler for Fixture {
    fn get_info(&self) -> ServerConfig {
        let capabilities: ServerCapabilities = serde_json::from_value(json!({
            "tools": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": true },
            "prompts": { "listChanged": true },
            "logging": {},
            "completions": {},
            "extensions": { "io.modelcontextprotocol/tasks": {} },
        }))
        .expect("static capabilities parse");
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "secmcp-conformance-fixture",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "MCP conformance test fixture for secmcp's transport stack; not a real server.",
            )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(SUPPORTED_VERSIONS)
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        *self.log_level.lock().expect("log level lock") = Some(request.level);
        Ok(())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let candidates: &[&str] = match &request.r#ref {
            Reference::Prompt(p) if p.name == "test_prompt_with_arguments" => {
                match request.argument.name.as_str() {
                    "arg1" => &["test", "testing", "tested", "other"],
                    "arg2" => &["world", "wonder"],
                    _ => &[],
                }
            }
            Reference::Resource(r) if r.uri == "test://template/{id}/data" => &["1", "2", "123"],
            _ => &[],
        };
        let values = candidates
            .iter()
            .filter(|c| c.starts_with(request.argument.value.as_str()))
            .map(|c| (*c).to_owned())
            .collect();
        Ok(CompleteResult::new(
            CompletionInfo::new(values).map_err(internal)?,
        ))
    }

    // ---- tools ----

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools())
            .with_ttl_ms(CACHE_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    /// Lets the transport validate `Mcp-Param-*` headers against the schema.
    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.clone().unwrap_or_default();
        // As secmcp: tasks only on the 2026 wire, where `resultType` exists.
        let wants_task =
            is_modern(&cx) && cx.client_capabilities().is_some_and(|c| c.supports_tasks());
        if let Some(answer) = tasks::call(&self.shared.tasks, &request, wants_task).await {
            return answer;
        }
        match request.name.as_ref() {
            // simple content
            "test_simple_text" => Ok(text_result("This is a simple text response for testing.")),
            "test_image_content" => Ok(CallToolResult::success(vec![ContentBlock::image(
                PNG_BASE64,
                "image/png",
            )])
            .into()),
            "test_audio_content" => Ok(CallToolResult::success(vec![ContentBlock::Audio(
                rmcp::model::AudioContent::new(WAV_BASE64, "audio/wav"),
            )])
            .into()),
            "test_embedded_resource" => Ok(CallToolResult::success(vec![ContentBlock::resource(
                text_contents(
                    "test://embedded-resource",
                    "text/plain",
                    "This is an embedded resource content.",
                ),
            )])
            .into()),
            "test_multiple_content_types" => Ok(CallToolResult::success(vec![
                ContentBlock::text("Multiple content types test:"),
                ContentBlock::image(PNG_BASE64, "image/png"),
                ContentBlock::resource(text_contents(
                    "test://mixed-content-resource",
                    "application/json",
                    r#"{"test":"data","value":123}"#,
                )),
            ])
            .into()),
            "test_error_handling" => Ok(CallToolResult::error(vec![ContentBlock::text(
                "This tool intentionally returns an error for testing",
            )])
            .into()),
            "json_schema_2020_12_tool" => Ok(text_result(format!(
                "Hello, {}!",
                args.get("name").and_then(Value::as_str).unwrap_or("world")
            ))),
            "test_header_param" => Ok(text_result(format!(
                "region={}",
                args.get("region").and_then(Value::as_str).unwrap_or("")
            ))),
            "test_reconnection" => {
                // No event store on the production stack: this just completes.
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(text_result("Reconnection test completed"))
            }
            DYNAMIC_TOOL if self.shared.dynamic_tool.load(Ordering::SeqCst) => Ok(text_result(
                "This tool was added by test_trigger_tool_change.",
            )),
            // notifications
            "test_tool_with_logging" => self.tool_with_logging(&cx).await,
            "test_logging_tool" => self.logging_tool(&cx).await,
            "test_tool_with_progress" => tool_with_progress(&cx).await,
            "test_trigger_tool_change" => self.trigger(ListChange::Tools, &cx).await,
            "test_trigger_prompt_change" => self.trigger(ListChange::Prompts, &cx).await,
            // legacy server→client requests
            "test_sampling" => legacy_sampling(&args, &cx).await,
            "test_elicitation" => {
                let message = args
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("Please provide your information");
                legacy_elicitation(&cx, message, elicitation_form_schema(), "User response").await
            }
            "test_elicitation_sep1034_defaults" => {
                legacy_elicitation(
                    &cx,
                    "Please review and update the form fields with defaults",
                    sep1034_schema(),
                    "Elicitation completed",
                )
                .await
            }
            "test_elicitation_sep1330_enums" => {
                legacy_elicitation(
                    &cx,
                    "Please select options from the enum fields",
                    sep1330_schema(),
                    "Elicitation completed",
                )
                .await
            }
            // 2026-07-28 diagnostics
            "test_missing_capability" => missing_capability(&cx),
            "test_streaming_elicitation" => streaming_elicitation(&request, &cx).await,
            // MRTR (SEP-2322)
            name if name.starts_with("test_input_required_result_") => {
                self.mrtr_tool(&request, &cx)
            }
            other => Err(ErrorData::invalid_params(
                format!("Unknown tool: {other}"),
                Some(json!({ "name": other })),
            )),
        }
    }

    // ---- tasks (SEP-2663) ----

    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, ErrorData> {
        let task = self.shared.tasks.get_task(&request.task_id)?;
        Ok(rmcp::model::GetTaskResult::new(task))
    }

    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.shared
            .tasks
            .update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.shared.tasks.cancel_task(&request.task_id)
    }

    // ---- resources ----

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources())
            .with_ttl_ms(CACHE_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let template = serde_json::from_value(json!({
            "uriTemplate": "test://template/{id}/data",
            "name": "template",
            "title": "Template resource",
            "description": "A resource template with an {id} parameter",
            "mimeType": "application/json",
        }))
        .map_err(internal)?;
        Ok(ListResourceTemplatesResult::with_all_items(vec![template])
            .with_ttl_ms(CACHE_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let contents = read_resource(&request.uri).ok_or_else(|| {
            // rmcp maps RESOURCE_NOT_FOUND to -32602 for 2026-07-28 peers (SEP-2164).
            ErrorData::resource_not_found(
                format!("Resource not found: {}", request.uri),
                Some(json!({ "uri": request.uri })),
            )
        })?;
        Ok(ReadResourceResult::new(vec![contents])
            .with_ttl_ms(CACHE_TTL_MS)
            .with_cache_scope(CacheScope::Public)
            .into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        known_resource(&request.uri)?;
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _cx: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        known_resource(&request.uri)?;
        Ok(())
    }

    // ---- 2026-07-28 subscriptions/listen ----

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        // rmcp intersects this with the advertised capabilities.
        Some(requested.clone())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let mut changes = self.shared.changes.subscribe();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                change = changes.recv() => {
                    let sent = match change {
                        Ok(ListChange::Tools) => context.sink().notify_tool_list_changed().await,
                        Ok(ListChange::Prompts) => {
                            context.sink().notify_prompt_list_changed().await
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return Ok(()),
                    };
                    // Categories outside the accepted filter are refused by the sink.
                    if let Err(error) = sent {
                        tracing::debug!(%error, "subscription notification not sent");
                    }
                }
            }
        }
    }

    // ---- prompts ----

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _cx: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(self.prompts())
            .with_ttl_ms(CACHE_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.get_prompt_impl(&request, &cx)
    }
}

// =============================================================================
// Tools: catalogue
// =============================================================================

/// `{"type": "object", "properties": {}}`.
fn no_args() -> JsonObject {
    json_object(json!({ "type": "object", "properties": {} }))
}

fn tool(name: &'static str, description: &'static str, schema: JsonObject) -> Tool {
    Tool::new(name, description, schema)
}

/// The JSON Schema 2020-12 input schema of `json_schema_2020_12_tool`, which
/// must survive `tools/list` verbatim (SEP-1613, SEP-2106).
fn json_schema_2020_12() -> JsonObject {
    json_object(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {
                    "street": { "type": "string" },
                    "city": { "type": "string" }
                }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": {
            "properties": { "contactMethod": { "const": "phone" } },
            "required": ["contactMethod"]
        },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false
    }))
}

impl Fixture {
    /// Every tool, in a stable order.
    fn tools(&self) -> Vec<Tool> {
        let mut tools = vec![
            tool(
                "test_simple_text",
                "Returns a simple text response",
                no_args(),
            ),
            tool("test_image_content", "Returns a PNG image", no_args()),
            tool("test_audio_content", "Returns a WAV audio clip", no_args()),
            tool(
                "test_embedded_resource",
                "Returns an embedded text resource",
                no_args(),
            ),
            tool(
                "test_multiple_content_types",
                "Returns text, an image and an embedded resource",
                no_args(),
            ),
            tool(
                "test_tool_with_logging",
                "Sends three info log notifications, then returns",
                no_args(),
            ),
            tool(
                "test_tool_with_progress",
                "Reports progress 0, 50, 100 of 100 for the request's progress token",
                no_args(),
            ),
            tool(
                "test_error_handling",
                "Always returns a tool error (isError: true)",
                no_args(),
            ),
            tool(
                "test_sampling",
                "Asks the client to sample an LLM (legacy sampling/createMessage)",
                json_object(json!({
                    "type": "object",
                    "properties": { "prompt": { "type": "string", "description": "The prompt to send" } },
                    "required": ["prompt"]
                })),
            ),
            tool(
                "test_elicitation",
                "Asks the user for input (legacy elicitation/create)",
                json_object(json!({
                    "type": "object",
                    "properties": { "message": { "type": "string", "description": "The message to show" } },
                    "required": ["message"]
                })),
            ),
            tool(
                "test_elicitation_sep1034_defaults",
                "Elicitation whose schema carries default values (SEP-1034)",
                no_args(),
            ),
            tool(
                "test_elicitation_sep1330_enums",
                "Elicitation with the five enum schema shapes (SEP-1330)",
                no_args(),
            ),
            tool(
                "test_reconnection",
                "SSE reconnection probe (completes normally: no event store)",
                no_args(),
            ),
            tool(
                "json_schema_2020_12_tool",
                "Tool whose input schema uses JSON Schema 2020-12 keywords",
                json_schema_2020_12(),
            ),
            tool(
                "test_header_param",
                "Tool with an x-mcp-header parameter (SEP-2243 Mcp-Param-* headers)",
                json_object(json!({
                    "type": "object",
                    "properties": {
                        "region": { "type": "string", "x-mcp-header": "Region", "description": "Mirrored in the Mcp-Param-Region header" }
                    },
                    "required": ["region"]
                })),
            ),
            tool(
                "test_missing_capability",
                "Requires the client's sampling capability (-32021 without it)",
                no_args(),
            ),
            tool(
                "test_streaming_elicitation",
                "Needs user input: input_required on 2026-07-28, never a server request on the stream",
                no_args(),
            ),
            tool(
                "test_logging_tool",
                "Logs only when the request sets _meta io.modelcontextprotocol/logLevel",
                no_args(),
            ),
            tool(
                "test_trigger_tool_change",
                "Adds or removes test_dynamic_tool and announces tools/list_changed",
                no_args(),
            ),
            tool(
                "test_trigger_prompt_change",
                "Adds or removes test_dynamic_prompt and announces prompts/list_changed",
                no_args(),
            ),
        ];
        for (name, description) in MRTR_TOOLS {
            tools.push(tool(name, description, no_args()));
        }
        tools.extend(tasks::tools());
        if self.shared.dynamic_tool.load(Ordering::SeqCst) {
            tools.push(tool(
                DYNAMIC_TOOL,
                "Present only after test_trigger_tool_change",
                no_args(),
            ));
        }
        tools
    }
}

// =============================================================================
// Tools: notifications (logging, progress, list changes)
// =============================================================================

impl Fixture {
    /// Whether a log at `level` may be sent for this request: on 2026-07-28
    /// only if `_meta…/logLevel` asks for it; on legacy sessions unless
    /// `logging/setLevel` raised the threshold above it.
    fn may_log(&self, cx: &RequestContext<RoleServer>, level: LoggingLevel) -> bool {
        let threshold = if is_modern(cx) {
            cx.meta.log_level()
        } else {
            Some(
                self.log_level
                    .lock()
                    .expect("log level lock")
                    .unwrap_or(LoggingLevel::Debug),
            )
        };
        threshold.is_some_and(|t| severity(level) >= severity(t))
    }

    async fn log(&self, cx: &RequestContext<RoleServer>, level: LoggingLevel, message: &str) {
        if self.may_log(cx, level) {
            let param = LoggingMessageNotificationParam::new(level, json!(message))
                .with_logger("secmcp-conformance-fixture");
            if let Err(error) = cx.peer.notify_logging_message(param).await {
                tracing::warn!(%error, "log notification failed");
            }
        }
    }

    /// `test_tool_with_logging`: three info logs ~50 ms apart, then a result.
    async fn tool_with_logging(
        &self,
        cx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        for message in [
            "Tool execution started",
            "Tool processing data",
            "Tool execution completed",
        ] {
            self.log(cx, LoggingLevel::Info, message).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(text_result("Logging test completed"))
    }

    /// `test_logging_tool` (2026-07-28): logs only when asked to via `_meta`.
    async fn logging_tool(
        &self,
        cx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.log(cx, LoggingLevel::Info, "test_logging_tool ran")
            .await;
        Ok(text_result("Logging tool completed"))
    }

    /// `test_trigger_{tool,prompt}_change`: toggles the dynamic entry and
    /// announces it (on listen streams; on a legacy session, to that session).
    async fn trigger(
        &self,
        change: ListChange,
        cx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let (flag, what) = match change {
            ListChange::Tools => (&self.shared.dynamic_tool, DYNAMIC_TOOL),
            ListChange::Prompts => (&self.shared.dynamic_prompt, DYNAMIC_PROMPT),
        };
        let present = !flag.fetch_xor(true, Ordering::SeqCst);
        // No listener is fine: the send only fails when nobody subscribed.
        let _ = self.shared.changes.send(change);
        if !is_modern(cx) {
            let sent = match change {
                ListChange::Tools => cx.peer.notify_tool_list_changed().await,
                ListChange::Prompts => cx.peer.notify_prompt_list_changed().await,
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "list_changed notification failed");
            }
        }
        Ok(text_result(format!(
            "{what} {}",
            if present { "added" } else { "removed" }
        )))
    }
}

/// `test_tool_with_progress`: progress 0/50/100 of 100, then the result.
async fn tool_with_progress(
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResponse, ErrorData> {
    let token = cx.meta.get_progress_token();
    for (progress, message) in [(0.0, "Started"), (50.0, "Halfway"), (100.0, "Done")] {
        if let Some(token) = &token {
            let param = ProgressNotificationParam::new(token.clone(), progress)
                .with_total(100.0)
                .with_message(message);
            if let Err(error) = cx.peer.notify_progress(param).await {
                tracing::warn!(%error, "progress notification failed");
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = token.map(|t| serde_json::to_string(&t).unwrap_or_default());
    Ok(text_result(format!(
        "Progress test completed (token {})",
        token.as_deref().unwrap_or("none")
    )))
}

// =============================================================================
// Tools: legacy server→client requests (sampling, elicitation)
// =============================================================================

/// `test_elicitation`'s form: two string fields.
fn elicitation_form_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "username": { "type": "string", "description": "Your user name" },
            "email": { "type": "string", "description": "Your email address" }
        },
        "required": ["username", "email"]
    })
}

/// SEP-1034: every primitive type with a default.
fn sep1034_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "description": "User name", "default": "John Doe" },
            "age": { "type": "integer", "description": "User age", "default": 30 },
            "score": { "type": "number", "description": "User score", "default": 95.5 },
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active"
            },
            "verified": { "type": "boolean", "description": "Verified user", "default": true }
        }
    })
}

/// SEP-1330: the five enum shapes.
fn sep1330_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string",
                "description": "Untitled single-select",
                "enum": ["option1", "option2", "option3"]
            },
            "titledSingle": {
                "type": "string",
                "description": "Titled single-select",
                "oneOf": [
                    { "const": "value1", "title": "First Option" },
                    { "const": "value2", "title": "Second Option" },
                    { "const": "value3", "title": "Third Option" }
                ]
            },
            "legacyEnum": {
                "type": "string",
                "description": "Legacy titled enum",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
                "type": "array",
                "description": "Untitled multi-select",
                "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
            },
            "titledMulti": {
                "type": "array",
                "description": "Titled multi-select",
                "items": {
                    "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" }
                    ]
                }
            }
        }
    })
}

fn form_params(message: &str, schema: Value) -> Result<ElicitRequestParams, ErrorData> {
    let requested_schema: ElicitationSchema = serde_json::from_value(schema).map_err(internal)?;
    Ok(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: message.to_owned(),
        requested_schema,
    })
}

/// First text block of a sampling result (`content` may be one block or a list).
fn sampled_text(result: &Value) -> Option<String> {
    let content = result.get("content")?;
    let block = if content.is_array() {
        content.as_array()?.iter().find(|b| b["type"] == "text")?
    } else {
        content
    };
    block.get("text")?.as_str().map(str::to_owned)
}

async fn legacy_sampling(
    args: &JsonObject,
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResponse, ErrorData> {
    let prompt = args
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or("Hello");
    let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(prompt)], 100);
    match cx.peer.create_message(params).await {
        Ok(result) => {
            let result = serde_json::to_value(result).map_err(internal)?;
            let text = sampled_text(&result).unwrap_or_else(|| "(no text)".into());
            Ok(text_result(format!("LLM response: {text}")))
        }
        Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(format!(
            "Sampling failed: {error}"
        ))])
        .into()),
    }
}

async fn legacy_elicitation(
    cx: &RequestContext<RoleServer>,
    message: &str,
    schema: Value,
    label: &str,
) -> Result<CallToolResponse, ErrorData> {
    match cx
        .peer
        .create_elicitation(form_params(message, schema)?)
        .await
    {
        Ok(result) => {
            let action = serde_json::to_value(&result.action).map_err(internal)?;
            let action = action.as_str().unwrap_or("unknown").to_owned();
            let content = result.content.unwrap_or(Value::Null);
            Ok(text_result(format!(
                "{label}: action={action}, content={content}"
            )))
        }
        Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(format!(
            "Elicitation failed: {error}"
        ))])
        .into()),
    }
}

// =============================================================================
// Tools: 2026-07-28 diagnostics
// =============================================================================

/// `test_missing_capability`: needs the client's `sampling` capability; without
/// it, -32021 with `data.requiredCapabilities = {"sampling": {}}` (the
/// transport turns that into HTTP 400).
fn missing_capability(cx: &RequestContext<RoleServer>) -> Result<CallToolResponse, ErrorData> {
    let has_sampling = cx
        .client_capabilities()
        .is_some_and(|caps| caps.sampling.is_some());
    if !has_sampling {
        let required: ClientCapabilities =
            serde_json::from_value(json!({ "sampling": {} })).map_err(internal)?;
        return Err(ErrorData::missing_required_client_capability(required));
    }
    Ok(text_result("Client declared sampling; nothing else to do."))
}

/// `test_streaming_elicitation`: on 2026-07-28 the stream may carry progress
/// but never a server→client request; the input is asked for with
/// `input_required` instead. Legacy sessions use a real `elicitation/create`.
async fn streaming_elicitation(
    request: &CallToolRequestParams,
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResponse, ErrorData> {
    if let Some(token) = cx.meta.get_progress_token() {
        let param = ProgressNotificationParam::new(token, 0.0).with_message("Needs user input");
        let _ = cx.peer.notify_progress(param).await;
    }
    if !is_modern(cx) {
        return legacy_elicitation(
            cx,
            "What is your name?",
            name_schema("name"),
            "User response",
        )
        .await;
    }
    match accepted_content(request.input_responses.as_ref(), "user_name") {
        Some(content) => Ok(text_result(format!(
            "Hello, {}!",
            content
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("anonymous")
        ))),
        None => Ok(input_required(
            [(
                "user_name",
                elicitation("What is your name?", name_schema("name"))?,
            )],
            None,
        )
        .into()),
    }
}

// =============================================================================
// MRTR (SEP-2322): input_required results and sealed request state
// =============================================================================

const MRTR_TOOLS: [(&str, &str); 8] = [
    (
        "test_input_required_result_elicitation",
        "MRTR: asks for the user's name (key user_name), then greets",
    ),
    (
        "test_input_required_result_sampling",
        "MRTR: asks the client to sample (key capital_question)",
    ),
    (
        "test_input_required_result_list_roots",
        "MRTR: asks for the client's roots (key client_roots)",
    ),
    (
        "test_input_required_result_request_state",
        "MRTR: confirmation with a sealed requestState; replies state-ok",
    ),
    (
        "test_input_required_result_multiple_inputs",
        "MRTR: elicitation, sampling and roots in one round, with state",
    ),
    (
        "test_input_required_result_multi_round",
        "MRTR: two rounds (name, then colour), state changes each round",
    ),
    (
        "test_input_required_result_tampered_state",
        "MRTR: HMAC-sealed requestState; tampering is a JSON-RPC error",
    ),
    (
        "test_input_required_result_capabilities",
        "MRTR: only asks for inputs the client's declared capabilities allow",
    ),
];

/// What a sealed `requestState` carries between rounds.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct MrtrState {
    round: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// `{"type":"object","properties":{FIELD:{"type":"string"}},"required":[FIELD]}`.
fn name_schema(field: &str) -> Value {
    json!({
        "type": "object",
        "properties": { field: { "type": "string" } },
        "required": [field]
    })
}

fn elicitation(message: &str, schema: Value) -> Result<InputRequest, ErrorData> {
    Ok(InputRequest::Elicitation(ElicitRequest::new(form_params(
        message, schema,
    )?)))
}

fn sampling(text: &str, max_tokens: u32) -> InputRequest {
    InputRequest::CreateMessage(CreateMessageRequest::new(CreateMessageRequestParams::new(
        vec![SamplingMessage::user_text(text)],
        max_tokens,
    )))
}

fn roots() -> InputRequest {
    InputRequest::ListRoots(ListRootsRequest::default())
}

fn input_required<'a>(
    requests: impl IntoIterator<Item = (&'a str, InputRequest)>,
    state: Option<String>,
) -> InputRequiredResult {
    let requests: InputRequests = requests
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    InputRequiredResult::new(Some(requests), state)
}

/// The `content` of an accepted elicitation response under `key`, if the
/// response is well-formed (an object with `action: "accept"` and an object
/// `content`). Anything else counts as missing, so the server asks again.
fn accepted_content<'a>(
    responses: Option<&'a InputResponses>,
    key: &str,
) -> Option<&'a JsonObject> {
    let response = responses?.get(key)?.as_object()?;
    if response.get("action")?.as_str()? != "accept" {
        return None;
    }
    response.get("content")?.as_object()
}

/// The text of a well-formed sampling response under `key`.
fn sampling_response(responses: Option<&InputResponses>, key: &str) -> Option<String> {
    let response = responses?.get(key)?;
    response.get("role")?;
    sampled_text(response)
}

/// The root URIs of a well-formed `roots/list` response under `key`.
fn roots_response(responses: Option<&InputResponses>, key: &str) -> Option<Vec<String>> {
    let roots = responses?.get(key)?.get("roots")?.as_array()?;
    Some(
        roots
            .iter()
            .filter_map(|r| r.get("uri").and_then(Value::as_str).map(str::to_owned))
            .collect(),
    )
}

impl Fixture {
    /// Seals `state`, bound to the tool (or prompt) `name`.
    fn seal(&self, name: &str, state: &MrtrState) -> Result<String, ErrorData> {
        let options = SealOptions::new()
            .associated_data(name.as_bytes())
            .ttl(REQUEST_STATE_TTL);
        self.shared
            .codec
            .seal_json_with(state, &options)
            .map_err(internal)
    }

    /// Opens an echoed `requestState`; `None` when the client sent none. A
    /// forged, tampered, expired or replayed-elsewhere state is -32602.
    fn open(&self, name: &str, sealed: Option<&str>) -> Result<Option<MrtrState>, ErrorData> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        self.shared
            .codec
            .open_json_with(sealed, name.as_bytes())
            .map(Some)
            .map_err(|error| {
                ErrorData::invalid_params(
                    format!("requestState rejected: {error}"),
                    Some(json!({ "reason": error.to_string() })),
                )
            })
    }

    fn mrtr_tool(
        &self,
        request: &CallToolRequestParams,
        cx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        let responses = request.input_responses.as_ref();
        // Verify the state first: a tampered state is an error whatever else came.
        let state = self.open(name, request.request_state.as_deref())?;
        let result = match name {
            "test_input_required_result_elicitation" => {
                match accepted_content(responses, "user_name")
                    .and_then(|c| c.get("name").and_then(Value::as_str))
                {
                    Some(who) => return Ok(text_result(format!("Hello, {who}!"))),
                    None => input_required(
                        [(
                            "user_name",
                            elicitation("What is your name?", name_schema("name"))?,
                        )],
                        None,
                    ),
                }
            }
            "test_input_required_result_sampling" => {
                match sampling_response(responses, "capital_question") {
                    Some(text) => return Ok(text_result(format!("Sampled answer: {text}"))),
                    None => input_required(
                        [(
                            "capital_question",
                            sampling("What is the capital of France?", 100),
                        )],
                        None,
                    ),
                }
            }
            "test_input_required_result_list_roots" => {
                match roots_response(responses, "client_roots") {
                    Some(uris) => {
                        return Ok(text_result(format!(
                            "Client roots ({}): {}",
                            uris.len(),
                            uris.join(", ")
                        )));
                    }
                    None => input_required([("client_roots", roots())], None),
                }
            }
            "test_input_required_result_request_state"
            | "test_input_required_result_tampered_state" => {
                match (&state, confirm_response(responses)) {
                    (Some(_), Some(ok)) => {
                        return Ok(text_result(format!(
                            "state-ok: requestState verified, confirmed={ok}"
                        )));
                    }
                    _ => input_required(
                        [(
                            "confirm",
                            elicitation(
                                "Please confirm",
                                json!({
                                    "type": "object",
                                    "properties": { "ok": { "type": "boolean" } },
                                    "required": ["ok"]
                                }),
                            )?,
                        )],
                        Some(self.seal(
                            name,
                            &MrtrState {
                                round: 1,
                                name: None,
                            },
                        )?),
                    ),
                }
            }
            "test_input_required_result_multiple_inputs" => {
                let who = accepted_content(responses, "user_name")
                    .and_then(|c| c.get("name").and_then(Value::as_str));
                let greeting = sampling_response(responses, "greeting");
                let uris = roots_response(responses, "client_roots");
                match (state.is_some(), who, greeting, uris) {
                    (true, Some(who), Some(greeting), Some(uris)) => {
                        return Ok(text_result(format!(
                            "name={who}; greeting={greeting}; roots={}",
                            uris.join(", ")
                        )));
                    }
                    _ => input_required(
                        [
                            (
                                "user_name",
                                elicitation("What is your name?", name_schema("name"))?,
                            ),
                            ("greeting", sampling("Generate a greeting", 50)),
                            ("client_roots", roots()),
                        ],
                        Some(self.seal(
                            name,
                            &MrtrState {
                                round: 1,
                                name: None,
                            },
                        )?),
                    ),
                }
            }
            "test_input_required_result_multi_round" => {
                return self.multi_round(name, state, responses);
            }
            "test_input_required_result_capabilities" => {
                let caps = cx.client_capabilities().unwrap_or_default();
                if responses.is_some_and(|r| !r.is_empty()) {
                    return Ok(text_result("Inputs received for the declared capabilities"));
                }
                let mut requests = Vec::new();
                if caps.elicitation.is_some() {
                    requests.push((
                        "user_name",
                        elicitation("What is your name?", name_schema("name"))?,
                    ));
                }
                if caps.sampling.is_some() {
                    requests.push((
                        "capital_question",
                        sampling("What is the capital of France?", 100),
                    ));
                }
                if caps.roots.is_some() {
                    requests.push(("client_roots", roots()));
                }
                if requests.is_empty() {
                    return Ok(text_result(
                        "The client declared no capability this tool could ask for input with",
                    ));
                }
                input_required(requests, None)
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("Unknown tool: {other}"),
                    Some(json!({ "name": other })),
                ));
            }
        };
        Ok(result.into())
    }

    /// `test_input_required_result_multi_round`: step1 (name) → step2
    /// (colour) → complete; the sealed state carries the round and the name.
    fn multi_round(
        &self,
        tool: &str,
        state: Option<MrtrState>,
        responses: Option<&InputResponses>,
    ) -> Result<CallToolResponse, ErrorData> {
        let step1 = || -> Result<CallToolResponse, ErrorData> {
            let state = self.seal(
                tool,
                &MrtrState {
                    round: 1,
                    name: None,
                },
            )?;
            let ask = elicitation("Step 1: What is your name?", name_schema("name"))?;
            Ok(input_required([("step1", ask)], Some(state)).into())
        };
        let step2 = |name: String| -> Result<CallToolResponse, ErrorData> {
            let state = self.seal(
                tool,
                &MrtrState {
                    round: 2,
                    name: Some(name),
                },
            )?;
            let ask = elicitation("Step 2: What is your favorite color?", name_schema("color"))?;
            Ok(input_required([("step2", ask)], Some(state)).into())
        };
        let answer = |key: &str, field: &str| {
            accepted_content(responses, key)
                .and_then(|c| c.get(field).and_then(Value::as_str))
                .map(str::to_owned)
        };
        match state {
            Some(MrtrState { round: 1, .. }) => match answer("step1", "name") {
                Some(name) => step2(name),
                None => step1(),
            },
            Some(MrtrState {
                round: 2,
                name: Some(name),
            }) => match answer("step2", "color") {
                Some(color) => Ok(text_result(format!(
                    "Multi-round complete: {name} likes {color}"
                ))),
                None => step2(name),
            },
            _ => step1(),
        }
    }
}

/// The boolean `ok` of a well-formed `confirm` elicitation response.
fn confirm_response(responses: Option<&InputResponses>) -> Option<bool> {
    accepted_content(responses, "confirm")?.get("ok")?.as_bool()
}

// =============================================================================
// Resources
// =============================================================================

fn text_contents(uri: &str, mime_type: &str, text: &str) -> ResourceContents {
    ResourceContents::TextResourceContents {
        uri: uri.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        text: text.to_owned(),
        meta: None,
    }
}

fn resources() -> Vec<rmcp::model::Resource> {
    [
        (
            "test://static-text",
            "static-text",
            "A static text resource",
            "text/plain",
        ),
        (
            "test://static-binary",
            "static-binary",
            "A static binary resource (PNG)",
            "image/png",
        ),
        (
            "test://watched-resource",
            "watched-resource",
            "A resource clients may subscribe to",
            "text/plain",
        ),
    ]
    .into_iter()
    .map(|(uri, name, description, mime)| {
        serde_json::from_value(json!({
            "uri": uri, "name": name, "description": description, "mimeType": mime
        }))
        .expect("static resource parses")
    })
    .collect()
}

/// The contents of `uri`, or `None` when no such resource exists.
fn read_resource(uri: &str) -> Option<ResourceContents> {
    match uri {
        "test://static-text" => Some(text_contents(
            uri,
            "text/plain",
            "This is the content of the static text resource.",
        )),
        "test://static-binary" => Some(ResourceContents::BlobResourceContents {
            uri: uri.to_owned(),
            mime_type: Some("image/png".into()),
            blob: PNG_BASE64.into(),
            meta: None,
        }),
        "test://watched-resource" => Some(text_contents(
            uri,
            "text/plain",
            "This is the content of the watched resource.",
        )),
        _ => {
            let id = uri
                .strip_prefix("test://template/")?
                .strip_suffix("/data")?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            let body =
                json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") });
            Some(text_contents(uri, "application/json", &body.to_string()))
        }
    }
}

fn known_resource(uri: &str) -> Result<(), ErrorData> {
    match read_resource(uri) {
        Some(_) => Ok(()),
        None => Err(ErrorData::resource_not_found(
            format!("Resource not found: {uri}"),
            Some(json!({ "uri": uri })),
        )),
    }
}

// =============================================================================
// Prompts
// =============================================================================

impl Fixture {
    fn prompts(&self) -> Vec<Prompt> {
        let mut prompts = vec![
            Prompt::new(
                "test_simple_prompt",
                Some("A simple prompt without arguments"),
                None,
            ),
            Prompt::new(
                "test_prompt_with_arguments",
                Some("A prompt with two required arguments"),
                Some(vec![
                    PromptArgument::new("arg1")
                        .with_description("First argument")
                        .with_required(true),
                    PromptArgument::new("arg2")
                        .with_description("Second argument")
                        .with_required(true),
                ]),
            ),
            Prompt::new(
                "test_prompt_with_embedded_resource",
                Some("A prompt embedding the resource at resourceUri"),
                Some(vec![
                    PromptArgument::new("resourceUri")
                        .with_description("URI of the resource to embed")
                        .with_required(true),
                ]),
            ),
            Prompt::new(
                "test_prompt_with_image",
                Some("A prompt with an image"),
                None,
            ),
            Prompt::new(
                "test_input_required_result_prompt",
                Some("MRTR: asks for context (key user_context) before rendering"),
                None,
            ),
        ];
        if self.shared.dynamic_prompt.load(Ordering::SeqCst) {
            prompts.push(Prompt::new(
                DYNAMIC_PROMPT,
                Some("Present only after test_trigger_prompt_change"),
                None,
            ));
        }
        prompts
    }

    fn get_prompt_impl(
        &self,
        request: &GetPromptRequestParams,
        cx: &RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let arg = |name: &str| {
            request
                .arguments
                .as_ref()
                .and_then(|a| a.get(name))
                .and_then(Value::as_str)
        };
        let required = |name: &str| {
            arg(name).ok_or_else(|| {
                ErrorData::invalid_params(format!("missing required argument {name}"), None)
            })
        };
        let messages = match request.name.as_str() {
            "test_simple_prompt" => vec![PromptMessage::new_text(
                Role::User,
                "This is a simple prompt for testing.",
            )],
            "test_prompt_with_arguments" => vec![PromptMessage::new_text(
                Role::User,
                format!(
                    "Prompt with arguments: arg1='{}', arg2='{}'",
                    required("arg1")?,
                    required("arg2")?
                ),
            )],
            "test_prompt_with_embedded_resource" => vec![
                PromptMessage::new(
                    Role::User,
                    ContentBlock::resource(text_contents(
                        required("resourceUri")?,
                        "text/plain",
                        "Embedded resource content for testing.",
                    )),
                ),
                PromptMessage::new_text(Role::User, "Please process the embedded resource above."),
            ],
            "test_prompt_with_image" => vec![
                PromptMessage::new(Role::User, ContentBlock::image(PNG_BASE64, "image/png")),
                PromptMessage::new_text(Role::User, "Please analyze the image above."),
            ],
            DYNAMIC_PROMPT if self.shared.dynamic_prompt.load(Ordering::SeqCst) => {
                vec![PromptMessage::new_text(
                    Role::User,
                    "This prompt was added by test_trigger_prompt_change.",
                )]
            }
            "test_input_required_result_prompt" => {
                if !is_modern(cx) {
                    return Err(ErrorData::invalid_request(
                        "test_input_required_result_prompt needs protocol 2026-07-28",
                        None,
                    ));
                }
                match accepted_content(request.input_responses.as_ref(), "user_context")
                    .and_then(|c| c.get("context").and_then(Value::as_str))
                {
                    Some(context) => vec![PromptMessage::new_text(
                        Role::User,
                        format!("Use this context: {context}"),
                    )],
                    None => {
                        return Ok(input_required(
                            [(
                                "user_context",
                                elicitation(
                                    "What context should the prompt use?",
                                    name_schema("context"),
                                )?,
                            )],
                            None,
                        )
                        .into());
                    }
                }
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("Unknown prompt: {other}"),
                    Some(json!({ "name": other })),
                ));
            }
        };
        Ok(GetPromptResult::new(messages).into())
    }
}

// =============================================================================
// main
// =============================================================================

fn parse_port() -> anyhow::Result<u16> {
    let mut args = std::env::args().skip(1);
    let mut port = None;
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--port=") {
            Some(v) => v.to_owned(),
            None if arg == "--port" => args
                .next()
                .ok_or_else(|| anyhow::anyhow!("--port needs a value"))?,
            None => anyhow::bail!("usage: secmcp-conformance-fixture --port N (got {arg:?})"),
        };
        port = Some(value.parse()?);
    }
    port.ok_or_else(|| anyhow::anyhow!("usage: secmcp-conformance-fixture --port N"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port = parse_port()?;
    let listener =
        secmcp::transport::bind_http(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), false).await?;
    let port = listener.local_addr()?.port();
    let shutdown = CancellationToken::new();
    let shared = Arc::new(Shared::new());
    let router = secmcp::transport::mcp_router(
        move || Fixture::new(shared.clone()),
        port,
        &[],
        shutdown.clone(),
    );
    tracing::info!(
        port,
        "conformance fixture serving http://127.0.0.1:{port}/mcp"
    );
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        stop.cancel();
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
        .await?;
    Ok(())
}
