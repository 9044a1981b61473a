"""The HTTP face of the fake: the Beeper API operations over a ``FakeState``, plus the contract itself.

A request flows, outside in:

    RequestLog (journal, access log) → CachedAnswers (a read asked again, answered from what was
    kept while it is still the answer: ``response_cache.py``) → Guard (Host, control lock, CORS) → an API operation
    (faults, the sends that are due settled, a write's body read within its bounds, then
    ``operations.py`` or ``writes.py``: a plain function over the state) or Starlette (the spec at
    ``/openapi.json`` and ``/openapi.yaml``, Swagger UI at ``/docs`` served from the
    ``swagger-ui-py`` package, the ``/_fake-beeper/`` control API, 404 and 405 pages).

The app serves ``openapi.yaml`` rather than a document generated from code, so what clients read
is the contract the fake is tested against, with ``servers`` naming the address it was reached on.
Every error carries the Beeper ``Error`` body. An exception inside the fake is answered with a
500 and kept in ``state.errors`` with its traceback.
"""

from __future__ import annotations

import html
import importlib.util
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import cast

import orjson
import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from fake_beeper.contract import spec
from fake_beeper.defaults import DEFAULT_TOKEN
from fake_beeper.errors import ApiError, InternalError, MethodNotAllowed, NotFound, json_head, send_json
from fake_beeper.frozen import thawed
from fake_beeper.http.auth import authenticate
from fake_beeper.http.body import json_body
from fake_beeper.http.control import control_routes
from fake_beeper.http.faults import FaultMiddleware
from fake_beeper.http.guard import Access, Guard, header_text
from fake_beeper.http.operations import ROUTER, Operation
from fake_beeper.http.request_log import RequestLog
from fake_beeper.http.response_cache import CACHE_KEY, CachedAnswers, Kept, Key, ResponseCache
from fake_beeper.world.journal import Journal
from fake_beeper.world.scenario import Scenario
from fake_beeper.world.state import FakeState, PageOut, Stamp
from fake_beeper.world.store import ChatStore

__all__ = ["DEFAULT_TOKEN", "FakeBeeperApp", "create_app"]
_JSON = "application/json"
_log = logging.getLogger("fake_beeper")


class FakeBeeperApp:
    """The ASGI app of one fake; ``state`` is everything it serves and may change."""

    def __init__(self, state: FakeState, entry: ASGIApp, responses: ResponseCache) -> None:
        self.state = state
        self.responses = responses  # ``responses.enabled = False``: every answer made afresh
        self._entry = entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)


def create_app(store: ChatStore | FakeState, *, token: str = DEFAULT_TOKEN, journal: Journal | None = None,
               scenario: Scenario | None = None, access: Access | None = None,
               log: Callable[[str], None] | None = None) -> FakeBeeperApp:
    """A fresh app over ``store`` (or a whole ``FakeState``, whose own token and journal then count).

    Requests must carry ``Authorization: Bearer <token>``. With ``access`` the Host, control and
    CORS rules of a bind (the loopback default otherwise); ``log`` gets one access-log line per request.
    """
    state = store if isinstance(store, FakeState) else FakeState(store, token=token, journal=journal,
                                                                 scenario=scenario)
    access = access or Access()
    responses = ResponseCache()
    framework = _framework(state)
    api = FaultMiddleware(_operations(state, framework, responses), faults=state.faults, walks=state.walks,
                          operation_of=ROUTER.operation_path)
    guarded: ASGIApp = Guard(api, access)
    if not access.cors_origins:  # with CORS, an answer depends on the Origin too: nothing is kept
        guarded = CachedAnswers(guarded, state, responses)
    return FakeBeeperApp(state, RequestLog(guarded, state.journal, log), responses)


def _operations(state: FakeState, framework: ASGIApp, responses: ResponseCache) -> ASGIApp:
    """The Beeper API: each operation a plain function over the state; anything else: Starlette.
    A read's answer is kept in ``responses`` for the next identical request (``response_cache.py``)."""

    async def operations(scope: Scope, receive: Receive, send: Send) -> None:
        match = ROUTER.match(scope.get("raw_path") or scope["path"].encode()) if scope["type"] == "http" else None
        if match is None:
            await framework(scope, receive, send)
            return
        by_method, path_params = match
        served = ROUTER.served(state.stage, by_method)
        if not served:
            await framework(scope, receive, send)  # no operation here in the profile's stage: a 404, as then
            return
        method = scope["method"]
        status, headers = 200, {}
        request = Request(scope, receive)
        try:
            operation = served.get("GET" if method == "HEAD" else method)
            if operation is None:
                allowed = ", ".join([*served, "HEAD"] if "GET" in served else served)
                raise MethodNotAllowed(f"{method} is not allowed on {scope['path']}",
                                       headers={"Allow": allowed})
            stamp = state.stamp()  # taken first: a change meanwhile makes what is kept a stale one, never served
            if operation.authenticated:
                authenticate(header_text(scope, b"authorization"), stamp.token)  # (no Headers built)
            state.settle()  # sends whose delay has passed are sent, before anything is read
            body = None
            if operation.takes_body:
                body = await json_body(request, empty_allowed=True)
            status, answer = _served(state, operation, operation.handler(state, request, path_params, body),
                                     stamp, scope.get(CACHE_KEY), responses)
        except ApiError as error:
            status, headers, answer = error.status, error.headers, error.body()
        except Exception as exc:
            status, answer = 500, _internal_error(state, request, exc).body()
        await send_json(send, status, answer, headers, head=method == "HEAD")

    return operations


def _served(state: FakeState, operation: Operation, made: bytes | PageOut | None, stamp: Stamp,
            key: Key | None, responses: ResponseCache) -> tuple[int, bytes]:
    """The status and body of what an operation made; a page's cursors noted (``served_page``),
    and a read's answer kept under ``key`` (set by ``CachedAnswers`` when it may be kept; never
    for a scripted page), stamped with the world it was made from."""
    if made is None:
        return 204, b""
    page = made if isinstance(made, PageOut) else None
    answer = page.body if page is not None else cast(bytes, made)
    if page is not None:
        state.served_page(page)
    if key is not None and operation.cacheable and (page is not None or not operation.paged) and responses.wanted(key):
        responses.put(key, Kept(stamp, tuple(json_head(200, answer)), answer, page))
    return 200, answer


def _framework(state: FakeState) -> Starlette:
    async def openapi_json(request: Request) -> Response:
        document = {**state.stage.document,
                    "servers": [{"url": _origin(request), "description": "this fake-beeper"}]}
        return Response(orjson.dumps(document), media_type=_JSON)

    async def openapi_yaml(request: Request) -> Response:
        if state.stage.is_latest:
            return Response(spec.spec_text(), media_type="application/yaml")  # as committed, comments and all
        text = yaml.safe_dump(thawed(state.stage.document), sort_keys=False, allow_unicode=True)
        return Response(text, media_type="application/yaml")

    async def unexpected(request: Request, exc: Exception) -> Response:
        return _error_response(_internal_error(state, request, exc))

    routes: list[Route | Mount] = [
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        *control_routes(),
    ]
    assets = _swagger_ui_assets()
    if assets is not None:
        routes.append(Mount("/docs/assets", StaticFiles(directory=assets), name="swagger-ui"))
    app = Starlette(routes=routes, exception_handlers={ApiError: _api_error, HTTPException: _http_error,
                                                      Exception: unexpected})
    app.state.fake = state  # for the control API's handlers
    return app


async def docs(request: Request) -> HTMLResponse:
    """Swagger UI, with its script and styles from this server (nothing from a CDN)."""
    title = html.escape("fake-beeper — Beeper Desktop API")
    return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});</script>
</body></html>""")


@cache
def _swagger_ui_assets() -> Path | None:
    """The static files of the ``swagger-ui-py`` package (found without importing it: it needs Jinja)."""
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        return None
    static = Path(next(iter(found.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").exists() else None


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _internal_error(state: FakeState, request: Request, exc: Exception) -> ApiError:
    """A bug in the fake: logged, kept for the test, and said in the contract's shape."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    _log.error("fake-beeper failed serving %s %s", request.method, target, exc_info=exc)
    state.record_error(f"{request.method} {target}", exc)
    return InternalError(f"fake-beeper failed: {type(exc).__name__} (a bug in the fake, "
                                           "not in your client)")


def _error_response(error: ApiError) -> Response:
    return Response(error.body(), status_code=error.status, media_type=_JSON, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ApiError):  # registered for ApiError only: Starlette hands it nothing else
        raise exc
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown path, wrong method), in the Beeper ``Error`` shape."""
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    headers = dict(exc.headers or {})
    if exc.status_code == NotFound.status:
        return _error_response(NotFound(f"No route for {request.url.path}", headers=headers))
    if exc.status_code == MethodNotAllowed.status:
        return _error_response(MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}",
                                                headers=headers))
    return _error_response(ApiError(str(exc.detail), headers=headers, status=exc.status_code, code="HTTP_ERROR"))
