//! The hash chain: how a record becomes a sealed line, and how a sequence
//! of lines is checked.
//!
//! A sealed line is one JSON object whose last two members are `prev` (the
//! `hash` of the record before it; [`GENESIS`] for the first record ever) and
//! `hash`, the SHA-256 (hex) of the line's bytes up to and including the
//! `prev` member, closed with `}`. Because `hash` covers `prev` and `seq`,
//! editing a byte, deleting a line or swapping two lines each breaks the
//! chain at the first record affected. Removing records from the *end* keeps
//! a valid (shorter) chain; [`Verified::head`] is what to keep elsewhere to
//! detect that.
//!
//! Pure: no files, no clock.

use std::fmt;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of the first record of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a chain stands: the next record's `seq` and `prev`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `seq` of the next record.
    pub next_seq: u64,
    /// `hash` of the last record (the next record's `prev`).
    pub prev: String,
}

impl Default for Head {
    fn default() -> Self {
        Self {
            next_seq: 1,
            prev: GENESIS.to_owned(),
        }
    }
}

/// Seals `fields` (a record without `seq`, `prev` and `hash`) as the record
/// after `head`: returns the line (no newline) and advances `head`.
pub fn seal(head: &mut Head, fields: Map<String, Value>) -> String {
    let mut body = String::with_capacity(256);
    body.push_str("{\"seq\":");
    body.push_str(&head.next_seq.to_string());
    for (k, v) in fields.iter().filter(|(k, _)| !is_chain_key(k)) {
        body.push(',');
        body.push_str(&Value::String(k.clone()).to_string());
        body.push(':');
        body.push_str(&v.to_string());
    }
    body.push_str(",\"prev\":\"");
    body.push_str(&head.prev);
    body.push_str("\"}");
    let hash = digest(body.as_bytes());
    body.pop();
    body.push_str(",\"hash\":\"");
    body.push_str(&hash);
    body.push_str("\"}");
    head.next_seq += 1;
    head.prev = hash;
    body
}

fn is_chain_key(k: &str) -> bool {
    matches!(k, "seq" | "prev" | "hash")
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn digest(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in sum {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A chain that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub records: u64,
    /// `seq` of the first record (1 unless older files were rotated away).
    pub first_seq: u64,
    /// Where the chain ends: the last `hash` and the next `seq`.
    pub head: Head,
}

/// The first record that does not fit the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// 0-based index of the line among all lines checked.
    pub index: u64,
    /// The record's `seq` when it could be read.
    pub seq: Option<u64>,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "record seq {seq}: {}", self.reason),
            None => write!(f, "{}", self.reason),
        }
    }
}

/// Checks lines (without their newlines) in order. `start` is the head the
/// first line must follow; `None` accepts whatever the first line says (a
/// file whose older part was rotated away), as long as everything after it
/// follows.
pub fn verify<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    start: Option<Head>,
) -> Result<Verified, Broken> {
    let mut head = start.clone();
    let mut first_seq = None;
    let mut records = 0u64;
    for (index, line) in lines.into_iter().enumerate() {
        let index = index as u64;
        let broken = |seq: Option<u64>, reason: String| Broken { index, seq, reason };
        let record: Map<String, Value> = serde_json::from_str(line)
            .map_err(|e| broken(None, format!("not a JSON object: {e}")))?;
        let seq = record.get("seq").and_then(Value::as_u64);
        let (Some(seq_n), Some(prev), Some(hash)) = (
            seq,
            record.get("prev").and_then(Value::as_str),
            record.get("hash").and_then(Value::as_str),
        ) else {
            return Err(broken(seq, "missing seq, prev or hash".into()));
        };
        let Some(body) = line
            .strip_suffix("\"}")
            .and_then(|l| l.strip_suffix(hash))
            .and_then(|l| l.strip_suffix(",\"hash\":\""))
        else {
            return Err(broken(seq, "hash is not the last member".into()));
        };
        let computed = digest(format!("{body}}}").as_bytes());
        if computed != hash {
            return Err(broken(
                seq,
                "its content does not match its hash (the line was changed)".into(),
            ));
        }
        if let Some(h) = &head {
            if seq_n != h.next_seq {
                return Err(broken(
                    seq,
                    format!(
                        "expected seq {} here (a record was removed, added or moved)",
                        h.next_seq
                    ),
                ));
            }
            if prev != h.prev {
                return Err(broken(
                    seq,
                    "its prev is not the hash of the record before it (a record was removed or moved)"
                        .into(),
                ));
            }
        }
        first_seq.get_or_insert(seq_n);
        records += 1;
        head = Some(Head {
            next_seq: seq_n + 1,
            prev: hash.to_owned(),
        });
    }
    Ok(Verified {
        records,
        first_seq: first_seq.unwrap_or_else(|| start.as_ref().map_or(1, |h| h.next_seq)),
        head: head.unwrap_or_default(),
    })
}

/// The `chain` id a sealed record carries, if any (records written before
/// records carried one have none).
pub fn chain_of(line: &str) -> Option<String> {
    let v: Map<String, Value> = serde_json::from_str(line).ok()?;
    Some(v.get("chain")?.as_str()?.to_owned())
}

/// The head after `line`, a sealed record (for continuing an existing file).
pub fn head_after(line: &str) -> Option<Head> {
    let v: Map<String, Value> = serde_json::from_str(line).ok()?;
    Some(Head {
        next_seq: v.get("seq")?.as_u64()? + 1,
        prev: v.get("hash")?.as_str()?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(i: u64) -> Map<String, Value> {
        let Value::Object(m) =
            json!({"event": "call_decided", "tool": "nmap", "n": i, "text": "a\"b\\c"})
        else {
            unreachable!()
        };
        m
    }

    fn chain(n: u64) -> Vec<String> {
        let mut head = Head::default();
        (0..n).map(|i| seal(&mut head, fields(i))).collect()
    }

    fn check(lines: &[String]) -> Result<Verified, Broken> {
        verify(lines.iter().map(String::as_str), Some(Head::default()))
    }

    #[test]
    fn an_intact_chain_verifies_and_names_its_head() {
        let lines = chain(5);
        let v = check(&lines).unwrap();
        assert_eq!(v.records, 5);
        assert_eq!(v.first_seq, 1);
        assert_eq!(v.head.next_seq, 6);
        assert_eq!(Some(v.head), head_after(&lines[4]));
        assert!(lines[0].contains(&format!("\"prev\":\"{GENESIS}\"")));
    }

    #[test]
    fn a_record_cannot_set_its_own_chain_members() {
        let mut head = Head::default();
        let Value::Object(m) = json!({"seq": 99, "prev": "x", "hash": "y", "tool": "dig"}) else {
            unreachable!()
        };
        let line = seal(&mut head, m);
        let v = verify([line.as_str()], Some(Head::default())).unwrap();
        assert_eq!(v.head.next_seq, 2);
    }

    #[test]
    fn changing_any_byte_breaks_the_chain_at_that_record() {
        let lines = chain(4);
        let mut edited = lines.clone();
        edited[2] = edited[2].replace("\"n\":2", "\"n\":3");
        let b = check(&edited).unwrap_err();
        assert_eq!((b.index, b.seq), (2, Some(3)));
        assert!(b.reason.contains("does not match its hash"), "{b}");
        // A changed hash (recomputed by a forger for that line alone) breaks the next one.
        let mut forged = lines.clone();
        let body = forged[1].replace("\"n\":1", "\"n\":7");
        let body = body.rsplit_once(",\"hash\"").unwrap().0.to_owned() + "}";
        forged[1] = format!(
            "{},\"hash\":\"{}\"}}",
            body.strip_suffix('}').unwrap(),
            digest(body.as_bytes())
        );
        let b = check(&forged).unwrap_err();
        assert_eq!(b.index, 2, "{b}");
        assert!(b.reason.contains("prev"), "{b}");
    }

    #[test]
    fn deleting_or_swapping_lines_is_detected_at_the_first_record_affected() {
        let lines = chain(5);
        let mut deleted = lines.clone();
        deleted.remove(1);
        let b = check(&deleted).unwrap_err();
        assert_eq!((b.index, b.seq), (1, Some(3)));
        let mut swapped = lines.clone();
        swapped.swap(2, 3);
        let b = check(&swapped).unwrap_err();
        assert_eq!((b.index, b.seq), (2, Some(4)));
        let mut first_gone = lines.clone();
        first_gone.remove(0);
        assert_eq!(check(&first_gone).unwrap_err().index, 0);
        // Without a known start, a file whose older records were rotated away verifies.
        let v = verify(first_gone.iter().map(String::as_str), None).unwrap();
        assert_eq!((v.first_seq, v.records), (2, 4));
    }

    #[test]
    fn lines_that_are_not_records_are_named() {
        let mut lines = chain(2);
        lines.push("not json".into());
        let b = check(&lines).unwrap_err();
        assert_eq!((b.index, b.seq), (2, None));
        let b = check(&["{\"seq\":1}".to_owned()]).unwrap_err();
        assert!(b.reason.contains("missing"), "{b}");
    }
}
