"""The only way out to a server ``check`` or ``record`` reads: requests that cannot change anything,
at a bounded rate, counted, and answers that cannot take the machine.

``fake-beeper check`` and ``fake-beeper record`` may be pointed at a person's real Beeper Desktop,
where ``POST /v1/chats`` creates a chat, or at a server that means harm. So every request they
make (Schemathesis's included, ``check/schema.py``) passes through one ``Polite`` gate that

* refuses any method but ``GET`` and the harmless probes ``HEAD``, ``OPTIONS`` and ``TRACE``
  (``UnsafeRequest``, before anything is sent), and spaces requests to at most ``rate`` a second;
* bounds each answer: at most ``MAX_ANSWER_BYTES`` once decoded (a gzip bomb is cut off as it
  inflates), JSON nested at most ``MAX_JSON_DEPTH`` deep, and head and body complete within
  ``REQUEST_SECONDS`` of the request, however slowly the bytes trickle in (``AnswerRefused``);
* ends every request at the run's ``deadline`` (``OutOfTime``), and within ``SLICE`` seconds of a
  Ctrl-C (``CheckInterrupted``): reads wait in short slices and look at both between them.

After the first refusal, interruption or deadline, every further request through the gate fails
the same way at once, so a library that retries or carries on (Schemathesis, Hypothesis) stops
too, and the caller reads ``polite.stopped`` to say why. The gate is the same against every
server, the fake included, so what is sent never depends on what a server says it is.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
import orjson

from fake_beeper.defaults import DEFAULT_CHECK_RATE
from fake_beeper.errors import FakeBeeperError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_ANSWER_BYTES = 64 * 2**20  # a page of 200 chats with everything in them is a few MiB
MAX_JSON_DEPTH = 64  # a chat is nested about 8 deep
REQUEST_SECONDS = 30.0  # one request: connected, sent, and its whole answer read
SLICE = 0.25  # how long a read waits before it looks at the deadline and for a Ctrl-C again
ACCEPTED_ENCODINGS = "gzip, deflate"


class UnsafeRequest(FakeBeeperError):
    """A request fake-beeper must never send to a server it reads (a method that could change the server's data)."""


class CheckInterrupted(FakeBeeperError):
    """A stop was asked for (Ctrl-C): no request is sent any more."""


class AnswerRefused(FakeBeeperError):
    """An answer passed one of the gate's bounds (too large, too deep, too slow): the run stops."""


class OutOfTime(AnswerRefused):
    """The run's deadline passed (``check --max-time``, ``record --max-time``)."""


class PhaseTimeUp(FakeBeeperError):
    """The share of the run's time one phase was given is over: that phase stops where it is, and
    the run goes on with the next (``Polite.phase``). Not a stop: later requests go out."""


@dataclass
class Polite:
    """The gate every request of one check or recording goes through (thread-safe)."""

    rate: float = DEFAULT_CHECK_RATE
    interrupted: Callable[[], bool] | None = None
    deadline: float | None = None  # a time.monotonic() after which nothing is sent or read
    request_seconds: float = REQUEST_SECONDS
    max_answer_bytes: int = MAX_ANSWER_BYTES
    methods: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    stopped: FakeBeeperError | None = None  # why requests are refused from now on, if they are
    phase_deadline: float | None = None  # the end of the current phase's share (``phase``)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: float = 0.0

    def before(self, method: str) -> None:
        """Refuse an unsafe method, or any request once stopped; then wait for this request's turn."""
        method = method.upper()
        self.still_going()
        if method not in SAFE_METHODS:
            raise UnsafeRequest(f"fake-beeper never sends {method} to a server it checks or records "
                                f"(only {', '.join(sorted(SAFE_METHODS))})")
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + 1 / self.rate
            self.methods[method] += 1
        while (now := time.monotonic()) < turn:
            time.sleep(min(SLICE, turn - now))
            self.still_going()

    def after(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def still_going(self, request_deadline: float | None = None) -> float:
        """Raise if the run must stop (stopped before, Ctrl-C, the deadline); else the seconds left
        before the earlier of the run's deadline and ``request_deadline``."""
        if self.stopped is not None:
            raise type(self.stopped)(str(self.stopped))  # a fresh one: a raise adds to the raised one's traceback
        if self.interrupted is not None and self.interrupted():
            raise self.stop(CheckInterrupted("stopped: no more requests"))
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise self.stop(OutOfTime("the time allowed for the whole run is over"))
        phase = self.phase_deadline
        if phase is not None and now >= phase:
            raise PhaseTimeUp("this phase's share of the time is over")
        left = min(self.deadline - now if self.deadline is not None else float("inf"),
                   phase - now if phase is not None else float("inf"),
                   request_deadline - now if request_deadline is not None else float("inf"))
        if left <= 0:
            raise AnswerRefused(f"no complete answer within {self.request_seconds:g} s")
        return left

    @contextmanager
    def phase(self, seconds: float) -> Iterator[None]:
        """Give what runs within at most ``seconds`` (less if the run's deadline comes first): past
        them every request raises ``PhaseTimeUp``, and after it requests go out again."""
        self.phase_deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self.phase_deadline = None

    def stop(self, reason: FakeBeeperError) -> FakeBeeperError:
        """Refuse every request from now on, for ``reason`` (the first reason is kept)."""
        with self._lock:
            if self.stopped is None:
                self.stopped = reason
            return self.stopped

    @property
    def requests(self) -> int:
        return sum(self.methods.values())


# -- the bounded transport ---------------------------------------------------------------------

_current = threading.local()  # .limits: the (polite, request deadline) of the request this thread sends


def _time_left() -> float:
    limits: tuple[Polite, float] | None = getattr(_current, "limits", None)
    if limits is None:
        return float("inf")
    polite, request_deadline = limits
    return polite.still_going(request_deadline)


class _Stream(httpcore.NetworkStream):
    """A connection whose every wait is cut into slices, between which the deadline and Ctrl-C are
    looked at: a server that trickles a byte a second cannot hold a read past them."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        waited = 0.0
        while True:
            wait = min(SLICE, _time_left(), float("inf") if timeout is None else timeout - waited)
            try:
                return self._inner.read(max_bytes, max(wait, 0.001))
            except httpcore.ReadTimeout:
                waited += wait
                if timeout is not None and waited >= timeout:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, min(_time_left(), float("inf") if timeout is None else timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        wait = min(_time_left(), float("inf") if timeout is None else timeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, wait))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        wait = min(_time_left(), float("inf") if timeout is None else timeout)
        return _Stream(self._inner.connect_tcp(host, port, wait, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        wait = min(_time_left(), float("inf") if timeout is None else timeout)
        return _Stream(self._inner.connect_unix_socket(path, wait, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# httpcore's errors as httpx's (the most specific first), as httpx's own transport maps them.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout), (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout), (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError), (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError), (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError), (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError), (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.TimeoutException, httpx.TimeoutException))


class PoliteTransport(httpx.BaseTransport):
    """An httpx transport whose every request passes ``polite`` and whose every answer is bounded.

    The answer is read whole here (so that its size, depth and time can be bounded before anyone
    parses it) and handed on decoded, without its ``Content-Encoding``.
    """

    def __init__(self, polite: Polite) -> None:
        self._polite = polite
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), max_connections=8,
                                             network_backend=_Backend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        polite = self._polite
        polite.before(request.method)
        request.headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
        _current.limits = (polite, time.monotonic() + polite.request_seconds)
        try:
            status, headers, body, extensions = self._send(request)
        except AnswerRefused as exc:
            raise polite.stop(type(exc)(f"{request.method} {_shown_target(request.url)}: {exc}")) from None
        except Exception as exc:
            for core, mapped in _ERRORS:
                if isinstance(exc, core):
                    raise mapped(str(exc), request=request) from exc
            raise
        finally:
            _current.limits = None
        polite.after(status)
        return httpx.Response(status, headers=headers, content=body, extensions=extensions)

    def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]]:
        url = request.url
        core = httpcore.Request(method=request.method, url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host,
                                                                        port=url.port, target=url.raw_path),
                                headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        response = self._pool.handle_request(core)
        try:
            encoding = _header(response.headers, b"content-encoding").lower()
            body = _bounded(response.stream, encoding, self._polite.max_answer_bytes)  # type: ignore[arg-type]
        finally:
            response.close()
        _check_depth(body)
        headers = [(name, value) for name, value in response.headers
                   if name.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")]
        extensions = {key: value for key, value in response.extensions.items()
                      if key in ("http_version", "reason_phrase")}
        return response.status, headers, body, extensions

    def close(self) -> None:
        self._pool.close()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in headers if key.lower() == name), "").strip()


def _bounded(chunks: Iterable[bytes], encoding: str, limit: int) -> bytes:
    """The body, decoded (gzip or deflate, as asked for), refused past ``limit`` bytes."""
    too_large = AnswerRefused(f"the server sent more than {limit // 2**20} MiB for one answer")
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise AnswerRefused(f"the answer is in an encoding that was not asked for ({encoding[:40]})")
    inflate = None if encoding in ("", "identity") else zlib.decompressobj(zlib.MAX_WBITS | 32)
    parts: list[bytes] = []
    size = 0
    for chunk in _decoded(chunks, inflate, limit):
        size += len(chunk)
        if size > limit:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)


def _decoded(chunks: Iterable[bytes], inflate: Any, limit: int) -> Iterator[bytes]:
    for chunk in chunks:
        if inflate is None:
            yield chunk
            continue
        try:
            data = inflate.decompress(chunk, limit + 1)
            yield data
            while inflate.unconsumed_tail:  # at most limit + 1 bytes at a time: a bomb never inflates whole
                yield inflate.decompress(inflate.unconsumed_tail, limit + 1)
        except zlib.error as exc:
            raise AnswerRefused(f"the answer's compressed body is broken ({exc})") from None


def _check_depth(body: bytes) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` (parsers and walkers that recurse would
    fail on it); anything else is left to whoever reads the answer."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc):
            raise AnswerRefused(f"the answer is JSON nested more than {MAX_JSON_DEPTH} deep") from None
        return
    level: list[Any] = [value]  # the objects and arrays at one depth (the scalars need no visit)
    for _ in range(MAX_JSON_DEPTH):
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)
                 if isinstance(child, dict | list)]
        if not level:
            return
    raise AnswerRefused(f"the answer is JSON nested more than {MAX_JSON_DEPTH} deep")


def _shown_target(url: httpx.URL) -> str:
    """The path and query of a request, a long query cut short (a cursor can be 2 KiB)."""
    target = url.raw_path.decode("ascii", "replace")
    return target if len(target) <= 120 else f"{target[:117]}…"


def polite_client(base_url: str, token: str | None, polite: Polite) -> httpx.Client:
    """An httpx client for ``base_url`` whose every request passes ``polite`` (``token=None``: no
    ``Authorization`` header at all)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=REQUEST_SECONDS, transport=PoliteTransport(polite))
