"""Progress from a real tool: a slowed nmap scan of the lab's web host, called with a
progress token, sends increasing progress notifications (from nmap's own
`<taskprogress>`, which the server asks for with `--stats-every`) and then its result;
the same call without a token gets no such flag and no notification.
"""

from __future__ import annotations

import json

import pytest

from conftest import Lab, NmapSpy, Target, connect

pytestmark = pytest.mark.anyio


def slow_scan(lab: Lab) -> dict:
    # 21 ports, 250 ms apart: about 5 s of Connect Scan.
    return {"target": lab.web_ip, "extra_args": "-sT -Pn -p 18070-18090 --scan-delay 250ms"}


async def test_a_slow_scan_reports_increasing_progress_then_its_result(
    lab_target: Target, mode: str, lab: Lab, spy: NmapSpy
) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with connect(lab_target, mode) as c:
        r = await c.call_tool("nmap", slow_scan(lab), progress_callback=on_progress)
        after = len(updates)
    assert not r.is_error, r
    assert r.structured_content["hosts"][0]["address"] == lab.web_ip
    values = [u[0] for u in updates]
    assert len(values) >= 3, updates
    assert values == sorted(values) and len(set(values)) == len(values), updates
    assert all(u[2] and u[2].startswith("Connect Scan: ") for u in updates), updates
    assert len(updates) == after, "a notification arrived after the result"
    (call,) = spy.calls()
    assert "--stats-every 1s" in call, call
    # The server's flags do not leak into what the agent asked for.
    assert "--stats-every" not in json.dumps(r.structured_content["target"])


async def test_without_a_progress_token_nothing_is_added(
    lab_target: Target, mode: str, lab: Lab, spy: NmapSpy
) -> None:
    async with connect(lab_target, mode) as c:
        r = await c.call_tool("nmap", {"target": lab.web_ip, "extra_args": f"-sT -Pn -p {lab.open_port}"})
    assert not r.is_error, r
    (call,) = spy.calls()
    assert "--stats-every" not in call, call
