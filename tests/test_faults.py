"""Faults by rule, seen by the official Python SDK: retries through 429/5xx, expiry, broken connections."""

from __future__ import annotations

import time

import httpx
import pytest
from beeper_desktop_api import (
    APIConnectionError,
    AuthenticationError,
    BeeperDesktop,
    InternalServerError,
    RateLimitError,
)

from fake_beeper import FakeBeeper
from fake_beeper.errors import UsageError
from fake_beeper.world.scenario import ScenarioError, parse_scenario


@pytest.fixture
def fake() -> FakeBeeper:
    with FakeBeeper.generated(seed=2, count=60, accounts=3) as fake:
        yield fake


def sdk(fake: FakeBeeper, retries: int = 2) -> BeeperDesktop:
    return BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                         max_retries=retries, _strict_response_validation=True)


def statuses(fake: FakeBeeper) -> list[int | None]:
    return [r.status for r in fake.journal.to("/v1/chats")]


def test_the_sdk_retries_a_429_on_page_3_and_the_walk_completes(fake: FakeBeeper) -> None:
    fake.fail(status=429, retry_after_ms=20, page=3)

    walked = [chat.id for chat in sdk(fake).chats.list(limit=10)]

    assert walked == fake.ordered_ids()
    assert statuses(fake) == [200, 200, 429, 200, 200, 200, 200]
    retried = fake.journal.to("/v1/chats")[3]
    assert retried.headers["x-stainless-retry-count"] == "1"  # the SDK's own count
    assert retried.param("cursor") == fake.journal.to("/v1/chats")[2].param("cursor")


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_then_raised_when_they_persist(fake: FakeBeeper, status: int) -> None:
    fake.fail(status=status, retry_after_ms=1, times=2)
    assert len(sdk(fake).chats.list().items) == 25  # two failures, then the third attempt passes
    assert statuses(fake) == [status, status, 200]

    fake.fail(status=status, retry_after_ms=1, times=None)
    with pytest.raises(InternalServerError) as error:
        sdk(fake, retries=1).chats.list()
    assert error.value.status_code == status
    assert error.value.body["code"] in ("INTERNAL_ERROR", "UNAVAILABLE")


def test_a_rate_limit_that_persists_raises_rate_limit_error_with_the_headers(fake: FakeBeeper) -> None:
    fake.fail(status=429, retry_after=0.01, times=None)
    with pytest.raises(RateLimitError) as error:
        sdk(fake, retries=0).chats.list()
    assert error.value.response.headers["retry-after"] == "0.01"
    assert error.value.body == {"code": "RATE_LIMITED", "message": "Too many requests"}


def test_a_token_that_expires_mid_walk_is_an_authentication_error(fake: FakeBeeper) -> None:
    fake.fail(status=401, page=2)
    pages = sdk(fake).chats.list(limit=10).iter_pages()
    next(pages)
    with pytest.raises(AuthenticationError) as error:
        next(pages)
    assert error.value.body["message"] == "Token expired"  # what the real app says
    assert statuses(fake) == [200, 401]  # a 401 is not retried


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_broken_connections_are_retried_in_process(fake: FakeBeeper, fault: str) -> None:
    fake.fail(**{fault: True})
    assert [c.id for c in sdk(fake).chats.list(limit=30)] == fake.ordered_ids()
    assert len(fake.journal.to("/v1/chats")) == 3  # the broken one, its retry, and page 2


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_broken_connections_on_a_real_socket(fake: FakeBeeper, fault: str) -> None:
    fake.start()
    fake.fail(**{fault: True}, times=None)
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.token}"}) as http, \
            pytest.raises(httpx.RemoteProtocolError):
        http.get("/v1/chats")
    client = BeeperDesktop(base_url=fake.base_url, access_token=fake.token, max_retries=1)
    with pytest.raises(APIConnectionError):
        client.chats.list()
    fake.scenario()  # no faults: the same server answers again
    assert client.chats.list().items


def test_latency_fixed_and_in_a_range(fake: FakeBeeper) -> None:
    fake.fail(latency=0.2, times=1)
    fake.fail(latency=[0.05, 0.1], request=2)
    with fake.http_client() as http:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            assert http.get("/v1/chats").status_code == 200
            timings.append(time.perf_counter() - start)
    assert timings[0] >= 0.2 and timings[1] >= 0.05
    assert [rule.applied for rule in fake.state.faults.rules] == [1, 1]  # none on the third


def test_every_nth_request_and_a_parameter_match(fake: FakeBeeper) -> None:
    fake.fail(status=503, every=3, times=None)
    fake.fail(status=429, params={"direction": "after"}, times=None)
    with fake.http_client() as http:
        got = [http.get("/v1/chats").status_code for _ in range(6)]
        after = http.get("/v1/chats", params={"direction": "after"}).status_code
    assert got == [200, 200, 503, 200, 200, 503]
    assert after == 429


def test_a_probability_replays_the_same_way_for_the_same_seed(fake: FakeBeeper) -> None:
    def pattern() -> list[int]:
        fake.scenario(seed=11, rules=[{"match": {"probability": 0.3}, "fault": {"status": 503}}])
        with fake.http_client() as http:
            return [http.get("/v1/chats").status_code for _ in range(40)]

    first = pattern()
    assert first == pattern()
    assert 3 <= first.count(503) <= 25


def test_faults_apply_to_the_beeper_api_only(fake: FakeBeeper) -> None:
    fake.fail(status=503, times=None)
    with fake.http_client() as http:
        assert http.get("/openapi.json").status_code == 200
        assert http.get("/_fake-beeper/scenario").status_code == 200
        assert http.get("/v1/chats").status_code == 503


@pytest.mark.parametrize(("document", "message"), [
    ({"rules": [{"fault": {"status": 418}}]}, "rules[0].fault.status: 418 is not one of"),
    ({"rules": [{"fault": {"status": 429, "drop": True}}]}, "rules[0].fault"),
    ({"rules": [{"match": {"pgae": 2}, "fault": {"status": 500}}]},
     "rules[0].match: unknown key(s) 'pgae'; allowed: every, method, operation, page, params, probability, request"),
    ({"rules": [{"match": {"probability": 2}, "fault": {"drop": True}}]}, "rules[0].match.probability: 2"),
    ({"activity": {"every": 0}}, "activity.every: 0 is less than the minimum of 1"),
    ({"activity": {"every": 3, "events": {"message": 0, "newChat": 0, "archive": 0}}}, "every weight is 0"),
    ({"rulez": []}, "(the document): unknown key(s) 'rulez'; allowed: activity, behaviour, rules, seed"),
])
def test_a_bad_scenario_is_refused_with_its_place(document: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=r"^scenario: ") as error:
        parse_scenario(document)
    assert message in str(error.value)


def test_a_rule_can_fault_one_operation_only() -> None:
    with FakeBeeper() as fake:
        http = fake.http_client()
        fake.fail(503, operation="/v1/chats/search", times=None)
        assert http.get("/v1/chats/search").status_code == 503
        assert http.get("/v1/chats").status_code == 200
        fake.scenario(rules=[{"match": {"operation": "/v1/chats/{chatID}"}, "fault": {"status": 500}}])
        assert http.get(f"/v1/chats/{fake.ordered_ids()[0]}").status_code == 500
        assert http.get("/v1/accounts").status_code == 200
        with pytest.raises(UsageError, match="operation"):
            fake.fail(503, operation="/v1/nope")
