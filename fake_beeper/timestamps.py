"""Date-times on the wire: ISO 8601 UTC with milliseconds and ``Z``, e.g. ``2026-05-05T20:11:54.000Z``.

The store orders chats by the millisecond of ``lastActivity``; these two functions are the only
place that converts between the wire text and that number.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_millis(text: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 date-time (any offset; ``Z`` or ``z``).

    Sub-millisecond digits are dropped, as the cursor has millisecond resolution.
    Raises ``ValueError`` for text that is not a date-time Python can represent.
    """
    moment = datetime.fromisoformat(text.upper())
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def to_iso(millis: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=millis)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{millis % 1000:03d}Z"
