#!/usr/bin/env python3
"""secmcp lab fixture for sqlmap: a deliberately SQL-injectable shop over SQLite.
Started by tests/lab/lab.sh (lab_up_sqlmap) inside the test namespace only.

    sqli_app.py ADDRESS PORT

What it hides (the e2e tests assert exactly these, and nothing else):
  GET  /item?id=N&lang=en   `id` is concatenated into the SQL (numeric context):
                            INJECTABLE; `lang` is bound as a parameter: safe
  POST /search  name=TEXT   `name` is concatenated inside a string literal:
                            INJECTABLE (for the typed `data` body)
  GET  /safe?id=N           bound parameter: nothing injectable
  GET  /__hosts             (not for sqlmap) the distinct Host headers seen so far,
                            one per line: proves the server pinned the address and
                            passed the name as the Host header
  GET  /go                  302 to http://203.0.113.9/ (TEST-NET-3): a redirect
                            to another host that must never be followed
  tables items(id, name, price), users(username, password): three users
SQL errors give a plain 500 page (no error text: the DBMS is found by inference).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

USERS = [("admin", "s3cr3t-admin"), ("alice", "wonderland"), ("bob", "builder42")]
ITEMS = [(1, "lamp", 12.5), (2, "chair", 40.0), (3, "table", 99.0)]

_lock = threading.Lock()
_hosts: list[str] = []


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
    db.execute("CREATE TABLE users (username TEXT, password TEXT)")
    db.executemany("INSERT INTO items VALUES (?, ?, ?)", ITEMS)
    db.executemany("INSERT INTO users VALUES (?, ?)", USERS)
    db.commit()
    return db


DB = _db()


class Handler(BaseHTTPRequestHandler):
    server_version = "secmcp-lab-sqli/1"

    def log_message(self, fmt: str, *args: object) -> None:  # quiet
        pass

    def _send(self, code: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _rows(self, sql: str, params: tuple = ()) -> None:
        try:
            with _lock:
                rows = DB.execute(sql, params).fetchall()
        except Exception:  # noqa: BLE001 - the fixture hides the error text on purpose
            self._send(500, "<html><body>Internal error</body></html>\n")
            return
        items = "".join(f"<li>{' | '.join(str(c) for c in r)}</li>" for r in rows)
        self._send(200, f"<html><body><h1>Shop</h1><ul>{items}</ul></body></html>\n")

    def _seen_host(self) -> None:
        host = self.headers.get("Host", "")
        with _lock:
            if host not in _hosts:
                _hosts.append(host)

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path == "/__hosts":
            with _lock:
                body = "".join(h + "\n" for h in _hosts)
            self._send(200, body)
            return
        self._seen_host()
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path == "/item":
            lang = q.get("lang", "en")
            # `lang` is bound; `id` is concatenated: the one injectable GET parameter.
            sql = "SELECT name, price, ? FROM items WHERE id=" + q.get("id", "1")
            self._rows(sql, (lang,))
        elif url.path == "/safe":
            self._rows("SELECT name, price FROM items WHERE id=?", (q.get("id", "1"),))
        elif url.path == "/go":
            self._send(302, "moved\n", {"Location": "http://203.0.113.9/"})
        elif url.path == "/":
            self._send(200, '<html><body><a href="/item?id=1">lamp</a></body></html>\n')
        else:
            self._send(404, "<html><body>Not found</body></html>\n")

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        self._seen_host()
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        body = self.rfile.read(length).decode("utf-8", "replace")
        q = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if url.path == "/search":
            sql = "SELECT name, price FROM items WHERE name='" + q.get("name", "") + "'"
            self._rows(sql)
        else:
            self._send(404, "<html><body>Not found</body></html>\n")


def main() -> None:
    address, port = sys.argv[1], int(sys.argv[2])
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer((address, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
