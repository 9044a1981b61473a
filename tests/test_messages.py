"""A chat's messages: ``GET /v1/chats/{chatID}/messages`` and ``…/messages/{messageID}``, walked the
way the SDKs walk them, over histories made on demand from each chat."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from beeper_desktop_api import BeeperDesktop, NotFoundError

from fake_beeper import FakeBeeper
from fake_beeper.contract import stages
from fake_beeper.contract.spec import MESSAGE_PAGE_SCHEMA
from fake_beeper.data.history import MAX_GENERATED
from fake_beeper.timestamps import to_millis
from fake_beeper.world.messages import PAGE_SIZE

AUTH_HEADER = "Authorization"


@pytest.fixture(scope="module")
def fake() -> FakeBeeper:
    return FakeBeeper.generated(seed=5, count=120)


@pytest.fixture(scope="module")
def sdk(fake: FakeBeeper) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                         _strict_response_validation=True, max_retries=0)


def messages_path(chat_id: str) -> str:
    return f"/v1/chats/{quote(chat_id, safe='')}/messages"


def get(fake: FakeBeeper, path: str, **params: Any) -> httpx.Response:
    with fake.http_client() as http:
        return http.get(path, params=params, headers={AUTH_HEADER: f"Bearer {fake.token}"})


def count(fake: FakeBeeper, chat_id: str) -> int:
    """How many messages a chat has, without making them."""
    return len(fake.state.messages.timeline(chat_id))


def long_chat(fake: FakeBeeper, at_most: int = 1_500) -> dict[str, Any]:
    """The chat with the most messages, up to ``at_most``: a walk of many pages, quickly."""
    return max((c for c in chats_with_messages(fake) if count(fake, c["id"]) <= at_most),
               key=lambda c: count(fake, c["id"]))


def chats_with_messages(fake: FakeBeeper) -> list[dict[str, Any]]:
    return [chat for chat in (fake.store.get(i) for i in fake.ordered_ids())
            if chat is not None and "preview" in chat and "merge" not in chat]


def test_the_sdk_walks_every_message_of_a_chat_once_newest_first(fake: FakeBeeper, sdk: BeeperDesktop) -> None:
    chats = chats_with_messages(fake)
    longest = long_chat(fake)
    assert count(fake, longest["id"]) > 10 * PAGE_SIZE  # a walk of many pages
    for chat in [longest, *chats[:15]]:
        walked = list(sdk.messages.list(chat["id"]))
        expected = fake.messages(chat["id"])
        assert [m.id for m in walked] == [m["id"] for m in expected]
        assert len({m.id for m in walked}) == len(walked)
        stamps = [m.timestamp for m in walked]
        assert stamps == sorted(stamps, reverse=True)
        assert [int(m.sort_key) for m in walked] == sorted((int(m.sort_key) for m in walked), reverse=True)
        assert {m.chat_id for m in walked} == {chat["id"]} and {m.account_id for m in walked} == {chat["accountID"]}


def test_the_newest_message_is_the_chats_preview(fake: FakeBeeper) -> None:
    for chat in chats_with_messages(fake):
        first = get(fake, messages_path(chat["id"])).json()["items"][0]
        assert first == chat["preview"]


def test_a_chat_without_a_preview_has_no_messages(fake: FakeBeeper) -> None:
    bare = next(chat for chat in (fake.store.get(i) for i in fake.ordered_ids()) if chat and "preview" not in chat)
    assert get(fake, messages_path(bare["id"])).json() == {"items": [], "hasMore": False, "oldestCursor": None,
                                                         "newestCursor": None}


def test_a_merged_chat_holds_no_messages_of_its_own() -> None:
    """"A merged chat holds no messages of its own - read messages from the member chats."""
    fake = FakeBeeper()
    merged = next(chat for chat in (fake.store.get(i) for i in fake.ordered_ids()) if chat and "merge" in chat)
    assert "preview" in merged  # the list still shows its latest message
    assert get(fake, messages_path(merged["id"])).json()["items"] == []
    member = merged["merge"]["chatIDs"][0]
    assert fake.messages(member) and get(fake, messages_path(member)).json()["items"]
    found = get(fake, "/v1/messages/search", chatIDs=[merged["id"], member], limit=500).json()["items"]
    assert found and {message["chatID"] for message in found} == {member}


def test_unread_messages_are_those_after_the_last_read_sort_key(fake: FakeBeeper) -> None:
    checked = 0
    for chat in chats_with_messages(fake):
        messages = fake.messages(chat["id"])
        if "lastReadMessageSortKey" not in chat or chat["unreadCount"] >= len(messages):
            continue
        last_read = int(chat["lastReadMessageSortKey"])
        after = [m for m in messages if int(m["sortKey"]) > last_read]
        assert len(after) == chat["unreadCount"], chat["id"]
        assert all(not m.get("isSender") for m in after)
        assert all(m.get("isUnread", True) for m in after)
        assert all(not m.get("isUnread", False) for m in messages if int(m["sortKey"]) <= last_read)
        checked += 1
    assert checked > 30


def test_senders_are_the_chats_participants_and_replies_point_back_in_the_chat(fake: FakeBeeper) -> None:
    replies = 0
    for chat in chats_with_messages(fake)[:40]:
        people = {p["id"] for p in chat["participants"]["items"]}
        messages = fake.messages(chat["id"])
        ids = [m["id"] for m in messages]
        for at, message in enumerate(messages[1:], 1):  # the preview is the chat's own
            assert message["senderID"] in people or len(chat["participants"]["items"]) >= 20
            if "linkedMessageID" in message:
                assert message["linkedMessageID"] in ids[at + 1:]  # an older message of the chat
                replies += 1
    assert replies > 0


def test_messages_of_realistic_kinds_appear(fake: FakeBeeper) -> None:
    messages = [m for chat in chats_with_messages(fake)[:30] for m in fake.messages(chat["id"])]
    share = {key: sum(1 for m in messages if m.get(key)) / len(messages)
             for key in ("attachments", "reactions", "links", "editedTimestamp", "isDeleted")}
    assert 0.05 < share["attachments"] < 0.5 and 0.1 < share["reactions"] < 0.4
    assert 0.01 < share["links"] < 0.2 and 0.01 < share["editedTimestamp"] < 0.15 and 0.001 < share["isDeleted"] < 0.1


@pytest.mark.parametrize("profile", stages.NAMES)
def test_every_page_is_valid_in_the_stage_served(profile: str) -> None:
    fake = FakeBeeper.generated(seed=9, count=40, profile=profile)
    validator = stages.stage(profile).validator(MESSAGE_PAGE_SCHEMA)
    for chat in chats_with_messages(fake)[:12]:
        cursor = None
        for _ in range(200):
            page = get(fake, messages_path(chat["id"]), **({"cursor": cursor} if cursor else {})).json()
            assert [error.message for error in validator.iter_errors(page)] == []
            cursor = page["oldestCursor"]
            if not page["hasMore"]:
                break
        assert cursor is None


def test_the_last_page_says_no_more_and_has_no_oldest_cursor(fake: FakeBeeper) -> None:
    chat = next(c for c in chats_with_messages(fake) if PAGE_SIZE < count(fake, c["id"]) < 2 * PAGE_SIZE)
    first = get(fake, messages_path(chat["id"])).json()
    assert first["hasMore"] is True and len(first["items"]) == PAGE_SIZE
    last = get(fake, messages_path(chat["id"]), cursor=first["oldestCursor"]).json()
    assert last["hasMore"] is False and last["oldestCursor"] is None and last["newestCursor"] is not None
    assert len(first["items"]) + len(last["items"]) == len(fake.messages(chat["id"]))


def test_after_a_cursor_come_the_adjacent_newer_messages(fake: FakeBeeper) -> None:
    chat = long_chat(fake)
    messages = fake.messages(chat["id"])
    older = get(fake, messages_path(chat["id"]), cursor=get(fake, messages_path(chat["id"])).json()["oldestCursor"])
    anchor = older.json()["items"][-1]  # the 40th newest
    at = [m["id"] for m in messages].index(anchor["id"])
    page = get(fake, messages_path(chat["id"]), cursor=older.json()["oldestCursor"], direction="after").json()
    assert [m["id"] for m in page["items"]] == [m["id"] for m in messages[at - PAGE_SIZE:at]]
    assert page["hasMore"] is True
    head = get(fake, messages_path(chat["id"]), cursor=page["newestCursor"], direction="after").json()
    assert [m["id"] for m in head["items"]] == [m["id"] for m in messages[:at - PAGE_SIZE]]
    assert head["hasMore"] is False


def test_a_message_id_is_a_cursor_too(fake: FakeBeeper) -> None:
    chat = chats_with_messages(fake)[0]
    messages = fake.messages(chat["id"])
    if len(messages) < 3:
        chat = long_chat(fake, 200)
        messages = fake.messages(chat["id"])
    page = get(fake, messages_path(chat["id"]), cursor=messages[1]["id"]).json()
    assert [m["id"] for m in page["items"]] == [m["id"] for m in messages[2:2 + PAGE_SIZE]]


@pytest.mark.parametrize("profile", ["4.1", "js-4.2.3", "4.2"])
def test_older_sdks_page_by_the_last_items_sort_key(profile: str) -> None:
    """Their pager (``CursorSortKey``) sends ``cursor=<sortKey of the last item>``, no direction."""
    fake = FakeBeeper.generated(seed=5, count=60, profile=profile)
    chat = long_chat(fake)
    walked: list[str] = []
    cursor = None
    for _ in range(MAX_GENERATED):
        items = get(fake, messages_path(chat["id"]), **({"cursor": cursor} if cursor else {})).json()["items"]
        if not items:
            break
        walked += [m["id"] for m in items]
        cursor = items[-1]["sortKey"]
    assert walked == [m["id"] for m in fake.messages(chat["id"])]


def test_from_5_0_on_a_bare_number_is_plain_millis_not_a_sort_key(fake: FakeBeeper) -> None:
    chat = long_chat(fake)
    messages = fake.messages(chat["id"])
    sort_key = messages[5]["sortKey"]
    page = get(fake, messages_path(chat["id"]), cursor=sort_key).json()
    older = [m["id"] for m in messages if to_millis(m["timestamp"]) < int(sort_key)][:PAGE_SIZE]
    assert [m["id"] for m in page["items"]] == older != [m["id"] for m in messages[6:6 + PAGE_SIZE]]
    instant = to_millis(messages[5]["timestamp"])
    by_millis = get(fake, messages_path(chat["id"]), cursor=str(instant)).json()["items"]
    assert [m["id"] for m in by_millis] == [m["id"] for m in messages[6:6 + PAGE_SIZE]]


@pytest.mark.parametrize("cursor", ["nonsense", "12|!!", "99999999999999999|eA", "-99999999999999|eA"])
def test_a_cursor_that_names_no_place_is_a_400(fake: FakeBeeper, cursor: str) -> None:
    chat = chats_with_messages(fake)[0]
    answer = get(fake, messages_path(chat["id"]), cursor=cursor)
    assert answer.status_code == 400, answer.text
    assert answer.json()["details"]["issues"][0]["path"] == ["query", "cursor"]


@pytest.mark.parametrize("token", [b"x:y", b"3:!other-chat:x", b"someImsgPage"])
def test_any_other_token_names_the_instant_of_its_millis(fake: FakeBeeper, token: bytes) -> None:
    """As the chats' cursors do (the contract's own example is one): strictly older before it,
    strictly newer after it."""
    chat = long_chat(fake)
    messages = fake.messages(chat["id"])
    instant = to_millis(messages[30]["timestamp"])
    cursor = f"{instant}|{base64.urlsafe_b64encode(token).decode().rstrip('=')}"
    older = get(fake, messages_path(chat["id"]), cursor=cursor).json()["items"]
    assert [m["id"] for m in older] == [m["id"] for m in messages[31:31 + PAGE_SIZE]]
    newer = get(fake, messages_path(chat["id"]), cursor=cursor, direction="after").json()["items"]
    assert [m["id"] for m in newer] == [m["id"] for m in messages[30 - PAGE_SIZE:30]]


def test_an_unknown_chat_is_a_404_with_the_error_body(fake: FakeBeeper, sdk: BeeperDesktop) -> None:
    answer = get(fake, messages_path("!no-such-chat:beeper.local"))
    assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"
    with pytest.raises(NotFoundError):
        sdk.messages.list("!no-such-chat:beeper.local").items  # noqa: B018


def test_a_local_chat_id_reaches_the_same_messages(fake: FakeBeeper) -> None:
    chat = next(c for c in chats_with_messages(fake) if c.get("localChatID"))
    by_local = get(fake, messages_path(chat["localChatID"])).json()
    assert by_local == get(fake, messages_path(chat["id"])).json()


def test_retrieve_finds_any_message_by_id_and_404s_otherwise(fake: FakeBeeper, sdk: BeeperDesktop) -> None:
    chat = long_chat(fake)
    messages = fake.messages(chat["id"])
    for message in (messages[0], messages[len(messages) // 2], messages[-1]):
        got = sdk.messages.retrieve(message["id"], chat_id=chat["id"])
        assert got.to_dict(mode="json") == message or got.id == message["id"]
        assert get(fake, f"{messages_path(chat['id'])}/{quote(message['id'], safe='')}").json() == message
    with pytest.raises(NotFoundError):
        sdk.messages.retrieve("no-such-message", chat_id=chat["id"])
    other = next(c for c in chats_with_messages(fake) if c["id"] != chat["id"])
    answer = get(fake, f"{messages_path(other['id'])}/{quote(messages[1]['id'], safe='')}")
    assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"


def test_retrieve_is_not_in_stages_before_5_0() -> None:
    """Before 5.0 a message had no GET: under 4.1 its path is no route (404); under 4.2, where
    editing it (PUT) had come, a GET is a 405 that names PUT."""
    for profile, status, allow in (("4.1", 404, None), ("4.2", 405, "PUT")):
        fake = FakeBeeper.generated(seed=5, count=10, profile=profile)
        chat = chats_with_messages(fake)[0]
        answer = get(fake, f"{messages_path(chat['id'])}/{quote(chat['preview']['id'], safe='')}")
        assert answer.status_code == status and answer.headers.get("allow") == allow, (profile, answer.text)


def test_a_message_that_arrives_during_a_walk_neither_shifts_nor_repeats_it(fake: FakeBeeper) -> None:
    local = FakeBeeper.generated(seed=5, count=120)
    chat = long_chat(local)
    before = local.messages(chat["id"])
    walked: list[str] = []
    cursor = None
    for turn in range(MAX_GENERATED):
        page = get(local, messages_path(chat["id"]), **({"cursor": cursor} if cursor else {})).json()
        walked += [m["id"] for m in page["items"]]
        if turn < 3:
            local.activity.message(chat["id"], text=f"arrived {turn}")
        cursor = page["oldestCursor"]
        if not page["hasMore"]:
            break
    assert walked == [m["id"] for m in before]
    after = local.messages(chat["id"])
    assert [m.get("text") for m in after[:3]] == ["arrived 2", "arrived 1", "arrived 0"]
    assert after[3:] == before
    newest = get(local, messages_path(chat["id"])).json()["items"][0]
    assert newest == local.store.get(chat["id"])["preview"]  # type: ignore[index]
    assert to_millis(newest["timestamp"]) >= to_millis(before[0]["timestamp"])


def test_a_history_is_the_same_for_the_same_chat() -> None:
    one, two = FakeBeeper.generated(seed=3, count=20), FakeBeeper.generated(seed=3, count=20)
    for chat in chats_with_messages(one)[:5]:
        assert one.messages(chat["id"]) == two.messages(chat["id"])


def test_a_message_that_arrives_before_any_read_lands_on_the_same_history() -> None:
    read_first, changed_first = FakeBeeper.generated(seed=5, count=30), FakeBeeper.generated(seed=5, count=30)
    chat_id = chats_with_messages(read_first)[4]["id"]
    before = read_first.messages(chat_id)
    changed_first.activity.message(chat_id, text="first of all")
    changed_first.activity.archive(chat_id)
    after = changed_first.messages(chat_id)
    assert after[0]["text"] == "first of all" and after[1:] == before


def test_a_history_is_the_same_in_another_process() -> None:
    """Nothing in a history depends on the process (string hashing is salted per process)."""
    script = ("import json, sys; from fake_beeper import FakeBeeper; f = FakeBeeper.generated(seed=3, count=20); "
              "json.dump([f.messages(i) for i in f.ordered_ids()[:4]], sys.stdout)")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120,
                           env={**os.environ, "PYTHONHASHSEED": salt}).stdout for salt in ("1", "2")]
    here = FakeBeeper.generated(seed=3, count=20)
    assert json.loads(runs[0]) == json.loads(runs[1]) == [here.messages(i) for i in here.ordered_ids()[:4]]
