//! sqlmap's public types: the fixed flags and answers the server always
//! passes, its limits, its typed input fields and its plan.
//!
//! Must not: parse `extra_args` (`grammar.rs`) or render argv (`render.rs`).

use super::url::HttpUrl;
use crate::tools::options::Setting;

/// The output directory handed to sqlmap, relative to the per-call working
/// directory (sqlmap's cwd); the runner reads it back after the run.
pub const OUTPUT_DIR: &str = "sqlmap-out";

/// Flags the server always passes first: never prompt, never read stdin, no
/// colours, never follow a redirect (it could lead to any host).
pub const SERVER_FLAGS: [&str; 4] = [
    "--batch",
    "--ignore-stdin",
    "--disable-coloring",
    "--ignore-redirects",
];

/// The answer the server gives to sqlmap's "crack the hashes with a dictionary
/// attack?" questions (a long CPU-bound job on the server, not a test).
/// `refresh intent=N`: sqlmap follows a `Refresh` header, meta refresh or a JS
/// `location` to any host (its `--ignore-redirects` covers only 3xx) unless the
/// prompt is answered no; that host would be looked up and attacked unpinned.
pub const ANSWERS: &str = "--answers=dictionary-based=N,refresh intent=N";

/// sqlmap's limits (`tools.sqlmap` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlmapLimits {
    /// Highest `--risk` (1-3). Risk 3 adds OR-based payloads that can change data.
    pub max_risk: u8,
    /// Highest `--level` (1-5).
    pub max_level: u8,
    /// Allows enumeration beyond fingerprinting (`--dbs`, `--tables`, `--dump`,
    /// `--users`, `--passwords`, ...), on top of `security.allow_intrusive`.
    pub allow_enumeration: bool,
    /// Highest `--threads` (1-10).
    pub max_threads: u8,
}

impl SqlmapLimits {
    /// Whether the operator switched `setting` on.
    pub(crate) fn enables(&self, setting: Setting) -> bool {
        match setting {
            Setting::SqlmapEnumeration => self.allow_enumeration,
        }
    }
}

impl Default for SqlmapLimits {
    fn default() -> Self {
        Self {
            max_risk: 2,
            max_level: 3,
            allow_enumeration: false,
            max_threads: 4,
        }
    }
}

/// sqlmap's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlmapFields {
    /// The POST body (`--data`), e.g. `user=a&id=1`; empty = a GET request.
    pub data: String,
}

/// One accepted option with its checked value, as it will be rendered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Arg {
    pub(crate) name: &'static str,
    pub(crate) value: Option<String>,
    pub(crate) short: bool,
}

/// A validated sqlmap invocation, minus the pinned addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlmapPlan {
    pub(crate) url: HttpUrl,
    pub(crate) data: String,
    /// `--safe-url`, rendered with its pinned address; its target index is 1.
    pub(crate) safe_url: Option<HttpUrl>,
    pub(crate) args: Vec<Arg>,
}

impl SqlmapPlan {
    /// The URL under test.
    pub fn url(&self) -> &HttpUrl {
        &self.url
    }

    /// Whether an option (by its rendered spelling) is in the plan.
    pub fn has(&self, name: &str) -> bool {
        self.args.iter().any(|a| a.name == name)
    }
}
