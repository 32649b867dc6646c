//! The one rmcp `ServerHandler`: translates between MCP and `dispatch::Core`.
//!
//! Only this module and `transport` import rmcp. It must not make policy
//! decisions: it looks tools up in one settings snapshot, hands calls to the
//! core and shapes results. It also serves the server's own read-only
//! `server_health` tool and `secmcp://health` resource (which never go through
//! the network-tool pipeline), counts requests, and tells legacy sessions when
//! the tool list changes after a config reload.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::SubscriptionFilter;
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    Implementation, ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::model::{CustomRequest, CustomResult};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::config::{Availability, Settings};
use crate::dispatch::Core;
use crate::health::HealthReport;
use crate::tools::{self, Tool};

/// Protocol revisions served: 2026-07-28 (`server/discover`) and the
/// `initialize` era.
pub const PROTOCOL_VERSIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2026_07_28,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_03_26,
];

/// Methods this server implements in every protocol era (malformed params
/// there are -32602). `initialize` and `ping` are left out: a 2026-07-28
/// request for them must stay -32601 (they were removed from that revision).
const SERVED_METHODS: &[&str] = &[
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
];

/// How long clients may cache `tools/list` (the list changes only on reload,
/// and legacy sessions are told when it does).
const TOOLS_TTL_MS: u64 = 60_000;

/// Name of the server's own health tool.
pub const SERVER_HEALTH: &str = "server_health";

/// URI of the health resource.
pub const HEALTH_URI: &str = "secmcp://health";

/// How often a session's list-changed watcher checks that its peer is still there.
const PEER_CHECK_INTERVAL: Duration = Duration::from_secs(15);

const INSTRUCTIONS: &str = "secmcp runs network-security tools against targets inside the \
operator's configured scope. Give one target per call (IP, CIDR or host name) and the tool's \
own options in extra_args; results come back parsed in structuredContent. A result with \
isError starts with a stable code (validation_error, scope_denied, privilege_required, \
not_found, timeout, execution_error, resource_exhausted, circuit_breaker_open) and says how \
to fix the call. Call server_health to see which tools are usable right now.";

const HEALTH_DESCRIPTION: &str = "Shows whether this secmcp server is healthy and which of \
its tools are usable right now: for each tool, whether its binary is installed and identified \
(with its version), whether it has the privilege it needs, and its circuit breaker state \
(closed = working, open = temporarily disabled after repeated failures, half_open = being \
re-tested). `available: true` means a call can run now. Also shows configuration and \
resource (CPU, memory, disk) checks. Takes no arguments, reads nothing from the network, \
and changes nothing.";

/// Which transport a handler serves (the rate-limit key depends on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stdio,
    Http,
}

/// The MCP handler. Cheap to clone: one per session shares the core.
#[derive(Clone)]
pub struct Service {
    core: Arc<Core>,
    kind: Kind,
}

impl Service {
    /// A handler over the shared core for HTTP sessions and requests.
    pub fn new(core: Arc<Core>) -> Self {
        Self {
            core,
            kind: Kind::Http,
        }
    }

    /// A handler for the one stdio client.
    pub fn stdio(core: Arc<Core>) -> Self {
        Self {
            core,
            kind: Kind::Stdio,
        }
    }

    /// The rate-limit key of the client that sent a request: the stdio client;
    /// on HTTP its address (its identity once authentication exists) — never
    /// its session, since a client can open a fresh session at will. Never
    /// logged, never a label.
    fn client_key(&self, ctx: &RequestContext<RoleServer>) -> String {
        if self.kind == Kind::Stdio {
            return "stdio".into();
        }
        let Some(parts) = ctx.extensions.get::<axum::http::request::Parts>() else {
            return "http".into();
        };
        match parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
        {
            Some(ci) => format!("addr:{}", ci.0.ip()),
            None => "http".into(),
        }
    }

    fn health_result(&self) -> CallToolResult {
        let report = self.core.health();
        let structured = serde_json::to_value(&report).unwrap_or(Value::Null);
        let mut r = CallToolResult::structured(structured);
        r.content = vec![ContentBlock::text(health_text(&report))];
        r
    }
}

/// The MCP description of one of our tools under `settings` (its
/// description lists only the options those settings allow).
pub fn describe(tool: &dyn Tool, settings: &Settings) -> McpTool {
    let hints = tool.hints();
    let annotations = ToolAnnotations::with_title(tool.title())
        .read_only(hints.read_only)
        .destructive(hints.destructive)
        .idempotent(hints.idempotent)
        .open_world(hints.open_world);
    McpTool::new(
        tool.name(),
        crate::tools::description(tool, &settings.policy).to_string(),
        Arc::new(crate::tools::input_schema_for(
            tool,
            &settings.policy,
            settings.max_timeout,
        )),
    )
    .with_title(tool.title())
    .with_raw_output_schema(Arc::new(tool.output_schema()))
    .with_annotations(annotations)
}

/// The MCP description of `server_health`.
pub fn describe_health() -> McpTool {
    let input = json!({"type": "object", "properties": {}, "additionalProperties": false});
    let input = match input {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    };
    let annotations = ToolAnnotations::with_title("Server health")
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    McpTool::new(SERVER_HEALTH, HEALTH_DESCRIPTION, Arc::new(input))
        .with_title("Server health")
        .with_raw_output_schema(Arc::new(tools::schema_object::<HealthReport>()))
        .with_annotations(annotations)
}

/// A short text of a health report for the model.
pub fn health_text(r: &HealthReport) -> String {
    let mut out = format!(
        "status: {} ({})\n",
        r.status.as_str(),
        if r.ready { "ready" } else { "not ready" }
    );
    for t in &r.tools {
        let version = t.version.as_deref().unwrap_or("?");
        let state = if t.available {
            format!("available (version {version})")
        } else if t.usable {
            format!("not available now: circuit breaker {}", t.breaker)
        } else {
            let why = r
                .components
                .iter()
                .find(|c| c.name == format!("tool:{}", t.name))
                .map_or("unusable", |c| c.message.as_str());
            format!("unusable: {why}")
        };
        out.push_str(&format!("- {}: {state}\n", t.name));
    }
    for c in &r.components {
        if c.status != crate::health::HealthStatus::Healthy && !c.name.starts_with("tool:") {
            out.push_str(&format!(
                "{} {}: {}\n",
                c.name,
                c.status.as_str(),
                c.message
            ));
        }
    }
    out
}

/// Tells `peer` whenever the set of enabled tools changes, until it goes away.
async fn watch_tool_list(core: Arc<Core>, peer: Peer<RoleServer>, count_session: bool) {
    let _session = count_session.then(|| core.metrics().session());
    let mut changed = core.tools_changed();
    changed.borrow_and_update();
    let mut tick = tokio::time::interval(PEER_CHECK_INTERVAL);
    loop {
        tokio::select! {
            r = changed.changed() => {
                if r.is_err() {
                    return;
                }
                if peer.is_transport_closed() {
                    return;
                }
                if let Err(e) = peer.notify_tool_list_changed().await {
                    tracing::debug!(error = %e, "cannot send tools/list_changed");
                    return;
                }
                tracing::info!(event = "tools_list_changed_sent");
            }
            _ = tick.tick() => {
                if peer.is_transport_closed() {
                    return;
                }
            }
        }
    }
}

impl ServerHandler for Service {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("secmcp", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(PROTOCOL_VERSIONS)
    }

    /// rmcp hands a request whose params do not parse into its typed form to
    /// this method; for methods we serve that is bad params (-32602), not an
    /// unknown method (-32601, which the 2026 HTTP transport turns into 404).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        if SERVED_METHODS.contains(&request.method.as_str()) {
            return Err(McpError::invalid_params(
                format!("malformed params for {}", request.method),
                None,
            ));
        }
        Err(McpError::new(
            rmcp::model::ErrorCode::METHOD_NOT_FOUND,
            request.method,
            None,
        ))
    }

    /// 2026-07-28 clients learn of tool list changes through
    /// `subscriptions/listen`; that is the only notification secmcp sends.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let mut accepted = SubscriptionFilter::default();
        accepted.tools_list_changed = requested.tools_list_changed;
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let mut changed = self.core.tools_changed();
        changed.borrow_and_update();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                r = changed.changed() => {
                    if r.is_err() {
                        return Ok(());
                    }
                    if context.accepted().tools_list_changed == Some(true)
                        && let Err(e) = context.sink().notify_tool_list_changed().await
                    {
                        tracing::debug!(error = %e, "cannot send tools/list_changed");
                        return Ok(());
                    }
                }
            }
        }
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        // Legacy sessions keep a connection the server can notify on; the
        // stdio transport counts its one session itself.
        let count = self.kind == Kind::Http;
        tokio::spawn(watch_tool_list(self.core.clone(), context.peer, count));
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        self.core.metrics().request("tools/list");
        let settings = self.core.snapshot();
        let mut tools: Vec<McpTool> = Core::enabled_tools_in(&settings)
            .map(|t| describe(t, &settings))
            .collect();
        tools.push(describe_health());
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(TOOLS_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        self.core.metrics().request("tools/call");
        if request.name == SERVER_HEALTH {
            return Ok(self.health_result().into());
        }
        let settings = self.core.snapshot();
        if let Some(t) = crate::tools::find(&request.name)
            && settings.availability(t.id()) == Availability::NeedsIntrusive
        {
            let e = crate::dispatch::intrusive_refused(t);
            let done = self.core.refuse(t, e);
            let text = done
                .result
                .err()
                .map(|e| e.to_text(&done.correlation_id))
                .unwrap_or_default();
            return Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into());
        }
        let Some(tool) = Core::tool_in(&settings, &request.name) else {
            let mut names: Vec<_> = Core::enabled_tools_in(&settings)
                .map(|t| t.name())
                .collect();
            names.push(SERVER_HEALTH);
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool `{}`; available: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        };
        let client = self.client_key(&context);
        let done = self
            .core
            .call_with(settings, tool, request.arguments, &client, context.ct)
            .await;
        let result = match done.result {
            Ok(rendered) => {
                let mut r = CallToolResult::structured(rendered.structured);
                r.content = vec![ContentBlock::text(rendered.text)];
                r
            }
            Err(e) => {
                CallToolResult::error(vec![ContentBlock::text(e.to_text(&done.correlation_id))])
            }
        };
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        self.core.metrics().request("resources/list");
        let health = Resource::new(HEALTH_URI, "health")
            .with_title("Server health")
            .with_description(
                "Which tools are usable now, breaker states, config and resource checks (JSON)",
            )
            .with_mime_type("application/json");
        Ok(ListResourcesResult::with_all_items(vec![health]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        self.core.metrics().request("resources/read");
        if request.uri != HEALTH_URI {
            return Err(McpError::resource_not_found(
                format!("no resource `{}`; available: {HEALTH_URI}", request.uri),
                None,
            ));
        }
        let text = serde_json::to_string_pretty(&self.core.health())
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        let contents = ResourceContents::text(text, HEALTH_URI).with_mime_type("application/json");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}
