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
from urllib.parse import unquote

from starlette.requests import Request

from fake_beeper import spec
from fake_beeper.query import parse_list_chats_query
from fake_beeper.state import FakeState

Handler = Callable[[FakeState, Request, Mapping[str, str]], bytes]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in openapi.yaml: "/v1/chats", "/v1/chats/{chatID}"
    handler: Handler
    authenticated: bool = True


class Router:
    """Operations by path template; ``match`` finds the operations of one request path."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._routes: dict[tuple[str, ...], dict[str, Operation]] = {}
        for operation in operations:
            segments = tuple(operation.path.split("/")[1:])
            self._routes.setdefault(segments, {})[operation.method] = operation
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

    def serves(self, path: str) -> bool:
        return self.match(path.encode("latin-1", "replace")) is not None


def list_chats(state: FakeState, request: Request, path_params: Mapping[str, str]) -> bytes:
    """``GET /v1/chats``: a keyset page of the store, or the next scripted page if a test queued one."""
    behaviour = state.behaviour
    if state.scripted:  # a bad limit or direction still gets its 400; the cursor is theirs
        parse_list_chats_query(request.query_params, decode_cursor=False, behaviour=behaviour)
        scripted = state.scripted.take()
        if scripted is not None:
            return scripted
    query = parse_list_chats_query(request.query_params, behaviour=behaviour)
    page = state.store.page(cursor=query.cursor, direction=query.direction, limit=query.limit,
                            account_ids=query.account_ids, after=behaviour.after,
                            undated=behaviour.undated == "last")
    state.walks.issued(state.walks.page_of(request.query_params.get("cursor")), page.oldest_cursor,
                       page.newest_cursor)
    state.page_served()
    return page.to_json()


ROUTER = Router([
    Operation("GET", spec.LIST_CHATS_PATH, list_chats),
])
