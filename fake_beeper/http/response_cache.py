"""Answers kept for the next identical request: a client that polls the first page, or an SDK
that asks for the same chat again, gets the bytes served last time without the work.

A kept answer is served again only when nothing that made it has changed since. Its key is all a
request says that an answer depends on (the raw path and query, and the ``Host`` and
``Authorization`` headers as sent), and it carries the ``stamp`` of the world it was made from
(``FakeState.stamp``: the chats' and the messages' versions, the behaviour and the token). A
live change, a send, a write, a new behaviour or token moves the stamp, and the old answer is
never served again (it ages out of the bounded store).

The cache sits inside the journal and the access log (each request is recorded, hit or not) and
in front of everything else, but only while nothing else could tell a hit from a miss:

* with fault rules or scripted pages, or with CORS, every request takes the full path;
* an answer is kept only by the full path, after the Host check and authentication passed for
  exactly these headers, only a 200 of a read (``Operation.cacheable``), and only when the same
  request came before (``wanted``): a walk that asks for each page once keeps nothing;
* a hit does what serving the page did besides its bytes: the sends that are due are settled
  first (they may change the stamp), its cursors are noted for faults by page, and a served page
  counts towards live activity (``FakeState.served_page``).

``tests/test_response_cache.py`` holds a cached and an uncached fake to byte-identical answers
over random interleavings of requests and changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from fake_beeper.http.guard import raw_header
from fake_beeper.world.state import FakeState, PageOut, Stamp

MAX_ENTRIES = 256
MAX_BYTES = 32 * 2**20  # all bodies kept, together
MAX_BODY = 4 * 2**20  # a larger answer is not kept
SEEN_KEPT = 8192  # requests remembered as seen once (``ResponseCache.wanted``)

Key = tuple[bytes, bytes, bytes | None, bytes | None]  # raw path, query, Host, Authorization
CACHE_KEY = "fake_beeper.cache_key"  # scope[...]: the request's key, when its answer may be kept


@dataclass(frozen=True, slots=True)
class Kept:
    stamp: Stamp
    headers: tuple[tuple[bytes, bytes], ...]  # shared by every hit: never changed
    body: bytes
    page: PageOut | None  # a page's cursors, for what serving it does besides its bytes


class ResponseCache:
    """At most ``MAX_ENTRIES`` answers and ``MAX_BYTES`` of bodies; the least recently used go first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.enabled = True
        self.hits = 0  # answers served from here
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self._seen: set[int] = set()  # the requests seen lately, by their key's hash (``wanted``)
        self._bytes = 0
        self._lock = threading.Lock()

    def wanted(self, key: Key) -> bool:
        """Whether an answer to ``key`` is worth keeping: only once the same request came before.
        Requests that never come again (a walk, each page once) then cost no copy kept, and do
        not push out the answers that are asked for again and again."""
        if not self.enabled:
            return False
        seen = hash(key)
        if seen in self._seen:
            return True
        if len(self._seen) >= SEEN_KEPT:
            self._seen.clear()
        self._seen.add(seen)
        return False

    def get(self, key: Key) -> Kept | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
            return kept

    def put(self, key: Key, kept: Kept) -> None:
        if not self.enabled or len(kept.body) > MAX_BODY:
            return
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._kept[key] = kept
            self._bytes += len(kept.body)
            while len(self._kept) > self.max_entries or self._bytes > self.max_bytes:
                _, gone = self._kept.popitem(last=False)
                self._bytes -= len(gone.body)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._seen.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def kept_bytes(self) -> int:
        return self._bytes


def request_key(scope: Scope) -> Key:
    """What an answer may depend on in a request: its raw path and query, and its ``Host`` and
    ``Authorization`` headers as the Host check and authentication read them (the first sent)."""
    return (scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""),
            raw_header(scope, b"host"), raw_header(scope, b"authorization"))


class CachedAnswers:
    """ASGI middleware: a request whose answer is kept, and still true, is answered from it."""

    def __init__(self, app: ASGIApp, state: FakeState, cache: ResponseCache) -> None:
        self.app = app
        self.state = state
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        if (not self.cache.enabled or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or state.faults or state.scripted):
            await self.app(scope, receive, send)
            return
        key = request_key(scope)
        scope[CACHE_KEY] = key  # for the full path, which keeps what it answers under it
        kept = self.cache.get(key)
        if kept is not None:
            state.settle()  # as the full path does before reading: a send that is due changes the stamp
            if kept.stamp == state.stamp():
                self.cache.hits += 1
                if kept.page is not None:
                    state.served_page(kept.page)
                await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else kept.body})
                return
        await self.app(scope, receive, send)
