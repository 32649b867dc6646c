"""OAuth 2.1 access tokens with the real Python `mcp` client over HTTP (lab namespace).

A local token issuer made here (RSA and P-256 keys from `cryptography`, tokens from
PyJWT) serves its JWKS over HTTP on loopback; the server is a resource server for
`https://scanner.lab.internal/mcp`. Every forged or wrong token (none, a wrong key, an
expired one, another audience or issuer, `alg: none`, HMAC signed with the public key,
an unknown `kid`) gets `401` with a `resource_metadata` challenge and starts nothing; a
token without an accepted scope gets `403 insufficient_scope`; the RFC 9728 document
says where tokens come from; valid RS256 and ES256 tokens work, each held to the role
its scope gives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import MODES, HttpServer, NmapSpy, run_http_server
from test_auth_e2e import client, raw_post

pytestmark = pytest.mark.anyio

AUDIENCE = "https://scanner.lab.internal/mcp"
METADATA = "https://scanner.lab.internal/.well-known/oauth-protected-resource/mcp"


class Issuer:
    """Keys, a JWKS endpoint on 127.0.0.1 and tokens."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        keys = [
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key())), "kid": "rsa1", "alg": "RS256", "use": "sig"},
            {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key())), "kid": "ec1", "alg": "ES256", "use": "sig"},
        ]
        body = json.dumps({"keys": keys}).encode()
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                issuer.fetches += 1
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

    def claims(self, **change: Any) -> dict:
        now = int(time.time())
        c = {"iss": self.url, "aud": AUDIENCE, "sub": "carol", "exp": now + 300, "iat": now, "scope": "secmcp:dns"}
        c.update(change)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, kid: str = "rsa1", key: Any = None, alg: str = "RS256", **change: Any) -> str:
        return jwt.encode(self.claims(**change), key or self.rsa, algorithm=alg, headers={"kid": kid})


@dataclass
class OAuthServer:
    srv: HttpServer
    issuer: Issuer


def oauth_config(path: Path, issuer: Issuer, nmap: str, burst: int = 1000, per_minute: int = 1000) -> Path:
    path.write_text(
        "security:\n  allowed_targets: [loopback]\n"
        f"tools:\n  nmap:\n    binary: {nmap}\n  dig:\n    enabled: true\n"
        f"auth:\n  failed_attempts_burst: {burst}\n  failed_attempts_per_minute: {per_minute}\n"
        "  roles:\n    all: {}\n    dns:\n      tools: [dig]\n      allowed_targets: [127.0.0.1]\n"
        "  oauth:\n"
        f"    issuer: {issuer.url}\n    audience: {AUDIENCE}\n    jwks_url: {issuer.url}/jwks.json\n"
        "    scopes:\n      - {scope: 'secmcp:all', role: all}\n      - {scope: 'secmcp:dns', role: dns}\n"
    )
    return path


@pytest.fixture(scope="module")
def oauth(secmcp_bin: str, nmap_spy: NmapSpy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthServer]:
    issuer = Issuer()
    d = tmp_path_factory.mktemp("oauth")
    cfg = oauth_config(d / "oauth.yaml", issuer, str(nmap_spy.wrapper))
    with run_http_server(secmcp_bin, cfg, d) as srv:
        yield OAuthServer(srv=srv, issuer=issuer)
    issuer.http.shutdown()


def challenge(headers: dict[str, str]) -> str:
    return headers.get("www-authenticate", "")


def test_without_a_token_the_challenge_names_the_resource_metadata(oauth: OAuthServer, spy: NmapSpy) -> None:
    status, headers, body = raw_post(oauth.srv.url, {})
    assert status == 401 and body["error"] == "missing_credentials", (status, body)
    assert challenge(headers) == f'Bearer resource_metadata="{METADATA}"', headers


def test_the_resource_metadata_names_the_issuer_and_scopes(oauth: OAuthServer) -> None:
    base = oauth.srv.url.removesuffix("/mcp")
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        with urllib.request.urlopen(base + path, timeout=10) as r:
            doc = json.loads(r.read())
        assert doc["resource"] == AUDIENCE, doc
        assert doc["authorization_servers"] == [oauth.issuer.url], doc
        assert doc["scopes_supported"] == ["secmcp:all", "secmcp:dns"], doc
        assert doc["bearer_methods_supported"] == ["header"], doc


def forged(issuer: Issuer) -> dict[str, str]:
    public_pem = issuer.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    unsigned = jwt.encode(issuer.claims(), None, algorithm="none", headers={"kid": "rsa1"})
    # PyJWT refuses PEM text as an HMAC secret (the very attack); sign by hand.
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa1"}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(issuer.claims()).encode())
    sig = jwt.utils.base64url_encode(hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest())
    hs_with_public_key = (header + b"." + payload + b"." + sig).decode()
    return {
        "a wrong key": issuer.token(key=issuer.other),
        "an expired token": issuer.token(exp=int(time.time()) - 600),
        "another audience": issuer.token(aud="https://other.example/mcp"),
        "another issuer": issuer.token(iss="https://evil.example"),
        "alg none": unsigned,
        "HMAC with the public key": hs_with_public_key,
        "an unknown kid": issuer.token(kid="rsa9"),
        "garbage": "not-a-token",
    }


def test_every_forged_or_wrong_token_is_401_and_runs_nothing(oauth: OAuthServer, spy: NmapSpy) -> None:
    for what, token in forged(oauth.issuer).items():
        status, headers, body = raw_post(oauth.srv.url, {"Authorization": f"Bearer {token}"})
        assert status == 401, (what, status, body)
        assert body["error"] == "invalid_token", (what, body)
        c = challenge(headers)
        assert c.startswith(f'Bearer resource_metadata="{METADATA}"') and 'error="invalid_token"' in c, (what, c)
    assert spy.calls() == []


def test_a_token_without_an_accepted_scope_is_403_insufficient_scope(oauth: OAuthServer) -> None:
    token = oauth.issuer.token(scope="openid profile")
    status, headers, body = raw_post(oauth.srv.url, {"Authorization": f"Bearer {token}"})
    assert status == 403 and body["error"] == "insufficient_scope", (status, body)
    c = challenge(headers)
    assert 'error="insufficient_scope"' in c and 'scope="secmcp:all secmcp:dns"' in c, c
    assert f'resource_metadata="{METADATA}"' in c, c


@pytest.mark.parametrize("mode", MODES)
async def test_valid_tokens_work_and_their_scope_gives_the_role(oauth: OAuthServer, spy: NmapSpy, mode: str) -> None:
    issuer = oauth.issuer
    async with client(oauth.srv.url, issuer.token(kid="ec1", key=issuer.ec, alg="ES256"), mode) as c:
        names = sorted(t.name for t in (await c.list_tools()).tools)
        assert names == ["dig", "scan_diff", "scan_history", "server_health"], names
        r = await c.call_tool("nmap", {"target": "127.0.0.1"})
        assert r.is_error and "role `dns`" in r.content[0].text, r.content[0].text
    assert spy.calls() == []
    async with client(oauth.srv.url, issuer.token(scope="secmcp:all openid"), mode) as c:
        r = await c.call_tool("nmap", {"target": "127.0.0.1", "extra_args": "-p 1"})
        assert not r.is_error, r.content[0].text
    assert len(spy.calls()) == 1
    log = oauth.srv.log_text()
    assert 'identity="carol"' in log and 'auth="oauth"' in log, log[-2000:]


def test_bad_tokens_spend_the_address_budget_then_even_a_valid_one_waits(
    secmcp_bin: str, nmap_spy: NmapSpy, tmp_path: Path
) -> None:
    issuer = Issuer()
    try:
        cfg = oauth_config(tmp_path / "oauth.yaml", issuer, str(nmap_spy.wrapper), burst=2, per_minute=1)
        with run_http_server(secmcp_bin, cfg, tmp_path) as srv:
            bad = [issuer.token(key=issuer.other), issuer.token(exp=int(time.time()) - 600), "not-a-token"]
            statuses = [raw_post(srv.url, {"Authorization": f"Bearer {t}"})[0] for t in bad]
            assert statuses == [401, 401, 429], statuses
            status, headers, body = raw_post(srv.url, {"Authorization": f"Bearer {issuer.token()}"})
            assert status == 429 and body["error"] == "too_many_attempts", (status, body)
            assert "retry-after" in headers, headers
            # A token without the scope is no guess: it does not spend the budget
            # (checked on a fresh server, since this address is now blocked).
        with run_http_server(secmcp_bin, cfg, tmp_path) as srv:
            for _ in range(4):
                status, _, body = raw_post(srv.url, {"Authorization": f"Bearer {issuer.token(scope='openid')}"})
                assert status == 403, (status, body)
            req = urllib.request.Request(
                srv.url,
                data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode(),
                headers={
                    "content-type": "application/json",
                    "accept": "application/json, text/event-stream",
                    "Authorization": f"Bearer {issuer.token()}",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            assert status not in (401, 403, 429), status  # past authentication
    finally:
        issuer.http.shutdown()
