//! `client-config`: prints the entry a client needs to start this server
//! (or reach it over HTTP), or merges it into the client's own config file:
//! other servers and keys kept, nothing written when it is already there,
//! the old file kept as `<file>.bak`, the new one written to a temporary
//! file in the same directory and renamed over it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::ClientConfigArgs;
use super::print::out;
use crate::clients::{self, Client, Launch};
use crate::config;

pub(super) fn client_config(args: &ClientConfigArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("secmcp: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &ClientConfigArgs) -> Result<ExitCode, String> {
    if args.name.is_empty()
        || args.name.len() > 64
        || !args
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "--name `{}` is not a server name; use 1-64 letters, digits, '-' or '_'",
            args.name
        ));
    }
    let launch = launch(args)?;
    let client = args.client;
    // Refuse what the client cannot use before touching anything.
    if client != Client::Codex {
        client.json_entry(&launch).map_err(|e| e.to_string())?;
    }
    let file = match &args.file {
        Some(f) => absolute(f)?,
        None => default_file(client)?,
    };
    let shown = file.display().to_string();
    if !args.write {
        let text = client
            .merge(None, &shown, &args.name, &launch)
            .map_err(|e| e.to_string())?;
        eprintln!(
            "secmcp: {} reads {shown}; merge this into it, or run again with --write",
            client.name()
        );
        return Ok(out(&text));
    }
    let existing = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {shown}: {e}; nothing was changed")),
    };
    if let Some(text) = &existing
        && client.up_to_date(text, &args.name, &launch)
    {
        eprintln!(
            "secmcp: {shown} already has this `{}` entry; unchanged",
            args.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let merged = client
        .merge(existing.as_deref(), &shown, &args.name, &launch)
        .map_err(|e| e.to_string())?;
    let backup = existing.is_some().then(|| backup_path(&file));
    write_atomically(&file, &merged, backup.as_deref())?;
    match backup {
        Some(b) => eprintln!(
            "secmcp: wrote the `{}` entry into {shown} (previous file: {})",
            args.name,
            b.display()
        ),
        None => eprintln!("secmcp: created {shown} with the `{}` entry", args.name),
    }
    Ok(ExitCode::SUCCESS)
}

/// The entry's launch: the HTTP URL, or this binary with the config in use.
fn launch(args: &ClientConfigArgs) -> Result<Launch, String> {
    if let Some(url) = &args.http {
        clients::check_url(url).map_err(|e| e.to_string())?;
        return Ok(Launch::Http { url: url.clone() });
    }
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot tell where this secmcp binary is: {e}"))?;
    let mut argv = vec!["serve".to_owned()];
    if let Some(path) = config::config_path(args.config.config.clone()) {
        let path = std::fs::canonicalize(&path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        // The client will start the server with it: it must load.
        config::load(Some(path.clone()), |_| {})
            .map_err(|e| format!("invalid configuration {}: {e}", path.display()))?;
        argv.push("--config".into());
        argv.push(path_str(&path)?);
    }
    Ok(Launch::Stdio {
        command: path_str(&exe)?,
        args: argv,
    })
}

fn path_str(p: &Path) -> Result<String, String> {
    p.to_str().map(str::to_owned).ok_or_else(|| {
        format!(
            "{} is not UTF-8, which client config files need",
            p.display()
        )
    })
}

fn absolute(p: &Path) -> Result<PathBuf, String> {
    if p.is_absolute() {
        return Ok(p.to_owned());
    }
    std::env::current_dir()
        .map(|d| d.join(p))
        .map_err(|e| format!("cannot read the current directory: {e}"))
}

fn default_file(client: Client) -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .ok_or("HOME is not set to an absolute path; give the file with --file")?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let env = |k: &str| std::env::var(k).ok();
    Ok(client.default_file(&home, &cwd, &env))
}

fn backup_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    file.with_file_name(name)
}

/// Copies the old file to `backup`, writes `text` to a temporary file next
/// to `file` (same permissions as the old one) and renames it over `file`.
fn write_atomically(file: &Path, text: &str, backup: Option<&Path>) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let shown = file.display();
    let dir = file
        .parent()
        .ok_or_else(|| format!("{shown} has no directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mode = std::fs::metadata(file).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    if let Some(b) = backup {
        std::fs::copy(file, b).map_err(|e| {
            format!(
                "cannot keep a backup of {shown} at {}: {e}; nothing was changed",
                b.display()
            )
        })?;
    }
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file.file_name().unwrap_or_default());
    tmp_name.push(format!(".secmcp-{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {shown}: {e}; the old file is unchanged")
    })
}
