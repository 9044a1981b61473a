"""Schemas rewritten: a copy with each subschema replaced by what a visitor makes of it.

JSON Schema nests schemas under known keywords only: one under ``items`` or
``additionalProperties``, a list under ``allOf``, a map under ``properties``. A walk that knows
them never mistakes a property named ``items`` for an array's items, nor an ``example`` for a
schema; ``openapi_rewritten`` carries the same walk over every place an OpenAPI 3.1 document holds
a schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Visit = Callable[[dict[str, Any]], dict[str, Any]]

_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedItems", "unevaluatedProperties")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


def rewritten(schema: Any, visit: Visit) -> Any:
    """A copy of ``schema`` in which every subschema, innermost first, is ``visit``-ed (the copy
    of it, its own subschemas already rewritten). ``true``/``false`` schemas stay as they are."""
    if not isinstance(schema, Mapping):
        return schema
    out = dict(schema)
    for word in _ONE:
        if isinstance(out.get(word), Mapping):
            out[word] = rewritten(out[word], visit)
    for word in _LIST:
        if isinstance(out.get(word), list):
            out[word] = [rewritten(sub, visit) for sub in out[word]]
    for word in _MAP:
        if isinstance(out.get(word), Mapping):
            out[word] = {name: rewritten(sub, visit) for name, sub in out[word].items()}
    return visit(out)


def openapi_schemas(document: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Where an OpenAPI 3.1 document holds its schemas: ``(container, key)`` pairs, the schema
    being ``container[key]``: ``components.schemas``, and the schema of every parameter, header,
    request body and response, in ``paths`` and in ``components``."""
    components = document.get("components", {})
    for name in components.get("schemas", {}):
        yield components["schemas"], name
    operations = [operation for item in document.get("paths", {}).values()
                  for method, operation in item.items() if isinstance(operation, dict) and method != "parameters"]
    holders: list[Any] = [*components.get("parameters", {}).values(), *components.get("responses", {}).values(),
                          *components.get("headers", {}).values(), *components.get("requestBodies", {}).values()]
    for operation in operations:
        holders += [*operation.get("parameters", ()), *operation.get("responses", {}).values()]
        if "requestBody" in operation:
            holders.append(operation["requestBody"])
    for holder in holders:
        yield from _schemas_of(holder)


def _schemas_of(holder: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """The schemas of a parameter, header, request body or response (and of its headers)."""
    if "schema" in holder:
        yield holder, "schema"
    for media in holder.get("content", {}).values():
        if "schema" in media:
            yield media, "schema"
    for header in holder.get("headers", {}).values():
        yield from _schemas_of(header)


def openapi_rewritten(document: Mapping[str, Any], visit: Visit) -> None:
    """Rewrite, in place, every schema of an OpenAPI document (a copy the caller owns)."""
    for container, key in list(openapi_schemas(document)):
        container[key] = rewritten(container[key], visit)
