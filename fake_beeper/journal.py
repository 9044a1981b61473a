"""A journal of the requests the fake received, so a test can assert what its client sent.

The journal is an ASGI middleware around the whole app: every request is recorded with the
status it got, 401s and 404s included, in arrival order. Tests read it like a list:

    assert fake.journal.last.params["limit"] == ["50"]
    assert [r.params.get("cursor") for r in fake.journal] == [None, [page.oldest_cursor]]
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it; ``status`` is what the fake answered."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    status: int | None = None

    @property
    def params(self) -> dict[str, list[str]]:
        """Query parameters by name, every value kept (``accountIDs`` repeats)."""
        params: dict[str, list[str]] = {}
        for name, value in self.query:
            params.setdefault(name, []).append(value)
        return params

    def param(self, name: str) -> str | None:
        """The single value of a query parameter, or ``None`` if it was not sent."""
        values = self.params.get(name)
        return values[-1] if values else None

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"{self.method} {self.path}{'?' + query if query else ''} -> {self.status}"


class Journal(Sequence[RecordedRequest]):
    """The requests so far, oldest first. Safe to read while a live server records into it."""

    def __init__(self) -> None:
        self._records: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._records.append(request)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    @property
    def last(self) -> RecordedRequest:
        """The most recent request; an ``AssertionError`` (not ``IndexError``) if there was none."""
        with self._lock:
            assert self._records, "the fake has received no request"
            return self._records[-1]

    def to(self, path: str) -> list[RecordedRequest]:
        """Only the requests for ``path`` (e.g. ``"/v1/chats"``, leaving out ``/openapi.json``)."""
        return [r for r in self if r.path == path]

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...
    def __getitem__(self, index: int | slice) -> RecordedRequest | list[RecordedRequest]:
        with self._lock:
            return self._records[index]

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            return iter(list(self._records))

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self) or "(no requests)"


class JournalMiddleware:
    """Records each HTTP request into ``journal`` once its response status is known."""

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: int | None = None

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
            query = scope.get("query_string", b"").decode("latin-1")
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            self.journal.record(RecordedRequest(scope["method"], scope["path"],
                                                tuple(parse_qsl(query, keep_blank_values=True)), headers, status))
