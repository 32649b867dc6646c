//! The store suite: every case runs against SQLite (a temp file) and against a
//! real PostgreSQL cluster that `pg.rs` starts for the test run.

mod cases;
mod pg;

use std::time::Duration;

use secmcp_store::{Backend, StoreConfig};

fn config(backend: Backend) -> StoreConfig {
    StoreConfig {
        backend,
        op_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(10),
        max_lifetime: None,
    }
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let cfg = super::config(secmcp_store::Backend::Sqlite {
                        path: dir.path().join("data").join("runs.db"),
                    });
                    super::cases::$case(cfg).await;
                }
            )*
        }

        /// One cluster for the whole suite, a fresh database per case.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres_suite() {
            let cluster = pg::Cluster::start();
            $(
                let db = cluster.create_db(stringify!($case)).await;
                eprintln!("postgres case {}", stringify!($case));
                cases::$case(config(secmcp_store::Backend::Postgres {
                    url: cluster.url(&db),
                    pool_size: 2,
                    max_overflow: 3,
                }))
                .await;
            )*
            cases::postgres_restart_reconnects(&cluster, config(secmcp_store::Backend::Postgres {
                url: cluster.url(&cluster.create_db("restart").await),
                pool_size: 2,
                max_overflow: 3,
            }))
            .await;
            cases::postgres_errors_hide_the_password(&cluster).await;
        }
    };
}

suite!(
    insert_then_get_keeps_every_field,
    refused_call_without_output,
    list_is_newest_first_in_pages,
    list_filters,
    unknown_and_malformed_ids,
    reopen_keeps_runs_and_migrations_are_idempotent,
    prune_by_age_and_size_keeps_referenced_runs,
    concurrent_inserts_all_land,
    tasks_are_kept_fail_at_restart_and_hold_their_runs,
    inspect_reads_the_schema_and_writes_nothing,
    approvals_are_decided_once_and_never_after_expiry,
    audit_records_are_kept_once_in_order,
    pruning_ages_out_decided_approvals_and_audit_copies,
    every_opener_gets_the_same_secret_and_a_nonce_is_used_once,
);

#[tokio::test]
async fn sqlite_data_dir_not_writable_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let cfg = config(Backend::Sqlite {
        path: file.join("sub").join("runs.db"),
    });
    let err = secmcp_store::Store::open(&cfg)
        .await
        .expect_err("a file is no directory");
    assert_eq!(err.code(), "store_not_writable");
    assert!(err.to_string().contains("a-file"), "{err}");
    assert!(err.hint().contains("--data-dir"));
}
