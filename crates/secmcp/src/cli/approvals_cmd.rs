//! `approvals list|approve|deny`: an operator decides the intrusive runs
//! that wait for one (`security.approval: operator`), in the run store the
//! waiting server reads.

use std::process::ExitCode;

use secmcp_store::{ApprovalRow, Decided, Store};

use super::args::{ApprovalDecideArgs, ApprovalsAction, ApprovalsListArgs};
use super::print::out;
use super::runs_cmd::{failed, with_store};
use crate::auth::Identity;
use crate::history::now_ms;

/// Runs one `approvals` action.
pub(super) fn approvals(action: ApprovalsAction) -> ExitCode {
    match action {
        ApprovalsAction::List(a) => {
            let store = a.store.clone();
            with_store(&store, |s| async move { list(&s, &a).await })
        }
        ApprovalsAction::Approve(a) => decide(a, "approved"),
        ApprovalsAction::Deny(a) => decide(a, "denied"),
    }
}

async fn list(store: &Store, a: &ApprovalsListArgs) -> ExitCode {
    let now = now_ms();
    let rows = match store.list_approvals(now, a.all).await {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    if a.json {
        return match serde_json::to_string_pretty(&rows) {
            Ok(j) => out(&j),
            Err(_) => ExitCode::FAILURE,
        };
    }
    if rows.is_empty() {
        return out(if a.all {
            "no approval requests in the last day"
        } else {
            "no run is waiting for approval"
        });
    }
    let mut text = String::new();
    for r in &rows {
        text.push_str(&describe(r, now));
        text.push('\n');
    }
    out(&text)
}

/// One request as an operator reads it before deciding.
fn describe(r: &ApprovalRow, now: i64) -> String {
    let secs = |ms: i64| ms.max(0) / 1000;
    let state = if r.status == "pending" {
        format!("pending, expires in {} s", secs(r.expires_at_ms - now))
    } else if r.decided_by.is_empty() {
        r.status.clone()
    } else {
        format!("{} by {}", r.status, r.decided_by)
    };
    format!(
        "{id}  {state}\n  asked by {owner} {age} s ago (correlation_id {cid})\n  tool:    {tool}\n  targets: {pinned}\n  command: {argv}",
        id = r.id,
        owner = r.owner,
        age = secs(now - r.created_at_ms),
        cid = r.correlation_id,
        tool = r.tool,
        pinned = r.pinned.join(", "),
        argv = r.argv.join(" "),
    )
}

fn decide(a: ApprovalDecideArgs, status: &'static str) -> ExitCode {
    let by = Identity::os_user(None).owner_key();
    let store = a.store.clone();
    with_store(&store, |s| async move {
        let reason = a.reason.as_deref().unwrap_or("");
        match s
            .decide_approval(&a.id, status, &by, reason, now_ms())
            .await
        {
            Ok(Decided::Done(row)) => out(&format!(
                "{status}: {}\n{}",
                row.id,
                describe(&row, now_ms())
            )),
            Ok(Decided::AlreadyClosed(row)) => {
                let why = if row.status == "pending" {
                    "it expired".to_owned()
                } else {
                    format!("it is already {}", row.status)
                };
                eprintln!("secmcp: {} cannot be {status}: {why}", row.id);
                ExitCode::FAILURE
            }
            Ok(Decided::NotFound) => {
                eprintln!(
                    "secmcp: no approval request has the id `{}` (give the id `secmcp approvals list` shows, or its first {} or more characters)",
                    a.id,
                    secmcp_store::MIN_APPROVAL_PREFIX
                );
                ExitCode::FAILURE
            }
            Ok(Decided::Ambiguous) => {
                eprintln!(
                    "secmcp: `{}` names more than one request; give more of the id",
                    a.id
                );
                ExitCode::FAILURE
            }
            Err(e) => failed(&e),
        }
    })
}
