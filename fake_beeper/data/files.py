"""Fixture files: reading, validating against ``openapi.yaml``, and writing.

Two formats, chosen by extension (for reading and for writing):

* ``.jsonl`` (JSON Lines, what ``fake-beeper generate`` writes): one chat per line; streams, so a
  million chats never sit in memory as text, and diffs line by line;
* ``.json``: an array of chats, or a page object with ``items`` (a captured ``GET /v1/chats``
  response works as a fixture).

A file may also hold the world's accounts (``fake-beeper record`` writes them): a first line
``{"accounts": [...]}`` in JSON Lines, an ``"accounts"`` key beside ``"items"`` in JSON. Without
them, the fake derives the accounts from the chats (``fake_beeper.world.accounts``). The same header
may say which stage of the contract the file's chats and accounts are in (``"profile": "4.2"``,
what ``record --profile`` writes; ``fake_beeper.contract.stages``); without it, the newest.

It may also hold messages: ``"messages": {"<chat ID>": [Message, ...]}`` (in any order; the chat's
``preview`` is the newest, added if left out), and ``"generatedMessages": false`` to say that the
chats it gives no messages for have none but their ``preview`` (by default they get histories
made from them, as generated chats do).

Every chat is validated against its stage's ``ChatListResponse`` schema, and every account
against ``Account``, date-time formats included; a broken file fails with a message naming the
file, the line, the chat (or account) and the field.
"""

from __future__ import annotations

import array
import contextlib
import errno
import functools
import itertools
import operator
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from fake_beeper.contract import spec, stages
from fake_beeper.contract.stages import LATEST, ProfileError, Stage
from fake_beeper.data.loaded import NO_ACTIVITY, LoadedChat, to_loaded, unservable_id
from fake_beeper.data.parallel import collection_paused, run_ranges, workers_for
from fake_beeper.errors import FakeBeeperError
from fake_beeper.progress import STEP, OnProgress, ignore_progress
from fake_beeper.text import shown
from fake_beeper.timestamps import to_millis

CHAT_SCHEMA, ACCOUNT_SCHEMA = spec.CHAT_SCHEMA, spec.ACCOUNT_SCHEMA


class FixtureError(FakeBeeperError, ValueError):
    """A fixture file that cannot be served; the message says where and why."""


FORMATS = (".jsonl", ".json")


@dataclass(frozen=True)
class World:
    """What a fixture file holds: its chats, its accounts if it lists them (else empty), and the
    stage of the contract they are in."""

    chats: list[LoadedChat]
    accounts: tuple[dict[str, Any], ...] = ()
    stage: Stage = LATEST
    messages: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)  # by chat ID, as given
    generated_messages: bool = True  # the other chats' histories made from them (else: their preview alone)
    unchecked: Unchecked | None = None  # read with check_later: the contract's check of each chat, still to do

    @property
    def profile(self) -> str:
        """The name of the stage (what the file's header says, ``6.0`` if nothing)."""
        return self.stage.name


def read_chats(path: str | os.PathLike[str], *, progress: OnProgress | None = None) -> list[LoadedChat]:
    """Load and validate a fixture file's chats; raise ``FixtureError`` on the first problem."""
    return read_world(path, progress=progress).chats


@dataclass(frozen=True)
class Unchecked:
    """A JSON Lines file read with ``check_later``: everything the store needs of its chats was
    checked (IDs, accounts, ``lastActivity``; unique and servable), not the rest of the contract.
    ``check`` does that, reading the file again."""

    path: Path
    start: int  # where its chats begin (after a header line)
    spans: array.array[int]  # where each chat's JSON lies in it, as read for serving
    stage: Stage
    version: tuple[int, int]  # its size and modification time when it was read

    def check(self) -> str | None:
        """The message of the first chat the contract refuses, or ``None`` if none is. Read on
        every core (forked workers) where the process has no threads. A file changed since it was
        read (its size, its modification time, or where its chats lie) is refused too: what is
        checked must be what is served."""
        changed = f"{self.path}: the file changed while it was served"
        found = array.array("q")
        try:
            if _version(self.path) != self.version:
                return changed
            for index in run_ranges(functools.partial(_index_range, self.path, stage=self.stage),
                                    _line_bounds(self.path, self.start)):
                found += index.spans
            if found != self.spans or _version(self.path) != self.version:
                return changed
        except FixtureError as exc:
            return str(exc)
        except OSError as exc:  # removed or made unreadable since: the file's doing, not ours
            return f"{self.path}: cannot read fixture file: {exc.strerror or exc}"
        return None


def _version(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def read_world(path: str | os.PathLike[str], *, progress: OnProgress | None = None, check_later: bool = False) -> World:
    """Load and validate a fixture file, accounts and all; raise ``FixtureError`` on the first problem.

    ``check_later``: a JSON Lines file's chats are checked only for what the store needs, and the
    world's ``unchecked`` says what is left (``serve --check-while-serving``). A ``.json`` file
    is checked in full all the same.
    """
    path = Path(path)
    try:
        require_regular_file(path)
        unchecked = None
        if path.suffix == ".jsonl":
            version = _version(path)  # before it is read: a change while it is read shows later
            header, start = _jsonl_header(path)
            stage = _stage(header, path, "line 1, ")
            accounts = validate_accounts(header.get("accounts"), str(path), "line 1, accounts", stage=stage)
            chats, spans = _read_jsonl(path, progress, start, stage, check=not check_later)
            if check_later:
                unchecked = Unchecked(path, start, spans, stage, version)
            where = "line 1, "
        else:
            records, header = _json_document(path)
            stage = _stage(header, path)
            chats = validate_chats(records, source=str(path), progress=progress, validator=stage.validator())
            accounts = validate_accounts(header.get("accounts"), source=str(path), stage=stage)
            where = ""
        messages = validate_messages(header.get("messages"), chats, str(path), f"{where}messages", stage=stage)
        generated = header.get("generatedMessages", True)
        if not isinstance(generated, bool):
            raise FixtureError(f"{path}, {where}field generatedMessages: expected true or false, got {generated!r}")
        return World(chats, accounts, stage, messages, generated, unchecked)
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror or exc}") from None
    except RecursionError:
        raise FixtureError(f"{path}: nested too deep to be a chat") from None


def require_regular_file(path: Path) -> None:
    """Raise ``OSError`` unless ``path`` is a regular file (or a link to one): a device never ends
    (``/dev/zero``) or is random (``/dev/urandom``), a FIFO blocks its reader, a directory is no file.
    Looked at before the file is opened, since opening a FIFO already blocks."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a file")
        raise OSError(errno.EINVAL, f"{kind}, not a regular file")


def validate_accounts(accounts: Any, source: str, where: str = "accounts",
                      stage: Stage = LATEST) -> tuple[dict[str, Any], ...]:
    """Check a fixture's ``accounts`` list against the contract (of ``stage``): each an
    ``Account``, IDs unique."""
    if accounts is None:
        return ()
    if not isinstance(accounts, list):
        raise FixtureError(f"{source}, {where}: expected a list of accounts, got {type(accounts).__name__}")
    validator = stage.validator(ACCOUNT_SCHEMA)
    seen: set[str] = set()
    for index, account in enumerate(accounts):
        label = repr(account["accountID"]) if isinstance(account, dict) and isinstance(
            account.get("accountID"), str) else "(without an accountID)"
        if not validator.is_valid(account):
            error = next(validator.iter_errors(account))
            place = spec.instance_place(error.instance_path) or "(the account itself)"
            raise FixtureError(f"{source}, {where}[{index}]: account {label}: field {place}: "
                               f"{spec.error_message(error)}")
        if account["accountID"] in seen:
            raise FixtureError(f"{source}, {where}[{index}]: account {label}: field accountID: listed twice")
        seen.add(account["accountID"])
    return tuple(accounts)


MAX_FILE_MESSAGES = 1_000_000  # messages one fixture file may give


def validate_messages(messages: Any, chats: Sequence[LoadedChat], source: str, where: str = "messages",
                      stage: Stage = LATEST) -> dict[str, tuple[dict[str, Any], ...]]:
    """Check a fixture's ``messages`` (chat ID → its messages) against the contract (of
    ``stage``) and its chats: each a ``Message`` of that chat, IDs unique in it, none newer than
    the chat's ``preview`` (the newest message), and a merged chat none (it holds no messages)."""
    if messages is None:
        return {}
    if not isinstance(messages, dict):
        raise FixtureError(f"{source}, {where}: expected an object of chat ID to messages, "
                           f"got {type(messages).__name__}")
    by_id = {chat.id: chat for chat in chats if chat.id in messages}
    validator = stage.validator(spec.MESSAGE_SCHEMA)
    total = 0
    checked: dict[str, tuple[dict[str, Any], ...]] = {}
    for chat_id, listed in messages.items():
        label = f"{where}[{shown(chat_id)!r}]"
        chat = by_id.get(chat_id)
        if chat is None:
            raise FixtureError(f"{source}, {label}: the file has no chat with this ID")
        if not isinstance(listed, list | tuple):
            raise FixtureError(f"{source}, {label}: expected a list of messages, got {type(listed).__name__}")
        total += len(listed)
        if total > MAX_FILE_MESSAGES:
            raise FixtureError(f"{source}, {label}: a fixture file may give at most {MAX_FILE_MESSAGES:,} messages")
        body = orjson.loads(chat.body)
        if body.get("merge") and listed:
            raise FixtureError(f"{source}, {label}: chat {chat_id!r} is a merged chat, which holds no messages of "
                               "its own (give them to its member chats)")
        _check_messages(listed, body, validator, f"{source}, {label}")
        checked[chat_id] = tuple(listed)
    return checked


def _check_messages(listed: Sequence[Any], chat: dict[str, Any], validator: jsonschema_rs.Validator,
                    place: str) -> None:
    preview = chat.get("preview")
    newest = to_millis(preview["timestamp"]) if preview else None
    seen: set[str] = set()
    for index, message in enumerate(listed):
        where = f"{place}[{index}]"
        if not validator.is_valid(message):
            error = next(validator.iter_errors(message))
            field_name = spec.instance_place(error.instance_path) or "(the message itself)"
            raise FixtureError(f"{where}: field {field_name}: {spec.error_message(error)}")
        if message["chatID"] != chat["id"]:
            raise FixtureError(f"{where}: field chatID: {shown(message['chatID'])!r} is not the chat's ID")
        if message["id"] in seen:
            raise FixtureError(f"{where}: field id: {shown(message['id'])!r} is listed twice")
        seen.add(message["id"])
        try:
            millis = to_millis(message["timestamp"])
        except ValueError as exc:
            raise FixtureError(f"{where}: field timestamp: {exc}") from None
        if preview and message["id"] == preview["id"] and message != preview:
            raise FixtureError(f"{where}: message {shown(message['id'])!r} differs from the chat's preview, "
                               "which is the same message")
        if newest is not None and millis > newest:
            raise FixtureError(f"{where}: message {shown(message['id'])!r} is newer than the chat's preview "
                               "(the preview is the chat's newest message)")


HEADER_KEYS = frozenset({"accounts", "profile", "messages", "generatedMessages"})


def _jsonl_header(path: Path) -> tuple[dict[str, Any], int]:
    """A JSON Lines file's header line (its accounts and stage), if its first line is one (an
    object of ``HEADER_KEYS`` only, never a chat), and where the chats begin."""
    with path.open("rb") as file:
        first = file.readline()
        end = file.tell()
    if not any(f'"{key}"'.encode() in first for key in HEADER_KEYS):
        return {}, 0
    try:
        header = orjson.loads(first)
    except orjson.JSONDecodeError:
        return {}, 0  # a broken first chat: the chats' reader says so
    if not isinstance(header, dict) or not header or not set(header) <= HEADER_KEYS:
        return {}, 0
    return header, end


def _stage(header: dict[str, Any], path: Path, where: str = "") -> Stage:
    """The stage a file's header names (the newest if none): a fixture file is one of the edges
    where a stage's name comes in."""
    named = header.get("profile", LATEST.name)
    try:
        return stages.stage(named if isinstance(named, str) else repr(named))
    except ProfileError as exc:
        raise FixtureError(f"{path}, {where}field profile: {exc}") from None


def validate_chats(records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]],
                   source: str = "chats", progress: OnProgress | None = None,
                   validator: jsonschema_rs.Validator | None = None) -> list[LoadedChat]:
    """Validate ``(location, chat)`` pairs, e.g. ``("line 3", {...})``; IDs must be unique.

    A third item, the chat's JSON exactly as read (a JSON Lines line), is kept as the body to
    serve instead of serialising the chat again. ``validator``: another stage's contract
    (``fake_beeper.contract.stages``) instead of ``openapi.yaml``'s.
    """
    return _unique(_checked(records, source, validator or spec.validator(CHAT_SCHEMA)), source, progress)


def _checked(records: Iterable[tuple[str, Any] | tuple[str, Any, bytes]], source: str,
             validator: jsonschema_rs.Validator) -> Iterator[tuple[str, LoadedChat]]:
    """Each record validated against the contract and turned into a ``LoadedChat``."""
    for where, chat, *raw in records:
        if not validator.is_valid(chat):  # the fast check first; the first error only on failure
            raise _invalid(validator, chat, source, where)
        _check_servable(chat, source, where)
        try:
            yield where, to_loaded(chat, raw[0] if raw else None)
        except ValueError as exc:  # a date-time the format check let through but millis cannot hold
            raise FixtureError(f"{source}, {where}: chat {_chat_label(chat)}: field lastActivity: {exc}") from None


def _invalid(validator: jsonschema_rs.Validator, chat: Any, source: str, where: str) -> FixtureError:
    """The error for a chat the contract rejects: the file, the place, the chat and the first bad field."""
    error = next(validator.iter_errors(chat))
    field = _field_path(error.instance_path)
    return FixtureError(f"{source}, {where}: chat {_chat_label(chat)}: field {field}: {spec.error_message(error)}")


def _check_servable(chat: dict[str, Any], source: str, where: str) -> None:
    """The contract lets an ID be any string; the fake must put it in cursors it can read back."""
    reason = unservable_id(chat["id"])
    if reason is not None:
        raise FixtureError(f"{source}, {where}: chat {_chat_label(chat)}: field id: {reason}, which no cursor "
                           "can carry")


def _unique(checked: Iterable[tuple[str, LoadedChat]], source: str,
            progress: OnProgress | None = None) -> list[LoadedChat]:
    seen: dict[str, str] = {}
    loaded: list[LoadedChat] = []
    for where, chat in checked:
        if progress is not None and len(loaded) % STEP == 0:
            progress(len(loaded))
        if chat.id in seen:
            raise FixtureError(f"{source}, {where}: chat {chat.id!r}: field id: duplicate of the chat at "
                               f"{seen[chat.id]}")
        seen[chat.id] = where
        loaded.append(chat)
    return loaded


def write_chats(chats: Iterable[dict[str, Any] | bytes], path: str | os.PathLike[str], *, overwrite: bool = False,
                progress: OnProgress | None = None, accounts: Sequence[dict[str, Any]] | None = None,
                stage: Stage = LATEST, messages: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> int:
    """Write chats (dicts, or their compact JSON as bytes) in the format ``path``'s extension
    names: ``.jsonl`` lines or a ``.json`` array (with ``accounts``, ``messages`` (then the chats
    without are said to have none but their preview: ``"generatedMessages": false``), or chats of
    an older ``stage``: a first line that says so, or a ``{"profile", "accounts", "items"}`` object).

    Refuses an existing path (a dangling symlink included) unless ``overwrite``, a missing parent
    directory, and other extensions, each with a ``FileExistsError``/``FixtureError`` saying so. The
    chats go to a private temporary file beside ``path`` that replaces it only when complete; if
    writing stops for any reason (an error, Ctrl-C), the temporary file is removed and ``path`` is
    as it was.
    """
    path = check_writable(path, overwrite=overwrite)
    descriptor, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as out:
            count = _write(out, chats, as_array=path.suffix == ".json", progress=progress, accounts=accounts,
                           stage=stage, messages=messages)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)  # a reader never sees half a file
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count


def check_writable(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """``path`` if ``write_chats`` may write it, else the ``FileExistsError``/``FixtureError`` it
    would raise (for a command to say before long work, not after)."""
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
    return path


def _write(out: Any, chats: Iterable[dict[str, Any] | bytes], *, as_array: bool, progress: OnProgress | None,
           accounts: Sequence[dict[str, Any]] | None, stage: Stage,
           messages: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> int:
    count = 0
    said = {**({"profile": stage.name} if not stage.is_latest else {}),
            **({"accounts": list(accounts)} if accounts is not None else {}),
            **({"messages": {key: list(value) for key, value in messages.items()}, "generatedMessages": False}
               if messages else {})}
    header = orjson.dumps(said) if said else None
    if as_array:
        out.write(b"[" if header is None else header[:-1] + b',"items":[')
    elif header is not None:
        out.write(header + b"\n")
    for chat in chats:
        if progress is not None and count % STEP == 0:
            progress(count)
        body = chat if isinstance(chat, bytes) else orjson.dumps(chat)
        if as_array:
            out.write(b"\n" if count == 0 else b",\n")
        out.write(body)
        if not as_array:
            out.write(b"\n")
        count += 1
    if as_array:
        out.write(b"\n]\n" if header is None else b"\n]}\n")
    return count


# A large JSON Lines file is read by several processes at once. Forked workers parse and validate
# ranges of its lines (orjson and jsonschema-rs take most of the time, so it is CPU-bound) and
# send back only what the store orders by (ID, account, lastActivity) and where each line's JSON
# lies. Meanwhile this process copies every line's JSON out of the file, exactly as written: it
# is served as written, never serialised again, and the parsed chats are never held all at once.
# When both are done, the places the copy found must be the places the workers validated, or the
# file changed under the reader. A small file, or one read inside a threaded program (where
# forking is unsafe), is read here in one pass.
PARALLEL_MIN_BYTES = 16 * 2**20


@dataclass
class _Index:
    """What the first pass keeps of a range of lines: columns, so that they cross from a worker
    process cheaply (see ``__reduce__``)."""

    ids: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    millis: list[int | None] = field(default_factory=list)
    spans: array.array[int] = field(default_factory=lambda: array.array("q"))  # start, end of each chat
    bodies: list[bytes] | None = None  # each chat's JSON, when the range was indexed in this process

    def __reduce__(self) -> tuple[Callable[..., _Index], tuple[Any, ...]]:
        """Pickled as a few flat objects, not a million: the IDs as one string (only a servable ID
        is indexed, and it is printable, so NUL never occurs in one), each account once with an
        array of which chat has which, the times as an array. At 1M chats, the wait from the last
        worker's end to its chats in hand went from 1.4 to 1.0 s; and the chats of an account
        then share one string for it (85 MiB less)."""
        names: dict[str, int] = {}
        which = array.array("q", [names.setdefault(account, len(names)) for account in self.accounts])
        millis = array.array("q", [NO_ACTIVITY if value is None else value for value in self.millis])
        return _unpacked, ("\0".join(self.ids), list(names), which, millis, self.spans, self.bodies)


def _unpacked(ids: str, names: list[str], which: array.array[int], millis: array.array[int],
              spans: array.array[int], bodies: list[bytes] | None) -> _Index:
    # No ID is empty (an empty one is unservable too), so an empty string is no chats.
    return _Index(ids.split("\0") if ids else [], [names[index] for index in which],
                  [None if value == NO_ACTIVITY else value for value in millis], spans, bodies)


def _read_jsonl(path: Path, progress: OnProgress | None, start: int = 0, stage: Stage = LATEST, *,
                check: bool = True) -> tuple[list[LoadedChat], array.array[int]]:
    """The chats of a JSON Lines file from byte ``start`` on, and where each one's JSON lies."""
    bounds = _line_bounds(path, start)
    size = bounds[-1]
    if len(bounds) == 2:
        index = _index_range(path, start, size, progress or ignore_progress, keep_bodies=True, stage=stage, check=check)
        _check_unique(path, [index])
        return list(map(LoadedChat, index.ids, index.accounts, index.millis, index.bodies or ())), index.spans
    copied: list[tuple[array.array[int], list[bytes]]] = []
    with collection_paused():
        indexes = list(run_ranges(functools.partial(_index_range, path, stage=stage, check=check), bounds, progress,
                                  meanwhile=lambda tick: copied.append(_copy_lines(path, start, size, tick))))
        _check_unique(path, indexes)
        spans, bodies = copied[0]
        if spans != functools.reduce(operator.add, (index.spans for index in indexes)):
            raise FixtureError(f"{path}: the file changed while it was read")
        chats = list(map(LoadedChat, itertools.chain.from_iterable(index.ids for index in indexes),
                         itertools.chain.from_iterable(index.accounts for index in indexes),
                         itertools.chain.from_iterable(index.millis for index in indexes), bodies))
        return chats, spans


def _line_bounds(path: Path, start: int) -> list[int]:
    """Where the ranges of lines from byte ``start`` to the end begin (and the end): one range
    for each process that should read them (``workers_for``), each cut at a line's start."""
    size = path.stat().st_size
    workers = workers_for(size - start, PARALLEL_MIN_BYTES)
    return [start, *(_next_line_start(path, start + (size - start) * k // workers) for k in range(1, workers)), size]


def _copy_lines(path: Path, start: int, stop: int, tick: Callable[[], None]) -> tuple[array.array[int], list[bytes]]:
    """The JSON of every line in bytes [start, stop) of ``path``, and where each lies, as
    ``_index_range`` finds them."""
    spans = array.array("q")
    bodies: list[bytes] = []
    for first, last, json in _json_lines(path, start, stop):
        spans.append(first)
        spans.append(last)
        bodies.append(bytes(json))
        if len(bodies) % STEP == 0:
            tick()
    return spans, bodies


def _json_lines(path: Path, start: int, stop: int) -> Iterator[tuple[int, int, memoryview]]:
    """Each line of bytes [start, stop) of ``path`` (``start`` the beginning of a line) that holds
    more than whitespace: where its JSON begins and ends in the file (the whitespace around it
    left out) and a view of it, good until the next line is asked for.

    Read through one reused buffer: a ``bytes`` for each line read would be an allocation a line
    more (and a heap of freed lines makes the allocations of the chats that stay slower), and
    mapping the file would cost a page fault for each of its pages.
    """
    buffer = bytearray(max(1, min(READ_BLOCK, stop - start)))  # (zeroed: no bigger than the file needs)
    view = memoryview(buffer)
    filled = 0  # bytes of the buffer that hold the file from ``offset`` on
    offset = start
    with path.open("rb", buffering=0) as file:
        file.seek(start)
        while offset < stop:
            if filled == len(buffer):  # a line longer than the buffer: a new one, twice as long
                buffer = bytearray(2 * len(buffer))  # (the old one may still be viewed: never resized)
                buffer[:filled] = view
                view = memoryview(buffer)
            got = file.readinto(view[filled:min(len(buffer), stop - offset)])
            if not got:
                raise FixtureError(f"{path}: the file changed while it was read")
            filled += got
            at_end = offset + filled >= stop
            position = 0
            while position < filled:
                newline = buffer.find(b"\n", position, filled)
                if newline < 0:
                    if not at_end:
                        break
                    newline = filled
                first, last = position, newline
                while last > first and buffer[last - 1] in _WHITESPACE:
                    last -= 1
                while first < last and buffer[first] in _WHITESPACE:
                    first += 1
                if first != last:
                    yield offset + first, offset + last, view[first:last]
                position = newline + 1
            position = min(position, filled)
            buffer[:filled - position] = bytes(view[position:filled])  # the part line left (they may overlap)
            offset += position
            filled -= position


READ_BLOCK = 8 * 2**20
_WHITESPACE = frozenset(b" \t\r\n")


def _index_range(path: Path, start: int, stop: int, report: OnProgress, *, keep_bodies: bool = False,
                 stage: Stage = LATEST, check: bool = True) -> _Index:
    """Parse and validate the lines that begin in bytes [start, stop) of ``path`` (with
    ``keep_bodies``, keep each chat's JSON too) against stage ``stage``'s contract (without
    ``check``, only what the store needs of them)."""
    validator = stage.validator()
    index = _Index(bodies=[] if keep_bodies else None)
    ids, accounts, millis, spans, bodies = index.ids, index.accounts, index.millis, index.spans, index.bodies
    for first, last, json in _json_lines(path, start, stop):
        chat, chat_millis = _line_chat(json, path, first, validator, check=check)
        millis.append(chat_millis)
        ids.append(chat["id"])
        accounts.append(chat["accountID"])
        spans.append(first)
        spans.append(last)
        if bodies is not None:
            bodies.append(bytes(json))
        if len(ids) % STEP == 0:
            report(len(ids))
    return index


def _line_chat(line: memoryview, path: Path, begin: int, validator: jsonschema_rs.Validator, *,
               check: bool = True) -> tuple[dict[str, Any], int | None]:
    """The chat on a line, valid against the contract (without ``check``: as far as the store
    needs it) and servable, and its ``lastActivity`` as epoch millis; a ``FixtureError`` naming
    the line otherwise (the line counted only then). Whatever fails, the contract's own words
    come first when it refuses the chat."""
    chat: Any = None
    try:
        chat = orjson.loads(line)
        if (check or not _indexable(chat)) and not validator.is_valid(chat):  # the first error only on failure
            raise _invalid(validator, chat, str(path), f"line {_line_at(path, begin)}")
        if unservable_id(chat["id"]) is not None:  # its line found only then: counting is O(file)
            _check_servable(chat, str(path), f"line {_line_at(path, begin)}")
        last_activity = chat.get("lastActivity")
        millis = to_millis(last_activity) if last_activity is not None else None
    except orjson.JSONDecodeError as exc:
        raise FixtureError(f"{path}, line {_line_at(path, begin)}: not valid JSON: {exc}") from None
    except FixtureError:  # the contract's message, as it is (it is a ValueError too)
        raise
    except ValueError as exc:  # a date-time the format check let through but millis cannot hold
        if not check and not validator.is_valid(chat):
            raise _invalid(validator, chat, str(path), f"line {_line_at(path, begin)}") from None
        raise FixtureError(f"{path}, line {_line_at(path, begin)}: chat {_chat_label(chat)}: "
                           f"field lastActivity: {exc}") from None
    return chat, millis


def _indexable(chat: Any) -> bool:
    """Whether a chat not yet checked has what the store reads of it, of the right types (else
    the contract's check is asked for the message now)."""
    return (isinstance(chat, dict) and isinstance(chat.get("id"), str) and isinstance(chat.get("accountID"), str)
            and isinstance(chat.get("lastActivity", ""), str | None))


def _check_unique(path: Path, indexes: list[_Index]) -> None:
    ids = [chat_id for index in indexes for chat_id in index.ids]
    if len(set(ids)) == len(ids):
        return
    starts = [index.spans[2 * i] for index in indexes for i in range(len(index.ids))]
    seen: dict[str, int] = {}
    for position, chat_id in enumerate(ids):
        if chat_id in seen:
            raise FixtureError(f"{path}, line {_line_at(path, starts[position])}: chat {chat_id!r}: field id: "
                               f"duplicate of the chat at line {_line_at(path, starts[seen[chat_id]])}")
        seen[chat_id] = position


def _line_at(path: Path, offset: int) -> int:
    """The number of the line at byte ``offset`` (counted only for a message: it reads the file up to there)."""
    count = 1
    with path.open("rb") as file:
        while file.tell() < offset:
            count += file.read(min(2**20, offset - file.tell())).count(b"\n")
    return count


def _next_line_start(path: Path, offset: int) -> int:
    with path.open("rb") as file:
        file.seek(offset)
        file.readline()
        return file.tell()


def _json_document(path: Path) -> tuple[Iterator[tuple[str, Any]], dict[str, Any]]:
    """A JSON fixture's chats, as ``(place, chat)`` pairs, and what is said beside them (its
    ``accounts`` and ``profile``, if it has them)."""
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None
    header: dict[str, Any] = {}
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        header = {key: document[key] for key in HEADER_KEYS if key in document}
        document = document["items"]
    if not isinstance(document, list):
        raise FixtureError(f"{path}: expected an array of chats (or a page with 'items'), "
                           f"got {type(document).__name__}")
    return ((f"item {index}", chat) for index, chat in enumerate(document)), header


def _chat_label(chat: Any) -> str:
    if isinstance(chat, dict) and isinstance(chat.get("id"), str):
        return repr(shown(chat["id"]))
    return "(without an id)"


def _field_path(instance_path: Iterable[str | int]) -> str:
    return spec.instance_place(instance_path) or "(the chat itself)"
