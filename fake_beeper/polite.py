"""The only way out to a server ``check`` or ``record`` reads: requests that cannot change anything,
at a bounded rate, counted.

``fake-beeper check`` and ``fake-beeper record`` may be pointed at a person's real Beeper Desktop,
where ``POST /v1/chats`` creates a chat. So every request they make (Schemathesis's included)
passes through one ``Polite`` gate that refuses any method but ``GET`` and the harmless probes
``HEAD``, ``OPTIONS`` and ``TRACE`` (``UnsafeRequest``, before anything is sent), spaces requests
to at most ``rate`` a second, and keeps a count of what was sent. The gate is the same against
every server, the fake included, so what is sent never depends on what a server says it is.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from fake_beeper.defaults import DEFAULT_CHECK_RATE
from fake_beeper.errors import FakeBeeperError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TIMEOUT = 30.0


class UnsafeRequest(FakeBeeperError):
    """A request fake-beeper must never send to a server it reads (a method that could change the server's data)."""


class CheckInterrupted(FakeBeeperError):
    """A stop was asked for (Ctrl-C): no request is sent any more."""


@dataclass
class Polite:
    """The gate every request of one check or recording goes through (thread-safe)."""

    rate: float = DEFAULT_CHECK_RATE
    interrupted: Callable[[], bool] | None = None
    methods: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: float = 0.0

    def before(self, method: str) -> None:
        """Refuse an unsafe method, then wait for this request's turn."""
        method = method.upper()
        if self.interrupted is not None and self.interrupted():
            raise CheckInterrupted("stopped: no more requests")
        if method not in SAFE_METHODS:
            raise UnsafeRequest(f"fake-beeper never sends {method} to a server it checks or records "
                                f"(only {', '.join(sorted(SAFE_METHODS))})")
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + 1 / self.rate
            self.methods[method] += 1
        if turn > now:
            time.sleep(turn - now)

    def after(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    @property
    def requests(self) -> int:
        return sum(self.methods.values())


class _PoliteTransport(httpx.BaseTransport):
    def __init__(self, polite: Polite) -> None:
        self._polite = polite
        self._inner = httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._polite.before(request.method)
        response = self._inner.handle_request(request)
        self._polite.after(response.status_code)
        return response

    def close(self) -> None:
        self._inner.close()


def polite_client(base_url: str, token: str | None, polite: Polite) -> httpx.Client:
    """An httpx client for ``base_url`` whose every request passes ``polite`` (``token=None``: no
    ``Authorization`` header at all)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT, transport=_PoliteTransport(polite))
