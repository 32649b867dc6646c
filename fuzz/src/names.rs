//! List and wordlist names a caller gives (`wordlist`, `user_list`, ...).
//!
//! Invariant: an accepted name, joined to any root, stays strictly under
//! that root as plain path components (no absolute path, no `.`/`..`, no
//! empty component, only the documented characters, at most
//! `MAX_REQUEST_LEN` bytes), so only the server's realpath can move it.

use std::path::{Component, Path};

use secmcp_policy::files::{MAX_REQUEST_LEN, check_request, is_alias_name};

/// Runs the name checks on one input (the whole input is the name).
pub fn check(data: &[u8]) {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    let ok = check_request("wordlist", name, "wordlist");
    if let Err(d) = &ok {
        assert!(
            !d.message.is_empty() && !d.hint.is_empty(),
            "{name:?}: empty refusal"
        );
    }
    if is_alias_name(name) {
        assert!(
            ok.is_ok(),
            "{name:?}: a valid alias name is refused as a request"
        );
    }
    if ok.is_err() {
        return;
    }
    assert!(
        !name.is_empty() && name.len() <= MAX_REQUEST_LEN,
        "{name:?}: length"
    );
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'/')),
        "{name:?}: a character outside the documented set"
    );
    let root = Path::new("/srv/lists");
    let joined = root.join(name);
    assert!(
        joined.starts_with(root) && joined != root,
        "{name:?}: leaves the root"
    );
    let rel = joined.strip_prefix(root).expect("under the root");
    assert!(
        rel.components().all(|c| matches!(c, Component::Normal(_))),
        "{name:?}: a component that is not a plain name"
    );
    assert_eq!(
        rel.components().count(),
        name.split('/').count(),
        "{name:?}: the path normalises to fewer components than written"
    );
}
