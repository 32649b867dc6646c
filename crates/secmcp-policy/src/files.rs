//! Files a tool reads (wordlists, credential lists): which names a caller may
//! ask for, and the re-check of what the server resolved them to.
//!
//! A caller names a file by an operator-defined alias (`dirb-common`), by the
//! name of a built-in list (`web-paths`, `lists.rs`; an alias of the same name
//! wins) or by a path relative to one of the configured roots
//! (`dirb/small.txt`). [`choose`] decides which at parse time: a built-in is
//! never sent to the server, it becomes a work file at render time. For the
//! rest the server resolves the name with realpath (so `..` and symlinks
//! cannot escape) and reports the canonical path and size; `check_resolved`
//! then re-checks, as a pure string comparison on canonical paths, that the
//! file is the alias's target or lies under a root, and is within the size cap.
//!
//! Must not: touch the filesystem (the server does), or accept an absolute or
//! `..`-bearing path from a caller.

use crate::call::{FileKind, FileRequest, Resolutions, ResolvedFile, WorkFile};
use crate::denied::{Denied, internal};
use crate::grammar_util::{INPUT_CHARS, shown};
use crate::lists::{self, BuiltinList};

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

/// Where a list a caller named comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// An operator alias or a root-relative path: resolved by the server (a
    /// [`FileRequest`]) and re-checked by `check_resolved`.
    File(String),
    /// A built-in list: handed to the tool as a work file.
    Builtin(&'static BuiltinList),
}

impl ListSource {
    /// The name as the call (or the configured default) gave it.
    pub fn name(&self) -> &str {
        match self {
            ListSource::File(name) => name,
            ListSource::Builtin(list) => list.name,
        }
    }
}

/// Decides where the list `requested` (for input `field`) comes from: the
/// operator alias of that name if there is one, else the built-in list of
/// that name (none for `login:password` lists), else a path under the roots,
/// whose shape is checked here and which is added to `files` for the server
/// to resolve.
pub(crate) fn choose(
    field: &'static str,
    roots: &FileRoots,
    requested: &str,
    kind: FileKind,
    what: &str,
    files: &mut Vec<FileRequest>,
) -> Result<ListSource, Denied> {
    if roots.alias(requested).is_none()
        && kind != FileKind::ComboList
        && let Some(list) = lists::builtin(requested)
    {
        return Ok(ListSource::Builtin(list));
    }
    check_request(field, requested, what)?;
    files.push(FileRequest {
        field,
        requested: requested.to_owned(),
        kind,
    });
    Ok(ListSource::File(requested.to_owned()))
}

/// What argv names for a list, and the work file a built-in list needs: a
/// file is re-checked against what the server resolved (`check_resolved`);
/// a built-in is its relative file name in the working directory.
pub(crate) fn rendered(
    field: &'static str,
    roots: &FileRoots,
    res: &Resolutions,
    source: &ListSource,
    what: &str,
) -> Result<(String, Option<WorkFile>), Denied> {
    match source {
        ListSource::File(name) => {
            let file = check_resolved(field, roots, res, name, what)?;
            Ok((file.path.clone(), None))
        }
        ListSource::Builtin(list) => Ok((list.file.to_owned(), Some(list.work_file()))),
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
pub fn check_request(field: &'static str, requested: &str, what: &str) -> Result<(), Denied> {
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
    fn choose_builtin_alias_or_path() {
        let r = roots();
        let pick = |name: &str, kind: FileKind| {
            let mut files = Vec::new();
            let src = choose("w", &r, name, kind, "wordlist", &mut files);
            (src, files)
        };
        // a built-in name: no request for the server
        let (src, files) = pick("web-paths", FileKind::Wordlist);
        assert_eq!(
            src.unwrap(),
            ListSource::Builtin(lists::builtin("web-paths").unwrap())
        );
        assert!(files.is_empty());
        // an alias and a path: requested exactly as before
        for name in ["common", "web-paths.txt", "lists/passwords"] {
            let (src, files) = pick(name, FileKind::Wordlist);
            assert_eq!(src.unwrap(), ListSource::File(name.into()));
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].requested, name);
            assert_eq!(files[0].kind, FileKind::Wordlist);
        }
        // no built-in for login:password lists
        let (src, files) = pick("passwords", FileKind::ComboList);
        assert_eq!(src.unwrap(), ListSource::File("passwords".into()));
        assert_eq!(files.len(), 1);
        // shapes are still checked
        assert!(pick("../web-paths", FileKind::Wordlist).0.is_err());
        // the argv side: a built-in is its work file
        let (path, wf) = rendered(
            "w",
            &r,
            &Resolutions::default(),
            &ListSource::Builtin(lists::builtin("vhosts").unwrap()),
            "wordlist",
        )
        .unwrap();
        assert_eq!(path, "builtin-vhosts.txt");
        assert_eq!(wf.unwrap().name, path);
    }

    #[test]
    fn alias_names() {
        assert!(is_alias_name("common"));
        assert!(is_alias_name("dirb-big.v2"));
        assert!(!is_alias_name("Common"));
        assert!(!is_alias_name("a/b"));
        assert!(!is_alias_name(".x"));
        // an operator can define an alias that replaces any built-in list
        for l in lists::BUILTIN {
            assert!(is_alias_name(l.name), "{}", l.name);
        }
    }
}
