"""Scripted pages: responses a test queues for the next ``GET /v1/chats`` (or search) requests.

The store answers from its chats; a script overrides it for a few requests so that a client can
be shown a page the store would never produce: one drawn by ``fake_beeper.strategies`` (every
shape the schema allows), or a deliberately broken one (a missing ``hasMore``) to see what the
client does. A scripted body is sent as given, unvalidated: that is the point. Authentication
and query validation still run first, so a client that sends a bad request still gets its 400.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

import orjson


class ScriptedPages:
    """A thread-safe queue of bodies; each ``GET /v1/chats`` or ``GET /v1/chats/search`` takes the
    next, in the order they come, until it is empty."""

    def __init__(self) -> None:
        self._queue: deque[bytes] = deque()
        self._lock = threading.Lock()

    def replace(self, *pages: Mapping[str, Any] | bytes) -> None:
        """Queue these pages (dicts, serialised now, or raw JSON bytes), dropping any left over."""
        encoded = [page if isinstance(page, bytes) else _dumps(page) for page in pages]
        with self._lock:
            self._queue = deque(encoded)

    def take(self) -> bytes | None:
        """The next scripted body, or ``None`` to let the store answer."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def __len__(self) -> int:
        return len(self._queue)


def _dumps(page: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(page)
    except orjson.JSONEncodeError:  # integers past 64 bits, lone surrogates: the schema allows both
        return json.dumps(page, allow_nan=False).encode()
