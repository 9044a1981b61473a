"""The control API: drive a running fake from any language, under ``/_fake-beeper/``.

The prefix cannot clash with the Beeper API (``/v1``, ``/oauth``), and these routes are not in
``openapi.yaml``: they are the fake's own, not the contract. They need no token (the fake binds
to loopback); the Beeper routes keep theirs.

| method and path | body | does |
|---|---|---|
| ``GET /_fake-beeper/scenario`` | | the rules, how often each has fired, the activity plan |
| ``PUT /_fake-beeper/scenario`` | a scenario (see ``scenario.py``) | replaces rules and activity |
| ``DELETE /_fake-beeper/scenario`` | | no faults, no activity |
| ``POST /_fake-beeper/activity`` | ``{"event": "message", "chatID"?, "text"?}`` | one live change |
| ``PUT /_fake-beeper/token`` | ``{"token": "..."}`` | the token changes (the old one now gets 401) |
| ``GET /_fake-beeper/requests`` | | the journal of requests received |
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fake_beeper.activity import EVENTS
from fake_beeper.errors import ApiError
from fake_beeper.scenario import ScenarioError, parse_scenario

PREFIX = "/_fake-beeper"


def control_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/scenario", get_scenario, methods=["GET"]),
        Route(f"{PREFIX}/scenario", put_scenario, methods=["PUT"]),
        Route(f"{PREFIX}/scenario", delete_scenario, methods=["DELETE"]),
        Route(f"{PREFIX}/activity", post_activity, methods=["POST"]),
        Route(f"{PREFIX}/token", put_token, methods=["PUT"]),
        Route(f"{PREFIX}/requests", get_requests, methods=["GET"]),
    ]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


async def _body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "INVALID_REQUEST", f"the body is not JSON: {exc}") from None


async def get_scenario(request: Request) -> Response:
    state = request.app.state
    plan = state.activity_plan
    return _json({
        "rules": [{"name": r.name, "times": r.times, "applied": r.applied} for r in state.faults.rules],
        "activity": None if plan is None else {"every": plan.every, "events": plan.events},
    })


async def put_scenario(request: Request) -> Response:
    try:
        scenario = parse_scenario(await _body(request), source="scenario")
    except ScenarioError as exc:
        raise ApiError(400, "INVALID_SCENARIO", str(exc)) from None
    request.app.state.apply_scenario(scenario)
    return await get_scenario(request)


async def delete_scenario(request: Request) -> Response:
    request.app.state.apply_scenario(None)
    return Response(status_code=204)


async def post_activity(request: Request) -> Response:
    body = await _body(request)
    if not isinstance(body, dict) or body.get("event") not in EVENTS:
        raise ApiError(400, "INVALID_REQUEST", f"expected {{\"event\": one of {list(EVENTS)}, \"chatID\"?}}")
    activity = request.app.state.activity
    chat_id = body.get("chatID")
    try:
        if body["event"] == "message":
            changed = activity.message(chat_id, text=body.get("text"))
        elif body["event"] == "newChat":
            changed = activity.new_chat(body.get("chat"))
        elif body["event"] == "archive":
            changed = activity.archive(chat_id)
        else:
            changed = activity.remove(chat_id)
    except KeyError as exc:
        raise ApiError(404, "NOT_FOUND", str(exc.args[0])) from None
    except ValueError as exc:  # a hand-made new chat that is not schema-valid
        raise ApiError(400, "INVALID_REQUEST", str(exc)) from None
    return _json({"event": body["event"], "chatID": changed})


async def put_token(request: Request) -> Response:
    body = await _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("token"), str) or not body["token"]:
        raise ApiError(400, "INVALID_REQUEST", 'expected {"token": "<non-empty string>"}')
    request.app.state.token = body["token"]
    return _json({"token": body["token"]})


async def get_requests(request: Request) -> Response:
    journal = request.app.state.journal
    if journal is None:
        return _json([])
    return _json([{"method": r.method, "path": r.path, "query": [list(pair) for pair in r.query], "status": r.status}
                  for r in journal])
