//! A call's input: the fields every tool shares, the parsed form the
//! pipeline works on, and the one deserializer whose errors agents read.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use secmcp_output::Detail;
use secmcp_policy::ToolFields;

use super::schema::{JsonObject, schema_object};
use crate::error::{ErrorCode, ToolError};

/// One tool call: a target in scope and, optionally, the tool's own options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommonInput {
    /// One IP address, CIDR range or host name in scope (a name is resolved once and
    /// pinned).
    pub target: String,
    /// Options listed in the description (shell quoting, no shell).
    #[serde(default)]
    pub extra_args: String,
    /// Seconds before the run stops; partial results kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1))]
    pub timeout_sec: Option<u32>,
    /// Your id (1-128 of A-Za-z0-9._:-), echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub correlation_id: Option<String>,
    /// How much of the result to return.
    #[serde(default)]
    pub detail: Detail,
    /// true: check the call exactly as a run (same refusals) and return the plan
    /// (pinned targets, argv, gates, limits) without starting the tool.
    #[serde(default)]
    pub dry_run: bool,
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
         `timeout_sec` (integer), `correlation_id` (string), `dry_run` (boolean)",
    )
}

/// The fields every tool's input has besides `target`, documented once (here).
const COMMON_FIELDS: [&str; 5] = [
    "extra_args",
    "timeout_sec",
    "correlation_id",
    "detail",
    "dry_run",
];

/// The input schema of a tool's input struct `T`: its fields, with the
/// common ones as [`CommonInput`] documents them, and without what tells a
/// model nothing (the struct's own doc line, the empty default of
/// `extra_args`).
pub fn input_schema<T: JsonSchema>() -> JsonObject {
    static COMMON: std::sync::OnceLock<JsonObject> = std::sync::OnceLock::new();
    let common = COMMON.get_or_init(
        || match schema_object::<CommonInput>().remove("properties") {
            Some(Value::Object(mut props)) => {
                if let Some(Value::Object(extra)) = props.get_mut("extra_args") {
                    extra.remove("default");
                }
                props
            }
            _ => JsonObject::new(),
        },
    );
    let mut schema = schema_object::<T>();
    schema.remove("description");
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for name in COMMON_FIELDS {
            if let (Some(field), Some(doc)) = (props.get_mut(name), common.get(name)) {
                *field = doc.clone();
            }
        }
    }
    schema
}
