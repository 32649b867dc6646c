//! The tasks extension's fixture tools (SEP-2663 scenarios of the conformance
//! suite), on rmcp's `TaskManager` like secmcp's own tasks: `greet` (sync
//! only), `slow_compute` (a task that sleeps `seconds`, cancellable),
//! `failing_job` (task support required; a tool error after a second),
//! `protocol_error_job` (settles `failed`), `confirm_delete` and `multi_input`
//! (park in `input_required` until `tasks/update` answers), and
//! `test_tool_with_task` (an MRTR round for the user's name, then a task).

use std::time::Duration;

use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ContentBlock,
    CreateTaskResult, Tool,
};
use rmcp::task_manager::{TaskContext, TaskExit, TaskManager, TaskOptions};
use serde_json::{Value, json};

use super::{accepted_content, elicitation, input_required, json_object, name_schema, tool};

/// The fixture's task-supporting and task-related tools.
pub fn tools() -> Vec<Tool> {
    let object = |props: Value| json_object(json!({"type": "object", "properties": props}));
    vec![
        tool(
            "greet",
            "Sync only: returns Hello, {name}!",
            object(json!({"name": {"type": "string"}})),
        ),
        tool(
            "slow_compute",
            "Task-supporting: sleeps `seconds`, then returns a result; cancellable",
            object(json!({"seconds": {"type": "number"}, "label": {"type": "string"}})),
        ),
        tool(
            "failing_job",
            "Task support required: a tool execution error after about a second",
            object(json!({})),
        ),
        tool(
            "protocol_error_job",
            "Task-supporting: fails with a protocol error",
            object(json!({})),
        ),
        tool(
            "confirm_delete",
            "Task-supporting: asks the client to confirm (one elicitation), then completes",
            object(json!({})),
        ),
        tool(
            "multi_input",
            "Task-supporting: asks two questions at once, completes when both are answered",
            object(json!({})),
        ),
        tool(
            "test_tool_with_task",
            "Task support required: asks for the user's name (input_required), then runs as a task",
            object(json!({})),
        ),
    ]
}

/// Handles `request` when it names one of these tools; `None` otherwise.
/// `wants_task`: the client declared the tasks extension.
pub async fn call(
    manager: &TaskManager,
    request: &CallToolRequestParams,
    wants_task: bool,
) -> Option<Result<CallToolResponse, ErrorData>> {
    let args = request.arguments.clone().unwrap_or_default();
    let name = request.name.as_ref();
    let required = matches!(
        name,
        "failing_job" | "test_tool_with_task" | "confirm_delete" | "multi_input"
    );
    if required && !wants_task {
        return Some(Err(ErrorData::missing_required_client_capability(
            ClientCapabilities::builder().enable_tasks().build(),
        )));
    }
    let task = |work: rmcp::task_manager::TaskFuture| -> Result<CallToolResponse, ErrorData> {
        let options = TaskOptions::new()
            .with_ttl_ms(60_000)
            .with_poll_interval_ms(200);
        let t = manager.spawn(options, move |_| work);
        Ok(CallToolResponse::Task(CreateTaskResult::new(t)))
    };
    let text = |s: String| CallToolResult::success(vec![ContentBlock::text(s)]);
    Some(match name {
        "greet" => {
            let who = args.get("name").and_then(Value::as_str).unwrap_or("World");
            Ok(text(format!("Hello, {who}!")).into())
        }
        "slow_compute" => {
            let secs = args
                .get("seconds")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .clamp(0.0, 120.0);
            let label = args
                .get("label")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let wait = Duration::from_secs_f64(secs);
            if !wants_task {
                tokio::time::sleep(wait).await;
                return Some(Ok(text(format!("computed {label} in {secs} s")).into()));
            }
            let options = TaskOptions::new()
                .with_ttl_ms(60_000)
                .with_poll_interval_ms(200);
            let t = manager.spawn(options, move |ctx: TaskContext| {
                Box::pin(async move {
                    tokio::select! {
                        () = ctx.cancelled() => Err(TaskExit::Cancelled),
                        () = tokio::time::sleep(wait) => Ok(text(format!("computed {label} in {secs} s"))),
                    }
                })
            });
            Ok(CallToolResponse::Task(CreateTaskResult::new(t)))
        }
        "failing_job" => task(Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(CallToolResult::error(vec![ContentBlock::text(
                "the job failed",
            )]))
        })),
        "protocol_error_job" if wants_task => task(Box::pin(async move {
            Err(TaskExit::Error(ErrorData::internal_error(
                "the job broke down",
                None,
            )))
        })),
        "protocol_error_job" => Err(ErrorData::internal_error("the job broke down", None)),
        "confirm_delete" => {
            let ask = elicitation(
                "Delete the item?",
                json!({
                    "type": "object",
                    "properties": {"confirm": {"type": "boolean"}},
                    "required": ["confirm"]
                }),
            );
            match ask {
                Ok(ask) => {
                    let options = TaskOptions::new()
                        .with_ttl_ms(60_000)
                        .with_poll_interval_ms(200);
                    let t = manager.spawn(options, move |ctx: TaskContext| {
                        Box::pin(async move {
                            let answer = ctx.request_input("confirm", ask).await?;
                            Ok(text(format!("confirm_delete answered: {answer}")))
                        })
                    });
                    Ok(CallToolResponse::Task(CreateTaskResult::new(t)))
                }
                Err(e) => Err(e),
            }
        }
        "multi_input" => match (
            elicitation("First question?", name_schema("first")),
            elicitation("Second question?", name_schema("second")),
        ) {
            (Ok(first), Ok(second)) => {
                let options = TaskOptions::new()
                    .with_ttl_ms(60_000)
                    .with_poll_interval_ms(200);
                let t = manager.spawn(options, move |ctx: TaskContext| {
                    Box::pin(async move {
                        let (a, b) = tokio::join!(
                            ctx.request_input("first", first),
                            ctx.request_input("second", second)
                        );
                        Ok(text(format!("multi_input answered: {} and {}", a?, b?)))
                    })
                });
                Ok(CallToolResponse::Task(CreateTaskResult::new(t)))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        "test_tool_with_task" => {
            let who = accepted_content(request.input_responses.as_ref(), "user_name")
                .and_then(|c| c.get("name").and_then(Value::as_str))
                .map(str::to_owned);
            match who {
                // Round 2: the name came back; the rest runs as a task.
                Some(who) => task(Box::pin(async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(text(format!("Hello, {who}! (from a task)")))
                })),
                // Round 1: ask for the name (MRTR), no task yet.
                None => match elicitation("What is your name?", name_schema("name")) {
                    Ok(ask) => Ok(CallToolResponse::InputRequired(input_required(
                        [("user_name", ask)],
                        None,
                    ))),
                    Err(e) => Err(e),
                },
            }
        }
        _ => return None,
    })
}
