//! Files a tool reads (wordlists, credential lists): which names a caller may
//! ask for, and the re-check of what the server resolved them to.
//!
//! A caller names a file either by an operator-defined alias (`common`) or by a
//! path relative to one of the configured roots (`dirb/small.txt`). The server
//! resolves it with realpath (so `..` and symlinks cannot escape) and reports
//! the canonical path and size; `check_resolved` then re-checks, as a pure
//! string comparison on canonical paths, that the file is the alias's target
//! or lies under a root, and is within the size cap.
//!
//! Must not: touch the filesystem (the server does), or accept an absolute or
//! `..`-bearing path from a caller.

use crate::call::{Resolutions, ResolvedFile};
use crate::denied::{Denied, internal};
use crate::grammar_util::{INPUT_CHARS, shown};

/// The longest file name a caller may give, in bytes.
pub const MAX_REQUEST_LEN: usize = 255;

/// Where a kind of file may come from (one per tool config section).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRoots {
    /// Absolute directories (canonical when they existed at config load).
    pub roots: Vec<String>,
    /// Alias name -> absolute file path (canonical when it existed at load).
    pub aliases: Vec<(String, String)>,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
}

impl FileRoots {
    /// The path an alias names, if `name` is one.
    pub fn alias(&self, name: &str) -> Option<&str> {
        self.aliases
            .iter()
            .find(|(a, _)| a == name)
            .map(|(_, p)| p.as_str())
    }

    /// The alias names, for hints.
    pub fn alias_names(&self) -> Vec<&str> {
        self.aliases.iter().map(|(a, _)| a.as_str()).collect()
    }
}

/// Whether `s` is a valid alias name: `[a-z0-9][a-z0-9._-]*`, at most 64 bytes.
pub fn is_alias_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// Checks the shape of a caller's file name: an alias or a relative path of
/// plain components (letters, digits, `.`, `_`, `-`, `+`), never absolute,
/// never `.` or `..`, no `~`, no backslash. `what` names the file kind.
pub(crate) fn check_request(
    field: &'static str,
    requested: &str,
    what: &str,
) -> Result<(), Denied> {
    let refuse = |why: &str| {
        Denied::validation(
            field,
            format!(
                "{what} '{}' is not accepted: {why}",
                shown(requested, INPUT_CHARS)
            ),
            format!(
                "name a {what} by its alias or by a path relative to a configured root (e.g. dir/list.txt); absolute paths and '..' are never accepted"
            ),
        )
    };
    if requested.is_empty() {
        return Err(refuse("it is empty"));
    }
    if requested.len() > MAX_REQUEST_LEN {
        return Err(refuse("it is too long"));
    }
    if requested.starts_with('/') {
        return Err(refuse("absolute paths are not accepted"));
    }
    for comp in requested.split('/') {
        match comp {
            "" => {
                return Err(refuse(
                    "it has an empty path component ('//' or a trailing '/')",
                ));
            }
            "." | ".." => return Err(refuse("'.' and '..' components are not accepted")),
            _ => {}
        }
        if let Some(c) = comp
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
        {
            return Err(refuse(&format!(
                "the character '{}' is not allowed",
                c.escape_default()
            )));
        }
    }
    Ok(())
}

/// Re-checks what the server resolved for `requested` against `roots`: an
/// alias must resolve to exactly its configured target; any other name must
/// be a canonical absolute path strictly under one of the roots; the size must
/// be within the cap. Returns the resolution.
pub(crate) fn check_resolved<'a>(
    field: &'static str,
    roots: &FileRoots,
    res: &'a Resolutions,
    requested: &str,
    what: &str,
) -> Result<&'a ResolvedFile, Denied> {
    let file = res
        .file(requested)
        .ok_or_else(|| internal("a requested file was not resolved"))?;
    let outside = || {
        Denied::validation(
            field,
            format!("{what} '{requested}' is outside the configured roots"),
            "use an alias or a path under a configured root; symlinks out of a root are not followed",
        )
    };
    if !is_canonical_absolute(&file.path) {
        return Err(outside());
    }
    let allowed = match roots.alias(requested) {
        Some(target) => file.path == target,
        None => roots.roots.iter().any(|r| is_under(&file.path, r)),
    };
    if !allowed {
        return Err(outside());
    }
    if file.size_bytes > roots.max_bytes {
        return Err(Denied::validation(
            field,
            format!(
                "{what} '{requested}' is {} bytes; the limit is {}",
                file.size_bytes, roots.max_bytes
            ),
            format!("use a smaller {what}"),
        ));
    }
    Ok(file)
}

/// Absolute, no `.`/`..`/empty components, no trailing slash.
fn is_canonical_absolute(p: &str) -> bool {
    p.starts_with('/')
        && p.len() > 1
        && !p.ends_with('/')
        && p[1..]
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// `path` is strictly inside the directory `root` (on a `/` boundary).
fn is_under(path: &str, root: &str) -> bool {
    let root = root.trim_end_matches('/');
    is_canonical_absolute(path)
        && (root.is_empty() || is_canonical_absolute(root))
        && path
            .strip_prefix(root)
            .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> FileRoots {
        FileRoots {
            roots: vec!["/srv/lists".into(), "/opt/wl/".into()],
            aliases: vec![("common".into(), "/usr/share/wordlists/common.txt".into())],
            max_bytes: 100,
        }
    }

    fn res(requested: &str, path: &str, size: u64) -> Resolutions {
        let mut r = Resolutions::default();
        r.add_file(ResolvedFile {
            requested: requested.into(),
            path: path.into(),
            size_bytes: size,
        });
        r
    }

    #[test]
    fn request_shapes() {
        for ok in ["common", "dirb/small.txt", "a-b_c+d.txt", "x/y/z"] {
            assert!(check_request("wordlist", ok, "wordlist").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../etc/passwd",
            "a/../../etc/passwd",
            "./a",
            "a/./b",
            "a//b",
            "a/",
            "~root/x",
            "a\\b",
            "a b",
            "$(id)",
            "a\nb",
            &"a".repeat(256),
        ] {
            assert!(
                check_request("wordlist", bad, "wordlist").is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn resolved_files_must_stay_under_roots() {
        let r = roots();
        let ok = |req: &str, path: &str| {
            check_resolved("w", &r, &res(req, path, 10), req, "wordlist").is_ok()
        };
        assert!(ok("a.txt", "/srv/lists/a.txt"));
        assert!(ok("x/a.txt", "/opt/wl/x/a.txt"));
        assert!(ok("common", "/usr/share/wordlists/common.txt"));
        // a symlink resolved outside, a sibling directory with the root as prefix
        assert!(!ok("a.txt", "/etc/passwd"));
        assert!(!ok("a.txt", "/srv/lists-evil/a.txt"));
        assert!(!ok("a.txt", "/srv/lists"));
        assert!(!ok("a.txt", "/srv/lists/../../etc/passwd"));
        assert!(!ok("a.txt", "srv/lists/a.txt"));
        // an alias must be exactly its target
        assert!(!ok("common", "/srv/lists/other.txt"));
        // unresolved
        assert!(check_resolved("w", &r, &Resolutions::default(), "a", "wordlist").is_err());
    }

    #[test]
    fn size_cap() {
        let r = roots();
        let d =
            check_resolved("w", &r, &res("a", "/srv/lists/a", 101), "a", "wordlist").unwrap_err();
        assert!(d.message.contains("101 bytes"), "{}", d.message);
    }

    #[test]
    fn alias_names() {
        assert!(is_alias_name("common"));
        assert!(is_alias_name("dirb-big.v2"));
        assert!(!is_alias_name("Common"));
        assert!(!is_alias_name("a/b"));
        assert!(!is_alias_name(".x"));
    }
}
