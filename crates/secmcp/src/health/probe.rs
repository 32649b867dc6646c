//! Version probes: how each tool's binary is identified.
//!
//! A tool counts as installed only when its binary answers a version probe
//! that identifies it (`Nmap version 7.93`), not merely when a file of that
//! name exists. Probes run through the runner, from the policy crate's
//! fixed-argv [`secmcp_policy::permit::version_probe`] permit (no target, short
//! timeout), and are cached by binary path, size and modification time, so a
//! check round re-runs a probe only after the binary changed.
//!
//! This module must not start processes except through `secmcp_runner::run`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use secmcp_policy::ToolId;
use secmcp_runner::{RunLimits, RunSpec};
use tokio_util::sync::CancellationToken;

/// Most output kept from a version probe.
const PROBE_OUTPUT_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        len: m.len(),
        modified: m.modified().ok(),
    })
}

type ProbeCache = HashMap<PathBuf, (FileStamp, Result<String, String>)>;

/// Cached version probe results, by binary path.
#[derive(Debug, Default)]
pub struct VersionProbes {
    cache: Mutex<ProbeCache>,
}

impl VersionProbes {
    /// The probe output of `tool` at `path`: the cached one while the file is
    /// unchanged, else a fresh run. `Err` says why the probe failed.
    pub async fn probe(
        &self,
        tool: ToolId,
        path: &Path,
        limits: &RunLimits,
        cancel: CancellationToken,
    ) -> Result<String, String> {
        let Some(before) = stamp(path) else {
            return Err("the binary cannot be read".into());
        };
        if let Some((s, out)) = self.lock().get(path)
            && *s == before
        {
            return out.clone();
        }
        let out = run_probe(tool, path, limits, cancel).await;
        self.lock().insert(path.to_owned(), (before, out.clone()));
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ProbeCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn run_probe(
    tool: ToolId,
    path: &Path,
    limits: &RunLimits,
    cancel: CancellationToken,
) -> Result<String, String> {
    let permit = secmcp_policy::permit::version_probe(tool);
    let limits = RunLimits {
        max_stdout_bytes: PROBE_OUTPUT_BYTES,
        max_stderr_bytes: PROBE_OUTPUT_BYTES,
        max_collect_bytes: 0,
        // Probes run while clients connect: they must not compete for CPU.
        background: true,
        // `--version` sends nothing: no rules to install per probe.
        egress: None,
        ..limits.clone()
    };
    let spec = RunSpec::from_permit(&permit, path.to_owned(), &limits);
    let outcome = secmcp_runner::run(spec, cancel)
        .await
        .map_err(|e| e.to_string())?;
    if outcome.timed_out {
        return Err(format!("no answer within {} s", permit.timeout().as_secs()));
    }
    if outcome.cancelled {
        return Err("the probe was cancelled".into());
    }
    let stdout = String::from_utf8_lossy(outcome.stdout.head()).into_owned();
    if stdout.trim().is_empty() {
        Ok(String::from_utf8_lossy(outcome.stderr.head()).into_owned())
    } else {
        Ok(stdout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::parse_version;

    #[test]
    fn prefixes_identify_the_real_outputs() {
        let cases = [
            (
                ToolId::Nmap,
                "Nmap version 7.93 ( https://nmap.org )\n",
                "7.93",
            ),
            (
                ToolId::Masscan,
                "\nMasscan version 1.3.2 ( https://github.com/robertdavidgraham/masscan )\n",
                "1.3.2",
            ),
            (
                ToolId::Hydra,
                "Hydra v9.4 (c) 2022 by van Hauser/THC\n",
                "9.4",
            ),
            (ToolId::Dig, "DiG 9.18.49-1~deb12u3-Debian\n", "9.18.49-1"),
            (ToolId::Gobuster, "3.5\n", "3.5"),
            (ToolId::Sqlmap, "1.7.2#stable\n", "1.7.2"),
        ];
        for (tool, out, want) in cases {
            assert_eq!(
                parse_version(out, secmcp_policy::grammar(tool).version_prefix).as_deref(),
                Some(want),
                "{tool:?}"
            );
        }
        assert_eq!(
            parse_version(
                "not nmap\n",
                secmcp_policy::grammar(ToolId::Nmap).version_prefix
            ),
            None
        );
    }

    #[tokio::test]
    async fn probes_are_cached_until_the_binary_changes() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("nmap");
        let counter = dir.path().join("count");
        let script = format!(
            "#!/bin/sh\necho x >> '{}'\necho 'Nmap version 7.99 ( fake )'\n",
            counter.display()
        );
        std::fs::write(&bin, &script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let probes = VersionProbes::default();
        let limits = RunLimits::default();
        for _ in 0..3 {
            let out = probes
                .probe(ToolId::Nmap, &bin, &limits, CancellationToken::new())
                .await
                .unwrap();
            assert!(out.starts_with("Nmap version 7.99"), "{out}");
        }
        let runs = std::fs::read_to_string(&counter).unwrap().lines().count();
        assert_eq!(runs, 1, "one probe run for an unchanged binary");
        std::fs::write(&bin, format!("{script}# changed\n")).unwrap();
        probes
            .probe(ToolId::Nmap, &bin, &limits, CancellationToken::new())
            .await
            .unwrap();
        let runs = std::fs::read_to_string(&counter).unwrap().lines().count();
        assert_eq!(runs, 2, "a changed binary is probed again");
    }
}
