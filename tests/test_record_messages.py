"""``record`` reads the newest messages of the newest chats too: GET only, anonymised with the
chats (one key: a name is replaced the same way in a participant and in a sender), and written
to the file, which the fake then serves as given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from fake_beeper import FakeBeeper
from fake_beeper.data import read_world
from fake_beeper.data.files import write_chats
from fake_beeper.record import RecordOptions, record


def test_a_recording_holds_the_newest_messages_anonymised_and_the_fake_serves_them(tmp_path: Path) -> None:
    with FakeBeeper.generated(seed=3, count=40).start() as fake:
        recording = record(fake.base_url, fake.token, RecordOptions(seed=1, rate=1000, max_messages=30,
                                                                    message_chats=4))
        originals = {chat_id: fake.messages(chat_id)[:30] for chat_id in fake.ordered_ids()[:10]}
    assert len(recording.messages) == 4
    recorded = [message for listed in recording.messages.values() for message in listed]
    real_texts = {m["text"] for listed in originals.values() for m in listed if m.get("text")}
    real_ids = {m["id"] for listed in originals.values() for m in listed} | set(originals)
    assert not real_texts & {m.get("text") for m in recorded}, "a message text was recorded as it was"
    assert not real_ids & ({m["id"] for m in recorded} | set(recording.messages)), "an ID was kept"

    path = tmp_path / "mine.jsonl"
    write_chats(recording.bodies, path, accounts=recording.accounts, messages=recording.messages)
    world = read_world(path)
    assert world.generated_messages is False and set(world.messages) == set(recording.messages)
    with FakeBeeper.from_file(path) as served:
        for chat_id, listed in recording.messages.items():
            walked = served.messages(chat_id)
            assert {m["id"] for m in walked} == {m["id"] for m in listed}
            assert [m["timestamp"] for m in walked] == sorted((m["timestamp"] for m in walked), reverse=True)
        unrecorded = next(c for c in served.ordered_ids() if c not in recording.messages)
        assert len(served.messages(unrecorded)) <= 1  # its preview alone: nothing made up


def test_the_command_says_how_many_messages_and_max_messages_0_reads_none(tmp_path: Path) -> None:
    with FakeBeeper.generated(seed=3, count=20).start() as fake:
        done = subprocess.run([sys.executable, "-m", "fake_beeper.cli", "record", "--from", fake.base_url,
                               "--token", fake.token, "--rate", "1000", "--out", str(tmp_path / "a.jsonl"),
                               "--message-chats", "3"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "messages, the newest 20 or fewer of each of 3 chats" in done.stdout
        none = subprocess.run([sys.executable, "-m", "fake_beeper.cli", "record", "--from", fake.base_url,
                               "--token", fake.token, "--rate", "1000", "--out", str(tmp_path / "b.jsonl"),
                               "--max-messages", "0"], capture_output=True, text=True, timeout=120)
        assert none.returncode == 0, none.stderr
        requests_without = len([r for r in fake.journal if "/messages" in r.path])
    header = orjson.loads((tmp_path / "b.jsonl").read_bytes().split(b"\n", 1)[0])
    assert "messages" not in header and requests_without == 3  # the first recording's three chats only
    assert len(read_world(tmp_path / "a.jsonl").messages) == 3
