//! hydra grammar, gating, credentials (never in argv), module options, rendering.

use std::time::Duration;

use super::*;
use crate::policy::ResolvedFile;
use crate::{CallInput, Denied, FileRoots, Policy, Resolutions};
use crate::{DenyCode, Plan, ToolFields, ToolId, authorize_with, plan};

fn policy() -> Policy {
    let mut p = Policy {
        allow_intrusive: true,
        scope: crate::Scope::parse(&["RFC1918", ".lab.internal", "fd99::/64"], &[]).unwrap(),
        ..Policy::default()
    };
    p.hydra.credentials = FileRoots {
        roots: vec!["/creds".into()],
        aliases: vec![("top".into(), "/srv/top.txt".into())],
        max_bytes: 1000,
    };
    p
}

fn basic() -> HydraFields {
    HydraFields {
        service: "http-get".into(),
        port: Some(18090),
        usernames: vec!["root".into(), "admin".into()],
        passwords: vec!["hunter2-secret".into(), "sunshine-secret".into()],
        path: "/protected".into(),
        ..HydraFields::default()
    }
}

fn try_plan(p: &Policy, target: &str, args: &str, f: &HydraFields) -> Result<Plan, Denied> {
    let fields = ToolFields::Hydra(f.clone());
    let input = CallInput {
        target,
        extra_args: args,
        timeout: Duration::from_secs(60),
        fields: &fields,
    };
    plan(ToolId::Hydra, p, &input)
}

fn resolve(pl: &Plan, path_of: impl Fn(&str) -> String) -> Resolutions {
    let mut r = Resolutions::default();
    for h in pl.hosts_to_resolve() {
        let ip = if h.as_str() == "evil.lab.internal" {
            "203.0.113.9"
        } else {
            "10.99.0.30"
        };
        r.add_host(h.clone(), vec![ip.parse().unwrap()]);
    }
    for f in pl.files_to_resolve() {
        r.add_file(ResolvedFile {
            requested: f.requested.clone(),
            path: path_of(&f.requested),
            size_bytes: 10,
        });
    }
    r
}

fn permit(target: &str, args: &str, f: &HydraFields) -> crate::Permit {
    let p = policy();
    let pl = try_plan(&p, target, args, f).unwrap_or_else(|d| panic!("{args}: {d}"));
    let res = resolve(&pl, |r| {
        if r == "top" {
            "/srv/top.txt".into()
        } else {
            format!("/creds/{r}")
        }
    });
    authorize_with(&p, pl, &res).unwrap_or_else(|d| panic!("{args}: {d}"))
}

#[test]
fn inline_credentials_go_to_private_files_never_argv() {
    let pm = permit("app.lab.internal", "-f -t 2", &basic());
    assert_eq!(
        pm.argv(),
        [
            "-I",
            "-o",
            "hydra.json",
            "-b",
            "json",
            "-t",
            "2",
            "-f",
            "-L",
            "users.txt",
            "-P",
            "passwords.txt",
            "-s",
            "18090",
            "10.99.0.30",
            "http-get",
            "/protected"
        ]
    );
    let files = pm.write_files();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].name, "users.txt");
    assert_eq!(files[0].contents, b"root\nadmin\n");
    assert_eq!(files[1].contents, b"hunter2-secret\nsunshine-secret\n");
    assert_eq!(pm.collect(), ["hydra.json"]);
    let shown = format!(
        "{pm:?} {:?} {:?}",
        basic(),
        try_plan(&policy(), "10.0.0.5", "", &basic()).unwrap()
    );
    assert!(
        !shown.contains("secret"),
        "a password leaked into Debug: {shown}"
    );
    assert!(!pm.argv().iter().any(|a| a.contains("secret")));
}

#[test]
fn list_files_from_roots_and_aliases() {
    let f = HydraFields {
        usernames: vec![],
        passwords: vec![],
        user_list: "users.txt".into(),
        password_list: "top".into(),
        ..basic()
    };
    let pm = permit("10.0.0.5", "", &f);
    let a = pm.argv().join(" ");
    assert!(a.contains("-L /creds/users.txt -P /srv/top.txt"), "{a}");
    assert!(pm.write_files().is_empty());
    let f = HydraFields {
        usernames: vec![],
        passwords: vec![],
        ..basic()
    };
    let pm = permit("10.0.0.5", "-L u.txt -P p/list.txt", &f);
    assert!(
        pm.argv()
            .join(" ")
            .contains("-L /creds/u.txt -P /creds/p/list.txt")
    );
    let pm = permit("10.0.0.5", "-C combo.txt", &f);
    assert!(pm.argv().join(" ").contains("-C /creds/combo.txt"));
}

#[test]
fn credential_files_outside_roots_in_every_spelling() {
    let empty = HydraFields {
        usernames: vec![],
        passwords: vec![],
        ..basic()
    };
    for (args, f) in [
        ("-L /etc/passwd -P p.txt", empty.clone()),
        ("-L u.txt -P ../../etc/shadow", empty.clone()),
        ("-C /etc/shadow", empty.clone()),
        (
            "",
            HydraFields {
                user_list: "/etc/passwd".into(),
                ..HydraFields {
                    usernames: vec![],
                    ..basic()
                }
            },
        ),
        (
            "",
            HydraFields {
                password_list: "a/../../x".into(),
                ..HydraFields {
                    passwords: vec![],
                    ..basic()
                }
            },
        ),
    ] {
        let d = try_plan(&policy(), "10.0.0.5", args, &f).unwrap_err();
        assert_eq!(d.code, DenyCode::ValidationError, "{args}");
        assert!(d.message.contains("not accepted"), "{args}: {}", d.message);
    }
    // Symlink in a root resolved outside: the re-check refuses it.
    let f = HydraFields {
        user_list: "u.txt".into(),
        ..HydraFields {
            usernames: vec![],
            ..basic()
        }
    };
    let p = policy();
    let pl = try_plan(&p, "10.0.0.5", "", &f).unwrap();
    let d = authorize_with(&p, pl.clone(), &resolve(&pl, |_| "/etc/passwd".into())).unwrap_err();
    assert_eq!(d.field, "user_list");
}

#[test]
fn rejected_flag_families() {
    for args in [
        "-M targets.txt",
        "-R",
        "-o /tmp/x",
        "-b json",
        "-l admin",
        "-p secret",
        "-x 1:3:a",
        "-m /x",
        "-V",
        "-v",
        "-d",
        "-6",
        "-4",
        "-T 4",
        "-U",
        "-h",
        "-O",
        "-t4",
        "-lsecret",
        "-Mfile",
        "-ofile",
        "--proxy x",
        "10.0.0.9",
        "ftp",
        "-t",
        "-e x",
        "-e nn",
        "-t 17",
        "-t 0",
        "-w 61",
        "-Z",
    ] {
        let d = try_plan(&policy(), "10.0.0.5", args, &basic()).unwrap_err();
        assert_eq!(
            (d.code, d.field),
            (DenyCode::ValidationError, "extra_args"),
            "{args}: {}",
            d.message
        );
        assert!(
            !d.message.contains("secret")
                || args.contains("secret") && !d.message.contains("secret"),
            "{args}: {}",
            d.message
        );
    }
    for d in [
        try_plan(&policy(), "10.0.0.5", "-p secret", &basic()).unwrap_err(),
        try_plan(&policy(), "10.0.0.5", "-psecret", &basic()).unwrap_err(),
    ] {
        assert!(!d.message.contains("secret"), "{}", d.message);
    }
}

#[test]
fn gating_services_and_scope() {
    let off = Policy {
        allow_intrusive: false,
        ..policy()
    };
    let d = try_plan(&off, "10.0.0.5", "", &basic()).unwrap_err();
    assert!(d.message.contains("allow_intrusive"));
    for s in ["sshkey", "http-proxy", "bogus", "", "SSH"] {
        let f = HydraFields {
            service: s.into(),
            path: String::new(),
            ..basic()
        };
        let d = try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err();
        assert_eq!(d.field, "service", "{s}");
    }
    let d = try_plan(&policy(), "10.0.0.0/24", "", &basic()).unwrap_err();
    assert_eq!(d.field, "target");
    let p = policy();
    for t in ["8.8.8.8", "evil.lab.internal"] {
        let pl = try_plan(&p, t, "", &basic()).unwrap();
        let d =
            authorize_with(&p, pl.clone(), &resolve(&pl, |r| format!("/creds/{r}"))).unwrap_err();
        assert_eq!(d.code, DenyCode::ScopeDenied, "{t}");
    }
    let pm = permit("fd99::30", "", &basic());
    assert!(
        pm.argv()
            .join(" ")
            .ends_with("-6 -s 18090 fd99::30 http-get /protected")
    );
}

#[test]
fn http_module_options_are_typed_and_escaped() {
    let f = HydraFields {
        service: "http-post-form".into(),
        path: "/login".into(),
        form: "user=^USER^&pass=^PASS^&x=a:b".into(),
        failure: "Login failed".into(),
        ..basic()
    };
    let pm = permit("10.0.0.5", "", &f);
    assert_eq!(
        pm.argv().last().unwrap(),
        "/login:user=^USER^&pass=^PASS^&x=a\\:b:F=Login failed"
    );
    let bad = |f: HydraFields| try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err().field;
    assert_eq!(
        bad(HydraFields {
            form: "user=x".into(),
            ..f.clone()
        }),
        "form"
    );
    assert_eq!(
        bad(HydraFields {
            failure: String::new(),
            ..f.clone()
        }),
        "failure"
    );
    assert_eq!(
        bad(HydraFields {
            failure: "F=x".into(),
            ..f.clone()
        }),
        "failure"
    );
    // hydra splits the condition at the first ':' whatever the escaping, so a
    // colon would smuggle in C=URL (a fetch of any page) or H= (a header).
    for smuggle in [
        "x:C=http://203.0.113.9/",
        "x:H=Host:anything",
        "Login: failed",
    ] {
        assert_eq!(
            bad(HydraFields {
                failure: smuggle.into(),
                ..f.clone()
            }),
            "failure",
            "{smuggle}"
        );
    }
    assert_eq!(
        bad(HydraFields {
            form: "a=^USER^\\&b=^PASS^".into(),
            ..f.clone()
        }),
        "form"
    );
    assert_eq!(
        bad(HydraFields {
            path: "login".into(),
            ..f.clone()
        }),
        "path"
    );
    assert_eq!(
        bad(HydraFields {
            service: "ssh".into(),
            ..f.clone()
        }),
        "path"
    );
    assert_eq!(
        bad(HydraFields {
            form: "u=^USER^&p=^PASS^".into(),
            ..basic()
        }),
        "form"
    );
    let ssh = HydraFields {
        service: "ssh".into(),
        path: String::new(),
        port: None,
        ..basic()
    };
    let pm = permit("10.0.0.5", "-e nsr -u", &ssh);
    assert!(
        pm.argv()
            .join(" ")
            .ends_with("-u -e nsr -L users.txt -P passwords.txt 10.0.0.5 ssh"),
        "{:?}",
        pm.argv()
    );
}

#[test]
fn inline_lists_are_bounded_and_never_echoed() {
    let f = HydraFields {
        passwords: vec!["ok".into(), "bad\nsecret".into()],
        ..basic()
    };
    let d = try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err();
    assert_eq!(d.field, "passwords");
    assert!(
        d.message.contains("passwords[1]") && !d.message.contains("secret"),
        "{}",
        d.message
    );
    let f = HydraFields {
        usernames: vec!["u".into(); 101],
        ..basic()
    };
    assert_eq!(
        try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err().field,
        "usernames"
    );
    let f = HydraFields {
        usernames: vec![],
        ..basic()
    };
    assert_eq!(
        try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err().field,
        "usernames"
    );
    let f = HydraFields {
        passwords: vec![],
        ..basic()
    };
    assert_eq!(
        try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err().field,
        "passwords"
    );
    assert!(try_plan(&policy(), "10.0.0.5", "-e ns", &f).is_ok());
    let f = HydraFields {
        password_list: "x".into(),
        ..basic()
    };
    assert_eq!(
        try_plan(&policy(), "10.0.0.5", "", &f).unwrap_err().field,
        "passwords"
    );
    let d = try_plan(&policy(), "10.0.0.5", "-s 22", &basic()).unwrap_err();
    assert_eq!(d.field, "port");
}

// ------------------------------------------------------------- built-in lists

/// Plans (no file may reach the server) and authorizes.
fn builtin_permit(p: &Policy, args: &str, f: &HydraFields) -> crate::Permit {
    let pl = try_plan(p, "10.0.0.5", args, f).unwrap_or_else(|d| panic!("{args}: {d}"));
    assert_eq!(
        pl.files_to_resolve(),
        [],
        "{args}: a built-in went to the server"
    );
    authorize_with(p, pl, &Resolutions::default()).unwrap_or_else(|d| panic!("{args}: {d}"))
}

fn no_inline() -> HydraFields {
    HydraFields {
        usernames: vec![],
        passwords: vec![],
        ..basic()
    }
}

#[test]
fn builtin_lists_are_work_files_never_file_requests() {
    let p = policy();
    let by_field = HydraFields {
        user_list: "usernames".into(),
        password_list: "passwords".into(),
        ..no_inline()
    };
    for (args, f) in [("", &by_field), ("-L usernames -P passwords", &no_inline())] {
        let pm = builtin_permit(&p, args, f);
        let a = pm.argv().join(" ");
        assert!(
            a.contains("-L builtin-usernames.txt -P builtin-passwords.txt"),
            "{a}"
        );
        let files = pm.write_files();
        assert_eq!(files.len(), 2);
        for (wf, name) in files.iter().zip(["usernames", "passwords"]) {
            let list = crate::lists::builtin(name).unwrap();
            assert_eq!(wf.name, list.file);
            assert_eq!(wf.contents, list.contents.as_bytes());
        }
    }
    // the same list for both is written once
    let pm = builtin_permit(&p, "-L passwords -P passwords", &no_inline());
    assert!(
        pm.argv()
            .join(" ")
            .contains("-L builtin-passwords.txt -P builtin-passwords.txt")
    );
    assert_eq!(pm.write_files().len(), 1);
    // inline user names next to a built-in password list
    let f = HydraFields {
        password_list: "passwords".into(),
        passwords: vec![],
        ..basic()
    };
    let pm = builtin_permit(&p, "", &f);
    assert!(
        pm.argv()
            .join(" ")
            .contains("-L users.txt -P builtin-passwords.txt")
    );
    let names: Vec<&str> = pm.write_files().iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["users.txt", "builtin-passwords.txt"]);
}

#[test]
fn builtin_lists_yield_to_aliases_and_are_never_combo_lists() {
    let mut p = policy();
    p.hydra
        .credentials
        .aliases
        .push(("passwords".into(), "/srv/passwords.txt".into()));
    let f = HydraFields {
        user_list: "usernames".into(),
        password_list: "passwords".into(),
        ..no_inline()
    };
    let pl = try_plan(&p, "10.0.0.5", "", &f).unwrap();
    let req: Vec<&str> = pl
        .files_to_resolve()
        .iter()
        .map(|r| r.requested.as_str())
        .collect();
    assert_eq!(req, ["passwords"], "only the alias is resolved");
    let res = resolve(&pl, |_| "/srv/passwords.txt".into());
    let pm = authorize_with(&p, pl, &res).unwrap();
    assert!(
        pm.argv()
            .join(" ")
            .contains("-L builtin-usernames.txt -P /srv/passwords.txt")
    );
    assert_eq!(pm.write_files().len(), 1);
    // -C needs login:password pairs, which no built-in holds: a file request
    let pl = try_plan(&policy(), "10.0.0.5", "-C passwords", &no_inline()).unwrap();
    assert_eq!(pl.files_to_resolve().len(), 1);
    assert_eq!(pl.files_to_resolve()[0].kind, crate::FileKind::ComboList);
    assert_eq!(pl.files_to_resolve()[0].requested, "passwords");
}

proptest::proptest! {
    #[test]
    fn grammar_never_panics(args in "[ -~]{0,80}", form in "[ -~]{0,40}") {
        let f = HydraFields { service: "http-post-form".into(), form, failure: "x".into(), ..basic() };
        let _ = try_plan(&policy(), "10.0.0.5", &args, &f);
    }
}
