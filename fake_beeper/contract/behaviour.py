"""Behaviour choices: how the fake answers where the contract is silent.

Real servers differ where ``openapi.yaml`` says nothing, and a client written against one of
them can depend on its answer. ``fake-beeper check`` reads these facts off a server; the fake
can then be told to answer the same way, so a test suite runs against the behaviour its users
will meet. Each choice has a key (as in the check's JSON), its values, and the fake's default
first:

* ``after``: ``adjacent`` | ``newest``. A ``direction=after`` page holds the ``limit`` chats just
  newer than the cursor, or the newest ``limit`` chats newer than it.
* ``undated``: ``last`` | ``omitted``. Chats without ``lastActivity`` are listed after every
  dated chat, or left out of the list.
* ``accountIDsComma``: ``literal`` | ``split``. ``accountIDs=a,b`` is one account ID that holds
  a comma, or two IDs.
* ``repeatedParams``: ``rejected`` | ``first`` | ``last``. A parameter that is not an array,
  given twice (``limit=2&limit=3``), gets a 400, or one of its values is used.
* ``emptyDirection``: ``rejected`` | ``before``. ``direction=`` (empty) gets a 400, or the default.
* ``limit``: ``honoured`` | ``ignored``. ``limit`` is checked and obeyed, or not read at all
  (pages of the default size).

* ``searchMatch``: ``wordPrefix`` | ``substring``. A ``GET /v1/chats/search`` query word matches
  at the start of a word of a title or name (``ali`` finds "Alice" and "Ali Khan"), or anywhere
  in one ("Natalie", "reality").
* ``searchScope``: ``both`` | ``titles``. A search without ``scope`` looks at titles, networks and
  participant names, or at titles and networks only.
* ``activityBounds``: ``exclusive`` | ``inclusive``. ``lastActivityAfter``/``lastActivityBefore``
  leave out a chat whose ``lastActivity`` is exactly the bound, or keep it.
* ``unreadOnly``: ``unreadOrMarked`` | ``unreadCount``. ``unreadOnly=true`` keeps chats with
  ``unreadCount > 0`` or ``isMarkedUnread``, or only the first.
* ``naiveDateTimes``: ``utc`` | ``rejected``. A date-time without an offset (what Python's naive
  ``datetime`` sends) is read as UTC, or gets a 400 as not RFC 3339.

``limit=ignored`` is there to play older servers: ``openapi.yaml`` makes ``limit`` a maximum, so
``fake-beeper check`` reports a server that ignores it as breaking the contract.

The same choices come as ``--behaviour after=newest`` on the command line, a ``behaviour:``
mapping in a scenario, ``PUT /_fake-beeper/behaviour``, ``FakeBeeper(behaviour=...)`` and the
pytest marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, cast

from fake_beeper.errors import FakeBeeperError

# key -> its values, the default first (the order of ``Behaviour``'s fields)
CHOICES: dict[str, tuple[str, ...]] = {
    "after": ("adjacent", "newest"),
    "undated": ("last", "omitted"),
    "accountIDsComma": ("literal", "split"),
    "repeatedParams": ("rejected", "first", "last"),
    "emptyDirection": ("rejected", "before"),
    "limit": ("honoured", "ignored"),
    "searchMatch": ("wordPrefix", "substring"),
    "searchScope": ("both", "titles"),
    "activityBounds": ("exclusive", "inclusive"),
    "unreadOnly": ("unreadOrMarked", "unreadCount"),
    "naiveDateTimes": ("utc", "rejected"),
}
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


@dataclass(frozen=True)
class Behaviour:
    """One value per choice (see the module's table); the defaults are the fake's own behaviour."""

    after: Literal["adjacent", "newest"] = "adjacent"
    undated: Literal["last", "omitted"] = "last"
    account_ids_comma: Literal["literal", "split"] = "literal"
    repeated_params: Literal["rejected", "first", "last"] = "rejected"
    empty_direction: Literal["rejected", "before"] = "rejected"
    limit: Literal["honoured", "ignored"] = "honoured"
    search_match: Literal["wordPrefix", "substring"] = "wordPrefix"
    search_scope: Literal["both", "titles"] = "both"
    activity_bounds: Literal["exclusive", "inclusive"] = "exclusive"
    unread_only: Literal["unreadOrMarked", "unreadCount"] = "unreadOrMarked"
    naive_date_times: Literal["utc", "rejected"] = "utc"

    def as_json(self) -> dict[str, str]:
        """Every choice by its key: ``{"after": "adjacent", ...}``."""
        return {key: getattr(self, field.name) for key, field in zip(CHOICES, fields(self), strict=True)}

    def changes(self) -> dict[str, str]:
        """The choices that differ from the default."""
        return {key: value for key, value in self.as_json().items() if value != CHOICES[key][0]}

    def serve_flags(self) -> str:
        """The ``fake-beeper serve`` flags that give this behaviour (empty for the default)."""
        return " ".join(f"--behaviour {key}={value}" for key, value in self.changes().items())


def parse_behaviour(document: Mapping[str, Any], *, source: str = "behaviour",
                    base: Behaviour | None = None) -> Behaviour:
    """A ``Behaviour`` from ``{"after": "newest", ...}``; keys left out keep ``base`` (the defaults)."""
    if not isinstance(document, Mapping):
        raise BehaviourError(f"{source}: must be a mapping of choices, e.g. {{after: newest}}, "
                             f"got {type(document).__name__}")
    chosen = (base or Behaviour()).as_json()
    for key, value in document.items():
        if key not in CHOICES:
            raise BehaviourError(f"{source}: unknown choice {key!r}; the choices are {', '.join(CHOICES)}")
        if value not in CHOICES[key]:
            raise BehaviourError(f"{source}: {key}: {value!r} is not one of "
                                 f"{', '.join(repr(v) for v in CHOICES[key])}")
        chosen[key] = value
    return Behaviour(*cast(Any, chosen.values()))  # each value checked against CHOICES above


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
