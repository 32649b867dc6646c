//! Loading: defaults < file < environment < command line, every problem of
//! every layer collected and reported together.
//!
//! The file (YAML or JSON) is read into a JSON value; the design's keys are
//! mapped to ours ([`super::aliases`]); the environment is written in
//! ([`super::env_vars`]); then the value is deserialized into [`Config`].
//! A key that does not fit (unknown, wrong type) is reported in plain words
//! and dropped, and deserialization goes on, so one run names every mistake.
//!
//! [`load`] reads the file and the process environment and hands both to
//! [`load_from`], which does the rest without reading either: the one code
//! path, also taken by the fuzz target `config_load` with text and an
//! environment of its own.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::{Config, ConfigError};
use super::settings::Settings;
use super::{aliases, env_vars};
use crate::validate::{MAX_PROBLEMS, Problem, Problems};

/// A config file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.yaml` or `.yml`.
    Yaml,
    /// `.json`.
    Json,
}

impl Format {
    /// The format a file's extension names, if any.
    pub fn of_path(path: &Path) -> Option<Self> {
        match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "yaml" | "yml" => Some(Self::Yaml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// A config file's content, already read.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// What a problem with the whole file names (its path).
    pub name: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// How to read it.
    pub format: Format,
}

/// The config file: the `--config` flag, else the environment.
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| env_vars::first_set(env_vars::CONFIG_FILE, false).map(|(_, v)| v.into()))
}

/// Loads defaults < file < environment < `overrides` and validates them.
/// The settings carry the warnings; an error lists every problem found.
pub fn load(
    path: Option<PathBuf>,
    overrides: impl FnOnce(&mut Config),
) -> Result<Settings, ConfigError> {
    let path = config_path(path);
    let read = match &path {
        Some(p) => Some(read(p)?),
        None => None,
    };
    let source = read.as_ref().map(|(name, text, format)| Source {
        name,
        text,
        format: *format,
    });
    load_from(
        source,
        env_vars::first_set,
        crate::privilege::has_raw_sockets(),
        overrides,
    )
}

/// [`load`] on a file already read (`None`: no file) and an environment
/// looked up through `env` (as [`env_vars::first_set`] does: the first set
/// variable of the names, empty values counting as set when asked), with
/// `raw_sockets` as this process's privilege. Reads no file and no
/// environment variable itself; validation still looks at the machine as
/// [`Settings`] does (tool binaries on `PATH` and list files for warnings,
/// the default data directory).
pub fn load_from(
    source: Option<Source<'_>>,
    env: impl Fn(&[&'static str], bool) -> Option<(&'static str, String)>,
    raw_sockets: bool,
    overrides: impl FnOnce(&mut Config),
) -> Result<Settings, ConfigError> {
    let mut problems = Problems::default();
    let mut value = match source {
        Some(s) => parse(&s).map_err(|problem| ConfigError::Invalid {
            problems: crate::validate::tidy(vec![problem]),
        })?,
        None => Value::Object(serde_json::Map::new()),
    };
    aliases::apply(&mut value, &mut problems);
    let origins = env_vars::apply_from(&mut value, &mut problems, env);
    let mut raw = deserialize(value, &origins, &mut problems);
    overrides(&mut raw);
    Settings::validate(raw, raw_sockets, problems)
}

/// Reads a config file: its name, text and format (by extension).
fn read(path: &Path) -> Result<(String, String, Format), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let format = Format::of_path(path).ok_or_else(|| ConfigError::Extension(path.to_owned()))?;
    Ok((path.display().to_string(), text, format))
}

/// Parses YAML or JSON text into a value. A syntax error is reported with
/// its line, and indentation is named as the likely cause.
fn parse(source: &Source<'_>) -> Result<Value, Problem> {
    let text = source.text;
    let parsed: Result<Value, String> = match source.format {
        Format::Yaml if text.trim().is_empty() => Ok(Value::Object(serde_json::Map::new())),
        Format::Yaml => yaml_serde::from_str(text).map_err(|e| yaml_problem(&e.to_string())),
        Format::Json => serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}")),
    };
    let problem = |message: String| Problem {
        field: source.name.to_owned(),
        message,
    };
    match parsed.map_err(problem)? {
        Value::Null => Ok(Value::Object(serde_json::Map::new())),
        value @ Value::Object(_) => Ok(value),
        _ => Err(problem(
            "the file must hold sections such as `security:` and `server:`, not a single value"
                .into(),
        )),
    }
}

/// A YAML syntax error in plain words.
fn yaml_problem(e: &str) -> String {
    let indentation = [
        "mapping values are not allowed",
        "did not find expected key",
        "block mapping",
        "could not find expected ':'",
    ];
    if indentation.iter().any(|i| e.contains(i)) {
        format!(
            "YAML syntax: {e}; check the indentation of that line against the lines above it (a line indented deeper than its neighbours continues the value above)"
        )
    } else {
        format!("YAML syntax: {e}")
    }
}

/// Deserializes `value` into a [`Config`], recording each key that does not
/// fit and dropping it, until the rest fits.
fn deserialize(mut value: Value, origins: &[(&str, &str)], p: &mut Problems) -> Config {
    for _ in 0..MAX_PROBLEMS {
        match serde_path_to_error::deserialize::<_, Config>(value.clone()) {
            Ok(c) => return c,
            Err(e) => {
                let path = e.path().to_string();
                let message = e.inner().to_string();
                let (field, drop_at) = locate(&path, &message);
                let from_env = origins.iter().find(|(key, _)| *key == field);
                let mut said = friendly(&message, &field);
                if let Some((_, var)) = from_env {
                    said = format!("{said} (set by the environment variable {var})");
                }
                p.error(field, said);
                if !remove(&mut value, &drop_at) {
                    break;
                }
            }
        }
    }
    Config::default()
}

/// The field to name and the key path to drop for one deserialization error.
/// For an unknown key the error's path is its section; the key is in the
/// message.
fn locate(path: &str, message: &str) -> (String, Vec<String>) {
    let mut parts: Vec<String> = if path == "." || path.is_empty() {
        Vec::new()
    } else {
        path.split('.').map(str::to_owned).collect()
    };
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        && parts.last().map(String::as_str) != Some(key)
    {
        parts.push(key.to_owned());
    }
    let field = if parts.is_empty() {
        "(top level)".to_owned()
    } else {
        parts.join(".")
    };
    (field, parts)
}

/// Removes the key at `path` (array indexes such as `x[2]` drop the element).
fn remove(value: &mut Value, path: &[String]) -> bool {
    let Some((last, head)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for part in head {
        let (key, index) = split_index(part);
        let Some(next) = at.get_mut(key) else {
            return false;
        };
        at = match index {
            Some(i) => match next.get_mut(i) {
                Some(v) => v,
                None => return false,
            },
            None => next,
        };
    }
    let (key, index) = split_index(last);
    match (index, at) {
        (None, Value::Object(m)) => m.remove(key).is_some(),
        (Some(i), Value::Object(m)) => match m.get_mut(key) {
            Some(Value::Array(a)) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn split_index(part: &str) -> (&str, Option<usize>) {
    match part.strip_suffix(']').and_then(|p| p.split_once('[')) {
        Some((k, i)) => (k, i.parse().ok()),
        None => (part, None),
    }
}

/// serde's messages in an operator's words: no Rust type names, the allowed
/// forms spelled out, and an indentation hint where a value swallowed the
/// next line.
pub(super) fn friendly(message: &str, field: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or("");
        let known: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let mut s = format!("`{key}` is not a setting here");
        if let Some(close) = known.iter().find(|k| close_enough(k, key)) {
            s.push_str(&format!(" (did you mean `{close}`?)"));
        }
        if !known.is_empty() {
            s.push_str(&format!("; the settings here are: {}", known.join(", ")));
        }
        return s;
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let got = rest.split('`').next().unwrap_or("");
        let allowed: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let mut s = format!("`{got}` is not one of: {}", allowed.join(", "));
        if let Some(first) = got.split_whitespace().next()
            && got.contains(char::is_whitespace)
            && allowed.contains(&first)
        {
            s.push_str(&format!(
                "; it starts with `{first}`: the line after `{field}` is probably indented too deep and was read as part of its value"
            ));
        }
        return s;
    }
    let expected = message.split_once(", expected ").map(|(_, e)| e);
    let found = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|r| r.split_once(", expected ").map(|(f, _)| f));
    match (found, expected) {
        (Some(found), Some(expected)) => {
            format!("expected {}, found {found}", plain_type(expected, field))
        }
        _ => message.to_owned(),
    }
}

fn plain_type(expected: &str, field: &str) -> String {
    let port = field.ends_with("port");
    match expected {
        "u16" if port => "a port number 1-65535".into(),
        "u8" => "a whole number 0-255".into(),
        "u16" => "a whole number 0-65535".into(),
        "u32" | "u64" | "usize" => "a whole number 0 or more".into(),
        "i64" | "i32" => "a whole number".into(),
        "a boolean" => "true or false".into(),
        "a string" => "text".into(),
        "a sequence" => "a list (`[a, b]` or `- a` lines)".into(),
        "a map" => "a section of `key: value` lines".into(),
        e if e.starts_with("struct ") => "a section of `key: value` lines".into(),
        e => e.to_owned(),
    }
}

/// One edit apart (a typo), or differing only in `_`/`-`.
fn close_enough(a: &str, b: &str) -> bool {
    if a.replace('-', "_") == b.replace('-', "_") {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= 1
}
