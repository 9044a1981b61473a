"""Generated chats: deterministic, valid against openapi.yaml, and covering the whole schema."""

from __future__ import annotations

import hashlib
import itertools
import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from fake_beeper.contract import spec
from fake_beeper.data import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_SEED, default_fixtures_path, generate_chats
from fake_beeper.data.files import write_chats
from fake_beeper.data.pools import RTL_LOCALES, SNAPSHOT
from fake_beeper.timestamps import to_millis
from fake_beeper.world.accounts import bridge_of
from tests.schema_coverage import Coverage, expectations, observe

ROOT = Path(__file__).resolve().parent.parent
CHAT = {"$ref": "#/components/schemas/ChatListResponse"}


def _digest(seed: int, count: int, accounts: int = DEFAULT_ACCOUNTS) -> str:
    digest = hashlib.sha256()
    for chat in generate_chats(seed, count, accounts):
        digest.update(orjson.dumps(chat))
    return digest.hexdigest()


def _default() -> list[dict]:
    return [orjson.loads(line) for line in Path(default_fixtures_path()).read_bytes().splitlines()]


def test_the_same_seed_gives_byte_identical_chats() -> None:
    assert _digest(3, 300) == _digest(3, 300)


def test_different_seeds_give_different_chats() -> None:
    assert _digest(3, 50) != _digest(4, 50)


def test_the_committed_default_dataset_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    """If this fails, the generator changed: run `make fixtures` and commit the result."""
    out = tmp_path / "chats.jsonl"
    write_chats(generate_chats(DEFAULT_SEED, DEFAULT_COUNT, DEFAULT_ACCOUNTS), out)
    assert out.read_bytes() == Path(default_fixtures_path()).read_bytes()


def test_the_committed_word_lists_are_exactly_what_faker_draws() -> None:
    """If this fails, tools/draw_pools.py or Faker changed: run `make pools`, then `make fixtures`."""
    draw_pools = runpy.run_path(str(ROOT / "tools" / "draw_pools.py"))
    drawn = orjson.dumps(draw_pools["draw"](), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    assert drawn == (ROOT / "fake_beeper" / "data" / SNAPSHOT).read_bytes()


def test_generating_needs_no_faker() -> None:
    """Faker is a tool of the repository, not a dependency: a user's pytest never loads it."""
    code = ("import sys; sys.modules['faker'] = None\n"
            "from fake_beeper.data import load_chats\n"
            "print(len(load_chats(seed=3, count=30, cache=False)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "30"), done.stderr


def test_a_smaller_count_is_a_prefix_of_a_larger_one() -> None:
    small = list(generate_chats(11, 120))
    large = list(itertools.islice(generate_chats(11, 1000), 120))
    assert small == large


def test_a_range_from_first_is_the_same_as_that_stretch_of_one_long_run() -> None:
    whole = list(generate_chats(11, 300))
    assert list(generate_chats(11, 100, first=150)) == whole[150:250]


def test_every_generated_chat_is_valid_against_the_contract() -> None:
    validator = spec.validator("ChatListResponse")
    for seed in (0, 1, 99):
        for chat in generate_chats(seed, 600):
            errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(chat)]
            assert errors == [], f"seed {seed}, chat {chat['id']}"


def test_chat_ids_are_unique_at_scale() -> None:
    ids = [chat["id"] for chat in generate_chats(5, 30_000, accounts=3)]
    assert len(set(ids)) == len(ids)


def test_the_default_dataset_covers_every_optional_nullable_and_enum_part_of_the_schema() -> None:
    coverage = Coverage()
    for chat in _default():
        observe(CHAT, chat, out=coverage)
    assert coverage.missing(expectations(CHAT)) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_seeds_cover_the_schema_too_given_enough_chats(seed: int) -> None:
    coverage = Coverage()
    for chat in generate_chats(seed, 1500):
        observe(CHAT, chat, out=coverage)
    assert coverage.missing(expectations(CHAT)) == []


def test_the_default_dataset_has_the_edge_cases_clients_trip_on() -> None:
    chats = _default()
    activity = Counter(c["lastActivity"] for c in chats if "lastActivity" in c)
    titles = [c["title"] for c in chats]
    rtl_chars = {chr(c) for c in range(0x0590, 0x0700)}  # Hebrew and Arabic blocks
    assert any(n > 1 for n in activity.values()), "ties in lastActivity"
    assert any("lastActivity" not in c for c in chats), "chats without lastActivity"
    assert any(c["participants"]["items"] == [] for c in chats), "empty participant lists"
    assert any(c["participants"]["total"] > 20 and len(c["participants"]["items"]) == 20 for c in chats)
    assert all(len(c["participants"]["items"]) <= 20 for c in chats)
    assert any(c["type"] == "single" for c in chats) and any(c["type"] == "group" for c in chats)
    assert any(any(ord(ch) > 0x1F000 for ch in t) for t in titles), "emoji in titles"
    assert any(set(t) & rtl_chars for t in titles), "right-to-left titles"
    assert any(len(t) > 200 for t in titles), "very long titles"
    assert any(c["unreadCount"] == 0 for c in chats) and any(c["unreadCount"] >= 1000 for c in chats)
    assert RTL_LOCALES  # the locales the right-to-left names come from


def test_the_default_dataset_spans_many_networks_and_accounts() -> None:
    chats = _default()
    networks = {c["network"] for c in chats}
    assert {"WhatsApp", "Signal", "Telegram", "Instagram", "Messenger", "Discord", "Slack", "LinkedIn",
            "iMessage", "Google Messages", "X"} <= networks
    accounts = {c["accountID"] for c in chats}
    assert len(accounts) == DEFAULT_ACCOUNTS
    # local-whatsapp_ba_…, sh-…, sdk-…, and cloud accounts such as telegramgo: every provider
    assert {bridge_of(account)["provider"] for account in accounts} == {"local", "cloud", "self-hosted",
                                                                        "platform-sdk"}
    for chat in chats:
        home = f"local-{bridge_of(chat['accountID'])['type'].removesuffix('go')}.localhost"
        if "mergedIntoChatID" not in chat and "merge" not in chat:
            assert chat["id"].startswith("!") and chat["id"].endswith(f".{home}")
        for user in chat["participants"]["items"]:
            assert user["id"].startswith("@") and user["id"].endswith(f":{home}")


def test_merged_chats_and_their_members_point_at_each_other() -> None:
    chats = {c["id"]: c for c in _default()}
    merged = [c for c in chats.values() if "merge" in c]
    assert merged
    for chat in merged:
        for member_id in chat["merge"]["chatIDs"]:
            if member_id in chats:  # the last block may be cut off by the count
                assert chats[member_id]["mergedIntoChatID"] == chat["id"]
        if "defaultChatID" in chat["merge"]:
            assert chat["merge"]["defaultChatID"] in chat["merge"]["chatIDs"]


def test_previews_belong_to_their_chat() -> None:
    for chat in _default():
        preview = chat.get("preview")
        if preview is None:
            continue
        assert preview["chatID"] == chat["id"] and preview["accountID"] == chat["accountID"]
        if "lastActivity" in chat:
            assert to_millis(preview["timestamp"]) == to_millis(chat["lastActivity"])
        senders = {u["id"] for u in chat["participants"]["items"]}
        assert preview["senderID"] in senders


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        list(generate_chats(1, -1))
    with pytest.raises(ValueError, match="account"):
        list(generate_chats(1, 1, accounts=0))
