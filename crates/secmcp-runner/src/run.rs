//! Starting one tool process and supervising it to the end: spawn in a fresh
//! process group and working directory, read both pipes into bounded buffers,
//! enforce the timeout and cancellation with SIGTERM then SIGKILL to the whole
//! group, and clean up (group killed, directory removed) on every path,
//! including when the future is dropped.
//!
//! This module must not build argv, choose programs or interpret output; it
//! must never run a shell, and must not log argument values above debug (they
//! may hold secrets).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use std::{ffi::OsString, io};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::capture::{CaptureBuf, Captured};
use crate::cgroup::RunCgroup;
use crate::error::RunError;
use crate::spec::{OutputTap, RunSpec, Stream};

/// How long the pipes may stay open after the process group was killed. Only a
/// process that left the group (for example with `setsid`) can hold them that
/// long; its output is then abandoned.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);

/// How long the run waits for the killed members of its cgroup to be gone.
const STRAGGLER_WAIT: Duration = Duration::from_secs(1);

/// SIGINTs in one burst for a tool that is done but stays, their spacing,
/// and the pause between bursts. masscan resets its "threads not exiting"
/// count four times a second and exits only on the third ^C within one such
/// quarter, so the burst must be quick.
const INTERRUPT_BURST: usize = 4;
const INTERRUPT_GAP: Duration = Duration::from_millis(20);
const INTERRUPT_PAUSE: Duration = Duration::from_millis(400);

/// Size of one read from a pipe.
const READ_CHUNK: usize = 64 * 1024;

/// Prefix of the per-run working directories, under the server's temp dir.
const WORKDIR_PREFIX: &str = "secmcp-run-";

/// How a run ended. Exactly one of these holds: the tool exited on its own
/// (`!timed_out && !cancelled && !lingered`), it was stopped at the timeout,
/// it was stopped because the call was cancelled, or it was stopped after it
/// had said it was done (the spec's done token fired).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The exit code, when the tool exited rather than being killed by a signal.
    pub exit_code: Option<i32>,
    /// The signal that terminated the tool, when it was killed (for example
    /// 15 = SIGTERM or 9 = SIGKILL after a timeout, 11 = SIGSEGV on a crash).
    pub signal: Option<i32>,
    /// What was kept of standard output.
    pub stdout: Captured,
    /// What was kept of standard error.
    pub stderr: Captured,
    /// The tool was still running at the permit's timeout and was stopped.
    pub timed_out: bool,
    /// The cancellation token fired while the tool was running and it was stopped.
    pub cancelled: bool,
    /// The tool said it had finished but did not exit, and was stopped (see
    /// [`RunSpec::with_done`](crate::RunSpec::with_done)). Its output is whole.
    pub lingered: bool,
    /// Wall-clock time from start until the process group was gone and the
    /// output read.
    pub duration: Duration,
    /// The tool's process id, which is also its process group id.
    pub pid: u32,
    /// Files the permit asked to read back from the working directory.
    pub files: Vec<crate::workdir::CollectedFile>,
}

/// Runs `spec` to completion and returns what happened.
///
/// The program is executed directly with the permit's argv (never through a
/// shell), with a cleared environment holding only the allowlisted and extra
/// variables, stdin connected to `/dev/null`, in its own process group and in
/// a fresh temporary working directory that is removed afterwards.
///
/// At the permit's timeout, or when `cancel` fires, the whole process group is
/// sent SIGTERM, then SIGKILL after the grace period; partial output is kept.
/// When the tool exits on its own, the group is killed too, so background
/// children it left behind do not survive the call. If the returned future is
/// dropped before it completes, the group is killed with SIGKILL.
///
/// Returns an error only when the tool could not be started (or, rarely, when
/// waiting for it or reading its output failed); a tool that fails, crashes,
/// times out or is cancelled gives an `Ok` outcome saying so.
pub async fn run(spec: RunSpec, cancel: CancellationToken) -> Result<RunOutcome, RunError> {
    let name = spec.program_name();
    if cancel.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    // Declared first so it is dropped (removed) last, after the group is killed.
    // Private (0700): while a run lasts, other local users must not read what
    // the tool writes there (found credentials, sqlmap's session files).
    let workdir = tempfile::Builder::new()
        .prefix(WORKDIR_PREFIX)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(RunError::WorkDir)?;
    let cgroup = match &spec.cgroups {
        Some(parent) => Some(parent.new_run().map_err(RunError::WorkDir)?),
        None => None,
    };

    crate::workdir::write_files(workdir.path(), &spec.write_files).map_err(RunError::WorkDir)?;
    let run_as = spec.sandbox.run_as.filter(|_| crate::sandbox::is_root());
    let mut env = spec.env.clone();
    if let Some(user) = run_as {
        // The tool's user must own its private directory and what was
        // written there; its HOME is that directory (it can write nowhere else).
        crate::workdir::give_to(workdir.path(), user.uid, user.gid).map_err(RunError::WorkDir)?;
        env.retain(|(name, _)| name != "HOME");
        env.push(("HOME".into(), workdir.path().as_os_str().to_owned()));
    }
    let landlock = if spec.sandbox.landlock {
        let ruleset = crate::child::landlock_ruleset(workdir.path()).map_err(RunError::WorkDir)?;
        if ruleset.is_some() {
            // Temporary files go where the tool may write.
            env.retain(|(name, _)| name != "TMPDIR");
            env.push(("TMPDIR".into(), workdir.path().as_os_str().to_owned()));
        }
        ruleset
    } else {
        None
    };
    // The run's packets are held to its permit before it can send any.
    let fence = match &spec.egress {
        Some((fence, to)) => {
            let (fence, to) = (fence.clone(), to.clone());
            let admitted = tokio::task::spawn_blocking(move || fence.admit(&to))
                .await
                .map_err(|e| RunError::Io(io::Error::other(e)))?;
            Some(admitted.map_err(RunError::Egress)?)
        }
        None => None,
    };
    let confinement = crate::child::Confinement {
        landlock,
        rlimits: spec.sandbox.limits.rlimits(),
        no_new_privs: spec.sandbox.no_new_privs,
        run_as,
        egress_gid: fence.as_ref().map(crate::egress::RunFence::gid),
        raw_sockets: spec.raw_sockets,
        net_admin: spec.net_admin,
        seccomp: if spec.sandbox.seccomp {
            crate::sandbox::seccomp_program()
        } else {
            None
        },
    };
    let started = Instant::now();
    let mut child = spawn(
        &spec.program,
        &spec.args,
        &env,
        workdir.path(),
        cgroup.as_ref(),
        spec.background,
        confinement,
    )
    .map_err(|err| RunError::from_spawn(err, name.clone()))?;
    // `id()` is only `None` once the child has been reaped, which cannot have
    // happened yet.
    let pid = child
        .id()
        .ok_or_else(|| RunError::Io(io::Error::other("spawned child has no pid")))?;
    // From here on, dropping this future kills the group.
    let group = GroupGuard::new(pid, cgroup)?;
    debug!(program = %name, argc = spec.args.len(), pid, "tool started");

    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(RunError::Io(io::Error::other("child pipes missing")));
    };

    // Set once the leader has been reaped and the group killed; the pumps then
    // have DRAIN_AFTER_EXIT to reach end of file.
    let leader_gone = CancellationToken::new();
    let supervisor = async {
        let result = supervise(&mut child, &group, &spec, &cancel).await;
        // Whatever happened, nothing of the group may outlive the leader.
        group.signal(Signal::SIGKILL);
        let deadline = Instant::now() + STRAGGLER_WAIT;
        while group.stragglers() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        leader_gone.cancel();
        result
    };
    let ((stdout, stdout_err), (stderr, stderr_err), supervised) = tokio::join!(
        pump(
            stdout,
            CaptureBuf::new(spec.max_stdout_bytes),
            &leader_gone,
            spec.tap.as_ref().map(|t| (t, Stream::Stdout)),
        ),
        pump(
            stderr,
            CaptureBuf::new(spec.max_stderr_bytes),
            &leader_gone,
            spec.tap.as_ref().map(|t| (t, Stream::Stderr)),
        ),
        supervisor,
    );
    // The group has been killed already; do not signal its id again later, in
    // case it has been reused.
    group.disarm();
    let duration = started.elapsed();
    let files = if spec.collect.is_empty() {
        Vec::new()
    } else {
        crate::workdir::collect(workdir.path(), &spec.collect, spec.max_collect_bytes)
    };

    if let Err(err) = workdir.close() {
        warn!(program = %name, pid, error = %err, "could not remove the tool's working directory");
    }
    // Every process of the run is gone: its rules go (on a thread of their
    // own, off the call's path).
    drop(fence);

    let (status, ending) = supervised.map_err(RunError::Io)?;
    if let Some(err) = stdout_err.or(stderr_err) {
        return Err(RunError::Io(err));
    }
    let outcome = RunOutcome {
        exit_code: status.code(),
        signal: status.signal(),
        stdout,
        stderr,
        timed_out: ending == Ending::TimedOut,
        cancelled: ending == Ending::Cancelled,
        lingered: ending == Ending::Lingered,
        duration,
        pid,
        files,
    };
    debug!(
        program = %name,
        pid,
        duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        exit_code = ?outcome.exit_code,
        signal = ?outcome.signal,
        timed_out = outcome.timed_out,
        cancelled = outcome.cancelled,
        lingered = outcome.lingered,
        stdout_bytes = outcome.stdout.total_bytes(),
        stderr_bytes = outcome.stderr.total_bytes(),
        "tool finished"
    );
    Ok(outcome)
}

/// Starts the process. This is the only place in secmcp that builds a
/// `Command`: the workspace lint forbids `Command::new` everywhere else.
///
/// Between fork and exec the child starts its own session (a process group
/// of its own, no controlling terminal), sets its umask to 077 (what the
/// tool writes is private to the server's user) and joins its run cgroup,
/// if any.
#[allow(clippy::disallowed_methods)] // the runner is the one sanctioned spawner
fn spawn(
    program: &Path,
    args: &[String],
    env: &[(OsString, OsString)],
    workdir: &Path,
    cgroup: Option<&RunCgroup>,
    background: bool,
    confinement: crate::child::Confinement,
) -> io::Result<Child> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.iter().map(|(name, value)| (name, value)))
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let join = cgroup.map(|c| c.procs().try_clone()).transpose()?;
    crate::child::before_exec(&mut cmd, join, background, confinement);
    cmd.spawn()
}

/// Why the leader stopped running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Exited,
    TimedOut,
    Cancelled,
    Lingered,
}

/// Waits for the leader, stopping the group at the timeout, on cancellation
/// or when the spec's done token fires (SIGTERM, then SIGKILL after the
/// grace). Returns once the leader is reaped.
///
/// A tool stopped because it is done but stays is first asked the way a
/// person at a terminal would: bursts of SIGINT (what makes masscan write out
/// its buffered results and exit), for up to the grace. Only if that fails
/// does it get SIGTERM and SIGKILL.
async fn supervise(
    child: &mut Child,
    group: &GroupGuard,
    spec: &RunSpec,
    cancel: &CancellationToken,
) -> io::Result<(ExitStatus, Ending)> {
    let done = async {
        match &spec.done {
            Some(done) => done.cancelled().await,
            None => std::future::pending().await,
        }
    };
    let ending = tokio::select! {
        biased;
        status = child.wait() => return Ok((status?, Ending::Exited)),
        () = cancel.cancelled() => Ending::Cancelled,
        () = done => Ending::Lingered,
        () = tokio::time::sleep(spec.timeout) => Ending::TimedOut,
    };
    let grace = spec.kill_grace;
    if ending == Ending::Lingered {
        debug!(
            pgid = group.pgid.as_raw(),
            "tool done but still running: SIGINT bursts"
        );
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline {
            for _ in 0..INTERRUPT_BURST {
                group.signal(Signal::SIGINT);
                tokio::time::sleep(INTERRUPT_GAP).await;
            }
            if let Ok(status) = tokio::time::timeout(INTERRUPT_PAUSE, child.wait()).await {
                return Ok((status?, ending));
            }
        }
    }
    debug!(
        pgid = group.pgid.as_raw(),
        ?ending,
        "stopping tool: SIGTERM to its process group"
    );
    group.signal(Signal::SIGTERM);
    let status = match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => status?,
        Err(_elapsed) => {
            debug!(
                pgid = group.pgid.as_raw(),
                "grace period over: SIGKILL to the process group"
            );
            group.signal(Signal::SIGKILL);
            child.wait().await?
        }
    };
    Ok((status, ending))
}

/// Reads `reader` to end of file into `buf`, never stopping early because of
/// the budget (so the tool never blocks on a full pipe). Gives up
/// `DRAIN_AFTER_EXIT` after `leader_gone` fires. Returns what was captured and
/// the read error, if one ended the stream. `tap` sees each chunk first.
async fn pump<R: AsyncRead + Unpin>(
    mut reader: R,
    mut buf: CaptureBuf,
    leader_gone: &CancellationToken,
    tap: Option<(&OutputTap, Stream)>,
) -> (Captured, Option<io::Error>) {
    let give_up = async {
        leader_gone.cancelled().await;
        tokio::time::sleep(DRAIN_AFTER_EXIT).await;
    };
    tokio::pin!(give_up);
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        // Not biased: a process flooding the pipe must not starve `give_up`.
        tokio::select! {
            read = reader.read(&mut chunk) => match read {
                Ok(0) => return (buf.finish(), None),
                Ok(n) => {
                    if let Some((tap, stream)) = tap {
                        tap(stream, &chunk[..n]);
                    }
                    buf.push(&chunk[..n]);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return (buf.finish(), Some(err)),
            },
            () = &mut give_up => {
                debug!("a pipe stayed open after the process group was killed; output abandoned");
                return (buf.finish(), None);
            }
        }
    }
}

/// The tool's process group. Dropping it while armed sends SIGKILL to the whole
/// group, so a dropped `run` future leaves no process behind.
/// With a run cgroup, every process the tool started, wherever it moved to
/// (a `setsid()` leaves the group, never the cgroup), is signalled too; the
/// cgroup is emptied and removed when the guard is dropped.
#[derive(Debug)]
struct GroupGuard {
    pgid: Pid,
    armed: AtomicBool,
    cgroup: Option<RunCgroup>,
}

impl GroupGuard {
    fn new(pid: u32, cgroup: Option<RunCgroup>) -> Result<Self, RunError> {
        let raw = i32::try_from(pid)
            .map_err(|_| RunError::Io(io::Error::other("pid does not fit in pid_t")))?;
        Ok(Self {
            pgid: Pid::from_raw(raw),
            armed: AtomicBool::new(true),
            cgroup,
        })
    }

    /// Sends `signal` to every process in the group (and the run cgroup); a
    /// group that is already gone is not an error.
    fn signal(&self, signal: Signal) {
        if let Some(cg) = &self.cgroup {
            cg.signal(signal);
        }
        if !self.armed.load(Ordering::Relaxed) {
            return;
        }
        match killpg(self.pgid, signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(err) => {
                warn!(pgid = self.pgid.as_raw(), %signal, error = %err, "could not signal the tool's process group");
            }
        }
    }

    /// Stops the guard from signalling the process group id again (it may be
    /// reused once the group is gone); the cgroup stays reachable.
    fn disarm(&self) {
        self.armed.store(false, Ordering::Relaxed);
    }

    /// Whether a process of the run is still alive somewhere (cgroup only).
    fn stragglers(&self) -> bool {
        self.cgroup.as_ref().is_some_and(RunCgroup::is_populated)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed.load(Ordering::Relaxed) {
            debug!(
                pgid = self.pgid.as_raw(),
                "run abandoned: SIGKILL to the process group"
            );
            self.signal(Signal::SIGKILL);
        }
    }
}
