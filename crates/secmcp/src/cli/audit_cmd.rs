//! `audit verify`: checks the hash chain of one audit file or a rotated
//! series, oldest first.

use std::fs;
use std::process::ExitCode;

use super::args::VerifyArgs;
use super::print::out;
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
    out(&format!(
        "intact: {records} records from {from} to record {}; last hash {}",
        head.next_seq - 1,
        head.prev
    ))
}
