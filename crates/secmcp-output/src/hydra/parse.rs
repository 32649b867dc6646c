//! The reader of hydra's JSON result file and output lines (see the module docs
//! of [`crate::hydra`]). No I/O, no panics.

use super::{Credential, HydraReport, MAX_ERRORS, MAX_TEXT};
use crate::sanitize::Kind;
use crate::text::decode;
use crate::untrusted::{Flagger, Untrusted};

/// Parses hydra's JSON result file (if any), stdout and stderr.
pub fn parse(json: Option<&[u8]>, stdout: &[u8], stderr: &[u8], max: usize) -> HydraReport {
    let mut r = HydraReport::default();
    let from_json = json.and_then(parse_json);
    let (creds, source) = match from_json {
        Some(c) => (c, "json"),
        None => (stdout_credentials(stdout), "stdout"),
    };
    r.source = source.into();
    for c in creds {
        if r.credentials.len() < max {
            r.credentials.push(c);
        } else {
            r.credentials_omitted += 1;
        }
    }
    for line in lines(stdout) {
        if line.starts_with("[DATA] ") {
            if let Some(n) = number_before(&line, " login tr") {
                r.attempts = n;
            }
        } else if line.contains(" target") && line.contains("completed") {
            r.finished = true;
            r.targets_completed = line
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    for line in lines(stderr) {
        let msg = line.strip_prefix("[ERROR] ").unwrap_or(&line);
        if !line.starts_with("[ERROR]") && !line.starts_with("[WARNING]") {
            continue;
        }
        // Per-child lines carry pids: keep one of each kind.
        let msg = match msg.find("pid ") {
            Some(i) if msg.starts_with("Child with") => {
                let tail = msg[i + 4..].trim_start_matches(|c: char| c.is_ascii_digit());
                format!("a child{tail}")
            }
            _ => msg.to_owned(),
        };
        if r.errors.len() < MAX_ERRORS && !r.errors.contains(&msg) {
            r.errors.push(msg);
        }
    }
    r.untrusted = flag(&r);
    r
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes.split(|&b| b == b'\n').filter_map(|raw| {
        let t = decode(raw, MAX_TEXT, false, Kind::Line);
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// The number right before `marker`: "…, 20 login tries (l:4/p:5)" -> 20.
fn number_before(line: &str, marker: &str) -> Option<u64> {
    let head = &line[..line.find(marker)?];
    head.rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => decode(s.as_bytes(), MAX_TEXT, false, Kind::Line),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn parse_json(bytes: &[u8]) -> Option<Vec<Credential>> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let results = v.get("results")?.as_array()?;
    Some(
        results
            .iter()
            .map(|c| Credential {
                host: text(&c["host"]),
                port: c["port"]
                    .as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .unwrap_or(0),
                service: text(&c["service"]),
                login: text(&c["login"]),
                password: text(&c["password"]),
            })
            .collect(),
    )
}

/// `[18090][http-get] host: 10.0.0.5   login: admin   password: sunshine`
fn stdout_credentials(stdout: &[u8]) -> Vec<Credential> {
    lines(stdout).filter_map(|l| credential_line(&l)).collect()
}

fn credential_line(l: &str) -> Option<Credential> {
    let rest = l.strip_prefix('[')?;
    let (port, rest) = rest.split_once("][")?;
    let (service, rest) = rest.split_once("] host: ")?;
    let (host, rest) = rest.split_once("   login: ")?;
    let (login, password) = match rest.split_once("   password: ") {
        Some((l, p)) => (l, p),
        None => (rest.trim_end(), ""),
    };
    Some(Credential {
        host: host.trim().to_owned(),
        port: port.parse().ok()?,
        service: service.to_owned(),
        login: login.to_owned(),
        password: password.to_owned(),
    })
}

/// Flags the untrusted fields of `r` (found logins and passwords; the path names
/// the field, never its value).
pub(crate) fn flag(r: &HydraReport) -> Untrusted {
    let mut f = Flagger::default();
    for (i, c) in r.credentials.iter().enumerate() {
        f.check(&c.login, || format!("credentials[{i}].login"));
        f.check(&c.password, || format!("credentials[{i}].password"));
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_fallback_and_counts() {
        let out = b"[DATA] max 4 tasks per 1 server, overall 4 tasks, 20 login tries (l:4/p:5), ~5 tries per task\n[18090][http-get] host: 10.0.0.5   login: admin   password: pass word\n1 of 1 target successfully completed, 1 valid password found\n";
        let r = parse(Some(b"{ not json"), out, b"", 10);
        assert_eq!(r.source, "stdout");
        assert_eq!(r.attempts, 20);
        assert!(r.finished);
        assert_eq!(r.credentials[0].password, "pass word");
        assert_eq!(r.credentials[0].port, 18090);
        assert!(!super::super::summary(&r).contains("pass word"));
    }

    #[test]
    fn errors_are_deduplicated() {
        let err = b"[ERROR] Child with pid 1 terminating, can not connect\n[ERROR] Child with pid 2 terminating, can not connect\n[ERROR] all children were disabled\n";
        let r = parse(
            None,
            b"0 of 1 target completed, 0 valid password found\n",
            err,
            10,
        );
        assert_eq!(
            r.errors,
            [
                "a child terminating, can not connect",
                "all children were disabled"
            ]
        );
        assert_eq!(r.targets_completed, 0);
        assert!(r.finished);
    }
}
