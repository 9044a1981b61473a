"""Running the app on a real socket: in the foreground (the CLI) or in a thread (tests, plugin).

Both bind the socket themselves before handing it to uvicorn, so a port already in use is an
``OSError`` here, with the address in the message, rather than a log line deep in uvicorn.

Connections are bounded, so that no client can hold the server's memory or sockets:

* a request's head (request line and headers) may be at most ``MAX_HEAD_BYTES``; a larger one
  gets a 431 with the ``Error`` body and the connection is closed (a 50 MB ``Authorization``
  header is refused after its first 64 KiB instead of being read whole). Only the head counts: a
  body that arrives in the same read is the body's (at most 1 MiB on the control API, 413 past it);
* a head must arrive within ``HEAD_TIMEOUT`` seconds of the connection or of the previous
  response: a half-open or stalled connection is closed (a 408 if part of a head came);
* a body must arrive within ``BODY_TIMEOUT`` seconds of its head, however it trickles (a 408);
* an idle keep-alive connection is closed after ``KEEP_ALIVE`` seconds (uvicorn's own timer);
* bytes that are not HTTP get a 400 with the ``Error`` body, after the answers still owed to the
  valid requests pipelined before them on the same connection, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
import weakref
from types import TracebackType
from typing import Any, cast

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fake_beeper.defaults import DEFAULT_HOST, DEFAULT_PORT
from fake_beeper.errors import (
    ApiError,
    HeadTooLarge,
    InvalidRequest,
    NoFakeAttached,
    RequestTimeout,
    UsageError,
    send_json,
)

MAX_HEAD_BYTES = 64 * 1024
HEAD_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
KEEP_ALIVE = 5
ABORT_EXTENSION = "fake_beeper.abort"  # scope["extensions"][...]: cut this request's connection
_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a cap on the size of a request head, time limits for
    the head and the body to arrive, and a 400 for garbage that waits for the answers owed."""

    head_timeout = HEAD_TIMEOUT
    body_timeout = BODY_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_tail = b""  # the last bytes of the head so far: its end may span two reads
        self._in_head = True
        self._in_body = False
        self._not_http = False  # bytes that are not HTTP came: a 400 once the answers owed are sent
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_deadline: float | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._writes = _HeadWithBody(transport)  # what each response's cycle writes to
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._not_http:
            return  # the parser cannot go on past them: nothing more is read
        if self._in_head:
            end = self._head_end(data)
            self._head_bytes += len(data) if end is None else end
            self._head_tail = (self._head_tail + data[-3:])[-3:] if end is None else b""
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(HeadTooLarge(f"The request line and headers are over {MAX_HEAD_BYTES} bytes"))
                return
        super().data_received(data)
        if self._in_body and self._body_timer is None and not self.transport.is_closing():
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _head_end(self, data: bytes) -> int | None:
        """How many bytes of ``data`` belong to the head, if it ends in them (its blank line may
        begin in the previous read's last three bytes); ``None`` if it goes on. No copy of
        ``data``: this runs on every read of a request head."""
        if self._head_tail:
            seam = self._head_tail + data[:3]
            at = seam.find(b"\r\n\r\n")
            if at >= 0:
                return at + 4 - len(self._head_tail)
        at = data.find(b"\r\n\r\n")
        return None if at < 0 else at + 4

    def on_headers_complete(self) -> None:
        self._in_head, self._in_body = False, True
        self._cancel_head_timer()
        super().on_headers_complete()
        # The request's cycle exists now and its task has not run yet: hand the app a way to cut
        # this connection (a transport fault), as an ASGI extension instead of uvicorn's internals.
        extensions = cast(dict[str, Any], self.scope.setdefault("extensions", {}))
        extensions[ABORT_EXTENSION] = _Abort(self.transport, self.cycle)
        self.cycle.transport = self._writes  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._in_body, self._head_bytes, self._head_tail = True, False, 0, b""
        self._cancel_body_timer()

    def on_response_complete(self) -> None:
        self._writes.response_done()  # a response without a body (HEAD, 204): its head goes alone
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self._not_http and not self._owed():
            self._refuse_not_http()
        elif not self._not_http:
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are not HTTP: here, after the answers owed to the valid
        requests before them, and with the ``Error`` body."""
        self._not_http = True
        self._cancel_head_timer()
        self._cancel_body_timer()
        if self._owed():
            self.flow.pause_reading()
        else:
            self._refuse_not_http()

    def _owed(self) -> bool:
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _refuse_not_http(self) -> None:
        self._refuse(InvalidRequest("The request is not valid HTTP/1.1"))

    def _arm_head_timer(self) -> None:
        """The next head is due within ``head_timeout`` from now. One timer serves many requests:
        it is set once, and when it fires before the deadline it is set again for what is left,
        so a keep-alive connection does not make and cancel a timer for every request."""
        self._head_deadline = self.loop.time() + self.head_timeout
        if self._head_timer is None:
            self._head_timer = self.loop.call_at(self._head_deadline, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        """No head is awaited (one has come): the timer, if set, finds nothing to do when it fires."""
        self._head_deadline = None

    def _stop_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _cancel_body_timer(self) -> None:
        timer = getattr(self, "_body_timer", None)
        if timer is not None:
            timer.cancel()
            self._body_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        deadline = self._head_deadline
        if self.transport.is_closing() or deadline is None or not self._in_head:
            return
        if self.loop.time() < deadline:  # armed again since it was set: wait for what is left
            self._head_timer = self.loop.call_at(deadline, self._head_timed_out)
            return
        if self._head_bytes:
            self._refuse(RequestTimeout(f"The request head did not arrive within {self.head_timeout:g}s"))
        else:
            self.transport.close()

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or not self._in_body:
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # answered already: only the rest of the body is owed, and it is not coming
        else:
            self._refuse(RequestTimeout(f"The request body did not arrive within {self.body_timeout:g}s"))

    def _refuse(self, error: ApiError) -> None:
        body = error.body()
        reason = _REASONS.get(error.status, b"Error")
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (error.status, reason, len(body), body))
        self.transport.close()
        self._in_head = self._in_body = False


class _HeadWithBody:
    """A connection as its responses write to it: each response's head is held back and written
    with the first part of its body, in one write. Written apart, the head went out in a packet
    of its own (the socket has no Nagle delay), and on loopback the sender pays for the receiving
    side too. Responses on one connection are written one after another (a pipelined request
    waits for the answer before it), so one holder serves them all. A ``100 Continue`` goes out
    at once; a response without a body (HEAD, 204) has its head written when it is done."""

    __slots__ = ("_at_head", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._at_head = True

    def write(self, data: bytes) -> None:
        if self._at_head and not data.startswith(b"HTTP/1.1 100 "):
            self._at_head = False
            self._held = data
            return
        held, self._held = self._held, None
        if held is None:
            self._transport.write(data)
        else:
            self._transport.writelines((held, data))

    def response_done(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._transport.write(held)
        self._at_head = True

    def close(self) -> None:
        self.response_done()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Abort:
    """Cuts one request's connection mid-answer, as a crashed or unplugged server would: what
    the ``drop`` and ``truncate`` faults do on a real socket."""

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport = transport
        # Weakly: the cycle holds the scope, which holds this, and a strong reference would make
        # every request a reference cycle that only the garbage collector frees (7% of a page's
        # CPU, measured). The cycle lives as long as its request does.
        self._cycle = weakref.ref(cycle)

    def __call__(self) -> None:
        self._transport.close()
        cycle = self._cycle()
        if cycle is not None:
            cycle.disconnected = True  # so uvicorn neither logs an error nor writes a 500 after it


def bind(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio turns Nagle off (TCP_NODELAY) only on sockets that do, and with
    # Nagle on, a small response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":  # a restart may bind while old connections wait out TIME_WAIT; on Windows the
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # same option lets two servers share a port
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    """The URL a client on this machine uses: a wildcard bind (0.0.0.0, ::) is reached on loopback."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, which ``halt()`` stops at once from another thread. uvicorn looks for
    ``should_exit`` every 0.1 s and, on the way out, naps 0.1 s more for open connections to
    finish: 0.15-0.2 s a stop, which a test suite that starts a server per test pays hundreds of
    times. Here the loop's nap is woken, and a forced exit closes connections without the nap.
    ``should_exit`` set as before (a signal) still stops it within 0.1 s."""

    _loop: asyncio.AbstractEventLoop | None = None
    _woken: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):  # on_tick: the Date header each second, and should_exit
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):  # cut, as _Abort cuts one: no 500 written after
            cycle = getattr(connection, "cycle", None)
            if cycle is not None:
                cycle.disconnected = True
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.close()
        for server in self.servers:
            await server.wait_closed()

    def halt(self) -> None:
        """Stop now, without finishing open requests (any thread)."""
        self.should_exit = self.force_exit = True
        if self._loop is not None and self._woken is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the server is already gone
                self._loop.call_soon_threadsafe(self._woken.set)


def server_for(app: ASGIApp, *, log_level: str = "warning", head_timeout: float = HEAD_TIMEOUT,
               body_timeout: float = BODY_TIMEOUT) -> _Server:
    """A uvicorn server for ``app`` with the connection bounds above."""
    protocol = type("BoundedHttpProtocol", (BoundedHttpProtocol,),
                    {"head_timeout": head_timeout, "body_timeout": body_timeout})
    # interface: every app here is ASGI 3; uvicorn's guess takes a bound method for ASGI 2.
    # No proxy headers: nothing stands between a client and the fake, and a client on this
    # machine must not name another address in X-Forwarded-For (and reading them costs every request).
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off", http=protocol,
                            interface="asgi3", timeout_keep_alive=KEEP_ALIVE, timeout_graceful_shutdown=1,
                            proxy_headers=False)
    return _Server(config)


class LiveServer:
    """The app on a free loopback port in a background thread; a context manager.

    >>> with LiveServer(app) as server:
    ...     httpx.get(f"{server.url}/v1/chats", headers=...)
    """

    def __init__(self, app: ASGIApp, host: str = DEFAULT_HOST, port: int = 0, *,
                 head_timeout: float = HEAD_TIMEOUT, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self._sock = bind(host, port)
        self.url = base_url(self._sock)
        self._server = server_for(app, log_level="error", head_timeout=head_timeout, body_timeout=body_timeout)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"fake-beeper {self.url}", daemon=True)

    def start(self, timeout: float = 30.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"fake-beeper did not start on {self.url}")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop at once: open connections are closed, not waited for (a test's server has no
        request worth finishing once the test is over), and the port is free on return."""
        self._server.halt()
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class SharedServer:
    """One live server that serves one app at a time, in turn: the pytest plugin's session server.

    Starting and stopping a server costs far more than a test's requests, so the live fixtures
    start this once per session and ``attach`` each test's own fake (its own state: token,
    journal, faults, chats) for the length of the test. Between tests, nothing is attached and
    every request gets a 503 with the ``Error`` body, so a client left over from an earlier test
    never reaches the next test's fake by accident of timing.
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self._app: ASGIApp | None = None
        self._lock = threading.Lock()
        self._live = LiveServer(self._serve, host, port)
        self.url = self._live.url

    def attach(self, app: ASGIApp) -> None:
        """Serve ``app`` from now on; a ``UsageError`` if another app is attached."""
        with self._lock:
            if self._app is not None and self._app is not app:
                raise UsageError(f"the shared fake-beeper server at {self.url} already serves another fake; "
                                 "call start() without server= to give this one its own port")
            self._app = app

    def detach(self, app: ASGIApp) -> None:
        """Stop serving ``app`` (if it is the one attached): requests get a 503 until the next ``attach``."""
        with self._lock:
            if self._app is app:
                self._app = None

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            error = NoFakeAttached("No test's fake is attached to this shared server right now")
            await send_json(send, error.status, error.body())

    def start(self) -> SharedServer:
        self._live.start()
        return self

    def stop(self) -> None:
        self._live.stop()

    def __enter__(self) -> SharedServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
