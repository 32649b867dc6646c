//! `audit verify`: checks the hash chain of one audit file or a rotated
//! series, oldest first.

use std::fs;
use std::process::ExitCode;

use secmcp_store::Store;

use super::args::VerifyArgs;
use super::print::out;
use super::runs_cmd::with_store;
use crate::audit::chain::{self, Head};
use crate::audit::copy::{Comparison, FileChain, Links};

/// Exit 0 and a summary when the chain holds; 1 and the first broken
/// record (file, line, seq, what is wrong) when it does not; 2 when a file
/// cannot be read.
pub(super) fn verify(args: &VerifyArgs) -> ExitCode {
    let mut head = (!args.partial).then(Head::default);
    let mut records = 0u64;
    let mut first_seq = None;
    let mut file_chain = FileChain::default();
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
                if args.store {
                    // Verified lines are records.
                    text.lines()
                        .filter_map(Links::of)
                        .for_each(|l| file_chain.push(l));
                }
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
    let first = first_seq.unwrap_or(1);
    with_store(&args.store_args, |store| async move {
        match against_store(&store, &file_chain, first).await {
            Ok(note) => out(&format!("{summary}\n{note}")),
            Err(broken) => {
                eprintln!("secmcp: {broken}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Compares the files with the run store's copy (see [`crate::audit::copy`]),
/// reading the copy from record `first` on, a page at a time.
async fn against_store(store: &Store, file: &FileChain, first: u64) -> Result<String, String> {
    const PAGE: i64 = 10_000;
    let mut comparison = Comparison::new(file);
    if file.is_empty() {
        return comparison.verdict();
    }
    // Several chains share numbers: each page starts at the last number of
    // the one before, whose records (`at_top`) are not taken twice.
    let mut after = i64::try_from(first).unwrap_or(i64::MAX) - 1;
    let mut at_top = std::collections::HashSet::new();
    loop {
        let lines = store
            .audit_records(after, PAGE)
            .await
            .map_err(|e| format!("the run store's copy cannot be read: {e}"))?;
        let mut page = Vec::with_capacity(lines.len());
        for line in &lines {
            let Some(links) = Links::of(line) else {
                return Err(format!(
                    "the run store's copy holds a line that is not a record: {line}"
                ));
            };
            page.push(links);
        }
        let full = lines.len() >= usize::try_from(PAGE).unwrap_or(usize::MAX);
        let top = page
            .last()
            .map_or(after, |l| i64::try_from(l.seq).unwrap_or(i64::MAX));
        let next_top: std::collections::HashSet<String> = page
            .iter()
            .filter(|l| i64::try_from(l.seq).unwrap_or(i64::MAX) == top)
            .map(|l| l.hash.clone())
            .collect();
        for links in page {
            if !at_top.contains(&links.hash) {
                comparison.see(links);
            }
        }
        if !full {
            break;
        }
        if top - 1 <= after {
            return Err(format!(
                "the run store's copy holds more than {PAGE} records numbered {top}"
            ));
        }
        after = top - 1;
        at_top = next_top;
    }
    comparison.verdict()
}
