"""Faults applied: ``FaultMiddleware`` puts the world's fault rules (``world.faults``) in front of
the app; every error it sends has the contract's ``Error`` body and a status the spec documents.

Transport faults need a real socket: under fake-beeper's server the middleware has the connection
cut (the server lends it a way to, as an ASGI extension: ``server.ABORT_EXTENSION``).
In-process, it answers with a marker header that fake-beeper's httpx transports turn into the
exception httpx raises for a broken connection, so client code sees the same thing either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_beeper.contract import spec
from fake_beeper.errors import send_json
from fake_beeper.http.server import ABORT_EXTENSION
from fake_beeper.world.faults import Faults, WalkPages

TRANSPORT_FAULT_HEADER = "x-fake-beeper-transport-fault"
_FAULTED = frozenset({"HEAD", *(method.upper() for method in spec.METHODS)})  # not OPTIONS, TRACE …
class FaultMiddleware:
    """Applies ``faults`` to requests of the Beeper API (paths ``operation_of`` names an operation
    for), before the app sees them, or with ``afterServing`` after it served them (a send goes
    through, and its answer is lost); the spec, the docs and the control API are never faulted."""

    def __init__(self, app: ASGIApp, faults: Faults, walks: WalkPages,
                 operation_of: Callable[[Scope], str | None]) -> None:
        self.app = app
        self.faults = faults
        self.walks = walks
        self.operation_of = operation_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # No rules, no work: the request path stays as short as without this middleware.
        operation = self.operation_of(scope) if self.faults and scope["type"] == "http" \
            and scope["method"] in _FAULTED else None
        if operation is None:
            await self.app(scope, receive, send)
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        method = scope["method"]
        page = self.walks.page_of(params.get("cursor")) if method in ("GET", "HEAD") else None
        decision = self.faults.decide(params, page, operation, "GET" if method == "HEAD" else method)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if decision.after_serving and (decision.error is not None or decision.drop):
            await self.app(scope, receive, _discard)  # served: its changes stay, its answer goes
        if decision.error is not None:
            await send_json(send, decision.error.status, decision.error.body(), decision.error.headers)
        elif decision.drop:
            await _drop(scope, send)
        elif decision.truncate:
            await self.app(scope, receive, _Truncating(send, _abort_of(scope)))
        else:
            await self.app(scope, receive, send)


async def _discard(message: Message) -> None:
    """The ``send`` of a request served for its effect only."""


def _abort_of(scope: Scope) -> Callable[[], None] | None:
    """The server's way to cut this request's connection (``server.ABORT_EXTENSION``); ``None``
    in-process, where the transports turn a marker header into httpx's own exception."""
    abort: Callable[[], None] | None = scope.get("extensions", {}).get(ABORT_EXTENSION)
    return abort


async def _drop(scope: Scope, send: Send) -> None:
    abort = _abort_of(scope)
    if abort is not None:
        abort()
        return
    await send({"type": "http.response.start", "status": 599, "headers": [(TRANSPORT_FAULT_HEADER.encode(), b"drop")]})
    await send({"type": "http.response.body", "body": b""})


class _Truncating:
    """A ``send`` that passes the headers and the first half of the body, then cuts the connection."""

    def __init__(self, send: Send, abort: Callable[[], None] | None) -> None:
        self.send = send
        self.abort = abort
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if self.abort is None:
                message = {**message, "headers": [*message.get("headers", []),
                                                  (TRANSPORT_FAULT_HEADER.encode(), b"truncate")]}
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        await self.send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        if self.abort is not None:
            self.abort()
        else:
            await self.send({"type": "http.response.body", "body": b""})
