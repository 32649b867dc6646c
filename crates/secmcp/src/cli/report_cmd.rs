//! `report`: the engagement report of stored runs, written as `report.md`
//! and `report.html` into a directory.

use std::collections::BTreeMap;
use std::process::ExitCode;

use secmcp_store::{ListQuery, RunRecord, Store};

use super::args::ReportArgs;
use super::print::out;
use super::runs_cmd::{failed, target, time, with_store};
use crate::history::Report;

/// Runs read per page.
const PAGE: u32 = 500;

/// Writes the report of the runs `args` selects.
pub(super) fn report(args: &ReportArgs) -> ExitCode {
    let mut base = ListQuery {
        tool: args.tool.clone(),
        accepted_only: true,
        ..ListQuery::default()
    };
    match (
        args.since
            .as_deref()
            .map(|t| time(t, "--since"))
            .transpose(),
        args.until
            .as_deref()
            .map(|t| time(t, "--until"))
            .transpose(),
    ) {
        (Ok(since), Ok(until)) => (base.since_ms, base.until_ms) = (since, until),
        (Err(code), _) | (_, Err(code)) => return code,
    }
    // One query per target (none: every run); runs are merged by id.
    let mut queries = Vec::new();
    if args.target.is_empty() {
        queries.push(base.clone());
    }
    for t in &args.target {
        let mut q = base.clone();
        if let Err(code) = target(&mut q, t) {
            return code;
        }
        queries.push(q);
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "secmcp: cannot create {}: {e}; give --out a directory you can write",
            args.out.display()
        );
        return ExitCode::FAILURE;
    }
    let selection = selection(args);
    let limit = args.limit;
    let out_dir = args.out.clone();
    with_store(&args.store, |store| async move {
        let runs = match collect(&store, queries, limit).await {
            Ok(r) => r,
            Err(e) => return failed(&e),
        };
        let report = Report::build(runs, selection, crate::history::now_ms());
        let md = out_dir.join("report.md");
        let html = out_dir.join("report.html");
        for (path, text) in [(&md, report.markdown()), (&html, report.html())] {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("secmcp: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        out(&format!(
            "{} run(s), {} host(s) with open services, {} finding(s)\n{}\n{}",
            report.commands.len(),
            report.hosts.len(),
            report.findings.len(),
            md.display(),
            html.display()
        ))
    })
}

/// The newest `limit` runs matching any query, each once.
async fn collect(
    store: &Store,
    queries: Vec<ListQuery>,
    limit: u32,
) -> Result<Vec<RunRecord>, secmcp_store::StoreError> {
    let mut ids = BTreeMap::new();
    for mut q in queries {
        loop {
            q.limit = PAGE;
            let page = store.list(&q).await?;
            for r in page.runs {
                ids.insert(r.id, ());
            }
            match page.next_cursor {
                Some(c) if ids.len() < limit as usize * 2 => q.cursor = Some(c),
                _ => break,
            }
        }
    }
    let mut runs = Vec::new();
    // Ids sort by time: the newest `limit` are the last ones.
    for id in ids.keys().rev().take(limit as usize) {
        if let Some(run) = store.get(id).await? {
            runs.push(run);
        }
    }
    Ok(runs)
}

fn selection(a: &ReportArgs) -> String {
    let mut parts = Vec::new();
    if !a.target.is_empty() {
        parts.push(format!("targets {}", a.target.join(", ")));
    }
    if let Some(t) = &a.tool {
        parts.push(format!("tool {t}"));
    }
    if let Some(s) = &a.since {
        parts.push(format!("from {s}"));
    }
    if let Some(u) = &a.until {
        parts.push(format!("before {u}"));
    }
    if parts.is_empty() {
        parts.push("every stored run".into());
    }
    parts.push(format!("at most {} runs", a.limit));
    parts.join("; ")
}
