//! Range checks shared by the operations config structs (`breaker`, `limits`,
//! `metrics`, `health`).
//!
//! Each of those structs has a `validate(prefix)` returning an [`InvalidField`]
//! that names the dotted field and the allowed range; `config` turns it into
//! its own error. This module only checks values; it reads nothing.

use std::fmt;

/// A config value outside its allowed range, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    /// Dotted key path, e.g. `circuit_breaker.failure_threshold`.
    pub field: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InvalidField {}

/// `prefix.name`, or `name` when the prefix is empty.
pub(crate) fn field(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Checks `min <= value <= max`, naming `prefix.name` on failure.
pub(crate) fn range(
    prefix: &str,
    name: &str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<(), InvalidField> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(InvalidField {
            field: field(prefix, name),
            message: format!("{value} is out of range; allowed {min}..={max}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_names_the_field_and_the_bounds() {
        assert!(range("a", "b", 5, 1, 10).is_ok());
        let e = range("a", "b", 11, 1, 10).unwrap_err();
        assert_eq!(e.to_string(), "a.b: 11 is out of range; allowed 1..=10");
        assert_eq!(range("", "b", 0, 1, 2).unwrap_err().field, "b");
    }
}
