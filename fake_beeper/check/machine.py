"""A Hypothesis state machine: walkers page older and newer, interleaved, with random limits and
account filters; every page is compared with a model built from one full walk of the target.

The model is the list order itself, so a page is a slice of it: ``before`` gives the ``limit``
chats after the cursor's chat, ``after`` the ``limit`` chats just before it. The contract leaves
``after`` open, so unless the server is known to answer ``adjacent`` or ``newest`` only its weaker
promises are checked (newer than the cursor, in order, from the right accounts). Against a stage
without ``limit`` (before 6.0), walkers send none and the model pages at the server's page size.
Needs Hypothesis (the ``check`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from fake_beeper.check.pagination import (
    LIST_CHATS,
    FetchedPage,
    check_beyond_cursor,
    check_page_consistent,
    fetch,
)
from fake_beeper.check.report import Violation


@dataclass(frozen=True)
class Walker:
    """Where one client stands: its filter and limit, and the page it holds (as model indexes)."""

    account_ids: tuple[str, ...] | None
    limit: int
    page: FetchedPage
    first: int  # index of the page's first chat in the filtered model list
    last: int   # index of its last chat


class PagingMachine(RuleBasedStateMachine):
    http: httpx.Client
    model: list[dict[str, Any]]
    after: str | None
    path: str
    filters: dict[str, str]
    page_size: int | None  # the server's, where no limit is sent; None: each walker sends its own
    walkers = Bundle("walkers")

    @initialize()
    def check_the_model(self) -> None:
        if not self.model:
            raise Violation("the target has no chats to page through")

    def ordered(self, account_ids: tuple[str, ...] | None) -> list[str]:
        return [c["id"] for c in self.model if account_ids is None or c["accountID"] in account_ids]

    def expect(self, page: FetchedPage, expected: list[str], more: bool) -> None:
        got = [c["id"] for c in page.chats]
        if got != expected:
            raise Violation(f"{page.where}: got {got}, the model says {expected}")
        if page.body["hasMore"] is not more:
            raise Violation(f"{page.where}: hasMore is {page.body['hasMore']}, expected {more}")

    @rule(target=walkers, limit=st.integers(1, 30), skip=st.integers(0, 6),
          accounts=st.none() | st.lists(st.sampled_from(range(16)), min_size=1, max_size=3, unique=True))
    def start(self, limit: int, skip: int, accounts: list[int] | None) -> Walker:
        """A new walker on the first page, then ``skip`` pages older (so walks start deep too)."""
        known = sorted({c["accountID"] for c in self.model})
        account_ids = None if accounts is None else tuple(sorted({known[i % len(known)] for i in accounts}))
        ordered = self.ordered(account_ids)
        limit = self.page_size or limit
        page = fetch(self.http, 1, path=self.path, **self.filters, limit=self.sent(limit),
                     accountIDs=list(account_ids) if account_ids else None)
        check_page_consistent(page)
        self.expect(page, ordered[:limit], len(ordered) > limit)
        walker = Walker(account_ids, limit, page, 0, len(page.chats) - 1)
        for _ in range(skip):
            walker = self.next_older(walker)
        return walker

    def sent(self, limit: int) -> int | None:
        return None if self.page_size else limit

    def turn_page(self, walker: Walker, direction: str) -> FetchedPage:
        """The walker's next page in ``direction``, checked on its own and against its cursor."""
        cursor, edge = ("oldestCursor", -1) if direction == "before" else ("newestCursor", 0)
        page = fetch(self.http, 1, path=self.path, **self.filters, limit=self.sent(walker.limit),
                     cursor=walker.page.body[cursor],
                     direction=direction, accountIDs=list(walker.account_ids) if walker.account_ids else None)
        check_page_consistent(page)
        check_beyond_cursor(page, walker.page.chats[edge], direction)
        return page

    @rule(target=walkers, walker=walkers)
    def older(self, walker: Walker) -> Walker:
        return self.next_older(walker)

    def next_older(self, walker: Walker) -> Walker:
        if not walker.page.chats:
            return walker
        page = self.turn_page(walker, "before")
        ordered = self.ordered(walker.account_ids)
        start = walker.last + 1
        self.expect(page, ordered[start:start + walker.limit], len(ordered) > start + walker.limit)
        if not page.chats:
            return walker
        return Walker(walker.account_ids, walker.limit, page, start, start + len(page.chats) - 1)

    @rule(target=walkers, walker=walkers)
    def newer(self, walker: Walker) -> Walker:
        if not walker.page.chats:
            return walker
        page = self.turn_page(walker, "after")
        ordered = self.ordered(walker.account_ids)
        stop = walker.first
        if self.after == "adjacent":  # the limit chats just newer than the cursor
            start = max(0, stop - walker.limit)
            self.expect(page, ordered[start:stop], start > 0)
        elif self.after == "newest":  # the newest limit chats newer than the cursor
            self.expect(page, ordered[:min(walker.limit, stop)], stop > walker.limit)
        else:
            if not {c["id"] for c in page.chats} <= set(ordered[:stop]):
                raise Violation(f"{page.where}: chats from outside the filter")
        if not page.chats:
            return walker
        first, last = ordered.index(page.chats[0]["id"]), ordered.index(page.chats[-1]["id"])
        return Walker(walker.account_ids, walker.limit, page, first, last)


def run_machine(http: httpx.Client, model: list[dict[str, Any]], *, after: str | None = "adjacent",
                max_examples: int = 80, steps: int = 12, path: str = LIST_CHATS,
                filters: dict[str, str] | None = None, page_size: int | None = None) -> None:
    """Run the machine against the server behind ``http``; an ``AssertionError`` names the page.

    ``model`` is every chat the walks can meet, in order: the full walk of the list, or of a
    search (``path=SEARCH_CHATS`` and its ``filters``, which every walker then sends).

    ``after``: how ``direction=after`` pages are held to the model: ``adjacent`` (the chats just
    newer than the cursor: the fake's default) or ``newest`` (the newest chats newer than it); for
    anything else, only the contract's weaker promises are checked.

    ``page_size``: for a stage without ``limit``, the server's page size; no walker sends ``limit``.
    """
    machine = type("Machine", (PagingMachine,), {"http": http, "model": model, "after": after, "path": path,
                                                 "filters": dict(filters or {}), "page_size": page_size})
    run_state_machine_as_test(machine, settings=settings(max_examples=max_examples, stateful_step_count=steps,
                                                         deadline=None, database=None, derandomize=True))
