//! Files a plan needs (wordlists, credential lists): resolved by the server
//! against configured roots and aliases, with realpath, before `authorize_with`
//! checks them again.
//!
//! A request is an alias (`tools.<tool>.*_aliases`) or a path relative to one
//! of the roots (built-in lists never come here: the policy hands them to the
//! tool as work files). The candidate is canonicalized (symlinks and `..`
//! resolved by the OS) and must still lie under the canonical root; it must be
//! a regular file within the size cap. Errors name the request, never a server
//! path; their hints name only aliases whose file exists now, and the built-in
//! lists.
//!
//! Must not: read file contents, accept absolute paths from callers, or follow
//! a path outside the configured roots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secmcp_policy::{FileKind, FileRequest, FileRoots, Policy, ResolvedFile};

use crate::error::{ErrorCode, ToolError};
use crate::validate::Problems;

/// Resolves one file request against the roots configured for its kind.
pub fn resolve(policy: &Policy, request: &FileRequest) -> Result<ResolvedFile, ToolError> {
    let (roots, what) = match request.kind {
        FileKind::Wordlist => (&policy.gobuster.wordlists, "wordlist"),
        FileKind::UserList => (&policy.hydra.credentials, "user list"),
        FileKind::PasswordList => (&policy.hydra.credentials, "password list"),
        FileKind::ComboList => (&policy.hydra.credentials, "login:password list"),
    };
    resolve_in(roots, request, what)
}

/// Resolves `request` under `roots` (see the module docs).
pub fn resolve_in(
    roots: &FileRoots,
    request: &FileRequest,
    what: &str,
) -> Result<ResolvedFile, ToolError> {
    let name = request.requested.as_str();
    let field = request.field;
    let hint = || hint(roots, request.kind, what);
    let refuse = |why: &str| {
        ToolError::new(
            ErrorCode::ValidationError,
            format!("{field}: {what} '{}' {why}", shown(name)),
            hint(),
        )
    };
    if let Some(target) = roots.alias(name) {
        let path = std::fs::canonicalize(target).map_err(|e| {
            tracing::warn!(alias = name, error = %e, "configured alias does not resolve");
            refuse("is an alias whose file is missing on the server")
        })?;
        return finish(roots, name, &path, &refuse);
    }
    let rel = Path::new(name);
    if name.is_empty() || rel.is_absolute() || name.contains('\0') {
        return Err(refuse("is not accepted: absolute paths are never accepted"));
    }
    // A name that resolves outside every root gets the same answer as one
    // that does not exist: anything else tells the caller which paths exist
    // behind a symlinked directory in a root.
    for root in &roots.roots {
        let Ok(croot) = std::fs::canonicalize(root) else {
            continue;
        };
        let Ok(path) = std::fs::canonicalize(croot.join(rel)) else {
            continue;
        };
        if path.starts_with(&croot) && path != croot {
            return finish(roots, name, &path, &refuse);
        }
    }
    Err(refuse(NOT_UNDER_ROOTS))
}

/// What a refused request may use instead: the built-in lists of its kind,
/// the aliases whose file exists now (never one that would fail too), or a
/// path under a root.
fn hint(roots: &FileRoots, kind: FileKind, what: &str) -> String {
    let builtin = secmcp_policy::lists::names_for(kind);
    let aliases: Vec<&str> = roots
        .aliases
        .iter()
        .filter(|(_, path)| Path::new(path).is_file())
        .map(|(name, _)| name.as_str())
        .collect();
    let mut choices = Vec::new();
    if !builtin.is_empty() {
        choices.push(format!("a built-in list ({})", builtin.join(", ")));
    }
    if !aliases.is_empty() {
        choices.push(format!("an alias ({})", aliases.join(", ")));
    }
    choices.push(format!("a {what} path relative to a configured root"));
    let last = choices.pop().unwrap_or_default();
    if choices.is_empty() {
        format!("give {last}")
    } else {
        format!("use {}, or {last}", choices.join(", "))
    }
}

/// The one answer for a name that is missing or lies outside the roots.
const NOT_UNDER_ROOTS: &str = "is not a file under the configured roots";

fn finish(
    roots: &FileRoots,
    name: &str,
    path: &PathBuf,
    refuse: &dyn Fn(&str) -> ToolError,
) -> Result<ResolvedFile, ToolError> {
    let meta = std::fs::metadata(path).map_err(|_| refuse("cannot be read"))?;
    if !meta.is_file() {
        return Err(refuse("is not a regular file"));
    }
    if meta.len() > roots.max_bytes {
        return Err(refuse(&format!(
            "is {} bytes; the limit is {}",
            meta.len(),
            roots.max_bytes
        )));
    }
    let path = path
        .to_str()
        .ok_or_else(|| refuse("has a path that is not UTF-8"))?
        .to_owned();
    Ok(ResolvedFile {
        requested: name.to_owned(),
        path,
        size_bytes: meta.len(),
    })
}

/// Validates a section's file roots and aliases (absolute, no `.` or `..`),
/// canonicalizing each one that exists now so the policy can compare
/// canonical paths. Problems name `section.key`.
pub fn file_roots(
    section: &str,
    (roots_key, roots): (&str, &[String]),
    (aliases_key, aliases): (&str, &BTreeMap<String, String>),
    (max_key, max_bytes): (&str, u64),
    p: &mut Problems,
) -> FileRoots {
    p.range(section, max_key, max_bytes, 1, 1 << 32);
    let canonical = |key: String, path: &str, p: &mut Problems| -> String {
        let plain =
            Path::new(path).is_absolute() && !path.split('/').any(|c| c == "." || c == "..");
        if !plain || path.len() > 4096 {
            p.error(
                key,
                format!("`{path}` must be an absolute path without `.` or `..`"),
            );
        }
        std::fs::canonicalize(path)
            .ok()
            .and_then(|c| c.to_str().map(str::to_owned))
            .unwrap_or_else(|| path.trim_end_matches('/').to_owned())
    };
    let roots = roots
        .iter()
        .enumerate()
        .map(|(i, r)| canonical(format!("{section}.{roots_key}[{i}]"), r, p))
        .collect();
    let mut out = Vec::new();
    for (name, path) in aliases {
        let key = format!("{section}.{aliases_key}.{name}");
        let resolved = canonical(key.clone(), path, p);
        if !secmcp_policy::files::is_alias_name(name) {
            p.error(
                key,
                "alias names are lower-case letters, digits, `.`, `_`, `-` (at most 64)",
            );
        }
        out.push((name.clone(), resolved));
    }
    FileRoots {
        roots,
        aliases: out,
        max_bytes,
    }
}

fn shown(s: &str) -> String {
    s.chars().take(80).flat_map(char::escape_default).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, FileRoots) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "a\nb\n").unwrap();
        std::fs::write(root.join("sub/b.txt"), "x\n").unwrap();
        std::fs::write(root.join("big.txt"), vec![b'x'; 200]).unwrap();
        std::fs::write(d.path().join("outside.txt"), "secret\n").unwrap();
        std::os::unix::fs::symlink(d.path().join("outside.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(d.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink(root.join("a.txt"), root.join("inner.txt")).unwrap();
        let roots = FileRoots {
            roots: vec![root.to_str().unwrap().to_owned()],
            aliases: vec![(
                "al".into(),
                root.join("sub/b.txt").to_str().unwrap().to_owned(),
            )],
            max_bytes: 100,
        };
        (d, roots)
    }

    fn req(name: &str) -> FileRequest {
        FileRequest {
            field: "wordlist",
            requested: name.into(),
            kind: FileKind::Wordlist,
        }
    }

    #[test]
    fn resolves_relative_paths_and_aliases() {
        let (_d, roots) = setup();
        let r = resolve_in(&roots, &req("a.txt"), "wordlist").unwrap();
        assert!(
            r.path.ends_with("/root/a.txt") && r.size_bytes == 4,
            "{r:?}"
        );
        let r = resolve_in(&roots, &req("al"), "wordlist").unwrap();
        assert!(r.path.ends_with("/root/sub/b.txt"), "{r:?}");
        // a symlink that stays inside the root is fine
        let r = resolve_in(&roots, &req("inner.txt"), "wordlist").unwrap();
        assert!(r.path.ends_with("/root/a.txt"), "{r:?}");
    }

    #[test]
    fn nothing_escapes_the_roots() {
        let (d, roots) = setup();
        let outside = d.path().join("outside.txt");
        for name in [
            "link.txt",
            "up/outside.txt",
            "../outside.txt",
            "sub/../../outside.txt",
            outside.to_str().unwrap(),
            "/etc/passwd",
            "missing.txt",
            "sub",
            "big.txt",
            "",
        ] {
            let e = resolve_in(&roots, &req(name), "wordlist").unwrap_err();
            assert_eq!(e.code, ErrorCode::ValidationError, "{name}");
            assert!(
                !e.message.contains("/root/"),
                "server path leaked: {}",
                e.message
            );
        }
    }

    /// A symlinked directory in a root must not reveal which files exist
    /// outside it: an existing and a missing file there read the same.
    #[test]
    fn no_existence_oracle_through_a_symlinked_directory() {
        let (_d, roots) = setup();
        let exists = resolve_in(&roots, &req("up/outside.txt"), "wordlist").unwrap_err();
        let missing = resolve_in(&roots, &req("up/no-such-file.txt"), "wordlist").unwrap_err();
        let plain_missing = resolve_in(&roots, &req("missing.txt"), "wordlist").unwrap_err();
        assert_eq!(
            exists.message,
            "wordlist: wordlist 'up/outside.txt' is not a file under the configured roots"
        );
        assert_eq!(
            exists.message.replace("outside.txt", "X"),
            missing.message.replace("no-such-file.txt", "X")
        );
        assert_eq!(
            exists.message.replace("up/outside.txt", "X"),
            plain_missing.message.replace("missing.txt", "X")
        );
    }

    /// The hint of a refused request never suggests an alias whose file is
    /// missing (such as a Kali path on Debian); it names the built-in lists.
    #[test]
    fn hints_name_only_existing_aliases_and_the_builtins() {
        let (d, mut roots) = setup();
        roots.aliases.push((
            "kali-common".into(),
            "/usr/share/wordlists/dirb/no-such-list-secmcp.txt".into(),
        ));
        roots.aliases.push((
            "gone".into(),
            d.path().join("root/gone.txt").to_str().unwrap().to_owned(),
        ));
        for name in ["missing.txt", "kali-common", "up/outside.txt"] {
            let e = resolve_in(&roots, &req(name), "wordlist").unwrap_err();
            assert_eq!(
                e.hint,
                "use a built-in list (web-paths, vhosts, subdomains), an alias (al), or a wordlist path relative to a configured root",
                "{name}"
            );
        }
        // user lists: their built-in; login:password lists have none
        let combo = FileRequest {
            field: "combo_list",
            requested: "x.txt".into(),
            kind: FileKind::ComboList,
        };
        roots.aliases.clear();
        let e = resolve_in(&roots, &combo, "login:password list").unwrap_err();
        assert_eq!(
            e.hint,
            "give a login:password list path relative to a configured root"
        );
        let users = FileRequest {
            kind: FileKind::UserList,
            ..combo
        };
        let e = resolve_in(&roots, &users, "user list").unwrap_err();
        assert_eq!(
            e.hint,
            "use a built-in list (usernames), or a user list path relative to a configured root"
        );
    }
}
