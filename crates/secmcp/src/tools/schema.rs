//! Input and output schemas as clients get them: portable JSON Schema
//! (inlined references, plain enums, standard formats only), and the
//! helpers a tool uses to add the operator's facts to its schema.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// A JSON object (schemas, structured content).
pub type JsonObject = Map<String, Value>;

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
pub(super) fn unwrap_lines(text: &str) -> String {
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
