"""One chat as ``GET /v1/chats/{chatID}`` shows it.

Retrieve types its result as ``Chat``, not the list's ``ChatListResponse``, so it carries no
``preview`` (nor do search items: ``search.without_preview``). It shows up to
``maxParticipantCount`` participants (``-1``: all), the ones the list shows first and then
the rest of the chat's ``total``, made up from the chat's ID (``data.generate.more_participants``):
``total`` stays the chat's, and ``hasMore`` says whether ``items`` holds fewer than ``total``.
"""

from __future__ import annotations

from typing import Any

import orjson

from fake_beeper.data.generate import more_participants

# "All" participants of a chat whose ``total`` claims more than this are this many (and
# ``hasMore`` stays true): a fixture may say a channel has a million members.
MAX_PARTICIPANTS = 5_000


def retrieved(body: bytes, max_participants: int) -> bytes:
    """A chat's JSON for retrieve: no ``preview``, and ``max_participants`` participants (``-1``: all)."""
    chat: dict[str, Any] = orjson.loads(body)
    chat.pop("preview", None)
    participants = chat["participants"]
    total = participants["total"]
    wanted = min(total if max_participants == -1 else max_participants, total, MAX_PARTICIPANTS)
    items = participants["items"][:wanted]
    if len(items) < wanted:
        items += more_participants(chat, wanted - len(items))
    chat["participants"] = {"hasMore": len(items) < total, "items": items, "total": total}
    return orjson.dumps(chat)
