"""Servers that mean harm, for the tests of ``check`` and ``record``: each a small HTTP server on a
loopback port, written with sockets so that it can break HTTP the way a hostile peer would.

    with HostileServer(huge_body) as server:
        run("check", server.url, ...)

A behaviour is a function of the request and a ``Peer`` (the socket, and an event set when the
test is over, which every endless behaviour watches so that the server stops with the test).
"""

from __future__ import annotations

import functools
import gzip
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import orjson

from fake_beeper.data import load_world


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]


@dataclass
class Peer:
    sock: socket.socket
    stopping: threading.Event

    def send(self, data: bytes) -> bool:
        """Send ``data``; ``False`` once the client has gone or the test is over."""
        if self.stopping.is_set():
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def answer(self, body: bytes, status: str = "200 OK", headers: str = "") -> bool:
        return self.send(f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
                         f"{headers}\r\n".encode() + body)


Behaviour = Callable[[Request, Peer], bool]  # False: close the connection


class HostileServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.stopping = threading.Event()
        stopping = self.stopping

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                peer = Peer(self.request, stopping)
                self.request.settimeout(1.0)
                buffer = b""
                while not stopping.is_set():
                    try:
                        chunk = self.request.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        return
                    if not chunk:
                        return
                    buffer += chunk
                    while b"\r\n\r\n" in buffer:
                        head, buffer = buffer.split(b"\r\n\r\n", 1)
                        method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                        url = urlsplit(target)
                        if not behaviour(Request(method, url.path, parse_qs(url.query)), peer):
                            return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


# -- the chats and pages a hostile server hands out -------------------------------------------------

@functools.cache
def _template() -> bytes:
    return load_world(None).chats[0].body


def chat(number: int) -> dict[str, object]:
    """A chat the contract accepts, the ``number``-th newest of an endless list."""
    made: dict[str, object] = orjson.loads(_template())
    made["id"] = f"!hostile_{number}:local-whatsapp.localhost"
    made["lastActivity"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1_900_000_000 - number))
    return made


def page(first: int, count: int, *, more: bool = True, cursor: str | None = None) -> bytes:
    return orjson.dumps({"items": [chat(number) for number in range(first, first + count)], "hasMore": more,
                         "oldestCursor": cursor or f"c{first + count}", "newestCursor": f"n{first}"})


def accounts_or_404(request: Request, peer: Peer) -> bool | None:
    """The neighbourhood as a list-only server has it: 404 for every path but the list."""
    if request.path != "/v1/chats":
        return peer.answer(b'{"code":"NOT_FOUND","message":"no"}', "404 Not Found")
    return None


def _limit(request: Request) -> int:
    text = request.query.get("limit", ["200"])[0]
    return min(int(text), 200) if text.isdigit() and int(text) > 0 else 200


# -- behaviours --------------------------------------------------------------------------------------


def endless(request: Request, peer: Peer) -> bool:
    """New chats on every page, for ever, each page beyond its cursor."""
    refused = accounts_or_404(request, peer)
    if refused is not None:
        return refused
    cursor = request.query.get("cursor", ["c0"])[0]
    first = int(cursor[1:]) if cursor[:1] == "c" and cursor[1:].isdigit() else 0
    return peer.answer(page(first, _limit(request)))


def looping(request: Request, peer: Peer) -> bool:
    """The same page and the same cursor whatever cursor is sent (what a stateless mock does)."""
    refused = accounts_or_404(request, peer)
    if refused is not None:
        return refused
    return peer.answer(page(0, _limit(request), cursor="the-same-cursor"))


def looping_messages(request: Request, peer: Peer) -> bool:
    """One chat, whose messages come back as the same page with the same cursor, for ever."""
    if request.path == "/v1/chats":
        return peer.answer(orjson.dumps({"items": [chat(0)], "hasMore": False, "oldestCursor": None,
                                         "newestCursor": None}))
    if request.path.endswith("/messages"):
        preview: dict[str, object] = orjson.loads(_template())["preview"]
        message = {**preview, "chatID": chat(0)["id"]}
        return peer.answer(orjson.dumps({"items": [message], "hasMore": True, "oldestCursor": "the-same",
                                         "newestCursor": "the-same"}))
    return peer.answer(b'{"code":"NOT_FOUND","message":"no"}', "404 Not Found")


def huge(request: Request, peer: Peer) -> bool:
    """A body that says 2 GB and sends zeros until the client stops reading."""
    if not peer.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2000000000\r\n\r\n"):
        return False
    block = b"0" * 65536
    while peer.send(block):
        pass
    return False


def endless_chunks(request: Request, peer: Peer) -> bool:
    """A chunked body that never ends."""
    if not peer.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"):
        return False
    chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"
    while peer.send(chunk):
        pass
    return False


def gzip_bomb(request: Request, peer: Peer) -> bool:
    """200 KB of gzip that inflates to 200 MB."""
    return peer.answer(_bomb(), headers="content-encoding: gzip\r\n")


@functools.cache
def _bomb() -> bytes:
    return gzip.compress(b" " * (200 * 2**20), compresslevel=9)


def deep(request: Request, peer: Peer) -> bool:
    """A page nested 100,000 deep."""
    return peer.answer(b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b', "hasMore": false}')


def trickle(request: Request, peer: Peer) -> bool:
    """A head and then a body that arrive one byte a second, for ever."""
    for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n" + b" " * 100_000:
        if not peer.send(bytes([byte])) or peer.stopping.wait(1.0):
            return False
    return False

