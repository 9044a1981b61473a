"""The query strings of the operations, checked against their parameters in ``openapi.yaml``.

Types, enums, ranges and defaults all come from the spec: each raw string is coerced to its
parameter's schema type (string, integer, boolean: ``true``/``false``), then validated with that
schema, and every problem becomes an ``Issue`` of one 400 response (never a framework's 422).
A parameter the spec marks ``allowEmptyValue`` takes an empty value as absent (the JS SDK sends
``maxParticipantCount=`` for ``null``). Only the cursor's inner grammar, which the contract leaves
opaque, is checked by ``cursors.decode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast
from urllib.parse import unquote

import jsonschema_rs

from fake_beeper.contract import spec
from fake_beeper.contract.behaviour import Behaviour
from fake_beeper.contract.stages import DEFAULT_PAGE_SIZE, LATEST, Stage
from fake_beeper.errors import (
    INVALID_TYPE,
    INVALID_VALUE,
    TOO_BIG,
    TOO_SMALL,
    ApiError,
    Issue,
    invalid_request,
)
from fake_beeper.timestamps import to_millis
from fake_beeper.world import cursors
from fake_beeper.world.cursors import Position
from fake_beeper.world.message_search import MessageFilter, words_of
from fake_beeper.world.messages import PAGE_SIZE
from fake_beeper.world.search import SearchFilter
from fake_beeper.world.store import Direction

DEFAULT_BEHAVIOUR = Behaviour()
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_ISSUE_CODES = {"Minimum": TOO_SMALL, "ExclusiveMinimum": TOO_SMALL, "Maximum": TOO_BIG,
                "ExclusiveMaximum": TOO_BIG, "Enum": INVALID_VALUE, "Type": INVALID_TYPE}


@dataclass(frozen=True)
class ListChatsQuery:
    account_ids: tuple[str, ...] | None
    cursor: Position | None
    direction: Direction
    limit: int


@dataclass(frozen=True)
class SearchChatsQuery:
    cursor: Position | None
    direction: Direction
    limit: int
    filter: SearchFilter


@dataclass(frozen=True)
class MessagesQuery:
    """A page of messages asked for: the list's (``limit`` fixed) or a search's."""

    cursor: str | None  # opaque here: which forms a chat's messages take is the book's business
    direction: Direction
    limit: int


@dataclass(frozen=True)
class SearchMessagesQuery:
    page: MessagesQuery
    filter: MessageFilter


class QueryParams(Protocol):
    """Anything with ``getlist(name)``: Starlette's ``QueryParams``, a ``MultiDict``, ``RawQuery`` …"""

    def getlist(self, key: str) -> list[str]: ...


class RawQuery:
    """The parameters of a raw query string, read as Starlette's ``QueryParams`` reads them
    (percent-escapes as UTF-8, blank values kept, ``get`` the last value), without the two
    multi-dicts it builds: this runs on every request of a paged operation."""

    __slots__ = ("_values",)

    def __init__(self, query_string: bytes) -> None:
        # What parse_qsl(keep_blank_values=True) does (a test holds them equal), with unquote
        # called only where there is something to unquote: a walk's query is new every time.
        values: dict[str, list[str]] = {}
        for pair in query_string.decode("latin-1").split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            if "%" in name or "+" in name:
                name = unquote(name.replace("+", " "))
            if "%" in value or "+" in value:
                value = unquote(value.replace("+", " "))
            values.setdefault(name, []).append(value)
        self._values = values

    def getlist(self, key: str) -> list[str]:
        return list(self._values.get(key, ()))

    def get(self, key: str) -> str | None:
        values = self._values.get(key)
        return values[-1] if values else None


@dataclass(frozen=True)
class _Parameter:
    name: str
    is_array: bool
    coerce: Callable[[str], Any]
    validator: jsonschema_rs.Validator
    default: Any
    empty_is_absent: bool
    is_date_time: bool


def parse_list_chats_query(params: QueryParams, *, decode_cursor: bool = True, behaviour: Behaviour = DEFAULT_BEHAVIOUR,
                           stage: Stage = LATEST) -> ListChatsQuery:
    """Parse and validate; raise a 400 ``ApiError`` listing every issue at once.

    With ``decode_cursor=False`` the cursor is left opaque (and ``ListChatsQuery.cursor`` is
    ``None``): scripted pages hand out cursors of their own, which are not store positions.
    ``behaviour`` decides what the contract leaves open (see ``fake_beeper.contract.behaviour``); ``stage``
    which parameters there are (before 6.0 no ``limit``: it is ignored, as any unknown parameter is,
    and pages have ``DEFAULT_PAGE_SIZE`` chats).
    """
    values, cursor = _page_query(spec.LIST_CHATS_PATH, params, decode_cursor, behaviour, stage)
    account_ids = values.get("accountIDs")
    return ListChatsQuery(
        account_ids=tuple(account_ids) if account_ids is not None else None,
        cursor=cursor,
        direction=cast(Direction, values.get("direction") or "before"),
        limit=values.get("limit", DEFAULT_PAGE_SIZE),
    )


def parse_search_chats_query(params: QueryParams, *, decode_cursor: bool = True,
                             behaviour: Behaviour = DEFAULT_BEHAVIOUR,
                             stage: Stage = LATEST) -> SearchChatsQuery:
    """``GET /v1/chats/search``: the list's paging parameters and the search's filters."""
    values, cursor = _page_query(spec.SEARCH_CHATS_PATH, params, decode_cursor, behaviour, stage)
    account_ids = values.get("accountIDs")
    after, before = values.get("lastActivityAfter"), values.get("lastActivityBefore")
    words = tuple((values.get("query") or "").casefold().split())
    chat_type = values.get("type")
    search = SearchFilter(
        account_ids=tuple(account_ids) if account_ids is not None else None,
        inbox=values.get("inbox"),
        include_muted=values["includeMuted"],
        label_id=values.get("labelID"),
        after_millis=to_millis(after) if after is not None else None,
        before_millis=to_millis(before) if before is not None else None,
        words=words,
        scope=values.get("scope") or ("titles" if behaviour.search_scope == "titles" else None),
        type=None if chat_type in (None, "any") else chat_type,
        unread_only=bool(values.get("unreadOnly")),
        unread_counts_marked=behaviour.unread_only == "unreadOrMarked",
        match=behaviour.search_match,
        inclusive_bounds=behaviour.activity_bounds == "inclusive",
    )
    return SearchChatsQuery(cursor, cast(Direction, values.get("direction") or "before"), values["limit"], search)


def parse_list_messages_query(params: QueryParams, *, decode_cursor: bool = True,
                              behaviour: Behaviour = DEFAULT_BEHAVIOUR, stage: Stage = LATEST) -> MessagesQuery:
    """``GET /v1/chats/{chatID}/messages``: a cursor and a direction (pages of ``PAGE_SIZE``). The
    cursor stays opaque here (``decode_cursor`` is for the chats' parsers' callers: the message
    book reads it, and a scripted page's query never reaches the book)."""
    values = parse_query(spec.LIST_MESSAGES_PATH, params, behaviour=behaviour, stage=stage)
    return MessagesQuery(values.get("cursor") or None, cast(Direction, values.get("direction") or "before"),
                         PAGE_SIZE)


def parse_search_messages_query(params: QueryParams, *, decode_cursor: bool = True,
                                behaviour: Behaviour = DEFAULT_BEHAVIOUR, stage: Stage = LATEST) -> SearchMessagesQuery:
    """``GET /v1/messages/search``: paging and the filters (``world/message_search.py``)."""
    values = parse_query(spec.SEARCH_MESSAGES_PATH, params, behaviour=behaviour, stage=stage)
    after, before = values.get("dateAfter"), values.get("dateBefore")
    account_ids, chat_ids = values.get("accountIDs"), values.get("chatIDs")
    search = MessageFilter(
        account_ids=frozenset(account_ids) if account_ids is not None else None,
        chat_ids=frozenset(chat_ids) if chat_ids is not None else None,
        chat_type=values.get("chatType"),
        after_millis=to_millis(after) if after is not None else None,
        before_millis=to_millis(before) if before is not None else None,
        exclude_low_priority=values["excludeLowPriority"],
        include_muted=values["includeMuted"],
        media_types=frozenset(values.get("mediaTypes") or ()),
        words=words_of(values.get("query") or ""),
        sender=values.get("sender") or None,
    )
    page = MessagesQuery(values.get("cursor") or None, cast(Direction, values.get("direction") or "before"),
                         values["limit"])
    return SearchMessagesQuery(page, search)


def parse_get_chat_query(params: QueryParams, *, behaviour: Behaviour = DEFAULT_BEHAVIOUR,
                         stage: Stage = LATEST) -> int:
    """``GET /v1/chats/{chatID}``: how many participants to return (``-1``: all)."""
    count: int = parse_query(spec.GET_CHAT_PATH, params, behaviour=behaviour, stage=stage)["maxParticipantCount"]
    return count


def _page_query(path: str, params: QueryParams, decode_cursor: bool, behaviour: Behaviour,
                stage: Stage) -> tuple[dict[str, Any], Position | None]:
    """The values of a paged operation and its decoded cursor, every issue in one 400."""
    issues: list[Issue] = []
    values = _values(path, params, behaviour, issues, stage)
    cursor = None
    if decode_cursor and values.get("cursor"):  # an empty cursor means the first page, as no cursor does
        try:
            cursor = cursors.decode(values["cursor"])
        except ApiError as exc:
            issues.extend(exc.issues)
    if issues:
        raise invalid_request(issues)
    return values, cursor


def parse_query(path: str, params: QueryParams, *, behaviour: Behaviour = DEFAULT_BEHAVIOUR,
                stage: Stage = LATEST, method: str = "GET") -> dict[str, Any]:
    """The query values of the operation ``method`` at ``path`` (in ``stage``) by name, defaults
    filled in; a 400 ``ApiError`` listing every issue at once."""
    issues: list[Issue] = []
    values = _values(path, params, behaviour, issues, stage, method)
    if issues:
        raise invalid_request(issues)
    return values


def _values(path: str, params: QueryParams, behaviour: Behaviour, issues: list[Issue],
            stage: Stage = LATEST, method: str = "GET") -> dict[str, Any]:
    values: dict[str, Any] = {}
    for parameter in _parameters(path, stage, method):
        raw = _raw_values(params, parameter, behaviour)
        if not raw:
            values[parameter.name] = parameter.default
            continue
        where = ("query", parameter.name)
        if not parameter.is_array and len(raw) > 1:
            issues.append(Issue(INVALID_TYPE, f"{parameter.name} must be given once", where))
            continue
        if parameter.is_date_time and behaviour.naive_date_times == "utc":
            raw = [_as_utc(value) for value in raw]
        try:
            value = [parameter.coerce(v) for v in raw] if parameter.is_array else parameter.coerce(raw[0])
        except ValueError as exc:
            issues.append(Issue(INVALID_TYPE, f"{parameter.name} {exc}", where))
            continue
        problems = [] if parameter.validator.is_valid(value) else \
            [_issue(parameter.name, error, where) for error in parameter.validator.iter_errors(value)]
        issues.extend(problems)
        if parameter.is_date_time and not problems and isinstance(value, str):
            try:
                to_millis(value)
            except ValueError as exc:  # a valid date-time whose instant the fake cannot hold
                issues.append(Issue(INVALID_VALUE, f"{parameter.name} {exc}", where))
        values[parameter.name] = value
    return values


def _as_utc(value: str) -> str:
    """A date-time without an offset (Python's naive ``datetime.isoformat()``) read as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # not a date-time: the schema says so
    return value + "Z" if moment.tzinfo is None and "T" in value else value


def _raw_values(params: QueryParams, parameter: _Parameter, behaviour: Behaviour) -> list[str]:
    """The raw values of ``parameter``, as ``behaviour`` reads them."""
    raw = params.getlist(parameter.name)
    if parameter.empty_is_absent and raw == [""]:
        return []
    if parameter.name == "limit" and behaviour.limit == "ignored":
        return []
    if parameter.name == "direction" and raw == [""] and behaviour.empty_direction == "before":
        return []
    if parameter.is_array and behaviour.account_ids_comma == "split":
        return [part for value in raw for part in value.split(",")]
    if not parameter.is_array and len(raw) > 1 and behaviour.repeated_params != "rejected":
        return [raw[0] if behaviour.repeated_params == "first" else raw[-1]]
    return raw


@cache
def _parameters(path: str, stage: Stage = LATEST, method: str = "GET") -> tuple[_Parameter, ...]:
    built = []
    for name, parameter in stage.query_parameters(path, method).items():
        schema = parameter["schema"]
        is_array = schema.get("type") == "array"
        item = schema["items"] if is_array else schema
        built.append(_Parameter(name, is_array, _COERCE[item["type"]], spec.inline_validator(schema),
                                schema.get("default"), bool(parameter.get("allowEmptyValue")),
                                item.get("format") == "date-time"))
    return tuple(built)


def _to_integer(raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise ValueError(f"must be an integer, got {raw!r}")
    return int(raw)


def _to_boolean(raw: str) -> bool:
    if raw not in ("true", "false"):
        raise ValueError(f"must be true or false, got {raw!r}")
    return raw == "true"


_COERCE: dict[str, Callable[[str], Any]] = {"string": str, "integer": _to_integer, "boolean": _to_boolean}


def parse_body(body: Any, validator: jsonschema_rs.Validator) -> Any:
    """A request body checked against its schema (the stage's); a 400 whose issues name each
    field (``["body", "attachment", "type"]``). Keys the schema does not name are let through."""
    issues = []
    for error in validator.iter_errors(body):
        if type(error.kind).__name__ == "Required":  # the place is the missing field, not its object
            field = str(error.kind.property)  # type: ignore[attr-defined]
            issues.append(Issue(INVALID_TYPE, f"{field} is required", ("body", *error.instance_path, field)))
        else:
            name = str(error.instance_path[-1]) if error.instance_path else "the body"
            issues.append(_issue(name, error, ("body",)))
    if issues:
        raise invalid_request(issues)
    return body


def _issue(name: str, error: jsonschema_rs.ValidationError, path: Sequence[str | int]) -> Issue:
    kind = type(error.kind).__name__
    details: Any = error.kind  # each kind has its own fields (limit, options …)
    message = spec.error_message(error)
    if kind in ("Maximum", "ExclusiveMaximum"):
        message = f"must be at most {details.limit}"
    elif kind in ("Minimum", "ExclusiveMinimum"):
        message = f"must be at least {details.limit}"
    elif kind == "Enum":
        options = " or ".join(repr(o) for o in details.options)
        message = f"must be one of {options}, got {error.instance!r}"
    return Issue(_ISSUE_CODES.get(kind, INVALID_VALUE), f"{name} {message}",
                 (*path, *error.instance_path))
