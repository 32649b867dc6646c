//! The text content that goes next to a [`HydraReport`]: how many logins were found,
//! each found login (quoted) with its host, port and service, and whether hydra
//! finished. Found passwords are sensitive: like the server's own messages, the text
//! only says that one was found; the password is in the structured result alone.
//! Pure formatting; no I/O.

use super::HydraReport;
use crate::text::{MAX_EXCERPT_CHARS, finish_summary, quoted};

/// A short summary: `hydra: N valid credential(s) found in M planned attempts`, then
/// one line per found login (`10.0.0.5:22 ssh login "admin": password found (in the
/// structured result, not repeated here)`), then hydra's first errors.
pub fn summary(r: &HydraReport) -> String {
    let n = r.credentials.len() as u64 + r.credentials_omitted;
    let mut lines = vec![format!(
        "hydra: {n} valid credential{} found in {} planned attempts ({})",
        if n == 1 { "" } else { "s" },
        r.attempts,
        if r.finished {
            "finished"
        } else {
            "did not finish"
        }
    )];
    for c in &r.credentials {
        lines.push(format!(
            "  {}:{} {} login {}: password found (in the structured result, not repeated here)",
            c.host,
            c.port,
            c.service,
            quoted(&c.login, MAX_EXCERPT_CHARS)
        ));
    }
    let mut extra = Vec::new();
    if r.credentials_omitted > 0 {
        extra.push(format!(
            "({} more credentials were left out of the result by its size limit)",
            r.credentials_omitted
        ));
    }
    for e in r.errors.iter().take(3) {
        extra.push(format!("error: {e}"));
    }
    finish_summary(
        &lines,
        r.untrusted.flagged,
        !r.credentials.is_empty(),
        &extra,
    )
}
