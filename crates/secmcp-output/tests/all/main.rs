//! The one integration test binary of `secmcp-output`.
//!
//! - Golden snapshots (`insta`, `glob!` over the recorded tool outputs in
//!   `tests/golden` and the handwritten ones in `tests/fixtures`): every input is
//!   parsed and its report compared with `snapshots/*.snap`. After an intended change,
//!   `cargo insta test -p secmcp-output --review` (or `INSTA_UPDATE=always cargo test
//!   -p secmcp-output --test all`, then review `git diff`). Each tool module also holds
//!   targeted assertions on the same recordings.
//! - Property tests (`props`): parsers never panic and always respect their bounds.
//!
//! The recordings were made by the `record*.sh` scripts in `tests/golden` inside a
//! private network namespace (see those scripts).

mod detail;
mod dig;
mod gobuster;
mod hydra;
mod masscan;
mod nmap;
mod props;
mod sqlmap;
mod untrusted;
mod util;
