//! MCP clients' own config files: where each client keeps its servers, the
//! entry that starts this server (or points at its HTTP endpoint), and the
//! merge of that entry into an existing file that keeps every other server
//! and key.
//!
//! | client | file | servers under | entry |
//! |---|---|---|---|
//! | Claude Desktop | `claude_desktop_config.json` (macOS: `~/Library/Application Support/Claude/`, Linux: `~/.config/Claude/`) | `mcpServers` | `command`, `args` (stdio only) |
//! | Claude Code | `.mcp.json` in the project (project scope; `~/.claude.json` holds the user scope under the same key) | `mcpServers` | `type: stdio` + `command`, `args`; or `type: http` + `url` |
//! | Cursor | `~/.cursor/mcp.json` | `mcpServers` | `command`, `args`; or `url` |
//! | VS Code | `.vscode/mcp.json` in the workspace | `servers` | `type: stdio` + `command`, `args`; or `type: http` + `url` |
//! | Codex | `~/.codex/config.toml` (`$CODEX_HOME`) | `[mcp_servers.NAME]` | `command`, `args`; or `url` |
//!
//! Pure: text in, text out. Reading, the backup and the atomic write are
//! the command's (`cli`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// A client whose config file `client-config` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Client {
    /// Claude Desktop (`claude_desktop_config.json`).
    ClaudeDesktop,
    /// Claude Code (`.mcp.json`, project scope).
    ClaudeCode,
    /// Cursor (`~/.cursor/mcp.json`).
    Cursor,
    /// VS Code (`.vscode/mcp.json`).
    Vscode,
    /// OpenAI Codex (`~/.codex/config.toml`).
    Codex,
}

/// How the client reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// The client starts `command args...` and speaks MCP on its stdio.
    Stdio {
        /// Absolute path of the secmcp binary.
        command: String,
        /// `serve` and the config in use.
        args: Vec<String>,
    },
    /// The client connects to a running server's Streamable HTTP endpoint.
    Http {
        /// e.g. `http://127.0.0.1:8080/mcp`.
        url: String,
    },
}

/// Why an entry cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientConfigError {
    /// The client cannot use this kind of entry.
    #[error("{0}")]
    Unsupported(String),
    /// The existing file is not what the client reads.
    #[error("{path} is not valid {format}: {why}; nothing was changed")]
    Parse {
        /// The file.
        path: String,
        /// JSON or TOML.
        format: &'static str,
        /// The parser's words.
        why: String,
    },
    /// The place servers go holds something else.
    #[error("{path}: `{key}` is not a table of servers; nothing was changed")]
    Shape {
        /// The file.
        path: String,
        /// The key.
        key: String,
    },
    /// A bad URL.
    #[error("--http: `{0}` is not an http:// or https:// URL")]
    Url(String),
}

impl Client {
    /// The name the command line uses.
    pub fn name(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "claude-desktop",
            Client::ClaudeCode => "claude-code",
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::Codex => "codex",
        }
    }

    /// The file this client reads its servers from, given the home
    /// directory, the current directory and the environment.
    pub fn default_file(
        self,
        home: &Path,
        cwd: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> PathBuf {
        match self {
            Client::ClaudeDesktop if cfg!(target_os = "macos") => {
                home.join("Library/Application Support/Claude/claude_desktop_config.json")
            }
            Client::ClaudeDesktop => env("XDG_CONFIG_HOME")
                .filter(|d| Path::new(d).is_absolute())
                .map_or_else(|| home.join(".config"), PathBuf::from)
                .join("Claude/claude_desktop_config.json"),
            Client::ClaudeCode => cwd.join(".mcp.json"),
            Client::Cursor => home.join(".cursor/mcp.json"),
            Client::Vscode => cwd.join(".vscode/mcp.json"),
            Client::Codex => env("CODEX_HOME")
                .filter(|d| Path::new(d).is_absolute())
                .map_or_else(|| home.join(".codex"), PathBuf::from)
                .join("config.toml"),
        }
    }

    fn is_toml(self) -> bool {
        self == Client::Codex
    }

    /// The key servers live under (JSON clients).
    fn servers_key(self) -> &'static str {
        match self {
            Client::Vscode => "servers",
            Client::ClaudeDesktop | Client::ClaudeCode | Client::Cursor | Client::Codex => {
                "mcpServers"
            }
        }
    }

    /// The JSON entry of one server for this client.
    pub fn json_entry(self, launch: &Launch) -> Result<Value, ClientConfigError> {
        let typed = matches!(self, Client::ClaudeCode | Client::Vscode);
        Ok(match launch {
            Launch::Stdio { command, args } if typed => {
                json!({"type": "stdio", "command": command, "args": args})
            }
            Launch::Stdio { command, args } => json!({"command": command, "args": args}),
            Launch::Http { .. } if self == Client::ClaudeDesktop => {
                return Err(ClientConfigError::Unsupported(
                    "Claude Desktop's config file starts local (stdio) servers only: drop --http, or add the URL in Claude Desktop under Settings > Connectors".into(),
                ));
            }
            Launch::Http { url } if typed => json!({"type": "http", "url": url}),
            Launch::Http { url } => json!({"url": url}),
        })
    }

    /// The file's text after merging server `name` into `existing` (`None`
    /// or empty: a new file). Every other server and key is kept.
    pub fn merge(
        self,
        existing: Option<&str>,
        path: &str,
        name: &str,
        launch: &Launch,
    ) -> Result<String, ClientConfigError> {
        let existing = existing.filter(|t| !t.trim().is_empty());
        if self.is_toml() {
            return merge_toml(existing, path, name, launch);
        }
        let entry = self.json_entry(launch)?;
        let mut doc = match existing {
            None => Value::Object(Map::new()),
            Some(text) => serde_json::from_str(text).map_err(|e| ClientConfigError::Parse {
                path: path.to_owned(),
                format: "JSON",
                why: e.to_string(),
            })?,
        };
        let shape = |key: &str| ClientConfigError::Shape {
            path: path.to_owned(),
            key: key.to_owned(),
        };
        let root = doc.as_object_mut().ok_or_else(|| shape("(top level)"))?;
        let servers = root
            .entry(self.servers_key())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| shape(self.servers_key()))?;
        servers.insert(name.to_owned(), entry);
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        Ok(text)
    }
}

impl Client {
    /// Whether `existing` already holds exactly this entry for `name` (then
    /// nothing needs writing, whatever the file's formatting).
    pub fn up_to_date(self, existing: &str, name: &str, launch: &Launch) -> bool {
        if self.is_toml() {
            return merge_toml(Some(existing), "", name, launch).is_ok_and(|t| t == existing);
        }
        let Ok(entry) = self.json_entry(launch) else {
            return false;
        };
        serde_json::from_str::<Value>(existing)
            .ok()
            .and_then(|v| v.get(self.servers_key())?.get(name).cloned())
            .is_some_and(|e| e == entry)
    }
}

fn merge_toml(
    existing: Option<&str>,
    path: &str,
    name: &str,
    launch: &Launch,
) -> Result<String, ClientConfigError> {
    use toml_edit::{Array, DocumentMut, Item, Table, value};
    let mut doc: DocumentMut =
        existing
            .unwrap_or_default()
            .parse()
            .map_err(|e: toml_edit::TomlError| ClientConfigError::Parse {
                path: path.to_owned(),
                format: "TOML",
                why: e.message().to_owned(),
            })?;
    let shape = |key: &str| ClientConfigError::Shape {
        path: path.to_owned(),
        key: key.to_owned(),
    };
    let servers = doc
        .entry("mcp_servers")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| shape("mcp_servers"))?;
    let mut entry = Table::new();
    match launch {
        Launch::Stdio { command, args } => {
            entry.insert("command", value(command.as_str()));
            entry.insert(
                "args",
                value(args.iter().map(String::as_str).collect::<Array>()),
            );
        }
        Launch::Http { url } => {
            entry.insert("url", value(url.as_str()));
        }
    }
    // Same content: keep the table as it is written (comments, order).
    let same = servers
        .get(name)
        .and_then(Item::as_table)
        .is_some_and(|t| t.to_string() == entry.to_string());
    if !same {
        servers.insert(name, Item::Table(entry));
    }
    Ok(doc.to_string())
}

/// Checks an `--http` URL.
pub fn check_url(url: &str) -> Result<(), ClientConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(r)
            if !r.is_empty() && !r.starts_with('/') && !url.chars().any(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(ClientConfigError::Url(url.to_owned())),
    }
}

#[cfg(test)]
mod tests;
