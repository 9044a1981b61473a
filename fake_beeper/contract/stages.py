"""Version profiles: the API as each generation of the SDKs saw it, derived from ``openapi.yaml``.

``GET /v1/chats`` changed shape five times in a year (``../shared/reference/version-history.md``):
``network`` required, then gone, then back; ``title`` optional and nullable in one JavaScript
release; ``limit``, capabilities, drafts, labels and merges added. Each stage is a profile,
named after the SDK versions generated from it. ``openapi.yaml`` is the newest stage, and its
annotations say how the older ones differ (one document, no copies):

* ``x-since: S`` on a property, parameter or operation: it does not exist before stage ``S``;
* ``x-stages: {absent: [...], optional: [...], nullable: [...], required: [...]}``: history that
  does not run one way (``network`` is absent in 4.2 only; ``title`` optional and nullable in
  js-4.2.3 only), and ``plain-text: [...]``: a message text that was plain text then, not HTML;
* ``x-enum-since: {value: S}`` beside an ``enum``: that value does not exist before ``S``;
* ``x-stage-defaults: {S: value}`` on a parameter: its default in stage ``S``.

``document(name)`` is a stage's contract, the annotations applied; ``project(chat, name)`` is a
chat of the newest shape as that stage serves it: what the stage lacks left out, and (js-4.2.3)
some titles ``null`` or absent, as that stage allowed, so that clients meet those shapes.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from fake_beeper.contract import spec
from fake_beeper.errors import UsageError

if TYPE_CHECKING:
    from fake_beeper.data.loaded import LoadedChat


@dataclass(frozen=True)
class Profile:
    name: str
    contract: str  # the stage's name in chats-contract.md (H1 … H6)
    python: tuple[str, ...]  # beeper-desktop-api versions generated from it (PyPI)
    npm: tuple[str, ...]  # @beeper/desktop-api versions generated from it (npm)
    published: str  # when its first SDK was


PROFILES = (
    Profile("4.1", "H1", ("4.1.295", "4.1.296"), (), "2025-10-16"),
    Profile("js-4.2.3", "H2", (), ("4.2.3",), "2025-11-08"),
    Profile("4.2", "H3", ("4.2.0", "4.3.0"), (), "2026-02-20"),
    Profile("5.0", "H4", ("5.0.0",), ("5.0.0",), "2026-05-06"),
    Profile("6.0", "H6", ("6.0.0",), (), "2026-09-25"),
)
LATEST = "6.0"
ALIASES = {"latest": LATEST}
NAMES = tuple(profile.name for profile in PROFILES)


class ProfileError(UsageError):
    """A profile name that is not one of ``NAMES`` (or ``latest``)."""


def profile(name: str) -> Profile:
    """The profile called ``name`` (``latest`` is the newest)."""
    name = ALIASES.get(name, name)
    for found in PROFILES:
        if found.name == name:
            return found
    raise ProfileError(f"unknown profile {name!r}: expected one of {', '.join(NAMES)} or latest")


def exists_in(annotated: dict[str, Any], stage: str) -> bool:
    """Whether a property, parameter or operation with these annotations exists in ``stage``."""
    since = annotated.get("x-since")
    if since is not None and NAMES.index(stage) < NAMES.index(since):
        return False
    return stage not in annotated.get("x-stages", {}).get("absent", ())


def _in_stage(annotated: dict[str, Any], what: str, stage: str) -> bool:
    return stage in annotated.get("x-stages", {}).get(what, ())


@cache
def document(name: str) -> dict[str, Any]:
    """Stage ``name``'s OpenAPI document: ``openapi.yaml`` with its stage annotations applied.
    Cached: treat it as read-only."""
    stage = profile(name).name
    if stage == LATEST:
        return spec.spec()
    found = profile(stage)
    document = copy.deepcopy(spec.spec())
    versions = ", ".join([*(f"beeper-desktop-api {v}" for v in found.python),
                          *(f"@beeper/desktop-api {v}" for v in found.npm)])
    document["info"]["version"] = (found.python or found.npm)[0]
    document["info"]["summary"] = f"The read endpoints around GET /v1/chats as stage {stage} ({found.contract}) " \
                                  f"has them ({versions}): fake-beeper's profile {stage}."
    for path, item in list(document["paths"].items()):
        operation = item.get("get")
        if operation is None:
            continue
        if not exists_in(operation, stage):
            del document["paths"][path]
            continue
        operation["parameters"] = [_with_stage_default(parameter, stage) for parameter in
                                   operation.get("parameters", ()) if exists_in(parameter, stage)]
    _drop_links_to_missing_operations(document)
    for schema in _schemas(document):
        _apply(schema, stage)
    return document


def _drop_links_to_missing_operations(document: dict[str, Any]) -> None:
    """Links from a response to an operation the stage lacks (the accounts' ``FirstAccount``,
    before 6.0's ``getAccount``) go with it: a link must name an operation of its document."""
    present = {item["get"]["operationId"] for item in document["paths"].values() if "get" in item}
    for item in document["paths"].values():
        for response in item.get("get", {}).get("responses", {}).values():
            links = response.get("links") if isinstance(response, dict) else None
            if links:
                response["links"] = {name: link for name, link in links.items() if link.get("operationId") in present}
                if not response["links"]:
                    del response["links"]


def _schemas(value: Any) -> Iterator[dict[str, Any]]:
    """Every schema object in a document (every dict, in fact: the annotations are only on schemas)."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _schemas(item)
    elif isinstance(value, list):
        for item in value:
            yield from _schemas(item)


def _apply(schema: dict[str, Any], stage: str) -> None:
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in list(properties.items()):
            if not isinstance(sub, dict):
                continue
            if not exists_in(sub, stage):
                del properties[name]
                if name in schema.get("required", ()):
                    schema["required"] = [other for other in schema["required"] if other != name]
                continue
            if _in_stage(sub, "optional", stage) and name in schema.get("required", ()):
                schema["required"] = [other for other in schema["required"] if other != name]
            if _in_stage(sub, "required", stage) and name not in schema.get("required", ()):
                schema["required"] = [*schema.get("required", ()), name]
            if _in_stage(sub, "nullable", stage):
                properties[name] = _nullable(sub)
    later = {value for value, since in schema.get("x-enum-since", {}).items()
             if NAMES.index(stage) < NAMES.index(since)}
    if later:
        schema["enum"] = [value for value in schema["enum"] if value not in later]


def _with_stage_default(parameter: dict[str, Any], stage: str) -> dict[str, Any]:
    defaults = parameter.get("x-stage-defaults", {})
    if stage not in defaults:
        return parameter
    return {**parameter, "schema": {**parameter["schema"], "default": defaults[stage]}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    types = schema.get("type")
    if isinstance(types, str):
        return {**schema, "type": [types, "null"]}
    if isinstance(types, list):
        return {**schema, "type": [*types, "null"]} if "null" not in types else schema
    return {"anyOf": [schema, {"type": "null"}]}


# -- chats as a stage serves them -----------------------------------------------------------------

CHAT_SCHEMA = spec.CHAT_SCHEMA
TITLE_NULL_EVERY = 6  # js-4.2.3: about one chat in six has a null title, and as many none at all


def project(chat: dict[str, Any], name: str, schema: str = CHAT_SCHEMA) -> dict[str, Any]:
    """``chat`` (of the newest shape; or another record of ``schema``, an ``Account``) as stage
    ``name`` serves it: every key the stage's document does not describe left out, at any depth
    (maps keep their keys), enum values it lacks taken out of lists, HTML texts as plain text
    where the stage had those; in js-4.2.3, a ``null`` or absent ``title`` for some chats (chosen
    by ID, the same every time)."""
    stage = profile(name).name
    if stage == LATEST:
        return chat
    projected = _shaped(chat, stage, schema)
    if stage == "js-4.2.3" and schema == CHAT_SCHEMA:
        turn = int.from_bytes(hashlib.blake2b(chat["id"].encode(), digest_size=4).digest()) % TITLE_NULL_EVERY
        if turn == 0:
            projected["title"] = None
        elif turn == 1:
            projected.pop("title", None)
    return projected


def _shaped(record: dict[str, Any], stage: str, schema: str) -> dict[str, Any]:
    components = document(stage)["components"]["schemas"]
    shaped: dict[str, Any] = _projected(record, components[schema], components, stage)
    return shaped


def stages_of(record: dict[str, Any], schema: str = CHAT_SCHEMA) -> list[str]:
    """The stages a record (a chat, or an ``Account``) could have come from: valid in each, with
    nothing that stage lacks (a 4.2 chat has no ``network``; a 4.1 chat, one); newest first."""
    return [name for name in reversed(NAMES) if validator(schema, name).is_valid(record)
            and (name == LATEST or _shaped(record, name, schema) == record)]


def _projected(value: Any, schema: dict[str, Any], components: dict[str, Any], stage: str) -> Any:
    schema = spec.resolve(schema, components)
    parts = [schema, *(spec.resolve(part, components) for part in schema.get("allOf", ()))]
    branches = [spec.resolve(branch, components) for branch in schema.get("anyOf", ())]
    if branches:
        for branch in branches:
            if spec.takes_type(value, branch.get("type")):
                return _projected(value, branch, components, stage)
        return value
    if isinstance(value, dict):
        properties: dict[str, Any] = {}
        additional: Any = None
        for part in parts:
            for key, sub in part.get("properties", {}).items():
                properties.setdefault(key, []).append(sub)
            additional = part.get("additionalProperties", additional)
        if not properties and additional is None:
            return value  # a free-form object (an error's details)
        out = {}
        for key, item in value.items():
            if key in properties:
                if isinstance(item, str) and any(_in_stage(sub, "plain-text", stage) for sub in properties[key]):
                    item = _plain(item)
                out[key] = _projected(item, {"allOf": properties[key]}, components, stage)
            elif isinstance(additional, dict):
                out[key] = _projected(item, additional, components, stage)
            elif additional is True:
                out[key] = item
        return out
    if isinstance(value, list):
        items = next((part["items"] for part in parts if "items" in part), None)
        if items is None:
            return value
        enum = spec.resolve(items, components).get("enum")
        kept = [item for item in value if enum is None or item in enum]
        return [_projected(item, items, components, stage) for item in kept]
    return value


_TAG = re.compile(r"<[^<>]*>")


def _plain(text: str) -> str:
    """A Matrix HTML body as the plain text of its time: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


# -- what serving a stage needs ---------------------------------------------------------------------

# A stage without ``limit`` serves pages of the size ``limit`` defaults to where it exists (25).
DEFAULT_PAGE_SIZE: int = spec.query_parameters(spec.LIST_CHATS_PATH)["limit"]["schema"]["default"]


def has_operation(path: str, name: str) -> bool:
    """Whether stage ``name`` has the GET operation at ``path`` (a template: ``/v1/chats/{chatID}``)."""
    return path in document(name)["paths"]


def query_parameters(path: str, name: str) -> dict[str, dict[str, Any]]:
    """``spec.query_parameters(path)`` as stage ``name`` has them: less those it lacks (before 6.0,
    the list's ``limit``), with its defaults (before 5.0, all participants of a retrieved chat)."""
    stage = profile(name).name
    return {key: _with_stage_default(parameter, stage) for key, parameter in spec.query_parameters(path).items()
            if exists_in(parameter, stage)}


@cache
def validator(schema: str, name: str) -> jsonschema_rs.Validator:
    """A validator of ``components.schemas[schema]`` in stage ``name`` (date-time formats asserted)."""
    if profile(name).name == LATEST:
        return spec.validator(schema)
    root = {"$schema": spec.JSON_SCHEMA_DIALECT, "$ref": f"#/components/schemas/{schema}",
            "components": document(name)["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def chat_validator(name: str) -> jsonschema_rs.Validator:
    """A validator of a listed chat in stage ``name``."""
    return validator(CHAT_SCHEMA, name)


@cache
def has_list_limit(name: str) -> bool:
    """Whether stage ``name``'s ``GET /v1/chats`` takes ``limit`` (from 6.0; before, a client gets
    pages of the server's size, and a ``limit`` it sends is ignored as an unknown parameter)."""
    return "limit" in query_parameters(spec.LIST_CHATS_PATH, name)


LARGEST_PAGE: int = spec.query_parameters(spec.LIST_CHATS_PATH)["limit"]["schema"]["maximum"]


def largest_page(name: str) -> int | None:
    """The ``limit`` that walks the list in the fewest pages in stage ``name``: the contract's
    maximum, or ``None`` (send none: the server's pages) where the stage has no ``limit``."""
    return LARGEST_PAGE if has_list_limit(name) else None


def projected(chats: Iterable[LoadedChat], name: str, source: str = LATEST) -> list[LoadedChat]:
    """Loaded chats of stage ``source`` (the newest: generated, or a file of the newest shape) as
    stage ``name`` serves them. Chats of an older stage (a recording of an older server) are
    served in that stage only: a newer stage requires what they lack, and projecting them again
    would invent what they never had (js-4.2.3's ``null`` titles)."""
    stage, source = profile(name).name, profile(source).name
    if stage == source:
        return list(chats)
    if source != LATEST:
        raise ProfileError(f"these chats are of stage {source} (recorded as profile {source}): they can be "
                           f"served as profile {source} only, not {stage}")
    chats = list(chats)
    one = _projected_chat if len(chats) <= PROJECTION_CACHE else _projected_chat.__wrapped__
    return [one(chat.body, stage) for chat in chats]


# Projected chats by body and stage: a test suite builds a fake per test, most over one dataset,
# and projecting costs ~0.1 ms a chat. A larger dataset (``serve --profile`` over 200,000 chats)
# is projected once, past the cache: it would only hold a second copy of the source.
PROJECTION_CACHE = 32_768


@lru_cache(maxsize=PROJECTION_CACHE)
def _projected_chat(body: bytes, stage: str) -> LoadedChat:
    from fake_beeper.data.loaded import to_loaded

    return to_loaded(project(orjson.loads(body), stage))
