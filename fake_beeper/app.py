"""The HTTP face of the fake: ``GET /v1/chats`` over a ``ChatStore``, plus the contract itself.

The app serves ``openapi.yaml`` at ``/openapi.json`` (and ``/openapi.yaml``, and Swagger UI at
``/docs``) instead of a document generated from code, so what clients read is the contract the
fake is tested against. Every error, 404s and 405s included, carries the Beeper ``Error`` body.
"""

from __future__ import annotations

import hmac
import logging

import orjson
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fake_beeper import spec
from fake_beeper.errors import ApiError, unauthorized
from fake_beeper.journal import Journal, JournalMiddleware
from fake_beeper.query import parse_list_chats_query
from fake_beeper.scripted import ScriptedPages
from fake_beeper.store import ChatStore

DEFAULT_TOKEN = "fake-beeper-token"
_JSON = "application/json"
_log = logging.getLogger("fake_beeper")


def create_app(store: ChatStore, *, token: str = DEFAULT_TOKEN, journal: Journal | None = None) -> FastAPI:
    """A fresh app serving ``store``; requests must carry ``Authorization: Bearer <token>``.

    ``app.state`` holds what a test may change while the app runs: ``store``, ``token`` and
    ``scripted`` (pages to serve instead of the store's). With a ``journal``, every request is
    recorded into it.
    """
    app = FastAPI(title="fake-beeper", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.token = token
    app.state.scripted = ScriptedPages()
    spec_json = orjson.dumps(spec.spec())

    async def list_chats(request: Request) -> Response:
        _authenticate(request, app.state.token)
        if app.state.scripted:  # a bad limit or direction still gets its 400; the cursor is theirs
            parse_list_chats_query(request.query_params, decode_cursor=False)
            scripted = app.state.scripted.take()
            if scripted is not None:
                return Response(scripted, media_type=_JSON)
        query = parse_list_chats_query(request.query_params)
        page = app.state.store.page(cursor=query.cursor, direction=query.direction, limit=query.limit,
                                    account_ids=query.account_ids)
        return Response(page.to_json(), media_type=_JSON)

    async def openapi_json(request: Request) -> Response:
        return Response(spec_json, media_type=_JSON)

    async def openapi_yaml(request: Request) -> Response:
        return Response(spec.spec_text(), media_type="application/yaml")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="fake-beeper — Beeper Desktop API")

    # Plain Starlette routes: the handlers read the spec-validated query themselves, so FastAPI's
    # parameter machinery (and its 422) stays off the request path.
    app.router.add_route("/v1/chats", list_chats, methods=["GET"])
    app.router.add_route("/openapi.json", openapi_json, methods=["GET"])
    app.router.add_route("/openapi.yaml", openapi_yaml, methods=["GET"])
    app.router.add_route("/docs", docs, methods=["GET"])
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    if journal is not None:
        app.add_middleware(JournalMiddleware, journal=journal)
    return app


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
    """A bug in the fake: say so in the contract's shape rather than with a bare traceback."""
    _log.exception("unexpected error serving %s", request.url)
    return _error_response(ApiError(500, "INTERNAL_ERROR", f"fake-beeper failed: {type(exc).__name__}"))
