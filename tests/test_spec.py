"""openapi.yaml is a valid OpenAPI 3.1 document, and it is what the fake serves and obeys."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from starlette.testclient import TestClient

from fake_beeper import spec
from tests.conftest import AUTH


def test_openapi_yaml_is_a_valid_openapi_31_document() -> None:
    document, _ = read_from_filename("openapi.yaml")
    validate(document)  # raises with the offending path if the document is not valid OpenAPI
    assert document["openapi"].startswith("3.1")


def test_the_package_carries_the_same_document_as_the_repository_root() -> None:
    with open("openapi.yaml", encoding="utf-8") as root:
        assert spec.spec_text() == root.read()


def test_served_openapi_json_is_openapi_yaml(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == yaml.safe_load(spec.spec_text())


def test_served_openapi_yaml_is_the_file_itself(client: TestClient) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.text == spec.spec_text()


def test_swagger_ui_points_at_the_served_contract(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text


def test_the_operation_has_its_documented_parameters_and_statuses() -> None:
    operation = spec.list_chats_operation()
    assert operation["operationId"] == "listChats"
    assert set(spec.query_parameters()) == {"accountIDs", "cursor", "direction", "limit"}
    assert {"200", "400", "401"} <= set(operation["responses"])
    limit = spec.query_parameters()["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 200, 25)


@pytest.mark.parametrize("status", ["200", "400", "401"])
def test_every_response_example_is_valid_against_its_schema(status: str) -> None:
    content = spec.list_chats_operation()["responses"][status]["content"]["application/json"]
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    errors = [e.message for e in spec.validator(name).iter_errors(content["example"])]
    assert errors == []


@pytest.mark.parametrize("name", ["accountIDs", "cursor", "direction", "limit"])
def test_the_fake_accepts_every_parameter_example(client: TestClient, name: str) -> None:
    example = spec.query_parameters()[name]["example"]
    response = client.get("/v1/chats", params={name: example}, headers=AUTH)
    assert response.status_code == 200, response.text
    errors = [e.message for e in spec.validator("ListChatsResponse").iter_errors(response.json())]
    assert errors == []
