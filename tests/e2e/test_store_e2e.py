"""Durable runs: a scan survives a restart as an MCP resource; kill -9 during a burst
of calls loses no completed run and the database reopens; scan_history, scan_diff,
`runs diff` and `report` name a port opened between two scans (lab namespace only)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
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
                "secmcp://runs/{id}/page/{n}",
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


async def test_scan_diff_history_and_report_name_a_port_opened_between_scans(
    secmcp_bin: str, lab_config: Path, lab: Lab, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {"SECMCP_DATA_DIR": str(data)}
    # A port of the lab host that nothing listens on yet (the test opens it between scans).
    probe = socket.socket()
    probe.bind((lab.web_ip, 0))
    new_port = probe.getsockname()[1]
    probe.close()
    ports = f"{lab.open_port},{new_port}"
    with run_http_server(secmcp_bin, lab_config, tmp_path, env) as srv:
        async with connect(Target("http", http_url=srv.url), "legacy") as c:
            names = {t.name for t in (await c.list_tools()).tools}
            assert {"scan_history", "scan_diff"} <= names, names
            first = await c.call_tool("nmap", {"target": lab.web_ip, "ports": ports})
            assert not first.is_error, first.content
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((lab.web_ip, new_port))
            listener.listen(8)
            try:
                second = await c.call_tool("nmap", {"target": lab.web_ip, "ports": ports})
                assert not second.is_error, second.content
            finally:
                listener.close()
            history = await c.call_tool("scan_history", {"target": f"{lab.web_ip.rsplit('.', 1)[0]}.0/24", "tool": "nmap"})
            assert not history.is_error, history.content
            runs = history.structured_content["runs"]
            assert [r["uri"] for r in runs] == [run_link(second), run_link(first)], runs
            diff = await c.call_tool("scan_diff", {"tool": "nmap", "target": lab.web_ip})
            assert not diff.is_error, diff.content
            d = diff.structured_content
            assert d["counts"] == {"added": 1, "removed": 0, "changed": 0}, d
            assert d["changes"][0]["change"] == "added" and d["changes"][0]["key"] == f"{lab.web_ip} tcp/{new_port}", d
            assert f"+ port {lab.web_ip} tcp/{new_port}" in diff.content[0].text
            bad = await c.call_tool("scan_diff", {"before": runs[0]["id"]})
            assert bad.is_error and "validation_error" in bad.content[0].text
    cli = [secmcp_bin, "runs", "diff", "--config", str(lab_config), "--data-dir", str(data), "--tool", "nmap", "--target", lab.web_ip]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"+ port {lab.web_ip} tcp/{new_port}" in done.stdout, done.stdout
    out = tmp_path / "report"
    cli = [secmcp_bin, "report", "--config", str(lab_config), "--data-dir", str(data), "--out", str(out), "--target", lab.web_ip]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 run(s), 1 host(s) with open services"), done.stdout
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for port in (lab.open_port, new_port):
        # Markdown escapes the slash; the HTML cell is plain.
        assert f"tcp\\/{port}" in md, md
        assert f"<td>tcp/{port}</td>" in html, html
    assert "nmap" in md and "<script" not in html
