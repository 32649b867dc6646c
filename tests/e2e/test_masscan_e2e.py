"""masscan over real MCP clients on the routed veth lab segment (tests/lab/lab.sh).

Proves: masscan finds exactly the open port the lab hides (and not the closed one), on
one address and in a small range; adapter settings come from the server config; it runs
in a per-call working directory that is gone afterwards (masscan leaves paused.conf);
without raw-socket privilege the call says privilege_required; and every denial (rate,
range size, host names, scope, every refused flag family) starts no process; a masscan
that hangs after its scan (a known upstream bug) is stopped and its results kept.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Target, connect, stdio_params
from dns_sweep_lab import (  # noqa: F401  (fixtures)
    DnsSweepLab,
    Servers,
    Spies,
    assert_error,
    assert_ok,
    dlab,
    servers,
    spies,
    spies_session,
    target_for,
    write_config,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["stdio", "http"])
def plain(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "plain")


@pytest.fixture(params=["http"])
def plain_http(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "plain")


@pytest.fixture(params=["http"])
def intrusive(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "intrusive")


def open_ports(sc: dict, address: str) -> set[int]:
    return {
        p["port"]
        for h in sc["hosts"]
        if h["address"] == address
        for p in h["ports"]
        if p["status"] == "open"
    }


async def test_tools_list_has_masscan(plain: Target, mode: str) -> None:
    async with connect(plain, mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    t = tools["masscan"]
    props = t.input_schema["properties"]
    for f in ("target", "ports", "rate_pps", "banners", "extra_args", "timeout_sec", "correlation_id"):
        assert f in props, sorted(props)
    assert "null" not in str(t.input_schema)
    assert t.output_schema["type"] == "object"
    assert "hosts" in t.output_schema["properties"]


async def test_finds_the_open_port_not_the_closed_one(
    plain: Target, mode: str, dlab: DnsSweepLab, spies: Spies
) -> None:
    async with connect(plain, mode) as c:
        r = await c.call_tool(
            "masscan",
            {"target": dlab.ms_ip, "extra_args": f"-p {dlab.ms_open_port},{dlab.ms_closed_port} --wait 1"},
        )
    sc = assert_ok(r)
    assert open_ports(sc, dlab.ms_ip) == {dlab.ms_open_port}, sc["hosts"]
    assert sc["open_ports"] == 1
    assert [h["address"] for h in sc["hosts"]] == [dlab.ms_ip]
    argv = sc["argv"]
    assert argv[0] == "masscan"
    # Adapter settings come from the config; output, rate and the range from the plan.
    for pair in (["--adapter", dlab.ms_adapter], ["--router-ip", dlab.ms_router], ["-oD", "-"],
                 ["--rate", "100"], ["--range", dlab.ms_ip]):
        assert any(argv[i:i + 2] == pair for i in range(len(argv))), (pair, argv)
    (call,) = spies.masscan.calls()
    assert f"--range {dlab.ms_ip}" in call
    # It ran in a per-call working directory that no longer exists (paused.conf with it).
    (cwd,) = spies.masscan.cwds()
    assert cwd != os.getcwd() and not Path(cwd).exists(), cwd


async def test_small_range_sweep_with_typed_fields(plain_http: Target, dlab: DnsSweepLab, spies: Spies) -> None:
    async with connect(plain_http, "modern") as c:
        r = await c.call_tool(
            "masscan",
            {"target": dlab.ms_net, "ports": f"{dlab.ms_open_port},{dlab.ms_closed_port}", "rate_pps": 300},
        )
    sc = assert_ok(r)
    found = {(h["address"], p["port"]) for h in sc["hosts"] for p in h["ports"] if p["status"] == "open"}
    assert found == {(dlab.ms_ip, dlab.ms_open_port)}, sc["hosts"]
    assert sc["target"]["rendered"] == dlab.ms_net


async def test_banners_and_fast_rates_only_with_allow_intrusive(
    plain_http: Target, intrusive: Target, dlab: DnsSweepLab, spies: Spies
) -> None:
    for args in ({"banners": True}, {"extra_args": "--banners"}, {"rate_pps": 5000},
                 {"extra_args": "--rate 5000"}, {"extra_args": "--max-rate=5000"}):
        async with connect(plain_http, "modern") as c:
            r = await c.call_tool("masscan", {"target": dlab.ms_ip, "ports": str(dlab.ms_open_port), **args})
        assert "allow_intrusive" in assert_error(r, "validation_error"), args
    async with connect(plain_http, "modern") as c:
        r = await c.call_tool("masscan", {"target": "10.99.1.0/23", "ports": "80"})
    assert "allow_intrusive" in assert_error(r, "validation_error")
    assert spies.masscan.calls() == []
    async with connect(intrusive, "modern") as c:
        r = await c.call_tool(
            "masscan",
            {
                "target": dlab.ms_ip,
                "ports": str(dlab.ms_open_port),
                "extra_args": "--rate 2000 --banners",
                "timeout_sec": 30,
            },
        )
    if r.is_error:
        # masscan 1.3.2 now and then never exits after a --banners run in this lab
        # (seen once in five CI runs). The run was allowed (the point here); the
        # server stopped it at timeout_sec and said so.
        text = assert_error(r, "timeout")
        assert "masscan was stopped after 30 s" in text, text
        return
    sc = assert_ok(r)
    assert dlab.ms_open_port in open_ports(sc, dlab.ms_ip)
    assert "--banners" in sc["argv"]


async def test_without_raw_sockets_it_is_privilege_required(
    secmcp_bin: str, servers: Servers, dlab: DnsSweepLab, spies: Spies
) -> None:
    # The same server with CAP_NET_RAW removed from its capability sets.
    params = stdio_params(secmcp_bin, servers.configs["plain"])
    params.args = ["--bounding-set=-net_raw", "--inh-caps=-net_raw", secmcp_bin, *params.args]
    params.command = "/usr/bin/setpriv"
    target = Target("stdio", stdio=params)
    async with connect(target, "modern") as c:
        r = await c.call_tool("masscan", {"target": dlab.ms_ip, "ports": "80"})
    assert "raw sockets" in assert_error(r, "privilege_required")
    assert spies.masscan.calls() == []


@pytest.mark.parametrize(
    "target,args,code",
    [
        ("web.lab.internal", "-p 80", "validation_error"),
        ("8.8.8.8", "-p 80", "scope_denied"),
        ("169.254.169.254", "-p 80", "scope_denied"),
        ("10.99.2.0/24", "-p 80", "scope_denied"),
        ("LAB", "", "validation_error"),
        ("LAB", "-p 80 --rate 99999", "validation_error"),
        ("LAB", "-p 80 --rate=99999", "validation_error"),
        ("LAB", "-p 80 --max-rate 99999", "validation_error"),
        ("LAB", "-p 80 --max-rate=99999", "validation_error"),
        ("LAB", "-p 70000", "validation_error"),
        ("LAB", "-p 80 -oJ /tmp/secmcp-e2e-x", "validation_error"),
        ("LAB", "-p 80 -oX -", "validation_error"),
        ("LAB", "-p 80 --output-filename /tmp/x", "validation_error"),
        ("LAB", "-p 80 --output-filename=/tmp/x", "validation_error"),
        ("LAB", "-p 80 -c /tmp/x.conf", "validation_error"),
        ("LAB", "-p 80 --conf=/tmp/x.conf", "validation_error"),
        ("LAB", "-p 80 --resume paused.conf", "validation_error"),
        ("LAB", "-p 80 --excludefile /etc/passwd", "validation_error"),
        ("LAB", "-p 80 --excludefile=/etc/passwd", "validation_error"),
        ("LAB", "-p 80 --includefile /etc/passwd", "validation_error"),
        ("LAB", "-p 80 -iL /etc/passwd", "validation_error"),
        ("LAB", "-p 80 --readscan /tmp/x", "validation_error"),
        ("LAB", "-p 80 --pcap /tmp/x.pcap", "validation_error"),
        ("LAB", "-p 80 --pcap=/tmp/x.pcap", "validation_error"),
        ("LAB", "-p 80 --source-ip 10.99.1.99", "validation_error"),
        ("LAB", "-p 80 --source-ip=10.99.1.99", "validation_error"),
        ("LAB", "-p 80 --source-port 61000", "validation_error"),
        ("LAB", "-p 80 --source_port=61000", "validation_error"),
        ("LAB", "-p 80 --adapter lo", "validation_error"),
        ("LAB", "-p 80 --adapter-ip=10.99.1.9", "validation_error"),
        ("LAB", "-p 80 --router-mac 00-11-22-33-44-55", "validation_error"),
        ("LAB", "-p 80 --router-mac=00-11-22-33-44-55", "validation_error"),
        ("LAB", "-p 80 --range 8.8.8.8", "validation_error"),
        ("LAB", "-p 80 --range=8.8.8.8", "validation_error"),
        ("LAB", "-p 80 8.8.8.8", "validation_error"),
        ("LAB", "-p 80; id", "validation_error"),
    ],
)
async def test_denied_without_running(
    plain_http: Target, dlab: DnsSweepLab, spies: Spies, target: str, args: str, code: str
) -> None:
    target = dlab.ms_ip if target == "LAB" else target
    async with connect(plain_http, "modern") as c:
        r = await c.call_tool("masscan", {"target": target, "extra_args": args})
    assert_error(r, code)
    assert spies.masscan.calls() == [], f"masscan ran for a denied call {target} {args!r}: {spies.masscan.calls()}"


async def test_a_masscan_that_hangs_after_its_scan_is_interrupted_and_its_results_kept(
    secmcp_bin: str, dlab: DnsSweepLab, spies: Spies, tmp_path: Path
) -> None:
    # masscan sometimes never exits after its wait on a quiet network (its
    # receive thread waits for a packet; upstream #144, #476), with its results
    # still in its stdout buffer: only a quick burst of ^C makes it write them
    # and exit 1. A stand-in that does exactly that (and sends nothing)
    # replaces the binary in this config.
    stuck = tmp_path / "masscan"
    record = (
        f'{{"ip":"{dlab.ms_ip}","timestamp":"1795628097","port":{dlab.ms_open_port},'
        '"proto":"tcp","rec_type":"status","data":{"status":"open","reason":"syn-ack","ttl":64}}'
    )
    stuck.write_text(
        "#!/bin/sh\n"
        f"flush() {{ echo '{record}'; exit 1; }}\n"
        "trap flush INT\n"
        "for s in 1 0 -1; do\n"
        "  printf 'rate:  0.00-kpps, 100.00%% done, waiting %s-secs, found=1       \\r' \"$s\" >&2\n"
        "  sleep 0.2\n"
        "done\n"
        "while :; do sleep 0.1; done\n"
    )
    stuck.chmod(0o755)
    config = write_config(tmp_path / "stuck.yaml", spies, dlab)
    config.write_text(config.read_text().replace(str(spies.masscan.wrapper), str(stuck)))
    target = Target("stdio", stdio=stdio_params(secmcp_bin, config))
    async with connect(target, "modern") as c:
        r = await c.call_tool(
            "masscan", {"target": dlab.ms_ip, "ports": str(dlab.ms_open_port), "timeout_sec": 120}
        )
    sc = assert_ok(r)
    assert open_ports(sc, dlab.ms_ip) == {dlab.ms_open_port}
    assert sc["run"]["stopped_after_finishing"] is True
    assert sc["run"]["timed_out"] is False
    assert sc["run"]["duration_ms"] < 20_000, sc["run"]


async def test_progress_from_masscans_status_line(plain: Target, dlab: DnsSweepLab, spies: Spies) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with connect(plain, "modern") as c:
        r = await c.call_tool(
            "masscan",
            {
                "target": dlab.ms_ip,
                "extra_args": f"-p {dlab.ms_open_port},{dlab.ms_closed_port} --wait 2",
                "timeout_sec": 60,
            },
            progress_callback=on_progress,
        )
    assert_ok(r)
    values = [u[0] for u in updates]
    assert values and values == sorted(values), updates
    assert all(u[1] == 100 and u[2] and "open port(s) found" in u[2] for u in updates), updates
