//! The words a tool's grammar and renderer are called with and answer in,
//! shared by every tool and by `policy`, which calls them.
//!
//! A grammar gets the [`Rules`] every tool obeys, its own limits, the
//! [`Call`] and its typed [`Fields`], and answers [`Parsed`]: its typed plan,
//! the [`PlannedTarget`]s to scope-check and the [`FileRequest`]s for the
//! server. A renderer gets its plan, the [`AuthorizedTarget`]s and the
//! server's [`Resolutions`], and answers a [`Rendering`]: argv,
//! [`WorkFile`]s and paths to collect.
//!
//! Must not: know any one tool, decide anything about a call, or build a
//! `Permit`.

use std::net::IpAddr;
use std::time::Duration;

use crate::address::{Cidr, Hostname, Target};
use crate::denied::Denied;
use crate::grammar_util::INTRUSIVE_HINT;
use crate::scope::Scope;

/// The security settings every tool grammar obeys: the scope,
/// `security.allow_intrusive` and whether the server can open raw sockets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// Which targets may be touched.
    pub(crate) scope: &'a Scope,
    /// The operator's `security.allow_intrusive`.
    pub(crate) allow_intrusive: bool,
    /// Whether the server holds raw sockets (root or CAP_NET_RAW).
    pub(crate) raw_sockets: bool,
}

impl Rules<'_> {
    /// Refuses what `what` describes (e.g. "-A is intrusive (...)") unless
    /// the operator set `security.allow_intrusive`.
    pub(crate) fn need_intrusive(
        &self,
        field: &'static str,
        what: impl FnOnce() -> String,
    ) -> Result<(), Denied> {
        if self.allow_intrusive {
            return Ok(());
        }
        Err(Denied::validation(
            field,
            format!("{} and needs security.allow_intrusive", what()),
            INTRUSIVE_HINT,
        ))
    }
}

/// A call as a tool grammar reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The target as the caller wrote it.
    pub(crate) target: &'a str,
    /// The wall-clock limit for the run.
    pub(crate) timeout: Duration,
    /// `extra_args`, tokenised.
    pub(crate) tokens: &'a [String],
}

/// A tool's typed input fields as the call carried them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fields<'a, F> {
    /// The tool's own fields.
    Own(&'a F),
    /// No typed fields at all.
    Absent,
    /// Another tool's fields: the caller mixed up its tools.
    Foreign,
}

/// A target a plan must have scope-checked before it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTarget {
    field: &'static str,
    requested: String,
    target: Target,
}

impl PlannedTarget {
    /// A target to scope-check, from input `field`.
    pub(crate) fn new(field: &'static str, requested: impl Into<String>, target: Target) -> Self {
        Self {
            field,
            requested: requested.into(),
            target,
        }
    }

    /// The input field it came from (`"target"`, or e.g. `"extra_args"` for a
    /// future `dig @server`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// As the caller wrote it.
    pub fn requested(&self) -> &str {
        &self.requested
    }

    /// The parsed target.
    pub fn target(&self) -> &Target {
        &self.target
    }
}

/// What kind of file a plan needs; the server picks the roots and aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A wordlist (gobuster).
    Wordlist,
    /// A list of user names (hydra).
    UserList,
    /// A list of passwords (hydra).
    PasswordList,
    /// A list of `login:password` pairs (hydra `-C`).
    ComboList,
}

/// A file a plan needs the server to resolve before `authorize_with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    /// The input field it came from.
    pub field: &'static str,
    /// An alias or a path relative to a configured root (never the name of
    /// a built-in list: those are rendered as work files).
    pub requested: String,
    /// What it is.
    pub kind: FileKind,
}

/// What a tool grammar makes of a call: its typed plan, every target it will
/// touch (the first is the one the tool is pointed at) and the files the
/// server must resolve.
pub(crate) struct Parsed<P> {
    pub(crate) plan: P,
    pub(crate) targets: Vec<PlannedTarget>,
    pub(crate) files: Vec<FileRequest>,
}

impl<P> Parsed<P> {
    /// The same, with the plan turned into `Q` (the plan of any tool).
    pub(crate) fn map<Q>(self, into: impl FnOnce(P) -> Q) -> Parsed<Q> {
        Parsed {
            plan: into(self.plan),
            targets: self.targets,
            files: self.files,
        }
    }
}

/// What the server looked up for a plan: host name addresses (DNS, once) and
/// files (canonical path and size, e.g. wordlists). This crate never does
/// either lookup itself; it checks what it is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolutions {
    hosts: Vec<(Hostname, Vec<IpAddr>)>,
    files: Vec<ResolvedFile>,
}

impl Resolutions {
    /// Records the addresses `host` resolved to (resolver order).
    pub fn add_host(&mut self, host: Hostname, addrs: Vec<IpAddr>) {
        self.hosts.push((host, addrs));
    }

    /// The addresses recorded for `host` (empty when none).
    pub fn host(&self, host: &Hostname) -> &[IpAddr] {
        self.hosts
            .iter()
            .find(|(h, _)| h == host)
            .map_or(&[], |(_, a)| a.as_slice())
    }

    /// Records a file the server resolved for a [`FileRequest`].
    pub fn add_file(&mut self, file: ResolvedFile) {
        self.files.push(file);
    }

    /// The resolution of the file requested as `requested`.
    pub fn file(&self, requested: &str) -> Option<&ResolvedFile> {
        self.files.iter().find(|f| f.requested == requested)
    }
}

/// A file the server resolved: canonical absolute path (symlinks and `..`
/// resolved with realpath) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFile {
    /// As the plan requested it (an alias or a relative path).
    pub requested: String,
    /// Canonical absolute path.
    pub path: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What the scope check approved, as the tool will be given it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedTarget {
    /// The target exactly as the caller wrote it (already validated).
    pub requested: String,
    /// The host name, when the caller gave one (lower-cased, no trailing dot).
    pub hostname: Option<String>,
    /// The addresses the tool is pinned to (one address for a host name or IP).
    pub pinned: Vec<IpAddr>,
    /// The canonical form handed to the tool (IP literal or network/prefix).
    pub rendered: String,
    /// How many addresses the target covers.
    pub address_count: u64,
}

impl AuthorizedTarget {
    /// The addresses the target covers, as inclusive ranges: each pinned
    /// address, or the whole network of a CIDR target.
    pub fn address_ranges(&self) -> Vec<(IpAddr, IpAddr)> {
        if !self.pinned.is_empty() {
            return self.pinned.iter().map(|&ip| (ip, ip)).collect();
        }
        let Some((addr, prefix)) = self.rendered.split_once('/') else {
            return Vec::new();
        };
        match (addr.parse::<IpAddr>(), prefix.parse::<u8>()) {
            (Ok(a), Ok(p)) => Cidr::new(a, p)
                .map(|net| (net.addr(), net.last()))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A file the runner writes into the run's private working directory before
/// the tool starts (e.g. an inline credential list), by relative name.
#[derive(Clone, PartialEq, Eq)]
pub struct WorkFile {
    /// Plain file name (no `/`), relative to the working directory.
    pub name: String,
    /// Contents.
    pub contents: Vec<u8>,
}

impl std::fmt::Debug for WorkFile {
    // Contents may be secrets (password lists): never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WorkFile({}, {} bytes)", self.name, self.contents.len())
    }
}

/// What a tool renderer produces from an authorized plan.
pub(crate) struct Rendering {
    pub(crate) argv: Vec<String>,
    pub(crate) write_files: Vec<WorkFile>,
    pub(crate) collect: Vec<String>,
}

impl Rendering {
    /// Just an argv.
    pub(crate) fn argv(argv: Vec<String>) -> Self {
        Self {
            argv,
            write_files: Vec::new(),
            collect: Vec::new(),
        }
    }
}
