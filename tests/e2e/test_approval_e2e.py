"""Approvals of intrusive runs (security.approval) through the real Python client.

operator: the run waits until `secmcp approvals approve` (from another process,
through the run store); a denied or expired request never starts the tool.
elicit: the person at the client is asked (elicitation/create on 2025-11-25, an
input_required round on 2026-07-28); declining runs nothing, and a client that
cannot be asked gets approval_unavailable. The audit record names the approver,
and `audit verify --store` finds records cut from the end of the audit file.

A fake nmap stands in for the tool and logs each start; every target is 127.0.0.x.
Runs inside the lab namespace like every e2e test.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, types

from test_ops_e2e import SECMCP_BIN, fake_nmap, server, text_of, write_config

pytestmark = pytest.mark.anyio

# -T5 needs security.allow_intrusive (no raw sockets needed): an intrusive run.
INTRUSIVE = {"target": "127.0.0.1", "extra_args": "-sT -T5 -p 80"}
PLAIN = {"target": "127.0.0.1", "extra_args": "-sT -p 80"}


def setup(tmp_path: Path, mode: str, timeout: int = 60) -> tuple[Path, Path, Path]:
    """A config with intrusive runs allowed and `mode` approvals; returns it,
    the fake nmap's start log and the audit file."""
    starts = tmp_path / "starts.log"
    tool = fake_nmap(tmp_path / "bin", f"printf '%s\\n' \"$*\" >> {starts}\nexit 0")
    audit = tmp_path / "audit.jsonl"
    cfg = write_config(
        tmp_path / "c.yaml",
        tool,
        extra=(
            f"storage:\n  data_dir: {tmp_path / 'data'}\n"
            f"audit:\n  file: {audit}\n"
            "limits:\n  rate_per_minute: 0\n"
        ),
    )
    text = cfg.read_text().replace(
        "security:\n", f"security:\n  allow_intrusive: true\n  approval: {mode}\n  approval_timeout_secs: {timeout}\n", 1
    )
    cfg.write_text(text)
    return cfg, starts, audit


def cli(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SECMCP_BIN, *args, "--config", str(cfg)], capture_output=True, text=True, timeout=30)


def pending(cfg: Path) -> list[dict]:
    r = cli(cfg, "approvals", "list", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def starts_of(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


async def one_pending(cfg: Path, timeout: float = 15.0) -> dict:
    """Waits (without blocking the client's event loop) for exactly one request."""
    with anyio.fail_after(timeout):
        while True:
            rows = await anyio.to_thread.run_sync(pending, cfg)
            if len(rows) == 1:
                return rows[0]
            await anyio.sleep(0.1)


async def call(c: Client, args: dict) -> tuple[bool, str]:
    r = await c.call_tool("nmap", args)
    return r.is_error, text_of(r)


async def test_operator_approves_denies_and_lets_expire(tmp_path: Path) -> None:
    cfg, starts, audit = setup(tmp_path, "operator", timeout=10)
    with server(tmp_path, cfg, env={"SECMCP_DATA_DIR": str(tmp_path / "data")}) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:
            # Not intrusive: runs at once, nobody is asked.
            for _ in range(2):
                is_error, text = await call(c, PLAIN)
                assert not is_error, text
            assert pending(cfg) == []
            n_plain = len(starts_of(starts))
            assert n_plain == 2

            # Approved: the run waits, shows the exact plan, and starts after `approve`.
            result: dict[str, Any] = {}

            async def approved_call() -> None:
                result["approved"] = await call(c, INTRUSIVE)

            async with anyio.create_task_group() as tg:
                tg.start_soon(approved_call)
                req = await one_pending(cfg)
                assert req["tool"] == "nmap" and req["pinned"] == ["127.0.0.1"]
                assert req["argv"][0] == "nmap" and "-T5" in req["argv"] and req["argv"][-1] == "127.0.0.1"
                assert req["owner"] == "anonymous:anonymous" or req["owner"].endswith(":anonymous"), req
                await anyio.sleep(0.5)
                assert len(starts_of(starts)) == n_plain, "nothing starts before the approval"
                r = cli(cfg, "approvals", "approve", req["id"][:8])
                assert r.returncode == 0, r.stderr
                assert "approved" in r.stdout
            assert result["approved"][0] is False, result
            assert len(starts_of(starts)) == n_plain + 1
            again = cli(cfg, "approvals", "deny", req["id"])
            assert again.returncode == 1 and "already approved" in again.stderr

            # Denied: refused with the operator's reason; the tool never starts.
            async def denied_call() -> None:
                result["denied"] = await call(c, INTRUSIVE)

            async with anyio.create_task_group() as tg:
                tg.start_soon(denied_call)
                req = await one_pending(cfg)
                r = cli(cfg, "approvals", "deny", req["id"], "--reason", "out of hours")
                assert r.returncode == 0, r.stderr
            is_error, text = result["denied"]
            assert is_error and text.startswith("approval_denied:") and "out of hours" in text, text

            # Nobody answers: refused after approval_timeout_secs.
            is_error, text = await call(c, INTRUSIVE)
            assert is_error and text.startswith("approval_denied:") and "within 10 s" in text, text
            assert len(starts_of(starts)) == n_plain + 1, "neither the denied nor the expired run started"
            listed = json.loads(cli(cfg, "approvals", "list", "--all", "--json").stdout)
            assert sorted(r["status"] for r in listed) == ["approved", "denied", "expired"]

    recs = [json.loads(line) for line in audit.read_text().splitlines()]
    allowed = [r for r in recs if r.get("decision") == "allowed" and "-T5" in r["argv"]]
    assert len(allowed) == 1 and allowed[0]["approved_by"].startswith("os_user:"), allowed
    denied = [r["code"] for r in recs if r.get("decision") == "denied"]
    assert denied == ["approval_denied", "approval_denied"]

    # The store's copy of the audit records shows a record cut from the file's end.
    ok = cli(cfg, "audit", "verify", str(audit), "--store")
    assert ok.returncode == 0, ok.stderr
    assert "agrees" in ok.stdout, ok.stdout
    lines = audit.read_text().splitlines(keepends=True)
    audit.write_text("".join(lines[:-1]))
    assert subprocess.run([SECMCP_BIN, "audit", "verify", str(audit)], capture_output=True).returncode == 0
    cut = cli(cfg, "audit", "verify", str(audit), "--store")
    assert cut.returncode == 1 and "cut from the end" in cut.stderr, cut.stderr


@pytest.mark.parametrize("mode", ["legacy", "modern"])
async def test_elicit_asks_the_person_at_the_client(tmp_path: Path, mode: str) -> None:
    cfg, starts, audit = setup(tmp_path, "elicit")
    asked: list[str] = []
    answer: dict[str, Any] = {}

    async def person(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(**answer)

    client_mode = "legacy" if mode == "legacy" else "auto"
    with server(tmp_path, cfg, env={"SECMCP_DATA_DIR": str(tmp_path / "data")}) as srv:
        async with Client(srv.url, mode=client_mode, read_timeout_seconds=60, elicitation_callback=person) as c:
            # Declined: nothing runs.
            answer.update(action="decline")
            is_error, text = await call(c, INTRUSIVE)
            assert is_error and text.startswith("approval_denied:") and "declined" in text, text
            assert len(asked) == 1 and "-T5" in asked[0] and "127.0.0.1" in asked[0], asked
            # Accepted with approve=false: nothing runs either.
            answer.update(action="accept", content={"approve": False})
            is_error, text = await call(c, INTRUSIVE)
            assert is_error and text.startswith("approval_denied:"), text
            assert starts_of(starts) == []
            # Approved: runs, once.
            answer.update(action="accept", content={"approve": True})
            is_error, text = await call(c, INTRUSIVE)
            assert not is_error, text
            is_error, text = await call(c, PLAIN)
            assert not is_error, text
            assert len(starts_of(starts)) == 2, starts_of(starts)
            assert len(asked) == 3, "the plain run was not asked about"
            # A dry run is never asked about.
            is_error, _ = await call(c, {**INTRUSIVE, "dry_run": True})
            assert not is_error and len(asked) == 3
        # A client that cannot be asked is told so; nothing runs.
        async with Client(srv.url, mode=client_mode, read_timeout_seconds=60) as c:
            is_error, text = await call(c, INTRUSIVE)
            assert is_error and text.startswith("approval_unavailable:"), text
    assert len(starts_of(starts)) == 2
    recs = [json.loads(line) for line in audit.read_text().splitlines()]
    approved = [r for r in recs if r.get("decision") == "allowed" and r.get("approved_by")]
    assert len(approved) == 1 and approved[0]["approved_by"].endswith("(at the client)"), approved


async def test_operator_approval_as_a_task_tells_what_it_waits_for(tmp_path: Path) -> None:
    """A 2026 client that uses tasks gets its task at once; tasks/get says the
    task waits for an operator (and names the request) until it is approved."""
    from test_tasks_e2e import ok, rpc, wait_terminal

    cfg, starts, _ = setup(tmp_path, "operator")
    with server(tmp_path, cfg, env={"SECMCP_DATA_DIR": str(tmp_path / "data")}) as srv:
        created = ok(await anyio.to_thread.run_sync(lambda: rpc(srv.url, "tools/call", {"name": "nmap", "arguments": INTRUSIVE})))
        assert created["resultType"] == "task" and created["status"] == "working", created
        req = await one_pending(cfg)
        waiting = ok(rpc(srv.url, "tasks/get", {"taskId": created["taskId"]}))
        assert waiting["status"] == "working", waiting
        assert waiting.get("statusMessage") == f"waiting for an operator: secmcp approvals approve {req['id'][:8]}", waiting
        assert starts_of(starts) == []
        assert cli(cfg, "approvals", "approve", req["id"]).returncode == 0
        done = await anyio.to_thread.run_sync(lambda: wait_terminal(srv.url, created["taskId"]))
        assert done["status"] == "completed" and not done["result"].get("isError"), done
        assert len(starts_of(starts)) == 1


async def test_one_caller_cannot_fill_the_operators_queue(tmp_path: Path) -> None:
    """At most 8 runs of one caller wait for an operator; the next is refused at
    once (resource_exhausted), and a decided request frees its place."""
    cfg, starts, _ = setup(tmp_path, "operator")
    results: list[tuple[bool, str]] = []

    async def waiting_call(c: Client) -> None:
        results.append(await call(c, INTRUSIVE))

    async def until_pending(n: int) -> list[dict]:
        with anyio.fail_after(20):
            while len(rows := await anyio.to_thread.run_sync(pending, cfg)) != n:
                await anyio.sleep(0.1)
            return rows

    with server(tmp_path, cfg, env={"SECMCP_DATA_DIR": str(tmp_path / "data")}) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c, anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(waiting_call, c)
            rows = await until_pending(8)
            is_error, text = await call(c, INTRUSIVE)
            assert is_error and text.startswith("resource_exhausted:") and "8 runs" in text, text
            assert len(await anyio.to_thread.run_sync(pending, cfg)) == 8, "the refused run left no request"
            # One decided request frees one place (once its call has its answer).
            assert cli(cfg, "approvals", "deny", rows[0]["id"]).returncode == 0
            with anyio.fail_after(20):
                while not results:
                    await anyio.sleep(0.05)
            tg.start_soon(waiting_call, c)
            rows = await until_pending(8)
            for row in rows:
                assert cli(cfg, "approvals", "deny", row["id"]).returncode == 0
    assert len(results) == 9 and all(e and t.startswith("approval_denied:") for e, t in results), results
    assert starts_of(starts) == []


def modern_call(url: str, args: dict, **extra: Any) -> dict:
    """A raw 2026-07-28 tools/call of nmap from a client that can be asked."""
    from test_tasks_e2e import HEADERS

    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "e2e-approval", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "nmap", "arguments": args, "_meta": meta, **extra}}
    headers = {**HEADERS, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "nmap"}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        text, ctype = r.read().decode(), r.headers.get("content-type", "")
    if not ctype.startswith("application/json"):
        text = next(line[6:] for line in text.splitlines() if line.startswith("data: ") and line[6:].strip())
    return json.loads(text)


async def test_a_forged_or_reused_approval_state_runs_nothing(tmp_path: Path) -> None:
    """The requestState of an input_required round is sealed: one changed byte, the
    same state for other arguments, or a second use of it starts no tool."""
    cfg, starts, _ = setup(tmp_path, "elicit")
    yes = {"inputResponses": {"approval": {"action": "accept", "content": {"approve": True}}}}
    with server(tmp_path, cfg, env={"SECMCP_DATA_DIR": str(tmp_path / "data")}) as srv:
        asked = (await anyio.to_thread.run_sync(modern_call, srv.url, INTRUSIVE))["result"]
        assert asked["resultType"] == "input_required", asked
        state = asked["requestState"]
        assert "approval" in asked["inputRequests"], asked

        mid = len(state) // 2
        forged = state[:mid] + ("A" if state[mid] != "A" else "B") + state[mid + 1 :]
        r = await anyio.to_thread.run_sync(lambda: modern_call(srv.url, INTRUSIVE, requestState=forged, **yes))
        assert r.get("error", {}).get("code") == -32602 and "requestState rejected" in r["error"]["message"], r

        r = await anyio.to_thread.run_sync(lambda: modern_call(srv.url, INTRUSIVE, requestState=state, **yes))
        assert not r["result"].get("isError"), r
        assert len(starts_of(starts)) == 1
        again = await anyio.to_thread.run_sync(lambda: modern_call(srv.url, INTRUSIVE, requestState=state, **yes))
        assert again.get("error", {}).get("code") == -32602 and "already used" in again["error"]["message"], again

        # An approval shown for one target does not run another.
        fresh = (await anyio.to_thread.run_sync(modern_call, srv.url, INTRUSIVE))["result"]["requestState"]
        other = {**INTRUSIVE, "target": "127.0.0.2"}
        r = await anyio.to_thread.run_sync(lambda: modern_call(srv.url, other, requestState=fresh, **yes))
        text = r["result"]["content"][0]["text"]
        assert r["result"].get("isError") and text.startswith("approval_denied:"), r
        assert len(starts_of(starts)) == 1, "a forged state, a reused one and another call's approval ran nothing"


async def test_a_round_begun_on_one_server_is_answered_on_another(tmp_path: Path) -> None:
    """Two servers on one run store (as behind a load balancer) share the sealing key
    and the answered rounds: the answer may reach either, and runs one call."""
    cfg, starts, audit = setup(tmp_path, "elicit")
    cfg_b = tmp_path / "b.yaml"
    cfg_b.write_text(cfg.read_text().replace(str(audit), str(tmp_path / "audit-b.jsonl")))
    yes = {"inputResponses": {"approval": {"action": "accept", "content": {"approve": True}}}}
    env = {"SECMCP_DATA_DIR": str(tmp_path / "data")}
    with server(tmp_path, cfg, env=env) as a, server(tmp_path, cfg_b, env=env) as b:
        state = (await anyio.to_thread.run_sync(modern_call, a.url, INTRUSIVE))["result"]["requestState"]
        r = await anyio.to_thread.run_sync(lambda: modern_call(b.url, INTRUSIVE, requestState=state, **yes))
        assert "result" in r and not r["result"].get("isError"), r
        assert len(starts_of(starts)) == 1
        again = await anyio.to_thread.run_sync(lambda: modern_call(a.url, INTRUSIVE, requestState=state, **yes))
        assert again.get("error", {}).get("code") == -32602 and "already used" in again["error"]["message"], again
        assert len(starts_of(starts)) == 1, "a round runs one call across servers"
        for srv in (a, b, a):
            r = await anyio.to_thread.run_sync(modern_call, srv.url, PLAIN)
            assert not r["result"].get("isError"), r

    # Both servers copied their own audit chains into the one store: each file
    # agrees with the copy, and a cut is still found among the other's records.
    audit_b = tmp_path / "audit-b.jsonl"
    for conf, file in ((cfg, audit), (cfg_b, audit_b)):
        ok = cli(conf, "audit", "verify", str(file), "--store")
        n = len(file.read_text().splitlines())
        assert ok.returncode == 0 and f"agrees: {n} of the files' records" in ok.stdout, (ok.stdout, ok.stderr)
        assert "of other servers' chains left out" in ok.stdout, ok.stdout
    lines = audit.read_text().splitlines(keepends=True)
    audit.write_text("".join(lines[:-1]))
    cut = cli(cfg, "audit", "verify", str(audit), "--store")
    assert cut.returncode == 1 and "cut from the end" in cut.stderr, cut.stderr
