"""The pagination checks of ``fake-beeper check``: whole walks against any server, each bounded.

Each check is a plain function of the server's client and one full walk of it (limit 200); it
raises an ``AssertionError`` whose message names the page, the request and the chat (see
``pagination``). ``contract_tests/`` runs the same functions under pytest. Walks with small
limits stop after ``MAX_PAGES`` pages, so a server with many thousands of chats is checked in
bounded time on its first chats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from fake_beeper import spec
from fake_beeper.check.pagination import (
    SEARCH_CHATS,
    Walk,
    assert_client_walk,
    check_beyond_cursor,
    check_subset,
    check_walk,
    describe,
    fetch,
    parting,
    walk,
)

MAX_PAGES = 40


@dataclass(frozen=True)
class Server:
    """What the checks are given: the client, the full walk, and how ``after`` was seen to behave."""

    http: httpx.Client
    full: Walk
    after: str = "adjacent"  # "adjacent", "newest", or anything else: only the contract's promises


def every_chat_once_in_order(server: Server, limits: tuple[int | None, ...] = (25, 7, 1, None)) -> None:
    """At any limit, a walk yields the same chats as the full walk, once each, newest first."""
    check_walk(server.full)
    for limit in limits:
        result = walk(server.http, limit=limit, max_pages=MAX_PAGES)
        check_walk(result)
        if result.complete or result.ids != server.full.ids[:len(result.ids)]:  # a stopped walk: its first chats
            assert_client_walk(f"the walk at limit={limit}", result.ids, server.full)


def every_chat_matches_the_contract(server: Server) -> None:
    """Each chat of the full walk is a ``Chat`` as ``openapi.yaml`` defines it (Schemathesis checks
    the pages it draws; this names the page and the chat of the first one that is not)."""
    validator = spec.validator("ChatListResponse")
    for page in server.full.pages:
        for chat in page.chats:
            error = next(validator.iter_errors(chat), None)
            assert error is None, (f"{page.where}: {describe(chat)}: field "
                                   f"{spec.instance_place(error.instance_path) or '(the chat)'}: {error.message}")


def has_more_ends_the_walk(server: Server) -> None:
    """``hasMore`` is true on every page of a walk but the last, and false on the last."""
    pages = server.full.pages
    assert pages[-1].body["hasMore"] is False, f"{pages[-1].where}: the last page says hasMore: true"
    for page in pages[:-1]:
        assert page.body["hasMore"] is True, f"{page.where}: hasMore: false, but the walk went on"


def pages_lie_beyond_their_cursor(server: Server) -> None:
    """A ``before`` page holds only chats older than its cursor's chat, an ``after`` page newer ones."""
    http = server.http
    middle = fetch(http, limit=30, cursor=fetch(http, limit=30).body["oldestCursor"])
    if not middle.chats:
        return  # 30 chats or fewer: no page in the middle
    older = fetch(http, 2, limit=10, cursor=middle.body["oldestCursor"], direction="before")
    newer = fetch(http, 2, limit=10, cursor=middle.body["newestCursor"], direction="after")
    check_beyond_cursor(older, middle.chats[-1], "before")
    check_beyond_cursor(newer, middle.chats[0], "after")
    assert newer.chats, f"{newer.where}: no chat newer than the cursor's, but 30 were listed before it"


def after_walks_climb_back(server: Server) -> None:
    """From the 60th chat, ``after`` pages climb back to the newest chat, as the behaviour says:
    each the chats just newer (``adjacent``), or the newest ones first (``newest``)."""
    ids = server.full.ids
    if len(ids) < 61 or server.after not in ("adjacent", "newest"):
        return
    start = fetch(server.http, limit=60).body["oldestCursor"]
    if server.after == "newest":
        page = fetch(server.http, limit=9, cursor=start, direction="after")
        got = [chat["id"] for chat in page.chats]
        assert got == ids[:9], f"{page.where}: got {got}, the newest 9 chats are {ids[:9]}"
        assert page.body["hasMore"] is True, f"{page.where}: hasMore is false, but 59 chats are newer"
        return
    result = walk(server.http, direction="after", cursor=start, limit=9, max_pages=MAX_PAGES)
    check_walk(result, direction="after")
    climbed = [chat["id"] for page in reversed(result.pages) for chat in page.chats]
    assert climbed == ids[:59], (f"an after walk from the 60th chat must meet the 59 newer chats once each; "
                                 f"they part at chat #{parting(climbed, ids[:59])}")


def account_filters_give_the_matching_chats(server: Server) -> None:
    """An ``accountIDs`` walk is exactly the matching chats of the full walk, in order."""
    accounts = sorted({chat["accountID"] for chat in server.full.chats})
    if not accounts:
        return
    for chosen in (accounts[:1], accounts[1:4], [*accounts[-2:], "no-such-account"]):
        if not chosen:
            continue
        result = walk(server.http, limit=50, account_ids=chosen, max_pages=MAX_PAGES)
        check_walk(result)
        check_subset(result, server.full, chosen)


def the_same_request_gives_the_same_page(server: Server) -> None:
    cursor = server.full.pages[0].body["oldestCursor"]
    for params in ({}, {"limit": 3}, {"cursor": cursor, "limit": 17}, {"cursor": cursor, "direction": "after"}):
        if params.get("cursor", "") is None:
            continue
        first, second = fetch(server.http, **params), fetch(server.http, **params)
        assert first.body == second.body, f"{first.where} is not repeatable: two requests, two pages"


def search_filters(full: Walk) -> list[dict[str, str]]:
    """Searches whose every match a client can tell from the chats themselves, drawn from the full
    walk: each type, one account's single chats, a word of the newest titled chat, and unread."""
    chosen: list[dict[str, str]] = [{"type": "group"}, {"type": "single", "limit": "200"}, {"unreadOnly": "true"}]
    if full.chats:
        chosen.append({"type": "single", "account": full.chats[0]["accountID"]})
    words = [word for chat in full.chats[:50] for word in str(chat.get("title", "")).split()
             if len(word) >= 3 and word.isalpha()]
    if words:
        chosen.append({"query": words[0], "scope": "titles"})
    return chosen


def search_walks_meet_each_match_once(server: Server) -> None:
    """A search walks like the list, over its matches: each once, in the list's order, pages beyond
    their cursors, ``hasMore`` false only at the end, at a small limit as at 200; and every match
    is a ``Chat`` of at most 20 participants, of the type and account asked for. (That search finds
    only chats the list serves is the fake's world, not the contract: ``tests/test_search.py``.)"""
    validator = spec.validator("SearchChatsResponse")
    for filters in search_filters(server.full):
        limit = int(filters.pop("limit", "7"))
        account = filters.pop("account", None)
        result = walk(server.http, path=SEARCH_CHATS, filters=filters, limit=limit, max_pages=MAX_PAGES,
                      account_ids=[account] if account else None)
        check_walk(result)
        for page in result.pages:
            error = next(validator.iter_errors(page.body), None)
            assert error is None, (f"{page.where}: {spec.instance_place(error.instance_path) or '(the page)'}: "
                                   f"{error.message}")
            for chat in page.chats:
                for name, wanted in (("type", filters.get("type")), ("accountID", account)):
                    assert wanted is None or chat[name] == wanted, \
                        f"{page.where}: {describe(chat)} has {name} {chat[name]!r}, not {wanted!r}"


CHECKS: dict[str, Callable[[Server], None]] = {
    "pagination: every chat once, in order": every_chat_once_in_order,
    "contract: every chat of a walk is a Chat": every_chat_matches_the_contract,
    "pagination: hasMore ends the walk": has_more_ends_the_walk,
    "pagination: pages lie beyond their cursor": pages_lie_beyond_their_cursor,
    "pagination: after pages climb back": after_walks_climb_back,
    "pagination: accountIDs gives the matching chats": account_filters_give_the_matching_chats,
    "pagination: the same request gives the same page": the_same_request_gives_the_same_page,
    "search: walks meet each match once": search_walks_meet_each_match_once,
}
