//! One cgroup (v2) per run, so that every process a tool starts — including
//! those that leave its process group with `setsid()` — is tracked and killed
//! with it.
//!
//! The server owns one parent cgroup, `secmcp-<pid>`, created next to its own
//! cgroup ([`CgroupParent::create`]); each run gets a child `run-<n>` in it.
//! The child's `cgroup.procs` is opened before the spawn and the tool joins
//! the cgroup between fork and exec (see `run::spawn`), so there is no moment
//! in which it could fork outside. Killing writes `1` to `cgroup.kill` (Linux
//! 5.14+), which the kernel applies to every member atomically; on older
//! kernels the members are listed and killed until none is left.
//!
//! Without the privilege to create cgroups (or without cgroup v2), runs fall
//! back to process-group tracking alone; the server reports that in health.
//!
//! This module must not decide what runs; it only creates, empties and removes
//! cgroups.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The prefix of a server's parent cgroup: `secmcp-<pid>-<n>`.
const PARENT_PREFIX: &str = "secmcp-";

/// Numbers the parents one process creates.
static PARENTS: AtomicU64 = AtomicU64::new(0);

/// How long removing an emptied cgroup is retried.
const REMOVE_WAIT: Duration = Duration::from_millis(500);

/// A parent cgroup that runs are created in. Removed (with anything left in
/// it) when dropped.
#[derive(Debug)]
pub struct CgroupParent {
    path: PathBuf,
    next: AtomicU64,
}

impl CgroupParent {
    /// Creates `secmcp-<pid>-<n>` below this process's own cgroup v2, after
    /// removing the parents of processes that are no longer running. Fails
    /// when there is no cgroup v2 hierarchy or no right to create cgroups in
    /// it.
    pub fn create() -> io::Result<Self> {
        let own = own_cgroup_dir()?;
        remove_stale_parents(&own);
        let n = PARENTS.fetch_add(1, Ordering::Relaxed);
        let path = own.join(format!("{PARENT_PREFIX}{}-{n}", std::process::id()));
        fs::create_dir(&path)?;
        // Joining a child must be possible: a cgroup whose subtree has
        // controllers enabled cannot hold processes.
        let probe = Self {
            path,
            next: AtomicU64::new(0),
        };
        probe.check_usable()?;
        Ok(probe)
    }

    /// The parent's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A fresh, empty cgroup for one run.
    pub(crate) fn new_run(&self) -> io::Result<RunCgroup> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.path.join(format!("run-{n}"));
        fs::create_dir(&path)?;
        let procs = OpenOptions::new()
            .write(true)
            .open(path.join("cgroup.procs"))
            .inspect_err(|_| {
                let _ = fs::remove_dir(&path);
            })?;
        Ok(RunCgroup { path, procs })
    }

    fn check_usable(&self) -> io::Result<()> {
        let run = self.new_run()?;
        let ok = fs::read_to_string(self.path.join("cgroup.subtree_control"))
            .map(|s| s.trim().is_empty())
            .unwrap_or(false);
        drop(run);
        if ok {
            Ok(())
        } else {
            Err(io::Error::other(
                "the parent cgroup has controllers enabled for its subtree",
            ))
        }
    }
}

impl Drop for CgroupParent {
    fn drop(&mut self) {
        empty_and_remove_tree(&self.path);
    }
}

/// The cgroup of one run. Dropping it kills whatever is still in it and
/// removes it.
#[derive(Debug)]
pub(crate) struct RunCgroup {
    path: PathBuf,
    /// `cgroup.procs`, opened for writing before the spawn: the child writes
    /// `0` to it (itself) between fork and exec.
    procs: File,
}

impl RunCgroup {
    /// The open `cgroup.procs` the child joins through.
    pub(crate) fn procs(&self) -> &File {
        &self.procs
    }

    /// Sends `signal` to every member.
    pub(crate) fn signal(&self, signal: Signal) {
        if signal == Signal::SIGKILL && fs::write(self.path.join("cgroup.kill"), b"1").is_ok() {
            return;
        }
        for pid in members(&self.path) {
            let _ = kill(pid, signal);
        }
    }

    /// Whether any process is still in the cgroup.
    pub(crate) fn is_populated(&self) -> bool {
        is_populated(&self.path)
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        empty_and_remove(&self.path);
    }
}

/// The directory of this process's cgroup in the v2 hierarchy.
fn own_cgroup_dir() -> io::Result<PathBuf> {
    let mount = cgroup2_mount()?;
    let own = fs::read_to_string("/proc/self/cgroup")?
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_owned))
        .ok_or_else(|| io::Error::other("this process is in no cgroup v2"))?;
    Ok(mount.join(own.trim_start_matches('/')))
}

/// Where the cgroup v2 hierarchy is mounted (`/sys/fs/cgroup` on pure v2
/// systems, `/sys/fs/cgroup/unified` on hybrid ones).
fn cgroup2_mount() -> io::Result<PathBuf> {
    Ok(Cgroup2Mount::find()?.path)
}

/// The cgroup v2 mount runs are created under, as `/proc/self/mountinfo`
/// describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroup2Mount {
    /// Where it is mounted.
    pub path: PathBuf,
    /// Its superblock options (`nsdelegate`, `favordynmods`, ...).
    pub options: Vec<String>,
}

impl Cgroup2Mount {
    /// The first cgroup2 mount of this process's mount namespace.
    pub fn find() -> io::Result<Self> {
        let f = BufReader::new(File::open("/proc/self/mountinfo")?);
        for line in f.lines() {
            if let Some(m) = Self::parse_line(&line?) {
                return Ok(m);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no cgroup v2 hierarchy is mounted",
        ))
    }

    /// Whether the hierarchy is mounted with `favordynmods`: moving a process
    /// into a cgroup (each run's join) then skips a slow RCU grace period.
    pub fn favors_dynamic_mods(&self) -> bool {
        self.options.iter().any(|o| o == "favordynmods")
    }

    /// One mountinfo line, if it is a cgroup2 mount:
    /// `id parent dev root mount-point opts [tags] - fstype source super-opts`.
    fn parse_line(line: &str) -> Option<Self> {
        let (left, right) = line.split_once(" - ")?;
        let mut right = right.split(' ');
        if right.next() != Some("cgroup2") {
            return None;
        }
        let path = PathBuf::from(unescape_mount(left.split(' ').nth(4)?));
        let options = right
            .nth(1)
            .unwrap_or_default()
            .split(',')
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        Some(Self { path, options })
    }
}

/// Mount points escape space, tab, newline and backslash as `\ooo`.
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes the `secmcp-<pid>-<n>` parents of servers that no longer run (a
/// server killed with SIGKILL leaves its parent, and maybe tools, behind).
fn remove_stale_parents(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PARENT_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() as i32 || Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            empty_and_remove_tree(&e.path());
        }
    }
}

fn members(dir: &Path) -> Vec<Pid> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .map(|s| {
            s.lines()
                .filter_map(|l| l.trim().parse::<i32>().ok())
                .map(Pid::from_raw)
                .collect()
        })
        .unwrap_or_default()
}

fn is_populated(dir: &Path) -> bool {
    match fs::read_to_string(dir.join("cgroup.events")) {
        Ok(s) => s.lines().any(|l| l == "populated 1"),
        Err(_) => !members(dir).is_empty(),
    }
}

/// Kills every member of `dir` and removes it, retrying briefly while the
/// kernel finishes the killed processes.
fn empty_and_remove(dir: &Path) {
    if !dir.exists() {
        return;
    }
    if is_populated(dir) && fs::write(dir.join("cgroup.kill"), b"1").is_err() {
        for pid in members(dir) {
            let _ = kill(pid, Signal::SIGKILL);
        }
    }
    let deadline = std::time::Instant::now() + REMOVE_WAIT;
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) if std::time::Instant::now() < deadline => {
                for pid in members(dir) {
                    let _ = kill(pid, Signal::SIGKILL);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                tracing::warn!(cgroup = %dir.display(), error = %e, "could not remove a run cgroup");
                return;
            }
        }
    }
}

/// [`empty_and_remove`] for a parent: its children first.
fn empty_and_remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                empty_and_remove_tree(&e.path());
            }
        }
    }
    empty_and_remove(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines_give_the_cgroup2_mount_and_its_options() {
        let hybrid =
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,favordynmods";
        let m = Cgroup2Mount::parse_line(hybrid).unwrap();
        assert_eq!(m.path, PathBuf::from("/sys/fs/cgroup/unified"));
        assert!(m.favors_dynamic_mods());
        let plain = "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";
        let m = Cgroup2Mount::parse_line(plain).unwrap();
        assert_eq!(m.options, ["rw", "nsdelegate", "memory_recursiveprot"]);
        assert!(!m.favors_dynamic_mods());
        let v1 = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";
        assert_eq!(Cgroup2Mount::parse_line(v1), None);
    }

    #[test]
    fn mount_points_are_unescaped() {
        assert_eq!(unescape_mount("/sys/fs/cgroup"), "/sys/fs/cgroup");
        assert_eq!(unescape_mount("/a\\040b"), "/a b");
        assert_eq!(unescape_mount("/a\\"), "/a\\");
    }
}
