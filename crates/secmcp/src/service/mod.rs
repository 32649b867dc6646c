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
    Implementation, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, ServerCapabilities,
    ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::model::{CustomRequest, CustomResult};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, Peer, RoleServer, ServerHandler};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::auth::Identity;
use crate::config::{Availability, Settings};
use crate::dispatch::{CallControl, Caller, Consent, Core};
use crate::health::HealthReport;
use crate::tools::{self, Tool};

mod approval;
mod links;
mod tasks;
mod tasks2025;

use approval::{Asked, Elicitation};
use links::append_record_status;

pub use tasks::{TASK_LOST, Tasks};
pub use tasks2025::PREFIX as TASKS_2025_PREFIX;

/// A call to run as a task.
struct Work {
    settings: Arc<Settings>,
    tool: &'static dyn Tool,
    args: Option<rmcp::model::JsonObject>,
    consent: Consent,
}

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
to fix the call. Call server_health to see which tools are usable right now. When the server \
keeps runs, scan_history lists earlier runs (by target, network, tool, time) and scan_diff says \
what changed between two of them.";

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

/// What every handler instance of one server shares: a 2026 request may
/// reach any instance, so its tasks and approval rounds live here.
#[derive(Clone)]
pub struct Shared {
    /// Task-augmented calls.
    tasks: Tasks,
    /// Seals the `security.approval: elicit` rounds.
    elicitation: Arc<Elicitation>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            tasks: Tasks::default(),
            elicitation: Arc::new(Elicitation::new()),
        }
    }
}

/// The MCP handler. Cheap to clone: one per session shares the core.
#[derive(Clone)]
pub struct Service {
    core: Arc<Core>,
    kind: Kind,
    /// The stdio caller (the local OS user); HTTP callers come with each request.
    local: Option<Identity>,
    /// Task-augmented calls, shared by every session of one server.
    tasks: Tasks,
    /// Approval rounds, shared likewise.
    elicitation: Arc<Elicitation>,
}

impl Service {
    /// A handler over the shared core for HTTP sessions and requests.
    pub fn new(core: Arc<Core>) -> Self {
        Self::shared(core, &Shared::default())
    }

    /// A handler for HTTP sessions and requests that share `shared` (one
    /// per server: a 2026 request may reach any handler instance).
    pub fn shared(core: Arc<Core>, shared: &Shared) -> Self {
        Self {
            core,
            kind: Kind::Http,
            local: None,
            tasks: shared.tasks.clone(),
            elicitation: shared.elicitation.clone(),
        }
    }

    /// A handler for the one stdio client.
    pub fn stdio(core: Arc<Core>) -> Self {
        let role = core.snapshot().auth.stdio_role.clone();
        let shared = Shared::default();
        Self {
            core,
            kind: Kind::Stdio,
            local: Some(Identity::os_user(role.as_deref())),
            tasks: shared.tasks,
            elicitation: shared.elicitation,
        }
    }

    /// Who sent a request: the local OS user on stdio; on HTTP the identity
    /// the authentication layer attached, or anonymous when no keys are
    /// configured. `None` when keys are configured but the request carries
    /// no identity (a router without the authentication layer): refused.
    fn identity(&self, ctx: &RequestContext<RoleServer>) -> Option<Identity> {
        if let Some(local) = &self.local {
            return Some(local.clone());
        }
        let attached = ctx
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Identity>())
            .cloned();
        match attached {
            Some(i) => Some(i),
            None if self.core.snapshot().auth.required() => None,
            None => Some(Identity::anonymous()),
        }
    }

    /// The rate-limit key of the client that sent a request: the stdio client;
    /// on HTTP its identity when it authenticated, else its address — never
    /// its session, since a client can open a fresh session at will. Never
    /// logged, never a label.
    fn client_key(&self, ctx: &RequestContext<RoleServer>, who: &Identity) -> String {
        if self.kind == Kind::Stdio {
            return "stdio".into();
        }
        if who.is_authenticated() {
            return format!("id:{}", who.owner_key());
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

    /// Why `who` may not call `tool` under `settings` (their role's view),
    /// for a tool the server knows: intrusive while intrusive runs are off,
    /// or outside the caller's role. `None`: go on (an unknown or disabled
    /// tool is answered as unknown).
    fn refusal_for(
        &self,
        who: &Identity,
        settings: &Settings,
        t: &'static dyn Tool,
    ) -> Option<crate::error::ToolError> {
        use crate::error::{ErrorCode, ToolError};
        let server = self.core.snapshot();
        let whole = server.availability(t.id());
        let mine = settings.availability(t.id());
        let role = who.role.as_deref();
        match (whole, mine, role) {
            (Availability::NeedsIntrusive, _, _) => Some(crate::dispatch::intrusive_refused(t)),
            (Availability::Offered, Availability::NeedsIntrusive, Some(role)) => {
                Some(ToolError::new(
                    ErrorCode::PolicyDenied,
                    format!(
                        "{} is an intrusive tool and the role `{role}` of `{}` does not allow intrusive runs (auth.roles.{role}.allow_intrusive)",
                        t.name(),
                        who.name
                    ),
                    "use the tools in tools/list, or ask the operator for a role that allows intrusive runs",
                ))
            }
            (Availability::Offered, Availability::Disabled, Some(role)) => {
                let mine: Vec<&str> = Core::enabled_tools_in(settings).map(|t| t.name()).collect();
                Some(ToolError::new(
                    ErrorCode::PolicyDenied,
                    format!(
                        "the role `{role}` of `{}` may not use {} (auth.roles.{role}.tools); it may use: {}",
                        who.name,
                        t.name(),
                        if mine.is_empty() {
                            "no tool".to_owned()
                        } else {
                            mine.join(", ")
                        }
                    ),
                    "use the tools in tools/list, or ask the operator for a role that includes this tool",
                ))
            }
            _ => None,
        }
    }

    /// The stored runs `who` may read: every run without authentication or
    /// for a role that sees all, else the runs `who` made.
    fn access(&self, who: &Identity) -> crate::history::Access {
        let sees_all = who.role.as_deref().is_some_and(|r| {
            self.core
                .snapshot()
                .auth
                .roles
                .get(r)
                .is_some_and(|role| role.see_all_runs)
        });
        if !who.is_authenticated() || sees_all {
            crate::history::Access::All
        } else {
            crate::history::Access::Owner(who.owner_key())
        }
    }

    /// `scan_history` / `scan_diff` when runs are kept; `None` for any other
    /// tool. They read only the runs `who` may read.
    async fn history_call(
        &self,
        request: &CallToolRequestParams,
        who: &Identity,
    ) -> Option<CallToolResult> {
        let name = request.name.as_ref();
        if name != crate::history::SCAN_HISTORY && name != crate::history::SCAN_DIFF {
            return None;
        }
        let store = self.core.recorder()?.store();
        let access = self.access(who);
        let args = request.arguments.clone();
        let done = if name == crate::history::SCAN_HISTORY {
            match tools::parse_typed(args, HISTORY_ARGS) {
                Ok(a) => crate::history::history(store, a, &access).await,
                Err(e) => Err(e),
            }
        } else {
            match tools::parse_typed(args, DIFF_ARGS) {
                Ok(a) => crate::history::compare(store, a, &access).await,
                Err(e) => Err(e),
            }
        };
        Some(match done {
            Ok((text, structured)) => {
                let mut r = CallToolResult::structured(structured);
                r.content = vec![ContentBlock::text(text)];
                r
            }
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_text("-"))]),
        })
    }

    /// `tools/call`; with `task_required` (a 2025-11-25 task-augmented
    /// call) a network tool's call always becomes a task, and a tool that
    /// cannot be one is refused.
    async fn call(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
        task_required: bool,
    ) -> Result<CallToolResponse, McpError> {
        self.core.metrics().request("tools/call");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        if request.name == SERVER_HEALTH {
            return Ok(self.health_result().into());
        }
        if let Some(result) = self.history_call(&request, &who).await {
            return Ok(result.into());
        }
        let settings = self.core.snapshot_for(&who);
        if let Some(t) = crate::tools::find(&request.name)
            && let Some(e) = self.refusal_for(&who, &settings, t)
        {
            let client = self.client_key(&context, &who);
            let caller = Caller {
                client: &client,
                identity: &who,
            };
            let done = self
                .core
                .refuse(t, request.arguments.as_ref(), caller, e)
                .instrument(caller_span(&who))
                .await;
            let code = done
                .result
                .as_ref()
                .err()
                .map_or("unknown", |e| e.code.as_str());
            self.core.metrics().role_call(who.role_label(), code);
            let text = done
                .result
                .err()
                .map(|e| e.to_text(&done.correlation_id))
                .unwrap_or_default();
            let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
            append_record_status(&mut result, &done.record, t.name());
            return Ok(result.into());
        }
        let Some(tool) = Core::tool_in(&settings, &request.name) else {
            let mut names: Vec<_> = Core::enabled_tools_in(&settings)
                .map(|t| t.name())
                .collect();
            names.push(SERVER_HEALTH);
            if self.core.recorder().is_some() {
                names.extend(crate::history::TOOLS.iter().map(|t| t.name));
            }
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool `{}`; available: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        };
        let client = self.client_key(&context, &who);
        // An intrusive run the person at the client must approve is asked
        // about first (an input_required round on 2026, before any task).
        // A task answer (`resultType: "task"`) exists only on the 2026 wire: an
        // initialize-era client that declares the extension (the Inspector
        // does) could not read it, so it gets the direct result.
        let modern = context
            .protocol_version()
            .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
        let wants_task = task_required
            || modern
                && context
                    .client_capabilities()
                    .is_some_and(|c| c.supports_tasks());
        if task_required && !tool.runs_long() {
            return Err(McpError::invalid_params(
                format!(
                    "{} answers in seconds and takes no task (its execution.taskSupport is forbidden); call it without `task`",
                    tool.name()
                ),
                None,
            ));
        }
        // A task always follows its run's progress; a direct call when asked.
        let progress =
            (wants_task && tool.runs_long()) || context.meta.get_progress_token().is_some();
        let pending = approval::Pending {
            core: &self.core,
            settings: &settings,
            tool,
            progress,
        };
        let consent = match self
            .elicitation
            .ask(pending, &request, &context, &who)
            .await?
        {
            Asked::Consent(c) => c,
            Asked::Answer(round) => return Ok(round),
        };
        if wants_task && tool.runs_long() {
            let work = Work {
                settings,
                tool,
                args: request.arguments,
                consent,
            };
            return Ok(self.start_task(&who, client, work));
        }
        let (progress, forwarder) = match context.meta.get_progress_token() {
            Some(token) => {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                let stop = CancellationToken::new();
                let task = tokio::spawn(forward_progress(
                    context.peer.clone(),
                    token,
                    rx,
                    stop.clone(),
                ));
                (Some(tx), Some((task, stop)))
            }
            None => (None, None),
        };
        let caller = Caller {
            client: &client,
            identity: &who,
        };
        let control = CallControl {
            cancel: context.ct,
            progress,
            consent,
        };
        let done = self
            .core
            .call_reporting(settings.clone(), tool, request.arguments, caller, control)
            .await;
        // No notification may follow the result: stop the forwarder and wait
        // until it has stopped.
        if let Some((task, stop)) = forwarder {
            stop.cancel();
            let _ = task.await;
        }
        Ok(shape(&self.core, &who, &settings, tool, done).into())
    }

    /// Starts a call as a task owned by `who`: the answer is the task; the
    /// call runs to its end in the background, even if the client goes away.
    fn start_task(&self, who: &Identity, client: String, work: Work) -> CallToolResponse {
        let core = self.core.clone();
        let owner = who.clone();
        let Work {
            settings,
            tool,
            args,
            consent,
        } = work;
        let work: tasks::TaskWork = Box::new(move |cancel, progress| {
            Box::pin(async move {
                let caller = Caller {
                    client: &client,
                    identity: &owner,
                };
                let control = CallControl {
                    cancel,
                    progress: Some(progress),
                    consent,
                };
                let done = core
                    .call_reporting(settings.clone(), tool, args, caller, control)
                    .await;
                let run_id = match &done.record {
                    crate::store::RecordStatus::Kept(id) => Some(id.clone()),
                    _ => None,
                };
                tasks::Finished {
                    result: shape(&core, &owner, &settings, tool, done),
                    run_id,
                }
            })
        });
        let recorder = self.core.recorder().cloned();
        match self.tasks.spawn(who, tool.name(), recorder, work) {
            Some(task) => CallToolResponse::Task(rmcp::model::CreateTaskResult::new(task)),
            None => tasks::too_many().into(),
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

/// A request that reached the handler without the identity the settings
/// require (never expected: the HTTP layer refuses it first).
fn unauthenticated() -> McpError {
    McpError::invalid_request(
        "authentication required: send an API key as Authorization: Bearer KEY",
        None,
    )
}

/// The span naming the caller around a refusal made before the pipeline.
fn caller_span(who: &Identity) -> tracing::Span {
    tracing::info_span!(
        "caller",
        identity = &*who.name,
        role = who.role_label(),
        auth = who.source.as_str()
    )
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

/// The MCP description of one of the server's own read-only tools.
fn describe_server_tool(t: &crate::history::ServerTool) -> McpTool {
    let annotations = ToolAnnotations::with_title(t.title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    McpTool::new(t.name, t.description, Arc::new((t.input)()))
        .with_title(t.title)
        .with_raw_output_schema(Arc::new((t.output)()))
        .with_annotations(annotations)
}

const HISTORY_ARGS: &str = "pass an object with optional `target` (address, network or host name), `tool`, `since`, `until` (2026-12-01 or 2026-12-01T14:00:00Z), `include_refused` (boolean), `limit` (1-100), `cursor`";
const DIFF_ARGS: &str =
    "pass `before` and `after` (run ids from scan_history), or `tool` and `target`";

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

/// Sends a call's progress to the client that asked for it, until `stop`
/// (the call is over) or the sender is gone.
async fn forward_progress(
    peer: Peer<RoleServer>,
    token: rmcp::model::ProgressToken,
    mut updates: tokio::sync::mpsc::Receiver<secmcp_output::progress::Progress>,
    stop: CancellationToken,
) {
    loop {
        let update = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            u = updates.recv() => match u {
                Some(u) => u,
                None => return,
            },
        };
        let mut param = rmcp::model::ProgressNotificationParam::new(token.clone(), update.progress)
            .with_message(update.message);
        if let Some(total) = update.total {
            param = param.with_total(total);
        }
        // Not cancelled half-way: the result waits for this send to finish.
        if let Err(e) = peer.notify_progress(param).await {
            tracing::debug!(error = %e, "cannot send a progress notification");
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
                .enable_tasks()
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
    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, McpError> {
        self.core.metrics().request("tasks/get");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        let recorder = self.core.recorder().map(AsRef::as_ref);
        let task = self.tasks.get(&who, &request.task_id, recorder).await?;
        Ok(rmcp::model::GetTaskResult::new(task))
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.core.metrics().request("tasks/cancel");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        let recorder = self.core.recorder().map(AsRef::as_ref);
        self.tasks.cancel(&who, &request.task_id, recorder).await
    }

    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.core.metrics().request("tasks/update");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        // Known task or not, none of ours ever waits for input.
        let recorder = self.core.recorder().map(AsRef::as_ref);
        self.tasks.get(&who, &request.task_id, recorder).await?;
        Err(McpError::invalid_params(
            format!(
                "task `{}` asks for no input; tasks/update has nothing to deliver",
                request.task_id
            ),
            None,
        ))
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        if let Some(method) = request.method.strip_prefix(tasks2025::PREFIX) {
            return self.tasks_2025(method, request.params, context).await;
        }
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
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        self.core.metrics().request("tools/list");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        let settings = self.core.snapshot_for(&who);
        let mut tools: Vec<McpTool> = Core::enabled_tools_in(&settings)
            .map(|t| describe(t, &settings))
            .collect();
        tools.push(describe_health());
        if self.core.recorder().is_some() {
            tools.extend(crate::history::TOOLS.iter().map(describe_server_tool));
        }
        // With roles the list depends on who asks: no shared caches.
        let scope = if settings.auth.roles.is_empty() {
            CacheScope::Public
        } else {
            CacheScope::Private
        };
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(TOOLS_TTL_MS)
            .with_cache_scope(scope))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        self.call(request, context, false).await
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        self.core.metrics().request("resources/list");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        let access = self.access(&who);
        let cursor = request.and_then(|r| r.cursor);
        let mut items = Vec::new();
        if cursor.is_none() {
            items.push(
                Resource::new(HEALTH_URI, "health")
                    .with_title("Server health")
                    .with_description(
                        "Which tools are usable now, breaker states, config and resource checks (JSON)",
                    )
                    .with_mime_type("application/json"),
            );
        }
        let Some(recorder) = self.core.recorder() else {
            if cursor.is_some() {
                return Err(McpError::invalid_params(
                    "unknown cursor: this server keeps no runs",
                    None,
                ));
            }
            return Ok(ListResourcesResult::with_all_items(items));
        };
        if let Some(c) = &cursor
            && secmcp_store::decode_cursor(c).is_none()
        {
            return Err(McpError::invalid_params(
                "invalid cursor: pass the nextCursor of a previous resources/list answer unchanged",
                None,
            ));
        }
        let page = recorder
            .store()
            .list(&secmcp_store::ListQuery {
                cursor,
                limit: RUNS_PAGE,
                owner: access.owner(),
                ..Default::default()
            })
            .await
            .map_err(|e| {
                McpError::internal_error(
                    format!("{}: the run store did not answer; {}", e.code(), e.hint()),
                    None,
                )
            })?;
        for run in page.runs {
            items.push(run_resource(&run));
        }
        let mut result = ListResourcesResult::with_all_items(items);
        result.next_cursor = page.next_cursor;
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        self.core.metrics().request("resources/templates/list");
        if self.core.recorder().is_none() {
            return Ok(ListResourceTemplatesResult::with_all_items(Vec::new()));
        }
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(crate::store::RUN_TEMPLATE, "run")
                .with_title("A stored tool run")
                .with_description(
                    "One call as kept: tool, arguments (secrets masked), pinned targets, argv, decision, outcome, timings and the full structured result (JSON)",
                )
                .with_mime_type("application/json"),
            ResourceTemplate::new(crate::store::RUN_PAGE_TEMPLATE, "run-page")
                .with_title("One page of a stored run's result")
                .with_description(
                    "The structured result with its largest list cut to page n (from 1), each page within the result budget; `pages` says how many there are",
                )
                .with_mime_type("application/json"),
            ResourceTemplate::new(crate::store::RUN_RAW_TEMPLATE, "run-raw")
                .with_title("A stored run's raw tool output")
                .with_description("The tool's machine output as captured (nmap XML, masscan JSON, dig YAML, ...)")
                .with_mime_type("text/plain"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        self.core.metrics().request("resources/read");
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        if request.uri == HEALTH_URI {
            let text = serde_json::to_string_pretty(&self.core.health())
                .map_err(|e| McpError::internal_error(e.to_string(), None))?;
            let contents =
                ResourceContents::text(text, HEALTH_URI).with_mime_type("application/json");
            return Ok(ReadResourceResult::new(vec![contents]).into());
        }
        let not_found = || {
            McpError::resource_not_found(
                format!(
                    "no resource `{}`; available: {HEALTH_URI}, {}, {}, {} (ids from resources/list)",
                    request.uri,
                    crate::store::RUN_TEMPLATE,
                    crate::store::RUN_PAGE_TEMPLATE,
                    crate::store::RUN_RAW_TEMPLATE
                ),
                Some(json!({ "uri": request.uri })),
            )
        };
        let (Some(recorder), Some(which)) = (
            self.core.recorder(),
            crate::store::parse_run_uri(&request.uri),
        ) else {
            return Err(not_found());
        };
        let store_error = |e: secmcp_store::StoreError| {
            McpError::internal_error(
                format!("{}: the run store did not answer; {}", e.code(), e.hint()),
                None,
            )
        };
        let (crate::store::RunUri::Record(id)
        | crate::store::RunUri::Raw(id)
        | crate::store::RunUri::Page(id, _)) = &which;
        // A run the caller may not read is absent to it.
        let access = self.access(&who);
        let run = recorder
            .store()
            .get(id)
            .await
            .map_err(store_error)?
            .filter(|r| access.allows(&r.owner))
            .ok_or_else(not_found)?;
        let contents = match which {
            crate::store::RunUri::Record(_) => {
                let text = serde_json::to_string_pretty(&run)
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                ResourceContents::text(text, request.uri.clone()).with_mime_type("application/json")
            }
            crate::store::RunUri::Page(id, n) => {
                let budget = self.core.snapshot().storage.result_budget_bytes;
                let (structured, paged) =
                    crate::output_budget::page(run.structured.unwrap_or(Value::Null), budget, n)
                        .map_err(|pages| {
                            McpError::resource_not_found(
                                format!("run {id} has {pages} page(s); ask for page 1 to {pages}"),
                                Some(json!({ "uri": request.uri })),
                            )
                        })?;
                let (pages, list, items) = match paged {
                    Some((p, total)) => {
                        let (from, to) = p.bounds[n - 1];
                        (
                            p.bounds.len(),
                            p.list,
                            json!({"from": from, "to": to, "of": total}),
                        )
                    }
                    None => (1, String::new(), Value::Null),
                };
                let body = json!({
                    "run": id,
                    "page": n,
                    "pages": pages,
                    "list": list,
                    "items": items,
                    "structured": structured,
                });
                // Compact: the page was sized as compact JSON.
                let text = serde_json::to_string(&body)
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                ResourceContents::text(text, request.uri.clone()).with_mime_type("application/json")
            }
            crate::store::RunUri::Raw(id) => {
                let (raw, _) = recorder
                    .store()
                    .raw(&id)
                    .await
                    .map_err(store_error)?
                    .ok_or_else(not_found)?;
                ResourceContents::text(
                    String::from_utf8_lossy(&raw).into_owned(),
                    request.uri.clone(),
                )
                .with_mime_type("text/plain")
            }
        };
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}

/// The MCP result of a finished call: the rendered result within the
/// result budget (with a note and the pages when cut), or the error text; the
/// run's resource link or why its record was not kept. Counts the call by role.
fn shape(
    core: &Core,
    who: &Identity,
    settings: &Settings,
    tool: &dyn Tool,
    done: crate::dispatch::CallResult,
) -> CallToolResult {
    let outcome = done
        .result
        .as_ref()
        .map_or_else(|e| e.code.as_str(), |_| "ok");
    core.metrics().role_call(who.role_label(), outcome);
    let mut result = match done.result {
        Ok(rendered) => {
            let budget = settings.storage.result_budget_bytes;
            let run_id = match &done.record {
                crate::store::RecordStatus::Kept(id) => Some(id.as_str()),
                _ => None,
            };
            let (structured, note) = crate::output_budget::fit(rendered.structured, budget, run_id);
            let mut r = CallToolResult::structured(structured);
            r.content = vec![ContentBlock::text(rendered.text)];
            if let Some(n) = note {
                r.content.push(ContentBlock::text(n));
            }
            r
        }
        Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_text(&done.correlation_id))]),
    };
    append_record_status(&mut result, &done.record, tool.name());
    result
}

/// Runs per `resources/list` page.
const RUNS_PAGE: u32 = 50;

fn run_resource(run: &secmcp_store::RunSummary) -> Resource {
    let when = run.started_at_ms / 1000;
    Resource::new(crate::store::run_uri(&run.id), format!("run-{}", run.id))
        .with_title(format!("{} {} ({})", run.tool, run.target, run.outcome))
        .with_description(format!(
            "{} call of {} on {}, {} at unix {when}, outcome {}, {} ms",
            run.decision.as_str(),
            run.tool,
            run.target,
            run.decision.as_str(),
            run.outcome,
            run.duration_ms
        ))
        .with_mime_type("application/json")
}
