"""The bearer-token check every API request passes (which tokens can be set: ``world.token``)."""

from __future__ import annotations

import hmac

from fake_beeper.errors import Unauthorized

__all__ = ["authenticate", "unauthorized"]


def unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message)


def authenticate(header: str | None, token: str) -> None:
    """Pass, or raise the 401 that says what is wrong with ``header`` (constant-time compare)."""
    if header is None:
        raise unauthorized("Missing access token: send 'Authorization: Bearer <token>'")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise unauthorized("Malformed Authorization header: expected 'Bearer <token>'")
    if not hmac.compare_digest(credentials.strip().encode("latin-1"), token.encode("ascii")):
        raise unauthorized("Invalid access token")
