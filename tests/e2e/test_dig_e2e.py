"""dig over real MCP clients against the lab's dnsmasq (tests/lab/lab.sh, dig section).

Proves: dig finds exactly what the lab zone hides (a TXT record, A and PTR records, an
NXDOMAIN, the whole zone by AXFR only when intrusive options are allowed); the DNS
server is scope-checked and pinned (a server host name is resolved once and dig gets
the address); a server is required unless the config names one; and every denial
starts no process.
"""

from __future__ import annotations

import pytest

from conftest import Target, connect
from dns_sweep_lab import (  # noqa: F401  (fixtures)
    DnsSweepLab,
    Servers,
    Spies,
    assert_error,
    assert_ok,
    dlab,
    servers,
    spies,
    spies_session,
    target_for,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["stdio", "http"])
def plain(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "plain")


@pytest.fixture(params=["http"])
def plain_http(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "plain")


@pytest.fixture(params=["http"])
def intrusive(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "intrusive")


@pytest.fixture(params=["stdio", "http"])
def with_default(request: pytest.FixtureRequest, secmcp_bin: str, servers: Servers) -> Target:
    return target_for(request, secmcp_bin, servers, "with_default")


def answers(sc: dict, rtype: str) -> list[str]:
    return [a["data"] for a in sc["answers"] if a["type"] == rtype]


async def test_tools_list_has_dig(plain: Target, mode: str) -> None:
    async with connect(plain, mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    t = tools["dig"]
    props = t.input_schema["properties"]
    for f in ("target", "server", "query_type", "query_class", "extra_args", "timeout_sec", "correlation_id"):
        assert f in props, sorted(props)
    assert t.input_schema["required"] == ["target"]
    assert "null" not in str(t.input_schema)
    assert t.output_schema["type"] == "object"
    for f in ("status", "flags", "answers", "authority", "additional", "server", "dns_server"):
        assert f in t.output_schema["properties"], f


async def test_finds_the_hidden_txt_record(plain: Target, mode: str, dlab: DnsSweepLab, spies: Spies) -> None:
    async with connect(plain, mode) as c:
        r = await c.call_tool("dig", {"target": dlab.txt_name, "extra_args": f"TXT @{dlab.dns_ip}"})
    sc = assert_ok(r)
    assert sc["status"] == "NOERROR"
    assert "aa" in sc["flags"]
    assert answers(sc, "TXT") == [f'"{dlab.txt}"']
    assert sc["dns_server"]["rendered"] == dlab.dns_ip
    assert sc["server"] == dlab.dns_ip  # the address that answered
    assert sc["argv"][0] == "dig" and "+yaml" in sc["argv"] and "-r" in sc["argv"]
    assert f"@{dlab.dns_ip}" in sc["argv"]
    calls = spies.dig.calls()
    assert len(calls) == 1 and f"@{dlab.dns_ip}" in calls[0], calls


async def test_typed_fields_a_record_and_server_name_is_pinned(
    plain: Target, mode: str, dlab: DnsSweepLab, spies: Spies
) -> None:
    async with connect(plain, mode) as c:
        r = await c.call_tool("dig", {"target": dlab.web_name, "server": dlab.dns_name, "query_type": "A"})
    sc = assert_ok(r)
    assert answers(sc, "A") == [dlab.web_ip]
    assert sc["dns_server"]["hostname"] == dlab.dns_name
    assert sc["dns_server"]["pinned"] == [dlab.dns_ip]
    (call,) = spies.dig.calls()
    assert f"@{dlab.dns_ip}" in call and dlab.dns_name not in call, call


async def test_reverse_and_nxdomain(plain_http: Target, dlab: DnsSweepLab, spies: Spies) -> None:
    async with connect(plain_http, "modern") as c:
        r = await c.call_tool("dig", {"target": dlab.web_ip, "server": dlab.dns_ip})
        nx = await c.call_tool("dig", {"target": f"nope.{dlab.zone}", "server": dlab.dns_ip})
    sc = assert_ok(r)
    assert answers(sc, "PTR") == [f"{dlab.web_name}."]
    assert "-x" in sc["argv"]
    sc = assert_ok(nx)
    assert sc["status"] == "NXDOMAIN" and sc["answers"] == []
    assert [a["type"] for a in sc["authority"]] == ["SOA"]


async def test_configured_default_server(with_default: Target, mode: str, dlab: DnsSweepLab, spies: Spies) -> None:
    async with connect(with_default, mode) as c:
        r = await c.call_tool("dig", {"target": dlab.txt_name, "query_type": "TXT"})
    sc = assert_ok(r)
    assert answers(sc, "TXT") == [f'"{dlab.txt}"']
    assert sc["dns_server"]["rendered"] == dlab.dns_ip


async def test_server_required_without_default(plain: Target, mode: str, dlab: DnsSweepLab, spies: Spies) -> None:
    async with connect(plain, mode) as c:
        r = await c.call_tool("dig", {"target": dlab.web_name})
    text = assert_error(r, "validation_error")
    assert "server" in text
    assert spies.dig.calls() == []


async def test_zone_transfer_only_with_allow_intrusive(
    plain_http: Target, intrusive: Target, dlab: DnsSweepLab, spies: Spies
) -> None:
    for args in ({"query_type": "AXFR"}, {"extra_args": "AXFR"}, {"extra_args": "-t=axfr"}):
        async with connect(plain_http, "modern") as c:
            r = await c.call_tool("dig", {"target": dlab.zone, "server": dlab.dns_ip, **args})
        assert "allow_intrusive" in assert_error(r, "validation_error")
    assert spies.dig.calls() == []
    async with connect(intrusive, "modern") as c:
        r = await c.call_tool("dig", {"target": dlab.zone, "server": dlab.dns_ip, "query_type": "AXFR"})
    sc = assert_ok(r)
    types = [a["type"] for a in sc["answers"]]
    assert types[0] == "SOA" and types[-1] == "SOA", types
    assert f'"{dlab.txt}"' in answers(sc, "TXT")
    assert dlab.web_ip in answers(sc, "A")


@pytest.mark.parametrize(
    "args,code",
    [
        ({"extra_args": "@8.8.8.8"}, "scope_denied"),
        ({"server": "1.1.1.1"}, "scope_denied"),
        ({"server": "169.254.169.254"}, "scope_denied"),
        ({"server": "evil.lab.internal"}, "scope_denied"),  # resolves outside the scope
        ({"server": "10.99.0.0/24"}, "validation_error"),
        ({"extra_args": "@LABDNS @10.99.0.54"}, "validation_error"),
        ({"extra_args": "@LABDNS +trace"}, "validation_error"),
        ({"extra_args": "@LABDNS +nssearch"}, "validation_error"),
        ({"extra_args": "@LABDNS +short"}, "validation_error"),
        ({"extra_args": "@LABDNS -f /etc/passwd"}, "validation_error"),
        ({"extra_args": "@LABDNS -f=/etc/passwd"}, "validation_error"),
        ({"extra_args": "@LABDNS -k /etc/key"}, "validation_error"),
        ({"extra_args": "@LABDNS -k=/etc/key"}, "validation_error"),
        ({"extra_args": "@LABDNS -b 10.99.0.53"}, "validation_error"),
        ({"extra_args": "@LABDNS -b=10.99.0.53"}, "validation_error"),
        ({"extra_args": "@LABDNS -q db.lab.internal"}, "validation_error"),
        ({"extra_args": "@LABDNS -q=db.lab.internal"}, "validation_error"),
        ({"extra_args": "@LABDNS -t A -t MX"}, "validation_error"),
        ({"extra_args": "@LABDNS -t=A -t=MX"}, "validation_error"),
        ({"extra_args": "@LABDNS db.lab.internal"}, "validation_error"),
        ({"extra_args": "@LABDNS -y hmac-sha256:k:c2VjcmV0"}, "validation_error"),
        ({"extra_args": "@LABDNS; id"}, "validation_error"),
        ({"target": "example.com", "extra_args": "@LABDNS"}, "scope_denied"),
        ({"target": "8.8.8.8", "extra_args": "@LABDNS"}, "scope_denied"),
        ({"target": "-f/etc/passwd", "extra_args": "@LABDNS"}, "validation_error"),
    ],
)
async def test_denied_without_running(
    plain_http: Target, dlab: DnsSweepLab, spies: Spies, args: dict, code: str
) -> None:
    call = {"target": dlab.web_name, **args}
    call = {k: (v.replace("LABDNS", dlab.dns_ip) if isinstance(v, str) else v) for k, v in call.items()}
    async with connect(plain_http, "modern") as c:
        r = await c.call_tool("dig", call)
    assert_error(r, code)
    assert spies.dig.calls() == [], f"dig ran for a denied call {call!r}: {spies.dig.calls()}"
