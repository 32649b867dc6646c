//! gobuster: the argument grammar, the typed [`GobusterPlan`], and argv rendering.
//!
//! Modes `dir`, `vhost` (target: one `http(s)://` URL whose host is scope-checked
//! and pinned) and `dns` (target: a domain inside the scope's name suffixes; the
//! DNS server it asks, `-r` or the configured resolver, is scope-checked and
//! pinned). The wordlist is an alias or a path under the configured roots and
//! is re-checked after the server resolved it. Threads are capped and a minimum
//! delay is always rendered. The whole tool needs `security.allow_intrusive`.
//! Pure: no process is started here, no file is read.

mod grammar;
mod url;

#[cfg(test)]
mod tests;

use crate::denied::{Denied, field};
use crate::files::{self, FileRoots};
use crate::permit::AuthorizedTarget;
use crate::policy::{
    CallInput, FileKind, FileRequest, Parsed, PlannedTarget, Policy, Rendering, Resolutions,
    internal,
};
use crate::address::Hostname;

pub use url::HttpUrl;

/// The input field naming the mode.
pub const FIELD_MODE: &str = "mode";
/// The input field naming the wordlist.
pub const FIELD_WORDLIST: &str = "wordlist";

/// gobuster's limits (`tools.gobuster` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GobusterLimits {
    /// Where wordlists may come from, their aliases and size cap.
    pub wordlists: FileRoots,
    /// The wordlist used when a call names none (an alias or relative path).
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
            wordlists: FileRoots {
                roots: vec!["/usr/share/wordlists".into()],
                aliases: vec![
                    (
                        "common".into(),
                        "/usr/share/wordlists/dirb/common.txt".into(),
                    ),
                    (
                        "subdomains".into(),
                        "/usr/share/wordlists/subdomains-top1million-5000.txt".into(),
                    ),
                ],
                max_bytes: 16 * 1024 * 1024,
            },
            default_wordlist: "common".into(),
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
    /// An alias or root-relative wordlist path; empty = `-w` or the default.
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
    pub(crate) wordlist: String,
    pub(crate) threads: u32,
    pub(crate) delay_ms: u64,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) no_error: bool,
    pub(crate) http: HttpOptions,
    pub(crate) dns: DnsOptions,
}

impl GobusterPlan {
    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The wordlist as requested (alias or relative path).
    pub fn wordlist(&self) -> &str {
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

/// Checks a configured resolver (`tools.gobuster.dns_resolver`): `IP`,
/// `IP:PORT`, `[IPv6]:PORT`, `NAME` or `NAME:PORT`.
pub fn check_resolver(s: &str) -> Result<(), String> {
    grammar::parse_resolver(s).map(|_| ())
}

const INTRUSIVE_HINT: &str =
    "ask the operator to set security.allow_intrusive: true; only then can gobuster run";

/// Parses a gobuster call into its plan, targets and file requests.
pub(crate) fn parse(
    policy: &Policy,
    input: &CallInput<'_>,
    tokens: &[String],
) -> Result<Parsed<GobusterPlan>, Denied> {
    if !policy.allow_intrusive {
        return Err(Denied::validation(
            field::TARGET,
            "gobuster is intrusive (it sends one request per wordlist entry) and needs security.allow_intrusive",
            INTRUSIVE_HINT,
        ));
    }
    let fields = match input.fields {
        crate::ToolFields::Gobuster(f) => f.clone(),
        crate::ToolFields::None => GobusterFields::default(),
        _ => return Err(internal("gobuster called with another tool's fields")),
    };
    let limits = &policy.gobuster;
    let draft = grammar::parse_tokens(fields.mode, tokens, limits)?;

    let wordlist = match (fields.wordlist.as_str(), &draft.wordlist) {
        ("", Some(w)) => w.clone(),
        ("", None) => limits.default_wordlist.clone(),
        (f, None) => f.to_owned(),
        (_, Some(_)) => {
            return Err(Denied::validation(
                FIELD_WORDLIST,
                "the wordlist is given twice (the wordlist field and -w in extra_args)",
                "give it once, preferably in the wordlist field",
            ));
        }
    };
    files::check_request(FIELD_WORDLIST, &wordlist, "wordlist")?;

    let (target, targets) = match fields.mode {
        Mode::Dir | Mode::Vhost => {
            let url = url::parse(input.target)?;
            let host = PlannedTarget::new(field::TARGET, input.target, url.host.clone());
            (GobusterTarget::Url(url), vec![host])
        }
        Mode::Dns => {
            let domain = parse_domain(policy, input.target)?;
            let ((resolver, port), from) = match (&draft.resolver, limits.dns_resolver.as_str()) {
                (Some(r), _) => (r.clone(), field::EXTRA_ARGS),
                (None, "") => {
                    return Err(Denied::validation(
                        field::EXTRA_ARGS,
                        "dns mode needs the DNS server to ask: give -r ADDRESS[:PORT] (it must be in scope)",
                        "add e.g. -r 10.0.0.53 to extra_args; the host's own resolver is never used",
                    ));
                }
                (None, configured) => (
                    grammar::parse_resolver(configured)
                        .map_err(|e| internal(&format!("tools.gobuster.dns_resolver: {e}")))?,
                    "tools.gobuster.dns_resolver",
                ),
            };
            let planned = PlannedTarget::new(from, resolver.to_string(), resolver);
            let mut dns = draft.dns.clone();
            dns.resolver_port = port;
            let target = GobusterTarget::Domain(domain);
            return finish(
                fields.mode,
                target,
                vec![planned],
                wordlist,
                draft,
                dns,
                limits,
            );
        }
    };
    let dns = draft.dns.clone();
    finish(fields.mode, target, targets, wordlist, draft, dns, limits)
}

fn finish(
    mode: Mode,
    target: GobusterTarget,
    targets: Vec<PlannedTarget>,
    wordlist: String,
    draft: grammar::Draft,
    dns: DnsOptions,
    limits: &GobusterLimits,
) -> Result<Parsed<GobusterPlan>, Denied> {
    let files = vec![FileRequest {
        field: FIELD_WORDLIST,
        requested: wordlist.clone(),
        kind: FileKind::Wordlist,
    }];
    let plan = GobusterPlan {
        mode,
        target,
        wordlist,
        threads: draft.threads.unwrap_or(limits.default_threads),
        delay_ms: draft
            .delay_ms
            .unwrap_or(limits.min_delay_ms)
            .max(limits.min_delay_ms),
        timeout_ms: draft.timeout_ms,
        no_error: draft.no_error,
        http: draft.http,
        dns,
    };
    Ok(Parsed {
        plan,
        targets,
        files,
    })
}

fn parse_domain(policy: &Policy, target: &str) -> Result<Hostname, Denied> {
    let shown: String = target
        .chars()
        .take(80)
        .flat_map(char::escape_default)
        .collect();
    let domain = Hostname::parse(target).map_err(|why| {
        Denied::validation(
            field::TARGET,
            format!("dns mode needs a domain as target; '{shown}' is not one: {why}"),
            "give a domain such as corp.lab.internal (no URL, no address)",
        )
    })?;
    policy.scope.check_name(&domain).map_err(|e| {
        Denied::scope(
            field::TARGET,
            e.message,
            "choose a domain under a suffix in security.allowed_targets",
        )
    })?;
    Ok(domain)
}

/// Renders the argv of an authorized gobuster plan.
pub(crate) fn render(
    policy: &Policy,
    plan: &GobusterPlan,
    targets: &[AuthorizedTarget],
    res: &Resolutions,
) -> Result<Rendering, Denied> {
    let wordlist = files::check_resolved(
        FIELD_WORDLIST,
        &policy.gobuster.wordlists,
        res,
        &plan.wordlist,
        "wordlist",
    )?;
    let primary = targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let mut a: Vec<String> = vec![plan.mode.as_str().into()];
    let mut push = |s: &str| a.push(s.to_owned());
    for s in ["-q", "-z", "--no-color"] {
        push(s);
    }
    match &plan.target {
        GobusterTarget::Url(u) => {
            push("-u");
            push(&u.render(&primary.rendered));
            if plan.mode == Mode::Vhost
                && let Some(name) = &primary.hostname
            {
                push("--domain");
                push(name);
            }
        }
        GobusterTarget::Domain(d) => {
            push("-d");
            push(d.as_str());
            push("-r");
            push(&host_port(&primary.rendered, plan.dns.resolver_port));
        }
    }
    push("-w");
    push(&wordlist.path);
    push("-t");
    push(&plan.threads.to_string());
    push("--delay");
    push(&format!("{}ms", plan.delay_ms));
    if let Some(t) = plan.timeout_ms {
        push("--timeout");
        push(&format!("{t}ms"));
    }
    if plan.no_error {
        push("--no-error");
    }
    match plan.mode {
        Mode::Dir | Mode::Vhost => render_http(&mut a, plan.mode, &plan.http),
        Mode::Dns => {
            let d = &plan.dns;
            for (on, flag) in [
                (d.show_ips, "-i"),
                (d.show_cname, "-c"),
                (d.wildcard, "--wildcard"),
            ] {
                if on {
                    a.push(flag.into());
                }
            }
        }
    }
    Ok(Rendering::argv(a))
}

fn render_http(a: &mut Vec<String>, mode: Mode, h: &HttpOptions) {
    let mut push = |s: &str| a.push(s.to_owned());
    if mode == Mode::Dir {
        if !h.extensions.is_empty() {
            push("-x");
            push(&h.extensions.join(","));
        }
        if let Some(s) = &h.status_codes {
            push("-s");
            push(s);
            // gobuster 3.5 refuses -s next to its default blacklist (404).
            push("-b");
            push(h.status_blacklist.as_deref().unwrap_or(""));
        } else if let Some(b) = &h.status_blacklist {
            push("-b");
            push(b);
        }
        for (on, flag) in [
            (h.add_slash, "-f"),
            (h.expanded, "-e"),
            (h.no_status, "-n"),
            (h.hide_length, "--hide-length"),
            (h.discover_backup, "-d"),
        ] {
            if on {
                push(flag);
            }
        }
    }
    if mode == Mode::Vhost && h.append_domain {
        push("--append-domain");
    }
    for (on, flag) in [
        (h.no_tls_validation, "-k"),
        (h.retry, "--retry"),
        (h.random_agent, "--random-agent"),
    ] {
        if on {
            push(flag);
        }
    }
    if let Some(n) = h.retry_attempts {
        push("--retry-attempts");
        push(&n.to_string());
    }
    if let Some(m) = h.method {
        push("-m");
        push(m);
    }
    if let Some(ua) = &h.useragent {
        push("-a");
        push(ua);
    }
    if !h.exclude_length.is_empty() {
        let list: Vec<String> = h.exclude_length.iter().map(u64::to_string).collect();
        push("--exclude-length");
        push(&list.join(","));
    }
}

/// `ip:port`, with brackets for IPv6.
fn host_port(ip: &str, port: u16) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}
