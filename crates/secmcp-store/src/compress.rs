//! Raw tool output, deflate-compressed (flate2, pure Rust). Decompression is
//! bounded by the length recorded at write time, so a damaged row cannot blow
//! up memory.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

/// Compresses `raw` (fast level: the tool output is mostly text and XML).
pub(crate) fn deflate(raw: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(raw.len() / 4 + 16), Compression::fast());
    // Writing into a Vec cannot fail.
    if enc.write_all(raw).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

/// Decompresses at most `limit` bytes.
pub(crate) fn inflate(data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    DeflateDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("raw output does not decompress: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bound() {
        let raw = b"<nmaprun>".repeat(1000);
        let z = deflate(&raw);
        assert!(z.len() < raw.len() / 10);
        assert_eq!(inflate(&z, raw.len() as u64).unwrap(), raw);
        assert_eq!(inflate(&z, 5).unwrap(), b"<nmap");
        assert!(inflate(b"not deflate data \xff\xfe", 100).is_err());
    }
}
