"""A chat as the world keeps it: validated, its sort key read once, its JSON serialised once.

The data layer makes ``LoadedChat``s (generated, read from a file, projected to a stage) and the
world orders and serves them: this module is where the two meet, and what both may import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from fake_beeper.timestamps import FIRST_INSTANT, to_millis

Key = tuple[int, str]  # (-millis, chat ID): ascending order is the list's order
NO_ACTIVITY = FIRST_INSTANT - 1  # one millisecond before 0001-01-01T00:00:00Z: after every dated chat


class LoadedChat(Mapping[str, Any]):
    """A validated chat as the store keeps it: its ID, account, ``lastActivity`` (epoch millis,
    ``None`` if absent) and its JSON ``body``, serialised once.

    It reads like the chat's dict (``chat["title"]``, ``dict(chat)``), parsed from ``body`` on
    each access, so a test can look at served chats without the store holding two copies.
    """

    __slots__ = ("account_id", "body", "id", "last_activity")

    def __init__(self, id: str, account_id: str, last_activity: int | None, body: bytes) -> None:
        self.id = id
        self.account_id = account_id
        self.last_activity = last_activity
        self.body = body

    def to_dict(self) -> dict[str, Any]:
        """A fresh dict of the chat, to change and build another chat from."""
        chat: dict[str, Any] = orjson.loads(self.body)
        return chat

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __repr__(self) -> str:
        return f"LoadedChat(id={self.id!r}, account_id={self.account_id!r}, last_activity={self.last_activity!r})"


def to_loaded(chat: dict[str, Any], raw: bytes | None = None) -> LoadedChat:
    """Turn one schema-valid chat into what the store keeps: its JSON, ``raw`` or serialised here.

    Raises ``ValueError`` for a ``lastActivity`` outside what epoch millis can hold.
    """
    last_activity = to_millis(chat["lastActivity"]) if "lastActivity" in chat else None
    if raw is None:
        # A copy, exact to the byte: the bytes orjson returns keep its growth slack in the
        # allocator, and across 100k chats that held 9.0 KiB of memory per chat instead of 3.3.
        raw = bytes(memoryview(orjson.dumps(chat)))
    return LoadedChat(chat["id"], chat["accountID"], last_activity, raw)


def list_order(chat: LoadedChat) -> Key:
    """The sort key of ``chat`` in ``GET /v1/chats`` order (newest first, then by ID)."""
    millis = chat.last_activity if chat.last_activity is not None else NO_ACTIVITY
    return (-millis, chat.id)


# A chat in the store's sorted indexes: its key, then the chat itself, so that a page takes its
# chats from the index it walks, with no lookup by ID (a lookup far from the last one costs as
# much as the rest of the chat's share of the page). IDs are unique, so two entries never compare
# beyond their keys, and a key as a bound sorts before its own chat's entry.
Entry = tuple[int, str, "LoadedChat"]


def entry_of(chat: LoadedChat) -> Entry:
    return (*list_order(chat), chat)


MAX_ID_BYTES = 1536  # what a cursor's token of at most 2,048 base64 characters can carry


def unservable_id(chat_id: str) -> str | None:
    """Why a chat with this ID could not be served (its cursors would be refused), or ``None``."""
    if not chat_id:
        return "an empty ID"
    if not chat_id.isprintable():
        return "an ID with control or format characters"
    if len(chat_id.encode("utf-8")) > MAX_ID_BYTES:
        return f"an ID over {MAX_ID_BYTES} bytes"
    return None
