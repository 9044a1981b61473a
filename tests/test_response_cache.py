"""The response cache: a kept answer is served only while it is still the answer, and serving it
does everything serving the page did (the journal, the cursors noted for faults by page)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_beeper import FakeBeeper
from fake_beeper.http.app import create_app
from fake_beeper.http.transport import InProcessTransport


@contextmanager
def cached_and_fresh(fake: FakeBeeper) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """A client of the fake (its answers kept) and one of a second app over the same world whose
    cache is off: the same request to both must get the same bytes."""
    fresh = create_app(fake.state)
    fresh.responses.enabled = False
    headers = {"Authorization": f"Bearer {fake.token}"}
    with fake.http_client() as cached, httpx.Client(transport=InProcessTransport(fresh), base_url=fake.base_url,
                                                    headers=headers) as uncached:
        yield cached, uncached


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


# "again": the request before, once more (after each change it comes at once: the cache's hard case).
REQUESTS = ["list", "next", "search", "chat", "messages", "next messages", "message search", "accounts",
            "account", "message", "head", "wrong token", "again"]


def react(http: httpx.Client, messages: list[dict[str, Any]], key: str) -> None:
    for message in (m for m in messages if not m.get("isDeleted")):  # a deleted one takes none
        http.post(f"/v1/chats/{message['chatID']}/messages/{message['id']}/reactions", json={"reactionKey": key})


def newest_message(http: httpx.Client, chat_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.get(f"/v1/chats/{chat_id}/messages").json().get("items", [])
    return items[:1]


Change = Callable[[FakeBeeper, str, str, httpx.Client, dict[str, Any]], object]
CHANGES: dict[str, Change] = {
    "message": lambda fake, chat_id, token, http, last: fake.activity.message(chat_id),
    "new chat": lambda fake, chat_id, token, http, last: fake.activity.new_chat(),
    "archive": lambda fake, chat_id, token, http, last: fake.activity.archive(chat_id),
    "remove": lambda fake, chat_id, token, http, last: len(fake.ordered_ids()) > 3 and fake.activity.remove(chat_id),
    "send": lambda fake, chat_id, token, http, last: http.post(f"/v1/chats/{chat_id}/messages", json={"text": "on it"}),
    "read": lambda fake, chat_id, token, http, last: http.post(f"/v1/chats/{chat_id}/read", json={}),
    "react": lambda fake, chat_id, token, http, last: react(http, newest_message(http, chat_id), "👍"),
    # a message of the page seen last that is not its chat's newest: the chat itself stays as it was
    "react older": lambda fake, chat_id, token, http, last: react(
        http, (last.get("messages") or {}).get("items", [])[1:2], "🎉"),
    "behaviour": lambda fake, chat_id, token, http, last: setattr(
        fake, "behaviour", {"limit": "ignored" if fake.behaviour.limit != "ignored" else "honoured"}),
    "token": lambda fake, chat_id, token, http, last: setattr(fake, "token", "another-token"),
    "token back": lambda fake, chat_id, token, http, last: setattr(fake, "token", token),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.lists(st.sampled_from(REQUESTS + sorted(CHANGES)), min_size=5, max_size=30))
def test_a_cached_and_an_uncached_fake_answer_alike_whatever_happens_between(data: st.DataObject,
                                                                            steps: list[str]) -> None:
    fake = FakeBeeper.generated(seed=5, count=30)
    fake.sends = {"delay": 0}
    token = fake.token
    last: dict[str, Any] = {}
    before = request_for("list", "", last, data)
    with cached_and_fresh(fake) as (cached, uncached):
        for step in steps:
            ids = fake.ordered_ids()
            chat_id = ids[data.draw(st.integers(0, 3)) % len(ids)]  # a few chats: the same requests come again
            if step in CHANGES:  # and at once the request before it again: what it kept may be stale now
                CHANGES[step](fake, chat_id, token, cached, last)
                step = "again"
            before = method, url, params, headers = before if step == "again" else request_for(step, chat_id, last,
                                                                                                data)
            fresh = uncached.request(method, url, params=params, headers=headers)
            kept = cached.request(method, url, params=params, headers=headers)
            assert answer(kept) == answer(fresh), (step, url, params)
            if kept.status_code == 200 and method == "GET" and step != "again":
                last[step.removeprefix("next ")] = kept.json()


def request_for(step: str, chat_id: str, last: dict[str, Any],
                data: st.DataObject) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    limit = data.draw(st.integers(1, 2))
    if step in ("list", "head"):
        return "GET" if step == "list" else "HEAD", "/v1/chats", {"limit": limit}, {}
    if step == "next":
        page = last.get("list") or {}
        return "GET", "/v1/chats", {"limit": limit, "cursor": page.get("oldestCursor") or ""}, {}
    if step == "search":
        return "GET", "/v1/chats/search", {"query": data.draw(st.sampled_from(["a", "team", "zz"])), "limit": limit}, {}
    if step == "chat":
        return "GET", f"/v1/chats/{chat_id}", {"maxParticipantCount": limit}, {}
    if step in ("messages", "next messages"):
        page = last.get("messages") or {} if step == "next messages" else {}
        cursor = {"cursor": page["oldestCursor"]} if page.get("oldestCursor") else {}
        return "GET", f"/v1/chats/{chat_id}/messages", cursor, {}
    if step == "message search":
        return "GET", "/v1/messages/search", {"query": data.draw(st.sampled_from(["the", "on it", "a"])),
                                              "limit": limit}, {}
    if step == "accounts":
        return "GET", "/v1/accounts", {}, {}
    if step == "account":
        return "GET", f"/v1/accounts/{data.draw(st.sampled_from(['whatsapp', 'telegram', 'nobody']))}", {}, {}
    if step == "message":
        page = last.get("messages") or {}
        items = page.get("items") or [{"id": "m-none", "chatID": chat_id}]
        return "GET", f"/v1/chats/{items[0]['chatID']}/messages/{items[0]['id']}", {}, {}
    return "GET", "/v1/chats", {"limit": limit}, {"Authorization": "Bearer not-the-token"}


def test_a_read_asked_again_is_kept_and_served_from_the_cache_until_the_world_changes() -> None:
    fake = FakeBeeper.generated(seed=5, count=30)
    with fake.http_client() as http:
        def first_page() -> bytes:
            return http.get("/v1/chats", params={"limit": 3}).content

        # Kept the second time it is asked (a request asked once is not worth a copy), served the third.
        first = first_page()
        assert first_page() == first and first_page() == first
        assert fake.app.responses.hits == 1
        fake.activity.new_chat()  # a new chat on top: the kept page is no longer the answer
        moved = first_page()
        assert fake.app.responses.hits == 1 and moved != first
        assert first_page() == moved and fake.app.responses.hits == 2
    # The journal saw all five, hits included, with their status.
    assert [(r.path, r.status) for r in fake.journal] == [("/v1/chats", 200)] * 5


def test_a_walk_that_asks_for_each_page_once_keeps_nothing() -> None:
    fake = FakeBeeper.generated(seed=5, count=30)
    with fake.http_client() as http:
        cursor: str | None = None
        while True:
            page = http.get("/v1/chats", params={"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
            if not page["hasMore"]:
                break
            cursor = page["oldestCursor"]
    assert len(fake.app.responses) == 0 and fake.app.responses.kept_bytes == 0


def test_a_hit_notes_its_cursors_for_faults_by_page() -> None:
    """A fault on page 2 applies to a walk whose first page came from the cache."""
    fake = FakeBeeper.generated(seed=5, count=30)
    with fake.http_client() as http:
        for _ in range(2):
            http.get("/v1/chats", params={"limit": 2})
        page = http.get("/v1/chats", params={"limit": 2}).json()  # from the cache
        assert fake.app.responses.hits == 1
        fake.fail(503, page=2)
        assert http.get("/v1/chats", params={"limit": 2, "cursor": page["oldestCursor"]}).status_code == 503


def test_no_answer_is_kept_while_faults_or_scripted_pages_are_set() -> None:
    fake = FakeBeeper.generated(seed=5, count=30)
    with fake.http_client() as http:
        fake.fail(500, times=1)
        assert [http.get("/v1/chats").status_code for _ in range(4)] == [500, 200, 200, 200]
        # A rule used up still counts requests (for rules of the Nth request added later): every
        # request takes the full path while there are rules.
        assert fake.app.responses.hits == 0
        fake.scenario({})  # no rules
        assert len({http.get("/v1/chats").content for _ in range(3)}) == 1
        assert fake.app.responses.hits == 1
        fake.serve_pages({"items": [], "hasMore": False, "oldestCursor": None, "newestCursor": None})
        assert http.get("/v1/chats").json()["items"] == []  # the scripted page, not the kept one
        assert http.get("/v1/chats").json()["items"] != []  # and after it, the world again


def test_the_cache_holds_a_bounded_number_of_answers_and_bytes() -> None:
    fake = FakeBeeper.generated(seed=5, count=30)
    responses = fake.app.responses
    with fake.http_client() as http:
        for limit in range(1, 201):
            for cursor in ("", "1", "1", ""):  # each asked twice: each worth keeping
                http.get("/v1/chats", params={"limit": limit, "cursor": cursor})
    assert len(responses) == responses.max_entries
    assert responses.kept_bytes <= responses.max_bytes


def test_a_copy_is_served_only_to_the_headers_the_full_path_would_let_through() -> None:
    """With a header sent twice, the Host check and authentication read the first one: so does the
    cache's key, or a request with two tokens could make a copy that the second token alone gets."""
    fake = FakeBeeper.generated(seed=5, count=30)
    twice = [("Authorization", f"Bearer {fake.token}"), ("Authorization", "Bearer not-the-token")]
    with httpx.Client(transport=fake.transport(), base_url=fake.base_url) as http:
        assert {http.get("/v1/accounts", headers=twice).status_code for _ in range(3)} == {200}
        assert fake.app.responses.hits == 1
        assert http.get("/v1/accounts", headers={"Authorization": "Bearer not-the-token"}).status_code == 401
        swapped = twice[::-1]
        assert {http.get("/v1/accounts", headers=swapped).status_code for _ in range(3)} == {401}
