"""The control API: drive a running fake from any language, under ``/_fake-beeper/``.

The prefix cannot clash with the Beeper API (``/v1``, ``/oauth``), and these routes are not in
``openapi.yaml``: they are the fake's own, not the contract. On loopback they need no token; on
any other bind they are locked unless the fake was given a control token (``guard.py``).

| method and path | body | does |
|---|---|---|
| ``GET /_fake-beeper/scenario`` | | the rules, how often each has fired, the activity plan |
| ``PUT /_fake-beeper/scenario`` | a scenario (see ``scenario.py``), JSON or YAML | replaces rules and activity |
| ``DELETE /_fake-beeper/scenario`` | | no faults, no activity |
| ``POST /_fake-beeper/activity`` | ``{"event": "message", "chatID"?, "text"?}`` | one live change |
| ``GET /_fake-beeper/behaviour`` | | every behaviour choice (see ``behaviour.py``) |
| ``PUT /_fake-beeper/behaviour`` | ``{"after": "newest", ...}`` | those choices; the others back to the default |
| ``PUT /_fake-beeper/token`` | ``{"token": "..."}`` | the token changes (the old one now gets 401) |
| ``GET /_fake-beeper/requests?limit=N`` | | the newest N requests received (all kept, by default) |

Bodies must be ``application/json`` (415 otherwise, so a cross-site HTML form cannot post one),
at most ``MAX_BODY`` bytes (413), and of the shape below (400, never 500). A scenario may also be
``application/yaml`` (or ``application/x-yaml``, ``text/yaml``: none of them a form's type), read
by the same bounded safe loader as a scenario file.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema_rs
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fake_beeper.contract import spec
from fake_beeper.contract.behaviour import BehaviourError, parse_behaviour
from fake_beeper.errors import (
    FakeBeeperError,
    InvalidRequest,
    InvalidScenario,
    NotFound,
    UnsupportedMediaType,
)
from fake_beeper.http.body import json_body, media_type, read_body
from fake_beeper.http.guard import CONTROL_PREFIX
from fake_beeper.text import shown
from fake_beeper.world.activity import Event
from fake_beeper.world.scenario import ScenarioError, parse_scenario, read_scenario
from fake_beeper.world.state import FakeState

_LIMIT = re.compile(r"[0-9]{1,9}")

_ID = {"type": "string", "minLength": 1}
ACTIVITY_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["event"],
    "properties": {"event": {"enum": [event.value for event in Event]}, "chatID": _ID, "text": {"type": "string"},
                   "chat": {"type": "object"}},
}
TOKEN_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["token"],
                "properties": {"token": {"type": "string"}}}


def control_routes() -> list[Route]:
    return [
        Route(f"{CONTROL_PREFIX}/scenario", get_scenario, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/scenario", put_scenario, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/scenario", delete_scenario, methods=["DELETE"]),
        Route(f"{CONTROL_PREFIX}/activity", post_activity, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/behaviour", get_behaviour, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/behaviour", put_behaviour, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/token", put_token, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/requests", get_requests, methods=["GET"]),
    ]


def _state(request: Request) -> FakeState:
    state: FakeState = request.app.state.fake
    return state


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


async def _body(request: Request, schema: dict[str, Any] | None = None) -> Any:
    """The JSON body (``http/body.py``: ``application/json``, at most ``MAX_BODY`` bytes), of
    ``schema`` if given."""
    kind = media_type(request)
    if kind != "application/json":  # the control API's own words for it
        raise UnsupportedMediaType(f"the control API takes application/json (a scenario also application/yaml), "
                                   f"got {kind or 'no Content-Type'}")
    body = await json_body(request)
    if schema is not None:
        error = next(_validator(orjson.dumps(schema)).iter_errors(body), None)
        if error is not None:
            place = spec.instance_place(error.instance_path) or "the body"
            raise InvalidRequest(f"{place}: {spec.error_message(error)}")
    return body


@cache
def _validator(schema: bytes) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(orjson.loads(schema))


async def get_scenario(request: Request) -> Response:
    state = _state(request)
    plan = state.activity_plan
    return _json({
        "rules": [{"name": r.name, "times": r.times, "applied": r.applied} for r in state.faults.rules],
        "activity": None if plan is None else {"every": plan.every, "events": plan.events},
        "behaviour": state.behaviour.as_json(),
    })


YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml"})


async def put_scenario(request: Request) -> Response:
    try:
        if media_type(request) in YAML_TYPES:
            scenario = read_scenario(await read_body(request), source="scenario")
        else:
            scenario = parse_scenario(await _body(request), source="scenario")
    except ScenarioError as exc:
        raise InvalidScenario(str(exc)) from None
    _state(request).apply_scenario(scenario)
    return await get_scenario(request)


async def delete_scenario(request: Request) -> Response:
    _state(request).apply_scenario(None)
    return Response(status_code=204)


async def post_activity(request: Request) -> Response:
    body = await _body(request, ACTIVITY_SCHEMA)
    activity = _state(request).activity
    chat_id = body.get("chatID")
    try:
        changed = activity.apply(Event(body["event"]), chat_id, text=body.get("text"), chat=body.get("chat"))
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None
    except ValueError as exc:  # a hand-made new chat that is not schema-valid
        raise InvalidRequest(str(exc)) from None
    return _json({"event": body["event"], "chatID": changed})


async def get_behaviour(request: Request) -> Response:
    return _json(_state(request).behaviour.as_json())


async def put_behaviour(request: Request) -> Response:
    try:
        _state(request).behaviour = parse_behaviour(await _body(request), source="behaviour")
    except BehaviourError as exc:
        raise InvalidRequest(str(exc)) from None
    return await get_behaviour(request)


async def put_token(request: Request) -> Response:
    body = await _body(request, TOKEN_SCHEMA)
    try:
        _state(request).token = body["token"]
    except FakeBeeperError as exc:
        raise InvalidRequest(str(exc)) from None
    return _json({"token": body["token"]})


async def get_requests(request: Request) -> Response:
    raw = request.query_params.get("limit")
    # ASCII digits only ("²".isdigit() is true, and int() refuses it), and few of them.
    if raw is not None and not (_LIMIT.fullmatch(raw) and int(raw) > 0):
        raise InvalidRequest(f"limit must be a whole number from 1 to 999999999, got {shown(raw, 40)!r}")
    records = list(_state(request).journal)
    if raw is not None:
        records = records[-int(raw):]
    return _json([record.as_json() for record in records])
