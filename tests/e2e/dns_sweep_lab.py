"""Shared fixtures for the dig and masscan e2e tests (imported by their test files).

Each tool binary is wrapped by a spy that logs every invocation with its working
directory (so a test can prove a denied call started no process, and that masscan ran
in a per-call directory), then execs the real tool. Configs are configs/lab.yaml plus a
`tools:` section naming the spies and the masscan lab adapter (tests/lab/lab.sh).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import CONFIGS, HttpServer, Target, is_version_probe, run_http_server, stdio_params


@dataclass
class Spy:
    wrapper: Path
    log: Path

    def reset(self) -> None:
        self.log.write_text("")

    def calls(self) -> list[str]:
        lines = self.log.read_text().splitlines()
        return [line for line in lines if line.startswith("CALL ") and not is_version_probe(line.split()[2:])]

    def cwds(self) -> list[str]:
        """The working directory of each run in `calls()` (the spy logs CALL, then CWD)."""
        lines = self.log.read_text().splitlines()
        pairs = zip(lines[::2], lines[1::2])
        return [
            cwd[4:]
            for call, cwd in pairs
            if call.startswith("CALL ") and cwd.startswith("CWD ") and not is_version_probe(call.split()[2:])
        ]


def make_spy(d: Path, tool: str) -> Spy:
    real = shutil.which(tool) or (f"/usr/bin/{tool}" if os.path.exists(f"/usr/bin/{tool}") else None)
    assert real, f"{tool} is not installed (scripts/install-test-deps.sh)"
    log = d / f"{tool}-calls.log"
    log.write_text("")
    log.chmod(0o666)
    wrapper = d / tool
    wrapper.write_text(
        f"""#!/bin/sh
line="CALL $$"; for a in "$@"; do line="$line $a"; done
printf '%s\\nCWD %s\\n' "$line" "$PWD" >> '{log}'
exec '{real}' "$@"
"""
    )
    wrapper.chmod(0o755)
    return Spy(wrapper=wrapper, log=log)


@dataclass(frozen=True)
class DnsSweepLab:
    dns_ip: str
    dns_name: str
    zone: str
    txt_name: str
    txt: str
    web_name: str
    web_ip: str
    ms_ip: str
    ms_net: str
    ms_adapter: str
    ms_router: str
    ms_open_port: int
    ms_closed_port: int


@pytest.fixture(scope="session")
def dlab() -> DnsSweepLab:
    e = os.environ
    return DnsSweepLab(
        dns_ip=e["LAB_DNS_IP"],
        dns_name=e["LAB_DNS_NAME"],
        zone=e["LAB_DNS_ZONE"],
        txt_name=e["LAB_DNS_TXT_NAME"],
        txt=e["LAB_DNS_TXT"],
        web_name=e["LAB_WEB_NAME"],
        web_ip=e["LAB_WEB_IP"],
        ms_ip=e["LAB_MS_IP"],
        ms_net=e["LAB_MS_NET"],
        ms_adapter=e["LAB_MS_ADAPTER"],
        ms_router=e["LAB_MS_ROUTER"],
        ms_open_port=int(e["LAB_MS_OPEN_PORT"]),
        ms_closed_port=int(e["LAB_MS_CLOSED_PORT"]),
    )


@dataclass
class Spies:
    dig: Spy
    masscan: Spy
    dir: Path

    def reset(self) -> None:
        self.dig.reset()
        self.masscan.reset()


@pytest.fixture(scope="session")
def spies_session(tmp_path_factory: pytest.TempPathFactory) -> Spies:
    d = tmp_path_factory.mktemp("dig-masscan-spies")
    d.chmod(0o755)
    return Spies(dig=make_spy(d, "dig"), masscan=make_spy(d, "masscan"), dir=d)


@pytest.fixture
def spies(spies_session: Spies) -> Iterator[Spies]:
    spies_session.reset()
    yield spies_session
    spies_session.reset()


def write_config(
    path: Path, spies: Spies, dlab: DnsSweepLab, *, intrusive: bool = False, default_server: str = ""
) -> Path:
    base = (CONFIGS / "lab.yaml").read_text()
    if intrusive:
        assert "allow_intrusive: false" in base
        base = base.replace("allow_intrusive: false", "allow_intrusive: true")
    path.write_text(
        base.rstrip()
        + f"""
tools:
  dig:
    binary: {spies.dig.wrapper}
    default_server: "{default_server}"
  masscan:
    binary: {spies.masscan.wrapper}
    adapter: {dlab.ms_adapter}
    router_ip: {dlab.ms_router}
    default_wait_secs: 1
"""
    )
    return path


@dataclass
class Servers:
    """HTTP servers for three configs, started once per session."""

    plain: HttpServer
    intrusive: HttpServer
    with_default: HttpServer
    configs: dict[str, Path]


@pytest.fixture(scope="session")
def servers(
    secmcp_bin: str, spies_session: Spies, dlab: DnsSweepLab, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    d = tmp_path_factory.mktemp("dig-masscan-configs")
    configs = {
        "plain": write_config(d / "plain.yaml", spies_session, dlab),
        "intrusive": write_config(d / "intrusive.yaml", spies_session, dlab, intrusive=True),
        "with_default": write_config(d / "default.yaml", spies_session, dlab, default_server=dlab.dns_ip),
    }
    logs = tmp_path_factory.mktemp("dig-masscan-http")
    with contextlib.ExitStack() as stack:
        plain = stack.enter_context(run_http_server(secmcp_bin, configs["plain"], logs))
        intrusive = stack.enter_context(run_http_server(secmcp_bin, configs["intrusive"], logs))
        with_default = stack.enter_context(run_http_server(secmcp_bin, configs["with_default"], logs))
        yield Servers(plain=plain, intrusive=intrusive, with_default=with_default, configs=configs)


def target_for(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers, which: str = "plain") -> Target:
    if request.param == "http":
        return Target("http", http_url=getattr(servers, which).url)
    return Target("stdio", stdio=stdio_params(secmcp_bin, servers.configs[which]))


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content if getattr(c, "type", None) == "text")


def assert_error(result: Any, code: str) -> str:
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
