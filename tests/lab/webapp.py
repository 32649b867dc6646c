#!/usr/bin/env python3
"""secmcp lab fixture for gobuster and hydra: a small HTTP server that hides known
things. Started by tests/lab/lab.sh (lab_up_webapp) inside the test namespace only.

    webapp.py ADDRESS PORT BASE_NAME

What it hides (the e2e tests assert exactly these, and nothing else):
  paths        /admin (301 -> /admin/), /admin/, /backup (200), /secret.txt (200),
               /login (200 form), /protected (401 without credentials); every other
               path is 404
  vhosts       Host: dev.BASE_NAME and staging.BASE_NAME answer with their own pages;
               any other Host gets the default page
  basic auth   /protected accepts exactly admin:sunshine
  form login   POST /login with user=admin&pass=sunshine -> "Welcome admin";
               anything else -> "Login failed"
"""

from __future__ import annotations

import base64
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

USER, PASSWORD = "admin", "sunshine"


class Handler(BaseHTTPRequestHandler):
    server_version = "secmcp-lab-webapp/1"
    base_name = "app.lab.internal"

    def log_message(self, fmt: str, *args) -> None:  # keep the lab log small
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _vhost(self) -> str | None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        for sub in ("dev", "staging"):
            if host == f"{sub}.{self.base_name}":
                return sub
        return None

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        vhost = self._vhost()
        if vhost:
            self._send(200, f"<html><body>{vhost} site of {self.base_name} - internal build</body></html>\n".encode())
            return
        path = self.path.split("?")[0]
        if path == "/":
            self._send(200, b"<html><body>secmcp lab webapp</body></html>\n")
        elif path == "/admin":
            self._send(301, b"", {"Location": "/admin/"})
        elif path == "/admin/":
            self._send(200, b"<html><body>admin area</body></html>\n")
        elif path == "/backup":
            self._send(200, b"backup listing\n")
        elif path == "/secret.txt":
            self._send(200, b"the secret is 42\n")
        elif path == "/login":
            self._send(200, b'<form method="post"><input name="user"><input name="pass"></form>\n')
        elif path == "/protected":
            auth = self.headers.get("Authorization", "")
            want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if auth == want:
                self._send(200, b"<html><body>protected area</body></html>\n")
            else:
                self._send(401, b"unauthorized\n", {"WWW-Authenticate": 'Basic realm="lab"'})
        else:
            self._send(404, b"not found\n")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(min(length, 65536)).decode(errors="replace"))
        if self.path.split("?")[0] != "/login":
            self._send(404, b"not found\n")
            return
        ok = form.get("user") == [USER] and form.get("pass") == [PASSWORD]
        self._send(200, f"Welcome {USER}\n".encode() if ok else b"Login failed\n")


def main() -> None:
    addr, port, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Handler.base_name = base.lower()
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((addr, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
