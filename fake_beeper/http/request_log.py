"""``RequestLog``: the ASGI middleware around the whole app that writes the journal
(``world.journal``) and, for the CLI, one access-log line per request."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_beeper.world.journal import JOURNAL_BODY, Journal, RecordedRequest, Row

API_PREFIX = "/v1/"


class RequestLog:
    """Records each HTTP request into ``journal`` once its response is sent, and hands ``log`` (if
    any) one access-log line: ``GET /v1/chats?limit=5 200 1.2ms``."""

    def __init__(self, app: ASGIApp, journal: Journal, log: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.journal = journal
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.journal.limit == 0 and self.log is None):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        body: bytearray | None = None
        if scope["method"] not in ("GET", "HEAD") and scope["path"].startswith(API_PREFIX):
            # an API write: the journal keeps its body too, bounded (a control API body, never)
            body = bytearray()
            receive = _kept_into(receive, body)

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        except Exception:
            status = status or 500  # the outer error middleware answers 500 for an unhandled error
            raise
        finally:
            row: Row = (scope["method"], scope["path"], scope.get("query_string", b""), tuple(scope["headers"]),
                        status, round((time.perf_counter() - started) * 1000, 3), b"" if body is None else bytes(body))
            self.journal.record(row)
            if self.log is not None:
                record = RecordedRequest(*row)
                self.log(f"{record.method} {record.target} {status} {record.milliseconds:.1f}ms")


def _kept_into(receive: Receive, kept: bytearray) -> Receive:
    """``receive``, keeping the first ``JOURNAL_BODY`` bytes of the body it hands on in ``kept``."""

    async def receive_and_keep() -> Message:
        message = await receive()
        if message["type"] == "http.request" and len(kept) < JOURNAL_BODY:
            kept.extend(message.get("body", b"")[: JOURNAL_BODY - len(kept)])
        return message

    return receive_and_keep
