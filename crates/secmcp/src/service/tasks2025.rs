//! The 2025-11-25 tasks utility, answered in its own shapes. rmcp implements
//! only the 2026 extension, so the transports rename an `initialize`-era
//! client's `tools/call` with `task` and its `tasks/*` requests to
//! [`PREFIX`]`...` (`transport/era.rs`), and they arrive here as custom
//! requests. The tasks themselves are the same as the 2026 ones (`Tasks`:
//! owner-bound, capped, kept in the store); only the wire differs:
//! `CreateTaskResult` is `{task: {...}}`, `ttl`/`pollInterval` instead of
//! `ttlMs`/`pollIntervalMs`, `tasks/result` waits for the end and returns
//! the call's result, and `tasks/list` exists.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CustomResult, DetailedTask, Task, TaskPayload,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::{Map, Value, json};

use super::{Service, tasks, unauthenticated};

/// Where the transports put the 2025-11-25 task methods.
pub const PREFIX: &str = "secmcp/2025-11-25/";

/// How often `tasks/result` looks at an unfinished task.
const RESULT_POLL: Duration = Duration::from_millis(100);

impl Service {
    /// Answers one renamed 2025-11-25 request (`method` without [`PREFIX`]).
    pub(super) async fn tasks_2025(
        &self,
        method: &str,
        params: Option<Value>,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        self.core.metrics().request(match method {
            "tools/call" => "tools/call",
            "tasks/get" => "tasks/get",
            "tasks/result" => "tasks/result",
            "tasks/list" => "tasks/list",
            "tasks/cancel" => "tasks/cancel",
            _ => "unknown",
        });
        let who = self.identity(&context).ok_or_else(unauthenticated)?;
        let recorder = self.core.recorder().cloned();
        let task_id = || -> Result<String, McpError> {
            params
                .as_ref()
                .and_then(|p| p.get("taskId"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    McpError::invalid_params("params.taskId (a string) is required", None)
                })
        };
        let answer = match method {
            "tools/call" => {
                let request: CallToolRequestParams =
                    serde_json::from_value(params.clone().unwrap_or(Value::Null)).map_err(|e| {
                        McpError::invalid_params(format!("malformed tools/call params: {e}"), None)
                    })?;
                let tool = request.name.to_string();
                let task = match self.call(request, context, true).await? {
                    CallToolResponse::Task(created) => created.task,
                    // Answered before any task (a refusal, server_health, the
                    // history tools): a task that is done at once.
                    CallToolResponse::Complete(result) => {
                        self.finished_task(&who, &tool, result)?
                    }
                    _ => {
                        return Err(McpError::internal_error(
                            "an unexpected answer to a task call",
                            None,
                        ));
                    }
                };
                json!({ "task": task_2025(&task) })
            }
            "tasks/get" => {
                let t = self
                    .tasks
                    .get(&who, &task_id()?, recorder.as_deref())
                    .await?;
                task_2025(&t.task)
            }
            "tasks/cancel" => {
                let id = task_id()?;
                let t = self.tasks.get(&who, &id, recorder.as_deref()).await?;
                if t.status().is_terminal() {
                    return Err(McpError::invalid_params(
                        format!(
                            "task `{id}` has already ended ({:?}); there is nothing to cancel",
                            t.status()
                        ),
                        None,
                    ));
                }
                self.tasks.cancel(&who, &id, recorder.as_deref()).await?;
                let t = self.tasks.get(&who, &id, recorder.as_deref()).await?;
                task_2025(&t.task)
            }
            "tasks/list" => {
                let tasks: Vec<Value> = self
                    .tasks
                    .list(&who)
                    .iter()
                    .map(|t| task_2025(&t.task))
                    .collect();
                json!({ "tasks": tasks })
            }
            "tasks/result" => {
                let id = task_id()?;
                let done = loop {
                    let t = self.tasks.get(&who, &id, recorder.as_deref()).await?;
                    if t.status().is_terminal() {
                        break t;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(RESULT_POLL) => {}
                        // The client gave up waiting; the task goes on.
                        () = context.ct.cancelled() => {
                            return Err(McpError::internal_error("the request was cancelled", None));
                        }
                    }
                };
                return result_of(&id, done).map(CustomResult);
            }
            other => {
                return Err(McpError::new(
                    rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                    format!("{other} is not a method of the 2025-11-25 tasks utility"),
                    None,
                ));
            }
        };
        Ok(CustomResult(answer))
    }

    /// A task that is already done with `result`.
    fn finished_task(
        &self,
        who: &crate::auth::Identity,
        tool: &str,
        result: rmcp::model::CallToolResult,
    ) -> Result<Task, McpError> {
        let work: tasks::TaskWork = Box::new(move |_cancel, _progress| {
            Box::pin(async move {
                tasks::Finished {
                    result,
                    run_id: None,
                }
            })
        });
        let name = crate::tools::find(tool).map_or("unknown", |t| t.name());
        self.tasks
            .spawn(who, name, self.core.recorder().cloned(), work)
            .ok_or_else(|| McpError::internal_error("too many unfinished tasks", None))
    }
}

/// A task in the 2025-11-25 shape.
fn task_2025(t: &Task) -> Value {
    let mut m = Map::new();
    m.insert("taskId".into(), t.task_id.clone().into());
    m.insert(
        "status".into(),
        serde_json::to_value(t.status).unwrap_or(Value::Null),
    );
    if let Some(message) = &t.status_message {
        m.insert("statusMessage".into(), message.clone().into());
    }
    m.insert("createdAt".into(), t.created_at.clone().into());
    m.insert("lastUpdatedAt".into(), t.last_updated_at.clone().into());
    m.insert("ttl".into(), t.ttl_ms.map_or(Value::Null, Into::into));
    if let Some(p) = t.poll_interval_ms {
        m.insert("pollInterval".into(), p.into());
    }
    Value::Object(m)
}

/// `tasks/result` of a finished task: the call's result, naming its task.
fn result_of(id: &str, t: DetailedTask) -> Result<Value, McpError> {
    match t.payload {
        TaskPayload::Completed { result } => {
            let mut result = Value::Object(result);
            result["_meta"]["io.modelcontextprotocol/related-task"] = json!({ "taskId": id });
            Ok(result)
        }
        TaskPayload::Failed { error } => Err(McpError::internal_error(
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("the task failed")
                .to_owned(),
            Some(Value::Object(error)),
        )),
        _ => Err(McpError::invalid_params(
            format!("task `{id}` was cancelled; it has no result"),
            Some(json!({ "taskId": id })),
        )),
    }
}
