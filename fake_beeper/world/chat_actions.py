"""The user's changes to chats: create, start, update, archive, read, unread, reminders, notify-anyway.

Each is one change of the store (a chat put back whole, in the stage's shape and validated, as
a live change is: ``activity.put_chat``), so a page never shows half of one, and the chat list,
retrieve and search agree at once. A chat keeps its place in the list for all of them but a new
chat, which appears at the top; the contract leaves the rest open, and these are the fake's
choices (docs/messages.md, "Chat actions"):

* ``archive`` with ``archived`` omitted archives (the SDKs send ``{}`` for ``archive(chat_id)``);
* ``read`` through a message (the newest if none is named): ``lastReadMessageSortKey`` is its
  ``sortKey``, ``unreadCount`` the messages from others after it, ``unreadMentionsCount`` 0 once
  nothing is unread, and ``isMarkedUnread`` false;
* ``unread`` from a message: the messages from others from it on are unread, the one before it
  is the last read; without a message, ``isMarkedUnread`` true and the counts as they were;
* a reminder is the chat's ``reminder``, cleared to ``null``;
* ``notify-anyway`` is for iMessage chats ("Currently intended for iMessage on macOS;
  unsupported networks return an error"): any other is a 400 naming ``chatID``;
* ``PATCH`` sets what it names; a non-empty draft over a non-empty one is a 400 naming
  ``draft`` ("Send draft=null to clear the draft before setting new draft text");
* ``create`` a ``single`` chat with someone the account already has one with, or ``start`` one,
  gives that chat with ``status: existing``; otherwise a new chat, ``status: created``.
  ``messageText`` is sent as its first message.

Each change counts against the fake's ``WriteBudget`` (``write_budget.py``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson

from fake_beeper.contract.stages import Stage
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.rich_text import rich_text
from fake_beeper.errors import NotFound, refused
from fake_beeper.timestamps import to_iso
from fake_beeper.world.activity import now_millis, put_chat
from fake_beeper.world.conversation import Conversation
from fake_beeper.world.messages import MessageBook
from fake_beeper.world.store import ChatStore
from fake_beeper.world.write_budget import WriteBudget

NOTIFY_ANYWAY_NETWORKS = frozenset({"iMessage"})
_USER_KEYS = ("username", "phoneNumber", "email")  # how start finds a user without an ID


class ChatActions:
    """The user's changes to the chats of ``store`` (their messages through ``book`` and
    ``conversation``), served as ``stage``."""

    def __init__(self, store: ChatStore, book: MessageBook, conversation: Conversation, stage: Stage, *,
                 budget: WriteBudget | None = None, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._budget = budget or WriteBudget()  # each changed or created chat is counted
        self._book = book
        self._conversation = conversation
        self._stage = stage
        self._clock = clock
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    # -- state of one chat ---------------------------------------------------------------------------

    def archive(self, chat_id: str, archived: bool | None) -> None:
        self._update(chat_id, {"isArchived": True if archived is None else archived})

    def remind(self, chat_id: str, reminder: Mapping[str, Any]) -> None:
        self._update(chat_id, {"reminder": dict(reminder)})

    def forget_reminder(self, chat_id: str) -> None:
        self._update(chat_id, {"reminder": None})

    def notify_anyway(self, chat_id: str) -> bytes:
        chat = self._chat(chat_id)
        if chat.get("network") not in NOTIFY_ANYWAY_NETWORKS:
            raise refused(("path", "chatID"), f"notify-anyway is not supported on {chat.get('network') or 'this'} "
                                               "network (only iMessage)")
        return self._found(chat_id).body

    def update(self, chat_id: str, fields: Mapping[str, Any]) -> bytes:
        """``PATCH /v1/chats/{chatID}``: the fields named, as given (``null`` clears)."""
        changes = dict(fields)
        if "draft" in changes:
            draft = changes["draft"]
            current = self._chat(chat_id).get("draft")
            if draft is not None and current and (current.get("text") or current.get("attachments")):
                raise refused(("body", "draft"), "the chat has a draft: send draft=null to clear it before "
                                                  "setting a new one")
            changes["draft"] = None if draft is None else _draft(draft)
        if "title" in changes and changes["title"] is None:
            changes.pop("title")  # "null" for a title the chat must have: the title stays
        return self._update(chat_id, changes)

    def read(self, chat_id: str, message_id: str | None) -> bytes:
        """``POST …/read``: read through ``message_id`` (the newest if ``None``)."""
        with self._lock:
            position, sort_key = self._place(chat_id, message_id)
            unread = self._book.from_others_after(self._found(chat_id).id, position)
            changes: dict[str, Any] = {"unreadCount": unread, "isMarkedUnread": False}
            if sort_key is not None:
                changes["lastReadMessageSortKey"] = sort_key
            if unread == 0:
                changes["unreadMentionsCount"] = 0
            return self._put(chat_id, changes)

    def unread(self, chat_id: str, message_id: str | None) -> bytes:
        """``POST …/unread``: unread from ``message_id``, or marked unread if ``None``."""
        with self._lock:
            if message_id is None:
                return self._put(chat_id, {"isMarkedUnread": True})
            position, _ = self._place(chat_id, message_id)
            found = self._found(chat_id).id
            changes: dict[str, Any] = {"unreadCount": self._book.from_others_after(found, position - 1),
                                       "isMarkedUnread": False}
            if position > 0:
                changes["lastReadMessageSortKey"] = self._book.at(found, position - 1)["sortKey"]
            return self._put(chat_id, changes)

    # -- new chats -----------------------------------------------------------------------------------

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v1/chats``: the chat (with ``chatID`` and ``status``)."""
        participants = list(dict.fromkeys(body.get("participantIDs") or ()))
        kind = body.get("type") or ("single" if len(participants) == 1 else "group")
        if kind == "single" and len(participants) != 1:
            raise refused(("body", "participantIDs"), f"a single chat has exactly one other participant, "
                                                       f"not {len(participants)}")
        if not participants:
            raise refused(("body", "participantIDs"), "a chat needs participantIDs")
        return self._open(body["accountID"], participants, kind, body.get("title"), body.get("messageText"))

    def start(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v1/chats/start``: the direct chat with the user the hints name, found or made."""
        account_id, user = body["accountID"], body.get("user") or {}
        user_id = user.get("id") or self._user_by(account_id, user)
        if user_id is None:
            raise NotFound("No user matches " + ", ".join(f"{key} {user[key]!r}" for key in _USER_KEYS if key in user)
                           if any(key in user for key in _USER_KEYS) else "No user to start a chat with: give user.id, "
                           "username, phoneNumber or email")
        return self._open(account_id, [user_id], "single", user.get("fullName"), body.get("messageText"))

    def _open(self, account_id: str, participants: list[str], kind: str, title: str | None,
              message_text: str | None) -> dict[str, Any]:
        if self._store.account(account_id) is None:
            raise refused(("body", "accountID"), f"no account with ID {account_id!r} in this fake's world")
        with self._lock:
            existing = self._single_with(account_id, participants[0]) if kind == "single" else None
            if existing is not None:
                chat_id, status = existing.id, "existing"
            else:
                chat_id, status = self._new_chat(account_id, participants, kind, title), "created"
        if message_text:
            self._conversation.send(chat_id, {"text": message_text})
        return {**orjson.loads(self._found(chat_id).body), "chatID": chat_id, "status": status}

    def _new_chat(self, account_id: str, participants: list[str], kind: str, title: str | None) -> str:
        template = next(self._chats_of(account_id), None)
        me = _self_participant(self._store, account_id, template)
        people = [me, *({"id": person} for person in participants)]
        chat: dict[str, Any] = {
            "id": f"!fake-beeper-{next(self._numbers)}:{account_id}", "accountID": account_id,
            "network": (template or {}).get("network") or _network_of(self._store, account_id),
            "participants": {"hasMore": False, "items": people, "total": len(people)},
            "title": title if title and kind == "group" else (title or ", ".join(participants)),
            "type": kind, "unreadCount": 0, "isArchived": False, "isMuted": False, "isPinned": False,
            "lastActivity": to_iso(now_millis(self._store, self._clock)),
        }
        self._budget.spend(len(orjson.dumps(chat)))
        return put_chat(self._store, self._stage, chat)

    def _single_with(self, account_id: str, user_id: str) -> LoadedChat | None:
        needle = orjson.dumps(user_id)
        for loaded in self._store.chats():
            if needle not in loaded.body:
                continue
            chat = orjson.loads(loaded.body)
            if chat["accountID"] == account_id and chat.get("type") == "single" and not chat.get("merge") and \
                    any(p["id"] == user_id for p in chat["participants"]["items"] if not p.get("isSelf")):
                return loaded
        return None

    def _user_by(self, account_id: str, hints: Mapping[str, Any]) -> str | None:
        wanted = {key: hints[key] for key in _USER_KEYS if hints.get(key)}
        if not wanted:
            return None
        for chat in self._chats_of(account_id):
            for person in chat["participants"]["items"]:
                if not person.get("isSelf") and any(person.get(key) == value for key, value in wanted.items()):
                    return str(person["id"])
        return None

    def _chats_of(self, account_id: str) -> Iterator[dict[str, Any]]:
        needle = orjson.dumps(account_id)
        for loaded in self._store.chats():
            if needle in loaded.body:
                chat = orjson.loads(loaded.body)
                if chat["accountID"] == account_id:
                    yield chat

    # -- shared ------------------------------------------------------------------------------------------

    def _place(self, chat_id: str, message_id: str | None) -> tuple[int, str | None]:
        """The position and ``sortKey`` of a message of the chat (the newest if ``None``); ``-1`` for none."""
        if message_id is None:
            newest = self._book.newest(chat_id)
            return (newest[0], newest[1]["sortKey"]) if newest else (-1, None)
        try:
            _, position, message = self._book.locate(chat_id, message_id)
        except NotFound as exc:
            if self._store.find(chat_id) is None:
                raise
            raise refused(("body", "messageID"), f"messageID {message_id!r} is no message of chat "
                                                  f"{chat_id!r}") from exc
        return position, message["sortKey"]

    def _update(self, chat_id: str, changes: Mapping[str, Any]) -> bytes:
        with self._lock:
            return self._put(chat_id, changes)

    def _put(self, chat_id: str, changes: Mapping[str, Any]) -> bytes:
        changed = {**self._chat(chat_id), **changes}
        self._budget.spend(len(orjson.dumps(changed)))
        changed_id = put_chat(self._store, self._stage, changed)
        return self._found(changed_id).body

    def _chat(self, chat_id: str) -> dict[str, Any]:
        return orjson.loads(self._found(chat_id).body)  # type: ignore[no-any-return]

    def _found(self, chat_id: str) -> LoadedChat:
        chat = self._store.find(chat_id)
        if chat is None:
            raise NotFound(f"No chat with ID {chat_id!r}")
        return chat


def _self_participant(store: ChatStore, account_id: str, template: Mapping[str, Any] | None) -> dict[str, Any]:
    """The user, as a participant of a new chat: as in another chat of the account, else its user."""
    for person in (template or {}).get("participants", {}).get("items", ()):
        if person.get("isSelf"):
            return dict(person)
    account = store.account(account_id)
    user = orjson.loads(account).get("user") if account is not None else None
    return {**(user or {"id": f"@me:{account_id}"}), "isSelf": True}


def _network_of(store: ChatStore, account_id: str) -> str:
    account = store.account(account_id)
    return str(orjson.loads(account).get("network") or "Beeper") if account is not None else "Beeper"


def _draft(draft: Mapping[str, Any]) -> dict[str, Any]:
    """A draft as a client sets it, as the chat carries it (rich text; attachments by their ID)."""
    attachments = {key: {"id": value.get("id") or key, "type": "file",
                         **{name: value[name] for name in ("fileName", "mimeType", "size") if name in value}}
                   for key, value in (draft.get("attachments") or {}).items()}
    return {"text": rich_text(draft["text"]), **({"attachments": attachments} if attachments else {})}

