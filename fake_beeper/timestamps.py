"""Date-times on the wire: ISO 8601 UTC with milliseconds and ``Z``, e.g. ``2026-05-05T20:11:54.000Z``.

The store orders chats by the millisecond of ``lastActivity``; these two functions are the only
place that converts between the wire text and that number.

RFC 3339 allows offsets, so ``9999-12-31T23:59:59-01:00`` is a valid ``date-time`` whose UTC
instant lies in the year 10000, which no ``Z`` date-time (and so no cursor and no live change)
can name. The fake serves the instants from ``FIRST_INSTANT`` to ``LAST_INSTANT`` in UTC, and refuses others
when a chat is loaded, naming the chat and the field, rather than failing mid-walk.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_INSTANT = -62_135_596_800_000  # 0001-01-01T00:00:00.000Z
LAST_INSTANT = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def to_millis(text: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 date-time (any offset; ``Z`` or ``z``).

    Sub-millisecond digits are dropped, as the cursor has millisecond resolution. Raises
    ``ValueError`` for text that is not a date-time, or whose UTC instant is outside
    ``FIRST_INSTANT``..``LAST_INSTANT``.
    """
    moment = datetime.fromisoformat(text.upper())
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    since = moment - _EPOCH  # whole days, seconds and microseconds: integer arithmetic, exact
    millis = (since.days * 86_400 + since.seconds) * 1000 + since.microseconds // 1000
    if not FIRST_INSTANT <= millis <= LAST_INSTANT:
        raise ValueError(f"{text!r} is outside the instants the fake can serve: in UTC it must lie within "
                         f"{to_iso(FIRST_INSTANT)} .. {to_iso(LAST_INSTANT)}")
    return millis


def to_iso(millis: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=millis)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{millis % 1000:03d}Z"


def shifted(text: str, days: int) -> str:
    """An RFC 3339 date-time ``days`` later (earlier if negative), written as ``text`` was: the
    same offset, ``T`` and number of fraction digits (``fake-beeper record --shift-days``).

    Raises ``ValueError`` for text that is not a date-time or a result beyond year 9999.
    """
    match = _DATE_TIME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date-time")
    try:
        moment = datetime.fromisoformat(text.upper()) + timedelta(days=days)
    except OverflowError:
        raise ValueError(f"{text!r} shifted by {days} days is beyond the years 1..9999") from None
    written = (match.group(2) or "")[1:]  # the fraction's digits; past the 6th, kept as they were
    fraction = f".{f'{moment.microsecond:06d}'[:len(written)]}{written[6:]}" if written else ""
    return f"{moment.year:04d}-{moment:%m-%d}{text[10]}{moment:%H:%M:%S}{fraction}{match.group(3)}"


_DATE_TIME = re.compile(r"^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(\.\d+)?(.*)$")
