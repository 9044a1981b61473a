"""``fake-beeper record``: a live fake recorded, and everything the recording promises checked.

What identifies someone is decided here, from docs/record.md's list of what is replaced and kept,
not read from the implementation: each test walks the source and the recording side by side.
"""

from __future__ import annotations

import copy
import re
import signal
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper
from fake_beeper.check.pagination import walk
from fake_beeper.cli import main
from fake_beeper.contract import stages
from fake_beeper.contract.spec import schemas, spec
from fake_beeper.contract.stages import ProfileError
from fake_beeper.data import FixtureError, read_world
from fake_beeper.data.files import write_chats
from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.networks import NETWORKS
from fake_beeper.defaults import DEFAULT_RECORD_MAX_MESSAGES, DEFAULT_RECORD_MESSAGE_CHATS
from fake_beeper.errors import UsageError
from fake_beeper.record import CheckInterrupted, RecordError, RecordOptions, record
from fake_beeper.record.anonymise import Anonymiser, LeakError
from fake_beeper.record.pseudonyms import Pseudonyms
from fake_beeper.timestamps import shifted

TOKEN = "fake-beeper-token"
FAST = 1000.0  # requests a second: a loopback fake needs no politeness

# -- what docs/record.md says a recording replaces and keeps ------------------------------------------

# Fields whose strings are identifiers: each part of 6+ characters that is not kept must go.
ID_FIELDS = {"id", "accountID", "chatID", "senderID", "participantID", "linkedMessageID", "mergedIntoChatID",
             "defaultChatID", "localChatID", "stickerID", "loginID", "imgURL", "srcURL", "posterImg", "url", "favicon",
             "img", "originalURL", "fileName", "filePath", "username", "phoneNumber", "email"}
ID_LISTS = {"chatIDs", "mentions", "deliveredToUsers"}
# Fields whose whole value (6+ characters) must go.
WORD_FIELDS = {"fullName", "senderName", "title", "description", "text", "summary", "transcription",
               "internalError", "message", "statusText", "lastReadMessageSortKey", "sortKey"}
# The parts of IDs, URLs and paths docs/record.md says are kept: networks, Beeper's own words, URL
# schemes, common path words, file extensions.
KEPT_PARTS = {network.slug for network in NETWORKS} | {network.slug + "go" for network in NETWORKS} | {
    "local", "localhost", "beeper", "merged", "https", "favicon", "library", "application", "support",
    "beepertexts", "drafts"}
# Fields kept exactly.
KEPT_FIELDS = {"type", "network", "lastActivity", "timestamp", "editedTimestamp", "remindAt", "snoozeUntil",
               "userSnoozedAt", "status", "mimeType", "reactionKey", "engine", "language", "reason", "provider",
               "seen"}
ID_KEYED_MAPS = {"seen", "attachments"}  # maps keyed by a user or attachment ID


def cli(args: list[str]) -> int:
    """``fake-beeper ARGS`` in-process: its exit status."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


class _Strings:
    """The strings of records, sorted: those a recording must not let through, those it keeps."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.kept: set[str] = set()

    def parts(self, value: str) -> None:
        word = ""
        for char in value + " ":
            if char.isalnum():
                word += char
                continue
            if len(word) >= 6 and word.lower() not in KEPT_PARTS:
                self.found.add(word.lower())
            word = ""

    def visit(self, value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            self.mapping(value, key)
        elif isinstance(value, list):
            for item in value:
                self.visit(item, key if key in ID_LISTS else None if not isinstance(item, str) else key)
        elif isinstance(value, str):
            self.string(value, key)

    def mapping(self, value: dict[str, Any], key: str | None) -> None:
        if key == "capabilities":
            self.kept.add(orjson.dumps(value).decode().lower())
            return
        for name, item in value.items():
            if key == "seen":
                self.parts(name)
            else:
                self.kept.add(name.lower())
            self.visit(item, name)

    def string(self, value: str, key: str | None) -> None:
        if key in ID_FIELDS or key in ID_LISTS:
            self.parts(value)
        elif key in WORD_FIELDS and len(value) >= 6 and any(char.isalnum() for char in value):
            self.found.add(value.lower())
        elif key in KEPT_FIELDS:
            self.kept.add(value.lower())


def strings_of(value: Any) -> Iterator[str]:
    """Every key and string of ``value``, as text (a JSON dump would turn a line break before
    ``white`` into ``\\nwhite``, and find ``nwhite`` where there is none)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)
    elif isinstance(value, str):
        yield value


def identifying(records: list[dict[str, Any]]) -> set[str]:
    """Every string of ``records`` (chats and accounts) a recording must not let through (lower case, 6+ characters):
    less those inside a string the recording keeps (a key, a kept field): a reaction ID ends in
    its kept reaction key, and an ID part "network" cannot hide the key ``network``."""
    strings = _Strings()
    for record_ in records:
        strings.visit(record_, None)
    return set(strings.found) - set(found_in("\n".join(strings.kept), strings.found))


def found_in(text: str, secrets: set[str]) -> list[str]:
    """The ``secrets`` (6 characters or more) that occur anywhere in ``text``, sorted. A secret can
    only occur where its first six characters do, so the whole of ``text`` is searched only for
    those whose start occurs at all (one pass over ``text`` instead of one per secret)."""
    starts = {text[at:at + 6] for at in range(len(text) - 5)}
    return sorted(secret for secret in secrets if secret[:6] in starts and secret in text)


def assert_same_shape(source: Any, recorded: Any, place: str = "") -> None:
    """Keys, nulls, list lengths, numbers, booleans and kept fields equal; strings still strings."""
    assert type(source) is type(recorded), place
    if isinstance(source, dict):
        name = place.rsplit(".", 1)[-1]
        if name in ID_KEYED_MAPS:  # keyed by IDs: as many entries, the same values in order
            assert len(source) == len(recorded), place
            pairs = zip(source.values(), recorded.values(), strict=True)
        elif name == "capabilities":
            assert source == recorded, place
            return
        else:
            assert list(source) == list(recorded), place
            pairs = ((source[key], recorded[key]) for key in source)
        for index, (a, b) in enumerate(pairs):
            assert_same_shape(a, b, f"{place}.{list(source)[index]}")
    elif isinstance(source, list):
        assert len(source) == len(recorded), place
        for index, (a, b) in enumerate(zip(source, recorded, strict=True)):
            assert_same_shape(a, b, f"{place}[{index}]")
    elif isinstance(source, str):
        if place.rsplit(".", 1)[-1] in KEPT_FIELDS or ".seen." in place:
            assert source == recorded, place
    else:
        assert source == recorded, place


def people(chats: list[dict[str, Any]]) -> Counter[str]:
    """How many chats each participant is in."""
    return Counter(person["id"] for chat in chats for person in chat["participants"]["items"])


def plain(chats: list[LoadedChat]) -> list[dict[str, Any]]:
    return [chat.to_dict() for chat in chats]


@pytest.fixture(scope="module")
def sources() -> Iterator[dict[str, FakeBeeper]]:
    """Live fakes to record: the default data, and two generated worlds of other seeds and sizes."""
    fakes = {"default": FakeBeeper(), "seed 3": FakeBeeper.generated(seed=3, count=150, accounts=5),
             "seed 21": FakeBeeper.generated(seed=21, count=700, accounts=9)}
    for fake in fakes.values():
        fake.start()
    yield fakes
    for fake in fakes.values():
        fake.stop()


def source_chats(fake: FakeBeeper) -> list[dict[str, Any]]:
    return [fake.store.get(chat_id).to_dict() for chat_id in fake.ordered_ids()]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["default", "seed 3", "seed 21"])
def test_nothing_identifying_survives_and_the_structure_is_kept(sources: dict[str, FakeBeeper], name: str) -> None:
    fake = sources[name]
    recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=4))
    source = source_chats(fake)
    output = "\0".join(strings_of([recording.chats, recording.accounts, recording.messages])).lower()
    read = [chat["id"] for chat in source if chat.get("preview") and not chat.get("merge")]
    read = read[:DEFAULT_RECORD_MESSAGE_CHATS]
    messages = [message for chat_id in read for message in fake.messages(chat_id)[:DEFAULT_RECORD_MAX_MESSAGES]]
    assert sum(map(len, recording.messages.values())) == len(messages)
    secrets = identifying([*source, *orjson.loads(fake.http_client().get("/v1/accounts").content), *messages])
    assert len(secrets) > 1000
    assert found_in(output, secrets) == []
    assert len(recording.chats) == len(source)
    for before, after in zip(source, recording.chats, strict=True):
        assert_same_shape(before, after)


def test_the_same_person_is_the_same_pseudonym_everywhere(sources: dict[str, FakeBeeper]) -> None:
    fake = sources["seed 21"]
    recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=4))
    source = source_chats(fake)
    pseudonym: dict[str, str] = {}
    for before, after in zip(source, recording.chats, strict=True):
        for a, b in zip(before["participants"]["items"], after["participants"]["items"], strict=True):
            assert pseudonym.setdefault(a["id"], b["id"]) == b["id"]
            assert (a.get("fullName") == before["title"]) == (b.get("fullName") == after["title"])
        if "preview" in before:
            assert before["preview"]["chatID"] == before["id"] and after["preview"]["chatID"] == after["id"]
    assert len(set(pseudonym.values())) == len(pseudonym)  # no two people merged into one
    assert sorted(people(source).values()) == sorted(people(recording.chats).values())
    assert len(people(source)) == len(people(recording.chats))
    # A merged chat still names its members, and they it.
    recorded_ids = {chat["id"] for chat in recording.chats}
    merged = [chat for chat in recording.chats if "merge" in chat]
    assert merged
    for chat in merged:
        assert set(chat["merge"]["chatIDs"]) <= recorded_ids
    members = [chat for chat in recording.chats if "mergedIntoChatID" in chat]
    assert members and all(chat["mergedIntoChatID"] in recorded_ids for chat in members)


def test_accounts_are_recorded_and_agree_with_the_chats(sources: dict[str, FakeBeeper]) -> None:
    fake = sources["default"]
    recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=4))
    assert recording.accounts is not None and len(recording.accounts) == 12
    source_accounts = orjson.loads(fake.http_client().get("/v1/accounts").content)
    for before, after in zip(source_accounts, recording.accounts, strict=True):
        assert_same_shape(before, after)
    by_id = {account["accountID"]: account for account in recording.accounts}
    for chat in recording.chats:
        assert chat["accountID"] in by_id
        me = [person for person in chat["participants"]["items"] if person.get("isSelf")]
        if me:
            assert me[0]["id"] == by_id[chat["accountID"]]["user"]["id"]


def test_sort_keys_keep_their_order(sources: dict[str, FakeBeeper]) -> None:
    fake = sources["seed 21"]
    recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=4))
    pairs = {}
    for before, after in zip(source_chats(fake), recording.chats, strict=True):
        for a, b in ((before.get("lastReadMessageSortKey"), after.get("lastReadMessageSortKey")),
                     (before.get("preview", {}).get("sortKey"), after.get("preview", {}).get("sortKey"))):
            if a is not None:
                assert pairs.setdefault(a, b) == b
    assert len(pairs) > 500
    by_source = [pairs[key] for key in sorted(pairs, key=int)]
    assert by_source == sorted(by_source, key=int)
    assert not set(pairs) & set(pairs.values())


def test_one_seed_gives_the_same_bytes_and_another_seed_other_pseudonyms(sources: dict[str, FakeBeeper],
                                                                         tmp_path: Path) -> None:
    url = sources["seed 3"].base_url
    outputs = {}
    for name, seed in (("a", ["--seed", "4"]), ("b", ["--seed", "4"]), ("c", ["--seed", "5"]), ("d", []), ("e", [])):
        path = tmp_path / f"{name}.jsonl"
        assert cli(["record", "--from", url, "--token", TOKEN, "--out", str(path), "--rate", "1000", *seed]) == 0
        outputs[name] = path.read_bytes()
    assert outputs["a"] == outputs["b"]
    assert len({outputs["a"], outputs["c"], outputs["d"], outputs["e"]}) == 4  # no seed: a new random key each run
    first_ids = {name: orjson.loads(data.splitlines()[1])["id"] for name, data in outputs.items()}
    assert first_ids["a"] != first_ids["c"]


def test_scripts_emoji_html_and_undescribed_fields_are_handled() -> None:
    chat = copy.deepcopy(source_chats_of_default()[0])
    names = {"hebrew": "אמה אברגל", "cyrillic": "Агата Муравьева", "greek": "Νίκος Παπαδόπουλος",
             "cjk": "王秀英", "arabic": "يعرب نهد"}
    template = chat["participants"]["items"][0]
    chat["participants"]["items"] = [{**template, "id": f"@{script}_person:local-signal.localhost", "fullName": name}
                                     for script, name in names.items()]
    chat["participants"]["total"] = len(names)
    chat["title"] = "🎉🔥👨‍👩‍👧‍👦"
    chat["preview"]["text"] = ('Hi <a href="https://matrix.to/#/@hebrew_person:local-signal.localhost">Emma</a>, '
                               "see you at 18:30 🙂")
    chat["nickname"] = "Kishan Bagaria"  # a field openapi.yaml does not describe
    with FakeBeeper([chat]).start() as fake:
        recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=1))
    after = recording.chats[0]
    for person, source_name in zip(after["participants"]["items"], names.values(), strict=True):
        assert person["fullName"] != source_name
        assert script(person["fullName"]) == script(source_name), (source_name, person["fullName"])
        assert len(person["fullName"].split()) == len(source_name.split())
    assert after["title"] != chat["title"]
    assert all(unicodedata.category(char) == "So" or char in "\u200d\ufe0f" for char in after["title"])
    hebrew_id = after["participants"]["items"][0]["id"]
    assert f'href="https://matrix.to/#/{hebrew_id}"' in after["preview"]["text"]
    assert after["preview"]["text"].endswith("🙂") is False and ":" in after["preview"]["text"]
    assert "nickname" not in after  # undescribed: left out, unless asked for
    assert any("left out" in line and "nickname" in line for line in recording.summary.lines())
    with FakeBeeper([chat]).start() as fake:
        kept = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=1, keep_unknown=True))
    assert kept.chats[0]["nickname"] != "Kishan Bagaria" and len(kept.chats[0]["nickname"]) == len("Kishan Bagaria")
    assert any("nickname" in line for line in kept.summary.lines())


def script(text: str) -> set[str]:
    return {unicodedata.name(char).split()[0] for char in text if char.isalpha()}


def source_chats_of_default() -> list[dict[str, Any]]:
    """The default data's newest chat, alone."""
    return source_chats(FakeBeeper())[:1]


def test_a_recording_the_sdk_walks_as_it_walked_the_source(sources: dict[str, FakeBeeper], tmp_path: Path) -> None:
    source = sources["seed 21"]
    path = tmp_path / "mine.jsonl"
    assert cli(["record", "--from", source.base_url, "--token", TOKEN, "--out", str(path), "--rate", "1000"]) == 0
    recorded = FakeBeeper.from_file(path)

    def walk(fake: FakeBeeper) -> tuple[list[tuple[Any, ...]], int]:
        client = BeeperDesktop(base_url=fake.base_url, access_token=TOKEN, http_client=fake.http_client(),
                               _strict_response_validation=True)
        before = len(fake.journal)
        shapes = [(chat.type, chat.unread_count, chat.participants.total, chat.participants.has_more,
                   chat.last_activity, chat.is_archived, len(chat.participants.items))
                  for chat in client.chats.list(limit=37)]
        return shapes, len(fake.journal) - before

    (walked, requests), (walked_before, requests_before) = walk(recorded), walk(source)
    assert requests == requests_before
    # In the same order, but for chats of the same lastActivity: the fake orders those by ID,
    # and the IDs are new.
    assert [shape[4] for shape in walked] == [shape[4] for shape in walked_before]
    assert Counter(walked) == Counter(walked_before)
    client = BeeperDesktop(base_url=recorded.base_url, access_token=TOKEN, http_client=recorded.http_client(),
                           _strict_response_validation=True)
    assert [account.account_id for account in client.accounts.list()] == \
        [account["accountID"] for account in read_world(path).accounts]


@pytest.mark.parametrize(("rule", "words"), [
    ({"match": {"page": 3, "operation": "/v1/chats"}, "fault": {"status": 500}}, ["page 3", "HTTP 500"]),
    ({"match": {"page": 2, "operation": "/v1/chats"}, "fault": {"drop": True}}, ["page 2", "closed the connection"]),
    ({"match": {"page": 2, "operation": "/v1/chats"}, "fault": {"status": 401}}, ["page 2", "401", "token"]),
    # Retry-After: 0, so that the retries are not waited out (how long they are is the test below's).
    ({"match": {"operation": "/v1/accounts"}, "fault": {"status": 503, "retryAfter": 0}, "times": 9},
     ["/v1/accounts", "503"]),
], ids=["500 on page 3", "dropped on page 2", "401 on page 2", "503 on the accounts"])
def test_a_server_that_breaks_mid_walk_leaves_no_file(rule: dict[str, Any], words: list[str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with FakeBeeper.generated(seed=3, count=700, accounts=4).start() as fake:
        fake.scenario(rules=[rule])
        status = cli(["record", "--from", fake.base_url, "--token", TOKEN, "--out", str(tmp_path / "out.jsonl"),
                       "--rate", "1000"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "nothing was written" in err and all(word in err for word in words), err
    assert list(tmp_path.iterdir()) == []


def test_a_retry_waits_as_retry_after_says_or_backs_off() -> None:
    """A 429 or 503 is retried after its ``Retry-After`` (bounded), or, without one, after 1, 2, 4 s."""
    from fake_beeper.record.fetch import MAX_RETRY_WAIT, RETRIES, _retry_wait

    def wait(attempt: int, **headers: str) -> float:
        return _retry_wait(httpx.Response(503, headers=headers), attempt)

    assert [wait(attempt) for attempt in range(RETRIES)] == [1.0, 2.0, 4.0]
    assert [wait(0, **{"retry-after": "3"}), wait(2, **{"retry-after": "0"})] == [3.0, 0.0]
    assert wait(0, **{"retry-after": "86400"}) == MAX_RETRY_WAIT and wait(0, **{"retry-after": "-5"}) == 0.0
    assert wait(1, **{"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 2.0  # a date is not read: backed off


def test_rate_limits_are_waited_out(tmp_path: Path) -> None:
    with FakeBeeper.generated(seed=3, count=450, accounts=4).start() as fake:
        fake.scenario(rules=[{"match": {"page": 2, "operation": "/v1/chats"},
                              "fault": {"status": 429, "retryAfter": 0}, "times": 2}])
        recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST))
        statuses = [entry.status for entry in fake.journal if not entry.path.endswith("/messages")]
    assert len(recording.chats) == 450
    assert statuses.count(429) == 2 and statuses.count(200) == 4  # the accounts and three pages


def test_unreachable_servers_and_stops_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    assert cli(["record", "--from", "http://127.0.0.1:9", "--token", TOKEN, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot connect" in err
    with FakeBeeper().start() as fake, pytest.raises(CheckInterrupted):
        record(fake.base_url, TOKEN, RecordOptions(rate=FAST), interrupted=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_refused_before_any_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine.jsonl"
    out.write_text("mine\n")
    with FakeBeeper().start() as fake:
        assert cli(["record", "--from", fake.base_url, "--token", TOKEN, "--out", str(out)]) == 2
        assert len(fake.journal) == 0
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "mine\n"


def test_no_anonymise_writes_the_raw_recording_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "raw.json"
    with FakeBeeper.generated(seed=3, count=30, accounts=3).start() as fake:
        assert cli(["record", "--from", fake.base_url, "--token", TOKEN, "--out", str(out), "--no-anonymise",
                     "--shift-days", "-30"]) == 0
        source = source_chats(fake)
    err = capsys.readouterr().err
    assert "WARNING: --no-anonymise" in err and "is NOT anonymised" in err
    world = read_world(out)
    raw = plain(world.chats)
    assert [chat["id"] for chat in raw] == [chat["id"] for chat in source]
    assert raw[0]["title"] == source[0]["title"]
    assert raw[0]["lastActivity"] != source[0]["lastActivity"]
    shifted_back = FakeBeeper(raw).store.newest_millis()
    assert shifted_back == FakeBeeper(source).store.newest_millis() - 30 * 86_400_000  # type: ignore[operator]


def test_max_chats_records_the_newest_only(sources: dict[str, FakeBeeper]) -> None:
    fake = sources["seed 21"]
    recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=2, max_chats=250))
    assert len(recording.chats) == 250 and recording.fetched.pages == 2
    assert [chat["lastActivity"] for chat in recording.chats] == \
        [chat["lastActivity"] for chat in source_chats(fake)[:250]]


def test_the_leak_check_stops_a_field_left_as_it_was() -> None:
    """The search of the output is the last line of defence: shown here to catch a field the
    contract's annotations forgot (the participants' names kept: a single chat's title names
    the same person) ..."""
    document = copy.deepcopy(spec())
    document["components"]["schemas"]["User"]["properties"]["fullName"]["x-anonymise"] = "keep"
    chats = source_chats_of_default()
    with pytest.raises(LeakError, match=r"from chat 1, field title survived anonymising, in chat 1, "
                                        r"field participants\.items\[\d\]\.fullName; nothing was written"):
        Anonymiser(b"key", document=document).run(chats, [])
    Anonymiser(b"key").run(chats, [])  # and with the contract as it is, it passes


def test_the_leak_check_stops_a_replacement_that_replaced_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """... and a replacement that returns what it was given."""
    monkeypatch.setattr(Pseudonyms, "text", lambda self, value: value)
    with pytest.raises(LeakError, match=r"from chat 1, field \S+ survived anonymising, in chat 1, field \S+;"):
        Anonymiser(b"key").run(source_chats_of_default(), [])


def test_the_recording_is_served_with_its_accounts(sources: dict[str, FakeBeeper], tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    assert cli(["record", "--from", sources["default"].base_url, "--token", TOKEN, "--out", str(path),
                 "--rate", "1000", "--seed", "9"]) == 0
    world = read_world(path)
    served = orjson.loads(FakeBeeper.from_file(path).http_client().get("/v1/accounts").content)
    assert served == list(world.accounts)
    with pytest.raises(RecordError, match="401"):
        record(sources["default"].base_url, "wrong-token", RecordOptions(rate=FAST))


def test_every_string_the_contract_describes_says_how_it_is_anonymised() -> None:
    """A field added to openapi.yaml must say what ``record`` does with it: no string property
    under a chat or an account lacks an ``x-anonymise`` (unless an enum or a date-time, or inside
    a ``keep``), and every annotation names a kind."""
    walker = schemas()
    components = spec()["components"]["schemas"]
    kinds = {"identifier", "name", "title", "text", "network", "sort-key", "keep"}
    unannotated: list[str] = []
    annotations: set[str] = set()

    def visit(schema: Mapping[str, Any], place: str, annotated: bool, path: frozenset[int] = frozenset()) -> None:
        if id(schema) in path:  # a schema within itself: walked once
            return
        path, node = path | {id(schema)}, walker.node(schema)
        kind = node.first("x-anonymise")
        if kind is not None:
            annotations.add(kind)
            if kind == "keep":
                return
        annotated = annotated or kind is not None
        for branch in node.branches:
            visit(branch, place, annotated, path)
        for name, sub in node.properties.items():
            visit(sub, f"{place}.{name}", False, path)
        if isinstance(node.additional, Mapping):
            visit(node.additional, f"{place}{{}}", annotated, path)
            if node.first("x-anonymise-keys") is not None:
                annotations.add(node.first("x-anonymise-keys"))
        if node.items is not None:
            visit(node.items, f"{place}[]", annotated, path)
        if "string" in node.types and not annotated \
                and not (node.every("enum") or node.every("const") or node.first("format") == "date-time"):
            unannotated.append(place)

    visit(components["ChatListResponse"], "chat", False, frozenset())
    visit(components["Account"], "account", False, frozenset())
    assert unannotated == []
    assert annotations == kinds


def test_the_committed_example_is_a_fresh_recording(tmp_path: Path) -> None:
    """``tests/examples/my_beeper.jsonl`` is what its docstring's command writes today."""
    out = tmp_path / "my_beeper.jsonl"
    with FakeBeeper().start() as fake:
        assert cli(["record", "--from", fake.base_url, "--token", TOKEN, "--seed", "1", "--max-chats", "30",
                    "--message-chats", "5", "--out", str(out), "--rate", "1000"]) == 0
    assert out.read_bytes() == (Path(__file__).parent / "examples" / "my_beeper.jsonl").read_bytes()


def test_ctrl_c_during_a_recording_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "mine.jsonl"
    with FakeBeeper.generated(seed=3, count=2000, accounts=4).start() as fake:
        fake.scenario(rules=[{"match": {"operation": "/v1/chats"}, "fault": {"latency": 0.3}}])
        process = subprocess.Popen([sys.executable, "-m", "fake_beeper.cli", "record", "--from", fake.base_url,
                                    "--token", TOKEN, "--out", str(out)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(fake.journal.to("/v1/chats")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # well into the walk: two pages asked for
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.splitlines() == ["fake-beeper: stopped by SIGINT before record finished"]
    assert list(tmp_path.iterdir()) == []


def test_shifted_date_times_keep_how_they_were_written() -> None:
    assert shifted("2026-05-05T20:11:54.000Z", -30) == "2026-04-05T20:11:54.000Z"
    assert shifted("2026-05-05T20:11:54+02:00", 1) == "2026-05-06T20:11:54+02:00"
    assert shifted("2026-05-05t20:11:54.123456789z", 1) == "2026-05-06t20:11:54.123456789z"
    with pytest.raises(ValueError, match="beyond the years"):
        shifted("9999-12-31T00:00:00Z", 2)


@pytest.mark.parametrize(("args", "words"), [
    (["--from", "localhost:23373"], "expected an http:// or https:// URL"),
    (["--from", "http://[::1"], "expected an http:// or https:// URL"),
    (["--from", "http://127.0.0.1:9", "--shift-days", "soon"], "not a whole number of days"),
    (["--from", "http://127.0.0.1:9", "--max-chats", "0"], "must be at least 1"),
    (["--from", "http://127.0.0.1:9", "--out", "mine.txt"], "must end in .jsonl"),
], ids=["no scheme", "not a URL", "shift not a number", "no chats", "another extension"])
def test_bad_arguments_are_one_line_and_exit_2(args: list[str], words: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = ["--out", str(tmp_path / "mine.jsonl")] if "--out" not in args else []
    assert cli(["record", "--token", TOKEN, *out, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_a_token_from_the_environment_that_can_never_authenticate_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEEPER_ACCESS_TOKEN", " padded ")
    assert cli(["record", "--from", "http://127.0.0.1:9", "--out", str(tmp_path / "mine.jsonl")]) == 2
    assert "BEEPER_ACCESS_TOKEN:" in capsys.readouterr().err
    monkeypatch.delenv("BEEPER_ACCESS_TOKEN")
    assert cli(["record", "--from", "http://127.0.0.1:9", "--out", str(tmp_path / "mine.jsonl")]) == 2
    assert "record needs the server's token" in capsys.readouterr().err


# -- an older Beeper Desktop: record --profile ------------------------------------------------------


@pytest.mark.parametrize("stage", ["4.1", "js-4.2.3", "4.2", "5.0"])
def test_an_older_server_is_recorded_in_its_stage_and_served_as_it(stage: str, tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    with FakeBeeper(profile=stage).start() as old:
        assert cli(["record", "--from", old.base_url, "--token", TOKEN, "--out", str(path), "--rate", "1000",
                    "--seed", "2", "--profile", stage]) == 0
        source = source_chats(old)
        accounts = orjson.loads(old.http_client().get("/v1/accounts").content)
    assert orjson.loads(path.read_bytes().split(b"\n", 1)[0])["profile"] == stage  # the file says its stage
    world = read_world(path)
    assert (world.profile, len(world.chats), len(world.accounts)) == (stage, len(source), len(accounts))
    output = path.read_text().lower()
    assert found_in(output, identifying([*source, *accounts])) == []
    for before, after in zip(source, plain(world.chats), strict=True):
        assert_same_shape(before, after)  # nothing added, nothing projected away: a null title stays null
    replay = FakeBeeper.from_file(path)
    assert replay.profile == stage
    assert len(replay.http_client().get("/v1/chats", params={"limit": 3}).json()["items"]) == 25  # no limit
    served = walk(replay.http_client()).chats
    validator = stages.stage(stage).validator()
    assert all(validator.is_valid(chat) for chat in served)
    assert Counter(title_state(chat) for chat in served) == Counter(title_state(chat) for chat in source)


def title_state(chat: dict[str, Any]) -> str:
    return "absent" if "title" not in chat else "null" if chat["title"] is None else "a title"


def test_an_older_server_recorded_as_the_newest_says_which_profile_to_pass(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.jsonl"
    with FakeBeeper(profile="4.2").start() as old:
        status = cli(["record", "--from", old.base_url, "--token", TOKEN, "--out", str(path), "--rate", "1000"])
    error = capsys.readouterr().err.strip()
    assert status == 1 and not path.exists()
    assert len(error.splitlines()) == 1, error
    assert '"bridge" is a required property' in error and "pass --profile 4.2" in error


def test_a_recording_of_one_stage_is_not_served_as_another(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.json"
    with FakeBeeper(profile="4.2").start() as old:
        recording = record(old.base_url, TOKEN, RecordOptions(rate=FAST, seed=1, profile="4.2"))
    write_chats(recording.bodies, path, accounts=recording.accounts, stage=recording.stage)
    assert orjson.loads(path.read_bytes())["profile"] == "4.2"
    with pytest.raises(ProfileError, match=rf"{re.escape(str(path))}: .*stage 4.2.* not 5.0"):
        FakeBeeper.from_file(path, profile="5.0")
    assert cli(["serve", "--fixtures", str(path), "--profile", "6.0", "--port", "0"]) == 2
    assert "can be served as profile 4.2 only" in capsys.readouterr().err
    assert FakeBeeper.from_file(path, profile="4.2").profile == "4.2"
    with pytest.raises(UsageError, match=r"give chats=\.\.\."):  # the default data is of the newest shape
        FakeBeeper(chats_profile="4.2")


@pytest.mark.parametrize(("header", "line", "words"), [
    ({"profile": "9.9"}, None, "line 1, field profile: unknown profile '9.9'"),
    ({"profile": "4.2"}, {"network": "WhatsApp"}, None),  # more than the stage has: a chat may carry more
    ({"profile": "4.1"}, {"title": None}, "line 2: chat '!x:beeper.local': field title: null is not of type"),
    ({"profile": "6.0"}, {}, None),
], ids=["unknown profile", "extra field", "null title in 4.1", "6.0 said"])
def test_a_file_s_stage_is_read_from_its_first_line(header: dict[str, Any], line: dict[str, Any] | None,
                                                    words: str | None, tmp_path: Path) -> None:
    chat = {"id": "!x:beeper.local", "accountID": "whatsapp", "network": "WhatsApp", "title": "x", "type": "single",
            "unreadCount": 0, "participants": {"items": [], "hasMore": False, "total": 0}}
    path = tmp_path / "f.jsonl"
    path.write_bytes(orjson.dumps(header) + b"\n" + orjson.dumps({**chat, **(line or {})}) + b"\n")
    if words is None:
        assert read_world(path).profile == stages.stage(header["profile"]).name
        return
    with pytest.raises(FixtureError) as raised:
        read_world(path)
    assert str(raised.value).startswith(f"{path}, {words}"), raised.value


# -- what the contract does not describe ---------------------------------------------------------

HIDDEN = ["zorblaxExtraField", "hiddenValueAlpha", "extraObjectKey", "innerSecretKey", "innerSecretValue",
          "previewSideChannel", "accountSideChannel", "capabilityWhisper", "capabilityNestedKey",
          "listedSecretOne"]


def hiding(chats: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> None:
    """Hide each of ``HIDDEN`` in a place the contract does not describe: a top-level key and its
    value, keys of nested unknown objects, a key of the preview, an account's own key, strings and
    objects in an account's capabilities, a list of unknown strings."""
    chats[0]["zorblaxExtraField"] = "hiddenValueAlpha"
    chats[0]["extraObj"] = {"extraObjectKey": {"innerSecretKey": "innerSecretValue"}}
    chats[0]["extraList"] = ["listedSecretOne"]
    next(chat for chat in chats if "preview" in chat)["preview"]["previewSideChannel"] = 7
    accounts[0]["accountSideChannel"] = True
    accounts[0]["capabilities"] = {"sendMessages": True, "note": "capabilityWhisper",
                                   "capabilityNestedKey": {"deep": 1}}


def test_nothing_the_contract_does_not_describe_is_recorded_unless_asked(tmp_path: Path) -> None:
    chats = source_chats(FakeBeeper())[:30]
    with FakeBeeper(chats) as fake:
        accounts = [orjson.loads(account) for account in fake.state.store.accounts()]
    hiding(chats, accounts)
    with FakeBeeper(chats, accounts=accounts).start() as fake:
        recording = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=3))
        kept = record(fake.base_url, TOKEN, RecordOptions(rate=FAST, seed=3, keep_unknown=True))
    written = tmp_path / "out.jsonl"
    write_chats(recording.bodies, written, accounts=recording.accounts)
    text = written.read_text().lower()
    assert [word for word in HIDDEN if word.lower() in text] == []  # keys and values alike
    assert recording.accounts is not None and recording.accounts[0]["capabilities"] == {"sendMessages": True}
    assert any("left out" in line and "zorblaxExtraField" in line for line in recording.summary.lines())
    # Asked for: the fields are kept, by name, and what they hold is anonymised.
    everything = b"".join(kept.bodies).decode().lower() + orjson.dumps(kept.accounts).decode().lower()
    assert "zorblaxextrafield" in everything and "hiddenvaluealpha" not in everything
    assert "innersecretvalue" not in everything and "capabilitywhisper" not in everything


def test_the_leak_check_searches_keys_as_well_as_values() -> None:
    """A key the output keeps that holds what identifies someone elsewhere stops the recording."""
    chats = source_chats(FakeBeeper())[:5]
    name = next(person["fullName"] for chat in chats for person in chat["participants"]["items"]
                if len(person.get("fullName") or "") >= 6)
    chats[0]["extra"] = {name: 1}  # an undescribed key that is a person's name
    Anonymiser(b"key").run(chats, [])  # left out by default: nothing to find
    with pytest.raises(LeakError, match=r"survived anonymising, in chat 1, field extra"):
        Anonymiser(b"key", keep_unknown=True).run(chats, [])


def test_what_a_server_says_is_printed_escaped(tmp_path: Path) -> None:
    from tests import hostile

    def rude(request: hostile.Request, peer: hostile.Peer) -> bool:
        return peer.answer(orjson.dumps({"code": "E\x1b[31m", "message": "\x1b[2J\x07\nfake-beeper: wrote it all\r"}),
                           "500 Internal Server Error")

    with hostile.HostileServer(rude) as server:
        done = subprocess.run([sys.executable, "-m", "fake_beeper.cli", "record", "--from", server.url, "--out",
                               str(tmp_path / "out.jsonl"), "--token", "t"], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not any(char in done.stderr.strip() for char in "\x1b\x07\r"), repr(done.stderr)
    assert "\\x1b[2J" in done.stderr
