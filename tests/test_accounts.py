"""``GET /v1/accounts`` and ``/v1/accounts/{accountID}``: the world's accounts, read off its chats."""

from __future__ import annotations

import httpx

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec
from fake_beeper.data.build import chat
from fake_beeper.world.accounts import bridge_of
from tests.conftest import AUTH


def test_the_accounts_are_exactly_the_accounts_the_chats_name(client: httpx.Client) -> None:
    accounts = client.get("/v1/accounts", headers=AUTH).json()
    assert isinstance(accounts, list)
    validator = spec.validator("Account")
    assert [error.message for account in accounts for error in validator.iter_errors(account)] == []
    listed = {account["accountID"] for account in accounts}
    chats = client.get("/v1/chats", params={"limit": 200}, headers=AUTH).json()["items"]
    assert {c["accountID"] for c in chats} <= listed
    for account in accounts:  # each account has chats in the default data, and its network is theirs
        page = client.get("/v1/chats", params={"accountIDs": account["accountID"], "limit": 1}, headers=AUTH).json()
        assert page["items"] and page["items"][0]["network"] == account["network"]


def test_every_status_and_provider_appears_in_the_default_data(client: httpx.Client) -> None:
    accounts = client.get("/v1/accounts", headers=AUTH).json()
    account = spec.component("Account")["properties"]
    bridge = spec.component("AccountBridge")["properties"]
    assert {a["status"] for a in accounts} == set(account["status"]["enum"])
    assert {a["bridge"]["provider"] for a in accounts} == set(bridge["provider"]["enum"])


def test_an_account_s_user_is_its_own_self_participant(client: httpx.Client) -> None:
    for account in client.get("/v1/accounts", headers=AUTH).json():
        assert account["user"]["isSelf"] is True
        assert not {"isAdmin", "isNetworkBot", "isPending"} & set(account["user"])  # a User, not a participant


def test_one_account_by_id_and_a_404_for_an_unknown_one(client: httpx.Client) -> None:
    first = client.get("/v1/accounts", headers=AUTH).json()[0]
    assert client.get(f"/v1/accounts/{first['accountID']}", headers=AUTH).json() == first
    missing = client.get("/v1/accounts/no-such-account", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert client.get("/v1/accounts").status_code == 401


def test_the_bridge_is_read_off_the_id() -> None:
    assert bridge_of("local-whatsapp_ba_EvYDBBsZbRQAy3UOSWqG0LuTVkc") == {
        "id": "local-whatsapp", "provider": "local", "type": "whatsapp"}
    assert bridge_of("slackgo.T0123-U0456") == {"id": "slackgo", "provider": "cloud", "type": "slackgo"}
    assert bridge_of("matrix") == {"id": "matrix", "provider": "cloud", "type": "matrix"}
    assert bridge_of("sh-signal_ba_x")["provider"] == "self-hosted"
    assert bridge_of("sdk-imessage_ba_x")["provider"] == "platform-sdk"


def test_a_chat_on_a_new_account_adds_the_account_and_removing_chats_keeps_it() -> None:
    with FakeBeeper(chats=[chat("!a:x", account_id="matrix", last_activity="2026-01-01T00:00:00Z")]) as fake:
        http = fake.http_client()
        fake.activity.new_chat(chat("!b:x", account_id="discordgo", network="Discord"))
        assert [a["accountID"] for a in http.get("/v1/accounts").json()] == ["matrix", "discordgo"]
        fake.activity.remove("!b:x")
        assert http.get("/v1/accounts/discordgo").status_code == 200
