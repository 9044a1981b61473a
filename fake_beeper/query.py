"""The query string of ``GET /v1/chats``, checked against the parameters in ``openapi.yaml``.

Types, the ``direction`` enum, the ``limit`` range and its default all come from the spec: each
raw string is coerced to its parameter's schema type, then validated with that schema, and every
problem becomes an ``Issue`` of one 400 response (never a framework's 422). Only the cursor's inner
grammar, which the contract leaves opaque, is checked by ``cursors.decode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, cast

import jsonschema_rs

from fake_beeper import cursors, spec
from fake_beeper.behaviour import Behaviour
from fake_beeper.cursors import Position
from fake_beeper.errors import (
    INVALID_TYPE,
    INVALID_VALUE,
    TOO_BIG,
    TOO_SMALL,
    ApiError,
    Issue,
    invalid_request,
)
from fake_beeper.store import Direction

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


class QueryParams(Protocol):
    """Anything with ``getlist(name)``: Starlette's ``QueryParams``, a ``MultiDict`` …"""

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class _Parameter:
    name: str
    is_array: bool
    coerce: Callable[[str], Any]
    validator: jsonschema_rs.Validator
    default: Any


def parse_list_chats_query(params: QueryParams, *, decode_cursor: bool = True,
                           behaviour: Behaviour = DEFAULT_BEHAVIOUR) -> ListChatsQuery:
    """Parse and validate; raise a 400 ``ApiError`` listing every issue at once.

    With ``decode_cursor=False`` the cursor is left opaque (and ``ListChatsQuery.cursor`` is
    ``None``): scripted pages hand out cursors of their own, which are not store positions.
    ``behaviour`` decides what the contract leaves open (see ``fake_beeper.behaviour``).
    """
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for parameter in _parameters():
        raw = _raw_values(params, parameter, behaviour)
        if not raw:
            values[parameter.name] = parameter.default
            continue
        path = ("query", parameter.name)
        if not parameter.is_array and len(raw) > 1:
            issues.append(Issue(INVALID_TYPE, f"{parameter.name} must be given once", path))
            continue
        try:
            value = [parameter.coerce(v) for v in raw] if parameter.is_array else parameter.coerce(raw[0])
        except ValueError as exc:
            issues.append(Issue(INVALID_TYPE, f"{parameter.name} {exc}", path))
            continue
        problems = [_issue(parameter.name, error, path) for error in parameter.validator.iter_errors(value)]
        issues.extend(problems)
        values[parameter.name] = value
    cursor = None
    if decode_cursor and values.get("cursor"):  # an empty cursor means the first page, as no cursor does
        try:
            cursor = cursors.decode(values["cursor"])
        except ApiError as exc:
            issues.extend(exc.issues)
    if issues:
        raise invalid_request(issues)
    account_ids = values.get("accountIDs")
    return ListChatsQuery(
        account_ids=tuple(account_ids) if account_ids is not None else None,
        cursor=cursor,
        direction=cast(Direction, values.get("direction") or "before"),
        limit=values["limit"],
    )


def _raw_values(params: QueryParams, parameter: _Parameter, behaviour: Behaviour) -> list[str]:
    """The raw values of ``parameter``, as ``behaviour`` reads them."""
    raw = params.getlist(parameter.name)
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
def _parameters() -> tuple[_Parameter, ...]:
    built = []
    for name, parameter in spec.query_parameters().items():
        schema = parameter["schema"]
        is_array = schema.get("type") == "array"
        item_type = schema["items"]["type"] if is_array else schema["type"]
        built.append(_Parameter(name, is_array, _COERCE[item_type], spec.inline_validator(schema),
                                schema.get("default")))
    return tuple(built)


def _to_integer(raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise ValueError(f"must be an integer, got {raw!r}")
    return int(raw)


_COERCE: dict[str, Callable[[str], Any]] = {"string": str, "integer": _to_integer}


def _issue(name: str, error: jsonschema_rs.ValidationError, path: Sequence[str | int]) -> Issue:
    kind = type(error.kind).__name__
    details: Any = error.kind  # each kind has its own fields (limit, options …)
    message = error.message
    if kind in ("Maximum", "ExclusiveMaximum"):
        message = f"must be at most {details.limit}"
    elif kind in ("Minimum", "ExclusiveMinimum"):
        message = f"must be at least {details.limit}"
    elif kind == "Enum":
        options = " or ".join(repr(o) for o in details.options)
        message = f"must be one of {options}, got {error.instance!r}"
    return Issue(_ISSUE_CODES.get(kind, INVALID_VALUE), f"{name} {message}",
                 (*path, *error.instance_path))
