"""Request bodies, read as everything from outside is: bounded in size, JSON only, and a client's
mistake (too big, not JSON, gone before the end) answered with a 4xx in the ``Error`` shape.

The API's writes and the control API both read bodies here. An API write may come without a
body at all (the JavaScript SDK sends ``notify-anyway`` with neither a body nor a
``Content-Type``): no body at all is ``{}``, as the SDKs send for a call without arguments.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from fake_beeper.errors import ClientDisconnected, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY = 1 << 20  # bytes of one request body


def media_type(request: Request) -> str:
    """The body's media type, lower case, without parameters (``""`` if none is said)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request) -> bytes:
    """The raw body: at most ``MAX_BODY`` bytes (a 413 past that, read no further)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise PayloadTooLarge(f"the body is over {MAX_BODY} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the client's doing, not a bug of the fake: nobody is left to answer
        raise ClientDisconnected("the client went away before its body was complete") from None
    return b"".join(chunks)


async def json_body(request: Request, *, empty_allowed: bool = False) -> Any:
    """The body as JSON: ``application/json`` (a 415 otherwise), at most ``MAX_BODY`` bytes;
    with ``empty_allowed``, no body (whatever its ``Content-Type``) is ``{}``."""
    kind = media_type(request)
    raw = await read_body(request) if kind == "application/json" or empty_allowed else b""
    if empty_allowed and not raw:  # no body at all; a body of spaces is no JSON (a 400 below)
        return {}
    if kind != "application/json":
        raise UnsupportedMediaType(f"the body must be application/json, not {kind or 'without a Content-Type'}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the body is not JSON: {exc}") from None
