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
