//! A throwaway PostgreSQL cluster for the store suite: `initdb` into a temp dir,
//! `postgres` listening only on a unix socket inside it (no TCP at all), stopped
//! on drop. PostgreSQL refuses to run as root, so as root the server runs as
//! `nobody`. Missing binaries fail the test with the install hint: nothing is
//! skipped.
#![allow(clippy::disallowed_methods)] // tests start the database server

use std::path::{Path, PathBuf};
use std::process::Command;

use secmcp_store::{Backend, Store, StoreConfig};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

const NOBODY: u32 = 65534;

fn find_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("SECMCP_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (or SECMCP_PG_BIN): \
             install them with scripts/install-test-deps.sh (Debian package postgresql)"
        )
    })
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

impl Cluster {
    pub fn start() -> Self {
        let bin = find_bin();
        let dir = tempfile::Builder::new()
            .prefix("pg")
            .tempdir_in("/tmp")
            .unwrap();
        if is_root() {
            std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let c = Self { dir, bin };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data(),
                "-A",
                "trust",
                "-U",
                "secmcp",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
        );
        c.pg_ctl(&["start", "-w", "-t", "30"]);
        c
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "--",
            ]);
            c.arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .env("LC_ALL", "C")
            .env("HOME", self.dir.path())
            .current_dir(self.dir.path());
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}\n{}\nlog: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
        );
    }

    fn pg_ctl(&self, what: &[&str]) {
        let log = self.dir.path().join("log").display().to_string();
        let opts = format!(
            "-c listen_addresses='' -k {} -c fsync=off -c max_connections=40",
            self.socket_dir().display()
        );
        let data = self.data();
        let mut args: Vec<&str> = vec!["-D", &data, "-l", &log, "-o", &opts];
        args.extend_from_slice(what);
        self.run("pg_ctl", &args);
    }

    /// Stops the server at once (no checkpoint) and starts it again.
    pub fn restart_immediate(&self) {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        self.pg_ctl(&["start", "-w", "-t", "30"]);
    }

    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql://secmcp@localhost/{db}?host={}",
            self.socket_dir().display()
        )
    }

    /// A fresh database for one case.
    pub async fn create_db(&self, name: &str) -> String {
        // Opening the store on the maintenance database would migrate it: use a
        // plain connection instead.
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        name.to_owned()
    }

    #[allow(dead_code)]
    pub async fn open(&self, db: &str, cfg: StoreConfig) -> Store {
        let cfg = StoreConfig {
            backend: Backend::Postgres {
                url: self.url(db),
                pool_size: 2,
                max_overflow: 2,
            },
            ..cfg
        };
        Store::open(&cfg).await.unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "--",
            ]);
            c.arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args(["-D", &data, "stop", "-m", "immediate", "-w"])
            .env("LC_ALL", "C")
            .output();
    }
}
