//! Task-augmented tool calls (the 2026 `io.modelcontextprotocol/tasks`
//! extension, SEP-2663), on rmcp's `TaskManager`. When a 2026-07-28 request's
//! client declares the extension (in the request's `_meta`), a call of a
//! long-running tool (every network tool but dig) is answered at once with a
//! task; the call runs in the background exactly as a direct call would
//! (same pipeline, limits, record and audit), and `tasks/get` returns its
//! state and, once done, the same result a direct call returns.
//!
//! Tasks are bound to their creator: a task id is a random UUID (122 random
//! bits), and `tasks/get` / `tasks/cancel` from another identity answer as for
//! an unknown id. `tasks/cancel` stops the tool's process group like a
//! cancelled call; the task settles `cancelled` and its run is kept with the
//! outcome `cancelled`. The number of unfinished tasks is capped: past the cap
//! a call is refused with `resource_exhausted` instead of queuing without end.
//!
//! When runs are kept, each task also has a row in the store (state, owner,
//! the run with its result): after a restart `tasks/get` still answers until
//! the TTL, from the run for a finished task, and a task the old process did
//! not finish reads `failed` with the reason.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::ErrorData as McpError;
use rmcp::model::{CallToolResult, ContentBlock, DetailedTask, Task, TaskPayload, TaskStatus};
use rmcp::task_manager::{TaskContext, TaskExit, TaskManager, TaskOptions};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use secmcp_output::progress::Progress;

use crate::auth::Identity;
use crate::dispatch::ProgressSender;
use crate::store::Recorder;

/// How long a task and its result stay readable (ms).
pub const TASK_TTL_MS: u64 = 3_600_000;
/// Suggested polling interval (ms).
const POLL_INTERVAL_MS: u64 = 1_000;
/// The most unfinished tasks the server holds at once.
pub const MAX_RUNNING_TASKS: usize = 256;
/// Why a task of an earlier server process reads `failed`.
pub const TASK_LOST: &str = "the server stopped before this task finished; call the tool again";

/// The server's tasks: rmcp's manager, and who created each task.
#[derive(Clone, Default)]
pub struct Tasks {
    manager: TaskManager,
    owners: Arc<Mutex<HashMap<String, String>>>,
}

/// What a task's work reports when it ends: the call's result and the run
/// that holds it.
pub struct Finished {
    /// The result a direct call would have returned.
    pub result: CallToolResult,
    /// The kept run, if its record was kept.
    pub run_id: Option<String>,
}

/// A call to run as a task: given a cancellation token that `tasks/cancel`
/// fires and a progress sender whose messages become the task's
/// `statusMessage`, it produces the call's result.
pub type TaskWork = Box<
    dyn FnOnce(CancellationToken, ProgressSender) -> Pin<Box<dyn Future<Output = Finished> + Send>>
        + Send,
>;

impl Tasks {
    /// Starts `work` as a task of `tool` owned by `who`, kept in `recorder`'s
    /// store when there is one; `None` when too many tasks are unfinished.
    pub fn spawn(
        &self,
        who: &Identity,
        tool: &'static str,
        recorder: Option<Arc<Recorder>>,
        work: TaskWork,
    ) -> Option<Task> {
        if self.manager.running_task_count() >= MAX_RUNNING_TASKS {
            return None;
        }
        let options = TaskOptions::new()
            .with_ttl_ms(TASK_TTL_MS)
            .with_poll_interval_ms(POLL_INTERVAL_MS)
            .with_status_message("the tool is running");
        let owner = owner(who);
        let row_owner = owner.clone();
        let task = self.manager.spawn(options, move |ctx: TaskContext| {
            Box::pin(async move {
                let id = ctx.task_id().to_owned();
                let created = crate::history::now_ms();
                let row = |status: &str, run_id: Option<String>| secmcp_store::TaskRow {
                    id: id.clone(),
                    owner: row_owner.clone(),
                    tool: tool.to_owned(),
                    status: status.to_owned(),
                    message: String::new(),
                    run_id,
                    created_at_ms: created,
                    updated_at_ms: crate::history::now_ms(),
                    ttl_ms: i64::try_from(TASK_TTL_MS).unwrap_or(i64::MAX),
                };
                keep(recorder.as_deref(), row("working", None)).await;
                let cancel = CancellationToken::new();
                let fired = cancel.clone();
                let watch = ctx.clone();
                let watcher = tokio::spawn(async move {
                    watch.cancelled().await;
                    fired.cancel();
                });
                // The run's progress (and a wait for an operator's approval)
                // is what `tasks/get` says the task is doing.
                let (progress, mut news) = tokio::sync::mpsc::channel::<Progress>(4);
                let status = ctx.clone();
                let teller = tokio::spawn(async move {
                    while let Some(p) = news.recv().await {
                        status.set_status_message(p.message);
                    }
                });
                let done = work(cancel.clone(), progress).await;
                watcher.abort();
                teller.abort();
                if cancel.is_cancelled() {
                    keep(recorder.as_deref(), row("cancelled", done.run_id)).await;
                    Err(TaskExit::Cancelled)
                } else {
                    keep(recorder.as_deref(), row("completed", done.run_id)).await;
                    Ok(done.result)
                }
            })
        });
        let mut owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget owners of tasks the manager has already dropped.
        if owners.len() >= 4 * MAX_RUNNING_TASKS {
            owners.retain(|id, _| self.manager.get_task(id).is_ok());
        }
        owners.insert(task.task_id.clone(), owner);
        Some(task)
    }

    /// `tasks/get` for `who`: from memory, else (a task of an earlier
    /// process) from the store.
    pub async fn get(
        &self,
        who: &Identity,
        id: &str,
        recorder: Option<&Recorder>,
    ) -> Result<DetailedTask, McpError> {
        if self.owned_here(who, id)? {
            return self.manager.get_task(id);
        }
        let row = kept(recorder, who, id).await?;
        let task = Task::new(
            row.id.clone(),
            TaskStatus::Working,
            iso(row.created_at_ms),
            iso(row.updated_at_ms),
        )
        .with_ttl_ms(u64::try_from(row.ttl_ms).unwrap_or(TASK_TTL_MS))
        .with_poll_interval_ms(POLL_INTERVAL_MS);
        let payload = match row.status.as_str() {
            "completed" => TaskPayload::Completed {
                result: kept_result(recorder, &row).await?,
            },
            "cancelled" => TaskPayload::Cancelled,
            // Still running: in another server process on the same database.
            "working" => TaskPayload::Working,
            _ => TaskPayload::Failed {
                error: object(json!({"code": -32603, "message": row.message})),
            },
        };
        Ok(DetailedTask::new(task, payload))
    }

    /// `tasks/cancel` for `who` (idempotent on a finished task).
    pub async fn cancel(
        &self,
        who: &Identity,
        id: &str,
        recorder: Option<&Recorder>,
    ) -> Result<(), McpError> {
        if self.owned_here(who, id)? {
            return self.manager.cancel_task(id);
        }
        // A task of an earlier process has ended: the ack is all there is.
        // One still working runs in another server on the same store, which
        // alone can stop it: saying it was cancelled would be untrue.
        let row = kept(recorder, who, id).await?;
        if row.status == "working" {
            return Err(McpError::invalid_request(
                format!(
                    "task {id} runs in another server process on the same run store; send tasks/cancel to that server (use sticky sessions behind a load balancer)"
                ),
                None,
            ));
        }
        Ok(())
    }

    /// `who`'s tasks this process holds (finished ones until the manager
    /// drops them), newest first.
    pub fn list(&self, who: &Identity) -> Vec<DetailedTask> {
        let mine: Vec<String> = {
            let owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
            let me = owner(who);
            owners
                .iter()
                .filter(|(_, o)| **o == me)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let mut tasks: Vec<DetailedTask> = mine
            .iter()
            .filter_map(|id| self.manager.get_task(id).ok())
            .collect();
        tasks.sort_by(|a, b| b.task.created_at.cmp(&a.task.created_at));
        tasks
    }

    /// Whether this process holds `id` for `who`; another caller's task is
    /// an error that reads as an unknown id.
    fn owned_here(&self, who: &Identity, id: &str) -> Result<bool, McpError> {
        let owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        match owners.get(id) {
            Some(o) if *o == owner(who) => Ok(self.manager.get_task(id).is_ok()),
            Some(_) => Err(unknown(id)),
            None => Ok(false),
        }
    }
}

/// The kept row of `who`'s task `id`, within its TTL.
async fn kept(
    recorder: Option<&Recorder>,
    who: &Identity,
    id: &str,
) -> Result<secmcp_store::TaskRow, McpError> {
    let Some(recorder) = recorder else {
        return Err(unknown(id));
    };
    let row = recorder.store().get_task(id).await.map_err(|e| {
        McpError::internal_error(
            format!("{}: the run store did not answer; {}", e.code(), e.hint()),
            None,
        )
    })?;
    match row {
        Some(r)
            if r.owner == owner(who)
                && r.updated_at_ms.saturating_add(r.ttl_ms) >= crate::history::now_ms() =>
        {
            Ok(r)
        }
        _ => Err(unknown(id)),
    }
}

/// A finished task's result, rebuilt from its kept run: the text the agent
/// read, the structured result and the run's link.
async fn kept_result(
    recorder: Option<&Recorder>,
    row: &secmcp_store::TaskRow,
) -> Result<rmcp::model::JsonObject, McpError> {
    let run = match (recorder, &row.run_id) {
        (Some(r), Some(id)) => r.store().get(id).await.ok().flatten(),
        _ => None,
    };
    let result = match run {
        Some(run) => {
            let mut r = match run.structured {
                Some(s) => {
                    let mut r = CallToolResult::structured(s);
                    r.content = vec![ContentBlock::text(run.summary)];
                    r
                }
                None => CallToolResult::error(vec![ContentBlock::text(run.summary)]),
            };
            super::links::append_record_status(
                &mut r,
                &crate::store::RecordStatus::Kept(run.id),
                &run.tool,
            );
            r
        }
        None => CallToolResult::error(vec![ContentBlock::text(
            "the task finished, but its run is no longer kept (pruned, or its record could not be kept)",
        )]),
    };
    match serde_json::to_value(result) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(McpError::internal_error(
            "cannot serialise a task result",
            None,
        )),
    }
}

async fn keep(recorder: Option<&Recorder>, row: secmcp_store::TaskRow) {
    if let Some(r) = recorder
        && let Err(e) = r.store().put_task(&row).await
    {
        tracing::warn!(event = "task_record_failed", code = e.code(), error = %e, task = %row.id);
    }
}

fn unknown(id: &str) -> McpError {
    McpError::invalid_params(
        format!("no task `{id}`: unknown, expired, or not created by this caller"),
        None,
    )
}

fn object(v: serde_json::Value) -> rmcp::model::JsonObject {
    match v {
        serde_json::Value::Object(m) => m,
        _ => rmcp::model::JsonObject::new(),
    }
}

fn owner(who: &Identity) -> String {
    who.owner_key()
}

/// ISO 8601 UTC from Unix milliseconds.
fn iso(ms: i64) -> String {
    format!("{}Z", crate::history::utc(ms).replace(' ', "T"))
}

/// The result of a task that could not start (too many unfinished tasks).
pub fn too_many() -> CallToolResult {
    let e = crate::error::ToolError::new(
        crate::error::ErrorCode::ResourceExhausted,
        format!("{MAX_RUNNING_TASKS} tasks are already running on this server"),
        "wait for a task to finish (tasks/get) or cancel one (tasks/cancel), then call again",
    );
    CallToolResult::error(vec![ContentBlock::text(e.to_text("-"))])
}
