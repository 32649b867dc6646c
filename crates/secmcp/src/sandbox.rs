//! `sandbox`: the kernel confinement of every tool run — resource limits
//! (built-in per-tool defaults, overridable per tool), no_new_privs, the
//! seccomp deny-list and, when the server runs as root, the unprivileged user
//! tools run as — validated into one [`secmcp_runner::Sandbox`] per tool.
//!
//! Must not: start processes or apply anything itself (the runner does, in
//! the child, between fork and exec).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use secmcp_policy::ToolId;
use secmcp_runner::{ResourceLimits, RunAs, Sandbox};

use crate::tools::PerTool;
use crate::validate::Problems;

const MIB: u64 = 1024 * 1024;

/// The default first group id of egress confinement: far above any real
/// group (Debian's dynamic ranges end below 2^31).
pub const DEFAULT_EGRESS_GID_BASE: u32 = 3_900_000_000;

/// `sandbox`: what confines every tool process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Resource limits and PR_SET_NO_NEW_PRIVS for every tool run (and the
    /// seccomp filter and user switch below). Off only to debug a tool.
    pub enabled: bool,
    /// Refuse the syscalls no scanner needs (ptrace, mount, kexec, bpf,
    /// module loading, keyrings, namespaces, ...) with EPERM.
    pub seccomp: bool,
    /// Confine each tool's filesystem access with Landlock where the kernel
    /// has it: read and execute anywhere, write only in the run's private
    /// working directory (and /dev/null); health says when the kernel has
    /// none.
    pub landlock: bool,
    /// When the server runs as root: the user tools run as (default
    /// `nobody`), with no supplementary groups and, only for raw-socket
    /// plans, CAP_NET_RAW and CAP_NET_ADMIN as ambient capabilities. `root`
    /// (or empty): tools run as root (not recommended; a config warning).
    pub run_as_user: String,
    /// The group tools run as; empty: the user's primary group.
    pub run_as_group: String,
    /// Hold each run's packets to the addresses its permit pinned, in the
    /// kernel (nftables rules per run, matched by a group id the run's
    /// processes get): `auto` where the server can (root, `nft` installed),
    /// `required` (refuse to start where it cannot) or `off`.
    pub egress: EgressMode,
    /// The start of the group ids runs take for egress confinement: each
    /// server picks a block of 1024 at random among the next 16,777,216
    /// (which must name no real group).
    pub egress_gid_base: u32,
    /// Per tool (`nmap`, `masscan`, ...): limits that replace its built-in
    /// defaults; a key left out keeps the default.
    pub limits: BTreeMap<String, LimitsOverride>,
}

/// `sandbox.egress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EgressMode {
    /// On where the server can install the rules; health says when not.
    #[default]
    Auto,
    /// On, or the server does not start.
    Required,
    /// Off: the permit's addresses are held by the argv alone.
    Off,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            seccomp: true,
            landlock: true,
            run_as_user: "nobody".into(),
            run_as_group: String::new(),
            egress: EgressMode::Auto,
            egress_gid_base: DEFAULT_EGRESS_GID_BASE,
            limits: BTreeMap::new(),
        }
    }
}

/// One tool's resource limits; 0 = not limited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsOverride {
    /// Virtual memory (RLIMIT_AS), MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_space_mib: Option<u64>,
    /// CPU time (RLIMIT_CPU), seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_secs: Option<u64>,
    /// Open files (RLIMIT_NOFILE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_files: Option<u64>,
    /// Largest file written (RLIMIT_FSIZE), MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_size_mib: Option<u64>,
    /// Processes and threads of the run's user (RLIMIT_NPROC; binds only
    /// with run_as_user, the kernel exempts root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<u64>,
}

/// The built-in limits of `id`: room for its real work, far below what a
/// runaway needs. Go (gobuster) reserves much address space up front.
pub fn default_limits(id: ToolId) -> ResourceLimits {
    let (address_space_mib, processes) = match id {
        ToolId::Nmap => (4096, 256),
        ToolId::Masscan => (4096, 64),
        ToolId::Gobuster => (8192, 256),
        ToolId::Hydra => (2048, 256),
        ToolId::Sqlmap => (4096, 256),
        ToolId::Dig => (1024, 64),
    };
    ResourceLimits {
        address_space_bytes: address_space_mib * MIB,
        // Longer than the longest timeout a call may have: the wall clock
        // stops a run first; this catches a spinning child that escaped it.
        cpu_secs: 3600,
        open_files: 4096,
        file_size_bytes: 512 * MIB,
        processes,
    }
}

impl SandboxConfig {
    /// Validates the section (problems name `sandbox.<key>`) into one
    /// sandbox per tool.
    pub fn resolve(&self, p: &mut Problems) -> PerTool<Sandbox> {
        for name in self.limits.keys() {
            if ToolId::ALL.iter().all(|id| id.as_str() != name) {
                p.error(
                    format!("sandbox.limits.{name}"),
                    "is not a tool; use nmap, masscan, gobuster, hydra, sqlmap or dig",
                );
            }
        }
        let run_as = self.run_as(p);
        let top = u32::MAX - secmcp_runner::egress::GID_RANGE;
        if self.egress_gid_base < 65_536 || self.egress_gid_base > top {
            p.error(
                "sandbox.egress_gid_base",
                format!(
                    "{} leaves no room for the {} group ids egress uses; use a value from 65536 to {top} (the default {DEFAULT_EGRESS_GID_BASE} is far above real groups)",
                    self.egress_gid_base,
                    secmcp_runner::egress::GID_RANGE
                ),
            );
        } else if let Ok(Some(g)) =
            nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(self.egress_gid_base))
        {
            p.error(
                "sandbox.egress_gid_base",
                format!(
                    "group id {} is the real group `{}`; egress group ids must name no group",
                    self.egress_gid_base, g.name
                ),
            );
        }
        PerTool::from_fn(|id| {
            if !self.enabled {
                return Sandbox {
                    limits: ResourceLimits::NONE,
                    no_new_privs: false,
                    seccomp: false,
                    landlock: false,
                    run_as: None,
                };
            }
            let mut limits = default_limits(id);
            if let Some(o) = self.limits.get(id.as_str()) {
                let set = |v: Option<u64>, into: &mut u64, unit: u64| {
                    if let Some(v) = v {
                        *into = v.saturating_mul(unit);
                    }
                };
                set(o.address_space_mib, &mut limits.address_space_bytes, MIB);
                set(o.cpu_secs, &mut limits.cpu_secs, 1);
                set(o.open_files, &mut limits.open_files, 1);
                set(o.file_size_mib, &mut limits.file_size_bytes, MIB);
                set(o.processes, &mut limits.processes, 1);
            }
            Sandbox {
                limits,
                no_new_privs: true,
                seccomp: self.seccomp,
                landlock: self.landlock,
                run_as,
            }
        })
    }

    fn run_as(&self, p: &mut Problems) -> Option<RunAs> {
        if self.run_as_user.is_empty() || self.run_as_user == "root" {
            if nix::unistd::geteuid().is_root() {
                p.warn(
                    "sandbox.run_as_user",
                    "tools run as root (with every capability); name an unprivileged user such as nobody",
                );
            }
            if !self.run_as_group.is_empty() {
                p.error(
                    "sandbox.run_as_group",
                    "is set without sandbox.run_as_user; set both, or neither",
                );
            }
            return None;
        }
        let user = match nix::unistd::User::from_name(&self.run_as_user) {
            Ok(Some(u)) => u,
            _ => {
                p.error(
                    "sandbox.run_as_user",
                    format!(
                        "`{}` is not a user on this system; name an existing unprivileged user (e.g. nobody)",
                        self.run_as_user
                    ),
                );
                return None;
            }
        };
        if user.uid.is_root() {
            p.error(
                "sandbox.run_as_user",
                format!(
                    "`{}` has uid 0; name an unprivileged user (e.g. nobody), or `root` to run tools as root on purpose",
                    self.run_as_user
                ),
            );
            return None;
        }
        let gid = if self.run_as_group.is_empty() {
            user.gid
        } else {
            match nix::unistd::Group::from_name(&self.run_as_group) {
                Ok(Some(g)) if g.gid.as_raw() != 0 => g.gid,
                _ => {
                    p.error(
                        "sandbox.run_as_group",
                        format!(
                            "`{}` is not an unprivileged group on this system",
                            self.run_as_group
                        ),
                    );
                    return None;
                }
            }
        };
        Some(RunAs {
            uid: user.uid.as_raw(),
            gid: gid.as_raw(),
        })
    }
}

/// Whether per-run egress rules can hold under `cfg`: a tool that runs as
/// root (`run_as_user: root`) could change its group back or edit the rules.
pub fn egress_possible(cfg: &SandboxConfig) -> std::io::Result<()> {
    if cfg.run_as_user.is_empty() || cfg.run_as_user == "root" {
        return Err(std::io::Error::other(
            "tools run as root (sandbox.run_as_user), and a root tool could undo the rules",
        ));
    }
    Ok(())
}

/// What health reports about the sandbox of runs under `cfg` (resolved into
/// `sandboxes`): the layers every run gets and those it does not, with why.
/// `cgroups`: each run has its own cgroup.
pub fn facts(
    cfg: &SandboxConfig,
    sandboxes: &PerTool<Sandbox>,
    cgroups: bool,
    egress: Result<&str, &str>,
) -> crate::health::SandboxFacts {
    let mut f = crate::health::SandboxFacts::default();
    let mut on = |name: &str, yes: bool, why_not: &str| {
        if yes {
            f.active.push(name.to_owned());
        } else {
            f.inactive.push(format!("{name} ({why_not})"));
        }
    };
    on(
        "cgroup per run",
        cgroups,
        "this process may not create cgroups; only the process group is tracked",
    );
    let report = sandboxes.get(ToolId::Nmap).report(false, false);
    let off = "sandbox.enabled is false";
    on(
        "rlimits (address space, CPU, open files, file size, processes, no core dumps)",
        cfg.enabled,
        off,
    );
    on("no_new_privs", report.no_new_privs, off);
    on(
        "seccomp deny-list",
        report.seccomp,
        if cfg.enabled && cfg.seccomp {
            "seccomp is not supported on this architecture"
        } else {
            "sandbox.seccomp or sandbox.enabled is false"
        },
    );
    let root = nix::unistd::geteuid().is_root();
    on(
        "unprivileged user (ambient CAP_NET_RAW for raw-socket plans only, CAP_NET_ADMIN for masscan)",
        report.unprivileged_user,
        if !root {
            "the server is not root, so tools already run as its user"
        } else if cfg.enabled {
            "sandbox.run_as_user is root (or empty): tools run as root"
        } else {
            off
        },
    );
    on(
        "landlock (writes only in the run's work dir)",
        report.landlock,
        if cfg.enabled && cfg.landlock {
            "the kernel has no Landlock"
        } else {
            "sandbox.landlock or sandbox.enabled is false"
        },
    );
    match egress {
        Ok(table) => f.active.push(format!(
            "egress confinement (nftables table inet {table}: a run's sockets reach only its permit's addresses; masscan's packet socket is held by its argv)"
        )),
        Err(why) => f.inactive.push(format!(
            "egress confinement ({why}; the permit's addresses are held by the argv alone)"
        )),
    }
    f.disabled = !cfg.enabled;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_single_defaults() {
        let mut c = SandboxConfig::default();
        c.limits.insert(
            "dig".into(),
            LimitsOverride {
                address_space_mib: Some(256),
                processes: Some(0),
                ..LimitsOverride::default()
            },
        );
        let mut p = Problems::default();
        let s = c.resolve(&mut p);
        assert!(p.is_ok());
        let dig = s.get(ToolId::Dig);
        assert_eq!(dig.limits.address_space_bytes, 256 * MIB);
        assert_eq!(dig.limits.processes, 0);
        assert_eq!(dig.limits.open_files, 4096);
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        assert_eq!(*s.get(ToolId::Nmap), {
            Sandbox {
                limits: default_limits(ToolId::Nmap),
                no_new_privs: true,
                seccomp: true,
                landlock: true,
                run_as: Some(RunAs {
                    uid: nobody.uid.as_raw(),
                    gid: nobody.gid.as_raw(),
                }),
            }
        });
    }

    #[test]
    fn bad_names_users_and_groups_are_named() {
        let mut c = SandboxConfig {
            run_as_user: "secmcp-surely-no-such-user".into(),
            ..SandboxConfig::default()
        };
        c.limits.insert("nmapp".into(), LimitsOverride::default());
        let mut p = Problems::default();
        c.resolve(&mut p);
        let text = format!("{:?}", p.errors);
        assert!(text.contains("sandbox.limits.nmapp"), "{text}");
        assert!(text.contains("sandbox.run_as_user"), "{text}");
        // `root` is a choice, not a mistake: tools run as root, with a warning
        // (when the server is root, where it matters).
        let mut p = Problems::default();
        let s = SandboxConfig {
            run_as_user: "root".into(),
            ..SandboxConfig::default()
        }
        .resolve(&mut p);
        assert!(p.is_ok(), "{:?}", p.errors);
        assert_eq!(s.get(ToolId::Nmap).run_as, None);
        if nix::unistd::geteuid().is_root() {
            assert!(format!("{:?}", p.warnings).contains("tools run as root"));
        }
        // Another name for uid 0 is refused: it looks like an unprivileged user.
        if let Ok(Some(u)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(0))
            && u.name != "root"
        {
            let mut p = Problems::default();
            SandboxConfig {
                run_as_user: u.name,
                ..SandboxConfig::default()
            }
            .resolve(&mut p);
            assert!(format!("{:?}", p.errors).contains("has uid 0"));
        }
    }
}
