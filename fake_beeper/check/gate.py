"""A loopback gate in front of the server a Schemathesis run checks: no library is patched.

Schemathesis sends through ``requests`` sessions it makes itself, in many places (its cases, its
probes, the re-sends of some checks), and takes no transport of ours. So instead of reaching into
``requests``, the run is pointed at this gate: a small HTTP server on 127.0.0.1 that hands each
request it receives to the same ``PoliteTransport`` as the rest of the check (GET-only, rate,
size, depth and time bounds) and answers with what the server said. A request the gate will not
send, or an answer past a bound, cuts the connection: Schemathesis sees a connection error, and
the check ends on ``polite.stopped`` as before.

Nothing outside the run goes through the gate, and it is gone when the run is (``gate()`` is a
context manager). What Schemathesis reports names the gate's address; ``real()`` puts the
server's back.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from fake_beeper.polite import Polite, polite_client

# Headers that belong to one connection, not to the request or the answer (RFC 9110 §7.6.1), and
# those the gate sets itself: the answer's body is sent decoded, with its own length.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "host", "content-length", "content-encoding"})
_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE", "POST", "PUT", "PATCH", "DELETE")
MAX_REQUEST_BODY = 1 << 20  # what Schemathesis sends a GET operation: small, or nothing


class Gate:
    """The gate's address, and how to read what Schemathesis said about it."""

    def __init__(self, url: str, base_url: str) -> None:
        self.url = url
        self.base_url = base_url

    def real(self, text: str) -> str:
        """``text`` (a finding, a curl line) with the gate's address made the server's."""
        return text.replace(self.url, self.base_url)


@contextmanager
def gate(base_url: str, polite: Polite) -> Iterator[Gate]:
    """A gate to ``base_url`` through ``polite``, on a free loopback port, for as long as this lasts."""
    client = polite_client(base_url, None, polite)  # no token of its own: Schemathesis's cases say theirs
    handler = type("GateHandler", (_Forward,), {"client": client})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fake-beeper check gate", daemon=True)
    thread.start()
    try:
        yield Gate(f"http://127.0.0.1:{server.server_address[1]}", base_url.rstrip("/"))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        client.close()


class _Forward(http.server.BaseHTTPRequestHandler):
    """Hands one request on through the polite client and writes its answer back."""

    client: httpx.Client
    protocol_version = "HTTP/1.1"  # keep-alive, as Schemathesis's sessions expect

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_REQUEST_BODY:
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else None
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP]
        try:
            answer = self.client.request(self.command, self.path, headers=headers, content=body)
        except Exception:  # refused, or a bound passed: polite.stopped says which; the connection is cut
            self.close_connection = True
            return
        self.send_response_only(answer.status_code, answer.reason_phrase)
        for name, value in answer.headers.multi_items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.content)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the check reports what matters."""


for _method in _METHODS:
    setattr(_Forward, f"do_{_method}", _Forward.forward)
