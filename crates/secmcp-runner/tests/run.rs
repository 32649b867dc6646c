//! End-to-end tests of `secmcp_runner::run` with real processes and real time.
//!
//! Fake tools are small `/bin/sh` scripts written into a per-test directory
//! under Cargo's target tmp dir (not /tmp, which may be mounted noexec).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use secmcp_policy::Permit;
use secmcp_runner::{CgroupParent, RunError, RunLimits, RunOutcome, RunSpec, Stream, run};
use tokio_util::sync::CancellationToken;

/// A directory of fake tools, removed at the end of the test.
struct Tools {
    dir: tempfile::TempDir,
}

impl Tools {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("runner-tools-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("create tools dir");
        Self { dir }
    }

    /// Writes an executable `/bin/sh` script called `name`.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod script");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Small limits so that tests are fast; PATH is the only inherited variable.
fn limits() -> RunLimits {
    RunLimits {
        max_stdout_bytes: 1024 * 1024,
        max_stderr_bytes: 64 * 1024,
        kill_grace: Duration::from_millis(500),
        env_allowlist: vec!["PATH".into()],
        extra_env: Vec::new(),
        max_collect_bytes: 4096,
        cgroups: None,
        background: false,
        // Landlock off: these fake tools report through files in the test's
        // own directory, outside their work dir (tests/sandbox.rs covers it).
        sandbox: secmcp_runner::Sandbox {
            landlock: false,
            ..secmcp_runner::Sandbox::default()
        },
        egress: None,
    }
}

/// The limits of `limits()` with a run cgroup per run. `None` when this
/// process may not create cgroups (not root, or no cgroup v2): as root, which
/// is how CI runs, that is a failure.
fn cgroup_limits() -> Option<RunLimits> {
    static PARENT: OnceLock<Option<Arc<CgroupParent>>> = OnceLock::new();
    let parent = PARENT.get_or_init(|| match CgroupParent::create() {
        Ok(p) => Some(Arc::new(p)),
        Err(e) if nix::unistd::geteuid().is_root() => {
            panic!("running as root but cannot create a cgroup: {e}")
        }
        Err(e) => {
            eprintln!("skipping: cannot create a cgroup ({e})");
            None
        }
    });
    parent.clone().map(|p| RunLimits {
        cgroups: Some(p),
        ..limits()
    })
}

fn spec(program: &Path, args: &[&str], timeout: Duration, limits: &RunLimits) -> RunSpec {
    let permit = Permit::unchecked_for_tests(args.iter().map(|a| a.to_string()).collect(), timeout);
    RunSpec::from_permit(&permit, program.to_path_buf(), limits)
}

/// Runs with a fresh token. Retries a spawn that failed with ETXTBSY: another
/// test thread may have forked while this test's script was still open for
/// writing (a test-harness race that installed tools cannot hit).
async fn run_with(
    program: &Path,
    args: &[&str],
    timeout: Duration,
    limits: &RunLimits,
    cancel: CancellationToken,
) -> Result<RunOutcome, RunError> {
    for _ in 0..50 {
        match run(spec(program, args, timeout, limits), cancel.clone()).await {
            Err(RunError::Spawn(err)) if err.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
    panic!("program stayed busy");
}

async fn run_ok(
    program: &Path,
    args: &[&str],
    timeout: Duration,
    limits: &RunLimits,
) -> RunOutcome {
    run_with(program, args, timeout, limits, CancellationToken::new())
        .await
        .expect("run should produce an outcome")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Processes of process group `pgid` that are still alive (zombies are dead and
/// only wait for their parent or init to reap them, so they are not counted).
fn live_group_members(pgid: u32) -> Vec<u32> {
    let mut members = Vec::new();
    for entry in fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue; // exited while scanning
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parens.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            members.push(pid);
        }
    }
    members
}

/// Waits up to 2 s for the group to have no live member.
async fn assert_group_gone(pgid: u32) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let live = live_group_members(pgid);
        if live.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process group {pgid} still has live members {live:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

const SHORT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn normal_tool_output_and_exit_zero() {
    let tools = Tools::new();
    let tool = tools.script("ok", "echo hello; echo world");
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(out.signal, None);
    assert_eq!(text(out.stdout.bytes()), "hello\nworld\n");
    assert!(out.stdout.tail().is_empty());
    assert_eq!(out.stdout.total_bytes(), 12);
    assert!(!out.stdout.truncated());
    assert!(out.stderr.bytes().is_empty());
    assert!(!out.timed_out && !out.cancelled);
    assert!(out.pid > 0);
    assert!(out.duration < SHORT);
}

#[tokio::test]
async fn arguments_are_passed_verbatim_without_a_shell() {
    let args = ["[%s]\n", "a b", "$(touch pwned)", "*", "; id", "`id`"];
    let out = run_ok(Path::new("/usr/bin/printf"), &args, SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(
        text(out.stdout.bytes()),
        "[a b]\n[$(touch pwned)]\n[*]\n[; id]\n[`id`]\n"
    );
}

#[tokio::test]
async fn nonzero_exit_code_and_stderr_are_reported() {
    let tools = Tools::new();
    let tool = tools.script("fail", "echo partial; echo 'bad option' >&2; exit 3");
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(3));
    assert_eq!(out.signal, None);
    assert_eq!(text(out.stdout.bytes()), "partial\n");
    assert_eq!(text(out.stderr.bytes()), "bad option\n");
    assert!(!out.timed_out && !out.cancelled);
}

#[tokio::test]
async fn crash_is_reported_as_a_signal() {
    let tools = Tools::new();
    let tool = tools.script(
        "crash",
        "ulimit -c 0; echo before; kill -SEGV $$; echo after",
    );
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, None);
    assert_eq!(out.signal, Some(11));
    assert_eq!(text(out.stdout.bytes()), "before\n");
    assert!(!out.timed_out && !out.cancelled);
}

#[tokio::test]
async fn background_runs_take_the_lowest_cpu_priority() {
    let tools = Tools::new();
    // Field 19 of /proc/<pid>/stat is the niceness.
    let tool = tools.script("nice", "cut -d' ' -f19 /proc/$$/stat");
    let ours: i32 = fs::read_to_string("/proc/self/stat")
        .unwrap()
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(16)
        .unwrap()
        .parse()
        .unwrap();
    let nice = |out: RunOutcome| -> i32 { text(out.stdout.bytes()).trim().parse().expect("nice") };
    let normal = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(
        nice(normal),
        ours,
        "a normal run keeps the server's priority"
    );
    let background = RunLimits {
        background: true,
        ..limits()
    };
    assert_eq!(nice(run_ok(&tool, &[], SHORT, &background).await), 19);
}

#[tokio::test]
async fn tool_runs_in_its_own_process_group() {
    let tools = Tools::new();
    // Field 5 of /proc/<pid>/stat is the process group id (comm "sh" has no spaces).
    let tool = tools.script("pgrp", "cut -d' ' -f5 /proc/$$/stat");
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    let pgid: u32 = text(out.stdout.bytes()).trim().parse().expect("pgid");
    assert_eq!(pgid, out.pid, "the tool must lead its own group");
    let ours = fs::read_to_string("/proc/self/stat").unwrap();
    let ours_pgid = ours
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(2)
        .unwrap()
        .to_owned();
    assert_ne!(pgid.to_string(), ours_pgid);
}

#[tokio::test]
async fn tool_has_its_own_session_and_no_controlling_terminal() {
    let tools = Tools::new();
    // Fields after the comm: state ppid pgrp session tty_nr. `/dev/tty` opens
    // only with a controlling terminal.
    let tool = tools.script(
        "session",
        "cut -d' ' -f5,6,7 /proc/$$/stat; if (exec </dev/tty) 2>/dev/null; then echo tty; else echo no-tty; fi",
    );
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    let text = text(out.stdout.bytes());
    let mut lines = text.lines();
    let ids: Vec<u32> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|f| f.parse().unwrap())
        .collect();
    assert_eq!(ids[0], out.pid, "process group");
    assert_eq!(ids[1], out.pid, "session");
    assert_eq!(ids[2], 0, "tty_nr: no controlling terminal");
    assert_eq!(lines.next(), Some("no-tty"));
}

#[tokio::test]
async fn output_flood_is_bounded_with_head_and_tail() {
    let tools = Tools::new();
    let flood = 200_000_000u64;
    let tool = tools.script(
        "flood",
        &format!("printf 'HEAD-START\\n'; yes | head -c {flood}; printf 'TAIL-END\\n'"),
    );
    let limits = RunLimits {
        max_stdout_bytes: 64 * 1024,
        ..limits()
    };
    let out = run_ok(&tool, &[], Duration::from_secs(20), &limits).await;
    assert_eq!(
        out.exit_code,
        Some(0),
        "the tool must not block on a full pipe"
    );
    assert!(!out.timed_out);
    assert!(out.stdout.truncated());
    assert_eq!(out.stdout.total_bytes(), flood + 11 + 9);
    assert_eq!(out.stdout.head().len(), 32 * 1024);
    assert_eq!(out.stdout.tail().len(), 32 * 1024);
    assert_eq!(out.stdout.bytes(), out.stdout.head());
    assert!(out.stdout.head().starts_with(b"HEAD-START\ny\ny\n"));
    assert!(out.stdout.tail().ends_with(b"y\ny\nTAIL-END\n"));
    assert_eq!(out.stdout.omitted_bytes(), flood + 20 - 64 * 1024);
}

#[tokio::test]
async fn endless_flood_is_stopped_at_the_timeout_with_partial_output() {
    let limits = RunLimits {
        max_stdout_bytes: 4096,
        ..limits()
    };
    let timeout = Duration::from_millis(500);
    let out = run_ok(Path::new("/usr/bin/yes"), &["flood"], timeout, &limits).await;
    assert!(out.timed_out);
    assert!(!out.cancelled);
    assert_eq!(out.signal, Some(15), "yes dies on the SIGTERM");
    assert!(out.stdout.truncated());
    assert!(
        out.stdout.total_bytes() > 1_000_000,
        "reading must continue past the cap"
    );
    assert!(out.stdout.head().starts_with(b"flood\nflood\n"));
    assert_eq!(out.stdout.head().len() + out.stdout.tail().len(), 4096);
    assert!(out.duration >= timeout && out.duration < Duration::from_secs(3));
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn stdout_and_stderr_are_read_concurrently() {
    let tools = Tools::new();
    // 2 MB on stderr before anything on stdout: reading one pipe at a time
    // would deadlock once the stderr pipe is full.
    let tool = tools.script("noisy", "yes e | head -c 2000000 >&2; echo done");
    let limits = RunLimits {
        max_stderr_bytes: 1024,
        ..limits()
    };
    let out = run_ok(&tool, &[], SHORT, &limits).await;
    assert_eq!(out.exit_code, Some(0));
    assert!(!out.timed_out);
    assert_eq!(text(out.stdout.bytes()), "done\n");
    assert!(out.stderr.truncated());
    assert_eq!(out.stderr.total_bytes(), 2_000_000);
    assert_eq!(out.stderr.head().len() + out.stderr.tail().len(), 1024);
}

#[tokio::test]
async fn the_tap_sees_output_while_the_tool_still_runs() {
    let tools = Tools::new();
    // The tool waits for a file the test writes only after the tap saw "step 1".
    let go = tools.path("go");
    let tool = tools.script(
        "stepper",
        r#"echo "step 1"; echo "warn" >&2; while [ ! -e "$1" ]; do sleep 0.01; done; echo "step 2""#,
    );
    let seen: Arc<std::sync::Mutex<Vec<(Stream, String)>>> = Arc::default();
    let tap_seen = seen.clone();
    let go_file = go.clone();
    let tap: secmcp_runner::OutputTap = Arc::new(move |stream, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        if text.contains("step 1") {
            fs::write(&go_file, b"").unwrap();
        }
        tap_seen.lock().unwrap().push((stream, text));
    });
    let run_spec = spec(&tool, &[go.to_str().unwrap()], SHORT, &limits()).with_tap(tap);
    let out = run(run_spec, CancellationToken::new()).await.unwrap();
    assert_eq!(
        text(out.stdout.bytes()),
        "step 1\nstep 2\n",
        "the capture is unchanged"
    );
    let seen = seen.lock().unwrap();
    let stdout: String = seen
        .iter()
        .filter(|(s, _)| *s == Stream::Stdout)
        .map(|(_, t)| t.as_str())
        .collect();
    let stderr: String = seen
        .iter()
        .filter(|(s, _)| *s == Stream::Stderr)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        (stdout.as_str(), stderr.as_str()),
        ("step 1\nstep 2\n", "warn\n")
    );
}

/// A run whose tap fires its done token when the tool writes `done` to stderr.
fn done_on_stderr(program: &Path, limits: &RunLimits) -> RunSpec {
    let done = CancellationToken::new();
    let fire = done.clone();
    let tap: secmcp_runner::OutputTap = Arc::new(move |stream, bytes: &[u8]| {
        if stream == Stream::Stderr && bytes.starts_with(b"done") {
            fire.cancel();
        }
    });
    spec(program, &[], Duration::from_secs(20), limits)
        .with_tap(tap)
        .with_done(done)
}

#[tokio::test]
async fn a_tool_that_says_it_is_done_but_stays_is_interrupted_and_its_output_kept() {
    let tools = Tools::new();
    // Like masscan when its receive thread misses the end: "done" said, the
    // result still in a buffer that only ^C (not SIGTERM) writes out.
    let tool = tools.script(
        "stuck",
        "trap 'echo result; exit 1' INT; echo done >&2; while :; do sleep 0.05; done",
    );
    // As if the server were a background job of a script, which starts with
    // ^C ignored: the tool must still get it (nextest runs each test in a
    // process of its own, so this changes nothing else).
    // SAFETY: setting a disposition to SIG_IGN installs no handler.
    #[allow(unsafe_code)]
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN)
    };
    let out = run(done_on_stderr(&tool, &limits()), CancellationToken::new())
        .await
        .unwrap();
    assert!(out.lingered && !out.timed_out && !out.cancelled, "{out:?}");
    assert_eq!((out.exit_code, out.signal), (Some(1), None));
    assert_eq!(text(out.stdout.bytes()), "result\n", "the output is whole");
    assert!(
        out.duration < Duration::from_secs(10),
        "stopped at once, not at the timeout: {:?}",
        out.duration
    );
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn a_lingering_tool_deaf_to_interrupts_is_terminated_after_the_grace() {
    let tools = Tools::new();
    let tool = tools.script("deaf", "trap '' INT; echo done >&2; sleep 30");
    let limits = RunLimits {
        kill_grace: Duration::from_millis(600),
        ..limits()
    };
    let out = run(done_on_stderr(&tool, &limits), CancellationToken::new())
        .await
        .unwrap();
    assert!(out.lingered, "{out:?}");
    assert_eq!(out.signal, Some(15), "SIGTERM once the ^C bursts failed");
    assert!(out.duration < Duration::from_secs(10), "{:?}", out.duration);
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn timeout_sends_sigterm_first() {
    let tools = Tools::new();
    let tool = tools.script("sleeper", "echo started; sleep 30");
    let limits = RunLimits {
        kill_grace: Duration::from_secs(3),
        ..limits()
    };
    let timeout = Duration::from_millis(300);
    let out = run_ok(&tool, &[], timeout, &limits).await;
    assert!(out.timed_out && !out.cancelled);
    assert_eq!(out.signal, Some(15));
    assert_eq!(out.exit_code, None);
    assert_eq!(
        text(out.stdout.bytes()),
        "started\n",
        "partial output is kept"
    );
    assert!(
        out.duration < Duration::from_secs(2),
        "SIGTERM must not wait for the grace: {:?}",
        out.duration
    );
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn tool_ignoring_sigterm_is_killed_after_the_grace() {
    let tools = Tools::new();
    let tool = tools.script("stubborn", "trap '' TERM; echo started; sleep 30");
    let timeout = Duration::from_millis(300);
    let grace = Duration::from_millis(500);
    let limits = RunLimits {
        kill_grace: grace,
        ..limits()
    };
    let out = run_ok(&tool, &[], timeout, &limits).await;
    assert!(out.timed_out);
    assert_eq!(out.signal, Some(9));
    assert_eq!(text(out.stdout.bytes()), "started\n");
    assert!(
        out.duration >= timeout + grace,
        "killed before the grace: {:?}",
        out.duration
    );
    assert!(out.duration < Duration::from_secs(3), "{:?}", out.duration);
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn background_grandchild_is_killed_on_timeout() {
    let tools = Tools::new();
    let tool = tools.script("forker", "sleep 300 & echo $!; sleep 300");
    let out = run_ok(&tool, &[], Duration::from_millis(300), &limits()).await;
    assert!(out.timed_out);
    let grandchild: u32 = text(out.stdout.bytes())
        .trim()
        .parse()
        .expect("grandchild pid");
    assert_group_gone(out.pid).await;
    assert!(!is_alive(grandchild), "grandchild {grandchild} survived");
}

#[tokio::test]
async fn background_grandchild_is_killed_when_the_tool_exits() {
    let tools = Tools::new();
    // The grandchild keeps stdout open: without the group kill after the
    // leader exits, it would outlive the call and hold the pipe.
    let tool = tools.script("daemonizer", "sleep 300 & echo $!; exit 0");
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(0));
    assert!(!out.timed_out);
    let grandchild: u32 = text(out.stdout.bytes())
        .trim()
        .parse()
        .expect("grandchild pid");
    assert!(out.duration < Duration::from_secs(2), "{:?}", out.duration);
    assert_group_gone(out.pid).await;
    assert!(!is_alive(grandchild), "grandchild {grandchild} survived");
}

#[tokio::test]
async fn cancellation_stops_the_whole_group() {
    let tools = Tools::new();
    let tool = tools.script("waiter", "sleep 300 & echo started; sleep 300");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let out = run_with(&tool, &[], SHORT, &limits(), cancel)
        .await
        .expect("outcome");
    assert!(out.cancelled);
    assert!(!out.timed_out);
    assert_eq!(out.signal, Some(15));
    assert_eq!(text(out.stdout.bytes()), "started\n");
    assert!(out.duration < Duration::from_secs(2), "{:?}", out.duration);
    assert_group_gone(out.pid).await;
}

#[tokio::test]
async fn cancelled_call_does_not_start_the_tool() {
    let tools = Tools::new();
    let marker = tools.path("ran");
    let tool = tools.script("marker", r#"touch "$1""#);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = run_with(&tool, &[marker.to_str().unwrap()], SHORT, &limits(), cancel)
        .await
        .expect_err("a cancelled call must not run");
    assert!(matches!(err, RunError::Cancelled), "{err:?}");
    assert!(!marker.exists(), "the tool ran");
}

#[tokio::test]
async fn dropping_the_run_future_kills_the_group() {
    let tools = Tools::new();
    let pidfile = tools.path("pid");
    let tool = tools.script(
        "hang",
        r#"sleep 300 & echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; sleep 300"#,
    );
    // Boxed so that `drop(fut)` drops the future itself, not a pinned reference.
    let mut fut = Box::pin(run(
        spec(&tool, &[pidfile.to_str().unwrap()], SHORT, &limits()),
        CancellationToken::new(),
    ));
    let deadline = Instant::now() + Duration::from_secs(3);
    let pgid: u32 = loop {
        tokio::select! {
            result = &mut fut => panic!("run finished early: {result:?}"),
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
        if let Ok(pid) = fs::read_to_string(&pidfile) {
            break pid.trim().parse().expect("pid");
        }
        assert!(Instant::now() < deadline, "tool never started");
    };
    // The shell starts the second sleep just after writing the pid file; on a
    // loaded machine that can take a moment.
    while live_group_members(pgid).len() < 3 {
        assert!(
            Instant::now() < deadline,
            "sh and two sleeps should be running, found {:?}",
            live_group_members(pgid)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(fut);
    assert_group_gone(pgid).await;
}

#[tokio::test]
async fn environment_is_cleared_except_the_allowlist_and_extras() {
    let parent_path = std::env::var("PATH").expect("tests need PATH set");
    assert!(
        std::env::vars_os().count() > 1,
        "the parent must have variables to hide"
    );
    let limits = RunLimits {
        env_allowlist: vec!["PATH".into(), "SECMCP_RUNNER_SURELY_UNSET".into()],
        extra_env: vec![("SECMCP_EXTRA".into(), "x y".into())],
        ..limits()
    };
    let out = run_ok(Path::new("/usr/bin/env"), &[], SHORT, &limits).await;
    assert_eq!(out.exit_code, Some(0));
    let got: BTreeSet<String> = text(out.stdout.bytes())
        .lines()
        .map(str::to_owned)
        .collect();
    let want: BTreeSet<String> =
        [format!("PATH={parent_path}"), "SECMCP_EXTRA=x y".to_owned()].into();
    assert_eq!(got, want);
}

#[tokio::test]
async fn stdin_is_closed() {
    let out = run_ok(Path::new("/bin/cat"), &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(0));
    assert!(!out.timed_out);
    assert!(out.stdout.bytes().is_empty());
    assert!(
        out.duration < Duration::from_secs(1),
        "cat waited for input: {:?}",
        out.duration
    );
}

#[tokio::test]
async fn stdin_is_dev_null() {
    let tools = Tools::new();
    let tool = tools.script("stdin", "readlink /proc/$$/fd/0");
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(text(out.stdout.bytes()), "/dev/null\n");
}

#[tokio::test]
async fn each_run_gets_a_fresh_working_directory_that_is_removed() {
    let tools = Tools::new();
    let tool = tools.script("cwd", "pwd; touch made-here; ls -A");
    let first = run_ok(&tool, &[], SHORT, &limits()).await;
    let second = run_ok(&tool, &[], SHORT, &limits()).await;
    let mut dirs = Vec::new();
    for out in [&first, &second] {
        assert_eq!(out.exit_code, Some(0));
        let stdout = text(out.stdout.bytes());
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        assert_eq!(lines[1], "made-here", "the directory was not fresh");
        let dir = PathBuf::from(lines[0]);
        assert_ne!(dir, std::env::current_dir().unwrap());
        assert!(
            dir.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("secmcp-run-"),
            "{dir:?}"
        );
        assert!(!dir.exists(), "{dir:?} was not removed");
        dirs.push(dir);
    }
    assert_ne!(dirs[0], dirs[1]);
}

#[tokio::test]
async fn working_directory_is_removed_after_a_timeout() {
    let tools = Tools::new();
    let tool = tools.script("cwd-hang", "pwd; touch made-here; sleep 30");
    let out = run_ok(&tool, &[], Duration::from_millis(300), &limits()).await;
    assert!(out.timed_out);
    let dir = PathBuf::from(text(out.stdout.bytes()).trim());
    assert!(dir.is_absolute(), "{dir:?}");
    assert!(!dir.exists(), "{dir:?} was not removed");
}

#[tokio::test]
async fn missing_program_is_not_found() {
    let tools = Tools::new();
    let missing = tools.path("no-such-tool");
    let err = run_with(&missing, &[], SHORT, &limits(), CancellationToken::new())
        .await
        .expect_err("must fail");
    assert!(
        matches!(&err, RunError::NotFound { program } if program == "no-such-tool"),
        "{err:?}"
    );
    assert_eq!(err.code(), "tool_not_found");
    let shown = err.to_string();
    assert!(shown.contains("no-such-tool"), "{shown}");
    assert!(
        !shown.contains(&*tools.dir.path().to_string_lossy()),
        "message leaks a path: {shown}"
    );
}

#[tokio::test]
async fn non_executable_program_is_permission_denied() {
    let tools = Tools::new();
    let tool = tools.script("not-exec", "echo should not run");
    fs::set_permissions(&tool, fs::Permissions::from_mode(0o644)).unwrap();
    let err = run_with(&tool, &[], SHORT, &limits(), CancellationToken::new())
        .await
        .expect_err("must fail");
    assert!(
        matches!(&err, RunError::PermissionDenied { program } if program == "not-exec"),
        "{err:?}"
    );
    assert!(
        !err.to_string()
            .contains(&*tools.dir.path().to_string_lossy())
    );
}

#[tokio::test]
async fn permit_files_are_written_before_and_collected_after_the_run() {
    use secmcp_policy::WorkFile;
    let permit = Permit::unchecked_files_for_tests(
        vec![
            "-c".into(),
            "cat in.txt > out.txt; mkdir res; echo done > res/log".into(),
        ],
        Duration::from_secs(5),
        vec![WorkFile {
            name: "in.txt".into(),
            contents: b"secret-list".to_vec(),
        }],
        vec!["out.txt".into(), "res".into(), "missing".into()],
    );
    let spec = RunSpec::from_permit(&permit, "/bin/sh".into(), &limits());
    let out = run(spec, CancellationToken::new()).await.unwrap();
    assert_eq!(out.exit_code, Some(0));
    let got: Vec<(&str, &[u8])> = out
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("out.txt", &b"secret-list"[..]),
            ("res/log", &b"done\n"[..])
        ]
    );
}

#[tokio::test]
async fn working_directory_and_tool_files_are_private() {
    let tools = Tools::new();
    // What the tool writes (hydra's found credentials, sqlmap's session) must
    // not be readable by other local users while the run lasts.
    let tool = tools.script(
        "private",
        "stat -c %a .; umask; touch made-here; stat -c %a made-here; mkdir d; stat -c %a d",
    );
    let out = run_ok(&tool, &[], SHORT, &limits()).await;
    assert_eq!(out.exit_code, Some(0), "{}", text(out.stderr.bytes()));
    assert_eq!(text(out.stdout.bytes()), "700\n0077\n600\n700\n");
}

/// A daemon that leaves the tool's process group with setsid() is still
/// killed when the tool exits: it never left the run's cgroup.
#[tokio::test]
async fn setsid_descendant_is_killed_when_the_tool_exits() {
    let Some(limits) = cgroup_limits() else {
        return;
    };
    let tools = Tools::new();
    let tool = tools.script(
        "escaper",
        "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; exit 0",
    );
    let out = run_ok(&tool, &[], SHORT, &limits).await;
    assert_eq!(out.exit_code, Some(0), "{}", text(out.stderr.bytes()));
    let escaped: u32 = text(out.stdout.bytes()).trim().parse().expect("pid");
    assert!(
        !is_alive(escaped),
        "setsid descendant {escaped} survived the run"
    );
}

#[tokio::test]
async fn setsid_descendant_is_killed_at_the_timeout_and_on_cancel() {
    let Some(limits) = cgroup_limits() else {
        return;
    };
    let tools = Tools::new();
    let tool = tools.script(
        "escaper-waits",
        "setsid sh -c 'trap \"\" TERM; sleep 300' </dev/null >/dev/null 2>&1 & echo $!; sleep 300",
    );
    let out = run_ok(&tool, &[], Duration::from_millis(300), &limits).await;
    assert!(out.timed_out);
    let escaped: u32 = text(out.stdout.bytes()).trim().parse().expect("pid");
    assert!(
        !is_alive(escaped),
        "setsid descendant {escaped} survived the timeout"
    );

    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.cancel();
    });
    let out = run_with(&tool, &[], SHORT, &limits, cancel)
        .await
        .expect("outcome");
    assert!(out.cancelled);
    let escaped: u32 = text(out.stdout.bytes()).trim().parse().expect("pid");
    assert!(
        !is_alive(escaped),
        "setsid descendant {escaped} survived the cancel"
    );
}

#[tokio::test]
async fn run_cgroups_are_removed_after_each_run() {
    let Some(limits) = cgroup_limits() else {
        return;
    };
    let parent = limits.cgroups.clone().expect("cgroup parent");
    let tools = Tools::new();
    let tool = tools.script("quick", "echo ok");
    let out = run_ok(&tool, &[], SHORT, &limits).await;
    assert_eq!(out.exit_code, Some(0));
    // Other tests of this process may be running: only check that no run
    // cgroup of ours outlives its run for long.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<_> = fs::read_dir(parent.path())
            .expect("parent exists")
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "run cgroups left: {left:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
