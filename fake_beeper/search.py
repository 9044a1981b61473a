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

Where the contract is silent, the fake's choices (README, "What the fake does"):

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

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sortedcontainers import SortedList

Key = tuple[int, str]
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
    match: Literal["wordPrefix", "substring"] = "wordPrefix"
    inclusive_bounds: bool = False


@dataclass(frozen=True, slots=True)
class ChatFacets:
    """What the filters read of one chat, read once from its JSON."""

    key: Key
    account_id: str
    type: str
    inbox: str | None  # None: a member of a merged chat that is in no inbox of its own
    muted: bool
    unread: bool
    marked_unread: bool
    labels: frozenset[str]
    titles: str  # title and network, casefolded, one per line
    names: str  # shown participants' names and usernames, casefolded, one per line
    title_words: str  # the words of ``titles``, each after a newline (for word-prefix matching)
    name_words: str
    local_id: str | None
    preview: tuple[int, int] | None  # where ``"preview":…`` (and a comma) lies in the chat's JSON


def facets_of(key: Key, body: bytes) -> ChatFacets:
    chat: dict[str, Any] = orjson.loads(body)
    if chat.get("isArchived"):
        inbox: str | None = "archive"
    elif chat.get("isLowPriority"):
        inbox = "low-priority"
    else:
        inbox = None if chat.get("mergedIntoChatID") else "primary"
    people = chat["participants"]["items"]
    names = [person[field] for person in people for field in ("fullName", "username") if field in person]
    titles = "\n".join((chat["title"], chat["network"])).casefold()
    folded_names = "\n".join(names).casefold()
    return ChatFacets(
        key=key, account_id=chat["accountID"], type=chat["type"], inbox=inbox,
        muted=bool(chat.get("isMuted")), unread=chat["unreadCount"] > 0,
        marked_unread=bool(chat.get("isMarkedUnread")),
        labels=frozenset(label["id"] for label in chat.get("labels", ())),
        titles=titles, names=folded_names, title_words=_words(titles), name_words=_words(folded_names),
        local_id=chat.get("localChatID"), preview=_preview_span(body, chat),
    )


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
    if facets.preview is not None:
        start, end = facets.preview
        return body[:start] + body[end:]
    if b'"preview"' not in body:
        return body
    chat = orjson.loads(body)
    chat.pop("preview", None)
    return orjson.dumps(chat)


class SearchIndex:
    """Sorted keys by type, inbox, unread, marked unread and label; facets and local IDs by chat."""

    def __init__(self, chats: Iterable[tuple[Key, bytes]]) -> None:
        self.facets: dict[str, ChatFacets] = {}
        self.by_local_id: dict[str, str] = {}
        self._lists: dict[tuple[str, str], list[Key]] = {}
        for key, body in chats:
            self._note(facets_of(key, body), self._lists_append)
        # sorted once, from keys that mostly come presorted
        self._indexes = {name: SortedList(keys) for name, keys in self._lists.items()}
        del self._lists

    def _lists_append(self, name: tuple[str, str], key: Key) -> None:
        self._lists.setdefault(name, []).append(key)

    def _note(self, facets: ChatFacets, add: Callable[[tuple[str, str], Key], None]) -> None:
        chat_id = facets.key[1]
        self.facets[chat_id] = facets
        if facets.local_id is not None:
            self.by_local_id.setdefault(facets.local_id, chat_id)
        for name in _index_names(facets):
            add(name, facets.key)

    def add(self, key: Key, body: bytes) -> None:
        self._note(facets_of(key, body), lambda name, k: self._indexes.setdefault(name, SortedList()).add(k))

    def discard(self, chat_id: str) -> None:
        facets = self.facets.pop(chat_id, None)
        if facets is None:
            return
        if facets.local_id is not None and self.by_local_id.get(facets.local_id) == chat_id:
            del self.by_local_id[facets.local_id]
        for name in _index_names(facets):
            self._indexes[name].remove(facets.key)

    def candidates(self, search: SearchFilter, everything: list[SortedList],
                   by_account: Mapping[str, SortedList]) -> list[SortedList]:
        """The smallest set of sorted key lists that holds every chat ``search`` can keep."""
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

    def keeps(self, search: SearchFilter) -> Callable[[Key], bool]:
        """A test of one key against every filter of ``search`` but the date range (a key bound)."""
        facets = self.facets
        accounts = frozenset(search.account_ids) if search.account_ids is not None else None
        words = search.words if search.match == "substring" else tuple(_word_starts(w) for w in search.words)
        substring = search.match == "substring"
        titles = search.scope in (None, "titles")
        names = search.scope in (None, "participants")

        def matches(chat: ChatFacets) -> bool:
            texts = ((chat.titles if substring else chat.title_words) if titles else "",
                     (chat.names if substring else chat.name_words) if names else "")
            return all(word in texts[0] or word in texts[1] for word in words)

        def keep(key: Key) -> bool:
            chat = facets[key[1]]
            return ((accounts is None or chat.account_id in accounts)
                    and (search.type is None or chat.type == search.type)
                    and (search.inbox is None or chat.inbox == search.inbox)
                    and (search.include_muted or not chat.muted)
                    and (search.label_id is None or search.label_id in chat.labels)
                    and (not search.unread_only or chat.unread
                         or (search.unread_counts_marked and chat.marked_unread))
                    and (not words or matches(chat)))

        return keep


def _words(text: str) -> str:
    """``text``'s words, each after a newline: a word starts with ``w`` iff ``"\\n" + w`` is in it."""
    return "\n" + _NON_WORD.sub("\n", text)


def _word_starts(word: str) -> str:
    """A query word as the start of a word of a ``\\n``-separated text (``wordPrefix``)."""
    return "\n" + _NON_WORD.sub("\n", word).strip("\n")


def _index_names(facets: ChatFacets) -> list[tuple[str, str]]:
    names = [("type", facets.type)]
    if facets.inbox is not None:
        names.append(("inbox", facets.inbox))
    if facets.unread:
        names.append(("unread", ""))
    if facets.marked_unread:
        names.append(("marked", ""))
    names.extend(("label", label) for label in facets.labels)
    return names
