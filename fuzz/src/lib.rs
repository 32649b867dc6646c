//! The checks behind secmcp's fuzz targets (`fuzz_targets/*.rs` are one line
//! each). Every target asserts invariants, not only "no panic"; a broken
//! invariant panics with the input and the reason, which libFuzzer reports as
//! a crash.
//!
//! - `policy`: target parsing and the scope decision, checked against the
//!   scope rules restated here from the public entry points.
//! - `tokens`: `extra_args` tokenising (round trip through quoting).
//! - `urls`: the two URL parsers (gobuster's strict one, sqlmap's).
//! - `names`: list and wordlist names (never a path out of a root).
//! - `argv`: a whole call, `plan` -> server resolutions -> `authorize_with`
//!   -> `Permit`, per tool, with the argv checked option by option.
//! - `output`: each output parser stays within its `Bounds`, its strings are
//!   sanitized, and its detail projections only shrink.
//! - `config`: the config loader (file text + environment): deterministic,
//!   bounded one-line problems that never show a database password, and
//!   accepted settings within the validation rules.
//!
//! Inputs are plain text (see `case`) so that the seed corpora are readable
//! and come straight from the test suites' strings.

pub mod argv;
pub mod case;
pub mod config;
pub mod names;
pub mod output;
pub mod policy;
pub mod tokens;
pub mod urls;
