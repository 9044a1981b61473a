"""A journal of the requests the fake received, so a test can assert what its client sent.

The HTTP side records every request with the status it got, 401s and 404s included, in arrival
order (``http.request_log``). Tests read the journal like a list:

    assert fake.journal.last.params["limit"] == ["50"]
    assert [r.params.get("cursor") for r in fake.journal] == [None, [page.oldest_cursor]]

A journal may be bounded (``Journal(limit=1000)`` keeps the newest 1,000; ``limit=0`` records
nothing), as the CLI's is, so a long-running server's memory stays flat. The value of an
``Authorization`` header is never printed nor returned by the control API (``as_json``); the
``headers`` a test reads in-process keep it, since that test sent it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload
from urllib.parse import parse_qsl

import orjson


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it; ``status`` is what the fake answered.

    The query string and headers are kept as received and parsed when first read, so that
    recording costs a request almost nothing on a server nobody asks about its journal.
    """

    method: str
    path: str
    query_string: bytes = field(repr=False)
    raw_headers: tuple[tuple[bytes, bytes], ...] = field(repr=False)  # left out of repr: it holds the token
    status: int | None = None
    milliseconds: float | None = None  # from the request's arrival to the end of its response
    body: bytes = field(default=b"", repr=False)  # an API write's body (its first JOURNAL_BODY bytes)

    def json(self) -> Any:
        """The body as JSON (``None`` if there was none); a ``ValueError`` if it is not JSON (or
        was longer than the ``JOURNAL_BODY`` bytes kept)."""
        return orjson.loads(self.body) if self.body else None

    @cached_property
    def query(self) -> tuple[tuple[str, str], ...]:
        """The query parameters in order, repeats kept: ``(("limit", "5"), ("accountIDs", "a"))``."""
        return tuple(parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True))

    @cached_property
    def headers(self) -> dict[str, str]:
        """Lower-case names; a repeated header keeps its last value."""
        return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in self.raw_headers}

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

    @property
    def target(self) -> str:
        """The path and query as sent: ``/v1/chats?limit=5``."""
        query = self.query_string.decode("latin-1")
        return f"{self.path}{'?' + query if query else ''}"

    def as_json(self) -> dict[str, Any]:
        """For the control API: everything but the ``Authorization`` value."""
        headers = {name: ("[redacted]" if name in SECRET_HEADERS else value) for name, value in self.headers.items()}
        return {"method": self.method, "path": self.path, "query": [list(pair) for pair in self.query],
                "headers": headers, "status": self.status, "milliseconds": self.milliseconds,
                "body": self.body.decode("utf-8", "replace")}

    def __str__(self) -> str:
        return f"{self.method} {self.target} -> {self.status}"


# A request as the journal holds it: ``RecordedRequest``'s fields, in order, made into one only
# when read. A server records every request, and is rarely asked: an object and its attributes
# made for each one (a frozen dataclass sets each field through object.__setattr__), kept, and
# freed a thousand requests later, cost a cached first page about 6% of its CPU, measured side
# by side with this tuple of what the request already holds.
Row = tuple[str, str, bytes, tuple[tuple[bytes, bytes], ...], int | None, float | None, bytes]

SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
JOURNAL_BODY = 4 * 1024  # bytes of an API write's body the journal keeps (a few records of many)


class Journal(Sequence[RecordedRequest]):
    """The requests so far, oldest first (the newest ``limit``, if given). Safe to read while a
    live server records into it. Each read hands out ``RecordedRequest``s made then (equal, not
    the same objects, from one read to the next)."""

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 0:
            raise ValueError(f"a journal's limit must be 0 or more, got {limit}")
        self.limit = limit
        self._records: deque[Row] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, row: Row) -> None:
        """Note a request: ``RecordedRequest``'s fields, in order."""
        if self.limit == 0:
            return
        with self._lock:
            self._records.append(row)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    @property
    def last(self) -> RecordedRequest:
        """The most recent request; an ``AssertionError`` (not ``IndexError``) if there was none."""
        with self._lock:
            if not self._records:
                raise AssertionError("the fake has received no request")
            return RecordedRequest(*self._records[-1])

    def to(self, path: str) -> list[RecordedRequest]:
        """Only the requests for ``path`` (e.g. ``"/v1/chats"``, leaving out ``/openapi.json``)."""
        return [r for r in self if r.path == path]

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...
    def __getitem__(self, index: int | slice) -> RecordedRequest | list[RecordedRequest]:
        with self._lock:
            if isinstance(index, slice):
                return [RecordedRequest(*row) for row in list(self._records)[index]]
            return RecordedRequest(*self._records[index])

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            rows = list(self._records)
        return iter([RecordedRequest(*row) for row in rows])

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self) or "(no requests)"
