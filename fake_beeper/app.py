"""The HTTP face of the fake: ``GET /v1/chats`` over a ``ChatStore``, plus the contract itself.

The app serves ``openapi.yaml`` at ``/openapi.json`` (and ``/openapi.yaml``, and Swagger UI at
``/docs``) instead of a document generated from code, so what clients read is the contract the
fake is tested against. Every error, 404s and 405s included, carries the Beeper ``Error`` body.

A request flows: journal (if any) → ``GET /v1/chats``: fault middleware → ``list_chats``, a plain
ASGI function (the hot path); anything else: FastAPI (spec, docs, the ``/_fake-beeper/`` control
API, 404/405 pages).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fake_beeper import spec
from fake_beeper.activity import Activity
from fake_beeper.control import control_routes
from fake_beeper.errors import ApiError, send_json, unauthorized
from fake_beeper.faults import SERVER_SEND, FaultMiddleware, Faults, WalkPages
from fake_beeper.journal import Journal, JournalMiddleware
from fake_beeper.query import parse_list_chats_query
from fake_beeper.scenario import Scenario
from fake_beeper.scripted import ScriptedPages
from fake_beeper.store import ChatStore

DEFAULT_TOKEN = "fake-beeper-token"
_JSON = "application/json"
_log = logging.getLogger("fake_beeper")


class FakeBeeperApp(FastAPI):
    """FastAPI serves the spec, the docs, the control API and every error page; ``GET /v1/chats``,
    the hot path, is a plain ASGI function behind the fault middleware, so its requests skip the
    framework's middleware and routing layers (make bench: about 1.5x the requests per second).

    It also keeps the server's own ``send`` in the scope, for transport faults (``faults.py``).
    """

    entry: ASGIApp  # set by create_app: journal (if any) → hot path or FastAPI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SERVER_SEND] = send
        await self.entry(scope, receive, send)

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(store: ChatStore, *, token: str = DEFAULT_TOKEN, journal: Journal | None = None,
               scenario: Scenario | None = None) -> FakeBeeperApp:
    """A fresh app serving ``store``; requests must carry ``Authorization: Bearer <token>``.

    ``app.state`` holds what a test may change while the app runs: ``store``, ``token``,
    ``scripted`` (pages to serve instead of the store's), ``faults`` and ``activity`` (set
    together through ``apply_scenario``). With a ``journal``, every request is recorded into it.
    """
    app = FakeBeeperApp(title="fake-beeper", openapi_url=None, docs_url=None, redoc_url=None)
    state = app.state
    state.store = store
    state.token = token
    state.journal = journal
    state.scripted = ScriptedPages()
    state.faults = Faults()
    state.walks = WalkPages()
    state.activity = Activity(store)
    state.activity_plan = None
    state.activity_due = 0  # GET /v1/chats requests since the last planned change

    def apply_scenario(new: Scenario | None) -> None:
        new = new or Scenario()
        state.faults.replace(list(new.rules), new.seed)
        state.activity = Activity(store, seed=new.seed)
        if new.activity is not None:
            state.activity.warm_up()  # the Faker pools, drawn now rather than on a request
        state.activity_plan = new.activity
        state.activity_due = 0

    state.apply_scenario = apply_scenario
    apply_scenario(scenario)
    spec_json = orjson.dumps(spec.spec())

    def page_body(request: Request) -> bytes:
        _authenticate(request, state.token)
        if state.scripted:  # a bad limit or direction still gets its 400; the cursor is theirs
            parse_list_chats_query(request.query_params, decode_cursor=False)
            scripted = state.scripted.take()
            if scripted is not None:
                return scripted
        query = parse_list_chats_query(request.query_params)
        page = state.store.page(cursor=query.cursor, direction=query.direction, limit=query.limit,
                                account_ids=query.account_ids)
        state.walks.issued(state.walks.page_of(request.query_params.get("cursor")), page.oldest_cursor,
                           page.newest_cursor)
        _planned_activity(state)
        return page.to_json()

    async def list_chats(scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /v1/chats`` as a plain ASGI function; errors get the ``Error`` body here too."""
        status, headers = 200, {}
        try:
            if scope["method"] not in ("GET", "HEAD"):
                raise ApiError(405, "METHOD_NOT_ALLOWED", f"{scope['method']} is not allowed on {scope['path']}",
                               headers={"Allow": "GET, HEAD"})
            body = page_body(Request(scope))
        except ApiError as error:
            status, headers, body = error.status, error.headers, error.body()
        except Exception as exc:
            _log.exception("unexpected error serving %s", scope["path"])
            status, body = 500, _bug(exc).body()
        await send_json(send, status, body, headers, head=scope["method"] == "HEAD")

    async def openapi_json(request: Request) -> Response:
        return Response(spec_json, media_type=_JSON)

    async def openapi_yaml(request: Request) -> Response:
        return Response(spec.spec_text(), media_type="application/yaml")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="fake-beeper — Beeper Desktop API")

    # Plain Starlette routes: the handlers read the spec-validated query themselves, so FastAPI's
    # parameter machinery (and its 422) stays off the request path.
    app.router.add_route("/openapi.json", openapi_json, methods=["GET"])
    app.router.add_route("/openapi.yaml", openapi_yaml, methods=["GET"])
    app.router.add_route("/docs", docs, methods=["GET"])
    app.router.routes.extend(control_routes())
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    hot_path = FaultMiddleware(list_chats, faults=state.faults, walks=state.walks)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == spec.LIST_CHATS_PATH:
            await hot_path(scope, receive, send)
        else:
            await app.framework(scope, receive, send)

    # Outside in: the journal records what the faults made of each request.
    app.entry = dispatch if journal is None else JournalMiddleware(dispatch, journal)
    return app


def _planned_activity(state: Any) -> None:
    """The scenario's ``activity``: after every ``every``-th page served, one random change."""
    plan = state.activity_plan
    if plan is None:
        return
    state.activity_due += 1
    if state.activity_due >= plan.every:
        state.activity_due = 0
        state.activity.random_event(plan.events)


def _authenticate(request: Request, token: str) -> None:
    header = request.headers.get("authorization")
    if header is None:
        raise unauthorized("Missing access token: send 'Authorization: Bearer <token>'")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise unauthorized("Malformed Authorization header: expected 'Bearer <token>'")
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        raise unauthorized("Invalid access token")


def _error_response(error: ApiError) -> Response:
    return Response(error.body(), status_code=error.status, media_type=_JSON, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown path, wrong method), in the Beeper ``Error`` shape."""
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    messages = {404: f"No route for {request.url.path}",
                405: f"{request.method} is not allowed on {request.url.path}"}
    error = ApiError(exc.status_code, codes.get(exc.status_code, "HTTP_ERROR"),
                     messages.get(exc.status_code, str(exc.detail)), headers=dict(exc.headers or {}))
    return _error_response(error)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    _log.exception("unexpected error serving %s", request.url)
    return _error_response(_bug(exc))


def _bug(exc: Exception) -> ApiError:
    """A bug in the fake: said in the contract's shape rather than with a bare traceback."""
    return ApiError(500, "INTERNAL_ERROR", f"fake-beeper failed: {type(exc).__name__}")
