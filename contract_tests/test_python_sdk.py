"""The official Python SDK (beeper-desktop-api, strict response validation) against the target."""

from __future__ import annotations

import asyncio

import pytest
from beeper_desktop_api import AsyncBeeperDesktop, AuthenticationError, BadRequestError, BeeperDesktop

from contract_tests.conftest import Target
from fake_beeper.check.pagination import Walk, assert_client_walk

pytestmark = pytest.mark.latest_sdks  # made for the newest stage: see conftest


@pytest.mark.parametrize("limit", [None, 1, 7, 200])
def test_auto_pagination_yields_the_servers_walk(sdk: BeeperDesktop, full_walk: Walk, limit: int | None) -> None:
    pages = sdk.chats.list() if limit is None else sdk.chats.list(limit=limit)
    if limit is not None:
        assert len(pages.items) == min(limit, len(full_walk.ids))
    assert_client_walk(f"BeeperDesktop.chats.list(limit={limit})", [chat.id for chat in pages], full_walk)


def test_auto_pagination_over_account_filters(sdk: BeeperDesktop, full_walk: Walk) -> None:
    accounts = sorted({chat["accountID"] for chat in full_walk.chats})
    for chosen in (accounts[:1], accounts[1:4]):
        got = [chat.id for chat in sdk.chats.list(account_ids=chosen, limit=9)]
        assert got == [chat["id"] for chat in full_walk.chats if chat["accountID"] in chosen], \
            f"chats.list(account_ids={chosen}) is not the matching subset of the full walk"


def test_a_newer_page_with_direction_after(sdk: BeeperDesktop, full_walk: Walk) -> None:
    second = sdk.chats.list(limit=10).get_next_page()
    newer = sdk.chats.list(cursor=second.newest_cursor, direction="after", limit=3)
    assert [chat.id for chat in newer.items] == full_walk.ids[7:10]


def test_the_async_client_yields_the_same_walk(target: Target, full_walk: Walk) -> None:
    async def collect() -> list[str]:
        async with AsyncBeeperDesktop(base_url=target.base_url, access_token=target.token,
                                      _strict_response_validation=True) as client:
            return [chat.id async for chat in client.chats.list(limit=50)]

    assert_client_walk("AsyncBeeperDesktop.chats.list(limit=50)", asyncio.run(collect()), full_walk)


def test_a_wrong_token_raises_authentication_error(target: Target) -> None:
    client = BeeperDesktop(base_url=target.base_url, access_token="not-the-token", max_retries=0)
    with pytest.raises(AuthenticationError) as error:
        client.chats.list()
    assert error.value.status_code == 401
    assert isinstance(error.value.body, dict) and error.value.body["code"]


@pytest.mark.parametrize("params", [{"limit": 500}, {"limit": 0}, {"direction": "sideways"}, {"cursor": "x|!!"}])
def test_bad_parameters_raise_bad_request_error(sdk: BeeperDesktop, params: dict) -> None:
    with pytest.raises(BadRequestError) as error:
        sdk.chats.list(**params)
    assert error.value.status_code == 400
    assert isinstance(error.value.body, dict) and error.value.body["code"]
