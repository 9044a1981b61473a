"""Errors: the package's own (``FakeBeeperError`` and its kinds), and HTTP errors as the Beeper
Desktop API sends them, in the shared ``Error`` schema of the contract.

Every non-2xx answer of the fake carries ``{"code", "message", "details"?}``; validation errors
carry ``details.issues[{code, message, path}]`` (the Zod-like ``ValidationDetails``), so that a
client sees the same shape from the fake as from the real app.

Everything fake-beeper raises for a caller's mistake is a ``FakeBeeperError`` (one ``except``
catches them all), and also a ``ValueError`` where the mistake is a bad value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import orjson
from starlette.types import Send


class FakeBeeperError(Exception):
    """The base of every error fake-beeper raises on purpose; the message says what to change."""


class UsageError(FakeBeeperError, ValueError):
    """A value fake-beeper cannot use: a bad token, option or argument."""


# Issue codes follow Zod's names, which the contract's ``ValidationDetails`` shape comes from.
INVALID_TYPE = "invalid_type"
INVALID_VALUE = "invalid_value"
TOO_SMALL = "too_small"
TOO_BIG = "too_big"
INVALID_CURSOR = "invalid_cursor"


@dataclass(frozen=True)
class Issue:
    """One validation problem, pointing at the offending input (``["query", "limit"]``)."""

    code: str
    message: str
    path: tuple[str | int, ...]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": list(self.path)}


class ApiError(FakeBeeperError):
    """An error the app turns into an HTTP response with the contract's ``Error`` body.

    Each error is a subclass that says its status and code once (as moto has one class per
    error); raise it with the message: ``raise NotFound(f"No chat with ID {chat_id!r}")``.
    """

    status: int = 500
    code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, issues: Sequence[Issue] = (), *, headers: Mapping[str, str] | None = None,
                 status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.issues = list(issues)
        self.headers = dict(headers or {})
        if status is not None:  # an error whose status comes from elsewhere (Starlette's, a fault's)
            self.status = status
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> bytes:
        payload: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.issues:
            payload["details"] = {"issues": [issue.as_json() for issue in self.issues]}
        return orjson.dumps(payload)


class InvalidRequest(ApiError):
    """400: a query, a body or bytes that are not what the operation takes."""

    status, code = 400, "INVALID_REQUEST"


class InvalidScenario(ApiError):
    """400: a scenario the control API cannot apply."""

    status, code = 400, "INVALID_SCENARIO"


class ClientDisconnected(ApiError):
    """400: the client went away before its body was complete."""

    status, code = 400, "CLIENT_DISCONNECTED"


class Unauthorized(ApiError):
    """401: no token, a malformed header, or a token the fake does not accept."""

    status, code = 401, "UNAUTHORIZED"

    def __init__(self, message: str, issues: Sequence[Issue] = (), *, headers: Mapping[str, str] | None = None,
                 status: int | None = None, code: str | None = None) -> None:
        super().__init__(message, issues, headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class HostNotAllowed(ApiError):
    """403: a ``Host`` the fake does not answer (DNS rebinding)."""

    status, code = 403, "HOST_NOT_ALLOWED"


class ControlLocked(ApiError):
    """403: the control API of a fake bound beyond loopback without a control token."""

    status, code = 403, "CONTROL_LOCKED"


class NotFound(ApiError):
    """404: a path parameter that names nothing (``NotFoundError`` in the SDKs), or no route."""

    status, code = 404, "NOT_FOUND"


class MethodNotAllowed(ApiError):
    """405: a method the path does not take."""

    status, code = 405, "METHOD_NOT_ALLOWED"


class RequestTimeout(ApiError):
    """408: a head or a body that did not arrive in time."""

    status, code = 408, "REQUEST_TIMEOUT"


class PayloadTooLarge(ApiError):
    """413: a control API body over its limit."""

    status, code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    """415: a control API body that is not JSON."""

    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class RateLimited(ApiError):
    """429: too many requests (an injected fault)."""

    status, code = 429, "RATE_LIMITED"


class HeadTooLarge(ApiError):
    """431: a request line and headers over the server's limit."""

    status, code = 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"


class InternalError(ApiError):
    """500: a bug in the fake (or an injected fault)."""

    status, code = 500, "INTERNAL_ERROR"


class Unavailable(ApiError):
    """503: the service is unavailable (an injected fault)."""

    status, code = 503, "UNAVAILABLE"


class NoFakeAttached(ApiError):
    """503: a shared test server between tests, serving no fake."""

    status, code = 503, "NO_FAKE_ATTACHED"


def invalid_request(issues: list[Issue]) -> InvalidRequest:
    """A 400 whose message lists every issue, so a person reading a log needs nothing else, and
    says where they are: the query parameters, the body, or the request (the path, or several)."""
    summary = "; ".join(issue.message for issue in issues)
    places = {issue.path[0] if issue.path else None for issue in issues}
    where = {"query": "query parameters", "body": "body"}.get(str(places.pop()), "request") \
        if len(places) == 1 else "request"
    return InvalidRequest(f"Invalid {where}: {summary}", issues)


def refused(path: tuple[str | int, ...], reason: str) -> InvalidRequest:
    """A 400 for a write the world does not allow, naming what makes it impossible
    (``("path", "messageID")``, ``("body", "draft")``)."""
    return invalid_request([Issue(INVALID_VALUE, reason, path)])


NO_CONTENT = 204


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None, *,
                    head: bool = False) -> None:
    """A JSON response straight on ASGI ``send`` (the hot path and injected faults skip Starlette);
    a 204 has neither a body nor the headers of one (RFC 9110 §8.6)."""
    await send({"type": "http.response.start", "status": status, "headers": json_head(status, body, headers)})
    await send({"type": "http.response.body", "body": b"" if head else body})


def json_head(status: int, body: bytes, headers: dict[str, str] | None = None) -> list[tuple[bytes, bytes]]:
    """The headers of a JSON response (``send_json``'s), as ASGI sends them."""
    raw = [] if status == NO_CONTENT else [(b"content-type", b"application/json"),
                                           (b"content-length", str(len(body)).encode())]
    raw.extend((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())
    return raw


class MissingExtraError(FakeBeeperError, ImportError):
    """A feature whose optional dependencies are not installed; the message is the one line to run."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(f"{feature} needs the '{extra}' extra ({missing} is not installed): "
                         f"{install_command(extra)}", name=missing)
        self.extra = extra


def install_command(extra: str) -> str:
    """A pip command that installs an extra's dependencies, read from the installed package's own
    metadata: it works however fake-beeper was installed (a clone, a wheel, the repository URL),
    where ``pip install 'fake-beeper[extra]'`` works only once the package is on PyPI."""
    from importlib import metadata

    marker = f"extra == '{extra}'"
    try:
        wanted = [requirement.split(";")[0].strip() for requirement in metadata.requires("fake-beeper") or ()
                  if requirement.split(";", 1)[-1].strip() == marker]
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        wanted = []
    return "pip install " + " ".join(f"'{name}'" for name in sorted(wanted)) if wanted else \
        f"pip install -e '.[{extra}]' (in a clone of fake-beeper)"


def require_extra(feature: str, extra: str, modules: tuple[str, ...], exc: ModuleNotFoundError) -> NoReturn:
    """Turn a ``ModuleNotFoundError`` for one of an extra's ``modules`` into a ``MissingExtraError``
    (anything else, such as an import failing inside an installed module, is re-raised as it is)."""
    missing = (exc.name or "").split(".")[0]
    if missing in modules:
        raise MissingExtraError(feature, extra, missing) from None
    raise exc
