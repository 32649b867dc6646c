//! What the child process does between fork and exec.
//!
//! This is the one place in the workspace that uses `unsafe`: registering a
//! `pre_exec` hook is unsafe because the hook runs in the forked child of a
//! multi-threaded process, where only async-signal-safe operations are
//! allowed. The hook below only makes plain system calls (`setsid`, `umask`,
//! `write`, `setpriority`, `prctl`, `setgroups`/`setresgid`/`setresuid`,
//! `capset`, `setrlimit`, `landlock_restrict_self`, `seccomp`) on values
//! prepared before the fork; it allocates nothing and takes no lock. The
//! Landlock ruleset itself is built here too, in the parent
//! ([`landlock_ruleset`]): its system calls are the other `unsafe` of the
//! workspace.

#![allow(unsafe_code)]

use std::fs::File;

use nix::sys::stat::{Mode, umask};

/// The niceness of background runs: the lowest CPU priority.
const BACKGROUND_NICE: libc::c_int = 19;

/// Linux capability numbers (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
const CAP_NET_RAW: u32 = 13;
/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The type of an rlimit resource constant on this libc (glibc has its own
/// enum type; musl, for the static release binary, a plain int).
#[cfg(target_env = "gnu")]
pub(crate) type RlimitResource = libc::__rlimit_resource_t;
/// The type of an rlimit resource constant on this libc (glibc has its own
/// enum type; musl, for the static release binary, a plain int).
#[cfg(not(target_env = "gnu"))]
pub(crate) type RlimitResource = libc::c_int;

/// A user and group to run tools as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// Everything the child applies, prepared in the parent.
pub(crate) struct Confinement {
    /// Limits to set (RLIMIT_CORE 0 first).
    pub(crate) rlimits: Vec<(RlimitResource, libc::rlim_t)>,
    /// Set PR_SET_NO_NEW_PRIVS.
    pub(crate) no_new_privs: bool,
    /// Switch to this user (the server is root).
    pub(crate) run_as: Option<RunAs>,
    /// Take this group id (the run's egress rules match it; the server is
    /// root): replaces `run_as`'s group.
    pub(crate) egress_gid: Option<u32>,
    /// Keep CAP_NET_RAW and CAP_NET_ADMIN as ambient capabilities (after a
    /// user switch).
    pub(crate) raw_sockets: bool,
    /// Also keep CAP_NET_ADMIN (masscan only): with it a tool could edit
    /// the firewall that holds every other run to its permit.
    pub(crate) net_admin: bool,
    /// The seccomp program to install last.
    pub(crate) seccomp: Option<&'static seccompiler::BpfProgram>,
    /// The run's Landlock ruleset (see [`landlock_ruleset`]), enforced after
    /// no_new_privs.
    pub(crate) landlock: Option<std::os::fd::OwnedFd>,
}

/// Arranges for the child to start a new session (its own process group,
/// whose id is its pid, and no controlling terminal, so no tool can read or
/// reconfigure the terminal the server was started from), to set its umask
/// to 077, to take the lowest CPU
/// priority when `background`, and, given the run cgroup's open
/// `cgroup.procs`, to move itself into that cgroup before it executes the
/// tool (so no process of the tool ever runs outside it); then to confine
/// itself as `confinement` says (see `sandbox.rs`), the seccomp filter last.
pub(crate) fn before_exec(
    cmd: &mut tokio::process::Command,
    join_cgroup: Option<File>,
    background: bool,
    confinement: Confinement,
) {
    let private = Mode::from_bits_truncate(0o077);
    let caps = if confinement.raw_sockets && confinement.net_admin {
        (1u32 << CAP_NET_RAW) | (1u32 << CAP_NET_ADMIN)
    } else if confinement.raw_sockets {
        1u32 << CAP_NET_RAW
    } else {
        0
    };
    // Compiled before the fork (a static); the child only passes its address
    // to seccomp(2).
    let seccomp = confinement.seccomp;
    // Moved into the closure whole (a closure captures only the fields it
    // names): the ruleset must stay open until the child has used it.
    let landlock = confinement.landlock;
    // SAFETY: the closure runs after fork in the child. It calls setsid(2),
    // signal(2), umask(2), setpriority(2), write(2), prctl(2), setgroups(2),
    // setresgid(2), setresuid(2), capset(2), setrlimit(2),
    // landlock_restrict_self(2) and seccomp(2) only, on constants, a file
    // descriptor and memory (the rlimit list, the capability structs, the
    // seccomp program, which lives in a static) created before the fork and
    // owned by the closure; none allocates, locks or touches state shared
    // with other threads.
    unsafe {
        cmd.pre_exec(move || {
            // A fresh child is never a group leader, so this cannot fail
            // with EPERM; if it fails anyway the run must not start.
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            // Signals the server was started with ignored (a background job
            // of a script ignores ^C, nohup ignores hangups) would stay
            // ignored in the tool, and a shell script cannot even trap them:
            // the tool starts with the default for each signal the runner
            // uses to stop it. (The standard library resets SIGPIPE and
            // the signal mask already.)
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(signal, libc::SIG_DFL);
            }
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
            if let (Some(gid), None) = (confinement.egress_gid, confinement.run_as) {
                // Every socket the tool opens carries this group: the run's
                // egress rules match on it. No supplementary groups.
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setresgid(gid, gid, gid))?;
            }
            if let Some(user) = confinement.run_as {
                check(libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0))?;
                match confinement.egress_gid {
                    // The run's own group is primary (sockets carry it); the
                    // configured group stays as the one supplementary group,
                    // so files readable through it still are.
                    Some(gid) => {
                        check(libc::setgroups(1, &user.gid))?;
                        check(libc::setresgid(gid, gid, gid))?;
                    }
                    None => {
                        check(libc::setgroups(0, std::ptr::null()))?;
                        check(libc::setresgid(user.gid, user.gid, user.gid))?;
                    }
                }
                check(libc::setresuid(user.uid, user.uid, user.uid))?;
                // Keep only what the plan needs: the raw-socket pair or nothing.
                let header = CapHeader {
                    version: CAPABILITY_VERSION_3,
                    pid: 0,
                };
                let data = [
                    CapData {
                        effective: caps,
                        permitted: caps,
                        inheritable: caps,
                    },
                    CapData {
                        effective: 0,
                        permitted: 0,
                        inheritable: 0,
                    },
                ];
                check(libc::syscall(libc::SYS_capset, &header, data.as_ptr()) as libc::c_int)?;
                if caps != 0 {
                    for cap in [CAP_NET_RAW, CAP_NET_ADMIN]
                        .into_iter()
                        .filter(|c| caps & (1 << c) != 0)
                    {
                        check(libc::prctl(
                            libc::PR_CAP_AMBIENT,
                            libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                            libc::c_ulong::from(cap),
                            0 as libc::c_ulong,
                            0 as libc::c_ulong,
                        ))?;
                    }
                }
            }
            for (resource, value) in &confinement.rlimits {
                let limit = libc::rlimit {
                    rlim_cur: *value,
                    rlim_max: *value,
                };
                check(libc::setrlimit(*resource, &limit))?;
            }
            if confinement.no_new_privs || seccomp.is_some() || landlock.is_some() {
                check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
            }
            if let Some(ruleset) = &landlock {
                let fd = std::os::fd::AsRawFd::as_raw_fd(ruleset);
                check(libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32) as libc::c_int)?;
            }
            if let Some(program) = seccomp {
                // seccompiler's `sock_filter` is the kernel's struct
                // (`#[repr(C)]`, the same four fields as libc's), so the
                // pointer cast only renames the type.
                let prog = libc::sock_fprog {
                    len: u16::try_from(program.len()).unwrap_or(u16::MAX),
                    filter: program.as_ptr().cast::<libc::sock_filter>().cast_mut(),
                };
                check(libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER,
                    0 as libc::c_ulong,
                    &prog as *const libc::sock_fprog,
                ) as libc::c_int)?;
            }
            Ok(())
        });
    }
}

/// A failed system call as the error `spawn` reports (errno, no allocation).
fn check(rc: libc::c_int) -> std::io::Result<()> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Landlock access rights (linux/landlock.h), ABI 1..3.
const LL_EXECUTE: u64 = 1 << 0;
const LL_WRITE_FILE: u64 = 1 << 1;
const LL_READ_FILE: u64 = 1 << 2;
const LL_READ_DIR: u64 = 1 << 3;
/// Every filesystem right of ABI 1 (execute .. make_sym).
const LL_ABI1_ALL: u64 = (1 << 13) - 1;
const LL_REFER: u64 = 1 << 13;
const LL_TRUNCATE: u64 = 1 << 14;
const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The Landlock ABI version of the running kernel; 0 without Landlock.
pub(crate) fn landlock_abi() -> i64 {
    // SAFETY: landlock_create_ruleset(NULL, 0, VERSION) only returns a number.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    v.max(0)
}

/// A Landlock ruleset for one run, built in the parent: everything readable
/// and executable, nothing writable but `workdir` (all rights) and
/// `/dev/null`. The child enforces it with `landlock_restrict_self` after
/// no_new_privs. `None` when the kernel has no Landlock.
pub(crate) fn landlock_ruleset(
    workdir: &std::path::Path,
) -> std::io::Result<Option<std::os::fd::OwnedFd>> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let abi = landlock_abi();
    if abi < 1 {
        return Ok(None);
    }
    let mut handled = LL_ABI1_ALL;
    if abi >= 2 {
        handled |= LL_REFER;
    }
    if abi >= 3 {
        handled |= LL_TRUNCATE;
    }
    let attr = RulesetAttr {
        handled_access_fs: handled,
    };
    // SAFETY: the attribute struct is valid for its size; the kernel returns
    // a new file descriptor (close-on-exec) that we own from here on.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0u32,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by the kernel and is owned by no one else.
    let ruleset = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
    let file_rights = LL_READ_FILE | LL_WRITE_FILE | (handled & LL_TRUNCATE);
    for (path, rights) in [
        (
            std::path::Path::new("/"),
            LL_READ_FILE | LL_READ_DIR | LL_EXECUTE,
        ),
        (workdir, handled),
        (std::path::Path::new("/dev/null"), file_rights),
    ] {
        let dir = std::fs::File::open(path)?;
        let rule = PathBeneathAttr {
            allowed_access: rights,
            parent_fd: dir.as_raw_fd(),
        };
        // SAFETY: both descriptors are open and the rule struct is valid.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset.as_raw_fd(),
                LANDLOCK_RULE_PATH_BENEATH,
                &rule as *const PathBeneathAttr,
                0u32,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(Some(ruleset))
}
