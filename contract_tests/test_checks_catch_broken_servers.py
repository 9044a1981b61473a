"""The pagination checks fail, with a message naming the page and the chat, on a broken server.

A broken server is played by the fake with scripted pages (``serve_pages``), in-process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_beeper import FakeBeeper, chat
from fake_beeper.check.pagination import Walk, assert_client_walk, check_walk, walk


def page(*chats: dict, more: bool, oldest: str | None = "c-old", newest: str | None = "c-new") -> dict:
    return {"items": list(chats), "hasMore": more, "oldestCursor": oldest if chats else None,
            "newestCursor": newest if chats else None}


A = chat("!a", last_activity="2026-11-20T10:00:00Z")
B = chat("!b", last_activity="2026-11-19T10:00:00Z")
C = chat("!c", last_activity="2026-11-18T10:00:00Z")


@pytest.fixture
def broken() -> Iterator[FakeBeeper]:
    with FakeBeeper(chats=[]) as fake:
        yield fake


def test_a_chat_served_twice(broken: FakeBeeper) -> None:
    broken.serve_pages(page(A, B, more=True), page(B, C, more=False))
    with pytest.raises(AssertionError, match=r"page 2 \(GET /v1/chats\?cursor=c-old\): chat '!b' .* also on page 1"):
        check_walk(walk(broken.http_client()))


def test_a_page_out_of_order(broken: FakeBeeper) -> None:
    broken.serve_pages(page(B, A, more=False))
    with pytest.raises(AssertionError, match=r"page 1 .*chat '!b' .* is listed before the more recent chat '!a'"):
        walk(broken.http_client())


def test_a_page_newer_than_its_cursor(broken: FakeBeeper) -> None:
    broken.serve_pages(page(B, more=True), page(A, more=False))
    with pytest.raises(AssertionError, match=r"page 2 .*chat '!a' .* is newer than the cursor's chat '!b'"):
        check_walk(walk(broken.http_client()))


def test_has_more_on_an_empty_page(broken: FakeBeeper) -> None:
    broken.serve_pages(page(more=True))
    with pytest.raises(AssertionError, match=r"page 1 .*an empty page says hasMore: true"):
        walk(broken.http_client())


def test_a_cursor_missing_beside_chats(broken: FakeBeeper) -> None:
    broken.serve_pages(page(A, more=True, oldest=None))
    with pytest.raises(AssertionError, match=r"page 1 .*1 chats but oldestCursor is None"):
        walk(broken.http_client())


def test_a_client_that_drops_the_last_page_is_told_where(broken: FakeBeeper) -> None:
    broken.serve_pages(page(A, B, more=True), page(C, more=False))
    server_walk: Walk = walk(broken.http_client())
    expected = r"part at chat #2: expected '!c' from page 2 \(GET /v1/chats\?cursor=c-old\), got '\(nothing"
    with pytest.raises(AssertionError, match=expected):
        assert_client_walk("my client", ["!a", "!b"], server_walk)
