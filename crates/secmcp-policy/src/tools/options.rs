//! Option docs generated from the grammars' own tables.
//!
//! [`ToolOptions`] says what a tool's grammar accepts (every spelling, its
//! value placeholder and its gate), what it refuses (by family, with every
//! refused spelling) and the facts that bound the values (limits, with the
//! operator setting where one exists). Each tool builds it in its
//! `flags.rs`/`mod.rs` from the very tables and consts its grammar enforces,
//! so a tool description cannot drift from what is enforced; the round-trip
//! tests in `tools/tests.rs` check both directions through `plan`/`authorize`.
//! [`ToolOptions::render_compact`] is the short text the server puts into the
//! MCP tool description.
//!
//! Must not: hold a list of options of its own, or decide anything.

use std::fmt::Write as _;

use super::id::ToolId;

/// What an accepted option needs beyond what the whole tool needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gate {
    /// Nothing more.
    Open,
    /// Raw sockets: the server holds CAP_NET_RAW (`privilege_required` otherwise).
    RawSockets,
    /// The operator's `security.allow_intrusive`.
    Intrusive,
    /// Both raw sockets and `security.allow_intrusive`.
    RawSocketsAndIntrusive,
    /// An operator setting of the tool.
    Setting(Setting),
}

impl Gate {
    /// Whether the option needs raw sockets.
    pub fn needs_raw_sockets(self) -> bool {
        matches!(self, Gate::RawSockets | Gate::RawSocketsAndIntrusive)
    }

    /// Whether the option needs `security.allow_intrusive`.
    pub fn needs_intrusive(self) -> bool {
        matches!(self, Gate::Intrusive | Gate::RawSocketsAndIntrusive)
    }

    /// The operator setting the option needs, if any.
    pub fn setting(self) -> Option<Setting> {
        match self {
            Gate::Setting(s) => Some(s),
            _ => None,
        }
    }

    /// The marker in compact text (`raw`, `intrusive`, ...); empty when open.
    pub fn marker(self) -> &'static str {
        match self {
            Gate::Open => "",
            Gate::RawSockets => "raw",
            Gate::Intrusive => "intrusive",
            Gate::RawSocketsAndIntrusive => "raw+intrusive",
            Gate::Setting(s) => s.name(),
        }
    }
}

/// A tool setting that unlocks options (beyond `security.allow_intrusive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// `tools.sqlmap.allow_enumeration`: enumeration beyond fingerprinting.
    SqlmapEnumeration,
}

impl Setting {
    /// The config key.
    pub fn name(self) -> &'static str {
        match self {
            Setting::SqlmapEnumeration => "tools.sqlmap.allow_enumeration",
        }
    }
}

/// How a value joins the option's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Join {
    /// The next argument (`-p PORTS`); `--long` options of nmap, masscan,
    /// gobuster and sqlmap also take `--long=VALUE`.
    Separate,
    /// Glued to the spelling (`-T4`).
    Glued,
    /// Glued and optional (`-PS` or `-PS22,80`).
    OptionalGlued,
    /// Joined with `=` (`+time=5`).
    Equals,
    /// The argument is the value itself (dig's `MX`, `@10.0.0.53`).
    Word,
}

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueDoc {
    /// The placeholder (`PORTS`, `N`, `GET|HEAD|POST|OPTIONS`).
    pub placeholder: String,
    /// How it is written.
    pub join: Join,
    /// A value the grammar accepts (for examples and tests).
    pub example: String,
}

/// One accepted option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionDoc {
    /// Every spelling the grammar accepts for it; the first is canonical.
    pub spellings: Vec<String>,
    /// Its value, if it takes one.
    pub value: Option<ValueDoc>,
    /// What it needs beyond the tool's own gate.
    pub gate: Gate,
    /// A short fact about its value (range, limit, default); may be empty.
    pub note: String,
    /// The modes it belongs to (gobuster); empty = every mode.
    pub modes: Vec<&'static str>,
}

impl OptionDoc {
    /// A switch with these spellings.
    pub(crate) fn new<S: Into<String>>(spellings: impl IntoIterator<Item = S>) -> Self {
        Self {
            spellings: spellings.into_iter().map(Into::into).collect(),
            value: None,
            gate: Gate::Open,
            note: String::new(),
            modes: Vec::new(),
        }
    }

    /// Adds a value.
    pub(crate) fn value(
        mut self,
        placeholder: impl Into<String>,
        join: Join,
        example: &str,
    ) -> Self {
        self.value = Some(ValueDoc {
            placeholder: placeholder.into(),
            join,
            example: example.to_owned(),
        });
        self
    }

    /// Sets the gate.
    pub(crate) fn gate(mut self, gate: Gate) -> Self {
        self.gate = gate;
        self
    }

    /// Sets the note.
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Sets the modes.
    pub(crate) fn modes(mut self, modes: &[&'static str]) -> Self {
        self.modes = modes.to_vec();
        self
    }

    /// The arguments that give this option as `spelling` with its example
    /// value, as a caller would write them in `extra_args`.
    pub fn example_args(&self, spelling: &str) -> Vec<String> {
        let Some(v) = &self.value else {
            return vec![spelling.to_owned()];
        };
        match v.join {
            Join::Separate => vec![spelling.to_owned(), v.example.clone()],
            Join::Glued | Join::OptionalGlued => vec![format!("{spelling}{}", v.example)],
            Join::Equals => vec![format!("{spelling}={}", v.example)],
            Join::Word => vec![v.example.clone()],
        }
    }

    /// `-p/--ports PORTS`, `-PS[PORTS]`, `+time=N`; a `+x` and `+nox` pair
    /// of spellings is written `+[no]x`.
    pub fn usage(&self) -> String {
        let names = compact_names(&self.spellings);
        let Some(v) = &self.value else {
            return names;
        };
        match v.join {
            Join::Separate => format!("{names} {}", v.placeholder),
            Join::Glued => format!("{names}{}", v.placeholder),
            Join::OptionalGlued => format!("{names}[{}]", v.placeholder),
            Join::Equals => format!("{names}={}", v.placeholder),
            Join::Word => v.placeholder.clone(),
        }
    }
}

/// Spellings joined with `/`, each `+x`/`+nox` pair as `+[no]x`.
fn compact_names(spellings: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for s in spellings {
        if let Some(rest) = s.strip_prefix("+no")
            && spellings.iter().any(|x| x.strip_prefix('+') == Some(rest))
        {
            continue;
        }
        match s.strip_prefix('+') {
            Some(rest) if spellings.iter().any(|x| *x == format!("+no{rest}")) => {
                out.push(format!("+[no]{rest}"));
            }
            _ => out.push(s.clone()),
        }
    }
    out.join("/")
}

/// Accepted options that belong together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionGroup {
    /// What they are about (`ports`, `timing`, `dir mode`).
    pub title: &'static str,
    /// The options.
    pub options: Vec<OptionDoc>,
}

/// Refused spellings that share a reason family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFamily {
    /// The family, e.g. `output files`, `spoofing and decoys`.
    pub family: &'static str,
    /// Every refused spelling of it, as the grammar matches them; `-o*`
    /// stands for `-o` with anything glued on (`-oNfile`).
    pub spellings: Vec<String>,
}

/// Why a spelling is refused: a short family for docs and the full reason
/// that the refusal message gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Why {
    /// The family label, e.g. `output files`.
    pub family: &'static str,
    /// The full reason, e.g. `it makes nmap write local files; ...`.
    pub reason: &'static str,
}

/// What a tool's grammar accepts and refuses; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOptions {
    /// The tool.
    pub tool: ToolId,
    /// Accepted options, grouped.
    pub groups: Vec<OptionGroup>,
    /// Refused spellings, by family.
    pub refused: Vec<RefusedFamily>,
    /// Facts of the grammar that bound every call (limits, defaults, what
    /// the server always adds), naming operator settings where they exist.
    pub notes: Vec<String>,
}

/// How many refused spellings of a family the compact text shows.
const COMPACT_REFUSED_SPELLINGS: usize = 2;

impl ToolOptions {
    pub(crate) fn new(tool: ToolId) -> Self {
        Self {
            tool,
            groups: Vec::new(),
            refused: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds an option to the group `title` (created on first use).
    pub(crate) fn add(&mut self, title: &'static str, doc: OptionDoc) {
        match self.groups.iter_mut().find(|g| g.title == title) {
            Some(g) => g.options.push(doc),
            None => self.groups.push(OptionGroup {
                title,
                options: vec![doc],
            }),
        }
    }

    /// Adds a refused spelling to its family (created on first use).
    pub(crate) fn refuse(&mut self, why: Why, spelling: impl Into<String>) {
        let spelling = spelling.into();
        match self.refused.iter_mut().find(|f| f.family == why.family) {
            Some(f) => {
                if !f.spellings.contains(&spelling) {
                    f.spellings.push(spelling);
                }
            }
            None => self.refused.push(RefusedFamily {
                family: why.family,
                spellings: vec![spelling],
            }),
        }
    }

    /// Adds a note.
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Every accepted option.
    pub fn accepted(&self) -> impl Iterator<Item = &OptionDoc> {
        self.groups.iter().flat_map(|g| g.options.iter())
    }

    /// Every refused spelling.
    pub fn refused_spellings(&self) -> impl Iterator<Item = &str> {
        self.refused
            .iter()
            .flat_map(|f| f.spellings.iter().map(String::as_str))
    }

    /// The compact text for a tool description: one line per group
    /// (`title: usage, usage (note) [gate]`), where a run of options that
    /// share their placeholder, note and gate is written once with its
    /// options separated by spaces (`-sS -sU -sA [raw]`); then the gate
    /// legend, the notes, and the refused families with their first few
    /// spellings.
    pub fn render_compact(&self) -> String {
        let mut out = String::from("extra_args accepts only:\n");
        for g in &self.groups {
            // A gate every option of the group shares is said once.
            let shared =
                g.options.first().map(|o| o.gate).filter(|gate| {
                    *gate != Gate::Open && g.options.iter().all(|o| o.gate == *gate)
                });
            let _ = write!(out, "- {}", g.title);
            if let Some(gate) = shared {
                let _ = write!(out, " [{}]", gate.marker());
            }
            out.push_str(": ");
            let mut items: Vec<String> = Vec::new();
            let mut run: Vec<&OptionDoc> = Vec::new();
            for o in &g.options {
                if run.last().is_some_and(|last| !same_tail(last, o)) {
                    items.push(render_run(&run, shared.is_some()));
                    run.clear();
                }
                run.push(o);
            }
            if !run.is_empty() {
                items.push(render_run(&run, shared.is_some()));
            }
            out.push_str(&items.join(", "));
            out.push('\n');
        }
        let gates: Vec<Gate> = self.accepted().map(|o| o.gate).collect();
        let mut legend = Vec::new();
        if gates.iter().any(|g| g.needs_raw_sockets()) {
            legend.push("[raw] needs raw sockets");
        }
        if gates.iter().any(|g| g.needs_intrusive()) {
            legend.push("[intrusive] needs allow_intrusive");
        }
        if !legend.is_empty() {
            let _ = writeln!(out, "{}.", legend.join(", "));
        }
        for n in &self.notes {
            let _ = writeln!(out, "{n}");
        }
        if !self.refused.is_empty() {
            let families: Vec<String> = self
                .refused
                .iter()
                .map(|f| {
                    let shown: Vec<&str> = f
                        .spellings
                        .iter()
                        .take(COMPACT_REFUSED_SPELLINGS)
                        .map(String::as_str)
                        .collect();
                    let more = if f.spellings.len() > COMPACT_REFUSED_SPELLINGS {
                        " …"
                    } else {
                        ""
                    };
                    format!("{} ({}{more})", f.family, shown.join(" "))
                })
                .collect();
            let _ = writeln!(out, "Refused: {}.", families.join("; "));
        }
        out.truncate(out.trim_end().len());
        out
    }
}

/// Whether two options can share one note and gate marker.
fn same_tail(a: &OptionDoc, b: &OptionDoc) -> bool {
    let placeholder = |o: &OptionDoc| o.value.as_ref().map(|v| (v.placeholder.clone(), v.join));
    a.note == b.note && a.gate == b.gate && placeholder(a) == placeholder(b)
}

/// Options sharing a note and gate: their usages, then the note and marker.
fn render_run(run: &[&OptionDoc], gate_said: bool) -> String {
    let usages: Vec<String> = run.iter().map(|o| o.usage()).collect();
    let mut s = usages.join(" ");
    if let Some(o) = run.first() {
        if !o.note.is_empty() {
            let _ = write!(s, " ({})", o.note);
        }
        if !gate_said && o.gate != Gate::Open {
            let _ = write!(s, " [{}]", o.gate.marker());
        }
    }
    s
}
