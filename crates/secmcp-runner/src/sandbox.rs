//! The kernel sandbox every child starts in, prepared before the fork and
//! applied between fork and exec (`child.rs`):
//!
//! - resource limits ([`ResourceLimits`]: address space, CPU time, open
//!   files, file size, processes; core dumps always off);
//! - `PR_SET_NO_NEW_PRIVS` (no set-uid or file-capability gain at exec);
//! - when the server runs as root and [`Sandbox::run_as`] names a user: the
//!   child switches to it (no supplementary groups) and keeps only
//!   CAP_NET_RAW (and for masscan CAP_NET_ADMIN), as ambient capabilities, and only when its
//!   plan opens raw sockets;
//! - Landlock, where the kernel has it: read and execute anywhere, write
//!   only in the run's working directory and `/dev/null`;
//! - a seccomp deny-list ([`DENIED_SYSCALLS`]: ptrace, mount, kexec, bpf,
//!   module loading, ...) answering `EPERM`, built once with `seccompiler`.
//!
//! Must not: decide what runs, or do anything after the fork that allocates
//! (everything the child needs is prepared here, in the parent).

use std::sync::OnceLock;

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

use crate::child::{RlimitResource, RunAs};

/// Resource limits of one run; 0 leaves a limit as the server has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ResourceLimits {
    /// Virtual address space (RLIMIT_AS), bytes.
    pub address_space_bytes: u64,
    /// CPU time (RLIMIT_CPU), seconds.
    pub cpu_secs: u64,
    /// Open file descriptors (RLIMIT_NOFILE).
    pub open_files: u64,
    /// Largest file the tool may write (RLIMIT_FSIZE), bytes.
    pub file_size_bytes: u64,
    /// Processes and threads of the run's user (RLIMIT_NPROC; the kernel
    /// does not apply it to root, so it binds when the run drops to a user).
    pub processes: u64,
}

impl ResourceLimits {
    /// No limit set.
    pub const NONE: ResourceLimits = ResourceLimits {
        address_space_bytes: 0,
        cpu_secs: 0,
        open_files: 0,
        file_size_bytes: 0,
        processes: 0,
    };

    /// `(resource, value)` for every limit that is set, and RLIMIT_CORE 0.
    pub(crate) fn rlimits(&self) -> Vec<(RlimitResource, libc::rlim_t)> {
        let mut out = vec![(libc::RLIMIT_CORE, 0)];
        for (resource, value) in [
            (libc::RLIMIT_AS, self.address_space_bytes),
            (libc::RLIMIT_CPU, self.cpu_secs),
            (libc::RLIMIT_NOFILE, self.open_files),
            (libc::RLIMIT_FSIZE, self.file_size_bytes),
            (libc::RLIMIT_NPROC, self.processes),
        ] {
            if value > 0 {
                out.push((resource, value as libc::rlim_t));
            }
        }
        out
    }
}

/// What confines every child of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    /// Resource limits of this run.
    pub limits: ResourceLimits,
    /// Set `PR_SET_NO_NEW_PRIVS`.
    pub no_new_privs: bool,
    /// Install the seccomp deny-list.
    pub seccomp: bool,
    /// Confine the filesystem with Landlock where the kernel has it: read
    /// and execute anywhere, write only in the run's working directory (and
    /// `/dev/null`).
    pub landlock: bool,
    /// Run as this user and group (only when the server is root; ignored
    /// otherwise).
    pub run_as: Option<RunAs>,
}

impl Default for Sandbox {
    /// No limits, no user switch, no Landlock; no_new_privs and seccomp on.
    fn default() -> Self {
        Self {
            limits: ResourceLimits::NONE,
            no_new_privs: true,
            seccomp: true,
            landlock: false,
            run_as: None,
        }
    }
}

/// What the sandbox of a run holds, for health and dry runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SandboxReport {
    /// The resource limits (0 = not limited).
    pub limits: ResourceLimits,
    /// PR_SET_NO_NEW_PRIVS is set.
    pub no_new_privs: bool,
    /// The seccomp deny-list is installed.
    pub seccomp: bool,
    /// Landlock confines the filesystem (writes only in the work dir).
    pub landlock: bool,
    /// The run switches to an unprivileged user (the server is root and a
    /// user is configured).
    pub unprivileged_user: bool,
    /// The capabilities the run holds as ambient capabilities (empty: none
    /// beyond what its user has).
    pub capabilities: Vec<String>,
}

impl Sandbox {
    /// What a run of a plan that does (`raw`) or does not open raw sockets
    /// (and, for masscan, also configures its adapter: `net_admin`) would get.
    pub fn report(&self, raw: bool, net_admin: bool) -> SandboxReport {
        let drops = self.run_as.is_some() && is_root();
        SandboxReport {
            limits: self.limits,
            no_new_privs: self.no_new_privs,
            seccomp: self.seccomp && seccomp_program().is_some(),
            landlock: self.landlock && crate::child::landlock_abi() > 0,
            unprivileged_user: drops,
            capabilities: match (drops && raw, net_admin) {
                (true, true) => vec!["CAP_NET_RAW".into(), "CAP_NET_ADMIN".into()],
                (true, false) => vec!["CAP_NET_RAW".into()],
                (false, _) => Vec::new(),
            },
        }
    }
}

/// Whether this process runs as root.
pub(crate) fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Syscalls no scanner needs, refused with `EPERM`.
pub const DENIED_SYSCALLS: &[(&str, libc::c_long)] = &[
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("bpf", libc::SYS_bpf),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("reboot", libc::SYS_reboot),
    ("setns", libc::SYS_setns),
    ("unshare", libc::SYS_unshare),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("userfaultfd", libc::SYS_userfaultfd),
];

/// The compiled deny-list, built once; `None` when this architecture is not
/// supported by `seccompiler` (health then says seccomp is off).
pub(crate) fn seccomp_program() -> Option<&'static BpfProgram> {
    static PROGRAM: OnceLock<Option<BpfProgram>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let arch = TargetArch::try_from(std::env::consts::ARCH).ok()?;
            let rules = DENIED_SYSCALLS
                .iter()
                // c_long is i64 here, i32 on 32-bit targets.
                .map(|(_, nr)| {
                    #[allow(clippy::useless_conversion)]
                    let nr = i64::from(*nr);
                    (nr, Vec::new())
                })
                .collect();
            let filter = SeccompFilter::new(
                rules,
                SeccompAction::Allow,
                SeccompAction::Errno(libc::EPERM as u32),
                arch,
            )
            .inspect_err(|e| tracing::warn!(error = %e, "cannot build the seccomp filter"))
            .ok()?;
            BpfProgram::try_from(filter)
                .inspect_err(|e| tracing::warn!(error = %e, "cannot compile the seccomp filter"))
                .ok()
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_always_forbid_core_dumps_and_skip_zeroes() {
        let l = ResourceLimits {
            open_files: 64,
            ..ResourceLimits::NONE
        };
        assert_eq!(
            l.rlimits(),
            [(libc::RLIMIT_CORE, 0), (libc::RLIMIT_NOFILE, 64)]
        );
    }

    #[test]
    fn the_deny_list_compiles() {
        let p = seccomp_program().expect("x86_64 and aarch64 are supported");
        assert!(p.len() > DENIED_SYSCALLS.len());
    }
}
