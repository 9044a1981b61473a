"""Chat data: generated (``generate``), read from fixture files (``files``), the default set.

``load_chats`` is the one entry point the CLI and the pytest plugin use: from a file, from a
seed, or the default dataset committed in ``fixtures/`` and shipped inside the package.
"""

from __future__ import annotations

import os
from importlib import resources

from fake_beeper.data.files import FixtureError, Progress, read_chats, validate_chats
from fake_beeper.data.generate import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_SEED, generate_chats
from fake_beeper.store import LoadedChat

DEFAULT_FIXTURES = "default_chats.jsonl"

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_COUNT", "DEFAULT_SEED", "FixtureError", "LoadedChat", "Progress",
           "default_fixtures_path", "generate_chats", "load_chats", "read_chats", "validate_chats"]


def default_fixtures_path() -> str:
    """The committed default dataset (``fixtures/default_chats.jsonl``, seed 7, 400 chats)."""
    return str(resources.files("fake_beeper.data").joinpath(DEFAULT_FIXTURES))


def load_chats(path: str | os.PathLike[str] | None = None, *, seed: int | None = None,
               count: int | None = None, accounts: int = DEFAULT_ACCOUNTS,
               progress: Progress | None = None) -> list[LoadedChat]:
    """Chats from ``path``, or generated from ``seed``/``count``, or the default dataset.

    ``progress`` is called with the number of chats done so far as the work goes (see ``Progress``).
    """
    if path is not None and (seed is not None or count is not None):
        raise ValueError("give either a fixture file or a seed and count, not both")
    if seed is not None or count is not None:
        seed = DEFAULT_SEED if seed is None else seed
        count = DEFAULT_COUNT if count is None else count
        generated = generate_chats(seed, count, accounts)
        return validate_chats(((f"chat {i}", chat) for i, chat in enumerate(generated)),
                              source=f"generated (seed {seed})", progress=progress)
    return read_chats(path if path is not None else default_fixtures_path(), progress=progress)
