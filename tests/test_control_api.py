"""The control API under /_fake-beeper/: what a TypeScript or Go test suite uses to drive the fake."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fake_beeper import FakeBeeper, spec


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
    assert http.put("/_fake-beeper/scenario", content=b"{not json").status_code == 400


def test_activity_token_and_requests(control: tuple[FakeBeeper, httpx.Client]) -> None:
    fake, http = control
    target = fake.ordered_ids()[-1]
    assert http.post("/_fake-beeper/activity", json={"event": "message", "chatID": target}).json() == {
        "event": "message", "chatID": target}
    assert fake.ordered_ids()[0] == target
    assert http.post("/_fake-beeper/activity", json={"event": "remove", "chatID": "nope"}).status_code == 404
    assert http.post("/_fake-beeper/activity", json={"event": "explode"}).status_code == 400

    assert http.put("/_fake-beeper/token", json={"token": "rotated"}).status_code == 200
    assert http.get("/v1/chats", headers={"Authorization": f"Bearer {fake.token}"}).status_code == 200
    assert http.get("/v1/chats", headers={"Authorization": "Bearer fake-beeper-token"}).status_code == 401

    recorded = http.get("/_fake-beeper/requests").json()
    assert [(r["path"], r["status"]) for r in recorded if r["path"] == "/v1/chats"] == [
        ("/v1/chats", 200), ("/v1/chats", 401)]


def test_the_control_routes_are_not_in_the_contract() -> None:
    assert not [path for path in spec.spec()["paths"] if path.startswith("/_fake-beeper")]
