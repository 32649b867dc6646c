//! Progress from a tool's own output, read while it runs: nmap's
//! `<taskprogress>` elements (emitted with `--stats-every`), masscan's status
//! line, hydra's `[STATUS]` lines and sqlmap's log of what it is testing.
//!
//! [`ProgressReader`] is fed chunks of either stream as they arrive and says
//! when there is news. Its `progress` value never decreases, whatever the
//! tool prints (phases that restart at 0 %, a status line that goes back);
//! lines are bounded, so a tool printing megabytes without a newline costs
//! nothing but the scan. Pure: no I/O, no clock.
//!
//! It also tells when a tool has said how long it has left once its work is
//! done ([`ProgressReader::exit_due_within`]): masscan sometimes never exits
//! after its wait for late answers (a thread misses the end; upstream issues
//! #144 and #476), so the caller can stop it when that time is well past.

/// Where a tool stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Grows with the work done; never decreases.
    pub progress: f64,
    /// The value `progress` reaches at the end, when the tool tells.
    pub total: Option<f64>,
    /// One short line for a person.
    pub message: String,
}

/// Which tool's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressKind {
    /// nmap `-oX - --stats-every`: `<taskprogress task=".." percent=".." remaining=".."/>`.
    Nmap,
    /// masscan's stderr status line: `rate: .., 12.34% done, .. found=N`.
    Masscan,
    /// hydra's `[STATUS] R tries/min, N tries in .., M to do in .., A active`.
    Hydra,
    /// sqlmap's `[INFO] testing ...` log lines.
    Sqlmap,
    /// gobuster's stderr `Progress: N / M (P%)` (without `-q -z`), and its
    /// result lines on stdout.
    Gobuster,
}

impl ProgressKind {
    /// The tool may say it is done and then not exit (see
    /// [`ProgressReader::exit_due_within`]), so its output is worth watching even
    /// when nobody asked for progress.
    pub fn may_linger(self) -> bool {
        self == ProgressKind::Masscan
    }
}

/// The longest line kept while waiting for its end; longer lines are skipped.
const MAX_LINE: usize = 4096;

/// Follows one run's output.
#[derive(Debug)]
pub struct ProgressReader {
    kind: ProgressKind,
    lines: [LineBuf; 2],
    last: Option<Progress>,
    /// nmap: phases finished before the current one, and its name.
    phase_base: f64,
    phase: String,
    /// sqlmap: tests started so far; hydra/masscan: valid results seen.
    count: u64,
    found: u64,
    news: bool,
    exit_due: Option<u64>,
}

/// How long masscan may take past its announced wait to exit. Its answers
/// are complete when the wait ends (that is what `--wait` asks for), and a
/// normal exit follows within a second or so; masscan 1.3.2 means to force
/// its exit 10 s after the wait, but its main loop never does on a quiet
/// network, so waiting for that gains nothing.
pub const MASSCAN_EXIT_WINDOW_SECS: u64 = 1;

#[derive(Debug, Default)]
struct LineBuf {
    buf: Vec<u8>,
    skipping: bool,
}

impl ProgressReader {
    /// A reader for `kind`'s output.
    pub fn new(kind: ProgressKind) -> Self {
        Self {
            kind,
            lines: [LineBuf::default(), LineBuf::default()],
            last: None,
            phase_base: 0.0,
            phase: String::new(),
            count: 0,
            found: 0,
            news: false,
            exit_due: None,
        }
    }

    /// Once the tool has said its work is done: the seconds, from the line
    /// that said so, within which it should have exited on its own. masscan's
    /// first `waiting N-secs` gives N plus [`MASSCAN_EXIT_WINDOW_SECS`]. A run
    /// still going well after that is stuck with its results complete.
    pub fn exit_due_within(&self) -> Option<u64> {
        self.exit_due
    }

    /// Feeds a chunk of stdout (`stderr == false`) or stderr; returns the
    /// progress when it moved since the last value returned.
    pub fn feed(&mut self, stderr: bool, chunk: &[u8]) -> Option<Progress> {
        let idx = usize::from(stderr);
        let mut start = 0;
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                let piece = &chunk[start..i];
                start = i + 1;
                let lb = &mut self.lines[idx];
                if lb.skipping {
                    lb.skipping = false;
                    lb.buf.clear();
                    continue;
                }
                if lb.buf.len() + piece.len() > MAX_LINE {
                    lb.buf.clear();
                    continue;
                }
                let mut line = std::mem::take(&mut lb.buf);
                line.extend_from_slice(piece);
                self.line(stderr, &line);
                line.clear();
                self.lines[idx].buf = line;
            }
        }
        let rest = &chunk[start..];
        let lb = &mut self.lines[idx];
        if !lb.skipping {
            if lb.buf.len() + rest.len() > MAX_LINE {
                lb.buf.clear();
                lb.skipping = true;
            } else {
                lb.buf.extend_from_slice(rest);
            }
        }
        if std::mem::take(&mut self.news) {
            return self.last.clone();
        }
        None
    }

    fn line(&mut self, stderr: bool, raw: &[u8]) {
        let Ok(line) = std::str::from_utf8(raw) else {
            return;
        };
        let line = strip_csi(line).trim();
        match (self.kind, stderr) {
            (ProgressKind::Nmap, false) => self.nmap(line),
            (ProgressKind::Masscan, true) => self.masscan(line),
            (ProgressKind::Hydra, false) => self.hydra(line),
            (ProgressKind::Sqlmap, false) => self.sqlmap(line),
            (ProgressKind::Gobuster, true) => self.gobuster(line),
            (ProgressKind::Gobuster, false)
                if line.starts_with("Found: ") || line.contains("(Status: ") =>
            {
                self.found += 1;
            }
            _ => {}
        }
    }

    fn report(&mut self, progress: f64, total: Option<f64>, message: String) {
        let floor = self.last.as_ref().map_or(0.0, |p| p.progress);
        if !progress.is_finite() || progress < floor {
            return;
        }
        let changed = self
            .last
            .as_ref()
            .is_none_or(|p| p.progress != progress || p.message != message || p.total != total);
        if changed {
            self.last = Some(Progress {
                progress,
                total,
                message,
            });
            self.news = true;
        }
    }

    fn nmap(&mut self, line: &str) {
        if line.starts_with("<host ") || line.starts_with("<host>") {
            self.found += 1;
        }
        let Some(rest) = line.strip_prefix("<taskprogress ") else {
            return;
        };
        let (Some(task), Some(percent)) = (attr(rest, "task"), attr(rest, "percent")) else {
            return;
        };
        let Ok(percent) = percent.parse::<f64>() else {
            return;
        };
        let percent = percent.clamp(0.0, 100.0);
        if task != self.phase {
            if !self.phase.is_empty() {
                self.phase_base += 100.0;
            }
            self.phase = task.chars().take(64).collect();
        }
        let mut message = format!("{}: {percent:.0}% done", self.phase);
        if let Some(secs) = attr(rest, "remaining").and_then(|r| r.parse::<u64>().ok())
            && secs > 0
        {
            message.push_str(&format!(", about {secs} s left in this phase"));
        }
        if self.found > 0 {
            message.push_str(&format!(", {} host(s) reported", self.found));
        }
        self.report(self.phase_base + percent, None, message);
    }

    fn masscan(&mut self, line: &str) {
        // rate:  0.10-kpps, 12.34% done,   0:00:05 remaining, found=3
        let Some(done_at) = line.find("% done") else {
            return;
        };
        let head = &line[..done_at];
        let Some(percent) = head
            .rsplit([',', ' '])
            .next()
            .and_then(|p| p.trim().parse::<f64>().ok())
        else {
            return;
        };
        let found = line
            .split("found=")
            .nth(1)
            .and_then(|f| f.split_whitespace().next())
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        let percent = percent.clamp(0.0, 100.0);
        let mut message = format!("{percent:.0}% of the packets sent, {found} open port(s) found");
        if let Some(waiting) = line.split("waiting ").nth(1) {
            let secs = waiting
                .split("-secs")
                .next()
                .and_then(|n| n.trim().parse::<i64>().ok());
            if let (None, Some(secs)) = (self.exit_due, secs) {
                let left = u64::try_from(secs).unwrap_or(0);
                self.exit_due = Some(left.saturating_add(MASSCAN_EXIT_WINDOW_SECS));
            }
            message =
                format!("all packets sent, waiting for late answers, {found} open port(s) found");
        }
        self.report(percent, Some(100.0), message);
    }

    fn gobuster(&mut self, line: &str) {
        // Progress: 268 / 3001 (8.93%)
        let Some(rest) = line.strip_prefix("Progress: ") else {
            return;
        };
        let mut parts = rest.split_whitespace();
        let (Some(done), Some("/"), Some(total)) = (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let (Ok(done), Ok(total)) = (done.parse::<u64>(), total.parse::<u64>()) else {
            return;
        };
        if total == 0 || done > total {
            return;
        }
        #[allow(clippy::cast_precision_loss)] // word counts are far below 2^52
        let (done_f, total_f) = (done as f64, total as f64);
        let message = format!("{done} of {total} words tried, {} found", self.found);
        self.report(done_f, Some(total_f), message);
    }

    fn hydra(&mut self, line: &str) {
        if line.contains("] host: ") && line.contains(" login: ") {
            self.found += 1;
            if let Some(last) = self.last.clone() {
                let message = format!(
                    "{}, {} valid pair(s) found",
                    strip_found(&last.message),
                    self.found
                );
                self.report(last.progress, last.total, message);
            }
            return;
        }
        // [STATUS] 64.00 tries/min, 64 tries in 00:01h, 14280 to do in 03:44h, 16 active
        let Some(rest) = line.strip_prefix("[STATUS] ") else {
            return;
        };
        let number_before = |word: &str| -> Option<u64> {
            let at = rest.find(word)?;
            rest[..at].split_whitespace().last()?.parse().ok()
        };
        let (Some(done), Some(todo)) = (number_before(" tries in"), number_before(" to do in"))
        else {
            return;
        };
        let total = done + todo;
        let mut message = format!("{done} of {total} login attempts made");
        if self.found > 0 {
            message.push_str(&format!(", {} valid pair(s) found", self.found));
        }
        self.report(done as f64, Some(total as f64), message);
    }

    fn sqlmap(&mut self, line: &str) {
        // [17:27:04] [INFO] testing 'AND boolean-based blind - WHERE or HAVING clause'
        let Some(at) = line.find("] [INFO] ") else {
            return;
        };
        let msg = &line[at + "] [INFO] ".len()..];
        if msg.contains(" injectable") && msg.contains("parameter '") {
            self.found += 1;
        }
        let Some(what) = msg.strip_prefix("testing ") else {
            return;
        };
        self.count += 1;
        let what: String = what.chars().take(120).collect();
        let mut message = format!("testing {what}");
        if self.found > 0 {
            message.push_str(&format!(" ({} injection point(s) found)", self.found));
        }
        self.report(self.count as f64, None, message);
    }
}

/// `line` without the terminal control sequences (`ESC [ ... final`) some
/// tools put before a redrawn line, e.g. `ESC[2K`.
fn strip_csi(mut line: &str) -> &str {
    while let Some(rest) = line.strip_prefix("\u{1b}[") {
        match rest.find(|c: char| ('@'..='~').contains(&c)) {
            Some(end) => line = &rest[end + 1..],
            None => return "",
        }
    }
    line
}

fn strip_found(message: &str) -> &str {
    message.split(", ").take(1).next().unwrap_or(message)
}

/// The value of `name="..."` in an XML start tag's attributes.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    loop {
        let at = rest.find(name)?;
        let before_ok = at == 0 || rest.as_bytes()[at - 1] == b' ';
        let after = &rest[at + name.len()..];
        if before_ok && let Some(v) = after.strip_prefix("=\"") {
            return v.split('"').next();
        }
        rest = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(kind: ProgressKind, stderr: bool, text: &str) -> Vec<Progress> {
        let mut r = ProgressReader::new(kind);
        // Byte by byte: lines split across chunks must not matter.
        text.as_bytes()
            .chunks(7)
            .filter_map(|c| r.feed(stderr, c))
            .collect()
    }

    #[test]
    fn nmap_phases_add_up_and_never_go_back() {
        let xml = concat!(
            "<?xml version=\"1.0\"?>\n<nmaprun>\n",
            "<taskprogress task=\"Connect Scan\" time=\"1\" percent=\"22.98\" remaining=\"4\" etc=\"5\"/>\n",
            "<taskprogress task=\"Connect Scan\" time=\"2\" percent=\"53.06\" remaining=\"3\" etc=\"5\"/>\n",
            "<taskprogress task=\"Connect Scan\" time=\"2\" percent=\"50.00\" remaining=\"3\" etc=\"5\"/>\n",
            "<host starttime=\"1\"><status state=\"up\"/></host>\n",
            "<taskprogress task=\"Service scan\" time=\"3\" percent=\"10.00\" remaining=\"0\" etc=\"5\"/>\n",
        );
        let got = feed_all(ProgressKind::Nmap, false, xml);
        let values: Vec<f64> = got.iter().map(|p| p.progress).collect();
        assert_eq!(values, [22.98, 53.06, 110.0]);
        assert_eq!(
            got[0].message,
            "Connect Scan: 23% done, about 4 s left in this phase"
        );
        assert_eq!(got[2].message, "Service scan: 10% done, 1 host(s) reported");
        assert!(got.iter().all(|p| p.total.is_none()));
        // stderr is not nmap's progress channel.
        assert!(feed_all(ProgressKind::Nmap, true, xml).is_empty());
    }

    #[test]
    fn gobuster_progress_gives_words_tried_of_the_total_and_counts_results() {
        let mut r = ProgressReader::new(ProgressKind::Gobuster);
        let first = r.feed(
            true,
            b"\r\x1b[2KProgress: 268 / 3001 (8.93%)\r\x1b[2KProgress: 499 / 3001 (16.63%)",
        );
        assert_eq!(
            first.map(|p| (p.progress, p.total)),
            Some((268.0, Some(3001.0)))
        );
        assert_eq!(
            r.feed(
                false,
                b"\x1b[2K/admin (Status: 301) [Size: 0] [--> /admin/]\n"
            ),
            None
        );
        let next = r
            .feed(true, b"\r\x1b[2KProgress: 740 / 3001 (24.66%)\r")
            .unwrap();
        assert_eq!(next.progress, 740.0);
        // 499 was held back in the line buffer until its \r arrived.
        assert!(
            next.message == "740 of 3001 words tried, 1 found",
            "{}",
            next.message
        );
        // Garbage and a count past the total move nothing.
        for junk in [
            &b"Progress: x / 3001\r"[..],
            b"Progress: 9999 / 3001 (333%)\r",
            b"[ERROR] timeout\r",
        ] {
            assert_eq!(r.feed(true, junk), None);
        }
    }

    #[test]
    fn masscan_status_lines_redrawn_with_carriage_returns() {
        let err = "rate:  0.00-kpps,  0.00% done,   0:00:09 remaining, found=0       \r\
                   rate:  1.00-kpps, 42.50% done,   0:00:05 remaining, found=1       \r\
                   rate:  0.00-kpps, 100.00% done, waiting 10-secs, found=2       \r";
        let got = feed_all(ProgressKind::Masscan, true, err);
        assert_eq!(
            got.iter().map(|p| p.progress).collect::<Vec<_>>(),
            [0.0, 42.5, 100.0]
        );
        assert_eq!(
            got[1].message,
            "42% of the packets sent, 1 open port(s) found"
        );
        assert!(got[2].message.starts_with("all packets sent"));
        assert_eq!(got[2].total, Some(100.0));
    }

    #[test]
    fn masscan_says_when_it_should_exit_once_all_packets_are_sent() {
        let mut reader = ProgressReader::new(ProgressKind::Masscan);
        let line = |secs: i64| {
            format!("rate:  0.00-kpps, 100.00% done, waiting {secs}-secs, found=1       \r")
        };
        reader.feed(
            true,
            b"rate:  1.00-kpps, 42.50% done,   0:00:05 remaining, found=1       \r",
        );
        assert_eq!(reader.exit_due_within(), None, "still sending");
        // The same line on stdout is not masscan's status.
        reader.feed(false, line(3).as_bytes());
        assert_eq!(reader.exit_due_within(), None);
        reader.feed(true, line(3).as_bytes());
        let due = Some(3 + MASSCAN_EXIT_WINDOW_SECS);
        assert_eq!(reader.exit_due_within(), due);
        // Later lines of the countdown do not move it.
        for secs in [2, 0, -4] {
            reader.feed(true, line(secs).as_bytes());
        }
        assert_eq!(reader.exit_due_within(), due);
        // A first line already below zero counts from zero.
        let mut late = ProgressReader::new(ProgressKind::Masscan);
        late.feed(true, line(-2).as_bytes());
        assert_eq!(late.exit_due_within(), Some(MASSCAN_EXIT_WINDOW_SECS));
        // Other tools never announce it.
        let mut nmap = ProgressReader::new(ProgressKind::Nmap);
        nmap.feed(false, line(3).as_bytes());
        assert_eq!(nmap.exit_due_within(), None);
    }

    #[test]
    fn hydra_status_gives_tries_of_the_total_and_counts_valid_pairs() {
        let out = "[DATA] attacking http-get://10.99.0.30:80/\n\
                   [STATUS] 64.00 tries/min, 64 tries in 00:01h, 136 to do in 00:03h, 4 active\n\
                   [80][http-get] host: 10.99.0.30   login: admin   password: x\n\
                   [STATUS] 70.00 tries/min, 140 tries in 00:02h, 60 to do in 00:01h, 4 active\n";
        let got = feed_all(ProgressKind::Hydra, false, out);
        assert_eq!(got[0].progress, 64.0);
        assert_eq!(got[0].total, Some(200.0));
        assert_eq!(
            got[1].message,
            "64 of 200 login attempts made, 1 valid pair(s) found"
        );
        assert_eq!(
            got[2].message,
            "140 of 200 login attempts made, 1 valid pair(s) found"
        );
        assert!(!got.iter().any(|p| p.message.contains("password")));
    }

    #[test]
    fn sqlmap_counts_tests_from_its_recorded_log() {
        let log = include_str!("../tests/golden/sqlmap/get-banner.stdout");
        let got = feed_all(ProgressKind::Sqlmap, false, log);
        assert!(got.len() >= 3, "{got:?}");
        assert!(got.windows(2).all(|w| w[0].progress < w[1].progress));
        assert!(
            got.iter()
                .any(|p| p.message.starts_with("testing 'AND boolean-based blind"))
        );
        assert!(
            got.last()
                .unwrap()
                .message
                .contains("injection point(s) found")
        );
    }

    #[test]
    fn terminal_sequences_before_a_line_are_skipped() {
        assert_eq!(strip_csi("\u{1b}[2KProgress: 1 / 2"), "Progress: 1 / 2");
        assert_eq!(strip_csi("[STATUS] x"), "[STATUS] x");
        assert_eq!(
            strip_csi("\u{1b}[1;31m\u{1b}[0m[17:27:04] [INFO]"),
            "[17:27:04] [INFO]"
        );
    }

    #[test]
    fn endless_lines_and_garbage_cost_nothing_and_report_nothing() {
        let mut r = ProgressReader::new(ProgressKind::Nmap);
        let junk = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            assert_eq!(r.feed(false, &junk), None);
        }
        assert!(r.lines[0].buf.len() <= MAX_LINE);
        // The line after the endless one is read normally.
        let next = "\n<taskprogress task=\"Ping Scan\" percent=\"5.00\" remaining=\"1\"/>\n";
        assert_eq!(r.feed(false, next.as_bytes()).unwrap().progress, 5.0);
        assert_eq!(
            r.feed(
                false,
                b"<taskprogress task=\"Ping Scan\" percent=\"NaN\"/>\n"
            ),
            None
        );
        assert_eq!(r.feed(false, "\u{ff}\u{fe}\n".as_bytes()), None);
    }
}
