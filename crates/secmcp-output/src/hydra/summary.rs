//! A few lines of plain text describing a [`HydraReport`]. Pure formatting; no I/O.

use super::HydraReport;

/// A few lines for humans and models. It names found logins, not passwords
/// (those are in the structured result only).
pub fn summary(r: &HydraReport) -> String {
    let n = r.credentials.len() as u64 + r.credentials_omitted;
    let mut s = format!(
        "hydra: {n} valid credential{} found in {} planned attempts ({})",
        if n == 1 { "" } else { "s" },
        r.attempts,
        if r.finished {
            "finished"
        } else {
            "did not finish"
        }
    );
    for c in r.credentials.iter().take(20) {
        s.push_str(&format!(
            "\n  {}:{} {} login '{}' (password in the structured result)",
            c.host, c.port, c.service, c.login
        ));
    }
    for e in r.errors.iter().take(3) {
        s.push_str(&format!("\nerror: {e}"));
    }
    s
}
