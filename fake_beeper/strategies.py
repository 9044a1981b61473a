"""Hypothesis strategies for what the API may answer, drawn from ``openapi.yaml``.

The other direction of contract testing: not "does the server keep to the schema" but "does my
client cope with everything the schema allows". The values come from Schemathesis's schema-driven
generator, fed the contract's own components, so there is no second copy of the schema here: a
chat is anything ``ChatListResponse`` admits (missing optional fields, ``null`` where nullable,
any ``seen`` variant, long and odd Unicode), and pages may be empty. Two deliberate narrowings,
both options: arrays are capped short, and objects carry only the keys the contract names.

``chat_pages``/``chats``/``page_walks`` are ``GET /v1/chats``'s, ``search_pages`` the search's
(``Chat`` items, no ``preview``), ``accounts`` an item of ``GET /v1/accounts`` and
``account_lists`` its whole answer; ``message_pages``/``messages``/``message_walks`` are a chat's
messages' and the message search's. ``FakeBeeper.serve_pages`` serves pages to every paged
operation alike. Each takes ``profile=``: what an older stage of the API allowed (``4.2``: no
``network``; ``js-4.2.3``: a title may be ``null``), from ``fake_beeper.contract.stages``.

    from fake_beeper.strategies import chat_pages

    @given(page=chat_pages())
    def test_my_inbox_renders_any_page(page):
        with FakeBeeper(chats=[]) as fake:
            fake.serve_pages(page)
            render_inbox(fake.http_client())   # Hypothesis shrinks a failure to the smallest page
"""

from __future__ import annotations

import functools
import pprint
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from fake_beeper.contract import spec, stages
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.errors import require_extra
from fake_beeper.frozen import thawed
from fake_beeper.jsonschema import Schemas, rewritten

try:  # the 'strategies' extra (errors.install_command says how to install it)
    import schemathesis
    from hypothesis import note
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode
except ModuleNotFoundError as exc:
    require_extra("fake_beeper.strategies", "strategies", ("hypothesis", "schemathesis"), exc)

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 3
PAGE_SCHEMA, CHAT_SCHEMA = spec.PAGE_SCHEMA, spec.CHAT_SCHEMA
SEARCH_PAGE_SCHEMA, ACCOUNT_SCHEMA = spec.SEARCH_PAGE_SCHEMA, spec.ACCOUNT_SCHEMA
MESSAGE_PAGE_SCHEMA, MESSAGE_SCHEMA = spec.MESSAGE_PAGE_SCHEMA, spec.MESSAGE_SCHEMA
SCHEMAS = (PAGE_SCHEMA, CHAT_SCHEMA, SEARCH_PAGE_SCHEMA, ACCOUNT_SCHEMA, MESSAGE_PAGE_SCHEMA, MESSAGE_SCHEMA)


def chat_pages(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
               profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any page the contract allows: ``{items, hasMore, oldestCursor, newestCursor}``.

    ``max_items`` caps every array (chats on a page, participants, attachments …) so that a draw
    stays small and fast: shapes, not sizes, are what break clients. ``None`` lifts the cap to the
    schema's own. With ``extra_fields``, objects also carry keys the contract does not name, with
    any JSON value, as a newer server may send: slower to draw and harder to read, so off by default.
    ``profile``: a page of that stage of the API (``fake_beeper.contract.stages``).
    """
    return _reported(_component_values(PAGE_SCHEMA, max_items, extra_fields, profile), "chat_pages()")


def chats(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
          profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any single chat the contract allows (an item of a page); the options are ``chat_pages``'s."""
    return _reported(_component_values(CHAT_SCHEMA, max_items, extra_fields, profile), "chats()")


def search_pages(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
                 profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any page ``GET /v1/chats/search`` may answer; the options are ``chat_pages``'s."""
    return _reported(_component_values(SEARCH_PAGE_SCHEMA, max_items, extra_fields, profile), "search_pages()")


def accounts(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
             profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any ``Account`` the contract allows (every status and provider, optional fields absent)."""
    return _reported(_component_values(ACCOUNT_SCHEMA, max_items, extra_fields, profile), "accounts()")


def account_lists(*, max_size: int = 4, extra_fields: bool = False,
                  profile: str | Stage = LATEST) -> st.SearchStrategy[list[dict[str, Any]]]:
    """What ``GET /v1/accounts`` may answer: a bare array of accounts, possibly empty."""
    drawn = st.lists(_component_values(ACCOUNT_SCHEMA, DEFAULT_MAX_ITEMS, extra_fields, profile), max_size=max_size)
    return _reported(drawn, "account_lists()")


def page_walks(max_pages: int = 4, *, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
               profile: str | Stage = LATEST) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Pages that an auto-paginating client follows to the end, for ``FakeBeeper.serve_pages``.

    Every page but the last has chats, ``hasMore: true`` and an ``oldestCursor`` (so all three
    SDKs ask for the next page); the last has ``hasMore: false``. Each page is otherwise anything
    the schema allows. A client walking them should make exactly ``len(walk)`` requests.
    """
    return _walks(PAGE_SCHEMA, "page_walks()", max_pages, max_items, extra_fields, profile)


def message_pages(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
                  profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any page of messages: what ``GET /v1/chats/{chatID}/messages`` and ``GET /v1/messages/search``
    may answer (text, media, reactions, every ``seen`` and send status); options as ``chat_pages``'s."""
    return _reported(_component_values(MESSAGE_PAGE_SCHEMA, max_items, extra_fields, profile), "message_pages()")


def messages(*, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
             profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    """Any single ``Message`` (an item of a page, or what retrieving one answers)."""
    return _reported(_component_values(MESSAGE_SCHEMA, max_items, extra_fields, profile), "messages()")


def message_walks(max_pages: int = 4, *, max_items: int | None = DEFAULT_MAX_ITEMS, extra_fields: bool = False,
                  profile: str | Stage = LATEST) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Pages of messages that an auto-paginating client follows to the end (as ``page_walks``)."""
    return _walks(MESSAGE_PAGE_SCHEMA, "message_walks()", max_pages, max_items, extra_fields, profile)


def _walks(schema: str, label: str, max_pages: int, max_items: int | None, extra_fields: bool,
           profile: str | Stage) -> st.SearchStrategy[list[dict[str, Any]]]:
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    pages = _component_values(schema, max_items, extra_fields, profile)
    full_pages = pages.filter(lambda page: bool(page["items"]))
    walks = st.tuples(st.lists(full_pages, max_size=max_pages - 1), pages).map(_chained)
    return _reported(walks, label)


def _chained(drawn: tuple[list[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    leading, last = drawn
    walk = [{**page, "hasMore": True, "oldestCursor": f"walk-page-{number}"}
            for number, page in enumerate(leading, start=1)]
    return [*walk, {**last, "hasMore": False}]


def _component_values(name: str, max_items: int | None, extra_fields: bool,
                      profile: str | Stage = LATEST) -> st.SearchStrategy[dict[str, Any]]:
    # Schemathesis generates request data; a one-operation document whose request body is the
    # component turns its generator into one for response-shaped values.
    def build() -> st.SearchStrategy[Any]:
        operation = _body_operations(max_items, extra_fields, stages.stage(profile))[f"/{name}"]["POST"]
        strategy: st.SearchStrategy[Any] = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        return strategy

    return _bodies(_hypothesis_printer_kept(build))


def _hypothesis_printer_kept(build: Callable[[], T]) -> T:
    """``build()``, and then Hypothesis's printer of failing examples as it was, whatever happens.

    Schemathesis's ``setup()`` (run once per process: by its pytest plugin at start-up, or when a
    strategy is first built) replaces ``hypothesis.core.RepresentationPrinter`` with one that
    prints nothing, a speed-up for its own runs. That is process-wide: every other Hypothesis test
    of the user's would then report its falsifying example as ``x=,``. So the printer in force
    before ``build`` is put back when it returns or fails, and where that was Schemathesis's silent
    one, Hypothesis's own: a process that uses the strategies keeps its examples readable.
    """
    from hypothesis import core
    from hypothesis.vendor import pretty

    printer = core.RepresentationPrinter  # type: ignore[attr-defined]
    if printer.__module__.startswith("schemathesis"):
        printer = pretty.RepresentationPrinter
    try:
        return build()
    finally:
        core.RepresentationPrinter = printer  # type: ignore[attr-defined]


@st.composite
def _bodies(draw: st.DrawFn, cases: st.SearchStrategy[Any]) -> dict[str, Any]:
    body: dict[str, Any] = draw(cases).body
    return body


@st.composite
def _reported(draw: st.DrawFn, values: st.SearchStrategy[T], label: str) -> T:
    # A note is printed with the failing example whatever printer is in force (a Schemathesis run
    # elsewhere in the process may have swapped Hypothesis's): the user sees the page that broke.
    value = draw(values)
    note(f"{label} drew:\n{pprint.pformat(value, sort_dicts=False)}")
    return value


@cache
def _body_operations(max_items: int | None, extra_fields: bool, stage: Stage = LATEST) -> Any:
    schemas: dict[str, Any] = thawed(stage.document["components"]["schemas"])
    if not extra_fields:
        schemas = _closed(schemas)
    if max_items is not None:
        schemas = {name: rewritten(schema, functools.partial(_capped, max_items=max_items))
                   for name, schema in schemas.items()}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "fake-beeper response strategies", "version": "1"},
        "paths": {f"/{name}": {"post": {
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"}}}},
            "responses": {"200": {"description": "unused"}},
        }} for name in SCHEMAS},
        "components": {"schemas": schemas},
    }
    # An explicit default config: a schemathesis.toml the user keeps for their server is not ours.
    return schemathesis.openapi.from_dict(document, config=schemathesis.Config())


def _closed(components: dict[str, Any]) -> dict[str, Any]:
    """Every schema of ``components`` closed to the keys it names (``_Closing``)."""
    closing = _Closing(Schemas(components))
    return {name: rewritten(schema, closing) for name, schema in components.items()}


class _Closing:
    """A schema with only the keys it names: ``allOf`` parts merged, ``additionalProperties: false``.

    The merge comes first because ``additionalProperties`` only sees its own object's
    ``properties``: closing both parts of ``allOf: [Chat, {preview}]`` would forbid every chat.
    Objects that name no properties (``Error.details``) stay open, as the contract has them.
    A visitor of ``rewritten``: a schema's own subschemas are closed before it.
    """

    def __init__(self, schemas: Schemas) -> None:
        self._schemas = schemas

    def __call__(self, schema: dict[str, Any]) -> dict[str, Any]:
        parts = [rewritten(self._schemas.resolve(part), self) if "$ref" in part else part
                 for part in schema.get("allOf", [])]
        if parts and all("properties" in part for part in parts):
            del schema["allOf"]
            schema.setdefault("type", "object")
            merged: dict[str, Any] = {}
            for part in parts:  # a property two parts name must satisfy both (participants of at most 20)
                for key, value in part["properties"].items():
                    merged[key] = self({"allOf": [merged[key], value]}) if key in merged else value
            schema["properties"] = merged
            schema["required"] = list(dict.fromkeys(key for part in parts for key in part.get("required", [])))
        if "properties" in schema:
            schema.setdefault("additionalProperties", False)
        return schema


def _capped(schema: dict[str, Any], max_items: int) -> dict[str, Any]:
    """The schema with every array at most ``max_items`` long (never below its ``minItems``)."""
    if schema.get("type") == "array" or isinstance(schema.get("items"), dict):
        cap = max(max_items, schema.get("minItems", 0))
        schema["maxItems"] = min(schema.get("maxItems", cap), cap)
    return schema
