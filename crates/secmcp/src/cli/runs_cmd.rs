//! `runs list|show|export`: the run store of the loaded config, read-only
//! (opening it applies pending migrations, as the server would).

use std::path::PathBuf;
use std::process::ExitCode;

use secmcp_store::{ListQuery, Store};

use super::args::{RunsAction, RunsListArgs, StoreArgs};
use super::print::out;

/// Runs one `runs` action.
pub(super) fn runs(action: RunsAction) -> ExitCode {
    let store_args = match &action {
        RunsAction::List(a) | RunsAction::Export(a) => &a.store,
        RunsAction::Show(a) => &a.store,
    };
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
    let Some(store) = runtime.block_on(open(store_args)) else {
        return ExitCode::FAILURE;
    };
    let code = runtime.block_on(async {
        match action {
            RunsAction::List(a) => list(&store, &a).await,
            RunsAction::Export(a) => export(&store, &a).await,
            RunsAction::Show(a) => show(&store, &a.id, a.raw).await,
        }
    });
    runtime.block_on(store.close());
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

fn query(a: &RunsListArgs, default_limit: u32) -> ListQuery {
    let since_ms = a.since_hours.map(|h| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX) - i64::from(h) * 3_600_000
    });
    ListQuery {
        tool: a.tool.clone(),
        target: a.target.clone(),
        since_ms,
        limit: a.limit.unwrap_or(default_limit),
        ..ListQuery::default()
    }
}

fn failed(e: &secmcp_store::StoreError) -> ExitCode {
    eprintln!("secmcp: {}: {e}; {}", e.code(), e.hint());
    ExitCode::FAILURE
}

async fn list(store: &Store, a: &RunsListArgs) -> ExitCode {
    let page = match store.list(&query(a, 50)).await {
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
            utc(r.started_at_ms),
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
    let mut q = query(a, 500);
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

fn not_found(id: &str) -> ExitCode {
    eprintln!("secmcp: run_not_found: no run `{id}`; `secmcp runs list` shows the ids");
    ExitCode::FAILURE
}

/// `YYYY-MM-DD HH:MM:SS` in UTC from Unix milliseconds.
fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00:00");
    }
}
