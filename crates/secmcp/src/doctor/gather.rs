//! The I/O half of `doctor`: the facts the checks look at, gathered with the
//! server's own code — the health source's binary lookups and version probes
//! (run by the runner, exactly as the background health checks run them),
//! the privilege reading the policy uses, the cgroup parent the runner would
//! create, the file resolver that serves calls, and the network as this
//! process sees it.

use std::path::PathBuf;
use std::sync::Arc;

use secmcp_policy::{FileKind, FileRequest, FileRoots, ToolId};
use secmcp_runner::Cgroup2Mount;
use tokio_util::sync::CancellationToken;

use super::net::NetFacts;
use crate::config::{Availability, Settings};
use crate::dispatch::{Core, CoreHealthSource, binary_in};
use crate::health::{HealthInputs, HealthSource};
use crate::privilege::RawSocketPrivilege;
use crate::tools;

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// The health source's facts: each offered tool's binary and version
    /// probe, raw-socket privilege.
    pub health: HealthInputs,
    /// Each tool's binary as a call would find it.
    pub binaries: Vec<(ToolId, Option<PathBuf>)>,
    /// This process's raw-socket privilege.
    pub privilege: RawSocketPrivilege,
    /// Each run would get its own cgroup.
    pub runs_in_cgroups: bool,
    /// The cgroup v2 mount runs live under.
    pub cgroup_mount: Option<Cgroup2Mount>,
    /// Egress confinement as configured and as tried here (a table installed
    /// and removed): `None` when `sandbox.egress` is off.
    pub egress: Option<(crate::sandbox::EgressMode, Result<String, String>)>,
    /// Configured lists: roots, aliases, defaults.
    pub lists: Vec<ListFact>,
    /// Interfaces, routes, namespace.
    pub net: NetFacts,
    /// `logging.file`'s directory and whether this process may write in it.
    pub log_dir: Option<(PathBuf, bool)>,
    /// The run store: its directory (SQLite) and database.
    pub store: StoreFacts,
    /// `server.tls`: whether the listener could serve its files now.
    pub tls: Option<Result<(), String>>,
    /// `auth.oauth`: where the issuer's keys come from, and how many were
    /// loaded (or why none could be).
    pub jwks: Option<(String, Result<usize, String>)>,
}

/// How long `doctor` waits for the run database (connect and read).
pub const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The run store as `doctor` found it. Nothing is created or written to learn
/// it: a missing directory is only checked for whether it could be created,
/// and the database is opened read-only (never created or migrated).
#[derive(Debug, Clone)]
pub struct StoreFacts {
    /// `storage.enabled`.
    pub enabled: bool,
    /// The effective uid that was checked (doctor's own).
    pub uid: u32,
    /// `sqlite` or `postgresql`.
    pub kind: &'static str,
    /// The file or the URL, credentials masked.
    pub display: String,
    /// The data directory (SQLite only).
    pub dir: Option<DirFacts>,
    /// The database's schema state, or why it could not be read
    /// (`code`, message with credentials masked, hint). `None`: not looked at
    /// (storage off, or the directory already fails).
    pub database: Option<Result<secmcp_store::SchemaState, (&'static str, String, &'static str)>>,
}

/// The SQLite data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirFacts {
    /// The directory.
    pub path: PathBuf,
    /// Whether it exists, or where its creation would start.
    pub state: DirState,
    /// Bytes free for this user on its filesystem (or its nearest existing
    /// parent's), when readable.
    pub free_bytes: Option<u64>,
    /// The database file exists and this process cannot write it (the OS's
    /// answer).
    pub db_not_writable: Option<String>,
}

/// Whether the data directory is there and usable by this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirState {
    /// It exists and this process may create files in it.
    Writable,
    /// It exists (or something by its name does) and this process may not
    /// create files in it: the OS's answer.
    NotWritable(String),
    /// It is missing; the server would create it under `ancestor`, which this
    /// process may write in.
    Creatable {
        /// The nearest existing parent.
        ancestor: PathBuf,
    },
    /// It is missing and cannot be created: `ancestor` is the nearest existing
    /// parent and the reason.
    NotCreatable {
        /// The nearest existing parent.
        ancestor: PathBuf,
        /// Why not (the OS's answer, or "is not a directory").
        reason: String,
    },
}

/// What a configured list entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// A directory callers pick lists from.
    Root(String),
    /// A name for one file.
    Alias {
        /// The alias.
        name: String,
        /// The file it names.
        path: String,
    },
    /// The list a call that names none gets.
    Default(String),
}

/// One configured list entry and what resolving it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFact {
    /// The tool it belongs to.
    pub tool: ToolId,
    /// The config key (`tools.gobuster.wordlist_aliases`).
    pub key: &'static str,
    /// The entry.
    pub entry: ListEntry,
    /// Size in bytes when it resolved (0 for a root or a built-in list),
    /// else the answer a call would get.
    pub resolved: Result<u64, String>,
}

/// Gathers the facts for `settings`.
pub async fn gather(settings: Settings) -> Facts {
    let kill = CancellationToken::new();
    let core = Arc::new(Core::new(settings, kill.clone()));
    let settings = core.snapshot();
    let health = CoreHealthSource::new(Arc::downgrade(&core))
        .gather(&|_| {})
        .await;
    let binaries = tools::REGISTRY
        .iter()
        .map(|t| (t.id(), binary_in(&settings, *t).ok()))
        .collect();
    let log_dir = (!settings.logging.file.is_empty()).then(|| {
        let dir = std::path::Path::new(&settings.logging.file)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let writable = nix::unistd::access(&dir, nix::unistd::AccessFlags::W_OK).is_ok();
        (dir, writable)
    });
    let facts = Facts {
        lists: lists(&settings),
        binaries,
        health,
        privilege: RawSocketPrivilege::of_this_process(),
        runs_in_cgroups: core.tracks_runs_by_cgroup(),
        cgroup_mount: Cgroup2Mount::find().ok(),
        egress: egress_facts(&settings.raw.sandbox),
        net: NetFacts::read(),
        log_dir,
        store: store_facts(&settings.storage).await,
        tls: settings.tls.as_ref().map(crate::transport::probe_tls),
        jwks: match &settings.auth.oauth {
            Some(o) => Some((
                match &o.jwks {
                    crate::auth::JwksSource::Url(u) => u.clone(),
                    crate::auth::JwksSource::File(f) => f.display().to_string(),
                },
                crate::transport::probe_jwks(&o.jwks).await,
            )),
            None => None,
        },
        settings,
    };
    kill.cancel();
    facts
}

/// Whether this process may create files in `dir` (write and search).
fn may_write_in(dir: &std::path::Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err("is not a directory".into());
    }
    nix::unistd::access(
        dir,
        nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
    )
    .map_err(|e| e.desc().to_owned())
}

/// Reads the data directory the way the server would use it, changing nothing.
fn dir_facts(db: &std::path::Path) -> Option<DirFacts> {
    let path = db.parent().filter(|d| !d.as_os_str().is_empty())?;
    let state = if path.exists() {
        match may_write_in(path) {
            Ok(()) => DirState::Writable,
            Err(reason) => DirState::NotWritable(reason),
        }
    } else {
        // The nearest parent that exists (as anything: a file stops creation).
        let ancestor = path
            .ancestors()
            .skip(1)
            .find(|a| a.symlink_metadata().is_ok())
            .unwrap_or(std::path::Path::new("/"))
            .to_path_buf();
        match may_write_in(&ancestor) {
            Ok(()) => DirState::Creatable { ancestor },
            Err(reason) => DirState::NotCreatable { ancestor, reason },
        }
    };
    let stat_at = match &state {
        DirState::Creatable { ancestor } | DirState::NotCreatable { ancestor, .. } => {
            ancestor.as_path()
        }
        _ => path,
    };
    // fsblkcnt_t and c_ulong are u64 on 64-bit Linux but not on every target.
    #[allow(clippy::unnecessary_cast)]
    let free_bytes = nix::sys::statvfs::statvfs(stat_at)
        .ok()
        .map(|s| (s.blocks_available() as u64).saturating_mul(s.fragment_size() as u64));
    let db_not_writable = db
        .exists()
        .then(|| nix::unistd::access(db, nix::unistd::AccessFlags::W_OK).err())
        .flatten()
        .map(|e| e.desc().to_owned());
    Some(DirFacts {
        path: path.to_path_buf(),
        state,
        free_bytes,
        db_not_writable,
    })
}

/// The run store's facts: the directory (SQLite), then the database read-only.
async fn store_facts(s: &crate::config::StorageSettings) -> StoreFacts {
    let (kind, display) = (s.backend.kind(), s.backend.display());
    let dir = match &s.backend {
        secmcp_store::Backend::Sqlite { path } if s.enabled => dir_facts(path),
        _ => None,
    };
    let dir_ok = dir
        .as_ref()
        .is_none_or(|d| matches!(d.state, DirState::Writable | DirState::Creatable { .. }));
    let database = if s.enabled && dir_ok {
        Some(
            secmcp_store::inspect(&s.store_config(), STORE_TIMEOUT)
                .await
                .map_err(|e| {
                    (
                        e.code(),
                        crate::redact::text(&e.to_string()).into_owned(),
                        e.hint(),
                    )
                }),
        )
    } else {
        None
    };
    StoreFacts {
        enabled: s.enabled,
        uid: nix::unistd::geteuid().as_raw(),
        kind,
        display,
        dir,
        database,
    }
}

/// The list entries of the tools that are not switched off.
fn lists(s: &Settings) -> Vec<ListFact> {
    let mut out = Vec::new();
    let mut add = |tool: ToolId, roots: &FileRoots, keys: (&'static str, &'static str), kind| {
        if s.availability(tool) == Availability::Disabled {
            return;
        }
        // As root, tools run as the sandbox's user: a list it cannot read fails
        // the call as surely as a missing one.
        let user = s
            .sandbox
            .get(tool)
            .run_as
            .filter(|_| nix::unistd::geteuid().is_root());
        let readable = |path: &str, r: Result<u64, String>| match (r, user) {
            (Ok(n), Some(u)) => readable_by(std::path::Path::new(path), u).map(|()| n),
            (r, _) => r,
        };
        for root in &roots.roots {
            let is_dir = std::path::Path::new(root).is_dir();
            out.push(ListFact {
                tool,
                key: keys.0,
                entry: ListEntry::Root(root.clone()),
                resolved: readable(
                    root,
                    if is_dir {
                        Ok(0)
                    } else {
                        Err("is not a directory on this machine".into())
                    },
                ),
            });
        }
        for (name, path) in &roots.aliases {
            out.push(ListFact {
                tool,
                key: keys.1,
                entry: ListEntry::Alias {
                    name: name.clone(),
                    path: path.clone(),
                },
                resolved: readable(path, resolve(roots, name, kind)),
            });
        }
    };
    add(
        ToolId::Gobuster,
        &s.policy.gobuster.wordlists,
        (
            "tools.gobuster.wordlist_roots",
            "tools.gobuster.wordlist_aliases",
        ),
        FileKind::Wordlist,
    );
    add(
        ToolId::Hydra,
        &s.policy.hydra.credentials,
        ("tools.hydra.list_roots", "tools.hydra.list_aliases"),
        FileKind::UserList,
    );
    let default = &s.policy.gobuster.default_wordlist;
    if !default.is_empty() && s.availability(ToolId::Gobuster) != Availability::Disabled {
        let roots = &s.policy.gobuster.wordlists;
        let builtin =
            roots.alias(default).is_none() && secmcp_policy::lists::builtin(default).is_some();
        out.push(ListFact {
            tool: ToolId::Gobuster,
            key: "tools.gobuster.default_wordlist",
            entry: ListEntry::Default(default.clone()),
            resolved: if builtin {
                Ok(0)
            } else {
                resolve(roots, default, FileKind::Wordlist)
            },
        });
    }
    out
}

/// What a call naming `name` would get: the file's size, or the answer.
fn resolve(roots: &FileRoots, name: &str, kind: FileKind) -> Result<u64, String> {
    let request = FileRequest {
        field: "list",
        requested: name.to_owned(),
        kind,
    };
    crate::files::resolve_in(roots, &request, "list")
        .map(|f| f.size_bytes)
        .map_err(|e| {
            let prefix = format!("{}: ", request.field);
            e.message
                .strip_prefix(&prefix)
                .map_or(e.message.clone(), str::to_owned)
        })
}

/// Tries what a server with `sandbox` would do at start: installs its
/// nftables table and removes it again.
fn egress_facts(
    sandbox: &crate::sandbox::SandboxConfig,
) -> Option<(crate::sandbox::EgressMode, Result<String, String>)> {
    if !sandbox.enabled || sandbox.egress == crate::sandbox::EgressMode::Off {
        return None;
    }
    let tried = crate::sandbox::egress_possible(sandbox)
        .and_then(|()| secmcp_runner::EgressFence::install(sandbox.egress_gid_base))
        .map(|fence| fence.table().to_owned())
        .map_err(|e| e.to_string());
    Some((sandbox.egress, tried))
}

/// Whether `user` may read `path` (a file, or a directory it lists): every
/// directory above it searchable, the path itself readable, by the owner,
/// group or other bits that apply to that user.
fn readable_by(path: &std::path::Path, user: secmcp_runner::RunAs) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let real = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let allows = |m: &std::fs::Metadata, bits: u32| {
        let mode = m.mode();
        let shift = if m.uid() == user.uid {
            6
        } else if m.gid() == user.gid {
            3
        } else {
            0
        };
        (mode >> shift) & bits == bits
    };
    let mut dirs: Vec<&std::path::Path> = real.ancestors().skip(1).collect();
    dirs.reverse();
    for dir in dirs {
        let m = std::fs::metadata(dir).map_err(|e| e.to_string())?;
        if !allows(&m, 0o1) {
            return Err(format!(
                "cannot be read by the tools' user (uid {}): {} is not searchable for it",
                user.uid,
                dir.display()
            ));
        }
    }
    let m = std::fs::metadata(&real).map_err(|e| e.to_string())?;
    let need = if m.is_dir() { 0o5 } else { 0o4 };
    if !allows(&m, need) {
        return Err(format!(
            "cannot be read by the tools' user (uid {}, sandbox.run_as_user): its mode is {:o}",
            user.uid,
            m.mode() & 0o7777
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_list_is_readable_only_through_searchable_directories() {
        let nobody = secmcp_runner::RunAs {
            uid: 65534,
            gid: 65534,
        };
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("lists");
        std::fs::create_dir(&dir).unwrap();
        let list = dir.join("words.txt");
        std::fs::write(&list, "a\n").unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&list, std::fs::Permissions::from_mode(0o644)).unwrap();
        // The temp dir's own parents (/tmp) are searchable by everyone.
        assert_eq!(readable_by(&list, nobody), Ok(()));
        std::fs::set_permissions(&list, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = readable_by(&list, nobody).unwrap_err();
        assert!(e.contains("mode is 600"), "{e}");
        std::fs::set_permissions(&list, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let e = readable_by(&list, nobody).unwrap_err();
        assert!(e.contains("is not searchable"), "{e}");
        // The user's own file is read by its owner bits.
        let own = secmcp_runner::RunAs {
            uid: nix::unistd::getuid().as_raw(),
            gid: 12345,
        };
        assert_eq!(readable_by(&list, own), Ok(()));
    }
}
