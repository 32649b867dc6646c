//! API keys: made from OS randomness, stored only as their SHA-256 digest,
//! checked in constant time.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// Every key starts with this, so a leaked key is recognisable (secret
/// scanners, log redaction) and a wrong kind of token is told apart.
pub const KEY_PREFIX: &str = "smcp_";

/// Random bytes in a key (256 bits).
const KEY_BYTES: usize = 32;

/// A fresh key: [`KEY_PREFIX`] and 32 bytes of OS randomness in base64url.
pub fn new_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; KEY_BYTES];
    getrandom::fill(&mut bytes)?;
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Ok(format!("{KEY_PREFIX}{body}"))
}

/// The lower-case hex SHA-256 digest of a key, as `auth.api_keys[].sha256` holds it.
pub fn digest_hex(key: &str) -> String {
    let d = Sha256::digest(key.as_bytes());
    let mut s = String::with_capacity(64);
    for b in d {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A 64-character hex digest as bytes (either case); `None` otherwise.
pub(super) fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// The configured keys' digests, each with its index in `auth.api_keys`.
#[derive(Debug, Clone, Default)]
pub struct KeyTable {
    digests: Vec<[u8; 32]>,
}

/// The SHA-256 of a presented secret (a key, or a token for the cache of
/// checked tokens).
pub fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl KeyTable {
    pub(super) fn new(digests: Vec<[u8; 32]>) -> Self {
        Self { digests }
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// The index of the configured key `presented` is, if any. The presented
    /// key is hashed and compared with every configured digest without
    /// stopping early, so the time taken says nothing about which digest (or
    /// how much of one) matched.
    pub fn find(&self, presented: &str) -> Option<usize> {
        let d = sha256(presented);
        let mut found = usize::MAX;
        for (i, c) in self.digests.iter().enumerate() {
            let mut diff = 0u8;
            for (a, b) in d.iter().zip(c) {
                diff |= a ^ b;
            }
            // `eq` is 1 only when every byte matched; select without a branch.
            let eq = usize::from(std::hint::black_box(diff) == 0);
            found = (found & eq.wrapping_sub(1)) | (i & 0usize.wrapping_sub(eq));
        }
        (found != usize::MAX).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_prefixed_and_long() {
        let a = new_key().unwrap();
        let b = new_key().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX), "{a}");
        // 32 bytes in base64url without padding: 43 characters.
        assert_eq!(a.len(), KEY_PREFIX.len() + 43, "{a}");
        assert!(
            a[KEY_PREFIX.len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn digests_match_sha256() {
        // sha256("abc"), from FIPS 180-2.
        assert_eq!(
            digest_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let d = parse_digest(&digest_hex("abc").to_uppercase()).unwrap();
        assert_eq!(d[0], 0xba);
        assert_eq!(d[31], 0xad);
        for bad in ["", "ab", &"g".repeat(64), &"a".repeat(63), &"a".repeat(65)] {
            assert!(parse_digest(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_table_finds_exactly_the_configured_keys() {
        let keys = ["smcp_one", "smcp_two", "smcp_three"];
        let table = KeyTable::new(
            keys.iter()
                .map(|k| parse_digest(&digest_hex(k)).unwrap())
                .collect(),
        );
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(table.find(k), Some(i), "{k}");
        }
        for k in [
            "",
            "smcp_on",
            "smcp_one ",
            "SMCP_ONE",
            &digest_hex("smcp_one"),
        ] {
            assert_eq!(table.find(k), None, "{k}");
        }
        assert_eq!(KeyTable::default().find("smcp_one"), None);
    }
}
