//! Run records in the server (the `storage` config section is
//! `config::storage`): the [`Recorder`]
//! that keeps each call through `secmcp-store` (and reports store trouble in
//! logs, metrics and health), background pruning, and how a run is named as
//! an MCP resource (`secmcp://runs/{id}`). Must not: know rmcp types or hold
//! secrets in clear (callers pass redacted values).

mod recorder;
mod uri;

pub use crate::config::{StorageConfig, StorageSettings, default_data_dir};
pub use recorder::{RecordStatus, Recorder};
pub use uri::{
    RUN_PAGE_TEMPLATE, RUN_RAW_TEMPLATE, RUN_TEMPLATE, RunUri, parse_run_uri, raw_uri, run_uri,
};
