"""The official Python SDK (strict response validation) over accounts, one chat, search and info."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from beeper_desktop_api import AuthenticationError, BeeperDesktop, NotFoundError

from contract_tests.conftest import Target
from fake_beeper.check.pagination import SEARCH_CHATS, Walk, assert_client_walk, walk

pytestmark = pytest.mark.latest_sdks  # made for the newest stage: see conftest

# Each filter on its own, then several at once, as keyword arguments of `chats.search`.
SEARCHES: list[dict[str, Any]] = [
    {"query": "ali"}, {"query": "ali", "scope": "titles"}, {"scope": "participants", "query": "a"},
    {"inbox": "primary"}, {"inbox": "low-priority"}, {"inbox": "archive"}, {"include_muted": False},
    {"label_id": "lbl_1"}, {"last_activity_after": "2026-10-01T00:00:00Z"},
    {"last_activity_before": "2026-06-01T00:00:00+02:00"}, {"type": "group"}, {"type": "any"},
    {"unread_only": True}, {"limit": 3},
    {"type": "single", "unread_only": True, "include_muted": False, "inbox": "primary", "limit": 9},
    {"query": "team", "scope": "titles", "type": "group", "last_activity_after": "2025-01-01T00:00:00Z"},
]
WIRE_NAMES = {"include_muted": "includeMuted", "label_id": "labelID", "last_activity_after": "lastActivityAfter",
              "last_activity_before": "lastActivityBefore", "unread_only": "unreadOnly", "account_ids": "accountIDs"}


@pytest.mark.operations("getAccounts", "getAccount")
def test_the_accounts_name_every_chat_s_account(sdk: BeeperDesktop, full_walk: Walk) -> None:
    accounts = sdk.accounts.list()
    assert {chat["accountID"] for chat in full_walk.chats} <= {account.account_id for account in accounts}
    for account in accounts[:3]:
        assert sdk.accounts.retrieve(account.account_id).account_id == account.account_id


@pytest.mark.operations("getAccounts")
def test_the_chat_list_filtered_by_one_account(sdk: BeeperDesktop, full_walk: Walk) -> None:
    account = sdk.accounts.list()[0].account_id
    got = [chat.id for chat in sdk.chats.list(account_ids=[account])]
    assert got == [chat["id"] for chat in full_walk.chats if chat["accountID"] == account]


@pytest.mark.operations("getChat")
def test_one_chat_with_and_without_max_participant_count(sdk: BeeperDesktop, full_walk: Walk) -> None:
    biggest = max(full_walk.chats, key=lambda chat: chat["participants"]["total"])
    total = biggest["participants"]["total"]
    default = sdk.chats.retrieve(biggest["id"])
    assert default.id == biggest["id"] and len(default.participants.items) == min(100, total)
    everyone = sdk.chats.retrieve(biggest["id"], max_participant_count=-1)
    assert len(everyone.participants.items) == total or everyone.participants.has_more
    assert len(sdk.chats.retrieve(biggest["id"], max_participant_count=2).participants.items) == min(2, total)
    with pytest.raises(NotFoundError):
        sdk.chats.retrieve("!fake-beeper-no-such-chat:beeper.local")


@pytest.mark.operations("searchChats")
@pytest.mark.parametrize("params", SEARCHES, ids=repr)
def test_search_auto_pagination_yields_the_servers_search_walk(sdk: BeeperDesktop, http: httpx.Client,
                                                                target: Target, params: dict[str, Any]) -> None:
    wire = {WIRE_NAMES.get(key, key): str(value).lower() if isinstance(value, bool) else value
            for key, value in params.items()}
    limit = wire.pop("limit", 50)
    expected = walk(http, path=SEARCH_CHATS, filters=wire, limit=limit)
    assert expected.ids or target.fake is None, "each search finds chats in the fake's default data"
    got = [chat.id for chat in sdk.chats.search(**params)]
    assert_client_walk(f"BeeperDesktop.chats.search({params})", got, expected)
    if "type" in params and params["type"] != "any":
        assert {chat["type"] for chat in expected.chats} <= {params["type"]}


@pytest.mark.operations("searchChats")
def test_search_with_accounts_and_a_naive_datetime(sdk: BeeperDesktop, http: httpx.Client, full_walk: Walk) -> None:
    from datetime import datetime

    accounts = sorted({chat["accountID"] for chat in full_walk.chats})[:2]
    got = [chat.id for chat in sdk.chats.search(account_ids=accounts, last_activity_after=datetime(2025, 1, 1))]
    expected = walk(http, path=SEARCH_CHATS, account_ids=accounts, filters={"lastActivityAfter": "2025-01-01T00:00:00"},
                    limit=50)
    assert got == expected.ids and {chat["accountID"] for chat in expected.chats} <= set(accounts)


@pytest.mark.operations("getInfo")
def test_info_needs_no_token(target: Target) -> None:
    info = BeeperDesktop(base_url=target.base_url, access_token="not-the-token", max_retries=0,
                         _strict_response_validation=True).info.retrieve()
    assert info.endpoints.spec and info.server.base_url


@pytest.mark.operations("getAccounts", "getChat", "searchChats")
def test_a_wrong_token_raises_authentication_error_on_every_operation(target: Target, full_walk: Walk) -> None:
    client = BeeperDesktop(base_url=target.base_url, access_token="not-the-token", max_retries=0)
    for call in (client.accounts.list, lambda: client.chats.retrieve(full_walk.ids[0]),
                 lambda: client.chats.search(query="a").items):
        with pytest.raises(AuthenticationError):
            call()
