"""The Beeper API operations the fake serves: one plain function each, over the ``FakeState``.

An operation reads the request, asks the state, and returns the JSON body, or raises an
``ApiError`` (a 4xx with the ``Error`` body). Authentication, 405s, HEAD, faults and internal
errors are the app's business, the same for every operation (``app.py``), so adding one is a
function and a line in ``ROUTER``.

The router matches the raw path, one segment at a time, and percent-decodes each segment on its
own, so ``{chatID}`` can hold an encoded ``/`` (``%2F``) as the SDKs send it. A literal path beats
a template (``/v1/chats/search`` before ``/v1/chats/{chatID}``), as in the SDKs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import unquote

import orjson
from starlette.requests import Request
from starlette.types import Scope

from fake_beeper.contract import spec
from fake_beeper.contract.behaviour import Behaviour
from fake_beeper.contract.stages import Stage
from fake_beeper.errors import NotFound
from fake_beeper.http import writes
from fake_beeper.http.query import (
    RawQuery,
    parse_get_chat_query,
    parse_list_chats_query,
    parse_list_messages_query,
    parse_search_chats_query,
    parse_search_messages_query,
)
from fake_beeper.world.chat_view import retrieved
from fake_beeper.world.info import server_info
from fake_beeper.world.state import FakeState, PageOut
from fake_beeper.world.store import Page

Query = TypeVar("Query")

# The state, the request, its path parameters and its JSON body (``None`` for an operation
# without one); the response body (a page's with its cursors), or ``None`` for a 204.
Handler = Callable[[FakeState, Request, Mapping[str, str], Any], bytes | PageOut | None]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in openapi.yaml: "/v1/chats", "/v1/chats/{chatID}"
    handler: Handler
    authenticated: bool = True
    takes_body: bool = False  # a write: ``app.py`` reads its JSON body first
    cacheable: bool = False  # a read whose answer depends on the request and ``FakeState.stamp`` only
    paged: bool = False  # its answer is a page of the world (``PageOut``), or a scripted page (never kept)


class Router:
    """Operations by path template; ``match`` finds the operations of one request path."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._routes: dict[tuple[str, ...], dict[str, Operation]] = {}
        for operation in operations:
            segments = tuple(operation.path.split("/")[1:])
            self._routes.setdefault(segments, {})[operation.method] = operation
        self._served: dict[tuple[Stage, str], dict[str, Operation]] = {}
        # literal segments sort before templates, so a literal route wins at every position
        self._order = sorted(self._routes, key=lambda segments: [s.startswith("{") for s in segments])

    def match(self, raw_path: bytes) -> tuple[dict[str, Operation], dict[str, str]] | None:
        """The operations at this path, by method, and the path parameters; ``None`` if none."""
        parts = raw_path.decode("latin-1").split("/")[1:]
        for segments in self._order:
            if len(segments) != len(parts):
                continue
            params: dict[str, str] = {}
            for template, part in zip(segments, parts, strict=True):
                if template.startswith("{"):
                    params[template[1:-1]] = unquote(part)
                elif template != part:
                    break
            else:
                return self._routes[segments], params
        return None

    def operation_path(self, scope: Scope) -> str | None:
        """The path template (as in ``openapi.yaml``) of the operations a request is for, if any."""
        match = self.match(scope.get("raw_path") or scope["path"].encode())
        return next(iter(match[0].values())).path if match is not None else None

    def operations(self) -> list[Operation]:
        return [operation for by_method in self._routes.values() for operation in by_method.values()]

    def served(self, stage: Stage, by_method: Mapping[str, Operation]) -> dict[str, Operation]:
        """Those of ``by_method`` (one path's operations) that ``stage`` has, by method; worked
        out once per stage and path (a request only looks it up)."""
        path = next(iter(by_method.values())).path
        found = self._served.get((stage, path))
        if found is None:
            found = {method: operation for method, operation in by_method.items()
                     if stage.has_operation(operation.path, method)}
            self._served[(stage, path)] = found
        return found


def list_chats(state: FakeState, request: Request, path_params: Mapping[str, str],
               body: Any = None) -> bytes | PageOut:
    """``GET /v1/chats``: a keyset page of the store, or the next scripted page if a test queued one."""
    behaviour = state.behaviour
    return _paged(state, request, parse_list_chats_query, lambda query: state.store.page(
        cursor=query.cursor, direction=query.direction, limit=query.limit, account_ids=query.account_ids,
        after=behaviour.after, undated=behaviour.undated == "last"))


def search_chats(state: FakeState, request: Request, path_params: Mapping[str, str],
                 body: Any = None) -> bytes | PageOut:
    """``GET /v1/chats/search``: a keyset page of the chats the filters keep (``search.py``), in the
    list's order and with its cursors; scripted pages are served here as for the list."""
    behaviour = state.behaviour
    return _paged(state, request, parse_search_chats_query, lambda query: state.store.search(
        query.filter, cursor=query.cursor, direction=query.direction, limit=query.limit, after=behaviour.after,
        undated=behaviour.undated == "last"))


def _paged(state: FakeState, request: Request, parse: Callable[..., Query],
           page_of: Callable[[Query], Page]) -> bytes | PageOut:
    """A paged operation: the next scripted page if a test queued one, else ``page_of`` the parsed
    query. A scripted page's query is validated too, so a bad limit or direction still gets its
    400; its cursor is left alone (the script's cursors are its own)."""
    raw = _query_string(request)
    if state.scripted:
        _parsed(parse, raw, state.behaviour, state.stage, decode_cursor=False)
        scripted = state.scripted.take()
        if scripted is not None:  # another client may have taken the last one meanwhile
            return scripted
    page = page_of(_parsed(parse, raw, state.behaviour, state.stage))
    return PageOut(page.to_json(), _params(raw).get("cursor"), page.oldest_cursor, page.newest_cursor)


# Bounded: a query string may be as long as a request's head (64 KiB), so at most 128 are kept.
@lru_cache(maxsize=128)
def _parsed(parse: Callable[..., Query], raw: bytes, behaviour: Behaviour, stage: Stage, *,
            decode_cursor: bool = True) -> Query:
    """``parse`` of a raw query string, kept for the next request with the same one (a client
    polling the first page, every SDK asking for the same filters): the queries are frozen, and
    their parse depends on nothing else. A query refused is not kept: it raises each time."""
    cursor = {} if decode_cursor else {"decode_cursor": False}  # (a query without a cursor takes none)
    return parse(_params(raw), behaviour=behaviour, stage=stage, **cursor)


@lru_cache(maxsize=128)
def _params(raw: bytes) -> RawQuery:
    return RawQuery(raw)


def _query_string(request: Request) -> bytes:
    raw: bytes = request.scope.get("query_string", b"")
    return raw


def get_chat(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any = None) -> bytes:
    """``GET /v1/chats/{chatID}``: the chat the list serves, with as many participants as asked."""
    max_participants = _parsed(parse_get_chat_query, _query_string(request), state.behaviour, state.stage)
    chat = state.store.find(path_params["chatID"])
    if chat is None:
        raise NotFound(f"No chat with ID {path_params['chatID']!r}")
    return retrieved(chat.body, max_participants)


def list_messages(state: FakeState, request: Request, path_params: Mapping[str, str],
                  body: Any = None) -> bytes | PageOut:
    """``GET /v1/chats/{chatID}/messages``: a page of the chat's messages, newest first
    (``world/messages.py``), or the next scripted page."""
    return _paged(state, request, parse_list_messages_query, lambda query: state.messages.page(
        path_params["chatID"], cursor=query.cursor, direction=query.direction, after=state.behaviour.after,
        limit=query.limit))


def get_message(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any = None) -> bytes:
    """``GET /v1/chats/{chatID}/messages/{messageID}``: one message, or a 404."""
    return state.messages.get(path_params["chatID"], path_params["messageID"])


def search_messages(state: FakeState, request: Request, path_params: Mapping[str, str],
                    body: Any = None) -> bytes | PageOut:
    """``GET /v1/messages/search``: a page of the messages the filters keep, newest first, or the
    next scripted page."""
    return _paged(state, request, parse_search_messages_query, lambda query: state.messages.search(
        query.filter, cursor=query.page.cursor, direction=query.page.direction, limit=query.page.limit,
        after=state.behaviour.after))


def list_accounts(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any = None) -> bytes:
    """``GET /v1/accounts``: every account of the world, as a bare array (``accounts.py``)."""
    return b"[" + b",".join(state.store.accounts()) + b"]"


def get_account(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any = None) -> bytes:
    """``GET /v1/accounts/{accountID}``: one account, or a 404."""
    account = state.store.account(path_params["accountID"])
    if account is None:
        raise NotFound(f"No account with ID {path_params['accountID']!r}")
    return account


def get_info(state: FakeState, request: Request, path_params: Mapping[str, str], body: Any = None) -> bytes:
    """``GET /v1/info``: what this server is, with endpoints on the address it was reached at."""
    return orjson.dumps(server_info(request))


ROUTER = Router([
    Operation("GET", spec.LIST_CHATS_PATH, list_chats, cacheable=True, paged=True),
    Operation("GET", spec.SEARCH_CHATS_PATH, search_chats, cacheable=True, paged=True),
    Operation("GET", spec.GET_CHAT_PATH, get_chat, cacheable=True),
    Operation("GET", spec.LIST_ACCOUNTS_PATH, list_accounts, cacheable=True),
    Operation("GET", spec.GET_ACCOUNT_PATH, get_account, cacheable=True),
    Operation("GET", spec.INFO_PATH, get_info, authenticated=False),  # names the address it was reached on
    Operation("GET", spec.LIST_MESSAGES_PATH, list_messages, cacheable=True, paged=True),
    Operation("GET", spec.GET_MESSAGE_PATH, get_message, cacheable=True),
    Operation("GET", spec.SEARCH_MESSAGES_PATH, search_messages, cacheable=True, paged=True),
    Operation("POST", spec.LIST_MESSAGES_PATH, writes.send_message, takes_body=True),
    Operation("PUT", spec.GET_MESSAGE_PATH, writes.edit_message, takes_body=True),
    Operation("DELETE", spec.GET_MESSAGE_PATH, writes.delete_message),
    Operation("POST", spec.REACTIONS_PATH, writes.add_reaction, takes_body=True),
    Operation("DELETE", spec.REACTIONS_PATH, writes.remove_reaction_by_query, takes_body=True),
    Operation("DELETE", spec.REACTION_PATH, writes.remove_reaction),
    Operation("POST", spec.LIST_CHATS_PATH, writes.create_chat, takes_body=True),
    Operation("POST", spec.START_CHAT_PATH, writes.start_chat, takes_body=True),
    Operation("PATCH", spec.GET_CHAT_PATH, writes.update_chat, takes_body=True),
    Operation("POST", spec.ARCHIVE_CHAT_PATH, writes.archive_chat, takes_body=True),
    Operation("POST", spec.READ_CHAT_PATH, writes.mark_read, takes_body=True),
    Operation("POST", spec.UNREAD_CHAT_PATH, writes.mark_unread, takes_body=True),
    Operation("POST", spec.NOTIFY_ANYWAY_PATH, writes.notify_anyway),  # no body (the JS SDK sends none)
    Operation("POST", spec.REMINDERS_PATH, writes.set_reminder, takes_body=True),
    Operation("DELETE", spec.REMINDERS_PATH, writes.clear_reminder),
])
