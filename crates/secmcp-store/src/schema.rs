//! The versioned migrations, compiled in and applied by sqlx's migrator at
//! start. One set of files serves both backends: the DDL uses only types both
//! understand. A new migration is a new file and a new line here, never an edit
//! of an old one (sqlx refuses a changed checksum).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType};

/// (version, description, SQL)
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "runs", include_str!("../migrations/0001_runs.sql")),
    (2, "tasks", include_str!("../migrations/0002_tasks.sql")),
    (
        3,
        "run owner",
        include_str!("../migrations/0003_run_owner.sql"),
    ),
    (
        4,
        "approvals and audit copy",
        include_str!("../migrations/0004_approvals_audit.sql"),
    ),
    (
        5,
        "shared secrets",
        include_str!("../migrations/0005_shared_secrets.sql"),
    ),
    (
        6,
        "used nonces by expiry",
        include_str!("../migrations/0006_used_nonces_expiry.sql"),
    ),
];

/// The compiled-in migrations as a sqlx source.
#[derive(Debug)]
pub(crate) struct Embedded;

type Resolved<'s> = Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>>;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> Resolved<'s> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|(v, d, sql)| {
                    Migration::new(
                        *v,
                        Cow::Borrowed(*d),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}
