"""dry_run and `secmcp explain`: the plan a call would run, with nothing started.

The lab config runs nmap through a spy wrapper (`tools.nmap.binary`) that records
every argv it is started with before it execs the real nmap. A dry run must start
no process (the spy records nothing), for accepted and refused calls alike; its
refusals are a real call's; and the argv it returns is exactly the one the wrapper
then records when the same call really runs.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import Lab, NmapSpy, Target, connect

pytestmark = pytest.mark.anyio


def text_of(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", None) == "text")


def without_id(text: str) -> str:
    return re.sub(r"correlation_id: \S+", "correlation_id: X", text)


async def test_dry_run_argv_is_what_a_run_executes(lab: Lab, lab_target: Target, spy: NmapSpy) -> None:
    call = {"target": lab.web_name, "ports": f"{lab.open_port},{lab.closed_port}", "extra_args": "-sT -Pn --reason"}
    async with connect(lab_target, "legacy") as c:
        dry = await c.call_tool("nmap", {**call, "dry_run": True})
        assert not dry.is_error, text_of(dry)
        sc = dry.structured_content
        plan = sc["dry_run"]
        assert plan["not_started"] is True
        assert sc["target"]["hostname"] == lab.web_name
        assert sc["target"]["pinned"] == [lab.web_ip]
        assert any(g.startswith(f"scope: {lab.web_name} allowed by name") for g in plan["gates"]), plan
        assert plan["limits"]["timeout_sec"] > 0
        assert "hosts" not in sc, "a dry run has no scan result"
        assert "dry run: nothing was started" in text_of(dry)
        assert spy.calls() == [], f"a dry run started nmap: {spy.calls()}"

        real = await c.call_tool("nmap", call)
        assert not real.is_error, text_of(real)
    calls = spy.calls()
    assert len(calls) == 1, calls
    executed = calls[0].split()[2:]
    assert executed == sc["argv"][1:], (executed, sc["argv"])
    assert real.structured_content["argv"] == sc["argv"]


async def test_refused_dry_runs_start_nothing_and_match_real_refusals(lab: Lab, lab_target: Target, spy: NmapSpy) -> None:
    refused = [
        ({"target": "8.8.8.8"}, "scope_denied"),
        ({"target": lab.evil_name}, "scope_denied"),
        ({"target": lab.web_ip, "extra_args": "--script-args=x"}, "validation_error"),
        ({"target": lab.web_ip, "extra_args": "-A"}, "validation_error"),
        ({"target": lab.web_ip, "timeout_sec": 999999}, "validation_error"),
    ]
    async with connect(lab_target, "legacy") as c:
        for call, code in refused:
            dry = await c.call_tool("nmap", {**call, "dry_run": True, "correlation_id": "same"})
            real = await c.call_tool("nmap", {**call, "correlation_id": "same"})
            assert dry.is_error and real.is_error, (call, text_of(dry), text_of(real))
            assert text_of(dry).startswith(f"{code}:"), (call, text_of(dry))
            assert text_of(dry) == text_of(real), (call, text_of(dry), text_of(real))
    assert spy.calls() == [], f"a refused call started nmap: {spy.calls()}"


def test_explain_prints_the_plan_and_refuses_like_the_server(
    secmcp_bin: str, lab_config: Path, lab: Lab, spy: NmapSpy
) -> None:
    args = json.dumps({"target": lab.web_ip, "ports": "22,80", "extra_args": "-sT"})
    r = subprocess.run(
        [secmcp_bin, "explain", "nmap", args, "--config", str(lab_config)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("dry run: nothing was started. nmap would run as: nmap "), r.stdout
    plan = json.loads(r.stdout[r.stdout.index("\n{") :])
    assert plan["argv"][0] == "nmap" and plan["argv"][-1] == lab.web_ip, plan["argv"]
    assert "-sT" in plan["argv"] and "22,80" in plan["argv"]
    assert plan["dry_run"]["not_started"] is True

    r = subprocess.run(
        [secmcp_bin, "explain", "nmap", '{"target":"8.8.8.8"}', "--config", str(lab_config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout.startswith("scope_denied: target: 8.8.8.8 is not in security.allowed_targets"), r.stdout

    r = subprocess.run([secmcp_bin, "explain", "nmap", "[1]"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "JSON object" in r.stderr, (r.stdout, r.stderr)
    assert spy.calls() == [], f"explain started nmap: {spy.calls()}"
