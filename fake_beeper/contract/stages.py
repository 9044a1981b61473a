"""The stages of the API: each as one generation of the SDKs saw it, derived from ``openapi.yaml``.

``GET /v1/chats`` changed shape five times in a year (``../shared/reference/version-history.md``):
``network`` required, then gone, then back; ``title`` optional and nullable in one JavaScript
release; ``limit``, capabilities, drafts, labels and merges added. Each stage is a ``Stage``,
named after the SDK versions generated from it; users name it as a *profile* (``--profile 4.2``,
``profile="4.2"``). ``openapi.yaml`` is the newest stage, and its annotations say how the older
ones differ (one document, no copies):

* ``x-since: S`` on a property, parameter or operation: it does not exist before stage ``S``;
* ``x-stages: {absent: [...], optional: [...], nullable: [...], required: [...]}``: history that
  does not run one way (``network`` is absent in 4.2 only; ``title`` optional and nullable in
  js-4.2.3 only), and ``plain-text: [...]``: a message text that was plain text then, not HTML;
* ``x-enum-since: {value: S}`` beside an ``enum``: that value does not exist before ``S``;
* ``x-stage-defaults: {S: value}`` on a parameter: its default in stage ``S``.

A name becomes a ``Stage`` once, where it comes in (``stage("4.2")``: the CLI's argument, the
keywords of ``FakeBeeper``, the marker, a fixture file's header); below those edges, code passes
the object. ``stage.document`` is its contract (read-only), ``stage.project(chat)`` a chat of the
newest shape as that stage serves it.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from fake_beeper.contract import spec
from fake_beeper.errors import UsageError
from fake_beeper.frozen import freeze, thawed
from fake_beeper.jsonschema import Schemas
from fake_beeper.jsonschema.rewrite import openapi_rewritten

CHAT_SCHEMA = spec.CHAT_SCHEMA
TITLE_NULL_EVERY = 6  # where titles were optional and nullable: about one chat in six null, as many absent


@dataclass(frozen=True, eq=False)
class Stage:
    """One stage of the API: its name, where the references describe it and the SDKs made from it.

    There is one object per stage (``stage()`` hands out those of ``STAGES``, and a pickle comes
    back as the same one), so a stage is equal only to itself and hashes by identity: the caches
    keyed by stage on the request path cost no hashing of its fields."""

    name: str
    contract: str  # the stage's name in chats-contract.md (H1 … H6)
    python: tuple[str, ...]  # beeper-desktop-api versions generated from it (PyPI)
    npm: tuple[str, ...]  # @beeper/desktop-api versions generated from it (npm)
    published: str  # when its first SDK was

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (to a loader's worker process) by name: unpickled, it is the same object."""
        return (stage, (self.name,))

    @property
    def is_latest(self) -> bool:
        return self is LATEST

    def before(self, other: Stage) -> bool:
        """Whether this stage is older than ``other``."""
        return STAGES.index(self) < STAGES.index(other)

    def has(self, annotated: Mapping[str, Any]) -> bool:
        """Whether a property, parameter or operation with these annotations exists in this stage."""
        since = annotated.get("x-since")
        if since is not None and self.before(stage(since)):
            return False
        return not self.marked(annotated, "absent")

    def marked(self, annotated: Mapping[str, Any], what: str) -> bool:
        """Whether ``x-stages`` lists this stage under ``what`` (``optional``, ``plain-text`` …)."""
        return self.name in annotated.get("x-stages", {}).get(what, ())

    # -- its contract ----------------------------------------------------------------------------

    @property
    def document(self) -> dict[str, Any]:
        """Its OpenAPI document: ``openapi.yaml`` with the annotations applied; read-only."""
        return _document(self)

    @property
    def schemas(self) -> Schemas:
        """Its document's schemas, for walks along them."""
        return _schemas(self)

    def validator(self, schema: str = CHAT_SCHEMA) -> jsonschema_rs.Validator:
        """A validator of ``components.schemas[schema]`` in this stage (date-time formats asserted)."""
        return _validator(self, schema)

    def has_operation(self, path: str, method: str = "GET") -> bool:
        """Whether it has the operation ``method`` at ``path`` (a template: ``/v1/chats/{chatID}``)."""
        return method.lower() in self.document["paths"].get(path, ())

    def query_parameters(self, path: str, method: str = "GET") -> dict[str, dict[str, Any]]:
        """``spec.query_parameters(path)`` as this stage has them: less those it lacks (before 6.0,
        the list's ``limit``), with its defaults (before 5.0, all participants of a retrieved chat)."""
        return {key: self._with_default(parameter) for key, parameter in spec.query_parameters(path, method).items()
                if self.has(parameter)}

    def body_validator(self, path: str, method: str) -> jsonschema_rs.Validator | None:
        """A validator of the operation's request body as this stage has it, or ``None`` (no body)."""
        schema = spec.body_schema(path, method)
        return None if schema is None else self.validator(schema["$ref"].rsplit("/", 1)[-1])

    @property
    def has_list_limit(self) -> bool:
        """Whether its ``GET /v1/chats`` takes ``limit`` (from 6.0; before, a client gets pages of
        the server's size, and a ``limit`` it sends is ignored as an unknown parameter)."""
        return "limit" in self.query_parameters(spec.LIST_CHATS_PATH)

    @property
    def largest_page(self) -> int | None:
        """The ``limit`` that walks the list in the fewest pages: the contract's maximum, or
        ``None`` (send none: the server's pages) where the stage has no ``limit``."""
        return LARGEST_PAGE if self.has_list_limit else None

    def _with_default(self, parameter: dict[str, Any]) -> dict[str, Any]:
        defaults = parameter.get("x-stage-defaults", {})
        if self.name not in defaults:
            return parameter
        return {**parameter, "schema": {**parameter["schema"], "default": defaults[self.name]}}

    # -- records as it serves them ---------------------------------------------------------------

    def project(self, record: dict[str, Any], schema: str = CHAT_SCHEMA) -> dict[str, Any]:
        """``record`` (a chat of the newest shape, or another record of ``schema``: an
        ``Account``) as this stage serves it: every key its document does not describe left out,
        at any depth (maps keep their keys), enum values it lacks taken out of lists, HTML texts as
        plain text where the stage had those. Where a chat's ``title`` was optional and nullable
        (js-4.2.3), some chats get a ``null`` title or none (chosen by ID, the same every time),
        so that clients meet those shapes."""
        if self.is_latest:
            return record
        projected = self._shaped(record, schema)
        if schema == CHAT_SCHEMA and _untitled_sometimes(self):
            turn = int.from_bytes(hashlib.blake2b(record["id"].encode(), digest_size=4).digest()) % TITLE_NULL_EVERY
            if turn == 0:
                projected["title"] = None
            elif turn == 1:
                projected.pop("title", None)
        return projected

    def _shaped(self, record: dict[str, Any], schema: str) -> dict[str, Any]:
        schemas = self.schemas
        shaped: dict[str, Any] = _projected(record, schemas.component(schema), schemas, self)
        return shaped


class ProfileError(UsageError):
    """A stage's name that is not one of ``NAMES`` (or ``latest``)."""


STAGES = (
    Stage("4.1", "H1", ("4.1.295", "4.1.296"), (), "2025-10-16"),
    Stage("js-4.2.3", "H2", (), ("4.2.3",), "2025-11-08"),
    Stage("4.2", "H3", ("4.2.0", "4.3.0"), (), "2026-02-20"),
    Stage("5.0", "H4", ("5.0.0",), ("5.0.0",), "2026-05-06"),
    Stage("6.0", "H6", ("6.0.0",), (), "2026-09-25"),
)
LATEST = STAGES[-1]
NAMES = tuple(found.name for found in STAGES)
LATEST_NAME = "latest"  # what a user may call the newest stage


def stage(name: str | Stage) -> Stage:
    """The stage called ``name`` (``latest``: the newest); a ``ProfileError`` for any other name."""
    if isinstance(name, Stage):
        return name
    for found in STAGES:
        if found.name == name or (name == LATEST_NAME and found is LATEST):
            return found
    raise ProfileError(f"unknown profile {name!r}: expected one of {', '.join(NAMES)} or {LATEST_NAME}")


def served(requested: Stage | None, source: Stage) -> Stage:
    """The stage a fake serves: the one asked for, else the data's own. Data of an older stage (a
    recording of an older server) is served in that stage only: a newer one requires what it
    lacks, and projecting it again would invent what it never had (js-4.2.3's ``null`` titles)."""
    chosen = requested or source
    if chosen is not source and not source.is_latest:
        raise ProfileError(f"these chats are of stage {source} (recorded as profile {source}): they can be "
                           f"served as profile {source} only, not {chosen}")
    return chosen


def stages_of(record: dict[str, Any], schema: str = CHAT_SCHEMA) -> list[Stage]:
    """The stages a record (a chat, or an ``Account``) could have come from: valid in each, with
    nothing that stage lacks (a 4.2 chat has no ``network``; a 4.1 chat, one); newest first."""
    return [found for found in reversed(STAGES) if found.validator(schema).is_valid(record)
            and (found.is_latest or found._shaped(record, schema) == record)]


# -- building a stage's document ------------------------------------------------------------------

@cache
def _document(found: Stage) -> dict[str, Any]:
    if found.is_latest:
        return spec.spec()
    document = copy.deepcopy(spec.spec())
    versions = ", ".join([*(f"beeper-desktop-api {v}" for v in found.python),
                          *(f"@beeper/desktop-api {v}" for v in found.npm)])
    document["info"]["version"] = (found.python or found.npm)[0]
    document["info"]["summary"] = f"The endpoints around GET /v1/chats as stage {found} ({found.contract}) " \
                                  f"has them ({versions}): fake-beeper's profile {found}."
    for path, item in list(document["paths"].items()):
        for method, operation in list(item.items()):
            if method not in spec.METHODS:
                continue
            if not found.has(operation):
                del item[method]
                continue
            operation["parameters"] = [found._with_default(parameter) for parameter in
                                       operation.get("parameters", ()) if found.has(parameter)]
        if not any(method in spec.METHODS for method in item):
            del document["paths"][path]
    _drop_links_to_missing_operations(document)
    openapi_rewritten(document, lambda schema: _as_in(schema, found))
    frozen: dict[str, Any] = freeze(document)
    return frozen


def _drop_links_to_missing_operations(document: dict[str, Any]) -> None:
    """Links from a response to an operation the stage lacks (the accounts' ``FirstAccount``,
    before 6.0's ``getAccount``) go with it: a link must name an operation of its document."""
    operations = [operation for item in document["paths"].values()
                  for method, operation in item.items() if method in spec.METHODS]
    present = {operation["operationId"] for operation in operations}
    for operation in operations:
        for response in operation.get("responses", {}).values():
            links = response.get("links") if isinstance(response, dict) else None
            if links:
                response["links"] = {name: link for name, link in links.items() if link.get("operationId") in present}
                if not response["links"]:
                    del response["links"]


def _as_in(schema: dict[str, Any], found: Stage) -> dict[str, Any]:
    """One schema (a copy) as stage ``found`` has it: its properties, what is required, its enum."""
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = list(schema.get("required", ()))
        for name, sub in list(properties.items()):
            if not isinstance(sub, dict):
                continue
            if not found.has(sub) or found.marked(sub, "optional"):
                required = [other for other in required if other != name]
            if not found.has(sub):
                del properties[name]
                continue
            if found.marked(sub, "required") and name not in required:
                required.append(name)
            if found.marked(sub, "nullable"):
                properties[name] = _nullable(sub)
        if required or "required" in schema:
            schema["required"] = required
    parts = schema.get("allOf")
    if isinstance(parts, list):  # a part of a later stage (an edit's answer is a Message from 5.0)
        schema["allOf"] = [part for part in parts if not isinstance(part, dict) or found.has(part)]
        if not schema["allOf"]:
            del schema["allOf"]
    later = {value for value, since in schema.get("x-enum-since", {}).items() if found.before(stage(since))}
    if later:
        schema["enum"] = [value for value in schema["enum"] if value not in later]
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    types = schema.get("type")
    if isinstance(types, str):
        return {**schema, "type": [types, "null"]}
    if isinstance(types, list):
        return {**schema, "type": [*types, "null"]} if "null" not in types else schema
    return {"anyOf": [schema, {"type": "null"}]}


@cache
def _schemas(found: Stage) -> Schemas:
    return Schemas(found.document["components"]["schemas"])


@cache
def _validator(found: Stage, schema: str) -> jsonschema_rs.Validator:
    if found.is_latest:
        return spec.validator(schema)
    root = {"$schema": spec.JSON_SCHEMA_DIALECT, "$ref": f"#/components/schemas/{schema}",
            "components": thawed(found.document["components"])}
    return jsonschema_rs.validator_for(root, validate_formats=True)


@cache
def _untitled_sometimes(found: Stage) -> bool:
    """Whether the stage's chats may lack a title or have a ``null`` one (js-4.2.3), read off its document."""
    node = found.schemas.node(found.schemas.component(CHAT_SCHEMA))
    title = node.properties.get("title")
    return title is not None and "title" not in node.required and "null" in found.schemas.node(title).types


# -- a record walked along the stage's schema -----------------------------------------------------

def _projected(value: Any, schema: Mapping[str, Any], schemas: Schemas, found: Stage) -> Any:
    node = schemas.node(schema)
    if node.branches:
        branch = schemas.branch(node, value)
        return value if branch is None else _projected(value, branch, schemas, found)
    if isinstance(value, dict):
        if not node.is_object:
            return value  # a free-form object (an error's details)
        out = {}
        for key, item in value.items():
            sub = node.properties.get(key)
            if sub is not None:
                if isinstance(item, str) and any(found.marked(part, "plain-text") for part in schemas.node(sub).parts):
                    item = _plain(item)
                out[key] = _projected(item, sub, schemas, found)
            elif isinstance(node.additional, Mapping):
                out[key] = _projected(item, node.additional, schemas, found)
            elif node.additional is True:
                out[key] = item
        return out
    if isinstance(value, list) and node.items is not None:
        enum = schemas.node(node.items).first("enum")
        return [_projected(item, node.items, schemas, found) for item in value if enum is None or item in enum]
    return value


_TAG = re.compile(r"<[^<>]*>")


def _plain(text: str) -> str:
    """A Matrix HTML body as the plain text of its time: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


# -- what serving a stage needs ---------------------------------------------------------------------

# A stage without ``limit`` serves pages of the size ``limit`` defaults to where it exists (25).
DEFAULT_PAGE_SIZE: int = spec.query_parameters(spec.LIST_CHATS_PATH)["limit"]["schema"]["default"]
LARGEST_PAGE: int = spec.query_parameters(spec.LIST_CHATS_PATH)["limit"]["schema"]["maximum"]
