"""Messages a test or a fixture file gives: served as given, the chat's ``preview`` the newest,
the other chats' histories made from them or (``generated_messages=False``) their preview alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from fake_beeper import FakeBeeper, chat
from fake_beeper.data import FixtureError
from tests.sdk import strict_sdk

ACCOUNT = "local-whatsapp_test"


def message(message_id: str, chat_id: str, minute: int, text: str, *, mine: bool = False) -> dict[str, Any]:
    return {"id": message_id, "accountID": ACCOUNT, "chatID": chat_id, "senderID": "@me:x" if mine else "@ada:x",
            "sortKey": f"{1000 + minute}", "timestamp": f"2026-11-20T18:{minute:02d}:00Z", "text": text,
            "isSender": mine, "type": "TEXT"}


FAMILY = "!family:beeper.local"
NEWEST = message("m3", FAMILY, 30, "see you at 8", mine=True)
CHATS = [
    chat(FAMILY, last_activity="2026-11-20T18:30:00Z", preview=NEWEST),
    chat("!work:beeper.local", last_activity="2026-11-19T09:30:00Z",
         preview=message("w1", "!work:beeper.local", 10, "standup moved")),
    chat("!quiet:beeper.local", last_activity="2026-11-18T09:30:00Z"),
]
GIVEN = {FAMILY: [message("m1", FAMILY, 10, "dinner?"), message("m2", FAMILY, 20, "yes, where?")]}


def test_given_messages_are_served_newest_first_with_the_preview_on_top() -> None:
    with FakeBeeper(CHATS, messages=GIVEN) as fake:
        client = strict_sdk(fake)
        assert [m.id for m in client.messages.list(FAMILY)] == ["m3", "m2", "m1"]
        assert client.messages.retrieve("m1", chat_id=FAMILY).text == "dinner?"
        assert [m.id for m in client.messages.search(query="where", chat_ids=[FAMILY])] == ["m2"]
        assert len(fake.messages("!work:beeper.local")) > 1  # the other chats: made from each chat
        fake.sends = {"delay": 0}
        sent = client.messages.send(FAMILY, text="the usual place")
        assert client.messages.list(FAMILY).items[0].id == client.messages.retrieve(
            sent.pending_message_id, chat_id=FAMILY).id


def test_without_generated_messages_a_chat_has_its_preview_alone() -> None:
    with FakeBeeper(CHATS, messages=GIVEN, generated_messages=False) as fake:
        assert [m["id"] for m in fake.messages("!work:beeper.local")] == ["w1"]
        assert fake.messages("!quiet:beeper.local") == []
        assert [m["id"] for m in fake.messages(FAMILY)] == ["m3", "m2", "m1"]


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_fixture_file_carries_messages(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"world{suffix}"
    header = {"messages": GIVEN, "generatedMessages": False}
    if suffix == ".jsonl":
        path.write_bytes(b"\n".join(orjson.dumps(line) for line in [header, *CHATS]) + b"\n")
    else:
        path.write_bytes(orjson.dumps({**header, "items": CHATS}))
    with FakeBeeper.from_file(path) as fake:
        assert [m["id"] for m in fake.messages(FAMILY)] == ["m3", "m2", "m1"]
        assert fake.messages("!quiet:beeper.local") == []


@pytest.mark.fake_beeper(chats=CHATS, messages=GIVEN, profile="4.2")
def test_the_marker_takes_messages_and_older_profiles_get_them_in_their_shape(fake_beeper: FakeBeeper) -> None:
    served = fake_beeper.messages(FAMILY)
    assert [m["id"] for m in served] == ["m3", "m2", "m1"]
    assert all("isSender" in m and "sendStatus" not in m for m in served)


@pytest.mark.parametrize(("messages", "says"), [
    ({"!nope:x": []}, "the file has no chat with this ID"),
    ({FAMILY: [message("m9", FAMILY, 45, "from the future")]}, "newer than the chat's preview"),
    ({FAMILY: [message("m1", "!work:beeper.local", 10, "misfiled")]}, "field chatID"),
    ({FAMILY: [message("m1", FAMILY, 10, "a"), message("m1", FAMILY, 11, "b")]}, "listed twice"),
    ({FAMILY: [{**message("m1", FAMILY, 10, "a"), "timestamp": "yesterday"}]}, "field timestamp"),
    ({FAMILY: [{**NEWEST, "text": "not what the preview says"}]}, "differs from the chat's preview"),
    ({FAMILY: "m1"}, "expected a list of messages"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_messages_that_do_not_fit_their_chat_are_refused(messages: dict[str, Any], says: str) -> None:
    with pytest.raises(FixtureError, match=says):
        FakeBeeper(CHATS, messages=messages)
