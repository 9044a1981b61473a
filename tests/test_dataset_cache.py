"""Generated datasets are cached: the second load reads the first one's chats, never stale ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_beeper.data import cache as dataset_cache
from fake_beeper.data import load_chats
from fake_beeper.data.loaded import LoadedChat


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(dataset_cache.ENVIRONMENT, str(tmp_path))
    return tmp_path / "datasets"


def _same(first: list[LoadedChat], second: list[LoadedChat]) -> bool:
    return [(c.id, c.account_id, c.last_activity, c.body) for c in first] == \
           [(c.id, c.account_id, c.last_activity, c.body) for c in second]


def _no_generating(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("generated although the cache held the chats")

    monkeypatch.setattr("fake_beeper.data._generate", refuse)


def test_the_second_load_reads_the_cache_and_gets_the_same_chats(cache_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_chats(seed=5, count=60, accounts=3)
    assert [path.name for path in cache_dir.iterdir()] == [dataset_cache.path_for(5, 60, 3).name]
    _no_generating(monkeypatch)
    assert _same(load_chats(seed=5, count=60, accounts=3), first)


def test_cached_chats_are_the_chats_generated_afresh() -> None:
    load_chats(seed=5, count=60)
    assert _same(load_chats(seed=5, count=60), load_chats(seed=5, count=60, cache=False))


def test_each_seed_count_and_accounts_is_its_own_entry(cache_dir: Path) -> None:
    for seed, count, accounts in [(5, 60, 3), (6, 60, 3), (5, 61, 3), (5, 60, 4)]:
        load_chats(seed=seed, count=count, accounts=accounts)
    assert len(list(cache_dir.iterdir())) == 4


def test_a_new_generator_version_does_not_read_the_old_entry(cache_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    load_chats(seed=5, count=60)
    monkeypatch.setattr(dataset_cache, "generator_version", lambda: "another-version")
    load_chats(seed=5, count=60)
    assert len(list(cache_dir.iterdir())) == 2


@pytest.mark.parametrize("damage", ["truncate", "extend", "foreign", "empty"])
def test_a_damaged_entry_is_generated_again_and_replaced(cache_dir: Path, damage: str) -> None:
    chats = load_chats(seed=5, count=60)
    path = dataset_cache.path_for(5, 60, 12)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[:-10], "extend": data + b"{}", "foreign": b"hello\n" + data,
                      "empty": b""}[damage])
    assert dataset_cache.read(path) is None
    assert _same(load_chats(seed=5, count=60), chats)
    assert path.read_bytes() == data


def test_without_the_cache_nothing_is_read_or_written(cache_dir: Path) -> None:
    load_chats(seed=5, count=60, cache=False)
    assert not cache_dir.exists()


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(dataset_cache.ENVIRONMENT, str(blocker))
    assert len(load_chats(seed=5, count=60)) == 60
