"""``chat()``: a minimal schema-valid chat for a test to build its own dataset in one line each.

    @pytest.mark.fake_beeper(chats=[
        chat("!family:beeper.local", last_activity="2026-11-20T18:00:00Z", unread_count=3),
        chat("!work:beeper.local", last_activity="2026-11-19T09:30:00Z", account_id="slack"),
    ])

Only the contract's required fields are filled in; anything else goes in ``fields`` under its
wire name (``isArchived=True``, ``preview={...}``) and is validated when the fake loads it.
"""

from __future__ import annotations

from typing import Any


def chat(chat_id: str, *, last_activity: str | None = None, account_id: str = "local-whatsapp_test",
         network: str = "WhatsApp", title: str | None = None, chat_type: str = "single",
         unread_count: int = 0, **fields: Any) -> dict[str, Any]:
    """A chat with the required fields set (participants empty), plus ``fields`` as given."""
    built: dict[str, Any] = {
        "id": chat_id,
        "accountID": account_id,
        "network": network,
        "participants": {"hasMore": False, "items": [], "total": 0},
        "title": chat_id if title is None else title,
        "type": chat_type,
        "unreadCount": unread_count,
    }
    if last_activity is not None:
        built["lastActivity"] = last_activity
    return {**built, **fields}
