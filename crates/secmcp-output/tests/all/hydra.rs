//! hydra: golden snapshots of REAL recorded runs (hydra 9.4 against
//! tests/lab/webapp.py, recorded inside `unshare -n` by
//! tests/golden/record-gobuster-hydra.sh): each case is its `-b json` result file
//! (`.json`), stdout (`.out`) and stderr (`.err`); and targeted assertions on them.

use secmcp_output::hydra;

use crate::util::{self, Cases};

fn load_golden(name: &str) -> Vec<u8> {
    util::load(&format!("golden/{name}"))
}

/// Every recorded hydra run.
#[test]
fn golden_reports() {
    let cases = Cases::default();
    insta::glob!("..", "golden/hydra-*.out", |path| {
        cases.hit();
        let json = util::sibling(path, "json");
        let stdout = std::fs::read(path).unwrap();
        let stderr = util::sibling(path, "err").unwrap_or_default();
        let report = hydra::parse(json.as_deref(), &stdout, &stderr, 100);
        insta::assert_json_snapshot!(report);
        insta::assert_snapshot!("summary", hydra::summary(&report));
    });
    cases.assert_at_least(5, "hydra");
}

/// The outputSchema an MCP client sees; changes to it must be deliberate.
#[test]
fn output_schema() {
    insta::assert_json_snapshot!(hydra::output_schema());
}

fn hydra_case(name: &str) -> hydra::HydraReport {
    hydra::parse(
        Some(&load_golden(&format!("hydra-9.4-{name}.json"))),
        &load_golden(&format!("hydra-9.4-{name}.out")),
        &load_golden(&format!("hydra-9.4-{name}.err")),
        100,
    )
}

#[test]
fn hydra_found() {
    for (case, service) in [
        ("get", "http-get"),
        ("form", "http-post-form"),
        ("get-f", "http-get"),
    ] {
        let r = hydra_case(case);
        assert_eq!(r.source, "json", "{case}");
        assert_eq!(
            r.credentials,
            [hydra::Credential {
                host: "10.99.0.30".into(),
                port: 18090,
                service: service.into(),
                login: "admin".into(),
                password: "sunshine".into(),
            }],
            "{case}"
        );
        assert_eq!(r.attempts, 20, "{case}");
        assert!(r.finished && r.targets_completed == 1, "{case}");
        assert!(r.errors.is_empty(), "{case}");
        // the stdout fallback agrees with the JSON file
        let from_stdout = hydra::parse(
            None,
            &load_golden(&format!("hydra-9.4-{case}.out")),
            b"",
            100,
        );
        assert_eq!(from_stdout.credentials, r.credentials, "{case}");
        assert_eq!(from_stdout.source, "stdout");
    }
}

#[test]
fn hydra_nothing_found_and_refused() {
    let r = hydra_case("none");
    assert!(r.credentials.is_empty() && r.finished && r.attempts == 1);
    let r = hydra_case("refused");
    assert!(r.credentials.is_empty());
    assert_eq!(r.targets_completed, 0);
    assert_eq!(
        r.errors,
        [
            "a child terminating, can not connect",
            "all children were disabled due too many connection errors"
        ]
    );
}
