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
