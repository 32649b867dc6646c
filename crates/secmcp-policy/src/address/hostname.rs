//! `Hostname`: a validated DNS host name (LDH labels, lower-cased).

use std::fmt;

/// The longest host name accepted, in bytes (without a trailing dot).
pub const MAX_HOSTNAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A validated host name: lower-case letters, digits and `-` in dot-separated
/// labels of 1..=63 bytes, at most 253 bytes, no trailing dot, and a last label
/// that starts with a letter (so nothing numeric-looking is ever a host name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hostname(String);

impl Hostname {
    /// Validates and normalizes `s` (lower-cases; strips one trailing dot).
    /// The error says which rule failed.
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = s.strip_suffix('.').unwrap_or(s);
        if name.is_empty() {
            return Err("the host name is empty".into());
        }
        if name.len() > MAX_HOSTNAME_LEN {
            return Err(format!(
                "the host name is {} bytes; the limit is {MAX_HOSTNAME_LEN}",
                name.len()
            ));
        }
        let mut last = "";
        for label in name.split('.') {
            check_label(label)?;
            last = label;
        }
        if !last.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(format!(
                "the last label '{last}' must start with a letter (numeric forms are not host names)"
            ));
        }
        Ok(Self(name.to_ascii_lowercase()))
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this name equals `suffix` or ends with `.` + `suffix`, where
    /// `suffix` is a normalized name without its leading dot.
    pub fn is_within(&self, suffix: &Hostname) -> bool {
        let (me, sfx) = (self.as_str(), suffix.as_str());
        me == sfx || me.strip_suffix(sfx).is_some_and(|head| head.ends_with('.'))
    }
}

fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("the host name has an empty label ('..' or a leading dot)".into());
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(format!(
            "the label '{label}' is longer than {MAX_LABEL_LEN} bytes"
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Err(format!(
            "the character '{}' is not allowed in a host name (letters, digits, '-' and '.' only)",
            bad.escape_default()
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("the label '{label}' starts or ends with '-'"));
    }
    Ok(())
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalizes() {
        for (input, want) in [
            ("web.lab.internal", "web.lab.internal"),
            ("WEB.Lab.Internal", "web.lab.internal"),
            ("web.lab.internal.", "web.lab.internal"),
            ("localhost", "localhost"),
            ("a-b.c1.example", "a-b.c1.example"),
            ("1.2.3.example", "1.2.3.example"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ] {
            assert_eq!(Hostname::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn rejects_with_reason() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}.com", vec!["a".repeat(63); 4].join("."));
        for (input, needle) in [
            ("", "empty"),
            (".", "empty"),
            ("a..b", "empty label"),
            (".a.b", "empty label"),
            ("a.b..", "empty label"),
            ("under_score.lab", "'_'"),
            ("-a.lab", "starts or ends"),
            ("a-.lab", "starts or ends"),
            ("a.1lab", "must start with a letter"),
            ("10.0.0.1", "must start with a letter"),
            ("a.b.-x", "starts or ends"),
            (long_label.as_str(), "longer than 63"),
            (long_name.as_str(), "limit is 253"),
        ] {
            let err = Hostname::parse(input).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn within_matches_on_dot_boundary_only() {
        let sfx = Hostname::parse("lab.internal").unwrap();
        let yes = ["lab.internal", "web.lab.internal", "a.b.lab.internal"];
        let no = [
            "evillab.internal",
            "lab.internal.evil.com",
            "internal",
            "xlab.internal",
        ];
        for n in yes {
            assert!(Hostname::parse(n).unwrap().is_within(&sfx), "{n}");
        }
        for n in no {
            assert!(!Hostname::parse(n).unwrap().is_within(&sfx), "{n}");
        }
    }
}
