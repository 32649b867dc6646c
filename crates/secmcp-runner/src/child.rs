//! What the child process does between fork and exec.
//!
//! This is the one place in the workspace that uses `unsafe`: registering a
//! `pre_exec` hook is unsafe because the hook runs in the forked child of a
//! multi-threaded process, where only async-signal-safe operations are
//! allowed. The hook below only makes plain system calls (`setsid`, `umask`,
//! `write`, `setpriority`) on values prepared before the fork; it allocates
//! nothing and takes no lock.

#![allow(unsafe_code)]

use std::fs::File;

use nix::sys::stat::{Mode, umask};

/// The niceness of background runs: the lowest CPU priority.
const BACKGROUND_NICE: libc::c_int = 19;

/// Arranges for the child to start a new session (its own process group,
/// whose id is its pid, and no controlling terminal, so no tool can read or
/// reconfigure the terminal the server was started from), to set its umask
/// to 077, to take the lowest CPU
/// priority when `background`, and, given the run cgroup's open
/// `cgroup.procs`, to move itself into that cgroup before it executes the
/// tool (so no process of the tool ever runs outside it).
pub(crate) fn before_exec(
    cmd: &mut tokio::process::Command,
    join_cgroup: Option<File>,
    background: bool,
) {
    let private = Mode::from_bits_truncate(0o077);
    // SAFETY: the closure runs after fork in the child. It calls setsid(2),
    // umask(2), setpriority(2) and write(2) only, on a mode, a constant and a
    // file descriptor created before the fork; none allocates, locks or
    // touches state shared with other threads.
    unsafe {
        cmd.pre_exec(move || {
            // A fresh child is never a group leader, so this cannot fail
            // with EPERM; if it fails anyway the run must not start.
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            umask(private);
            if background {
                // Raising one's own niceness cannot fail for lack of
                // privilege; if it fails anyway, the run is only less polite.
                libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
            }
            if let Some(procs) = &join_cgroup {
                // "0" is the writing process itself.
                nix::unistd::write(procs, b"0").map_err(std::io::Error::from)?;
            }
            Ok(())
        });
    }
}
