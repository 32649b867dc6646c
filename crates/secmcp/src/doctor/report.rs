//! What `doctor` reports: findings (one checked thing each, with a fix when
//! something is wrong) and the verdict. Plain data.

use std::fmt::Write as _;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// A fact worth knowing; nothing to fix.
    Info,
    /// Some calls will fail or behave unexpectedly; the server still serves.
    Warn,
    /// The server cannot do part of its job (a tool offered to clients is
    /// unusable, the config is invalid, the scope allows nothing, ...).
    Fail,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warn => "WARN",
            Severity::Fail => "FAIL",
        }
    }
}

/// One checked thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The section it belongs to (`config`, `tools`, `wordlists`, ...).
    pub area: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// What to do about it (for warnings and failures).
    pub fix: Option<String>,
}

impl Finding {
    /// A finding without a fix.
    pub fn new(area: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            area,
            severity,
            message: message.into(),
            fix: None,
        }
    }

    /// The same finding with `fix`.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Where the config came from (a path, or the embedded defaults).
    pub config_source: String,
    /// In the order they were checked.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether the server can do its whole job: nothing failed.
    pub fn can_serve(&self) -> bool {
        self.count(Severity::Fail) == 0
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The report as text, grouped by area in the order areas first appear.
    pub fn to_text(&self) -> String {
        let mut s = format!("secmcp doctor: config {}\n", self.config_source);
        let mut areas: Vec<&str> = Vec::new();
        for f in &self.findings {
            if !areas.contains(&f.area) {
                areas.push(f.area);
            }
        }
        for area in areas {
            let _ = writeln!(s, "\n{area}");
            for f in self.findings.iter().filter(|f| f.area == area) {
                let _ = writeln!(s, "  {:<5} {}", f.severity.label(), f.message);
                if let Some(fix) = &f.fix {
                    let _ = writeln!(s, "        fix: {fix}");
                }
            }
        }
        let (fail, warn) = (self.count(Severity::Fail), self.count(Severity::Warn));
        let _ = writeln!(
            s,
            "\n{} problem{}, {} warning{}: {}",
            fail,
            if fail == 1 { "" } else { "s" },
            warn,
            if warn == 1 { "" } else { "s" },
            if self.can_serve() {
                "the server can do its job"
            } else {
                "the server cannot do its whole job until the problems are fixed"
            }
        );
        s
    }
}
