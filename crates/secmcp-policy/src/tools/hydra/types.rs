//! hydra's public types: its input field names, work file names, the
//! service modules it knows, its limits, its typed input fields and its plan.
//!
//! Must not: parse `extra_args` (`grammar.rs`) or render argv (`render.rs`).

use std::fmt;

use crate::files::FileRoots;
use crate::lists::BuiltinList;

/// Input field names.
pub mod fields {
    /// The service module.
    pub const SERVICE: &str = "service";
    /// The port.
    pub const PORT: &str = "port";
    /// Inline user names.
    pub const USERNAMES: &str = "usernames";
    /// Inline passwords.
    pub const PASSWORDS: &str = "passwords";
    /// A user list by alias or root-relative path.
    pub const USER_LIST: &str = "user_list";
    /// A password list by alias or root-relative path.
    pub const PASSWORD_LIST: &str = "password_list";
    /// A `login:password` list (`-C`).
    pub const COMBO_LIST: &str = "combo_list";
    /// HTTP path.
    pub const PATH: &str = "path";
    /// HTTP form body.
    pub const FORM: &str = "form";
    /// HTTP form failure text.
    pub const FAILURE: &str = "failure";
}

/// The file hydra writes its JSON results to, in the run's working directory.
pub const RESULT_FILE: &str = "hydra.json";
/// Inline user names are written here (working directory, mode 0600).
pub const USERS_FILE: &str = "users.txt";
/// Inline passwords are written here (working directory, mode 0600).
pub const PASSWORDS_FILE: &str = "passwords.txt";
/// The longest inline user name or password, in bytes.
pub const MAX_INLINE_ENTRY_BYTES: usize = 128;

/// Every service module hydra 9.4 knows (`hydra -h`), by its real name.
pub const KNOWN_MODULES: &[&str] = &[
    "adam6500",
    "asterisk",
    "cisco",
    "cisco-enable",
    "cobaltstrike",
    "cvs",
    "firebird",
    "ftp",
    "ftps",
    "http-head",
    "https-head",
    "http-get",
    "https-get",
    "http-post",
    "https-post",
    "http-get-form",
    "https-get-form",
    "http-post-form",
    "https-post-form",
    "http-proxy",
    "http-proxy-urlenum",
    "icq",
    "imap",
    "imaps",
    "irc",
    "ldap2",
    "ldap2s",
    "ldap3",
    "ldap3-crammd5",
    "ldap3-crammd5s",
    "ldap3-digestmd5",
    "ldap3-digestmd5s",
    "ldap3s",
    "memcached",
    "mongodb",
    "mssql",
    "mysql",
    "nntp",
    "oracle-listener",
    "oracle-sid",
    "pcanywhere",
    "pcnfs",
    "pop3",
    "pop3s",
    "postgres",
    "radmin2",
    "rdp",
    "redis",
    "rexec",
    "rlogin",
    "rpcap",
    "rsh",
    "rtsp",
    "s7-300",
    "sip",
    "smb",
    "smtp",
    "smtps",
    "smtp-enum",
    "snmp",
    "socks5",
    "ssh",
    "sshkey",
    "svn",
    "teamspeak",
    "telnet",
    "telnets",
    "vmauthd",
    "vnc",
    "xmpp",
];

/// Modules that can never be enabled, and why.
pub const NEVER_MODULES: &[(&str, &str)] = &[
    (
        "sshkey",
        "it reads private key files named by the password list",
    ),
    (
        "http-proxy",
        "it relays requests through the target to other hosts",
    ),
    (
        "http-proxy-urlenum",
        "it makes the target fetch URLs on other hosts",
    ),
];

/// The services enabled by default.
pub const DEFAULT_SERVICES: &[&str] = &[
    "ftp",
    "ftps",
    "http-get",
    "https-get",
    "http-head",
    "https-head",
    "http-post",
    "https-post",
    "http-get-form",
    "https-get-form",
    "http-post-form",
    "https-post-form",
    "imap",
    "imaps",
    "mysql",
    "pop3",
    "pop3s",
    "postgres",
    "redis",
    "smtp",
    "smtps",
    "ssh",
    "telnet",
    "vnc",
];

/// Why a service name cannot be configured, if it cannot.
pub fn service_config_error(name: &str) -> Option<String> {
    if let Some((_, why)) = NEVER_MODULES.iter().find(|(n, _)| *n == name) {
        return Some(format!("`{name}` can never be enabled: {why}"));
    }
    if !KNOWN_MODULES.contains(&name) {
        return Some(format!("`{name}` is not a hydra 9.4 service module"));
    }
    None
}

/// hydra's limits (`tools.hydra` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HydraLimits {
    /// Where user/password lists may come from, their aliases and size cap.
    pub credentials: FileRoots,
    /// Service modules callers may use.
    pub services: Vec<String>,
    /// Parallel tasks (`-t`) when a call gives none.
    pub default_tasks: u32,
    /// The most parallel tasks a call may ask for.
    pub max_tasks: u32,
    /// The most entries in an inline `usernames` or `passwords` list.
    pub max_inline_entries: usize,
    /// The longest response wait (`-w`) and connect delay (`-W`), in seconds.
    pub max_wait_secs: u32,
}

impl Default for HydraLimits {
    fn default() -> Self {
        Self {
            credentials: FileRoots {
                roots: vec!["/usr/share/wordlists".into()],
                aliases: Vec::new(),
                max_bytes: 1024 * 1024,
            },
            services: DEFAULT_SERVICES.iter().map(|s| s.to_string()).collect(),
            default_tasks: 4,
            max_tasks: 16,
            max_inline_entries: 100,
            max_wait_secs: 60,
        }
    }
}

/// hydra's typed input fields beyond `target` and `extra_args`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HydraFields {
    /// The service module name, e.g. `ssh`, `http-get`.
    pub service: String,
    /// The port, when not the service's default.
    pub port: Option<u16>,
    /// Inline user names.
    pub usernames: Vec<String>,
    /// Inline passwords (secret: never logged, never in argv).
    pub passwords: Vec<String>,
    /// A user list by alias, built-in list name or root-relative path.
    pub user_list: String,
    /// A password list by alias, built-in list name or root-relative path.
    pub password_list: String,
    /// HTTP modules: the path.
    pub path: String,
    /// Form modules: the form body with `^USER^` and `^PASS^`.
    pub form: String,
    /// Form modules: text in the reply that means the login failed.
    pub failure: String,
}

impl fmt::Debug for HydraFields {
    // Passwords are secrets: only their count is ever printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HydraFields")
            .field("service", &self.service)
            .field("port", &self.port)
            .field("usernames", &self.usernames.len())
            .field(
                "passwords",
                &format_args!("<{} redacted>", self.passwords.len()),
            )
            .field("user_list", &self.user_list)
            .field("password_list", &self.password_list)
            .field("path", &self.path)
            .field("form", &self.form)
            .field("failure", &self.failure)
            .finish()
    }
}

/// Where a list of user names or passwords comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Typed inline; the server writes them into the working directory.
    Inline(Vec<String>),
    /// A file requested by alias or root-relative path.
    File(String),
    /// A built-in list, handed over as a work file.
    Builtin(&'static BuiltinList),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Inline(v) => write!(f, "Inline(<{} entries>)", v.len()),
            Credentials::File(name) => write!(f, "File({name:?})"),
            Credentials::Builtin(list) => write!(f, "Builtin({})", list.name),
        }
    }
}

/// Which lists hydra gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logins {
    /// `-L` and optionally `-P` (without it, only `-e` checks run).
    Lists {
        /// User names.
        users: Credentials,
        /// Passwords.
        passwords: Option<Credentials>,
    },
    /// `-C`: one `login:password` file.
    Combo(String),
}

/// A validated hydra invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HydraPlan {
    pub(crate) service: String,
    pub(crate) port: Option<u16>,
    pub(crate) logins: Logins,
    pub(crate) module_opt: Option<String>,
    pub(crate) tasks: u32,
    pub(crate) wait_secs: Option<u32>,
    pub(crate) connect_wait_secs: Option<u32>,
    pub(crate) stop_first: bool,
    pub(crate) loop_users: bool,
    pub(crate) extra_checks: String,
    pub(crate) ssl: bool,
    pub(crate) no_redo: bool,
    pub(crate) quiet: bool,
}

impl HydraPlan {
    /// The service module.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Parallel tasks.
    pub fn tasks(&self) -> u32 {
        self.tasks
    }
}
