//! A call's input: the fields every tool shares, the parsed form the
//! pipeline works on, and the one deserializer whose errors agents read.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use secmcp_output::Detail;
use secmcp_policy::ToolFields;

use super::schema::JsonObject;
use crate::error::{ErrorCode, ToolError};

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
