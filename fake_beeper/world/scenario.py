"""Scenarios: faults and live activity, written once and used three ways.

The same document drives ``fake-beeper serve --scenario FILE`` (YAML or JSON), the control API
(``PUT /_fake-beeper/scenario``) and ``FakeBeeper.scenario(...)`` in tests::

    seed: 7
    rules:
      - match: {page: 3}                  # the 3rd page of any walk
        fault: {status: 429, retryAfter: 1}
        times: 1
      - match: {probability: 0.1}
        fault: {latency: [0.05, 0.2]}     # seconds, drawn from the seed
      - match: {request: 5}
        fault: {drop: true}               # connection closed before a response
      - match: {operation: /v1/chats/search}
        fault: {status: 503}              # the search only (operations by their openapi.yaml path)
      - match: {operation: "/v1/chats/{chatID}/messages", method: POST}
        fault: {status: 500, afterServing: true}   # a send goes through, its answer is lost
    activity:
      every: 10                           # after every 10th GET /v1/chats, one change
      events: {message: 8, newChat: 1, archive: 1, remove: 0}
    behaviour: {after: newest}            # where the contract is silent (see behaviour.py)
    sends: {delay: 0.5, fail: FAIL_RETRIABLE, times: 1}   # the next send fails after 0.5 s

It is checked against ``SCENARIO_SCHEMA`` (jsonschema-rs); a mistake is reported with its place,
e.g. ``rules[0].fault.status: 418 is not one of 401, 429, 500, 503``.

A scenario file is small and may come from anywhere, so reading one is bounded: at most
``MAX_FILE_BYTES``, UTF-8, nested at most ``MAX_DEPTH`` deep, no YAML anchors or aliases (a
342-byte "billion laughs" document expands past 2 GB), and only finite numbers.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from fake_beeper.contract import spec
from fake_beeper.contract.behaviour import BEHAVIOUR_SCHEMA, Behaviour, parse_behaviour
from fake_beeper.data.files import require_regular_file
from fake_beeper.errors import FakeBeeperError
from fake_beeper.text import shown
from fake_beeper.world.activity import DEFAULT_WEIGHTS, Event
from fake_beeper.world.conversation import DEFAULT_SEND_DELAY, FAILURES, SendPlan
from fake_beeper.world.faults import FAULT_ERRORS, Fault, Match, Rule

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_SECONDS = 3600  # a latency or Retry-After longer than an hour is a typo, not a test
_NUMBER = {"type": "number", "minimum": 0, "maximum": MAX_SECONDS}
_COUNT = {"type": "integer", "minimum": 1}
SCENARIO_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "seed": {"type": "integer"},
        "rules": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["fault"],
            "properties": {
                "name": {"type": "string"},
                "times": _COUNT,
                "match": {"type": "object", "additionalProperties": False, "properties": {
                    "request": _COUNT, "every": _COUNT, "page": _COUNT,
                    "probability": {"type": "number", "minimum": 0, "maximum": 1},
                    "params": {"type": "object", "additionalProperties": {"type": "string"}},
                    "operation": {"type": "string"},  # one of the spec's paths: see _validator
                    "method": {"enum": [method.upper() for method in spec.METHODS]},
                }},
                "fault": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "latency": {"anyOf": [_NUMBER, {"type": "array", "items": _NUMBER,
                                                         "minItems": 2, "maxItems": 2}]},
                        "status": {"enum": sorted(FAULT_ERRORS)},
                        "retryAfter": _NUMBER,
                        "retryAfterMs": {"type": "integer", "minimum": 0},
                        "message": {"type": "string"},
                        "drop": {"const": True},
                        "truncate": {"const": True},
                        "afterServing": {"const": True},
                    },
                    # served first, then answered with an error or cut: what is lost is the answer
                    "dependentSchemas": {"afterServing": {"anyOf": [{"required": ["status"]},
                                                                    {"required": ["drop"]}]}},
                    # one outcome at most: an error status, a dropped or a truncated response
                    "not": {"anyOf": [{"required": ["status", "drop"]}, {"required": ["status", "truncate"]},
                                      {"required": ["drop", "truncate"]}]},
                },
            },
        }},
        "activity": {
            "type": "object",
            "additionalProperties": False,
            "required": ["every"],
            "properties": {
                "every": _COUNT,
                "events": {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
                    event.value: {"type": "integer", "minimum": 0} for event in Event
                }},
            },
        },
        "behaviour": BEHAVIOUR_SCHEMA,
        "sends": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"delay": _NUMBER, "fail": {"enum": list(FAILURES)}, "times": _COUNT},
            "dependentRequired": {"times": ["fail"]},
        },
    },
}


class ScenarioError(FakeBeeperError, ValueError):
    """A scenario that cannot be used; the message names the place and the problem (also kept
    apart, as ``place`` like ``rules[0].fault.status`` and ``detail``, for callers that reword them)."""

    def __init__(self, message: str, *, place: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.place = place
        self.detail = detail


@dataclass(frozen=True)
class ActivityPlan:
    every: int
    events: dict[Event, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


@dataclass(frozen=True)
class Scenario:
    seed: int = 0
    rules: tuple[Rule, ...] = ()
    activity: ActivityPlan | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    sends: SendPlan = field(default_factory=SendPlan)


def parse_scenario(document: Any, source: str = "scenario") -> Scenario:
    """Validate a scenario document (already parsed) and build it."""
    _check_finite(document, source, ())
    error = next(_validator().iter_errors(document), None)
    if error is not None:
        place = spec.instance_place(error.instance_path) or "(the document)"
        raise ScenarioError(f"{source}: {place}: {_message(error)}", place=place, detail=_message(error))
    rules = tuple(_rule(raw, index) for index, raw in enumerate(document.get("rules", [])))
    activity = document.get("activity")
    plan = None
    if activity is not None:
        weights = {Event(name): weight for name, weight in activity.get("events", {}).items()}
        plan = ActivityPlan(activity["every"], {**DEFAULT_WEIGHTS, **weights})
    if plan is not None and not any(plan.events.values()):
        raise ScenarioError(f"{source}: activity.events: every weight is 0")
    sends = document.get("sends", {})
    return Scenario(document.get("seed", 0), rules, plan, parse_behaviour(document.get("behaviour", {}), source=source),
                    SendPlan(sends.get("delay", DEFAULT_SEND_DELAY), sends.get("fail"), sends.get("times")))


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file (YAML is a superset of JSON, so one parser reads both)."""
    path = Path(path)
    try:
        require_regular_file(path)
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc.strerror or exc}") from None
    return read_scenario(raw, source=str(path))


def read_scenario(raw: bytes, *, source: str) -> Scenario:
    """A scenario from YAML or JSON bytes (a file, or a control API body), through the same bounds:
    ``MAX_FILE_BYTES``, UTF-8, the bounded safe loader."""
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: a scenario may be at most {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{source}: not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x})") from None
    try:
        document = yaml.load(text, Loader=_BoundedLoader)
    except _Refused as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    except ValueError as exc:  # a number of thousands of digits: Python refuses to read it
        raise ScenarioError(f"{source}: a number too long to read "
                            f"({' '.join(str(exc).split()).split(';')[0][:100]})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML or JSON: {' '.join(str(exc).split())}") from None
    return parse_scenario(document if document is not None else {}, source=source)


class _Refused(Exception):
    pass


# An unquoted date stays a string in a scenario (JSON has no dates): the safe loader's resolvers
# less the timestamp one, for this loader only.
_RESOLVERS = {first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
              for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors, aliases and nesting past ``MAX_DEPTH``; an
    unquoted date stays a string (JSON has no dates)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else "?"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(f"line {line}: YAML anchors and aliases (& and *) are not allowed in a scenario")
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"line {line}: nested more than {MAX_DEPTH} deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_BoundedLoader.yaml_implicit_resolvers = _RESOLVERS


def _check_finite(value: Any, source: str, path: tuple[str | int, ...]) -> None:
    """Only what JSON can say: string keys; strings, whole numbers within 64 bits, finite numbers
    (``.inf`` and ``.nan`` are YAML numbers; no latency or count can be one), booleans, nulls,
    lists and maps (YAML's ``!!binary``, ``!!set``, ``!!timestamp`` and other tags are refused)."""
    place = spec.instance_place(path) or "(the document)"

    def refused(detail: str) -> ScenarioError:
        return ScenarioError(f"{source}: {place}: {detail}", place=place, detail=detail)

    if len(path) > MAX_DEPTH:
        place = spec.instance_place(path[:MAX_DEPTH])
        raise refused(f"nested more than {MAX_DEPTH} deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise refused(f"{value} is not a finite number")
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise refused("a whole number too large for any setting")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise refused(f"a key must be a string, got {type(key).__name__} {str(key)[:40]!r} (quote it)")
            _check_finite(item, source, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, source, (*path, index))
    elif not (value is None or isinstance(value, str | int | float)):
        raise refused(f"a YAML {type(value).__name__} is not a value a scenario can hold (JSON types only)")


def _message(error: jsonschema_rs.ValidationError) -> str:
    """jsonschema-rs's message, but an enum lists all its values (not "or 2 other candidates")."""
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum):
        return f"{shown(repr(error.instance), 80)} is not one of {', '.join(repr(option) for option in kind.options)}"
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        node: Any = SCENARIO_SCHEMA
        for part in error.schema_path[:-1]:
            node = node[part]
        allowed = sorted(node.get("properties", {}))
        return f"unknown key(s) {shown(', '.join(repr(p) for p in kind.unexpected))}; allowed: {', '.join(allowed)}"
    return spec.error_message(error)


def _rule(raw: dict[str, Any], index: int) -> Rule:
    match = raw.get("match", {})
    fault = raw["fault"]
    latency = fault.get("latency")
    if isinstance(latency, list):
        low, high = sorted(latency)
        latency = (low, high)
    return Rule(
        match=Match(request=match.get("request"), every=match.get("every"), page=match.get("page"),
                    probability=match.get("probability"), params=dict(match.get("params", {})),
                    operation=match.get("operation"), method=match.get("method")),
        fault=Fault(latency=latency, status=fault.get("status"), retry_after=fault.get("retryAfter"),
                    retry_after_ms=fault.get("retryAfterMs"), message=fault.get("message"),
                    drop=fault.get("drop", False), truncate=fault.get("truncate", False),
                    after_serving=fault.get("afterServing", False)),
        times=raw.get("times"),
        name=raw.get("name", f"rules[{index}]"),
    )


@cache
def _validator() -> jsonschema_rs.Validator:
    """The scenario schema, with ``operation`` held to the paths of ``openapi.yaml`` (read on the
    first scenario, not at import)."""
    schema = copy.deepcopy(SCENARIO_SCHEMA)
    rule = schema["properties"]["rules"]["items"]["properties"]["match"]["properties"]
    rule["operation"] = {"enum": list(spec.spec()["paths"])}
    return jsonschema_rs.validator_for(schema)
