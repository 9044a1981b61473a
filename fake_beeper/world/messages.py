"""Every chat's messages: ``GET /v1/chats/{chatID}/messages`` and ``…/messages/{messageID}``.

A chat's messages are its ``History`` (``data/history.py``: made on demand from the chat, the
newest being its ``preview``) followed by the messages that arrived since (a live change's new
``preview``). Each chat's messages are numbered by position, oldest first; a page is a range
of positions, so it costs O(limit) whatever its depth, and a cursor names a position: messages
arriving at the head never shift a page of a walk going back in time.

Semantics (the contract leaves them open; docs/messages.md says them):

* no cursor: the newest ``PAGE_SIZE`` messages, newest first;
* ``before`` (the default with a cursor): the messages strictly older than the cursor's; on the
  page that reaches the oldest message ``hasMore`` is false and ``oldestCursor`` null, which
  stops every SDK's pager;
* ``after``: the messages strictly newer, adjacent to the cursor (``behaviour.after=newest``: the
  newest ones), newest first; ``hasMore`` while newer ones remain;
* a cursor is the fake's own (``<millis>|<token>``), a message ID (``beeper/cli`` sends those),
  under the profiles whose SDKs sent them (4.1, js-4.2.3, 4.2) a message's ``sortKey``, or an
  instant: plain epoch millis, or any other ``<millis>|<token>`` (as the chats' cursors).

Histories are kept in a bounded cache (a chat with changes is kept for good), and so are the
JSON of the messages last served, so that a world of a million chats never holds them all.
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from fake_beeper.contract.behaviour import After
from fake_beeper.contract.spec import MESSAGE_SCHEMA
from fake_beeper.contract.stages import LATEST, Stage, stage
from fake_beeper.data.history import ChatFacts, GivenHistory, History
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.messages import Essentials
from fake_beeper.errors import INVALID_CURSOR, INVALID_VALUE, ApiError, Issue, NotFound, invalid_request
from fake_beeper.timestamps import to_millis
from fake_beeper.world import cursors
from fake_beeper.world.message_search import (
    ChatEntry,
    ChatOrder,
    Key,
    MessageFilter,
    ReadLimit,
    chat_entry,
    count_older,
    newest_first,
)
from fake_beeper.world.store import ChatStore, Direction, Page

_AFTER_EVERY_CHAT = "\U0010ffff"  # sorts after every chat ID (IDs are printable; this is not)
SEARCH_READS = 200_000  # messages one search page may read (each a few µs): past it, a 400 or a short page
PAGE_SIZE = 20  # messages on a list page: the contract has no ``limit`` there (since 2025-10)
HISTORIES_KEPT = 4_096  # unchanged histories cached (each a few hundred bytes)
BODIES_KEPT = 8_192  # message JSON cached (about 1 KiB each)
CURSOR_NO_LIMIT = stage("5.0")  # the SDKs' pager sends oldestCursor from here; before, the last sortKey


class Timeline:
    """One chat's messages: its history, then the messages that arrived since."""

    def __init__(self, chat: LoadedChat, stage: Stage, given: Sequence[Mapping[str, Any]] | None = None) -> None:
        """``given``: the chat's messages as a fixture gave them, instead of a made history."""
        body = orjson.loads(chat.body)
        self.history: History | GivenHistory = History(ChatFacts.of(body)) if given is None \
            else GivenHistory(body, given)
        self._stage = stage
        self._arrived: list[dict[str, Any]] = []
        self._changed: dict[int, dict[str, Any]] = {}  # generated messages as the user's writes left them
        self._ids: dict[str, int] = {}  # arrived messages, and every ID a message had (a send's pending one)
        self._seen_body = chat.body
        self.chat_id = chat.id

    def __len__(self) -> int:
        return len(self.history) + len(self._arrived)

    @property
    def changed(self) -> bool:
        return bool(self._arrived or self._changed)

    def append(self, message: dict[str, Any]) -> int:
        """A message sent (in the stage's shape), the newest; its position."""
        position = len(self)
        self._arrived.append(message)
        self._ids[message["id"]] = position
        return position

    def replace(self, position: int, message: dict[str, Any], *also_known_as: str) -> None:
        """The message at ``position`` changed (edited, reacted to, deleted, sent): ``message`` (in
        the stage's shape, the same timestamp), found by its ID and by ``also_known_as`` too."""
        if position >= len(self.history):
            self._arrived[position - len(self.history)] = message
        else:
            self._changed[position] = message
        for message_id in (message["id"], *also_known_as):
            self._ids[message_id] = position

    def follow(self, chat: LoadedChat) -> None:
        """Catch up with the chat as the store now holds it: a new ``preview`` is a message that
        arrived (a live change), the newest."""
        if chat.body is self._seen_body:
            return
        self._seen_body = chat.body
        body = orjson.loads(chat.body)
        preview = None if body.get("merge") else body.get("preview")  # a merged chat holds no messages
        if preview is not None and self.position_of_id(preview["id"]) is None:
            self._ids[preview["id"]] = len(self)
            self._arrived.append(preview)

    def message(self, position: int) -> dict[str, Any]:
        """The message at ``position``, as the stage serves it."""
        if position >= len(self.history):
            return dict(self._arrived[position - len(self.history)])
        if position in self._changed:
            return dict(self._changed[position])
        message = self.history.message(position)
        # the preview is in the stage's shape already, with the chat; a generated one is not
        return message if position == self.history.generated else self._stage.project(message, MESSAGE_SCHEMA)

    def essentials(self, position: int) -> Essentials | None:
        """The essentials of a generated message (``None`` for the preview and later ones: read
        the message itself)."""
        if position >= self.history.generated or position in self._changed:
            return None
        return self.history.essentials(position)

    def millis(self, position: int) -> int:
        if position >= len(self.history):
            return to_millis(self._arrived[position - len(self.history)]["timestamp"])
        return self.history.timestamp(position)

    def position_of_id(self, message_id: str) -> int | None:
        found = self._ids.get(message_id)
        return found if found is not None else self.history.position_of_id(message_id)

    def position_of_sort_key(self, sort_key: str) -> int | None:
        for offset, message in enumerate(self._arrived):
            if message["sortKey"] == sort_key:
                return len(self.history) + offset
        return self.history.position_of_sort_key(sort_key)

    def cursor(self, position: int) -> str:
        return _cursor((-self.millis(position), self.chat_id, -position))


class MessageBook:
    """The messages of every chat in ``store``, served in the shape of ``stage``."""

    def __init__(self, store: ChatStore, *, stage: Stage = LATEST,
                 given: Mapping[str, Sequence[Mapping[str, Any]]] | None = None, generated: bool = True) -> None:
        """``given``: the messages of some chats, by chat ID, as a fixture gave them (in the
        stage's shape); the other chats get histories made from them, or, without ``generated``,
        their ``preview`` alone."""
        self._store = store
        self._stage = stage
        self._given = dict(given or {})
        self._generated = generated
        self._sort_key_cursors = stage.before(CURSOR_NO_LIMIT)
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Timeline] = OrderedDict()  # unchanged: least recently used first
        self._changed: dict[str, Timeline] = {}
        self._bodies: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._order: ChatOrder | None = None  # built by the first search
        self._changes: deque[str] = deque()  # chats changed since: appended under the store's lock
        self.version = 0  # one more for each message sent or changed: what was served before may differ now
        # Each changed chat as it first was, until its messages are read: its history is made from
        # the chat as the world began, whenever it is first read, and what arrived follows it.
        self._originals: dict[str, LoadedChat] = {}
        store.watch(self._changed_chat)

    def _changed_chat(self, chat_id: str, before: LoadedChat | None) -> None:
        """The store's watcher: called under the store's lock, so it takes no lock of its own."""
        self._changes.append(chat_id)
        if before is not None:
            self._originals.setdefault(chat_id, before)

    def timeline(self, chat_id: str) -> Timeline:
        """The messages of the chat with this ID (or ``localChatID``); a 404 if there is none."""
        chat = self._found(chat_id)
        with self._lock:
            return self._timeline(chat)

    def _timeline(self, chat: LoadedChat) -> Timeline:
        timeline = self._changed.get(chat.id)
        if timeline is None:
            timeline = self._kept.pop(chat.id, None) or self._new_timeline(self._originals.pop(chat.id, chat))
        timeline.follow(chat)
        if timeline.changed:
            self._changed[chat.id] = timeline
        else:
            self._kept[chat.id] = timeline
            if len(self._kept) > HISTORIES_KEPT:
                self._kept.popitem(last=False)
        return timeline

    def _new_timeline(self, chat: LoadedChat) -> Timeline:
        given = self._given.get(chat.id)
        if given is None and not self._generated:
            given = ()
        return Timeline(chat, self._stage, given)

    def page(self, chat_id: str, *, cursor: str | None = None, direction: Direction = "before",
             after: After = After.ADJACENT, limit: int = PAGE_SIZE) -> Page:
        """One page of a chat's messages (see the module's docstring)."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            count = len(timeline)
            at = self._position(timeline, cursor, direction) if cursor else None
            if at is None:
                low, high = max(0, count - limit), count - 1  # inclusive
                has_more = low > 0 and direction == "before"
            elif direction == "before":
                low, high = max(0, at - limit), at - 1
                has_more = low > 0
            elif after == After.NEWEST:
                low, high = max(at + 1, count - limit), count - 1
                has_more = low > at + 1
            else:
                low, high = at + 1, min(count - 1, at + limit)
                has_more = high < count - 1
            if high < low:
                return Page([], has_more, None, None)
            bodies = [self._body(timeline, position) for position in range(high, low - 1, -1)]
            oldest = timeline.cursor(low) if low > 0 else None
            return Page(bodies, has_more, oldest, timeline.cursor(high))

    def get(self, chat_id: str, message_id: str) -> bytes:
        """One message of a chat by its ID; a 404 if the chat or the message is unknown."""
        timeline = self.timeline(chat_id)
        with self._lock:
            position = timeline.position_of_id(message_id)
            if position is None:
                raise NotFound(f"No message with ID {message_id!r} in chat {chat_id!r}")
            return self._body(timeline, position)

    # -- the user's writes (``world/conversation.py``), each under the caller's own lock ---------------

    def locate(self, chat_id: str, message_id: str) -> tuple[str, int, dict[str, Any]]:
        """A message by its chat and ID (a pending one too): the chat's ID, its position and the
        message as served; a 404 if either is unknown."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            position = timeline.position_of_id(message_id)
            if position is None:
                raise NotFound(f"No message with ID {message_id!r} in chat {chat_id!r}")
            return chat.id, position, timeline.message(position)

    def at(self, chat_id: str, position: int) -> dict[str, Any]:
        """The message at ``position`` of a chat, as served."""
        chat = self._found(chat_id)
        with self._lock:
            return orjson.loads(self._body(self._timeline(chat), position))  # type: ignore[no-any-return]

    def newest(self, chat_id: str) -> tuple[int, dict[str, Any]] | None:
        """The position and the newest message of a chat, if it has any."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            return (len(timeline) - 1, timeline.message(len(timeline) - 1)) if len(timeline) else None

    def from_others_after(self, chat_id: str, position: int) -> int:
        """How many messages of a chat newer than ``position`` are from others (``-1``: all of them)."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            count = 0
            for at in range(len(timeline) - 1, position, -1):
                essentials = timeline.essentials(at)
                mine = essentials.sender.is_self if essentials is not None else timeline.message(at).get("isSender")
                count += not mine
            return count

    def append(self, chat_id: str, message: dict[str, Any]) -> int:
        """A message sent to a chat (in the stage's shape), its newest; its position. The chat's
        ``preview`` is the caller's to change, after: the timeline knows the message by then."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            position = timeline.append(message)
            self._keep_changed(timeline)
            self.version += 1
            return position

    def replace(self, chat_id: str, position: int, message: dict[str, Any], *also_known_as: str) -> None:
        """The message at ``position`` of a chat is now ``message`` (see ``Timeline.replace``)."""
        chat = self._found(chat_id)
        with self._lock:
            timeline = self._timeline(chat)
            timeline.replace(position, message, *also_known_as)
            self._keep_changed(timeline)
            self._bodies.pop((timeline.chat_id, position), None)
            self.version += 1

    def _keep_changed(self, timeline: Timeline) -> None:
        self._kept.pop(timeline.chat_id, None)
        self._changed[timeline.chat_id] = timeline

    def _found(self, chat_id: str) -> LoadedChat:
        chat = self._store.find(chat_id)  # the store's lock, never inside this one's
        if chat is None:
            raise NotFound(f"No chat with ID {chat_id!r}")
        return chat

    def messages(self, chat_id: str) -> Iterator[dict[str, Any]]:
        """Every message of a chat, newest first (for tests and tools)."""
        timeline = self.timeline(chat_id)
        for position in range(len(timeline) - 1, -1, -1):
            with self._lock:
                body = self._body(timeline, position)
            yield orjson.loads(body)

    def search(self, search: MessageFilter, *, cursor: str | None = None, direction: Direction = "before",
               limit: int = PAGE_SIZE, after: After = After.ADJACENT) -> Page:
        """A page of search results (``message_search.py``), with cursors like the list's."""
        below = _key_of(cursor, direction) if cursor else None
        with self._lock:
            order = self._chat_order()

            def messages_of(chat_id: str) -> Timeline | None:
                chat = self._store.get(chat_id)  # None: removed since the order was brought up to date
                return self._timeline(chat) if chat is not None else None

            results = newest_first(order, search, below if direction == "before" else None, messages_of,
                                   SEARCH_READS)
            if below is not None and direction == "after":  # the results newer than the cursor
                results = itertools.takewhile(lambda result: result[0] < below, results)
            found: list[tuple[Key, dict[str, Any]]] | deque[tuple[Key, dict[str, Any]]]
            found = deque(maxlen=limit + 1) if below is not None and direction == "after" \
                and after == After.ADJACENT else []
            spent = False
            try:
                for result in results:
                    found.append(result)
                    if isinstance(found, list) and len(found) > limit:
                        break
            except ReadLimit:
                if not found or isinstance(found, deque):
                    raise _too_broad() from None
                spent = True  # a page of what was found: the next one goes on from its last result
            if isinstance(found, deque):  # the cursor's neighbours: the oldest of the newer results
                has_more = len(found) > limit
                page = list(found)[-limit:]
            else:
                page, has_more = found[:limit], len(found) > limit or spent
                if direction == "after" and below is None:
                    has_more = False  # nothing is newer than the newest page
            if not page:
                return Page([], has_more, None, None)
            bodies = [orjson.dumps(message) for _, message in page]
            oldest = _cursor(page[-1][0]) if has_more or direction == "after" else None
            return Page(bodies, has_more, oldest, _cursor(page[0][0]))

    def _chat_order(self) -> ChatOrder:
        """The chats by newest message: built once, then brought up to date with the store's changes."""
        if self._order is None:
            self._changes.clear()
            self._order = ChatOrder()
            for loaded in self._store.chats():
                self._order.put(_entry(loaded))
        while self._changes:
            chat_id = self._changes.popleft()
            changed = self._store.get(chat_id)
            if changed is None:
                self._order.discard(chat_id)
            else:
                earlier = self._order.entries.get(chat_id)
                self._order.put(_entry(changed, earlier.senders if earlier is not None else ()))
        return self._order

    def _body(self, timeline: Timeline, position: int) -> bytes:
        key = (timeline.chat_id, position)
        body = self._bodies.get(key)
        if body is None:  # a write that changes the message at a position drops it here (``replace``)
            body = orjson.dumps(timeline.message(position))
            self._bodies[key] = body
            if len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        return body

    def _position(self, timeline: Timeline, cursor: str, direction: Direction) -> int:
        """The position a client's cursor names in ``timeline``, or a 400 saying why it names none."""
        if "|" not in cursor:
            found = timeline.position_of_id(cursor)
            if found is None and self._sort_key_cursors:
                found = timeline.position_of_sort_key(cursor)
            if found is not None:
                return found
        millis, chat_id, position = _place(_key_of(cursor, direction))
        if chat_id == timeline.chat_id:
            return min(position, len(timeline))
        # another chat's place, or a token of another form: the instant it names
        return count_older(timeline, millis) if direction == "before" else count_older(timeline, millis + 1) - 1


def _entry(chat: LoadedChat, senders: Iterable[str] = ()) -> ChatEntry:
    body = orjson.loads(chat.body)
    preview = None if body.get("merge") else body.get("preview")
    return chat_entry(body, to_millis(preview["timestamp"]) if preview is not None else None, senders)


def _cursor(key: Key) -> str:
    """A place among messages, ``<millis>|<token>``: the token is base64 of ``<position>:<chat ID>``."""
    token = base64.urlsafe_b64encode(f"{-key[2]}:{key[1]}".encode()).rstrip(b"=").decode("ascii")
    return f"{-key[0]}|{token}"


def _key_of(cursor: str, direction: Direction) -> Key:
    """The place among messages a cursor names, or a 400.

    A cursor of ``_cursor``'s is a message's place. Any other ``<millis>|<token>`` (another
    server's, the contract's example) and plain epoch millis name the instant ``millis``, between
    messages, as the chats' cursors do: ``before`` it come the messages strictly older, ``after``
    it the strictly newer ones."""
    try:
        position = cursors.decode(cursor)
    except ApiError:
        raise _rejected("cursor is neither <epoch millis>|<token>, nor epoch millis, nor a message ID of "
                        "the chat (nor, before 5.0, a sortKey of its messages)") from None
    at, _, chat_id = (position.chat_id or "").partition(":")
    if at.isdigit() and len(at) <= 9 and chat_id:
        return (-position.millis, chat_id, -int(at))
    return (-position.millis, _AFTER_EVERY_CHAT, 1) if direction == "before" else (-position.millis, "", 1)


def _place(key: Key) -> tuple[int, str, int]:
    """(millis, chat ID, position) of a key."""
    return -key[0], key[1], -key[2]


def _too_broad() -> Exception:
    return invalid_request([Issue(INVALID_VALUE, f"the search read {SEARCH_READS:,} messages without finding "
                                  "the page: narrow it (chatIDs, accountIDs, chatType, dateAfter, dateBefore)",
                                  ("query",))])


def _rejected(reason: str) -> Exception:
    return invalid_request([Issue(INVALID_CURSOR, reason, ("query", "cursor"))])

