//! The engagement report: the hosts and open services the stored runs found
//! (latest state: a later run that looked and found a port closed removes
//! it), the other findings (paths, answers, credentials, injection points),
//! and the exact commands that produced them. Rendered as Markdown and as one
//! self-contained HTML page. Every value from a tool is untrusted text: it is
//! escaped for each format so it can never become a link, an image, markup or
//! a script.

use std::collections::{BTreeMap, BTreeSet};

use secmcp_store::RunRecord;

use super::observe::{looked_at, observe};
use super::time::utc;

/// Findings listed at most; the rest are counted.
pub const MAX_FINDINGS: usize = 2000;

/// A report built from stored runs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// When it was made (UTC).
    pub generated: String,
    /// What was asked for, in words.
    pub selection: String,
    /// Hosts with open services, by address.
    pub hosts: BTreeMap<String, HostRow>,
    /// Other findings, oldest first.
    pub findings: Vec<Finding>,
    /// Findings beyond [`MAX_FINDINGS`].
    pub omitted_findings: usize,
    /// Every run used, oldest first.
    pub commands: Vec<Command>,
}

/// One host and its open services.
#[derive(Debug, Clone, Default)]
pub struct HostRow {
    /// Names tools reported for it.
    pub names: BTreeSet<String>,
    /// Open ports (`tcp/22`) with their service and the run that saw them last.
    pub services: BTreeMap<String, (String, String)>,
}

/// A finding that is not an open port.
#[derive(Debug, Clone)]
pub struct Finding {
    /// When the run was (UTC).
    pub at: String,
    /// Tool and target.
    pub source: String,
    /// What it is: path, name, answer, credential, injection point, database.
    pub what: &'static str,
    /// The finding.
    pub detail: String,
    /// The run's id.
    pub run: String,
}

/// One run as it ran.
#[derive(Debug, Clone)]
pub struct Command {
    /// When it arrived (UTC).
    pub at: String,
    /// The run's id.
    pub run: String,
    /// Its outcome (`ok` or an error code).
    pub outcome: String,
    /// The command line (secrets masked).
    pub argv: Vec<String>,
}

impl Report {
    /// Builds a report from `runs` (any order; refused calls and dry runs are
    /// skipped: they found nothing and ran nothing).
    pub fn build(mut runs: Vec<RunRecord>, selection: String, now_ms: i64) -> Self {
        runs.retain(|r| r.decision == secmcp_store::Decision::Accepted);
        runs.sort_by(|a, b| a.id.cmp(&b.id));
        let mut r = Report {
            generated: utc(now_ms),
            selection,
            ..Self::default()
        };
        for run in &runs {
            r.commands.push(Command {
                at: utc(run.started_at_ms),
                run: run.id.clone(),
                outcome: run.outcome.clone(),
                argv: run.argv.clone(),
            });
            let Some(structured) = &run.structured else {
                continue;
            };
            let o = observe(&run.tool, structured, &run.argv);
            // Latest state: what a port scan looked at and did not find open is gone.
            // A run stopped early (timeout, cancel) only adds what it found.
            let port_scan = matches!(run.tool.as_str(), "nmap" | "masscan") && run.outcome == "ok";
            for (addr, row) in r.hosts.iter_mut().filter(|_| port_scan) {
                row.services.retain(|port, _| {
                    let open_now = o.hosts.get(addr).is_some_and(|h| h.open.contains_key(port));
                    open_now || !looked_at(&o, &run.pinned, addr, Some(port))
                });
            }
            for (addr, h) in &o.hosts {
                let row = r.hosts.entry(addr.clone()).or_default();
                row.names.extend(h.names.iter().cloned());
                for (port, svc) in &h.open {
                    row.services
                        .insert(port.clone(), (svc.clone(), run.id.clone()));
                }
            }
            r.hosts.retain(|_, row| !row.services.is_empty());
            let source = format!("{} {}", run.tool, run.target);
            let mut add = |what: &'static str, detail: String| {
                if r.findings.len() < MAX_FINDINGS {
                    r.findings.push(Finding {
                        at: utc(run.started_at_ms),
                        source: source.clone(),
                        what,
                        detail,
                        run: run.id.clone(),
                    });
                } else {
                    r.omitted_findings += 1;
                }
            };
            if let Some((mode, found)) = &o.found {
                let what = if mode == "dir" { "path" } else { "name" };
                for (name, detail) in found {
                    add(what, format!("{name} ({detail})"));
                }
            }
            if let Some((status, answers)) = &o.dns {
                if answers.is_empty() {
                    add("answer", format!("no answer ({status})"));
                }
                for (key, data) in answers {
                    let data: Vec<&str> = data.iter().map(String::as_str).collect();
                    add("answer", format!("{key}: {}", data.join(", ")));
                }
            }
            for c in &o.credentials {
                add("credential", format!("valid login {c}"));
            }
            for (point, techniques) in &o.injections {
                let t: Vec<&str> = techniques.iter().map(String::as_str).collect();
                add("injection point", format!("{point}: {}", t.join("; ")));
            }
            if let Some(d) = &o.dbms {
                add("database", d.clone());
            }
        }
        r
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut m = String::from("# secmcp engagement report\n\n");
        m.push_str(&format!(
            "Generated {} UTC from {} run(s). Selection: {}.\n\n",
            self.generated,
            self.commands.len(),
            md(&self.selection)
        ));
        m.push_str("## Hosts and open services\n\n");
        if self.hosts.is_empty() {
            m.push_str("No open services were found.\n\n");
        } else {
            m.push_str(
                "| Host | Names | Port | Service | Last seen in run |\n|---|---|---|---|---|\n",
            );
            for (addr, row) in &self.hosts {
                let names: Vec<&str> = row.names.iter().map(String::as_str).collect();
                for (port, (svc, run)) in &row.services {
                    m.push_str(&format!(
                        "| {} | {} | {} | {} | {} |\n",
                        md(addr),
                        md(&names.join(", ")),
                        md(port),
                        md(svc),
                        md(run)
                    ));
                }
            }
            m.push('\n');
        }
        m.push_str("## Findings\n\n");
        if self.findings.is_empty() {
            m.push_str("No other findings.\n\n");
        } else {
            m.push_str("| Time (UTC) | Source | Kind | Finding | Run |\n|---|---|---|---|---|\n");
            for f in &self.findings {
                m.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md(&f.at),
                    md(&f.source),
                    f.what,
                    md(&f.detail),
                    md(&f.run)
                ));
            }
            if self.omitted_findings > 0 {
                m.push_str(&format!(
                    "\n{} more findings are not listed.\n",
                    self.omitted_findings
                ));
            }
            m.push('\n');
        }
        m.push_str("## Commands\n\n| Time (UTC) | Run | Outcome | Command |\n|---|---|---|---|\n");
        for c in &self.commands {
            m.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md(&c.at),
                md(&c.run),
                md(&c.outcome),
                md(&shell_words(&c.argv))
            ));
        }
        m
    }

    /// The report as one HTML page with no scripts and nothing loaded from
    /// elsewhere.
    pub fn html(&self) -> String {
        let mut h = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<title>secmcp engagement report</title>\n<style>\n\
body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin-bottom:1.5em}\
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#eee}code{font-family:ui-monospace,monospace;font-size:.9em}\n\
</style></head><body>\n<h1>secmcp engagement report</h1>\n",
        );
        h.push_str(&format!(
            "<p>Generated {} UTC from {} run(s). Selection: {}.</p>\n",
            esc(&self.generated),
            self.commands.len(),
            esc(&self.selection)
        ));
        h.push_str("<h2>Hosts and open services</h2>\n");
        if self.hosts.is_empty() {
            h.push_str("<p>No open services were found.</p>\n");
        } else {
            h.push_str("<table><tr><th>Host</th><th>Names</th><th>Port</th><th>Service</th><th>Last seen in run</th></tr>\n");
            for (addr, row) in &self.hosts {
                let names: Vec<&str> = row.names.iter().map(String::as_str).collect();
                for (port, (svc, run)) in &row.services {
                    h.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                        esc(addr),
                        esc(&names.join(", ")),
                        esc(port),
                        esc(svc),
                        esc(run)
                    ));
                }
            }
            h.push_str("</table>\n");
        }
        h.push_str("<h2>Findings</h2>\n");
        if self.findings.is_empty() {
            h.push_str("<p>No other findings.</p>\n");
        } else {
            h.push_str("<table><tr><th>Time (UTC)</th><th>Source</th><th>Kind</th><th>Finding</th><th>Run</th></tr>\n");
            for f in &self.findings {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                    esc(&f.at),
                    esc(&f.source),
                    f.what,
                    esc(&f.detail),
                    esc(&f.run)
                ));
            }
            h.push_str("</table>\n");
            if self.omitted_findings > 0 {
                h.push_str(&format!(
                    "<p>{} more findings are not listed.</p>\n",
                    self.omitted_findings
                ));
            }
        }
        h.push_str("<h2>Commands</h2>\n<table><tr><th>Time (UTC)</th><th>Run</th><th>Outcome</th><th>Command</th></tr>\n");
        for c in &self.commands {
            h.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>\n",
                esc(&c.at),
                esc(&c.run),
                esc(&c.outcome),
                esc(&shell_words(&c.argv))
            ));
        }
        h.push_str("</table>\n</body></html>\n");
        h
    }
}

/// Markdown text that renders as exactly these characters: every ASCII
/// punctuation character backslash-escaped (CommonMark allows it for all of
/// them), line breaks and other control characters as spaces.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push(' ');
        } else {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// HTML text content.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// argv as one line a shell would read back the same (single quotes where needed).
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@%+".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
