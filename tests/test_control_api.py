"""The control API under /_fake-beeper/: what a TypeScript or Go test suite uses to drive the fake."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec


@pytest.fixture
def control() -> Iterator[tuple[FakeBeeper, httpx.Client]]:
    with FakeBeeper.generated(seed=6, count=40) as fake, httpx.Client(base_url=fake.start().base_url) as http:
        yield fake, http


def test_put_get_and_delete_a_scenario(control: tuple[FakeBeeper, httpx.Client]) -> None:
    fake, http = control
    rules = {"rules": [{"name": "slow page 2", "match": {"page": 2}, "fault": {"status": 503, "retryAfter": 1}}]}
    assert http.put("/_fake-beeper/scenario", json=rules).json()["rules"] == [
        {"name": "slow page 2", "times": None, "applied": 0}]
    auth = {"Authorization": f"Bearer {fake.token}"}
    first = http.get("/v1/chats", headers=auth).json()
    second = http.get("/v1/chats", headers=auth, params={"cursor": first["oldestCursor"]})
    assert second.status_code == 503 and second.headers["retry-after"] == "1"
    assert http.get("/_fake-beeper/scenario").json()["rules"][0]["applied"] == 1
    assert http.delete("/_fake-beeper/scenario").status_code == 204
    assert http.get("/v1/chats", headers=auth, params={"cursor": first["oldestCursor"]}).status_code == 200


def test_a_bad_scenario_gets_a_400_with_the_error_body(control: tuple[FakeBeeper, httpx.Client]) -> None:
    _, http = control
    response = http.put("/_fake-beeper/scenario", json={"rules": [{"fault": {"status": 200}}]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "INVALID_SCENARIO" and "rules[0].fault.status" in body["message"]
    assert spec.validator("Error").is_valid(body)
    not_json = http.put("/_fake-beeper/scenario", content=b"{not json", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["code"] == "INVALID_REQUEST"


YAML_SCENARIO = b"""\
rules:
  - name: slow page 2
    match: {page: 2}
    fault: {status: 503, retryAfter: 1}
"""


def test_a_scenario_may_be_put_as_yaml_like_a_scenario_file(control: tuple[FakeBeeper, httpx.Client]) -> None:
    _, http = control
    response = http.put("/_fake-beeper/scenario", content=YAML_SCENARIO, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200
    assert response.json()["rules"] == [{"name": "slow page 2", "times": None, "applied": 0}]


@pytest.mark.parametrize(("body", "words"), [
    (b"a: &x [1]\nb: *x\n", "anchors and aliases"),  # the loader that refuses a billion laughs in files
    (b"rules: [{fault: {status: 200}}]\n", "rules[0].fault.status"),
    (b"rules: [\n", "not valid YAML or JSON"),
])
def test_a_bad_yaml_scenario_gets_a_400_as_a_bad_file_would(control: tuple[FakeBeeper, httpx.Client], body: bytes,
                                                           words: str) -> None:
    _, http = control
    response = http.put("/_fake-beeper/scenario", content=body, headers={"Content-Type": "text/yaml"})
    assert response.status_code == 400 and response.json()["code"] == "INVALID_SCENARIO"
    assert words in response.json()["message"]
    assert http.get("/_fake-beeper/scenario").json()["rules"] == []


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_bodies_must_be_json_so_a_cross_site_form_cannot_post_one(control: tuple[FakeBeeper, httpx.Client],
                                                                  content_type: str | None) -> None:
    fake, http = control
    newest = fake.ordered_ids()[0]
    body = b'{"event":"newChat","chat":{"id":"!x","title":"<img src=x onerror=alert(1)>"}}'
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.post("/_fake-beeper/activity", content=body, headers=headers)
    assert response.status_code == 415 and response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert fake.ordered_ids()[0] == newest
    assert http.put("/_fake-beeper/token", content=b'{"token":"x"}', headers=headers).status_code == 415
    assert fake.token == "fake-beeper-token"


@pytest.mark.parametrize(("body", "words"), [
    ({"event": "newChat", "chat": "x"}, 'chat: "x" is not of type "object"'),
    ({"event": "message", "chatID": ["a"]}, "chatID: [\"a\"] is not of type \"string\""),
    ({"event": "message", "text": 3}, "text: 3 is not of type"),
    ({"event": "explode"}, "event:"),
    (["event"], "the body:"),
    ({"event": "newChat", "chat": {"id": 1}}, "chat"),
    ({"token": 5}, "token: 5 is not of type"),
])
def test_wrong_types_are_a_400_never_a_500(control: tuple[FakeBeeper, httpx.Client], body: object,
                                           words: str) -> None:
    fake, http = control
    path = "/_fake-beeper/token" if isinstance(body, dict) and "token" in body else "/_fake-beeper/activity"
    response = (http.put if path.endswith("token") else http.post)(path, json=body)
    assert response.status_code == 400, response.text
    assert words in response.json()["message"]
    assert spec.validator("Error").is_valid(response.json())
    assert fake.errors == []


@pytest.mark.parametrize("token", ["", " padded ", "été", "a b", "tab\t", "=x"])
def test_a_token_that_can_never_authenticate_is_refused(control: tuple[FakeBeeper, httpx.Client], token: str) -> None:
    fake, http = control
    response = http.put("/_fake-beeper/token", json={"token": token})
    assert response.status_code == 400 and "not a valid bearer token" in response.json()["message"]
    assert fake.token == "fake-beeper-token"


def test_requests_takes_a_limit_and_never_returns_the_token(control: tuple[FakeBeeper, httpx.Client]) -> None:
    fake, http = control
    for limit in (1, 2, 3):
        http.get("/v1/chats", params={"limit": limit}, headers={"Authorization": f"Bearer {fake.token}"})
    newest_two = http.get("/_fake-beeper/requests", params={"limit": 2}).json()
    assert [r["query"] for r in newest_two] == [[["limit", "2"]], [["limit", "3"]]]
    assert all(r["headers"]["authorization"] == "[redacted]" for r in newest_two)
    assert fake.token not in http.get("/_fake-beeper/requests").text
    assert http.get("/_fake-beeper/requests", params={"limit": "0"}).status_code == 400


def test_activity_token_and_requests(control: tuple[FakeBeeper, httpx.Client]) -> None:
    fake, http = control
    target = fake.ordered_ids()[-1]
    assert http.post("/_fake-beeper/activity", json={"event": "message", "chatID": target}).json() == {
        "event": "message", "chatID": target}
    assert fake.ordered_ids()[0] == target
    assert http.post("/_fake-beeper/activity", json={"event": "remove", "chatID": "nope"}).status_code == 404
    assert http.post("/_fake-beeper/activity", json={"event": "explode"}).status_code == 400
    assert http.post("/_fake-beeper/activity", json={"event": "message", "chatID": "nope"}).status_code == 404

    assert http.put("/_fake-beeper/token", json={"token": "rotated"}).status_code == 200
    assert http.get("/v1/chats", headers={"Authorization": f"Bearer {fake.token}"}).status_code == 200
    assert http.get("/v1/chats", headers={"Authorization": "Bearer fake-beeper-token"}).status_code == 401

    recorded = http.get("/_fake-beeper/requests").json()
    assert [(r["path"], r["status"]) for r in recorded if r["path"] == "/v1/chats"] == [
        ("/v1/chats", 200), ("/v1/chats", 401)]


def test_the_control_routes_are_not_in_the_contract() -> None:
    assert not [path for path in spec.spec()["paths"] if path.startswith("/_fake-beeper")]
