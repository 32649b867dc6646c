//! Collecting configuration problems: every section validates itself into one
//! [`Problems`], so a config check reports every mistake at once, each naming
//! its dotted field. Warnings (a setting that has no effect, an empty scope)
//! are collected beside the errors and never fail a load.
//!
//! This module only records; it reads nothing.

use std::fmt;

/// One problem, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, e.g. `circuit_breaker.failure_threshold`.
    pub field: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Errors and warnings of one load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// Mistakes: the config is refused while there is one.
    pub errors: Vec<Problem>,
    /// Settings that are accepted but probably not what was meant.
    pub warnings: Vec<Problem>,
}

impl Problems {
    /// Records an error.
    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let p = Problem {
            field: field.into(),
            message: message.into(),
        };
        // One mistake can be seen twice (e.g. by two checks of a value): say it once.
        if !self.errors.contains(&p) {
            self.errors.push(p);
        }
    }

    /// Records a warning.
    pub fn warn(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let p = Problem {
            field: field.into(),
            message: message.into(),
        };
        if !self.warnings.contains(&p) {
            self.warnings.push(p);
        }
    }

    /// Checks `min <= value <= max` for `prefix.name`; records an error and
    /// returns `false` when it is not.
    pub fn range(&mut self, prefix: &str, name: &str, value: u64, min: u64, max: u64) -> bool {
        if (min..=max).contains(&value) {
            return true;
        }
        self.error(
            field(prefix, name),
            format!("{value} is out of range; allowed {min}..={max}"),
        );
        false
    }

    /// Whether no error was recorded.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The most problems one load reports (errors, and warnings, each): beyond
/// it the last one says how many more there are.
pub const MAX_PROBLEMS: usize = 64;
/// The longest a problem's field is shown, in characters.
pub const MAX_FIELD_CHARS: usize = 200;
/// The longest a problem's message is shown, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `text` on one line and at most `max` characters: control characters
/// (newlines, escapes, NUL, ...) written as escapes, a longer text cut with
/// `…`. Problems quote what the operator wrote, which may be anything.
fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for c in text.chars() {
        let piece: String = if c.is_control() {
            c.escape_default().collect()
        } else {
            c.into()
        };
        let n = piece.chars().count();
        if chars + n > max.saturating_sub(1) {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
        chars += n;
    }
    out
}

/// Problems as they are reported: each on one line and bounded
/// ([`MAX_FIELD_CHARS`], [`MAX_MESSAGE_CHARS`]), at most [`MAX_PROBLEMS`] of
/// them, the last of a longer list saying how many more there were.
pub fn tidy(problems: Vec<Problem>) -> Vec<Problem> {
    let total = problems.len();
    let mut out: Vec<Problem> = Vec::with_capacity(total.min(MAX_PROBLEMS));
    for p in problems {
        let p = Problem {
            field: shown(&p.field, MAX_FIELD_CHARS),
            message: shown(&p.message, MAX_MESSAGE_CHARS),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.len() > MAX_PROBLEMS {
        let more = out.len() - (MAX_PROBLEMS - 1);
        out.truncate(MAX_PROBLEMS - 1);
        out.push(Problem {
            field: "config".into(),
            message: format!(
                "{more} more problems not shown: correct the ones above, then check again"
            ),
        });
    }
    out
}

/// `prefix.name`, or `name` when the prefix is empty.
pub fn field(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Runs a validation and returns its first error (for tests).
#[cfg(test)]
pub(crate) fn first_error(f: impl FnOnce(&mut Problems)) -> Result<(), Problem> {
    let mut p = Problems::default();
    f(&mut p);
    p.errors.into_iter().next().map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_problems_are_one_line_bounded_and_capped() {
        let p = |field: &str, message: &str| Problem {
            field: field.into(),
            message: message.into(),
        };
        let t = tidy(vec![p("a\nb", "x\u{1b}[31my\0z\tw")]);
        assert_eq!(t, [p("a\\nb", "x\\u{1b}[31my\\u{0}z\\tw")]);
        let long = tidy(vec![p(&"f".repeat(5000), &"m\n".repeat(5000))]);
        assert_eq!(long[0].field.chars().count(), MAX_FIELD_CHARS);
        assert!(long[0].field.ends_with('…'));
        assert!(long[0].message.chars().count() <= MAX_MESSAGE_CHARS);
        assert!(!long[0].message.chars().any(char::is_control));
        let many: Vec<Problem> = (0..100).map(|i| p(&format!("f{i}"), "bad")).collect();
        let t = tidy(many);
        assert_eq!(t.len(), MAX_PROBLEMS);
        assert_eq!(t[MAX_PROBLEMS - 2].field, format!("f{}", MAX_PROBLEMS - 2));
        assert!(
            t[MAX_PROBLEMS - 1].message.starts_with("37 more problems"),
            "{:?}",
            t.last()
        );
        let exactly: Vec<Problem> = (0..MAX_PROBLEMS)
            .map(|i| p(&format!("f{i}"), "bad"))
            .collect();
        assert_eq!(tidy(exactly.clone()), exactly);
    }

    #[test]
    fn range_names_the_field_and_the_bounds() {
        let mut p = Problems::default();
        assert!(p.range("a", "b", 5, 1, 10));
        assert!(!p.range("a", "b", 11, 1, 10));
        assert!(!p.range("", "c", 0, 1, 2));
        assert!(!p.range("a", "b", 11, 1, 10));
        let shown: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "a.b: 11 is out of range; allowed 1..=10",
                "c: 0 is out of range; allowed 1..=2"
            ]
        );
    }
}
