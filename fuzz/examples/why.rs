//! Prints why each corpus input of an argv target is refused (debugging aid):
//! `cargo run --example why -- masscan fuzz/corpus/argv_masscan/*`.
use secmcp_fuzz::case::Case;
use secmcp_policy::{CallInput, ToolId, authorize_with, plan};

fn main() {
    let mut args = std::env::args().skip(1);
    let tool = match args.next().as_deref() {
        Some("nmap") => ToolId::Nmap,
        Some("masscan") => ToolId::Masscan,
        Some("gobuster") => ToolId::Gobuster,
        Some("hydra") => ToolId::Hydra,
        Some("sqlmap") => ToolId::Sqlmap,
        _ => ToolId::Dig,
    };
    for f in args {
        let data = std::fs::read(&f).unwrap_or_default();
        let Some(case) = Case::parse(tool, &data) else {
            continue;
        };
        let input = CallInput {
            target: &case.target,
            extra_args: &case.extra_args,
            timeout: case.timeout,
            fields: &case.fields,
        };
        let why = match plan(tool, &case.policy, &input) {
            Err(d) => format!("plan: {}", d.message),
            Ok(p) => match authorize_with(&case.policy, p, &Default::default()) {
                Err(d) => format!("authorize: {}", d.message),
                Ok(_) => "permit".into(),
            },
        };
        eprintln!("{:?} {:?}: {why}", case.target, case.extra_args);
    }
}
