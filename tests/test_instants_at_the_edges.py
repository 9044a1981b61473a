"""Instants at the edges of what a date-time can say: refused with one line, or served correctly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from fake_beeper import FakeBeeper, FixtureError, chat
from fake_beeper.data import read_chats


@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_time_whose_utc_instant_no_cursor_can_name_is_refused_naming_chat_and_field(
        tmp_path: Path, instant: str) -> None:
    path = tmp_path / "edge.jsonl"
    path.write_bytes(orjson.dumps(chat("!ok", last_activity="2026-01-01T00:00:00Z")) + b"\n"
                     + orjson.dumps(chat("!edge", last_activity=instant)) + b"\n")
    with pytest.raises(FixtureError) as raised:
        read_chats(path)
    message = str(raised.value)
    assert message.startswith(f"{path}, line 2: chat '!edge': field lastActivity: '{instant}' is outside")
    assert "\n" not in message
    with pytest.raises(FixtureError, match="chat '!edge': field lastActivity"):
        FakeBeeper(chats=[chat("!edge", last_activity=instant)])


def test_the_first_and_last_instants_walk_sort_and_take_live_changes() -> None:
    chats = [chat("!last", last_activity="9999-12-31T23:59:59.999Z"), chat("!undated"),
             chat("!first", last_activity="0001-01-01T00:00:00Z"), chat("!mid", last_activity="2026-01-01T00:00:00Z")]
    with FakeBeeper(chats=chats) as fake, fake.http_client() as http:
        assert fake.ordered_ids() == ["!last", "!mid", "!first", "!undated"]
        walked, cursor = [], None
        while True:
            page = http.get("/v1/chats", params={"limit": 1, **({"cursor": cursor} if cursor else {})})
            assert page.status_code == 200, page.text
            walked += [item["id"] for item in page.json()["items"]]
            if not page.json()["hasMore"]:
                break
            cursor = page.json()["oldestCursor"]
        assert walked == fake.ordered_ids()
        fake.activity.message("!mid")  # nothing is later than the last instant: it ties, and is served
        assert http.get("/v1/chats").status_code == 200
        assert fake.store.get("!mid")["lastActivity"] == "9999-12-31T23:59:59.999Z"  # type: ignore[index]
        assert fake.errors == []
