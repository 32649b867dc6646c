"""NSE scripts stay on their target: the regression test for the security review's F1/F2.

An in-scope web server redirects every request to out-of-scope addresses and a host
name; canaries listen there and a logging resolver answers for the namespace. Real
nmap runs, through the server, every script set the grammar accepts: the categories
default, safe, discovery and version, -sC, -sV (whose version scripts nmap runs by
itself) and, with allow_intrusive, -A. Before the fix the server handed nmap category
expressions, and http-useragent-tester, http-mobileversion-checker and
http-security-headers followed the redirects (dozens of canary hits, DNS queries for
the name). Now nmap only ever gets vetted script names: zero hits, zero queries.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from canary import REDIRECTOR_IP, REDIRECTOR_PORTS, canary_lab
from conftest import SHIPPED_SANDBOX, stdio_params
from mcp import Client

pytestmark = pytest.mark.anyio

PORTS = ",".join(str(p) for p in REDIRECTOR_PORTS)


def config(tmp_path: Path, intrusive: bool) -> Path:
    p = tmp_path / f"canary-{intrusive}.yaml"
    p.write_text(
        "security:\n"
        f"  allowed_targets: [{REDIRECTOR_IP}/32]\n"
        f"  allow_intrusive: {'true' if intrusive else 'false'}\n"
        "tool:\n  default_timeout_secs: 240\n  max_timeout_secs: 300\n"
    )
    return p


async def scan(secmcp_bin: str, cfg: Path, extra_args: str) -> dict:
    # On the shipped sandbox: nmap runs as nobody under Landlock.
    async with Client(stdio_params(secmcp_bin, cfg, SHIPPED_SANDBOX), mode="legacy", read_timeout_seconds=300) as c:
        r = await c.call_tool("nmap", {"target": REDIRECTOR_IP, "extra_args": extra_args})
    text = " ".join(getattr(b, "text", "") for b in r.content)
    assert not r.is_error, text
    return r.structured_content


async def test_every_accepted_script_set_stays_on_the_target(secmcp_bin: str, tmp_path: Path) -> None:
    plain, intrusive = config(tmp_path, False), config(tmp_path, True)
    runs = [
        (plain, f"-sT -Pn -p {PORTS} --script default,safe,discovery,version"),
        # --version-light: the full probe set waits out timeouts on the redirector
        # (90 s); the version scripts nmap adds by itself run either way.
        (plain, f"-sT -Pn -p {PORTS} -sC -sV --version-light"),
        (intrusive, f"-Pn -p {PORTS} -A --version-light"),
    ]
    with canary_lab() as canaries:
        for cfg, args in runs:
            s = await scan(secmcp_bin, cfg, args)
            argv = s["argv"]
            script = argv[argv.index("--script") + 1]
            # Only names reach nmap: no category, no expression.
            assert all(c not in script for c in "() "), script
            for leaky in ("http-useragent-tester", "http-mobileversion-checker", "http-security-headers"):
                assert leaky not in script.split(","), (leaky, script)
            ports = {p["port"]: p for h in s["hosts"] for p in h["ports"]}
            assert all(ports[p]["state"] == "open" for p in REDIRECTOR_PORTS), ports
        assert canaries.served, "the redirector was never asked: the test proves nothing"
        assert canaries.hits == [], f"out-of-scope connections: {canaries.hits}"
        assert canaries.queries == [], f"DNS queries through the system resolver: {canaries.queries}"


# Scripts the vetted catalog refuses because they follow redirects off the target.
LEAKY = "http-useragent-tester,http-mobileversion-checker,http-security-headers"


def bypassing_nmap(dir: Path) -> Path:
    """A stand-in for a grammar gap: real nmap, but handed the leaky scripts in place
    of the vetted names the server rendered after --script."""
    real = shutil.which("nmap")
    assert real, "nmap is installed in the lab"
    dir.mkdir(parents=True, exist_ok=True)
    wrapper = dir / "nmap"
    wrapper.write_text(
        "#!/bin/sh\n"
        'n=$#; prev=""\n'
        'while [ "$n" -gt 0 ]; do\n'
        '  a=$1; shift; n=$((n - 1)); orig=$a\n'
        f'  [ "$prev" = --script ] && a="{LEAKY}"\n'
        '  set -- "$@" "$a"; prev=$orig\n'
        "done\n"
        f'exec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def bypass_config(tmp_path: Path, nmap: Path, egress: str) -> Path:
    p = tmp_path / f"bypass-{egress}.yaml"
    p.write_text(
        f"security:\n  allowed_targets: [{REDIRECTOR_IP}/32]\n"
        f"tools:\n  nmap:\n    binary: {nmap}\n"
        f"sandbox:\n  egress: {egress}\n"
    )
    return p


async def test_with_the_allowlist_bypassed_the_kernel_still_keeps_nmap_on_its_target(
    secmcp_bin: str, tmp_path: Path
) -> None:
    """Egress confinement is the layer under the grammar: with the NSE allowlist
    deliberately bypassed, the scripts try to follow the redirects, and only the
    per-run nftables rules stop them. Without those rules the same run hits the
    canaries, so this test can fail."""
    # Where `nobody` (the shipped sandbox's tool user) can run it; egress needs
    # tools that are not root.
    bin_dir = Path(tempfile.mkdtemp(prefix="secmcp-bypass-"))
    bin_dir.chmod(0o755)
    nmap = bypassing_nmap(bin_dir)
    args = f"-sT -Pn -p {PORTS} --script default"
    try:
        await bypassed_scans(secmcp_bin, tmp_path, nmap, args)
    finally:
        shutil.rmtree(bin_dir, ignore_errors=True)


async def bypassed_scans(secmcp_bin: str, tmp_path: Path, nmap: Path, args: str) -> None:
    with canary_lab() as canaries:
        s = await scan(secmcp_bin, bypass_config(tmp_path, nmap, "off"), args)
        assert canaries.served, "the redirector was never asked: the test proves nothing"
        leaked = list(canaries.hits)
        assert leaked, "the bypassed scripts did not follow the redirects: the test proves nothing"
    with canary_lab() as canaries:
        s = await scan(secmcp_bin, bypass_config(tmp_path, nmap, "required"), args)
        ports = {p["port"]: p for h in s["hosts"] for p in h["ports"]}
        assert all(ports[p]["state"] == "open" for p in REDIRECTOR_PORTS), ports
        assert canaries.served, "the scripts still reached their target"
        assert canaries.hits == [], f"out-of-scope connections with egress confinement: {canaries.hits}"
        assert canaries.queries == [], f"DNS queries with egress confinement: {canaries.queries}"
