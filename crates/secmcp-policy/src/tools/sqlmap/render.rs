//! Renders sqlmap's argv from an authorized [`SqlmapPlan`]:
//! the server flags, the private output directory, the prompt answers, the
//! URL with the pinned address and its name as `--host`, the `data` body,
//! `--safe-url` pinned, then each accepted option as ONE `--name=value` token
//! (short options as two).
//!
//! Must not: look at user tokens.

use super::types::{ANSWERS, OUTPUT_DIR, SERVER_FLAGS, SqlmapPlan};
use crate::call::{AuthorizedTarget, Rendering};
use crate::denied::{Denied, internal};

/// Renders the argv of an authorized sqlmap plan. `targets[0]` is the URL's
/// host, `targets[1]` the `--safe-url` host when there is one.
pub(crate) fn render(plan: &SqlmapPlan, targets: &[AuthorizedTarget]) -> Result<Rendering, Denied> {
    let pinned = |i: usize| {
        targets
            .get(i)
            .and_then(|t| t.pinned.first())
            .map(ToString::to_string)
            .ok_or_else(|| internal("a sqlmap target without a pinned address"))
    };
    let mut argv: Vec<String> = SERVER_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    argv.push(format!("--output-dir={OUTPUT_DIR}"));
    argv.push(ANSWERS.to_owned());
    argv.push(format!("--url={}", plan.url.with_host(&pinned(0)?)));
    if plan.url.host.hostname().is_some() {
        argv.push(format!("--host={}", plan.url.host_header()));
    }
    if !plan.data.is_empty() {
        argv.push(format!("--data={}", plan.data));
    }
    if let Some(safe) = &plan.safe_url {
        argv.push(format!("--safe-url={}", safe.with_host(&pinned(1)?)));
    }
    for a in &plan.args {
        match (&a.value, a.short) {
            (None, _) => argv.push(a.name.to_owned()),
            (Some(v), true) => {
                argv.push(a.name.to_owned());
                argv.push(v.clone());
            }
            (Some(v), false) => argv.push(format!("{}={v}", a.name)),
        }
    }
    Ok(Rendering {
        argv,
        write_files: Vec::new(),
        collect: vec![OUTPUT_DIR.to_owned()],
    })
}
