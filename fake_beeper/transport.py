"""httpx transports that deliver requests to the app in-process: no port, no thread per test.

``httpx.ASGITransport`` already does this for ``httpx.AsyncClient``. Synchronous clients (the
Python SDK's ``BeeperDesktop``, plain ``httpx.Client``) need a ``BaseTransport``; this one runs
the app on an event loop in a helper thread (an anyio blocking portal) and hands each request
over. It depends only on httpx and anyio, not on Starlette's ``TestClient``, whose transport is
an implementation detail that is moving to another HTTP library.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp

from fake_beeper.faults import TRANSPORT_FAULT_HEADER


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


class InProcessTransport(httpx.BaseTransport):
    """For ``httpx.Client`` (and ``BeeperDesktop``): each request runs the app and waits for it.

    The event loop thread starts on the first request and stops on ``close()`` (which
    ``httpx.Client.close()`` and the client's ``with`` block call). A ``shared`` transport serves
    many clients: closing one of them leaves it running, and its owner calls ``shutdown()``.
    """

    def __init__(self, app: ASGIApp, *, shared: bool = False) -> None:
        self._asgi = _asgi(app)
        self._shared = shared
        self._lock = threading.Lock()
        self._portal_context: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body as bytes, which the async transport can stream again
        status, headers, content = self._running_portal().call(self._call_app, request)
        return _as_received(request, status, headers, content)

    async def _call_app(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        response = await self._asgi.handle_async_request(request)
        return response.status_code, response.headers, await response.aread()

    def _running_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_context = start_blocking_portal()
                self._portal = self._portal_context.__enter__()
            return self._portal

    def close(self) -> None:
        if not self._shared:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the event loop thread (a later request starts a new one)."""
        with self._lock:
            if self._portal_context is not None:
                self._portal_context.__exit__(None, None, None)
            self._portal_context = self._portal = None
