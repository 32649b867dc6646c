//! Renders hydra's argv from an authorized [`HydraPlan`]:
//! `-I -o hydra.json -b json`, tasks and waits, switches, the credential
//! lists (inline ones and built-in lists become 0600 work files; list files
//! are re-checked against the roots), `-6` for an IPv6 target, the port,
//! then target, service and module option in hydra's order.
//!
//! Must not: look at user tokens, or put a password into argv.

use super::types::{
    Credentials, HydraLimits, HydraPlan, Logins, PASSWORDS_FILE, RESULT_FILE, USERS_FILE, fields,
};
use crate::call::{AuthorizedTarget, Rendering, Resolutions, WorkFile};
use crate::denied::{Denied, internal};
use crate::files;

/// Renders the argv of an authorized hydra plan.
pub(crate) fn render(
    limits: &HydraLimits,
    plan: &HydraPlan,
    targets: &[AuthorizedTarget],
    res: &Resolutions,
) -> Result<Rendering, Denied> {
    let roots = &limits.credentials;
    let primary = targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let mut a: Vec<String> = ["-I", "-o", RESULT_FILE, "-b", "json", "-t"]
        .map(String::from)
        .to_vec();
    a.push(plan.tasks.to_string());
    if let Some(w) = plan.wait_secs {
        a.extend(["-w".into(), w.to_string()]);
    }
    if let Some(w) = plan.connect_wait_secs {
        a.extend(["-W".into(), w.to_string()]);
    }
    for (on, flag) in [
        (plan.stop_first, "-f"),
        (plan.loop_users, "-u"),
        (plan.ssl, "-S"),
        (plan.no_redo, "-K"),
        (plan.quiet, "-q"),
    ] {
        if on {
            a.push(flag.into());
        }
    }
    if !plan.extra_checks.is_empty() {
        a.extend(["-e".into(), plan.extra_checks.clone()]);
    }
    let mut write_files = Vec::new();
    let mut list = |flag: &str,
                    creds: &Credentials,
                    field: &'static str,
                    name: &str,
                    what: &str,
                    a: &mut Vec<String>|
     -> Result<(), Denied> {
        let path = match creds {
            Credentials::Inline(items) => {
                let mut contents = items.join("\n").into_bytes();
                contents.push(b'\n');
                write_files.push(WorkFile {
                    name: name.to_owned(),
                    contents,
                });
                name.to_owned()
            }
            Credentials::File(req) => files::check_resolved(field, roots, res, req, what)?
                .path
                .clone(),
            Credentials::Builtin(list) => {
                // -L and -P may name the same list: it is written once.
                if !write_files.iter().any(|f: &WorkFile| f.name == list.file) {
                    write_files.push(list.work_file());
                }
                list.file.to_owned()
            }
        };
        a.extend([flag.to_owned(), path]);
        Ok(())
    };
    match &plan.logins {
        Logins::Combo(req) => {
            let path =
                files::check_resolved(fields::COMBO_LIST, roots, res, req, "login:password list")?;
            a.extend(["-C".into(), path.path.clone()]);
        }
        Logins::Lists { users, passwords } => {
            list(
                "-L",
                users,
                fields::USER_LIST,
                USERS_FILE,
                "user list",
                &mut a,
            )?;
            if let Some(p) = passwords {
                list(
                    "-P",
                    p,
                    fields::PASSWORD_LIST,
                    PASSWORDS_FILE,
                    "password list",
                    &mut a,
                )?;
            }
        }
    }
    if primary.rendered.contains(':') {
        a.push("-6".into());
    }
    if let Some(p) = plan.port {
        a.extend(["-s".into(), p.to_string()]);
    }
    a.push(primary.rendered.clone());
    a.push(plan.service.clone());
    if let Some(opt) = &plan.module_opt {
        a.push(opt.clone());
    }
    Ok(Rendering {
        argv: a,
        write_files,
        collect: vec![RESULT_FILE.into()],
    })
}
