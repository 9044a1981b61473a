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


def async_transport(app: ASGIApp) -> httpx.ASGITransport:
    """For ``httpx.AsyncClient`` (and ``AsyncBeeperDesktop``). An app error becomes its 500
    response, as a real server would send it, instead of an exception raised in the client."""
    return httpx.ASGITransport(app=app, raise_app_exceptions=False)


class InProcessTransport(httpx.BaseTransport):
    """For ``httpx.Client`` (and ``BeeperDesktop``): each request runs the app and waits for it.

    The event loop thread starts on the first request and stops on ``close()`` (which
    ``httpx.Client.close()`` and the client's ``with`` block call). A ``shared`` transport serves
    many clients: closing one of them leaves it running, and its owner calls ``shutdown()``.
    """

    def __init__(self, app: ASGIApp, *, shared: bool = False) -> None:
        self._asgi = async_transport(app)
        self._shared = shared
        self._lock = threading.Lock()
        self._portal_context: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body as bytes, which the async transport can stream again
        status, headers, content = self._running_portal().call(self._call_app, request)
        return httpx.Response(status, headers=headers, content=content, request=request)

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
