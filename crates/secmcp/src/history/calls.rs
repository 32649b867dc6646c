//! The `scan_history` and `scan_diff` tools: what the agent sends, what it
//! gets back, and how each call reads the run store. Read-only: nothing here
//! starts a tool or writes a record. `service` lists them (when runs are
//! kept) and turns the results into MCP.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use secmcp_store::{ListQuery, RunRecord, Store, StoreError};

use super::access::Access;
use super::diff::{RunDiff, diff};
use super::filter::{self, TargetFilter};
use super::time::{parse_utc, utc};
use crate::error::{ErrorCode, ToolError};
use crate::tools::schema::JsonObject;

/// Name of the history tool.
pub const SCAN_HISTORY: &str = "scan_history";
/// Name of the diff tool.
pub const SCAN_DIFF: &str = "scan_diff";

/// Runs per `scan_history` answer by default, and at most.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
/// Characters of each run's summary a listing shows.
const SUMMARY_CHARS: usize = 240;
/// Stored runs `scan_diff` looks through for the last two completed ones.
const DIFF_LOOKBACK: u32 = 50;

/// One of the server's own read-only tools, as `service` describes it.
pub struct ServerTool {
    /// Tool name.
    pub name: &'static str,
    /// Display title.
    pub title: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// JSON Schema of the arguments.
    pub input: fn() -> JsonObject,
    /// JSON Schema of `structuredContent`.
    pub output: fn() -> JsonObject,
}

/// The history tools, in listing order.
pub const TOOLS: [ServerTool; 2] = [
    ServerTool {
        name: SCAN_HISTORY,
        title: "Scan history",
        description: "Lists stored tool runs, newest first: what was scanned, when, with which \
tool, and what was found (each run's summary). Filter by `target` (an address, a network of at \
most 1024 addresses matching every run that covered any part of it, or a host name), `tool`, \
and a time range (`since`/`until`: 2026-12-01 or 2026-12-01T14:00:00Z). Refused calls are left \
out unless `include_refused`. Each run's full result is the resource secmcp://runs/{id}; \
compare two runs with scan_diff. Reads the server's run store only; sends nothing.",
        input: crate::tools::schema_object::<HistoryArgs>,
        output: crate::tools::schema_object::<HistoryOutput>,
    },
    ServerTool {
        name: SCAN_DIFF,
        title: "Compare two scans",
        description: "Says what changed between two stored runs of the same tool: hosts and \
ports that opened or closed and services whose version changed (nmap, masscan), paths or names \
that appeared or went (gobuster), DNS answers (dig), credentials (hydra) and injection points \
(sqlmap). Give `before` and `after` run ids (from scan_history or a result's resource link), or \
`tool` and `target` to compare the last two completed runs of that tool on that target. A host \
or port counts as closed only if the later run looked at it. Reads the run store only; sends \
nothing.",
        input: crate::tools::schema_object::<DiffArgs>,
        output: crate::tools::schema_object::<RunDiff>,
    },
];

/// `scan_history` arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    /// Only runs on this address, network (at most 1024 addresses) or host name.
    #[serde(default)]
    pub target: Option<String>,
    /// Only runs of this tool (nmap, masscan, gobuster, hydra, sqlmap, dig).
    #[serde(default)]
    pub tool: Option<String>,
    /// Only runs that arrived at or after this time (UTC unless an offset is given).
    #[serde(default)]
    pub since: Option<String>,
    /// Only runs that arrived before this time.
    #[serde(default)]
    pub until: Option<String>,
    /// Also list calls the server refused (default false).
    #[serde(default)]
    pub include_refused: bool,
    /// At most this many runs (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// `next_cursor` of a previous answer, to continue.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// `scan_diff` arguments: `before` and `after`, or `tool` and `target`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    /// The earlier run's id.
    #[serde(default)]
    pub before: Option<String>,
    /// The later run's id.
    #[serde(default)]
    pub after: Option<String>,
    /// With `target`: compare this tool's last two completed runs.
    #[serde(default)]
    pub tool: Option<String>,
    /// With `tool`: the address, network or host name the runs were on.
    #[serde(default)]
    pub target: Option<String>,
}

/// `scan_history` result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryOutput {
    /// Matching runs, newest first.
    pub runs: Vec<HistoryRun>,
    /// Pass as `cursor` for the next page; absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One stored run as listed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryRun {
    /// Run id (for scan_diff).
    pub id: String,
    /// Its full result: read this resource.
    pub uri: String,
    /// When the call arrived (UTC).
    pub at: String,
    /// Tool name.
    pub tool: String,
    /// The target as given.
    pub target: String,
    /// `accepted`, `refused` or `dry_run`.
    pub decision: String,
    /// `ok` or an error code.
    pub outcome: String,
    /// Call time in milliseconds.
    pub duration_ms: i64,
    /// What the agent was told (first 240 characters).
    pub summary: String,
}

/// Lists the stored runs `access` may read; returns the text for the model
/// and the structured result.
pub async fn history(
    store: &Store,
    args: HistoryArgs,
    access: &Access,
) -> Result<(String, Value), ToolError> {
    let mut q = ListQuery {
        tool: args.tool.as_deref().map(tool_name).transpose()?,
        since_ms: args
            .since
            .as_deref()
            .map(|s| time(s, "since"))
            .transpose()?,
        until_ms: args
            .until
            .as_deref()
            .map(|s| time(s, "until"))
            .transpose()?,
        accepted_only: !args.include_refused,
        cursor: args.cursor,
        limit: args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        owner: access.owner(),
        ..ListQuery::default()
    };
    if let Some(c) = &q.cursor
        && secmcp_store::decode_cursor(c).is_none()
    {
        return Err(invalid(
            "cursor: not one this server made",
            "pass next_cursor from the previous scan_history answer unchanged",
        ));
    }
    if let Some(t) = &args.target {
        apply_target(&mut q, t)?;
    }
    let page = store.list(&q).await.map_err(store_failed)?;
    let runs: Vec<HistoryRun> = page
        .runs
        .into_iter()
        .map(|r| HistoryRun {
            uri: crate::store::run_uri(&r.id),
            at: utc(r.started_at_ms),
            decision: r.decision.as_str().to_owned(),
            summary: first_chars(&r.summary, SUMMARY_CHARS),
            id: r.id,
            tool: r.tool,
            target: r.target,
            outcome: r.outcome,
            duration_ms: r.duration_ms,
        })
        .collect();
    let mut text = format!("{} stored run(s), newest first\n", runs.len());
    for r in &runs {
        let first = r.summary.lines().next().unwrap_or_default();
        text.push_str(&format!(
            "- {} {} {} {} [{}] {first}\n",
            r.at, r.tool, r.target, r.id, r.outcome
        ));
    }
    if page.next_cursor.is_some() {
        text.push_str("more: call again with cursor = next_cursor\n");
    }
    let out = HistoryOutput {
        runs,
        next_cursor: page.next_cursor,
    };
    Ok((text, serde_json::to_value(out).unwrap_or(Value::Null)))
}

/// Compares two runs `access` may read; returns the text for the model and
/// the structured result.
pub async fn compare(
    store: &Store,
    args: DiffArgs,
    access: &Access,
) -> Result<(String, Value), ToolError> {
    let (before, after) = match (&args.before, &args.after, &args.tool, &args.target) {
        (Some(b), Some(a), None, None) => (
            fetch(store, b, "before", access).await?,
            fetch(store, a, "after", access).await?,
        ),
        (None, None, Some(tool), Some(target)) => last_two(store, tool, target, access).await?,
        _ => {
            return Err(invalid(
                "give `before` and `after` (two run ids), or `tool` and `target`",
                "e.g. {\"tool\": \"nmap\", \"target\": \"10.0.0.5\"}, or run ids from scan_history",
            ));
        }
    };
    let (before, after) = if before.id <= after.id {
        (before, after)
    } else {
        (after, before)
    };
    let d = diff(&before, &after).map_err(|e| {
        invalid(
            &e.0,
            "pick two completed runs of the same tool with scan_history",
        )
    })?;
    Ok((d.text(), serde_json::to_value(&d).unwrap_or(Value::Null)))
}

/// The target filter applied to a listing.
pub fn apply_target(q: &mut ListQuery, target: &str) -> Result<(), ToolError> {
    match filter::parse(target).map_err(|m| {
        invalid(
            &format!("target: {m}"),
            "give an address (10.0.0.5), a network (10.0.0.0/24) or a host name",
        )
    })? {
        TargetFilter::Addresses(a) => q.addresses = Some(a),
        TargetFilter::Name(n) => q.target = Some(n),
    }
    Ok(())
}

async fn fetch(
    store: &Store,
    id: &str,
    field: &str,
    access: &Access,
) -> Result<RunRecord, ToolError> {
    store
        .get(id.trim())
        .await
        .map_err(store_failed)?
        // A run the caller may not read is absent to it.
        .filter(|r| access.allows(&r.owner))
        .ok_or_else(|| {
            ToolError::new(
                ErrorCode::NotFound,
                format!("{field}: no stored run `{id}`"),
                "take run ids from scan_history (or a result's secmcp://runs/{id} link); old runs may have been pruned",
            )
        })
}

/// The last two completed runs of `tool` on `target`.
async fn last_two(
    store: &Store,
    tool: &str,
    target: &str,
    access: &Access,
) -> Result<(RunRecord, RunRecord), ToolError> {
    let mut q = ListQuery {
        tool: Some(tool_name(tool)?),
        accepted_only: true,
        limit: DIFF_LOOKBACK,
        owner: access.owner(),
        ..ListQuery::default()
    };
    apply_target(&mut q, target)?;
    let page = store.list(&q).await.map_err(store_failed)?;
    let mut found = Vec::with_capacity(2);
    for r in page.runs.iter().filter(|r| r.outcome == "ok") {
        if let Some(run) = store.get(&r.id).await.map_err(store_failed)?
            && run.structured.is_some()
        {
            found.push(run);
            if found.len() == 2 {
                break;
            }
        }
    }
    let n = found.len();
    match (found.pop(), found.pop()) {
        (Some(older), Some(newer)) => Ok((older, newer)),
        _ => Err(ToolError::new(
            ErrorCode::NotFound,
            format!("{n} completed {tool} run(s) on `{target}` are stored; a diff needs two"),
            format!("run {tool} on {target} again, or pick two runs with scan_history"),
        )),
    }
}

fn tool_name(t: &str) -> Result<String, ToolError> {
    let names = crate::tools::REGISTRY.iter().map(|t| t.name());
    let t = t.trim().to_ascii_lowercase();
    if names.clone().any(|n| n == t) {
        Ok(t)
    } else {
        Err(invalid(
            &format!("tool: `{t}` is not one of the network tools"),
            &format!("one of: {}", names.collect::<Vec<_>>().join(", ")),
        ))
    }
}

fn time(text: &str, field: &str) -> Result<i64, ToolError> {
    parse_utc(text).map_err(|m| invalid(&format!("{field}: {m}"), "use a date or an RFC 3339 time"))
}

fn invalid(message: &str, hint: &str) -> ToolError {
    ToolError::new(ErrorCode::ValidationError, message, hint)
}

fn store_failed(e: StoreError) -> ToolError {
    ToolError::new(
        ErrorCode::ExecutionError,
        format!("{}: the run store did not answer", e.code()),
        e.hint(),
    )
}

fn first_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
