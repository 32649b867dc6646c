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
    /// Configured lists: roots, aliases, defaults.
    pub lists: Vec<ListFact>,
    /// Interfaces, routes, namespace.
    pub net: NetFacts,
    /// `logging.file`'s directory and whether this process may write in it.
    pub log_dir: Option<(PathBuf, bool)>,
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
        net: NetFacts::read(),
        log_dir,
        settings,
    };
    kill.cancel();
    facts
}

/// The list entries of the tools that are not switched off.
fn lists(s: &Settings) -> Vec<ListFact> {
    let mut out = Vec::new();
    let mut add = |tool: ToolId, roots: &FileRoots, keys: (&'static str, &'static str), kind| {
        if s.availability(tool) == Availability::Disabled {
            return;
        }
        for root in &roots.roots {
            let is_dir = std::path::Path::new(root).is_dir();
            out.push(ListFact {
                tool,
                key: keys.0,
                entry: ListEntry::Root(root.clone()),
                resolved: if is_dir {
                    Ok(0)
                } else {
                    Err("is not a directory on this machine".into())
                },
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
                resolved: resolve(roots, name, kind),
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
