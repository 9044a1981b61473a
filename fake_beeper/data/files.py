"""Fixture files: reading, validating against ``openapi.yaml``, and writing.

Two formats, chosen by extension:

* ``.jsonl`` (JSON Lines, what ``fake-beeper generate`` writes): one chat per line; streams, so a
  million chats never sit in memory as text, and diffs line by line;
* ``.json``: an array of chats, or a page object with ``items`` (a captured ``GET /v1/chats``
  response works as a fixture).

Every chat is validated against the contract's ``ChatListResponse`` schema, date-time formats
included; a broken file fails with a message naming the file, the line, the chat and the field.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fake_beeper import spec
from fake_beeper.timestamps import to_millis

CHAT_SCHEMA = "ChatListResponse"


class FixtureError(ValueError):
    """A fixture file that cannot be served; the message says where and why."""


@dataclass(frozen=True, slots=True)
class LoadedChat:
    """A validated chat: its ID, account, ``lastActivity`` millis (``None`` if absent) and JSON."""

    id: str
    account_id: str
    last_activity: int | None
    body: bytes


def read_chats(path: str | os.PathLike[str]) -> list[LoadedChat]:
    """Load and validate a fixture file; raise ``FixtureError`` on the first problem."""
    path = Path(path)
    try:
        if path.suffix == ".jsonl":
            workers = _parallel_workers(path)
            if workers > 1:
                return _unique(_checked_in_parallel(path, workers), source=str(path))
            records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]] = _jsonl_records(path)
        else:
            records = _json_records(path)
        # streamed: a line is parsed, validated and dropped before the next is read
        return validate_chats(records, source=str(path))
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror or exc}") from None


def validate_chats(records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]],
                   source: str = "chats") -> list[LoadedChat]:
    """Validate ``(location, chat)`` pairs, e.g. ``("line 3", {...})``; IDs must be unique.

    A third item, the chat's JSON exactly as read (a JSON Lines line), is kept as the body to
    serve instead of serialising the chat again.
    """
    return _unique(_checked(records, source), source)


def _checked(records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]],
             source: str) -> Iterator[tuple[str, LoadedChat]]:
    """Each record validated against the contract and turned into a ``LoadedChat``."""
    validator = spec.validator(CHAT_SCHEMA)
    for where, chat, *raw in records:
        if not validator.is_valid(chat):  # the fast check first; the first error only on failure
            error = next(validator.iter_errors(chat))
            field = _field_path(error.instance_path)
            raise FixtureError(f"{source}, {where}: chat {_chat_label(chat)}: field {field}: {error.message}")
        try:
            yield where, to_loaded(chat, raw[0] if raw else None)
        except ValueError as exc:  # a date-time the format check let through but millis cannot hold
            raise FixtureError(f"{source}, {where}: chat {_chat_label(chat)}: field lastActivity: {exc}") from None


def _unique(checked: Iterable[tuple[str, LoadedChat]], source: str) -> list[LoadedChat]:
    seen: dict[str, str] = {}
    loaded = []
    for where, chat in checked:
        if chat.id in seen:
            raise FixtureError(f"{source}, {where}: chat {chat.id!r}: field id: duplicate of the chat at "
                               f"{seen[chat.id]}")
        seen[chat.id] = where
        loaded.append(chat)
    return loaded


def to_loaded(chat: dict[str, Any], raw: bytes | None = None) -> LoadedChat:
    """Turn one schema-valid chat into what the store keeps: its JSON, ``raw`` or serialised here.

    Raises ``ValueError`` for a ``lastActivity`` outside what epoch millis can hold.
    """
    last_activity = to_millis(chat["lastActivity"]) if "lastActivity" in chat else None
    if raw is None:
        # A copy, exact to the byte: the bytes orjson returns keep its growth slack in the
        # allocator, and across 100k chats that held 9.0 KiB of memory per chat instead of 3.3.
        raw = bytes(memoryview(orjson.dumps(chat)))
    return LoadedChat(chat["id"], chat["accountID"], last_activity, raw)


def write_chats(chats: Iterable[dict[str, Any]], path: str | os.PathLike[str], *, overwrite: bool = False) -> int:
    """Write chats as JSON Lines; refuse to replace an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("wb") as out:
        for chat in chats:
            out.write(orjson.dumps(chat, option=orjson.OPT_APPEND_NEWLINE))
            count += 1
    tmp.replace(path)  # a reader never sees half a file
    return count


def _jsonl_records(path: Path, start: int = 0, stop: int | None = None,
                   first_line: int = 1) -> Iterator[tuple[str, Any, bytes]]:
    """The lines of ``path`` that begin in bytes [start, stop), numbered from ``first_line``."""
    with path.open("rb") as lines:
        lines.seek(start)
        position = start
        for number, line in enumerate(lines, start=first_line):
            if stop is not None and position >= stop:
                return
            position += len(line)
            if not line.strip():
                continue
            try:
                chat = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise FixtureError(f"{path}, line {number}: not valid JSON: {exc}") from None
            yield f"line {number}", chat, line.strip()  # served as written: no second serialisation


# Parsing and validating is CPU-bound (orjson and jsonschema-rs take most of it), so a large file
# is split at line boundaries and read on every core: 100k chats load in about half the time.
PARALLEL_MIN_BYTES = 16 * 2**20


def _parallel_workers(path: Path) -> int:
    # Only forked workers start fast enough to pay, and forking a process that runs threads is
    # unsafe, so a loader inside a threaded program (a test suite, a server) reads serially.
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if path.stat().st_size < PARALLEL_MIN_BYTES:
        return 1
    return min(len(os.sched_getaffinity(0)), 8)


def _checked_in_parallel(path: Path, workers: int) -> Iterator[tuple[str, LoadedChat]]:
    """The first range is read here while forked workers read the others; all in file order."""
    size = path.stat().st_size
    bounds = [0, *(_next_line_start(path, size * k // workers) for k in range(1, workers)), size]
    with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork")) as pool:
        others = [pool.submit(_checked_range, path, start, stop) for start, stop in itertools.pairwise(bounds[1:])]
        yield from _checked(_jsonl_records(path, 0, bounds[1]), str(path))
        for other in others:  # a worker's FixtureError is raised here, in file order
            # Plain tuples cross the process boundary: half the pickling cost of dataclasses.
            for where, fields in other.result():
                yield where, LoadedChat(*fields)


def _checked_range(path: Path, start: int, stop: int) -> list[tuple[str, tuple[str, str, int | None, bytes]]]:
    first_line = 1 + _newlines_before(path, start)  # so that messages name the file's own lines
    return [(where, (chat.id, chat.account_id, chat.last_activity, chat.body))
            for where, chat in _checked(_jsonl_records(path, start, stop, first_line), str(path))]


def _newlines_before(path: Path, offset: int) -> int:
    count = 0
    with path.open("rb") as file:
        while file.tell() < offset:
            count += file.read(min(2**20, offset - file.tell())).count(b"\n")
    return count


def _next_line_start(path: Path, offset: int) -> int:
    with path.open("rb") as file:
        file.seek(offset)
        file.readline()
        return file.tell()


def _json_records(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        document = document["items"]
    if not isinstance(document, list):
        raise FixtureError(f"{path}: expected an array of chats (or a page with 'items'), "
                           f"got {type(document).__name__}")
    for index, chat in enumerate(document):
        yield f"item {index}", chat


def _chat_label(chat: Any) -> str:
    if isinstance(chat, dict) and isinstance(chat.get("id"), str):
        return repr(chat["id"])
    return "(without an id)"


def _field_path(instance_path: Iterable[str | int]) -> str:
    return spec.instance_place(instance_path) or "(the chat itself)"
