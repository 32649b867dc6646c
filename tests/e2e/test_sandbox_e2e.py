"""The sandbox around every tool run: a fake tool that tries to escape fails at each step.

tests/lab/sandbox/escape.py is configured as `tools.dig.binary`, with
`sandbox.run_as_user: nobody`. Through a real dig call it tries to read /etc/shadow,
write outside its working directory (/etc, and /tmp which only Landlock stops),
fork without bound, allocate 10 GiB and ptrace;
it reports on one stderr line, which the server's error message quotes. Every attempt
must fail, the server must stay healthy and answer the next call, and nothing of the
run may be left behind. The same probe without the sandbox section (sandbox.enabled:
false) shows that the attempts are real: they succeed there. And a raw-socket scan
(nmap -sS) still works as that user, holding only the ambient CAP_NET_RAW and
CAP_NET_ADMIN its plan needs.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Iterator

import anyio
import pytest

from conftest import CONFIGS, SHIPPED_SANDBOX, pgrep, stdio_params
from mcp import Client

pytestmark = pytest.mark.anyio

PROBE = Path(__file__).resolve().parents[1] / "lab" / "sandbox" / "escape.py"


@pytest.fixture(scope="module")
def probe_dir() -> Iterator[Path]:
    # The tool's user (nobody) must be able to reach and run the probe.
    d = Path(tempfile.mkdtemp(prefix="secmcp-sandbox-"))
    d.chmod(0o755)
    shutil.copy(PROBE, d / "dig")
    (d / "dig").chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def config(tmp_path: Path, probe_dir: Path, sandbox: str) -> Path:
    p = tmp_path / "sandbox.yaml"
    p.write_text(
        (CONFIGS / "lab.yaml").read_text().rstrip()
        + f"\ntools:\n  dig:\n    binary: {probe_dir / 'dig'}\n"
        + sandbox
    )
    return p


async def probe(cfg: Path) -> dict[str, str]:
    async with Client(stdio_params(os.environ["SECMCP_BIN"], cfg, SHIPPED_SANDBOX), mode="legacy", read_timeout_seconds=120) as c:
        r = await c.call_tool("dig", {"target": "web.lab.internal", "server": "127.0.0.1"})
        text = "\n".join(getattr(b, "text", "") for b in r.content)
        assert r.is_error, text
        m = re.search(r"probe ((?:\w+=\S+ ?)+)", text)
        assert m, text
        report = dict(kv.split("=", 1) for kv in m.group(1).split())
        # The server is still healthy and serves the next call.
        for _ in range(60):  # the version probes may still run on a busy machine
            h = await c.call_tool("server_health", {})
            assert not h.is_error
            if h.structured_content["status"] != "starting":
                break
            await anyio.sleep(0.5)
        assert h.structured_content["status"] in ("healthy", "degraded"), h.structured_content
        assert h.structured_content["ready"], h.structured_content
        layers = next(x for x in h.structured_content["components"] if x["name"] == "sandbox")
        report["_health"] = layers["message"]
        again = await c.call_tool("dig", {"target": "web.lab.internal", "server": "127.0.0.1", "dry_run": True})
        assert not again.is_error
        sandbox = again.structured_content["dry_run"]["limits"]["sandbox"]
    assert not pgrep("-f", str(probe_dir_of(cfg))), "a probe process outlived its run"
    report["_sandbox"] = sandbox
    return report


def probe_dir_of(cfg: Path) -> str:
    return re.search(r"binary: (\S+)/dig", cfg.read_text()).group(1)


async def test_every_escape_fails_inside_the_sandbox(tmp_path: Path, probe_dir: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the user switch needs root (CI and the lab run as root)")
    r = await probe(config(tmp_path, probe_dir, "sandbox:\n  run_as_user: nobody\n  landlock: true\n"))
    assert r["uid"] == "65534", r
    assert r["shadow"] == "EACCES", r
    assert r["etc"] == "EACCES", r
    assert r["tmp"] == "EACCES", r  # Landlock: writes only in its working directory
    assert r["mem"] == "MemoryError", r
    assert r["ptrace"] == "EPERM", r
    assert r["fork"] == "EAGAIN" and int(r["forked"]) <= 64, r
    assert r["cwd"] == "ok", r  # its own working directory stays writable
    s = r["_sandbox"]
    assert s["unprivileged_user"] and s["no_new_privs"] and s["seccomp"] and s["landlock"], s
    assert s["capabilities"] == [], s  # a dig plan opens no raw socket
    assert s["limits"]["address_space_bytes"] == 1024**3, s
    assert r["_health"].startswith("active: cgroup per run, rlimits"), r["_health"]
    assert "seccomp deny-list, unprivileged user" in r["_health"], r["_health"]


async def test_the_attempts_are_real_without_the_sandbox(tmp_path: Path, probe_dir: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the contrast needs root (CI and the lab run as root)")
    r = await probe(config(tmp_path, probe_dir, "sandbox:\n  enabled: false\n"))
    assert r["uid"] == "0", r
    assert r["shadow"] == "ok" and r["etc"] == "ok" and r["tmp"] == "ok" and r["ptrace"] == "ok", r
    assert int(r["forked"]) > 64, r
    assert not r["_sandbox"]["seccomp"] and not r["_sandbox"]["no_new_privs"], r
    assert "no_new_privs (sandbox.enabled is false)" in r["_health"], r["_health"]


async def test_a_raw_socket_scan_works_as_the_unprivileged_user(tmp_path: Path) -> None:
    """nmap -sS runs as nobody with only the ambient CAP_NET_RAW."""
    if os.geteuid() != 0:
        pytest.skip("the user switch needs root (CI and the lab run as root)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    cfg = tmp_path / "raw.yaml"
    cfg.write_text(
        (CONFIGS / "lab.yaml").read_text().rstrip() + "\nsandbox:\n  run_as_user: nobody\n  landlock: true\n"
    )
    call = {"target": "127.0.0.1", "ports": str(port), "extra_args": "-sS -Pn"}
    try:
        async with Client(stdio_params(os.environ["SECMCP_BIN"], cfg, SHIPPED_SANDBOX), mode="legacy", read_timeout_seconds=120) as c:
            plan = await c.call_tool("nmap", {**call, "dry_run": True})
            r = await c.call_tool("nmap", call)
    finally:
        listener.close()
    sandbox = plan.structured_content["dry_run"]["limits"]["sandbox"]
    assert sandbox["capabilities"] == ["CAP_NET_RAW"], sandbox  # CAP_NET_ADMIN is masscan's only
    assert sandbox["unprivileged_user"] and sandbox["landlock"], sandbox
    text = "\n".join(getattr(b, "text", "") for b in r.content)
    assert not r.is_error, text
    assert "-sS" in r.structured_content["argv"], r.structured_content["argv"]
    ports = [(p["port"], p["state"], p["reason"]) for h in r.structured_content["hosts"] for p in h["ports"]]
    assert ports == [(port, "open", "syn-ack")], ports
