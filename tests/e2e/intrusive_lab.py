"""Shared fixtures for the gobuster and hydra e2e tests (imported by their test files).

Each tool binary is wrapped by a spy that logs every invocation (so a test can prove a
denied call started no process) and then execs the real tool. The wordlist and
credential fixtures of tests/lab are copied into a private directory that also holds
symlinks pointing out of the roots, for the escape tests.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import CONFIGS, HERE, HttpServer, Target, run_http_server, stdio_params

LAB_FILES = HERE.parents[1] / "tests" / "lab"
# Argument lists of the server's version/health probes of a binary (not tool runs).
PROBES = [["version"], ["--version"], ["-h"], ["--help"], ["-V"]]


@dataclass
class Spy:
    wrapper: Path
    log: Path

    def reset(self) -> None:
        self.log.write_text("")

    def calls(self) -> list[str]:
        """Tool runs; the server's binary probes (`gobuster version`, `hydra -h`) are not runs."""
        return [
            line
            for line in self.log.read_text().splitlines()
            if line.startswith("CALL ") and line.split()[2:] not in PROBES
        ]


def make_spy(d: Path, tool: str) -> Spy:
    real = shutil.which(tool)
    assert real, f"{tool} is not installed (scripts/install-test-deps.sh)"
    log = d / f"{tool}-calls.log"
    log.write_text("")
    wrapper = d / tool
    wrapper.write_text(
        f"""#!/bin/sh
line="CALL $$"; for a in "$@"; do line="$line $a"; done
printf '%s\\n' "$line" >> '{log}'
exec '{real}' "$@"
"""
    )
    wrapper.chmod(0o755)
    return Spy(wrapper=wrapper, log=log)


@dataclass
class IntrusiveLab:
    files: Path
    gobuster: Spy
    hydra: Spy
    config_on: Path
    config_off: Path
    app_ip: str
    app_name: str
    app_port: int
    dns_ip: str
    dns_port: int
    corp_domain: str

    def reset(self) -> None:
        self.gobuster.reset()
        self.hydra.reset()


@pytest.fixture(scope="session")
def ilab(tmp_path_factory: pytest.TempPathFactory) -> IntrusiveLab:
    base = tmp_path_factory.mktemp("intrusive")
    files = base / "files"
    shutil.copytree(LAB_FILES / "wordlists", files / "wordlists")
    shutil.copytree(LAB_FILES / "credentials", files / "credentials")
    outside = base / "outside.txt"
    outside.write_text("root\nadmin\n")
    # Symlinks inside the roots that lead out of them.
    for sub in ("wordlists", "credentials"):
        (files / sub / "escape.txt").symlink_to(outside)
        (files / sub / "updir").symlink_to(base)
    spies = base / "bin"
    spies.mkdir()
    gob, hyd = make_spy(spies, "gobuster"), make_spy(spies, "hydra")
    template = (CONFIGS / "lab-intrusive.yaml").read_text()
    configs = {}
    for name, flag in (("on", "true"), ("off", "false")):
        text = (
            template.replace("@INTRUSIVE@", flag)
            .replace("@FILES@", str(files))
            .replace("@GOBUSTER@", str(gob.wrapper))
            .replace("@HYDRA@", str(hyd.wrapper))
        )
        path = base / f"lab-intrusive-{name}.yaml"
        path.write_text(text)
        configs[name] = path
    e = os.environ
    return IntrusiveLab(
        files=files,
        gobuster=gob,
        hydra=hyd,
        config_on=configs["on"],
        config_off=configs["off"],
        app_ip=e["LAB_APP_IP"],
        app_name=e["LAB_APP_NAME"],
        app_port=int(e["LAB_APP_PORT"]),
        dns_ip=e["LAB_CORPDNS_IP"],
        dns_port=int(e["LAB_CORPDNS_PORT"]),
        corp_domain=e["LAB_CORP_DOMAIN"],
    )


@pytest.fixture
def spies(ilab: IntrusiveLab) -> Iterator[IntrusiveLab]:
    ilab.reset()
    yield ilab
    ilab.reset()


@pytest.fixture(scope="session")
def intrusive_http(secmcp_bin: str, ilab: IntrusiveLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with run_http_server(secmcp_bin, ilab.config_on, tmp_path_factory.mktemp("http-intrusive")) as srv:
        yield srv
        if srv.proc.poll() is not None:
            print(srv.log_text(), file=sys.stderr)


@pytest.fixture(params=["stdio", "http"])
def itarget(request: pytest.FixtureRequest, secmcp_bin: str, ilab: IntrusiveLab) -> Target:
    """A server with allow_intrusive: true, over both transports."""
    if request.param == "http":
        return Target("http", http_url=request.getfixturevalue("intrusive_http").url)
    return Target("stdio", stdio=stdio_params(secmcp_bin, ilab.config_on))


@pytest.fixture
def itarget_stdio(secmcp_bin: str, ilab: IntrusiveLab) -> Target:
    return Target("stdio", stdio=stdio_params(secmcp_bin, ilab.config_on))


@pytest.fixture
def itarget_off(secmcp_bin: str, ilab: IntrusiveLab) -> Target:
    """The same server config with allow_intrusive: false."""
    return Target("stdio", stdio=stdio_params(secmcp_bin, ilab.config_off))


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
    return sc
