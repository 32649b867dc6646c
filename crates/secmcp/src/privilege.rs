//! Raw-socket privilege detection (`-sS`, `-sU`, `-O`, masscan need it).
//!
//! The server counts as privileged when its *tools* get CAP_NET_RAW: the
//! capability is in the server's effective set and the tools inherit it
//! across `exec`, which holds for root (uid 0 gets the bounding set back on
//! every exec) and for a capability in the ambient set (systemd's
//! `AmbientCapabilities=`). A capability given to the secmcp file alone
//! (`setcap cap_net_raw+ep secmcp`) is the server's only: the tools it starts
//! would not get them, so it does not count — until
//! [`pass_raw_sockets_to_tools`] (called first thing by `serve` and `doctor`)
//! raises them into the ambient set, after which the tools inherit them too.
//! That makes `setcap cap_net_raw,cap_net_admin+ep secmcp` a way to run it as
//! an ordinary user (the container image does).
//!
//! Reads `/proc/self/status`; changes only this thread's capability sets.

/// CAP_NET_RAW's bit in the capability sets.
const CAP_NET_RAW: u32 = 13;
/// CAP_NET_ADMIN's bit in the capability sets.
const CAP_NET_ADMIN: u32 = 12;

/// What this process holds of the raw-socket privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawSocketPrivilege {
    /// The effective user id is 0.
    pub root: bool,
    /// CAP_NET_RAW is in the effective set: this process may open raw sockets.
    pub effective: bool,
    /// CAP_NET_RAW is in the ambient set: tools keep it across `exec`.
    pub ambient: bool,
    /// CAP_NET_ADMIN is in the effective set.
    pub net_admin: bool,
}

impl RawSocketPrivilege {
    /// This process's privilege (all false when `/proc` cannot be read).
    pub fn of_this_process() -> Self {
        std::fs::read_to_string("/proc/self/status")
            .map(|s| Self::from_status(&s))
            .unwrap_or_default()
    }

    /// Parses a `/proc/<pid>/status` text.
    pub fn from_status(status: &str) -> Self {
        let has = |set: &str, bit: u32| caps(status, set).is_some_and(|c| c & (1 << bit) != 0);
        let euid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .and_then(|id| id.parse::<u32>().ok());
        Self {
            root: euid == Some(0),
            effective: has("CapEff:", CAP_NET_RAW),
            ambient: has("CapAmb:", CAP_NET_RAW),
            net_admin: has("CapEff:", CAP_NET_ADMIN),
        }
    }

    /// Whether the tools this process starts can open raw sockets.
    pub fn tools_have_raw_sockets(&self) -> bool {
        self.effective && (self.root || self.ambient)
    }
}

/// Makes CAP_NET_RAW and CAP_NET_ADMIN that this (non-root) process holds in
/// its permitted set — from file capabilities on the secmcp binary — ambient,
/// so the tools it starts inherit them. Capability sets are per thread, and
/// threads inherit them: call it before any thread starts. Returns the names
/// raised; a capability the kernel refuses to raise (e.g. under
/// `SECBIT_NO_CAP_AMBIENT_RAISE`) is left out, and `doctor` then says so.
pub fn pass_raw_sockets_to_tools() -> Vec<&'static str> {
    use caps::{CapSet, Capability};
    if RawSocketPrivilege::of_this_process().root {
        return Vec::new();
    }
    let held = |set, cap| caps::has_cap(None, set, cap).unwrap_or(false);
    let mut raised = Vec::new();
    for (cap, name) in [
        (Capability::CAP_NET_RAW, "CAP_NET_RAW"),
        (Capability::CAP_NET_ADMIN, "CAP_NET_ADMIN"),
    ] {
        if !held(CapSet::Permitted, cap) || held(CapSet::Ambient, cap) {
            continue;
        }
        // Ambient needs the capability in the inheritable set as well.
        if caps::raise(None, CapSet::Inheritable, cap).is_ok()
            && caps::raise(None, CapSet::Ambient, cap).is_ok()
        {
            raised.push(name);
        }
    }
    raised
}

/// Whether the tools this process starts can open raw sockets.
pub fn has_raw_sockets() -> bool {
    RawSocketPrivilege::of_this_process().tools_have_raw_sockets()
}

fn caps(status: &str, set: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix(set))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_effective_and_ambient_sets() {
        let root =
            "Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\nCapAmb:\t0000000000000000\n";
        let p = RawSocketPrivilege::from_status(root);
        assert!(p.root && p.effective && !p.ambient && p.net_admin);
        assert!(
            p.tools_have_raw_sockets(),
            "root's tools get it back on exec"
        );

        let user =
            "Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n";
        let p = RawSocketPrivilege::from_status(user);
        assert!(!p.root && !p.effective && !p.tools_have_raw_sockets());

        // systemd AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN for a user.
        let ambient =
            "Uid:\t999\t999\t999\t999\nCapEff:\t0000000000003000\nCapAmb:\t0000000000003000\n";
        let p = RawSocketPrivilege::from_status(ambient);
        assert!(p.effective && p.ambient && p.net_admin && p.tools_have_raw_sockets());

        // setcap on the secmcp file only: the server has it, its tools do not.
        let file_caps =
            "Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000002000\nCapAmb:\t0000000000000000\n";
        let p = RawSocketPrivilege::from_status(file_caps);
        assert!(p.effective && !p.tools_have_raw_sockets());

        assert_eq!(
            RawSocketPrivilege::from_status("nothing"),
            RawSocketPrivilege::default()
        );
    }
}
