//! The fields of the two audit records.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::error::ErrorCode;

/// A call reached a decision: the tool will run, or it was refused.
#[derive(Debug, Clone)]
pub struct Decided<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// Who asked: the local OS user on stdio; on HTTP the API key's name,
    /// `anonymous` without authentication.
    pub identity: &'a str,
    /// The caller's role (`auth.roles`), if any.
    pub role: Option<&'a str>,
    /// The session or connection the call came on.
    pub client: &'a str,
    /// The tool called.
    pub tool: &'static str,
    /// The call's arguments with secrets masked; `None` when there were none.
    pub arguments: Option<&'a Value>,
    /// Allowed (with what will run) or denied (with why).
    pub decision: Decision<'a>,
}

/// What was decided.
#[derive(Debug, Clone)]
pub enum Decision<'a> {
    /// The tool runs: the target as handed to it, the addresses it is
    /// pinned to, and the exact argv (secrets masked).
    Allowed {
        /// The canonical target (IP literal or network).
        target: &'a str,
        /// The addresses a host name was pinned to.
        pinned: Vec<String>,
        /// The argv, program name first.
        argv: Vec<String>,
        /// A dry run: the plan was answered and nothing started.
        dry_run: bool,
        /// Who approved an intrusive run (`security.approval`), when asked.
        approved_by: Option<&'a str>,
    },
    /// Refused, with the code and message the client received.
    Denied {
        /// The stable error code.
        code: ErrorCode,
        /// The message (secrets masked).
        reason: String,
    },
}

impl Decided<'_> {
    /// The record's fields (without the chain members).
    pub fn fields(&self, now: SystemTime) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("time".into(), utc_timestamp(now).into());
        m.insert("event".into(), "call_decided".into());
        m.insert("correlation_id".into(), self.correlation_id.into());
        m.insert("identity".into(), self.identity.into());
        m.insert("role".into(), self.role.map_or(Value::Null, Into::into));
        m.insert("client".into(), self.client.into());
        m.insert("tool".into(), self.tool.into());
        m.insert(
            "arguments".into(),
            self.arguments.cloned().unwrap_or(Value::Null),
        );
        match &self.decision {
            Decision::Allowed {
                target,
                pinned,
                argv,
                dry_run,
                approved_by,
            } => {
                let decision = if *dry_run { "dry_run" } else { "allowed" };
                m.insert("decision".into(), decision.into());
                m.insert("target".into(), (*target).into());
                m.insert("pinned".into(), json!(pinned));
                m.insert("argv".into(), json!(argv));
                if let Some(by) = approved_by {
                    m.insert("approved_by".into(), (*by).into());
                }
            }
            Decision::Denied { code, reason } => {
                m.insert("decision".into(), "denied".into());
                m.insert("code".into(), code.as_str().into());
                m.insert("reason".into(), reason.as_str().into());
            }
        }
        m
    }
}

/// A run ended.
#[derive(Debug, Clone)]
pub struct Ended<'a> {
    /// The call's correlation id.
    pub correlation_id: &'a str,
    /// The tool that ran.
    pub tool: &'static str,
    /// `success` or the error code the client received.
    pub outcome: &'static str,
    /// From the tool's start to its result.
    pub duration: Duration,
    /// SHA-256 (hex) of the structured result the client received, or of
    /// the error message.
    pub result_sha256: String,
}

impl Ended<'_> {
    /// The record's fields (without the chain members).
    pub fn fields(&self, now: SystemTime) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("time".into(), utc_timestamp(now).into());
        m.insert("event".into(), "call_ended".into());
        m.insert("correlation_id".into(), self.correlation_id.into());
        m.insert("tool".into(), self.tool.into());
        m.insert("outcome".into(), self.outcome.into());
        m.insert(
            "duration_ms".into(),
            u64::try_from(self.duration.as_millis())
                .unwrap_or(u64::MAX)
                .into(),
        );
        m.insert("result_sha256".into(), self.result_sha256.as_str().into());
        m
    }
}

/// `t` as RFC 3339 in UTC with milliseconds, e.g. `2026-12-03T11:22:33.456Z`.
pub fn utc_timestamp(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, mo, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let at = |s: u64, ms: u64| {
            utc_timestamp(UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_796_296_401, 999), "2026-12-03T11:13:21.999Z");
        assert_eq!(at(4_107_542_399, 0), "2100-02-28T23:59:59.000Z");
    }

    #[test]
    fn a_denial_names_its_code_and_an_allowed_run_its_argv() {
        let now = UNIX_EPOCH;
        let args = json!({"target": "10.0.0.1"});
        let mut d = Decided {
            correlation_id: "c1",
            identity: "alice",
            role: Some("dns"),
            client: "stdio",
            tool: "nmap",
            arguments: Some(&args),
            decision: Decision::Denied {
                code: ErrorCode::ScopeDenied,
                reason: "out of scope".into(),
            },
        };
        let f = d.fields(now);
        assert_eq!(f["decision"], "denied");
        assert_eq!(f["code"], "scope_denied");
        assert_eq!(f["arguments"]["target"], "10.0.0.1");
        d.decision = Decision::Allowed {
            target: "10.0.0.1",
            pinned: vec!["10.0.0.1".into()],
            argv: vec!["nmap".into(), "--".into(), "10.0.0.1".into()],
            dry_run: false,
            approved_by: Some("os_user:lead"),
        };
        let f = d.fields(now);
        assert_eq!(f["decision"], "allowed");
        assert_eq!(f["argv"][2], "10.0.0.1");
        assert_eq!(f["approved_by"], "os_user:lead");
        assert!(!f.contains_key("code"));
    }
}
