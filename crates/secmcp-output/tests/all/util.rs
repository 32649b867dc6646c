//! Helpers shared by the test modules: where the recordings are, and reading them.

use std::path::{Path, PathBuf};

/// `crates/secmcp-output/tests`.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The bytes of a recording, by its path relative to `tests/`.
pub fn load(rel: &str) -> Vec<u8> {
    let path = tests_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The bytes of the file next to `path` with its extension replaced by `ext`, or
/// `None` when there is none.
pub fn sibling(path: &Path, ext: &str) -> Option<Vec<u8>> {
    std::fs::read(path.with_extension(ext)).ok()
}

/// The file name of `path` (for messages).
pub fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Relative paths (to `tests/`) of the files in `dir` whose names start with
/// `prefix` and end with `suffix`, sorted.
pub fn files(dir: &str, prefix: &str, suffix: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(tests_dir().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    out.sort();
    out
}

/// Counts the cases a `glob!` ran, so that a lost recording (or a broken pattern)
/// fails the test instead of silently testing less.
#[derive(Default)]
pub struct Cases(std::cell::Cell<usize>);

impl Cases {
    pub fn hit(&self) {
        self.0.set(self.0.get() + 1);
    }

    pub fn assert_at_least(&self, n: usize, what: &str) {
        assert!(
            self.0.get() >= n,
            "{what}: {} cases ran, expected at least {n}",
            self.0.get()
        );
    }
}
