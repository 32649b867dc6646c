"""The audit log through a real client: every decision and run end recorded with a
hash chain that `secmcp audit verify` checks; edited, deleted and swapped lines are
found at the right record; kill -9 during a burst of calls loses no record of a tool
that started, and the next server continues the chain.

A fake nmap stands in for the tool (it never touches the network); every target is
127.0.0.x. Runs inside the lab namespace like every e2e test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

import anyio
import pytest
from mcp import Client

from conftest import wait_until
from test_ops_e2e import SECMCP_BIN, fake_nmap, nmap, server, write_config

pytestmark = pytest.mark.anyio


def audit_config(tmp_path: Path, tool: Path) -> tuple[Path, Path]:
    audit = tmp_path / "audit" / "audit.jsonl"
    cfg = write_config(
        tmp_path / "c.yaml",
        tool,
        extra=f"audit:\n  file: {audit}\nlimits:\n  rate_per_minute: 0\n  max_concurrent_per_target: 4\n  max_concurrent_per_tool: 8\n",
    )
    return cfg, audit


def verify(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SECMCP_BIN, "audit", "verify", *map(str, files)], capture_output=True, text=True, timeout=30)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_every_decision_and_run_is_recorded_and_tampering_is_found(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg, audit = audit_config(tmp_path, tool)
    with server(tmp_path, cfg) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:
            assert await nmap(c, "127.0.0.1", extra_args="-sT -p 80") == "ok"
            assert (await nmap(c, "8.8.8.8")).startswith("scope_denied:")
            assert (await nmap(c, "127.0.0.2", extra_args="--no-such-flag")).startswith("validation_error:")
            assert await nmap(c, "127.0.0.3") == "ok"
            assert await nmap(c, "127.0.0.4", dry_run=True) == "ok"
    assert oct(audit.stat().st_mode & 0o777) == "0o600"
    recs = records(audit)
    assert [(r["event"], r.get("decision") or r.get("outcome")) for r in recs] == [
        ("call_decided", "allowed"),
        ("call_ended", "ok"),
        ("call_decided", "denied"),
        ("call_decided", "denied"),
        ("call_decided", "allowed"),
        ("call_ended", "ok"),
        ("call_decided", "dry_run"),
    ]
    assert recs[-1]["argv"][-1] == "127.0.0.4"
    first = recs[0]
    assert first["seq"] == 1 and first["tool"] == "nmap" and first["identity"] == "anonymous"
    assert first["arguments"] == {"target": "127.0.0.1", "extra_args": "-sT -p 80"}
    assert first["argv"][0] == "nmap" and first["argv"][-1] == "127.0.0.1" and "-sT" in first["argv"]
    assert first["pinned"] == ["127.0.0.1"] and first["target"] == "127.0.0.1"
    assert recs[1]["correlation_id"] == first["correlation_id"] and len(recs[1]["result_sha256"]) == 64
    assert recs[2]["code"] == "scope_denied" and "8.8.8.8" in recs[2]["reason"]
    assert recs[3]["code"] == "validation_error"
    assert [r["seq"] for r in recs] == list(range(1, 8))

    ok = verify(audit)
    assert ok.returncode == 0, ok.stderr
    assert "intact: 7 records" in ok.stdout and recs[-1]["hash"] in ok.stdout

    lines = audit.read_text().splitlines(keepends=True)

    def broken(name: str, new_lines: list[str]) -> str:
        p = tmp_path / name
        p.write_text("".join(new_lines))
        r = verify(p)
        assert r.returncode == 1, (name, r.stdout, r.stderr)
        return r.stderr

    edited = list(lines)
    edited[2] = edited[2].replace("8.8.8.8", "8.8.4.4")
    assert "line 3: record seq 3: its content does not match its hash" in broken("edited", edited)
    deleted = lines[:1] + lines[2:]
    assert "line 2: record seq 3: expected seq 2" in broken("deleted", deleted)
    swapped = list(lines)
    swapped[3], swapped[4] = swapped[4], swapped[3]
    assert "line 4: record seq 5" in broken("swapped", swapped)
    assert "line 1:" in broken("first-gone", lines[1:])
    # The same file, oldest part rotated away, verifies with --partial.
    part = tmp_path / "partial"
    part.write_text("".join(lines[2:]))
    r = subprocess.run([SECMCP_BIN, "audit", "verify", "--partial", str(part)], capture_output=True, text=True)
    assert r.returncode == 0 and "from record 3 (older records rotated away)" in r.stdout, r


async def test_kill_9_during_calls_loses_no_record_of_a_started_tool(tmp_path: Path) -> None:
    started = tmp_path / "started"
    # Each run notes its target (the last argument) the moment it starts, then works a while.
    tool = fake_nmap(tmp_path / "bin", f'for a; do t=$a; done\necho "$t" >> {started}\nsleep 2')
    cfg, audit = audit_config(tmp_path, tool)
    with server(tmp_path, cfg) as srv:

        async def call(i: int) -> None:
            try:
                async with Client(srv.url, read_timeout_seconds=30) as c:
                    await nmap(c, f"127.0.0.{i}")
            except Exception:  # the server dies under the call: expected
                pass

        async with anyio.create_task_group() as tg:
            for i in range(1, 9):
                tg.start_soon(call, i)
            with anyio.fail_after(20):
                while not started.exists() or len(started.read_text().split()) < 4:
                    await anyio.sleep(0.02)
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(timeout=10)
            tg.cancel_scope.cancel()
    # Every tool that started has its allowed record, with its exact target.
    ran = set(started.read_text().split())
    allowed = {r["target"] for r in records(audit) if r.get("decision") == "allowed"}
    assert ran and ran <= allowed, (ran, allowed)
    assert verify(audit).returncode == 0
    # The next server continues the same chain.
    before = len(records(audit))
    with server(tmp_path, cfg) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:
            assert (await nmap(c, "8.8.8.8")).startswith("scope_denied:")
    recs = records(audit)
    assert len(recs) == before + 1 and recs[-1]["seq"] == before + 1
    r = verify(audit)
    assert r.returncode == 0, r.stderr
    # Leftover fake-tool sleepers of the killed server belong to this test only.
    for line in subprocess.run(["pgrep", "-f", str(tool)], capture_output=True, text=True).stdout.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(line), signal.SIGKILL)
    assert wait_until(lambda: not subprocess.run(["pgrep", "-f", str(tool)], capture_output=True).stdout, timeout=5)


async def test_an_unwritable_audit_file_stops_the_start_with_the_reason(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg, audit = audit_config(tmp_path, tool)
    audit.parent.mkdir(parents=True)
    audit.write_text("this is not an audit record\n")
    with pytest.raises(RuntimeError, match="does not end with a sealed audit record"):
        with server(tmp_path, cfg):
            pass
