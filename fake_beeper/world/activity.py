"""Live changes: what happens in a real inbox while a client pages through it.

* ``message``: a message arrives in a chat; it moves to the top (``lastActivity`` now), gets the
  message as its ``preview`` and one more unread;
* ``new_chat``: a chat appears, at the top;
* ``archive``: a chat is archived (``isArchived: true``; the list still holds it);
* ``remove``: a chat is deleted and leaves the list.

Each change is one ``ChatStore`` operation under its lock, so a page never shows half of one.
A random change draws from the ``Activity``'s own seeded generator: the same seed, the same
changes. Timestamps are the wall clock, but never older than the newest chat, so a message
always moves its chat to the very top, as it would in the app.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import orjson

from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.data import generate_chats
from fake_beeper.data.files import validate_chats
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.messages import MessageContext, Sender, preview_message
from fake_beeper.data.pools import pools
from fake_beeper.timestamps import LAST_INSTANT, to_iso
from fake_beeper.world.store import ChatStore


class Event(StrEnum):
    """A live change: ``fake.activity``'s methods, a scenario's ``activity.events`` and
    ``POST /_fake-beeper/activity`` name them so."""

    MESSAGE = "message"
    NEW_CHAT = "newChat"
    ARCHIVE = "archive"
    REMOVE = "remove"


DEFAULT_WEIGHTS: dict[Event, int] = {Event.MESSAGE: 8, Event.NEW_CHAT: 1, Event.ARCHIVE: 1, Event.REMOVE: 0}
NEW_CHAT_INDEX = 10**8  # generated chats for "newChat" come from far past any dataset's indexes


class Activity:
    """Changes to ``store``, explicit or drawn at random from ``seed``."""

    def __init__(self, store: ChatStore, *, seed: int = 0, clock: Callable[[], float] = time.time,
                 stage: Stage = LATEST) -> None:
        self.store = store
        self._stage = stage  # changed chats take this stage's shape
        self._random = random.Random(seed)
        self._seed = seed
        self._clock = clock
        self._new_chats = 0
        self._lock = threading.Lock()  # one change at a time, so "newest" stays the newest

    def warm_up(self) -> None:
        """Pick the seed's word pools (once per process) ahead of the first message."""
        pools(self._seed)

    def message(self, chat_id: str | None = None, *, text: str | None = None) -> str:
        """A message arrives in ``chat_id`` (a random chat if ``None``); returns the chat's ID."""
        with self._lock:
            chat = self._chat(chat_id)
            body = orjson.loads(chat.body)
            millis = self._now_millis()
            preview = preview_message(self._random, pools(self._seed), _context(body, millis))
            preview.update(isSender=False, isUnread=True)
            if text is not None:
                preview.update(type="TEXT", text=text)
                preview.pop("attachments", None)
            body.update(lastActivity=to_iso(millis), preview=preview, unreadCount=body.get("unreadCount", 0) + 1)
            return self._put(body)

    def new_chat(self, chat: Mapping[str, Any] | None = None) -> str:
        """A chat appears at the top: ``chat`` as given (schema-valid), or a generated one."""
        with self._lock:
            if chat is None:
                chat = next(generate_chats(self._seed, 1, first=NEW_CHAT_INDEX + self._new_chats))
                self._new_chats += 1
            body = {**chat, "lastActivity": to_iso(self._now_millis())}
            return self._put(body)

    def archive(self, chat_id: str | None = None) -> str:
        with self._lock:
            body = orjson.loads(self._chat(chat_id).body)
            body["isArchived"] = True
            return self._put(body)

    def remove(self, chat_id: str | None = None) -> str:
        with self._lock:
            chat = self._chat(chat_id)
            self.store.remove(chat.id)
            return chat.id

    def random_event(self, weights: Mapping[Event, int] | Mapping[str, int]) -> tuple[Event, str]:
        """One change drawn with ``weights`` (by event name); returns (event, chat ID)."""
        weighted = {Event(name): weight for name, weight in weights.items() if weight}
        names = [event for event in Event if event in weighted]
        event = self._random.choices(names, [weighted[name] for name in names])[0]
        if event is not Event.NEW_CHAT and not len(self.store):
            event = Event.NEW_CHAT  # nothing to change yet
        return event, self.apply(event)

    def apply(self, event: Event, chat_id: str | None = None, *, text: str | None = None,
              chat: Mapping[str, Any] | None = None) -> str:
        """One change by its name (``chat_id``: a random chat if ``None``; ``text`` for a message,
        ``chat`` for a new chat); returns the chat's ID."""
        if event is Event.MESSAGE:
            return self.message(chat_id, text=text)
        if event is Event.NEW_CHAT:
            return self.new_chat(chat)
        if event is Event.ARCHIVE:
            return self.archive(chat_id)
        return self.remove(chat_id)

    def _chat(self, chat_id: str | None) -> LoadedChat:
        if chat_id is None:
            chat_id = self.store.random_id(self._random)
        chat = self.store.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise KeyError(f"no chat {chat_id!r}" if chat_id is not None else "the store holds no chats")
        return chat

    def _now_millis(self) -> int:
        return now_millis(self.store, self._clock)

    def _put(self, body: dict[str, Any]) -> str:
        return put_chat(self.store, self._stage, body)


def now_millis(store: ChatStore, clock: Callable[[], float] = time.time) -> int:
    """The time of a change: the clock's, but after the newest chat's, so the changed chat is the
    very top of the list."""
    newest = store.newest_millis()
    now = int(clock() * 1000)
    # Past a chat dated 9999-12-31T23:59:59.999Z there is no later instant: the change ties with it.
    return min(max(now, newest + 1) if newest is not None else now, LAST_INSTANT)


def put_chat(store: ChatStore, stage: Stage, body: dict[str, Any]) -> str:
    """A changed chat into the store: in the stage's shape, and validated like a fixture, so a
    change can never make the fake serve a chat the contract (of its profile) forbids (a
    hand-made ``new_chat`` included); its ID."""
    body = stage.project(body)
    (chat,) = validate_chats([(f"chat {body.get('id')!r} after a change", body)], source="activity",
                             validator=stage.validator())
    store.put(chat)
    return chat.id


def _context(chat: dict[str, Any], millis: int) -> MessageContext:
    people = chat.get("participants", {}).get("items", [])
    senders = tuple(Sender(p["id"], p.get("fullName"), bool(p.get("isSelf"))) for p in people if not p.get("isSelf"))
    if not senders:
        senders = (Sender(f"@someone:{chat['accountID']}", None, False),)
    return MessageContext(chat["id"], chat["accountID"], chat.get("type") == "group", senders, millis)
