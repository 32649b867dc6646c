//! The 2025-11-25 tasks utility on the wire. rmcp speaks only the 2026
//! tasks extension (SEP-2663), which replaced it: its `tools/call` params
//! drop the `task` field, it has no `tasks/list` or `tasks/result`, and its
//! `tasks/get`/`tasks/cancel` require the 2026 capability. So the transports
//! pass each message of an `initialize`-era client through here first:
//!
//! - a `tools/call` carrying `task`, and `tasks/get|result|list|cancel`, are
//!   renamed to `secmcp/2025-11-25/...`, which rmcp hands to the service as
//!   custom requests (`service/tasks2025.rs` answers them in the 2025 shapes);
//! - the answer to `initialize` (at 2025-11-25) gains `capabilities.tasks`,
//!   and the answer to `tools/list` marks each long-running tool with
//!   `execution.taskSupport: "optional"`.
//!
//! A 2026-07-28 request carries its protocol version in `_meta` and passes
//! untouched. Pure: bytes in, bytes out; messages without those methods are
//! not even parsed.

use serde_json::{Map, Value, json};

/// Where the renamed methods live (rmcp passes them on as custom requests).
pub use crate::service::TASKS_2025_PREFIX as PREFIX;

/// The protocol version whose clients know the tasks utility.
const TASKS_VERSION: &str = "2025-11-25";

/// What the answer to a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `initialize`: the `tasks` capability.
    Initialize,
    /// `tools/list`: `execution.taskSupport` on the long-running tools.
    ToolsList,
}

/// An incoming message as rmcp gets it, and the answer it waits for.
#[derive(Debug, Default, PartialEq)]
pub struct Incoming {
    /// The rewritten message, when it changed.
    pub rewritten: Option<Vec<u8>>,
    /// The request's id and what its answer needs.
    pub answer: Option<(Value, Answer)>,
}

/// Looks at one incoming message.
pub fn incoming(msg: &[u8]) -> Incoming {
    let worth_parsing = [&b"\"initialize\""[..], b"\"tools/list\"", b"\"task"]
        .iter()
        .any(|w| contains(msg, w));
    if !worth_parsing {
        return Incoming::default();
    }
    let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(msg) else {
        return Incoming::default();
    };
    let (Some(Value::String(method)), Some(id)) = (m.get("method").cloned(), m.get("id").cloned())
    else {
        return Incoming::default();
    };
    let params = m.get("params").and_then(Value::as_object);
    let legacy = params
        .and_then(|p| p.get("_meta"))
        .and_then(|meta| meta.get("io.modelcontextprotocol/protocolVersion"))
        .is_none();
    if !legacy {
        return Incoming::default();
    }
    let rename = match method.as_str() {
        "initialize" => {
            let version = params.and_then(|p| p.get("protocolVersion"));
            let answer =
                (version == Some(&json!(TASKS_VERSION))).then_some((id, Answer::Initialize));
            return Incoming {
                rewritten: None,
                answer,
            };
        }
        "tools/list" => {
            return Incoming {
                rewritten: None,
                answer: Some((id, Answer::ToolsList)),
            };
        }
        "tools/call" => params.is_some_and(|p| p.get("task").is_some_and(Value::is_object)),
        "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel" => true,
        _ => false,
    };
    if !rename {
        return Incoming::default();
    }
    m.insert("method".into(), Value::String(format!("{PREFIX}{method}")));
    Incoming {
        rewritten: serde_json::to_vec(&m).ok(),
        answer: None,
    }
}

/// The id of a response (a result or an error), when the message is one.
pub fn response_id(msg: &[u8]) -> Option<Value> {
    if !contains(msg, b"\"result\"") && !contains(msg, b"\"error\"") {
        return None;
    }
    let v: Map<String, Value> = serde_json::from_slice(msg).ok()?;
    if v.contains_key("method") {
        return None;
    }
    v.get("id").cloned()
}

/// The answer to a request that needs `answer`, rewritten (`None`: leave it).
/// `long_running` names the tools that accept task-augmented calls.
pub fn outgoing(msg: &[u8], answer: Answer, long_running: &[&str]) -> Option<Vec<u8>> {
    match answer {
        Answer::Initialize => {
            let mut v: Value = serde_json::from_slice(msg).ok()?;
            let caps = v
                .get_mut("result")?
                .get_mut("capabilities")?
                .as_object_mut()?;
            caps.insert(
                "tasks".into(),
                json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}),
            );
            serde_json::to_vec(&v).ok()
        }
        Answer::ToolsList => {
            // Each tool object starts with its name (rmcp writes `name`
            // first); the marker goes right after it. A quote inside a
            // string value is escaped, so the pattern cannot match there.
            let mut out = msg.to_vec();
            let mut changed = false;
            for name in long_running {
                let pattern = format!("{{\"name\":\"{name}\",");
                let with = format!(
                    "{{\"name\":\"{name}\",\"execution\":{{\"taskSupport\":\"optional\"}},"
                );
                if let Some(at) = find(&out, pattern.as_bytes()) {
                    out.splice(at..at + pattern.len(), with.bytes());
                    changed = true;
                }
            }
            changed.then_some(out)
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed(msg: &str) -> Option<Value> {
        incoming(msg.as_bytes())
            .rewritten
            .map(|b| serde_json::from_slice(&b).unwrap())
    }

    #[test]
    fn a_task_augmented_call_and_the_task_methods_are_renamed_for_legacy_clients_only() {
        let call = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nmap","arguments":{"target":"127.0.0.1"},"task":{"ttl":60000}}}"#;
        let v = renamed(call).unwrap();
        assert_eq!(v["method"], "secmcp/2025-11-25/tools/call");
        assert_eq!(v["params"]["task"]["ttl"], 60000, "the params stay");
        assert_eq!(v["id"], 3);
        for m in ["tasks/get", "tasks/result", "tasks/list", "tasks/cancel"] {
            let msg =
                format!(r#"{{"jsonrpc":"2.0","id":"a","method":"{m}","params":{{"taskId":"t"}}}}"#);
            assert_eq!(renamed(&msg).unwrap()["method"], format!("{PREFIX}{m}"));
        }
        // No task: an ordinary call. A 2026 request: untouched.
        assert_eq!(
            renamed(r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"nmap"}}"#),
            None
        );
        let modern = r#"{"jsonrpc":"2.0","id":5,"method":"tasks/get","params":{"taskId":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#;
        assert_eq!(incoming(modern.as_bytes()), Incoming::default());
        // A notification (no id) and a string that only mentions a method.
        assert_eq!(renamed(r#"{"jsonrpc":"2.0","method":"tasks/get"}"#), None);
        assert_eq!(
            renamed(r#"{"jsonrpc":"2.0","id":6,"method":"ping","params":{"x":"\"task"}}"#),
            None
        );
    }

    #[test]
    fn initialize_gains_the_tasks_capability_at_2025_11_25_only() {
        let init = |v: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{v}","capabilities":{{}},"clientInfo":{{"name":"c","version":"1"}}}}}}"#
            )
        };
        assert_eq!(
            incoming(init("2025-11-25").as_bytes()).answer,
            Some((json!(0), Answer::Initialize))
        );
        assert_eq!(incoming(init("2025-06-18").as_bytes()).answer, None);
        let result = br#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"secmcp","version":"0"}}}"#;
        assert_eq!(response_id(result), Some(json!(0)));
        let v: Value =
            serde_json::from_slice(&outgoing(result, Answer::Initialize, &[]).unwrap()).unwrap();
        assert_eq!(
            v["result"]["capabilities"]["tasks"]["requests"]["tools"]["call"],
            json!({})
        );
        assert_eq!(v["result"]["capabilities"]["tools"]["listChanged"], true);
    }

    #[test]
    fn tools_list_marks_the_long_running_tools() {
        let list = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"nmap","description":"scan {\"name\":\"dig\",}"},{"name":"dig","description":"dns"}]}}"#;
        let out = outgoing(list, Answer::ToolsList, &["nmap", "masscan"]).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v["result"]["tools"][0]["execution"]["taskSupport"],
            "optional"
        );
        assert_eq!(
            v["result"]["tools"][0]["description"],
            "scan {\"name\":\"dig\",}"
        );
        assert!(v["result"]["tools"][1].get("execution").is_none());
        assert_eq!(outgoing(list, Answer::ToolsList, &["masscan"]), None);
        assert_eq!(
            response_id(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"result":1}}"#),
            None
        );
    }
}
