"""Pagination invariants over whole walks, against the target server (the fake, or any URL)."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.conftest import Target
from contract_tests.pagination import Walk, check_beyond_cursor, check_subset, check_walk, fetch, walk


@pytest.fixture(scope="module")
def full_walk(http: httpx.Client) -> Walk:
    return walk(http, limit=200)


@pytest.mark.parametrize("limit", [1, 7, 25, 200, None])
def test_a_before_walk_yields_every_chat_once_in_order(http: httpx.Client, full_walk: Walk, limit: int | None) -> None:
    result = walk(http, limit=limit)
    check_walk(result)
    assert result.ids == full_walk.ids


def test_the_walk_ends_with_has_more_false(full_walk: Walk) -> None:
    assert full_walk.pages[-1].body["hasMore"] is False
    assert all(page.body["hasMore"] for page in full_walk.pages[:-1])


@pytest.mark.parametrize("limit", [1, 9, 60])
def test_an_after_walk_from_the_oldest_chat_climbs_back_to_the_newest(
        http: httpx.Client, full_walk: Walk, limit: int) -> None:
    oldest_page = full_walk.pages[-1]
    result = walk(http, direction="after", cursor=oldest_page.body["oldestCursor"], limit=limit)
    check_walk(result, direction="after")
    climbed = [chat_id for page in reversed(result.pages) for chat_id in (c["id"] for c in page.chats)]
    assert climbed == full_walk.ids[:-1], "an after walk from the oldest chat must meet every newer chat once"


def test_each_before_page_is_older_than_its_cursor_and_each_after_page_newer(http: httpx.Client) -> None:
    middle = fetch(http, limit=30, cursor=fetch(http, limit=30).body["oldestCursor"])
    older = fetch(http, 2, limit=10, cursor=middle.body["oldestCursor"], direction="before")
    newer = fetch(http, 2, limit=10, cursor=middle.body["newestCursor"], direction="after")
    check_beyond_cursor(older, middle.chats[-1], "before")
    check_beyond_cursor(newer, middle.chats[0], "after")
    assert older.chats and newer.chats


def test_an_account_filtered_walk_is_exactly_the_matching_subset(http: httpx.Client, full_walk: Walk) -> None:
    accounts = sorted({chat["accountID"] for chat in full_walk.chats})
    for chosen in (accounts[:1], accounts[1:4], [*accounts[-2:], "no-such-account"]):
        result = walk(http, limit=11, account_ids=chosen)
        check_walk(result)
        check_subset(result, full_walk, chosen)


def test_the_same_request_twice_gives_the_same_page(http: httpx.Client, full_walk: Walk) -> None:
    cursor = full_walk.pages[0].body["oldestCursor"]
    for params in ({}, {"limit": 3}, {"cursor": cursor, "limit": 17}, {"cursor": cursor, "direction": "after"}):
        assert fetch(http, **params).body == fetch(http, **params).body, f"GET /v1/chats {params} is not repeatable"


@pytest.mark.needs_fake_data
def test_the_walk_is_the_fakes_dataset(target: Target, full_walk: Walk) -> None:
    assert target.fake is not None
    assert full_walk.ids == target.fake.ordered_ids()
    assert len(full_walk.ids) == 400
