//! The tool registry: one file per tool, each a unit struct implementing `Tool`.
//!
//! A tool describes itself (name, schemas, annotations, description for the
//! model), turns a raw call into a `ToolRequest` for the policy core, and renders
//! a finished run into text + structured content. Tools never start processes
//! and never see rmcp types.

pub mod dig;
pub mod gobuster;
pub mod hydra;
pub mod masscan;
pub mod nmap;
pub mod sqlmap;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use secmcp_output::Detail;
use secmcp_policy::{AuthorizedTarget, Policy, ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use crate::error::{ErrorCode, ToolError};
use crate::validate::Problems;

/// A JSON object (schemas, structured content).
pub type JsonObject = Map<String, Value>;

/// Truthful hints about what a tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Does not modify its environment.
    pub read_only: bool,
    /// May perform destructive updates.
    pub destructive: bool,
    /// Calling again with the same input has no additional effect.
    pub idempotent: bool,
    /// Interacts with entities outside the server (networks).
    pub open_world: bool,
}

/// One tool call: a target in scope and, optionally, the tool's own options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommonInput {
    /// One IP address, CIDR range or host name inside the server's scope (a name is
    /// resolved once and pinned).
    pub target: String,
    /// The tool's own options, as listed in the description; quoting works as in a shell,
    /// but no shell runs.
    #[serde(default)]
    pub extra_args: String,
    /// Seconds before the run is stopped (partial results are kept); the operator sets the
    /// default and the maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub timeout_sec: Option<u32>,
    /// Optional id of yours (1-128 of A-Z a-z 0-9 . _ : -), echoed in the result and logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub correlation_id: Option<String>,
    /// `summary`, `standard` (default) or `full` (everything parsed).
    #[serde(default)]
    pub detail: Detail,
}

/// A call's input after parsing: the common fields and the tool's typed fields.
#[derive(Debug, Clone)]
pub struct ParsedInput {
    /// target, extra_args, timeout_sec, correlation_id.
    pub common: CommonInput,
    /// The tool's own typed fields (none for nmap).
    pub fields: ToolFields,
}

/// What the target became after authorization, as reported back to the caller.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetReport {
    /// The target exactly as requested.
    pub requested: String,
    /// The host name when one was given, else empty.
    pub hostname: String,
    /// The address(es) the tool was pinned to (host names are resolved once by the
    /// server; the tool never resolves them again).
    pub pinned: Vec<String>,
    /// The literal handed to the tool.
    pub rendered: String,
}

impl From<&AuthorizedTarget> for TargetReport {
    fn from(t: &AuthorizedTarget) -> Self {
        Self {
            requested: t.requested.clone(),
            hostname: t.hostname.clone().unwrap_or_default(),
            pinned: t.pinned.iter().map(ToString::to_string).collect(),
            rendered: t.rendered.clone(),
        }
    }
}

/// How the tool process ran.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunReport {
    /// The process exit code; -1 when it was ended by a signal.
    pub exit_code: i32,
    /// The run was stopped at its timeout.
    pub timed_out: bool,
    /// The output was larger than the server keeps; the middle was dropped.
    pub truncated: bool,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
}

impl From<&RunOutcome> for RunReport {
    fn from(o: &RunOutcome) -> Self {
        Self {
            exit_code: o.exit_code.unwrap_or(-1),
            timed_out: o.timed_out,
            truncated: o.stdout.truncated(),
            duration_ms: u64::try_from(o.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Everything `render` needs besides the outcome.
pub struct RenderContext<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The authorized target.
    pub target: &'a AuthorizedTarget,
    /// Other authorized hosts the tool was allowed to touch (e.g. a DNS server).
    pub extra_targets: &'a [AuthorizedTarget],
    /// The effective argv, binary name first.
    pub argv: Vec<String>,
    /// The timeout the run had.
    pub timeout: Duration,
    /// How much of the parsed result to return.
    pub detail: Detail,
}

/// A successful tool result.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Short human summary.
    pub text: String,
    /// Structured content matching the tool's output schema.
    pub structured: Value,
}

/// The declarative part of a tool: who it is and how it behaves.
#[derive(Debug)]
pub struct ToolSpec {
    /// The policy core's id; the wire name is `id.as_str()`.
    pub id: ToolId,
    /// Human title.
    pub title: &'static str,
    /// What the tool does and what its result holds, for the model. The
    /// description appends the options, generated from the grammar's tables.
    pub summary: &'static str,
    /// Truthful behaviour hints.
    pub hints: Hints,
}

impl ToolSpec {
    /// A spec.
    pub const fn new(id: ToolId, title: &'static str, summary: &'static str, hints: Hints) -> Self {
        Self {
            id,
            title,
            summary,
            hints,
        }
    }
}

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
            format!(
                "{}\n\n{}",
                tool.spec().summary,
                describe_options(tool.id(), policy)
            )
            .into()
        })
        .clone()
}

/// One tool: a static spec, two schemas, input parsing and rendering.
pub trait Tool: Send + Sync + 'static {
    /// The tool's declarative spec.
    fn spec(&self) -> &'static ToolSpec;
    /// JSON Schema of the input.
    fn input_schema(&self) -> JsonObject;
    /// JSON Schema of `structuredContent` (object-rooted).
    fn output_schema(&self) -> JsonObject;
    /// The policy core's id for this tool.
    fn id(&self) -> ToolId {
        self.spec().id
    }
    /// Wire name, e.g. `nmap`.
    fn name(&self) -> &'static str {
        self.spec().id.as_str()
    }
    /// Human title.
    fn title(&self) -> &'static str {
        self.spec().title
    }
    /// Behaviour hints.
    fn hints(&self) -> Hints {
        self.spec().hints
    }
    /// Parses raw call arguments. Tools with typed fields beyond the common
    /// ones override this (and `input_schema`).
    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        Ok(ParsedInput {
            common: parse_common(args)?,
            fields: ToolFields::None,
        })
    }
    /// Adds to the input schema what depends on the operator's policy (e.g.
    /// the allowed values of a field).
    fn specialize_schema(&self, _schema: &mut JsonObject, _policy: &Policy) {}
    /// Turns a finished run into the result (or an error such as `timeout`).
    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError>;
}

/// A tool's config section (`tools.<name>`): the switches every tool has,
/// and its own limits, validated into the policy core.
pub trait ToolSection {
    /// Offer the tool to clients.
    fn enabled(&self) -> bool;
    /// Path of the binary; empty means look it up on `PATH`.
    fn binary(&self) -> &str;
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    fn concurrency(&self) -> u32;
    /// Validates the section (problems name `prefix.<key>`) and writes the
    /// tool's limits into `policy`.
    fn apply(&self, prefix: &str, policy: &mut Policy, p: &mut Problems);
}

/// `tools`: one section per tool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolsConfig {
    /// nmap.
    pub nmap: nmap::NmapConfig,
    /// masscan.
    pub masscan: masscan::MasscanConfig,
    /// gobuster.
    pub gobuster: gobuster::GobusterConfig,
    /// hydra.
    pub hydra: hydra::HydraConfig,
    /// sqlmap.
    pub sqlmap: sqlmap::SqlmapConfig,
    /// dig.
    pub dig: dig::DigConfig,
}

impl ToolsConfig {
    /// The section of `id` (every tool has one: no tool can be forgotten).
    pub fn section(&self, id: ToolId) -> &dyn ToolSection {
        match id {
            ToolId::Nmap => &self.nmap,
            ToolId::Masscan => &self.masscan,
            ToolId::Gobuster => &self.gobuster,
            ToolId::Hydra => &self.hydra,
            ToolId::Sqlmap => &self.sqlmap,
            ToolId::Dig => &self.dig,
        }
    }
}

/// One value per tool, looked up by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerTool<T>(Vec<(ToolId, T)>);

impl<T> PerTool<T> {
    /// A value for every tool of the policy core.
    pub fn from_fn(mut f: impl FnMut(ToolId) -> T) -> Self {
        Self(ToolId::ALL.iter().map(|&id| (id, f(id))).collect())
    }

    /// The value of `id`.
    pub fn get(&self, id: ToolId) -> &T {
        // Built from ToolId::ALL, so every id is present.
        let i = self.0.iter().position(|(t, _)| *t == id).unwrap_or(0);
        &self.0[i].1
    }

    /// Every tool's value.
    pub fn iter(&self) -> impl Iterator<Item = (ToolId, &T)> {
        self.0.iter().map(|(id, v)| (*id, v))
    }
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

/// The schema of one input field, if the tool has it.
pub fn property<'a>(schema: &'a mut JsonObject, name: &str) -> Option<&'a mut Value> {
    schema.get_mut("properties")?.get_mut(name)
}

/// Makes a string field an enum of `values`.
pub fn set_enum<S: AsRef<str>>(schema: &mut JsonObject, name: &str, values: &[S]) {
    if let Some(Value::Object(f)) = property(schema, name) {
        f.insert(
            "enum".into(),
            Value::Array(values.iter().map(|v| Value::from(v.as_ref())).collect()),
        );
    }
}

/// All compiled-in tools.
pub static REGISTRY: &[&dyn Tool] = &[
    &nmap::Nmap,
    &gobuster::Gobuster,
    &hydra::Hydra,
    &sqlmap::Sqlmap,
    &masscan::Masscan,
    &dig::Dig,
];

/// Looks a tool up by wire name.
pub fn find(name: &str) -> Option<&'static dyn Tool> {
    REGISTRY.iter().copied().find(|t| t.name() == name)
}

/// A JSON Schema for `T` as an object, with the `$schema` key removed (clients
/// that check schemas strictly want plain objects) and doc-comment line wraps
/// in descriptions joined, so a model reads flowing sentences.
///
/// Also made portable for strict clients and model APIs: `$defs` references
/// are inlined, a `oneOf` of string constants becomes a plain `enum`, and the
/// non-standard integer `format`s schemars adds (`uint32`, ...) are dropped.
pub fn schema_object<T: JsonSchema>() -> JsonObject {
    let schema = schemars::schema_for!(T);
    match serde_json::to_value(schema) {
        Ok(Value::Object(mut map)) => {
            map.remove("$schema");
            map.remove("title");
            let defs = match map.remove("$defs") {
                Some(Value::Object(d)) => d,
                _ => JsonObject::new(),
            };
            for v in map.values_mut() {
                portable(v, &defs);
                unwrap_descriptions(v);
            }
            if let Some(Value::String(d)) = map.get_mut("description") {
                *d = unwrap_lines(d);
            }
            map
        }
        _ => JsonObject::new(),
    }
}

/// Inlines `$ref`s into `defs`, folds string-constant `oneOf`s into `enum`s
/// and drops non-standard number formats, everywhere in `v`.
fn portable(v: &mut Value, defs: &JsonObject) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(Value::Object(def)) =
                    r.strip_prefix("#/$defs/").and_then(|n| defs.get(n))
            {
                map.remove("$ref");
                for (k, dv) in def {
                    // The field's own description wins over the type's.
                    map.entry(k.clone()).or_insert_with(|| dv.clone());
                }
            }
            if let Some(Value::Array(variants)) = map.get("oneOf") {
                let consts: Option<Vec<Value>> = variants
                    .iter()
                    .map(|variant| variant.get("const").filter(|c| c.is_string()).cloned())
                    .collect();
                if let Some(values) = consts {
                    map.remove("oneOf");
                    map.insert("type".into(), Value::from("string"));
                    map.insert("enum".into(), Value::Array(values));
                }
            }
            let nonstandard = map.get("format").and_then(Value::as_str).is_some_and(|f| {
                f.starts_with("uint") || f.starts_with("int") || f == "double" || f == "float"
            });
            if nonstandard {
                map.remove("format");
            }
            map.values_mut().for_each(|child| portable(child, defs));
        }
        Value::Array(items) => items.iter_mut().for_each(|child| portable(child, defs)),
        _ => {}
    }
}

fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(d) if k == "description" => *d = unwrap_lines(d),
                    _ => unwrap_descriptions(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// Joins single line breaks with a space; paragraph breaks stay.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            para.split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The endings every tool reports alike, checked in this order: stopped at the
/// call's timeout (with what it had parsed so far), cancelled by the client or
/// shutdown, ended by a signal. `partial` summarises what was parsed; it runs
/// only on a timeout. `timeout_hint` says how to make the call fit.
pub fn check_stopped(
    tool: &str,
    ctx: &RenderContext<'_>,
    outcome: &RunOutcome,
    partial: impl FnOnce() -> String,
    timeout_hint: &str,
) -> Result<(), ToolError> {
    if outcome.timed_out {
        return Err(ToolError::new(
            ErrorCode::Timeout,
            format!(
                "{tool} was stopped after {} s (timeout_sec); partial results: {}",
                ctx.timeout.as_secs(),
                partial()
            ),
            timeout_hint,
        ));
    }
    if outcome.cancelled {
        return Err(ToolError::new(
            ErrorCode::Cancelled,
            format!("the call was cancelled and {tool} was stopped"),
            "call again if the results are still needed",
        ));
    }
    if let Some(signal) = outcome.signal {
        return Err(ToolError::new(
            ErrorCode::ExecutionError,
            format!("{tool} was ended by signal {signal} before it finished"),
            format!("retry; if it repeats, ask the operator to check the {tool} installation"),
        ));
    }
    Ok(())
}

/// Notes longer than this stay out of the description: value ranges and
/// limits come back in the refusal of a value that breaks them.
const SHORT_NOTE: usize = 12;

/// What `extra_args` accepts, from the grammar's own tables: per group the
/// options with their value placeholders, short ranges and gates; the
/// grammar's facts (target, defaults) without what the server always adds;
/// the refused families. Compact, because every client sends it to the
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
    if !o.refused.is_empty() {
        let families: Vec<&str> = o.refused.iter().map(|f| f.family).collect();
        let _ = write!(out, "Refused: {}.", families.join("; "));
    }
    out.trim_end().to_owned()
}

/// A tool that exited with an error after the server accepted its options:
/// the options passed the grammar, so the hint does not send the agent back
/// to them; the tool's own first stderr line (sanitized, bounded) says what
/// went wrong.
pub fn tool_failed(tool: &str, exit_code: Option<i32>, stderr: &[u8]) -> ToolError {
    let text = String::from_utf8_lossy(stderr);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no error message");
    let first: String = secmcp_output::sanitize::sanitize_line(first)
        .chars()
        .take(300)
        .collect();
    ToolError::new(
        ErrorCode::ExecutionError,
        format!(
            "{tool} exited with code {}: \"{first}\"",
            exit_code.unwrap_or(-1)
        ),
        format!(
            "the options passed the server's checks, so this is {tool}'s own complaint: retry; if it repeats, ask the operator to check the server log"
        ),
    )
}

/// The end every successful render shares: the summary with the correlation
/// id as the text, and the tool's output as `structuredContent`.
pub fn finish(
    ctx: &RenderContext<'_>,
    summary: String,
    output: &impl Serialize,
) -> Result<Rendered, ToolError> {
    let structured = serde_json::to_value(output).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a tool's output");
        ToolError::new(
            ErrorCode::Unknown,
            "internal error rendering the result",
            "retry",
        )
    })?;
    Ok(Rendered {
        text: format!("{summary}\ncorrelation_id: {}", ctx.correlation_id),
        structured,
    })
}

/// Deserialises raw call arguments into a tool's input struct; a mismatch
/// (unknown field, wrong type, missing `target`) is a `validation_error` whose
/// hint (`expected`) says what the object should hold.
pub fn parse_typed<T: serde::de::DeserializeOwned>(
    args: Option<JsonObject>,
    expected: &str,
) -> Result<T, ToolError> {
    serde_json::from_value(Value::Object(args.unwrap_or_default())).map_err(|e| {
        ToolError::new(
            ErrorCode::ValidationError,
            format!("arguments: {e}"),
            expected.to_owned(),
        )
    })
}

/// Parses the common input fields from raw call arguments.
pub fn parse_common(args: Option<JsonObject>) -> Result<CommonInput, ToolError> {
    parse_typed(
        args,
        "pass an object with `target` (string) and optionally `extra_args` (string), \
         `timeout_sec` (integer), `correlation_id` (string)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_invariants() {
        let mut names = std::collections::HashSet::new();
        for tool in REGISTRY {
            assert!(names.insert(tool.name()), "duplicate tool {}", tool.name());
            let input = tool.input_schema();
            assert_eq!(input.get("type"), Some(&Value::from("object")));
            let required = input["required"].as_array().unwrap();
            assert!(required.contains(&Value::from("target")));
            let output = tool.output_schema();
            assert_eq!(
                output.get("type"),
                Some(&Value::from("object")),
                "{}",
                tool.name()
            );
            assert!(
                description(*tool, &Policy::default()).len() > 200,
                "describe {} for the model",
                tool.name()
            );
            let hints = tool.hints();
            assert!(hints.open_world, "network tools reach the network");
            assert!(!(hints.read_only && hints.destructive));
            // Strict clients reject nullable unions; our schemas avoid them.
            let text = serde_json::to_string(&input).unwrap();
            assert!(
                !text.contains("\"null\""),
                "{}: nullable input field",
                tool.name()
            );
        }
    }

    #[test]
    fn schema_descriptions_read_as_sentences() {
        assert_eq!(unwrap_lines("a\nb\n\nc\n d"), "a b\n\nc d");
        let text = serde_json::to_string(&schema_object::<CommonInput>()).unwrap();
        assert!(!text.contains("`,\\n`-`"), "{text}");
    }

    #[test]
    fn every_tool_reports_stops_alike() {
        let target = AuthorizedTarget {
            requested: "10.0.0.1".into(),
            hostname: None,
            pinned: vec![],
            rendered: "10.0.0.1".into(),
            address_count: 1,
        };
        let ctx = RenderContext {
            correlation_id: "c",
            target: &target,
            extra_targets: &[],
            argv: vec![],
            timeout: Duration::from_secs(7),
            detail: Detail::default(),
        };
        let ended = |timed_out, cancelled, signal| RunOutcome {
            exit_code: None,
            signal,
            stdout: Default::default(),
            stderr: Default::default(),
            timed_out,
            cancelled,
            duration: Duration::ZERO,
            pid: 1,
            files: vec![],
        };
        let check = |o: &RunOutcome| check_stopped("x", &ctx, o, || "2 found".into(), "hint");
        let e = check(&ended(true, false, Some(15))).unwrap_err();
        assert_eq!(e.code, ErrorCode::Timeout);
        assert_eq!(
            e.message,
            "x was stopped after 7 s (timeout_sec); partial results: 2 found"
        );
        let e = check(&ended(false, true, Some(15))).unwrap_err();
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert!(e.message.contains("cancelled"), "{}", e.message);
        let e = check(&ended(false, false, Some(11))).unwrap_err();
        assert!(e.message.contains("signal 11"), "{}", e.message);
        let mut done = ended(false, false, None);
        done.exit_code = Some(0);
        assert!(check(&done).is_ok());
    }

    #[test]
    fn unknown_input_fields_are_rejected() {
        let args = serde_json::json!({"target": "10.0.0.1", "extra": 1});
        let err = parse_common(args.as_object().cloned()).unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationError);
        assert!(
            err.message.contains("unknown field `extra`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_target_is_a_validation_error() {
        let err = parse_common(None).unwrap_err();
        assert!(
            err.message.contains("missing field `target`"),
            "{}",
            err.message
        );
    }

    /// What a model reads depends on what the operator allows: the largest
    /// timeout, the hydra modules, the dig types (zone transfers only with
    /// allow_intrusive); portable schemas (no refs, no uint formats).
    #[test]
    fn input_schemas_carry_the_operators_facts() {
        let mut policy = Policy::default();
        policy.hydra.services = vec!["ssh".into(), "ftp".into()];
        let max = Duration::from_secs(900);
        let hydra = input_schema_for(&hydra::Hydra, &policy, max);
        assert_eq!(
            hydra["properties"]["service"]["enum"],
            serde_json::json!(["ssh", "ftp"])
        );
        assert_eq!(hydra["properties"]["timeout_sec"]["maximum"], 900);
        let dig = input_schema_for(&dig::Dig, &policy, max);
        let types = dig["properties"]["query_type"]["enum"]
            .as_array()
            .unwrap()
            .clone();
        assert!(types.contains(&Value::from("MX")) && !types.contains(&Value::from("AXFR")));
        assert_eq!(
            dig["properties"]["query_class"]["enum"],
            serde_json::json!(["IN", "CH"])
        );
        policy.allow_intrusive = true;
        let dig = input_schema_for(&dig::Dig, &policy, max);
        assert!(
            dig["properties"]["query_type"]["enum"]
                .as_array()
                .unwrap()
                .contains(&Value::from("AXFR"))
        );
        for tool in REGISTRY {
            let text = serde_json::to_string(&input_schema_for(*tool, &policy, max)).unwrap();
            for bad in [
                "$ref",
                "$defs",
                "oneOf",
                "\"format\":\"uint",
                "\"format\":\"int",
            ] {
                assert!(!text.contains(bad), "{}: {bad} in {text}", tool.name());
            }
            let detail = &input_schema_for(*tool, &policy, max)["properties"]["detail"];
            assert_eq!(
                detail["enum"],
                serde_json::json!(["summary", "standard", "full"]),
                "{}",
                tool.name()
            );
        }
        let gobuster = input_schema_for(&gobuster::Gobuster, &policy, max);
        assert_eq!(
            gobuster["properties"]["mode"]["enum"],
            serde_json::json!(["dir", "dns", "vhost"])
        );
    }

    /// A typed `ports` reaches the grammar as -p; anything but a port list is
    /// refused before it could carry an option.
    #[test]
    fn nmap_ports_field_becomes_a_checked_dash_p() {
        let ok = nmap::Nmap
            .parse_input(
                serde_json::json!({"target": "10.0.0.5", "ports": "22,80", "extra_args": "-sV"})
                    .as_object()
                    .cloned(),
            )
            .unwrap();
        assert_eq!(ok.common.extra_args, "-p 22,80 -sV");
        for bad in ["22 -iL /etc/passwd", "80;id", "$(id)", "22,80'"] {
            let e = nmap::Nmap
                .parse_input(
                    serde_json::json!({"target": "10.0.0.5", "ports": bad})
                        .as_object()
                        .cloned(),
                )
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::ValidationError, "{bad}");
            assert!(e.message.starts_with("ports:"), "{bad}: {}", e.message);
        }
    }

    /// Every tool the policy core knows is a complete tool here: a registry
    /// entry with a spec, schemas, a description generated from its grammar,
    /// a config section with its defaults in the example config, and a row in
    /// the README. Remove any part of one tool and this names it.
    #[test]
    fn every_tool_id_has_every_part() {
        let example = crate::cli::EXAMPLE_CONFIG;
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .unwrap();
        let sections = ToolsConfig::default();
        for id in ToolId::ALL {
            let name = id.as_str();
            let tool = find(name).unwrap_or_else(|| panic!("{name}: no registry entry"));
            assert_eq!(tool.id(), id, "{name}: registry entry has another id");
            assert!(
                !tool.title().is_empty() && tool.spec().summary.len() > 80,
                "{name}: spec"
            );
            let d = description(tool, &Policy::default());
            assert!(
                d.contains("extra_args options:"),
                "{name}: description lacks its options"
            );
            assert!(
                tool.input_schema()["properties"].get("target").is_some(),
                "{name}: input schema"
            );
            assert_eq!(
                tool.output_schema()["type"],
                "object",
                "{name}: output schema"
            );
            assert!(
                !secmcp_policy::grammar(id).binary.is_empty(),
                "{name}: policy descriptor"
            );
            let section = sections.section(id);
            assert!(
                section.enabled() && section.concurrency() == 0,
                "{name}: config defaults"
            );
            assert!(
                example.contains(&format!("\n  {name}:\n")),
                "{name}: not in the example config"
            );
            assert!(
                readme.contains(&format!("| `{name}` |")),
                "{name}: no row in README's tool table"
            );
        }
        assert_eq!(
            REGISTRY.len(),
            ToolId::ALL.len(),
            "a registry entry without a policy id"
        );
    }
}
