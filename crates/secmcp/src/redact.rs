//! Secret redaction for anything a caller wrote that reaches a log line.
//!
//! [`text`] masks credentials in URLs (`scheme://user:pass@host`), secret
//! `key=value` / `key: value` pairs (password, passwd, pwd, pass, token,
//! secret, api_key, apikey, auth, authorization, cookie, session,
//! credential) and `Bearer`/`Basic` tokens. [`argv`] also masks the value
//! after a tool's secret flags (hydra `-p`, sqlmap `--auth-cred`, ...).
//!
//! Must not: decide anything, or be relied on for safety (logs are a
//! convenience; the policy already keeps secrets out of places they should
//! not go). It only makes accidental leaks into logs unlikely.

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "***";

/// Key names (lower case) whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "token",
    "access_token",
    "refresh_token",
    "secret",
    "client_secret",
    "api_key",
    "apikey",
    "api-key",
    "auth",
    "authorization",
    "auth-cred",
    "auth_cred",
    "cookie",
    "session",
    "sessionid",
    "credential",
    "credentials",
    "private_key",
];

/// Masks secrets in one user-supplied string.
pub fn text(s: &str) -> Cow<'_, str> {
    let lower = s.to_ascii_lowercase();
    let suspicious = s.contains("://")
        || lower.contains("bearer ")
        || lower.contains("basic ")
        || SECRET_KEYS.iter().any(|k| lower.contains(k));
    if !suspicious {
        return Cow::Borrowed(s);
    }
    let out = url_credentials(s);
    let out = auth_schemes(&out);
    Cow::Owned(key_values(&out))
}

/// Masks `user:pass@` in every `scheme://user:pass@host` (the user stays).
fn url_credentials(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(MASK);
                    }
                    None => out.push_str(MASK),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the token after `Bearer ` / `Basic ` (any case).
fn auth_schemes(s: &str) -> String {
    let mut out = s.to_owned();
    for scheme in ["bearer ", "basic "] {
        let mut from = 0;
        loop {
            let lower = out.to_ascii_lowercase();
            let Some(i) = lower[from..].find(scheme).map(|i| i + from) else {
                break;
            };
            let start = i + scheme.len();
            let end = out[start..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
                .map_or(out.len(), |e| e + start);
            if end > start {
                out.replace_range(start..end, MASK);
            }
            from = start + MASK.len().min(out.len() - start);
        }
    }
    out
}

/// Masks the value of `key=value`, `key: value` and `"key": "value"` for secret keys.
fn key_values(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        // A key starts at a boundary.
        let boundary = i == 0 || !is_key_byte(bytes[i - 1]);
        if boundary && is_key_byte(bytes[i]) {
            let mut j = i;
            while j < bytes.len() && is_key_byte(bytes[j]) {
                j += 1;
            }
            let key = s[i..j].to_ascii_lowercase();
            let key = key.trim_start_matches('-');
            if is_secret_key(key) {
                // Optional closing quote, then `=` or `:`, then spaces and an optional quote.
                let mut k = j;
                if k < bytes.len() && (bytes[k] == b'"' || bytes[k] == b'\'') {
                    k += 1;
                }
                if k < bytes.len() && (bytes[k] == b'=' || bytes[k] == b':') {
                    k += 1;
                    while k < bytes.len() && bytes[k] == b' ' {
                        k += 1;
                    }
                    let quote = (k < bytes.len() && (bytes[k] == b'"' || bytes[k] == b'\''))
                        .then(|| bytes[k]);
                    if quote.is_some() {
                        k += 1;
                    }
                    let mut end = k;
                    while end < bytes.len()
                        && match quote {
                            Some(q) => bytes[end] != q,
                            None => !matches!(bytes[end], b' ' | b'&' | b',' | b';' | b'\n'),
                        }
                    {
                        end += 1;
                    }
                    if end > k && !s[k..end].starts_with(MASK) {
                        out.push_str(&s[copied..k]);
                        out.push_str(MASK);
                        copied = end;
                    }
                    i = end.max(j);
                    continue;
                }
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

fn is_key_byte(b: u8) -> bool {
    // `[` and `]` so that form keys like `user[password]` are one key.
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'[' | b']')
}

/// A key is secret when it contains a secret word anywhere: `login_password`,
/// `user[password]`, `X-API-Key`, `X-Auth-Token` all count (over-masking a
/// harmless `author=` is the cheaper mistake).
fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|w| key.contains(w))
}

/// Flags whose next argument is a secret, per tool.
fn secret_flags(tool: &str) -> &'static [&'static str] {
    match tool {
        "hydra" => &["-p"],
        "sqlmap" => &["--auth-cred", "--cookie", "--headers", "--csrf-token"],
        "gobuster" => &["-P", "--password", "-c", "--cookies", "-H", "--headers"],
        _ => &[],
    }
}

/// Masks secrets in a tool's argv (program name first) for logging.
pub fn argv(tool: &str, argv: &[String]) -> Vec<String> {
    let flags = secret_flags(tool);
    let mut out = Vec::with_capacity(argv.len());
    let mut mask_next = false;
    for a in argv {
        if mask_next {
            out.push(MASK.to_owned());
            mask_next = false;
            continue;
        }
        if flags.contains(&a.as_str()) {
            mask_next = true;
            out.push(a.clone());
            continue;
        }
        if let Some((flag, _)) = a.split_once('=')
            && flags.contains(&flag)
        {
            out.push(format!("{flag}={MASK}"));
            continue;
        }
        out.push(text(a).into_owned());
    }
    out
}

/// Masks secrets in a call's arguments for the records that keep them (the
/// run store and the audit log): every value of a secret-named field (but
/// not `*_list`, which names a list) is masked one by one, so a list of
/// inline passwords keeps its length; the value after a tool's secret flag in
/// `extra_args`; and secrets inside any string. Everything else is kept as
/// the caller sent it; no arguments give `{}`.
pub fn arguments(
    tool: &str,
    args: Option<&serde_json::Map<String, serde_json::Value>>,
) -> serde_json::Value {
    use serde_json::Value;
    fn masked(v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
            Value::Null => Value::Null,
            _ => Value::String(MASK.to_owned()),
        }
    }
    fn value(tool: &str, key: &str, v: &Value) -> Value {
        let lower = key.to_ascii_lowercase();
        if is_secret_key(&lower) && !lower.ends_with("_list") {
            return masked(v);
        }
        match v {
            Value::String(s) if key == "extra_args" => Value::String(extra_args(tool, s)),
            Value::String(s) => Value::String(text(s).into_owned()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| value(tool, key, i)).collect())
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), value(tool, k, v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let Some(args) = args else {
        return Value::Object(serde_json::Map::new());
    };
    let kept = Value::Object(
        args.iter()
            .map(|(k, v)| (k.clone(), value(tool, k, v)))
            .collect(),
    );
    // A caller can send megabytes of arguments (a refused call costs it
    // nothing): records keep a bounded copy, never the whole of it.
    let size = kept.to_string().len();
    if size <= MAX_KEPT_ARGUMENTS_BYTES {
        return kept;
    }
    let mut summary = serde_json::Map::new();
    summary.insert(
        "omitted".into(),
        Value::String(format!(
            "{size} bytes of arguments (masked), more than the {MAX_KEPT_ARGUMENTS_BYTES} a record keeps"
        )),
    );
    summary.insert(
        "fields".into(),
        Value::Array(
            args.keys()
                .take(32)
                .map(|k| Value::String(text(k).into_owned()))
                .collect(),
        ),
    );
    Value::Object(summary)
}

/// The most bytes of (masked) arguments a run record or audit record keeps.
pub const MAX_KEPT_ARGUMENTS_BYTES: usize = 16 * 1024;

/// `extra_args` with the values of the tool's secret flags masked; the
/// caller's own spelling is kept when there is nothing to mask.
fn extra_args(tool: &str, s: &str) -> String {
    let Ok(tokens) = secmcp_policy::tokens::tokenize(s, usize::MAX) else {
        return text(s).into_owned();
    };
    let mut with_program = Vec::with_capacity(tokens.len() + 1);
    with_program.push(String::new());
    with_program.extend(tokens);
    let masked = argv(tool, &with_program);
    if masked == with_program {
        return s.to_owned();
    }
    masked[1..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_arguments_hide_inline_passwords_and_secret_flags() {
        let args = serde_json::json!({
            "target": "http://admin:pw1@127.0.0.1/",
            "passwords": ["Winter2024!", "hunter2"],
            "usernames": ["admin"],
            "extra_args": "-t 4 -p s3cr3t",
        });
        let shown = arguments("hydra", args.as_object()).to_string();
        for secret in ["Winter2024!", "hunter2", "s3cr3t", "pw1"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("admin") && shown.contains("-t 4"), "{shown}");
        assert_eq!(arguments("nmap", None), serde_json::json!({}));
    }

    #[test]
    fn oversized_arguments_are_kept_as_a_bounded_summary() {
        // Quotes and control characters grow when escaped: the bound is on the
        // serialised record, not the input.
        let big = "\"\u{1}".repeat(200_000);
        let args = serde_json::json!({"target": "10.0.0.1", "junk": big});
        let out = arguments("nmap", args.as_object());
        let text = out.to_string();
        assert!(
            text.len() < MAX_KEPT_ARGUMENTS_BYTES,
            "{} bytes",
            text.len()
        );
        assert!(
            out["omitted"]
                .as_str()
                .unwrap()
                .contains("bytes of arguments")
        );
        assert_eq!(out["fields"], serde_json::json!(["junk", "target"]));
        // Ordinary arguments are kept whole.
        let small = serde_json::json!({"target": "10.0.0.1", "extra_args": "-sT"});
        assert_eq!(arguments("nmap", small.as_object()), small);
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        assert!(matches!(text("10.0.0.1 -sV -p 22"), Cow::Borrowed(_)));
    }

    #[test]
    fn arguments_keep_what_was_asked_and_mask_secrets() {
        let args = serde_json::json!({
            "target": "web.lab.internal",
            "passwords": ["hunter2", "letmein"],
            "password_list": "passwords",
            "extra_args": "-t 1 -p 'pw with space' -f",
            "url": "http://admin:s3cret@web.lab.internal/",
            "nested": {"token": "abc", "ok": 1}
        });
        let serde_json::Value::Object(m) = args else {
            unreachable!()
        };
        let out = arguments("hydra", Some(&m));
        assert_eq!(out["target"], "web.lab.internal");
        assert_eq!(out["passwords"], serde_json::json!([MASK, MASK]));
        assert_eq!(out["password_list"], "passwords");
        assert_eq!(out["extra_args"], "-t 1 -p *** -f");
        assert_eq!(out["url"], "http://admin:***@web.lab.internal/");
        assert_eq!(out["nested"]["token"], MASK);
        assert_eq!(out["nested"]["ok"], 1);
        let text = out.to_string();
        assert!(
            !text.contains("hunter2")
                && !text.contains("pw with space")
                && !text.contains("s3cret")
        );
        // Nothing to mask: the caller's own quoting stays.
        let serde_json::Value::Object(m) = serde_json::json!({"extra_args": "-sT  -p '80'"}) else {
            unreachable!()
        };
        assert_eq!(arguments("nmap", Some(&m))["extra_args"], "-sT  -p '80'");
    }

    #[test]
    fn url_credentials_are_masked() {
        assert_eq!(
            text("http://admin:s3cret@web.lab.internal/login?x=1"),
            "http://admin:***@web.lab.internal/login?x=1"
        );
        assert_eq!(text("ftp://tok@h/"), "ftp://***@h/");
        assert_eq!(text("see https://h/a@b"), "see https://h/a@b");
    }

    #[test]
    fn key_values_and_tokens_are_masked() {
        assert_eq!(
            text("user=bob&password=hunter2&x=1"),
            "user=bob&password=***&x=1"
        );
        assert_eq!(text("--password=hunter2 -v"), "--password=*** -v");
        assert_eq!(text(r#"{"token": "abc def"}"#), r#"{"token": "***"}"#);
        let h = text("Authorization: Bearer eyJhbGciOi");
        assert!(
            h.starts_with("Authorization: ***") && !h.contains("eyJ"),
            "{h}"
        );
        assert_eq!(text("header Bearer abc.def end"), "header Bearer *** end");
        assert_eq!(text("passwordless mode"), "passwordless mode");
        assert_eq!(text("API_KEY: k1, next"), "API_KEY: ***, next");
    }

    #[test]
    fn secret_words_inside_longer_keys_are_masked() {
        assert_eq!(text("user[password]=hunter2&a=1"), "user[password]=***&a=1");
        assert_eq!(text("login_password=hunter2"), "login_password=***");
        assert_eq!(text("X-API-Key: sk_live_123"), "X-API-Key: ***");
        assert_eq!(text("X-Auth-Token: abc"), "X-Auth-Token: ***");
    }

    #[test]
    fn argv_masks_secret_flag_values_per_tool() {
        let a: Vec<String> = ["hydra", "-l", "bob", "-p", "hunter2", "ssh://10.0.0.1"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            argv("hydra", &a),
            ["hydra", "-l", "bob", "-p", "***", "ssh://10.0.0.1"]
        );
        let n: Vec<String> = ["nmap", "-p", "22"].map(String::from).to_vec();
        assert_eq!(argv("nmap", &n), n, "nmap -p is ports");
        let s: Vec<String> = ["sqlmap", "--auth-cred=u:p", "-u", "http://u:p@h/"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            argv("sqlmap", &s),
            ["sqlmap", "--auth-cred=***", "-u", "http://u:***@h/"]
        );
    }
}
