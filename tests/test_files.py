"""Fixture files: a broken one fails with a message naming the file, the chat and the field."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from fake_beeper.data import FixtureError, files, generate_chats, read_chats
from fake_beeper.data.files import write_chats

GOOD = list(generate_chats(1, 5))


def _jsonl(tmp_path: Path, chats: list, name: str = "chats.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in chats))
    return path


def _broken(index: int, change) -> list:
    chats = copy.deepcopy(GOOD)
    change(chats[index])
    return chats


def test_a_valid_file_loads_every_chat(tmp_path: Path) -> None:
    loaded = read_chats(_jsonl(tmp_path, GOOD))
    assert [c.id for c in loaded] == [c["id"] for c in GOOD]
    assert orjson.loads(loaded[0].body) == GOOD[0]


def test_a_wrong_type_names_the_line_chat_and_nested_field(tmp_path: Path) -> None:
    def change(chat: dict) -> None:
        chat["participants"]["items"][0]["id"] = 5

    path = _jsonl(tmp_path, _broken(2, change))
    with pytest.raises(FixtureError) as error:
        read_chats(path)
    message = str(error.value)
    assert str(path) in message and "line 3" in message
    assert repr(GOOD[2]["id"]) in message
    assert "participants.items[0].id" in message and "string" in message


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"line 1: chat .*\"unreadCount\" is a required property"):
        read_chats(_jsonl(tmp_path, _broken(0, lambda c: c.pop("unreadCount"))))


def test_a_bad_enum_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"field type: .*\"channel\""):
        read_chats(_jsonl(tmp_path, _broken(1, lambda c: c.update(type="channel"))))


def test_a_malformed_date_time_is_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"field lastActivity: .*date-time"):
        read_chats(_jsonl(tmp_path, _broken(1, lambda c: c.update(lastActivity="yesterday"))))


def test_null_where_the_contract_does_not_allow_it_is_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"field title: null"):
        read_chats(_jsonl(tmp_path, _broken(4, lambda c: c.update(title=None))))


def test_a_chat_without_an_id_is_still_located(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"line 2: chat \(without an id\)"):
        read_chats(_jsonl(tmp_path, _broken(1, lambda c: c.pop("id"))))


def test_a_line_that_is_not_json_is_named(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_bytes(orjson.dumps(GOOD[0]) + b"\n{not json\n")
    with pytest.raises(FixtureError, match=r"line 2: not valid JSON"):
        read_chats(path)


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"line 3: .*duplicate of the chat at line 1"):
        read_chats(_jsonl(tmp_path, [GOOD[0], GOOD[1], GOOD[0]]))


def test_a_json_array_and_a_captured_page_both_load(tmp_path: Path) -> None:
    array = tmp_path / "array.json"
    array.write_bytes(orjson.dumps(GOOD))
    page = tmp_path / "page.json"
    page.write_bytes(orjson.dumps({"items": GOOD, "hasMore": False, "oldestCursor": None, "newestCursor": None}))
    assert len(read_chats(array)) == len(read_chats(page)) == len(GOOD)


def test_a_json_file_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chats.json"
    path.write_text('{"chats": []}')
    with pytest.raises(FixtureError, match="expected an array of chats"):
        read_chats(path)
    bad_item = tmp_path / "bad.json"
    bad_item.write_bytes(orjson.dumps([GOOD[0], {"id": "x"}]))
    with pytest.raises(FixtureError, match=r"item 1: chat 'x'"):
        read_chats(bad_item)


def test_a_missing_file_is_a_fixture_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read fixture file"):
        read_chats(tmp_path / "nope.jsonl")


def test_writing_refuses_to_overwrite_unless_told(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text("mine")
    with pytest.raises(FileExistsError):
        write_chats(GOOD, path)
    assert path.read_text() == "mine"
    assert write_chats(GOOD, path, overwrite=True) == len(GOOD)
    assert len(read_chats(path)) == len(GOOD)


# The parallel reader forks, which is only safe in a process without threads: these run it in a
# fresh interpreter, with the size threshold lowered so that a small file takes that path.
_READ_BOTH_WAYS = """
import sys
from pathlib import Path
from fake_beeper.data import files
path = Path(sys.argv[1])

def attempt(read):
    try:
        return read()
    except files.FixtureError as error:
        return str(error)

from fake_beeper.data.parallel import workers_for

files.PARALLEL_MIN_BYTES = 2**62
assert workers_for(path.stat().st_size, files.PARALLEL_MIN_BYTES) == 1
serial = attempt(lambda: files.read_chats(path))
files.PARALLEL_MIN_BYTES = 0
files.READ_BLOCK = int(sys.argv[2]) if len(sys.argv) > 2 else files.READ_BLOCK
assert workers_for(path.stat().st_size, files.PARALLEL_MIN_BYTES) > 1, "the parallel path was not taken"
parallel = attempt(lambda: files.read_chats(path))
if isinstance(parallel, str):
    print("ERROR", parallel, "(the same as read serially)" if parallel == serial else f"(serially: {serial})")
else:
    same = [(c.id, c.account_id, c.last_activity, c.body) for c in parallel] == \
        [(c.id, c.account_id, c.last_activity, c.body) for c in serial]
    print("SAME" if same else "DIFFERENT", len(parallel))
"""


needs_two_cpus = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the parallel reader needs two CPUs")


def _read_in_a_fresh_process(path: Path, *read_block: str) -> str:
    done = subprocess.run([sys.executable, "-c", _READ_BOTH_WAYS, str(path), *read_block], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_two_cpus
def test_a_large_file_read_on_every_core_gives_the_same_chats_in_order(tmp_path: Path) -> None:
    chats = list(generate_chats(3, 700))
    assert _read_in_a_fresh_process(_jsonl(tmp_path, chats)) == "SAME 700"


def _spaced_file(tmp_path: Path) -> tuple[Path, list[bytes]]:
    """60 chats with whitespace around them, blank lines, CRLF and no newline at the end."""
    lines = [orjson.dumps(chat) for chat in generate_chats(3, 60)]
    padding = [b"", b" ", b"\t", b"\r", b"  \r", b"\n \t"]
    path = tmp_path / "spaced.jsonl"
    path.write_bytes(b"\n".join(padding[i % 6] + line + padding[(i * 5) % 6] for i, line in enumerate(lines)))
    return path, lines


def test_a_chats_json_is_kept_as_written_without_the_whitespace_around_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines are read through a buffer: one of 64 bytes makes every chat cross its end (and grow it).
    path, lines = _spaced_file(tmp_path)
    monkeypatch.setattr(files, "READ_BLOCK", 64)
    assert [chat.body for chat in read_chats(path)] == lines


@needs_two_cpus
def test_blank_lines_and_whitespace_read_on_every_core_as_serially(tmp_path: Path) -> None:
    # The JSON of each line is copied out of the file while workers validate it.
    path, _ = _spaced_file(tmp_path)
    assert _read_in_a_fresh_process(path, "64") == "SAME 60"


@needs_two_cpus
def test_an_error_in_a_workers_range_names_the_files_own_line(tmp_path: Path) -> None:
    chats = list(generate_chats(3, 700))
    chats[650]["unreadCount"] = "lots"
    chats[690]["id"] = chats[10]["id"]
    output = _read_in_a_fresh_process(_jsonl(tmp_path, chats))
    assert output.startswith("ERROR ") and output.endswith("(the same as read serially)"), output
    assert ", line 651: chat " in output and "field unreadCount" in output


@needs_two_cpus
def test_a_duplicate_across_workers_ranges_names_both_lines(tmp_path: Path) -> None:
    chats = list(generate_chats(3, 700))
    chats[690]["id"] = chats[10]["id"]
    output = _read_in_a_fresh_process(_jsonl(tmp_path, chats))
    assert ", line 691: chat " in output and "duplicate of the chat at line 11" in output, output


def test_a_file_read_to_be_checked_later_is_refused_by_its_check_as_it_would_be_at_once(tmp_path: Path) -> None:
    from fake_beeper.data import read_world

    chats = list(generate_chats(3, 50))
    chats[40]["unreadCount"] = "lots"
    path = _jsonl(tmp_path, chats)
    with pytest.raises(FixtureError) as at_once:
        read_chats(path)
    world = read_world(path, check_later=True)
    assert len(world.chats) == 50 and world.unchecked is not None
    assert world.unchecked.check() == str(at_once.value)
    path.write_bytes(path.read_bytes().replace(b'"lots"', b'"4444"'))  # the chats where they were
    later = path.stat().st_mtime_ns + 10**9  # (a write in the same clock tick keeps the time)
    os.utime(path, ns=(later, later))
    assert world.unchecked.check() == f"{path}: the file changed while it was served"
    path.write_bytes(path.read_bytes().replace(b'"4444"', b"4"))  # mended
    assert world.unchecked.check() == f"{path}: the file changed while it was served"
    assert read_world(path, check_later=True).unchecked.check() is None  # type: ignore[union-attr]
    path.unlink()  # a file removed meanwhile is the file's doing: said so, not taken for a bug of ours
    assert world.unchecked.check() == f"{path}: cannot read fixture file: No such file or directory"


def test_a_file_may_list_its_accounts_in_either_format(tmp_path: Path) -> None:
    from fake_beeper.data import read_world

    accounts = [{"accountID": GOOD[0]["accountID"], "bridge": {"id": "local-x", "provider": "local", "type": "x"},
                 "status": "reconnect_required", "user": {"id": "@me:beeper.local", "fullName": "Me"}}]
    for name in ("world.jsonl", "world.json"):
        path = tmp_path / name
        write_chats(GOOD, path, accounts=accounts)
        world = read_world(path)
        assert [chat.to_dict() for chat in world.chats] == GOOD
        assert list(world.accounts) == accounts
        assert [chat.to_dict() for chat in read_chats(path)] == GOOD
    assert (tmp_path / "world.jsonl").read_bytes().startswith(b'{"accounts":[{"accountID":')
    assert orjson.loads((tmp_path / "world.json").read_bytes()).keys() == {"accounts", "items"}


@pytest.mark.parametrize("name", ["world.jsonl", "world.json"])
def test_a_broken_account_names_the_file_the_account_and_the_field(tmp_path: Path, name: str) -> None:
    from fake_beeper.data import read_world

    account = {"accountID": "acc_1", "bridge": {"id": "local-x", "provider": "local", "type": "x"},
               "status": "asleep", "user": {"id": "@me:beeper.local"}}
    path = tmp_path / name
    write_chats(GOOD, path, accounts=[account])
    with pytest.raises(FixtureError, match=rf"{name}, .*accounts\[0\]: account 'acc_1': field status: "
                                           ".asleep. is not one of"):
        read_world(path)
    write_chats(GOOD, path, accounts=[{**account, "status": "connected"}] * 2, overwrite=True)
    with pytest.raises(FixtureError, match=r"accounts\[1\]: account 'acc_1': field accountID: listed twice"):
        read_world(path)


def test_a_valid_file_is_read_without_counting_its_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chat's line is counted (a pass over the file up to it) only to name it in an error: done for
    every chat, reading a 50,000-chat recording took hours."""
    from fake_beeper.data import files

    path = tmp_path / "chats.jsonl"
    write_chats(generate_chats(3, 300, 4), path)
    counted: list[int] = []
    real = files._line_at
    monkeypatch.setattr(files, "_line_at", lambda path, offset: counted.append(offset) or real(path, offset))
    assert len(read_chats(path)) == 300 and counted == []
    lines = path.read_text().splitlines()
    lines[150] = lines[150].replace(orjson.loads(lines[150])["id"], "")  # an ID no cursor can carry, line 151
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FixtureError, match="line 151: chat '': field id: an empty ID"):
        read_chats(path)
    assert len(counted) == 1
