"""The secmcp command line, and the stdio transport's byte-level contract."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import CONFIGS, server_env


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, env=server_env(), **kw)


def test_version(secmcp_bin: str) -> None:
    r = run([secmcp_bin, "--version"])
    assert r.returncode == 0, r.stderr
    assert "secmcp" in r.stdout and any(ch.isdigit() for ch in r.stdout), r.stdout


def test_tools_lists_nmap(secmcp_bin: str) -> None:
    r = run([secmcp_bin, "tools"])
    assert r.returncode == 0, r.stderr
    assert "nmap" in r.stdout


def test_config_check_accepts_lab_config(secmcp_bin: str, lab_config: Path) -> None:
    for cfg in (CONFIGS / "lab.yaml", lab_config):
        r = run([secmcp_bin, "config", "check", "--config", str(cfg)])
        assert r.returncode == 0, f"{cfg}: {r.stdout}{r.stderr}"


def test_config_check_rejects_unknown_key(secmcp_bin: str) -> None:
    r = run([secmcp_bin, "config", "check", "--config", str(CONFIGS / "bad-unknown-key.yaml")])
    assert r.returncode != 0, r.stdout
    assert "allowed_tragets" in (r.stdout + r.stderr)


def test_serve_rejects_bad_config(secmcp_bin: str) -> None:
    r = subprocess.run(
        [secmcp_bin, "serve", "--config", str(CONFIGS / "bad-unknown-key.yaml")],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
        env=server_env(),
    )
    assert r.returncode != 0
    assert r.stdout == "", f"stdout must carry protocol only, got {r.stdout!r}"


def test_config_show_default_scope(secmcp_bin: str) -> None:
    r = run([secmcp_bin, "config", "show"])
    assert r.returncode == 0, r.stderr
    assert "RFC1918" in r.stdout and ".lab.internal" in r.stdout, r.stdout


def test_stdio_stdout_is_protocol_only(secmcp_bin: str, lab_config: Path) -> None:
    """Raw stdio: every stdout line is one JSON-RPC message; logs go to stderr."""
    msgs = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "secmcp-e2e-raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "nmap", "arguments": {"target": "8.8.8.8"}}},
    ]
    stdin = "".join(json.dumps(m) + "\n" for m in msgs)
    p = subprocess.run(
        [secmcp_bin, "serve", "--config", str(lab_config)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        env=server_env({"RUST_LOG": "debug"}),
    )
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"non-JSON line on stdout: {line!r}\nstderr:\n{p.stderr}")
    by_id = {m.get("id"): m for m in parsed if "id" in m}
    assert {1, 2, 3} <= set(by_id), f"responses: {parsed}\nstderr:\n{p.stderr}"
    assert by_id[1]["result"]["protocolVersion"] == "2025-11-25"
    assert any(t["name"] == "nmap" for t in by_id[2]["result"]["tools"])
    res3 = by_id[3]["result"]
    assert res3["isError"] is True and res3["content"][0]["text"].startswith("scope_denied:"), res3
    assert p.returncode == 0, f"exit {p.returncode} on stdin EOF\nstderr:\n{p.stderr}"
