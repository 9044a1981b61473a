"""Chat data: generated (``generate``), read from fixture files (``files``), the default set.

``load_world`` (``load_chats`` for the chats alone) is the one entry point the CLI and the pytest
plugin use: from a file, from a seed, or the default dataset committed in ``fixtures/`` and
shipped inside the package.
"""

from __future__ import annotations

import functools
import os
from importlib import resources

from fake_beeper.data import cache as dataset_cache
from fake_beeper.data.files import FixtureError, World, read_chats, read_world, validate_chats
from fake_beeper.data.generate import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_SEED, generate_chats
from fake_beeper.data.loaded import LoadedChat, list_order
from fake_beeper.data.parallel import run_ranges, workers_for
from fake_beeper.data.pools import pools
from fake_beeper.progress import OnProgress

DEFAULT_FIXTURES = "default_chats.jsonl"

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_COUNT", "DEFAULT_SEED", "FixtureError", "LoadedChat", "OnProgress", "World",
           "default_fixtures_path", "generate_chats", "load_chats", "load_world", "read_chats", "read_world",
           "validate_chats"]


def default_fixtures_path() -> str:
    """The committed default dataset (``fixtures/default_chats.jsonl``, seed 7, 400 chats)."""
    return str(resources.files("fake_beeper.data").joinpath(DEFAULT_FIXTURES))


def load_world(path: str | os.PathLike[str] | None = None, *, seed: int | None = None,
               count: int | None = None, accounts: int = DEFAULT_ACCOUNTS,
               progress: OnProgress | None = None, cache: bool = True, check_later: bool = False) -> World:
    """Chats (and a file's accounts) from ``path``, or generated from ``seed``/``count``, or the
    default dataset.

    Generated chats come in list order (newest first), from the dataset cache when an earlier run
    made them (see ``cache``; ``cache=False`` generates afresh and leaves the cache alone); their
    accounts are derived from them. ``progress`` is called with the number of chats done so far
    as the work goes (see ``OnProgress``). ``check_later``: see ``read_world`` (for ``path`` only).
    """
    if path is not None and (seed is not None or count is not None):
        raise ValueError("give either a fixture file or a seed and count, not both")
    if path is not None and check_later:
        return read_world(path, progress=progress, check_later=True)
    return _load(path, seed, count, accounts, progress, cache)


def load_chats(path: str | os.PathLike[str] | None = None, *, seed: int | None = None,
               count: int | None = None, accounts: int = DEFAULT_ACCOUNTS,
               progress: OnProgress | None = None, cache: bool = True) -> list[LoadedChat]:
    """``load_world``'s chats."""
    return load_world(path, seed=seed, count=count, accounts=accounts, progress=progress, cache=cache).chats


def _load(path: str | os.PathLike[str] | None, seed: int | None, count: int | None, accounts: int,
          progress: OnProgress | None, cache: bool) -> World:
    if seed is not None or count is not None:
        seed = DEFAULT_SEED if seed is None else seed
        count = DEFAULT_COUNT if count is None else count
        if count < 0 or accounts < 1:
            raise ValueError("count must be zero or more, and there must be at least one account")
        generate = functools.partial(_generate, seed, count, accounts, progress)
        return World(dataset_cache.cached(seed, count, accounts, generate) if cache else generate())
    return read_world(path if path is not None else default_fixtures_path(), progress=progress)


# Below this many chats, forking workers costs more than it saves.
PARALLEL_MIN_CHATS = 20_000


def _generate(seed: int, count: int, accounts: int, progress: OnProgress | None) -> list[LoadedChat]:
    """Generate and validate ``count`` chats, in ranges on every core when there are many."""
    pools(seed)  # drawn once, here: forked workers inherit them
    workers = workers_for(count, PARALLEL_MIN_CHATS)
    bounds = [count * k // workers for k in range(workers + 1)]
    ranges = run_ranges(functools.partial(_generate_range, seed, accounts), bounds, progress)
    chats = [LoadedChat(*fields) for columns in ranges for fields in zip(*columns, strict=True)]
    # In list order, as the cache keeps them (the same order with and without the cache), and
    # so that a store built from them sorts presorted keys: linear, not n log n.
    chats.sort(key=list_order)
    return chats


Columns = tuple[list[str], list[str], list[int | None], list[bytes]]


def _generate_range(seed: int, accounts: int, start: int, stop: int, report: OnProgress) -> Columns:
    # Columns of plain values cross from a worker process far cheaper than LoadedChat objects.
    generated = generate_chats(seed, stop - start, accounts, first=start)
    chats = validate_chats(((f"chat {i}", chat) for i, chat in enumerate(generated, start=start)),
                           source=f"generated (seed {seed})", progress=report)
    return ([c.id for c in chats], [c.account_id for c in chats], [c.last_activity for c in chats],
            [c.body for c in chats])
