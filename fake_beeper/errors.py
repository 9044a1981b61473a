"""Errors: the package's own (``FakeBeeperError`` and its kinds), and HTTP errors as the Beeper
Desktop API sends them, in the shared ``Error`` schema of the contract.

Every non-2xx answer of the fake carries ``{"code", "message", "details"?}``; validation errors
carry ``details.issues[{code, message, path}]`` (the Zod-like ``ValidationDetails``), so that a
client sees the same shape from the fake as from the real app.

Everything fake-beeper raises for a caller's mistake is a ``FakeBeeperError`` (one ``except``
catches them all), and also a ``ValueError`` where the mistake is a bad value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class ApiError(FakeBeeperError):
    """An error the app turns into an HTTP response with the ``Error`` body."""

    status: int
    code: str
    message: str
    issues: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> bytes:
        payload: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.issues:
            payload["details"] = {"issues": [issue.as_json() for issue in self.issues]}
        return orjson.dumps(payload)


def not_found(message: str) -> ApiError:
    """A 404 for a path parameter that names nothing (``NotFoundError`` in the SDKs)."""
    return ApiError(404, "NOT_FOUND", message)


def invalid_request(issues: list[Issue]) -> ApiError:
    """A 400 whose message lists every issue, so a person reading a log needs nothing else."""
    summary = "; ".join(issue.message for issue in issues)
    return ApiError(400, "INVALID_REQUEST", f"Invalid query parameters: {summary}", issues)


async def send_json(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None, *,
                    head: bool = False) -> None:
    """A JSON response straight on ASGI ``send`` (the hot path and injected faults skip Starlette)."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


class MissingExtraError(FakeBeeperError, ImportError):
    """A feature whose optional dependencies are not installed; the message is the one line to run."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(f"{feature} needs the '{extra}' extra ({missing} is not installed): "
                         f"pip install 'fake-beeper[{extra}]'", name=missing)
        self.extra = extra


def require_extra(feature: str, extra: str, modules: tuple[str, ...], exc: ModuleNotFoundError) -> NoReturn:
    """Turn a ``ModuleNotFoundError`` for one of an extra's ``modules`` into a ``MissingExtraError``
    (anything else, such as an import failing inside an installed module, is re-raised as it is)."""
    missing = (exc.name or "").split(".")[0]
    if missing in modules:
        raise MissingExtraError(feature, extra, missing) from None
    raise exc
