//! Every environment variable secmcp reads, in one place.
//!
//! The `MCP_*` names come from the original design and stay supported; each also
//! has a `SECMCP_*` twin. When both are set, the `SECMCP_*` form wins.

/// Transport to serve: `stdio` or `http`.
pub const TRANSPORT: [&str; 2] = ["SECMCP_TRANSPORT", "MCP_SERVER_TRANSPORT"];
/// Address the HTTP transport binds.
pub const HOST: [&str; 2] = ["SECMCP_HOST", "MCP_SERVER_HOST"];
/// Port the HTTP transport binds.
pub const PORT: [&str; 2] = ["SECMCP_PORT", "MCP_SERVER_PORT"];
/// Path of the YAML or JSON config file.
pub const CONFIG_FILE: [&str; 2] = ["SECMCP_CONFIG", "MCP_CONFIG_FILE"];
/// Log filter (tracing `EnvFilter` syntax, e.g. `info` or `secmcp=debug`).
pub const LOG_LEVEL: [&str; 2] = ["SECMCP_LOG", "LOG_LEVEL"];
/// Log format: `human` or `json`.
pub const LOG_FORMAT: [&str; 2] = ["SECMCP_LOG_FORMAT", "LOG_FORMAT"];

/// Environment variables a tool process may inherit from the server. Everything
/// else is cleared before a tool starts.
pub const TOOL_ENV_ALLOWLIST: &[&str] = &["PATH", "LANG", "LC_ALL", "TZ"];

/// The first set variable of a name pair, if any (empty values count as unset).
pub fn get(names: [&'static str; 2]) -> Option<(&'static str, String)> {
    names.into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(|v| (name, v))
    })
}
