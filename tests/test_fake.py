"""FakeBeeper and its parts: the journal, scripted pages, in-process transports, hand-built chats."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from fake_beeper import FakeBeeper, FixtureError, UsageError, chat
from fake_beeper.fake import IN_PROCESS_URL, FakeBeeperServerError


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


def test_stop_closes_open_connections_cuts_a_request_under_way_and_frees_the_port() -> None:
    """``stop()`` does not wait for what is open: a keep-alive connection is closed, a request
    still being answered (a slow fault) gets no answer, and the port can be bound again at once."""
    import http.client
    import socket

    fake = FakeBeeper().start()
    fake.fail(latency=30, operation="/v1/accounts")
    host, port = fake.base_url.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {fake.token}"}
    idle = http.client.HTTPConnection(host, int(port), timeout=5)
    idle.request("GET", "/v1/chats?limit=1", headers=headers)
    answer = idle.getresponse()
    assert answer.status == 200 and answer.read() and not answer.will_close  # answered, and kept open
    slow = http.client.HTTPConnection(host, int(port), timeout=5)
    slow.request("GET", "/v1/accounts", headers=headers)
    fake.stop()
    for connection in (idle, slow):
        assert connection.sock is not None and connection.sock.recv(65536) == b""  # closed, with no (more) answer
        connection.close()
    again = socket.socket()
    again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    again.bind((host, int(port)))
    again.close()


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


def test_the_sync_transport_serves_many_clients_threads_and_fakes_with_one_loop() -> None:
    def loop_threads() -> set[threading.Thread]:
        return {thread for thread in threading.enumerate() if thread.name == "fake-beeper in-process"}

    statuses: list[int] = []
    for _ in range(2):
        with FakeBeeper() as fake:
            walkers: set[threading.Thread] = set()

            def walk(fake: FakeBeeper = fake) -> None:
                with fake.http_client() as http:  # closing a client stops nothing
                    statuses.extend(http.get("/v1/chats", params={"limit": 3}).status_code for _ in range(20))

            for _ in range(4):
                walker = threading.Thread(target=walk)
                walkers.add(walker)
                walker.start()
            for walker in walkers:
                walker.join()
        threads = loop_threads()
        assert len(threads) == 1 and all(thread.daemon for thread in threads)  # never holds up exit
    assert statuses == [200] * 160


def test_the_async_client() -> None:
    async def first_id(fake: FakeBeeper) -> str:
        async with fake.async_http_client() as http:
            return str((await http.get("/v1/chats")).json()["items"][0]["id"])

    with FakeBeeper() as fake:
        assert asyncio.run(first_id(fake)) == fake.ordered_ids()[0]


def break_the_store(fake: FakeBeeper) -> None:
    def broken(**_: object) -> object:
        raise KeyError("a bug in the fake")
    fake.store.page = broken  # type: ignore[method-assign]


def test_an_app_error_is_a_500_response_kept_with_its_traceback() -> None:
    with FakeBeeper(chats=[]) as fake, fake.http_client() as http:
        break_the_store(fake)
        response = http.get("/v1/chats")
        assert response.status_code == 500
        assert response.json()["code"] == "INTERNAL_ERROR"
        assert fake.journal.last.status == 500
        (error,) = fake.errors
        assert error.request == "GET /v1/chats" and "a bug in the fake" in error.traceback
        with pytest.raises(FakeBeeperServerError, match=r"(?s)1 internal error.*KeyError.*a bug in the fake"):
            fake.check()
        fake.check()  # reported once


def test_loaded_chats_read_like_dicts() -> None:
    with FakeBeeper(chats=[chat("!a", unread_count=3)]) as fake:
        (loaded,) = [fake.store.get("!a")]
        assert loaded is not None and loaded["unreadCount"] == 3 and dict(loaded)["id"] == "!a"
        assert FakeBeeper(chats=[loaded, chat("!b")]).ordered_ids() == ["!a", "!b"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda fake: fake.fail(418), "FakeBeeper.fail: status: 418 is not one of 401, 429, 500, 503"),
    (lambda fake: fake.fail(429, page=0), "FakeBeeper.fail: page: 0 is less than the minimum of 1"),
    (lambda fake: fake.fail(429, retry_after_ms=-1), "FakeBeeper.fail: retry_after_ms: -1 is less than"),
    (lambda fake: fake.fail(probability=2, latency=0.1), "FakeBeeper.fail: probability: 2 is greater than"),
    (lambda fake: fake.fail(latency=float("inf")), "FakeBeeper.fail: latency: inf is not a finite number"),
    (lambda fake: fake.fail(), "FakeBeeper.fail: say what happens: status=401|429|500|503"),
    (lambda fake: fake.fail(429, drop=True), "FakeBeeper.fail: "),
])
def test_fail_speaks_in_the_callers_words(call: Any, message: str) -> None:
    with FakeBeeper(chats=[]) as fake:
        with pytest.raises(UsageError) as raised:
            call(fake)
        assert str(raised.value).startswith(message), str(raised.value)
        assert "rules[0]" not in str(raised.value) and "Additional properties" not in str(raised.value)
        with pytest.raises(TypeError, match="unexpected keyword argument 'pge'"):
            fake.fail(503, pge=3)  # type: ignore[call-arg]


@pytest.mark.parametrize("token", ["", " padded ", "été", "two words"])
def test_a_token_that_can_never_authenticate_is_refused(token: str) -> None:
    with pytest.raises(UsageError, match="not a valid bearer token"):
        FakeBeeper(chats=[], token=token)
    with FakeBeeper(chats=[]) as fake:
        with pytest.raises(UsageError, match="not a valid bearer token"):
            fake.token = token
        assert fake.token == "fake-beeper-token"
