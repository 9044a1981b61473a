"""Anonymising a recording: every string replaced as ``openapi.yaml`` says, then the result checked.

The contract says what each string is (``x-anonymise`` on its property; see the document's
``info.description``), so this module knows no field by name: it walks each chat and account
along its schema (``$ref``, ``allOf``, ``anyOf`` and maps followed) and hands each string to the
replacement its kind names (``pseudonyms``). Strings with an ``enum`` or a ``date-time`` format,
numbers, booleans, nulls, the keys the contract names, list lengths and order are kept;
date-times may be shifted. What the contract does not describe (a field a newer server sends, a
key nobody named, the inside of an ``additionalProperties: true`` object) is left out; with
``keep_unknown`` it is kept, its keys as they are and every string of it replaced as an
identifier, part by part.
The keys of an ID-keyed map (``x-anonymise-keys``) are replaced like its IDs.

It runs in two passes over the whole recording. The first gathers what is identifying: every
original value that will be replaced and every identifying part of an identifier, of 6+
characters (``Secrets``), less those that are part of a string the output keeps as it is (a
chat titled "WhatsApp" beside a ``network`` that says WhatsApp). The second replaces, never
drawing a replacement that contains a secret. Then the output is searched for every secret
(Aho-Corasick, case-insensitive, in every key and value): one that survives stops the recording,
naming the field it came from and where it was found.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from fake_beeper.contract import spec
from fake_beeper.data.networks import NETWORKS
from fake_beeper.errors import FakeBeeperError
from fake_beeper.jsonschema import Schemas, takes_type
from fake_beeper.record.pseudonyms import MIN_SECRET_LENGTH, STRUCTURAL, Pseudonyms, Secrets, identifying_parts
from fake_beeper.record.scripts import dominant_script, is_emoji_part
from fake_beeper.text import shown
from fake_beeper.timestamps import shifted

CHAT_SCHEMA, ACCOUNT_SCHEMA, MESSAGE_SCHEMA = spec.CHAT_SCHEMA, spec.ACCOUNT_SCHEMA, spec.MESSAGE_SCHEMA
KINDS = ("identifier", "name", "title", "text", "network", "sort-key", "keep", "enum", "date-time")
UNDESCRIBED = "undescribed"  # a string in a field the contract does not name: replaced as an identifier
# Networks' display names, kept as they are in ``network`` fields; any other value there (an
# account's own name, say) is replaced as text.
KNOWN_NETWORKS = frozenset(network.name.lower() for network in NETWORKS) | {
    "beeper", "matrix", "facebook", "google chat", "google voice", "sms", "twitter", "bluesky", "line",
    "wechat", "viber", "skype", "teams", "microsoft teams", "snapchat", "tiktok", "reddit", "irc"}

Place = tuple[str | int, ...]


class LeakError(FakeBeeperError):
    """An identifying string of the source survived anonymisation: nothing is written."""


@dataclass
class Summary:
    """What anonymising replaced, for the line the CLI prints."""

    replaced: Counter[str] = field(default_factory=Counter)  # values, by kind
    distinct: dict[str, int] = field(default_factory=dict)  # distinct originals, by kind
    parts: int = 0  # distinct identifying parts of identifiers
    undescribed: set[str] = field(default_factory=set)  # fields the contract does not name, kept (--keep-unknown)
    dropped: set[str] = field(default_factory=set)  # fields the contract does not name, left out
    secrets: int = 0  # identifying strings the output was searched for
    searched: int = 0  # characters of output searched
    shifted: int = 0  # date-times moved by --shift-days

    def lines(self) -> list[str]:
        names = {"identifier": "identifiers", "name": "names", "title": "titles", "text": "texts",
                 "network": "network names", "sort-key": "sort keys", UNDESCRIBED: "undescribed values"}
        done = [f"{self.replaced[kind]:,} {label} ({self.distinct.get(kind, 0):,} distinct)"
                for kind, label in names.items() if self.replaced[kind]]
        lines = [f"replaced {', '.join(done) or 'nothing'}; {self.parts:,} distinct identifying parts of IDs, "
                 "handles, phone numbers, e-mail addresses, URLs and paths"]
        if self.dropped:
            lines.append(f"left out {len(self.dropped):,} fields openapi.yaml does not describe "
                         f"(--keep-unknown keeps them, anonymised): {_fields(self.dropped)}")
        if self.undescribed:
            lines.append(f"replaced as identifiers (--keep-unknown): fields openapi.yaml does not describe: "
                         f"{_fields(self.undescribed)}")
        if self.shifted:
            lines.append(f"shifted {self.shifted:,} date-times")
        lines.append("kept: which keys are present, nulls, list lengths, counts, numbers, booleans, enums, "
                     "known network names, timestamps and the order of chats")
        lines.append(f"searched {self.searched:,} characters of output for {self.secrets:,} identifying strings "
                     "of 6+ characters: none survived")
        return lines


def _is_flag(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float)


def _fields(names: set[str]) -> str:
    """A few field names, as the terminal may show them (they are the server's keys)."""
    return shown(", ".join(sorted(names)[:8]) + (" …" if len(names) > 8 else ""))


@dataclass(frozen=True)
class _Node:
    """What the walk needs of one schema, all its ``$ref``/``allOf`` parts merged."""

    kind: str | None  # x-anonymise of the strings here (inherited by array items and anyOf branches)
    key_kind: str | None  # x-anonymise-keys: what a map's keys are (None: kept)
    properties: Mapping[str, Mapping[str, Any]]
    additional: Mapping[str, Any] | None  # the schema of a map's values
    open: bool  # additionalProperties: true (anything, undescribed)
    items: Mapping[str, Any] | None
    branches: tuple[Mapping[str, Any], ...]
    types: frozenset[str]
    fixed: bool  # an enum, a const or a date-time: kept (date-times shifted)
    date_time: bool


class _Schemas:
    """The document's schemas, each walked once (``fake_beeper.jsonschema``) into the ``_Node``
    the anonymiser needs."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._schemas = Schemas(document["components"]["schemas"])
        self._nodes: dict[tuple[int, str | None], _Node] = {}
        self._compiled: list[Any] = []  # the schemas compiled, so that their ids stay theirs

    def component(self, name: str) -> Mapping[str, Any]:
        return self._schemas.component(name)

    def node(self, schema: Mapping[str, Any], inherited: str | None) -> _Node:
        key = (id(schema), inherited)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = self._compile(schema, inherited)
            self._compiled.append(schema)
        return found

    def _compile(self, schema: Mapping[str, Any], inherited: str | None) -> _Node:
        node = self._schemas.node(schema)
        additional = node.additional
        return _Node(
            kind=node.first("x-anonymise", inherited), key_kind=node.first("x-anonymise-keys"),
            properties=node.properties, additional=additional if isinstance(additional, Mapping) else None,
            open=additional is True, items=node.items, branches=node.branches, types=node.types,
            fixed=bool(node.every("enum") or node.every("const")) or node.first("format") == "date-time",
            date_time=node.first("format") == "date-time")


OnString = Callable[[str, str, Place], str]  # (kind, value, place) -> the value to write


class _Walk:
    """One pass over records along their schema: ``on_string`` gets every string and every key
    of an ID-keyed map (and returns what to write), ``on_key`` every key the contract names or a
    map of it has, ``on_kept`` every string of a ``keep`` field (written as it is).

    What the contract does not describe (a key no schema names, anything under an
    ``additionalProperties: true``) is handed to ``on_dropped`` and left out, unless
    ``keep_unknown``: then its keys are kept (each told to ``on_unknown_key``) and its strings go
    to ``on_string`` as ``undescribed``. One
    exception: an open object in a ``keep`` field keeps its flags (booleans, numbers and nulls,
    with their keys), which is what an account's ``capabilities`` holds; strings, lists and
    objects in it are undescribed like any other."""

    def __init__(self, schemas: _Schemas, on_string: OnString, on_key: Callable[[str], None] = lambda text: None,
                 on_kept: Callable[[str], None] = lambda text: None, *, keep_unknown: bool = True,
                 on_dropped: Callable[[Place], None] = lambda place: None,
                 on_unknown_key: Callable[[str, Place], None] = lambda key, place: None) -> None:
        self._schemas = schemas
        self._on_string = on_string
        self._on_key = on_key
        self._on_kept = on_kept
        self._keep_unknown = keep_unknown
        self._on_dropped = on_dropped
        self._on_unknown_key = on_unknown_key

    def record(self, value: Any, schema_name: str, place: Place) -> Any:
        return self._value(value, self._schemas.component(schema_name), None, place)

    def _value(self, value: Any, schema: Mapping[str, Any] | None, inherited: str | None, place: Place) -> Any:
        if schema is None:
            return self._undescribed(value, place)
        node = self._schemas.node(schema, inherited)
        if node.branches:
            branch = self._branch(node, value)
            if branch is not None:
                return self._value(value, branch, node.kind, place)
        if isinstance(value, str):
            if node.kind == "keep" and not node.date_time:
                self._on_kept(value)
                return value
            if node.fixed:
                return self._on_string("date-time" if node.date_time else "enum", value, place)
            return self._on_string(node.kind or UNDESCRIBED, value, place)
        if isinstance(value, dict):
            return self._object(value, node, place)
        if isinstance(value, list):
            return [self._value(item, node.items, node.kind, (*place, index)) for index, item in enumerate(value)]
        return value

    def _object(self, value: dict[str, Any], node: _Node, place: Place) -> dict[str, Any]:
        within = "keep" if node.kind == "keep" else None  # a keep field keeps what it holds
        out = {}
        for key, item in value.items():
            sub = node.properties.get(key, node.additional)
            if sub is None and within and node.open and _is_flag(item):
                self._on_kept(key)  # a kept open object's flags (an account's capabilities): kept
                out[key] = item
                continue
            if sub is None:  # a key the contract does not describe
                if self._keep_unknown:
                    self._on_unknown_key(key, (*place, key))
                    out[key] = self._undescribed(item, (*place, key))
                else:
                    self._on_dropped((*place, key))
                continue
            if node.key_kind and key not in node.properties:
                new_key = self._on_string(node.key_kind, key, (*place, key))
            else:
                (self._on_kept if within and key not in node.properties else self._on_key)(key)
                new_key = key
            out[new_key] = self._value(item, sub, within, (*place, key))
        return out

    def _branch(self, node: _Node, value: Any) -> Mapping[str, Any] | None:
        """The ``anyOf`` branch a value takes: the first whose type is the value's."""
        for branch in node.branches:
            if takes_type(value, self._schemas.node(branch, None).types):
                return branch
        return None

    def _undescribed(self, value: Any, place: Place) -> Any:
        """A value the contract does not describe: kept with every string replaced as an
        identifier (``keep_unknown``), or dropped. (Its depth is bounded where it was read: the
        gate refuses JSON nested past ``polite.MAX_JSON_DEPTH``.)"""
        if not self._keep_unknown:
            self._on_dropped(place)
            return None
        if isinstance(value, str):
            return self._on_string(UNDESCRIBED, value, place)
        if isinstance(value, dict):
            for key in value:
                self._on_unknown_key(key, (*place, key))
            return {key: self._undescribed(item, (*place, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self._undescribed(item, (*place, index)) for index, item in enumerate(value)]
        return value


@functools.cache
def _default_schemas() -> _Schemas:
    return _Schemas(spec.spec())


@dataclass
class Anonymised:
    """What ``Anonymiser.run`` gives back: the chats' JSON, the accounts, what was replaced, and
    the messages' JSON (in the order given)."""

    chats: list[bytes]
    accounts: list[dict[str, Any]]
    summary: Summary
    messages: list[bytes] = field(default_factory=list)


class Anonymiser:
    """Anonymise one recording (``key=None``: keep every string, only shift date-times)."""

    def __init__(self, key: bytes | None, *, shift_days: int = 0, document: Mapping[str, Any] | None = None,
                 keep_unknown: bool = False) -> None:
        """``keep_unknown``: keep what the contract does not describe (its keys as they are, its
        strings replaced as identifiers, or as they are with ``key=None``) instead of leaving it out."""
        self._key = key
        self._shift_days = shift_days
        self._keep_unknown = keep_unknown
        self._schemas = _default_schemas() if document is None else _Schemas(document)

    def run(self, chats: Sequence[bytes | dict[str, Any]], accounts: Sequence[dict[str, Any]],
            messages: Sequence[bytes | dict[str, Any]] = ()) -> Anonymised:
        """The chats' JSON, the accounts and the messages' JSON, anonymised (one key: a name or an
        ID is replaced the same way wherever it is), and what was replaced. Records given as JSON
        are parsed once a pass and never all at once (a dict costs ten times its text)."""
        summary = Summary()
        records: list[tuple[str, Place, Any]] = [(CHAT_SCHEMA, ("chat", index + 1), chat)
                                                 for index, chat in enumerate(chats)]
        records += [(ACCOUNT_SCHEMA, ("account", index + 1), account) for index, account in enumerate(accounts)]
        records += [(MESSAGE_SCHEMA, ("message", index + 1), message) for index, message in enumerate(messages)]
        if self._key is None:
            def shift_only(kind: str, value: str, place: Place) -> str:
                return self._date_time(kind, value, summary)

            return self._write(self._output_walk(shift_only, summary), records, lambda record, place: None, summary)
        found = self._gather(records)
        pseudonyms = Pseudonyms(self._key, found.secrets, names=found.originals["name"],
                                sort_keys=found.originals["sort-key"])
        replacers: dict[str, Callable[[str], str]] = {
            "identifier": pseudonyms.identifier, UNDESCRIBED: pseudonyms.identifier, "name": pseudonyms.name,
            "title": pseudonyms.title, "text": pseudonyms.text, "sort-key": pseudonyms.sort_key,
            "network": lambda value: value if value.lower() in KNOWN_NETWORKS else pseudonyms.text(value)}

        def replace_string(kind: str, value: str, place: Place) -> str:
            if kind in ("keep", "enum", "date-time"):
                return self._date_time(kind, value, summary)
            new = replacers[kind](value)
            if new != value:
                summary.replaced[kind] += 1
            if kind == UNDESCRIBED:
                summary.undescribed.add(_field(place))
            return new

        def search(record: Any, place: Place) -> None:
            summary.searched += _search(record, place, found)

        out = self._write(self._output_walk(replace_string, summary), records, search, summary)
        summary.distinct = {kind: len(values) for kind, values in found.originals.items()}
        summary.parts = len(found.parts)
        summary.secrets = len(found.secrets)
        return out

    def _output_walk(self, on_string: OnString, summary: Summary) -> _Walk:
        def dropped(place: Place) -> None:
            summary.dropped.add(_field(place))

        return _Walk(self._schemas, on_string, keep_unknown=self._keep_unknown, on_dropped=dropped)

    @staticmethod
    def _write(walk: _Walk, records: list[tuple[str, Place, Any]], check: Callable[[Any, Place], None],
               summary: Summary) -> Anonymised:
        """Each record walked, checked and kept: a chat or a message as its JSON, an account as it is."""
        out = Anonymised([], [], summary)
        for schema, place, value in records:
            new = walk.record(_parsed(value), schema, place)
            check(new, place)
            if schema == ACCOUNT_SCHEMA:
                out.accounts.append(new)
            else:
                (out.chats if schema == CHAT_SCHEMA else out.messages).append(bytes(memoryview(orjson.dumps(new))))
        return out

    def _date_time(self, kind: str, value: str, summary: Summary) -> str:
        if kind != "date-time" or not self._shift_days:
            return value
        summary.shifted += 1
        return shifted(value, self._shift_days)

    def _gather(self, records: list[tuple[str, Place, Any]]) -> _Found:
        found = _Found()
        # Everything is gathered, what will be dropped too: a string of it (a key too, unless
        # --keep-unknown keeps the keys) that the output holds is found by the search like any other.
        def unknown_key(key: str, place: Place) -> None:
            if self._keep_unknown:  # kept as it is: a secret equal to it is still searched for
                found.kept.add(key)
            else:
                found.note(UNDESCRIBED, key, place)

        walk = _Walk(self._schemas, found.note, found.vocabulary.add, found.kept.add, keep_unknown=True,
                     on_unknown_key=unknown_key)
        for schema, place, value in records:
            walk.record(_parsed(value), schema, place)
        found.settle()
        return found


@dataclass
class _Found:
    """The first pass's findings: originals by kind, identifying strings and where each came from."""

    originals: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in (*KINDS, UNDESCRIBED)})
    parts: set[str] = field(default_factory=set)
    vocabulary: set[str] = field(default_factory=lambda: set(STRUCTURAL))  # keys, enums, date-times, networks
    kept: set[str] = field(default_factory=set)  # strings of keep fields (reaction keys, MIME types)
    origins: dict[str, Place] = field(default_factory=dict)  # an identifying string (lower case) -> first place
    secrets: Secrets = field(default_factory=lambda: Secrets(()))

    def note(self, kind: str, value: str, place: Place) -> str:
        if kind in ("enum", "date-time") or (kind == "network" and value.lower() in KNOWN_NETWORKS):
            self.vocabulary.add(value)
            return value
        self.originals[kind].add(value)
        if kind in ("identifier", UNDESCRIBED):
            parts = identifying_parts(value)
            self.parts.update(parts)
            # The whole value too, unless what identifies in it is too short to search for:
            # "do.jpg" would be found in any "…do.jpg" its replacement draws.
            identifying = [value, *parts] if sum(map(len, parts)) >= MIN_SECRET_LENGTH else parts
        else:
            identifying = [value] if _has_content(value) else []
            if kind == "name":
                identifying += _WORDS.findall(value)
        for text in identifying:
            if len(text) >= MIN_SECRET_LENGTH:
                self.origins.setdefault(text.lower(), place)
        return value

    def settle(self) -> None:
        self.secrets = Secrets(self.origins)
        self.secrets.drop_kept(self.vocabulary, within=self.kept)


_WORDS = re.compile(r"[^\W_]+")


def _has_content(value: str) -> bool:
    """Whether a text replacement changes ``value`` (it keeps spacing and punctuation)."""
    return dominant_script(value) is not None or any(char.isdigit() or is_emoji_part(char) for char in value)


def _parsed(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, bytes) else value


def _search(record: Any, place: Place, found: _Found) -> int:
    """Search every string of one output record for the secrets (all at once, then one by one
    only to say where); raise ``LeakError`` at the first found. Returns the characters searched."""
    strings = _strings(record, place)
    joined = "\x00".join(text for _, text in strings)
    if found.secrets.found_in(joined):
        for where, text in strings:
            survivors = found.secrets.found_in(text)
            if survivors:
                origin = found.origins[survivors[0]]
                raise LeakError(f"an identifying string from {_describe(origin)} survived anonymising, in "
                                f"{_describe(where)}; nothing was written (a bug in fake-beeper: please report "
                                "the two fields, not the values)")
    return len(joined)


def _strings(value: Any, place: Place) -> list[tuple[Place, str]]:
    found: list[tuple[Place, str]] = []
    stack = [(place, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            found.append((where, item))
        elif isinstance(item, dict):
            for key, sub in item.items():
                found.append(((*where, key, "(key)"), key))
                stack.append(((*where, key), sub))
        elif isinstance(item, list):
            stack.extend(((*where, index), sub) for index, sub in enumerate(item))
    return found


def _describe(place: Place) -> str:
    """``chat 3, field participants.items[0].fullName`` for ``("chat", 3, "participants", …)``."""
    what, number, *path = place
    return f"{what} {number}, field {spec.instance_place(path) or '(the record)'}"


def _field(place: Place) -> str:
    """A place without its record and list indexes: ``preview.nickname``."""
    return ".".join(str(part) for part in place[2:] if not isinstance(part, int))
