"""openapi.yaml is a valid OpenAPI 3.1 document, and it is what the fake serves and obeys."""

from __future__ import annotations

import re

import httpx
import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from fake_beeper.contract import spec
from fake_beeper.fake import IN_PROCESS_URL
from fake_beeper.http.operations import ROUTER
from fake_beeper.http.server import LiveServer
from tests.conftest import AUTH


def test_openapi_yaml_is_a_valid_openapi_31_document() -> None:
    document, _ = read_from_filename("openapi.yaml")
    validate(document)  # raises with the offending path if the document is not valid OpenAPI
    assert document["openapi"].startswith("3.1")


def test_the_contract_is_read_as_pyyamls_own_safe_loader_reads_it() -> None:
    # spec() parses with libyaml where it is there, for speed: the document must be the same.
    assert spec.spec() == yaml.load(spec.spec_text(), Loader=yaml.SafeLoader)


def test_the_package_carries_the_same_document_as_the_repository_root() -> None:
    with open("openapi.yaml", encoding="utf-8") as root:
        assert spec.spec_text() == root.read()


def test_served_openapi_json_is_openapi_yaml_with_the_fakes_own_address(client: httpx.Client,
                                                                          live_server: LiveServer) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served.pop("servers") == [{"url": IN_PROCESS_URL, "description": "this fake-beeper"}]
    written = yaml.safe_load(spec.spec_text())
    del written["servers"]
    assert served == written
    # On a port, whatever it is, the document names that port (not Beeper's default 23373).
    live = httpx.get(f"{live_server.url}/openapi.json").json()
    assert live["servers"][0]["url"] == live_server.url


def test_served_openapi_yaml_is_the_file_itself(client: httpx.Client) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.text == spec.spec_text()


def test_swagger_ui_points_at_the_served_contract_and_works_offline(client: httpx.Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text
    # Every script and style comes from the fake itself: no CDN, so /docs works without a network.
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets and all(asset.startswith("/docs/assets/") for asset in assets), assets
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100, asset
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text


def test_the_operation_has_its_documented_parameters_and_statuses() -> None:
    operation = spec.list_chats_operation()
    assert operation["operationId"] == "listChats"
    assert set(spec.query_parameters()) == {"accountIDs", "cursor", "direction", "limit"}
    assert {"200", "400", "401"} <= set(operation["responses"])
    limit = spec.query_parameters()["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 200, 25)


@pytest.mark.parametrize("status", ["200", "400", "401"])
def test_every_response_example_is_valid_against_its_schema(status: str) -> None:
    content = spec.response(spec.LIST_CHATS_PATH, status)["content"]["application/json"]
    name = content["schema"]["$ref"].rsplit("/", 1)[-1]
    errors = [e.message for e in spec.validator(name).iter_errors(content["example"])]
    assert errors == []


@pytest.mark.parametrize("name", ["accountIDs", "cursor", "direction", "limit"])
def test_the_fake_accepts_every_parameter_example(client: httpx.Client, name: str) -> None:
    example = spec.query_parameters()[name]["example"]
    response = client.get("/v1/chats", params={name: example}, headers=AUTH)
    assert response.status_code == 200, response.text
    errors = [e.message for e in spec.validator("ListChatsResponse").iter_errors(response.json())]
    assert errors == []


def test_the_app_serves_every_operation_of_the_spec_and_no_other() -> None:
    served = {(operation.method, operation.path): operation for operation in ROUTER.operations()}
    assert set(served) == {(method.upper(), path) for path, item in spec.spec()["paths"].items()
                           for method in item if method in spec.METHODS}
    for (method, path), operation in served.items():  # /v1/info alone is open, as its `security: []` says
        assert operation.authenticated is (spec.operation(path, method).get("security") != [])
        assert operation.takes_body is ("requestBody" in spec.operation(path, method))
