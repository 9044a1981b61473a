"""``GET /v1/chats/search``: the list's pages over the matching chats, and the kit around it.

The filters are proven against a model in ``test_search_properties.py``; these are the cases a
reader looks for: a search as the SDKs send it, live changes, faults, scripted pages, bad input.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.data import load_chats
from fake_beeper.data.build import chat
from tests.conftest import AUTH


def search(http: httpx.Client, **params: Any) -> dict[str, Any]:
    response = http.get("/v1/chats/search", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_what_beepctl_sends_for_its_chat_list(client: httpx.Client) -> None:
    page = search(client, inbox="primary", scope="titles")
    assert len(page["items"]) == 50 and page["hasMore"] is True  # the default limit is 50
    for found in page["items"]:
        assert not found.get("isArchived") and not found.get("isLowPriority") and "preview" not in found
        assert len(found["participants"]["items"]) <= 20


def test_a_search_is_the_list_s_order_with_the_list_s_cursors(client: httpx.Client) -> None:
    everything = client.get("/v1/chats", params={"limit": 200}, headers=AUTH).json()["items"]
    groups = [c["id"] for c in everything if c["type"] == "group"]
    first = search(client, type="group", limit=10)
    second = search(client, type="group", limit=10, cursor=first["oldestCursor"])
    assert [c["id"] for c in first["items"] + second["items"]] == groups[:20]
    back = search(client, type="group", limit=10, cursor=second["newestCursor"], direction="after")
    assert [c["id"] for c in back["items"]] == groups[:10]


def test_words_match_word_starts_in_titles_and_participant_names() -> None:
    world = [chat("!1:x", title="Alice Smith", last_activity="2026-01-03T00:00:00Z"),
             chat("!2:x", title="Natalie", last_activity="2026-01-02T00:00:00Z"),
             chat("!3:x", title="Book club", last_activity="2026-01-01T00:00:00Z",
                  participants={"hasMore": False, "total": 1, "items": [{"id": "@a:x", "fullName": "Ali Khan"}]})]
    with FakeBeeper(chats=world) as fake:
        http = fake.http_client()
        ids = lambda **params: [c["id"] for c in search(http, **params)["items"]]  # noqa: E731
        assert ids(query="ali") == ["!1:x", "!3:x"]
        assert ids(query="ALI", scope="titles") == ["!1:x"]
        assert ids(query="ali khan", scope="participants") == ["!3:x"]
        assert ids(query="whatsapp") == ["!1:x", "!2:x", "!3:x"]  # the network is a title field
        fake.behaviour = {"searchMatch": "substring"}
        assert ids(query="ali") == ["!1:x", "!2:x", "!3:x"]


def test_date_bounds_are_exclusive_and_a_naive_date_time_is_utc() -> None:
    world = [chat("!new:x", last_activity="2026-01-02T00:00:00Z"), chat("!old:x", last_activity="2026-01-01T00:00:00Z"),
             chat("!never:x")]
    with FakeBeeper(chats=world) as fake:
        http = fake.http_client()
        ids = lambda **params: [c["id"] for c in search(http, **params)["items"]]  # noqa: E731
        assert ids(lastActivityAfter="2026-01-01T00:00:00Z") == ["!new:x"]
        assert ids(lastActivityBefore="2026-01-02T00:00:00+00:00") == ["!old:x"]
        assert ids(lastActivityAfter="2026-01-01T00:00:00") == ["!new:x"]  # Python's naive datetime
        assert ids() == ["!new:x", "!old:x", "!never:x"]
        fake.behaviour = {"activityBounds": "inclusive", "naiveDateTimes": "rejected"}
        assert ids(lastActivityAfter="2026-01-01T00:00:00Z") == ["!new:x", "!old:x"]
        rejected = http.get("/v1/chats/search", params={"lastActivityAfter": "2026-01-01T00:00:00"})
        assert rejected.status_code == 400


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "inbox=spam", "type=channel", "scope=all",
                                   "unreadOnly=yes", "includeMuted=1", "lastActivityAfter=yesterday",
                                   "cursor=not-a-cursor", "direction=up", "query=a&query=b"])
def test_bad_parameters_get_a_400_with_the_error_body(client: httpx.Client, query: str) -> None:
    response = client.get(f"/v1/chats/search?{query}", headers=AUTH)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID_REQUEST" and body["details"]["issues"][0]["path"][0] == "query"


def test_a_missing_token_is_a_401(client: httpx.Client) -> None:
    assert client.get("/v1/chats/search").status_code == 401


def test_live_changes_show_in_search_at_once() -> None:
    world = [chat("!a:x", title="Dinner plans", last_activity="2026-01-01T00:00:00Z")]
    with FakeBeeper(chats=world) as fake:
        http = fake.http_client()
        assert [c["id"] for c in search(http, query="dinner", inbox="primary")["items"]] == ["!a:x"]
        fake.activity.new_chat(chat("!b:x", title="Dinner at eight", last_activity="2026-02-01T00:00:00Z"))
        fake.activity.archive("!a:x")
        assert [c["id"] for c in search(http, query="dinner", inbox="primary")["items"]] == ["!b:x"]
        assert [c["id"] for c in search(http, query="dinner", inbox="archive")["items"]] == ["!a:x"]
        fake.activity.message("!a:x")
        assert [c["id"] for c in search(http, query="dinner")["items"]] == ["!a:x", "!b:x"]
        fake.activity.remove("!b:x")
        assert [c["id"] for c in search(http, query="dinner")["items"]] == ["!a:x"]


def test_faults_journal_and_scripted_pages_work_for_search() -> None:
    with FakeBeeper(chats=[chat("!a:x", last_activity="2026-01-01T00:00:00Z")]) as fake:
        http = fake.http_client()
        fake.fail(503, params={"query": "x"})
        assert http.get("/v1/chats/search", params={"query": "x"}).status_code == 503
        assert http.get("/v1/chats/search", params={"query": "x"}).status_code == 200
        assert [r.param("query") for r in fake.journal.to("/v1/chats/search")] == ["x", "x"]
        fake.serve_pages({"items": [], "hasMore": False, "oldestCursor": None, "newestCursor": "made-up"})
        assert http.get("/v1/chats/search").json()["newestCursor"] == "made-up"
        assert http.get("/v1/chats/search").json()["items"][0]["id"] == "!a:x"


def test_search_items_are_the_listed_chats_without_their_preview(client: httpx.Client) -> None:
    listed = client.get("/v1/chats", params={"limit": 200}, headers=AUTH).json()["items"]
    found = search(client, limit=200)["items"]
    assert found == [{key: value for key, value in chat.items() if key != "preview"} for chat in listed]


def test_a_fixture_file_written_by_hand_is_searched_the_same(tmp_path: Any) -> None:
    # json.dumps writes ", " and ": ": the chat's JSON is kept as the file has it, so the preview
    # is not cut out of compact JSON but parsed out; a string that looks like the member stays.
    preview = {"id": "1", "accountID": "a", "chatID": "!a:x", "senderID": "@b:x", "sortKey": "1",
               "timestamp": "2026-01-01T00:00:00Z", "text": 'a "preview": {} in a string'}
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(chat("!a:x", last_activity="2026-01-01T00:00:00Z", preview=preview,
                                    description='"preview":{}')) + "\n")
    with FakeBeeper(chats=load_chats(path)) as fake:
        (item,) = fake.http_client().get("/v1/chats/search").json()["items"]
    assert "preview" not in item and item["description"] == '"preview":{}'
