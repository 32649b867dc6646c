//! `runs list|show|diff|export`: the run store of the loaded config, read-only
//! (opening it applies pending migrations, as the server would).

use std::path::PathBuf;
use std::process::ExitCode;

use secmcp_store::{ListQuery, Store};

use super::args::{RunsAction, RunsDiffArgs, RunsListArgs, StoreArgs};
use super::print::out;

/// Runs one `runs` action.
pub(super) fn runs(action: RunsAction) -> ExitCode {
    let store_args = match &action {
        RunsAction::List(a) | RunsAction::Export(a) => &a.store,
        RunsAction::Show(a) => &a.store,
        RunsAction::Diff(a) => &a.store,
    }
    .clone();
    with_store(&store_args, |store| async move {
        match action {
            RunsAction::List(a) => list(&store, &a).await,
            RunsAction::Export(a) => export(&store, &a).await,
            RunsAction::Show(a) => show(&store, &a.id, a.raw).await,
            RunsAction::Diff(a) => diff(&store, a).await,
        }
    })
}

/// Opens the store of `args` on a one-thread runtime, runs `f` and closes it.
pub(super) fn with_store<F, Fut>(args: &StoreArgs, f: F) -> ExitCode
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secmcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(store) = runtime.block_on(open(args)) else {
        return ExitCode::FAILURE;
    };
    let closer = store.clone();
    let code = runtime.block_on(f(store));
    runtime.block_on(closer.close());
    code
}

async fn open(args: &StoreArgs) -> Option<Store> {
    let data_dir = args.data_dir.clone().map(|d| {
        if d.is_absolute() {
            d
        } else {
            std::env::current_dir().map_or(d.clone(), |c: PathBuf| c.join(&d))
        }
    });
    let settings = match crate::config::load(args.config.config.clone(), move |raw| {
        if let Some(d) = &data_dir {
            raw.storage.data_dir = d.display().to_string();
        }
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("secmcp: invalid configuration: {e}");
            return None;
        }
    };
    match Store::open(&settings.storage.store_config()).await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!(
                "secmcp: {} ({}): {e}; {}",
                e.code(),
                settings.storage.backend.display(),
                e.hint()
            );
            None
        }
    }
}

fn query(a: &RunsListArgs, default_limit: u32) -> Result<ListQuery, ExitCode> {
    let since_ms = match (&a.since, a.since_hours) {
        (Some(t), _) => Some(time(t, "--since")?),
        (None, Some(h)) => Some(crate::history::now_ms() - i64::from(h) * 3_600_000),
        (None, None) => None,
    };
    let mut q = ListQuery {
        tool: a.tool.clone(),
        since_ms,
        until_ms: a.until.as_deref().map(|t| time(t, "--until")).transpose()?,
        limit: a.limit.unwrap_or(default_limit),
        ..ListQuery::default()
    };
    if let Some(t) = &a.target {
        target(&mut q, t)?;
    }
    Ok(q)
}

/// Narrows `q` to runs on `t` (address, network or name), or says why not.
pub(super) fn target(q: &mut ListQuery, t: &str) -> Result<(), ExitCode> {
    crate::history::apply_target(q, t).map_err(|e| {
        eprintln!("secmcp: --target {}; {}", e.message, e.hint);
        ExitCode::from(2)
    })
}

/// Unix ms of a `--since`/`--until` value, or says what to write.
pub(super) fn time(t: &str, flag: &str) -> Result<i64, ExitCode> {
    crate::history::parse_utc(t).map_err(|e| {
        eprintln!("secmcp: {flag}: {e}");
        ExitCode::from(2)
    })
}

pub(super) fn failed(e: &secmcp_store::StoreError) -> ExitCode {
    eprintln!("secmcp: {}: {e}; {}", e.code(), e.hint());
    ExitCode::FAILURE
}

async fn list(store: &Store, a: &RunsListArgs) -> ExitCode {
    let q = match query(a, 50) {
        Ok(q) => q,
        Err(code) => return code,
    };
    let page = match store.list(&q).await {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    if a.json {
        return match serde_json::to_string_pretty(&page.runs) {
            Ok(j) => out(&j),
            Err(_) => ExitCode::FAILURE,
        };
    }
    let mut t = format!(
        "{:<36}  {:<20}  {:<8}  {:<24}  {:<8}  {:<22}  {:>8}\n",
        "ID", "TIME (UTC)", "TOOL", "TARGET", "DECISION", "OUTCOME", "MS"
    );
    for r in &page.runs {
        t.push_str(&format!(
            "{:<36}  {:<20}  {:<8}  {:<24}  {:<8}  {:<22}  {:>8}\n",
            r.id,
            crate::history::utc(r.started_at_ms),
            r.tool,
            r.target,
            r.decision.as_str(),
            r.outcome,
            r.duration_ms
        ));
    }
    if page.next_cursor.is_some() {
        t.push_str("(more: raise --limit or narrow the filters)\n");
    }
    out(&t)
}

async fn export(store: &Store, a: &RunsListArgs) -> ExitCode {
    let mut q = match query(a, 500) {
        Ok(q) => q,
        Err(code) => return code,
    };
    let mut left = a.limit.map_or(u64::MAX, u64::from);
    let mut lines = String::new();
    loop {
        q.limit = u32::try_from(left.min(500)).unwrap_or(500);
        let page = match store.list(&q).await {
            Ok(p) => p,
            Err(e) => return failed(&e),
        };
        for r in &page.runs {
            match store.get(&r.id).await {
                Ok(Some(run)) => {
                    if let Ok(j) = serde_json::to_string(&run) {
                        lines.push_str(&j);
                        lines.push('\n');
                    }
                }
                Ok(None) => {} // pruned meanwhile
                Err(e) => return failed(&e),
            }
            left = left.saturating_sub(1);
        }
        match page.next_cursor {
            Some(c) if left > 0 => q.cursor = Some(c),
            _ => break,
        }
    }
    if lines.is_empty() {
        return ExitCode::SUCCESS;
    }
    out(&lines)
}

async fn show(store: &Store, id: &str, raw: bool) -> ExitCode {
    if raw {
        return match store.raw(id).await {
            Ok(Some((bytes, _))) => out(&String::from_utf8_lossy(&bytes)),
            Ok(None) => not_found(id),
            Err(e) => failed(&e),
        };
    }
    match store.get(id).await {
        Ok(Some(run)) => match serde_json::to_string_pretty(&run) {
            Ok(j) => out(&j),
            Err(_) => ExitCode::FAILURE,
        },
        Ok(None) => not_found(id),
        Err(e) => failed(&e),
    }
}

async fn diff(store: &Store, a: RunsDiffArgs) -> ExitCode {
    let json = a.json;
    let args = crate::history::DiffArgs {
        before: a.before,
        after: a.after,
        tool: a.tool,
        target: a.target,
    };
    match crate::history::compare(store, args, &crate::history::Access::All).await {
        Ok((_, structured)) if json => match serde_json::to_string_pretty(&structured) {
            Ok(j) => out(&j),
            Err(_) => ExitCode::FAILURE,
        },
        Ok((text, _)) => out(text.trim_end()),
        Err(e) => {
            eprintln!("secmcp: {}: {}; {}", e.code, e.message, e.hint);
            ExitCode::FAILURE
        }
    }
}

fn not_found(id: &str) -> ExitCode {
    eprintln!("secmcp: run_not_found: no run `{id}`; `secmcp runs list` shows the ids");
    ExitCode::FAILURE
}
