//! The hydra grammar: target, typed fields and `extra_args` tokens ->
//! [`HydraPlan`]. hydra has only short options; here each must be its own
//! token with its value in the next one (`-t 4`): glued (`-t4`), bundled
//! (`-fV`) and `-x=...` forms are refused, as is every unknown token. The
//! spellings and value kinds are the table in `flags.rs`.
//!
//! Must not: render argv (`render.rs` does), read files, or echo a password.

use super::flags::{Kind, Opt, REFUSED, SPECS, Spec};
use super::types::{
    Credentials, HydraFields, HydraLimits, HydraPlan, Logins, MAX_INLINE_ENTRY_BYTES, fields,
};
use crate::address::{Target, parse_target};
use crate::call::{Call, Fields, FileKind, FileRequest, Parsed, PlannedTarget, Rules};
use crate::denied::{Denied, field, internal};
use crate::files::{self, FileRoots, ListSource};
use crate::grammar_util::{TOKEN_CHARS, shown, whole_number};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted hydra options";
/// The most digits a number may be written with.
const NUMBER_DIGITS: usize = 6;
/// How much of an unknown service name a message shows.
const SERVICE_CHARS: usize = 40;

const INTRUSIVE_HINT: &str =
    "ask the operator to set security.allow_intrusive: true; only then can hydra run";

/// Parses a hydra call into its plan, targets and file requests.
pub(crate) fn parse(
    rules: &Rules<'_>,
    limits: &HydraLimits,
    call: &Call<'_>,
    given: Fields<'_, HydraFields>,
) -> Result<Parsed<HydraPlan>, Denied> {
    if !rules.allow_intrusive {
        return Err(Denied::validation(
            field::TARGET,
            "hydra is intrusive (it tries logins against a live service) and needs security.allow_intrusive",
            INTRUSIVE_HINT,
        ));
    }
    let f = match given {
        Fields::Own(f) => f,
        Fields::Absent | Fields::Foreign => {
            return Err(internal("hydra called without its fields"));
        }
    };
    let target = parse_target(call.target)?;
    if matches!(target, Target::Cidr(_)) {
        return Err(Denied::validation(
            field::TARGET,
            "hydra attacks one host per call; a CIDR range is not accepted",
            "give one IP address or host name",
        ));
    }
    let service = check_service(limits, &f.service)?;
    let d = parse_tokens(call.tokens, limits)?;
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
        targets: vec![PlannedTarget::new(field::TARGET, call.target, target)],
        files,
    })
}

fn check_service(limits: &HydraLimits, s: &str) -> Result<String, Denied> {
    if limits.services.iter().any(|x| x == s) {
        return Ok(s.to_owned());
    }
    Err(Denied::validation(
        fields::SERVICE,
        if s.is_empty() {
            "service is required (a hydra module name such as ssh or http-get)".to_string()
        } else {
            format!(
                "service '{}' is not enabled on this server",
                shown(s, SERVICE_CHARS)
            )
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
    roots: &FileRoots,
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
    Ok(
        match files::choose(field, roots, name, kind, what, files)? {
            ListSource::File(name) => Credentials::File(name),
            ListSource::Builtin(list) => Credentials::Builtin(list),
        },
    )
}

fn logins(
    limits: &HydraLimits,
    f: &HydraFields,
    d: &Draft,
    files: &mut Vec<FileRequest>,
) -> Result<Logins, Denied> {
    use fields::*;
    let max = limits.max_inline_entries;
    let roots = &limits.credentials;
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
        // No built-in list holds login:password pairs: -C is always a file.
        let combo = files::choose(
            COMBO_LIST,
            roots,
            combo,
            FileKind::ComboList,
            "login:password list",
            files,
        )?;
        return Ok(Logins::Combo(combo.name().to_owned()));
    }
    let users = match one_source(
        USERNAMES,
        &f.usernames,
        USER_LIST,
        &f.user_list,
        d.user_list.as_ref(),
    )? {
        1 => inline_list(USERNAMES, &f.usernames, max, false)?,
        2 => file_cred(roots, USER_LIST, &f.user_list, FileKind::UserList, files)?,
        3 => file_cred(
            roots,
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
            roots,
            PASSWORD_LIST,
            &f.password_list,
            FileKind::PasswordList,
            files,
        )?),
        3 => Some(file_cred(
            roots,
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

/// Options seen so far.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) tasks: Option<u32>,
    pub(crate) wait_secs: Option<u32>,
    pub(crate) connect_wait_secs: Option<u32>,
    pub(crate) port: Option<u16>,
    pub(crate) stop_first: bool,
    pub(crate) loop_users: bool,
    pub(crate) extra_checks: String,
    pub(crate) ssl: bool,
    pub(crate) no_redo: bool,
    pub(crate) quiet: bool,
    pub(crate) user_list: Option<String>,
    pub(crate) password_list: Option<String>,
    pub(crate) combo: Option<String>,
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

fn once<T>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), Denied> {
    crate::grammar_util::once(slot, v, name).map_err(bad)
}

fn number(v: &str, name: &str, min: u32, max: u32) -> Result<u32, Denied> {
    whole_number(v, name, u64::from(min), u64::from(max), NUMBER_DIGITS)
        .map(|n| n as u32)
        .map_err(bad)
}

fn refused(name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| why.reason)
}

/// Parses the tokens.
fn parse_tokens(tokens: &[String], limits: &HydraLimits) -> Result<Draft, Denied> {
    let mut d = Draft::default();
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let tok = tok.as_str();
        if let Some(why) = refused(tok) {
            return Err(bad(format!("{tok} is not accepted: {why}")));
        }
        if let Some((spec, name)) = SPECS
            .iter()
            .find_map(|s| s.names.iter().find(|n| **n == tok).map(|n| (s, *n)))
        {
            let v = match spec.kind {
                Kind::Switch => "",
                _ => rest
                    .next()
                    .map(String::as_str)
                    .ok_or_else(|| bad(format!("{name} needs a value")))?,
            };
            d.apply(spec, name, v, limits)?;
            continue;
        }
        if tok.starts_with('-') && tok.len() > 2 && tok.is_char_boundary(2) {
            let short = &tok[..2];
            if let Some(why) = refused(short) {
                return Err(bad(format!("{short} is not accepted: {why}")));
            }
            return Err(bad(format!(
                "unknown option '{}': give each option separately and its value as the next argument (e.g. -t 4)",
                shown(tok, TOKEN_CHARS)
            )));
        }
        if tok.starts_with('-') {
            return Err(bad(format!("unknown option '{}'", shown(tok, TOKEN_CHARS))));
        }
        return Err(bad(format!(
            "unexpected argument '{}': the target goes in the target field and the service in the service field",
            shown(tok, TOKEN_CHARS)
        )));
    }
    Ok(d)
}

impl Draft {
    fn apply(
        &mut self,
        spec: &Spec,
        name: &str,
        v: &str,
        limits: &HydraLimits,
    ) -> Result<(), Denied> {
        let secs = |v: &str| match spec.kind {
            Kind::Secs(min) => number(v, name, min, limits.max_wait_secs),
            _ => Err(bad(format!("internal: {name} is not in seconds"))),
        };
        match spec.opt {
            Opt::Tasks => {
                let n = number(v, name, 1, limits.max_tasks)?;
                once(&mut self.tasks, n, name)
            }
            Opt::Wait => once(&mut self.wait_secs, secs(v)?, name),
            Opt::ConnectWait => once(&mut self.connect_wait_secs, secs(v)?, name),
            Opt::Port => {
                let n = number(v, name, 1, 65535)?;
                once(&mut self.port, n as u16, name)
            }
            Opt::ExtraChecks => {
                let ok = !v.is_empty()
                    && v.len() <= 3
                    && v.bytes().all(|b| matches!(b, b'n' | b's' | b'r'))
                    && {
                        let mut b: Vec<u8> = v.bytes().collect();
                        b.sort_unstable();
                        b.dedup();
                        b.len() == v.len()
                    };
                if !ok || !self.extra_checks.is_empty() {
                    return Err(bad(format!(
                        "-e takes the letters n (empty password), s (login as password), r (reversed login), once each, got '{}'",
                        shown(v, TOKEN_CHARS)
                    )));
                }
                self.extra_checks = v.to_owned();
                Ok(())
            }
            Opt::UserList => once(&mut self.user_list, v.to_owned(), name),
            Opt::PasswordList => once(&mut self.password_list, v.to_owned(), name),
            Opt::Combo => once(&mut self.combo, v.to_owned(), name),
            Opt::StopFirst => {
                self.stop_first = true;
                Ok(())
            }
            Opt::LoopUsers => {
                self.loop_users = true;
                Ok(())
            }
            Opt::Ssl => {
                self.ssl = true;
                Ok(())
            }
            Opt::NoRedo => {
                self.no_redo = true;
                Ok(())
            }
            Opt::Quiet => {
                self.quiet = true;
                Ok(())
            }
            Opt::IgnoreRestore => Ok(()), // the server always passes -I
        }
    }
}
