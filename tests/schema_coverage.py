"""What of a schema a set of instances exercises, read off ``openapi.yaml`` itself.

``expectations(schema)`` lists, from the schema alone, every optional property, every nullable
property, every enum value and every ``anyOf`` branch, each under a path such as
``preview.attachments[].transcription.language`` (``[]`` an array item, ``{}`` a map value).
``observe(schema, instance)`` records which of those an instance shows. The fixture tests compare
the two, so adding a field to the spec makes them demand it in the generated data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_beeper.contract import spec
from fake_beeper.jsonschema import Node


@dataclass
class Coverage:
    present: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)
    null: set[str] = field(default_factory=set)
    enum_values: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    branches: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def missing(self, expected: Coverage) -> list[str]:
        """Human-readable gaps: what ``expected`` asks for that this coverage lacks."""
        gaps = [f"{p}: never present" for p in sorted(expected.present - self.present)]
        gaps += [f"{p}: never absent" for p in sorted(expected.absent - self.absent)]
        gaps += [f"{p}: never null" for p in sorted(expected.null - self.null)]
        for path, values in sorted(expected.enum_values.items()):
            gaps += [f"{path}: enum value {v!r} never used" for v in sorted(values - self.enum_values[path], key=str)]
        for path, branches in sorted(expected.branches.items()):
            gaps += [f"{path}: anyOf branch {b} never used" for b in sorted(branches - self.branches[path])]
        return gaps


SCHEMAS = spec.schemas()  # the walker over openapi.yaml's schemas (fake_beeper.jsonschema)


def _non_null_branches(node: Node) -> list[Mapping[str, Any]]:
    return [b for b in node.branches if SCHEMAS.node(b).types != {"null"}]


def _is_nullable(node: Node) -> bool:
    return "null" in node.types or any(SCHEMAS.node(b).types == {"null"} for b in node.branches)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def expectations(schema: Mapping[str, Any], path: str = "", out: Coverage | None = None) -> Coverage:
    out = out if out is not None else Coverage()
    node = SCHEMAS.node(schema)
    if _is_nullable(node):
        out.null.add(path)
    branches = _non_null_branches(node)
    if len(branches) > 1:
        out.branches[path] = set(range(len(branches)))
    for i, branch in enumerate(branches):
        expectations(branch, f"{path}<{i}>" if len(branches) > 1 else path, out)
    if node.every("enum"):
        out.enum_values[path] = set(node.first("enum"))
    for name, sub in node.properties.items():
        child = _join(path, name)
        if name not in node.required:
            out.present.add(child)
            out.absent.add(child)
        expectations(sub, child, out)
    if isinstance(node.additional, Mapping):
        expectations(node.additional, f"{path}{{}}", out)
    if node.items is not None:
        expectations(node.items, f"{path}[]", out)
    return out


def observe(schema: Mapping[str, Any], value: Any, path: str = "", out: Coverage | None = None) -> Coverage:
    out = out if out is not None else Coverage()
    node = SCHEMAS.node(schema)
    if value is None:
        out.null.add(path)
        return out
    branches = _non_null_branches(node)
    if len(branches) > 1:
        index = next(i for i, b in enumerate(branches) if _matches_type(SCHEMAS.node(b), value))
        out.branches[path].add(index)
        return observe(branches[index], value, f"{path}<{index}>", out)
    if branches:
        return observe(branches[0], value, path, out)
    if node.every("enum"):
        out.enum_values[path].add(value)
    if isinstance(value, dict):
        for name, sub in node.properties.items():
            child = _join(path, name)
            if name in value:
                out.present.add(child)
                observe(sub, value[name], child, out)
            else:
                out.absent.add(child)
        if isinstance(node.additional, Mapping):
            for item in value.values():
                observe(node.additional, item, f"{path}{{}}", out)
    if isinstance(value, list) and node.items is not None:
        for item in value:
            observe(node.items, item, f"{path}[]", out)
    return out


def _matches_type(node: Node, value: Any) -> bool:
    (kind,) = node.types if len(node.types) == 1 else (None,)
    return {"boolean": isinstance(value, bool), "string": isinstance(value, str),
            "object": isinstance(value, dict)}.get(kind, True) if kind is not None else True
