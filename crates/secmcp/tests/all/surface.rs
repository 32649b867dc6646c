//! The whole MCP surface a client sees, as snapshots: every tool's name,
//! title, description, annotations and input and output schema, under the
//! default configuration and under one that enables everything. A change to
//! anything a model reads shows up in review as a snapshot diff
//! (`cargo insta review`).

use serde_json::{Value, json};

use crate::util::*;

async fn surface(edit: impl FnOnce(&mut secmcp::config::Config)) -> Value {
    let client = client_for(settings(edit)).await;
    let tools = client.list_all_tools().await.unwrap();
    client.cancel().await.unwrap();
    json!(tools)
}

#[tokio::test]
async fn default_surface() {
    insta::assert_json_snapshot!(surface(|_| {}).await);
}

#[tokio::test]
async fn everything_enabled_surface() {
    let s = surface(|c| {
        c.security.allow_intrusive = true;
        c.tools.sqlmap.allow_enumeration = true;
        c.tools.hydra.services = vec!["ssh".into(), "ftp".into(), "http-get".into()];
    })
    .await;
    insta::assert_json_snapshot!(s);
}
