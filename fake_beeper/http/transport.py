"""httpx transports that deliver requests to the app in-process: no port, no thread per test.

``httpx.ASGITransport`` already does this for ``httpx.AsyncClient``. Synchronous clients (the
Python SDK's ``BeeperDesktop``, plain ``httpx.Client``) need a ``BaseTransport``; this one hands
each request to an event loop in a helper thread and waits for the answer. One such thread (a
daemon, started on the first request) serves every in-process client of the process: starting a
loop thread per fake cost 2.5 ms a test. It depends only on httpx and asyncio, not on Starlette's
``TestClient``, whose transport is an implementation detail that is moving to another HTTP library.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp

from fake_beeper.http.faults import TRANSPORT_FAULT_HEADER


def _asgi(app: ASGIApp) -> httpx.ASGITransport:
    # An app error becomes its 500 response, as a real server sends it, not an exception.
    return httpx.ASGITransport(app=app, raise_app_exceptions=False)


def _as_received(request: httpx.Request, status: int, headers: httpx.Headers, content: bytes) -> httpx.Response:
    """The response, or the error httpx raises for a broken connection when a fault asked for one
    (a socket cannot break in-process, so the fault middleware sends a marker header instead)."""
    fault = headers.get(TRANSPORT_FAULT_HEADER)
    if fault == "drop":
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    if fault == "truncate":
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body "
                                        f"(received {len(content)} bytes)", request=request)
    return httpx.Response(status, headers=headers, content=content, request=request)


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """For ``httpx.AsyncClient`` (and ``AsyncBeeperDesktop``): the app runs on the caller's loop."""

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = _asgi(app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return _as_received(request, response.status_code, response.headers, content)


T = TypeVar("T")


class _LoopThread:
    """The process's one event loop for synchronous in-process clients, in a daemon thread (so
    that it never holds up the interpreter's exit); started again after a fork."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def run(cls, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, cls._running()).result()

    @classmethod
    def _running(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._thread is None or not cls._thread.is_alive():
                cls._loop = asyncio.new_event_loop()
                cls._thread = threading.Thread(target=cls._loop.run_forever, name="fake-beeper in-process",
                                               daemon=True)
                cls._thread.start()
            return cls._loop


class InProcessTransport(httpx.BaseTransport):
    """For ``httpx.Client`` (and ``BeeperDesktop``): each request runs the app and waits for it.

    Closing it (``httpx.Client.close()`` does) leaves nothing behind: the loop thread is shared.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = _asgi(app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body as bytes, which the async transport can stream again
        status, headers, content = _LoopThread.run(self._call_app(request))
        return _as_received(request, status, headers, content)

    async def _call_app(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        response = await self._asgi.handle_async_request(request)
        return response.status_code, response.headers, await response.aread()
