"""Canaries for "does this tool reach anything but its target?" tests.

Inside the lab namespace (never elsewhere): an in-scope web server whose every answer
redirects to an out-of-scope address or host name, TCP listeners on those out-of-scope
addresses (8.8.8.8, 169.254.169.254 and the address the canary name resolves to, all
added to `lo` of this private namespace only), and a DNS server on the namespace's
resolver address (127.0.0.1:53, what the lab's resolv.conf names) that logs every
query. A tool that stays on its target leaves every log empty.
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

REDIRECTOR_IP = "10.99.0.60"
REDIRECTOR_PORTS = (80, 8080)
CANARY_NAME = "canary.example.com"
CANARY_NAME_IP = "203.0.113.77"
CANARY_IPS = ("8.8.8.8", "169.254.169.254", CANARY_NAME_IP)
CANARY_PORTS = (80, 443, 8080)
LOCATIONS = (
    "http://8.8.8.8/next",
    "http://169.254.169.254/latest/meta-data/",
    f"http://{CANARY_NAME}/next",
    f"http://{CANARY_NAME}:8080/next",
    "https://8.8.8.8/secure",
)


@dataclass
class Canaries:
    hits: list[str] = field(default_factory=list)  # "ip:port from peer"
    queries: list[str] = field(default_factory=list)  # "qname qtype"
    served: list[str] = field(default_factory=list)  # requests the redirector answered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, where: list[str], what: str) -> None:
        with self.lock:
            where.append(what)


def _require_lab() -> None:
    if os.environ.get("LAB_NETNS") != "1":
        raise RuntimeError("canaries only run inside the lab namespace (scripts/test.sh)")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class _Redirect(BaseHTTPRequestHandler):
    server_version = "canary-redirector/1"
    canaries: Canaries
    counter = 0

    def _answer(self) -> None:
        _Redirect.counter += 1
        loc = LOCATIONS[_Redirect.counter % len(LOCATIONS)]
        self.canaries.record(self.canaries.served, f"{self.command} {self.path}")
        body = f'<html><head><title>moved</title></head><body><a href="{loc}">here</a></body></html>'.encode()
        self.send_response(302)
        self.send_header("Location", loc)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_TRACE = do_PROPFIND = _answer

    def log_message(self, *args: object) -> None:  # quiet
        pass


class _Dns(socketserver.BaseRequestHandler):
    canaries: Canaries

    def handle(self) -> None:
        data, sock = self.request
        if len(data) < 12:
            return
        qid, _flags, qd = struct.unpack("!HHH", data[:6])
        i, labels = 12, []
        while i < len(data) and data[i] != 0:
            n = data[i]
            labels.append(data[i + 1 : i + 1 + n].decode(errors="replace"))
            i += 1 + n
        qname = ".".join(labels)
        qtype = struct.unpack("!H", data[i + 1 : i + 3])[0] if i + 3 <= len(data) else 0
        self.canaries.record(self.canaries.queries, f"{qname} {qtype}")
        question = data[12 : i + 5]
        if qname.lower() == CANARY_NAME and qtype == 1:
            answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(CANARY_NAME_IP)
            header = struct.pack("!HHHHHH", qid, 0x8180, qd, 1, 0, 0)
            sock.sendto(header + question + answer, self.client_address)
        else:
            header = struct.pack("!HHHHHH", qid, 0x8183, qd, 0, 0, 0)  # NXDOMAIN
            sock.sendto(header + question, self.client_address)


def _listen_tcp(ip: str, port: int, canaries: Canaries, stop: threading.Event) -> threading.Thread:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(64)
    s.settimeout(0.2)

    def run() -> None:
        with s:
            while not stop.is_set():
                try:
                    c, peer = s.accept()
                except OSError:
                    continue
                canaries.record(canaries.hits, f"{ip}:{port} from {peer[0]}")
                c.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@contextlib.contextmanager
def canary_lab() -> Iterator[Canaries]:
    """Starts the redirector, the canaries and the logging resolver; removes them after."""
    _require_lab()
    canaries = Canaries()
    stop = threading.Event()
    added: list[str] = []
    servers: list[socketserver.BaseServer] = []
    try:
        for ip in (REDIRECTOR_IP, *CANARY_IPS):
            _ip("addr", "add", f"{ip}/32", "dev", "lo")
            added.append(ip)
        threads = [_listen_tcp(ip, port, canaries, stop) for ip in CANARY_IPS for port in CANARY_PORTS]
        _Redirect.canaries = canaries
        for port in REDIRECTOR_PORTS:
            srv = ThreadingHTTPServer((REDIRECTOR_IP, port), _Redirect)
            srv.daemon_threads = True
            servers.append(srv)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        _Dns.canaries = canaries
        dns = socketserver.ThreadingUDPServer(("127.0.0.1", 53), _Dns)
        servers.append(dns)
        threading.Thread(target=dns.serve_forever, daemon=True).start()
        yield canaries
    finally:
        stop.set()
        for srv in servers:
            srv.shutdown()
            srv.server_close()
        for t in locals().get("threads", []):
            t.join(timeout=2)
        for ip in added:
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("addr", "del", f"{ip}/32", "dev", "lo")
