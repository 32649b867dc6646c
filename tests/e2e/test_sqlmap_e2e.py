"""sqlmap over real MCP clients (stdio, both protocol eras) against the lab's injectable
SQLite app (tests/lab/sqli_app.py, started by lab.sh on LAB_SQLI_IP:LAB_SQLI_PORT).

Proves: sqlmap finds exactly the injectable parameter and the DBMS the fixture hides; a
host name is pinned (sqlmap gets the address, the name only as Host header); enumeration
dumps the hidden table when the operator allows it; denials and the intrusive switch
start no process (a wrapper binary logs every invocation).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import CONFIGS, Target, connect, is_version_probe, stdio_params

pytestmark = pytest.mark.anyio

SQLI_IP = os.environ.get("LAB_SQLI_IP", "10.99.0.9")
SQLI_NAME = os.environ.get("LAB_SQLI_NAME", "sqli.lab.internal")
SQLI_PORT = int(os.environ.get("LAB_SQLI_PORT", "18090"))
FAST = "--technique=BU --level 1 --risk 1"


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", None) == "text")


def assert_error(result: Any, code: str) -> str:
    text = text_of(result)
    assert result.is_error, f"expected isError ({code}), got success: {text!r}"
    assert text.startswith(f"{code}:"), f"expected {code!r}: {text!r}"
    return text


def assert_ok(result: Any) -> dict:
    text = text_of(result)
    assert not result.is_error, f"unexpected error: {text!r}"
    assert isinstance(result.structured_content, dict)
    return result.structured_content


class Spy:
    """`tools.sqlmap.binary`: logs `CALL <args>` per invocation, then execs real sqlmap."""

    def __init__(self, d: Path) -> None:
        real = shutil.which("sqlmap")
        assert real, "sqlmap is not installed (scripts/install-test-deps.sh)"
        self.log = d / "calls.log"
        self.log.write_text("")
        self.log.chmod(0o666)
        self.wrapper = d / "sqlmap"
        self.wrapper.write_text(
            "#!/bin/sh\n"
            f"line=CALL; for a in \"$@\"; do line=\"$line $a\"; done; printf '%s\\n' \"$line\" >> '{self.log}'\n"
            f"exec '{real}' \"$@\"\n"
        )
        self.wrapper.chmod(0o755)

    def calls(self) -> list[str]:
        lines = self.log.read_text().splitlines()
        return [line for line in lines if line.startswith("CALL") and not is_version_probe(line.split()[1:])]

    def reset(self) -> None:
        self.log.write_text("")


@pytest.fixture(scope="module")
def sqlmap_spy(tmp_path_factory: pytest.TempPathFactory) -> Spy:
    d = tmp_path_factory.mktemp("sqlmap-spy")
    d.chmod(0o755)
    return Spy(d)


@pytest.fixture
def spy(sqlmap_spy: Spy) -> Spy:
    sqlmap_spy.reset()
    return sqlmap_spy


def config(tmp_path_factory: pytest.TempPathFactory, base: str, spy: Spy, extra: str = "") -> Path:
    text = (CONFIGS / base).read_text().rstrip()
    cfg = tmp_path_factory.mktemp("cfg") / f"sqlmap-{base}"
    cfg.write_text(f"{text}\ntools:\n  sqlmap:\n    binary: {spy.wrapper}\n{extra}")
    return cfg


@pytest.fixture(scope="module")
def on_target(secmcp_bin: str, tmp_path_factory: pytest.TempPathFactory, sqlmap_spy: Spy) -> Target:
    cfg = config(tmp_path_factory, "sqlmap.yaml", sqlmap_spy, "    allow_enumeration: true\n")
    return Target("stdio", stdio=stdio_params(secmcp_bin, cfg))


@pytest.fixture(scope="module")
def no_enum_target(secmcp_bin: str, tmp_path_factory: pytest.TempPathFactory, sqlmap_spy: Spy) -> Target:
    return Target("stdio", stdio=stdio_params(secmcp_bin, config(tmp_path_factory, "sqlmap.yaml", sqlmap_spy)))


@pytest.fixture(scope="module")
def off_target(secmcp_bin: str, tmp_path_factory: pytest.TempPathFactory, sqlmap_spy: Spy) -> Target:
    """The ordinary lab config: allow_intrusive is false."""
    return Target("stdio", stdio=stdio_params(secmcp_bin, config(tmp_path_factory, "lab.yaml", sqlmap_spy)))


@pytest.fixture(params=["legacy", "modern"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def seen_hosts() -> list[str]:
    with urllib.request.urlopen(f"http://{SQLI_IP}:{SQLI_PORT}/__hosts", timeout=5) as r:
        return r.read().decode().split()


# ------------------------------------------------------------------------- real runs


async def test_finds_exactly_the_injectable_parameter_and_sqlite(on_target: Target, mode: str, spy: Spy) -> None:
    url = f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1&lang=en"
    started = time.monotonic()
    async with connect(on_target, mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert "sqlmap" in tools and tools["sqlmap"].output_schema["type"] == "object"
        assert "data" in tools["sqlmap"].input_schema["properties"]
        r = await c.call_tool("sqlmap", {"target": url, "extra_args": FAST, "timeout_sec": 120})
    elapsed = time.monotonic() - started
    sc = assert_ok(r)
    assert sc["injectable"] is True
    assert [(p["parameter"], p["place"]) for p in sc["injection_points"]] == [("id", "GET")], sc["injection_points"]
    kinds = {t["type"] for t in sc["injection_points"][0]["techniques"]}
    assert "boolean-based blind" in kinds, kinds
    assert all(t["title"] and t["payload"] for t in sc["injection_points"][0]["techniques"])
    assert sc["dbms"] == "SQLite"
    assert sc["target"]["pinned"] == [SQLI_IP]
    argv = sc["argv"]
    assert "--batch" in argv and "--ignore-redirects" in argv
    assert f"--url={url}" in argv
    assert len(spy.calls()) == 1
    assert elapsed < 60, f"took {elapsed:.1f} s"
    assert "injectable: id (GET)" in text_of(r)


async def test_post_body_in_data(on_target: Target, spy: Spy) -> None:
    async with connect(on_target, "legacy") as c:
        r = await c.call_tool(
            "sqlmap",
            {"target": f"http://{SQLI_IP}:{SQLI_PORT}/search", "data": "name=lamp", "extra_args": "--technique=B"},
        )
    sc = assert_ok(r)
    assert [(p["parameter"], p["place"]) for p in sc["injection_points"]] == [("name", "POST")]
    assert sc["dbms"] == "SQLite"
    assert "--data=name=lamp" in sc["argv"]


async def test_host_name_is_pinned_and_sent_as_host_header(on_target: Target, spy: Spy) -> None:
    async with connect(on_target, "legacy") as c:
        r = await c.call_tool(
            "sqlmap", {"target": f"http://{SQLI_NAME}:{SQLI_PORT}/item?id=2", "extra_args": "--technique=B"}
        )
    sc = assert_ok(r)
    assert sc["injectable"] is True and sc["dbms"] == "SQLite"
    assert sc["target"]["hostname"] == SQLI_NAME and sc["target"]["pinned"] == [SQLI_IP]
    calls = spy.calls()
    assert len(calls) == 1
    # sqlmap got the address in the URL and the name only as the Host header.
    assert f"--url=http://{SQLI_IP}:{SQLI_PORT}/item?id=2" in calls[0], calls
    assert f"--host={SQLI_NAME}:{SQLI_PORT}" in calls[0], calls
    assert f"//{SQLI_NAME}" not in calls[0], calls
    assert f"{SQLI_NAME}:{SQLI_PORT}" in seen_hosts()


async def test_not_injectable_page(on_target: Target, spy: Spy) -> None:
    async with connect(on_target, "legacy") as c:
        r = await c.call_tool("sqlmap", {"target": f"http://{SQLI_IP}:{SQLI_PORT}/safe?id=1", "extra_args": FAST})
    sc = assert_ok(r)
    assert sc["injectable"] is False and sc["injection_points"] == []
    assert sc["not_injectable"] == ["id"]


async def test_dump_with_enumeration_allowed(on_target: Target, spy: Spy) -> None:
    async with connect(on_target, "legacy") as c:
        r = await c.call_tool(
            "sqlmap",
            {"target": f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "extra_args": "--technique=BU --dump -T users"},
        )
    sc = assert_ok(r)
    users = [t for t in sc["tables"] if t["table"] == "users"]
    assert users, sc["tables"]
    assert users[0]["columns"] == ["password", "username"]
    assert sorted(row[1] for row in users[0]["rows"]) == ["admin", "alice", "bob"]


# ------------------------------------------------------------------------- denials: nothing runs


@pytest.mark.parametrize(
    "target,extra,code",
    [
        ("http://8.8.8.8/item?id=1", "", "scope_denied"),
        ("http://evil.lab.internal/item?id=1", "", "scope_denied"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--safe-url http://203.0.113.9/", "scope_denied"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--safe-url=http://8.8.8.8/", "scope_denied"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--risk 3", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--level=4", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--os-shell", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--file-read=/etc/passwd", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--eval 'import os'", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--tamper=space2comment", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--proxy http://10.99.0.7:18080", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "-r /etc/passwd", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "-u http://10.99.0.7/?a=1", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--output-dir=/tmp", "validation_error"),
        (f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "--crawl 2", "validation_error"),
        ("http://10.99.0.9:18090/item", "", "validation_error"),
        ("10.99.0.9", "", "validation_error"),
    ],
)
async def test_denials_start_no_process(on_target: Target, spy: Spy, target: str, extra: str, code: str) -> None:
    async with connect(on_target, "legacy") as c:
        r = await c.call_tool("sqlmap", {"target": target, "extra_args": extra})
    assert_error(r, code)
    assert spy.calls() == []


async def test_enumeration_needs_the_config_switch(no_enum_target: Target, spy: Spy) -> None:
    async with connect(no_enum_target, "legacy") as c:
        r = await c.call_tool("sqlmap", {"target": f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1", "extra_args": "--dump"})
    assert "allow_enumeration" in assert_error(r, "validation_error")
    assert spy.calls() == []


async def test_intrusive_off_refuses_the_tool(off_target: Target, mode: str, spy: Spy) -> None:
    async with connect(off_target, mode) as c:
        r = await c.call_tool("sqlmap", {"target": f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1"})
    assert "allow_intrusive" in assert_error(r, "policy_denied")
    assert spy.calls() == []


async def test_progress_names_the_test_in_progress(on_target: Target, spy: Spy) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    url = f"http://{SQLI_IP}:{SQLI_PORT}/item?id=1&lang=en"
    async with connect(on_target, "modern") as c:
        r = await c.call_tool(
            "sqlmap", {"target": url, "extra_args": FAST, "timeout_sec": 120}, progress_callback=on_progress
        )
    assert assert_ok(r)["injectable"] is True
    values = [u[0] for u in updates]
    assert values and values == sorted(values) and len(set(values)) == len(values), updates
    assert all(u[2] and u[2].startswith("testing ") for u in updates), updates
