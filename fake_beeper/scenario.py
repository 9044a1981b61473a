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
    activity:
      every: 10                           # after every 10th GET /v1/chats, one change
      events: {message: 8, newChat: 1, archive: 1, remove: 0}

It is checked against ``SCENARIO_SCHEMA`` (jsonschema-rs); a mistake is reported with its place,
e.g. ``rules[0].fault.status: 418 is not one of [401, 429, 500, 503]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from fake_beeper import spec
from fake_beeper.faults import Fault, Match, Rule

_NUMBER = {"type": "number", "minimum": 0}
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
                }},
                "fault": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "latency": {"anyOf": [_NUMBER, {"type": "array", "items": _NUMBER,
                                                         "minItems": 2, "maxItems": 2}]},
                        "status": {"enum": [401, 429, 500, 503]},
                        "retryAfter": _NUMBER,
                        "retryAfterMs": {"type": "integer", "minimum": 0},
                        "message": {"type": "string"},
                        "drop": {"const": True},
                        "truncate": {"const": True},
                    },
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
                    name: {"type": "integer", "minimum": 0} for name in ("message", "newChat", "archive", "remove")
                }},
            },
        },
    },
}
DEFAULT_EVENTS = {"message": 8, "newChat": 1, "archive": 1, "remove": 0}


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the place and the problem."""


@dataclass(frozen=True)
class ActivityPlan:
    every: int
    events: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_EVENTS))


@dataclass(frozen=True)
class Scenario:
    seed: int = 0
    rules: tuple[Rule, ...] = ()
    activity: ActivityPlan | None = None


def parse_scenario(document: Any, source: str = "scenario") -> Scenario:
    """Validate a scenario document (already parsed) and build it."""
    error = next(_validator().iter_errors(document), None)
    if error is not None:
        place = spec.instance_place(error.instance_path) or "(the document)"
        raise ScenarioError(f"{source}: {place}: {error.message}")
    rules = tuple(_rule(raw, index) for index, raw in enumerate(document.get("rules", [])))
    activity = document.get("activity")
    plan = None
    if activity is not None:
        plan = ActivityPlan(activity["every"], {**DEFAULT_EVENTS, **activity.get("events", {})})
    if plan is not None and not any(plan.events.values()):
        raise ScenarioError(f"{source}: activity.events: every weight is 0")
    return Scenario(document.get("seed", 0), rules, plan)


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file (YAML is a superset of JSON, so one parser reads both)."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML or JSON: {str(exc).splitlines()[0]}") from None
    return parse_scenario(document if document is not None else {}, source=str(path))


def _rule(raw: dict[str, Any], index: int) -> Rule:
    match = raw.get("match", {})
    fault = raw["fault"]
    latency = fault.get("latency")
    if isinstance(latency, list):
        low, high = sorted(latency)
        latency = (low, high)
    return Rule(
        match=Match(request=match.get("request"), every=match.get("every"), page=match.get("page"),
                    probability=match.get("probability"), params=dict(match.get("params", {}))),
        fault=Fault(latency=latency, status=fault.get("status"), retry_after=fault.get("retryAfter"),
                    retry_after_ms=fault.get("retryAfterMs"), message=fault.get("message"),
                    drop=fault.get("drop", False), truncate=fault.get("truncate", False)),
        times=raw.get("times"),
        name=raw.get("name", f"rules[{index}]"),
    )


@cache
def _validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(SCENARIO_SCHEMA)
