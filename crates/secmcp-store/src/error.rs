//! The store's errors: a stable code and a hint for each, never a secret (URLs are
//! redacted before they get here).

/// What went wrong with the run store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created or written.
    #[error("the data directory {path} is not writable: {reason}")]
    NotWritable {
        /// The directory.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the run database {target}: {reason}")]
    Open {
        /// The file or the redacted URL.
        target: String,
        /// What the driver said (credentials redacted).
        reason: String,
    },
    /// A migration failed.
    #[error("cannot bring the run database schema up to date: {0}")]
    Migrate(String),
    /// A query failed.
    #[error("run database query failed: {0}")]
    Query(String),
    /// The database did not answer in time.
    #[error("the run database did not answer within {0} ms")]
    Timeout(u64),
    /// A stored value could not be read back.
    #[error("a stored run is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotWritable { .. } => "store_not_writable",
            Self::Open { .. } => "store_unavailable",
            Self::Migrate(_) => "store_migration_failed",
            Self::Query(_) => "store_query_failed",
            Self::Timeout(_) => "store_timeout",
            Self::Corrupt(_) => "store_corrupt",
        }
    }

    /// What the operator can do about it.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::NotWritable { .. } => {
                "choose a writable directory with --data-dir, MCP_DATA_DIR or storage.data_dir"
            }
            Self::Open { .. } => {
                "check database.url (host, port, database, user) and that the server is up"
            }
            Self::Migrate(_) => {
                "the database holds a schema this version does not know; use a fresh database or the matching secmcp version"
            }
            Self::Query(_) | Self::Timeout(_) => {
                "check the database server and the disk; the server log has the details"
            }
            Self::Corrupt(_) => {
                "the row was written by another program or damaged; export and inspect it"
            }
        }
    }
}

/// Turns a driver error into text without credentials.
pub(crate) fn driver(e: &sqlx::Error) -> String {
    crate::config::redact_url(&e.to_string())
}
