//! The hydra `extra_args` grammar. hydra has only short options; here each must
//! be its own token with its value in the next one (`-t 4`): glued (`-t4`),
//! bundled (`-fV`) and `-x=...` forms are refused, as is every unknown token.

use super::HydraLimits;
use crate::denied::{Denied, field};

const ARGS_HINT: &str =
    "remove or fix that argument; the tool description lists the accepted hydra options";

const SECRETS: &str = "put user names and passwords in the usernames/passwords fields (the server writes them to private files): a password on the command line ends up in logs";
const WRITES: &str = "the server sets hydra's output file and format itself";

/// Refused options and why.
const REFUSED: &[(&str, &str)] = &[
    ("-l", SECRETS),
    ("-p", SECRETS),
    (
        "-M",
        "it reads targets from a file; the target comes only from the target field",
    ),
    (
        "-T",
        "it only applies to -M target files, which are not accepted",
    ),
    (
        "-R",
        "it restores a previous session from a file; every call starts fresh (-I)",
    ),
    ("-o", WRITES),
    ("-b", WRITES),
    (
        "-x",
        "password generation is unbounded; give a password list instead",
    ),
    ("-y", "it only applies to -x, which is not accepted"),
    ("-r", "it only applies to -x, which is not accepted"),
    (
        "-m",
        "module options come from the typed fields path, form and failure",
    ),
    (
        "-4",
        "the target decides: give an IPv6 address and the server adds -6",
    ),
    (
        "-6",
        "the target decides: give an IPv6 address and the server adds -6",
    ),
    (
        "-v",
        "verbose modes print every tried password into the output",
    ),
    (
        "-V",
        "verbose modes print every tried password into the output",
    ),
    (
        "-d",
        "debug mode prints every tried password into the output",
    ),
    ("-O", "obsolete SSLv2/v3 is not available"),
    ("-U", "module help is not an attack"),
    ("-h", "help text is not an attack"),
];

/// Options seen so far.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) tasks: Option<u32>,
    pub(crate) wait_secs: Option<u32>,
    pub(crate) connect_wait_secs: Option<u32>,
    pub(crate) port: Option<u16>,
    pub(crate) stop_first: bool,
    pub(crate) loop_users: bool,
    pub(crate) extra_checks: String,
    pub(crate) ssl: bool,
    pub(crate) no_redo: bool,
    pub(crate) quiet: bool,
    pub(crate) user_list: Option<String>,
    pub(crate) password_list: Option<String>,
    pub(crate) combo: Option<String>,
}

fn bad(message: String) -> Denied {
    Denied::validation(field::EXTRA_ARGS, message, ARGS_HINT)
}

fn shown(tok: &str) -> String {
    let mut s: String = tok
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect();
    if tok.chars().count() > 64 {
        s.push('…');
    }
    s
}

const SWITCHES: &[&str] = &["-f", "-F", "-u", "-S", "-K", "-q", "-I"];
const VALUED: &[&str] = &["-t", "-w", "-W", "-e", "-s", "-L", "-P", "-C"];

fn once<T>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), Denied> {
    if slot.is_some() {
        return Err(bad(format!("{name} is given more than once")));
    }
    *slot = Some(v);
    Ok(())
}

fn number(v: &str, name: &str, min: u32, max: u32) -> Result<u32, Denied> {
    let ok = !v.is_empty() && v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| v.parse::<u32>().ok())
        .flatten()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "{name} needs a whole number from {min} to {max}, got '{}'",
                shown(v)
            ))
        })
}

/// Parses the tokens.
pub(crate) fn parse_tokens(tokens: &[String], limits: &HydraLimits) -> Result<Draft, Denied> {
    let mut d = Draft::default();
    let mut rest = tokens.iter();
    while let Some(tok) = rest.next() {
        let tok = tok.as_str();
        if let Some((_, why)) = REFUSED.iter().find(|(n, _)| *n == tok) {
            return Err(bad(format!("{tok} is not accepted: {why}")));
        }
        if SWITCHES.contains(&tok) {
            match tok {
                "-f" | "-F" => d.stop_first = true,
                "-u" => d.loop_users = true,
                "-S" => d.ssl = true,
                "-K" => d.no_redo = true,
                "-q" => d.quiet = true,
                _ => {} // -I: the server always passes it
            }
            continue;
        }
        if VALUED.contains(&tok) {
            let v = rest
                .next()
                .map(String::as_str)
                .ok_or_else(|| bad(format!("{tok} needs a value")))?;
            d.apply(tok, v, limits)?;
            continue;
        }
        if tok.starts_with('-') && tok.len() > 2 && tok.is_char_boundary(2) {
            let short = &tok[..2];
            if let Some((_, why)) = REFUSED.iter().find(|(n, _)| *n == short) {
                return Err(bad(format!("{short} is not accepted: {why}")));
            }
            return Err(bad(format!(
                "unknown option '{}': give each option separately and its value as the next argument (e.g. -t 4)",
                shown(tok)
            )));
        }
        if tok.starts_with('-') {
            return Err(bad(format!("unknown option '{}'", shown(tok))));
        }
        return Err(bad(format!(
            "unexpected argument '{}': the target goes in the target field and the service in the service field",
            shown(tok)
        )));
    }
    Ok(d)
}

impl Draft {
    fn apply(&mut self, flag: &str, v: &str, limits: &HydraLimits) -> Result<(), Denied> {
        match flag {
            "-t" => {
                let n = number(v, "-t", 1, limits.max_tasks)?;
                once(&mut self.tasks, n, "-t")
            }
            "-w" => {
                let n = number(v, "-w", 1, limits.max_wait_secs)?;
                once(&mut self.wait_secs, n, "-w")
            }
            "-W" => {
                let n = number(v, "-W", 0, limits.max_wait_secs)?;
                once(&mut self.connect_wait_secs, n, "-W")
            }
            "-s" => {
                let n = number(v, "-s", 1, 65535)?;
                once(&mut self.port, n as u16, "-s")
            }
            "-e" => {
                let ok = !v.is_empty()
                    && v.len() <= 3
                    && v.bytes().all(|b| matches!(b, b'n' | b's' | b'r'))
                    && {
                        let mut b: Vec<u8> = v.bytes().collect();
                        b.sort_unstable();
                        b.dedup();
                        b.len() == v.len()
                    };
                if !ok || !self.extra_checks.is_empty() {
                    return Err(bad(format!(
                        "-e takes the letters n (empty password), s (login as password), r (reversed login), once each, got '{}'",
                        shown(v)
                    )));
                }
                self.extra_checks = v.to_owned();
                Ok(())
            }
            "-L" => once(&mut self.user_list, v.to_owned(), "-L"),
            "-P" => once(&mut self.password_list, v.to_owned(), "-P"),
            _ => once(&mut self.combo, v.to_owned(), "-C"),
        }
    }
}
