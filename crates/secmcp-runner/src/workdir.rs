//! The run's private working directory: files written before the tool starts
//! and files read back after it ends.
//!
//! Names come from the policy crate's `Permit` (plain relative names). Reading
//! back never follows symlinks, never leaves the directory, and is bounded in
//! file count and bytes, so a tool cannot make the server read anything else
//! or hold unbounded memory.

use std::io::{self, Read};
use std::path::{Component, Path};

use secmcp_policy::WorkFile;

/// Most files read back per run.
pub const MAX_COLLECTED_FILES: usize = 256;

/// A file read back from the working directory after a run.
#[derive(Clone, PartialEq, Eq)]
pub struct CollectedFile {
    /// Path relative to the working directory, `/`-separated.
    pub path: String,
    /// The first bytes of the file (up to the run's collect limit).
    pub contents: Vec<u8>,
    /// The file was larger than what was kept.
    pub truncated: bool,
}

impl std::fmt::Debug for CollectedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CollectedFile({}, {} bytes)",
            self.path,
            self.contents.len()
        )
    }
}

/// Writes the permit's files into `dir` (mode 0600). Names must be plain file
/// names; anything else is refused.
pub(crate) fn write_files(dir: &Path, files: &[WorkFile]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    for f in files {
        if !is_plain_relative(&f.name) {
            return Err(io::Error::other(
                "work file name is not a plain relative path",
            ));
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dir.join(&f.name))?;
        io::Write::write_all(&mut file, &f.contents)?;
    }
    Ok(())
}

/// Reads back `paths` (files, or directories walked recursively) from `dir`,
/// keeping at most `max_bytes` in total. Missing paths are skipped.
/// Hands the working directory and the files in it (written by
/// [`write_files`], not nested) to the user a run switches to.
pub(crate) fn give_to(dir: &Path, uid: u32, gid: u32) -> io::Result<()> {
    let owner = (Some(uid), Some(gid));
    std::os::unix::fs::chown(dir, owner.0, owner.1)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        std::os::unix::fs::lchown(&path, owner.0, owner.1)?;
    }
    Ok(())
}

pub(crate) fn collect(dir: &Path, paths: &[String], max_bytes: usize) -> Vec<CollectedFile> {
    let mut out = Vec::new();
    let mut budget = max_bytes;
    for p in paths.iter().filter(|p| is_plain_relative(p)) {
        walk(dir, Path::new(p), &mut out, &mut budget);
    }
    out
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<CollectedFile>, budget: &mut usize) {
    if out.len() >= MAX_COLLECTED_FILES {
        return;
    }
    let full = root.join(rel);
    // symlink_metadata: a link is never followed, whatever it points at.
    let Ok(meta) = std::fs::symlink_metadata(&full) else {
        return;
    };
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(&full) else {
            return;
        };
        let mut names: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for name in names {
            walk(root, &rel.join(name), out, budget);
        }
    } else if meta.is_file() {
        let keep = usize::try_from(meta.len())
            .unwrap_or(usize::MAX)
            .min(*budget);
        let mut contents = Vec::with_capacity(keep);
        if let Ok(file) = std::fs::File::open(&full) {
            let _ = file.take(keep as u64).read_to_end(&mut contents);
        }
        *budget -= contents.len();
        out.push(CollectedFile {
            path: rel.to_string_lossy().into_owned(),
            truncated: (contents.len() as u64) < meta.len(),
            contents,
        });
    }
}

/// A relative path with only normal components (no `..`, no root, no `.`).
fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_only() {
        for ok in ["a", "out/log", "hydra.json"] {
            assert!(is_plain_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../b", "./a"] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }

    #[test]
    fn writes_then_collects_bounded_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let files = [WorkFile {
            name: "users.txt".into(),
            contents: b"root\nadmin\n".to_vec(),
        }];
        write_files(dir.path(), &files).unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/log"), vec![b'x'; 100]).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("out/link")).unwrap();
        let got = collect(
            dir.path(),
            &["users.txt".into(), "out".into(), "../etc".into()],
            50,
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].path, "users.txt");
        assert_eq!(got[0].contents, b"root\nadmin\n");
        assert_eq!(got[1].path, "out/log");
        assert_eq!(got[1].contents.len(), 50 - 11);
        assert!(got[1].truncated);
    }

    #[test]
    fn refuses_names_that_escape() {
        let dir = tempfile::tempdir().unwrap();
        let bad = [WorkFile {
            name: "../escape".into(),
            contents: vec![],
        }];
        assert!(write_files(dir.path(), &bad).is_err());
        assert!(!dir.path().parent().unwrap().join("escape").exists());
    }
}
