"""Fixture files: reading, validating against ``openapi.yaml``, and writing.

Two formats, chosen by extension (for reading and for writing):

* ``.jsonl`` (JSON Lines, what ``fake-beeper generate`` writes): one chat per line; streams, so a
  million chats never sit in memory as text, and diffs line by line;
* ``.json``: an array of chats, or a page object with ``items`` (a captured ``GET /v1/chats``
  response works as a fixture).

Every chat is validated against the contract's ``ChatListResponse`` schema, date-time formats
included; a broken file fails with a message naming the file, the line, the chat and the field.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from fake_beeper import spec
from fake_beeper.errors import FakeBeeperError
from fake_beeper.store import LoadedChat
from fake_beeper.timestamps import to_millis

CHAT_SCHEMA = "ChatListResponse"


class FixtureError(FakeBeeperError, ValueError):
    """A fixture file that cannot be served; the message says where and why."""


Progress = Callable[[int], None]  # called with the number of chats done so far, every PROGRESS_STEP
PROGRESS_STEP = 500
FORMATS = (".jsonl", ".json")


def read_chats(path: str | os.PathLike[str], *, progress: Progress | None = None) -> list[LoadedChat]:
    """Load and validate a fixture file; raise ``FixtureError`` on the first problem."""
    path = Path(path)
    try:
        if path.suffix == ".jsonl":
            workers = _parallel_workers(path)
            if workers > 1:
                return _unique(_checked_in_parallel(path, workers), str(path), progress)
            records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]] = _jsonl_records(path)
        else:
            records = _json_records(path)
        # streamed: a line is parsed, validated and dropped before the next is read
        return validate_chats(records, source=str(path), progress=progress)
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror or exc}") from None
    except RecursionError:
        raise FixtureError(f"{path}: nested too deep to be a chat") from None


def validate_chats(records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]],
                   source: str = "chats", progress: Progress | None = None) -> list[LoadedChat]:
    """Validate ``(location, chat)`` pairs, e.g. ``("line 3", {...})``; IDs must be unique.

    A third item, the chat's JSON exactly as read (a JSON Lines line), is kept as the body to
    serve instead of serialising the chat again.
    """
    return _unique(_checked(records, source), source, progress)


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


def _unique(checked: Iterable[tuple[str, LoadedChat]], source: str,
            progress: Progress | None = None) -> list[LoadedChat]:
    seen: dict[str, str] = {}
    loaded: list[LoadedChat] = []
    for where, chat in checked:
        if progress is not None and len(loaded) % PROGRESS_STEP == 0:
            progress(len(loaded))
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


def write_chats(chats: Iterable[dict[str, Any]], path: str | os.PathLike[str], *, overwrite: bool = False,
                progress: Progress | None = None) -> int:
    """Write chats in the format ``path``'s extension names: ``.jsonl`` lines or a ``.json`` array.

    Refuses an existing path (a dangling symlink included) unless ``overwrite``, a missing parent
    directory, and other extensions, each with a ``FileExistsError``/``FixtureError`` saying so. The
    chats go to a private temporary file beside ``path`` that replaces it only when complete; if
    writing stops for any reason (an error, Ctrl-C), the temporary file is removed and ``path`` is
    as it was.
    """
    path = Path(path)
    if path.suffix not in FORMATS:
        raise FixtureError(f"{path}: the name must end in .jsonl (JSON Lines) or .json (a JSON array)")
    if os.path.lexists(path) and not overwrite:
        kind = "is a dangling symlink" if path.is_symlink() and not path.exists() else "exists"
        raise FileExistsError(f"{path} {kind}; pass --force to replace it")
    if path.is_dir():
        raise FixtureError(f"{path} is a directory")
    if not path.parent.is_dir():
        raise FixtureError(f"{path.parent} is not a directory (it is not created for you)")
    descriptor, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as out:
            count = _write(out, chats, as_array=path.suffix == ".json", progress=progress)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)  # a reader never sees half a file
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count


def _write(out: Any, chats: Iterable[dict[str, Any]], *, as_array: bool, progress: Progress | None) -> int:
    count = 0
    if as_array:
        out.write(b"[")
    for chat in chats:
        if progress is not None and count % PROGRESS_STEP == 0:
            progress(count)
        if as_array:
            out.write(b"\n" if count == 0 else b",\n")
            out.write(orjson.dumps(chat))
        else:
            out.write(orjson.dumps(chat, option=orjson.OPT_APPEND_NEWLINE))
        count += 1
    if as_array:
        out.write(b"\n]\n")
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
    """The first range is read here while forked workers read the others; all in file order.

    However this ends (done, a broken line, Ctrl-C in the parent), the workers are stopped.
    """
    size = path.stat().st_size
    bounds = [0, *(_next_line_start(path, size * k // workers) for k in range(1, workers)), size]
    pool = multiprocessing.get_context("fork").Pool(workers - 1)
    try:
        others = [pool.apply_async(_checked_range, (path, start, stop))
                  for start, stop in itertools.pairwise(bounds[1:])]
        yield from _checked(_jsonl_records(path, 0, bounds[1]), str(path))
        for other in others:  # a worker's FixtureError is raised here, in file order
            # Plain tuples cross the process boundary: half the pickling cost of dataclasses.
            for where, fields in other.get():
                yield where, LoadedChat(*fields)
    finally:
        pool.terminate()
        pool.join()


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
