"""The one walker over JSON Schema (``fake_beeper.jsonschema``): what every reader of a schema sees."""

from __future__ import annotations

import copy
import pickle

import pytest

from fake_beeper.contract import spec, stages
from fake_beeper.frozen import FrozenDict, freeze
from fake_beeper.jsonschema import Schemas, rewritten

COMPONENTS = {
    "Base": {"type": "object", "required": ["id"],
             "properties": {"id": {"type": "string"}, "tags": {"type": "array", "items": {"enum": ["a"]}}}},
    "More": {"allOf": [{"$ref": "#/components/schemas/Base"},
                       {"properties": {"tags": {"maxItems": 2}, "note": {"type": ["string", "null"]}}}]},
    "Either": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/More"}]},
}


def test_all_of_is_merged_at_every_depth_and_a_property_named_twice_is_both() -> None:
    schemas = Schemas(COMPONENTS)
    node = schemas.node({"allOf": [{"$ref": "#/components/schemas/More"}, {"required": ["note"]}]})
    assert set(node.properties) == {"id", "tags", "note"}
    assert node.required == ("id", "note")
    tags = schemas.node(node.properties["tags"])  # Base's and More's: the enum items and the cap
    assert tags.items == {"enum": ["a"]} and tags.first("maxItems") == 2


def test_one_of_is_a_branch_like_any_of_and_a_value_takes_the_first_of_its_type() -> None:
    schemas = Schemas(COMPONENTS)
    either = schemas.node(COMPONENTS["Either"])
    assert len(either.branches) == 2
    assert schemas.branch(either, "text") == {"type": "string"}
    assert schemas.branch(either, {"id": "x"}) == {"$ref": "#/components/schemas/More"}
    assert schemas.branch(either, 3) is None


def test_annotations_beside_a_ref_are_read_with_the_target_s() -> None:
    schemas = Schemas(COMPONENTS)
    node = schemas.node({"$ref": "#/components/schemas/Base", "x-note": "beside"})
    assert node.first("x-note") == "beside" and "id" in node.properties


def test_rewritten_visits_schemas_only_never_a_property_named_like_a_keyword() -> None:
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}},
                                               "enum": {"type": "string"}}}
    seen: list[object] = []

    def visit(sub: dict[str, object]) -> dict[str, object]:
        seen.append(sub.get("type"))
        return {**sub, "visited": True}

    out = rewritten(schema, visit)
    assert seen == ["string", "array", "string", "object"]  # innermost first
    assert set(out["properties"]) == {"items", "enum"} and out["visited"]
    assert "visited" not in schema  # a copy: the schema given is left as it was


def test_the_contract_is_handed_out_read_only() -> None:
    document = spec.spec()
    for change in (lambda: document.update(x=1), lambda: document["paths"].pop("/v1/chats"),
                   lambda: document["components"]["schemas"]["Chat"]["required"].append("x"),
                   lambda: stages.stage("4.2").document["info"].__setitem__("version", "9")):
        with pytest.raises(TypeError, match="read-only"):
            change()
    mine = copy.deepcopy(document)  # the way to a copy to change
    mine["components"]["schemas"]["Chat"]["required"].append("x")
    assert type(mine) is dict and "x" not in spec.component("Chat")["required"]
    assert pickle.loads(pickle.dumps(freeze({"a": [1]}))) == FrozenDict({"a": [1]})


def test_a_stage_is_one_object_whatever_its_name_or_a_pickle() -> None:
    assert stages.stage("latest") is stages.stage("6.0") is stages.LATEST
    assert pickle.loads(pickle.dumps(stages.stage("4.2"))) is stages.stage("4.2")  # a loader's worker gets it
    assert stages.stage(stages.stage("5.0")) is stages.stage("5.0")
    with pytest.raises(stages.ProfileError, match=r"unknown profile '7\.0'"):
        stages.stage("7.0")


def test_the_rule_of_which_stage_a_fake_serves() -> None:
    old, latest = stages.stage("4.2"), stages.LATEST
    assert stages.served(None, latest) is latest and stages.served(None, old) is old  # the data's own
    assert stages.served(old, latest) is old  # the newest projects to any
    with pytest.raises(stages.ProfileError, match=r"served as profile 4\.2 only, not 6\.0"):
        stages.served(latest, old)
