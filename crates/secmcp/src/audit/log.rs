//! The audit file: append-only, one sealed record per line, rotated by size
//! with the chain carried across files.
//!
//! Appends are serialised by one lock (the order in the file is the order of
//! the chain); a record that must be on disk before a tool starts is synced
//! with `fdatasync` after the lock is released, on a duplicate of the file
//! descriptor, so other appenders never wait for the disk.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::chain::{self, Head};
use super::config::AuditConfig;

/// The longest record line read back when continuing an existing file.
const MAX_TAIL_BYTES: u64 = 4 << 20;

/// One record as written.
#[derive(Debug)]
pub struct Appended {
    /// Its `seq`.
    pub seq: u64,
    /// Its `hash`.
    pub hash: String,
    /// The sealed line, without its newline.
    pub line: String,
    /// With `durable`: the file, to `sync_data` outside the lock.
    pub file: Option<File>,
}

/// An open audit file.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    max_file_bytes: u64,
    max_files: u32,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    file: File,
    head: Head,
    /// The chain's id, in every record (`chain`): it tells this chain's
    /// records from other servers' in a shared run store.
    chain: String,
    bytes: u64,
}

impl AuditLog {
    /// Opens (or creates, mode 0600, with its directory) the configured file
    /// and continues its chain: after its last record, or after the last
    /// record of `FILE.1` when the file is new. A last line cut short by a
    /// crash (no newline) is removed first; it never preceded a tool start.
    pub fn open(cfg: &AuditConfig) -> io::Result<Self> {
        let path = PathBuf::from(&cfg.file);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)?;
        let (last, bytes) = last_line(&mut file, &path)?;
        let (last, from) = match last {
            Some(line) => (Some(line), path.clone()),
            None => {
                let older = rotated(&path, 1);
                (previous_line(&older)?, older)
            }
        };
        let head = match &last {
            Some(line) => chain::head_after(line).ok_or_else(|| not_a_record(&from))?,
            None => Head::default(),
        };
        // A chain begun before records carried their chain's id gets one now.
        let chain = last
            .as_deref()
            .and_then(chain::chain_of)
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        Ok(Self {
            path,
            max_file_bytes: cfg.max_file_bytes,
            max_files: cfg.max_files,
            inner: Mutex::new(Inner {
                file,
                head,
                chain,
                bytes,
            }),
        })
    }

    /// Where the records go.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Seals and appends one record (a single `write`); with `durable`,
    /// the answer holds a duplicate of the file to `sync_data` once the lock
    /// is gone.
    pub fn append(&self, mut fields: Map<String, Value>, durable: bool) -> io::Result<Appended> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        fields.insert("chain".into(), Value::String(inner.chain.clone()));
        let mut head = inner.head.clone();
        let seq = head.next_seq;
        let mut line = chain::seal(&mut head, fields);
        line.push('\n');
        let len = line.len() as u64;
        if self.max_file_bytes != 0 && inner.bytes != 0 && inner.bytes + len > self.max_file_bytes {
            self.rotate(&mut inner)?;
        }
        inner.file.write_all(line.as_bytes())?;
        // Only a written record moves the chain on (a failed write, a full
        // disk, leaves the head where the file ends), and it moves on before
        // anything else can fail: the next record must not repeat this
        // one's seq and prev.
        let hash = head.prev.clone();
        inner.head = head;
        inner.bytes += len;
        let file = if durable {
            Some(inner.file.try_clone()?)
        } else {
            None
        };
        line.pop();
        Ok(Appended {
            seq,
            hash,
            line,
            file,
        })
    }

    /// Where the chain stands now.
    pub fn head(&self) -> Head {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .head
            .clone()
    }

    /// `FILE` → `FILE.1` → ... → `FILE.<max_files>` (the oldest is dropped),
    /// then a new empty `FILE`. The chain goes on in the new file.
    fn rotate(&self, inner: &mut Inner) -> io::Result<()> {
        inner.file.sync_data()?;
        let _ = fs::remove_file(rotated(&self.path, self.max_files));
        for i in (1..self.max_files).rev() {
            match fs::rename(rotated(&self.path, i), rotated(&self.path, i + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        fs::rename(&self.path, rotated(&self.path, 1))?;
        inner.file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)?;
        inner.bytes = 0;
        Ok(())
    }
}

/// `FILE.n`, the n-th newest rotated file.
pub fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

fn not_a_record(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} does not end with a sealed audit record; check it with `secmcp audit verify {}` \
             and move it aside to start a new chain",
            path.display(),
            path.display()
        ),
    )
}

/// The last record of a rotated file, `None` when there is no such file or
/// it is empty.
fn previous_line(path: &Path) -> io::Result<Option<String>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(last_line(&mut file, path)?.0)
}

/// The file's last complete line and its length after dropping an
/// unfinished last line (only for files opened for writing).
fn last_line(file: &mut File, path: &Path) -> io::Result<(Option<String>, u64)> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok((None, 0));
    }
    let from = len.saturating_sub(MAX_TAIL_BYTES);
    file.seek(SeekFrom::Start(from))?;
    let mut tail = Vec::with_capacity((len - from) as usize);
    file.read_to_end(&mut tail)?;
    let mut end = tail.len();
    if tail.last() != Some(&b'\n') {
        end = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let keep = from + end as u64;
        if from != 0 && end == 0 {
            return Err(not_a_record(path));
        }
        tracing::warn!(
            file = %path.display(),
            dropped_bytes = len - keep,
            "the audit file ended in an unfinished record (a crash while writing); it is removed"
        );
        file.set_len(keep)?;
    }
    if end == 0 {
        return Ok((None, 0));
    }
    let body = &tail[..end - 1];
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if start == 0 && from != 0 {
        return Err(not_a_record(path));
    }
    let line = String::from_utf8(body[start..].to_vec()).map_err(|_| not_a_record(path))?;
    Ok((Some(line), from + end as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::verify;
    use serde_json::json;

    fn cfg(dir: &Path, max_file_bytes: u64) -> AuditConfig {
        AuditConfig {
            file: dir.join("a/audit.jsonl").display().to_string(),
            max_file_bytes,
            max_files: 3,
        }
    }

    fn rec(i: u64) -> Map<String, Value> {
        let Value::Object(m) = json!({"event": "test", "i": i}) else {
            unreachable!()
        };
        m
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_reopened_file_continues_its_chain() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 0);
        let log = AuditLog::open(&c).unwrap();
        for i in 0..3 {
            log.append(rec(i), i == 1).unwrap();
        }
        drop(log);
        let log = AuditLog::open(&c).unwrap();
        log.append(rec(3), false).unwrap();
        let all = lines(log.path());
        let v = verify(all.iter().map(String::as_str), Some(Head::default())).unwrap();
        assert_eq!((v.records, v.head), (4, log.head()));
        let mode = fs::metadata(log.path()).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }

    #[test]
    fn an_unfinished_last_line_is_dropped_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 0);
        let log = AuditLog::open(&c).unwrap();
        log.append(rec(0), false).unwrap();
        let path = log.path().to_owned();
        drop(log);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":2,\"event\":\"te").unwrap();
        let log = AuditLog::open(&c).unwrap();
        log.append(rec(1), false).unwrap();
        let all = lines(&path);
        assert_eq!(all.len(), 2);
        verify(all.iter().map(String::as_str), Some(Head::default())).unwrap();
    }

    #[test]
    fn a_file_ending_in_something_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 0);
        fs::create_dir_all(dir.path().join("a")).unwrap();
        fs::write(&c.file, "hello\n").unwrap();
        let e = AuditLog::open(&c).unwrap_err();
        assert!(e.to_string().contains("secmcp audit verify"), "{e}");
    }

    #[test]
    fn rotation_keeps_one_chain_across_files_and_drops_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 400);
        let log = AuditLog::open(&c).unwrap();
        for i in 0..40 {
            log.append(rec(i), false).unwrap();
        }
        let path = log.path().to_owned();
        assert!(!rotated(&path, 4).exists(), "max_files 3 keeps .1 to .3");
        let mut all = Vec::new();
        for n in (1..=3).rev() {
            all.extend(lines(&rotated(&path, n)));
        }
        all.extend(lines(&path));
        let v = verify(all.iter().map(String::as_str), None).unwrap();
        assert!(v.first_seq > 1, "the oldest records were rotated away");
        assert_eq!(v.head, log.head());
        // A restart right after a rotation continues from FILE.1.
        drop(log);
        fs::write(&path, "").unwrap();
        let log = AuditLog::open(&c).unwrap();
        assert_eq!(
            log.head(),
            chain::head_after(lines(&rotated(&path, 1)).last().unwrap()).unwrap()
        );
    }

    #[test]
    fn a_chain_keeps_its_id_across_restarts_and_rotation_and_a_new_one_gets_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 400);
        let log = AuditLog::open(&c).unwrap();
        for i in 0..20 {
            log.append(rec(i), false).unwrap();
        }
        let path = log.path().to_owned();
        drop(log);
        // Restart right after a rotation: the id comes from FILE.1.
        fs::write(&path, "").unwrap();
        let log = AuditLog::open(&c).unwrap();
        log.append(rec(20), false).unwrap();
        let mut all = lines(&rotated(&path, 1));
        all.extend(lines(&path));
        let ids: std::collections::HashSet<_> =
            all.iter().map(|l| chain::chain_of(l).unwrap()).collect();
        assert_eq!(ids.len(), 1, "one chain, one id: {ids:?}");
        let other = AuditLog::open(&cfg(&dir.path().join("b"), 0)).unwrap();
        let first = other.append(rec(0), false).unwrap();
        assert!(
            !ids.contains(&chain::chain_of(&first.line).unwrap()),
            "another chain has another id"
        );
    }
}
