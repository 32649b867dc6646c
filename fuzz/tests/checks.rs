//! The fuzz checks on their own (stable Rust, no libFuzzer): the committed
//! corpora pass every invariant and reach the deep checks, and the argv
//! checker refuses the argvs it exists to refuse.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use secmcp_fuzz::argv;
use secmcp_policy::{Permit, ToolId};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

const TOOLS: [(ToolId, &str); 6] = [
    (ToolId::Nmap, "argv_nmap"),
    (ToolId::Masscan, "argv_masscan"),
    (ToolId::Gobuster, "argv_gobuster"),
    (ToolId::Hydra, "argv_hydra"),
    (ToolId::Sqlmap, "argv_sqlmap"),
    (ToolId::Dig, "argv_dig"),
];

#[test]
fn every_argv_corpus_passes_and_reaches_permits() {
    for (tool, target) in TOOLS {
        let inputs = corpus(target);
        let mut permits = 0;
        for data in &inputs {
            argv::check(tool, data);
            permits += usize::from(argv::permit(tool, data).is_some());
        }
        // A corpus that never gets a permit never exercises the argv walk.
        eprintln!("{target}: {permits} permits of {}", inputs.len());
        assert!(
            permits * 10 >= inputs.len(),
            "{target}: {permits} permits of {}",
            inputs.len()
        );
    }
}

#[test]
fn the_other_corpora_pass() {
    use secmcp_fuzz::output::{Parser, check};
    for d in corpus("target_scope") {
        secmcp_fuzz::policy::check(&d);
    }
    for d in corpus("tokenize") {
        secmcp_fuzz::tokens::check(&d);
    }
    for d in corpus("url") {
        secmcp_fuzz::urls::check(&d);
    }
    for d in corpus("list_names") {
        secmcp_fuzz::names::check(&d);
    }
    for d in corpus("config_load") {
        secmcp_fuzz::config::check(&d);
    }
    for (p, t) in [
        (Parser::Nmap, "output_nmap"),
        (Parser::Masscan, "output_masscan"),
        (Parser::Dig, "output_dig"),
        (Parser::Gobuster, "output_gobuster"),
        (Parser::Hydra, "output_hydra"),
        (Parser::Sqlmap, "output_sqlmap"),
    ] {
        for d in corpus(t) {
            check(p, &d);
        }
    }
}

/// A real nmap call to 127.0.0.1 (scope 1 allows loopback), then `argv`
/// swapped in: the checker must refuse it.
fn refuses(argv_: &[&str]) -> bool {
    let (case, plan, res, _) =
        argv::permit(ToolId::Nmap, b"S1\n127.0.0.1\n-sT -p 80\n").expect("a permit");
    let fake = Permit::unchecked_for_tests(
        argv_.iter().map(|s| (*s).to_owned()).collect(),
        Duration::from_secs(60),
    );
    catch_unwind(AssertUnwindSafe(|| {
        argv::check_permit(ToolId::Nmap, &case, &plan, &res, &fake)
    }))
    .is_err()
}

#[test]
fn the_argv_checker_refuses_what_it_must() {
    let good = [
        "-n",
        "-oX",
        "-",
        "--noninteractive",
        "--unprivileged",
        "-sT",
        "-p",
        "80",
        "-T3",
        "--",
        "127.0.0.1",
    ];
    assert!(!refuses(&good), "the real shape passes");
    // an option outside the grammar
    assert!(refuses(&["-n", "--iflist", "--", "127.0.0.1"]));
    assert!(refuses(&["-n", "-iL", "targets.txt", "--", "127.0.0.1"]));
    // a caller's file path
    assert!(refuses(&["-n", "-oN", "/tmp/x", "--", "127.0.0.1"]));
    // a second target, or another target
    assert!(refuses(&["-n", "--", "127.0.0.1", "10.0.0.9"]));
    assert!(refuses(&["-n", "--", "10.0.0.9"]));
    // an address smuggled into an option value
    assert!(refuses(&["-n", "-D", "10.0.0.9", "--", "127.0.0.1"]));
    assert!(refuses(&[
        "-n",
        "--min-rate",
        "10.0.0.9",
        "--",
        "127.0.0.1"
    ]));
}

/// The config corpus reaches both outcomes, and the secret check is armed:
/// some inputs write the password where the loader must hide it.
#[test]
fn the_config_corpus_loads_and_refuses_and_writes_secrets() {
    use secmcp_fuzz::config::Case;
    let (mut ok, mut err, mut secret) = (0, 0, 0);
    for d in corpus("config_load") {
        let Some(case) = Case::parse(&d) else {
            continue;
        };
        match case.load() {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
        secret += usize::from(case.secret_is_a_password());
    }
    eprintln!("config_load: {ok} accepted, {err} refused, {secret} with a password");
    assert!(ok >= 10 && err >= 10 && secret >= 3, "{ok} {err} {secret}");
}

#[test]
fn the_config_secret_check_knows_where_a_password_is() {
    use secmcp_fuzz::config::{Case, SECRET};
    let case = |url: &str| {
        Case::parse(format!("yaml\nSECMCP_DATABASE_URL={url}\n%%\n").as_bytes()).unwrap()
    };
    for yes in [
        "postgresql://u:$SECRET@db/x",
        " postgres://u:$SECRET@db",
        "u:$SECRET@db/x",
        "mysql://u:$SECRET@h",
        "postgresql://h/x?password=$SECRET",
        "postgresql://h/x?user=u&password=$SECRET&a=1",
    ] {
        assert!(case(yes).secret_is_a_password(), "{yes}");
    }
    for no in [
        "postgresql://u@$SECRET/x",
        "postgresql://$SECRET@db/x",
        "postgresql://db/$SECRET",
        "postgresql://u:p/$SECRET@db",
        "x y:$SECRET@h",
        "mysql://u:$SECRET@$SECRET/x",
    ] {
        assert!(!case(no).secret_is_a_password(), "{no}");
    }
    // Only in the database URL variables.
    let other = Case::parse(b"yaml\nSECMCP_LOG_LEVEL=$SECRET\n%%\n").unwrap();
    assert!(!other.env["SECMCP_LOG_LEVEL"].contains(SECRET));
}
