//! What changed between two stored runs of one tool: hosts and ports that
//! opened or closed, services that changed (nmap, masscan), paths and names
//! that appeared or went (gobuster), answers (dig), credentials (hydra) and
//! injection points (sqlmap). A thing absent from the later run counts as
//! gone only when that run looked at it (its target covered the host and
//! its port list held the port); otherwise it is left out and a note says so.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use secmcp_store::RunRecord;

use super::observe::{Observations, looked_at, observe};
use super::time::utc;

/// The most changes one diff lists; the rest are counted.
pub const MAX_CHANGES: usize = 500;

/// Two runs compared.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunDiff {
    /// The tool both runs used.
    pub tool: String,
    /// The earlier run.
    pub before: RunRef,
    /// The later run.
    pub after: RunRef,
    /// Counts of the changes by kind (all of them, also those not listed).
    pub counts: Counts,
    /// The changes, hosts first, at most 500.
    pub changes: Vec<Change>,
    /// Changes found beyond the listed ones.
    pub omitted: usize,
    /// What could not be compared, and why.
    pub notes: Vec<String>,
}

/// One of the compared runs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunRef {
    /// Run id (`secmcp://runs/{id}` reads it).
    pub id: String,
    /// When the call arrived (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub at: String,
    /// The target as given.
    pub target: String,
    /// The command that ran (secrets masked).
    pub argv: Vec<String>,
}

/// How many things appeared, went and changed.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Counts {
    /// Present only in the later run.
    pub added: usize,
    /// Present only in the earlier run (and looked for in the later one).
    pub removed: usize,
    /// Present in both, different.
    pub changed: usize,
}

/// One difference.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct Change {
    /// `added`, `removed` or `changed`.
    pub change: ChangeKind,
    /// What changed: `host`, `port`, `service`, `path`, `dns_status`,
    /// `answer`, `credential`, `injection_point`, `dbms`.
    pub what: &'static str,
    /// Which one: `10.0.0.1`, `10.0.0.1 tcp/22`, `/admin`, `web.lab. A`,
    /// `10.0.0.1:22 ssh root`, `GET id`.
    pub key: String,
    /// The earlier value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The later value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Kinds of change.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Present only in the later run.
    Added,
    /// Present only in the earlier run.
    Removed,
    /// Different in the two runs.
    Changed,
}

/// Why two runs cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotComparable(pub String);

/// Compares `before` with `after` (the caller orders them by time).
pub fn diff(before: &RunRecord, after: &RunRecord) -> Result<RunDiff, NotComparable> {
    if before.tool != after.tool {
        return Err(NotComparable(format!(
            "run {} is {} and run {} is {}: only runs of the same tool compare",
            before.id, before.tool, after.id, after.tool
        )));
    }
    let observed = |r: &RunRecord| match &r.structured {
        Some(s) => Ok(observe(&r.tool, s, &r.argv)),
        None => Err(NotComparable(format!(
            "run {} kept no result (decision {}, outcome {}): compare runs that completed",
            r.id,
            r.decision.as_str(),
            r.outcome
        ))),
    };
    let (a, b) = (observed(before)?, observed(after)?);
    let mut d = Differ::default();
    hosts(&mut d, &a, &b, before, after);
    if let (Some((mode_a, fa)), Some((mode_b, fb))) = (&a.found, &b.found) {
        if mode_a == mode_b {
            d.maps("path", fa, fb);
        } else {
            d.notes.push(format!(
                "gobuster modes differ ({mode_a} then {mode_b}): found entries not compared"
            ));
        }
    }
    if let (Some((status_a, ans_a)), Some((status_b, ans_b))) = (&a.dns, &b.dns) {
        if status_a != status_b {
            d.push(
                Change::new(ChangeKind::Changed, "dns_status", "status")
                    .with(Some(status_a.clone()), Some(status_b.clone())),
            );
        }
        let join = |m: &BTreeMap<String, BTreeSet<String>>| -> BTreeMap<String, String> {
            m.iter()
                .map(|(k, v)| (k.clone(), v.iter().cloned().collect::<Vec<_>>().join(", ")))
                .collect()
        };
        d.maps("answer", &join(ans_a), &join(ans_b));
    }
    let creds = |s: &BTreeSet<String>| s.iter().map(|c| (c.clone(), String::new())).collect();
    d.maps("credential", &creds(&a.credentials), &creds(&b.credentials));
    let inj = |m: &BTreeMap<String, BTreeSet<String>>| -> BTreeMap<String, String> {
        m.iter()
            .map(|(k, v)| (k.clone(), v.iter().cloned().collect::<Vec<_>>().join("; ")))
            .collect()
    };
    d.maps("injection_point", &inj(&a.injections), &inj(&b.injections));
    if a.dbms != b.dbms && a.dbms.is_some() && b.dbms.is_some() {
        d.push(
            Change::new(ChangeKind::Changed, "dbms", "dbms").with(a.dbms.clone(), b.dbms.clone()),
        );
    }
    if before.argv.get(1..) != after.argv.get(1..) {
        d.notes.push(
            "the two runs ran different commands (see before.argv and after.argv): a difference may come from the options, not the target"
                .into(),
        );
    }
    let run_ref = |r: &RunRecord| RunRef {
        id: r.id.clone(),
        at: utc(r.started_at_ms),
        target: r.target.clone(),
        argv: r.argv.clone(),
    };
    Ok(RunDiff {
        tool: before.tool.clone(),
        before: run_ref(before),
        after: run_ref(after),
        counts: d.counts,
        omitted: d.omitted,
        changes: d.changes,
        notes: d.notes,
    })
}

fn hosts(d: &mut Differ, a: &Observations, b: &Observations, ra: &RunRecord, rb: &RunRecord) {
    let mut unseen = 0usize;
    // A later run stopped early (timeout, cancel) never reached some of what
    // it was to look at: nothing counts as closed by it.
    let finished = rb.outcome == "ok";
    if !finished {
        d.notes.push(format!(
            "the later run ended with `{}` before finishing: what it had not reached is not counted as closed",
            rb.outcome
        ));
    }
    let looked_at = |o: &Observations, pinned: &[String], addr: &str, port: Option<&str>| {
        finished && looked_at(o, pinned, addr, port)
    };
    for (addr, ha) in &a.hosts {
        match b.hosts.get(addr) {
            None if looked_at(b, &rb.pinned, addr, None) => {
                d.push(
                    Change::new(ChangeKind::Removed, "host", addr).with(Some("up".into()), None),
                );
            }
            None => unseen += 1,
            Some(hb) => {
                for (port, svc) in &ha.open {
                    let key = format!("{addr} {port}");
                    match hb.open.get(port) {
                        None if looked_at(b, &rb.pinned, addr, Some(port)) => d.push(
                            Change::new(ChangeKind::Removed, "port", &key)
                                .with(Some(svc.clone()), None),
                        ),
                        None => unseen += 1,
                        Some(now) if now != svc && !now.is_empty() && !svc.is_empty() => d.push(
                            Change::new(ChangeKind::Changed, "service", &key)
                                .with(Some(svc.clone()), Some(now.clone())),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }
    for (addr, hb) in &b.hosts {
        let ha = a.hosts.get(addr);
        if ha.is_none() {
            d.push(Change::new(ChangeKind::Added, "host", addr).with(None, Some("up".into())));
        }
        for (port, svc) in &hb.open {
            if ha.is_some_and(|h| h.open.contains_key(port)) {
                continue;
            }
            let key = format!("{addr} {port}");
            // A port the earlier run did not look at is new to us, not newly open.
            let note = if super::observe::looked_at(a, &ra.pinned, addr, Some(port)) {
                ""
            } else {
                " (not scanned before)"
            };
            d.push(
                Change::new(ChangeKind::Added, "port", &key)
                    .with(None, Some(format!("{svc}{note}").trim().to_owned())),
            );
        }
    }
    if unseen > 0 {
        d.notes.push(format!(
            "{unseen} host(s) or port(s) open in the earlier run were outside the later run's targets or port list: not counted as closed"
        ));
    }
}

#[derive(Default)]
struct Differ {
    changes: Vec<Change>,
    counts: Counts,
    omitted: usize,
    notes: Vec<String>,
}

impl Differ {
    fn push(&mut self, c: Change) {
        match c.change {
            ChangeKind::Added => self.counts.added += 1,
            ChangeKind::Removed => self.counts.removed += 1,
            ChangeKind::Changed => self.counts.changed += 1,
        }
        if self.changes.len() < MAX_CHANGES {
            self.changes.push(c);
        } else {
            self.omitted += 1;
        }
    }

    /// Added, removed and changed keys of two keyed maps.
    fn maps(
        &mut self,
        what: &'static str,
        a: &BTreeMap<String, String>,
        b: &BTreeMap<String, String>,
    ) {
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        for (k, va) in a {
            match b.get(k) {
                None => self.push(Change::new(ChangeKind::Removed, what, k).with(some(va), None)),
                Some(vb) if vb != va => {
                    self.push(Change::new(ChangeKind::Changed, what, k).with(some(va), some(vb)));
                }
                Some(_) => {}
            }
        }
        for (k, vb) in b {
            if !a.contains_key(k) {
                self.push(Change::new(ChangeKind::Added, what, k).with(None, some(vb)));
            }
        }
    }
}

impl Change {
    fn new(change: ChangeKind, what: &'static str, key: &str) -> Self {
        Self {
            change,
            what,
            key: key.to_owned(),
            before: None,
            after: None,
        }
    }

    fn with(mut self, before: Option<String>, after: Option<String>) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

impl RunDiff {
    /// A few lines for the model: the counts, then the changes (at most 20).
    pub fn text(&self) -> String {
        let mut t = format!(
            "{} on {}: run {} ({}) -> run {} ({}): {} added, {} removed, {} changed\n",
            self.tool,
            self.after.target,
            self.before.id,
            self.before.at,
            self.after.id,
            self.after.at,
            self.counts.added,
            self.counts.removed,
            self.counts.changed
        );
        for c in self.changes.iter().take(20) {
            let verb = match c.change {
                ChangeKind::Added => "+",
                ChangeKind::Removed => "-",
                ChangeKind::Changed => "~",
            };
            t.push_str(&format!("{verb} {} {}", c.what, c.key));
            match (&c.before, &c.after) {
                (Some(b), Some(a)) => t.push_str(&format!(": {b} -> {a}")),
                (None, Some(v)) | (Some(v), None) => t.push_str(&format!(": {v}")),
                (None, None) => {}
            }
            t.push('\n');
        }
        let more = self.changes.len().saturating_sub(20) + self.omitted;
        if more > 0 {
            t.push_str(&format!(
                "... and {more} more (structuredContent lists up to {MAX_CHANGES})\n"
            ));
        }
        for n in &self.notes {
            t.push_str(&format!("note: {n}\n"));
        }
        t
    }
}
