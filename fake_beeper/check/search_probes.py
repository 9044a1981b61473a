"""Behaviour probes of ``GET /v1/chats/search``: what its contract leaves open, read off answers.

Each probe picks a chat of the full list walk whose fields tell the readings apart, searches
within its account so the answer is a short walk, and reports the fake's behaviour key
(``fake_beeper.contract.behaviour``):

* ``searchMatch``: ``wordPrefix`` | ``substring`` (the end of a title word finds the chat, or only
  its start does);
* ``searchScope``: ``both`` | ``titles`` (a participant's name without ``scope``);
* ``activityBounds``: ``exclusive`` | ``inclusive`` (both bounds at a chat's own ``lastActivity``);
* ``unreadOnly``: ``unreadOrMarked`` | ``unreadCount`` (a chat marked unread with no unread message);
* ``naiveDateTimes``: ``utc`` | ``rejected`` (a date-time without an offset; accepted is reported
  as ``utc``, as no answer tells which zone the server read).

As in ``probes``: ``unknown`` when no chat tells the readings apart (or the search is missing),
``other`` for an answer that fits none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fake_beeper.check.pagination import SEARCH_CHATS
from fake_beeper.check.probes import Probing
from fake_beeper.check.report import OTHER, UNKNOWN
from fake_beeper.contract.behaviour import ActivityBounds, NaiveDateTimes, SearchMatch, SearchScope, UnreadOnly

SEARCH_PROBE_PAGES = 10
_WORD = re.compile(r"\w+")


def search_ids(probing: Probing, params: dict[str, Any]) -> list[str] | None:
    """The chat IDs of a search walk (pages of 200, at most ``SEARCH_PROBE_PAGES``); ``None`` if any answer is
    not a page, or the walk did not end."""
    found: list[str] = []
    cursor = None
    for _ in range(SEARCH_PROBE_PAGES):
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = probing.http.get(SEARCH_CHATS, params=query)
        if response.status_code >= 500:
            probing.violation("probes: no server errors", f"HTTP {response.status_code} for GET {SEARCH_CHATS}",
                              str(response.request.url.query, "ascii"), path=SEARCH_CHATS)
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            return None  # not a page: the probe cannot say
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return None
        found += [item["id"] for item in body["items"] if isinstance(item, dict) and isinstance(item.get("id"), str)]
        cursor = body.get("oldestCursor")
        if not body.get("hasMore") or not body["items"] or not cursor:
            return found
    return None


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def probe_search_match(probing: Probing) -> str:
    for chat in probing.chats:
        titles = _words(f"{chat.get('title', '')} {chat.get('network', '')}")
        for word in titles:
            inner = word[1:]
            if len(word) >= 6 and word.isalpha() and not any(w.startswith(inner) for w in titles):
                account = {"accountIDs": chat["accountID"], "scope": "titles"}
                inside = search_ids(probing, {**account, "query": inner})
                if inside is None:
                    return OTHER
                if chat["id"] in inside:
                    return SearchMatch.SUBSTRING
                start = search_ids(probing, {**account, "query": word[:4]})
                return SearchMatch.WORD_PREFIX if start is not None and chat["id"] in start else OTHER
    return UNKNOWN


def probe_search_scope(probing: Probing) -> str:
    for chat in probing.chats:
        titles = f"{chat.get('title', '')} {chat.get('network', '')}".casefold()
        for person in chat.get("participants", {}).get("items", []):
            for word in _words(str(person.get("fullName", ""))):
                if len(word) >= 4 and word.isalpha() and word not in titles:
                    unscoped = search_ids(probing, {"accountIDs": chat["accountID"], "query": word})
                    if unscoped is None:
                        return OTHER
                    if chat["id"] in unscoped:
                        return SearchScope.BOTH
                    scoped = search_ids(probing, {"accountIDs": chat["accountID"], "query": word,
                                                  "scope": "participants"})
                    return SearchScope.TITLES if scoped is not None and chat["id"] in scoped else OTHER
    return UNKNOWN


def probe_activity_bounds(probing: Probing) -> str:
    dated = next((chat for chat in probing.chats if chat.get("lastActivity")), None)
    if dated is None:
        return UNKNOWN
    at = datetime.fromisoformat(dated["lastActivity"].replace("Z", "+00:00").replace("z", "+00:00"))
    account = {"accountIDs": dated["accountID"]}
    exact = search_ids(probing, {**account, "lastActivityAfter": dated["lastActivity"],
                                 "lastActivityBefore": dated["lastActivity"]})
    around = search_ids(probing, {**account, "lastActivityAfter": (at - timedelta(seconds=1)).isoformat(),
                                  "lastActivityBefore": (at + timedelta(seconds=1)).isoformat()})
    if exact is None or around is None or dated["id"] not in around:
        return OTHER
    return ActivityBounds.INCLUSIVE if dated["id"] in exact else ActivityBounds.EXCLUSIVE


def probe_unread_only(probing: Probing) -> str:
    marked = next((chat for chat in probing.chats
                   if chat.get("isMarkedUnread") is True and chat.get("unreadCount") == 0), None)
    if marked is None:
        return UNKNOWN
    found = search_ids(probing, {"accountIDs": marked["accountID"], "unreadOnly": "true"})
    if found is None:
        return OTHER
    return UnreadOnly.UNREAD_OR_MARKED if marked["id"] in found else UnreadOnly.UNREAD_COUNT


def probe_naive_date_times(probing: Probing) -> str:
    response = probing.http.get(SEARCH_CHATS, params={"lastActivityAfter": "2000-01-01T00:00:00", "limit": 1})
    return {200: NaiveDateTimes.UTC, 400: NaiveDateTimes.REJECTED}.get(response.status_code, OTHER)


def learn_search(probing: Probing) -> dict[str, str]:
    """Every search probe's answer, by key; all ``unknown`` when the server has no search."""
    if probing.http.get(SEARCH_CHATS, params={"limit": 1}).status_code != 200:
        return dict.fromkeys(PROBES, UNKNOWN)
    return {key: probe(probing) for key, probe in PROBES.items()}


PROBES: dict[str, Callable[[Probing], str]] = {
    "searchMatch": probe_search_match,
    "searchScope": probe_search_scope,
    "activityBounds": probe_activity_bounds,
    "unreadOnly": probe_unread_only,
    "naiveDateTimes": probe_naive_date_times,
}
