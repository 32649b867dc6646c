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
