"""The 2025-11-25 tasks utility (the one before the 2026 extension), spoken raw on both
transports by an initialize-era client: the `tasks` capability and each long-running
tool's `execution.taskSupport`, a task-augmented `tools/call` answered at once with
`{task}`, `tasks/get` while it works, `tasks/result` waiting for the call's result,
`tasks/list`, `tasks/cancel` stopping the tool, dig refused as a task, and another
session reading the task of the same (anonymous) caller.

A fake nmap stands in for the tool (it never touches the network); targets are 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import server_env
from test_ops_e2e import SECMCP_BIN, fake_nmap, server, write_config

VERSION = "2025-11-25"
_ids = itertools.count(1)


class Http:
    """One legacy Streamable HTTP session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = ""

    def rpc(self, method: str, params: dict | None = None) -> dict:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(_ids), "method": method}
        if params is not None:
            body["params"] = params
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        if self.session:
            headers["Mcp-Session-Id"] = self.session
            headers["MCP-Protocol-Version"] = VERSION
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                self.session = r.headers.get("Mcp-Session-Id") or self.session
                text, ctype = r.read().decode(), r.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            text, ctype = e.read().decode(), e.headers.get("content-type", "")
        if not ctype.startswith("application/json"):
            text = next(line[6:] for line in text.splitlines() if line.startswith("data: ") and '"id"' in line)
        return json.loads(text)

    def notify(self, method: str) -> None:
        body = json.dumps({"jsonrpc": "2.0", "method": method}).encode()
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
                   "Mcp-Session-Id": self.session, "MCP-Protocol-Version": VERSION}
        urllib.request.urlopen(urllib.request.Request(self.url, data=body, headers=headers, method="POST"), timeout=10).read()


class Stdio:
    """One stdio server process."""

    def __init__(self, cfg: Path, data: Path) -> None:
        self.proc = subprocess.Popen(
            [SECMCP_BIN, "serve", "--config", str(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=server_env({"SECMCP_DATA_DIR": str(data)}), text=True,
        )

    def rpc(self, method: str, params: dict | None = None) -> dict:
        i = next(_ids)
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            body["params"] = params
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(body) + "\n")
        self.proc.stdin.flush()
        while True:
            msg = json.loads(self.proc.stdout.readline())
            if msg.get("id") == i:
                return msg

    def notify(self, method: str) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}) + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def ok(resp: dict) -> dict:
    assert "result" in resp, resp
    return resp["result"]


def handshake(c: Http | Stdio) -> dict:
    init = ok(c.rpc("initialize", {"protocolVersion": VERSION, "capabilities": {"tasks": {}},
                                   "clientInfo": {"name": "tasks-2025", "version": "1"}}))
    c.notify("notifications/initialized")
    return init


def exercise(c: Http | Stdio, starts: Path) -> None:
    init = handshake(c)
    assert init["protocolVersion"] == VERSION
    assert init["capabilities"]["tasks"] == {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}, init
    tools = {t["name"]: t for t in ok(c.rpc("tools/list"))["tools"]}
    assert tools["nmap"]["execution"] == {"taskSupport": "optional"}, tools["nmap"]
    assert "execution" not in tools["dig"] and "execution" not in tools["server_health"]

    created = ok(c.rpc("tools/call", {"name": "nmap", "arguments": {"target": "127.0.0.1"}, "task": {"ttl": 60000}}))
    task = created["task"]
    assert task["status"] == "working" and len(task["taskId"]) == 36, created
    assert isinstance(task["ttl"], int) and task["pollInterval"] > 0 and "T" in task["createdAt"], task
    got = ok(c.rpc("tasks/get", {"taskId": task["taskId"]}))
    assert got["taskId"] == task["taskId"] and got["status"] in ("working", "completed"), got
    assert "result" not in got
    result = ok(c.rpc("tasks/result", {"taskId": task["taskId"]}))
    assert result["isError"] is False and result["structuredContent"]["argv"][-1] == "127.0.0.1", result
    assert result["_meta"]["io.modelcontextprotocol/related-task"] == {"taskId": task["taskId"]}
    assert ok(c.rpc("tasks/get", {"taskId": task["taskId"]}))["status"] == "completed"
    listed = ok(c.rpc("tasks/list"))["tasks"]
    assert task["taskId"] in [t["taskId"] for t in listed], listed
    cancel_done = c.rpc("tasks/cancel", {"taskId": task["taskId"]})
    assert cancel_done["error"]["code"] == -32602, cancel_done

    # A slow run, cancelled: the tool is stopped and the task reads cancelled.
    starts.with_suffix(".slow").write_text("1")
    slow = ok(c.rpc("tools/call", {"name": "nmap", "arguments": {"target": "127.0.0.1"}, "task": {}}))["task"]
    deadline = time.monotonic() + 10
    while "sleeping" not in starts.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    cancelled = ok(c.rpc("tasks/cancel", {"taskId": slow["taskId"]}))
    assert cancelled["taskId"] == slow["taskId"], cancelled
    deadline = time.monotonic() + 10
    while ok(c.rpc("tasks/get", {"taskId": slow["taskId"]}))["status"] != "cancelled":
        assert time.monotonic() < deadline, "the task did not settle cancelled"
        time.sleep(0.1)
    assert c.rpc("tasks/result", {"taskId": slow["taskId"]})["error"]["code"] == -32602
    starts.with_suffix(".slow").unlink()

    # dig answers in seconds: no task; an unknown task id is an error.
    dig = c.rpc("tools/call", {"name": "dig", "arguments": {"target": "example.lab.internal"}, "task": {}})
    assert dig["error"]["code"] == -32602 and "taskSupport" in dig["error"]["message"], dig
    assert c.rpc("tasks/get", {"taskId": "00000000-0000-4000-8000-000000000000"})["error"]["code"] == -32602
    # Without `task` the same call is answered directly.
    direct = ok(c.rpc("tools/call", {"name": "nmap", "arguments": {"target": "127.0.0.1"}}))
    assert "task" not in direct and direct["isError"] is False, direct


def setup(tmp_path: Path) -> tuple[Path, Path]:
    starts = tmp_path / "starts.log"
    body = (
        f'if [ -e {starts.with_suffix(".slow")} ]; then echo sleeping >> {starts}; sleep 30; fi\n'
        f'echo ran >> {starts}\n'
        'exit 0'
    )
    tool = fake_nmap(tmp_path / "bin", body)
    # extra continues the `tools` mapping write_config opened for nmap.
    cfg = write_config(tmp_path / "c.yaml", tool, extra="  dig:\n    enabled: true\n")
    return cfg, starts


def test_over_http(tmp_path: Path) -> None:
    cfg, starts = setup(tmp_path)
    with server(tmp_path, cfg) as srv:
        exercise(Http(srv.url), starts)


def test_over_stdio(tmp_path: Path) -> None:
    cfg, starts = setup(tmp_path)
    s = Stdio(cfg, tmp_path / "data")
    try:
        exercise(s, starts)
    finally:
        s.close()
