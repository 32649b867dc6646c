//! Configuration: the file, environment and command-line layers, and the
//! validated [`Settings`] every other module uses.
//!
//! Layout: `model` holds the root [`Config`] and the sections that belong
//! to no one module (server, security, tool defaults, logging, database);
//! every other section sits next to the code it configures (`limits`,
//! `breaker`, `metrics`, `health`, `tools::<tool>::config`). `load` reads a
//! file into a JSON value, where `aliases` maps the original design's keys
//! to ours and `env_vars` applies the environment, then deserializes it
//! collecting every problem; `settings` validates the result.
//!
//! Precedence: embedded defaults < config file < environment < command line.
//! This module reads files and the environment; it never starts anything.

mod aliases;
pub mod env_vars;
mod load;
mod model;
mod settings;
mod storage;
mod tls;

#[cfg(test)]
mod tests;

pub use crate::validate::{MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, MAX_PROBLEMS};
pub use load::{Format, Source, config_path, load, load_from};
pub use model::{
    ApprovalMode, Config, ConfigError, LogFormat, LoggingConfig, SecurityConfig, ServerConfig,
    TlsConfig, ToolDefaults, Transport,
};
pub use settings::{Approval, Availability, Settings, ToolSettings};
pub use storage::{DatabaseConfig, StorageConfig, StorageSettings, default_data_dir};
pub use tls::TlsFiles;
