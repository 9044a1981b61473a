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

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fake_beeper import spec
from fake_beeper.timestamps import to_millis

CHAT_SCHEMA = "ChatListResponse"


class FixtureError(ValueError):
    """A fixture file that cannot be served; the message says where and why."""


@dataclass(frozen=True)
class LoadedChat:
    """A validated chat: its ID, account, ``lastActivity`` millis (``None`` if absent) and JSON."""

    id: str
    account_id: str
    last_activity: int | None
    body: bytes


def read_chats(path: str | os.PathLike[str]) -> list[LoadedChat]:
    """Load and validate a fixture file; raise ``FixtureError`` on the first problem."""
    path = Path(path)
    records = _jsonl_records(path) if path.suffix == ".jsonl" else _json_records(path)
    try:  # streamed: a line is parsed, validated and dropped before the next is read
        return validate_chats(records, source=str(path))
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror or exc}") from None


def validate_chats(records: Iterable[tuple[str, Any]], source: str = "chats") -> list[LoadedChat]:
    """Validate ``(location, chat)`` pairs, e.g. ``("line 3", {...})``; IDs must be unique."""
    validator = spec.validator(CHAT_SCHEMA)
    seen: dict[str, str] = {}
    loaded = []
    for where, chat in records:
        label = _chat_label(chat)
        error = next(validator.iter_errors(chat), None)
        if error is not None:
            field = _field_path(error.instance_path)
            raise FixtureError(f"{source}, {where}: chat {label}: field {field}: {error.message}")
        if chat["id"] in seen:
            raise FixtureError(f"{source}, {where}: chat {label}: field id: duplicate of the chat at "
                               f"{seen[chat['id']]}")
        seen[chat["id"]] = where
        loaded.append(to_loaded(chat, f"{source}, {where}: chat {label}"))
    return loaded


def to_loaded(chat: dict[str, Any], context: str = "chat") -> LoadedChat:
    """Turn one schema-valid chat into what the store keeps (its JSON serialised once, here)."""
    last_activity = None
    if "lastActivity" in chat:
        try:
            last_activity = to_millis(chat["lastActivity"])
        except ValueError as exc:
            raise FixtureError(f"{context}: field lastActivity: {exc}") from None
    return LoadedChat(chat["id"], chat["accountID"], last_activity, orjson.dumps(chat))


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


def _jsonl_records(path: Path) -> Iterator[tuple[str, Any]]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield f"line {number}", orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise FixtureError(f"{path}, line {number}: not valid JSON: {exc}") from None


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
    text = ""
    for part in instance_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the chat itself)"
