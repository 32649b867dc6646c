//! `audit verify`: checks the hash chain of one audit file or a rotated
//! series, oldest first.

use std::fs;
use std::process::ExitCode;

use secmcp_store::Store;

use super::args::VerifyArgs;
use super::print::out;
use super::runs_cmd::with_store;
use crate::audit::chain::{self, Head};

/// Exit 0 and a summary when the chain holds; 1 and the first broken
/// record (file, line, seq, what is wrong) when it does not; 2 when a file
/// cannot be read.
pub(super) fn verify(args: &VerifyArgs) -> ExitCode {
    let mut head = (!args.partial).then(Head::default);
    let mut records = 0u64;
    let mut first_seq = None;
    for path in &args.files {
        let text = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!(
                        "secmcp: {}: not a text file (byte {} is not UTF-8)",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    );
                    return ExitCode::FAILURE;
                }
            },
            Err(e) => {
                eprintln!("secmcp: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        match chain::verify(text.lines(), head.clone()) {
            Ok(v) => {
                records += v.records;
                if v.records > 0 {
                    first_seq.get_or_insert(v.first_seq);
                    head = Some(v.head);
                }
            }
            Err(b) => {
                eprintln!("secmcp: {}: line {}: {b}", path.display(), b.index + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    let head = head.unwrap_or_default();
    let from = match first_seq {
        Some(1) | None => "the first record".to_owned(),
        Some(n) => format!("record {n} (older records rotated away)"),
    };
    let summary = format!(
        "intact: {records} records from {from} to record {}; last hash {}",
        head.next_seq - 1,
        head.prev
    );
    if !args.store {
        return out(&summary);
    }
    with_store(&args.store_args, |store| async move {
        match against_store(&store, &head).await {
            Ok(note) => out(&format!("{summary}\n{note}")),
            Err(broken) => {
                eprintln!("secmcp: {broken}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Compares the files' last record with the run store's copy: the copy must
/// hold the same record there and nothing after it.
async fn against_store(store: &Store, head: &Head) -> Result<String, String> {
    let last = i64::try_from(head.next_seq - 1).unwrap_or(i64::MAX);
    let lines = store
        .audit_records(last - 1, 10_000)
        .await
        .map_err(|e| format!("the run store's copy cannot be read: {e}"))?;
    let mut same = false;
    let mut after = Vec::new();
    for line in &lines {
        let Some(h) = chain::head_after(line) else {
            return Err(format!(
                "the run store's copy holds a line that is not a record: {line}"
            ));
        };
        let seq = i64::try_from(h.next_seq - 1).unwrap_or(i64::MAX);
        if seq == last {
            if h.prev != head.prev {
                return Err(format!(
                    "the files and the run store's copy differ at record {last} (hash {} in the store)",
                    h.prev
                ));
            }
            same = true;
        } else if seq > last {
            after.push(seq);
        }
    }
    if let (Some(first), Some(end)) = (after.first(), after.last()) {
        return Err(format!(
            "the run store's copy goes on after record {last}, the files' last: records {first}..={end} ({} of them) were cut from the end of the files",
            after.len()
        ));
    }
    Ok(if same || last == 0 {
        format!("the run store's copy agrees: it ends at record {last} too")
    } else {
        format!(
            "the run store holds no copy of record {last} (copies are kept in the background, and only since the store was in use); nothing after it either"
        )
    })
}
