"""Pagination invariants of ``GET /v1/chats``, as checks that work against any server.

Schemathesis checks one response at a time; these check walks. Each function raises an
``AssertionError`` that says which request, which page and which chat broke the rule, e.g.

    page 3 (GET /v1/chats?cursor=…&limit=7): chat '!abc' also on page 1

Only the contract is assumed: cursors are opaque, and "older" means later in the list order
(``lastActivity`` descending; chats without one come last).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from fake_beeper.check.report import Violation
from fake_beeper.contract import spec
from fake_beeper.polite import AnswerRefused
from fake_beeper.text import shown

LIST_CHATS = spec.LIST_CHATS_PATH
SEARCH_CHATS = spec.SEARCH_CHATS_PATH  # the same pages, cursors and walks, over the chats that match
MAX_WALK_PAGES = 10_000  # a server whose hasMore never ends is a failure, not a hang
# What one walk keeps at most: past it the check stops (exit 2) rather than fill the machine (a
# walk keeps its pages parsed, about five times their JSON). A server that invents chats for ever
# reaches either in seconds.
MAX_WALK_CHATS = 20_000
MAX_WALK_BYTES = 48 * 2**20


@dataclass(frozen=True)
class FetchedPage:
    """One response of a walk and the request that produced it."""

    number: int
    params: dict[str, Any]
    body: dict[str, Any]
    path: str = LIST_CHATS
    size: int = 0  # bytes of the answer

    @property
    def chats(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.body["items"]
        return items

    @property
    def where(self) -> str:
        query = httpx.QueryParams(self.params)
        return f"page {self.number} (GET {self.path}{'?' + str(query) if query else ''})"


@dataclass
class Walk:
    pages: list[FetchedPage] = field(default_factory=list)
    complete: bool = True  # False: stopped at ``max_pages`` while the server said hasMore

    @property
    def chats(self) -> list[dict[str, Any]]:
        return [chat for page in self.pages for chat in page.chats]

    @property
    def ids(self) -> list[str]:
        return [chat["id"] for chat in self.chats]


def fetch(client: httpx.Client, number: int = 1, *, path: str = LIST_CHATS, **params: Any) -> FetchedPage:
    """GET one page (of the list, or of ``path``: the search); anything but a 200 with a page of
    the shape the checks read fails with the request named (``page_body``)."""
    params = {name: value for name, value in params.items() if value is not None}
    page = FetchedPage(number, params, {}, path)
    response = client.get(path, params=params)
    return FetchedPage(number, params, page_body(response, page.where), path, len(response.content))


def page_body(response: httpx.Response, where: str) -> dict[str, Any]:
    """The body of a page, or a ``Violation`` naming ``where`` if it is none: not a 200, not JSON,
    or not of the shape the checks read (``items`` of objects with a string ``id`` and
    ``accountID``, a readable ``lastActivity``, a ``participants`` object; a boolean ``hasMore``;
    cursors strings or null). Past this, what a check reads of a page is there: a ``KeyError`` in
    a check is the check's bug, not the server's."""
    if response.status_code != 200:
        raise Violation(f"{where}: HTTP {response.status_code}: {shown(response.text, 500)}")
    try:
        body = response.json()
    except ValueError:
        raise Violation(f"{where}: the answer is not JSON: {shown(response.text, 200)}") from None
    problem = _shape_problem(body)
    if problem is not None:
        raise Violation(f"{where}: {problem}")
    page: dict[str, Any] = body
    return page


def _shape_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return f"not a page: {shown(repr(body), 200)}"
    if not isinstance(body.get("hasMore"), bool):
        return f"hasMore is {shown(repr(body.get('hasMore')), 40)}, not a boolean"
    for name in ("oldestCursor", "newestCursor"):
        if not isinstance(body.get(name), str | None):
            return f"{name} is {shown(repr(body.get(name)), 40)}, not a string or null"
    for position, chat in enumerate(body["items"]):
        problem = _chat_shape_problem(chat)
        if problem is not None:
            return f"item {position}: {problem}"
    return None


def _chat_shape_problem(chat: Any) -> str | None:
    if not isinstance(chat, dict):
        return f"not an object: {shown(repr(chat), 100)}"
    for name in ("id", "accountID"):
        if not isinstance(chat.get(name), str):
            return f"{name} is {shown(repr(chat.get(name)), 60)}, not a string"
    last = chat.get("lastActivity")
    if last is not None:
        try:
            activity_key(chat)
        except (TypeError, ValueError, AttributeError):
            return f"chat {shown(repr(chat['id']))}: lastActivity {shown(repr(last), 60)} is not a date-time"
    participants = chat.get("participants", {})
    if not (isinstance(participants, dict) and isinstance(participants.get("items", []), list)
            and all(isinstance(person, dict) for person in participants.get("items", []))):
        return f"chat {shown(repr(chat['id']))}: participants is not an object with a list of items"
    return None


def walk(client: httpx.Client, *, direction: str | None = None, cursor: str | None = None,
         limit: int | None = None, account_ids: Sequence[str] | None = None, max_pages: int | None = None,
         path: str = LIST_CHATS, filters: dict[str, Any] | None = None) -> Walk:
    """Follow the cursors the way the SDKs do (``oldestCursor`` for ``before``, ``newestCursor``
    for ``after``) until ``hasMore`` is false, a page is empty, or the cursor is missing; or, with
    ``max_pages``, until that many pages (the walk is then not ``complete``). ``path`` and
    ``filters`` walk a search (``SEARCH_CHATS``, ``{"type": "group"}``) the same way."""
    result = Walk()
    follow = "newestCursor" if direction == "after" else "oldestCursor"
    cursors: dict[str, int] = {}  # each cursor followed, and the page that gave it
    seen: dict[str, int] = {}  # each chat met, and its page
    size = 0
    while True:
        page = fetch(client, len(result.pages) + 1, path=path, **(filters or {}), accountIDs=account_ids,
                     cursor=cursor, direction=direction, limit=limit)
        result.pages.append(page)
        check_page_consistent(page)
        _check_new(page, seen)
        size += page.size
        if len(seen) > MAX_WALK_CHATS or size > MAX_WALK_BYTES:
            raise AnswerRefused(f"{page.where}: the walk passed {len(seen):,} chats and {size // 2**20} MiB; "
                                f"fake-beeper check reads at most {MAX_WALK_CHATS:,} chats or "
                                f"{MAX_WALK_BYTES // 2**20} MiB in one walk")
        cursor = page.body.get(follow)
        if not page.body.get("hasMore") or not page.chats or not cursor:
            return result
        if max_pages is not None and len(result.pages) >= max_pages:
            result.complete = False
            return result
        if cursor in cursors:
            raise Violation(f"{page.where}: its {follow} is the one page {cursors[cursor]} gave: the cursor does "
                            "not move, and the walk would never end")
        cursors[cursor] = page.number
        if len(result.pages) >= MAX_WALK_PAGES:
            raise Violation(f"{page.where}: still hasMore after {MAX_WALK_PAGES} pages")


def _check_new(page: FetchedPage, seen: dict[str, int]) -> None:
    """Each chat of ``page`` is met for the first time in its walk (a chat met again: the walk
    loops, or pages overlap), noted in ``seen``."""
    for chat in page.chats:
        if chat["id"] in seen:
            raise Violation(f"{page.where}: {describe(chat)} also on page {seen[chat['id']]}")
        seen[chat["id"]] = page.number


def activity_key(chat: dict[str, Any]) -> float:
    """Sort key of the list order: newer first, chats without ``lastActivity`` last."""
    last = chat.get("lastActivity")
    return -datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp() if last else float("inf")


def describe(chat: dict[str, Any]) -> str:
    return f"chat {chat['id']!r} (lastActivity {chat.get('lastActivity', 'absent')})"


# -- checks on one page --------------------------------------------------------------------------


def check_page_consistent(page: FetchedPage) -> None:
    """Cursors are null exactly on an empty page; an empty page has nothing more; sorted newest first."""
    body = page.body
    for name in ("oldestCursor", "newestCursor"):
        if page.chats:
            if not body.get(name):
                raise Violation(f"{page.where}: {len(page.chats)} chats but {name} is {body.get(name)!r}")
        else:
            if body.get(name) is not None:
                raise Violation(f"{page.where}: no chats but {name} is {body.get(name)!r}")
    if not page.chats and body["hasMore"] is not False:
        raise Violation(f"{page.where}: an empty page says hasMore: true")
    check_sorted(page.chats, page.where)
    if "limit" in page.params and len(page.chats) > int(page.params["limit"]):
        raise Violation(f"{page.where}: {len(page.chats)} chats, more than limit={page.params['limit']}")


def check_sorted(chats: Sequence[dict[str, Any]], where: str) -> None:
    for newer, older in itertools.pairwise(chats):
        if activity_key(newer) > activity_key(older):
            raise Violation(f"{where}: {describe(newer)} is listed before the more recent {describe(older)}")


def check_beyond_cursor(page: FetchedPage, cursor_chat: dict[str, Any], direction: str) -> None:
    """``before`` pages hold only chats older than the cursor's chat, ``after`` pages only newer ones."""
    for chat in page.chats:
        if chat["id"] == cursor_chat["id"]:
            raise Violation(f"{page.where}: repeats the cursor's own {describe(chat)}")
        if direction == "before":
            if activity_key(chat) < activity_key(cursor_chat):
                raise Violation(f"{page.where}: {describe(chat)} is newer than the cursor's {describe(cursor_chat)}")
        else:
            if activity_key(chat) > activity_key(cursor_chat):
                raise Violation(f"{page.where}: {describe(chat)} is older than the cursor's {describe(cursor_chat)}")


# -- checks on a whole walk ----------------------------------------------------------------------


def check_walk(result: Walk, direction: str = "before") -> None:
    """No chat twice; sorted across page boundaries; each page beyond the previous one's cursor;
    ``hasMore`` true on every page but the last, and false on the last."""
    seen: dict[str, int] = {}
    for index, page in enumerate(result.pages):
        for chat in page.chats:
            if chat["id"] in seen:
                raise Violation(f"{page.where}: {describe(chat)} also on page {seen[chat['id']]}")
            seen[chat["id"]] = page.number
        if index > 0:
            previous = result.pages[index - 1]
            cursor_chat = previous.chats[-1] if direction == "before" else previous.chats[0]
            check_beyond_cursor(page, cursor_chat, direction)
        last = index == len(result.pages) - 1 and result.complete
        if page.body["hasMore"] is last and page.chats:
            where = "the last" if last else "a middle"
            raise Violation(f"{page.where}: hasMore is {page.body['hasMore']} on {where} page")
    if direction == "before":
        check_sorted(result.chats, f"the walk of {len(result.pages)} pages")


def check_subset(filtered: Walk, full: Walk, account_ids: Sequence[str]) -> None:
    """A walk filtered on ``accountIDs`` is exactly the matching chats of the full walk, in order
    (its first chats, if the filtered walk stopped early)."""
    expected = [chat["id"] for chat in full.chats if chat["accountID"] in account_ids]
    if not filtered.complete:
        expected = expected[:len(filtered.ids)]
    strays = [describe(chat) for chat in filtered.chats if chat["accountID"] not in account_ids]
    if strays:
        raise Violation(f"accountIDs={list(account_ids)} returned chats of other accounts: {strays[:3]}")
    missing = sorted(set(expected) - set(filtered.ids))
    label = f"accountIDs={list(account_ids)}"
    if missing:
        raise Violation(f"{label} left out {len(missing)} matching chats, e.g. {missing[:3]}")
    if filtered.ids != expected:
        raise Violation(f"{label}: the chats come in another order than in the full walk")


def assert_client_walk(client_name: str, got_ids: Sequence[str], expected: Walk) -> None:
    """A client's auto-pagination yielded exactly the chats of a raw walk, in order.

    On a mismatch, say where the two part: the position, the chats, and the page and request
    of the raw walk that holds the expected chat.
    """
    if list(got_ids) == expected.ids:
        return
    position = parting(got_ids, expected.ids)
    page = _page_holding(expected, position)
    expected_id = expected.ids[position] if position < len(expected.ids) else "(end of the walk)"
    got_id = got_ids[position] if position < len(got_ids) else "(nothing: the client stopped)"
    raise Violation(
        f"{client_name} yielded {len(got_ids)} chats, the server's walk has {len(expected.ids)}; they part at "
        f"chat #{position}: expected {expected_id!r}{f' from {page.where}' if page else ''}, got {got_id!r}")


def parting(got: Sequence[str], expected: Sequence[str]) -> int:
    """The first position where two lists of IDs differ (the shorter one's length if one is a prefix)."""
    differing = (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
    return next(differing, min(len(got), len(expected)))


def _page_holding(result: Walk, position: int) -> FetchedPage | None:
    for page in result.pages:
        if position < len(page.chats):
            return page
        position -= len(page.chats)
    return None
