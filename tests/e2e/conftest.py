"""Fixtures for secmcp end-to-end tests with the real Python MCP client (mcp 2.3.0).

These tests start the built `secmcp` binary and scan the lab that tests/lab/lab.sh
set up inside the private network namespace made by scripts/test.sh. They refuse to
run outside it (LAB_NETNS=1), so no test can ever scan a real network.

Run them through `scripts/test.sh e2e` (or `scripts/test.sh e2e -- -k NAME`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from mcp import Client, StdioServerParameters

HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "configs"

# Protocol modes: the handshake era (initialize, 2025-11-25) and the stateless 2026 era.
# "auto" probes server/discover first, so it proves the server speaks the modern era
# (the test then checks that 2026-07-28 was negotiated).
MODES = ["legacy", "modern"]
TRANSPORTS = ["stdio", "http"]
MODERN_VERSION = "2026-07-28"
LEGACY_VERSION = "2025-11-25"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("LAB_NETNS") != "1":
        raise pytest.UsageError(
            "e2e tests must run inside the lab namespace: use `scripts/test.sh e2e` "
            "(LAB_NETNS is not set, so the lab addresses do not exist here)"
        )


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# ------------------------------------------------------------------------- lab facts


@dataclass(frozen=True)
class Lab:
    web_ip: str
    db_ip: str
    web_ip6: str
    web_name: str
    db_name: str
    evil_name: str
    evil_ip: str
    open_port: int
    closed_port: int
    loopback_port: int


@pytest.fixture(scope="session")
def lab() -> Lab:
    e = os.environ
    return Lab(
        web_ip=e["LAB_WEB_IP"],
        db_ip=e["LAB_DB_IP"],
        web_ip6=e["LAB_WEB_IP6"],
        web_name=e["LAB_WEB_NAME"],
        db_name=e["LAB_DB_NAME"],
        evil_name=e["LAB_EVIL_NAME"],
        evil_ip=e["LAB_EVIL_IP"],
        open_port=int(e["LAB_OPEN_PORT"]),
        closed_port=int(e["LAB_CLOSED_PORT"]),
        loopback_port=int(e["LAB_LOOPBACK_PORT"]),
    )


@pytest.fixture(scope="session")
def secmcp_bin() -> str:
    path = os.environ.get("SECMCP_BIN") or str(HERE.parents[1] / "target" / "debug" / "secmcp")
    if not os.access(path, os.X_OK):
        pytest.fail(f"secmcp binary not found at {path}: build it with `cargo build -p secmcp`")
    return path


# ------------------------------------------------------------------------- tool spies

# The server identifies every tool binary by a version probe (`nmap --version`, `dig -v`,
# `gobuster version`, `hydra -h`) at startup and whenever the binary changes. Spies that
# log invocations must not count those as tool runs.
VERSION_PROBE_ARGS = (["--version"], ["version"], ["-h"], ["-v"])


def is_version_probe(args: list[str]) -> bool:
    return args in VERSION_PROBE_ARGS


# ------------------------------------------------------------------------- nmap wrapper


@dataclass
class NmapSpy:
    """A wrapper that the lab config names as `tools.nmap.binary`.

    Each invocation appends one line (`CALL <pid> <args...>`) to `log`, then execs the
    real nmap. Creating the file `slow` makes it hang (a python sleeper whose command
    line carries `marker`) instead, for timeout tests.
    """

    dir: Path
    wrapper: Path
    log: Path
    slow_flag: Path
    marker: str
    real_nmap: str

    def reset(self) -> None:
        self.log.write_text("")
        self.slow_flag.unlink(missing_ok=True)

    def calls(self) -> list[str]:
        lines = self.log.read_text().splitlines()
        return [line for line in lines if line.startswith("CALL ") and not is_version_probe(line.split()[2:])]


@pytest.fixture(scope="session")
def nmap_spy(tmp_path_factory: pytest.TempPathFactory) -> NmapSpy:
    real = shutil.which("nmap")
    assert real, "nmap is not installed (scripts/install-test-deps.sh)"
    d = tmp_path_factory.mktemp("nmap-spy")
    d.chmod(0o755)
    log = d / "calls.log"
    log.write_text("")
    log.chmod(0o666)
    marker = "secmcp-e2e-slow-nmap-marker"
    wrapper = d / "nmap"
    py = sys.executable if os.path.isabs(sys.executable) else "/usr/bin/python3"
    wrapper.write_text(
        f"""#!/bin/sh
# secmcp e2e: log every invocation, then run the real nmap (or hang, for timeout tests).
# One write per line (built first): concurrent runs never interleave inside a line.
line="CALL $$"; for a in "$@"; do line="$line $a"; done
printf '%s\\n' "$line" >> '{log}'
if [ -e '{d}/slow' ]; then
    exec '{py}' -c 'import time; time.sleep(60)' '{marker}'
fi
exec '{real}' "$@"
"""
    )
    wrapper.chmod(0o755)
    spy = NmapSpy(dir=d, wrapper=wrapper, log=log, slow_flag=d / "slow", marker=marker, real_nmap=real)
    return spy


@pytest.fixture
def spy(nmap_spy: NmapSpy) -> Iterator[NmapSpy]:
    """Per test: an empty invocation log, real (not slow) nmap."""
    nmap_spy.reset()
    yield nmap_spy
    nmap_spy.reset()


@pytest.fixture(scope="session")
def lab_config(tmp_path_factory: pytest.TempPathFactory, nmap_spy: NmapSpy) -> Path:
    """configs/lab.yaml plus `tools.nmap.binary` pointing at the spy wrapper."""
    base = (CONFIGS / "lab.yaml").read_text()
    cfg = tmp_path_factory.mktemp("config") / "lab-spy.yaml"
    cfg.write_text(base.rstrip() + f"\ntools:\n  nmap:\n    binary: {nmap_spy.wrapper}\n")
    return cfg


# ------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The spies and fake tools of these suites live in pytest's 0700 temp dirs and log
# outside their work dirs, which neither `nobody` nor Landlock (the shipped sandbox
# defaults) allows: their servers run tools as root without Landlock. The shipped
# defaults are what test_defaults_e2e.py runs the six real tools on (and what
# test_sandbox_e2e.py and the canary tests use); pass SHIPPED_SANDBOX for them.
HARNESS_SANDBOX = {"SECMCP_SANDBOX_LANDLOCK": "false", "SECMCP_SANDBOX_RUN_AS_USER": "root"}
SHIPPED_SANDBOX = {"SECMCP_SANDBOX_LANDLOCK": "true", "SECMCP_SANDBOX_RUN_AS_USER": "nobody"}


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    # No server setting may leak in from the caller's environment.
    dropped = {"SECMCP_TRANSPORT", "SECMCP_HOST", "SECMCP_PORT", "SECMCP_CONFIG", "SECMCP_LOG_FORMAT"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCP_") and k not in dropped}
    env.setdefault("RUST_LOG", "info")
    env.setdefault("RUST_BACKTRACE", "1")
    # The suites make hundreds of calls through session-scoped servers; the per-client
    # rate limit has its own tests (test_ops_e2e.py), which set it explicitly.
    env["SECMCP_RATE_LIMIT_PER_MINUTE"] = "0"
    env.update(HARNESS_SANDBOX)
    if extra:
        env.update(extra)
    return env


@dataclass
class HttpServer:
    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def run_http_server(
    secmcp_bin: str, config: Path | None, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[HttpServer]:
    port = free_port()
    args = [secmcp_bin, "serve", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)]
    if config is not None:
        args += ["--config", str(config)]
    log = log_dir / f"secmcp-http-{port}.log"
    # Each server keeps its runs in its own data dir unless the test names one.
    env = {"SECMCP_DATA_DIR": str(log_dir / f"data-{port}"), **(env or {})}
    with open(log, "wb") as logf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=server_env(env))
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"secmcp serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"secmcp serve did not listen on {port}:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield HttpServer(url=f"http://127.0.0.1:{port}/mcp", port=port, proc=proc, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def http_server(secmcp_bin: str, lab_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with run_http_server(secmcp_bin, lab_config, tmp_path_factory.mktemp("http")) as srv:
        yield srv
        if srv.proc.poll() is not None:
            print(srv.log_text(), file=sys.stderr)


@pytest.fixture(scope="session")
def http_server_default(secmcp_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """A server with no config file at all (built-in defaults)."""
    with run_http_server(secmcp_bin, None, tmp_path_factory.mktemp("http-default")) as srv:
        yield srv


# ------------------------------------------------------------------------- clients


@dataclass
class Target:
    """Where a client connects: an HTTP URL or a stdio command line."""

    transport: str
    http_url: str | None = None
    stdio: StdioServerParameters | None = None


def client_for(target: Target, mode: str) -> Client:
    server = target.http_url if target.transport == "http" else target.stdio
    assert server is not None
    client_mode = "legacy" if mode == "legacy" else "auto"
    # masscan 1.3.2 sometimes takes minutes to exit after its --wait in this lab (its
    # receive thread waits on pcap); the server default timeout is 300 s.
    return Client(server, mode=client_mode, read_timeout_seconds=330)


@contextlib.asynccontextmanager
async def connect(target: Target, mode: str) -> AsyncIterator[Client]:
    async with client_for(target, mode) as c:
        expected = LEGACY_VERSION if mode == "legacy" else MODERN_VERSION
        assert c.protocol_version == expected, f"negotiated {c.protocol_version!r}, wanted {expected!r} ({mode} mode)"
        yield c


def stdio_params(secmcp_bin: str, config: Path | None, errlog_env: dict[str, str] | None = None) -> StdioServerParameters:
    args = ["serve"]
    if config is not None:
        args += ["--config", str(config)]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "RUST_LOG": "info",
        "SECMCP_RATE_LIMIT_PER_MINUTE": "0",
        "SECMCP_DATA_DIR": tempfile.mkdtemp(prefix="secmcp-data-"),
        **HARNESS_SANDBOX,
    }
    if errlog_env:
        env.update(errlog_env)
    return StdioServerParameters(command=secmcp_bin, args=args, env=env)


@pytest.fixture(params=TRANSPORTS)
def lab_target(request: pytest.FixtureRequest, secmcp_bin: str, lab_config: Path) -> Target:
    if request.param == "http":
        srv: HttpServer = request.getfixturevalue("http_server")
        return Target("http", http_url=srv.url)
    return Target("stdio", stdio=stdio_params(secmcp_bin, lab_config))


@pytest.fixture(params=TRANSPORTS)
def default_target(request: pytest.FixtureRequest, secmcp_bin: str) -> Target:
    if request.param == "http":
        srv: HttpServer = request.getfixturevalue("http_server_default")
        return Target("http", http_url=srv.url)
    return Target("stdio", stdio=stdio_params(secmcp_bin, None))


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


# ------------------------------------------------------------------------- helpers


def pgrep(*args: str) -> list[str]:
    r = subprocess.run(["pgrep", *args], capture_output=True, text=True)
    return r.stdout.split()


def wait_until(pred, timeout: float = 5.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="secmcp-e2e-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)
