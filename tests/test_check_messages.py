"""``fake-beeper check`` walks a few chats' messages as the SDKs do: it passes the fake, and names
the page where a broken server's walk loops, repeats a message or never ends."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.check import CheckOptions, Phase, run_check
from fake_beeper.check.messages import MESSAGE_CHATS, every_message_once_and_an_end
from fake_beeper.check.pagination import walk
from fake_beeper.check.report import Violation
from fake_beeper.check.walks import Server
from fake_beeper.http.server import LiveServer
from fake_beeper.http.transport import InProcessTransport

FAST = CheckOptions(rate=5000, max_examples=5, machine_examples=3)
Rewrite = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]  # (page, query) -> page served


def broken(fake: FakeBeeper, rewrite: Rewrite) -> Any:
    """The fake, with each page of messages it serves passed through ``rewrite`` first."""
    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/messages"):
            await fake.app(scope, receive, send)
            return
        sent: dict[str, Any] = {}

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sent["start"] = message
            elif message.get("body"):
                sent["body"] = sent.get("body", b"") + message["body"]

        await fake.app(scope, receive, keep)
        query = dict(httpx.QueryParams(scope["query_string"].decode()))
        body = orjson.dumps(rewrite(orjson.loads(sent["body"]), query)) if sent["start"]["status"] == 200 \
            else sent["body"]
        headers = [(k, v) for k, v in sent["start"]["headers"] if k.lower() != b"content-length"]
        await send({**sent["start"], "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return serve


def checked(app: Any, fake: FakeBeeper, max_messages: int = 2_000) -> None:
    with httpx.Client(transport=InProcessTransport(app), base_url="http://127.0.0.1",
                      headers={"Authorization": f"Bearer {fake.token}"}) as http:
        every_message_once_and_an_end(Server(http, walk(http, limit=200), max_messages=max_messages))


def stuck(page: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """Each page after the first gives back the cursor it was asked with: the walk never moves on."""
    return {**page, "hasMore": True, "oldestCursor": query["cursor"]} if "cursor" in query else page


def overlapping(page: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """Each later page begins with the last message of the page before."""
    if "cursor" not in query or not page["items"]:
        return page
    return {**page, "items": [page["items"][0], *page["items"]]}  # one message twice on a page


def empty_with_more(page: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    return {**page, "items": [], "oldestCursor": None, "newestCursor": None, "hasMore": True} if "cursor" in query \
        else page


def not_a_message_page(page: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    return {**page, "items": [{**item, "sortKey": 5} for item in page["items"]]}


def test_the_fake_passes() -> None:
    fake = FakeBeeper()
    checked(fake.app, fake)


@pytest.mark.parametrize(("rewrite", "says"), [
    (stuck, "the cursor does not move"),
    (overlapping, "was met on page"),
    (empty_with_more, "an empty page says hasMore: true"),
    (not_a_message_page, "sortKey"),
])
def test_a_broken_walk_is_a_violation_naming_its_page(rewrite: Rewrite, says: str) -> None:
    fake = FakeBeeper()
    with pytest.raises(Violation, match=says) as raised:
        checked(broken(fake, rewrite), fake)
    assert "of chat" in str(raised.value) and "GET /v1/chats/" in str(raised.value)


def test_max_messages_bounds_each_walk() -> None:
    fake = FakeBeeper()
    checked(fake.app, fake, max_messages=30)
    asked = [entry for entry in fake.journal if entry.path.endswith("/messages")]
    assert 0 < len(asked) <= MESSAGE_CHATS * 2  # 30 messages: two pages of 20 a chat at most


def test_a_check_reports_it_and_leaves_it_out_when_told() -> None:
    fake = FakeBeeper()
    with LiveServer(broken(fake, stuck)) as server:
        walks = dataclasses.replace(FAST, phases=frozenset({Phase.PAGINATION}))  # where the messages are walked
        report = run_check(server.url, fake.token, walks)
        without = run_check(server.url, fake.token, dataclasses.replace(
            walks, operations=("listChats", "searchChats", "getChat", "getAccounts", "getInfo")))
    found = [f for f in report.violations if f.check.startswith("messages:")]
    assert len(found) == 1 and "does not move" in found[0].message and found[0].curl
    assert not [f for f in without.findings if f.check.startswith("messages:")]
    assert "messages: every message of a chat once, and an end" not in without.passed
