"""A chat's message history, made on demand from the chat itself: no message exists before it is read.

A history is a pure function of its chat (ID, ``preview``, participants, ``unreadCount``,
``lastReadMessageSortKey``), so the same chat has the same history in every world that holds it,
and a world of a million chats holds no message until one is asked for. Positions run from 0
(the oldest) to ``len(history) - 1`` (the newest); the newest is the chat's ``preview`` as the
chat carries it, and a chat without a ``preview`` has no messages.

Everything a page needs is O(1) per position, without making the messages before it:

* ``timestamp(p)``: strictly older with each step back from the preview, in bursts (a few
  messages seconds to minutes apart, then hours to days of quiet);
* ``sort_key(p)``: increasing with the position. Where the chat's ``lastReadMessageSortKey`` and
  the preview's ``sortKey`` are decimal and allow it, the message ``unreadCount`` steps before the
  newest carries exactly ``lastReadMessageSortKey``, so the unread messages are those after it;
* ``message_id(p)``: decimal, read back to a position by ``position_of_id``;
* ``message(p)``: the whole message, drawn from a generator seeded by (chat, position), in every
  shape ``data/messages.py`` makes (attachments, reactions, links, replies to earlier messages of
  the chat, edits, deletions); the newest ``unreadCount`` are from others and unread.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fake_beeper.data.messages import Essentials, MessageContext, Sender, draw_essentials, history_message
from fake_beeper.data.pools import Pools, pools
from fake_beeper.timestamps import FIRST_INSTANT, to_iso, to_millis

MAX_GENERATED = 12_000  # the longest generated history
_DECIMAL = re.compile(r"[1-9][0-9]{0,17}")
_SORT_KEY_STEP = 1_000  # between generated sort keys, where the preview's leaves room
_ID_BASE = 10**10  # generated IDs from here: apart from the preview IDs data/messages.py draws (< 10**9)
_ID_SPAN = 10**6  # positions per chat in an ID


@dataclass(frozen=True)
class ChatFacts:
    """What a history reads of its chat (from the chat's JSON, once)."""

    chat_id: str
    account_id: str
    is_group: bool
    senders: tuple[Sender, ...]
    preview: Mapping[str, Any] | None
    unread: int
    last_read: str | None

    @classmethod
    def of(cls, chat: Mapping[str, Any]) -> ChatFacts:
        people = chat.get("participants", {}).get("items", [])
        senders = tuple(Sender(p["id"], p.get("fullName"), bool(p.get("isSelf"))) for p in people)
        if not any(not sender.is_self for sender in senders):  # someone has to have written to us
            senders = (*senders, Sender(sender_of(chat), None, False))
        unread = chat.get("unreadCount")
        # "A merged chat holds no messages of its own - read messages from the member chats."
        preview = None if chat.get("merge") else chat.get("preview")
        return cls(chat["id"], chat["accountID"], chat.get("type") == "group", senders, preview,
                   unread if isinstance(unread, int) and unread > 0 else 0, chat.get("lastReadMessageSortKey"))


def sender_of(chat: Mapping[str, Any]) -> str:
    """Who writes to a chat that lists no one else."""
    return f"@someone:{chat['accountID']}"


class History:
    """The generated messages of one chat (positions ``0 .. generated - 1``) and its preview (the
    newest, at ``generated``). Appended messages are the world's (``world/messages.py``)."""

    def __init__(self, facts: ChatFacts, word_pools: Pools | None = None) -> None:
        self.facts = facts
        self._pools = word_pools or pools(0)
        digest = hashlib.blake2b(facts.chat_id.encode("utf-8"), digest_size=8).digest()
        self._seed = int.from_bytes(digest)
        rng = random.Random(self._seed)
        preview = facts.preview
        self._newest_millis = to_millis(preview["timestamp"]) if preview is not None else 0
        self._gap = rng.randrange(10_000, 600_000)  # within a burst
        self._burst = rng.randrange(2, 9)
        self._quiet = rng.randrange(3_600_000, 3 * 86_400_000)  # between bursts
        count = _count(rng) if preview is not None else 0
        room = (self._newest_millis - FIRST_INSTANT) // (self._gap + self._quiet) - 1
        self.generated = max(0, min(count - 1, room, MAX_GENERATED)) if preview is not None else 0
        self._id_base = _ID_BASE + (self._seed % 10**9) * _ID_SPAN
        self._unread = min(facts.unread, self.generated + 1)
        self._sort_keys = self._sort_key_plan()
        self._others = tuple(sender for sender in facts.senders if not sender.is_self)

    def __len__(self) -> int:
        """Generated messages and the preview."""
        return self.generated + (1 if self.facts.preview is not None else 0)

    # -- per position, O(1) -----------------------------------------------------------------------

    def timestamp(self, position: int) -> int:
        """Epoch millis of the message at ``position`` (strictly increasing with it)."""
        back = self.generated - position
        if back <= 0:
            return self._newest_millis
        jitter = ((back * 2_654_435_761) ^ self._seed) % (self._gap // 2)
        return self._newest_millis - back * self._gap - (back // self._burst) * self._quiet - jitter

    def sort_key(self, position: int) -> str:
        if position >= self.generated and self.facts.preview is not None:
            return str(self.facts.preview["sortKey"])
        return self._sort_keys.at(position)

    def message_id(self, position: int) -> str:
        if position >= self.generated and self.facts.preview is not None:
            return str(self.facts.preview["id"])
        return str(self._id_base + position)

    def position_of_id(self, message_id: str) -> int | None:
        """The position of a message of this history by its ID, or ``None``."""
        preview = self.facts.preview
        if preview is not None and message_id == preview["id"]:
            return self.generated
        if not _DECIMAL.fullmatch(message_id):
            return None
        position = int(message_id) - self._id_base
        return position if 0 <= position < self.generated else None

    def position_of_sort_key(self, sort_key: str) -> int | None:
        """The position of the message with this ``sortKey``, or ``None`` (a bisection)."""
        preview = self.facts.preview
        if preview is not None and sort_key == preview["sortKey"]:
            return self.generated
        return self._sort_keys.find(sort_key, self.generated)

    def position_before(self, millis: int) -> int:
        """How many messages are strictly older than ``millis`` (a bisection on the timestamps)."""
        return bisect.bisect_left(range(len(self)), millis, key=self.timestamp)

    def is_unread(self, position: int) -> bool:
        return position > self.generated - self._unread

    def essentials(self, position: int) -> Essentials:
        """The sender, kind and text of the generated message at ``position``: what a search
        reads, for a fraction of the cost of the whole message."""
        return draw_essentials(self._rng(position), self._pools, self._senders(position))

    def message(self, position: int) -> dict[str, Any]:
        """The message at ``position`` in the newest shape of the contract (a fresh dict)."""
        preview = self.facts.preview
        if position >= self.generated and preview is not None:
            return dict(preview)
        facts = self.facts
        rng = self._rng(position)
        essentials = draw_essentials(rng, self._pools, self._senders(position))
        millis = self.timestamp(position)
        context = MessageContext(facts.chat_id, facts.account_id, facts.is_group, facts.senders, millis)
        message = history_message(rng, self._pools, context, essentials)
        message.update(id=self.message_id(position), sortKey=self.sort_key(position), timestamp=to_iso(millis))
        unread = self.is_unread(position)
        if unread or "isUnread" in message:
            message["isUnread"] = unread
        if "linkedMessageID" in message:
            replied = position - 1 - rng.randrange(0, 12)
            if replied >= 0:
                message["linkedMessageID"] = self.message_id(replied)
            else:
                del message["linkedMessageID"]
        return message

    def _rng(self, position: int) -> random.Random:
        return SplitMix(self._seed ^ (position + 1) * 0x9E3779B97F4A7C15)

    def _senders(self, position: int) -> tuple[Sender, ...]:
        """Who may have sent it: anyone in the chat, but an unread message is someone else's."""
        return self._others if self.is_unread(position) else self.facts.senders

    def _sort_key_plan(self) -> _SortKeys:
        """Sort keys below the preview's, through ``lastReadMessageSortKey`` where it fits."""
        preview = self.facts.preview
        newest = str(preview["sortKey"]) if preview is not None else ""
        count = self.generated
        if not _DECIMAL.fullmatch(newest):
            return _SortKeys((), count)
        top = int(newest)
        read = self.facts.last_read
        last_read = count - self._unread  # the position of the last message read
        if (self._unread and read is not None and _DECIMAL.fullmatch(read) and last_read >= 0
                and self._unread <= top - int(read)):
            anchor = int(read)
            above = (top - anchor) // self._unread
            below = min(_SORT_KEY_STEP, anchor // (last_read + 1))
            if below > 0:
                return _SortKeys(((0, anchor - last_read * below, below), (last_read, anchor, above)), count)
        step = min(_SORT_KEY_STEP, top // (count + 1))
        return _SortKeys(((0, top - count * step, step),), count) if step > 0 else _SortKeys((), count)


class _SortKeys:
    """Increasing decimal sort keys of positions ``0 .. count - 1``, in linear runs ``(from
    position, key there, step)``; with no run (the preview's key is not decimal, or too small to
    go below) ``00000001``, ``00000002``… (sortable among themselves only: said in docs/messages.md)."""

    def __init__(self, runs: Sequence[tuple[int, int, int]], count: int) -> None:
        self._runs = tuple(runs)
        self._count = count

    def at(self, position: int) -> str:
        if not self._runs:
            return f"{position + 1:08d}"
        start, key, step = next(run for run in reversed(self._runs) if run[0] <= position)
        return str(key + (position - start) * step)

    def find(self, sort_key: str, count: int) -> int | None:
        if not self._runs:
            position = int(sort_key) - 1 if sort_key.isdigit() and len(sort_key) == 8 else -1
            return position if 0 <= position < count else None
        if not _DECIMAL.fullmatch(sort_key):
            return None
        wanted = int(sort_key)
        position = bisect.bisect_left(range(count), wanted, key=lambda at: int(self.at(at)))
        return position if position < count and int(self.at(position)) == wanted else None


class SplitMix(random.Random):
    """``random.Random`` drawing from SplitMix64 instead of the Mersenne Twister: seeding a Twister
    fills 624 words (3.6 µs, most of the cost of a message's essentials), SplitMix64 sets one.
    Every method of ``random.Random`` works on top of ``random()`` and ``getrandbits()``; the
    values are as good for made-up messages, and the same for the same seed on every machine."""

    def __init__(self, seed: int) -> None:  # no call to Random.__init__, which would seed a Twister
        self._state = seed & _MASK

    def seed(self, a: Any = None, version: int = 2) -> None:
        if not isinstance(a, int):
            raise TypeError("SplitMix is seeded with an integer (a hash of anything else would vary by process)")
        self._state = a & _MASK

    def _next(self) -> int:
        self._state = state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK
        return state ^ (state >> 31)

    def random(self) -> float:
        return (self._next() >> 11) * _TO_UNIT

    def _randbelow(self, n: int) -> int:  # what choice, randrange and sample use: one draw, not a rejection loop
        return (self._next() * n) >> 64 if n < 1 << 32 else super()._randbelow(n)  # type: ignore[misc]

    def getrandbits(self, k: int) -> int:
        bits = 0
        for _ in range((k + 63) // 64):
            bits = (bits << 64) | self._next()
        return bits >> (-k % 64)


_MASK = (1 << 64) - 1
_TO_UNIT = 2.0**-53


def _count(rng: random.Random) -> int:
    """How many messages a chat holds: most a few dozen, some hundreds, a few thousands."""
    roll = rng.random()
    if roll < 0.5:
        return rng.randrange(1, 40)
    if roll < 0.85:
        return rng.randrange(40, 300)
    if roll < 0.98:
        return rng.randrange(300, 2_000)
    return rng.randrange(2_000, MAX_GENERATED)


class GivenHistory:
    """A chat's messages as a fixture file (or a test) gives them, in place of a made ``History``.

    The messages, in the served stage's shape already, are ordered by timestamp, then
    ``sortKey``; the chat's ``preview`` is the newest, added if the file left it out
    (``validate_messages`` holds a file to that). Positions and the lookups are those of
    ``History``; nothing here is made, so every message is read whole (``essentials`` is ``None``).
    """

    def __init__(self, chat: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]) -> None:
        ordered = sorted(messages, key=lambda message: (to_millis(message["timestamp"]), message["sortKey"]))
        preview = None if chat.get("merge") else chat.get("preview")
        if preview is not None and all(message["id"] != preview["id"] for message in ordered):
            ordered.append(preview)
        self._messages = [dict(message) for message in ordered]
        self._millis = [to_millis(message["timestamp"]) for message in ordered]
        self._ids = {message["id"]: position for position, message in enumerate(ordered)}
        self._sort_keys = {message["sortKey"]: position for position, message in enumerate(ordered)}
        self.generated = len(ordered)  # none is made; every one is served as the stage has it

    def __len__(self) -> int:
        return len(self._messages)

    def timestamp(self, position: int) -> int:
        return self._millis[position]

    def sort_key(self, position: int) -> str:
        return str(self._messages[position]["sortKey"])

    def message_id(self, position: int) -> str:
        return str(self._messages[position]["id"])

    def position_of_id(self, message_id: str) -> int | None:
        return self._ids.get(message_id)

    def position_of_sort_key(self, sort_key: str) -> int | None:
        return self._sort_keys.get(sort_key)

    def position_before(self, millis: int) -> int:
        return bisect.bisect_left(self._millis, millis)

    def essentials(self, position: int) -> Essentials | None:
        return None

    def message(self, position: int) -> dict[str, Any]:
        return dict(self._messages[position])
