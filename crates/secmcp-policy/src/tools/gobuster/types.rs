//! gobuster's public types: its limits, its modes, its typed input fields
//! and its plan.
//!
//! Must not: parse `extra_args` (`grammar.rs`) or render argv (`render.rs`).

use super::url::HttpUrl;
use crate::address::Hostname;
use crate::files::{FileRoots, ListSource};
use crate::lists;

/// The input field naming the mode.
pub const FIELD_MODE: &str = "mode";
/// The input field naming the wordlist.
pub const FIELD_WORDLIST: &str = "wordlist";

/// Where Debian's `dirb` package installs its wordlists.
pub const DIRB_LISTS: &str = "/usr/share/dirb/wordlists";

/// gobuster's limits (`tools.gobuster` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GobusterLimits {
    /// Where wordlists may come from, their aliases and size cap.
    pub wordlists: FileRoots,
    /// The wordlist used when a call names none (an alias, a built-in list
    /// or a relative path); empty means the built-in list for the mode
    /// ([`Mode::builtin_list`]).
    pub default_wordlist: String,
    /// Threads used when a call gives no `-t`.
    pub default_threads: u32,
    /// The most threads (`-t`) a call may ask for.
    pub max_threads: u32,
    /// The delay each thread waits between requests, at least, in milliseconds.
    pub min_delay_ms: u64,
    /// The DNS server `dns` mode asks when the call gives no `-r`
    /// (`IP` or `IP:PORT`); empty means `-r` is required.
    pub dns_resolver: String,
}

impl Default for GobusterLimits {
    fn default() -> Self {
        Self {
            // Debian's `dirb` package installs its lists in DIRB_LISTS;
            // `/usr/share/wordlists` is where Kali and hand installs put them.
            wordlists: FileRoots {
                roots: vec!["/usr/share/wordlists".into(), DIRB_LISTS.into()],
                aliases: ["common", "big", "small"]
                    .map(|n| (format!("dirb-{n}"), format!("{DIRB_LISTS}/{n}.txt")))
                    .into(),
                max_bytes: 16 * 1024 * 1024,
            },
            default_wordlist: String::new(),
            default_threads: 10,
            max_threads: 20,
            min_delay_ms: 20,
            dns_resolver: String::new(),
        }
    }
}

/// gobuster's mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Directory and file enumeration on a web server.
    #[default]
    Dir,
    /// Subdomain enumeration through a DNS server.
    Dns,
    /// Virtual host enumeration on a web server.
    Vhost,
}

impl Mode {
    /// The gobuster subcommand.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Dir => "dir",
            Mode::Dns => "dns",
            Mode::Vhost => "vhost",
        }
    }

    /// The built-in list a call of this mode gets when neither it nor the
    /// operator names a wordlist.
    pub fn builtin_list(self) -> &'static str {
        match self {
            Mode::Dir => lists::WEB_PATHS,
            Mode::Dns => lists::SUBDOMAINS,
            Mode::Vhost => lists::VHOSTS,
        }
    }

    /// Parses a mode name (exact, lower case).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dir" => Some(Mode::Dir),
            "dns" => Some(Mode::Dns),
            "vhost" => Some(Mode::Vhost),
            _ => None,
        }
    }
}

/// gobuster's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GobusterFields {
    /// The mode.
    pub mode: Mode,
    /// An alias, a built-in list or a root-relative wordlist path; empty =
    /// `-w` or the default.
    pub wordlist: String,
}

/// Options of `dir` and `vhost` mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpOptions {
    pub(crate) extensions: Vec<String>,
    pub(crate) status_codes: Option<String>,
    pub(crate) status_blacklist: Option<String>,
    pub(crate) add_slash: bool,
    pub(crate) no_tls_validation: bool,
    pub(crate) expanded: bool,
    pub(crate) no_status: bool,
    pub(crate) hide_length: bool,
    pub(crate) discover_backup: bool,
    pub(crate) retry: bool,
    pub(crate) retry_attempts: Option<u8>,
    pub(crate) random_agent: bool,
    pub(crate) useragent: Option<String>,
    pub(crate) method: Option<&'static str>,
    pub(crate) exclude_length: Vec<u64>,
    pub(crate) append_domain: bool,
    /// `vhost`: the domain of the guessed Host headers (scope-checked by
    /// name); the URL's host name when absent.
    pub(crate) domain: Option<Hostname>,
}

/// Options of `dns` mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsOptions {
    pub(crate) show_ips: bool,
    pub(crate) show_cname: bool,
    pub(crate) wildcard: bool,
    pub(crate) resolver_port: u16,
}

/// What the scan is pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GobusterTarget {
    /// `dir`/`vhost`: the URL (its host is `targets[0]`).
    Url(HttpUrl),
    /// `dns`: the domain (name-checked) and the resolver (`targets[0]`).
    Domain(Hostname),
}

/// A validated gobuster invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GobusterPlan {
    pub(crate) mode: Mode,
    pub(crate) target: GobusterTarget,
    pub(crate) wordlist: ListSource,
    pub(crate) threads: u32,
    pub(crate) delay_ms: u64,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) no_error: bool,
    pub(crate) http: HttpOptions,
    pub(crate) dns: DnsOptions,
    /// The server follows the run's progress: `-q` and `-z` are left out so
    /// gobuster prints `Progress: N / M` (never from the caller's arguments,
    /// which cannot remove them).
    pub(crate) progress: bool,
}

impl GobusterPlan {
    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Where the wordlist comes from (a file the server resolved, or a
    /// built-in list).
    pub fn wordlist(&self) -> &ListSource {
        &self.wordlist
    }

    /// Threads handed to gobuster.
    pub fn threads(&self) -> u32 {
        self.threads
    }

    /// Per-thread delay handed to gobuster, in milliseconds.
    pub fn delay_ms(&self) -> u64 {
        self.delay_ms
    }
}
