"""gobuster over real MCP clients against the lab webapp and the lab DNS zone.

Proves: each mode finds exactly what the fixture hides, with the lab's lists and with
the built-in lists alone (a server whose operator configured no wordlist); every denial
(flags, wordlists outside the roots in every spelling, scope on every host, intrusive
gating) is refused before any process starts (the spy wrapper logs every start).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import Lab, Target, connect, stdio_params
from intrusive_lab import (  # noqa: F401  (fixtures)
    IntrusiveLab,
    assert_error,
    assert_ok,
    ilab,
    intrusive_http,
    itarget,
    itarget_off,
    itarget_stdio,
    spies,
)

pytestmark = pytest.mark.anyio

HIDDEN_PATHS = {
    "/admin": (301, "/admin/"),
    "/backup": (200, ""),
    "/secret.txt": (200, ""),
    "/login": (200, ""),
    "/protected": (401, ""),
}


async def call(server: Target, era: str = "modern", /, **args):
    async with connect(server, era) as c:
        return await c.call_tool("gobuster", args)


@pytest.mark.parametrize("era", ["legacy", "modern"])
async def test_dir_finds_exactly_the_hidden_paths(itarget: Target, spies: IntrusiveLab, era: str) -> None:
    url = f"http://{spies.app_name}:{spies.app_port}/"
    r = await call(itarget, era, mode="dir", target=url, wordlist="lab-web", extra_args="-t 4")
    sc = assert_ok(r)
    found = {f["name"]: (f.get("status"), f.get("redirect", "")) for f in sc["found"]}
    assert found == HIDDEN_PATHS, found
    assert sc["mode"] == "dir"
    # pinned: gobuster got the address, never the name
    assert sc["target"]["pinned"] == [spies.app_ip]
    assert f"http://{spies.app_ip}:{spies.app_port}/" in sc["argv"]
    calls = spies.gobuster.calls()
    assert len(calls) == 1 and spies.app_name not in calls[0], calls
    assert "--delay" in calls[0] and " -q -z --no-color" in calls[0], calls


async def test_dir_default_wordlist_and_relative_path(itarget_stdio: Target, spies: IntrusiveLab) -> None:
    url = f"http://{spies.app_ip}:{spies.app_port}"
    for wl in ("", "web/common.txt"):
        args = {"mode": "dir", "target": url}
        if wl:
            args["wordlist"] = wl
        sc = assert_ok(await call(itarget_stdio, **args))
        assert {f["name"] for f in sc["found"]} == set(HIDDEN_PATHS), sc["found"]


async def test_vhost_finds_the_hidden_virtual_hosts(itarget: Target, spies: IntrusiveLab) -> None:
    url = f"http://{spies.app_name}:{spies.app_port}/"
    r = await call(itarget, mode="vhost", target=url, wordlist="lab-vhosts", extra_args="--append-domain")
    sc = assert_ok(r)
    names = {f["name"] for f in sc["found"]}
    assert names == {f"dev.{spies.app_name}", f"staging.{spies.app_name}"}, sc["found"]
    assert all(f["status"] == 200 for f in sc["found"])
    assert "--domain" in sc["argv"] and spies.app_name in sc["argv"]


async def test_vhost_at_an_address_with_a_domain_the_scope_allows(itarget: Target, spies: IntrusiveLab) -> None:
    """The URL names the address; --domain gives the Host headers' domain (an in-scope name)."""
    url = f"http://{spies.app_ip}:{spies.app_port}/"
    r = await call(
        itarget, mode="vhost", target=url, wordlist="lab-vhosts", extra_args=f"--domain {spies.app_name} --append-domain"
    )
    sc = assert_ok(r)
    assert {f["name"] for f in sc["found"]} == {f"dev.{spies.app_name}", f"staging.{spies.app_name}"}, sc["found"]
    argv = sc["argv"]
    assert argv[argv.index("--domain") + 1] == spies.app_name
    text = assert_error(
        await call(itarget, mode="vhost", target=url, extra_args="--domain example.com"), "scope_denied"
    )
    assert "--domain" in text, text


async def test_dns_finds_the_hidden_subdomains(itarget: Target, spies: IntrusiveLab) -> None:
    r = await call(
        itarget,
        mode="dns",
        target=spies.corp_domain,
        wordlist="lab-dns",
        extra_args=f"-r {spies.dns_ip}:{spies.dns_port} -i",
    )
    sc = assert_ok(r)
    found = {f["name"]: f.get("addresses", []) for f in sc["found"]}
    d = spies.corp_domain
    assert found == {
        f"intranet.{d}": ["10.99.0.41"],
        f"mail.{d}": ["10.99.0.42"],
        f"vpn.{d}": ["10.99.0.43"],
    }, found
    assert sc["target"]["pinned"] == [spies.dns_ip]
    assert f"{spies.dns_ip}:{spies.dns_port}" in sc["argv"]


# ------------------------------------------------------------------------- built-in lists


@pytest.fixture
def builtin_stdio(secmcp_bin: str, spies: IntrusiveLab, tmp_path: Path) -> Target:
    """The lab server with no default wordlist configured (the shipped default):
    a call without a wordlist gets the built-in list for its mode."""
    text = spies.config_on.read_text()
    assert "default_wordlist: lab-web" in text
    path = tmp_path / "lab-intrusive-builtin.yaml"
    path.write_text(text.replace("default_wordlist: lab-web", 'default_wordlist: ""'))
    return Target("stdio", stdio=stdio_params(secmcp_bin, path))


def wordlist_of(argv: list[str]) -> str:
    return argv[argv.index("-w") + 1]


async def test_dir_without_wordlist_finds_the_hidden_paths_with_the_builtin_list(
    builtin_stdio: Target, spies: IntrusiveLab
) -> None:
    url = f"http://{spies.app_ip}:{spies.app_port}/"
    started = time.monotonic()
    sc = assert_ok(await call(builtin_stdio, mode="dir", target=url))
    elapsed = time.monotonic() - started
    found = {f["name"]: (f.get("status"), f.get("redirect", "")) for f in sc["found"]}
    assert found == HIDDEN_PATHS, found
    # the list reached gobuster as a file in the run's own directory, not a server path
    assert wordlist_of(sc["argv"]) == "builtin-web-paths.txt", sc["argv"]
    calls = spies.gobuster.calls()
    assert len(calls) == 1 and " -w builtin-web-paths.txt " in calls[0], calls
    print(f"gobuster dir with the built-in web-paths: {elapsed:.1f} s")


async def test_vhost_and_dns_without_wordlist_use_their_builtin_lists(
    builtin_stdio: Target, spies: IntrusiveLab
) -> None:
    url = f"http://{spies.app_name}:{spies.app_port}/"
    sc = assert_ok(await call(builtin_stdio, mode="vhost", target=url, extra_args="--append-domain"))
    assert {f["name"] for f in sc["found"]} == {f"dev.{spies.app_name}", f"staging.{spies.app_name}"}, sc["found"]
    assert wordlist_of(sc["argv"]) == "builtin-vhosts.txt"
    d = spies.corp_domain
    sc = assert_ok(
        await call(builtin_stdio, mode="dns", target=d, extra_args=f"-r {spies.dns_ip}:{spies.dns_port}")
    )
    assert {f["name"] for f in sc["found"]} == {f"intranet.{d}", f"mail.{d}", f"vpn.{d}"}, sc["found"]
    assert wordlist_of(sc["argv"]) == "builtin-subdomains.txt"


async def test_builtin_list_by_name_next_to_operator_lists(itarget_stdio: Target, spies: IntrusiveLab) -> None:
    """The lab config has its own default and aliases; a built-in is still there by name."""
    url = f"http://{spies.app_ip}:{spies.app_port}/"
    sc = assert_ok(await call(itarget_stdio, mode="dir", target=url, wordlist="web-paths"))
    assert {f["name"] for f in sc["found"]} == set(HIDDEN_PATHS), sc["found"]
    assert wordlist_of(sc["argv"]) == "builtin-web-paths.txt"


async def test_missing_wordlist_hint_offers_builtins_and_existing_aliases(
    builtin_stdio: Target, spies: IntrusiveLab
) -> None:
    text = assert_error(
        await call(builtin_stdio, mode="dir", target=url_of(spies), wordlist="missing.txt"), "validation_error"
    )
    assert "a built-in list (web-paths, vhosts, subdomains)" in text, text
    assert "an alias (lab-dns, lab-vhosts, lab-web)" in text, text
    assert str(spies.files) not in text
    assert spies.gobuster.calls() == []


# ------------------------------------------------------------------------- denials


def url_of(ilab: IntrusiveLab) -> str:
    return f"http://{ilab.app_ip}:{ilab.app_port}/"


@pytest.mark.parametrize(
    "extra_args",
    [
        "-o /tmp/secmcp-e2e-gob",
        "--output /tmp/secmcp-e2e-gob",
        "--output=/tmp/secmcp-e2e-gob",
        "-p /etc/passwd",
        "--pattern=/etc/passwd",
        "--proxy http://10.99.0.7:18080",
        "--proxy=http://10.99.0.7:18080",
        "-u http://10.99.0.8:15432/",
        "--url=http://10.99.0.8:15432/",
        "http://10.99.0.8:15432/",
        "-r",
        "--follow-redirect",
        "-U admin -P secret",
        "-t 500",
        "--delay 0ms",
        "-t5",
        "--thread 5",
        "-x 'php;id'",
    ],
)
async def test_rejected_dir_args_start_nothing(itarget_stdio: Target, spies: IntrusiveLab, extra_args: str) -> None:
    r = await call(itarget_stdio, mode="dir", target=url_of(spies), extra_args=extra_args)
    assert_error(r, "validation_error")
    assert spies.gobuster.calls() == [], spies.gobuster.calls()


@pytest.mark.parametrize(
    "wordlist,extra_args",
    [
        ("/etc/passwd", ""),
        ("../../etc/passwd", ""),
        ("web/../../credentials/passwords.txt", ""),
        ("escape.txt", ""),  # symlink inside the root pointing outside
        ("updir/outside.txt", ""),  # directory symlink out of the root
        ("", "-w /etc/passwd"),
        ("", "--wordlist /etc/passwd"),
        ("", "--wordlist=/etc/passwd"),
        ("", "-w ../credentials/passwords.txt"),
        ("", "-w escape.txt"),
        ("", "--wordlist=updir/outside.txt"),
        ("missing.txt", ""),
    ],
)
async def test_wordlist_outside_roots_refused(
    itarget_stdio: Target, spies: IntrusiveLab, wordlist: str, extra_args: str
) -> None:
    args = {"mode": "dir", "target": url_of(spies), "extra_args": extra_args}
    if wordlist:
        args["wordlist"] = wordlist
    text = assert_error(await call(itarget_stdio, **args), "validation_error")
    assert str(spies.files) not in text, f"server path leaked: {text}"
    assert spies.gobuster.calls() == []


@pytest.mark.parametrize(
    "mode,target,extra_args,code",
    [
        ("dir", "http://8.8.8.8/", "", "scope_denied"),
        ("dir", "http://evil.lab.internal/", "", "scope_denied"),
        ("vhost", "http://203.0.113.9:80/", "", "scope_denied"),
        ("dns", "example.com", "-r 10.99.0.31", "scope_denied"),
        ("dns", "corp.lab.internal", "-r 8.8.8.8", "scope_denied"),
        ("dns", "corp.lab.internal", "--resolver=evil.lab.internal:53", "scope_denied"),
        ("dns", "corp.lab.internal", "", "validation_error"),  # no resolver: never the host's
        ("dns", "corp.lab.internal", "-r 10.99.0.31 -d other.lab.internal", "validation_error"),
        ("dir", "ftp://10.99.0.30/", "", "validation_error"),
        ("dir", "10.99.0.30", "", "validation_error"),
    ],
)
async def test_scope_on_every_host(
    itarget_stdio: Target, spies: IntrusiveLab, mode: str, target: str, extra_args: str, code: str
) -> None:
    r = await call(itarget_stdio, mode=mode, target=target, extra_args=extra_args, wordlist="lab-dns")
    assert_error(r, code)
    assert spies.gobuster.calls() == []


async def test_intrusive_off_refuses_every_mode(itarget_off: Target, spies: IntrusiveLab) -> None:
    for mode, target in (("dir", url_of(spies)), ("vhost", url_of(spies)), ("dns", spies.corp_domain)):
        r = await call(itarget_off, mode=mode, target=target, extra_args=f"-r {spies.dns_ip}" if mode == "dns" else "")
        text = assert_error(r, "policy_denied")
        assert "allow_intrusive" in text
    assert spies.gobuster.calls() == []


async def test_default_lab_config_refuses_gobuster(lab_target: Target, lab: Lab) -> None:
    """The shared lab config has allow_intrusive: false: gobuster is not listed, and a
    call says why (policy_denied), not that the input was wrong."""
    async with connect(lab_target, "modern") as c:
        names = [t.name for t in (await c.list_tools()).tools]
        r = await c.call_tool("gobuster", {"mode": "dir", "target": f"http://{lab.web_ip}:{lab.open_port}/"})
    assert "gobuster" not in names and "nmap" in names, names
    assert "security.allow_intrusive" in assert_error(r, "policy_denied")


async def test_unknown_mode_is_refused(itarget_stdio: Target, spies: IntrusiveLab) -> None:
    from mcp.shared.exceptions import MCPError

    try:
        r = await call(itarget_stdio, mode="fuzz", target=url_of(spies))
    except MCPError as e:
        assert e.code == -32602
        return
    assert_error(r, "validation_error")
    assert spies.gobuster.calls() == []


async def test_dir_with_a_progress_token_reports_words_tried(itarget: Target, spies: IntrusiveLab) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    url = f"http://{spies.app_ip}:{spies.app_port}/"
    # 15 words, one thread, 300 ms apart: about 4.5 s.
    args = {"mode": "dir", "target": url, "wordlist": "lab-web", "extra_args": "-t 1 --delay 300ms"}
    async with connect(itarget, "modern") as c:
        r = await c.call_tool("gobuster", args, progress_callback=on_progress)
    sc = assert_ok(r)
    assert {f["name"] for f in sc["found"]} == set(HIDDEN_PATHS), sc["found"]
    assert sc.get("unparsed_lines", 0) == 0 and sc.get("errors", []) == [], sc
    values = [u[0] for u in updates]
    assert len(values) >= 2 and values == sorted(values), updates
    # gobuster counts its own first request too: 16 of a 15-word list.
    assert all(u[1] in (15, 16) and u[2] and "words tried" in u[2] for u in updates), updates
    (call_line,) = spies.gobuster.calls()
    # The server dropped its own -q -z to see gobuster's progress line.
    assert " -q " not in call_line and " -z " not in call_line, call_line
