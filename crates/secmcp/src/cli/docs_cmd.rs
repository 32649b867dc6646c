//! `completions` and `man`: generated from the clap definition in `args`,
//! so they name every subcommand and option the binary has.

use std::process::ExitCode;

use clap::CommandFactory;

use super::args::{Cli, Shell};
use super::print::out;

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    let gen_shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(gen_shell, &mut cmd, "secmcp", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The manual page (roff): the command and each subcommand's options.
pub fn man_page() -> std::io::Result<String> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    man.render_subcommands_section(&mut buf)?;
    // One section per subcommand (and per `config` action) with its options.
    for sub in cmd.get_subcommands() {
        section(&mut buf, "secmcp", sub)?;
    }
    man.render_version_section(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn section(buf: &mut Vec<u8>, parent: &str, sub: &clap::Command) -> std::io::Result<()> {
    use std::io::Write;
    let name = format!("{parent} {}", sub.get_name());
    writeln!(buf, ".SH \"{}\"", name.to_uppercase())?;
    let sub = sub.clone().bin_name(name.clone());
    let man = clap_mangen::Man::new(sub.clone());
    man.render_synopsis_section(buf)?;
    if let Some(about) = sub.get_long_about().or(sub.get_about()) {
        writeln!(buf, ".PP\n{}", roff_escape(&about.to_string()))?;
    }
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(buf)?;
    }
    for s in sub.get_subcommands() {
        section(buf, &name, s)?;
    }
    Ok(())
}

/// Keeps text from being read as roff requests.
fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\e")
        .lines()
        .map(|l| {
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn completions(shell: Shell) -> ExitCode {
    out(&completion_script(shell))
}

pub(super) fn man() -> ExitCode {
    match man_page() {
        Ok(page) => out(&page),
        Err(e) => {
            eprintln!("secmcp: cannot render the manual page: {e}");
            ExitCode::FAILURE
        }
    }
}
