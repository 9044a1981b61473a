"""The chat store: the order of ``GET /v1/chats``, keyset pages over it (of the list, and of a
search: ``search.py``), and the world's accounts (``accounts.py``).

Chats are kept in one sorted index of entries ``(-lastActivity millis, chat ID, chat)`` (newest
first, ties broken by ID, chats without ``lastActivity`` last; ``loaded.Entry``), plus one such
index per account. A page is a bisection for the cursor and a slice of ``limit`` entries:
O(log n + limit) for all chats, O(k log n + limit log k) for a filter on k accounts (a k-way
merge), with no scan or sort of all chats per request. Each chat's JSON is serialised once, at load.

Semantics (the contract leaves ``after`` open; these are the fake's documented choices):

* no cursor: the newest ``limit`` chats; ``hasMore`` when older ones exist (with ``direction=after``
  there is nothing newer than the newest page, so ``hasMore`` is false);
* ``before`` (the default once a cursor is given): the ``limit`` chats strictly older than the
  cursor, newest first; ``hasMore`` when still older ones remain;
* ``after``: the ``limit`` chats strictly newer than the cursor and adjacent to it, newest first;
  ``hasMore`` when still newer ones remain;
* ``oldestCursor``/``newestCursor`` are the positions of the page's last/first chat, ``null`` on an
  empty page.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sortedcontainers import SortedList

from fake_beeper.contract.behaviour import After
from fake_beeper.contract.spec import ACCOUNT_SCHEMA
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.data.loaded import NO_ACTIVITY, Entry, Key, LoadedChat, entry_of
from fake_beeper.world import cursors
from fake_beeper.world.accounts import derive_account
from fake_beeper.world.cursors import Position
from fake_beeper.world.search import SearchFilter, SearchIndex, without_preview

Direction = Literal["after", "before"]
_FIRST_UNDATED: Key = (-NO_ACTIVITY, "")  # every chat without lastActivity has this key or a later one


@dataclass(frozen=True)
class Page:
    bodies: list[bytes]
    has_more: bool
    oldest_cursor: str | None
    newest_cursor: str | None

    def to_json(self) -> bytes:
        """The response body, assembled from the chats' pre-serialised JSON in one copy."""
        chats = [b","] * (2 * len(self.bodies) - 1) if self.bodies else []
        chats[::2] = self.bodies  # with a comma between each two
        return b"".join((b'{"items":[', *chats, b'],"hasMore":', b"true" if self.has_more else b"false",
                         b',"oldestCursor":', _json_str(self.oldest_cursor),
                         b',"newestCursor":', _json_str(self.newest_cursor), b"}"))


class ChatStore:
    """All chats, ordered as the API lists them."""

    def __init__(self, chats: Iterable[LoadedChat] = (), accounts: Iterable[Mapping[str, Any]] = (), *,
                 stage: Stage = LATEST) -> None:
        """``accounts``: the world's accounts as a fixture file lists them (schema-valid), served
        first; an account only a chat names is derived (``fake_beeper.world.accounts``). Each is
        served in the shape of ``stage``, made once: the chats come in that shape already."""
        self._account_shape = (lambda account: account) if stage.is_latest else \
            functools.partial(stage.project, schema=ACCOUNT_SCHEMA)
        self._build(list(chats), list(accounts))
        self._watchers: list[Callable[[str, LoadedChat | None], None]] = []
        self.version = 0  # one more for each chat put or removed: what was served before may differ now
        # Pages are read on the server's event loop while a test thread may change chats: every
        # read and write holds this lock, so no page ever sees half of a change.
        self._lock = threading.Lock()

    def _build(self, chats: list[LoadedChat], accounts: list[Mapping[str, Any]]) -> None:
        """In bulk (comprehensions, one sort), not chat by chat: 200k chats in a quarter of a second."""
        self._chats: dict[str, LoadedChat] = {chat.id: chat for chat in chats}
        if len(self._chats) != len(chats):
            seen: set[str] = set()
            for chat in chats:
                if chat.id in seen:
                    raise ValueError(f"duplicate chat id {chat.id!r}")
                seen.add(chat.id)
        # One sort of the entries, then one pass that deals each to its account, already in
        # order: 2.5 times cheaper at 1M chats than sorting each account's entries and merging
        # them. (A SortedList built from sorted entries checks their order in one pass.)
        order: list[Entry] = sorted(map(entry_of, chats))
        by_account: dict[str, list[Entry]] = {}
        for entry in order:
            by_account.setdefault(entry[2].account_id, []).append(entry)
        self._order = SortedList(order)
        self._by_account = {account: SortedList(entries) for account, entries in by_account.items()}
        self._search: SearchIndex | None = None  # built by the first search
        # Every account, by its place: the listed ones in their order, then those only a chat
        # names (sorted at load, then in order of arrival); an account outlives its chats. A
        # listed account's JSON is kept; any other's is derived on first request.
        self._account_bodies = {account["accountID"]: orjson.dumps(self._account_shape(dict(account)))
                                for account in accounts}
        named = sorted(account for account in by_account if account not in self._account_bodies)
        self._account_places = {account: place for place, account in enumerate([*self._account_bodies, *named])}

    def __len__(self) -> int:
        return len(self._order)

    def get(self, chat_id: str) -> LoadedChat | None:
        return self._chats.get(chat_id)

    @property
    def account_ids(self) -> list[str]:
        return sorted(self._by_account)

    def ordered_ids(self, account_ids: Sequence[str] | None = None, *, undated: bool = True) -> list[str]:
        """Every chat ID in list order (for tests and tools; O(n)); ``undated=False`` leaves
        chats without ``lastActivity`` out, as pages then do."""
        below = None if undated else _FIRST_UNDATED
        with self._lock:
            runs = [index.irange(maximum=below, inclusive=(True, False)) for index in self._indexes(account_ids)]
            return [key[1] for key in heapq.merge(*runs)]

    def chats(self) -> list[LoadedChat]:
        """Every chat, in no particular order (O(n): for indexes built once)."""
        with self._lock:
            return list(self._chats.values())

    def random_id(self, rng: random.Random) -> str | None:
        """A chat ID drawn with ``rng`` (O(log n)); ``None`` if there are no chats."""
        with self._lock:
            return self._order[rng.randrange(len(self._order))][1] if self._order else None

    def newest_millis(self) -> int | None:
        """The most recent ``lastActivity``, as epoch millis (``None`` if no chat has one)."""
        with self._lock:
            if not self._order or -self._order[0][0] == NO_ACTIVITY:
                return None
            return int(-self._order[0][0])

    # -- accounts ------------------------------------------------------------------------------

    def accounts(self) -> list[bytes]:
        """The JSON of every account of the world (``fake_beeper.world.accounts``), in place order."""
        with self._lock:
            return [self._account(account) for account in self._account_places]

    def account(self, account_id: str) -> bytes | None:
        with self._lock:
            return self._account(account_id) if account_id in self._account_places else None

    def _account(self, account_id: str) -> bytes:
        body = self._account_bodies.get(account_id)
        if body is None:
            keys = self._by_account.get(account_id, ())
            chats = (entry[2].body for entry in keys)
            account = derive_account(account_id, self._account_places[account_id], chats)
            body = self._account_bodies[account_id] = orjson.dumps(self._account_shape(account))
        return body

    # -- live changes: O(log n) each -----------------------------------------------------------

    def watch(self, changed: Callable[[str, LoadedChat | None], None]) -> None:
        """Call ``changed(chat_id, before)`` after each chat put or removed, with the chat as it was
        (``None``: there was none). Under the store's lock: it must not wait for a lock of its own
        that is held while calling the store."""
        self._watchers.append(changed)

    def put(self, chat: LoadedChat) -> None:
        """Add ``chat``, or replace the chat with its ID; a new ``lastActivity`` moves it."""
        with self._lock:
            before = self._chats.get(chat.id)
            self._discard(chat.id)
            self._chats[chat.id] = chat
            entry = entry_of(chat)
            self._order.add(entry)
            self._by_account.setdefault(chat.account_id, SortedList()).add(entry)
            self._account_places.setdefault(chat.account_id, len(self._account_places))
            if self._search is not None:
                self._search.add(entry)
            self.version += 1
            for changed in self._watchers:
                changed(chat.id, before)

    def remove(self, chat_id: str) -> bool:
        """Take a chat out of the list; ``False`` if there was none with that ID."""
        with self._lock:
            before = self._chats.get(chat_id)
            removed = self._discard(chat_id)
            self.version += 1
            for changed in self._watchers:
                changed(chat_id, before)
            return removed

    def _discard(self, chat_id: str) -> bool:
        old = self._chats.pop(chat_id, None)
        if old is None:
            return False
        entry = entry_of(old)
        self._order.remove(entry)
        account = self._by_account[old.account_id]
        account.remove(entry)
        if not account:
            del self._by_account[old.account_id]
        if self._search is not None:
            self._search.discard(chat_id)
        return True

    def page(self, *, cursor: Position | None = None, direction: Direction = "before", limit: int = 25,
             account_ids: Sequence[str] | None = None, after: After = After.ADJACENT,
             undated: bool = True) -> Page:
        """One page (see the module's docstring). ``after="newest"`` makes an ``after`` page the
        newest ``limit`` chats newer than the cursor, and ``undated=False`` leaves chats without
        ``lastActivity`` out (``fake_beeper.contract.behaviour``)."""
        with self._lock:
            return self._page(self._indexes(account_ids), _Range(), None, cursor, direction, limit, after, undated)

    def search(self, search: SearchFilter, *, cursor: Position | None = None, direction: Direction = "before",
               limit: int = 50, after: After = After.ADJACENT, undated: bool = True) -> Page:
        """A page of the chats ``search`` keeps, in list order, with the list's cursors, each chat
        without its ``preview`` (``fake_beeper.world.search``). The first search builds the search index."""
        with self._lock:
            index = self._search_index()
            indexes = index.candidates(search, [self._order], self._by_account)

            def searched(entry: Entry) -> bytes:
                return without_preview(entry[2].body, index.facets[entry[1]])

            return self._page(indexes, _date_range(search), index.keeps(search), cursor, direction, limit,
                              after, undated, searched)

    def _search_index(self) -> SearchIndex:
        if self._search is None:
            self._search = SearchIndex(self._order)
        return self._search

    def find(self, chat_id: str) -> LoadedChat | None:
        """The chat with this ID, or else with this ``localChatID`` ("Input routes also accept the
        local chat ID from this installation"); O(1). Only an ID that is not a Matrix room ID
        (``!…``) is looked up as a local one, which builds the search index the first time."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None and chat_id and not chat_id.startswith("!"):
                found = self._search_index().by_local_id.get(chat_id)
                chat = self._chats.get(found) if found is not None else None
            return chat

    def _page(self, indexes: list[SortedList], dates: _Range, keep: Callable[[Entry], bool] | None,
              cursor: Position | None, direction: Direction, limit: int, after: After,
              undated: bool, body: Callable[[Entry], bytes] | None = None) -> Page:
        """``body``: what a chat's entry serves as (its chat's body if ``None``, read in place: a
        call per chat cost a page of 25 chats 0.7 µs)."""
        # Leaving the undated chats out, a cursor and a date range are all bounds on the keys.
        window = dates.below(_FIRST_UNDATED) if not undated else dates
        if cursor is None:
            keys, has_more = _first(indexes, window, limit, keep)
            if direction == "after":
                has_more = False  # nothing is newer than the newest page
        elif direction == "before":
            keys, has_more = _first(indexes, window.above(_older_than(cursor)), limit, keep)
        elif after == After.NEWEST:
            keys, has_more = _first(indexes, window.below(_newer_than(cursor)), limit, keep)
        else:
            keys, has_more = _last(indexes, window.below(_newer_than(cursor)), limit, keep)
        if not keys:
            return Page([], has_more, None, None)
        bodies = [entry[2].body for entry in keys] if body is None else [body(entry) for entry in keys]
        return Page(bodies, has_more, _cursor_at(keys[-1]), _cursor_at(keys[0]))

    def _indexes(self, account_ids: Sequence[str] | None) -> list[SortedList]:
        if account_ids is None:
            return [self._order]
        return [self._by_account[a] for a in dict.fromkeys(account_ids) if a in self._by_account]


@dataclass(frozen=True)
class _Range:
    """The entries from key ``low`` on and below key ``high``; ``None``: unbounded. A bound is a
    key and an entry a key and its chat, so no entry equals a bound: the key sorts just before."""

    low: Key | None = None
    high: Key | None = None

    def above(self, key: Key) -> _Range:
        return self if self.low is not None and self.low >= key else _Range(key, self.high)

    def below(self, key: Key) -> _Range:
        return self if self.high is not None and self.high <= key else _Range(self.low, key)

    def runs(self, indexes: list[SortedList], *, reverse: bool = False) -> list[Iterator[Entry]]:
        if self.low is None and self.high is None and not reverse:
            return [iter(index) for index in indexes]
        return [index.irange(minimum=self.low, maximum=self.high, inclusive=(True, False),
                             reverse=reverse) for index in indexes]


def _date_range(search: SearchFilter) -> _Range:
    """``lastActivityAfter``/``Before`` as key bounds (newer activity is a lower key); either one
    leaves the undated chats out."""
    if search.after_millis is None and search.before_millis is None:
        return _Range()
    window = _Range(high=_FIRST_UNDATED)
    if search.after_millis is not None:  # millis > after (or >=): keys below (-after, "")
        window = window.below((-search.after_millis + (1 if search.inclusive_bounds else 0), ""))
    if search.before_millis is not None:  # millis < before (or <=): keys from (-before + 1, "")
        window = window.above((-search.before_millis + (0 if search.inclusive_bounds else 1), ""))
    return window


def _cursor_at(key: Key | Entry) -> str:
    return cursors.encode(-key[0], key[1])


def _older_than(cursor: Position) -> Key:
    """The bound for ``before``: every chat from it on in list order is older. After a chat's
    own cursor, that is its ID followed by NUL, the first string after the ID (a bound that
    excluded the key itself would still take its chat's entry, which sorts after it)."""
    if cursor.chat_id is None:  # plain millis: everything strictly before that instant
        return (-cursor.millis + 1, "")
    return (-cursor.millis, cursor.chat_id + "\0")


def _newer_than(cursor: Position) -> Key:
    """The bound for ``after``: keys strictly below it in list order are newer."""
    return (-cursor.millis, "" if cursor.chat_id is None else cursor.chat_id)


def _first(indexes: list[SortedList], window: _Range, limit: int,
           keep: Callable[[Entry], bool] | None) -> tuple[list[Entry], bool]:
    """The first ``limit`` entries of ``window`` across ``indexes`` that ``keep`` keeps, and
    whether more follow."""
    # `irange` walks from a key without SortedList's positional index, which a bisect-then-islice
    # would consult: a deep page then costs the same as the first.
    runs = window.runs(indexes)
    keys = _kept(runs, keep, limit + 1, reverse=False)
    return keys[:limit], len(keys) > limit


def _last(indexes: list[SortedList], window: _Range, limit: int,
          keep: Callable[[Entry], bool] | None) -> tuple[list[Entry], bool]:
    """The last ``limit`` kept entries of ``window`` (in list order), and whether more precede."""
    keys = _kept(window.runs(indexes, reverse=True), keep, limit + 1, reverse=True)
    page = keys[:limit]
    page.reverse()
    return page, len(keys) > limit


def _kept(runs: list[Iterator[Entry]], keep: Callable[[Entry], bool] | None, count: int, *,
          reverse: bool) -> list[Entry]:
    """The first ``count`` entries of the merged ``runs`` that ``keep`` keeps, each once."""
    if keep is None:  # a list page: each run holds a chat at most once, and no run can hold more
        runs = [itertools.islice(run, count) for run in runs]
    if len(runs) == 1:  # one index (no filter, or one account) needs no merge: the common case
        merged: Iterator[Entry] = runs[0]
    elif keep is None:
        merged = heapq.merge(*runs, reverse=reverse)
    else:  # search candidates may come from overlapping indexes (unread and marked unread)
        merged = (key for key, _ in itertools.groupby(heapq.merge(*runs, reverse=reverse)))
    if keep is not None:
        merged = filter(keep, merged)
    return list(itertools.islice(merged, count))


def _json_str(value: str | None) -> bytes:
    if value is None:
        return b"null"
    return b'"' + value.encode() + b'"'  # cursors are ASCII without quotes or backslashes
