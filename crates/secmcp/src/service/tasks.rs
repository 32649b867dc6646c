//! Task-augmented tool calls (the 2026 `io.modelcontextprotocol/tasks`
//! extension, SEP-2663), on rmcp's `TaskManager`. When the client declares the
//! extension (at `initialize` or in the request's `_meta`), a call of a
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

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::ErrorData as McpError;
use rmcp::model::{CallToolResult, ContentBlock, DetailedTask, Task};
use rmcp::task_manager::{TaskContext, TaskExit, TaskManager, TaskOptions};
use tokio_util::sync::CancellationToken;

use crate::auth::Identity;

/// How long a task and its result stay readable (ms).
pub const TASK_TTL_MS: u64 = 3_600_000;
/// Suggested polling interval (ms).
const POLL_INTERVAL_MS: u64 = 1_000;
/// The most unfinished tasks the server holds at once.
pub const MAX_RUNNING_TASKS: usize = 256;

/// The server's tasks: rmcp's manager, and who created each task.
#[derive(Clone, Default)]
pub struct Tasks {
    manager: TaskManager,
    owners: Arc<Mutex<HashMap<String, String>>>,
}

/// A call to run as a task: given a cancellation token that `tasks/cancel`
/// fires, it produces the call's result.
pub type TaskWork = Box<
    dyn FnOnce(CancellationToken) -> Pin<Box<dyn Future<Output = CallToolResult> + Send>> + Send,
>;

impl Tasks {
    /// Starts `work` as a task owned by `who`; `None` when too many tasks are
    /// unfinished.
    pub fn spawn(&self, who: &Identity, work: TaskWork) -> Option<Task> {
        if self.manager.running_task_count() >= MAX_RUNNING_TASKS {
            return None;
        }
        let options = TaskOptions::new()
            .with_ttl_ms(TASK_TTL_MS)
            .with_poll_interval_ms(POLL_INTERVAL_MS)
            .with_status_message("the tool is running");
        let task = self.manager.spawn(options, move |ctx: TaskContext| {
            Box::pin(async move {
                let cancel = CancellationToken::new();
                let fired = cancel.clone();
                let watch = ctx.clone();
                let watcher = tokio::spawn(async move {
                    watch.cancelled().await;
                    fired.cancel();
                });
                let result = work(cancel.clone()).await;
                watcher.abort();
                if cancel.is_cancelled() {
                    Err(TaskExit::Cancelled)
                } else {
                    Ok(result)
                }
            })
        });
        let mut owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget owners of tasks the manager has already dropped.
        if owners.len() >= 4 * MAX_RUNNING_TASKS {
            owners.retain(|id, _| self.manager.get_task(id).is_ok());
        }
        owners.insert(task.task_id.clone(), owner(who));
        Some(task)
    }

    /// `tasks/get` for `who`.
    pub fn get(&self, who: &Identity, id: &str) -> Result<DetailedTask, McpError> {
        self.check_owner(who, id)?;
        self.manager.get_task(id)
    }

    /// `tasks/cancel` for `who` (idempotent on a finished task).
    pub fn cancel(&self, who: &Identity, id: &str) -> Result<(), McpError> {
        self.check_owner(who, id)?;
        self.manager.cancel_task(id)
    }

    /// Unfinished tasks.
    pub fn running(&self) -> usize {
        self.manager.running_task_count()
    }

    fn check_owner(&self, who: &Identity, id: &str) -> Result<(), McpError> {
        let owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        match owners.get(id) {
            Some(o) if *o == owner(who) => Ok(()),
            // Another identity's task reads as an unknown one.
            _ => Err(McpError::invalid_params(
                format!("no task `{id}`: unknown, expired, or not created by this caller"),
                None,
            )),
        }
    }
}

fn owner(who: &Identity) -> String {
    format!("{}:{}", who.source.as_str(), who.name)
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
