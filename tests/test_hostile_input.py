"""Files, command lines and queries that mean harm: each refused with one line (exit 2) or
answered within its bound, never a traceback, a hang or memory without end."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.data import generate_chats
from fake_beeper.text import shown
from tests.test_cli import _one_line_error, _run

SCENARIO_YAML = {
    "a date where a number goes": "seed: 2001-12-14t21:59:43Z\n",
    "a !!binary": "seed: !!binary aGk=\n",
    "a !!set": "rules: !!set {a}\n",
    "a boolean key": "true: 1\n",
    "a number key": "1: 2\n",
    "a null key": "~: 3\n",
    "a 100,000-digit number": f"seed: {'9' * 100_000}\n",
    "a number past 64 bits": "seed: 99999999999999999999999\n",
    "an explicit !!timestamp": "seed: !!timestamp 2001-12-14\n",
}


@pytest.mark.parametrize("name", SCENARIO_YAML)
def test_a_scenario_yaml_of_other_than_json_types_is_one_line(name: str, tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO_YAML[name])
    _one_line_error(_run("serve", "--port", "0", "--scenario", str(path)), str(path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("flag", ["--fixtures", "--scenario"])
def test_a_fifo_is_refused_before_it_is_opened(flag: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fixtures.jsonl"
    os.mkfifo(fifo)  # opening it would block until a writer came
    _one_line_error(_run("serve", "--port", "0", flag, str(fifo)), "a FIFO, not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_no_fixture_file(device: str) -> None:
    for command in (["serve", "--port", "0", "--fixtures", device], ["validate", device]):
        _one_line_error(_run(*command), device, "a device, not a regular file")


def test_a_directory_is_no_fixture_file(tmp_path: Path) -> None:
    _one_line_error(_run("validate", str(tmp_path)), "a directory, not a regular file")


@pytest.mark.parametrize(("chat_id", "why"), [("", "an empty ID"), ("!a\x00b", "control or format characters"),
                                              ("!a\nb", "control or format characters"),
                                              ("!" + "é" * 800, "over 1536 bytes")])
@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_chat_id_no_cursor_can_carry_is_refused_at_load(chat_id: str, why: str, suffix: str,
                                                          tmp_path: Path) -> None:
    chats = list(generate_chats(1, 3))
    chats[1]["id"] = chat_id
    path = tmp_path / f"fixtures{suffix}"
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in chats) if suffix == ".jsonl" else orjson.dumps(chats))
    result = _run("validate", str(path))
    _one_line_error(result, "line 2" if suffix == ".jsonl" else "item 1", "field id", why)
    assert "\x00" not in result.stderr


def test_a_huge_value_is_not_echoed_whole(tmp_path: Path) -> None:
    chats = list(generate_chats(1, 2))
    chats[1]["unreadCount"] = "lots" * 2_000_000  # 8 MB in one field
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in chats))
    result = _run("validate", str(path))
    _one_line_error(result, "line 2", "field unreadCount", "is not of type")
    assert len(result.stderr) < 1000


def test_shown_text_is_one_line_without_control_characters() -> None:
    assert shown("ok\x1b[2J\rforged\nline\u202eevil") == "ok\\x1b[2J\\rforged\\nline\\u202eevil"
    assert shown("x" * 1000, 10) == "x" * 10 + "…"
    assert shown("Zoë 🙂 王") == "Zoë 🙂 王"


@pytest.mark.parametrize(("args", "words"), [
    (["generate", "--count", "99999999999999999999", "--out", "x.jsonl"], ["at most 10,000,000 chats"]),
    (["serve", "--seed", "1", "--count", "10000001"], ["at most 10,000,000 chats"]),
    (["generate", "--accounts", "1000000", "--out", "x.jsonl"], ["at most 10,000 accounts"]),
    (["serve", "--journal", "99999999999"], ["at most 1,000,000 requests"]),
    (["record", "--from", "http://127.0.0.1:9", "--out", "x.jsonl", "--max-chats", "99999999999"],
     ["at most 10,000,000 chats"]),
])
def test_a_count_no_machine_could_hold_is_refused_at_once(args: list[str], words: list[str]) -> None:
    _one_line_error(_run(*args), *words)


def test_a_query_of_thousands_of_words_costs_what_its_distinct_words_cost() -> None:
    """12,000 copies of a word are one test per chat, and a word that starts another is implied
    by it: the answer is the same as for the essential words, found in one pass."""
    with FakeBeeper() as fake, fake.http_client() as http:
        def found(query: str) -> list[str]:
            return [chat["id"] for chat in http.get("/v1/chats/search", params={"query": query, "limit": 200})
                    .json()["items"]]

        assert found(" ".join(["a"] * 12_000)) == found("a")
        assert found(" ".join(["al", "ali", "alic"] * 3_000)) == found("alic")
        assert found("ali zzzzqqq") == []


def test_a_scenario_body_of_other_than_json_types_is_a_400(fake_beeper: FakeBeeper) -> None:
    http = fake_beeper.http_client()
    for body in (b'{"seed": 1e400}', b'{"seed": ' + b"[" * 100 + b"]" * 100 + b"}", b'{"rules": {"a": null}}'):
        response = http.put("/_fake-beeper/scenario", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body

