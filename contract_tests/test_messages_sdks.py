"""Messages through the official SDKs (Python 6.0.0 with strict validation, TypeScript 5.0.0): each
walks every message of a chat once and stops, on the server's own walk; search walks the same
results; one message is retrieved by its ID, and an unknown one is a ``NotFoundError``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from beeper_desktop_api import BeeperDesktop, NotFoundError

from contract_tests.conftest import Target
from contract_tests.test_typescript_sdk import run_sdk
from fake_beeper.check.pagination import Walk

pytestmark = pytest.mark.latest_sdks  # made for the newest stage: see conftest

MAX_PAGES = 2_000  # a walk longer than this does not end (the fake's longest chat has 600 pages)


def server_walk(http: httpx.Client, path: str, params: dict[str, Any] | None = None) -> list[str]:
    """The IDs of a walk by ``oldestCursor`` as the server pages it: each message once, and an end."""
    ids: list[str] = []
    cursor = None
    for _ in range(MAX_PAGES):
        answer = http.get(path, params={**(params or {}), **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text[:300]}"
        page = answer.json()
        ids += [f"{item['chatID']} {item['id']}" for item in page["items"]]
        if not page["hasMore"] or not page["items"] or not page["oldestCursor"]:
            assert len(set(ids)) == len(ids), f"GET {path} repeats messages"
            return ids
        cursor = page["oldestCursor"]
    raise AssertionError(f"GET {path} did not end in {MAX_PAGES} pages")


def messages_of(chat_id: str) -> str:
    return f"/v1/chats/{quote(chat_id, safe='')}/messages"


@pytest.fixture(scope="module")
def chats(full_walk: Walk) -> list[dict[str, Any]]:
    """Some chats with messages: the first few with a preview that are not merged chats (which
    "hold no messages of their own")."""
    return [chat for chat in full_walk.chats if chat.get("preview") and not chat.get("merge")][:6]


@pytest.mark.operations("listMessages")
def test_the_python_sdk_walks_every_message_of_a_chat_once(sdk: BeeperDesktop, http: httpx.Client,
                                                          chats: list[dict[str, Any]]) -> None:
    assert chats, "the target lists no chat with a preview"
    for chat in chats:
        walked = [f"{m.chat_id} {m.id}" for m in sdk.messages.list(chat["id"])]
        assert walked == server_walk(http, messages_of(chat["id"]))
        assert walked and walked[0].endswith(" " + chat["preview"]["id"])  # the preview is the newest message


@pytest.mark.operations("listMessages")
def test_the_typescript_sdk_walks_every_message_of_a_chat_once(target: Target, http: httpx.Client,
                                                              chats: list[dict[str, Any]]) -> None:
    for chat in chats[:3]:
        result = run_sdk(target.env(), {"chatID": chat["id"]}, "messages")
        assert "error" not in result, result
        ids = [f"{chat['id']} {message_id}" for message_id in result["ids"]]
        assert ids == server_walk(http, messages_of(chat["id"]))


# Bounded to recent weeks, so that a walk of all results stays short on any server.
SEARCHES: list[dict[str, Any]] = [
    {"dateAfter": "2026-10-25T00:00:00Z", "limit": 20}, {"chatType": "group", "dateAfter": "2026-10-01T00:00:00Z"},
    {"sender": "me", "mediaTypes": ["any"], "dateAfter": "2026-09-01T00:00:00Z", "limit": 25},
    {"includeMuted": False, "excludeLowPriority": False, "dateAfter": "2026-10-20T00:00:00Z", "limit": 40},
]
SNAKE = {"chatType": "chat_type", "mediaTypes": "media_types", "includeMuted": "include_muted",
         "excludeLowPriority": "exclude_low_priority", "dateAfter": "date_after"}


def wire(params: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value).lower() if isinstance(value, bool) else value for key, value in params.items()}


@pytest.mark.operations("searchMessages")
@pytest.mark.parametrize("params", SEARCHES, ids=repr)
def test_both_sdks_walk_the_servers_search(target: Target, sdk: BeeperDesktop, http: httpx.Client,
                                           params: dict[str, Any]) -> None:
    expected = server_walk(http, "/v1/messages/search", wire(params))
    python = [f"{m.chat_id} {m.id}" for m in sdk.messages.search(**{SNAKE.get(k, k): v for k, v in params.items()})]
    assert python == expected
    typescript = run_sdk(target.env(), params, "searchMessages")
    assert "error" not in typescript, typescript
    assert len(typescript["ids"]) == len(expected)
    assert [hit.split(" ")[1] for hit in expected] == typescript["ids"]


@pytest.mark.operations("listMessages", "getMessage")
def test_a_listed_message_is_retrieved_by_its_id(target: Target, sdk: BeeperDesktop, http: httpx.Client,
                                                chats: list[dict[str, Any]]) -> None:
    chat = chats[0]
    listed = http.get(messages_of(chat["id"])).json()["items"]
    for message in listed[:3]:
        assert sdk.messages.retrieve(message["id"], chat_id=chat["id"]).id == message["id"]
        assert http.get(f"{messages_of(chat['id'])}/{quote(message['id'], safe='')}").json() == message
    with pytest.raises(NotFoundError):
        sdk.messages.retrieve("fake-beeper-no-such-message", chat_id=chat["id"])
    missing = run_sdk(target.env(), {"chatID": chat["id"], "messageID": "fake-beeper-no-such-message"}, "message")
    assert missing["error"]["name"] == "NotFoundError" and missing["error"]["status"] == 404
