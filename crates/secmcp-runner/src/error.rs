//! Why a run could not produce a [`crate::RunOutcome`].
//!
//! Messages are safe to show an agent: they name the program by its file name
//! only and never include a path or the text of an OS error (the underlying
//! `io::Error`, which may hold paths, is kept as the `source` for logs).

use std::io;

/// A run that did not produce an outcome. A tool that started and then failed,
/// crashed, timed out or was cancelled is not an error: see [`crate::RunOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program (or the interpreter named by its `#!` line) does not exist.
    #[error("the tool program `{program}` was not found on the server")]
    NotFound {
        /// File name of the program.
        program: String,
    },
    /// The program exists but the server may not execute it.
    #[error("the tool program `{program}` is not executable on the server")]
    PermissionDenied {
        /// File name of the program.
        program: String,
    },
    /// The program could not be started for another reason.
    #[error("the tool could not be started ({})", .0.kind())]
    Spawn(#[source] io::Error),
    /// Waiting for the tool or reading its output failed.
    #[error("an I/O error occurred while running the tool ({})", .0.kind())]
    Io(#[source] io::Error),
    /// The per-run temporary working directory could not be created.
    #[error("the tool's working directory could not be created ({})", .0.kind())]
    WorkDir(#[source] io::Error),
    /// The cancellation token had fired before the tool was started, so it
    /// was not started at all.
    #[error("the run's egress rules could not be installed, so the tool was not started ({0})")]
    Egress(#[source] io::Error),
    #[error("the call was cancelled before the tool was started")]
    Cancelled,
}

impl RunError {
    /// A stable snake_case code for this error, for agents and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            RunError::NotFound { .. } => "tool_not_found",
            RunError::PermissionDenied { .. } => "tool_not_executable",
            RunError::Spawn(_) => "tool_spawn_failed",
            RunError::Io(_) => "tool_io_failed",
            RunError::WorkDir(_) => "workdir_failed",
            RunError::Egress(_) => "egress_failed",
            RunError::Cancelled => "cancelled",
        }
    }

    /// Classifies an error returned by spawning `program`.
    pub(crate) fn from_spawn(err: io::Error, program: String) -> Self {
        match err.kind() {
            io::ErrorKind::NotFound => RunError::NotFound { program },
            io::ErrorKind::PermissionDenied => RunError::PermissionDenied { program },
            _ => RunError::Spawn(err),
        }
    }
}
