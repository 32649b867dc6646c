//! Checks every incoming JSON-RPC message before rmcp parses it: its size,
//! its nesting depth, and duplicate object keys.
//!
//! Duplicate keys matter because JSON parsers disagree on them: serde keeps
//! the last (`{"target":"10.0.0.5","target":"8.8.8.8"}` scans 8.8.8.8) while
//! a client's approval screen may show the first. rmcp itself drops an
//! over-long or deeply nested stdio line without a word; here such a message
//! gets a JSON-RPC error the client can read.
//!
//! Must not: interpret what a message asks for (rmcp and the service do), or
//! reject input that is merely malformed JSON (rmcp answers or ignores that
//! the way the protocol's SDKs agree on).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// The largest message accepted on either transport (rmcp's HTTP default).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// The deepest nesting of arrays and objects accepted. MCP messages nest a
/// handful of levels; JSON Schemas in results are the deepest legitimate use.
pub const MAX_DEPTH: usize = 64;

/// JSON-RPC "Invalid Request".
const INVALID_REQUEST: i32 = -32600;

/// Why a message was refused before rmcp saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Longer than [`MAX_MESSAGE_BYTES`].
    TooLarge,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object names one key twice.
    DuplicateKey(String),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::TooLarge => write!(
                f,
                "Invalid Request: the message is larger than {MAX_MESSAGE_BYTES} bytes"
            ),
            Rejection::TooDeep => write!(
                f,
                "Invalid Request: the message nests arrays or objects deeper than {MAX_DEPTH} levels"
            ),
            Rejection::DuplicateKey(k) => write!(
                f,
                "Invalid Request: an object has the key \"{k}\" twice; send every key once"
            ),
        }
    }
}

/// Checks one message. Malformed JSON passes (rmcp deals with it); only the
/// three [`Rejection`]s are reported.
pub fn check(message: &[u8]) -> Result<(), Rejection> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(Rejection::TooLarge);
    }
    let mut de = serde_json::Deserializer::from_slice(message);
    // The guard counts depth itself, well below serde_json's own limit.
    match (Node { depth: 0 }).deserialize(&mut de) {
        Ok(()) => Ok(()),
        Err(e) => match classify(&e) {
            Some(r) => Err(r),
            None => Ok(()),
        },
    }
}

/// The JSON-RPC error line answering a refused message (no trailing newline).
/// The id is the message's own when it can be read, else `null`.
pub fn error_response(message: &[u8], rejection: &Rejection) -> String {
    let id = match rejection {
        Rejection::DuplicateKey(_) => serde_json::from_slice::<serde_json::Value>(message)
            .ok()
            .and_then(|v| v.get("id").cloned())
            .filter(|id| id.is_string() || id.is_number())
            .unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": INVALID_REQUEST, "message": rejection.to_string()},
    })
    .to_string()
}

const TOO_DEEP: &str = "secmcp-guard: too deep";
const DUPLICATE: &str = "secmcp-guard: duplicate key ";

fn classify(e: &serde_json::Error) -> Option<Rejection> {
    if e.classify() != serde_json::error::Category::Data {
        return None;
    }
    // serde_json appends " at line L column C" to custom messages.
    let text = e.to_string();
    if text.starts_with(TOO_DEEP) {
        return Some(Rejection::TooDeep);
    }
    let rest = text.strip_prefix(DUPLICATE)?;
    let key = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
    Some(Rejection::DuplicateKey(key.to_owned()))
}

/// One JSON value at a given depth; deserializes to nothing.
#[derive(Clone, Copy)]
struct Node {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Node {
    fn enter<E: de::Error>(self) -> Result<Node, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(TOO_DEEP));
        }
        Ok(Node {
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for Node {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.enter()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.enter()?;
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if seen.contains(&key) {
                let shown: String = key
                    .chars()
                    .take(64)
                    .flat_map(char::escape_default)
                    .collect();
                return Err(de::Error::custom(format_args!("{DUPLICATE}{shown}")));
            }
            map.next_value_seed(inner)?;
            seen.push(key);
        }
        Ok(())
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_messages_pass() {
        let m = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nmap","arguments":{"target":"10.0.0.5","extra_args":"-p 80"}}}"#;
        assert_eq!(check(m), Ok(()));
        // Malformed JSON is rmcp's business.
        assert_eq!(check(b"{not json"), Ok(()));
        assert_eq!(check(b""), Ok(()));
        // The same key in different objects is fine.
        assert_eq!(
            check(br#"{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":1}]}"#),
            Ok(())
        );
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_with_the_request_id() {
        let m = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"nmap","arguments":{"target":"10.0.0.5","target":"8.8.8.8"}}}"#;
        let r = check(m).unwrap_err();
        assert_eq!(r, Rejection::DuplicateKey("target".into()));
        let line = error_response(m, &r);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], 7);
        assert_eq!(v["error"]["code"], -32600);
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("\"target\" twice")
        );
        // Escaped spellings of one key are the same key.
        let r = check(br#"{"id":"a","p":{"target":1,"t\u0061rget":2}}"#).unwrap_err();
        assert_eq!(r, Rejection::DuplicateKey("target".into()));
        assert_eq!(
            check(br#"{"id":1,"id":2}"#).unwrap_err(),
            Rejection::DuplicateKey("id".into())
        );
    }

    #[test]
    fn deep_and_large_messages_are_refused() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(check(deep.as_bytes()), Err(Rejection::TooDeep));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check(ok.as_bytes()), Ok(()));
        let one_more = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(check(one_more.as_bytes()), Err(Rejection::TooDeep));
        let big = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert_eq!(check(&big), Err(Rejection::TooLarge));
        let v: serde_json::Value =
            serde_json::from_str(&error_response(deep.as_bytes(), &Rejection::TooDeep)).unwrap();
        assert!(v["id"].is_null());
    }
}
