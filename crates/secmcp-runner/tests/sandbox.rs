//! The sandbox every child starts in, seen from inside the child: its
//! `/proc/self/status`, its limits, a refused syscall, its user and
//! capabilities.

use std::path::Path;
use std::time::Duration;

use secmcp_policy::Permit;
use secmcp_runner::{ResourceLimits, RunAs, RunLimits, RunSpec, Sandbox, run};
use tokio_util::sync::CancellationToken;

fn limits(sandbox: Sandbox) -> RunLimits {
    RunLimits {
        env_allowlist: vec!["PATH".into()],
        sandbox,
        ..RunLimits::default()
    }
}

/// Runs `sh -c script` (raw: a plan that opens raw sockets) and returns
/// stdout + stderr.
async fn sh(script: &str, limits: &RunLimits, raw: bool) -> String {
    let argv = vec!["-c".to_owned(), script.to_owned()];
    let permit = if raw {
        Permit::unchecked_raw_for_tests(argv, Duration::from_secs(20))
    } else {
        Permit::unchecked_for_tests(argv, Duration::from_secs(20))
    };
    let spec = RunSpec::from_permit(&permit, Path::new("/bin/sh").to_path_buf(), limits);
    let out = run(spec, CancellationToken::new()).await.expect("runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(out.stdout.head()),
        String::from_utf8_lossy(out.stderr.head())
    )
}

const STATUS: &str = "grep -E '^(NoNewPrivs|Seccomp|CapEff|CapAmb):' /proc/self/status; \
                      echo nofile=$(ulimit -n) core=$(ulimit -c) as=$(ulimit -v)";

#[tokio::test]
async fn limits_no_new_privs_and_seccomp_hold_in_the_child() {
    let sandbox = Sandbox {
        limits: ResourceLimits {
            open_files: 77,
            address_space_bytes: 512 * 1024 * 1024,
            ..ResourceLimits::NONE
        },
        ..Sandbox::default()
    };
    let out = sh(STATUS, &limits(sandbox), false).await;
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    assert!(out.contains("Seccomp:\t2"), "{out}");
    assert!(out.contains("nofile=77 core=0 as=524288"), "{out}");
}

#[tokio::test]
async fn without_the_sandbox_none_of_it_holds() {
    let sandbox = Sandbox {
        no_new_privs: false,
        seccomp: false,
        landlock: false,
        ..Sandbox::default()
    };
    let out = sh(STATUS, &limits(sandbox), false).await;
    assert!(out.contains("NoNewPrivs:\t0"), "{out}");
    assert!(out.contains("Seccomp:\t0"), "{out}");
}

#[tokio::test]
async fn denied_syscalls_get_eperm() {
    // unshare(1) makes the unshare(2) call the filter refuses.
    let out = sh(
        "unshare -n true; echo rc=$?",
        &limits(Sandbox::default()),
        false,
    )
    .await;
    assert!(out.contains("Operation not permitted"), "{out}");
    assert!(!out.contains("rc=0"), "{out}");
}

#[tokio::test]
async fn as_root_runs_switch_user_and_keep_only_the_raw_socket_capabilities() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: the user switch needs root (CI runs as root)");
        return;
    }
    let sandbox = Sandbox {
        run_as: Some(RunAs {
            uid: 65534,
            gid: 65534,
        }),
        ..Sandbox::default()
    };
    let l = limits(sandbox);
    let script = format!(
        "echo uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME; touch x && echo cwd-writable; {STATUS}"
    );
    let raw = sh(&script, &l, true).await;
    assert!(raw.contains("uid=65534 gid=65534 groups=65534 "), "{raw}");
    assert!(raw.contains("secmcp-run-"), "HOME is the work dir: {raw}");
    assert!(raw.contains("cwd-writable"), "{raw}");
    // CAP_NET_RAW (13) alone: CAP_NET_ADMIN (12) is masscan's only (with it a
    // raw scanner could edit the firewall that holds runs to their permits).
    assert!(raw.contains("CapEff:\t0000000000002000"), "{raw}");
    assert!(raw.contains("CapAmb:\t0000000000002000"), "{raw}");
    let plain = sh(&script, &l, false).await;
    assert!(plain.contains("CapEff:\t0000000000000000"), "{plain}");
    assert!(plain.contains("CapAmb:\t0000000000000000"), "{plain}");
}

#[tokio::test]
async fn landlock_allows_writes_only_in_the_work_dir() {
    let script = "echo x > /tmp/secmcp-landlock-$$ && echo wrote-tmp; rm -f /tmp/secmcp-landlock-$$; \
                  echo y > ./own && echo wrote-cwd; echo tmpdir=$TMPDIR; head -c1 /etc/hostname >/dev/null && echo read-etc";
    let on = sh(
        script,
        &limits(Sandbox {
            landlock: true,
            ..Sandbox::default()
        }),
        false,
    )
    .await;
    let off = sh(
        script,
        &limits(Sandbox {
            landlock: false,
            ..Sandbox::default()
        }),
        false,
    )
    .await;
    let has = Sandbox {
        landlock: true,
        ..Sandbox::default()
    };
    if !has.report(false, false).landlock {
        eprintln!("skipping: this kernel has no Landlock");
        return;
    }
    assert!(!on.contains("wrote-tmp"), "{on}");
    assert!(on.contains("Permission denied"), "{on}");
    assert!(on.contains("wrote-cwd") && on.contains("read-etc"), "{on}");
    assert!(on.contains("tmpdir=") && on.contains("secmcp-run-"), "{on}");
    assert!(off.contains("wrote-tmp"), "{off}");
}

#[tokio::test]
#[allow(clippy::disallowed_methods)] // the test reads the ruleset with nft
async fn egress_is_held_to_the_permits_addresses_by_the_kernel() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: the egress rules need root (CI runs as root)");
        return;
    }
    let fence = std::sync::Arc::new(
        secmcp_runner::EgressFence::install(3_900_000_000)
            .expect("as root, with nft (Debian's nftables) installed, the table is created"),
    );
    // The permit pins 127.0.0.1; 127.0.0.2 is just as local, but not the run's.
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let script = format!(
        "id -g; python3 -c \"\nimport socket\nfor name, port in (('allowed', {}), ('other', {})):\n    s = socket.socket()\n    s.settimeout(1)\n    host = '127.0.0.1' if name == 'allowed' else '127.0.0.2'\n    try:\n        s.connect((host, port)); print(name, 'connected')\n    except OSError as e:\n        print(name, 'blocked', type(e).__name__)\n\"",
        allowed.local_addr().unwrap().port(),
        other.local_addr().unwrap().port(),
    );
    let l = RunLimits {
        egress: Some(fence.clone()),
        ..limits(Sandbox::default())
    };
    let started = std::time::Instant::now();
    let out = sh(&script, &l, false).await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "a refused connection fails at once, not at its timeout"
    );
    let gid: u32 = out.lines().next().unwrap_or("").trim().parse().unwrap_or(0);
    assert!(
        (3_900_000_000..3_900_000_000 + secmcp_runner::egress::GID_RANGE).contains(&gid),
        "the run has its own group: {out}"
    );
    assert!(out.contains("allowed connected"), "{out}");
    assert!(out.contains("other blocked"), "{out}");
    // Without the fence the same run reaches both.
    let open = sh(&script, &limits(Sandbox::default()), false).await;
    assert!(open.contains("other connected"), "{open}");
    // The run's rules go once it has ended.
    let table = fence.table().to_owned();
    let mut left = String::new();
    for _ in 0..100 {
        let out = std::process::Command::new("nft")
            .args(["list", "table", "inet", &table])
            .output()
            .unwrap();
        left = String::from_utf8_lossy(&out.stdout).into_owned();
        if !left.contains("run_") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !left.contains("run_") && left.contains("meta skgid vmap @runs"),
        "{left}"
    );
    drop(l);
    drop(fence);
    let gone = std::process::Command::new("nft")
        .args(["list", "table", "inet", &table])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the table goes with the server");
}
