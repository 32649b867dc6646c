//! A whole call per tool: `plan` -> the server's resolutions -> `authorize_with`.
//!
//! Invariants:
//! - neither step changes the policy, and both are deterministic;
//! - every host name a plan asks the server to resolve is in scope by name
//!   (no DNS for an out-of-scope name);
//! - a `Permit` is only given when every target and every address it is
//!   pinned to passes the documented scope rules (`policy::judge`);
//! - its argv holds only options of the tool's grammar (`options(tool)`,
//!   generated from the grammar's own tables) or the few the server adds
//!   itself (`server_options`), each with its value;
//! - every address in argv (bare, `@addr`, `addr:port`, in a URL, a CIDR) is
//!   one the permit pinned (or, for dig `-x`, a query name in scope): no
//!   second target, nothing out of scope;
//! - every absolute path in argv is a file the server resolved strictly
//!   under a root (or an alias's own file) within the size cap: never a path
//!   the caller chose; work files are plain names;
//! - the positional arguments are exactly the tool's (nmap: the target after
//!   `--`; dig: `@server`; hydra: target, service, module option; gobuster:
//!   the mode first; masscan and sqlmap: none).

use std::net::IpAddr;
use std::path::{Component, Path};

use secmcp_policy::{AuthorizedTarget, CallInput};
use secmcp_policy::{
    Cidr, FileRequest, Join, Permit, Plan, Resolutions, ResolvedFile, Target, ToolId, ToolPlan,
    authorize_with, options, parse_target, plan,
};

use crate::case::{Case, FileMode, LIST_ALIAS, LIST_MAX_BYTES, LIST_ROOT};
use crate::policy::{judge, name_allowed};

/// How an option's value is written in argv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// A switch.
    None,
    /// The next argument (or `--long=value`).
    Separate,
    /// Glued to the spelling (`-T4`), possibly optional.
    Glued,
    /// `spelling=value` only.
    Equals,
}

/// Options the server's renderers add themselves (not caller options, so
/// not in the grammar's docs), per tool, with how their value is written.
fn server_options(tool: ToolId, gobuster_mode: &str) -> Vec<(&'static str, Arity)> {
    use Arity::*;
    match tool {
        ToolId::Nmap => vec![
            ("-n", None),
            ("-oX", Separate),
            ("--noninteractive", None),
            ("--privileged", None),
            // With --privileged: raw IP, not Ethernet frames (egress rules).
            ("--send-ip", None),
            ("--unprivileged", None),
            ("-6", None),
            ("--host-timeout", Separate),
            ("-T", Glued),
        ],
        ToolId::Masscan => vec![
            ("--adapter", Separate),
            ("--adapter-ip", Separate),
            ("--adapter-mac", Separate),
            ("--router-ip", Separate),
            ("--router-mac", Separate),
            ("-oD", Separate),
            ("-p", Separate),
            ("--rate", Separate),
            ("--wait", Separate),
            ("--retries", Separate),
            ("--banners", None),
            ("--ping", None),
            ("--range", Separate),
        ],
        ToolId::Dig => vec![
            ("-r", None),
            ("+yaml", None),
            ("-p", Separate),
            ("-c", Separate),
            ("-t", Separate),
            ("-q", Separate),
            ("-x", Separate),
        ],
        ToolId::Sqlmap => vec![
            ("--batch", None),
            ("--ignore-stdin", None),
            ("--disable-coloring", None),
            ("--ignore-redirects", None),
            ("--output-dir", Equals),
            ("--answers", Equals),
            ("--url", Equals),
            ("--host", Equals),
            ("--data", Equals),
            ("--safe-url", Equals),
        ],
        ToolId::Hydra => vec![
            ("-I", None),
            ("-o", Separate),
            ("-b", Separate),
            ("-t", Separate),
            ("-w", Separate),
            ("-W", Separate),
            ("-e", Separate),
            ("-L", Separate),
            ("-P", Separate),
            ("-C", Separate),
            ("-6", None),
            ("-s", Separate),
            ("-f", None),
            ("-u", None),
            ("-S", None),
            ("-K", None),
            ("-q", None),
        ],
        ToolId::Gobuster => {
            let mut v = vec![
                ("-q", None),
                ("-z", None),
                ("--no-color", None),
                ("-u", Separate),
                ("--domain", Separate),
                ("-r", Separate),
                ("-w", Separate),
                ("-t", Separate),
                ("--delay", Separate),
                ("--timeout", Separate),
                ("--no-error", None),
            ];
            if gobuster_mode == "dns" {
                v.push(("-d", Separate));
            }
            v
        }
    }
}

/// Option values that are free text by design (a body, a header, a cookie,
/// a user agent, a match string, a payload affix, parameter and database
/// object names): the tool sends them to
/// the pinned target as data and never opens or connects to them, so no
/// address or path rule applies. Each is checked by its grammar instead
/// (printable, bounded).
fn free_text(tool: ToolId, option: &str) -> bool {
    matches!(
        (tool, option),
        (
            ToolId::Sqlmap,
            "--data"
                | "--host"
                | "--user-agent"
                | "-A"
                | "--header"
                | "-H"
                | "--cookie"
                | "--referer"
                | "--safe-post"
                | "--param-exclude"
                | "--prefix"
                | "--suffix"
                | "--string"
                | "--not-string"
                | "--regexp"
                | "--union-char"
                | "--test-filter"
                | "--test-skip"
                // parameter, database, table and column names (`NAMES`):
                // used inside requests and queries, never resolved or opened
                | "-p"
                | "--skip"
                | "--randomize"
                | "--csrf-token"
                | "--union-from"
                | "-D"
                | "-T"
                | "-C"
                | "-X"
                | "-U"
                | "--pivot-column"
                | "--base64"
                | "--binary-fields"
        ) | (ToolId::Gobuster, "-a" | "--useragent" | "--domain" | "-d")
    )
}

/// Runs the whole-call checks for `tool` on one input (see `case`).
pub fn check(tool: ToolId, data: &[u8]) {
    let Some(case) = Case::parse(tool, data) else {
        return;
    };
    let before = case.policy.clone();
    let input = CallInput {
        target: &case.target,
        extra_args: &case.extra_args,
        timeout: case.timeout,
        fields: &case.fields,
    };
    let planned = plan(tool, &case.policy, &input);
    assert_eq!(case.policy, before, "plan changed the policy");
    assert_eq!(
        plan(tool, &case.policy, &input),
        planned,
        "plan is not deterministic"
    );
    let p = match planned {
        Ok(p) => p,
        Err(d) => {
            assert!(
                !d.message.is_empty() && !d.hint.is_empty(),
                "empty refusal: {d:?}"
            );
            return;
        }
    };
    assert_eq!(p.tool(), tool);
    for h in p.hosts_to_resolve() {
        assert!(
            name_allowed(&case.policy.scope, h),
            "the plan asks to resolve {h}, which is not in scope by name"
        );
    }
    let res = resolutions(&case, &p);
    let permit = authorize_with(&case.policy, p.clone(), &res);
    assert_eq!(case.policy, before, "authorize changed the policy");
    let again = authorize_with(&case.policy, p.clone(), &res);
    assert_eq!(
        again.as_ref().map(|x| x.argv().to_vec()).ok(),
        permit.as_ref().map(|x| x.argv().to_vec()).ok(),
        "authorize is not deterministic"
    );
    if let Ok(permit) = permit {
        check_permit(tool, &case, &p, &res, &permit);
    }
}

/// The permit one input gets, if any (for the corpus tests: a corpus that
/// never reaches a permit never reaches the argv checks).
pub fn permit(tool: ToolId, data: &[u8]) -> Option<(Case, Plan, Resolutions, Permit)> {
    let case = Case::parse(tool, data)?;
    let input = CallInput {
        target: &case.target,
        extra_args: &case.extra_args,
        timeout: case.timeout,
        fields: &case.fields,
    };
    let p = plan(tool, &case.policy, &input).ok()?;
    let res = resolutions(&case, &p);
    let permit = authorize_with(&case.policy, p.clone(), &res).ok()?;
    Some((case, p, res, permit))
}

/// What the fuzzed server resolved: every host to the case's addresses,
/// every file by the case's file mode.
fn resolutions(case: &Case, p: &Plan) -> Resolutions {
    let mut res = Resolutions::default();
    for h in p.hosts_to_resolve() {
        res.add_host(h.clone(), case.resolved.clone());
    }
    for f in p.files_to_resolve() {
        res.add_file(resolve_file(case.file_mode, f));
    }
    res
}

fn resolve_file(mode: FileMode, f: &FileRequest) -> ResolvedFile {
    let honest = if f.requested == LIST_ALIAS.0 {
        LIST_ALIAS.1.to_owned()
    } else {
        format!("{LIST_ROOT}/{}", f.requested)
    };
    let (path, size_bytes) = match mode {
        FileMode::Honest => (honest, 100),
        FileMode::Outside => ("/etc/shadow".to_owned(), 100),
        FileMode::DotDot => (format!("{LIST_ROOT}/../../etc/shadow"), 100),
        FileMode::TooBig => (honest, LIST_MAX_BYTES + 1),
        FileMode::PrefixTwin => (format!("{LIST_ROOT}evil/{}", f.requested), 100),
    };
    ResolvedFile {
        requested: f.requested.clone(),
        path,
        size_bytes,
    }
}

/// Checks one permit against its case, plan and resolutions (see the module
/// docs); panics on the first broken invariant.
pub fn check_permit(tool: ToolId, case: &Case, p: &Plan, res: &Resolutions, permit: &Permit) {
    let scope = &case.policy.scope;
    assert_eq!(permit.tool(), tool);
    let all: Vec<&AuthorizedTarget> = std::iter::once(permit.target())
        .chain(permit.extra_targets())
        .collect();
    assert_eq!(
        all.len(),
        p.targets().len(),
        "a permit target per planned target"
    );
    for (at, planned) in all.iter().zip(p.targets()) {
        assert_eq!(at.requested, planned.requested());
        for &ip in &at.pinned {
            assert_eq!(ip, ip.to_canonical(), "pinned {ip} is not canonical");
            assert!(judge(scope, ip), "pinned {ip} is out of scope: {at:?}");
        }
        match planned.target() {
            Target::Ip(ip) => {
                assert_eq!(at.pinned, vec![ip.to_canonical()]);
                assert_eq!(at.rendered, ip.to_canonical().to_string());
            }
            Target::Host(_) => {
                let first = case
                    .resolved
                    .first()
                    .expect("a permit for an unresolved name");
                assert_eq!(at.pinned, vec![first.to_canonical()]);
                assert_eq!(at.rendered, first.to_canonical().to_string());
                assert!(case.resolved.iter().all(|&ip| judge(scope, ip)));
            }
            Target::Cidr(c) => {
                assert!(at.pinned.is_empty());
                let Ok(Target::Cidr(r)) = parse_target(&at.rendered) else {
                    panic!("rendered CIDR {:?} does not parse", at.rendered)
                };
                assert_eq!(r, c.to_canonical(), "rendered CIDR differs");
                assert_eq!(at.address_count, r.size_u64());
                if r.size() <= 4096 {
                    assert!(r.iter().all(|ip| judge(scope, ip)), "CIDR {r} out of scope");
                }
            }
        }
    }
    for f in permit.write_files() {
        assert!(plain_name(&f.name), "work file name {:?}", f.name);
    }
    for c in permit.collect() {
        assert!(
            Path::new(c)
                .components()
                .all(|x| matches!(x, Component::Normal(_))),
            "collect path {c:?}"
        );
    }
    Walk {
        tool,
        case,
        permit,
        res,
        plan: p,
    }
    .run();
}

fn plain_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains('/') && !s.contains('\0')
}

struct Walk<'a> {
    tool: ToolId,
    case: &'a Case,
    permit: &'a Permit,
    res: &'a Resolutions,
    plan: &'a Plan,
}

impl Walk<'_> {
    fn run(&self) {
        let argv = self.permit.argv();
        let fail = |why: String| -> ! { panic!("{:?} argv {argv:?}: {why}", self.tool) };
        for a in argv {
            if a.chars().any(char::is_control) {
                fail(format!("{a:?} holds a control character"));
            }
        }
        let mode = if self.tool == ToolId::Gobuster {
            argv.first().map(String::as_str).unwrap_or("")
        } else {
            ""
        };
        let table = option_table(self.tool, mode);
        let mut positionals: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < argv.len() {
            let tok = argv[i].as_str();
            i += 1;
            if self.tool == ToolId::Nmap && tok == "--" {
                positionals.extend(argv[i..].iter().map(String::as_str));
                break;
            }
            if self.tool == ToolId::Gobuster && i == 1 {
                positionals.push(tok);
                continue;
            }
            let is_option = (tok.starts_with('-') && tok.len() > 1)
                || (self.tool == ToolId::Dig && tok.starts_with('+'));
            if !is_option {
                positionals.push(tok);
                continue;
            }
            let Some((name, value)) = match_option(&table, tok, argv.get(i)) else {
                fail(format!("{tok:?} is not an option of the grammar"));
            };
            if let OptValue::Next(v) = value {
                i += 1;
                self.value(&name, v);
            } else if let OptValue::Inline(v) = value {
                self.value(&name, v);
            }
        }
        self.positionals(&positionals);
    }

    fn positionals(&self, pos: &[&str]) {
        let argv = self.permit.argv();
        let primary = &self.permit.target().rendered;
        let fail = |why: &str| -> ! { panic!("{:?} argv {argv:?}: {why}", self.tool) };
        match self.tool {
            ToolId::Nmap => {
                if pos != [primary.as_str()] {
                    fail("nmap's only positional must be the target after --");
                }
            }
            ToolId::Masscan | ToolId::Sqlmap => {
                if !pos.is_empty() {
                    fail("no positional argument expected");
                }
            }
            ToolId::Dig => {
                if pos != [format!("@{primary}").as_str()] {
                    fail("dig's only positional must be @server");
                }
            }
            ToolId::Hydra => {
                let ToolPlan::Hydra(h) = self.plan.tool_plan() else {
                    fail("not a hydra plan")
                };
                let ok = pos.len() >= 2
                    && pos.len() <= 3
                    && pos[0] == primary.as_str()
                    && pos[1] == h.service()
                    && self
                        .case
                        .policy
                        .hydra
                        .services
                        .iter()
                        .any(|s| s == h.service());
                if !ok {
                    fail("hydra's positionals must be target, service[, module option]");
                }
            }
            ToolId::Gobuster => {
                if pos.len() != 1 || !matches!(pos[0], "dir" | "dns" | "vhost") {
                    fail("gobuster's only positional must be its mode, first");
                }
            }
        }
    }

    /// The rules for one option value.
    fn value(&self, option: &str, v: &str) {
        if free_text(self.tool, option) {
            return;
        }
        let fail = |why: String| -> ! {
            panic!(
                "{:?} argv {:?}: {option} {v:?}: {why}",
                self.tool,
                self.permit.argv()
            )
        };
        if let Some(ip) = address_in(v) {
            let query = self.tool == ToolId::Dig && option == "-x";
            if !judge(&self.case.policy.scope, ip) {
                fail(format!("{ip} is out of scope"));
            }
            if !query && !self.pinned(ip) {
                fail(format!("{ip} is not an address the permit pinned"));
            }
        }
        if let Some(cidr) = cidr_in(v) {
            let ok = std::iter::once(self.permit.target())
                .chain(self.permit.extra_targets())
                .any(|t| t.rendered == cidr.to_string());
            if !ok {
                fail(format!("{cidr} is not the permit's target"));
            }
        }
        if v.starts_with('/') && !self.file_ok(v) {
            fail("an absolute path the server did not resolve under a root".into());
        }
    }

    fn pinned(&self, ip: IpAddr) -> bool {
        std::iter::once(self.permit.target())
            .chain(self.permit.extra_targets())
            .any(|t| t.pinned.contains(&ip))
    }

    /// A path in argv: resolved by the server, under the root (or the
    /// alias's file), canonical, within the cap.
    fn file_ok(&self, path: &str) -> bool {
        let resolved = self
            .plan
            .files_to_resolve()
            .iter()
            .filter_map(|f| self.res.file(&f.requested))
            .find(|r| r.path == path);
        let Some(r) = resolved else {
            return false;
        };
        let canonical = Path::new(path)
            .components()
            .skip(1)
            .all(|c| matches!(c, Component::Normal(_)));
        let placed = path == LIST_ALIAS.1
            || Path::new(path)
                .strip_prefix(LIST_ROOT)
                .is_ok_and(|rel| rel.components().count() > 0);
        canonical && placed && r.size_bytes <= LIST_MAX_BYTES
    }
}

/// Option spellings with how their value is written.
type Table = std::rc::Rc<Vec<(String, Arity)>>;

/// The options argv may hold for `tool` in gobuster `mode`: the server's
/// own and the grammar's documented ones (built once per tool and mode).
fn option_table(tool: ToolId, mode: &str) -> Table {
    thread_local! {
        static CACHE: std::cell::RefCell<Vec<((ToolId, String), Table)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    CACHE.with(|c| {
        if let Some((_, t)) = c.borrow().iter().find(|(k, _)| k.0 == tool && k.1 == mode) {
            return t.clone();
        }
        let mut table: Vec<(String, Arity)> = server_options(tool, mode)
            .into_iter()
            .map(|(s, a)| (s.to_owned(), a))
            .collect();
        for doc in options(tool).accepted() {
            if !doc.modes.is_empty() && !doc.modes.contains(&mode) {
                continue;
            }
            let arity = match doc.value.as_ref().map(|v| v.join) {
                None => Arity::None,
                Some(Join::Separate) => Arity::Separate,
                Some(Join::Glued | Join::OptionalGlued) => Arity::Glued,
                Some(Join::Equals) => Arity::Equals,
                // dig's words (`MX`, `@server`) are rendered by the server
                // through -t/-c/-q/@: a bare word is a positional below.
                Some(Join::Word) => continue,
            };
            for s in &doc.spellings {
                table.push((s.clone(), arity));
            }
        }
        let table = std::rc::Rc::new(table);
        c.borrow_mut()
            .push(((tool, mode.to_owned()), table.clone()));
        table
    })
}

enum OptValue<'a> {
    Absent,
    Next(&'a str),
    Inline(&'a str),
}

/// Which option `tok` is (the longest matching spelling) and its value.
fn match_option<'a>(
    table: &[(String, Arity)],
    tok: &'a str,
    next: Option<&'a String>,
) -> Option<(String, OptValue<'a>)> {
    let mut best: Option<(String, OptValue<'a>)> = None;
    for (s, arity) in table {
        let found = if tok == s {
            match arity {
                Arity::None | Arity::Glued => Some(OptValue::Absent),
                Arity::Separate => next.map(|n| OptValue::Next(n.as_str())),
                Arity::Equals => None,
            }
        } else if let Some(rest) = tok.strip_prefix(s.as_str()) {
            match arity {
                Arity::Glued => Some(OptValue::Inline(rest)),
                Arity::Separate | Arity::Equals
                    if s.starts_with("--") || *arity == Arity::Equals =>
                {
                    rest.strip_prefix('=').map(OptValue::Inline)
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(v) = found
            && best.as_ref().is_none_or(|(b, _)| b.len() < s.len())
        {
            best = Some((s.clone(), v));
        }
    }
    best
}

/// The address a value names: bare, `@addr`, `addr:port`, `[v6]:port`, or
/// the host of an `http(s)://` URL.
fn address_in(v: &str) -> Option<IpAddr> {
    let v = v.strip_prefix('@').unwrap_or(v);
    let host = match v.split_once("://") {
        Some((_, rest)) => rest.split(['/', '?']).next().unwrap_or(""),
        None => v,
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(inner) = host.strip_prefix('[') {
        return inner.split(']').next()?.parse().ok();
    }
    let (h, port) = host.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    h.parse().ok()
}

/// The network a value names, when it is `addr/prefix`.
fn cidr_in(v: &str) -> Option<Cidr> {
    let (a, p) = v.split_once('/')?;
    Cidr::new(a.parse().ok()?, p.parse().ok()?)
}
