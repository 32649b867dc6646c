//! Strict IPv4: exactly four decimal octets 0..=255 without leading zeros.
//!
//! libc's `inet_aton` (which nmap uses) also reads octal (`010`), hex (`0x0a`),
//! bare integers (`167772161`) and short forms (`10.1`); all of those mean a
//! different address to it than to a human, so none is accepted here.

use std::net::Ipv4Addr;

/// Parses canonical dotted-quad IPv4; the error names the rule that failed.
pub fn parse_canonical_ipv4(s: &str) -> Result<Ipv4Addr, String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() == 1 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a bare number is not an address here; write IPv4 as four dotted decimal octets (e.g. 10.0.0.1)".into());
    }
    if parts.len() != 4 {
        return Err(format!(
            "IPv4 needs exactly four octets, found {} (short and long forms are read differently by libc)",
            parts.len()
        ));
    }
    let mut octets = [0u8; 4];
    for (slot, part) in octets.iter_mut().zip(&parts) {
        *slot = parse_octet(part)?;
    }
    Ok(Ipv4Addr::from(octets))
}

fn parse_octet(part: &str) -> Result<u8, String> {
    if part.is_empty() {
        return Err("an IPv4 octet is empty".into());
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the octet '{part}' is not a decimal number (hex and other forms are not accepted)"
        ));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!(
            "the octet '{part}' has a leading zero, which libc reads as octal"
        ));
    }
    part.parse::<u8>()
        .map_err(|_| format!("the octet '{part}' is over 255"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical() {
        for s in ["0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.100.9"] {
            assert_eq!(parse_canonical_ipv4(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_non_canonical_with_reason() {
        for (s, needle) in [
            ("010.0.0.1", "leading zero"),
            ("10.0.0.01", "leading zero"),
            ("0x0a.0.0.1", "not a decimal"),
            ("167772161", "bare number"),
            ("10.1", "found 2"),
            ("10.0.1", "found 3"),
            ("1.2.3.4.5", "found 5"),
            ("1.2.3.256", "over 255"),
            ("1.2.3.9999", "over 255"),
            ("1..3.4", "empty"),
            ("1.2.3.", "empty"),
            ("+1.2.3.4", "not a decimal"),
        ] {
            let err = parse_canonical_ipv4(s).unwrap_err();
            assert!(err.contains(needle), "{s}: {err}");
        }
    }
}
