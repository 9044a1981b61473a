"""Bearer tokens: which tokens the fake can accept.

A token goes on the wire as ``Authorization: Bearer <token>``, so only what RFC 6750 allows in
that header can ever authenticate: one or more of ``A-Z a-z 0-9 - . _ ~ + /``, then ``=``
padding. ``""``, ``" padded "`` or ``"été"`` would be accepted as settings and then answer every
request with a 401, so every place that sets a token (CLI, marker, ``FakeBeeper``, the control
API) refuses them up front with ``check_token``.
"""

from __future__ import annotations

import re

from fake_beeper.errors import UsageError

_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def check_token(token: object, *, what: str = "token") -> str:
    """``token`` if it is a valid bearer token; a ``UsageError`` saying why not otherwise."""
    if not isinstance(token, str):
        raise UsageError(f"{what} must be a string, got {type(token).__name__}")
    if not _B64TOKEN.fullmatch(token):
        shown = token if len(token) <= 40 else token[:37] + "..."
        raise UsageError(f"{what} {shown!r} is not a valid bearer token: use one or more of A-Z a-z 0-9 "
                         "- . _ ~ + / (then = padding), as RFC 6750 allows in an Authorization header")
    return token
