"""Keyset cursors: a position in the chat order, written as ``<epoch millis>|<base64 token>``.

The list is ordered by ``lastActivity`` (newest first) and, among chats with the same
``lastActivity``, by chat ID. A cursor names a position in that order: the millis of a chat's
``lastActivity`` and, as the token, the chat's ID (base64url, unpadded). Because the ID breaks
ties, a walk can neither lose nor repeat chats that share a timestamp, and because the cursor is
a position rather than an index, it stays meaningful when chats are added or move.

Two documented forms are accepted on input:

* ``1725489123456|c29tZUltc2dQYWdl`` (the newest form; the token may be any base64 of UTF-8 text,
  so the contract's own example is a valid position even though no chat has that ID);
* ``1725489123456`` (the older, plain millis form): a position between timestamps, so ``before``
  gives the chats strictly older than that instant and ``after`` the ones strictly newer.

Chats without ``lastActivity`` sort after every dated chat; their cursors carry ``NO_ACTIVITY``,
one millisecond before the earliest instant an RFC 3339 date-time can name.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from fake_beeper.data.loaded import MAX_ID_BYTES, NO_ACTIVITY, unservable_id
from fake_beeper.errors import INVALID_CURSOR, ApiError, Issue, invalid_request
from fake_beeper.timestamps import LAST_INSTANT

__all__ = ["MAX_ID_BYTES", "NO_ACTIVITY", "Position", "decode", "encode", "unservable_id"]


_MAX_TOKEN = 2048
_CURSOR = re.compile(rf"(-?[0-9]{{1,15}})(?:\|([A-Za-z0-9_\-+/]{{1,{_MAX_TOKEN}}}={{0,2}}))?")
_PATH = ("query", "cursor")


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A point in the chat order: ``millis`` of ``lastActivity``, and the tie-breaking chat ID.

    ``chat_id`` is ``None`` for the plain-millis form, which sits between timestamps.
    """

    millis: int
    chat_id: str | None = None


# The cursors handed out lately, and their positions: a client sends them back, most often
# within a page or two, and looking one up here costs less than parsing it. Bounded: emptied when full.
_ISSUED: dict[str, Position] = {}
ISSUED_KEPT = 4096


def encode(millis: int, chat_id: str) -> str:
    token = base64.urlsafe_b64encode(chat_id.encode("utf-8")).rstrip(b"=").decode("ascii")
    cursor = f"{millis}|{token}"
    if len(token) <= _MAX_TOKEN and NO_ACTIVITY <= millis <= LAST_INSTANT and chat_id.isprintable() and chat_id:
        if len(_ISSUED) >= ISSUED_KEPT:  # only cursors ``decode`` would accept, so a hit is its answer
            _ISSUED.clear()
        _ISSUED[cursor] = Position(millis, chat_id)
    return cursor


def decode(cursor: str) -> Position:
    """Parse a client's cursor, or raise a 400 ``ApiError`` saying what is wrong with it."""
    issued = _ISSUED.get(cursor)
    if issued is not None:
        return issued
    match = _CURSOR.fullmatch(cursor)
    if match is None:
        raise _rejected("cursor is not of the form <epoch millis>|<token>")
    millis = int(match.group(1))
    if not NO_ACTIVITY <= millis <= LAST_INSTANT:
        raise _rejected("cursor names an instant outside the range of date-times")
    token = match.group(2)
    if token is None:
        return Position(millis)
    return Position(millis, _decode_token(token))


def _decode_token(token: str) -> str:
    alphabet_fixed = token.replace("+", "-").replace("/", "_").rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(alphabet_fixed + "=" * (-len(alphabet_fixed) % 4))
    except (binascii.Error, ValueError):
        raise _rejected("cursor token is not base64") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _rejected("cursor token was not issued by this server") from None
    if not text or not text.isprintable():
        raise _rejected("cursor token was not issued by this server")
    return text


def _rejected(reason: str) -> ApiError:
    return invalid_request([Issue(INVALID_CURSOR, reason, _PATH)])
