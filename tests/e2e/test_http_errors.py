"""Raw HTTP error answers of /mcp: what a client gets for malformed traffic.

rmcp on its own answers a non-JSON-RPC body with 415 text and malformed params of a
served method with -32601 (404 on the 2026 stateless path); secmcp corrects both.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


@dataclass
class Resp:
    status_code: int
    content_type: str
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


def post(url: str, body: str | bytes, headers: dict) -> Resp:
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Resp(r.status, r.headers.get("content-type", ""), r.read().decode())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers.get("content-type", ""), e.read().decode())


def sse_or_json(resp: Resp) -> dict:
    if resp.content_type.startswith("application/json"):
        return resp.json()
    for line in resp.text.splitlines():
        if line.startswith("data: ") and line[6:].strip():
            return json.loads(line[6:])
    raise AssertionError(f"no JSON-RPC message in {resp.text!r}")


def test_garbage_body_is_a_400_parse_error(http_server):
    for body in ["{not json", "[]", '{"hello": 1}']:
        r = post(http_server.url, body, HEADERS)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json()["error"]["code"] == -32700, r.text


def test_wrong_content_type_stays_415(http_server):
    r = post(http_server.url, "x", {**HEADERS, "content-type": "text/plain"})
    assert r.status_code == 415, r.text


def test_malformed_tools_call_params_are_invalid_params(http_server):
    headers = {**HEADERS, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": ""}
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"_meta": META, "arguments": {}}}
    r = post(http_server.url, json.dumps(body), headers)
    msg = sse_or_json(r)
    assert msg["id"] == 7
    assert msg["error"]["code"] == -32602, msg
    assert r.status_code != 404


def test_foreign_origin_is_forbidden(http_server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    r = post(http_server.url, json.dumps(body), {**HEADERS, "origin": "http://evil.example"})
    assert r.status_code == 403


# ------------------------------------------------------------------ guards in front of rmcp

import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

DUP_CALL = (
    '{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"_meta":'
    + json.dumps(META)
    + ',"name":"nmap","arguments":{"target":"127.0.0.1","target":"203.0.113.9"}}}'
)


def raw_http(port: int, request: bytes, timeout: float = 20) -> tuple[int, bytes, float]:
    """Sends bytes as they are; returns the status, the raw answer and seconds taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data, time.monotonic() - started


def test_duplicate_keys_in_arguments_are_refused_with_the_request_id(http_server):
    headers = {**HEADERS, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "nmap"}
    r = post(http_server.url, DUP_CALL, headers)
    assert r.status_code == 400, r.text
    msg = r.json()
    assert msg["id"] == 41 and msg["error"]["code"] == -32600, msg
    assert '"target" twice' in msg["error"]["message"]


def test_deep_json_is_refused_not_dropped(http_server):
    deep = "[" * 100_000 + "]" * 100_000
    r = post(http_server.url, deep, HEADERS)
    assert r.status_code == 400, r.text[:200]
    assert r.json()["error"]["code"] == -32600 and "deeper than" in r.json()["error"]["message"]


def test_host_must_name_this_port_and_appear_once(http_server):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    for hosts, want in [
        ([f"localhost:{http_server.port + 1}"], 403),  # another port on this host
        (["localhost"], 403),  # no port: port 80
        ([f"127.0.0.1:{http_server.port}", "evil.example"], 400),  # two Host headers
    ]:
        head = "".join(f"Host: {h}\r\n" for h in hosts)
        req = (
            f"POST /mcp HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + body
        status, raw, _ = raw_http(http_server.port, req)
        assert status == want, (hosts, raw[:200])


def test_a_body_that_never_arrives_is_timed_out(http_server):
    req = (
        f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{http_server.port}\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"
    ).encode()
    status, raw, took = raw_http(http_server.port, req, timeout=30)
    assert status == 408, raw[:200]
    assert 9 <= took <= 15, took


def test_stdio_answers_duplicate_keys_oversized_and_deep_lines(secmcp_bin, tmp_path):
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}},
    }
    dup = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nmap","arguments":{"target":"127.0.0.1","target":"203.0.113.9"}}}'
    big = '{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"' + "x" * (5 * 1024 * 1024) + '"}}'
    deep = "[" * 100_000 + "]" * 100_000
    lines = [
        json.dumps(init),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        dup,
        big,
        deep,
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "ping"}),
    ]
    # A bare environment, but a data dir of this test's own (never the machine's).
    env = {"PATH": "/usr/bin:/bin", "SECMCP_RATE_LIMIT_PER_MINUTE": "0", "SECMCP_DATA_DIR": str(tmp_path / "data")}
    p = subprocess.run(
        [secmcp_bin, "serve"], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60, env=env
    )
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    by_id = {a.get("id"): a for a in answers if a.get("id") is not None}
    nulls = [a for a in answers if a.get("id") is None]
    assert by_id[2]["error"]["code"] == -32600 and '"target" twice' in by_id[2]["error"]["message"], answers
    assert "result" in by_id[4], answers  # the session goes on
    messages = sorted(a["error"]["message"] for a in nulls)
    assert len(nulls) == 2, answers
    assert "larger than" in messages[0] and "deeper than" in messages[1], messages
    assert 3 not in by_id  # the oversized line was not executed


def test_closing_a_session_answers_204(http_server):
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}},
    }
    req = urllib.request.Request(http_server.url, data=json.dumps(init).encode(), headers=HEADERS, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        session = r.headers["mcp-session-id"]
        r.read()
    assert session
    req = urllib.request.Request(
        http_server.url,
        headers={"mcp-session-id": session, "MCP-Protocol-Version": "2025-11-25"},
        method="DELETE",
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204, r.status


def test_a_port_in_use_is_named(secmcp_bin, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        p = subprocess.run(
            [secmcp_bin, "serve", "--transport", "http", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": "/usr/bin:/bin"},
        )
    assert p.returncode == 1, p
    assert f"127.0.0.1:{port}" in p.stderr and "in use" in p.stderr, p.stderr
