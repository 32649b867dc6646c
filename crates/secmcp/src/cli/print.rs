//! Output of the non-serving commands: stdout only.

use std::io::Write;
use std::process::ExitCode;

/// Prints `text` (and a newline) to stdout.
pub(crate) fn out(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
