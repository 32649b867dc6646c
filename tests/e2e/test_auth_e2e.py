"""API keys and roles with the real Python `mcp` client over HTTP (lab namespace).

Keys come from `secmcp auth new-key` (the CLI under test); the config holds only
their digests. Two roles: `dns` sees only dig and may reach only 127.0.0.1; `all`
sees everything the server offers. nmap runs only against 127.0.0.1 through the spy
wrapper, so a refused call is proven to have started nothing.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from conftest import MODES, HttpServer, NmapSpy, run_http_server

pytestmark = pytest.mark.anyio


@dataclass
class Keys:
    admin: str
    dns: str


@dataclass
class AuthServer:
    srv: HttpServer
    keys: Keys


def new_key(secmcp_bin: str, name: str, role: str) -> tuple[str, str]:
    """(key, YAML entry lines) from `secmcp auth new-key`."""
    out = subprocess.run(
        [secmcp_bin, "auth", "new-key", name, "--role", role], check=True, capture_output=True, text=True
    ).stdout
    key = next(line for line in out.splitlines() if line.startswith("smcp_"))
    digest = next(line.split(":", 1)[1].strip() for line in out.splitlines() if "sha256:" in line)
    assert key not in out.replace(key, "", 1), "the key is printed once"
    return key, f"    - name: {name}\n      sha256: {digest}\n      role: {role}\n"


@pytest.fixture(scope="module")
def auth_server(secmcp_bin: str, nmap_spy: NmapSpy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    admin, admin_entry = new_key(secmcp_bin, "alice", "all")
    dns, dns_entry = new_key(secmcp_bin, "bob", "dns")
    d = tmp_path_factory.mktemp("auth")
    cfg = d / "auth.yaml"
    cfg.write_text(
        "security:\n  allowed_targets: [loopback]\n"
        f"tools:\n  nmap:\n    binary: {nmap_spy.wrapper}\n  dig:\n    enabled: true\n"
        "auth:\n  api_keys:\n" + admin_entry + dns_entry + "  roles:\n    all: {}\n"
        "    dns:\n      tools: [dig]\n      allowed_targets: [127.0.0.1]\n"
    )
    assert admin not in cfg.read_text() and dns not in cfg.read_text()
    with run_http_server(secmcp_bin, cfg, d) as srv:
        yield AuthServer(srv=srv, keys=Keys(admin=admin, dns=dns))


def client(url: str, key: str | None, mode: str) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    return Client(transport, mode="legacy" if mode == "legacy" else "auto", read_timeout_seconds=60)


def raw_post(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], dict]:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    h = {"content-type": "application/json", "accept": "application/json, text/event-stream", **headers}
    req = urllib.request.Request(url, data=body, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, {}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read().decode() or "{}")


def test_no_or_wrong_key_is_401_with_a_bearer_challenge(auth_server: AuthServer) -> None:
    url = auth_server.srv.url
    status, headers, body = raw_post(url, {})
    assert status == 401 and headers.get("www-authenticate", "").startswith("Bearer"), (status, headers)
    assert body["error"] == "missing_credentials", body
    status, headers, body = raw_post(url, {"Authorization": "Bearer smcp_wrong"})
    assert status == 401 and 'error="invalid_token"' in headers.get("www-authenticate", ""), headers
    assert body["error"] == "invalid_key", body


@pytest.mark.parametrize("mode", MODES)
async def test_the_python_client_without_a_key_cannot_connect(auth_server: AuthServer, spy: NmapSpy, mode: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever the SDK raises for a 401
        async with client(auth_server.srv.url, None, mode) as c:
            await c.call_tool("nmap", {"target": "127.0.0.1"})
    assert spy.calls() == []


@pytest.mark.parametrize("mode", MODES)
async def test_each_role_is_held_to_its_tools_and_scope(auth_server: AuthServer, spy: NmapSpy, mode: str) -> None:
    url, keys = auth_server.srv.url, auth_server.keys
    async with client(url, keys.dns, mode) as c:
        names = sorted(t.name for t in (await c.list_tools()).tools)
        assert names == ["dig", "scan_diff", "scan_history", "server_health"], names
        r = await c.call_tool("nmap", {"target": "127.0.0.1"})
        text = r.content[0].text
        assert r.is_error and text.startswith("policy_denied: ") and "role `dns`" in text, text
        # dig's @server is scope-checked against the role's scope (127.0.0.1 only).
        r = await c.call_tool("dig", {"target": "web.lab.internal", "extra_args": "@127.0.0.2"})
        text = r.content[0].text
        assert r.is_error and text.startswith("scope_denied: "), text
        assert "auth.roles.dns.allowed_targets" in text, text
    assert spy.calls() == [], "a refused call started nmap"
    async with client(url, keys.admin, mode) as c:
        names = {t.name for t in (await c.list_tools()).tools}
        assert {"nmap", "dig", "server_health"} <= names, names
        r = await c.call_tool("nmap", {"target": "127.0.0.1", "extra_args": "-p 1"})
        assert not r.is_error, r.content[0].text
        admin_run = next(str(b.uri) for b in r.content if getattr(b, "type", None) == "resource_link")
        mine = await c.call_tool("scan_history", {"include_refused": True})
        runs = mine.structured_content["runs"]
        # alice reads her own runs only: never bob's refused calls.
        assert admin_run in [r["uri"] for r in runs], runs
        assert all(r["outcome"] == "ok" for r in runs), runs
    assert len(spy.calls()) == 1, spy.calls()
    # With keys, each identity reads only the runs it made: bob sees his own refused
    # calls, never alice's scan.
    async with client(url, keys.dns, mode) as c:
        seen = await c.call_tool("scan_history", {"include_refused": True})
        assert not seen.is_error, seen.content
        bobs = seen.structured_content["runs"]
        assert bobs and all(r["decision"] == "refused" for r in bobs), bobs
        assert admin_run not in [r["uri"] for r in bobs], bobs
        listed = [str(res.uri) for res in (await c.list_resources()).resources]
        assert admin_run not in listed and {r["uri"] for r in bobs} <= set(listed), listed
        with pytest.raises(Exception) as err:
            await c.read_resource(admin_run)
        # Resource not found: -32002 in the initialize era, -32602 from 2026-07-28.
        assert "-32002" in repr(err.value) or "-32602" in repr(err.value), repr(err.value)
        assert "no resource" in repr(err.value), repr(err.value)
        r = await c.call_tool("scan_diff", {"before": admin_run.rsplit("/", 1)[1], "after": admin_run.rsplit("/", 1)[1]})
        assert r.is_error and r.content[0].text.startswith("not_found: before: no stored run"), r.content[0].text
    log = auth_server.srv.log_text()
    assert "identity" in log and "alice" in log and "bob" in log, log[-2000:]
    assert keys.admin not in log and keys.dns not in log, "a key reached the log"
