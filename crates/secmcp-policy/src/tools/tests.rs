//! Registry invariants over every descriptor, and the option-docs round trip:
//! what `options()` documents is what `plan`/`authorize` accept, with the
//! gates it states, and what it lists as refused is refused.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::policy::{FileKind, ResolvedFile};
use crate::{DenyCode, Permit, Policy, authorize_with, plan};

/// The most characters one compact description may have (sqlmap, with over
/// a hundred accepted spellings, is the longest; the others stay under 1,600).
const MAX_COMPACT_CHARS: usize = 2600;
/// The most characters the six compact descriptions may have together:
/// about 2,300 tokens, leaving ~700 of the ~3,000-token budget for the
/// server's own sentences.
const MAX_COMPACT_TOTAL_CHARS: usize = 8300;

#[test]
fn every_tool_has_every_part() {
    for id in ToolId::ALL {
        let g = grammar(id);
        assert_eq!(g.id, id, "{id:?}: the descriptor names another tool");
        assert_eq!(id.grammar().id, id);
        assert!(
            !g.binary.is_empty() && !g.binary.contains('/'),
            "{id:?}: binary"
        );
        assert!(!g.version_probe.is_empty(), "{id:?}: no version probe");
        assert!(
            g.version_probe.iter().all(|a| !a.is_empty()),
            "{id:?}: empty probe argument"
        );
        assert!(
            !g.version_prefix.contains('\n'),
            "{id:?}: version prefix spans lines"
        );
        let o = g.options();
        assert_eq!(o.tool, id, "{id:?}: options of another tool");
        assert!(o.accepted().next().is_some(), "{id:?}: no accepted option");
        assert!(
            o.refused_spellings().next().is_some(),
            "{id:?}: nothing refused"
        );
        assert!(!o.notes.is_empty(), "{id:?}: no notes");
        for d in o.accepted() {
            assert!(
                !d.spellings.is_empty() && d.spellings.iter().all(|s| !s.is_empty()),
                "{id:?}: an option without a spelling"
            );
            if let Some(v) = &d.value {
                assert!(
                    !v.placeholder.is_empty() && !v.example.is_empty(),
                    "{id:?} {}: value without placeholder or example",
                    d.usage()
                );
            }
        }
        for f in &o.refused {
            assert!(!f.family.is_empty() && !f.spellings.is_empty(), "{id:?}");
        }
    }
}

#[test]
fn privilege_needs_agree_with_the_option_gates() {
    for id in ToolId::ALL {
        let g = grammar(id);
        let o = g.options();
        let raw = o.accepted().any(|d| d.gate.needs_raw_sockets());
        let intrusive = o.accepted().any(|d| d.gate.needs_intrusive());
        match g.raw_sockets {
            RawSockets::Never | RawSockets::Always => assert!(!raw, "{id:?}"),
            RawSockets::SomeOptions => assert!(raw, "{id:?}: no option needs raw sockets"),
        }
        match g.intrusive {
            Intrusive::Never | Intrusive::WholeTool => assert!(!intrusive, "{id:?}"),
            Intrusive::SomeOptions => {}
        }
        // The whole-tool needs are enforced whatever the options.
        let c = case(id);
        let mode = &c.modes[0];
        let all_on = c.policy(true, true);
        run(&c, mode, &all_on, &c.base_args(None)).expect("the sample call works");
        if g.raw_sockets == RawSockets::Always {
            let d = run(&c, mode, &c.policy(false, true), &c.base_args(None)).unwrap_err();
            assert_eq!(d.code, DenyCode::PrivilegeRequired, "{id:?}: {}", d.message);
        }
        if g.intrusive == Intrusive::WholeTool {
            let d = run(&c, mode, &c.policy(true, false), &c.base_args(None)).unwrap_err();
            assert!(
                d.message.contains("allow_intrusive"),
                "{id:?}: {}",
                d.message
            );
        }
    }
}

#[test]
fn version_probes_come_from_the_descriptor() {
    for id in ToolId::ALL {
        let p = crate::permit::version_probe(id);
        let want: Vec<String> = grammar(id)
            .version_probe
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(p.argv(), want.as_slice(), "{id:?}");
    }
}

#[test]
fn every_documented_option_is_accepted_with_its_gate() {
    for id in ToolId::ALL {
        let c = case(id);
        let o = options(id);
        for d in o.accepted() {
            for spelling in &d.spellings {
                for mode in c.modes_of(d) {
                    for args in forms(&c, d, spelling) {
                        check_documented(&c, mode, d, &args);
                    }
                }
            }
        }
    }
}

/// The ways a caller may write a documented option.
fn forms(c: &Case, d: &OptionDoc, spelling: &str) -> Vec<Vec<String>> {
    let mut out = vec![d.example_args(spelling)];
    if let Some(v) = &d.value {
        if v.join == Join::OptionalGlued {
            out.push(vec![spelling.to_owned()]);
        }
        if v.join == Join::Separate && c.long_equals && spelling.starts_with("--") {
            out.push(vec![format!("{spelling}={}", v.example)]);
        }
    }
    out
}

fn check_documented(c: &Case, mode: &Mode, d: &OptionDoc, args: &[String]) {
    let id = c.id;
    let all = c.base_args(Some(d)).into_iter().chain(args.iter().cloned());
    let all: Vec<String> = all.collect();
    let raw = d.gate.needs_raw_sockets() || grammar(id).raw_sockets == RawSockets::Always;
    let intrusive = d.gate.needs_intrusive() || grammar(id).intrusive == Intrusive::WholeTool;
    let mut p = c.policy(raw, intrusive);
    if let Some(s) = d.gate.setting() {
        set(&mut p, s, true);
    }
    if let Err(e) = run(c, mode, &p, &all) {
        panic!(
            "{id:?} {} {all:?}: documented but refused: {}",
            mode.name, e.message
        );
    }
    if d.gate.needs_raw_sockets() {
        let e = run(c, mode, &c.policy(false, intrusive), &all).unwrap_err();
        assert_eq!(
            e.code,
            DenyCode::PrivilegeRequired,
            "{id:?} {all:?}: {}",
            e.message
        );
    }
    if d.gate.needs_intrusive() {
        let e = run(c, mode, &c.policy(raw, false), &all).unwrap_err();
        assert!(
            e.message.contains("allow_intrusive"),
            "{id:?} {all:?}: {}",
            e.message
        );
    }
    if let Some(s) = d.gate.setting() {
        let mut off = p.clone();
        set(&mut off, s, false);
        let e = run(c, mode, &off, &all).unwrap_err();
        assert!(
            e.message.contains(s.name()) || e.hint.contains(s.name()),
            "{id:?} {all:?}: {}",
            e.message
        );
    }
}

#[test]
fn another_tools_fields_are_refused_where_each_grammar_reads_them() {
    // Each grammar looks at its fields at its own point: masscan and dig
    // first; gobuster, hydra and sqlmap after their whole-tool
    // allow_intrusive gate. nmap takes no fields and never looks.
    for id in ToolId::ALL {
        let c = case(id);
        let m = &c.modes[0];
        let foreign = match id {
            ToolId::Dig => ToolFields::Masscan(masscan::MasscanFields::default()),
            _ => ToolFields::Dig(dig::DigFields::default()),
        };
        let call = |intrusive: bool| {
            let input = crate::CallInput {
                target: m.target,
                extra_args: "",
                timeout: Duration::from_secs(120),
                fields: &foreign,
            };
            plan(id, &c.policy(true, intrusive), &input).map(|_| ())
        };
        let internal = |r: Result<(), crate::Denied>| {
            let d = r.expect_err(id.as_str());
            assert!(
                d.message.starts_with("internal error: ") && d.message.contains(id.as_str()),
                "{id:?}: {}",
                d.message
            );
        };
        match id {
            ToolId::Nmap => assert_eq!((call(true), call(false)), (Ok(()), Ok(()))),
            ToolId::Masscan | ToolId::Dig => {
                internal(call(true));
                internal(call(false));
            }
            ToolId::Gobuster | ToolId::Hydra | ToolId::Sqlmap => {
                internal(call(true));
                let d = call(false).expect_err(id.as_str());
                assert!(
                    d.message.ends_with("needs security.allow_intrusive"),
                    "{id:?}: {}",
                    d.message
                );
            }
        }
    }
}

fn set(p: &mut Policy, s: Setting, on: bool) {
    match s {
        Setting::SqlmapEnumeration => p.sqlmap.allow_enumeration = on,
    }
}

#[test]
fn every_refused_spelling_is_refused() {
    for id in ToolId::ALL {
        let c = case(id);
        let o = options(id);
        for r in o.refused_spellings() {
            for mode in c.modes.iter().filter(|m| !documented_in(&o, r, m)) {
                let p = c.policy(true, true);
                // `-o*` is tried as `-oZ`, which must be refused as `-o...`.
                let (token, named) = match r.strip_suffix('*') {
                    Some(prefix) => (format!("{prefix}Z"), prefix),
                    None => (r.to_owned(), r),
                };
                for tail in [vec![], vec!["x".to_owned()]] {
                    let args: Vec<String> = c
                        .base_args(None)
                        .into_iter()
                        .chain([token.clone()])
                        .chain(tail)
                        .collect();
                    let e = run(&c, mode, &p, &args).expect_err(r);
                    assert!(
                        e.message.starts_with(named) && e.message.contains(" is not accepted: "),
                        "{id:?} {} {args:?}: {}",
                        mode.name,
                        e.message
                    );
                }
            }
        }
    }
}

/// Whether `spelling` is documented as accepted in `mode`.
fn documented_in(o: &ToolOptions, spelling: &str, mode: &Mode) -> bool {
    o.accepted().any(|d| {
        d.spellings.iter().any(|s| s == spelling)
            && (d.modes.is_empty() || d.modes.contains(&mode.name))
    })
}

/// Every option-like token any tool knows, and every single-character option.
fn candidates() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for id in ToolId::ALL {
        let o = options(id);
        out.extend(o.accepted().flat_map(|d| d.spellings.iter().cloned()));
        out.extend(o.refused_spellings().map(String::from));
    }
    for c in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
        out.insert(format!("-{c}"));
    }
    out.retain(|s| s.starts_with(['-', '+', '@']));
    out
}

#[test]
fn every_accepted_spelling_is_documented() {
    let candidates = candidates();
    for id in ToolId::ALL {
        let c = case(id);
        let o = options(id);
        let mut values: BTreeSet<String> = o
            .accepted()
            .filter_map(|d| d.value.as_ref().map(|v| v.example.clone()))
            .collect();
        values.insert("1".into());
        let p = c.policy(true, true);
        let mut p_all = p.clone();
        set(&mut p_all, Setting::SqlmapEnumeration, true);
        for mode in &c.modes {
            for cand in &candidates {
                if documented_in(&o, cand, mode) {
                    continue;
                }
                let tails = std::iter::once(None).chain(values.iter().map(Some));
                for tail in tails {
                    let args: Vec<String> = c
                        .base_args(None)
                        .into_iter()
                        .chain([cand.clone()])
                        .chain(tail.cloned())
                        .collect();
                    match run(&c, mode, &p_all, &args) {
                        Ok(_) => panic!(
                            "{id:?} {} accepts {args:?}, which its options do not document",
                            mode.name
                        ),
                        Err(e) if e.message.starts_with(&format!("{cand} is not accepted")) => {
                            assert!(
                                o.refused_spellings().any(|r| same_refusal(id, r, cand)),
                                "{id:?} refuses {cand}, which its options do not list: {}",
                                e.message
                            );
                        }
                        Err(_) => {}
                    }
                }
            }
        }
    }
}

/// Whether a refused spelling covers `cand`: `-o*` covers every token that
/// starts with `-o`; masscan compares option names as masscan does (any
/// case, without `-`, `_`, `.`); the others exactly.
fn same_refusal(id: ToolId, refused: &str, cand: &str) -> bool {
    if let Some(prefix) = refused.strip_suffix('*') {
        return cand.starts_with(prefix);
    }
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    match id {
        ToolId::Masscan => norm(refused) == norm(cand),
        ToolId::Nmap | ToolId::Gobuster | ToolId::Hydra | ToolId::Sqlmap | ToolId::Dig => {
            refused == cand
        }
    }
}

#[test]
fn compact_text_carries_every_fact_and_stays_short() {
    let mut total = 0;
    for id in ToolId::ALL {
        let o = options(id);
        let text = o.render_compact();
        for g in &o.groups {
            assert!(text.contains(g.title), "{id:?}: group {}", g.title);
            for d in &g.options {
                assert!(text.contains(&d.usage()), "{id:?}: {}", d.usage());
                assert!(text.contains(&d.note), "{id:?}: {}", d.note);
            }
        }
        for f in &o.refused {
            assert!(text.contains(f.family), "{id:?}: {}", f.family);
        }
        for n in &o.notes {
            assert!(text.contains(n.as_str()), "{id:?}: {n}");
        }
        assert!(
            text.chars().count() <= MAX_COMPACT_CHARS,
            "{id:?}: {} characters:\n{text}",
            text.chars().count()
        );
        total += text.chars().count();
    }
    assert!(
        total <= MAX_COMPACT_TOTAL_CHARS,
        "{total} characters in all"
    );
}

/// How to call one tool in the round trip.
struct Case {
    id: ToolId,
    /// The modes to try; the first is the default.
    modes: Vec<Mode>,
    /// Whether `--long=VALUE` is accepted as well as `--long VALUE`.
    long_equals: bool,
}

/// One way of calling a tool: its mode (gobuster), target and fields.
struct Mode {
    name: &'static str,
    target: &'static str,
    fields: ToolFields,
}

fn mode(name: &'static str, target: &'static str, fields: ToolFields) -> Mode {
    Mode {
        name,
        target,
        fields,
    }
}

fn case(id: ToolId) -> Case {
    use gobuster::{GobusterFields, Mode as G};
    let (modes, long_equals) = match id {
        ToolId::Nmap => (vec![mode("", "10.0.0.5", ToolFields::None)], true),
        ToolId::Masscan => (vec![mode("", "10.0.0.5", ToolFields::None)], true),
        ToolId::Gobuster => {
            let f = |m| {
                ToolFields::Gobuster(GobusterFields {
                    mode: m,
                    wordlist: String::new(),
                })
            };
            let modes = vec![
                mode("dir", "http://10.0.0.5/", f(G::Dir)),
                mode("vhost", "http://web.lab.internal/", f(G::Vhost)),
                mode("dns", "corp.lab.internal", f(G::Dns)),
            ];
            (modes, true)
        }
        ToolId::Hydra => {
            let f = ToolFields::Hydra(hydra::HydraFields {
                service: "ssh".into(),
                usernames: vec!["root".into()],
                passwords: vec!["toor".into()],
                ..Default::default()
            });
            (vec![mode("", "10.0.0.5", f)], false)
        }
        ToolId::Sqlmap => (
            vec![mode(
                "",
                "http://web.lab.internal/item?id=1",
                ToolFields::None,
            )],
            true,
        ),
        ToolId::Dig => (vec![mode("", "web.lab.internal", ToolFields::None)], false),
    };
    Case {
        id,
        modes,
        long_equals,
    }
}

impl Case {
    fn policy(&self, raw: bool, intrusive: bool) -> Policy {
        let mut p = Policy {
            raw_sockets: raw,
            allow_intrusive: intrusive,
            ..Policy::default()
        };
        p.gobuster.dns_resolver = "10.0.0.53".into();
        p.dig.default_server = Some(IpAddr::from([10, 0, 0, 53]));
        p
    }

    /// The modes a documented option applies to.
    fn modes_of<'a>(&'a self, d: &'a OptionDoc) -> impl Iterator<Item = &'a Mode> {
        self.modes
            .iter()
            .filter(|m| d.modes.is_empty() || d.modes.contains(&m.name))
    }

    /// Arguments a call needs besides the option under test (`d`), e.g.
    /// masscan's ports, sqlmap's `--safe-url` for `--safe-freq`.
    fn base_args(&self, d: Option<&OptionDoc>) -> Vec<String> {
        let has = |s: &str| d.is_some_and(|d| d.spellings.iter().any(|x| x == s));
        let args: &[&str] = match self.id {
            ToolId::Masscan if !has("-p") => &["-p", "80"],
            ToolId::Sqlmap if has("--safe-freq") || has("--safe-post") => {
                &["--safe-url", "http://10.0.0.5/"]
            }
            _ => &[],
        };
        args.iter().map(|s| s.to_string()).collect()
    }

    /// The call's fields and target for an option under test: hydra lists
    /// replace the inline credentials; dig's `-x` needs an address target.
    fn call_for(&self, mode: &Mode, args: &[String]) -> (&'static str, ToolFields) {
        let has = |s: &str| args.iter().any(|a| a == s);
        let mut fields = mode.fields.clone();
        if let ToolFields::Hydra(f) = &mut fields {
            if has("-L") || has("-C") {
                f.usernames.clear();
            }
            if has("-P") || has("-C") {
                f.passwords.clear();
            }
        }
        let target = match self.id {
            ToolId::Dig if has("-x") => "10.0.0.5",
            _ => mode.target,
        };
        (target, fields)
    }
}

/// `plan` + what the server would resolve + `authorize_with`.
fn run(c: &Case, mode: &Mode, p: &Policy, args: &[String]) -> Result<Permit, crate::Denied> {
    let (target, fields) = c.call_for(mode, args);
    let extra = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let input = crate::CallInput {
        target,
        extra_args: &extra,
        timeout: Duration::from_secs(120),
        fields: &fields,
    };
    let planned = plan(c.id, p, &input)?;
    let mut res = crate::Resolutions::default();
    for h in planned.hosts_to_resolve() {
        res.add_host(h.clone(), vec![IpAddr::from([10, 0, 0, 7])]);
    }
    for f in planned.files_to_resolve() {
        let roots = match f.kind {
            FileKind::Wordlist => &p.gobuster.wordlists,
            FileKind::UserList | FileKind::PasswordList | FileKind::ComboList => {
                &p.hydra.credentials
            }
        };
        let path = match roots.alias(&f.requested) {
            Some(path) => path.to_owned(),
            None => format!("{}/{}", roots.roots[0], f.requested),
        };
        res.add_file(ResolvedFile {
            requested: f.requested.clone(),
            path,
            size_bytes: 10,
        });
    }
    authorize_with(p, planned, &res)
}
