"""Behaviour choices: how the fake answers where the contract is silent.

Real servers differ where ``openapi.yaml`` says nothing, and a client written against one of
them can depend on its answer. ``fake-beeper check`` reads these facts off a server; the fake
can then be told to answer the same way, so a test suite runs against the behaviour its users
will meet.

Each choice is written once, as a ``StrEnum`` below: its values (the fake's default first) and,
in its docstring, what each means. ``Behaviour``'s fields name the choices by their JSON keys;
``CHOICES``, the schema of a scenario's ``behaviour:`` section and the ``serve`` flags are all
derived from them. ``limit=ignored`` is there to play older servers: ``openapi.yaml`` makes
``limit`` a maximum, so ``fake-beeper check`` reports a server that ignores it as breaking the
contract.

The same choices come as ``--behaviour after=newest`` on the command line, a ``behaviour:``
mapping in a scenario, ``PUT /_fake-beeper/behaviour``, ``FakeBeeper(behaviour=...)`` and the
pytest marker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar

from fake_beeper.errors import FakeBeeperError

E = TypeVar("E", bound=StrEnum)


class After(StrEnum):
    """A ``direction=after`` page holds the ``limit`` chats just newer than the cursor, or the
    newest ``limit`` chats newer than it."""

    ADJACENT = "adjacent"
    NEWEST = "newest"


class Undated(StrEnum):
    """Chats without ``lastActivity`` are listed after every dated chat, or left out of the list."""

    LAST = "last"
    OMITTED = "omitted"


class AccountIDsComma(StrEnum):
    """``accountIDs=a,b`` is one account ID that holds a comma, or two IDs."""

    LITERAL = "literal"
    SPLIT = "split"


class RepeatedParams(StrEnum):
    """A parameter that is not an array, given twice (``limit=2&limit=3``), gets a 400, or one of
    its values is used."""

    REJECTED = "rejected"
    FIRST = "first"
    LAST = "last"


class EmptyDirection(StrEnum):
    """``direction=`` (empty) gets a 400, or the default."""

    REJECTED = "rejected"
    BEFORE = "before"


class Limit(StrEnum):
    """``limit`` is checked and obeyed, or not read at all (pages of the default size)."""

    HONOURED = "honoured"
    IGNORED = "ignored"


class SearchMatch(StrEnum):
    """A ``GET /v1/chats/search`` query word matches at the start of a word of a title or name
    (``ali`` finds "Alice" and "Ali Khan"), or anywhere in one ("Natalie", "reality")."""

    WORD_PREFIX = "wordPrefix"
    SUBSTRING = "substring"


class SearchScope(StrEnum):
    """A search without ``scope`` looks at titles, networks and participant names, or at titles
    and networks only."""

    BOTH = "both"
    TITLES = "titles"


class ActivityBounds(StrEnum):
    """``lastActivityAfter``/``lastActivityBefore`` leave out a chat whose ``lastActivity`` is
    exactly the bound, or keep it."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"


class UnreadOnly(StrEnum):
    """``unreadOnly=true`` keeps chats with ``unreadCount > 0`` or ``isMarkedUnread``, or only the first."""

    UNREAD_OR_MARKED = "unreadOrMarked"
    UNREAD_COUNT = "unreadCount"


class NaiveDateTimes(StrEnum):
    """A date-time without an offset (what Python's naive ``datetime`` sends) is read as UTC, or
    gets a 400 as not RFC 3339."""

    UTC = "utc"
    REJECTED = "rejected"


def _choice(key: str, values: type[E]) -> E:
    """A field of ``Behaviour``: the choice's JSON key and its values, the first the default."""
    default: E = next(iter(values))
    found: E = field(default=default, metadata={"key": key, "values": values})
    return found


@dataclass(frozen=True)
class Behaviour:
    """One value per choice; the defaults are the fake's own behaviour."""

    after: After = _choice("after", After)
    undated: Undated = _choice("undated", Undated)
    account_ids_comma: AccountIDsComma = _choice("accountIDsComma", AccountIDsComma)
    repeated_params: RepeatedParams = _choice("repeatedParams", RepeatedParams)
    empty_direction: EmptyDirection = _choice("emptyDirection", EmptyDirection)
    limit: Limit = _choice("limit", Limit)
    search_match: SearchMatch = _choice("searchMatch", SearchMatch)
    search_scope: SearchScope = _choice("searchScope", SearchScope)
    activity_bounds: ActivityBounds = _choice("activityBounds", ActivityBounds)
    unread_only: UnreadOnly = _choice("unreadOnly", UnreadOnly)
    naive_date_times: NaiveDateTimes = _choice("naiveDateTimes", NaiveDateTimes)

    def as_json(self) -> dict[str, str]:
        """Every choice by its key: ``{"after": "adjacent", ...}``."""
        return {key: str(getattr(self, name)) for key, name in _FIELDS.items()}

    def changes(self) -> dict[str, str]:
        """The choices that differ from the default."""
        return {key: value for key, value in self.as_json().items() if value != CHOICES[key][0]}

    def serve_flags(self) -> str:
        """The ``fake-beeper serve`` flags that give this behaviour (empty for the default)."""
        return " ".join(f"--behaviour {key}={value}" for key, value in self.changes().items())


_FIELDS = {found.metadata["key"]: found.name for found in fields(Behaviour)}  # JSON key -> field name
_VALUES: dict[str, type[StrEnum]] = {found.metadata["key"]: found.metadata["values"] for found in fields(Behaviour)}
# key -> its values, the default first
CHOICES: dict[str, tuple[str, ...]] = {key: tuple(value.value for value in values) for key, values in _VALUES.items()}
# What the fake always does where servers may differ but it offers no choice (``fake-beeper check``
# learns these too, and says when a server differs from them: the fake cannot imitate that).
FIXED: dict[str, str] = {"unknownParams": "ignored", "emptyCursor": "first-page"}
BEHAVIOUR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {key: {"enum": list(values)} for key, values in CHOICES.items()},
}


class BehaviourError(FakeBeeperError, ValueError):
    """A behaviour choice that does not exist; the message lists what does."""



def parse_behaviour(document: Mapping[str, Any], *, source: str = "behaviour",
                    base: Behaviour | None = None) -> Behaviour:
    """A ``Behaviour`` from ``{"after": "newest", ...}``; keys left out keep ``base`` (the defaults)."""
    if not isinstance(document, Mapping):
        raise BehaviourError(f"{source}: must be a mapping of choices, e.g. {{after: newest}}, "
                             f"got {type(document).__name__}")
    chosen: dict[str, StrEnum] = {}
    for key, value in document.items():
        if key not in CHOICES:
            raise BehaviourError(f"{source}: unknown choice {key!r}; the choices are {', '.join(CHOICES)}")
        if value not in CHOICES[key]:
            raise BehaviourError(f"{source}: {key}: {value!r} is not one of "
                                 f"{', '.join(repr(v) for v in CHOICES[key])}")
        chosen[_FIELDS[key]] = _VALUES[key](value)
    return dataclasses.replace(base or Behaviour(), **chosen)  # type: ignore[arg-type]


def parse_flags(flags: list[str], *, base: Behaviour | None = None) -> Behaviour:
    """``["after=newest", "undated=omitted"]`` (the command line's ``--behaviour``) on top of ``base``."""
    document: dict[str, str] = {}
    for flag in flags:
        key, equals, value = flag.partition("=")
        if not equals:
            raise BehaviourError(f"--behaviour {flag}: expected KEY=VALUE, e.g. after=newest; "
                                 f"the choices are {', '.join(CHOICES)}")
        document[key.strip()] = value.strip()
    return parse_behaviour(document, source="--behaviour", base=base)
