use super::*;

fn stdio() -> Launch {
    Launch::Stdio {
        command: "/opt/secmcp/bin/secmcp".into(),
        args: vec![
            "serve".into(),
            "--config".into(),
            "/etc/secmcp/secmcp.yaml".into(),
        ],
    }
}

fn http() -> Launch {
    Launch::Http {
        url: "http://127.0.0.1:8080/mcp".into(),
    }
}

#[test]
fn each_client_gets_its_own_shape() {
    let entry = |c: Client, l: &Launch| c.json_entry(l).unwrap();
    assert_eq!(
        entry(Client::ClaudeDesktop, &stdio())["command"],
        "/opt/secmcp/bin/secmcp"
    );
    assert!(entry(Client::ClaudeDesktop, &stdio()).get("type").is_none());
    assert_eq!(entry(Client::ClaudeCode, &stdio())["type"], "stdio");
    assert_eq!(entry(Client::ClaudeCode, &http())["type"], "http");
    assert_eq!(
        entry(Client::Vscode, &http())["url"],
        "http://127.0.0.1:8080/mcp"
    );
    assert_eq!(
        entry(Client::Cursor, &http()),
        json!({"url": "http://127.0.0.1:8080/mcp"})
    );
    assert!(matches!(
        Client::ClaudeDesktop.json_entry(&http()),
        Err(ClientConfigError::Unsupported(_))
    ));
    let vs = Client::Vscode
        .merge(None, "mcp.json", "secmcp", &stdio())
        .unwrap();
    let v: Value = serde_json::from_str(&vs).unwrap();
    assert_eq!(v["servers"]["secmcp"]["args"][2], "/etc/secmcp/secmcp.yaml");
    let codex = Client::Codex
        .merge(None, "config.toml", "secmcp", &stdio())
        .unwrap();
    assert!(codex.contains("[mcp_servers.secmcp]"), "{codex}");
    assert!(
        codex.contains("command = \"/opt/secmcp/bin/secmcp\""),
        "{codex}"
    );
    let codex = Client::Codex
        .merge(None, "config.toml", "secmcp", &http())
        .unwrap();
    assert!(
        codex.contains("url = \"http://127.0.0.1:8080/mcp\""),
        "{codex}"
    );
}

#[test]
fn merging_keeps_other_servers_and_keys_and_is_idempotent() {
    let existing = r#"{"theme": "dark", "mcpServers": {"other": {"command": "other-server", "args": ["x"]}, "secmcp": {"command": "/old/secmcp"}}}"#;
    for c in [Client::ClaudeDesktop, Client::ClaudeCode, Client::Cursor] {
        let once = c
            .merge(Some(existing), "f.json", "secmcp", &stdio())
            .unwrap();
        let v: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(v["theme"], "dark");
        assert_eq!(
            v["mcpServers"]["other"],
            json!({"command": "other-server", "args": ["x"]})
        );
        assert_eq!(
            v["mcpServers"]["secmcp"]["command"],
            "/opt/secmcp/bin/secmcp"
        );
        let twice = c.merge(Some(&once), "f.json", "secmcp", &stdio()).unwrap();
        assert_eq!(once, twice, "{}", c.name());
    }
    let toml =
        "model = \"o3\"\n\n# my servers\n[mcp_servers.other]\ncommand = \"other\" # keep me\n";
    let once = Client::Codex
        .merge(Some(toml), "c.toml", "secmcp", &stdio())
        .unwrap();
    assert!(once.starts_with(toml), "{once}");
    assert!(once.contains("[mcp_servers.secmcp]"));
    let twice = Client::Codex
        .merge(Some(&once), "c.toml", "secmcp", &stdio())
        .unwrap();
    assert_eq!(once, twice);
}

#[test]
fn a_file_that_is_not_the_clients_format_is_refused() {
    let e = Client::Cursor
        .merge(Some("{ // comment\n}"), "/x/mcp.json", "secmcp", &stdio())
        .unwrap_err();
    assert!(
        e.to_string().contains("/x/mcp.json is not valid JSON"),
        "{e}"
    );
    let e = Client::Cursor
        .merge(
            Some(r#"{"mcpServers": []}"#),
            "/x/mcp.json",
            "secmcp",
            &stdio(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("`mcpServers` is not a table"), "{e}");
    let e = Client::Codex
        .merge(Some("mcp_servers = 3\n"), "/c.toml", "secmcp", &stdio())
        .unwrap_err();
    assert!(matches!(e, ClientConfigError::Shape { .. }), "{e}");
    let e = Client::Codex
        .merge(Some("[[["), "/c.toml", "secmcp", &stdio())
        .unwrap_err();
    assert!(e.to_string().contains("is not valid TOML"), "{e}");
    assert!(check_url("http://127.0.0.1:8080/mcp").is_ok());
    for bad in ["ftp://x", "http://", "127.0.0.1:8080", "http:// x"] {
        assert!(check_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn default_files_are_where_each_client_reads() {
    let (home, cwd) = (Path::new("/home/u"), Path::new("/proj"));
    let none = |_: &str| None;
    assert_eq!(
        Client::ClaudeCode.default_file(home, cwd, &none),
        Path::new("/proj/.mcp.json")
    );
    assert_eq!(
        Client::Vscode.default_file(home, cwd, &none),
        Path::new("/proj/.vscode/mcp.json")
    );
    assert_eq!(
        Client::Cursor.default_file(home, cwd, &none),
        Path::new("/home/u/.cursor/mcp.json")
    );
    assert_eq!(
        Client::Codex.default_file(home, cwd, &none),
        Path::new("/home/u/.codex/config.toml")
    );
    let codex_home = |k: &str| (k == "CODEX_HOME").then(|| "/srv/codex".to_owned());
    assert_eq!(
        Client::Codex.default_file(home, cwd, &codex_home),
        Path::new("/srv/codex/config.toml")
    );
    if !cfg!(target_os = "macos") {
        assert_eq!(
            Client::ClaudeDesktop.default_file(home, cwd, &none),
            Path::new("/home/u/.config/Claude/claude_desktop_config.json")
        );
    }
}
