"""The operations layer through real clients: metrics parsed by the Prometheus client's
OpenMetrics parser, health endpoints, caps under a burst of parallel calls, config hot
reload with tools/list_changed, and SIGTERM during a scan.

Fake tool scripts stand in for nmap (they never touch the network); every target is
127.0.0.x. Runs inside the lab namespace like every e2e test (scripts/test.sh e2e).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import anyio
import pytest
from mcp import Client, types
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from conftest import HttpServer, free_port, run_http_server, server_env, wait_until

pytestmark = pytest.mark.anyio


# ------------------------------------------------------------------------- helpers


def fake_nmap(dir: Path, body: str) -> Path:
    dir.mkdir(parents=True, exist_ok=True)
    path = dir / "nmap"
    # The server's health check runs `nmap --version`; that probe must not count as a run.
    path.write_text('#!/bin/sh\n[ "$1" = --version ] && exit 0\n' + body + "\n")
    path.chmod(0o755)
    return path


def write_config(path: Path, nmap: Path, scope: str = "loopback", extra: str = "") -> Path:
    path.write_text(
        f"security:\n  allowed_targets: [{scope}]\n"
        f"tools:\n  nmap:\n    binary: {nmap}\n{extra}"
    )
    return path


SECMCP_BIN = os.environ.get("SECMCP_BIN") or str(Path(__file__).resolve().parents[2] / "target" / "debug" / "secmcp")


@contextlib.contextmanager
def server(tmp_path: Path, config: Path, env: dict[str, str] | None = None) -> Iterator[HttpServer]:
    with run_http_server(SECMCP_BIN, config, tmp_path, env) as srv:
        yield srv


def get(srv: HttpServer, path: str, host: str | None = None) -> tuple[int, str, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{srv.port}{path}")
    if host:
        req.add_header("Host", host)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def metrics(srv: HttpServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's OpenMetrics parser."""
    status, ctype, body = get(srv, "/metrics")
    assert status == 200, body
    assert ctype.startswith("application/openmetrics-text"), ctype
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(m: dict, name: str, **labels: str) -> float:
    return m.get((name, tuple(sorted(labels.items()))), 0.0)


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", None) == "text")


async def nmap(c: Client, target: str, **extra: Any) -> str:
    r = await c.call_tool("nmap", {"target": target, **extra})
    return text_of(r) if r.is_error else "ok"


def health(srv: HttpServer) -> tuple[int, dict]:
    status, _, body = get(srv, "/health")
    return status, json.loads(body)


def wait_health(srv: HttpServer, pred, timeout: float = 20.0) -> dict:
    """Waits until the background check has produced a report matching `pred`."""
    report: dict = {}

    def ok() -> bool:
        nonlocal report
        _, report = health(srv)
        return report.get("checked_at_unix_secs", 0) > 0 and pred(report)

    assert wait_until(ok, timeout=timeout, step=0.2), f"health never matched: {report}"
    return report


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return not stat.rsplit(")", 1)[1].strip().startswith("Z")


# ------------------------------------------------------------------------- metrics


async def test_metrics_parse_and_counters_match_the_calls(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg = write_config(tmp_path / "c.yaml", tool, extra="limits:\n  rate_per_minute: 0\n")
    with server(tmp_path, cfg) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:
            for i in range(3):
                assert await nmap(c, f"127.0.0.{i + 1}") == "ok"
            for _ in range(2):
                assert (await nmap(c, "8.8.8.8")).startswith("scope_denied:")
            assert (await nmap(c, "127.0.0.1", extra_args="--no-such-flag")).startswith("validation_error:")
            h = await c.call_tool("server_health", {})
            assert not h.is_error
        m = metrics(srv)
    assert value(m, "secmcp_tool_executions_total", tool="nmap", outcome="ok") == 3
    assert value(m, "secmcp_tool_duration_seconds_count", tool="nmap") == 3
    assert value(m, "secmcp_tool_rejections_total", tool="nmap", reason="scope_denied") == 2
    assert value(m, "secmcp_tool_rejections_total", tool="nmap", reason="validation_error") == 1
    assert value(m, "secmcp_errors_total", code="scope_denied") == 2
    assert value(m, "secmcp_requests_total", method="tools/call") == 7
    assert value(m, "secmcp_tool_in_flight", tool="nmap") == 0
    assert value(m, "secmcp_circuit_breaker_state", tool="nmap") == 0
    assert value(m, "secmcp_uptime_seconds") > 0
    # No label carries a target or a client identity.
    for (_, labels), _v in m.items():
        for k, v in labels:
            assert k in {"tool", "outcome", "reason", "to", "method", "code", "result", "le"}, (k, v)
            assert "127.0.0" not in v and "8.8.8.8" not in v


async def test_ops_endpoints_check_host_and_report_readiness(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg = write_config(tmp_path / "c.yaml", tool)
    with server(tmp_path, cfg) as srv:
        for path in ("/metrics", "/health", "/health/live", "/health/ready"):
            status, _, _ = get(srv, path, host="evil.example")
            assert status == 403, path
        assert get(srv, "/health/live")[0] == 200
        # The fake nmap does not identify itself as nmap: unusable, but other tools may be.
        # Wait for the first round to finish: while a probe is pending the report is
        # `starting` (200 once another tool is identified, 503 before).
        report = wait_health(
            srv, lambda r: any(t["name"] == "nmap" for t in r["tools"]) and r["status"] != "starting"
        )
        nmap_t = next(t for t in report["tools"] if t["name"] == "nmap")
        assert nmap_t["usable"] is False
        status, body = health(srv)
        assert status in (207, 503), (status, body)


async def test_missing_binary_is_unusable_in_health_and_not_found_on_call(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.yaml", Path("/nonexistent/nmap"))
    with server(tmp_path, cfg) as srv:
        report = wait_health(srv, lambda r: any(t["name"] == "nmap" for t in r["tools"]))
        nmap_t = next(t for t in report["tools"] if t["name"] == "nmap")
        assert nmap_t["usable"] is False and nmap_t["available"] is False
        comp = next(c for c in report["components"] if c["name"] == "tool:nmap")
        assert "not installed" in comp["message"] and "/nonexistent" not in comp["message"]
        async with Client(srv.url, read_timeout_seconds=60) as c:
            assert (await nmap(c, "127.0.0.1")).startswith("not_found:")
            h = await c.call_tool("server_health", {})
            assert "- nmap: unusable" in text_of(h), text_of(h)
            assert h.structured_content["tools"]


async def test_stdio_server_serves_metrics_on_its_own_listener(tmp_path: Path, secmcp_bin: str) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    port = free_port()
    cfg = write_config(tmp_path / "c.yaml", tool, extra=f"metrics:\n  prometheus_port: {port}\n")
    proc = subprocess.Popen(
        [secmcp_bin, "serve", "--config", str(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_env(),
    )
    try:
        srv = HttpServer(url="", port=port, proc=proc, log=tmp_path / "none")

        def up() -> bool:
            try:
                return get(srv, "/health/live")[0] == 200
            except OSError:
                return False

        assert wait_until(up, timeout=10)
        m = metrics(srv)
        assert value(m, "secmcp_active_sessions") == 1
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0


# ------------------------------------------------------------------------- limits


async def test_a_burst_of_parallel_calls_respects_the_tool_cap(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    tool = fake_nmap(
        tmp_path / "bin",
        f'echo "S $(date +%s%N)" >> {log}\nsleep 0.3\necho "E $(date +%s%N)" >> {log}',
    )
    cfg = write_config(
        tmp_path / "c.yaml",
        tool,
        extra=(
            "    concurrency: 2\n"
            "limits:\n  max_concurrent_per_target: 16\n  queue_timeout_ms: 30000\n  rate_per_minute: 0\n"
        ),
    )
    results: list[str] = []
    with server(tmp_path, cfg) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:

            async def one(i: int) -> None:
                results.append(await nmap(c, f"127.0.0.{i + 1}"))

            async with anyio.create_task_group() as tg:
                for i in range(10):
                    tg.start_soon(one, i)
        m = metrics(srv)
    assert results == ["ok"] * 10, results
    events = sorted((int(t), 1 if k == "S" else -1) for k, t in (l.split() for l in log.read_text().splitlines()))
    peak = now = 0
    for _, d in events:
        now += d
        peak = max(peak, now)
    assert len(events) == 20
    assert peak == 2, f"peak concurrency {peak} with tools.nmap.concurrency 2"
    assert value(m, "secmcp_tool_executions_total", tool="nmap", outcome="ok") == 10


async def test_a_burst_over_the_rate_and_queue_limits_is_refused_with_a_retry_hint(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "sleep 1")
    cfg = write_config(
        tmp_path / "c.yaml",
        tool,
        extra="limits:\n  rate_per_minute: 60\n  burst: 4\n  queue_timeout_ms: 200\n",
    )
    results: list[str] = []
    # conftest turns the rate limit off for the other suites through the environment,
    # which beats the file: turn it back on the same way.
    with server(tmp_path, cfg, env={"SECMCP_RATE_LIMIT_PER_MINUTE": "60"}) as srv:
        async with Client(srv.url, read_timeout_seconds=60) as c:

            async def one() -> None:
                # One target: the per-target cap (1) lets one run, the others queue 200 ms.
                results.append(await nmap(c, "127.0.0.1"))

            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(one)
        m = metrics(srv)
    rate = [r for r in results if r.startswith("resource_exhausted: rate limit reached")]
    target = [r for r in results if r.startswith("resource_exhausted: target limit reached")]
    ok = [r for r in results if r == "ok"]
    assert len(rate) == 4, results
    assert len(ok) == 1 and len(target) == 3, results
    assert all("retry in" in r for r in rate)
    assert all("ends within" in r for r in target)
    assert value(m, "secmcp_tool_rejections_total", tool="nmap", reason="limit_rate") == 4
    assert value(m, "secmcp_tool_rejections_total", tool="nmap", reason="limit_target") == 3
    assert value(m, "secmcp_errors_total", code="resource_exhausted") == 7


async def test_fresh_http_sessions_share_one_rate_budget(tmp_path: Path) -> None:
    # A client must not get a new rate budget by opening a new session: the key is
    # the client address (the identity, once authentication exists).
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg = write_config(tmp_path / "c.yaml", tool, extra="limits:\n  rate_per_minute: 1\n  burst: 1\n")
    results: list[str] = []
    with server(tmp_path, cfg, env={"SECMCP_RATE_LIMIT_PER_MINUTE": "1"}) as srv:
        for _ in range(5):
            async with Client(srv.url, mode="legacy", read_timeout_seconds=60) as c:
                results.append(await nmap(c, "127.0.0.1"))
    assert results[0] == "ok", results
    assert all(r.startswith("resource_exhausted: rate limit reached") for r in results[1:]), results


# ------------------------------------------------------------------------- hot reload


async def test_config_edits_apply_live_corrupt_ones_are_rejected_and_clients_are_told(tmp_path: Path) -> None:
    tool = fake_nmap(tmp_path / "bin", "exit 0")
    cfg = tmp_path / "live.yaml"
    extra = "limits:\n  rate_per_minute: 0\n"
    write_config(cfg, tool, scope="127.0.0.1/32", extra=extra)
    changed = anyio.Event()

    async def on_message(msg: Any) -> None:
        if isinstance(msg, types.ToolListChangedNotification):
            changed.set()

    with server(tmp_path, cfg) as srv:
        async with Client(srv.url, mode="legacy", read_timeout_seconds=60, message_handler=on_message, cache=None) as c:
            assert await nmap(c, "127.0.0.1") == "ok"
            assert (await nmap(c, "127.0.0.2")).startswith("scope_denied:")

            write_config(cfg, tool, scope="127.0.0.2/32", extra=extra)
            with anyio.fail_after(10):
                while await nmap(c, "127.0.0.2") != "ok":
                    await anyio.sleep(0.2)
            assert (await nmap(c, "127.0.0.1")).startswith("scope_denied:")

            cfg.write_text("security:\n  allowed_targets: [127.0.0.1/32\n")
            report = wait_health(
                srv,
                lambda r: any(x["name"] == "config" and x["status"] == "degraded" for x in r["components"]),
            )
            assert "previous config is in force" in next(x for x in report["components"] if x["name"] == "config")["message"]
            assert health(srv)[0] == 207
            assert await nmap(c, "127.0.0.2") == "ok", "the old scope must still hold"
            assert (await nmap(c, "127.0.0.1")).startswith("scope_denied:")
            m = metrics(srv)
            assert value(m, "secmcp_config_reloads_total", result="failed") == 1
            assert value(m, "secmcp_config_reloads_total", result="ok") == 1

            write_config(cfg, tool, scope="127.0.0.2/32", extra="    enabled: false\n" + extra)
            with anyio.fail_after(10):
                await changed.wait()
            names = [t.name for t in (await c.list_tools()).tools]
            assert "nmap" not in names and "server_health" in names


# ------------------------------------------------------------------------- shutdown


async def test_sigterm_during_a_scan_leaves_no_child_and_exits_3(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    tool = fake_nmap(
        tmp_path / "bin",
        f"trap '' TERM\nsleep 60 &\necho $$ $! > {pids}.tmp; mv {pids}.tmp {pids}\nwait",
    )
    cfg = write_config(
        tmp_path / "c.yaml",
        tool,
        extra="server:\n  shutdown_grace_secs: 1\ntool:\n  kill_grace_ms: 200\n",
    )
    with server(tmp_path, cfg) as srv:
        result: dict[str, str] = {}
        async with Client(srv.url, read_timeout_seconds=60) as c:

            async def scan() -> None:
                result["text"] = await nmap(c, "127.0.0.1")

            async with anyio.create_task_group() as tg:
                tg.start_soon(scan)
                with anyio.fail_after(10):
                    while not pids.exists():
                        await anyio.sleep(0.05)
                started = time.monotonic()
                srv.proc.send_signal(signal.SIGTERM)
        assert "shutting down" in result["text"], result
        assert srv.proc.wait(timeout=15) == 3
        assert time.monotonic() - started >= 0.9
        for pid in map(int, pids.read_text().split()):
            assert not alive(pid), f"tool process {pid} survived SIGTERM"
