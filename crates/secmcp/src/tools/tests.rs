//! Registry invariants, schemas, descriptions and the shared render path.

use std::time::Duration;

use serde_json::Value;

use secmcp_output::Detail;
use secmcp_policy::{AuthorizedTarget, Policy};
use secmcp_runner::RunOutcome;

use super::schema::unwrap_lines;
use super::*;
use crate::error::ErrorCode;

#[test]
fn registry_invariants() {
    let mut names = std::collections::HashSet::new();
    for tool in REGISTRY {
        assert!(names.insert(tool.name()), "duplicate tool {}", tool.name());
        let input = tool.input_schema();
        assert_eq!(input.get("type"), Some(&Value::from("object")));
        let required = input["required"].as_array().unwrap();
        assert!(required.contains(&Value::from("target")));
        let output = tool.output_schema();
        assert_eq!(
            output.get("type"),
            Some(&Value::from("object")),
            "{}",
            tool.name()
        );
        assert!(
            description(*tool, &Policy::default()).len() > 200,
            "describe {} for the model",
            tool.name()
        );
        let hints = tool.hints();
        assert!(hints.open_world, "network tools reach the network");
        assert!(!(hints.read_only && hints.destructive));
        // Strict clients reject nullable unions; our schemas avoid them.
        let text = serde_json::to_string(&input).unwrap();
        assert!(
            !text.contains("\"null\""),
            "{}: nullable input field",
            tool.name()
        );
    }
}

#[test]
fn schema_descriptions_read_as_sentences() {
    assert_eq!(unwrap_lines("a\nb\n\nc\n d"), "a b\n\nc d");
    let text = serde_json::to_string(&schema_object::<CommonInput>()).unwrap();
    assert!(!text.contains("`,\\n`-`"), "{text}");
}

#[test]
fn every_tool_reports_stops_alike() {
    let target = AuthorizedTarget {
        requested: "10.0.0.1".into(),
        hostname: None,
        pinned: vec![],
        rendered: "10.0.0.1".into(),
        address_count: 1,
    };
    let ctx = RenderContext {
        correlation_id: "c",
        target: &target,
        extra_targets: &[],
        argv: vec![],
        timeout: Duration::from_secs(7),
        detail: Detail::default(),
    };
    let ended = |timed_out, cancelled, signal| RunOutcome {
        exit_code: None,
        signal,
        stdout: Default::default(),
        stderr: Default::default(),
        timed_out,
        cancelled,
        lingered: false,
        duration: Duration::ZERO,
        pid: 1,
        files: vec![],
    };
    let found = serde_json::json!({"hosts": ["10.0.0.1", "10.0.0.2"]});
    let check = |o: &RunOutcome| check_stopped("x", &ctx, o, || "2 found".into(), &found, "hint");
    let e = check(&ended(true, false, Some(15))).unwrap_err();
    assert_eq!(e.code, ErrorCode::Timeout);
    assert_eq!(
        e.message,
        "x was stopped after 7 s (timeout_sec); partial results: 2 found"
    );
    assert_eq!(
        e.partial.as_ref(),
        Some(&found),
        "a timeout keeps what was found"
    );
    let e = check(&ended(false, true, Some(15))).unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert!(
        e.message.contains("cancelled") && e.message.ends_with("partial results: 2 found"),
        "{}",
        e.message
    );
    assert_eq!(
        e.partial.as_ref(),
        Some(&found),
        "a cancel keeps what was found"
    );
    let e = check(&ended(false, false, Some(11))).unwrap_err();
    assert!(e.message.contains("signal 11"), "{}", e.message);
    assert_eq!(e.partial, None);
    let mut done = ended(false, false, None);
    done.exit_code = Some(0);
    assert!(check(&done).is_ok());
    // Done but stuck: interrupted, it exits with its results (fine); killed,
    // what it had not written out is lost and the call says so.
    let mut stuck = ended(false, false, None);
    stuck.lingered = true;
    stuck.exit_code = Some(1);
    assert!(check(&stuck).is_ok());
    stuck.exit_code = None;
    stuck.signal = Some(15);
    let e = check(&stuck).unwrap_err();
    assert!(
        e.code == ErrorCode::ExecutionError && e.message.contains("did not exit"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_input_fields_are_rejected() {
    let args = serde_json::json!({"target": "10.0.0.1", "extra": 1});
    let err = parse_common(args.as_object().cloned()).unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationError);
    assert!(
        err.message.contains("unknown field `extra`"),
        "{}",
        err.message
    );
}

#[test]
fn missing_target_is_a_validation_error() {
    let err = parse_common(None).unwrap_err();
    assert!(
        err.message.contains("missing field `target`"),
        "{}",
        err.message
    );
}

/// What a model reads depends on what the operator allows: the largest
/// timeout, the hydra modules, the dig types (zone transfers only with
/// allow_intrusive); portable schemas (no refs, no uint formats).
#[test]
fn input_schemas_carry_the_operators_facts() {
    let mut policy = Policy::default();
    policy.hydra.services = vec!["ssh".into(), "ftp".into()];
    let max = Duration::from_secs(900);
    let hydra = input_schema_for(&hydra::Hydra, &policy, max);
    assert_eq!(
        hydra["properties"]["service"]["enum"],
        serde_json::json!(["ssh", "ftp"])
    );
    assert_eq!(hydra["properties"]["timeout_sec"]["maximum"], 900);
    let dig = input_schema_for(&dig::Dig, &policy, max);
    let types = dig["properties"]["query_type"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    assert!(types.contains(&Value::from("MX")) && !types.contains(&Value::from("AXFR")));
    assert_eq!(
        dig["properties"]["query_class"]["enum"],
        serde_json::json!(["IN", "CH"])
    );
    policy.allow_intrusive = true;
    let dig = input_schema_for(&dig::Dig, &policy, max);
    assert!(
        dig["properties"]["query_type"]["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::from("AXFR"))
    );
    for tool in REGISTRY {
        let text = serde_json::to_string(&input_schema_for(*tool, &policy, max)).unwrap();
        for bad in [
            "$ref",
            "$defs",
            "oneOf",
            "\"format\":\"uint",
            "\"format\":\"int",
        ] {
            assert!(!text.contains(bad), "{}: {bad} in {text}", tool.name());
        }
        let detail = &input_schema_for(*tool, &policy, max)["properties"]["detail"];
        assert_eq!(
            detail["enum"],
            serde_json::json!(["summary", "standard", "full"]),
            "{}",
            tool.name()
        );
    }
    let gobuster = input_schema_for(&gobuster::Gobuster, &policy, max);
    assert_eq!(
        gobuster["properties"]["mode"]["enum"],
        serde_json::json!(["dir", "dns", "vhost"])
    );
}

/// A typed `ports` reaches the grammar as -p; anything but a port list is
/// refused before it could carry an option.
#[test]
fn nmap_ports_field_becomes_a_checked_dash_p() {
    let ok = nmap::Nmap
        .parse_input(
            serde_json::json!({"target": "10.0.0.5", "ports": "22,80", "extra_args": "-sV"})
                .as_object()
                .cloned(),
        )
        .unwrap();
    assert_eq!(ok.common.extra_args, "-p 22,80 -sV");
    for bad in ["22 -iL /etc/passwd", "80;id", "$(id)", "22,80'"] {
        let e = nmap::Nmap
            .parse_input(
                serde_json::json!({"target": "10.0.0.5", "ports": bad})
                    .as_object()
                    .cloned(),
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError, "{bad}");
        assert!(e.message.starts_with("ports:"), "{bad}: {}", e.message);
    }
}

/// Every tool the policy core knows is a complete tool here: a registry
/// entry with a spec, schemas, a description generated from its grammar,
/// a config section with its defaults in the example config, and a row in
/// the README. Remove any part of one tool and this names it.
#[test]
fn every_tool_id_has_every_part() {
    let example = crate::cli::EXAMPLE_CONFIG;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let sections = ToolsConfig::default();
    for id in ToolId::ALL {
        let name = id.as_str();
        let tool = find(name).unwrap_or_else(|| panic!("{name}: no registry entry"));
        assert_eq!(tool.id(), id, "{name}: registry entry has another id");
        assert!(
            !tool.title().is_empty() && tool.spec().summary.len() > 80,
            "{name}: spec"
        );
        let d = description(tool, &Policy::default());
        assert!(
            d.contains("extra_args options:"),
            "{name}: description lacks its options"
        );
        assert!(
            tool.input_schema()["properties"].get("target").is_some(),
            "{name}: input schema"
        );
        assert_eq!(
            tool.output_schema()["type"],
            "object",
            "{name}: output schema"
        );
        assert!(
            !secmcp_policy::grammar(id).binary.is_empty(),
            "{name}: policy descriptor"
        );
        let section = sections.section(id);
        assert!(
            section.enabled() && section.concurrency() == 0,
            "{name}: config defaults"
        );
        assert!(
            example.contains(&format!("\n  {name}:\n")),
            "{name}: not in the example config"
        );
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "{name}: no row in README's tool table"
        );
    }
    assert_eq!(
        REGISTRY.len(),
        ToolId::ALL.len(),
        "a registry entry without a policy id"
    );
}
