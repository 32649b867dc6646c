//! Egress confinement per run, enforced by the kernel: each run's processes
//! get a group id of their own (one from a reserved range), and an nftables
//! table of the server drops every packet a socket of that group sends to
//! an address outside the run's permit.
//!
//! The table (`inet secmcp_<pid>_<block>`) has one output chain, hooked
//! before the usual filters, that sends packets by their socket's group
//! (`meta skgid`) through a verdict map to the run's own chain, and refuses
//! packets of the server's other ids (a process that outlived its run); that chain rejects anything
//! not addressed to the permit's pinned addresses or networks (the packet
//! never leaves; the tool's socket gets an error at once). A run's
//! chain and map element are added before its tool starts and removed after
//! its process group is gone. Raw IP sockets (nmap's SYN scans, which the
//! policy renders with `--send-ip`) are sockets like any other here; packet
//! sockets (masscan's Ethernet frames) pass below these hooks and are bound
//! only by the tool's argv.
//!
//! Why a group and not the run's cgroup: nftables' `socket cgroupv2` needs
//! the cgroup's path under `/sys/fs/cgroup` and its absolute depth, which
//! hybrid hosts and cgroup namespaces hide; a group id is the same in every
//! namespace, and the child sets it between fork and exec like its user.
//!
//! Needs root (CAP_NET_ADMIN for the table, CAP_SETGID for the child) and
//! the `nft` program. [`EgressFence::install`] says why when it cannot.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

use secmcp_policy::Permit;

/// What happens to a packet outside the permit: it is dropped, and the
/// sender learns at once (a silent drop would make a tool wait out its
/// connect timeouts on every such address).
const REFUSE: &str = "counter reject with icmpx admin-prohibited";

/// How many group ids one server uses at most (runs at once).
const SLOTS: u32 = 1024;

/// How many servers' blocks of [`SLOTS`] ids the configured range holds:
/// each server picks one at random, so that servers sharing a network
/// namespace (each with its own table) do not hand out the same ids.
pub const BLOCKS: u32 = 16_384;

/// The group ids from the configured base: every server's block.
pub const GID_RANGE: u32 = SLOTS * BLOCKS;

/// The server's table and the group ids of the runs it confines.
#[derive(Debug)]
pub struct EgressFence {
    table: String,
    gid_base: u32,
    nft: std::path::PathBuf,
    used: Mutex<Used>,
}

/// The ids in use, and where the next search starts (ids rotate, so an id
/// is not handed out again right after its run).
#[derive(Debug, Default)]
struct Used {
    ids: BTreeSet<u32>,
    next: u32,
}

/// One run's confinement: its group id while the run lasts. Dropping it
/// removes the run's rules.
#[derive(Debug)]
pub struct RunFence {
    fence: Arc<EgressFence>,
    gid: u32,
}

impl EgressFence {
    /// Creates this server's table (after removing tables left by servers
    /// that are gone). Its runs use a block of 1024 group ids picked at
    /// random in `gid_base..gid_base + GID_RANGE`.
    pub fn install(gid_base: u32) -> io::Result<Self> {
        if gid_base.checked_add(GID_RANGE).is_none() || gid_base == 0 {
            return Err(io::Error::other(
                "the group id range does not fit below 2^32",
            ));
        }
        if !nix::unistd::geteuid().is_root() {
            return Err(io::Error::other(
                "the server is not root: it can neither edit the firewall nor give a run its own group",
            ));
        }
        let nft = find_nft().ok_or_else(|| {
            io::Error::other("the `nft` program (Debian package nftables) is not installed")
        })?;
        remove_stale_tables(&nft);
        let pid = std::process::id();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let block = (pid ^ nanos.rotate_left(7)) % BLOCKS;
        let first = gid_base + block * SLOTS;
        let last = first + SLOTS - 1;
        let table = format!("secmcp_{pid}_{block}");
        // A packet of one of this server's ids with no map entry (a process
        // that outlived its run, whose rules are gone) is refused too. Map
        // entries `goto` their run's chain, so an allowed packet ends there
        // (the base policy accepts it) and never reaches this last rule.
        let script = format!(
            "table inet {table} {{\n\
             \tmap runs {{ type gid : verdict; }}\n\
             \tchain egress {{ type filter hook output priority -150; policy accept; meta skgid vmap @runs; meta skgid {first}-{last} {REFUSE}; }}\n\
             }}\n"
        );
        nft_batch(&nft, &script)?;
        Ok(Self {
            table,
            gid_base: first,
            nft,
            used: Mutex::new(Used::default()),
        })
    }

    /// The nftables table this server keeps its rules in.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Confines a run that may reach `to`: returns the group id its
    /// processes must take, once the rules that bind it are in place.
    pub fn admit(self: &Arc<Self>, to: &Destinations) -> io::Result<RunFence> {
        let gid = self.take_gid()?;
        let fence = RunFence {
            fence: self.clone(),
            gid,
        };
        let (v4, v6) = (&to.v4, &to.v6);
        let t = &self.table;
        let mut script = format!("add chain inet {t} run_{gid}\n");
        for (family, set) in [("ip", v4), ("ip6", v6)] {
            if set.is_empty() {
                let proto = if family == "ip" { "ipv4" } else { "ipv6" };
                script.push_str(&format!(
                    "add rule inet {t} run_{gid} meta nfproto {proto} {REFUSE}\n"
                ));
            } else {
                script.push_str(&format!(
                    "add rule inet {t} run_{gid} {family} daddr != {{ {} }} {REFUSE}\n",
                    set.join(", ")
                ));
            }
        }
        script.push_str(&format!(
            "add element inet {t} runs {{ {gid} : goto run_{gid} }}\n"
        ));
        // On failure `fence` is dropped, which removes whatever was added.
        nft_batch(&self.nft, &script)?;
        Ok(fence)
    }

    fn take_gid(&self) -> io::Result<u32> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let start = used.next;
        let slot = (0..SLOTS)
            .map(|i| (start + i) % SLOTS)
            .find(|s| !used.ids.contains(&(self.gid_base + s)))
            .ok_or_else(|| io::Error::other("every egress group id is in use"))?;
        used.next = (slot + 1) % SLOTS;
        used.ids.insert(self.gid_base + slot);
        Ok(self.gid_base + slot)
    }

    fn release(&self, gid: u32) {
        let t = &self.table;
        let script = format!(
            "delete element inet {t} runs {{ {gid} }}\nflush chain inet {t} run_{gid}\ndelete chain inet {t} run_{gid}\n"
        );
        if nft_batch(&self.nft, &script).is_err() {
            // Partly added (admit failed half-way): remove what exists.
            let _ = nft_batch(
                &self.nft,
                &format!("delete element inet {t} runs {{ {gid} }}\n"),
            );
            let _ = nft_batch(
                &self.nft,
                &format!("flush chain inet {t} run_{gid}\ndelete chain inet {t} run_{gid}\n"),
            );
        }
        self.used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ids
            .remove(&gid);
    }
}

impl Drop for EgressFence {
    fn drop(&mut self) {
        let _ = nft_batch(&self.nft, &format!("delete table inet {}\n", self.table));
    }
}

impl RunFence {
    /// The group id the run's processes take.
    pub fn gid(&self) -> u32 {
        self.gid
    }
}

impl Drop for RunFence {
    /// Removes the run's rules on a thread of its own: `nft` waits for the
    /// kernel's RCU grace period, which no async worker should. Until then,
    /// and after, a straggler of the run is refused by the catch-all rule.
    fn drop(&mut self) {
        let (fence, gid) = (self.fence.clone(), self.gid);
        let spawned = std::thread::Builder::new()
            .name("egress-release".into())
            .spawn(move || fence.release(gid));
        if spawned.is_err() {
            self.fence.release(self.gid);
        }
    }
}

/// Where a run may send packets, as nftables set elements, IPv4 and IPv6
/// apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destinations {
    v4: Vec<String>,
    v6: Vec<String>,
}

impl Destinations {
    /// The permit's destinations: each pinned address (of the target and of
    /// every other host the plan touches), or a CIDR target's whole range.
    pub fn of(permit: &Permit) -> Self {
        let (v4, v6) = allowed(permit);
        Self { v4, v6 }
    }
}

fn allowed(permit: &Permit) -> (Vec<String>, Vec<String>) {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for t in std::iter::once(permit.target()).chain(permit.extra_targets()) {
        for (first, last) in t.address_ranges() {
            let item = if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            };
            match first {
                IpAddr::V4(_) => v4.push(item),
                IpAddr::V6(_) => v6.push(item),
            }
        }
    }
    v4.sort();
    v4.dedup();
    v6.sort();
    v6.dedup();
    (v4, v6)
}

fn find_nft() -> Option<std::path::PathBuf> {
    [
        "/usr/sbin/nft",
        "/sbin/nft",
        "/usr/bin/nft",
        "/usr/local/sbin/nft",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.is_file())
}

/// Runs one atomic nftables batch.
#[allow(clippy::disallowed_methods)] // the runner is the one sanctioned spawner: fixed program, no caller input
fn nft_batch(nft: &std::path::Path, script: &str) -> io::Result<()> {
    let mut child = Command::new(nft)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_clear()
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("nft has no stdin"))?
        .write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if out.status.success() {
        return Ok(());
    }
    let why = String::from_utf8_lossy(&out.stderr);
    let first = why.lines().next().unwrap_or("").trim();
    Err(io::Error::other(format!("nft refused the rules: {first}")))
}

/// Tables of servers that died without removing theirs.
#[allow(clippy::disallowed_methods)] // the runner is the one sanctioned spawner: fixed program and arguments
fn remove_stale_tables(nft: &std::path::Path) {
    let Ok(out) = Command::new(nft)
        .args(["list", "tables", "inet"])
        .stderr(Stdio::null())
        .env_clear()
        .output()
    else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.trim().strip_prefix("table inet secmcp_") else {
            continue;
        };
        let Ok(pid) = name.split('_').next().unwrap_or("").parse::<u32>() else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = nft_batch(nft, &format!("delete table inet secmcp_{name}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_permit_allows_its_pinned_addresses_and_networks_only() {
        let permit = Permit::unchecked_for_tests(vec!["-sT".into()], Duration::from_secs(5));
        let (v4, v6) = allowed(&permit);
        assert_eq!(v4, ["127.0.0.1"]);
        assert!(v6.is_empty());
    }
}
