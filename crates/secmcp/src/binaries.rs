//! Where a tool's binary is: the configured path, else the first match on
//! the server's `PATH`. Reads file metadata only.

use std::path::{Path, PathBuf};

/// A tool's binary: `configured` when it is executable, else (when nothing
/// is configured) the first `name` on `PATH`.
pub fn locate(configured: Option<&Path>, name: &str) -> Option<PathBuf> {
    match configured {
        Some(path) => is_executable(path).then(|| path.to_owned()),
        None => find_on_path(name),
    }
}

/// The first executable called `name` on the server's `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Whether `path` is an executable regular file.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
