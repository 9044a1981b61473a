"""Generated datasets, cached: a second ``serve --seed N --count M`` reads what the first generated.

Generating costs about 0.2 ms a chat (building each chat from the seed's word pools, then
validating it against the contract): 45 s for 200k chats on one core. The chats of one seed, count and number
of accounts are always the same for one generator, so the first run writes them to the user's
cache directory and later runs read them back without generating or validating anything.

* **The key** is the seed, the count, the accounts and the generator's version: a digest of the
  generator's own source files, of the word lists it picks from (``pools.json``) and of
  ``openapi.yaml`` (which the chats were validated against). A changed generator never serves
  stale chats; files of an older version stay unused. The directory is safe to delete at any time.
* **Where**: ``$FAKE_BEEPER_CACHE_DIR``, else the platform's user cache directory (platformdirs:
  ``~/.cache/fake-beeper`` on Linux), under ``datasets/``.
* **Damage** is a miss, never an error: a truncated, foreign or unreadable file is generated
  again and replaced. A file is written to a temporary name and renamed when complete, so a
  reader never sees half of one; a cache that cannot be written is skipped.

The format: a magic line, one JSON line with the index (IDs, accounts, ``lastActivity`` millis
and the length of each chat's JSON), then the chats' JSON back to back, in list order. Reading
it parses no chat: each one's JSON is copied out of a memory map of the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import mmap
import os
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import orjson

from fake_beeper.data.loaded import LoadedChat
from fake_beeper.data.pools import SNAPSHOT

MAGIC = b"fake-beeper cached chats 1\n"
ENVIRONMENT = "FAKE_BEEPER_CACHE_DIR"
# The modules whose code decides what a seed generates (a change in any of them is a new version).
GENERATOR_MODULES = ("build", "generate", "identities", "messages", "networks", "pools")


def cache_dir() -> Path:
    """Where cached datasets live: ``$FAKE_BEEPER_CACHE_DIR``, or the user cache directory."""
    configured = os.environ.get(ENVIRONMENT)
    if configured:
        return Path(configured) / "datasets"
    import platformdirs

    return Path(platformdirs.user_cache_dir("fake-beeper", appauthor=False)) / "datasets"


@cache
def generator_version() -> str:
    """A digest of everything that decides the generated chats (see the module's docstring)."""
    digest = hashlib.sha256()
    package = resources.files("fake_beeper")
    for module in GENERATOR_MODULES:
        digest.update(package.joinpath("data", f"{module}.py").read_bytes())
    digest.update(package.joinpath("data", SNAPSHOT).read_bytes())
    digest.update(package.joinpath("openapi.yaml").read_bytes())
    return digest.hexdigest()[:16]


def path_for(seed: int, count: int, accounts: int) -> Path:
    return cache_dir() / f"seed{seed}-count{count}-accounts{accounts}-{generator_version()}.chats"


def read(path: Path) -> list[LoadedChat] | None:
    """The chats cached at ``path``, or ``None`` if there is no such file or it is damaged."""
    try:
        with path.open("rb") as file:
            if file.readline() != MAGIC:
                return None
            index = orjson.loads(file.readline())
            ids, accounts, millis, lengths = (index[key] for key in ("ids", "accounts", "millis", "lengths"))
            if not len(ids) == len(accounts) == len(millis) == len(lengths):
                return None
            start = file.tell()
            if os.fstat(file.fileno()).st_size != start + sum(lengths):
                return None  # longer or shorter than its index says
            if not ids:
                return []
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                ends = list(itertools.accumulate(lengths, initial=start))
                return list(map(LoadedChat, ids, accounts, millis, map(data.__getitem__, map(slice, ends, ends[1:]))))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(path: Path, chats: Sequence[LoadedChat]) -> bool:
    """Cache ``chats``, in list order as ``load_chats`` makes them (so they read back in it), at
    ``path`` (atomically); ``False`` if the cache cannot be written."""
    index = {"ids": [chat.id for chat in chats], "accounts": [chat.account_id for chat in chats],
             "millis": [chat.last_activity for chat in chats], "lengths": [len(chat.body) for chat in chats]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(MAGIC)
            out.write(orjson.dumps(index, option=orjson.OPT_APPEND_NEWLINE))
            out.writelines(chat.body for chat in chats)
        os.replace(temporary, path)
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def cached(seed: int, count: int, accounts: int,
           generate: Callable[[], list[LoadedChat]]) -> list[LoadedChat]:
    """The chats of ``seed``/``count``/``accounts`` from the cache, or from ``generate()`` (then cached)."""
    path = path_for(seed, count, accounts)
    chats = read(path)
    if chats is None:
        chats = generate()
        write(path, chats)
    return chats
