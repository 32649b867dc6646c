//! The one rmcp `ServerHandler`: translates between MCP and `dispatch::Core`.
//!
//! Only this module and `transport` import rmcp. It must not make policy
//! decisions: it looks tools up, hands calls to the core and shapes results.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    Implementation, ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities,
    ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::model::{CustomRequest, CustomResult};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use crate::dispatch::Core;
use crate::tools::Tool;

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
const SERVED_METHODS: &[&str] = &["server/discover", "tools/list", "tools/call"];

/// How long clients may cache `tools/list` (the list changes only on reload).
const TOOLS_TTL_MS: u64 = 60_000;

const INSTRUCTIONS: &str = "secmcp runs network-security tools against targets inside the \
operator's configured scope. Give one target per call (IP, CIDR or host name) and the tool's \
own options in extra_args; results come back parsed in structuredContent. A result with \
isError starts with a stable code (validation_error, scope_denied, privilege_required, \
not_found, timeout, execution_error, resource_exhausted, circuit_breaker_open) and says how \
to fix the call.";

/// The MCP handler. Cheap to clone: one per session shares the core.
#[derive(Clone)]
pub struct Service {
    core: Arc<Core>,
}

impl Service {
    /// A handler over the shared core.
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

/// The MCP description of one of our tools.
pub fn describe(tool: &dyn Tool) -> McpTool {
    let hints = tool.hints();
    let annotations = ToolAnnotations::with_title(tool.title())
        .read_only(hints.read_only)
        .destructive(hints.destructive)
        .idempotent(hints.idempotent)
        .open_world(hints.open_world);
    McpTool::new(
        tool.name(),
        tool.description(),
        Arc::new(tool.input_schema()),
    )
    .with_title(tool.title())
    .with_raw_output_schema(Arc::new(tool.output_schema()))
    .with_annotations(annotations)
}

impl ServerHandler for Service {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
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

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = self.core.enabled_tools().map(describe).collect();
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(TOOLS_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(tool) = self.core.tool(&request.name) else {
            let names: Vec<_> = self.core.enabled_tools().map(|t| t.name()).collect();
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool `{}`; available: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        };
        let done = self.core.call(tool, request.arguments, context.ct).await;
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
}
