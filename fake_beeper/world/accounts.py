"""The accounts of the world, derived from its chats: ``GET /v1/accounts`` and ``/v1/accounts/{id}``.

A fixture file that lists no accounts (``fake-beeper record`` writes them; ``generate`` does not)
holds chats only, so the accounts are read off them, the same way for a file and for generated
data (a generated dataset written to a file serves the same accounts):

* one account per ``accountID`` that a chat names, and no other; an account stays when its last
  chat is removed (as a real account would), and a chat on a new account adds one;
* ``bridge`` from the ID's shape (``bridge_of``), ``network`` from its chats' ``network``;
* ``user``: the ``isSelf`` participant of its newest chat that shows one (without the chat
  membership flags), or a made-up self user if none does;
* ``status`` by the account's place among the world's account IDs in sorted order, cycling
  through ``STATUS_CYCLE``: twelve accounts (the default data) show every status, and most
  accounts are ``connected``; ``statusText`` says the same in words; ``loginID`` is the ``ba_…``
  login an ID carries; ``capabilities`` a few runtime flags of a connected account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

# Twelve places, every status of the contract at least once, ``connected`` the most.
STATUS_CYCLE = ("connected", "connected", "connecting", "connected", "backfilling", "connected",
                "connection_required", "reconnect_required", "connected", "attention_required",
                "disconnected", "disabled")
STATUS_TEXT = {
    "connected": "Connected", "connecting": "Connecting…", "backfilling": "Syncing chat history",
    "connection_required": "Sign in to connect", "reconnect_required": "Sign in again to reconnect",
    "attention_required": "Needs your attention", "disconnected": "Disconnected", "disabled": "Disabled",
}
_PROVIDER_PREFIXES = {"local": "local", "sh": "self-hosted", "sdk": "platform-sdk"}
_MEMBERSHIP_FLAGS = ("isAdmin", "isNetworkBot", "isPending")


def bridge_of(account_id: str) -> dict[str, str]:
    """``AccountBridge`` from an account ID: ``local-whatsapp_ba_…`` is the local bridge
    ``local-whatsapp`` of type ``whatsapp``; ``sh-…``/``sdk-…`` the same for self-hosted and
    platform-SDK bridges (the fake's own forms); ``slackgo.TEAM-USER`` the cloud bridge
    ``slackgo``; any other ID (``matrix``, ``discordgo``) a cloud bridge of its own name."""
    prefix, dash, rest = account_id.partition("-")
    bridge_type = rest.partition("_")[0]
    if dash and prefix in _PROVIDER_PREFIXES and bridge_type:
        return {"id": f"{prefix}-{bridge_type}", "provider": _PROVIDER_PREFIXES[prefix], "type": bridge_type}
    bridge = account_id.partition(".")[0] or account_id
    return {"id": bridge, "provider": "cloud", "type": bridge}


def derive_account(account_id: str, place: int, chats: Iterable[bytes]) -> dict[str, Any]:
    """The ``Account`` of ``account_id``, the ``place``-th of the world's accounts, from its chats'
    JSON (newest first; only read until a self user is found)."""
    network: str | None = None
    user: dict[str, Any] | None = None
    for body in chats:
        chat = orjson.loads(body)
        network = network or chat.get("network")
        me = next((p for p in chat["participants"]["items"] if p.get("isSelf")), None)
        if me is not None:
            user = {key: value for key, value in me.items() if key not in _MEMBERSHIP_FLAGS}
            break
    status = STATUS_CYCLE[place % len(STATUS_CYCLE)]
    account: dict[str, Any] = {
        "accountID": account_id,
        "bridge": bridge_of(account_id),
        "status": status,
        "user": user or {"id": f"@{account_id}:beeper.local", "fullName": "Me", "isSelf": True},
    }
    if status == "connected":
        account["capabilities"] = {"sendMessages": True, "reactions": True, "readReceipts": True,
                                   "typingNotifications": None}
    login = account_id.partition("_")[2]
    if login.startswith("ba_"):
        account["loginID"] = login
    if network is not None:
        account["network"] = network
    account["statusText"] = STATUS_TEXT[status]
    return account

