"""``GET /v1/messages/search``: the messages of every chat, newest first, through the filters.

Results are ordered by (timestamp, newest first; chat ID; the chat's own order), and a cursor
names a place in that order, as the list's do. No message is indexed: a search merges the
chats' histories lazily, newest first, the way a k-way merge of sorted runs does. Chats are
taken in order of their newest message (an index of the chats, built on the first search and
kept up to date by the store's changes), and a chat's next message enters the merge only when
it could be the next result, so a first page reads about as many messages as it takes to find
``limit`` matches.

Where the contract is silent, the fake's choices (docs/messages.md):

* ``query``: every word must be a word of the message's text (HTML tags aside), in any order;
  words are runs of letters, digits and ``_``, compared case-insensitively (Unicode folding);
* ``sender``: ``me`` is the user's own messages (``isSender``, or sent by the chat's
  ``isSelf`` participant), ``others`` the rest, anything else a ``senderID``;
* ``mediaTypes``: ``image`` an ``img`` attachment, ``video`` a ``video`` one, ``file`` an ``audio``
  or ``unknown`` one, ``link`` a link preview, ``any`` any of these;
* ``excludeLowPriority`` (default true) leaves out the chats marked ``isLowPriority``,
  ``includeMuted=false`` the ``isMuted`` ones; ``chatIDs`` takes chat IDs and local chat IDs;
* deleted and hidden messages are never found; ``dateAfter``/``dateBefore`` are exclusive.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sortedcontainers import SortedList

from fake_beeper.data.history import sender_of
from fake_beeper.data.messages import Essentials

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+")
_CACHED_TEXT = 512  # characters: longer texts (a query, a long message that arrived) are not kept
_MEDIA = {"img": "image", "video": "video", "audio": "file", "unknown": "file"}
# The kinds of message (``data/messages.py``) that can have each media type.
_KINDS_OF = {"image": {"IMAGE", "STICKER"}, "video": {"VIDEO"}, "file": {"VOICE", "AUDIO", "FILE"}, "link": {"TEXT"}}
_KINDS_OF["any"] = set().union(*_KINDS_OF.values())

Key = tuple[int, str, int]  # (-millis, chat ID, -position): ascending is newest first


@dataclass(frozen=True)
class MessageFilter:
    """The filters of one message search, as parsed from its query string (``query.py``)."""

    account_ids: frozenset[str] | None = None  # sets: a query may name hundreds, and every chat is tested
    chat_ids: frozenset[str] | None = None
    chat_type: str | None = None  # "single" | "group" | None: any
    after_millis: int | None = None  # exclusive
    before_millis: int | None = None  # exclusive
    exclude_low_priority: bool = True
    include_muted: bool = True
    media_types: frozenset[str] = frozenset()  # empty: no media filter
    words: frozenset[str] = frozenset()  # casefolded
    sender: str | None = None  # "me" | "others" | a user ID | None

    def keeps_chat(self, facts: ChatEntry) -> bool:
        if self.account_ids is not None and facts.account_id not in self.account_ids:
            return False
        if self.chat_ids is not None and facts.chat_id not in self.chat_ids and facts.local_id not in self.chat_ids:
            return False
        if self.chat_type is not None and facts.type != self.chat_type:
            return False
        if self.exclude_low_priority and facts.low_priority:
            return False
        if self.sender not in (None, "me", "others") and self.sender not in facts.senders:
            return False
        return self.include_muted or not facts.muted

    def could_keep(self, essentials: Essentials) -> bool:
        """Whether a message with these essentials may be a result (``keeps`` decides): a test
        a search makes of every message it passes, before making the message whole."""
        if self.sender is not None and not _sender_is(self.sender, essentials.sender.id, essentials.sender.is_self):
            return False
        if self.media_types and not any(essentials.kind in _KINDS_OF[media] for media in self.media_types):
            return False
        return not self.words or self.words <= words_of(essentials.text or "")

    def keeps(self, message: Mapping[str, Any], own: frozenset[str]) -> bool:
        """Whether this message (of a chat whose user is ``own``) is a result."""
        if message.get("isDeleted") or message.get("isHidden"):
            return False
        mine = bool(message.get("isSender")) or message["senderID"] in own
        if self.sender is not None and not _sender_is(self.sender, message["senderID"], mine):
            return False
        if self.media_types and not self.media_types & media_of(message):
            return False
        return not self.words or self.words <= words_of(message.get("text") or "")


def _sender_is(wanted: str, sender_id: str, mine: bool) -> bool:
    """``sender``: ``me``, ``others``, or a user ID."""
    if wanted == "me":
        return mine
    return not mine if wanted == "others" else sender_id == wanted


def words_of(text: str) -> frozenset[str]:
    """The words of a message's text (or a query), folded: what ``query`` matches. A query's are
    tested against each message as a set (``<=`` gives up at once on a message with fewer words),
    so a query of thousands of words costs what one word costs."""
    return _short_words(text) if len(text) <= _CACHED_TEXT else _words(text)


@functools.lru_cache(maxsize=16_384)  # generated texts come from word pools: most repeat
def _short_words(text: str) -> frozenset[str]:
    return _words(text)


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(_TAG.sub(" ", text).casefold()))


def media_of(message: Mapping[str, Any]) -> set[str]:
    """The ``mediaTypes`` a message has (``any`` among them when it has one)."""
    found = {_MEDIA[attachment["type"]] for attachment in message.get("attachments") or ()
             if attachment.get("type") in _MEDIA}
    if message.get("links"):
        found.add("link")
    return found | {"any"} if found else found


@dataclass(frozen=True)
class ChatEntry:
    """What a search reads of one chat, read once from its JSON."""

    chat_id: str
    account_id: str
    type: str
    low_priority: bool
    muted: bool
    local_id: str | None
    newest: int | None  # millis of its newest message; None: no messages
    own: frozenset[str]  # the user's own participant IDs
    senders: frozenset[str]  # everyone who may have sent one of its messages


def chat_entry(chat: Mapping[str, Any], newest: int | None, senders: Iterable[str] = ()) -> ChatEntry:
    """``senders``: who else sent messages to it (the senders of messages that arrived before)."""
    people = chat.get("participants", {}).get("items", ())
    preview = chat.get("preview") or {}
    named = {p["id"] for p in people} | {sender_of(chat)} | ({preview["senderID"]} if preview else set())
    return ChatEntry(chat["id"], chat["accountID"], chat.get("type", ""), bool(chat.get("isLowPriority")),
                     bool(chat.get("isMuted")), chat.get("localChatID"), newest,
                     frozenset(p["id"] for p in people if p.get("isSelf")), frozenset(named.union(senders)))


class Messages(Protocol):
    """What the merge reads of a chat's messages (``messages.Timeline`` is one)."""

    def __len__(self) -> int: ...

    def millis(self, position: int) -> int: ...

    def message(self, position: int) -> dict[str, Any]: ...

    def essentials(self, position: int) -> Essentials | None: ...


class ChatOrder:
    """The chats in order of their newest message, and each one's ``ChatEntry``."""

    def __init__(self) -> None:
        self.order: SortedList = SortedList()  # (-newest millis, chat ID)
        self.entries: dict[str, ChatEntry] = {}

    def put(self, entry: ChatEntry) -> None:
        self.discard(entry.chat_id)
        self.entries[entry.chat_id] = entry
        if entry.newest is not None:
            self.order.add((-entry.newest, entry.chat_id))

    def discard(self, chat_id: str) -> None:
        old = self.entries.pop(chat_id, None)
        if old is not None and old.newest is not None:
            self.order.remove((-old.newest, chat_id))


class ReadLimit(Exception):
    """A search read as many messages as it may (``budget``)."""


def newest_first(order: ChatOrder, search: MessageFilter, below: Key | None,
                 messages_of: Callable[[str], Messages | None],
                 budget: int) -> Iterator[tuple[Key, dict[str, Any]]]:
    """Every result strictly after ``below`` in result order (newest first), lazily;
    ``messages_of(chat_id)`` gives a chat's messages. Past ``budget`` messages read (results or
    not), ``ReadLimit``: a search that finds little must not hold the server."""
    heap: list[tuple[Key, Messages, ChatEntry]] = []
    chats = (order.entries[chat_id] for _, chat_id in order.order)
    pending = next(chats, None)
    while True:
        while pending is not None and (not heap or (-(pending.newest or 0), pending.chat_id, 0) < heap[0][0]):
            if search.after_millis is not None and (pending.newest or 0) <= search.after_millis:
                pending = None  # this chat and every later one hold nothing after dateAfter
                break
            if search.keeps_chat(pending):
                timeline = messages_of(pending.chat_id)
                start = _start(timeline, pending.chat_id, below, search.before_millis) if timeline is not None else -1
                if timeline is not None and start >= 0:
                    heapq.heappush(heap, ((-timeline.millis(start), pending.chat_id, -start), timeline, pending))
            pending = next(chats, None)
        if not heap:
            return
        key, timeline, entry = heapq.heappop(heap)
        budget -= 1
        if budget < 0:
            raise ReadLimit
        millis, position = -key[0], -key[2]
        if search.after_millis is not None and millis <= search.after_millis:
            continue  # this chat has nothing newer than dateAfter left
        if position > 0:
            heapq.heappush(heap, ((-timeline.millis(position - 1), entry.chat_id, -(position - 1)), timeline, entry))
        essentials = timeline.essentials(position)
        if essentials is not None and not search.could_keep(essentials):
            continue
        message = timeline.message(position)
        if search.keeps(message, entry.own):
            yield key, message


def _start(timeline: Messages, chat_id: str, below: Key | None, before_millis: int | None) -> int:
    """The newest position of a chat strictly after ``below`` in result order and before
    ``before_millis``; -1 if none."""
    count = len(timeline)
    start = count - 1
    if before_millis is not None:
        start = min(start, count_older(timeline, before_millis) - 1)
    if below is not None:
        millis, after_chat, position = -below[0], below[1], -below[2]  # position -1: an instant
        if chat_id > after_chat:
            limit = count_older(timeline, millis + 1)  # ties with the cursor's instant come after it
        elif chat_id == after_chat:
            limit = min(count_older(timeline, millis + 1), position)
        else:
            limit = count_older(timeline, millis)
        start = min(start, limit - 1)
    return start


def count_older(timeline: Messages, millis: int) -> int:
    """How many of the chat's messages are strictly older than ``millis``."""
    low, high = 0, len(timeline)
    while low < high:
        middle = (low + high) // 2
        if timeline.millis(middle) < millis:
            low = middle + 1
        else:
            high = middle
    return low
