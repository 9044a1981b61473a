"""Faults on demand: errors, latency and broken connections for chosen API requests.

A ``Rule`` says which requests (``Match``) get which ``Fault``, at most ``times`` times. The
``Faults`` set holds the rules, the request counter and a seeded random generator, so a scenario
replays the same way every run; ``WalkPages`` knows which page of a walk a cursor leads to. The
HTTP side applies them (``http.faults.FaultMiddleware``).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fake_beeper.errors import ApiError, InternalError, RateLimited, Unauthorized, Unavailable

DEFAULT_MESSAGES = {
    401: "Token expired",  # what the real app sends (surfaced by the JS SDK as "401 Token expired")
    429: "Too many requests",
    500: "Internal server error (injected by fake-beeper)",
    503: "Service unavailable (injected by fake-beeper)",
}
# The errors a fault may answer with, by status (a scenario's ``fault.status`` is one of these).
FAULT_ERRORS: dict[int, type[ApiError]] = {error.status: error for error in (Unauthorized, RateLimited, InternalError,
                                                                            Unavailable)}


@dataclass(frozen=True)
class Match:
    """Which requests a rule applies to; every condition given must hold (none: every request)."""

    # the Nth API request (1-based; any operation), counted from the last scenario set, while any rule is active
    request: int | None = None
    every: int | None = None  # every Nth such request
    page: int | None = None  # the k-th page of a walk: 1 without a cursor, 2 after a cursor from page 1 …
    probability: float | None = None  # drawn from the scenario's seeded generator
    params: Mapping[str, str] = field(default_factory=dict)  # query parameters with these values
    operation: str | None = None  # requests to this operation, by its path in openapi.yaml: "/v1/chats/search"
    method: str | None = None  # requests with this method ("POST"); None: any


@dataclass(frozen=True)
class Fault:
    """What happens: a delay, then at most one of an error status, a dropped or a truncated response."""

    latency: float | tuple[float, float] | None = None  # seconds, or a (low, high) range
    status: int | None = None  # 401, 429, 500 or 503
    retry_after: float | None = None  # seconds, sent as Retry-After
    retry_after_ms: int | None = None  # sent as retry-after-ms (the Stainless SDKs read it first)
    message: str | None = None
    drop: bool = False  # close the connection before any response
    truncate: bool = False  # send the headers and half the body, then close
    after_serving: bool = False  # serve the request (a send is sent), then answer with the error or drop

    def error(self) -> ApiError:
        """The error this fault answers with (a fault with a status: the caller looks first)."""
        if self.status is None:
            raise TypeError("this fault has no status to answer with")
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return FAULT_ERRORS[self.status](self.message or DEFAULT_MESSAGES[self.status], headers=headers)


@dataclass
class Rule:
    match: Match
    fault: Fault
    times: int | None = None  # None: no limit
    name: str = ""
    applied: int = 0


@dataclass(frozen=True)
class Decision:
    """The faults chosen for one request (the first matching rule that sets each part wins)."""

    latency: float = 0.0
    error: ApiError | None = None
    drop: bool = False
    truncate: bool = False
    after_serving: bool = False


class Faults:
    """The active rules and their state; thread-safe (set from tests, applied on the event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.replace([])

    def replace(self, rules: Iterable[Rule], seed: int = 0) -> None:
        """New rules, counted from zero: the request counter, each rule's uses, the generator."""
        with self._lock:
            self._rules = [dataclasses.replace(rule, applied=0) for rule in rules]
            self._random = random.Random(seed)
            self._requests = 0

    def add(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(dataclasses.replace(rule, applied=0))

    def __bool__(self) -> bool:
        return bool(self._rules)

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def decide(self, params: Mapping[str, str], page: int | None, operation: str | None = None,
               method: str = "GET") -> Decision:
        """Count this request and choose its faults."""
        with self._lock:
            self._requests += 1
            latency, error, drop, truncate, after_serving = 0.0, None, False, False, False
            for rule in self._rules:
                if rule.times is not None and rule.applied >= rule.times:
                    continue
                if rule.match.method is not None and rule.match.method != method:
                    continue
                if not self._matches(rule.match, params, page, operation):
                    continue
                rule.applied += 1
                fault = rule.fault
                if fault.latency is not None and not latency:
                    latency = (self._random.uniform(*fault.latency) if isinstance(fault.latency, tuple)
                               else fault.latency)
                if not (error or drop or truncate):
                    error = fault.error() if fault.status is not None else None
                    drop, truncate, after_serving = fault.drop, fault.truncate, fault.after_serving
            return Decision(latency, error, drop, truncate, after_serving)

    def _matches(self, match: Match, params: Mapping[str, str], page: int | None, operation: str | None) -> bool:
        if match.operation is not None and operation != match.operation:
            return False
        if match.request is not None and self._requests != match.request:
            return False
        if match.every is not None and self._requests % match.every:
            return False
        if match.page is not None and page != match.page:
            return False
        if any(params.get(name) != value for name, value in match.params.items()):
            return False
        # Drawn last, and only for requests the other conditions let through, so that adding a
        # rule elsewhere does not change which requests this one picks.
        return match.probability is None or self._random.random() < match.probability


class WalkPages:
    """Which page of a walk a request is: cursors a page hands out remember its number."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._pages: dict[str, int] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def page_of(self, cursor: str | None) -> int | None:
        if not cursor:
            return 1
        with self._lock:
            number = self._pages.get(cursor)
        return None if number is None else number + 1

    def issued(self, page: int | None, *cursors: str | None) -> None:
        if page is None:
            return
        with self._lock:
            if len(self._pages) >= self._capacity:  # oldest first: dicts keep insertion order
                for stale in list(self._pages)[: self._capacity // 2]:
                    del self._pages[stale]
            for cursor in cursors:
                if cursor:
                    self._pages[cursor] = page
