"""Task-augmented calls (the 2026 `io.modelcontextprotocol/tasks` extension) with the
real nmap against the lab's web host, over raw 2026-07-28 HTTP: a client that declares
the extension gets a task at once, polls `tasks/get` while nmap works and reads the
result; `tasks/cancel` mid-scan stops nmap and settles the task `cancelled`; another
identity cannot read the task; dig and clients without the extension get plain results.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import Lab, NmapSpy, pgrep, run_http_server

TASKS = "io.modelcontextprotocol/tasks"
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def meta(tasks: bool) -> dict:
    return {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "e2e-tasks", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}} if tasks else {},
    }


def rpc(url: str, method: str, params: dict, *, tasks: bool = True, name: str = "", key: str | None = None) -> dict:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": meta(tasks)}}
    headers = {**HEADERS, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = name or params["name"]
    elif method == "resources/read":
        headers["Mcp-Name"] = name or params["uri"]
    elif method.startswith("tasks/"):
        headers["Mcp-Name"] = params["taskId"]
    if key:
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text, ctype = r.read().decode(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        text, ctype = e.read().decode(), e.headers.get("content-type", "")
    if not ctype.startswith("application/json"):
        text = next(line[6:] for line in text.splitlines() if line.startswith("data: ") and line[6:].strip())
    return json.loads(text)


def ok(resp: dict) -> dict:
    assert "result" in resp, resp
    return resp["result"]


def slow_scan(lab: Lab) -> dict:
    # 41 ports, 250 ms apart: about 10 s of Connect Scan.
    return {"target": lab.web_ip, "extra_args": "-sT -Pn -p 18060-18100 --scan-delay 250ms"}


def wait_terminal(url: str, task_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = ok(rpc(url, "tasks/get", {"taskId": task_id}))
        if got["status"] in ("completed", "failed", "cancelled"):
            return got
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not finish in {timeout} s")


def test_a_scan_as_a_task_is_polled_then_read(secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path, spy: NmapSpy) -> None:
    with run_http_server(secmcp_bin, lab_config, tmp_path) as srv:
        discover = ok(rpc(srv.url, "server/discover", {}, tasks=False))
        assert TASKS in discover["capabilities"]["extensions"], discover
        started = time.monotonic()
        created = ok(rpc(srv.url, "tools/call", {"name": "nmap", "arguments": slow_scan(lab)}))
        assert time.monotonic() - started < 3, "the task was not answered at once"
        assert created["resultType"] == "task" and created["status"] == "working", created
        assert created["ttlMs"] == 3_600_000 and created["pollIntervalMs"] == 1000, created
        task_id = created["taskId"]
        assert len(task_id) == 36, task_id
        seen_working = ok(rpc(srv.url, "tasks/get", {"taskId": task_id}))
        assert seen_working["status"] == "working" and "result" not in seen_working, seen_working
        done = wait_terminal(srv.url, task_id)
        assert done["status"] == "completed", done
        result = done["result"]
        assert not result.get("isError"), result
        assert result["structuredContent"]["hosts"][0]["address"] == lab.web_ip, result
        assert any(c.get("type") == "resource_link" for c in result["content"]), result["content"]
        # Read again: the result stays until the TTL.
        assert ok(rpc(srv.url, "tasks/get", {"taskId": task_id}))["status"] == "completed"
        # Cancelling a finished task is an idempotent empty ack.
        ack = ok(rpc(srv.url, "tasks/cancel", {"taskId": task_id}))
        assert ack.get("resultType") == "complete" and "status" not in ack, ack
        unknown = rpc(srv.url, "tasks/get", {"taskId": "00000000-0000-4000-8000-000000000000"})
        assert unknown["error"]["code"] == -32602, unknown
        # Without the extension: the same call is answered directly; dig never makes a task.
        plain = rpc(srv.url, "tools/call", {"name": "nmap", "arguments": {"target": lab.web_ip, "ports": str(lab.open_port)}}, tasks=False)
        assert plain["result"].get("resultType", "complete") == "complete" and "taskId" not in plain["result"], plain
        gated = rpc(srv.url, "tasks/get", {"taskId": task_id}, tasks=False)
        assert gated["error"]["code"] == -32021, gated


def test_cancelling_a_task_stops_nmap_and_settles_cancelled(secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path, spy: NmapSpy) -> None:
    with run_http_server(secmcp_bin, lab_config, tmp_path) as srv:
        created = ok(rpc(srv.url, "tools/call", {"name": "nmap", "arguments": slow_scan(lab)}))
        task_id = created["taskId"]
        deadline = time.monotonic() + 10
        while not spy.calls() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert spy.calls(), "nmap never started"
        time.sleep(1)
        ack = ok(rpc(srv.url, "tasks/cancel", {"taskId": task_id}))
        assert ack == {"resultType": "complete"} or set(ack) <= {"resultType", "_meta"}, ack
        cancelled_at = time.monotonic()
        done = wait_terminal(srv.url, task_id, timeout=10)
        assert done["status"] == "cancelled" and "result" not in done, done
        assert time.monotonic() - cancelled_at < 3, "the task took long to settle after tasks/cancel"
        gone = time.monotonic() + 5
        while pgrep("-f", "18060-18100") and time.monotonic() < gone:
            time.sleep(0.1)
        assert not pgrep("-f", "18060-18100"), "nmap still runs after tasks/cancel"
        # The run is kept with its own outcome and what nmap had produced so far.
        listed = ok(rpc(srv.url, "tools/call", {"name": "scan_history", "arguments": {"tool": "nmap"}}, tasks=False))
        (run,) = [r for r in listed["structuredContent"]["runs"] if r["outcome"] == "cancelled"]
        kept = ok(rpc(srv.url, "resources/read", {"uri": run["uri"]}, tasks=False, name=run["uri"]))
        record = json.loads(kept["contents"][0]["text"])
        assert record["code"] == "cancelled" and "partial results" in record["reason"], record
        partial = record["structured"]
        assert partial["target"]["pinned"] == [lab.web_ip] and "hosts" in partial, partial
        assert partial["argv"][0] == "nmap", partial


def test_tasks_outlive_a_restart_finished_ones_readable_unfinished_ones_failed(
    secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path, spy: NmapSpy
) -> None:
    env = {"SECMCP_DATA_DIR": str(tmp_path / "data")}
    # A pattern no other process has: this test's own slow scan.
    slow = {"target": lab.web_ip, "extra_args": "-sT -Pn -p 18101-18141 --scan-delay 100ms"}
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        quick = ok(rpc(srv.url, "tools/call", {"name": "nmap", "arguments": {"target": lab.web_ip, "ports": str(lab.open_port)}}))
        assert wait_terminal(srv.url, quick["taskId"])["status"] == "completed"
        running = ok(rpc(srv.url, "tools/call", {"name": "nmap", "arguments": slow}))
        deadline = time.monotonic() + 10
        while not pgrep("-f", "18101-18141") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pgrep("-f", "18101-18141"), "the slow scan never started"
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=10)
    gone = time.monotonic() + 15
    while pgrep("-f", "18101-18141") and time.monotonic() < gone:
        time.sleep(0.2)
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        lost = ok(rpc(srv.url, "tasks/get", {"taskId": running["taskId"]}))
        assert lost["status"] == "failed" and "result" not in lost, lost
        assert "server stopped before this task finished" in lost["error"]["message"], lost
        assert isinstance(lost["error"]["code"], int), lost
        done = ok(rpc(srv.url, "tasks/get", {"taskId": quick["taskId"]}))
        assert done["status"] == "completed", done
        assert done["result"]["structuredContent"]["hosts"][0]["address"] == lab.web_ip, done
        assert any(c.get("type") == "resource_link" for c in done["result"]["content"]), done


def test_a_legacy_session_that_declares_the_extension_gets_the_direct_result(
    secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path, spy: NmapSpy
) -> None:
    """A task answer (`resultType: "task"`) exists only on the 2026 wire: an
    initialize-era (2025-11-25) client that declares the extension, as the Inspector
    does, could not read one, so it gets the direct result."""
    with run_http_server(secmcp_bin, lab_config, tmp_path) as srv:

        def post(body: dict, session: str | None = None) -> tuple[dict, str | None]:
            headers = {**HEADERS, "MCP-Protocol-Version": "2025-11-25"}
            if session:
                headers["Mcp-Session-Id"] = session
            req = urllib.request.Request(srv.url, data=json.dumps(body).encode(), headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=60) as r:
                sid, text, ctype = r.headers.get("mcp-session-id"), r.read().decode(), r.headers.get("content-type", "")
            if not text.strip():
                return {}, sid
            if not ctype.startswith("application/json"):
                text = next(line[6:] for line in text.splitlines() if line.startswith("data: ") and line[6:].strip())
            return json.loads(text), sid

        init = {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {"extensions": {TASKS: {}}},
                "clientInfo": {"name": "e2e-legacy-tasks", "version": "1"},
            },
        }
        answer, session = post(init)
        assert TASKS in answer["result"]["capabilities"]["extensions"], answer
        post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "nmap", "arguments": {"target": lab.web_ip, "ports": str(lab.open_port)}}}
        direct, _ = post(call, session)
        assert "taskId" not in direct["result"], direct
        assert direct["result"]["structuredContent"]["hosts"][0]["address"] == lab.web_ip, direct



def test_a_task_running_on_another_server_of_the_store_is_seen_but_not_falsely_cancelled(
    secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path
) -> None:
    """Two servers on one run store: B reads A's running task from the store, and
    refuses to cancel it (only A can stop it) instead of acknowledging a cancel that
    would not happen; A's cancel stops it."""
    env = {"SECMCP_DATA_DIR": str(tmp_path / "data")}
    slow = {"target": lab.web_ip, "extra_args": "-sT -Pn -p 18142-18182 --scan-delay 250ms"}
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as a, run_http_server(
        secmcp_bin, lab_config, tmp_path, env
    ) as b:
        running = ok(rpc(a.url, "tools/call", {"name": "nmap", "arguments": slow}))
        deadline = time.monotonic() + 10
        while not pgrep("-f", "18142-18182") and time.monotonic() < deadline:
            time.sleep(0.1)
        seen = ok(rpc(b.url, "tasks/get", {"taskId": running["taskId"]}))
        assert seen["status"] == "working", seen
        refused = rpc(b.url, "tasks/cancel", {"taskId": running["taskId"]})
        assert "another server process" in refused.get("error", {}).get("message", ""), refused
        assert pgrep("-f", "18142-18182"), "B's refusal left A's scan running"
        ok(rpc(a.url, "tasks/cancel", {"taskId": running["taskId"]}))
        assert wait_terminal(a.url, running["taskId"])["status"] == "cancelled"
