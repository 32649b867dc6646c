//! How a tool presents itself under the operator's policy: its description
//! (a hand-written summary, then the options generated from the tables the
//! policy core enforces) and its input schema with the operator's facts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde_json::Value;

use secmcp_policy::{Policy, ToolId};

use super::schema::{JsonObject, property};
use super::tool::Tool;

/// What decides which options a description lists: those whose gate the
/// policy can never open are left out (the agent could not use them).
type DescriptionKey = (ToolId, bool, bool, bool);

/// A tool's description under `policy`: the summary, then the options the
/// policy allows, generated from the tables the policy core enforces (so it
/// cannot drift). Cached per tool and gate state.
pub fn description(tool: &dyn Tool, policy: &Policy) -> Arc<str> {
    static CACHE: OnceLock<Mutex<HashMap<DescriptionKey, Arc<str>>>> = OnceLock::new();
    let enumeration = secmcp_policy::tools::Setting::SqlmapEnumeration.enabled(policy);
    let key = (
        tool.id(),
        policy.raw_sockets,
        policy.allow_intrusive,
        enumeration,
    );
    let cache = CACHE.get_or_init(Mutex::default);
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(key)
        .or_insert_with(|| {
            let long = if tool.runs_long() { LONG_CALL } else { "" };
            format!(
                "{}{long}\n\n{}",
                tool.spec().summary,
                describe_options(tool.id(), policy)
            )
            .into()
        })
        .clone()
}

/// Said of every tool whose calls may take minutes.
const LONG_CALL: &str = " A call may take minutes: send a progressToken for progress, or \
declare the io.modelcontextprotocol/tasks extension to get a task and poll tasks/get.";

/// Notes longer than this stay out of the description: value ranges and
/// limits come back in the refusal of a value that breaks them.
const SHORT_NOTE: usize = 12;

/// What `extra_args` accepts, from the grammar's own tables: per group the
/// options with their value placeholders, short ranges and gates; the
/// grammar's facts (target, defaults) without what the server always adds.
/// Compact, because every client sends it to the
/// model before the first call.
fn describe_options(id: ToolId, policy: &Policy) -> String {
    use secmcp_policy::tools::Gate;
    use std::fmt::Write as _;
    let mut o = secmcp_policy::options(id);
    // Options no call can use under this policy are left out.
    let usable = |gate: Gate| {
        (policy.raw_sockets || !gate.needs_raw_sockets())
            && (policy.allow_intrusive || !gate.needs_intrusive())
            && gate.setting().is_none_or(|s| s.enabled(policy))
    };
    for g in &mut o.groups {
        g.options.retain(|opt| usable(opt.gate));
    }
    o.groups.retain(|g| !g.options.is_empty());
    let mut out = String::from("extra_args options:\n");
    for g in &o.groups {
        // A gate every option of the group shares is said once, after the
        // title; otherwise once after each run of options that share it.
        let shared =
            g.options.first().map(|opt| opt.gate).filter(|gate| {
                *gate != Gate::Open && g.options.iter().all(|opt| opt.gate == *gate)
            });
        let mut items: Vec<String> = Vec::new();
        let mut i = 0;
        while i < g.options.len() {
            let gate = g.options[i].gate;
            let mut run = Vec::new();
            while i < g.options.len() && g.options[i].gate == gate {
                let opt = &g.options[i];
                let mut item = opt.usage();
                if !opt.note.is_empty() && opt.note.len() <= SHORT_NOTE {
                    let _ = write!(item, " ({})", opt.note);
                }
                run.push(item);
                i += 1;
            }
            let mut joined = run.join(", ");
            if gate != Gate::Open && shared.is_none() {
                let _ = write!(joined, " [{}]", gate.marker());
            }
            items.push(joined);
        }
        let title = match shared {
            Some(gate) => format!("{} [{}]", g.title, gate.marker()),
            None => g.title.to_owned(),
        };
        let _ = writeln!(out, "- {title}: {}", items.join(", "));
    }
    let gates: Vec<Gate> = o.accepted().map(|opt| opt.gate).collect();
    let mut legend = Vec::new();
    if gates.iter().any(|g| g.needs_raw_sockets()) {
        legend.push("[raw] needs raw sockets");
    }
    if gates.iter().any(|g| g.needs_intrusive()) {
        legend.push("[intrusive] needs allow_intrusive");
    }
    if !legend.is_empty() {
        let _ = writeln!(out, "{}.", legend.join(", "));
    }
    for n in &o.notes {
        let kept = n
            .split_once(" Always added:")
            .map_or(n.as_str(), |(head, _)| head);
        if !kept.trim().is_empty() && !kept.starts_with("Always added:") {
            let _ = writeln!(out, "{}", kept.trim());
        }
    }
    // The refused families stay out: the list above is exhaustive, and a
    // refusal names its family and reason when it happens.
    out.push_str("Anything else is refused, with the reason.");
    out
}

/// The input schema of `tool` as clients see it: its static schema plus the
/// facts of the operator's settings (the largest `timeout_sec`, the allowed
/// values of policy-bound fields).
pub fn input_schema_for(tool: &dyn Tool, policy: &Policy, max_timeout: Duration) -> JsonObject {
    let mut schema = tool.input_schema();
    if let Some(Value::Object(t)) = property(&mut schema, "timeout_sec") {
        t.insert("maximum".into(), Value::from(max_timeout.as_secs()));
    }
    tool.specialize_schema(&mut schema, policy);
    schema
}
