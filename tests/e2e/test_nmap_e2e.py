"""secmcp over real MCP clients: both transports x both protocol eras, real nmap on the lab."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from conftest import Lab, NmapSpy, Target, connect, pgrep, wait_until

pytestmark = pytest.mark.anyio

ERROR_CODES = (
    "validation_error",
    "scope_denied",
    "privilege_required",
    "not_found",
    "timeout",
    "execution_error",
)


# ------------------------------------------------------------------------- helpers


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", None) == "text")


def assert_error(result: Any, code: str) -> str:
    """An isError result whose text begins with the stable `code:`; returns the text."""
    text = text_of(result)
    assert result.is_error, f"expected isError ({code}), got success: {text!r} {result.structured_content!r}"
    assert text.startswith(f"{code}:"), f"expected text to start with {code!r}: {text!r}"
    return text


def assert_ok(result: Any) -> dict:
    text = text_of(result)
    assert not result.is_error, f"unexpected error: {text!r}"
    sc = result.structured_content
    assert isinstance(sc, dict), f"no structuredContent: {result!r}"
    assert text.strip(), "success result has no text summary"
    return sc


def port_states(sc: dict, address: str) -> dict[int, str]:
    hosts = [h for h in sc["hosts"] if h["address"] == address]
    assert hosts, f"host {address} not in result hosts {[h.get('address') for h in sc['hosts']]}"
    return {int(p["port"]): p["state"] for p in hosts[0]["ports"]}


async def call_nmap(client, **args):
    return await client.call_tool("nmap", args)


# ------------------------------------------------------------------------- listing


async def test_tools_list_has_nmap(lab_target: Target, mode: str) -> None:
    async with connect(lab_target, mode) as c:
        tools = (await c.list_tools()).tools
        by_name = {t.name: t for t in tools}
        assert "nmap" in by_name, f"tools: {sorted(by_name)}"
        t = by_name["nmap"]
        assert t.description and len(t.description) > 20
        schema = t.input_schema
        assert schema.get("type") == "object"
        props = schema.get("properties", {})
        for field in ("target", "extra_args", "timeout_sec", "correlation_id"):
            assert field in props, f"inputSchema lacks {field}: {sorted(props)}"
        assert schema.get("required") == ["target"] or "target" in schema.get("required", [])
        assert t.output_schema is not None, "nmap has no outputSchema"
        assert t.output_schema.get("type") == "object"
        assert t.annotations is not None, "nmap has no annotations"


# ------------------------------------------------------------------------- real scans


async def test_scan_open_and_closed_port(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=f"-p {lab.open_port},{lab.closed_port}", detail="full")
    sc = assert_ok(r)
    states = port_states(sc, lab.web_ip)
    assert states.get(lab.open_port) == "open", states
    assert states.get(lab.closed_port) == "closed", states
    assert sc["target"]["requested"] == lab.web_ip
    assert sc["target"]["pinned"] == [lab.web_ip]
    assert sc["run"]["exit_code"] == 0 and sc["run"]["timed_out"] is False
    assert isinstance(sc["argv"], list) and sc["argv"][0].endswith("nmap")
    assert lab.web_ip in sc["argv"]
    assert len(spy.calls()) == 1, spy.calls()


async def test_hostname_is_pinned(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_name, extra_args=f"-p {lab.open_port}")
    sc = assert_ok(r)
    t = sc["target"]
    assert t["requested"] == lab.web_name
    assert t["hostname"] == lab.web_name
    assert t["pinned"] == [lab.web_ip]
    argv = sc["argv"]
    assert "-n" in argv, argv
    assert lab.web_ip in argv and lab.web_name not in argv, argv
    assert port_states(sc, lab.web_ip).get(lab.open_port) == "open"
    # The hostname survives in the host record even though nmap saw only the IP.
    names = [h.get("name") for h in sc["hosts"][0].get("hostnames", [])]
    assert lab.web_name in names or t["rendered"], (names, t)
    # What actually ran: the pinned IP, never the name.
    calls = spy.calls()
    assert len(calls) == 1 and f" {lab.web_ip}" in calls[0] and lab.web_name not in calls[0], calls


async def test_default_detail_counts_closed_ports(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=f"-p {lab.open_port},{lab.closed_port}")
    sc = assert_ok(r)
    states = port_states(sc, lab.web_ip)
    assert states == {lab.open_port: "open"}, states
    host = next(h for h in sc["hosts"] if h["address"] == lab.web_ip)
    assert host["extraports"] == [{"state": "closed", "count": 1}], host


async def test_ipv6_lab_target(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip6, extra_args=f"-p {lab.open_port},{lab.closed_port}", detail="full")
    sc = assert_ok(r)
    states = port_states(sc, lab.web_ip6)
    assert states.get(lab.open_port) == "open", states
    assert states.get(lab.closed_port) == "closed", states


async def test_correlation_id_echoed(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    cid = f"e2e-{uuid.uuid4()}"
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target="127.0.0.1", extra_args=f"-p {lab.loopback_port}", correlation_id=cid)
    sc = assert_ok(r)
    assert sc["correlation_id"] == cid
    assert port_states(sc, "127.0.0.1").get(lab.loopback_port) == "open"


# ------------------------------------------------------------------------- denials: nothing runs


@pytest.mark.parametrize(
    "target,code",
    [
        ("8.8.8.8", "scope_denied"),
        ("203.0.113.9", "scope_denied"),
        ("evil.lab.internal", "scope_denied"),  # allowed suffix, resolves outside scope
        ("192.168.1.1", "scope_denied"),
        ("010.0.0.1", "validation_error"),  # ambiguous octal-looking literal
        ("-iL /etc/passwd", "validation_error"),
        ("", "validation_error"),
    ],
)
async def test_target_denied_without_running(
    lab_target: Target, mode: str, spy: NmapSpy, target: str, code: str | None
) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=target, extra_args="-p 80")
    if code is None:
        text = text_of(r)
        assert r.is_error and text.split(":", 1)[0] in ("validation_error", "scope_denied"), text
    else:
        assert_error(r, code)
    assert r.structured_content is None or isinstance(r.structured_content, dict)
    assert spy.calls() == [], f"nmap ran for a denied target {target!r}: {spy.calls()}"


@pytest.mark.parametrize(
    "extra_args",
    [
        "-oN /tmp/secmcp-e2e-x",
        "-oX /tmp/secmcp-e2e-x",
        "-iL /etc/passwd",
        "--script-args-file=/tmp/x",
        "--script=/tmp/x.nse",
        "--script /tmp/x.nse",
        "-p 18080 10.99.0.8",  # a second target smuggled into the arguments
        "--bogus-flag",
        "--resume /tmp/x",
        "--datadir /tmp",
        "-p 80; id",
        "-p $(id)",
    ],
)
async def test_bad_extra_args_rejected(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy, extra_args: str) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=extra_args)
    assert_error(r, "validation_error")
    assert spy.calls() == [], f"nmap ran with rejected args {extra_args!r}: {spy.calls()}"


async def test_unknown_tool_is_jsonrpc_error(lab_target: Target, mode: str) -> None:
    async with connect(lab_target, mode) as c:
        with pytest.raises(MCPError) as ei:
            await c.call_tool("no_such_tool", {"target": "127.0.0.1"})
    assert ei.value.code == -32602, ei.value


async def test_missing_target_is_validation_error(lab_target: Target, mode: str, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        try:
            r = await c.call_tool("nmap", {"extra_args": "-p 80"})
        except MCPError as e:  # schema-level rejection is acceptable too
            assert e.code == -32602, e
            return
    assert_error(r, "validation_error")
    assert spy.calls() == []


# ------------------------------------------------------------------------- default scope


async def test_default_config_denies_loopback(default_target: Target, mode: str, lab: Lab) -> None:
    async with connect(default_target, mode) as c:
        r = await call_nmap(c, target="127.0.0.1", extra_args=f"-p {lab.loopback_port}")
    assert_error(r, "scope_denied")


# ------------------------------------------------------------------------- timeouts


def assert_timed_out(r: Any) -> None:
    text = text_of(r)
    if r.is_error:
        assert text.startswith("timeout:"), f"expected timeout: ..., got {text!r}"
    else:
        sc = r.structured_content or {}
        assert sc.get("run", {}).get("timed_out") is True, f"no clear timeout signal: {text!r} {sc!r}"


@pytest.mark.slow
async def test_timeout_kills_real_nmap(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    """--scan-delay makes a 50-port scan take ~50 s; the 1 s budget must stop it.

    Only the nmap this test started is checked (the spy logs its pid; the wrapper execs
    nmap in place): other nmap processes on the machine are none of its business."""
    t0 = time.monotonic()
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args="--scan-delay 1s -p 1-50", timeout_sec=1)
    elapsed = time.monotonic() - t0
    calls = spy.calls()
    assert len(calls) == 1, f"the slow scan did not run at all: {text_of(r)!r}"
    assert_timed_out(r)
    assert elapsed < 20, f"timeout_sec=1 took {elapsed:.1f}s"
    pid = int(calls[0].split()[1])
    assert wait_until(lambda: not alive(pid), 5), f"nmap {pid} left running"


@pytest.mark.slow
async def test_timeout_kills_whole_process_tree(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    """The spy wrapper hangs in a child process; the timeout must take all of it down."""
    spy.slow_flag.write_text("1")
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=f"-p {lab.open_port}", timeout_sec=1)
    assert len(spy.calls()) == 1, spy.calls()
    assert_timed_out(r)
    assert wait_until(lambda: pgrep("-f", spy.marker) == [], 5), f"left running: {pgrep('-af', spy.marker)}"


async def test_timeout_above_max_is_rejected_or_capped(lab_target: Target, mode: str, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, mode) as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=f"-p {lab.open_port}", timeout_sec=10**9)
    if r.is_error:
        assert_error(r, "validation_error")
        assert spy.calls() == []
    else:
        assert_ok(r)


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


# ------------------------------------------------------------------------- output shape


async def test_structured_content_shape(lab_target: Target, lab: Lab, spy: NmapSpy) -> None:
    async with connect(lab_target, "legacy") as c:
        r = await call_nmap(c, target=lab.web_ip, extra_args=f"-sV -p {lab.open_port}")
    sc = assert_ok(r)
    for key in ("correlation_id", "target", "argv", "hosts", "stats", "run"):
        assert key in sc, f"structuredContent lacks {key}: {sorted(sc)}"
    for key in ("exit_code", "timed_out", "truncated", "duration_ms"):
        assert key in sc["run"], sc["run"]
    host = next(h for h in sc["hosts"] if h["address"] == lab.web_ip)
    assert host["status"] in ("up", {"state": "up"}) or "up" in str(host["status"])
    port = next(p for p in host["ports"] if int(p["port"]) == lab.open_port)
    assert port["protocol"] == "tcp" and port["state"] == "open"
    assert "service" in port and isinstance(port["service"], dict)
    assert isinstance(port["service"].get("cpe", []), list)
    assert re.search(r"http", (port["service"].get("name") or "") + (port["service"].get("product") or ""), re.I), port
