"""``GET /v1/chats/{chatID}``: the chat the list serves, as ``Chat``, with the participants asked for."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec
from fake_beeper.data.build import chat
from tests.conftest import AUTH


def listed(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/v1/chats", params={"limit": 200}, headers=AUTH).json()["items"]
    return items


def path_of(chat_id: str) -> str:
    return "/v1/chats/" + quote(chat_id, safe="!$&'()*+,;=:@")  # one segment, as the SDKs encode it


def test_a_chat_is_the_listed_chat_without_its_preview(client: httpx.Client) -> None:
    for found in listed(client)[:40]:
        got = client.get(path_of(found["id"]), params={"maxParticipantCount": 20}, headers=AUTH).json()
        assert got == {key: value for key, value in found.items() if key != "preview"}
        assert [e.message for e in spec.validator("Chat").iter_errors(got)] == []


def test_participants_follow_max_participant_count_and_keep_total_and_has_more(client: httpx.Client) -> None:
    big = next(c for c in listed(client) if c["participants"]["total"] > 120)
    total, shown = big["participants"]["total"], big["participants"]["items"]
    for asked, count in ((None, 100), ("", 100), (0, 0), (5, 5), (500, min(500, total)), (-1, total)):
        query = {} if asked is None else {"maxParticipantCount": asked}
        participants = client.get(path_of(big["id"]), params=query, headers=AUTH).json()["participants"]
        assert len(participants["items"]) == count
        assert participants["total"] == total and participants["hasMore"] is (count < total)
        assert participants["items"][:len(shown)] == shown[:count]  # the listed ones first
    everyone = client.get(path_of(big["id"]), params={"maxParticipantCount": -1}, headers=AUTH).json()
    assert len({p["id"] for p in everyone["participants"]["items"]}) == total  # no one twice
    assert client.get(path_of(big["id"]), params={"maxParticipantCount": -1}, headers=AUTH).json() == everyone


@pytest.mark.parametrize("bad", ["501", "-2", "many", "1.5"])
def test_a_bad_max_participant_count_is_a_400(client: httpx.Client, bad: str) -> None:
    some = listed(client)[0]["id"]
    response = client.get(path_of(some), params={"maxParticipantCount": bad}, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["details"]["issues"][0]["path"] == ["query", "maxParticipantCount"]


def test_unknown_chats_are_a_404_and_a_chat_named_search_loses_to_the_search_route() -> None:
    odd = ["!a/b c?d#e:x", "search", "!ünï:x", "%2F"]
    with FakeBeeper(chats=[chat(chat_id, last_activity="2026-01-01T00:00:00Z") for chat_id in odd]) as fake:
        http = fake.http_client()
        for chat_id in odd[:1] + odd[2:]:
            assert http.get(path_of(chat_id)).json()["id"] == chat_id
        assert "items" in http.get("/v1/chats/search").json()  # the route, as in the SDKs
        missing = http.get(path_of("!nope:x"))
        assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
        assert http.get("/v1/chats/").status_code == 404  # JS sends this for an empty ID


def test_a_local_chat_id_finds_the_chat() -> None:
    with FakeBeeper(chats=[chat("!full:x", localChatID="5639")]) as fake:
        assert fake.http_client().get("/v1/chats/5639").json()["id"] == "!full:x"


def test_retrieve_sees_live_changes_at_once() -> None:
    with FakeBeeper(chats=[chat("!a:x", last_activity="2026-01-01T00:00:00Z")]) as fake:
        http = fake.http_client()
        fake.activity.archive("!a:x")
        assert http.get("/v1/chats/!a:x").json()["isArchived"] is True
        fake.activity.remove("!a:x")
        assert http.get("/v1/chats/!a:x").status_code == 404
