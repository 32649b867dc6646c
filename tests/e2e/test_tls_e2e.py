"""HTTPS served by secmcp itself (`server.tls`), with the real Python `mcp` client.

A throwaway CA made here signs a certificate for 127.0.0.1; the client trusts only
that CA. The server answers MCP over TLS, refuses plain HTTP on the same port, and
serves a renewed certificate (new key, written over the same files) on the next
connection without a restart, while a broken renewal leaves the last good one in place.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from conftest import HttpServer, run_http_server

pytestmark = pytest.mark.anyio


class Ca:
    def __init__(self, d: Path) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secmcp test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.file = d / "ca.pem"
        self.file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cert_file: Path, key_file: Path, cn: str) -> bytes:
        """Writes a fresh key and a certificate for 127.0.0.1; returns its DER."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        key_file.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert.public_bytes(serialization.Encoding.DER)


class TlsServer:
    def __init__(self, srv: HttpServer, ca: Ca, cert: Path, key: Path, first: bytes) -> None:
        self.srv, self.ca, self.cert, self.key, self.first = srv, ca, cert, key, first
        self.url = f"https://127.0.0.1:{srv.port}/mcp"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca.file))

    def served_cert(self) -> bytes:
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as raw:
            with self.context().wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                der = tls.getpeercert(binary_form=True)
        assert der
        return der


@pytest.fixture(scope="module")
def tls_server(secmcp_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    d = tmp_path_factory.mktemp("tls")
    ca = Ca(d)
    cert, key = d / "server.pem", d / "server.key"
    first = ca.issue(cert, key, "first")
    cfg = d / "tls.yaml"
    cfg.write_text(f"security:\n  allowed_targets: [loopback]\nserver:\n  tls:\n    cert_file: {cert}\n    key_file: {key}\n")
    with run_http_server(secmcp_bin, cfg, d) as srv:
        yield TlsServer(srv, ca, cert, key, first)


async def test_mcp_over_tls_with_the_real_client(tls_server: TlsServer) -> None:
    http = httpx2.AsyncClient(verify=tls_server.context(), timeout=httpx2.Timeout(30, read=300))
    async with Client(streamable_http_client(tls_server.url, http_client=http), mode="auto") as c:
        names = {t.name for t in (await c.list_tools()).tools}
        assert "server_health" in names, names
        r = await c.call_tool("nmap", {"target": "8.8.8.8"})
        assert r.is_error and r.content[0].text.startswith("scope_denied"), r.content[0].text


def test_plain_http_on_the_tls_port_gets_no_answer(tls_server: TlsServer) -> None:
    with pytest.raises(Exception):  # noqa: B017 - a reset or a bad status line, never a response
        urllib.request.urlopen(f"http://127.0.0.1:{tls_server.srv.port}/health/live", timeout=10)
    # The same endpoint over TLS answers.
    with urllib.request.urlopen(
        f"https://127.0.0.1:{tls_server.srv.port}/health/live", timeout=10, context=tls_server.context()
    ) as r:
        assert r.status == 200


def test_a_renewed_certificate_is_served_without_a_restart_and_a_broken_one_is_not(tls_server: TlsServer) -> None:
    assert tls_server.served_cert() == tls_server.first
    renewed = tls_server.ca.issue(tls_server.cert, tls_server.key, "renewed")
    deadline = time.monotonic() + 15
    while tls_server.served_cert() != renewed:
        assert time.monotonic() < deadline, "the renewed certificate was not picked up"
        time.sleep(0.3)
    # A renewal that writes a key not matching the certificate is refused.
    good_key = tls_server.key.read_bytes()
    tls_server.key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    time.sleep(5)
    assert tls_server.served_cert() == renewed
    assert "TLS certificate reloaded" in tls_server.srv.log_text()
    assert "still serving the previous certificate" in tls_server.srv.log_text()
    tls_server.key.write_bytes(good_key)
