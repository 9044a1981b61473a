"""``Node``: one schema with ``$ref`` followed, ``allOf`` merged and its branches listed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]

_JSON_TYPES: dict[type, str] = {dict: "object", list: "array", str: "string", bool: "boolean",
                                int: "integer", float: "number", type(None): "null"}


def takes_type(value: Any, types: str | Iterable[str] | None) -> bool:
    """Whether a JSON ``value`` is of a schema's ``type`` (a name, a list of names, or none: any)."""
    if not types:
        return True
    wanted = _JSON_TYPES.get(type(value))
    names = {types} if isinstance(types, str) else set(types)
    return wanted in names or (wanted == "integer" and "number" in names)


@dataclass(frozen=True)
class Node:
    """What a schema says once its parts are put together.

    ``parts`` are the schema as written, what its ``$ref`` names and every ``allOf`` part (at any
    depth, references followed), outermost first: annotations (``x-…``) are read from them. A
    property that two parts name is both: its schema is ``{"allOf": [first, second]}``.
    """

    parts: tuple[Schema, ...]
    properties: Mapping[str, Schema]
    required: tuple[str, ...]
    additional: Schema | bool | None  # additionalProperties: a map's values, true (anything), or unsaid
    items: Schema | None
    branches: tuple[Schema, ...]  # anyOf, else oneOf
    types: frozenset[str]

    def first(self, word: str, default: Any = None) -> Any:
        """A keyword's value in the outermost part that has it (``enum``, ``format``, ``x-…``)."""
        return next((part[word] for part in self.parts if word in part), default)

    def every(self, word: str) -> list[Any]:
        """A keyword's values in every part that has it, outermost first."""
        return [part[word] for part in self.parts if word in part]

    @property
    def is_object(self) -> bool:
        """Whether it describes an object's keys (``properties`` or ``additionalProperties``)."""
        return bool(self.properties) or self.additional is not None


class Schemas:
    """The schemas of one document (``components.schemas``), their ``Node``s worked out on first
    use. A node is kept by the identity of its schema, so the document must outlive this."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self._components = components
        self._nodes: dict[int, Node] = {}
        self._keep: list[Schema] = []  # the schemas with a node, so that no id is reused

    def component(self, name: str) -> Schema:
        """``components.schemas[name]`` as written."""
        found: Schema = self._components[name]
        return found

    def resolve(self, schema: Schema) -> Schema:
        """Follow a local ``$ref`` (``#/components/schemas/X``) to what it names."""
        while "$ref" in schema:
            schema = self.component(schema["$ref"].rsplit("/", 1)[-1])
        return schema

    def node(self, schema: Schema) -> Node:
        found = self._nodes.get(id(schema))
        if found is None:
            found = self._nodes[id(schema)] = self._merged(schema)
            self._keep.append(schema)
        return found

    def branch(self, node: Node, value: Any) -> Schema | None:
        """The branch of ``node`` a value takes: the first whose ``type`` the value is of."""
        for branch in node.branches:
            if takes_type(value, self.node(branch).types):
                return branch
        return None

    def _merged(self, schema: Schema) -> Node:
        parts = self._parts(schema)
        properties: dict[str, Schema] = {}
        required: dict[str, None] = {}
        for part in parts:
            for name, sub in part.get("properties", {}).items():
                properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
            required.update(dict.fromkeys(part.get("required", ())))
        branches: list[Schema] = next((part.get("anyOf") or part["oneOf"] for part in parts
                                       if part.get("anyOf") or part.get("oneOf")), [])
        types = next((part["type"] for part in parts if "type" in part), ())
        return Node(parts=tuple(parts), properties=properties, required=tuple(required),
                    additional=next((part["additionalProperties"] for part in parts
                                     if "additionalProperties" in part), None),
                    items=next((part["items"] for part in parts if "items" in part), None),
                    branches=tuple(branches), types=frozenset([types] if isinstance(types, str) else types))

    def _parts(self, schema: Schema) -> list[Schema]:
        parts = [schema]
        if "$ref" in schema:
            parts += self._parts(self.component(schema["$ref"].rsplit("/", 1)[-1]))
        for part in schema.get("allOf", ()):
            parts += self._parts(part)
        return parts
