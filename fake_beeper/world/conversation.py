"""The user's writes to messages: send, edit, delete, react. What a client's reply loop changes.

A send (``POST /v1/chats/{chatID}/messages``) answers ``{chatID, pendingMessageID}`` at once, and
the message is in the chat from then on: under its pending ID with ``sendStatus`` PENDING, the
chat's new ``preview``, the chat at the top of the list. After the plan's ``delay`` (0.1 s unless
a scenario's ``sends`` says otherwise; 0 allowed) it has its final ID and status SUCCESS, or, if
the plan says the sends fail, keeps its pending ID with the plan's failure status. Either ID
retrieves it. Nothing runs in the background: every API request first settles the sends whose
delay has passed (``settle``), so a fake nobody asks does no work, and a test's clock is the
requests it sends.

An edit replaces the text of one of the user's own messages (not one with attachments) and
stamps ``editedTimestamp``; a delete leaves the message in its place with ``isDeleted: true``
and no content (a pending ID is refused: "messages cannot be deleted while sending"); a
reaction is the user's, one per key, in ``reactions`` at once. Where such a change touches a
chat's newest message, the chat's ``preview`` changes with it (its place in the list does not).

Every write is counted against the fake's ``WriteBudget`` (``write_budget.py``), so a client in a
loop cannot make it hold unbounded memory.
The choices the contract leaves open are docs/messages.md's.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from fake_beeper.contract import spec
from fake_beeper.contract.spec import MESSAGE_SCHEMA
from fake_beeper.contract.stages import Stage
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.rich_text import rich_text
from fake_beeper.errors import NotFound, refused
from fake_beeper.timestamps import to_iso, to_millis
from fake_beeper.world.activity import now_millis, put_chat
from fake_beeper.world.messages import MessageBook
from fake_beeper.world.store import ChatStore
from fake_beeper.world.write_budget import WriteBudget

DEFAULT_SEND_DELAY = 0.1  # seconds from a send to its final ID
PENDING_PREFIX = "pending-"
# The send statuses a scenario may make sends end with: the contract's failures.
FAILURES: tuple[str, ...] = tuple(status for status in spec.component("SendStatus")["properties"]["status"]["enum"]
                                  if status.startswith("FAIL"))
_FAILED_MESSAGE = "The message could not be sent (fake-beeper: the scenario's sends.fail)"
# What an attachment's type hint makes of the message and its attachment.
_KINDS: dict[str, tuple[str, str, dict[str, bool]]] = {
    "image": ("IMAGE", "img", {}), "gif": ("IMAGE", "img", {"isGif": True}),
    "sticker": ("STICKER", "img", {"isSticker": True}), "video": ("VIDEO", "video", {}),
    "audio": ("AUDIO", "audio", {}), "voice-note": ("VOICE", "audio", {"isVoiceNote": True}),
    "voiceNote": ("VOICE", "audio", {"isVoiceNote": True}), "file": ("FILE", "unknown", {}),
}


@dataclass(frozen=True)
class SendPlan:
    """How sends end: after ``delay`` seconds, sent, or with the status ``fail`` (for the first
    ``times`` sends from when the plan was set; ``None``: every one)."""

    delay: float = DEFAULT_SEND_DELAY
    fail: str | None = None
    times: int | None = None


@dataclass
class _Pending:
    chat_id: str
    pending_id: str
    due: float  # time.monotonic()
    fails: str | None


@dataclass
class _Sent:
    """The messages a client sent to one chat: their positions, oldest first."""

    positions: list[int] = field(default_factory=list)


class Conversation:
    """The user's writes to the messages of ``book`` (over ``store``), served as ``stage``."""

    def __init__(self, store: ChatStore, book: MessageBook, stage: Stage, *, budget: WriteBudget | None = None,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._budget = budget or WriteBudget()
        self._book = book
        self._stage = stage
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._sent: dict[str, _Sent] = {}
        self._numbers = itertools.count(1)
        self._plan = SendPlan()
        self._failures_left: int | None = None

    @property
    def plan(self) -> SendPlan:
        return self._plan

    @plan.setter
    def plan(self, plan: SendPlan) -> None:
        """A new plan, for the sends from now on (those pending end as they were sent to)."""
        with self._lock:
            self._plan = plan
            self._failures_left = plan.times

    # -- send -----------------------------------------------------------------------------------

    def send(self, chat_id: str, body: Mapping[str, Any]) -> dict[str, str]:
        """``POST /v1/chats/{chatID}/messages`` (``body`` valid against the stage's schema)."""
        text, attachment, reply = body.get("text"), body.get("attachment"), body.get("replyToMessageID")
        if not text and attachment is None:
            raise refused(("body", "text"), "text is required when there is no attachment")
        with self._lock:
            chat = _routed(self._store, self._found(chat_id))
            chat_body = orjson.loads(chat.body)
            linked = None
            if reply is not None:
                try:
                    linked = self._book.locate(chat.id, reply)[2]["id"]
                except NotFound:
                    raise refused(("body", "replyToMessageID"),
                                   f"replyToMessageID {reply!r} is no message of chat {chat.id!r}") from None
            millis = now_millis(self._store, self._clock)
            newest = self._book.newest(chat.id)
            pending_id = f"{PENDING_PREFIX}{next(self._numbers)}"
            message = self._message(chat_body, pending_id, millis, newest[1]["sortKey"] if newest else None)
            if text:
                message["text"] = rich_text(text)
            if attachment is not None:
                kind, attached = _attachment(attachment)
                message.update(type=kind, attachments=[attached])
            if linked is not None:
                message["linkedMessageID"] = linked
            message = self._stage.project(message, MESSAGE_SCHEMA)
            self._budget.spend(_size(message))
            position = self._book.append(chat.id, message)
            chat_body.update(preview=message, lastActivity=to_iso(millis))
            put_chat(self._store, self._stage, chat_body)
            self._sent.setdefault(chat.id, _Sent()).positions.append(position)
            self._pending.append(_Pending(chat.id, pending_id, self._monotonic() + self._plan.delay, self._failing()))
        if self._plan.delay <= 0:
            self.settle()
        return {"chatID": chat.id, "pendingMessageID": pending_id}

    def settle(self) -> None:
        """End every send whose delay has passed: its final ID and SUCCESS, or its failure."""
        if not self._pending:  # every request calls this: nothing to do costs one test
            return
        with self._lock:
            now = self._monotonic()
            due = [pending for pending in self._pending if pending.due <= now]
            if not due:
                return
            self._pending = [pending for pending in self._pending if pending.due > now]
            for pending in due:
                try:
                    self._end(pending)
                except NotFound:  # the chat was removed meanwhile (a live change): nothing to end
                    continue

    def _end(self, pending: _Pending) -> None:
        chat_id, position, message = self._book.locate(pending.chat_id, pending.pending_id)
        status: dict[str, Any] = {"status": pending.fails or "SUCCESS", "timestamp": to_iso(int(self._clock() * 1000))}
        if pending.fails:
            status.update(reason="fake-beeper-scenario", message=_FAILED_MESSAGE)
            ended = {**message, "sendStatus": status}
        else:
            ended = {**message, "id": str(10**9 + int(pending.pending_id.removeprefix(PENDING_PREFIX))),
                     "sendStatus": status}
        self._change(chat_id, position, self._stage.project(ended, MESSAGE_SCHEMA), pending.pending_id)

    def sent(self, chat_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The messages the client sent (to one chat, or to all), oldest first, as they are now."""
        self.settle()
        with self._lock:
            chats = [self._found(chat_id).id] if chat_id is not None else list(self._sent)
            places = [(chat, position) for chat in chats for position in self._sent.get(chat, _Sent()).positions]
        found = []
        for chat, position in places:
            try:
                found.append(self._book.at(chat, position))
            except NotFound:  # removed since
                continue
        return iter(sorted(found, key=lambda message: (to_millis(message["timestamp"]), message["sortKey"])))

    # -- edit, delete, react ----------------------------------------------------------------------

    def edit(self, chat_id: str, message_id: str, text: str) -> dict[str, Any]:
        """``PUT …/messages/{messageID}``: the edited message (with ``messageID`` and ``success``)."""
        with self._lock:
            found_chat, position, message = self._book.locate(self._found(chat_id).id, message_id)
            if not message.get("isSender"):
                raise refused(("path", "messageID"), f"message {message_id!r} is not yours: only your own "
                                                      "messages can be edited")
            if message.get("isDeleted"):
                raise refused(("path", "messageID"), f"message {message_id!r} is deleted")
            if message.get("attachments"):
                raise refused(("path", "messageID"), f"message {message_id!r} has attachments: messages with "
                                                      "attachments cannot be edited")
            edited = self._stage.project({**message, "text": rich_text(text),
                                          "editedTimestamp": to_iso(int(self._clock() * 1000))}, MESSAGE_SCHEMA)
            self._budget.spend(_size(edited))
            self._change(found_chat, position, edited)
        return {**edited, "chatID": found_chat, "messageID": edited["id"], "success": True}

    def delete(self, chat_id: str, message_id: str) -> None:
        """``DELETE …/messages/{messageID}``: the message stays, ``isDeleted`` and without content."""
        with self._lock:
            found_chat, position, message = self._book.locate(self._found(chat_id).id, message_id)
            if message_id.startswith(PENDING_PREFIX):
                raise refused(("path", "messageID"), f"{message_id!r} is a pending message ID: messages cannot "
                                                      "be deleted while sending; use the final ID")
            if message.get("isDeleted"):
                return
            kept = {key: value for key, value in message.items()
                    if key not in ("text", "attachments", "links", "reactions", "mentions", "linkedMessageID")}
            deleted = self._stage.project({**kept, "isDeleted": True}, MESSAGE_SCHEMA)
            self._budget.spend(_size(deleted))
            self._change(found_chat, position, deleted)

    def react(self, chat_id: str, message_id: str, key: str, transaction_id: str | None) -> dict[str, Any]:
        """``POST …/reactions``: the user's reaction ``key`` on a message (once per key)."""
        with self._lock:
            found_chat, position, message = self._book.locate(self._found(chat_id).id, message_id)
            if message.get("isDeleted"):
                raise refused(("path", "messageID"), f"message {message_id!r} is deleted")
            me = _me(self._store, orjson.loads(self._found(found_chat).body))[0]
            reactions = list(message.get("reactions", ()))
            if not any(r["participantID"] == me and r["reactionKey"] == key for r in reactions):
                reactions.append({"id": f"{me}{key}", "participantID": me, "reactionKey": key,
                                  "emoji": not key.isascii()})
                reacted = self._stage.project({**message, "reactions": reactions}, MESSAGE_SCHEMA)
                self._budget.spend(_size(reacted))
                self._change(found_chat, position, reacted)
            transaction = transaction_id or f"txn-{next(self._numbers)}"
        return {"chatID": found_chat, "messageID": message["id"], "reactionKey": key, "success": True,
                "transactionID": transaction}

    def unreact(self, chat_id: str, message_id: str, key: str) -> dict[str, Any]:
        """``DELETE …/reactions/{reactionKey}`` (or the older forms): the user's reaction taken off."""
        with self._lock:
            found_chat, position, message = self._book.locate(self._found(chat_id).id, message_id)
            me = _me(self._store, orjson.loads(self._found(found_chat).body))[0]
            reactions = list(message.get("reactions", ()))
            kept = [r for r in reactions if not (r["participantID"] == me and r["reactionKey"] == key)]
            if len(kept) == len(reactions):
                raise refused(("path", "reactionKey"), f"you have no reaction {key!r} on message {message_id!r}")
            unreacted = self._stage.project({**message, "reactions": kept}, MESSAGE_SCHEMA)
            self._budget.spend(_size(unreacted))
            self._change(found_chat, position, unreacted)
        return {"chatID": found_chat, "messageID": message["id"], "reactionKey": key, "success": True}

    # -- shared ---------------------------------------------------------------------------------------

    def _change(self, chat_id: str, position: int, message: dict[str, Any], *also_known_as: str) -> None:
        """A message changed; where it is the chat's newest, the chat's ``preview`` with it."""
        self._book.replace(chat_id, position, message, *also_known_as)
        newest = self._book.newest(chat_id)
        chat = self._store.get(chat_id)
        if newest is not None and newest[0] == position and chat is not None:
            put_chat(self._store, self._stage, {**orjson.loads(chat.body), "preview": message})

    def _message(self, chat: dict[str, Any], message_id: str, millis: int,
                 newest_sort_key: str | None) -> dict[str, Any]:
        me, name = _me(self._store, chat)
        sort_key = millis // 10 * 3
        if newest_sort_key is not None and newest_sort_key.isdecimal():
            sort_key = max(sort_key, int(newest_sort_key) + 1)
        message: dict[str, Any] = {
            "id": message_id, "accountID": chat["accountID"], "chatID": chat["id"], "senderID": me,
            "sortKey": str(sort_key), "timestamp": to_iso(millis), "isSender": True, "isUnread": False,
            "type": "TEXT", "sendStatus": {"status": "PENDING", "timestamp": to_iso(millis)},
        }
        if name:
            message["senderName"] = name
        return message

    def _failing(self) -> str | None:
        """The failure the next send ends with, if the plan says it fails."""
        if self._plan.fail is None or self._failures_left == 0:
            return None
        if self._failures_left is not None:
            self._failures_left -= 1
        return self._plan.fail

    def _found(self, chat_id: str) -> LoadedChat:
        chat = self._store.find(chat_id)
        if chat is None:
            raise NotFound(f"No chat with ID {chat_id!r}")
        return chat


def _routed(store: ChatStore, chat: LoadedChat) -> LoadedChat:
    """Where a send to ``chat`` goes: the chat, or for a merged chat its ``defaultChatID`` (if in
    this world), else its most recently active member."""
    merge = orjson.loads(chat.body).get("merge")
    if not merge:
        return chat
    default = merge.get("defaultChatID")
    chosen = store.get(default) if default else None
    if chosen is not None:
        return chosen
    members = [member for member in (store.get(chat_id) for chat_id in merge["chatIDs"]) if member is not None]
    if not members:
        raise refused(("path", "chatID"), f"no member chat of merged chat {chat.id!r} is in this fake's world")
    return max(members, key=lambda member: orjson.loads(member.body).get("lastActivity") or "")


def _me(store: ChatStore, chat: Mapping[str, Any]) -> tuple[str, str | None]:
    """The user's ID and name in a chat: its own participant, else its account's user."""
    for person in chat.get("participants", {}).get("items", ()):
        if person.get("isSelf"):
            return person["id"], person.get("fullName")
    account = store.account(chat["accountID"])
    user = orjson.loads(account).get("user") if account is not None else None
    if user:
        return user["id"], user.get("fullName")
    return f"@me:{chat['accountID']}", None


def _attachment(hints: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The message type and the attachment a send's ``attachment`` hints make."""
    hint = hints.get("type") or _hint_of(hints.get("mimeType", ""))
    kind, attachment_type, flags = _KINDS[hint]
    attachment: dict[str, Any] = {"type": attachment_type, "id": f"mxc://fake-beeper/{hints['uploadID']}", **flags}
    for key in ("mimeType", "fileName", "duration", "size"):
        if key in hints:
            attachment[key] = hints[key]
    return kind, attachment


def _hint_of(mime_type: str) -> str:
    """A type hint from a MIME type, as the real app auto-detects one."""
    major = mime_type.partition("/")[0]
    if mime_type == "image/gif":
        return "gif"
    return {"image": "image", "video": "video", "audio": "audio"}.get(major, "file")


def _size(record: Mapping[str, Any]) -> int:
    """What a record written costs the budget: its JSON's length."""
    return len(orjson.dumps(record))

