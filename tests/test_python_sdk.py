"""The official Python SDK (beeper-desktop-api, strict response validation) against the live fake."""

from __future__ import annotations

import asyncio

import pytest
from beeper_desktop_api import AsyncBeeperDesktop, AuthenticationError, BadRequestError, BeeperDesktop

from fake_beeper.app import DEFAULT_TOKEN
from fake_beeper.server import LiveServer
from fake_beeper.store import ChatStore


@pytest.fixture
def sdk(live_server: LiveServer) -> BeeperDesktop:
    return BeeperDesktop(base_url=live_server.url, access_token=DEFAULT_TOKEN, max_retries=0,
                         _strict_response_validation=True)


def test_auto_pagination_walks_every_default_chat_once_in_order(sdk: BeeperDesktop, default_store: ChatStore) -> None:
    walked = [chat.id for chat in sdk.chats.list()]
    assert walked == default_store.ordered_ids()
    assert len(walked) == len(default_store) == 400


@pytest.mark.parametrize("limit", [1, 7, 200])
def test_auto_pagination_with_a_limit(sdk: BeeperDesktop, default_store: ChatStore, limit: int) -> None:
    first = sdk.chats.list(limit=limit)
    assert len(first.items) == limit
    assert [chat.id for chat in first] == default_store.ordered_ids()


def test_auto_pagination_over_an_account_filter(sdk: BeeperDesktop, default_store: ChatStore) -> None:
    accounts = default_store.account_ids[3:6]
    walked = [chat.account_id for chat in sdk.chats.list(account_ids=accounts, limit=9)]
    assert len(walked) == len(default_store.ordered_ids(accounts)) > 0
    assert set(walked) == set(accounts)


def test_a_newer_page_by_hand_with_direction_after(sdk: BeeperDesktop, default_store: ChatStore) -> None:
    second = sdk.chats.list(limit=10).get_next_page()
    newer = sdk.chats.list(cursor=second.newest_cursor, direction="after", limit=3)
    assert [chat.id for chat in newer.items] == default_store.ordered_ids()[7:10]


def test_the_async_client_walks_the_same_chats(live_server: LiveServer, default_store: ChatStore) -> None:
    async def walk() -> list[str]:
        async with AsyncBeeperDesktop(base_url=live_server.url, access_token=DEFAULT_TOKEN,
                                      _strict_response_validation=True) as client:
            return [chat.id async for chat in client.chats.list(limit=50)]

    assert asyncio.run(walk()) == default_store.ordered_ids()


def test_a_wrong_token_raises_authentication_error(live_server: LiveServer) -> None:
    client = BeeperDesktop(base_url=live_server.url, access_token="nope", max_retries=0)
    with pytest.raises(AuthenticationError) as error:
        client.chats.list()
    assert error.value.status_code == 401
    assert error.value.body["message"] == "Invalid access token"


def test_bad_parameters_raise_bad_request_error(sdk: BeeperDesktop) -> None:
    with pytest.raises(BadRequestError) as error:
        sdk.chats.list(limit=500)
    assert error.value.body["details"]["issues"][0]["path"] == ["query", "limit"]
