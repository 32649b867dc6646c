"""Durable runs: a scan survives a restart as an MCP resource; kill -9 during a burst
of calls loses no completed run and the database reopens (lab namespace only)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from conftest import Lab, Target, connect, run_http_server

pytestmark = pytest.mark.anyio


def run_link(result) -> str:
    links = [c for c in result.content if getattr(c, "type", None) == "resource_link"]
    assert len(links) == 1, f"expected one resource_link, got {result.content!r}"
    uri = str(links[0].uri)
    assert uri.startswith("secmcp://runs/"), uri
    return uri


async def read_json(client, uri: str) -> dict:
    res = await client.read_resource(uri)
    return json.loads(res.contents[0].text)


async def test_scan_survives_restart_as_a_resource(secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"SECMCP_DATA_DIR": str(data)}
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        async with connect(Target("http", http_url=srv.url), "legacy") as c:
            r = await c.call_tool("nmap", {"target": lab.web_ip, "ports": f"{lab.open_port},{lab.closed_port}", "detail": "full"})
            assert not r.is_error, r.content
            uri = run_link(r)
            refused = await c.call_tool("nmap", {"target": "8.8.8.8"})
            assert refused.is_error
            refused_uri = run_link(refused)
    assert (data / "runs.db").exists()
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        async with connect(Target("http", http_url=srv.url), "legacy") as c:
            listed = await c.list_resources()
            uris = [str(r.uri) for r in listed.resources]
            # Newest first: the refused call came after the scan.
            assert uris.index(refused_uri) < uris.index(uri), uris
            run = await read_json(c, uri)
            assert run["tool"] == "nmap" and run["decision"] == "accepted" and run["outcome"] == "ok"
            assert run["pinned"] == [lab.web_ip]
            assert run["argv"][0] == "nmap" and run["argv"][-1] == lab.web_ip
            ports = {p["port"]: p["state"] for h in run["structured"]["hosts"] for p in h["ports"]}
            assert ports[lab.open_port] == "open", ports
            raw = await c.read_resource(uri + "/raw")
            assert "<nmaprun" in raw.contents[0].text
            denied = await read_json(c, refused_uri)
            assert denied["decision"] == "refused" and denied["code"], denied
            templates = await c.list_resource_templates()
            assert {t.uri_template for t in templates.resource_templates} == {
                "secmcp://runs/{id}",
                "secmcp://runs/{id}/raw",
            }
            with pytest.raises(Exception) as err:
                await c.read_resource("secmcp://runs/00000000-0000-7000-8000-000000000000")
            assert "-32002" in repr(err.value), repr(err.value)


async def test_kill_9_during_a_burst_loses_no_completed_run(secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"SECMCP_DATA_DIR": str(data)}
    completed: list[str] = []
    killed = False
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        try:
            async with connect(Target("http", http_url=srv.url), "legacy") as c:

                async def one(i: int) -> None:
                    r = await c.call_tool(
                        "nmap", {"target": lab.web_ip, "ports": str(lab.open_port), "correlation_id": f"burst-{i}"}
                    )
                    completed.append(run_link(r))

                tasks = [asyncio.create_task(one(i)) for i in range(40)]
                # Kill once some calls have completed and others are still in flight.
                for _ in range(200):
                    if len(completed) >= 5:
                        break
                    await asyncio.sleep(0.02)
                os.kill(srv.proc.pid, signal.SIGKILL)
                killed = True
                await asyncio.gather(*tasks, return_exceptions=True)
        except Exception:
            # The client cannot end its session with a killed server; anything else fails.
            if not killed:
                raise
    # Some calls completed before the kill, and others were still in flight.
    assert 5 <= len(completed) < 40, completed
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        async with connect(Target("http", http_url=srv.url), "legacy") as c:
            for uri in completed:
                run = await read_json(c, uri)
                assert run["tool"] == "nmap", run
