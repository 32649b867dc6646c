//! hydra: the argument grammar, the typed [`HydraPlan`], and argv rendering.
//!
//! One host (IP or host name, pinned) and one service module from the
//! configured allowlist of real hydra module names. Credentials come from short
//! inline lists in typed fields, which the server writes into the run's private
//! working directory (mode 0600), or from lists under the configured roots, so
//! no password is ever on the command line (the argv is logged). HTTP module
//! options (path, form body, failure text) are typed fields rendered with
//! hydra's `\:` escaping. The server always adds `-I` (ignore restore files) and
//! `-o hydra.json -b json`; argv is in hydra's order: options, target, service,
//! module option. The whole tool needs `security.allow_intrusive`.
//! Pure: no process is started here, no file is read.

mod grammar;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::denied::{Denied, field};
use crate::files::{self, FileRoots};
use crate::permit::{AuthorizedTarget, WorkFile};
use crate::policy::{
    CallInput, FileKind, FileRequest, Parsed, PlannedTarget, Policy, Rendering, Resolutions,
    internal,
};
use crate::address::{Target, parse_target};

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
    /// A user list by alias or root-relative path.
    pub user_list: String,
    /// A password list by alias or root-relative path.
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
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Inline(v) => write!(f, "Inline(<{} entries>)", v.len()),
            Credentials::File(name) => write!(f, "File({name:?})"),
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

const INTRUSIVE_HINT: &str =
    "ask the operator to set security.allow_intrusive: true; only then can hydra run";

/// Parses a hydra call into its plan, targets and file requests.
pub(crate) fn parse(
    policy: &Policy,
    input: &CallInput<'_>,
    tokens: &[String],
) -> Result<Parsed<HydraPlan>, Denied> {
    if !policy.allow_intrusive {
        return Err(Denied::validation(
            field::TARGET,
            "hydra is intrusive (it tries logins against a live service) and needs security.allow_intrusive",
            INTRUSIVE_HINT,
        ));
    }
    let f = match input.fields {
        crate::ToolFields::Hydra(f) => f,
        _ => return Err(internal("hydra called without its fields")),
    };
    let limits = &policy.hydra;
    let target = parse_target(input.target)?;
    if matches!(target, Target::Cidr(_)) {
        return Err(Denied::validation(
            field::TARGET,
            "hydra attacks one host per call; a CIDR range is not accepted",
            "give one IP address or host name",
        ));
    }
    let service = check_service(limits, &f.service)?;
    let d = grammar::parse_tokens(tokens, limits)?;
    let port = match (f.port, d.port) {
        (Some(_), Some(_)) => {
            return Err(Denied::validation(
                fields::PORT,
                "the port is given twice (the port field and -s)",
                "give it once, in the port field",
            ));
        }
        (Some(0), _) => {
            return Err(Denied::validation(
                fields::PORT,
                "port 0 is not a port",
                "give a port from 1 to 65535",
            ));
        }
        (p, q) => p.or(q),
    };
    let mut files = Vec::new();
    let logins = logins(limits, f, &d, &mut files)?;
    let module_opt = module_option(&service, f)?;
    let plan = HydraPlan {
        service,
        port,
        logins,
        module_opt,
        tasks: d
            .tasks
            .unwrap_or(limits.default_tasks.min(limits.max_tasks)),
        wait_secs: d.wait_secs,
        connect_wait_secs: d.connect_wait_secs,
        stop_first: d.stop_first,
        loop_users: d.loop_users,
        extra_checks: d.extra_checks.clone(),
        ssl: d.ssl,
        no_redo: d.no_redo,
        quiet: d.quiet,
    };
    Ok(Parsed {
        plan,
        targets: vec![PlannedTarget::new(field::TARGET, input.target, target)],
        files,
    })
}

fn check_service(limits: &HydraLimits, s: &str) -> Result<String, Denied> {
    if limits.services.iter().any(|x| x == s) {
        return Ok(s.to_owned());
    }
    let shown: String = s.chars().take(40).flat_map(char::escape_default).collect();
    Err(Denied::validation(
        fields::SERVICE,
        if s.is_empty() {
            "service is required (a hydra module name such as ssh or http-get)".to_string()
        } else {
            format!("service '{shown}' is not enabled on this server")
        },
        format!("use one of: {}", limits.services.join(", ")),
    ))
}

fn inline_list(
    field: &'static str,
    items: &[String],
    max: usize,
    secret: bool,
) -> Result<Credentials, Denied> {
    if items.len() > max {
        return Err(Denied::validation(
            field,
            format!(
                "{field} has {} entries; at most {max} may be inline",
                items.len()
            ),
            "use a list file under the configured roots for longer lists",
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let ok = !item.is_empty()
            && item.len() <= MAX_INLINE_ENTRY_BYTES
            && !item.chars().any(char::is_control);
        if !ok {
            // Never echo the value: it may be a password.
            let what = if secret { "password" } else { "user name" };
            return Err(Denied::validation(
                field,
                format!(
                    "{field}[{i}] is not accepted: each {what} must be 1-{MAX_INLINE_ENTRY_BYTES} bytes without control characters (no newlines)"
                ),
                "fix that entry",
            ));
        }
    }
    Ok(Credentials::Inline(items.to_vec()))
}

fn one_source(
    field_inline: &'static str,
    inline: &[String],
    field_list: &'static str,
    list: &str,
    flag: Option<&String>,
) -> Result<u8, Denied> {
    let given = [!inline.is_empty(), !list.is_empty(), flag.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Denied::validation(
            field_inline,
            format!("give only one of {field_inline}, {field_list} (or its flag in extra_args)"),
            "pick one source for the list",
        ));
    }
    Ok(given.iter().position(|g| *g).map_or(0, |i| i as u8 + 1))
}

fn file_cred(
    field: &'static str,
    name: &str,
    kind: FileKind,
    files: &mut Vec<FileRequest>,
) -> Result<Credentials, Denied> {
    let what = if kind == FileKind::UserList {
        "user list"
    } else {
        "password list"
    };
    files::check_request(field, name, what)?;
    files.push(FileRequest {
        field,
        requested: name.to_owned(),
        kind,
    });
    Ok(Credentials::File(name.to_owned()))
}

fn logins(
    limits: &HydraLimits,
    f: &HydraFields,
    d: &grammar::Draft,
    files: &mut Vec<FileRequest>,
) -> Result<Logins, Denied> {
    use fields::*;
    let max = limits.max_inline_entries;
    if let Some(combo) = &d.combo {
        let any = !f.usernames.is_empty()
            || !f.passwords.is_empty()
            || !f.user_list.is_empty()
            || !f.password_list.is_empty()
            || d.user_list.is_some()
            || d.password_list.is_some();
        if any {
            return Err(Denied::validation(
                field::EXTRA_ARGS,
                "-C (login:password list) cannot be combined with other user or password lists",
                "use either -C or the usernames/passwords fields",
            ));
        }
        files::check_request(COMBO_LIST, combo, "login:password list")?;
        files.push(FileRequest {
            field: COMBO_LIST,
            requested: combo.clone(),
            kind: FileKind::PasswordList,
        });
        return Ok(Logins::Combo(combo.clone()));
    }
    let users = match one_source(
        USERNAMES,
        &f.usernames,
        USER_LIST,
        &f.user_list,
        d.user_list.as_ref(),
    )? {
        1 => inline_list(USERNAMES, &f.usernames, max, false)?,
        2 => file_cred(USER_LIST, &f.user_list, FileKind::UserList, files)?,
        3 => file_cred(
            USER_LIST,
            d.user_list.as_deref().unwrap_or(""),
            FileKind::UserList,
            files,
        )?,
        _ => {
            return Err(Denied::validation(
                USERNAMES,
                "no user names: give usernames (inline) or user_list",
                "e.g. \"usernames\": [\"admin\", \"root\"]",
            ));
        }
    };
    let passwords = match one_source(
        PASSWORDS,
        &f.passwords,
        PASSWORD_LIST,
        &f.password_list,
        d.password_list.as_ref(),
    )? {
        1 => Some(inline_list(PASSWORDS, &f.passwords, max, true)?),
        2 => Some(file_cred(
            PASSWORD_LIST,
            &f.password_list,
            FileKind::PasswordList,
            files,
        )?),
        3 => Some(file_cred(
            PASSWORD_LIST,
            d.password_list.as_deref().unwrap_or(""),
            FileKind::PasswordList,
            files,
        )?),
        _ if !d.extra_checks.is_empty() => None,
        _ => {
            return Err(Denied::validation(
                PASSWORDS,
                "no passwords: give passwords (inline), password_list, or -e nsr in extra_args",
                "e.g. \"passwords\": [\"123456\", \"password\"]",
            ));
        }
    };
    Ok(Logins::Lists { users, passwords })
}

/// The service's module option, from the typed HTTP fields.
fn module_option(service: &str, f: &HydraFields) -> Result<Option<String>, Denied> {
    use fields::*;
    let base = match service.strip_prefix("https-") {
        Some(rest) => format!("http-{rest}"),
        None => service.to_owned(),
    };
    let is_form = matches!(base.as_str(), "http-get-form" | "http-post-form");
    let is_page = matches!(base.as_str(), "http-get" | "http-head" | "http-post");
    if !is_form && !is_page {
        for (name, v) in [(PATH, &f.path), (FORM, &f.form), (FAILURE, &f.failure)] {
            if !v.is_empty() {
                return Err(Denied::validation(
                    name,
                    format!("{name} applies only to the http(s) services, not to {service}"),
                    format!("remove {name}"),
                ));
            }
        }
        return Ok(None);
    }
    let path = if f.path.is_empty() { "/" } else { &f.path };
    check_text(PATH, path, false)?;
    if !path.starts_with('/') {
        return Err(Denied::validation(
            PATH,
            "path must start with '/'",
            "e.g. /login.php",
        ));
    }
    if is_page {
        for (name, v) in [(FORM, &f.form), (FAILURE, &f.failure)] {
            if !v.is_empty() {
                return Err(Denied::validation(
                    name,
                    format!("{name} applies only to the *-form services, not to {service}"),
                    format!(
                        "remove {name}, or use {}-form",
                        base.trim_end_matches("-form")
                    ),
                ));
            }
        }
        return Ok(Some(escape(path)));
    }
    if f.form.is_empty() || f.failure.is_empty() {
        return Err(Denied::validation(
            if f.form.is_empty() { FORM } else { FAILURE },
            format!(
                "{service} needs form (the body, with ^USER^ and ^PASS^) and failure (text of a failed login)"
            ),
            "e.g. \"form\": \"user=^USER^&pass=^PASS^\", \"failure\": \"Login failed\"",
        ));
    }
    check_text(FORM, &f.form, true)?;
    check_text(FAILURE, &f.failure, true)?;
    let has_user = f.form.contains("^USER^") || f.form.contains("^USER64^");
    let has_pass = f.form.contains("^PASS^") || f.form.contains("^PASS64^");
    if !has_user || !has_pass {
        return Err(Denied::validation(
            FORM,
            "form must contain the placeholders ^USER^ and ^PASS^ (or ^USER64^/^PASS64^)",
            "e.g. user=^USER^&pass=^PASS^",
        ));
    }
    // hydra splits the condition at the first ':' and ignores `\:` there, so a
    // colon would start a new module option (C=URL fetches a page, H= sets a
    // header): refused outright.
    if f.failure.contains(':') {
        return Err(Denied::validation(
            FAILURE,
            "failure must not contain ':' (hydra would read the rest as another module option)",
            "use a part of the failure text without ':'",
        ));
    }
    if f.failure.starts_with("F=") || f.failure.starts_with("S=") {
        return Err(Denied::validation(
            FAILURE,
            "give the failure text only; the server adds hydra's F= itself",
            "e.g. Login failed",
        ));
    }
    Ok(Some(format!(
        "{}:{}:F={}",
        escape(path),
        escape(&f.form),
        escape(&f.failure)
    )))
}

/// Printable ASCII only (spaces only where `spaces`), no backslash (hydra
/// cannot escape one), at most 512 bytes.
fn check_text(name: &'static str, v: &str, spaces: bool) -> Result<(), Denied> {
    let ok = v.len() <= 512
        && v.bytes()
            .all(|b| (0x21..0x7f).contains(&b) && b != b'\\' || (spaces && b == b' '));
    if ok {
        return Ok(());
    }
    Err(Denied::validation(
        name,
        format!(
            "{name} must be printable ASCII{} without backslashes, at most 512 bytes",
            if spaces { "" } else { " without spaces" }
        ),
        "percent-encode other characters",
    ))
}

/// hydra's module option escaping: `:` separates fields, `\:` is a colon.
fn escape(s: &str) -> String {
    s.replace(':', "\\:")
}

/// Renders the argv of an authorized hydra plan.
pub(crate) fn render(
    policy: &Policy,
    plan: &HydraPlan,
    targets: &[AuthorizedTarget],
    res: &Resolutions,
) -> Result<Rendering, Denied> {
    let roots = &policy.hydra.credentials;
    let primary = targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let mut a: Vec<String> = ["-I", "-o", RESULT_FILE, "-b", "json", "-t"]
        .map(String::from)
        .to_vec();
    a.push(plan.tasks.to_string());
    if let Some(w) = plan.wait_secs {
        a.extend(["-w".into(), w.to_string()]);
    }
    if let Some(w) = plan.connect_wait_secs {
        a.extend(["-W".into(), w.to_string()]);
    }
    for (on, flag) in [
        (plan.stop_first, "-f"),
        (plan.loop_users, "-u"),
        (plan.ssl, "-S"),
        (plan.no_redo, "-K"),
        (plan.quiet, "-q"),
    ] {
        if on {
            a.push(flag.into());
        }
    }
    if !plan.extra_checks.is_empty() {
        a.extend(["-e".into(), plan.extra_checks.clone()]);
    }
    let mut write_files = Vec::new();
    let mut list = |flag: &str,
                    creds: &Credentials,
                    field: &'static str,
                    name: &str,
                    what: &str,
                    a: &mut Vec<String>|
     -> Result<(), Denied> {
        let path = match creds {
            Credentials::Inline(items) => {
                let mut contents = items.join("\n").into_bytes();
                contents.push(b'\n');
                write_files.push(WorkFile {
                    name: name.to_owned(),
                    contents,
                });
                name.to_owned()
            }
            Credentials::File(req) => files::check_resolved(field, roots, res, req, what)?
                .path
                .clone(),
        };
        a.extend([flag.to_owned(), path]);
        Ok(())
    };
    match &plan.logins {
        Logins::Combo(req) => {
            let path =
                files::check_resolved(fields::COMBO_LIST, roots, res, req, "login:password list")?;
            a.extend(["-C".into(), path.path.clone()]);
        }
        Logins::Lists { users, passwords } => {
            list(
                "-L",
                users,
                fields::USER_LIST,
                USERS_FILE,
                "user list",
                &mut a,
            )?;
            if let Some(p) = passwords {
                list(
                    "-P",
                    p,
                    fields::PASSWORD_LIST,
                    PASSWORDS_FILE,
                    "password list",
                    &mut a,
                )?;
            }
        }
    }
    if primary.rendered.contains(':') {
        a.push("-6".into());
    }
    if let Some(p) = plan.port {
        a.extend(["-s".into(), p.to_string()]);
    }
    a.push(primary.rendered.clone());
    a.push(plan.service.clone());
    if let Some(opt) = &plan.module_opt {
        a.push(opt.clone());
    }
    Ok(Rendering {
        argv: a,
        write_files,
        collect: vec![RESULT_FILE.into()],
    })
}
