"""The pagination checks of ``fake-beeper check``: whole walks against any server, each bounded.

Each check is a plain function of the server's client and one full walk of it (limit 200); it
raises an ``AssertionError`` whose message names the page, the request and the chat (see
``pagination``). ``contract_tests/`` runs the same functions under pytest. Walks with small
limits stop after ``SHORT_WALK_PAGES`` pages, so a server with many thousands of chats is checked in
bounded time on its first chats.

Under a profile whose list has no ``limit`` (before 6.0), the checks send none: each walk takes
the pages the server gives, and is held to the same promises with that page size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

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
from fake_beeper.check.report import Violation
from fake_beeper.contract import spec
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.defaults import DEFAULT_CHECK_MAX_MESSAGES

SHORT_WALK_PAGES = 40


@dataclass(frozen=True)
class Server:
    """What the checks are given: the client, the full walk, and how ``after`` was seen to behave."""

    http: httpx.Client
    full: Walk
    after: str = "adjacent"  # "adjacent", "newest", or anything else: only the contract's promises
    stage: Stage = LATEST  # the stage the server is held to
    max_messages: int = DEFAULT_CHECK_MAX_MESSAGES  # walked per chat by the message checks

    @property
    def has_limit(self) -> bool:
        return self.stage.has_list_limit

    def limit(self, wanted: int) -> int | None:
        """``wanted`` as the ``limit`` to send, or ``None`` where the stage has no ``limit``."""
        return wanted if self.has_limit else None

    @property
    def page_size(self) -> int | None:
        """Where the stage has no ``limit``: how many chats the server puts on a page, read off the
        full walk (all of them, if they fit one page); ``None`` where ``limit`` sets it."""
        if self.has_limit:
            return None
        pages = self.full.pages
        return len(pages[0].chats) if len(pages) > 1 else max(1, len(self.full.chats))


def every_chat_once_in_order(server: Server, limits: tuple[int | None, ...] = (25, 7, 1, None)) -> None:
    """At any limit, a walk yields the same chats as the full walk, once each, newest first."""
    check_walk(server.full)
    for limit in limits if server.has_limit else (None,):
        result = walk(server.http, limit=limit, max_pages=SHORT_WALK_PAGES)
        check_walk(result)
        if result.complete or result.ids != server.full.ids[:len(result.ids)]:  # a stopped walk: its first chats
            assert_client_walk(f"the walk at limit={limit}" if limit else "a walk", result.ids, server.full)


def every_chat_matches_the_contract(server: Server) -> None:
    """Each chat of the full walk is a ``Chat`` as ``openapi.yaml`` defines it (Schemathesis checks
    the pages it draws; this names the page and the chat of the first one that is not)."""
    validator = server.stage.validator()
    for page in server.full.pages:
        for chat in page.chats:
            error = next(validator.iter_errors(chat), None)
            if error is not None:
                place = spec.instance_place(error.instance_path) or "(the chat)"
                raise Violation(f"{page.where}: {describe(chat)}: field {place}: {spec.error_message(error)}")


def has_more_ends_the_walk(server: Server) -> None:
    """``hasMore`` is true on every page of a walk but the last, and false on the last."""
    pages = server.full.pages
    if pages[-1].body["hasMore"] is not False:
        raise Violation(f"{pages[-1].where}: the last page says hasMore: true")
    for page in pages[:-1]:
        if page.body["hasMore"] is not True:
            raise Violation(f"{page.where}: hasMore: false, but the walk went on")


def pages_lie_beyond_their_cursor(server: Server) -> None:
    """A ``before`` page holds only chats older than its cursor's chat, an ``after`` page newer ones."""
    http = server.http
    first = fetch(http, limit=server.limit(30))
    if not first.body["hasMore"]:
        return  # one page holds every chat: no page in the middle
    middle = fetch(http, 2, limit=server.limit(30), cursor=first.body["oldestCursor"])
    if not middle.chats:
        return
    older = fetch(http, 3, limit=server.limit(10), cursor=middle.body["oldestCursor"], direction="before")
    newer = fetch(http, 3, limit=server.limit(10), cursor=middle.body["newestCursor"], direction="after")
    check_beyond_cursor(older, middle.chats[-1], "before")
    check_beyond_cursor(newer, middle.chats[0], "after")
    if not newer.chats:
        raise Violation(f"{newer.where}: no chat newer than the cursor's, but {len(first.chats)} were listed before it")


def after_walks_climb_back(server: Server) -> None:
    """From the 60th chat (without ``limit``: the last of the first page holding 60 or more),
    ``after`` pages climb back to the newest chat, as the behaviour says: each the chats just newer
    (``adjacent``), or the newest ones first (``newest``)."""
    ids = server.full.ids
    if len(ids) < 61 or server.after not in ("adjacent", "newest"):
        return
    start, depth = _cursor_at_least(server, 60)
    if start is None or depth >= len(ids):
        return
    newer = depth - 1
    size = 9 if server.has_limit else server.page_size or 1
    if server.after == "newest":
        page = fetch(server.http, limit=server.limit(9), cursor=start, direction="after")
        got = [chat["id"] for chat in page.chats]
        wanted = ids[:min(size, newer)]
        if got != wanted:
            raise Violation(f"{page.where}: got {got}, the newest {len(wanted)} chats are {wanted}")
        if page.body["hasMore"] is not (newer > size):
            raise Violation(f"{page.where}: hasMore is {page.body['hasMore']}, but {newer} chats are newer")
        return
    result = walk(server.http, direction="after", cursor=start, limit=server.limit(9), max_pages=SHORT_WALK_PAGES)
    check_walk(result, direction="after")
    climbed = [chat["id"] for page in reversed(result.pages) for chat in page.chats]
    if climbed != ids[:newer]:
        raise Violation(f"an after walk from chat #{newer} must meet the {newer} newer chats once each; "
                                    f"they part at chat #{parting(climbed, ids[:newer])}")


def _cursor_at_least(server: Server, depth: int) -> tuple[str | None, int]:
    """The ``oldestCursor`` of a first page of ``depth`` chats, and ``depth``; without ``limit``, of
    the first page of the full walk that ends ``depth`` chats or more in, and how many that is."""
    if server.has_limit:
        return fetch(server.http, limit=depth).body["oldestCursor"], depth
    end = 0
    for page in server.full.pages:
        end += len(page.chats)
        if end >= depth:
            return page.body.get("oldestCursor"), end
    return None, end


def account_filters_give_the_matching_chats(server: Server) -> None:
    """An ``accountIDs`` walk is exactly the matching chats of the full walk, in order."""
    accounts = sorted({chat["accountID"] for chat in server.full.chats})
    if not accounts:
        return
    for chosen in (accounts[:1], accounts[1:4], [*accounts[-2:], "no-such-account"]):
        if not chosen:
            continue
        result = walk(server.http, limit=server.limit(50), account_ids=chosen, max_pages=SHORT_WALK_PAGES)
        check_walk(result)
        check_subset(result, server.full, chosen)


def the_same_request_gives_the_same_page(server: Server) -> None:
    cursor = server.full.pages[0].body["oldestCursor"]
    for params in ({}, {"limit": 3}, {"cursor": cursor, "limit": 17}, {"cursor": cursor, "direction": "after"}):
        if params.get("cursor", "") is None or ("limit" in params and not server.has_limit):
            continue
        first, second = fetch(server.http, **params), fetch(server.http, **params)
        if first.body != second.body:
            raise Violation(f"{first.where} is not repeatable: two requests, two pages")


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
    validator = server.stage.validator(spec.SEARCH_PAGE_SCHEMA)
    for filters in search_filters(server.full):
        limit = int(filters.pop("limit", "7"))
        account = filters.pop("account", None)
        result = walk(server.http, path=SEARCH_CHATS, filters=filters, limit=limit, max_pages=SHORT_WALK_PAGES,
                      account_ids=[account] if account else None)
        check_walk(result)
        for page in result.pages:
            error = next(validator.iter_errors(page.body), None)
            if error is not None:
                raise Violation(f"{page.where}: {spec.instance_place(error.instance_path) or '(the page)'}: "
                                   f"{spec.error_message(error)}")
            for chat in page.chats:
                for name, wanted in (("type", filters.get("type")), ("accountID", account)):
                    if not (wanted is None or chat[name] == wanted):
                        raise Violation(f"{page.where}: {describe(chat)} has {name} {chat[name]!r}, not {wanted!r}")


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
