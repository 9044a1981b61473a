"""FakeBeeper and its parts: the journal, scripted pages, in-process transports, hand-built chats."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from fake_beeper import FakeBeeper, FixtureError, chat
from fake_beeper.fake import IN_PROCESS_URL


def test_in_process_until_started_then_live_on_loopback() -> None:
    with FakeBeeper(chats=[chat("!a")]) as fake:
        assert fake.base_url == IN_PROCESS_URL and not fake.is_live
        fake.start()
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{fake.base_url}/v1/chats", headers={"Authorization": f"Bearer {fake.token}"}).json()[
            "items"][0]["id"] == "!a"
        assert fake.env() == {"BEEPER_BASE_URL": fake.base_url, "BEEPER_DESKTOP_BASE_URL": fake.base_url,
                              "BEEPER_ACCESS_TOKEN": fake.token}
    assert not fake.is_live


def test_hand_built_chats_are_validated_with_the_chat_and_field_named() -> None:
    with pytest.raises(FixtureError, match=r"chats\[1\]: chat '!b': field unreadCount: \"3\" is not of type"):
        FakeBeeper(chats=[chat("!a"), chat("!b", unread_count="3")])  # type: ignore[arg-type]
    with pytest.raises(FixtureError, match=r"chats\[1\]: chat '!a': field id: duplicate"):
        FakeBeeper(chats=[chat("!a"), chat("!a")])


def test_the_journal_records_method_path_query_headers_and_status() -> None:
    with FakeBeeper(chats=[chat("!a")]) as fake, fake.http_client() as http:
        http.get("/v1/chats", params=[("accountIDs", "x"), ("accountIDs", "y"), ("limit", "5")])
        http.get("/v1/chats", headers={"Authorization": "Bearer wrong"})
        http.get("/nowhere")

        first, second, third = fake.journal
        assert first.params == {"accountIDs": ["x", "y"], "limit": ["5"]} and first.status == 200
        assert first.param("limit") == "5" and first.param("cursor") is None
        assert second.status == 401 and second.headers["authorization"] == "Bearer wrong"
        assert third.path == "/nowhere" and third.status == 404
        assert len(fake.journal.to("/v1/chats")) == 2
        assert str(first) == "GET /v1/chats?accountIDs=x&accountIDs=y&limit=5 -> 200"
        fake.journal.clear()
        assert len(fake.journal) == 0
        with pytest.raises(AssertionError, match="no request"):
            _ = fake.journal.last


def test_scripted_pages_are_served_in_order_then_the_store_again() -> None:
    with FakeBeeper(chats=[chat("!stored")]) as fake, fake.http_client() as http:
        fake.serve_pages({"items": [], "hasMore": True}, b'{"not": "a page"}')

        assert http.get("/v1/chats", params={"cursor": "anything-goes"}).json() == {"items": [], "hasMore": True}
        assert http.get("/v1/chats").json() == {"not": "a page"}
        assert http.get("/v1/chats").json()["items"][0]["id"] == "!stored"


def test_scripted_pages_still_need_auth_and_a_valid_query() -> None:
    with FakeBeeper(chats=[]) as fake, fake.http_client() as http:
        fake.serve_pages({"items": []})
        assert http.get("/v1/chats", headers={"Authorization": "Bearer no"}).status_code == 401
        assert http.get("/v1/chats", params={"limit": 0}).status_code == 400
        assert http.get("/v1/chats").json() == {"items": []}  # still queued after the two errors


def test_serve_pages_replaces_what_is_left_and_takes_json_the_schema_allows() -> None:
    with FakeBeeper(chats=[]) as fake, fake.http_client() as http:
        fake.serve_pages({"n": 1}, {"n": 2})
        fake.serve_pages({"n": 2**70, "s": "\ud800"})  # past 64 bits; a lone surrogate
        assert http.get("/v1/chats").json() == {"n": 2**70, "s": "\ud800"}
        assert http.get("/v1/chats").json()["items"] == []


def test_a_token_change_applies_to_the_next_request() -> None:
    with FakeBeeper(chats=[]) as fake:
        old = fake.http_client()
        fake.token = "new"
        assert old.get("/v1/chats").status_code == 401
        assert fake.http_client().get("/v1/chats").status_code == 200


def test_the_sync_transport_serves_many_clients_and_threads_with_one_loop() -> None:
    before = loop_threads()
    with FakeBeeper() as fake:
        statuses: list[int] = []

        def walk() -> None:
            with fake.http_client() as http:  # closing a client leaves the shared transport running
                statuses.extend(http.get("/v1/chats", params={"limit": 3}).status_code for _ in range(20))

        threads = [threading.Thread(target=walk) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 80
        assert len(loop_threads() - before) == 1
    assert loop_threads() - before == set()


def loop_threads() -> set[threading.Thread]:
    """Event-loop threads of anyio portals (other tests' Starlette TestClients have them too)."""
    return {t for t in threading.enumerate() if t.name.startswith("asyncio-portal")}


def test_the_async_client() -> None:
    async def first_id(fake: FakeBeeper) -> str:
        async with fake.async_http_client() as http:
            return str((await http.get("/v1/chats")).json()["items"][0]["id"])

    with FakeBeeper() as fake:
        assert asyncio.run(first_id(fake)) == fake.ordered_ids()[0]


def test_an_app_error_is_a_500_response_not_an_exception_in_the_client() -> None:
    with FakeBeeper(chats=[]) as fake, fake.http_client() as http:
        fake.app.state.store = None  # break the app
        response = http.get("/v1/chats")
        assert response.status_code == 500
        assert response.json()["code"] == "INTERNAL_ERROR"
        assert fake.journal.last.status == 500
