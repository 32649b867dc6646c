"""The six real tools on the sandbox as shipped, in the lab.

The other suites run tools as root without Landlock (their spies and fake tools sit in
pytest's 0700 temp dirs; see conftest.HARNESS_SANDBOX). Here nothing is spied on and
nothing is turned off: a server started as root on the shipped defaults runs every
tool as `nobody` (ambient CAP_NET_RAW only for raw-socket plans, CAP_NET_ADMIN for masscan), under
Landlock (writes only in the run's work dir), seccomp and rlimits, with its packets
held to the permit by the kernel (egress confinement). One real call per tool must
still find what the lab hides, and health must say every layer is on.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client

from conftest import CONFIGS, SHIPPED_SANDBOX, Lab, stdio_params
from dns_sweep_lab import DnsSweepLab, dlab  # noqa: F401 - fixture
from intrusive_lab import IntrusiveLab, ilab  # noqa: F401 - fixture

pytestmark = pytest.mark.anyio

SQLI = (os.environ.get("LAB_SQLI_IP", "10.99.0.9"), int(os.environ.get("LAB_SQLI_PORT", "18090")))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory, dlab: DnsSweepLab) -> Path:  # noqa: F811
    """The lab scope, intrusive tools allowed, real binaries from PATH, no sandbox section."""
    base = (CONFIGS / "lab.yaml").read_text().replace("allow_intrusive: false", "allow_intrusive: true")
    assert "sandbox:" not in base
    cfg = tmp_path_factory.mktemp("shipped") / "shipped.yaml"
    cfg.write_text(
        base.rstrip()
        + f"""
tools:
  dig:
    enabled: true
  masscan:
    enabled: true
    adapter: {dlab.ms_adapter}
    router_ip: {dlab.ms_router}
    default_wait_secs: 1
"""
    )
    cfg.chmod(0o644)
    return cfg


async def call(cfg: Path, tool: str, args: dict) -> dict:
    async with Client(stdio_params(os.environ["SECMCP_BIN"], cfg, SHIPPED_SANDBOX), mode="legacy", read_timeout_seconds=180) as c:
        r = await c.call_tool(tool, args)
    text = " ".join(getattr(b, "text", "") for b in r.content)
    assert not r.is_error, f"{tool} on the shipped sandbox: {text}"
    assert isinstance(r.structured_content, dict)
    return r.structured_content


async def test_health_says_every_layer_is_on(shipped: Path) -> None:
    async with Client(stdio_params(os.environ["SECMCP_BIN"], shipped, SHIPPED_SANDBOX), mode="legacy") as c:
        h = await c.call_tool("server_health", {})
    sandbox = next(x for x in h.structured_content["components"] if x["name"] == "sandbox")
    message = sandbox["message"]
    assert message.startswith("active: "), message
    active = message.split("inactive:")[0]
    for layer in ("unprivileged user", "landlock", "seccomp", "egress confinement", "cgroup per run"):
        assert layer in active, (layer, message)


async def test_nmap_connect_and_raw_scans(shipped: Path, lab: Lab) -> None:
    for extra in ("-sT", "-sS"):
        sc = await call(shipped, "nmap", {"target": lab.web_ip, "extra_args": f"{extra} -Pn -p {lab.open_port},{lab.closed_port}"})
        ports = {p["port"]: p["state"] for h in sc["hosts"] for p in h["ports"]}
        assert ports.get(lab.open_port) == "open", (extra, sc)


async def test_masscan_raw_frames_as_nobody(shipped: Path, dlab: DnsSweepLab) -> None:  # noqa: F811
    sc = await call(shipped, "masscan", {"target": dlab.ms_ip, "ports": str(dlab.ms_open_port), "timeout_sec": 60})
    found = {(h["address"], p["port"]) for h in sc["hosts"] for p in h["ports"] if p["status"] == "open"}
    assert found == {(dlab.ms_ip, dlab.ms_open_port)}, sc


async def test_dig_asks_its_pinned_server(shipped: Path, dlab: DnsSweepLab) -> None:  # noqa: F811
    sc = await call(shipped, "dig", {"target": dlab.web_name, "server": dlab.dns_ip, "query_type": "A"})
    assert dlab.web_ip in str(sc["answers"]), sc


async def test_gobuster_with_its_built_in_list(shipped: Path, ilab: IntrusiveLab) -> None:  # noqa: F811
    sc = await call(shipped, "gobuster", {"mode": "dir", "target": f"http://{ilab.app_ip}:{ilab.app_port}/"})
    assert sc["found"], sc


async def test_hydra_with_inline_lists(shipped: Path, ilab: IntrusiveLab) -> None:  # noqa: F811
    sc = await call(
        shipped,
        "hydra",
        {
            "target": ilab.app_ip,
            "service": "http-get",
            "port": ilab.app_port,
            "path": "/protected",
            "usernames": ["admin"],
            "passwords": ["wrong", "sunshine"],
        },
    )
    assert [(c["login"], c["password"]) for c in sc["credentials"]] == [("admin", "sunshine")], sc


async def test_sqlmap_writes_only_in_its_work_dir(shipped: Path) -> None:
    ip, port = SQLI
    sc = await call(
        shipped,
        "sqlmap",
        {"target": f"http://{ip}:{port}/item?id=1", "extra_args": "--technique=B --level 1 --risk 1", "timeout_sec": 150},
    )
    assert sc["injectable"] is True, sc
