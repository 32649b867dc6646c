"""The operations kit in deploy/: the Prometheus alert rules (promtool check and unit
tests that open a breaker), a real Prometheus scraping a running secmcp and loading the
rules, the Grafana dashboard's queries against a real scrape, and the systemd unit
through `systemd-analyze verify`. Also `secmcp doctor` on the CI machine itself.

Everything listens on 127.0.0.1 inside the lab namespace; Prometheus is started by PID
and stopped by PID.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from mcp import Client

from conftest import CONFIGS, free_port, run_http_server, wait_until

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "secmcp-alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "secmcp-alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "secmcp-dashboard.json"
UNIT = DEPLOY / "systemd" / "secmcp.service"

METRIC = re.compile(r"\b(secmcp_[a-z0-9_]+)\b")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: scripts/install-test-deps.sh installs it")
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


# ------------------------------------------------------------------------- rules and unit


def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    promtool = need("promtool")
    check = run(promtool, "check", "rules", str(RULES))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 7 rules found" in check.stdout, check.stdout
    # The unit tests open nmap's breaker, make masscan unusable, push nmap's error
    # rate over half, fail a reload, fail run records and stop the scrape; each alert
    # fires when it must.
    tests = run(promtool, "test", "rules", str(RULE_TESTS))
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "SUCCESS" in tests.stdout


def test_the_rule_tests_can_fail(tmp_path: Path) -> None:
    """A breaker that never opens must fail the breaker test (the tests are not vacuous)."""
    promtool = need("promtool")
    shutil.copy(RULES, tmp_path / RULES.name)
    text = RULE_TESTS.read_text().replace("values: '0 0 0 2 2 2 2 2'", "values: '0 0 0 0 0 0 0 0'", 1)
    (tmp_path / RULE_TESTS.name).write_text(text)
    tests = run(promtool, "test", "rules", str(tmp_path / RULE_TESTS.name))
    assert tests.returncode != 0
    assert "SecmcpCircuitBreakerOpen" in tests.stdout + tests.stderr


def test_systemd_unit_verifies_and_is_hardened(tmp_path: Path, secmcp_bin: str) -> None:
    analyze = need("systemd-analyze")
    text = UNIT.read_text()
    for directive in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
        "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN",
        "ReadWritePaths=/var/lib/secmcp",
        "ExecReload=/bin/kill -HUP $MAINPID",
    ):
        assert f"\n{directive}\n" in text, directive
    # verify checks that ExecStart exists: point it at the binary under test.
    unit = tmp_path / "secmcp.service"
    unit.write_text(text.replace("/usr/local/bin/secmcp", secmcp_bin))
    out = run(analyze, "verify", str(unit))
    assert out.returncode == 0 and out.stdout + out.stderr == "", out.stdout + out.stderr
    # verify does complain about a broken directive (it is not a no-op here).
    (tmp_path / "broken.service").write_text(unit.read_text().replace("NoNewPrivileges=yes", "NoNewPrivileges=maybe"))
    out = run(analyze, "verify", str(tmp_path / "broken.service"))
    assert "NoNewPrivileges" in out.stdout + out.stderr or "boolean" in out.stdout + out.stderr


# ------------------------------------------------------------------------- real scrape


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def exported_names(text: str) -> set[str]:
    """Every sample name a scrape can hold, from its `# TYPE` lines."""
    names: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("# TYPE "):
            continue
        _, _, name, kind = line.split(" ", 3)
        names.add(name)
        if kind == "counter":
            names.add(name + "_total")
        elif kind == "histogram":
            names.update(name + s for s in ("_bucket", "_sum", "_count"))
    return names


def dashboard_queries() -> list[str]:
    d = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            queries.append(q.get("query", ""))
        if v.get("definition"):
            queries.append(v["definition"])
    return queries


@contextlib.contextmanager
def prometheus(tmp_path: Path, target_port: int) -> Iterator[int]:
    binary = need("prometheus")
    port = free_port()
    shutil.copy(RULES, tmp_path / RULES.name)
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {RULES.name}\n"
        "scrape_configs:\n  - job_name: secmcp\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
    )
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def api(port: int, path: str, **params: str) -> dict:
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read().decode())
    except OSError:
        return {}


def instant(port: int, query: str) -> list[dict]:
    return api(port, "query", query=query).get("data", {}).get("result", [])


async def test_prometheus_scrapes_secmcp_and_every_dashboard_and_rule_metric_exists(
    tmp_path: Path, secmcp_bin: str, lab
) -> None:
    with run_http_server(secmcp_bin, CONFIGS / "lab.yaml", tmp_path) as srv:
        # Traffic that creates the per-call series: a listing and a denied call.
        async with Client(srv.url, mode="legacy") as c:
            await c.list_tools()
            denied = await c.call_tool("nmap", {"target": lab.evil_ip})
            assert denied.is_error
        assert wait_until(lambda: "secmcp_ready 1" in scrape(srv.port), timeout=20, step=0.2)
        text = scrape(srv.port)
        names = exported_names(text)
        queries = dashboard_queries()
        assert len(queries) >= 12
        used = {m for q in queries for m in METRIC.findall(q)}
        assert len(used) >= 12, used
        missing = sorted(used - names)
        assert not missing, f"the dashboard queries metrics secmcp does not export: {missing}"
        rule_metrics = set(METRIC.findall(RULES.read_text()))
        assert not sorted(rule_metrics - names), sorted(rule_metrics - names)
        # The run-record series exist with both results before any failure, so the
        # SecmcpStoreErrors increase() sees the first one.
        assert re.search(r'^secmcp_run_records_total\{result="failed"\} 0$', text, re.M), text
        assert re.search(r'^secmcp_run_records_total\{result="ok"\} [1-9]', text, re.M), text

        with prometheus(tmp_path, srv.port) as port:
            def scraped() -> bool:
                up = instant(port, 'up{job="secmcp"}')
                ready = instant(port, "secmcp_ready")
                return bool(up) and up[0]["value"][1] == "1" and bool(ready) and ready[0]["value"][1] == "1"

            assert wait_until(scraped, timeout=30, step=0.5), (tmp_path / "prometheus.log").read_text()
            # Prometheus holds every metric the dashboard and the rules use.
            for m in sorted(used | rule_metrics):
                assert instant(port, f'count({m}{{job="secmcp"}})'), f"Prometheus has no {m}"
            usable = {r["metric"]["tool"]: r["value"][1] for r in instant(port, "secmcp_tool_usable")}
            assert usable.get("nmap") == "1", usable
            # The rules loaded and evaluate without error; none fires on a healthy server.
            def evaluated() -> bool:
                groups = api(port, "rules").get("data", {}).get("groups", [])
                rules = [r for g in groups for r in g["rules"]]
                return len(rules) == 7 and all(r.get("lastEvaluation", "").startswith("20") for r in rules)

            assert wait_until(evaluated, timeout=15, step=0.5)
            groups = api(port, "rules")["data"]["groups"]
            for r in (r for g in groups for r in g["rules"]):
                assert r["health"] == "ok", r
            firing = [a for a in api(port, "alerts")["data"]["alerts"] if a["state"] == "firing"]
            assert firing == [], firing


# ------------------------------------------------------------------------- doctor


def test_doctor_exits_0_on_the_ci_machine(secmcp_bin: str) -> None:
    """CI has every tool and runs as root: the lab config's tools are all usable."""
    out = run(secmcp_bin, "doctor", "--config", str(CONFIGS / "lab.yaml"))
    assert out.returncode == 0, out.stdout + out.stderr
    for tool in ("nmap", "masscan", "dig"):
        assert re.search(rf"^\s+ok\s+{tool} \d", out.stdout, re.M), out.stdout
    assert "0 problems" in out.stdout
