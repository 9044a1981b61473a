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
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from fake_beeper.check.report import CheckerBug
from fake_beeper.errors import FakeBeeperError
from fake_beeper.polite import Polite, polite_client

# Headers that belong to one connection, not to the request or the answer (RFC 9110 §7.6.1), and
# those the gate sets itself: the answer's body is sent decoded, with its own length.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                         "upgrade", "host", "content-length", "content-encoding"})
_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE", "POST", "PUT", "PATCH", "DELETE")
MAX_REQUEST_BODY = 1 << 20  # what Schemathesis sends a GET operation: small, or nothing


class Gate:
    """The gate's address, how to read what Schemathesis said about it, and the first error of
    the gate's own (a bug of the check, never the server's doing: ``CheckerBug``)."""

    def __init__(self, url: str, base_url: str) -> None:
        self.url = url
        self.base_url = base_url
        self.bug: BaseException | None = None

    def real(self, text: str) -> str:
        """``text`` (a finding, a curl line) with the gate's address made the server's."""
        return text.replace(self.url, self.base_url)


@contextmanager
def gate(base_url: str, polite: Polite) -> Iterator[Gate]:
    """A gate to ``base_url`` through ``polite``, on a free loopback port, for as long as this lasts."""
    client = polite_client(base_url, None, polite)  # no token of its own: Schemathesis's cases say theirs
    handler = type("GateHandler", (_Forward,), {"client": client})
    server = _QuietServer(("127.0.0.1", 0), handler)
    opened = server.gate = Gate(f"http://127.0.0.1:{server.server_address[1]}", base_url.rstrip("/"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fake-beeper check gate", daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        client.close()
    if opened.bug is not None:
        raise CheckerBug("schemathesis", opened.bug) from opened.bug


class _Forward(http.server.BaseHTTPRequestHandler):
    """Hands one request on through the polite client and writes its answer back."""

    client: httpx.Client
    protocol_version = "HTTP/1.1"  # keep-alive, as Schemathesis's sessions expect
    disable_nagle_algorithm = True  # else each answer waits ~40 ms for the client's delayed ACK

    def forward(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BODY:  # nothing Schemathesis makes of a GET operation
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else None
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP]
        try:
            answer = self.client.request(self.command, self.path, headers=headers, content=body)
        except (httpx.HTTPError, FakeBeeperError):  # no answer, refused, or a bound passed (polite.stopped
            self.close_connection = True            # says which): the connection is cut
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


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    gate: Gate

    def handle_error(self, request: Any, client_address: Any) -> None:
        """An error of the gate's own: kept, the first of them, to end the run as a bug of the
        check (not printed over the check's output, and never blamed on the server)."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the connection's end (Schemathesis gave up on it): no bug
            return
        if self.gate.bug is None and error is not None:
            self.gate.bug = error


for _method in _METHODS:
    setattr(_Forward, f"do_{_method}", _Forward.forward)
