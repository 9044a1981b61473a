"""``GET /v1/chats/search``: what a search filter keeps, and the indexes that find it fast.

A search page is a list page over fewer chats: the same keys ``(-lastActivity millis, chat ID)``,
the same cursors and order (``store.py``). The indexes here are sorted lists of those keys, one
per value of each filter that can use one (type, inbox, unread, marked unread, label; the store
already keeps one per account). A search walks the smallest index its filters allow, between the
key bounds of its date range, and tests every other filter on each chat's ``ChatFacets``, a few
fields read once from the chat's JSON. ``query`` has no index: it is a substring test on the
candidates' folded titles and names, so its cost is a scan of the candidates (``make bench``
shows it at 100k chats).

The index is built on the first search (20 to 30 µs a chat: each chat is parsed once; 13 ms for the
default data, 2 to 3 s for 100k chats), so a fake that only lists chats never pays for it, and it
follows every live change after that.

Where the contract is silent, the fake's choices (docs/behaviour.md, "What the fake does"):

* ``query``: case-insensitive (Unicode case folding), every word must match, each in any field
  of the scope; a word matches at the start of a word (``behaviour.searchMatch=substring``:
  anywhere). Words are runs of letters, digits and ``_``; no diacritics folding. An empty
  ``query`` matches every chat.
* ``scope``: ``titles`` is the title and the network name; ``participants`` is the shown
  participants' ``fullName`` and ``username``; none is both (``searchScope=titles``: titles).
* ``inbox``: ``archive`` is ``isArchived``; ``low-priority`` is ``isLowPriority`` and not archived;
  ``primary`` is neither, and not a member of a merged chat (the inbox shows the merged chat).
* ``includeMuted=false`` leaves out ``isMuted`` chats; ``unreadOnly`` keeps ``unreadCount > 0``
  or ``isMarkedUnread`` (``unreadOnly=unreadCount``: the first only).
* the date bounds are exclusive (``activityBounds=inclusive``), and leave undated chats out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sortedcontainers import SortedList

from fake_beeper.contract.behaviour import SearchMatch
from fake_beeper.data.loaded import Entry

_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True)
class SearchFilter:
    """The filters of one search, as parsed from its query string (``query.py``)."""

    account_ids: tuple[str, ...] | None = None
    inbox: str | None = None  # "primary" | "low-priority" | "archive"
    include_muted: bool = True
    label_id: str | None = None
    after_millis: int | None = None
    before_millis: int | None = None
    words: tuple[str, ...] = ()  # casefolded
    scope: str | None = None  # "titles" | "participants" | None: both
    type: str | None = None  # "single" | "group" | None: any
    unread_only: bool = False
    unread_counts_marked: bool = True
    match: SearchMatch = SearchMatch.WORD_PREFIX
    inclusive_bounds: bool = False


# What the filters read of one chat, read once from its JSON: a plain tuple of strings, numbers
# and tuples of them, by these positions. Python's collector stops tracking such a tuple, where
# 100k instances of a class made each of its full collections 100 ms longer in a fake of 100k
# chats (and its p99 under load 60 ms instead of 6).
ChatFacets = tuple[Any, ...]
(KEY, ACCOUNT_ID, TYPE, INBOX, MUTED, UNREAD, MARKED_UNREAD, LABELS, TITLES, NAMES, TITLE_WORDS, NAME_WORDS,
 LOCAL_ID, PREVIEW) = range(14)
# INBOX is None for a member of a merged chat that is in no inbox of its own; TITLES is the title
# and network, NAMES the shown participants' names and usernames, both casefolded, one per line;
# TITLE_WORDS and NAME_WORDS their words, each after a newline (for word-prefix matching);
# PREVIEW where ``"preview":…`` (and a comma) lies in the chat's JSON, or None.


def facets_of(entry: Entry) -> ChatFacets:
    body = entry[2].body
    chat: dict[str, Any] = orjson.loads(body)
    if chat.get("isArchived"):
        inbox: str | None = "archive"
    elif chat.get("isLowPriority"):
        inbox = "low-priority"
    else:
        inbox = None if chat.get("mergedIntoChatID") else "primary"
    people = chat["participants"]["items"]
    names = [person[field] for person in people for field in ("fullName", "username") if field in person]
    # Either may be absent (or the title null) in an older profile's chats.
    titles = "\n".join((chat.get("title") or "", chat.get("network") or "")).casefold()
    folded_names = "\n".join(names).casefold()
    labels = tuple(label["id"] for label in chat.get("labels", ()))
    return (entry, chat["accountID"], chat["type"], inbox, bool(chat.get("isMuted")), chat["unreadCount"] > 0,
            bool(chat.get("isMarkedUnread")), labels, titles, folded_names, _words(titles), _words(folded_names),
            chat.get("localChatID"), _preview_span(body, chat))


def _preview_span(body: bytes, chat: dict[str, Any]) -> tuple[int, int] | None:
    """The bytes of the chat's top-level ``preview`` member, with one comma, in its compact JSON.

    Search items are ``Chat``s, without the list's ``preview``: cutting these bytes out costs a
    slice, where parsing and serialising each chat again made a search page five times the cost of
    a list page. A chat's JSON is compact (orjson's) unless a fixture file wrote it otherwise;
    a ``"`` inside a JSON string is always escaped, so the member's exact bytes cannot be met
    inside a string. ``None``: no preview, or JSON the span cannot be found in (then it is parsed).
    """
    if "preview" not in chat:
        return None
    member = b'"preview":' + orjson.dumps(chat["preview"])
    at = body.find(b"," + member)
    if at > 0:
        return at, at + 1 + len(member)
    at = body.find(member + b",")
    return (at, at + len(member) + 1) if at > 0 else None


def without_preview(body: bytes, facets: ChatFacets) -> bytes:
    """The chat's JSON without its ``preview``, as search serves it."""
    span = facets[PREVIEW]
    if span is not None:
        return body[:span[0]] + body[span[1]:]
    if b'"preview"' not in body:
        return body
    chat = orjson.loads(body)
    chat.pop("preview", None)
    return orjson.dumps(chat)


class SearchIndex:
    """Sorted entries (``loaded.Entry``) by type, inbox, unread, marked unread and label; facets
    and local IDs by chat."""

    def __init__(self, chats: Iterable[Entry]) -> None:
        self.facets: dict[str, ChatFacets] = {}
        self.by_local_id: dict[str, str] = {}
        self._lists: dict[tuple[str, str], list[Entry]] = {}
        for entry in chats:
            self._note(facets_of(entry), self._lists_append)
        # sorted once, from entries that mostly come presorted
        self._indexes = {name: SortedList(keys) for name, keys in self._lists.items()}
        del self._lists

    def _lists_append(self, name: tuple[str, str], entry: Entry) -> None:
        self._lists.setdefault(name, []).append(entry)

    def _note(self, facets: ChatFacets, add: Callable[[tuple[str, str], Entry], None]) -> None:
        chat_id = facets[KEY][1]
        self.facets[chat_id] = facets
        if facets[LOCAL_ID] is not None:
            self.by_local_id.setdefault(facets[LOCAL_ID], chat_id)
        for name in _index_names(facets):
            add(name, facets[KEY])

    def add(self, entry: Entry) -> None:
        self._note(facets_of(entry), lambda name, e: self._indexes.setdefault(name, SortedList()).add(e))

    def discard(self, chat_id: str) -> None:
        facets = self.facets.pop(chat_id, None)
        if facets is None:
            return
        if facets[LOCAL_ID] is not None and self.by_local_id.get(facets[LOCAL_ID]) == chat_id:
            del self.by_local_id[facets[LOCAL_ID]]
        for name in _index_names(facets):
            self._indexes[name].remove(facets[KEY])

    def candidates(self, search: SearchFilter, everything: list[SortedList],
                   by_account: Mapping[str, SortedList]) -> list[SortedList]:
        """The smallest set of sorted entry lists that holds every chat ``search`` can keep."""
        options = [everything]
        if search.account_ids is not None:
            options.append([by_account[a] for a in dict.fromkeys(search.account_ids) if a in by_account])
        if search.type is not None:
            options.append(self._named("type", search.type))
        if search.inbox is not None:
            options.append(self._named("inbox", search.inbox))
        if search.label_id is not None:
            options.append(self._named("label", search.label_id))
        if search.unread_only:
            marked = self._named("marked", "") if search.unread_counts_marked else []
            options.append(self._named("unread", "") + marked)
        return min(options, key=lambda lists: sum(map(len, lists)))

    def _named(self, facet: str, value: str) -> list[SortedList]:
        index = self._indexes.get((facet, value))
        return [index] if index is not None else []

    def keeps(self, search: SearchFilter) -> Callable[[Entry], bool]:
        """A test of one entry against every filter of ``search`` but the date range (a key bound)."""
        facets = self.facets
        accounts = frozenset(search.account_ids) if search.account_ids is not None else None
        substring = search.match == SearchMatch.SUBSTRING
        words = _essential(search.words if substring else {_word_starts(w) for w in search.words})
        titles = search.scope in (None, "titles")
        names = search.scope in (None, "participants")

        def matches(chat: ChatFacets) -> bool:
            texts = ((chat[TITLES] if substring else chat[TITLE_WORDS]) if titles else "",
                     (chat[NAMES] if substring else chat[NAME_WORDS]) if names else "")
            return all(word in texts[0] or word in texts[1] for word in words)

        def keep(entry: Entry) -> bool:
            chat = facets[entry[1]]
            return ((accounts is None or chat[ACCOUNT_ID] in accounts)
                    and (search.type is None or chat[TYPE] == search.type)
                    and (search.inbox is None or chat[INBOX] == search.inbox)
                    and (search.include_muted or not chat[MUTED])
                    and (search.label_id is None or search.label_id in chat[LABELS])
                    and (not search.unread_only or chat[UNREAD]
                         or (search.unread_counts_marked and chat[MARKED_UNREAD]))
                    and (not words or matches(chat)))

        return keep


def _essential(words: Iterable[str]) -> tuple[str, ...]:
    """The words a chat must hold for it to hold them all: each once, and none that is the start
    of another (a text that holds "alicia" holds "ali"), longest first (the likeliest to fail
    first). So a query's cost is bounded by what it asks, not by how often it repeats it: 30,000
    copies of "a" are one test, not 30,000."""
    ordered = sorted(set(words))
    kept = [word for word, following in itertools.zip_longest(ordered, ordered[1:], fillvalue="")
            if not following.startswith(word)]
    return tuple(sorted(kept, key=len, reverse=True))


def _words(text: str) -> str:
    """``text``'s words, each after a newline: a word starts with ``w`` iff ``"\\n" + w`` is in it."""
    return "\n" + _NON_WORD.sub("\n", text)


def _word_starts(word: str) -> str:
    """A query word as the start of a word of a ``\\n``-separated text (``wordPrefix``)."""
    return "\n" + _NON_WORD.sub("\n", word).strip("\n")


def _index_names(facets: ChatFacets) -> list[tuple[str, str]]:
    names = [("type", facets[TYPE])]
    if facets[INBOX] is not None:
        names.append(("inbox", facets[INBOX]))
    if facets[UNREAD]:
        names.append(("unread", ""))
    if facets[MARKED_UNREAD]:
        names.append(("marked", ""))
    names.extend(("label", label) for label in facets[LABELS])
    return names
